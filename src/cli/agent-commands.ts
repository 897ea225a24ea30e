import type { Command } from 'commander';
import { registerEnroll } from './agent-gateway-commands.js';
import {
  registerActivate,
  registerInstall,
  registerOfflineImport,
  registerOfflineRequest,
  registerRefresh,
} from './agent-license-commands.js';
import { registerPage } from './agent-page-commands.js';
import { registerRun, registerSubscribe, registerUsage } from './agent-run-commands.js';

export function registerAgentCommands(program: Command): void {
  const agent = program
    .command('agent')
    .description('The VPN-server or gateway side: activate keys or enroll a gateway, see usage');
  registerInstall(agent);
  registerActivate(agent);
  registerEnroll(agent);
  registerSubscribe(agent);
  registerUsage(agent);
  registerOfflineRequest(agent);
  registerOfflineImport(agent);
  registerRun(agent);
  registerPage(agent);
  registerRefresh(agent);
}
