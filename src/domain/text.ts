import { fail, ok, type Result } from './errors.js';

/**
 * One line of text as a pattern for the request schemas: no control characters (C0, DEL, C1) and
 * no Unicode line or paragraph separators. No name, host name or key needs them; PostgreSQL
 * refuses NUL in text; in an email or a log they forge lines of their own.
 */
export const SINGLE_LINE = '^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$';

const SINGLE_LINE_TEXT = new RegExp(SINGLE_LINE);
/** A message may have lines and tabs, and nothing else of the control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const MULTI_LINE_TEXT = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$/;

/** Text a person typed, refused if it carries control characters (`lines`: a message may have lines). */
export function plainText(
  input: string,
  field: string,
  lines: 'single' | 'multi' = 'single',
): Result<string> {
  if ((lines === 'single' ? SINGLE_LINE_TEXT : MULTI_LINE_TEXT).test(input)) return ok(input);
  return fail(
    'validation_failed',
    lines === 'single'
      ? `${field} must be one line of text, without control characters.`
      : `${field} must be text, without control characters other than line breaks and tabs.`,
    field,
  );
}

/**
 * A count with its word, singular for exactly one: `plural(1, 'connection')` is "1 connection",
 * `plural(3, 'key')` "3 keys". `many` is for a word whose plural is not the word and an s.
 */
export const plural = (count: number, word: string, many = `${word}s`): string =>
  `${count} ${count === 1 ? word : many}`;
