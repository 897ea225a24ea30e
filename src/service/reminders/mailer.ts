import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Fixed per reminder, so a receiver can drop a copy sent again after a crash. */
  messageId: string;
}

/** Where reminders leave the service: an SMTP server, or whatever a caller hands in. */
export interface Mailer {
  readonly from: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

// nodemailer loads when a mailer is made, not with the reminders: commands that send no mail start faster.
const load = createRequire(import.meta.url);

/** A connection that stops answering for this long is dropped. */
const SMTP_TIMEOUT_MS = 30_000;

/**
 * A send that has not ended by then is given up on, however slowly the server trickles along: far
 * below the lease a claimed reminder is held for (`CLAIM_LEASE_MS`), so no other process takes
 * the reminder over while it may still go out.
 */
export const SEND_DEADLINE_MS = 60_000;

/** The send took too long: the email may still arrive. */
export class MailDeadlineExceeded extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MailDeadlineExceeded(`no answer from the mail server in ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Sends through the SMTP server of `url`: `smtp://host[:port]` (STARTTLS when offered, required
 * with a user and password in the URL) or `smtps://`.
 */
export function smtpMailer(url: URL, from: string): Mailer {
  const { createTransport } = load('nodemailer') as typeof nodemailer;
  const transport = createTransport({
    // One connection kept open for a pass's emails, rather than one per email.
    pool: true,
    maxConnections: 1,
    host: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    secure: url.protocol === 'smtps:',
    auth:
      url.username === ''
        ? undefined
        : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    // A password never goes over a connection left unencrypted: STARTTLS is required for it.
    requireTLS: url.username !== '' && url.protocol === 'smtp:',
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    from,
    async send(mail) {
      const { to, subject, text, messageId } = mail;
      await withDeadline(transport.sendMail({ from, to, subject, text, messageId }), SEND_DEADLINE_MS);
    },
    close: () => transport.close(),
  };
}
