// One process trying to take an agent state directory: says "ready" once started, waits for the
// start file so that many such processes try at the same moment, prints "claimed" or "held by PID",
// then keeps what it took, as a running agent would, until the stop file appears.
import { existsSync } from 'node:fs';
import { AgentState } from '../../src/agent/state.js';

const [stateDir, startFile, stopFile] = process.argv.slice(2);
if (stateDir === undefined || startFile === undefined || stopFile === undefined)
  throw new Error('usage: claim-run STATE_DIR START_FILE STOP_FILE');
const until = async (file: string) => {
  while (!existsSync(file)) await new Promise((wake) => setTimeout(wake, 1));
};
process.stdout.write('ready\n');
await until(startFile);
const claim = new AgentState(stateDir).claimRun();
process.stdout.write(claim.claimed ? 'claimed\n' : `held by ${claim.pid}\n`);
await until(stopFile);
