import { hashPassword } from '../../src/domain/password.js';
import { setPasswordHash } from '../../src/service/auth/user-repository.js';
import type { ServiceContext } from '../../src/service/context.js';

/** The password test users sign in with. */
export const PASSWORD = 'correct horse battery staple';

/** Gives the user with this email (of the account, or staff) a password, as a password link would. */
export async function givePassword(ctx: ServiceContext, email: string, password = PASSWORD): Promise<string> {
  const user = await ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .orderBy('created_at')
    .executeTakeFirstOrThrow();
  await setPasswordHash(ctx.store.db, user.id, await hashPassword(password));
  return user.id;
}

export interface Page {
  status: number;
  location: string | null;
  html: string;
  headers: Headers;
}

/**
 * A browser without a browser, for the pages' HTTP rules: it keeps cookies, follows nothing by
 * itself, and sends each form with the CSRF token of the page it was last shown.
 */
export class FormClient {
  readonly #cookies = new Map<string, string>();
  last: Page | undefined;

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  async request(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(this.#cookies.size > 0 ? { cookie: this.cookieHeader } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body }),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (/max-age=0\b/i.test(cookie) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    this.last = {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
      headers: response.headers,
    };
    return this.last;
  }

  get(path: string): Promise<Page> {
    return this.request('GET', path);
  }

  /** The CSRF token the last page's forms carry. */
  get csrf(): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(this.last?.html ?? '')?.[1];
    if (token === undefined) throw new Error('the last page has no form');
    return token;
  }

  /** Posts a form as the last page's form would, its CSRF token included unless given. */
  post(
    path: string,
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const form = new URLSearchParams();
    if (!('_csrf' in fields)) form.append('_csrf', this.csrf);
    for (const [name, value] of Object.entries(fields))
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
    return this.request('POST', path, form.toString(), headers);
  }

  /** Signs in through the sign-in page; the answer is the redirect to the start page. */
  async signIn(email: string, password = PASSWORD): Promise<Page> {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}
