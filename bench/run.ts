import { benchActivationOperation, benchActivations } from './activations.js';
import { benchAdmission, benchAgent } from './agent.js';
import { benchCertificates } from './certificates.js';
import { benchCheckout } from './checkout.js';
import { benchCliStart } from './cli-start.js';
import { benchFleetVersusRedis } from './fleet.js';
import { benchHeartbeats } from './heartbeats.js';
import { benchHostileUploads } from './hostile.js';
import { benchOpenvpn } from './openvpn.js';
import { benchPages } from './pages.js';
import { benchPostgres } from './postgres.js';
import { runRedisPeer } from './redis-peer.js';
import { benchReminders } from './reminders.js';
import { benchDurableWrites } from './store.js';

/** `npm run bench`: one JSON line per figure on stdout, progress on stderr, non-zero exit on a failure. */
try {
  await benchCliStart();
  benchAdmission();
  await benchAgent();
  benchCertificates();
  await benchDurableWrites();
  await benchActivationOperation();
  await benchActivations();
  await benchHeartbeats();
  await benchPostgres();
  await benchHostileUploads();
  await benchReminders();
  await benchCheckout();
  await benchPages();
  await benchFleetVersusRedis((options) => runRedisPeer(options));
  await benchOpenvpn();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
}
