import type { FastifyRequest } from 'fastify';
import { type Html, html } from '../../../html/html.js';
import type { MemberView } from '../../accounts/operations.js';
import { LINK_LIFETIME_MS, linkForUser } from '../../auth/password-links.js';
import { unwrap } from '../../http/problem.js';
import { mailLink, passwordLinkUrl } from '../password-mail.js';
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
  deps: WebDeps,
  request: FastifyRequest,
  user: Pick<MemberView, 'userId' | 'email'>,
  accountName: string,
  actor: string,
): Promise<MadeLink> {
  const link = unwrap(await linkForUser(deps.ctx, { userId: user.userId, actor }));
  const href = passwordLinkUrl(deps.ctx, link.token);
  const hours = LINK_LIFETIME_MS[link.purpose] / 3_600_000;
  const emailed = await mailLink(deps, request, {
    to: user.email,
    subject: link.purpose === 'invitation' ? 'Your Seatkeeper invitation' : 'Set a new Seatkeeper password',
    text:
      link.purpose === 'invitation'
        ? `You are invited to manage the Seatkeeper licenses of ${accountName}.\n\nChoose your password here within ${hours / 24} days:\n${href}\n`
        : `Vendor staff made you a link to set a new Seatkeeper password for ${accountName}.\n\nSet it here within ${hours} hour:\n${href}\n\nIf you did not ask for it, ignore this email: your password stays as it is.\n`,
  });
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
