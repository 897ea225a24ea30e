import { isIP } from 'node:net';
import { fail, ok, type Result } from '../../domain/errors.js';
import { checkNewPassword } from '../../domain/password.js';

/** Where the license page listens, and the admin password it asks for, if any. */
export interface PageSettings {
  host: string;
  port: number;
  /** Asked for before the page shows anything; required off the loopback address. */
  password: string | undefined;
}

export const DEFAULT_PAGE_HOST = '127.0.0.1';

/** The password's one source: an environment variable, never a flag (flags show in the process list). */
export const PAGE_PASSWORD_ENV = 'SEATKEEPER_AGENT_PAGE_PASSWORD';

/** Whether only this machine reaches an address: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^::ffff:127\./.test(bare) ||
    (isIP(bare) === 4 && bare.startsWith('127.'))
  );
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * The page's settings from what the operator gave (flags or environment, as text); undefined when
 * no port is given: `agent run` serves no page then. Says plainly what is wrong otherwise.
 */
export function pageSettings(given: {
  port: string | undefined;
  host: string | undefined;
  password: string | undefined;
}): Result<PageSettings | undefined> {
  const portText = given.port?.trim() ?? '';
  const hostText = given.host?.trim() ?? '';
  if (portText === '') {
    if (hostText !== '')
      return fail('validation_failed', 'the license page needs a port too: --page-port 943, for example');
    return ok(undefined);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    return fail('validation_failed', `--page-port must be a TCP port from 1 to 65535; got "${portText}"`);
  const host = (hostText === '' ? DEFAULT_PAGE_HOST : hostText).replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 && !HOSTNAME.test(host))
    return fail(
      'validation_failed',
      `--page-host must be an IP address or a host name of this machine, e.g. 127.0.0.1; got "${hostText}"`,
    );
  const password = given.password === '' ? undefined : given.password;
  if (password === undefined && !isLoopback(host))
    return fail(
      'validation_failed',
      `the license page on ${host} can be reached from other machines: set ${PAGE_PASSWORD_ENV} to the admin password it asks for (an environment variable, never a flag: flags show in the process list), or serve it on 127.0.0.1`,
    );
  if (password !== undefined) {
    const checked = checkNewPassword(password);
    if (!checked.ok) return fail('validation_failed', `${PAGE_PASSWORD_ENV}: ${checked.error.detail}`);
  }
  return ok({ host, port: Number(portText), password });
}
