import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { InvoiceDocument } from './document.js';

/**
 * An invoice as a PDF: the same words as its web page, in the same order. The font is embedded:
 * PDF's built-in fonts cannot write "Łódź" (they garble it without an error), DejaVu Sans can.
 */

export interface PdfFonts {
  regular: string;
  bold: string;
}

/** Debian's fonts-dejavu-core. */
export const DEJAVU_FONTS: PdfFonts = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};

/** The font a PDF is drawn with is not installed: a fault of the installation, not of the invoice. */
export class MissingFontError extends Error {}

function fontFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new MissingFontError(
      `cannot make an invoice PDF: its font ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}); install the Debian package fonts-dejavu-core (apt-get install fonts-dejavu-core)`,
    );
  }
}

const GREY = '#555555';
const RULE = '#999999';

export function renderInvoicePdf(doc: InvoiceDocument, fonts: PdfFonts = DEJAVU_FONTS): Promise<Buffer> {
  const regular = fontFile(fonts.regular);
  const bold = fontFile(fonts.bold);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    lang: 'en',
    displayTitle: true,
    // Dated when the invoice was issued: the same invoice makes the same file, byte for byte.
    info: {
      Title: doc.heading,
      Author: doc.seller,
      Creator: doc.seller,
      Producer: 'Seatkeeper',
      CreationDate: doc.issuedAt,
      ModDate: doc.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.registerFont('regular', regular);
  pdf.registerFont('bold', bold);

  const left = pdf.page.margins.left;
  const right = pdf.page.width - pdf.page.margins.right;
  let y = pdf.page.margins.top;
  /** A new page when what comes next does not fit on this one. */
  const room = (height: number) => {
    if (y + height <= pdf.page.height - pdf.page.margins.bottom) return;
    pdf.addPage();
    y = pdf.page.margins.top;
  };
  const style = (font: 'regular' | 'bold', size: number, color = '#111111') =>
    pdf.font(font).fontSize(size).fillColor(color);
  const paragraph = (text: string, x = left, width = right - x) => {
    const height = pdf.heightOfString(text, { width });
    room(height);
    pdf.text(text, x, y, { width });
    y += height;
  };
  /** One line of text ending at `end`: amounts line up on their right edge. */
  const rightAligned = (text: string, end: number, at: number) => {
    pdf.text(text, end - pdf.widthOfString(text), at, { lineBreak: false });
  };
  const rule = (width: number) => {
    pdf.moveTo(left, y).lineTo(right, y).lineWidth(width).strokeColor(RULE).stroke();
  };

  style('bold', 11, GREY);
  paragraph(doc.seller);
  y += 4;
  style('bold', 20);
  paragraph(doc.heading);
  y += 10;
  for (const fact of doc.facts) {
    const height = style('regular', 10).currentLineHeight(true);
    room(height);
    style('bold', 10).text(fact.label, left, y, { lineBreak: false });
    style('regular', 10).text(fact.value, left + 110, y, { lineBreak: false });
    y += height + 2;
  }
  if (doc.credits !== null) {
    y += 6;
    style('regular', 10);
    paragraph(doc.credits);
  }

  y += 18;
  style('bold', 12);
  paragraph(doc.billedTo.heading);
  y += 4;
  style('regular', 10);
  for (const line of doc.billedTo.lines) paragraph(line);

  // Description, then quantity, unit price and amount, each ending at its column's right edge.
  const descriptionWidth = 245;
  const ends = [left + 305, left + 395, right];
  y += 22;
  style('bold', 10);
  room(pdf.currentLineHeight(true) * 3);
  const [description = '', ...numeric] = doc.columns;
  pdf.text(description, left, y, { lineBreak: false });
  for (const [i, column] of numeric.entries()) rightAligned(column, ends[i] ?? right, y);
  y += pdf.currentLineHeight(true) + 4;
  rule(1);
  y += 6;
  style('regular', 10);
  for (const line of doc.lines) {
    const height = pdf.heightOfString(line.description, { width: descriptionWidth });
    room(height + 8);
    pdf.text(line.description, left, y, { width: descriptionWidth });
    // The numbers on the description's last line: a text extractor reads the row in order.
    const last = y + height - pdf.currentLineHeight(true);
    for (const [i, cell] of [line.quantity, line.unitPrice, line.amount].entries())
      rightAligned(cell, ends[i] ?? right, last);
    y += height + 4;
    rule(0.5);
    y += 6;
  }

  y += 4;
  doc.totals.forEach((total, i) => {
    const isTotal = i === doc.totals.length - 1;
    style(isTotal ? 'bold' : 'regular', isTotal ? 11 : 10);
    const height = pdf.currentLineHeight(true);
    room(height + 4);
    rightAligned(total.label, ends[1] ?? right, y);
    rightAligned(total.value, right, y);
    y += height + 4;
  });

  y += 22;
  style('bold', 12);
  room(pdf.currentLineHeight(true) * 3);
  paragraph(doc.payment.heading);
  y += 4;
  style('regular', 10);
  for (const line of doc.payment.lines) paragraph(line);

  pdf.end();
  return done;
}
