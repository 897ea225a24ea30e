import { expect } from 'vitest';
import type { ErrorCode, Failure, Result } from '../../src/domain/errors.js';

/** Asserts that `result` is the refusal `code`, and returns its error for further checks. */
export function expectRefusal<T>(result: Result<T>, code: ErrorCode): Failure {
  if (result.ok) expect.fail(`expected the refusal ${code}, got ${JSON.stringify(result.value)}`);
  expect(result.error.code).toBe(code);
  return result.error;
}

/** The value of a result expected to succeed; a refusal fails the test with its code and detail. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
}
