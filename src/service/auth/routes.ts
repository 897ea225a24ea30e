import { Bootstrap, StaffCreated } from '../../contract/auth.js';
import { problemResponses } from '../../contract/common.js';
import { normalizeEmail } from '../../domain/email.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { redeemBootstrapToken } from './staff.js';

export const authRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/staff/bootstrap',
    {
      schema: {
        tags: ['staff'],
        summary:
          'Create the first vendor-staff user with the one-time bootstrap token printed at first start',
        body: Bootstrap,
        response: {
          201: StaffCreated,
          ...problemResponses(400, 401, 409),
        },
      },
    },
    async (request, reply) => {
      const email = unwrap(normalizeEmail(request.body.email));
      return reply.code(201).send(unwrap(await redeemBootstrapToken(ctx, request.body.token, email)));
    },
  );
};
