import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import { linkForUser, passwordLinkFor, passwordLinkPath } from '../../src/service/auth/password-links.js';
import { createStaff } from '../../src/service/auth/staff.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { FormClient, givePassword, PASSWORD } from '../support/web.js';

describe.each(ENGINES)('signing in to the pages (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  const owner = 'owner@example.com';

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    const created = await createAccount(service.ctx, { email: owner, name: 'Example Corp' });
    if (!created.ok) throw new Error(created.error.detail);
    await givePassword(service.ctx, owner);
  });
  afterAll(() => service.close());

  it('sends a visitor who is not signed in to the sign-in page, and back after', async () => {
    const browser = new FormClient(service.url);
    const first = await browser.get('/keys');
    expect(first.status).toBe(303);
    expect(first.location).toBe('/sign-in?next=%2Fkeys');
    const form = await browser.get(first.location ?? '');
    expect(form.status).toBe(200);
    expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(form.headers.get('content-security-policy')).not.toContain('script-src');
    const signedIn = await browser.post('/sign-in', {
      email: 'Owner@Example.com',
      password: PASSWORD,
      next: '/keys',
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/keys');
    const session = signedIn.headers.getSetCookie().find((cookie) => cookie.startsWith('sk_session='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/);
  });

  it('refuses a wrong password, an unknown email and a form without its token, with no session', async () => {
    for (const [email, password] of [
      [owner, 'not the password at all'],
      ['nobody@example.com', PASSWORD],
    ] as const) {
      const browser = new FormClient(service.url);
      await browser.get('/sign-in');
      const refused = await browser.post('/sign-in', { email, password });
      expect(refused.status).toBe(401);
      expect(refused.html).toContain('The email or the password is not right');
      expect(browser.cookie('sk_session')).toBeUndefined();
    }
    const forged = new FormClient(service.url);
    await forged.get('/sign-in');
    const noToken = await forged.post('/sign-in', { _csrf: 'made-up', email: owner, password: PASSWORD });
    expect(noToken.status).toBe(403);
    expect(noToken.html).toContain('form_expired');
    const otherSite = new FormClient(service.url);
    await otherSite.get('/sign-in');
    const crossSite = await otherSite.post(
      '/sign-in',
      { email: owner, password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(otherSite.cookie('sk_session')).toBeUndefined();
  });

  it('sends an open redirect home instead', async () => {
    const browser = new FormClient(service.url);
    await browser.signIn(owner);
    for (const next of [
      '//evil.example/x',
      '/\t/evil.example',
      '/\\evil.example',
      'https://evil.example/',
      '/.//evil.example',
      '/..//evil.example/x',
      '/%2e//evil.example',
    ]) {
      const fresh = new FormClient(service.url);
      await fresh.get('/sign-in');
      const signedIn = await fresh.post('/sign-in', { email: owner, password: PASSWORD, next });
      expect(signedIn.location, JSON.stringify(next)).toBe('/keys');
    }
    for (const next of ['/\t/evil.example', '/.//evil.example']) {
      const already = await browser.get(`/sign-in?next=${encodeURIComponent(next)}`);
      expect(already.location, next).toBe('/keys');
    }
  });

  it('ends the session at sign-out', async () => {
    const browser = new FormClient(service.url);
    await browser.signIn(owner);
    const cookie = browser.cookieHeader;
    await browser.get('/');
    await browser.get('/sign-in?next=/');
    expect(browser.last?.status).toBe(303);
    await browser.get('/keys');
    const out = await browser.post('/sign-out', {});
    expect(out.location).toBe('/sign-in');
    // The old cookie, replayed, no longer signs anybody in.
    const replay = await fetch(`${service.url}/keys`, {
      redirect: 'manual',
      headers: { cookie, accept: 'text/html' },
    });
    expect(replay.status).toBe(303);
  });

  it('sets a password once through its link, and signs in with it', async () => {
    const staff = await createStaff(service.ctx, 'helper@vendor.example');
    if (!staff.ok) throw new Error(staff.error.detail);
    const made = await linkForUser(service.ctx, { userId: staff.value.userId, actor: 'operator' });
    if (!made.ok) throw new Error(made.error.detail);
    const { token } = made.value;
    const browser = new FormClient(service.url);
    const form = await browser.get(passwordLinkPath(token));
    expect(form.html).toContain('helper@vendor.example');
    const short = await browser.post('/password/set', { token, password: 'short', again: 'short' });
    expect(short.status).toBe(400);
    expect(short.html).toContain('at least 12 characters');
    const set = await browser.post('/password/set', {
      token,
      password: 'a long new passphrase',
      again: 'a long new passphrase',
    });
    expect(set.status).toBe(303);
    expect((await browser.get('/')).location).toBe('/console');
    const again = await new FormClient(service.url).get(passwordLinkPath(token));
    expect(again.status).toBe(400);
    expect(again.html).toContain('password_link_invalid');
    const other = new FormClient(service.url);
    expect((await other.signIn('helper@vendor.example', 'a long new passphrase')).location).toBe('/console');
  });

  it('refuses a body that is not a form with a page, never an error of its own', async () => {
    const browser = new FormClient(service.url);
    await browser.get('/sign-in');
    for (const [type, body] of [
      ['application/json', '{"_csrf":1,"email":["a"],"password":{}}'],
      ['text/plain', 'email=owner@example.com'],
    ] as const) {
      const answer = await browser.request('POST', '/sign-in', body, { 'content-type': type });
      expect(answer.status, type).toBe(400);
      expect(answer.html).toContain('Send the form as a browser does');
    }
    await browser.get('/sign-in');
    const arrays = await browser.post('/sign-in', { email: [owner, owner], password: [PASSWORD, 'x'] });
    expect(arrays.status).toBe(303);
  });

  it('answers an unknown page with an HTML 404 and the API with problem+json', async () => {
    const page = await new FormClient(service.url).get('/no-such-page');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    const api = await fetch(`${service.url}/v1/nothing`);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });

  it('gives an operator a link for a user: an invitation first, a reset once a password is set', async () => {
    const made = await createAccount(service.ctx, { email: 'second@example.com' });
    if (!made.ok) throw new Error(made.error.detail);
    const invitation = await passwordLinkFor(service.ctx, { email: 'second@example.com', actor: 'operator' });
    expect(invitation.ok && invitation.value.purpose).toBe('invitation');
    const reset = await passwordLinkFor(service.ctx, { email: owner, actor: 'operator' });
    expect(reset.ok && reset.value.purpose).toBe('reset');
    const unknown = await passwordLinkFor(service.ctx, { email: 'nobody@example.com', actor: 'operator' });
    expect(!unknown.ok && unknown.error.code).toBe('user_not_found');
    await addMember(service.ctx, made.value.account.id, owner);
    const ambiguous = await passwordLinkFor(service.ctx, { email: owner, actor: 'operator' });
    expect(!ambiguous.ok && ambiguous.error).toMatchObject({ code: 'validation_failed', field: 'account' });
    const named = await passwordLinkFor(service.ctx, {
      email: owner,
      accountId: made.value.account.id,
      actor: 'operator',
    });
    expect(named.ok && named.value.purpose).toBe('invitation');
  });

  it('stops guessing at one person’s password: after the limit even the right one waits', async () => {
    const limited = await startInProcessService(clock, engine, {
      failureLimits: { perAddress: 1000, perPrefix: 3, windowMs: 600_000 },
    });
    try {
      const made = await createAccount(limited.ctx, { email: 'guarded@example.com' });
      if (!made.ok) throw new Error(made.error.detail);
      await givePassword(limited.ctx, 'guarded@example.com');
      const guesser = new FormClient(limited.url);
      for (let i = 0; i < 3; i++)
        expect((await guesser.signIn('guarded@example.com', `guess number ${i}`)).status).toBe(401);
      const blocked = await new FormClient(limited.url).signIn('guarded@example.com');
      expect(blocked.status).toBe(429);
      expect(blocked.html).toContain('rate_limited');
      expect(blocked.headers.get('retry-after')).not.toBeNull();
      // Another person's sign-in from the same address is not held up.
      const made2 = await createAccount(limited.ctx, { email: 'other@example.com' });
      if (!made2.ok) throw new Error(made2.error.detail);
      await givePassword(limited.ctx, 'other@example.com');
      expect((await new FormClient(limited.url).signIn('other@example.com')).status).toBe(303);
      clock.advance(600_000);
      expect((await new FormClient(limited.url).signIn('guarded@example.com')).status).toBe(303);
    } finally {
      await limited.close();
    }
  });

  it('keeps a link’s token out of the request log', async () => {
    const lines: string[] = [];
    const logged = await startInProcessService(clock, engine, {
      logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
    });
    try {
      const token = 'skp_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
      expect((await new FormClient(logged.url).get(passwordLinkPath(token))).status).toBe(400);
      const line = lines.find((entry) => entry.includes('/password/set'));
      expect(line).toContain('token=[redacted]');
      expect(lines.join('\n')).not.toContain(token.slice(4));
    } finally {
      await logged.close();
    }
  });
});
