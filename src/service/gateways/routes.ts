import { Type } from '@sinclair/typebox';
import { IdParam, problemResponses, Shared } from '../../contract/common.js';
import {
  AddOrganizationAdmin,
  AssociateLicense,
  CreateOrganization,
  Device,
  DeviceView,
  GatewayLicense,
  Inventory,
  IssuedGatewayKey,
  IssueGatewayKey,
  KeyPreview,
  KeyRequest,
  LicenseList,
  MoveToOrganization,
  Organization,
  RegisterDevice,
  ReplaceDevice,
  ShareLicense,
} from '../../contract/gateways.js';
import { Id } from '../../contract/ids.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { inventory, moveDevice, registerDevice, replaceDevice, showDevice } from './devices.js';
import { addKey, issueGatewayKey, previewKey, showGatewayKey } from './keys.js';
import { associateLicense, listLicenses, moveLicense, showLicense, undoAssociation } from './licenses.js';
import {
  addOrganizationAdmin,
  createOrganization,
  listOrganizations,
  showOrganization,
} from './organizations.js';
import { shareLicense, undoShare } from './sharing.js';

const tags = ['gateways'];
const OrganizationId = IdParam('org', 'Organization id');
const DeviceId = IdParam('dev', 'Gateway device id');
const LicenseId = IdParam('gwl', 'Gateway license id');

