import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createAccount } from '../../src/service/accounts/operations.js';
import { createStaff } from '../../src/service/auth/staff.js';
import { ManualClock } from '../support/clock.js';
import { ENGINES } from '../support/engines.js';
import { type InProcessService, startInProcessService } from '../support/in-process-service.js';
import { pageRoutes } from '../support/served-routes.js';
import { openStateReader, type StateReader } from '../support/state.js';
import { FormClient, givePassword, type Page } from '../support/web.js';

/** Pages anybody may open: signing in, and what leads to it. */
const PUBLIC = /^(GET|POST) \/(|sign-in|sign-out|password\/forgot|password\/set|welcome)$/;

/** The account owner's pages: billing and members. A member is refused them. */
const OWNER_ONLY = /^(GET|POST) \/(invoices|billing-address|members|orders|buy|keys\/renew)(\/|$)/;

/** A path with every parameter filled by an id nobody has. */
const withUnknownIds = (route: string): string =>
  route.slice(route.indexOf(' ') + 1).replace(/\{(\w+)\}/g, 'zzz_00000000000000000000000000');

/** A page shown, or one that sends its user on to another page (never back to sign in). */
function expectOpened(answer: Page, route: string): void {
  if (answer.status === 303) expect(answer.location, route).not.toMatch(/^\/sign-in/);
  else expect(answer.status, route).toBe(200);
}

describe.each(ENGINES)('who may open which page (%s)', (engine) => {
  const clock = new ManualClock(new Date('2027-03-01T09:00:00Z'));
  let service: InProcessService;
  let state: StateReader;
  let routes: string[];
  const browsers: Record<'owner' | 'member' | 'staff', FormClient> = {} as never;

  beforeAll(async () => {
    service = await startInProcessService(clock, engine);
    const account = await createAccount(service.ctx, { email: 'owner@example.com' });
    if (!account.ok) throw new Error(account.error.detail);
    await addMember(service.ctx, account.value.account.id, 'member@example.com');
    await createStaff(service.ctx, 'staff@vendor.example');
    for (const who of ['owner', 'member'] as const) await givePassword(service.ctx, `${who}@example.com`);
    await givePassword(service.ctx, 'staff@vendor.example');
    for (const [who, email] of [
      ['owner', 'owner@example.com'],
      ['member', 'member@example.com'],
      ['staff', 'staff@vendor.example'],
    ] as const) {
      browsers[who] = new FormClient(service.url);
      expect((await browsers[who].signIn(email)).status).toBe(303);
    }
    routes = pageRoutes(service.app.printRoutes({ commonPrefix: false }));
    state = await openStateReader(service.location, ['failed_attempts']);
  });
  afterAll(async () => {
    await state?.close();
    await service?.close();
  });

  it('sends a visitor who is not signed in to sign in first, from every page, and changes nothing', async () => {
    const before = await state.snapshot();
    for (const route of routes.filter((r) => !PUBLIC.test(r))) {
      const browser = new FormClient(service.url);
      await browser.get('/sign-in');
      const path = withUnknownIds(route);
      const answer = route.startsWith('GET') ? await browser.get(path) : await browser.post(path, {});
      expect(answer.status, route).toBe(303);
      expect(answer.location, route).toMatch(/^\/sign-in(\?|$)/);
    }
    expect(await state.snapshot()).toEqual(before);
  });

  it('refuses every form sent without its token, or with another browser’s, and changes nothing', async () => {
    const before = await state.snapshot();
    const stranger = new FormClient(service.url);
    await stranger.get('/sign-in');
    const foreignToken = stranger.csrf;
    for (const route of routes.filter((r) => r.startsWith('POST'))) {
      const path = withUnknownIds(route);
      for (const token of ['', foreignToken]) {
        const answer = await browsers.owner.post(path, { _csrf: token });
        expect(answer.status, `${route} with token "${token}"`).toBe(403);
        expect(answer.html).toContain('form_expired');
      }
    }
    expect(await state.snapshot()).toEqual(before);
  });

  it('keeps the console to staff, billing and members to the owner', async () => {
    for (const route of routes.filter((r) => r.startsWith('GET /console'))) {
      const path = withUnknownIds(route);
      expect((await browsers.owner.get(path)).status, route).toBe(403);
      expect((await browsers.member.get(path)).status, route).toBe(403);
    }
    for (const route of routes.filter((r) => r.startsWith('GET') && OWNER_ONLY.test(r) && !r.includes('{'))) {
      expect((await browsers.member.get(route.slice(4))).status, route).toBe(403);
      expectOpened(await browsers.owner.get(route.slice(4)), route);
    }
  });

  it('answers every page of an unknown id with a 404 page, never an error of its own', async () => {
    for (const route of routes.filter((r) => r.startsWith('GET') && r.includes('{'))) {
      const who = route.startsWith('GET /console') ? browsers.staff : browsers.owner;
      const answer = await who.get(withUnknownIds(route));
      expect([400, 404], `${route}: ${answer.status}`).toContain(answer.status);
      expect(answer.headers.get('content-type')).toContain('text/html');
    }
  });

  it('opens every page without a parameter for whom it is for', async () => {
    for (const route of routes.filter((r) => r.startsWith('GET') && !r.includes('{') && !PUBLIC.test(r))) {
      const who = route.startsWith('GET /console') ? browsers.staff : browsers.owner;
      const answer = await who.get(route.slice(4));
      expectOpened(answer, route);
      expect(answer.headers.get('content-security-policy'), route).toContain("default-src 'none'");
    }
  });
});
