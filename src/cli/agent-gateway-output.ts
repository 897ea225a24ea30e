// What the agent's commands print of an enrolled gateway's seats, as its device page shows them.
import type { GatewayUsage } from '../agent/gateway/gateway-agent.js';
import { secupointVpnClientLine } from '../domain/gateway-seats.js';
import { readableInstant, shownKey } from '../domain/key-status.js';
import { type AgentRunning, printTunnels } from './agent-usage-output.js';
import { print, table } from './output.js';

/** The device page's section, first: the SecuPoint VPN Client maximum and where it comes from. */
export const secupointLine = (usage: GatewayUsage): string =>
  secupointVpnClientLine(usage.secupointVpnClient);

function statementLines(usage: GatewayUsage, running: AgentRunning): string[] {
  const lines: string[] = [];
  if (usage.problem !== null)
    lines.push(
      `The stored statement counts nothing: ${usage.problem} Only the ${usage.secupointVpnClient.builtIn} built-in seats count until the service answers again.`,
    );
  const statement = usage.statement;
  if (statement === null) {
    if (usage.problem === null)
      lines.push(
        `No statement from the license service yet: only the ${usage.secupointVpnClient.builtIn} built-in seats count.`,
      );
  } else if (statement.valid)
    lines.push(
      `Statement of ${readableInstant(statement.issuedAt, 'seconds')}, trusted offline until ${readableInstant(statement.validUntil, 'seconds')}.`,
    );
  else
    lines.push(
      `The statement ran out at ${readableInstant(statement.validUntil, 'seconds')}: only the ${usage.secupointVpnClient.builtIn} built-in seats count until the license service answers again.`,
    );
  lines.push(
    running.pid === undefined
      ? 'No agent runs on this state directory: `seatkeeper agent run` asks the license service for fresh statements and keeps the leases of shared licenses.'
      : `The running agent (pid ${running.pid}) asks the license service for fresh statements.`,
  );
  return lines;
}

export function printGatewayUsage(usage: GatewayUsage, running: AgentRunning = { pid: undefined }): void {
  print(secupointLine(usage));
  print();
  print(
    `Gateway ${usage.deviceId} of organization ${usage.organizationId}: ${usage.connected} of ${usage.licensed} VPN tunnels in use.`,
  );
  for (const line of statementLines(usage, running)) print(line);
  if (usage.licenses.length > 0) {
    print();
    print(
      table(
        ['LICENSE', 'KEY', 'MODEL', 'USERS', 'SEATS NOW', 'SHARED', 'TERM ENDS', 'NOTE'],
        usage.licenses.map((license) => [
          license.licenseId,
          shownKey(license.keyHint),
          license.sku,
          String(license.users),
          String(license.seats),
          license.lease === null
            ? 'no'
            : `lease ${license.lease.seats} until ${license.lease.until.slice(11, 19)}`,
          license.ends.slice(0, 10),
          license.reason ?? '',
        ]),
      ),
    );
  }
  printTunnels(usage.tunnels);
}
