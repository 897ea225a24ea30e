import { describe, expect, it } from 'vitest';
import { agentPageWorld, HOLDS_NOTHING, rawRequest } from '../../../test/support/agent-page.js';
import { ManualClock } from '../../../test/support/clock.js';
import { accountWithKey } from '../../../test/support/factories.js';
import { FormClient } from '../../../test/support/web.js';
import { GUESSES } from './guard.js';

/** The license page of a real agent, activating through a real service on 127.0.0.1. */
describe('the agent’s license page: who may use it', () => {
  const clock = new ManualClock('2027-03-01T09:00:00.000Z');
  const world = agentPageWorld(clock);
  const { issue, holds } = world;
  const NOTHING = HOLDS_NOTHING;

  it('refuses a form without its CSRF token, or with another browser’s, and changes nothing', async () => {
    const license = await issue();
    await world.browser.get('/');
    const token = world.browser.csrf;
    const without = await world.browser.post('/activate', {
      key: license.key,
      service: world.service.url,
      _csrf: '',
    });
    expect(without.status).toBe(403);
    expect(without.html).toContain('This form has expired or came from another site');
    const stranger = new FormClient(world.held.page.url);
    await stranger.get('/');
    const foreign = await world.browser.post('/activate', {
      key: license.key,
      service: world.service.url,
      _csrf: stranger.csrf,
    });
    expect(foreign.status).toBe(403);
    const crossSite = await world.browser.post(
      '/activate',
      { key: license.key, service: world.service.url, _csrf: token },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(holds()).toEqual(NOTHING);
  });

  it('refuses a foreign Host (DNS rebinding) and every method but GET and POST', async () => {
    const license = await issue();
    await world.browser.get('/');
    const body = new URLSearchParams({
      key: license.key,
      service: world.service.url,
      _csrf: world.browser.csrf,
    }).toString();
    const rebound = await rawRequest(world.held.page.url, {
      method: 'POST',
      path: '/activate',
      headers: {
        host: `evil.example:${world.held.page.port}`,
        cookie: world.browser.cookieHeader,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    expect(rebound.status).toBe(421);
    expect(
      (await rawRequest(world.held.page.url, { method: 'GET', path: '/', headers: { host: 'evil.example' } }))
        .status,
    ).toBe(421);
    const localhost = await rawRequest(world.held.page.url, {
      method: 'GET',
      path: '/',
      headers: { host: `localhost:${world.held.page.port}` },
    });
    expect(localhost.status).toBe(200);
    for (const method of ['PUT', 'DELETE', 'OPTIONS']) {
      const refused = await rawRequest(world.held.page.url, { method, path: '/' });
      expect(refused.status).toBe(405);
      expect(refused.headers.allow).toBe('GET, POST');
    }
    expect((await world.browser.get('/nowhere')).status).toBe(404);
    const json = await world.browser.request('POST', '/activate', JSON.stringify({ key: license.key }), {
      'content-type': 'application/json',
    });
    expect(json.status).toBe(415);
    await world.browser.get('/');
    const huge = await world.browser.post('/activate', {
      key: 'A'.repeat(70_000),
      service: world.service.url,
    });
    expect(huge.status).toBe(413);
    expect(holds()).toEqual(NOTHING);
  });
});

describe('the license page behind its admin password', () => {
  const clock = new ManualClock('2027-03-01T09:00:00.000Z');
  const PASSWORD = 'a long admin passphrase';
  const world = agentPageWorld(clock, { password: PASSWORD });

  it('asks for the password, refuses a wrong one, and lets in the right one with a strict session cookie', async () => {
    const { license } = await accountWithKey(world.service.ctx, { connections: 10 });
    const browser = new FormClient(world.held.page.url);
    const first = await browser.get('/');
    expect(first.status).toBe(303);
    expect(first.location).toBe('/sign-in');
    await browser.get('/sign-in');
    // A form sent without signing in changes nothing.
    const sneaked = await browser.post('/activate', { key: license.key, service: world.service.url });
    expect(sneaked.location).toBe('/sign-in');
    await browser.get('/sign-in');
    const wrong = await browser.post('/sign-in', { password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The password is not right: try again.');
    expect(browser.cookie('sk_agent_session')).toBeUndefined();
    expect(world.held.agent.licenses()).toEqual([]);

    const right = await browser.post('/sign-in', { password: PASSWORD });
    expect(right.location).toBe('/');
    const session = right.headers.getSetCookie().find((cookie) => cookie.startsWith('sk_agent_session='));
    expect(session).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Sign out');
    const done = await browser.post('/activate', { key: license.key, service: world.service.url });
    expect(done.location).toBe('/?done=activated');
    expect(world.held.agent.usage().licensed).toBe(10);

    await browser.get('/');
    await browser.post('/sign-out', {});
    expect((await browser.get('/')).location).toBe('/sign-in');
  });

  it('stops checking passwords after ten wrong ones, until the ten minutes end', async () => {
    const browser = new FormClient(world.held.page.url);
    await browser.get('/sign-in');
    for (let i = 0; i < GUESSES.limit; i++)
      expect((await browser.post('/sign-in', { password: `guess number ${i}` })).status).toBe(401);
    const blocked = await browser.post('/sign-in', { password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('Too many wrong passwords');
    expect(browser.cookie('sk_agent_session')).toBeUndefined();
    clock.advance(GUESSES.windowMs);
    expect((await browser.post('/sign-in', { password: PASSWORD })).location).toBe('/');
  });

  it('holds guesses sent all at once to the same limit', async () => {
    const browser = new FormClient(world.held.page.url);
    await browser.get('/sign-in');
    const answers = await Promise.all(
      Array.from({ length: GUESSES.limit + 5 }, (_, i) =>
        browser.post('/sign-in', { password: `guess ${i} at once` }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(GUESSES.limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
  });
});
