import { Type } from '@sinclair/typebox';
import { PoolGrantSchema } from '../../domain/pool-grant.js';
import { Fingerprint } from '../activation/contract.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { BODY_LIMIT_BYTES } from '../http/body.js';
import { unwrap } from '../http/problem.js';
import { IdParam, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import { heartbeat } from './heartbeat.js';
import { joinPool } from './join.js';
import {
  checkSubscriptionKey,
  createSubscription,
  listSubscriptions,
  renewSubscription,
} from './lifecycle.js';

const Subscription = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    key: Type.String({ description: 'The subscription key, shown to its owner' }),
    connections: Type.Integer(),
    period: Type.Union([Type.Literal('monthly'), Type.Literal('yearly')]),
    autoRenew: Type.Boolean(),
    mode: Type.Union([Type.Literal('reconcile'), Type.Literal('lease')]),
    order: Type.Union([Type.Literal('newest'), Type.Literal('oldest')]),
    heartbeatIntervalMs: Type.Integer(),
    graceMs: Type.Integer(),
    periodEnds: Type.String({ format: 'date-time' }),
  },
  { $id: 'Subscription' },
);

const SubscriptionKey = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'The subscription key (sks_...)',
});
const ServerId = Type.String({ pattern: '^srv_[0-9a-z]{26}$' });

const tags = ['subscriptions'];

/** The most tunnels one heartbeat may report. */
const HEARTBEAT_MAX_TUNNELS = 50_000;
/** Printable ASCII but `"` and `\`, so an id takes as many bytes in JSON as it has characters. */
const TunnelId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' });
/** A heartbeat's body limit, from its schema's maxima: the most tunnels, each at its longest, and room for the rest. */
export const HEARTBEAT_BODY_LIMIT =
  HEARTBEAT_MAX_TUNNELS *
    `${JSON.stringify({ id: 'x'.repeat(TunnelId.maxLength ?? 0), connectedAt: Number.MAX_SAFE_INTEGER })},`
      .length +
  1024;

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
        body: Type.Object(
          {
            accountId: Type.String({ pattern: '^acc_[0-9a-z]{26}$' }),
            connections: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
            period: Type.Union([Type.Literal('monthly'), Type.Literal('yearly')]),
            autoRenew: Type.Optional(Type.Boolean()),
            mode: Type.Optional(Type.Union([Type.Literal('reconcile'), Type.Literal('lease')])),
            order: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')])),
            heartbeatIntervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
            graceMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Subscription'), ...problemResponses(400, 401, 403, 404) },
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
          200: Type.Object({ subscriptions: Type.Array(Type.Ref('Subscription')) }),
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

  app.post(
    '/v1/subscriptions/:id/renew',
    {
      schema: {
        tags,
        summary: 'Renew a subscription by one period (staff): from its end in advance, from now once ended',
        security: BEARER,
        params: IdParam('sub', 'Subscription id'),
        response: { 200: Type.Ref('Subscription'), ...problemResponses(400, 401, 403, 404) },
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
        body: Type.Object(
          {
            key: SubscriptionKey,
            serverId: ServerId,
            fingerprint: Fingerprint,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            subscriptionId: Type.String(),
            serverId: Type.String(),
            connections: Type.Integer(),
            mode: Type.String(),
            order: Type.String(),
            heartbeatIntervalMs: Type.Integer(),
            graceMs: Type.Integer(),
            periodEnds: Type.String(),
            created: Type.Boolean(),
            grant: Type.Ref('PoolGrant'),
          }),
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
        body: Type.Object(
          {
            key: SubscriptionKey,
            serverId: ServerId,
            sequence: Type.Integer({
              minimum: 1,
              maximum: Number.MAX_SAFE_INTEGER,
              description:
                'Grows with every heartbeat of this server; past sentAt only as the one after the stored sequence',
            }),
            sentAt: Type.Integer({
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'The server’s clock, ms since the epoch',
            }),
            tunnels: Type.Array(
              Type.Object(
                {
                  id: TunnelId,
                  connectedAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
                },
                { additionalProperties: false },
              ),
              { maxItems: HEARTBEAT_MAX_TUNNELS },
            ),
            wanted: Type.Optional(
              Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lease mode: seats wanted' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            mode: Type.String(),
            connections: Type.Integer(),
            used: Type.Integer(),
            disconnect: Type.Array(Type.String()),
            lease: Type.Integer(),
            leaseExpiresAt: Type.Union([Type.String(), Type.Null()]),
            nextHeartbeatInMs: Type.Integer(),
            periodEnds: Type.String({ format: 'date-time' }),
            answeredAt: Type.String(),
            grant: Type.Ref('PoolGrant'),
          }),
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request) => unwrap(await heartbeat(ctx, request.body)),
  );
};
