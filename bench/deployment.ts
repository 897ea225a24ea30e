import { join } from 'node:path';
import type { Engine } from '../src/service/store/database.js';
import { type ServiceProcess, startService } from '../test/support/service-process.js';
import { progress, withTempDir } from './support.js';

/** What the service benchmarks run against: an engine, and how many service processes share it. */
export interface Deployment {
  engine: Engine;
  processes: number;
}

export const SQLITE: Deployment = { engine: 'sqlite', processes: 1 };

/** Where a deployment keeps its data: the data directory (vendor keys, SQLite) and PostgreSQL's URL. */
export interface BenchStore {
  dataDir: string;
  databaseUrl: string | undefined;
}

/**
 * The suffix of a deployment's figures: `sqlite` (the names the bench always printed), or
 * `postgres_1_process`, `postgres_2_processes`.
 */
export const figureSuffix = ({ engine, processes }: Deployment): string =>
  engine === 'sqlite' && processes === 1
    ? 'sqlite'
    : `${engine}_${processes}_process${processes === 1 ? '' : 'es'}`;

/** The PostgreSQL deployments measured: one service process, then two sharing the database. */
export const POSTGRES: readonly Deployment[] = [
  { engine: 'postgres', processes: 1 },
  { engine: 'postgres', processes: 2 },
];

/** Why PostgreSQL cannot be measured here, if it cannot. */
export const postgresUnavailable = (): string | undefined =>
  process.env.DATABASE_URL
    ? undefined
    : 'DATABASE_URL is not set (for example postgres://postgres@127.0.0.1:5432/test)';

/** A fresh store for one benchmark: a temporary data directory, and on PostgreSQL a schema of its own. */
export async function withStore<T>(
  engine: Engine,
  prefix: string,
  use: (store: BenchStore) => Promise<T>,
): Promise<T> {
  return withTempDir(prefix, async (dir) => {
    const dataDir = join(dir, 'data');
    if (engine === 'sqlite') return use({ dataDir, databaseUrl: undefined });
    // Imported only here: the module notes on stderr when DATABASE_URL is not set.
    const { freshPostgresSchema } = await import('../test/support/engines.js');
    const schema = await freshPostgresSchema();
    try {
      return await use({ dataDir, databaseUrl: schema.url });
    } finally {
      await schema.drop();
    }
  });
}

/**
 * `processes` real `seatkeeper serve` processes on one store, as instances behind a load balancer:
 * they share the data directory (the vendor keys) and the database.
 */
export async function startServices(
  store: BenchStore,
  processes: number,
  args: string[] = ['--log-level', 'warn'],
): Promise<ServiceProcess[] & { stopAll: () => Promise<void> }> {
  const services: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.all(services.map((service) => service.stop()));
  };
  try {
    for (let i = 0; i < processes; i++) services.push(await startService({ ...store, args }));
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (processes > 1)
    progress(`${processes} service processes on one ${store.databaseUrl ? 'PostgreSQL' : 'store'}`);
  return Object.assign(services, { stopAll });
}

/** The service of the i-th request: requests are spread over the processes in turn. */
export const serviceFor = (services: readonly ServiceProcess[], i: number): ServiceProcess =>
  services[i % services.length] as ServiceProcess;
