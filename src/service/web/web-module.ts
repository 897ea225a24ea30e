import type { ServiceContext } from '../context.js';
import type { FailedAttempts } from '../http/rate-limit.js';
import type { App } from '../http/types.js';
import type { Mailer } from '../reminders/mailer.js';

/** What the pages get: the operations' context, where email goes, and the failed-attempt counter. */
export interface WebDeps {
  ctx: ServiceContext;
  /** Password links and invitations go out through it; without SMTP there is none. */
  mailer: Mailer | undefined;
  failures: FailedAttempts;
}

/** One group of pages (sign-in, the portal's keys, the console's queue...). */
export type WebModule = (app: App, deps: WebDeps) => void;
