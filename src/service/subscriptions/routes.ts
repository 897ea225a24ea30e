import { IdParam, problemResponses, Shared } from '../../contract/common.js';
import {
  CreateSubscription,
  HEARTBEAT_BODY_LIMIT,
  HeartbeatAnswer,
  HeartbeatRequest,
  JoinRequest,
  Membership,
  Subscription,
  SubscriptionList,
} from '../../contract/subscriptions.js';
import { PoolGrantSchema } from '../../domain/pool-grant.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { BODY_LIMIT_BYTES } from '../http/body.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { heartbeat } from './heartbeat.js';
import { joinPool } from './join.js';
import {
  checkSubscriptionKey,
  createSubscription,
  listSubscriptions,
  renewSubscription,
  showSubscription,
} from './lifecycle.js';

const tags = ['subscriptions'];

export const subscriptionRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Subscription);
  app.addSchema(PoolGrantSchema);

  app.post(
    '/v1/subscriptions',
    {
      schema: {
        tags,
        summary: 'Create a subscription: a pool of connections shared by many servers (staff)',
        security: BEARER,
        body: CreateSubscription,
        response: { 201: Shared(Subscription), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      return reply.code(201).send(unwrap(await createSubscription(ctx, { ...request.body, actor: userId })));
    },
  );

  app.get(
    '/v1/subscriptions',
    {
      schema: {
        tags,
        summary: 'List subscriptions: staff see all, an account its own',
        security: BEARER,
        response: {
          200: SubscriptionList,
          ...problemResponses(401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const filter = principal.kind === 'staff' ? {} : { accountId: principal.accountId };
      return { subscriptions: await listSubscriptions(ctx, filter) };
    },
  );

  app.get(
    '/v1/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'One subscription, with where its billing stands: staff any, an account its own',
        security: BEARER,
        params: IdParam('sub', 'Subscription id'),
        response: { 200: Shared(Subscription), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) =>
      unwrap(await showSubscription(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/subscriptions/:id/renew',
    {
      schema: {
        tags,
        summary: 'Renew a subscription by one period (staff): from its end in advance, from now once ended',
        security: BEARER,
        params: IdParam('sub', 'Subscription id'),
        response: { 200: Shared(Subscription), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await renewSubscription(ctx, request.params.id, userId));
    },
  );

  app.post(
    '/v1/subscriptions/activations',
    {
      schema: {
        tags,
        summary: 'Activate a subscription on a server: the server joins its pool',
        body: JoinRequest,
        response: {
          200: Membership,
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request) => unwrap(await joinPool(ctx, request.body)),
  );

  app.post(
    '/v1/heartbeats',
    {
      bodyLimit: HEARTBEAT_BODY_LIMIT,
      // The key of a large report is checked before its thousands of tunnels are validated; a
      // small one, the usual heartbeat, has it checked once, by the operation.
      preValidation: async (request) => {
        const { key } = (request.body ?? {}) as { key?: unknown };
        const length = Number(request.headers['content-length'] ?? Number.POSITIVE_INFINITY);
        if (typeof key === 'string' && length > BODY_LIMIT_BYTES)
          unwrap(await checkSubscriptionKey(ctx, key));
      },
      schema: {
        tags,
        summary:
          'A pool member reports its tunnels; the answer says what to disconnect (reconcile) or its lease (lease)',
        body: HeartbeatRequest,
        response: {
          200: HeartbeatAnswer,
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request) => unwrap(await heartbeat(ctx, request.body)),
  );
};