/** The console's routes for organizations, their gateways and licenses (EnGenius/SecuPoint). */
export const gatewayRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Organization);
  app.addSchema(Device);
  app.addSchema(GatewayLicense);

  app.post(
    '/v1/organizations',
    {
      schema: {
        tags,
        summary: 'Create an organization: the account’s owner in their account, staff in any',
        security: BEARER,
        body: CreateOrganization,
        response: { 201: Shared(Organization), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      return reply.code(201).send(unwrap(await createOrganization(ctx, principal, request.body)));
    },
  );

  app.get(
    '/v1/organizations',
    {
      schema: {
        tags,
        summary: 'The organizations the caller administers',
        security: BEARER,
        querystring: Type.Object({ accountId: Type.Optional(Id('acc')) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ organizations: Type.Array(Shared(Organization)) }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      return { organizations: await listOrganizations(ctx, principal, request.query) };
    },
  );

  app.get(
    '/v1/organizations/:id',
    {
      schema: {
        tags,
        summary: 'One organization',
        security: BEARER,
        params: OrganizationId,
        response: { 200: Shared(Organization), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      unwrap(await showOrganization(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/organizations/:id/admins',
    {
      schema: {
        tags,
        summary: 'Make a user of the account an administrator of the organization (the owner)',
        security: BEARER,
        params: OrganizationId,
        body: AddOrganizationAdmin,
        response: { 200: Shared(Organization), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      unwrap(
        await addOrganizationAdmin(
          ctx,
          await requirePrincipal(ctx, request),
          request.params.id,
          request.body.userId,
        ),
      ),
  );

  app.post(
    '/v1/organizations/:id/devices',
    {
      schema: {
        tags,
        summary: 'Register a gateway in the organization’s inventory',
        security: BEARER,
        params: OrganizationId,
        body: RegisterDevice,
        response: { 201: Shared(Device), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      return reply
        .code(201)
        .send(unwrap(await registerDevice(ctx, principal, request.params.id, request.body)));
    },
  );

  app.get(
    '/v1/organizations/:id/devices',
    {
      schema: {
        tags,
        summary: 'The device list, headed by the earliest expiry and the devices expired or expiring',
        security: BEARER,
        params: OrganizationId,
        response: { 200: Inventory, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => unwrap(await inventory(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  app.get(
    '/v1/organizations/:id/licenses',
    {
      schema: {
        tags,
        summary: 'The organization’s licenses, associated or not',
        security: BEARER,
        params: OrganizationId,
        response: { 200: LicenseList, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      licenses: unwrap(await listLicenses(ctx, await requirePrincipal(ctx, request), request.params.id)),
    }),
  );

  app.post(
    '/v1/organizations/:id/license-keys',
    {
      schema: {
        tags,
        summary: 'Add license: apply a key, which unzips into its licenses in the organization, once',
        security: BEARER,
        params: OrganizationId,
        body: KeyRequest,
        response: {
          201: Type.Object({ preview: KeyPreview, licenseIds: Type.Array(Type.String()) }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      return reply.code(201).send(unwrap(await addKey(ctx, principal, request.params.id, request.body.key)));
    },
  );

  app.post(
    '/v1/gateway-keys/preview',
    {
      schema: {
        tags,
        summary: 'What a gateway license key holds, to check before adding it (the key in the body)',
        security: BEARER,
        body: KeyRequest,
        response: { 200: KeyPreview, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => unwrap(await previewKey(ctx, await requirePrincipal(ctx, request), request.body.key)),
  );

  app.post(
    '/v1/gateway-keys',
    {
      schema: {
        tags,
        summary: 'Issue a gateway license key to an account (staff; an order does it when paid)',
        security: BEARER,
        body: IssueGatewayKey,
        response: { 201: IssuedGatewayKey, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = await requireStaff(ctx, request);
      return reply.code(201).send(unwrap(await issueGatewayKey(ctx, principal, request.body)));
    },
  );

  app.get(
    '/v1/gateway-keys/:id',
    {
      schema: {
        tags,
        summary: 'A gateway license key an order delivered, shown to the account’s owner (and staff)',
        security: BEARER,
        params: IdParam('gwk', 'Gateway license key id'),
        response: { 200: IssuedGatewayKey, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) =>
      unwrap(await showGatewayKey(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  app.get(
    '/v1/devices/:id',
    {
      schema: {
        tags,
        summary: 'The device page: the "SecuPoint VPN Client" maximum, the Pro license, every license bound',
        security: BEARER,
        params: DeviceId,
        response: { 200: DeviceView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => unwrap(await showDevice(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/devices/:id/move',
    {
      schema: {
        tags,
        summary: 'Move a device, with all its licenses, to another organization the caller administers',
        security: BEARER,
        params: DeviceId,
        body: MoveToOrganization,
        response: { 200: Shared(Device), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      unwrap(
        await moveDevice(
          ctx,
          await requirePrincipal(ctx, request),
          request.params.id,
          request.body.organizationId,
        ),
      ),
  );

  app.post(
    '/v1/devices/:id/replace',
    {
      schema: {
        tags,
        summary:
          'Replace a failed device: all its licenses and replicas go to the replacement; answers its page',
        security: BEARER,
        params: DeviceId,
        body: ReplaceDevice,
        response: { 200: DeviceView, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      unwrap(
        await replaceDevice(
          ctx,
          await requirePrincipal(ctx, request),
          request.params.id,
          request.body.replacementId,
        ),
      ),
  );

  app.get(
    '/v1/gateway-licenses/:id',
    {
      schema: {
        tags,
        summary: 'One gateway license',
        security: BEARER,
        params: LicenseId,
        response: { 200: Shared(GatewayLicense), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      unwrap(await showLicense(ctx, await requirePrincipal(ctx, request), request.params.id)),
  );

  const licenseAction = (
    path: string,
    summary: string,
    body: typeof AssociateLicense | typeof MoveToOrganization | typeof ShareLicense | undefined,
    act: (
      principal: Awaited<ReturnType<typeof requirePrincipal>>,
      id: string,
      body: never,
    ) => ReturnType<typeof showLicense>,
  ) =>
    app.post(
      `/v1/gateway-licenses/:id/${path}`,
      {
        schema: {
          tags,
          summary,
          security: BEARER,
          params: LicenseId,
          ...(body === undefined ? {} : { body }),
          response: { 200: Shared(GatewayLicense), ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        unwrap(await act(await requirePrincipal(ctx, request), request.params.id, request.body as never)),
    );

  licenseAction(
    'associate',
    'Associate a license with a gateway: its term starts at its first association, Merging for 7 days',
    AssociateLicense,
    (principal, id, body: { deviceId: string }) => associateLicense(ctx, principal, id, body.deviceId),
  );
  licenseAction('undo', 'Undo an association within its 7 Merging days', undefined, (principal, id) =>
    undoAssociation(ctx, principal, id),
  );
  licenseAction(
    'move',
    'Move an unassociated license to another organization the caller administers',
    MoveToOrganization,
    (principal, id, body: { organizationId: string }) => moveLicense(ctx, principal, id, body.organizationId),
  );
  licenseAction(
    'share',
    'Share a license of more than 100 users with gateways of its organization (3 gateways at most)',
    ShareLicense,
    (principal, id, body: { deviceIds: string[] }) => shareLicense(ctx, principal, id, body.deviceIds),
  );

  app.delete(
    '/v1/gateway-licenses/:id/replicas/:deviceId',
    {
      schema: {
        tags,
        summary: 'Undo a replica: the gateway leaves the shared license’s pool',
        security: BEARER,
        params: Type.Object(
          { id: Id('gwl', 'Gateway license id'), deviceId: Id('dev', 'The gateway holding the replica') },
          { additionalProperties: false },
        ),
        response: { 200: Shared(GatewayLicense), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      unwrap(
        await undoShare(
          ctx,
          await requirePrincipal(ctx, request),
          request.params.id,
          request.params.deviceId,
        ),
      ),
  );
};
