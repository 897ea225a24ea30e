import { IdParam, problemResponses } from '../../contract/common.js';
import {
  EnrollAnswer,
  Enrollment,
  EnrollRequest,
  StatementAnswer,
  StatementRequest,
} from '../../contract/gateways.js';
import { BEARER, bearerToken, requirePrincipal } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { createEnrollment, enrollDevice } from './enrollment.js';
import { gatewayStatement } from './statement.js';

const tags = ['gateways'];

/** The gateway's side: enrollment codes made in the console, spent by gateways; their statements. */
export const gatewayDeviceRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/devices/:id/enrollment',
    {
      schema: {
        tags,
        summary:
          'A one-time enrollment code for a gateway, valid 24 hours (an administrator of its organization); a new one replaces the last',
        security: BEARER,
        params: IdParam('dev', 'Gateway device id'),
        response: { 201: Enrollment, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      return reply.code(201).send(unwrap(await createEnrollment(ctx, principal, request.params.id)));
    },
  );

  app.post(
    '/v1/gateways/enroll',
    {
      schema: {
        tags,
        summary: 'A gateway exchanges its enrollment code, once, for its device credential',
        body: EnrollRequest,
        response: { 200: EnrollAnswer, ...problemResponses(400, 401, 409) },
      },
    },
    async (request) => unwrap(await enrollDevice(ctx, request.body.code)),
  );

  app.post(
    '/v1/gateways/statement',
    {
      schema: {
        tags,
        summary:
          'A gateway (Authorization: Bearer skd_..., its device credential) renews its leases and gets its signed statement',
        security: BEARER,
        body: StatementRequest,
        response: { 200: StatementAnswer, ...problemResponses(400, 401, 409) },
      },
    },
    async (request) => {
      const credential = bearerToken(request);
      if (credential === undefined)
        throw problem(
          'device_credential_invalid',
          'Send the gateway’s device credential in the Authorization header: "Authorization: Bearer skd_...".',
        );
      return unwrap(await gatewayStatement(ctx, credential, request.body));
    },
  );
};
