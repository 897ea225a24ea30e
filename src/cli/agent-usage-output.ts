// What the agent's commands print of a server's licenses and subscription, for its operator.

import type { Tunnel } from '../agent/admission.js';
import type { HeartbeatOutcome, RefreshOutcome, SubscriptionReport, Usage } from '../agent/agent.js';
import type { Result } from '../domain/errors.js';
import { readableInstant, shownKey } from '../domain/key-status.js';
import { print, table } from './output.js';

/** Whether an `agent run` holds this state directory: it alone sends the pool's heartbeats. */
export interface AgentRunning {
  pid: number | undefined;
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

const START_AGENT =
  'start the agent (`seatkeeper agent run`, or `systemctl start seatkeeper-agent`) to keep this server in the pool';

/** How the pool shares its connections, in the customer's terms. */
function sharing(sub: SubscriptionReport): string {
  const all = sub.connections;
  return sub.mode === 'lease'
    ? `This server holds ${sub.lease ?? 0} of the pool's ${all} connections now and takes more, a few at a time, as its tunnels need them, up to all ${all} when the other servers leave them free.`
    : `Each server of the pool may use up to all ${all} connections, as far as the others leave them free.`;
}

/** What keeps the subscription counting here, or what brings it back. */
function keepingAlive(sub: SubscriptionReport, running: AgentRunning): string {
  const every = seconds(sub.heartbeatIntervalMs);
  if (running.pid !== undefined)
    return sub.counting
      ? `The running agent (pid ${running.pid}) keeps this server in the pool with a heartbeat every ${every}.`
      : `The running agent (pid ${running.pid}) has had no answer from the pool in time: it sends heartbeats once attached to the OpenVPN server; see its log (events heartbeat_failed, management_unavailable). \`seatkeeper agent refresh\` asks it to send one now.`;
  if (!sub.counting)
    return `No agent runs on this state directory to send heartbeats: ${START_AGENT}, or run \`seatkeeper agent refresh\` to send one heartbeat now.`;
  const until = sub.countingUntil === null ? '' : ` at ${readableInstant(sub.countingUntil, 'seconds')}`;
  return `A running agent keeps this server in the pool with a heartbeat every ${every}, but none runs on this state directory: without one the subscription stops counting here${until}; ${START_AGENT}.`;
}

export function subscriptionLines(sub: SubscriptionReport, running: AgentRunning): string[] {
  const state = sub.counting
    ? 'counting'
    : 'not counting (no answer within its grace or lease): fixed keys and built-in connections apply';
  const pool =
    sub.mode === 'lease'
      ? `lease ${sub.lease} of ${sub.connections}`
      : `${sub.poolUsed ?? '?'} of ${sub.connections} in use across the pool`;
  return [
    `Subscription ${sub.subscriptionId} (${sub.mode}): ${pool}; ${state}.`,
    ...(sub.counting ? [sharing(sub)] : []),
    keepingAlive(sub, running),
  ];
}

/** A license's note in the table: why it does not count, or the key that replaces it. */
function licenseNote(license: Usage['licenses'][number]): string {
  if (license.reason !== null) return license.reason;
  const next = license.replacedBy;
  if (next === null) return '';
  const stops = next.stopsAt === null ? '' : `, stops at ${readableInstant(next.stopsAt)}`;
  return `replaced by ${shownKey(next.keyHint)}${stops}`;
}

/** What to do about keys the service replaced: activate the replacement, named by its last characters. */
function replacementLines(usage: Usage): string[] {
  return usage.licenses.flatMap(({ licenseId, keyHint, replacedBy, status }) =>
    replacedBy === null || status !== 'counting'
      ? []
      : [
          `Key ${shownKey(keyHint)} (${licenseId}) was replaced by the key ${shownKey(replacedBy.keyHint)} (${replacedBy.licenseId})${replacedBy.stopsAt === null ? '' : ` and stops counting at ${readableInstant(replacedBy.stopsAt)}`}: activate the new key in its place (\`seatkeeper agent activate <the key ending in ${replacedBy.keyHint}>\`; \`seatkeeper key list\` shows it to the account).`,
        ],
  );
}

/** The tunnels an agent holds, after a blank line: a server's and a gateway's alike. */
export function printTunnels(tunnels: readonly Tunnel[]): void {
  print();
  if (tunnels.length === 0) print('No tunnels are connected through this agent.');
  else
    print(
      table(
        ['TUNNEL', 'USER', 'ADDRESS', 'CONNECTED'],
        tunnels.map((t) => [t.id, t.user ?? '-', t.address ?? '-', t.connectedAt.toISOString()]),
      ),
    );
}

export function printUsage(usage: Usage, running: AgentRunning = { pid: undefined }): void {
  // The first line reads like Access Server's `sacli LicUsage`: [connected, licensed].
  print(`[${usage.connected}, ${usage.licensed}]`);
  print();
  print(`Server ${usage.serverId}: ${usage.connected} of ${usage.licensed} connections in use.`);
  if (usage.simulatedMachine)
    print(
      `Simulated machine: properties from ${usage.simulatedMachine} (--simulate-machine), not this machine's own.`,
    );
  const subscriptionCounts = usage.subscription?.counting === true;
  if (!subscriptionCounts && !usage.licenses.some((license) => license.status === 'counting')) {
    print('No purchased key is active: the 2 built-in connections apply.');
  }
  if (usage.subscription !== null)
    for (const line of subscriptionLines(usage.subscription, running)) print(line);
  if (usage.licenses.length > 0) {
    print();
    print(
      table(
        ['LICENSE', 'KEY', 'SEATS', 'STATUS', 'TERM ENDS', 'CERTIFICATE UNTIL', 'NOTE'],
        usage.licenses.map((l) => [
          l.licenseId,
          `${shownKey(l.keyHint)}`,
          String(l.seats),
          l.status.replace('_', ' '),
          l.ends?.slice(0, 10) ?? '-',
          l.certificateExpiresAt?.slice(0, 16).replace('T', ' ') ?? '-',
          licenseNote(l),
        ]),
      ),
    );
    for (const line of replacementLines(usage)) print(line);
  }
  printTunnels(usage.tunnels);
}

/** `agent refresh`: what the service said of each key, and of the pool. */
export function printRefresh(
  outcomes: RefreshOutcome[],
  licenses: number,
  pool: { heartbeat: Result<HeartbeatOutcome> | undefined; report: SubscriptionReport | null },
  running: AgentRunning,
): void {
  if (licenses === 0 && pool.report === null)
    print('This server has no keys and no subscription to refresh.');
  if (licenses > 0 && outcomes.length === 0)
    print('The license service has no change for this server’s keys; no certificate needs refreshing yet.');
  for (const { licenseId, changed, result } of outcomes) {
    const why = changed ? ' (changed by the license service)' : '';
    print(
      `${licenseId}: ${result.ok ? `refreshed${why}, valid until ${result.value.certificateExpiresAt}` : `${result.error.code}: ${result.error.detail}`}`,
    );
  }
  const sub = pool.report;
  if (sub === null) return;
  if (running.pid !== undefined) {
    print(
      `Subscription ${sub.subscriptionId}: the running agent (pid ${running.pid}) sends its heartbeats, and was told to send one now.`,
    );
    return;
  }
  const sent = pool.heartbeat;
  if (sent !== undefined && !sent.ok) {
    print(
      `Subscription ${sub.subscriptionId}: the heartbeat failed (${sent.error.code}): ${sent.error.detail}`,
    );
    return;
  }
  print(`Subscription ${sub.subscriptionId}: heartbeat sent and answered.`);
  for (const line of subscriptionLines(sub, running)) print(line);
}
