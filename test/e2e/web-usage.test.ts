import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { type Subscriber, subscriber } from '../support/portal.js';
import { FormClient } from '../support/web.js';

describe.each(ENGINES)('the Usage page (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let ours: Subscriber;
  let idle: Subscriber;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    ours = await subscriber(service.ctx, 'owner@example.com', { tunnels: 40, member: 'member@example.com' });
    // Hours later the pool peaks at 87, then falls back.
    clock.advance(5 * 3_600_000);
    await ours.report(87);
    clock.advance(60_000);
    await ours.report(20);
    idle = await subscriber(service.ctx, 'idle@example.com', { connections: 100 });
  });
  afterAll(() => service.close());

  const signedIn = async (email: string) => {
    const browser = new FormClient(service.url);
    expect((await browser.signIn(email)).status).toBe(303);
    return browser;
  };

  it('charts connected against licensed without script, named for screen readers, with a table beside it', async () => {
    for (const email of [ours.owner, 'member@example.com']) {
      const page = await (await signedIn(email)).get('/usage');
      expect(page.status).toBe(200);
      expect(page.html).toContain('Your peak in the last 30 days was 87 of 100: a 100-connection key fits.');
      expect(page.html).toMatch(/<svg class="chart" role="img"[^>]*aria-label="[^"]*the highest was 87/);
      expect(page.html).toContain('<title id="usage-0-title">');
      expect(page.html).toContain('<polyline class="used"');
      expect(page.html).toContain('<caption>Subscription');
      expect(page.html).toMatch(
        /<td>2027-03-01<\/td><td class="number">87<\/td><td class="number">100<\/td>/,
      );
      expect(page.html).toContain('vpn-owner@example.com.example.net');
      expect(page.html).not.toContain('<script');
      expect(page.html).toContain('reports none here');
    }
  });

  it('says a smaller key would do for an idle pool, and shows no other account’s usage', async () => {
    const page = await (await signedIn(idle.owner)).get('/usage');
    expect(page.status).toBe(200);
    expect(page.html).toContain(
      'Your peak in the last 30 days was 0 of 100: a smaller key would do, a 10-connection key fits.',
    );
    expect(page.html).not.toContain('87 of 100');
    expect(page.html).not.toContain('vpn-owner@example.com.example.net');
  });

  it('says there is no data yet once the last report is older than 30 days', async () => {
    clock.advance(31 * 86_400_000);
    const page = await (await signedIn(ours.owner)).get('/usage');
    expect(page.html).toContain('No usage reported in the last 30 days yet');
  });

  it('sends a visitor who is not signed in to sign in first', async () => {
    const page = await new FormClient(service.url).get('/usage');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/sign-in?next=%2Fusage');
  });
});
