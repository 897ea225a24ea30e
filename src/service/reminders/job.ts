import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { forgetEndedSignIns } from '../auth/sessions.js';
import type { ServiceContext } from '../context.js';
import { sweepPayments } from '../orders/sweeps.js';
import { billSubscriptions } from '../subscriptions/billing.js';
import { pruneUsage } from '../usage/operations.js';
import type { Mailer } from './mailer.js';
import { sendDueReminders } from './operations.js';

export interface ReminderJob {
  /** Waits for a pass under way, then stops for good. */
  stop(): Promise<void>;
}

/** Names this process in the claims it makes, so that its marks apply only to its own claims. */
export const runnerName = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * The service's periodic job: a pass at start, then one every `intervalMs`, that places the
 * subscriptions' renewal orders and, with a mailer, sends expiry reminders. Every instance of the
 * service runs it; the claims in `sendDueReminders` keep them from sending anything twice, and
 * each renewal order's idempotency key from placing it twice.
 */
export function startReminderJob(
  ctx: ServiceContext,
  /** Without one (no SMTP configured), no reminders are sent; billing runs all the same. */
  mailer: Mailer | undefined,
  logger: Logger,
  intervalMs: number,
): ReminderJob {
  const runner = runnerName();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  const runBilling = async () => {
    try {
      const billed = await billSubscriptions(ctx);
      for (const failure of billed.failures)
        logger.warn(failure, 'a subscription renewal order could not be placed; it will be tried again');
      for (const waiting of billed.waiting)
        logger.info(waiting, 'a subscription renewal waits for another order');
      if (billed.placed.length > 0)
        logger.info({ orders: billed.placed }, 'subscription renewal orders placed');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'subscription billing pass failed');
    }
  };

  const runSweep = async () => {
    try {
      const swept = await sweepPayments(ctx);
      for (const failure of swept.failures)
        logger.warn(failure, 'a stuck payment or an unsent refund is tried again next pass');
      if (swept.released.length + swept.refunded.length > 0)
        logger.info({ released: swept.released, refunded: swept.refunded }, 'payments tidied');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'payment sweep failed');
    }
  };

  const runPrune = async () => {
    try {
      await pruneUsage(ctx);
      await forgetEndedSignIns(ctx);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'pruning the usage history or ended sessions failed');
    }
  };

  const runPass = async () => {
    await runBilling();
    await runSweep();
    await runPrune();
    if (mailer === undefined) return;
    try {
      const result = await sendDueReminders(ctx, mailer, runner, () => stopped);
      if (result.schedulingError !== undefined)
        logger.warn({ err: result.schedulingError }, 'newly due expiry reminders could not be recorded');
      for (const failure of result.failures)
        logger.warn(
          { to: failure.to, err: failure.error },
          'expiry reminder not sent; it will be tried again',
        );
      if (result.emails > 0 || result.cancelled > 0)
        logger.info(
          { sent: result.sent, emails: result.emails, cancelled: result.cancelled },
          'expiry reminders sent',
        );
    } catch (error) {
      // The store may be down for a moment: the next pass picks up where this one stopped.
      logger.warn({ err: (error as Error).message }, 'expiry reminder pass failed');
    }
  };
  const loop = () => {
    pass = runPass().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();
  logger.info(
    { intervalMs, runner, smtpFrom: mailer?.from ?? null },
    mailer === undefined
      ? 'subscription billing job started'
      : 'subscription billing and expiry reminder job started',
  );

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
      mailer?.close();
    },
  };
}
