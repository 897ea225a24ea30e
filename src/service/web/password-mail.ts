import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { passwordLinkPath } from '../auth/password-links.js';
import type { ServiceContext } from '../context.js';
import type { WebDeps } from './web-module.js';

/**
 * Where a link's token opens: at the service's public address. Never at the host a request
 * named, which anyone can set: without a public address the link is only its path.
 */
export const passwordLinkUrl = (ctx: ServiceContext, token: string): string =>
  ctx.policy.publicUrl === undefined
    ? passwordLinkPath(token)
    : new URL(passwordLinkPath(token), ctx.policy.publicUrl).href;

/**
 * Emails a link; true when the mail server took it. Nothing goes out without a mail server, or
 * without a public address to link to.
 */
export async function mailLink(
  { ctx, mailer }: WebDeps,
  request: FastifyRequest,
  mail: { to: string; subject: string; text: string },
): Promise<boolean> {
  if (mailer === undefined || ctx.policy.publicUrl === undefined) return false;
  // Its own id: a mail server logs message ids, and a link's token must not be in any log.
  return mailer.send({ ...mail, messageId: `<${randomUUID()}@seatkeeper>` }).then(
    () => true,
    (error: unknown) => {
      request.log.error({ err: error }, 'an email with a password link was not sent');
      return false;
    },
  );
}
