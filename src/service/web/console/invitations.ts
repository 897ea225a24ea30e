import type { FastifyRequest } from 'fastify';
import { type Html, html } from '../../../html/html.js';
import type { MemberView } from '../../accounts/operations.js';
import { issuePasswordLink, LINK_LIFETIME_MS, passwordLinkPath } from '../../auth/password-links.js';
import type { WebDeps } from '../web-module.js';

/**
 * A link that lets a user set their password: an invitation for one who has none yet, a reset for
 * one who has. Staff see it once, on the page that made it; with SMTP it is also emailed.
 */
export interface MadeLink {
  email: string;
  href: string;
  hours: number;
  emailed: boolean;
}

export async function makePasswordLink(
  { ctx, mailer }: WebDeps,
  request: FastifyRequest,
  user: Pick<MemberView, 'userId' | 'email' | 'hasPassword'>,
  accountName: string,
): Promise<MadeLink> {
  const purpose = user.hasPassword ? 'reset' : 'invitation';
  const token = await issuePasswordLink(ctx.store.db, user.userId, purpose, ctx.clock.now());
  const href = new URL(
    passwordLinkPath(token),
    ctx.policy.publicUrl ?? `${request.protocol}://${request.host}`,
  ).href;
  const hours = LINK_LIFETIME_MS[purpose] / 3_600_000;
  let emailed = false;
  if (mailer !== undefined) {
    const text =
      purpose === 'invitation'
        ? `You are invited to manage the Seatkeeper licenses of ${accountName}.\n\nChoose your password here within ${hours / 24} days:\n${href}\n`
        : `Vendor staff made you a link to set a new Seatkeeper password for ${accountName}.\n\nSet it here within ${hours} hour:\n${href}\n\nIf you did not ask for it, ignore this email: your password stays as it is.\n`;
    emailed = await mailer
      .send({
        to: user.email,
        subject: purpose === 'invitation' ? 'Your Seatkeeper invitation' : 'Set a new Seatkeeper password',
        text,
        messageId: `<${token.slice(4, 24)}@seatkeeper>`,
      })
      .then(
        () => true,
        (error: unknown) => {
          request.log.error({ err: error }, 'a password link email was not sent');
          return false;
        },
      );
  }
  return { email: user.email, href, hours, emailed };
}

/** The link, shown this once: staff copy it to the user when no email went out. */
export const madeLinkPanel = (link: MadeLink): Html =>
  html`<div class="panel" role="status">
<h2>Password link for ${link.email}</h2>
<p>Shown only now: it works once, for ${link.hours >= 24 ? `${link.hours / 24} days` : `${link.hours} hour`}.
${link.emailed ? 'It was also emailed to the user.' : 'No email went out: give it to the user yourself.'}</p>
<p><label for="made-link">Link</label><input id="made-link" type="text" readonly value="${link.href}"></p>
</div>`;
