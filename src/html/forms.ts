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

/** The strings sent under `name`: anything else (a number in a JSON body, say) is not a form's. */
function valuesOf(body: unknown, name: string): string[] {
  const value: unknown = formOf(body)[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string');
}

/** A field's value, trimmed; '' when the form did not send it. */
export function field(body: unknown, name: string): string {
  return (valuesOf(body, name)[0] ?? '').trim();
}

/** A password exactly as typed: spaces at either end are part of it. */
export function secretField(body: unknown, name: string): string {
  return valuesOf(body, name)[0] ?? '';
}

/** Every value sent under `name` (the ticked checkboxes), without blanks. */
export function fields(body: unknown, name: string): string[] {
  return valuesOf(body, name)
    .map((item) => item.trim())
    .filter((item) => item !== '');
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

/** A form is at most this large: pages take a few fields, never uploads. */
export const FORM_LIMIT_BYTES = 64 * 1024;

export const FORM_EXPIRED =
  'This form has expired or came from another site: go back, reload the page and send it again.';

/** What a browser sends that says where a request comes from. */
interface RequestHeaders {
  cookie?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
  'sec-fetch-site'?: string | string[] | undefined;
}

export function cookiesOf(headers: RequestHeaders): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

/** A browser that says the form came from another site is refused, whatever token it carries. */
export function fromThisSite(headers: RequestHeaders, host = headers.host): boolean {
  if (headers['sec-fetch-site'] === 'cross-site') return false;
  const { origin } = headers;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
