import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from './service-process.js';

const run = promisify(execFile);

/** The first `sh` block under a README heading, as a person would copy it. */
export function readmeShellBlock(heading: string): string {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  return new RegExp(`## ${heading}[\\s\\S]*?\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1] ?? '';
}

/**
 * Runs README lines as pasted into one shell (`bash -euo pipefail`) in `checkout`, with this
 * command and the test's service in place of npx and port 8080; mktemp's folders land in `tmp`
 * under it. The agent's environment of the host is left out.
 */
export async function runPasted(script: string, options: { serviceUrl: string; checkout: string }) {
  const pasted = script
    .replaceAll('npx seatkeeper', `"${process.execPath}" "${CLI}"`)
    .replaceAll('http://127.0.0.1:8080', options.serviceUrl);
  const temporary = resolve(options.checkout, 'tmp');
  mkdirSync(temporary, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temporary };
  delete env.DATABASE_URL;
  delete env.SEATKEEPER_AGENT_CONFIG;
  delete env.SEATKEEPER_AGENT_STATE;
  delete env.SEATKEEPER_VENDOR_KEY;
  return run('bash', ['-euo', 'pipefail', '-c', pasted], { cwd: options.checkout, env });
}
