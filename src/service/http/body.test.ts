import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { limitNesting, nestingOf } from './body.js';

/** Streams the pieces through the nesting limit: the bytes that came out, or the refusal. */
async function throughLimit(limit: number, pieces: string[]): Promise<string> {
  const out: Buffer[] = [];
  const stream = Readable.from(pieces.map((piece) => Buffer.from(piece))).pipe(
    limitNesting(limit, () => new Error('too deep')),
  );
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

describe('how deep a body may nest', () => {
  it('is as deep as its schema nests objects and arrays, whichever alternative is deepest', () => {
    const tunnel = Type.Object({ id: Type.String() }, { additionalProperties: false });
    const heartbeat = Type.Object(
      { key: Type.String(), tunnels: Type.Array(tunnel), wanted: Type.Optional(Type.Integer()) },
      { additionalProperties: false },
    );
    expect(nestingOf(heartbeat)).toBe(3);
    expect(nestingOf(Type.Union([Type.String(), Type.Array(Type.Integer())]))).toBe(1);
  });

  it('is a modest fixed depth where the schema leaves it open', () => {
    expect(nestingOf(undefined)).toBe(32);
    expect(nestingOf(Type.Record(Type.String(), Type.Unknown()))).toBe(32);
    expect(nestingOf(Type.Object({ a: Type.String() }))).toBe(32);
  });

  it('counts brackets only outside strings, escaped quotes included, across chunk boundaries', async () => {
    const body = '{"a":"[[[{\\"[[","b":[1,[2]]}';
    const pieces = [body.slice(0, 9), body.slice(9, 12), body.slice(12)];
    expect(await throughLimit(3, pieces)).toBe(body);
    await expect(throughLimit(2, pieces)).rejects.toThrow('too deep');
  });
});
