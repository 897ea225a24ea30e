// The gateway profile's own command: `agent enroll`. (`agent run` and `agent usage` take the
// profile from the state directory.)
import type { Command } from 'commander';
import { AgentState } from '../agent/state.js';
import {
  type AgentFlags,
  notifyRunningAgent,
  openGatewayAgent,
  stateDirOf,
  withAgentOptions,
} from './agent-context.js';
import { secupointLine } from './agent-gateway-output.js';
import { CliError, EXIT, example, note, orExit, print, printJson } from './output.js';

export function registerEnroll(agent: Command): void {
  withAgentOptions(
    agent
      .command('enroll')
      .description(
        'Enroll this EnGenius/SecuPoint gateway with the license service as a device of its organization, with the one-time code of its device page; its licenses are associated in the console',
      ),
  )
    .requiredOption('--service <url>', 'license service URL')
    .requiredOption(
      '--code <code>',
      'the one-time enrollment code (ske_...) an administrator made for this gateway',
    )
    .addHelpText(
      'after',
      example(
        'seatkeeper agent enroll --service https://licensing.example.com --code ske_... --state /var/lib/seatkeeper',
      ),
    )
    .action(async (flags: AgentFlags & { service: string; code: string }) => {
      const gateway = openGatewayAgent(flags);
      const enrolled = await gateway.enroll(flags.code, flags.service);
      const enrollment = gateway.enrollment;
      if (!enrolled.ok && enrollment === undefined) orExit(enrolled);
      if (enrollment === undefined) throw new CliError('the enrollment was not kept', EXIT.internal);
      const usage = gateway.usage();
      if (!enrolled.ok)
        note(
          `warning: enrolled, but the first statement failed (${enrolled.error.code}): ${enrolled.error.detail}; \`seatkeeper agent run\` asks again`,
        );
      if (flags.json) {
        printJson({ ...enrollment, stateDir: stateDirOf(flags), usage });
        return;
      }
      print(
        `Enrolled gateway ${enrollment.deviceId} of organization ${enrollment.organizationId} with ${enrollment.serviceUrl}.`,
      );
      print(secupointLine(usage));
      print('Start `seatkeeper agent run` on this state directory to decide its VPN tunnels.');
    });
}

/**
 * `agent refresh` on an enrolled gateway: a fresh statement now (licenses associated in the console
 * since). A running agent is asked to fetch it, since it alone reports the tunnels it holds.
 */
export async function refreshGateway(flags: AgentFlags): Promise<void> {
  const stateDir = stateDirOf(flags);
  const gateway = openGatewayAgent(flags);
  const pid = new AgentState(stateDir).runningAgent();
  if (pid !== undefined) {
    notifyRunningAgent(stateDir);
    if (flags.json) printJson({ askedRunningAgent: pid });
    else print(`The running agent (pid ${pid}) asks the license service for a fresh statement now.`);
    return;
  }
  const statement = orExit(await gateway.refresh());
  if (flags.json) {
    printJson({ statement, usage: gateway.usage() });
    return;
  }
  print(secupointLine(gateway.usage()));
  print(`Statement valid until ${statement.validUntil}.`);
}
