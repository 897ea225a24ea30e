/**
 * HTML written as typed template literals: every interpolated value is escaped unless it is
 * itself `Html`, so a page cannot forget to escape what a customer typed. Views are plain
 * functions the compiler checks, bundled with the command: no template files to find at run time.
 */

const MARKUP = Symbol('html');

export interface Html {
  readonly [MARKUP]: string;
}

/** What a template may interpolate: undefined, null, true and false vanish; arrays are joined. */
export type Fragment = Html | string | number | bigint | boolean | null | undefined | readonly Fragment[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

const isHtml = (value: unknown): value is Html =>
  typeof value === 'object' && value !== null && MARKUP in value;

function markup(part: Fragment): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (isHtml(part)) return part[MARKUP];
  if (Array.isArray(part)) return part.map(markup).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: readonly Fragment[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < parts.length; i++) out += markup(parts[i] as Fragment) + (strings[i + 1] ?? '');
  return { [MARKUP]: out };
}

/** Markup that is already safe: made here, never from input. */
export const trusted = (text: string): Html => ({ [MARKUP]: text });

export const render = (fragment: Fragment): string => markup(fragment);
