import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { checker } from './check.js';
import { Instant } from './common.js';

describe('checker', () => {
  const check = checker(Type.Object({ at: Instant, n: Type.Integer() }));

  it('passes a value of the schema through, typed', () => {
    expect(check({ at: '2026-11-30T00:00:00.000Z', n: 1 })).toEqual({
      ok: true,
      value: { at: '2026-11-30T00:00:00.000Z', n: 1 },
    });
  });

  it('names the first field at fault', () => {
    expect(check({ at: '2026-11-30T00:00:00.000Z', n: 1.5 })).toMatchObject({
      ok: false,
      wrong: expect.stringMatching(/^\/n: /),
    });
    expect(check({ at: 'yesterday', n: 1 })).toMatchObject({
      ok: false,
      wrong: expect.stringMatching(/^\/at: /),
    });
    expect(check('text')).toMatchObject({ ok: false });
  });
});
