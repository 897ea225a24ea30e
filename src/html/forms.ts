import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Html, html } from './html.js';

/** A form as the browser sent it: a name sent more than once (checkboxes) gives a list. */
export type FormBody = Record<string, string | string[]>;

export function parseForm(text: string): FormBody {
  const body: FormBody = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const known = body[name];
    body[name] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  return body;
}

const formOf = (body: unknown): FormBody =>
  typeof body === 'object' && body !== null ? (body as FormBody) : Object.create(null);

/** A field's value, trimmed; '' when the form did not send it. */
export function field(body: unknown, name: string): string {
  const value = formOf(body)[name];
  return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
}

/** A password exactly as typed: spaces at either end are part of it. */
export function secretField(body: unknown, name: string): string {
  const value = formOf(body)[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Every value sent under `name` (the ticked checkboxes), without blanks. */
export function fields(body: unknown, name: string): string[] {
  const value = formOf(body)[name];
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values.map((item) => item.trim()).filter((item) => item !== '');
}

/** A whole number from a form field, or undefined when it is not one. */
export function wholeNumber(body: unknown, name: string): number | undefined {
  const text = field(body, name);
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

export const CSRF_FIELD = '_csrf';

/** The token every form carries: a MAC of the browser's form cookie that only this service can make. */
export const csrfToken = (dataKey: Buffer, formCookie: string): string =>
  createHmac('sha256', dataKey).update(`seatkeeper-form:${formCookie}`).digest('base64url');

export function csrfMatches(dataKey: Buffer, formCookie: string, sent: string): boolean {
  const expected = Buffer.from(csrfToken(dataKey, formCookie));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const csrfInput = (csrf: string): Html =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">`;
