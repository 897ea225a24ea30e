import { problemResponses } from '../../contract/common.js';
import { Health } from '../../contract/health.js';
import { problem } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { isReachable } from '../store/database.js';

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Answers 200 when the store is reachable',
        response: {
          200: Health,
          ...problemResponses(503),
        },
      },
    },
    async () => {
      if (!(await isReachable(ctx.store))) throw problem('service_unavailable', 'The store does not answer.');
      return { status: 'ok' as const, engine: ctx.store.engine };
    },
  );
};
