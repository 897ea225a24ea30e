import { ERRORS, type Failure, fail, ok, type Result } from '../../domain/errors.js';
import { shownKey } from '../../domain/key-status.js';
import { licenseKeyHint, parseLicenseKey } from '../../domain/license-key.js';
import { field } from '../../html/forms.js';
import type { HeartbeatOutcome, LicenseReport, Usage } from '../agent.js';
import type { PageRefusal } from './activation-view.js';

/** What the page needs of the agent: the operations `agent activate` and `agent subscribe` use. */
export interface PageAgent {
  readonly serviceUrl: string | undefined;
  usage(): Usage;
  activate(
    typedKey: string,
    serviceUrl?: string,
    options?: { failover?: boolean },
  ): Promise<Result<LicenseReport>>;
  /** Stored license files it could not read: shown beside the keys, as `agent usage` warns of them. */
  readonly unreadable: readonly { file: string; reason: string }[];
  joinSubscription(typedKey: string, serviceUrl?: string): Promise<Result<HeartbeatOutcome>>;
}

/** Where a form's outcome goes: the page again with a notice, or the form again with why not. */
export type ActionOutcome = { done: keyof typeof DONE } | { refusal: PageRefusal; status: number };

/** The notices a redirect may name (`/?done=activated`): only these, so a link cannot make the page say more. */
export const DONE = {
  activated: 'Activated: the key’s connections are added to the total.',
  replaced: 'Activated the new key: the old one stops counting when its week of overlap ends.',
  subscribed: 'This server joined the subscription’s pool.',
} as const;

const refused = (
  form: PageRefusal['form'],
  failure: Failure,
  body: unknown,
  licenseId?: string,
): ActionOutcome => ({
  refusal: {
    form,
    message: failure.detail,
    typed: field(body, 'key'),
    typedService: field(body, 'service'),
    ...(licenseId === undefined ? {} : { licenseId }),
  },
  status: ERRORS[failure.code].status,
});

/** The service URL a first activation needs, from the form; undefined once the agent knows one. */
function serviceUrlOf(agent: PageAgent, body: unknown): Result<string | undefined> {
  const typed = field(body, 'service');
  if (agent.serviceUrl !== undefined && typed === '') return ok(undefined);
  if (typed === '')
    return fail('validation_failed', 'Enter the license service URL: the first activation needs it.');
  let url: URL;
  try {
    url = new URL(typed);
  } catch {
    return fail('validation_failed', `"${typed}" is not a URL: enter it as https://licensing.example.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail('validation_failed', 'The license service URL begins with https:// (or http://).');
  return ok(typed);
}

/** Enter Activation Key > Activate: `agent activate`, the same operation. */
export async function activate(agent: PageAgent, body: unknown): Promise<ActionOutcome> {
  const key = field(body, 'key');
  if (key === '')
    return refused('activate', { code: 'validation_failed', detail: 'Enter the activation key.' }, body);
  const service = serviceUrlOf(agent, body);
  if (!service.ok) return refused('activate', service.error, body);
  // As `agent activate --failover`: a standby server's key is its primary's failover key.
  const activated = await agent.activate(key, service.value, { failover: field(body, 'failover') === 'yes' });
  if (!activated.ok) return refused('activate', activated.error, body);
  return { done: 'activated' };
}

/**
 * Replace: the new key for an old one the license service replaced. The agent has no operation that
 * ends a key here (the service ends it after the overlap week), so replacing is activating the very
 * key that replaces it, checked to be that key before the service is asked.
 */
export async function replace(agent: PageAgent, body: unknown): Promise<ActionOutcome> {
  const oldId = field(body, 'old');
  const key = field(body, 'key');
  const old = agent.usage().licenses.find((license) => license.licenseId === oldId);
  if (old?.replacedBy === undefined || old.replacedBy === null)
    return refused(
      'activate',
      { code: 'license_not_found', detail: `No key replaced by the license service is held as ${oldId}.` },
      {},
    );
  if (key === '')
    return refused('replace', { code: 'validation_failed', detail: 'Enter the new key.' }, body, oldId);
  const parsed = parseLicenseKey(key);
  if (!parsed.ok) return refused('replace', parsed.error, body, oldId);
  const next = old.replacedBy;
  if (licenseKeyHint(parsed.value) !== next.keyHint)
    return refused(
      'replace',
      {
        code: 'validation_failed',
        detail: `This is not the key that replaces ${shownKey(old.keyHint)}: its replacement ends in ${next.keyHint}.`,
      },
      body,
      oldId,
    );
  const activated = await agent.activate(key);
  if (!activated.ok) return refused('replace', activated.error, body, oldId);
  return { done: 'replaced' };
}

/** Enter Subscription Key: `agent subscribe`, the same operation (the server joins the pool). */
export async function subscribe(agent: PageAgent, body: unknown): Promise<ActionOutcome> {
  const key = field(body, 'key');
  if (key === '')
    return refused('subscribe', { code: 'validation_failed', detail: 'Enter the subscription key.' }, body);
  const service = serviceUrlOf(agent, body);
  if (!service.ok) return refused('subscribe', service.error, body);
  const joined = await agent.joinSubscription(key, service.value);
  if (!joined.ok) return refused('subscribe', joined.error, body);
  return { done: 'subscribed' };
}
