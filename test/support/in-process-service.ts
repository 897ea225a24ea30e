import { pino } from 'pino';
import type { Clock } from '../../src/domain/clock.js';
import { type AppDeps, createApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import type { App } from '../../src/service/http/types.js';
import type { Engine } from '../../src/service/store/database.js';
import { testContext } from './engines.js';
import type { StoreLocation } from './state.js';

export interface InProcessService {
  url: string;
  ctx: ServiceContext;
  app: App;
  /** Its store, for a test that reads it through a connection of its own. */
  location: StoreLocation;
  close: () => Promise<void>;
}

/**
 * The real app on a real 127.0.0.1 port, in this process, so that the service and an agent can
 * share one test clock (expiry, TTLs and refreshes without waiting). `deps` overrides what a test
 * needs otherwise than by default (a policy, a limit).
 */
export async function startInProcessService(
  clock: Clock,
  engine: Engine = 'sqlite',
  deps: Partial<AppDeps> = {},
): Promise<InProcessService> {
  const { location, cleanup, ...ctx } = await testContext(engine, clock);
  const app = await createApp({ ...ctx, logger: pino({ level: 'silent' }), ...deps });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // As `serve` does on a port the system chose: links sent to people name where it listens.
  ctx.policy.publicUrl ??= url;
  let closed = false;
  return {
    url,
    ctx,
    app,
    location,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await cleanup();
    },
  };
}
