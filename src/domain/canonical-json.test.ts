import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('serializes primitives like JSON', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(-12.5)).toBe('-12.5');
    expect(canonicalJson('a "quoted"\nline')).toBe('"a \\"quoted\\"\\nline"');
    expect(canonicalJson('')).toBe('""');
  });

  it('sorts object keys and leaves out white space', () => {
    expect(canonicalJson({ b: 1, a: 2, c: { z: true, y: null } })).toBe(
      '{"a":2,"b":1,"c":{"y":null,"z":true}}',
    );
  });

  it('gives the same bytes whatever order the keys were inserted in', () => {
    const one = { seats: 10, kind: 'fixed', nested: { x: 1, w: [1, 2] } };
    const two = { nested: { w: [1, 2], x: 1 }, kind: 'fixed', seats: 10 };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([{ b: 1, a: 1 }, []])).toBe('[{"a":1,"b":1},[]]');
  });

  it('leaves out undefined members but keeps null ones', () => {
    expect(canonicalJson({ a: undefined, b: null, c: 1 })).toBe('{"b":null,"c":1}');
    expect(canonicalJson({})).toBe('{}');
  });

  it('sorts keys by code unit, so upper case comes before lower case', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4, '1': 5 })).toBe('{"1":5,"B":2,"_":4,"a":3,"b":1}');
  });

  it('escapes keys like JSON', () => {
    expect(canonicalJson({ 'a"b': 1 })).toBe('{"a\\"b":1}');
  });

  it('parses back to an equal value', () => {
    const value = {
      payload: { seats: 10, starts: '2026-11-23T12:00:00.000Z', list: [1, 'two', null] },
      ok: true,
    };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NEGATIVE_INFINITY })).toThrow(TypeError);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow(/cannot hold a undefined/);
    expect(() => canonicalJson(() => 1)).toThrow(/cannot hold a function/);
    expect(() => canonicalJson(10n)).toThrow(/cannot hold a bigint/);
    expect(() => canonicalJson(Symbol('s'))).toThrow(/cannot hold a symbol/);
    expect(() => canonicalJson({ nested: [() => 1] })).toThrow(TypeError);
  });
});

describe('values canonical JSON cannot hold', () => {
  it('refuses dates, class instances and array holes instead of writing something else', () => {
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson(new Map())).toThrow(TypeError);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test.
    expect(() => canonicalJson([1, , 2])).toThrow(TypeError);
    expect(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });
});
