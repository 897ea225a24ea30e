import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPageWorld, agentWithPage, HOLDS_NOTHING } from '../../../test/support/agent-page.js';
import { ManualClock } from '../../../test/support/clock.js';
import { failoverKeyOf, replacedKey, subscriptionKey } from '../../../test/support/factories.js';
import { CONTENT_SECURITY_POLICY } from '../../html/document.js';

/** The license page of a real agent, activating through a real service on 127.0.0.1. */
describe('the agent’s license page', () => {
  const clock = new ManualClock('2027-03-01T09:00:00.000Z');
  const world = agentPageWorld(clock);
  const { issue, holds } = world;
  const NOTHING = HOLDS_NOTHING;

  it('shows Configuration > Activation with the usage as agent usage prints it, under the page headers', async () => {
    const page = await world.browser.get('/');
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
    await world.browser.get('/');
    const done = await world.browser.post('/activate', { key: license.key, service: world.service.url });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/?done=activated');
    expect(world.held.changes()).toBe(1);
    const page = await world.browser.get(done.location ?? '/');
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
    await world.browser.get('/');
    const page = await world.browser.post('/activate', { key, service: world.service.url });
    expect(page.status).toBe(status);
    expect(page.html).toContain(`<p class="error" role="alert">${message}</p>`);
    expect(holds()).toEqual(NOTHING);
    expect(world.held.changes()).toBe(0);
  });

  it('asks for the service URL on the first activation, and refuses what is not one', async () => {
    const license = await issue();
    await world.browser.get('/');
    expect((await world.browser.post('/activate', { key: license.key })).html).toContain(
      'Enter the license service URL: the first activation needs it.',
    );
    expect((await world.browser.post('/activate', { key: license.key, service: 'ftp://x' })).status).toBe(
      400,
    );
    expect(holds()).toEqual(NOTHING);
  });

  it('shows the service’s refusal verbatim: a key already activated on another machine', async () => {
    const license = await issue();
    const other = await agentWithPage(world.service, clock, { seed: 'other-machine' });
    try {
      expect((await other.agent.activate(license.key, world.service.url)).ok).toBe(true);
    } finally {
      await other.close();
    }
    await world.browser.get('/');
    const page = await world.browser.post('/activate', { key: license.key, service: world.service.url });
    expect(page.status).toBe(409);
    expect(page.html).toMatch(
      /<p class="error" role="alert">License error: machine properties validation failed: verify fail: [^<]+<\/p>/,
    );
    expect(holds()).toEqual(NOTHING);
  });

  it('replaces a key the service replaced with the key that replaces it, and no other', async () => {
    const license = await issue(10);
    expect((await world.held.agent.activate(license.key, world.service.url)).ok).toBe(true);
    const replacement = await replacedKey(world.service.ctx, license.id);
    await world.held.agent.refresh();
    const page = await world.browser.get('/');
    expect(page.html).toContain(`replaced by …${replacement.key.slice(-4)}`);
    expect(page.html).toContain(`Enter the new key for …${license.key.slice(-4)}`);

    const stranger = await issue(25);
    const wrong = await world.browser.post('/replace', { old: license.id, key: stranger.key });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain(
      `This is not the key that replaces …${license.key.slice(-4)}: its replacement ends in ${replacement.key.slice(-4)}.`,
    );
    expect(world.held.agent.licenses()).toHaveLength(1);

    const done = await world.browser.post('/replace', { old: license.id, key: replacement.key });
    expect(done.location).toBe('/?done=replaced');
    const after = await world.browser.get('/?done=replaced');
    expect(after.html).toContain('Activated the new key');
    expect(world.held.agent.licenses().map(({ licenseId }) => licenseId)).toEqual(
      expect.arrayContaining([license.id, replacement.id]),
    );
    expect(after.html).not.toContain('Replace a key');
  });

  it('joins a subscription pool as agent subscribe does, and shows the pool', async () => {
    const key = await subscriptionKey(world.service.ctx, { connections: 50 });
    await world.browser.get('/');
    expect((await world.browser.post('/subscribe', { key: '', service: world.service.url })).html).toContain(
      'Enter the subscription key.',
    );
    const done = await world.browser.post('/subscribe', { key, service: world.service.url });
    expect(done.location).toBe('/?done=subscribed');
    const page = await world.browser.get('/?done=subscribed');
    const subscription = world.held.agent.usage().subscription;
    expect(subscription).not.toBeNull();
    expect(page.html).toContain(subscription?.subscriptionId);
    expect(page.html).toContain('[0, 50]');
    expect(page.html).toMatch(/of 50 (in use|leased) across the pool/);
    expect(page.html).toContain('Last sync');
  });

  it('activates a failover key only with its box ticked, as agent activate --failover', async () => {
    const license = await issue(10);
    const failover = await failoverKeyOf(world.service.ctx, license.id);
    await world.browser.get('/');
    const refused = await world.browser.post('/activate', { key: failover.key, service: world.service.url });
    expect(refused.status).toBe(409);
    expect(refused.html).toContain(
      'This is a failover license key: it can only be activated on an integrated failover (standby) server, as a failover key.',
    );
    expect(holds()).toEqual(NOTHING);
    const done = await world.browser.post('/activate', {
      key: failover.key,
      service: world.service.url,
      failover: 'yes',
    });
    expect(done.location).toBe('/?done=activated');
    expect(world.held.agent.usage().licensed).toBe(10);
  });

  it('says which stored license file it cannot read, as agent usage warns', async () => {
    mkdirSync(join(world.held.stateDir, 'licenses'), { recursive: true });
    writeFileSync(join(world.held.stateDir, 'licenses', 'lic_broken.json'), '{ not json');
    world.held.agent.reload();
    const page = await world.browser.get('/');
    expect(page.html).toMatch(/Cannot read license file <code>[^<]*lic_broken\.json<\/code>: /);
  });
});
