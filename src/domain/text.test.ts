import { describe, expect, it } from 'vitest';
import { plainText, plural, SINGLE_LINE } from './text.js';

describe('plain text a person typed', () => {
  it.each([
    ['a NUL byte', 'vpn1\u0000'],
    ['a newline', 'vpn1\nACTION REQUIRED'],
    ['a carriage return', 'vpn1\r'],
    ['an escape sequence', 'vpn1\u001b[31m'],
    ['DEL', 'vpn1\u007f'],
    ['a C1 control', 'vpn1\u0085'],
    ['a line separator', 'vpn1\u2028'],
  ])('refuses %s on one line, naming the field', (_name, text) => {
    expect(plainText(text, 'hostname')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', field: 'hostname' },
    });
    expect(new RegExp(SINGLE_LINE).test(text)).toBe(false);
  });

  it('keeps lines and tabs in a message, and refuses NUL there too', () => {
    expect(plainText('Hello,\r\n\tplease refund.', 'message', 'multi')).toEqual({
      ok: true,
      value: 'Hello,\r\n\tplease refund.',
    });
    expect(plainText('refund\u0000', 'message', 'multi')).toMatchObject({
      ok: false,
      error: { field: 'message' },
    });
  });

  it('takes any other text, accents and emoji included', () => {
    expect(plainText('Café Ünïcode 🚀 vpn-1.example.net', 'name')).toMatchObject({ ok: true });
  });
});

describe('a count with its word', () => {
  it('is singular for exactly one and plural otherwise, zero included', () => {
    expect([0, 1, 2, 10].map((count) => plural(count, 'connection'))).toEqual([
      '0 connections',
      '1 connection',
      '2 connections',
      '10 connections',
    ]);
  });

  it('takes a plural of its own', () => {
    expect([plural(1, 'entry', 'entries'), plural(2, 'entry', 'entries')]).toEqual(['1 entry', '2 entries']);
  });
});
