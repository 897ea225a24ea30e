import type { InvoiceGaps } from '../../contract/invoices.js';
import type { Database } from '../store/database.js';
import { lastNumberOf, numbersOf } from './invoice-repository.js';

export type GapReport = InvoiceGaps;

/**
 * What is wrong with a series' numbers: numbers from 1 to the counter's last that no invoice
 * carries, numbers carried twice, and numbers above the counter. All three are empty when the
 * series is whole; `numbers` ascending.
 */
export function findGaps(series: string, lastNumber: number, numbers: readonly number[]): GapReport {
  const missing: number[] = [];
  const duplicates: number[] = [];
  const beyond: number[] = [];
  let expected = 1;
  let previous: number | undefined;
  for (const number of numbers) {
    if (number === previous) {
      if (duplicates.at(-1) !== number) duplicates.push(number);
      continue;
    }
    previous = number;
    if (number > lastNumber) {
      beyond.push(number);
      continue;
    }
    for (; expected < number; expected++) missing.push(expected);
    expected = number + 1;
  }
  for (; expected <= lastNumber; expected++) missing.push(expected);
  return { series, lastNumber, missing, duplicates, beyond };
}

/** The series as the store holds it now, checked for gaps and duplicates. */
export async function invoiceGaps(db: Database, series: string): Promise<GapReport> {
  const [lastNumber, numbers] = await Promise.all([lastNumberOf(db, series), numbersOf(db, series)]);
  return findGaps(series, lastNumber, numbers);
}

/** The report in a sentence, for logs and the command line. */
export function gapSummary(report: GapReport): string {
  const { series, lastNumber, missing, duplicates, beyond } = report;
  const whole = missing.length + duplicates.length + beyond.length === 0;
  if (whole && lastNumber === 0) return `Series ${series}: no invoice was numbered in it yet.`;
  if (whole) return `Series ${series}: numbers 1 to ${lastNumber} are all there, each once.`;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
  if (duplicates.length > 0) parts.push(`given twice ${duplicates.join(', ')}`);
  if (beyond.length > 0) parts.push(`above the counter (${lastNumber}) ${beyond.join(', ')}`);
  return `Series ${series}: ${parts.join('; ')}.`;
}
