import { DAY_MS, type Window } from './terms.js';

/** Days before a key's or subscription's end at which its account is reminded, earliest first. */
export const REMINDER_DAYS = [60, 30, 3] as const;
export type ReminderMark = (typeof REMINDER_DAYS)[number];

/**
 * The reminder due now for a term, if any: the latest mark already reached, so a service that was
 * down for a while sends the one that still fits (30 days) instead of a stale one (60 days). A mark
 * in the first half of the term is skipped: nobody is told "30 days left" the day after buying a
 * month.
 */
export function dueReminder(term: Window, now: Date): ReminderMark | undefined {
  const left = term.ends.getTime() - now.getTime();
  if (left <= 0) return undefined;
  for (const mark of [...REMINDER_DAYS].reverse()) {
    const at = term.ends.getTime() - mark * DAY_MS;
    const halfway = term.starts.getTime() + (term.ends.getTime() - term.starts.getTime()) / 2;
    if (left <= mark * DAY_MS) return at > halfway ? mark : undefined;
  }
  return undefined;
}

/**
 * For each mark, the ends for which it is the reminder due now: after the next smaller mark, up to
 * the mark itself. A store narrows its candidates with these; `dueReminder` decides.
 */
export const markWindows = (now: Date): { mark: ReminderMark; after: number; upTo: number }[] =>
  REMINDER_DAYS.map((mark, i) => ({
    mark,
    after: now.getTime() + (REMINDER_DAYS[i + 1] ?? 0) * DAY_MS,
    upTo: now.getTime() + mark * DAY_MS,
  }));

/** Whole days left, rounded up: what a reminder says ("ends in 30 days"). */
export const daysLeft = (ends: Date, now: Date): number =>
  Math.max(0, Math.ceil((ends.getTime() - now.getTime()) / DAY_MS));

/** How long after a failed send the next try comes: doubling from a minute, at most an hour. */
export const retryDelayMs = (attempts: number): number =>
  Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
