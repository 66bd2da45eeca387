import { describe, expect, it } from 'vitest';
import { argsortDescending, sortDescending32WithPayload } from '../../src/metrics/sort-descending.js';

describe('argsortDescending', () => {
  it('sorts descending, ties by ascending index, negatives and zeros included', () => {
    // (-0 and 0 are adjacent but -0 sorts after 0: equal scores either way for the tie blocks.)
    const v = Float64Array.from([0.5, -1, 0.5, 2, 0, -3.5, 2, 0]);
    const idx = Array.from(argsortDescending(v));
    const expected = Array.from(v.keys()).sort((a, b) => v[b] - v[a] || a - b);
    expect(idx).toEqual(expected);
  });
  it('agrees with a comparator sort on 10k random values with ties', () => {
    let s = 12345;
    const v = Float64Array.from({ length: 10_000 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 997) / 97 - 5);
    const expected = Array.from(v.keys()).sort((a, b) => v[b] - v[a] || a - b);
    expect(Array.from(argsortDescending(v))).toEqual(expected);
  });
});

describe('sortDescending32WithPayload', () => {
  it('sorts float32 descending, ties by ascending index, signs and zeros included (-0 right after 0)', () => {
    let s = 99;
    const v = Float32Array.from({ length: 20_000 }, (_, i) => (i % 97 === 0 ? (i % 2 ? -0 : 0) : ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 501) / 37 - 6.5));
    const key = (x: number): number => (Object.is(x, -0) ? -1e-30 : x);
    const expected = Array.from(v.keys()).sort((a, b) => key(v[b]) - key(v[a]) || a - b);
    const sortedValues = expected.map((i) => v[i]);
    const { sorted, payload } = sortDescending32WithPayload(v, Int32Array.from(v.keys())); // consumes v
    expect(Array.from(payload)).toEqual(expected);
    expect(Array.from(sorted).map((x) => (Object.is(x, -0) ? '-0' : x))).toEqual(sortedValues.map((x) => (Object.is(x, -0) ? '-0' : x)));
  });
});
