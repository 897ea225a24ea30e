import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './engines.js';

/** Whether poppler-utils' pdftotext is here: CI installs it, and there a test needing it must run. */
export function pdftotextAvailable(): { available: boolean; required: boolean } {
  const available = spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).error === undefined;
  const required = Boolean(process.env.CI || process.env.SEATKEEPER_REQUIRE_OPENVPN);
  if (!available && !required)
    process.stderr.write(
      'note: pdftotext is not installed (Debian package poppler-utils), so the PDF text tests are skipped; CI runs them\n',
    );
  return { available, required };
}

/** The text of a PDF as `pdftotext -layout` reads it. */
export function pdfText(pdf: Buffer): string {
  const dir = tempDir('seatkeeper-pdf-');
  try {
    const path = join(dir.path, 'invoice.pdf');
    writeFileSync(path, pdf);
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
  } finally {
    dir.remove();
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The text a reader sees of a page's body: tags stripped, entities decoded. */
export function htmlText(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return body.replace(/<[^>]*>/g, ' ').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return NAMED[name.toLowerCase()] ?? entity;
  });
}

/** Words in order, whitespace of any kind and amount between them. */
export const words = (text: string): string[] => text.split(/\s+/).filter((word) => word !== '');
