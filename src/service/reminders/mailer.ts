import nodemailer from 'nodemailer';

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

/**
 * Far below the lease a claimed reminder is held for (`CLAIM_LEASE_MS`), so a send ends, one way or
 * the other, while no other process can take the reminder over.
 */
const SMTP_TIMEOUT_MS = 30_000;

/** Sends through the SMTP server of `url`: `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://`. */
export function smtpMailer(url: URL, from: string): Mailer {
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    secure: url.protocol === 'smtps:',
    auth:
      url.username === ''
        ? undefined
        : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    from,
    async send(mail) {
      await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
      });
    },
    close: () => transport.close(),
  };
}
