import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, newId } from '../domain/ids.js';
import { AnyId, Id, idPattern } from './ids.js';

describe('id patterns of the contract', () => {
  it('accept every id newId makes, of its prefix only', () => {
    for (const prefix of ID_PREFIXES)
      for (const ms of [0, 1_700_000_000_000, 2 ** 48 - 1]) {
        const id = newId(prefix, ms);
        expect(Value.Check(Id(prefix), id)).toBe(true);
        expect(Value.Check(AnyId(), id)).toBe(true);
        expect(Value.Check(Id(prefix === 'lic' ? 'acc' : 'lic'), id)).toBe(false);
      }
  });

  it('refuse what newId never writes: letters outside its alphabet, another length, upper case', () => {
    const id = newId('lic', 1_700_000_000_000);
    for (const wrong of [
      `${id.slice(0, -1)}u`,
      `${id.slice(0, -1)}i`,
      `${id}0`,
      id.slice(0, -1),
      id.toUpperCase(),
    ])
      expect(Value.Check(Id('lic'), wrong)).toBe(false);
  });

  it('names several prefixes as alternatives', () => {
    expect(idPattern('lic', 'sub')).toMatch(/^\^\(lic\|sub\)_/);
    expect(Value.Check(Id(['lic', 'sub']), newId('sub', 1))).toBe(true);
    expect(Value.Check(Id(['lic', 'sub']), newId('acc', 1))).toBe(false);
  });
});
