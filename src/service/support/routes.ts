import { Type } from '@sinclair/typebox';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import { IdParam, problemResponses } from '../http/schemas.js';
import type { RouteModule } from '../http/types.js';
import { approveRequest, declineRequest, listRequests, openRequest, requestsSeenBy } from './operations.js';

const RequestType = Type.Union([
  Type.Literal('refund'),
  Type.Literal('split'),
  Type.Literal('transfer'),
  Type.Literal('replacement'),
  Type.Literal('failover'),
]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('approved'), Type.Literal('declined')]);

const SupportRequest = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    requesterEmail: Type.String(),
    type: Type.String(),
    licenseId: Type.String(),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    status: Status,
    decision: Type.Union([Type.String(), Type.Null()], {
      description: 'Staff’s words to the requester: why it was declined',
    }),
    decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    outcome: Type.Unknown({ description: 'What the approved operation made' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SupportRequest' },
);

const tags = ['support'];
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const supportRoutes: RouteModule = (app, ctx) => {
  app.addSchema(SupportRequest);

  app.post(
    '/v1/support-requests',
    {
      schema: {
        tags,
        summary:
          'Open a support request about one of the account’s keys: refund, split, transfer, replacement or failover key',
        security: BEARER,
        body: Type.Object(
          {
            type: RequestType,
            licenseId: Type.String({ pattern: '^lic_[0-9a-z]{26}$' }),
            message: Text(4000),
            parts: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 2, maxItems: 100 })),
            toAccount: Type.Optional(Text(254)),
            licenseKey: Type.Optional(Text(64)),
            primaryHolder: Type.Optional(Text(254)),
            orderNumber: Type.Optional(Text(32)),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('SupportRequest'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      if (principal.kind !== 'account')
        throw problem(
          'forbidden',
          'Support requests are opened by customers; staff approve or decline them.',
        );
      return reply.code(201).send(unwrap(await openRequest(ctx, principal, request.body)));
    },
  );

  app.get(
    '/v1/support-requests',
    {
      schema: {
        tags,
        summary:
          'Staff: the queue (every request, or by status). An account: its own requests and their outcome',
        security: BEARER,
        querystring: Type.Object({ status: Type.Optional(Status) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ requests: Type.Array(Type.Ref('SupportRequest')) }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return {
        requests: await listRequests(ctx, { ...requestsSeenBy(principal), status: request.query.status }),
      };
    },
  );

  app.post(
    '/v1/support-requests/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a request: its operation runs in the same transaction (staff)',
        security: BEARER,
        params: IdParam('tkt', 'Support request id'),
        response: { 200: Type.Ref('SupportRequest'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await approveRequest(ctx, { id: request.params.id, actor: userId }));
    },
  );

  app.post(
    '/v1/support-requests/:id/decline',
    {
      schema: {
        tags,
        summary: 'Decline a request with a reason the requester reads (staff)',
        security: BEARER,
        params: IdParam('tkt', 'Support request id'),
        body: Type.Object({ reason: Text(4000) }, { additionalProperties: false }),
        response: { 200: Type.Ref('SupportRequest'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(
        await declineRequest(ctx, { id: request.params.id, actor: userId, reason: request.body.reason }),
      );
    },
  );
};
