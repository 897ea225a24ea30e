import { expect } from 'vitest';
import type { StaffCreated } from '../../src/contract/auth.js';
import type { ServiceProcess } from './service-process.js';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, to test what a JSON client would never send. */
  raw?: string;
  contentType?: string;
  /** The client address a trusted load balancer would name (X-Forwarded-For). */
  from?: string;
  /** More request headers (an Idempotency-Key). */
  headers?: Record<string, string>;
}

/** A small HTTP client for the end-to-end tier: real requests to the real process. */
export function client(baseUrl: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.from !== undefined) headers['x-forwarded-for'] = options.from;
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body: body as T, text };
  };
}

export type Call = ReturnType<typeof client>;

/** Spends the bootstrap token the service printed at first start on a staff user; returns its token. */
export async function bootstrapStaff(service: ServiceProcess): Promise<string> {
  const bootstrap = /skb_[A-Za-z0-9_-]+/.exec(service.stderr())?.[0];
  if (bootstrap === undefined) throw new Error(`no bootstrap token in:\n${service.stderr()}`);
  const answer = await client(service.url)<StaffCreated>('POST', '/v1/staff/bootstrap', {
    body: { token: bootstrap, email: 'staff@vendor.example' },
  });
  if (answer.status !== 201) throw new Error(`bootstrap failed: ${answer.text}`);
  return answer.body.token;
}

/** Every error is problem+json with a stable code and the request id, and never a stack trace. */
export function expectProblem(answer: Answer, status: number, code: string, field?: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ code, status, title: expect.any(String), detail: expect.any(String) });
  expect(answer.body.requestId).toBe(answer.headers.get('x-request-id'));
  if (field !== undefined) expect(answer.body.field).toBe(field);
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|Error:/);
}
