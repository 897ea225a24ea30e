import type { Failure, Result } from '../domain/errors.js';

/** Exit codes: scripts can tell a refusal from a mistake in the command from an outage. */
export const EXIT = { ok: 0, refused: 1, usage: 2, unavailable: 3, internal: 4 } as const;

export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(message: string, exitCode: number, code = 'error') {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** An operation's refusal as a CLI error: the stable code and the message a person reads. */
export function refused(failure: Failure): CliError {
  const exitCode =
    failure.code === 'validation_failed' || failure.code === 'vendor_key_missing'
      ? EXIT.usage
      : failure.code === 'service_unreachable'
        ? EXIT.unavailable
        : EXIT.refused;
  return new CliError(failure.detail, exitCode, failure.code);
}

/** The value of an operation that succeeded; otherwise the CLI stops with its code and message. */
export function orExit<T>(result: Result<T>): T {
  if (!result.ok) throw refused(result.error);
  return result.value;
}

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** Human notes that are not the command's output (progress, hints) go to stderr. */
export const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A plain text table with columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** The example lines a command's `--help` ends with. */
export const example = (...lines: string[]) => `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
