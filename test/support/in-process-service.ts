import { pino } from 'pino';
import type { Clock } from '../../src/domain/clock.js';
import { type AppDeps, createApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import type { Engine } from '../../src/service/store/database.js';
import { testContext } from './engines.js';

export interface InProcessService {
  url: string;
  ctx: ServiceContext;
  close: () => Promise<void>;
}

/**
 * The real app on a real 127.0.0.1 port, in this process, so that the service and an agent can
 * share one test clock (expiry, TTLs and refreshes without waiting).
 */
export async function startInProcessService(
  clock: Clock,
  engine: Engine = 'sqlite',
  options: Pick<AppDeps, 'failureLimits'> = {},
): Promise<InProcessService> {
  const ctx = await testContext(engine, clock);
  const app = await createApp({ ...ctx, ...options, logger: pino({ level: 'silent' }) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  return {
    url,
    ctx,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await ctx.cleanup();
    },
  };
}
