import {
  Account,
  AccountCreated,
  AccountList,
  AccountQuery,
  AddMember,
  CreateAccount,
  NewUser,
} from '../../contract/accounts.js';
import { IdParam, problemResponses, Shared } from '../../contract/common.js';
import { normalizeEmail } from '../../domain/email.js';
import { canManageAccount, canSeeAccount } from '../auth/principal.js';
import { BEARER, requirePrincipal, requireStaff } from '../http/authenticate.js';
import { problem, unwrap } from '../http/problem.js';
import type { RouteModule } from '../http/types.js';
import { addMember, createAccount, findAccount, listAccounts, resolveAccount } from './operations.js';

const tags = ['accounts'];

export const accountRoutes: RouteModule = (app, ctx) => {
  app.addSchema(Account);

  app.post(
    '/v1/accounts',
    {
      schema: {
        tags,
        summary: 'Create an account with its registered admin email (staff)',
        security: BEARER,
        body: CreateAccount,
        response: {
          201: AccountCreated,
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { userId } = await requireStaff(ctx, request);
      const email = unwrap(normalizeEmail(request.body.email));
      const created = unwrap(await createAccount(ctx, { email, name: request.body.name, actor: userId }));
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/accounts',
    {
      schema: {
        tags,
        summary:
          'List accounts (staff) or the caller’s own account; with `email`, the one account of that registered admin email',
        security: BEARER,
        querystring: AccountQuery,
        response: {
          200: AccountList,
          ...problemResponses(400, 401, 404),
        },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      if (request.query.email !== undefined) {
        const email = unwrap(normalizeEmail(request.query.email));
        const found = await resolveAccount(ctx, email);
        // Another account's email answers exactly like an unknown one, and neither is echoed back.
        if (!found.ok || !canSeeAccount(principal, found.value.id))
          throw problem('account_not_found', 'No account you may see has this registered email.', 'email');
        return { accounts: [found.value] };
      }
      if (principal.kind === 'staff') return { accounts: await listAccounts(ctx) };
      const own = await findAccount(ctx, principal.accountId);
      return { accounts: own === undefined ? [] : [own] };
    },
  );

  app.get(
    '/v1/accounts/:id',
    {
      schema: {
        tags,
        summary: 'Get an account',
        security: BEARER,
        params: IdParam('acc', 'Account id'),
        response: { 200: Shared(Account), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      const account = canSeeAccount(principal, request.params.id)
        ? await findAccount(ctx, request.params.id)
        : undefined;
      // Another account's id answers exactly like an unknown one: ids do not leak.
      if (account === undefined)
        throw problem('account_not_found', `There is no account ${request.params.id}.`, 'id');
      return account;
    },
  );

  app.post(
    '/v1/accounts/:id/members',
    {
      schema: {
        tags,
        summary: 'Add a member to an account (its owner or staff)',
        security: BEARER,
        params: IdParam('acc', 'Account id'),
        body: AddMember,
        response: { 201: NewUser, ...problemResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      if (!canManageAccount(principal, request.params.id)) {
        if (canSeeAccount(principal, request.params.id))
          throw problem('forbidden', 'Only the account owner may add members.');
        throw problem('account_not_found', `There is no account ${request.params.id}.`, 'id');
      }
      const email = unwrap(normalizeEmail(request.body.email));
      return reply.code(201).send(unwrap(await addMember(ctx, request.params.id, email, principal.userId)));
    },
  );
};
