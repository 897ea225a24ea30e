import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../domain/clock.js';
import { hashPassword, verifyPassword } from '../../domain/password.js';
import { cookiesOf, csrfMatches, csrfToken } from '../../html/forms.js';

/** The browser's form cookie (what its CSRF tokens are made of) and its signed-in session. */
export const FORM_COOKIE = 'sk_agent_form';
export const SESSION_COOKIE = 'sk_agent_session';

/** A browser keeps its form cookie a day: a page left open that long still sends its forms. */
export const FORM_COOKIE_MS = 24 * 60 * 60_000;

/** A signed-in administrator stays signed in this long without coming back. */
export const SESSION_IDLE_MS = 60 * 60_000;

/** HttpOnly (no script reads it) and SameSite=Strict (no other site's form or link carries it). */
export const cookieHeader = (name: string, value: string, maxAgeMs: number): string =>
  [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
  ].join('; ');

const newToken = (): string => randomBytes(32).toString('base64url');

/** Ten wrong passwords in ten minutes, and the page checks none until the ten minutes end. */
export const GUESSES = { limit: 10, windowMs: 600_000 } as const;

/**
 * What keeps the page to its administrator: CSRF tokens made with a key of this process alone (a
 * restart voids every form and session), and, when a password is set, sessions that begin with it.
 * Sessions live in memory: the page is one process's, and forgetting them at a restart is safe.
 */
export class PageGuard {
  readonly #csrfKey = randomBytes(32);
  readonly #clock: Clock;
  readonly #passwordHash: Promise<string> | undefined;
  /** Session token to the instant it lapses. */
  readonly #sessions = new Map<string, number>();
  /** Password checks one at a time: guesses sent in parallel are tried no faster than in a row. */
  #checking: Promise<unknown> = Promise.resolve();
  /** Wrong passwords in the current window, and when it ends. */
  #guesses = { count: 0, windowEndsAt: 0 };

  constructor(clock: Clock, password: string | undefined) {
    this.#clock = clock;
    // Hashed once at the start; the plain password is not kept.
    this.#passwordHash = password === undefined ? undefined : hashPassword(password);
  }

  get asksPassword(): boolean {
    return this.#passwordHash !== undefined;
  }

  /** The form cookie the browser brought, or a new one to set. */
  formCookie(request: IncomingMessage): { value: string; fresh: boolean } {
    const known = cookiesOf(request.headers).get(FORM_COOKIE);
    return known !== undefined && /^[A-Za-z0-9_-]{32}$/.test(known)
      ? { value: known, fresh: false }
      : { value: this.newFormCookie(), fresh: true };
  }

  newFormCookie(): string {
    return randomBytes(24).toString('base64url');
  }

  csrf(formCookie: string): string {
    return csrfToken(this.#csrfKey, formCookie);
  }

  csrfMatches(request: IncomingMessage, sent: string): boolean {
    const cookie = cookiesOf(request.headers).get(FORM_COOKIE);
    return cookie !== undefined && csrfMatches(this.#csrfKey, cookie, sent);
  }

  /** Whether the browser may see the page: no password is asked, or its session is alive. */
  signedIn(request: IncomingMessage): boolean {
    if (this.#passwordHash === undefined) return true;
    const token = cookiesOf(request.headers).get(SESSION_COOKIE);
    if (token === undefined) return false;
    const lapses = this.#sessions.get(token);
    const now = this.#clock.now().getTime();
    if (lapses === undefined || now >= lapses) {
      this.#sessions.delete(token);
      return false;
    }
    this.#sessions.set(token, now + SESSION_IDLE_MS);
    return true;
  }

  /** When guessing may go on, after too many wrong passwords; undefined while it may. */
  blockedUntil(): number | undefined {
    const now = this.#clock.now().getTime();
    const { count, windowEndsAt } = this.#guesses;
    return count >= GUESSES.limit && now < windowEndsAt ? windowEndsAt : undefined;
  }

  /**
   * A new session when the password is the one set; `wrong` when it is not; `blocked` after too
   * many wrong ones. The limit is judged and counted in the queue, one guess at a time, so guesses
   * sent together are held to it as well.
   */
  async signIn(typed: string): Promise<{ session: string } | 'wrong' | 'blocked'> {
    const hash = this.#passwordHash;
    if (hash === undefined) return 'wrong';
    const check = this.#checking.then(async (): Promise<boolean | 'blocked'> => {
      if (this.blockedUntil() !== undefined) return 'blocked';
      if (await verifyPassword(typed, await hash)) return true;
      const now = this.#clock.now().getTime();
      if (now >= this.#guesses.windowEndsAt)
        this.#guesses = { count: 0, windowEndsAt: now + GUESSES.windowMs };
      this.#guesses.count += 1;
      return false;
    });
    this.#checking = check.catch(() => false);
    const outcome = await check;
    if (outcome === 'blocked') return 'blocked';
    if (!outcome) return 'wrong';
    const token = newToken();
    this.#sessions.set(token, this.#clock.now().getTime() + SESSION_IDLE_MS);
    return { session: token };
  }

  signOut(request: IncomingMessage): void {
    const token = cookiesOf(request.headers).get(SESSION_COOKIE);
    if (token !== undefined) this.#sessions.delete(token);
  }
}
