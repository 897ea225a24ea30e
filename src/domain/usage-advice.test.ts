import { describe, expect, it } from 'vitest';
import { sizeFor, sizingAdvice } from './usage-advice.js';

describe('sizing advice from the peak of connected tunnels', () => {
  it('says a key fits when the peak is under it and not far below (the seeds’ 90 of 100)', () => {
    expect(sizingAdvice(87, 100)).toEqual({
      kind: 'fits',
      peak: 87,
      licensed: 100,
      size: 100,
      sentence: 'Your peak in the last 30 days was 87 of 100: a 100-connection key fits.',
    });
    // Exactly at the limit still fits: the 101st tunnel would have been refused, none was.
    expect(sizingAdvice(100, 100).kind).toBe('fits');
    // Just above half is not far below.
    expect(sizingAdvice(51, 100).kind).toBe('fits');
  });

  it('suggests the next round size when the peak went over what is licensed', () => {
    expect(sizingAdvice(101, 100)).toEqual({
      kind: 'over',
      peak: 101,
      licensed: 100,
      size: 150,
      sentence:
        'Your peak in the last 30 days was 101 of 100: more tunnels than licensed, so some were refused or disconnected; a 150-connection key fits.',
    });
    expect(sizingAdvice(1001, 1000)).toMatchObject({ size: 1500 });
    expect(sizingAdvice(11, 10)).toMatchObject({ size: 25 });
  });

  it('says a smaller key would do at half or less of what is licensed', () => {
    expect(sizingAdvice(50, 100)).toMatchObject({
      kind: 'smaller',
      size: 50,
      sentence:
        'Your peak in the last 30 days was 50 of 100: a smaller key would do, a 50-connection key fits.',
    });
    expect(sizingAdvice(0, 100)).toMatchObject({ kind: 'smaller', size: 10 });
  });

  it('does not suggest a smaller key when the smallest size is what is licensed', () => {
    // 10 is the online minimum: 3 of 10 is far below, yet no smaller key is sold.
    expect(sizingAdvice(3, 10)).toMatchObject({ kind: 'fits', size: 10 });
    expect(sizingAdvice(12, 25)).toMatchObject({ kind: 'fits', size: 25 });
  });

  it('says there is no data yet when nothing was reported', () => {
    expect(sizingAdvice(undefined, 100)).toEqual({
      kind: 'no_data',
      sentence:
        'No usage reported in the last 30 days yet: advice on the key’s size follows once its servers report their tunnels.',
    });
    expect(sizingAdvice(undefined, 100, 7).sentence).toContain('last 7 days');
  });

  it('picks round sizes, never under the online minimum', () => {
    expect([0, 10, 11, 25, 26, 87, 100, 101, 251, 999, 1000, 1001, 2400].map(sizeFor)).toEqual([
      10, 10, 25, 25, 50, 100, 100, 150, 500, 1000, 1000, 1500, 2500,
    ]);
  });
});
