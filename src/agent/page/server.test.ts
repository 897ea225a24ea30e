import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentWithPage, agentWithPage, rawRequest } from '../../../test/support/agent-page.js';
import { ManualClock } from '../../../test/support/clock.js';
import { accountWithKey, replacedKey, subscriptionKey } from '../../../test/support/factories.js';
import { type InProcessService, startInProcessService } from '../../../test/support/in-process-service.js';
import { FormClient } from '../../../test/support/web.js';
import { CONTENT_SECURITY_POLICY } from '../../html/document.js';

/** The license page of a real agent, activating through a real service on 127.0.0.1. */
describe('the agent’s license page', () => {
  const clock = new ManualClock('2027-03-01T09:00:00.000Z');
  let service: InProcessService;
  let held: AgentWithPage;
  let browser: FormClient;

  beforeEach(async () => {
    service = await startInProcessService(clock);
    held = await agentWithPage(service, clock);
    browser = new FormClient(held.page.url);
  });
  afterEach(async () => {
    await held.close();
    await service.close();
  });

  const issue = async (connections = 10) => (await accountWithKey(service.ctx, { connections })).license;
  /** What the agent holds: the proof that a refused form changed nothing. */
  const holds = () => {
    const { connected, licensed, licenses, subscription } = held.agent.usage();
    return { connected, licensed, licenses: licenses.length, subscription };
  };
  const NOTHING = { connected: 0, licensed: 2, licenses: 0, subscription: null };

  it('shows Configuration > Activation with the usage as agent usage prints it, under the page headers', async () => {
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(page.html).toContain('[0, 2]');
    expect(page.html).toContain('<label for="key">Enter Activation Key</label>');
    expect(page.html).toContain('No purchased key is active: the 2 built-in connections apply.');
    expect(page.html).toContain('License service URL');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.getSetCookie()[0]).toMatch(/^sk_agent_form=.*HttpOnly; SameSite=Strict/);
  });

  it('activates a key as agent activate does: [0, 10] and the key active', async () => {
    const license = await issue(10);
    await browser.get('/');
    const done = await browser.post('/activate', { key: license.key, service: service.url });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/?done=activated');
    expect(held.changes()).toBe(1);
    const page = await browser.get(done.location ?? '/');
    expect(page.html).toContain('[0, 10]');
    expect(page.html).toContain('Activated: the key’s connections are added to the total.');
    expect(page.html).toMatch(/<span class="badge ok">active<\/span>/);
    expect(page.html).toContain(`…${license.key.slice(-4)}`);
    // The service URL is remembered: the next activation does not ask for it.
    expect(page.html).not.toContain('License service URL');
  });

  it.each([
    ['an empty key', '', 'Enter the activation key.', 400],
    [
      'a key of the wrong length',
      'ABCD-EFGH',
      'A license key has 20 characters in five groups of four; this one has 8.',
      400,
    ],
    [
      'a mistyped key',
      'ABCD-EFGH-JKMN-PQRS-TVWX',
      'A character of the license key is mistyped: check it and try again.',
      400,
    ],
  ])('refuses %s next to the form, saying why, and changes nothing', async (_what, key, message, status) => {
    await browser.get('/');
    const page = await browser.post('/activate', { key, service: service.url });
    expect(page.status).toBe(status);
    expect(page.html).toContain(`<p class="error" role="alert">${message}</p>`);
    expect(holds()).toEqual(NOTHING);
    expect(held.changes()).toBe(0);
  });

  it('asks for the service URL on the first activation, and refuses what is not one', async () => {
    const license = await issue();
    await browser.get('/');
    expect((await browser.post('/activate', { key: license.key })).html).toContain(
      'Enter the license service URL: the first activation needs it.',
    );
    expect((await browser.post('/activate', { key: license.key, service: 'ftp://x' })).status).toBe(400);
    expect(holds()).toEqual(NOTHING);
  });

  it('shows the service’s refusal verbatim: a key already activated on another machine', async () => {
    const license = await issue();
    const other = await agentWithPage(service, clock, { seed: 'other-machine' });
    try {
      expect((await other.agent.activate(license.key, service.url)).ok).toBe(true);
    } finally {
      await other.close();
    }
    await browser.get('/');
    const page = await browser.post('/activate', { key: license.key, service: service.url });
    expect(page.status).toBe(409);
    expect(page.html).toMatch(
      /<p class="error" role="alert">License error: machine properties validation failed: verify fail: [^<]+<\/p>/,
    );
    expect(holds()).toEqual(NOTHING);
  });

  it('refuses a form without its CSRF token, or with another browser’s, and changes nothing', async () => {
    const license = await issue();
    await browser.get('/');
    const token = browser.csrf;
    const without = await browser.post('/activate', { key: license.key, service: service.url, _csrf: '' });
    expect(without.status).toBe(403);
    expect(without.html).toContain('This form has expired or came from another site');
    const stranger = new FormClient(held.page.url);
    await stranger.get('/');
    const foreign = await browser.post('/activate', {
      key: license.key,
      service: service.url,
      _csrf: stranger.csrf,
    });
    expect(foreign.status).toBe(403);
    const crossSite = await browser.post(
      '/activate',
      { key: license.key, service: service.url, _csrf: token },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(holds()).toEqual(NOTHING);
  });

  it('refuses a foreign Host (DNS rebinding) and every method but GET and POST', async () => {
    const license = await issue();
    await browser.get('/');
    const body = new URLSearchParams({
      key: license.key,
      service: service.url,
      _csrf: browser.csrf,
    }).toString();
    const rebound = await rawRequest(held.page.url, {
      method: 'POST',
      path: '/activate',
      headers: {
        host: `evil.example:${held.page.port}`,
        cookie: browser.cookieHeader,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    expect(rebound.status).toBe(421);
    expect(
      (await rawRequest(held.page.url, { method: 'GET', path: '/', headers: { host: 'evil.example' } }))
        .status,
    ).toBe(421);
    const localhost = await rawRequest(held.page.url, {
      method: 'GET',
      path: '/',
      headers: { host: `localhost:${held.page.port}` },
    });
    expect(localhost.status).toBe(200);
    for (const method of ['PUT', 'DELETE', 'OPTIONS']) {
      const refused = await rawRequest(held.page.url, { method, path: '/' });
      expect(refused.status).toBe(405);
      expect(refused.headers.allow).toBe('GET, POST');
    }
    expect((await browser.get('/nowhere')).status).toBe(404);
    expect(holds()).toEqual(NOTHING);
  });

  it('replaces a key the service replaced with the key that replaces it, and no other', async () => {
    const license = await issue(10);
    expect((await held.agent.activate(license.key, service.url)).ok).toBe(true);
    const replacement = await replacedKey(service.ctx, license.id);
    await held.agent.refresh();
    const page = await browser.get('/');
    expect(page.html).toContain(`replaced by …${replacement.key.slice(-4)}`);
    expect(page.html).toContain(`Enter the new key for …${license.key.slice(-4)}`);

    const stranger = await issue(25);
    const wrong = await browser.post('/replace', { old: license.id, key: stranger.key });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain(
      `This is not the key that replaces …${license.key.slice(-4)}: its replacement ends in ${replacement.key.slice(-4)}.`,
    );
    expect(held.agent.licenses()).toHaveLength(1);

    const done = await browser.post('/replace', { old: license.id, key: replacement.key });
    expect(done.location).toBe('/?done=replaced');
    const after = await browser.get('/?done=replaced');
    expect(after.html).toContain('Activated the new key');
    expect(held.agent.licenses().map(({ licenseId }) => licenseId)).toEqual(
      expect.arrayContaining([license.id, replacement.id]),
    );
    expect(after.html).not.toContain('Replace a key');
  });

  it('joins a subscription pool as agent subscribe does, and shows the pool', async () => {
    const key = await subscriptionKey(service.ctx, { connections: 50 });
    await browser.get('/');
    expect((await browser.post('/subscribe', { key: '', service: service.url })).html).toContain(
      'Enter the subscription key.',
    );
    const done = await browser.post('/subscribe', { key, service: service.url });
    expect(done.location).toBe('/?done=subscribed');
    const page = await browser.get('/?done=subscribed');
    const subscription = held.agent.usage().subscription;
    expect(subscription).not.toBeNull();
    expect(page.html).toContain(subscription?.subscriptionId);
    expect(page.html).toContain('[0, 50]');
    expect(page.html).toMatch(/of 50 (in use|leased) across the pool/);
    expect(page.html).toContain('Last sync');
  });
});

describe('the license page behind its admin password', () => {
  const clock = new ManualClock('2027-03-01T09:00:00.000Z');
  const PASSWORD = 'a long admin passphrase';
  let service: InProcessService;
  let held: AgentWithPage;

  beforeEach(async () => {
    service = await startInProcessService(clock);
    held = await agentWithPage(service, clock, { password: PASSWORD });
  });
  afterEach(async () => {
    await held.close();
    await service.close();
  });

  it('asks for the password, refuses a wrong one, and lets in the right one with a strict session cookie', async () => {
    const { license } = await accountWithKey(service.ctx, { connections: 10 });
    const browser = new FormClient(held.page.url);
    const first = await browser.get('/');
    expect(first.status).toBe(303);
    expect(first.location).toBe('/sign-in');
    await browser.get('/sign-in');
    // A form sent without signing in changes nothing.
    const sneaked = await browser.post('/activate', { key: license.key, service: service.url });
    expect(sneaked.location).toBe('/sign-in');
    await browser.get('/sign-in');
    const wrong = await browser.post('/sign-in', { password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The password is not right: try again.');
    expect(browser.cookie('sk_agent_session')).toBeUndefined();
    expect(held.agent.licenses()).toEqual([]);

    const right = await browser.post('/sign-in', { password: PASSWORD });
    expect(right.location).toBe('/');
    const session = right.headers.getSetCookie().find((cookie) => cookie.startsWith('sk_agent_session='));
    expect(session).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Sign out');
    const done = await browser.post('/activate', { key: license.key, service: service.url });
    expect(done.location).toBe('/?done=activated');
    expect(held.agent.usage().licensed).toBe(10);

    await browser.get('/');
    await browser.post('/sign-out', {});
    expect((await browser.get('/')).location).toBe('/sign-in');
  });
});
