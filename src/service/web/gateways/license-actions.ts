import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayLicense } from '../../../contract/gateways.js';
import type { Result } from '../../../domain/errors.js';
import { field, fields } from '../../../html/forms.js';
import type { Principal } from '../../auth/principal.js';
import { associateLicense, moveLicense, showLicense, undoAssociation } from '../../gateways/licenses.js';
import { shareLicense, undoShare } from '../../gateways/sharing.js';
import { unwrap } from '../../http/problem.js';
import { pathParam } from '../respond.js';
import { Redirect, requireCustomer } from '../visitor.js';
import type { WebModule } from '../web-module.js';
import { inventoryPage } from './inventory.js';
import { refusalOf } from './parts.js';

type Act = (principal: Principal, licenseId: string, body: unknown) => Promise<Result<GatewayLicense>>;

/**
 * The license list's forms, on the operations the API's license routes call: each is answered
 * with the inventory, refreshed, or shown again with the operation's refusal beside the list.
 */
export const licenseActionPages: WebModule = (app, { ctx }) => {
  const action = (path: string, done: string, act: Act) =>
    app.post(`/gateway-licenses/:id/${path}`, async (request: FastifyRequest, reply: FastifyReply) => {
      const customer = await requireCustomer(ctx, request, reply);
      const licenseId = pathParam(request);
      // Another account's license is unknown (404); one of an organization not administered, 403.
      const license = unwrap(await showLicense(ctx, customer.principal, licenseId));
      const outcome = await act(customer.principal, licenseId, request.body);
      if (!outcome.ok)
        return inventoryPage(ctx, request, reply, customer, license.organizationId, {
          refusal: refusalOf('licenses', outcome.error),
        });
      throw new Redirect(`/organizations/${license.organizationId}?done=${done}`);
    });

  action('associate', 'associated', (principal, id, body) =>
    associateLicense(ctx, principal, id, field(body, 'deviceId')),
  );
  action('undo', 'undone', (principal, id) => undoAssociation(ctx, principal, id));
  action('move', 'moved', (principal, id, body) =>
    moveLicense(ctx, principal, id, field(body, 'organizationId')),
  );
  action('share', 'shared', (principal, id, body) =>
    shareLicense(ctx, principal, id, [...new Set(fields(body, 'deviceIds'))]),
  );
  action('unshare', 'unshared', (principal, id, body) =>
    undoShare(ctx, principal, id, field(body, 'deviceId')),
  );
};
