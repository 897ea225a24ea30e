import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { Problem } from '../contract/common.js';
import { DEFAULT_FAILURE_LIMITS, type FailureLimits } from '../domain/failed-attempts.js';
import { newId } from '../domain/ids.js';
import { accountRoutes } from './accounts/routes.js';
import { activationRoutes } from './activation/routes.js';
import { auditRoutes } from './audit/routes.js';
import { authRoutes } from './auth/routes.js';
import { catalogRoutes } from './catalog/routes.js';
import type { ServiceContext } from './context.js';
import { gatewayDeviceRoutes } from './gateways/gateway-routes.js';
import { gatewayRoutes } from './gateways/routes.js';
import { healthRoutes } from './health/routes.js';
import { BODY_LIMIT_BYTES, refuseDeepBodies } from './http/body.js';
import { answerClientError, handleError, sendProblem } from './http/problem.js';
import { limitFailedAttempts } from './http/rate-limit.js';
import { RequestLog } from './http/request-log.js';
import type { App } from './http/types.js';
import { invoiceRoutes } from './invoices/routes.js';
import { licenseRoutes } from './licenses/routes.js';
import { orderRoutes } from './orders/routes.js';
import { paymentRoutes } from './payments/routes.js';
import type { Mailer } from './reminders/mailer.js';
import { reminderRoutes } from './reminders/routes.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { supportRoutes } from './support/routes.js';
import { pageNotFound, wantsPage, webRoutes } from './web/routes.js';

export interface AppDeps extends ServiceContext {
  logger: Logger;
  /** Where the pages' password links go; without SMTP, staff hand them out. */
  mailer?: Mailer | undefined;
  failureLimits?: FailureLimits;
  /** Load balancers whose X-Forwarded-For names the client. */
  trustedProxies?: string[];
}

/** Builds the HTTP app from explicit dependencies; listening is the caller's business. */
export async function createApp(deps: AppDeps): Promise<App> {
  const { logger, mailer, failureLimits = DEFAULT_FAILURE_LIMITS, trustedProxies = [], ...ctx } = deps;
  const newRequestId = () => newId('req', ctx.clock.now().getTime());
  const app: App = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: newRequestId,
    logController: new RequestLog({ requestIdLogLabel: 'requestId' }),
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Wrong types are errors, not values to coerce; unknown fields are refused, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Errors before routing and before there is a request are problem+json too.
    frameworkErrors: handleError,
    clientErrorHandler: (error, socket) => answerClientError(error, socket, newRequestId()),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  refuseDeepBodies(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    wantsPage(request)
      ? pageNotFound(request, reply)
      : sendProblem(request, reply, {
          code: 'route_not_found',
          detail: `There is no ${request.method} ${request.url.split('?')[0]}.`,
        }),
  );
  app.addSchema(Problem);
  const failures = await limitFailedAttempts(app, ctx, failureLimits);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Seatkeeper license service',
        version: '1',
        description:
          'Licenses VPN servers and gateways by concurrent tunnels. Errors are application/problem+json with a stable code.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const routes of [
    healthRoutes,
    authRoutes,
    accountRoutes,
    licenseRoutes,
    activationRoutes,
    subscriptionRoutes,
    auditRoutes,
    supportRoutes,
    reminderRoutes,
    invoiceRoutes,
    catalogRoutes,
    orderRoutes,
    paymentRoutes,
    gatewayDeviceRoutes,
    gatewayRoutes,
  ])
    routes(app, ctx);
  await webRoutes(app, { ctx, mailer, failures });
  return app;
}
