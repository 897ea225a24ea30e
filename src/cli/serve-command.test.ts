import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './output.js';
import { cannotListen } from './serve-command.js';

const listenError = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

describe('why serve cannot listen, in words that name the flag to change', () => {
  // Root may listen on any port: a real socket shows this refusal only to another user.
  it('sends a port only root may use to one from 1024 up, through npm too', () => {
    const error = cannotListen(listenError('EACCES'), { host: '0.0.0.0', port: 80 });
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({
      code: 'port_not_permitted',
      exitCode: EXIT.usage,
      message:
        'port 80 on 0.0.0.0 needs root: start on a port from 1024 up with --port N (npm start -- --port N)',
    });
  });

  it('leaves any other error as it is, for the unexpected-error path', () => {
    const other = listenError('EMFILE');
    expect(cannotListen(other, { host: '127.0.0.1', port: 8080 })).toBe(other);
  });
});
