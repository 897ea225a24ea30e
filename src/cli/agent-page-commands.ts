// The server's license page (Configuration > Activation): its options on `agent run`, and
// `agent page`, which serves it alone (no OpenVPN server needed, beside a running agent or before one).
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Agent, Usage } from '../agent/agent.js';
import { type LicensePage, startLicensePage } from '../agent/page/server.js';
import { isLoopback, PAGE_PASSWORD_ENV, type PageSettings, pageSettings } from '../agent/page/settings.js';
import { systemClock } from '../domain/clock.js';
import {
  type AgentFlags,
  liveUsage,
  notifyRunningAgent,
  openAgent,
  stateDirOf,
  withAgentOptions,
} from './agent-context.js';
import { CliError, EXIT } from './output.js';

export interface PageFlags {
  pagePort?: string;
  pageHost?: string;
}

export const withPageOptions = (command: Command): Command =>
  command
    .option(
      '--page-port <port>',
      "serve the server's license page (Configuration > Activation) on this port (env SEATKEEPER_AGENT_PAGE_PORT)",
    )
    .option(
      '--page-host <address>',
      `the address the page listens on, 127.0.0.1 by default (env SEATKEEPER_AGENT_PAGE_HOST); any other asks for the admin password in ${PAGE_PASSWORD_ENV}`,
    );

/** The page's settings from the flags and the environment; undefined when no page is asked for. */
export function pageSettingsOf(flags: PageFlags): PageSettings | undefined {
  const settings = pageSettings({
    port: flags.pagePort ?? process.env.SEATKEEPER_AGENT_PAGE_PORT,
    host: flags.pageHost ?? process.env.SEATKEEPER_AGENT_PAGE_HOST,
    password: process.env[PAGE_PASSWORD_ENV],
  });
  if (!settings.ok) throw new CliError(settings.error.detail, EXIT.usage, 'config_invalid');
  return settings.value;
}

/** Serves the page for `agent`; a port taken or an address not of this machine stops the command. */
export async function servePage(
  settings: PageSettings,
  page: { agent: Agent; usage?: () => Usage; changed: () => void; logger: Logger },
): Promise<LicensePage> {
  const { logger } = page;
  try {
    const served = await startLicensePage(
      {
        agent: page.agent,
        clock: systemClock,
        password: settings.password,
        changed: page.changed,
        ...(page.usage === undefined ? {} : { usage: page.usage }),
        failed: (error) => logger.error({ event: 'page_failed' }, (error as Error).message),
      },
      settings,
    );
    logger.info(
      { event: 'page_listening', url: served.url, password: settings.password !== undefined },
      'license page listening',
    );
    if (!isLoopback(settings.host))
      logger.warn(
        { event: 'page_plain_http' },
        'the license page speaks plain HTTP: its password crosses the network readable; reach it through an SSH tunnel or a TLS proxy on this machine',
      );
    return served;
  } catch (error) {
    throw new CliError(
      `cannot serve the license page on ${settings.host}:${settings.port}: ${(error as Error).message}`,
      EXIT.usage,
      'config_invalid',
    );
  }
}

export function registerPage(agent: Command): void {
  withPageOptions(
    withAgentOptions(
      agent
        .command('page')
        .description(
          "Serve the server's license page alone, until stopped: no OpenVPN server needed; a running `agent run` reads what it activates",
        )
        .addHelpText(
          'after',
          '\nExample:\n  $ seatkeeper agent page --page-port 943 --state /var/lib/seatkeeper',
        ),
    ),
  ).action(async (flags: AgentFlags & PageFlags) => {
    const settings = pageSettingsOf(flags);
    if (settings === undefined)
      throw new CliError(
        'give the page a port: --page-port 943 (or SEATKEEPER_AGENT_PAGE_PORT)',
        EXIT.usage,
        'config_invalid',
      );
    const stateDir = stateDirOf(flags);
    const instance = openAgent(flags);
    const logger = pino({
      level: process.env.SEATKEEPER_LOG_LEVEL ?? 'info',
      base: { service: 'seatkeeper-agent' },
    });
    const served = await servePage(settings, {
      agent: instance,
      // The keys and the pool as stored now, whoever stored them; the tunnels the running agent's, if one runs.
      usage: () => {
        instance.reload();
        const stored = instance.usage();
        const live = liveUsage(stateDir)?.usage;
        return live === undefined ? stored : { ...stored, connected: live.connected, tunnels: live.tunnels };
      },
      changed: () => notifyRunningAgent(stateDir),
      logger,
    });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await served.close();
    process.exit(0);
  });
}
