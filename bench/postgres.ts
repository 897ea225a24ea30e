import { benchActivations } from './activations.js';
import { figureSuffix, POSTGRES, postgresUnavailable } from './deployment.js';
import { benchHeartbeats } from './heartbeats.js';
import { skip } from './support.js';

/**
 * Heartbeats and activations on PostgreSQL with one and with two service processes, when
 * DATABASE_URL names a server to measure on; each run in a schema of its own, dropped afterwards.
 */
export async function benchPostgres(): Promise<void> {
  const unavailable = postgresUnavailable();
  if (unavailable !== undefined) {
    const figures = POSTGRES.flatMap((deployment) => [
      `heartbeats_per_second_http_${figureSuffix(deployment)}`,
      `activations_per_second_http_${figureSuffix(deployment)}`,
    ]);
    skip(figures, unavailable);
    return;
  }
  for (const deployment of POSTGRES) await benchHeartbeats(deployment);
  for (const deployment of POSTGRES) await benchActivations(deployment);
}
