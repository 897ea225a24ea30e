import type { Command } from 'commander';
import {
  registerActivate,
  registerInstall,
  registerOfflineImport,
  registerOfflineRequest,
  registerRefresh,
} from './agent-license-commands.js';
import { registerRun, registerSubscribe, registerUsage } from './agent-run-commands.js';

export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('The VPN-server side: activate keys, see usage');
  registerInstall(agent);
  registerActivate(agent);
  registerSubscribe(agent);
  registerUsage(agent);
  registerOfflineRequest(agent);
  registerOfflineImport(agent);
  registerRun(agent);
  registerRefresh(agent);
}
