import { IdParam, problemResponses, Shared } from '../../contract/common.js';
import {
  IssueLicense,
  License,
  LicenseList,
  LicenseLookup,
  LicenseQuery,
  RenewLicenses,
  ReplacementAnswer,
  SplitAnswer,
  SplitLicense,
  TransferLicenses,
} from '../../contract/licenses.js';
import { canSeeAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { refundKey } from '../orders/refunds.js';
import {
  issueFailoverKey,
  renewLicenses,
  replaceLicense,
  splitLicense,
  transferLicenses,
} from './lifecycle.js';
import { asSeenBy, findLicense, issueLicense, listLicenses, lookUpLicense } from './operations.js';

const tags = ['licenses'];

export const licenseRoutes: RouteModule = (app, ctx) => {
  app.addSchema(License);

  app.post(
    '/v1/licenses',
    {
      schema: {
        tags,
        summary: 'Issue a fixed license key to an account (staff)',
        security: BEARER,
        body: IssueLicense,
        response: { 201: Shared(License), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      const { purchasedAt, ...rest } = request.body;
      const issued = unwrap(
        await issueLicense(ctx, {
          ...rest,
          actor: userId,
          purchasedAt: purchasedAt === undefined ? undefined : new Date(purchasedAt),
        }),
      );
      return reply.code(201).send(issued);
    },
  );

  app.get(
    '/v1/licenses',
    {
      schema: {
        tags,
        summary: 'List license keys with their status and the server each is bound to',
        security: BEARER,
        querystring: LicenseQuery,
        response: {
          200: LicenseList,
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const accountId = principal.kind === 'staff' ? request.query.accountId : principal.accountId;
      return { licenses: (await listLicenses(ctx, { accountId })).map(asSeenBy(principal)) };
    },
  );

  app.get(
    '/v1/licenses/:id',
    {
      schema: {
        tags,
        summary: 'Get a license key',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 200: Shared(License), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const license = await findLicense(ctx, request.params.id);
      if (license === undefined || !canSeeAccount(principal, license.accountId)) {
        throw problem('license_not_found', `There is no license ${request.params.id}.`, 'id');
      }
      return asSeenBy(principal)(license);
    },
  );

  app.post(
    '/v1/licenses/lookup',
    {
      schema: {
        tags,
        summary:
          'Find a license by its key (the key in the body, never in a URL): an account finds its own keys, staff any',
        security: BEARER,
        body: LicenseLookup,
        response: { 200: Shared(License), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return unwrap(await lookUpLicense(ctx, principal, request.body.key));
    },
  );

  app.post(
    '/v1/licenses/renewals',
    {
      schema: {
        tags,
        summary:
          'Renew keys for more years, all or none: ahead of the end after the current term, once expired from today (staff)',
        security: BEARER,
        body: RenewLicenses,
        response: {
          200: LicenseList,
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return { licenses: unwrap(await renewLicenses(ctx, { ...request.body, actor: userId })) };
    },
  );

  app.post(
    '/v1/licenses/:id/refund',
    {
      schema: {
        tags,
        summary:
          'Refund a key never activated, within 30 days of its purchase: it is revoked for good, a credit note is issued and the money goes back to the original method (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 200: Shared(License), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await refundKey(ctx, { licenseId: request.params.id, actor: userId }));
    },
  );

  app.post(
    '/v1/licenses/:id/split',
    {
      schema: {
        tags,
        summary:
          'Split a key never activated into keys whose connections add up to its own, with its term (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        body: SplitLicense,
        response: {
          200: SplitAnswer,
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(
        await splitLicense(ctx, { licenseId: request.params.id, parts: request.body.parts, actor: userId }),
      );
    },
  );

  app.post(
    '/v1/licenses/:id/replacement',
    {
      schema: {
        tags,
        summary:
          'License replacement program, within the support term: a new key for a changed machine; the old one stops after 7 days (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: {
          200: ReplacementAnswer,
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return unwrap(await replaceLicense(ctx, { licenseId: request.params.id, actor: userId }));
    },
  );

  app.post(
    '/v1/licenses/:id/failover-key',
    {
      schema: {
        tags,
        summary: 'The free failover key of a key, for an integrated standby server: one per key (staff)',
        security: BEARER,
        params: IdParam('lic', 'License id'),
        response: { 201: Shared(License), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      return reply
        .code(201)
        .send(unwrap(await issueFailoverKey(ctx, { licenseId: request.params.id, actor: userId })));
    },
  );

  app.post(
    '/v1/licenses/transfers',
    {
      schema: {
        tags,
        summary:
          "Move keys to another account with their activations and terms, at the request of the keys' admin email, its domain, or anyone citing their order (staff)",
        security: BEARER,
        body: TransferLicenses,
        response: {
          200: LicenseList,
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { userId } = await requireStaff(ctx, request);
      return { licenses: unwrap(await transferLicenses(ctx, { ...request.body, actor: userId })) };
    },
  );
};
