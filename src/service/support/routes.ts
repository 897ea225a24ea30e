import { IdParam, problemResponses, Shared } from '../../contract/common.js';
import {
  DeclineRequest,
  OpenRequest,
  RequestList,
  RequestQuery,
  SupportRequest,
} from '../../contract/support.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { approveRequest, declineRequest, listRequests, openRequest, requestsSeenBy } from './operations.js';

const tags = ['support'];

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
        body: OpenRequest,
        response: { 201: Shared(SupportRequest), ...problemResponses(400, 401, 403, 404, 409) },
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
        querystring: RequestQuery,
        response: {
          200: RequestList,
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
        response: { 200: Shared(SupportRequest), ...problemResponses(400, 401, 403, 404, 409) },
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
        body: DeclineRequest,
        response: { 200: Shared(SupportRequest), ...problemResponses(400, 401, 403, 404, 409) },
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
