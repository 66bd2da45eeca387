import { describe, expect, it } from 'vitest';
import { sortDescending } from '../../src/metrics/sort-descending.js';

describe('sortDescending', () => {
  it('radix path equals the built-in sort on 200k values with ties, negatives, zeros and infinities', () => {
    const n = 200_000;
    const v = new Float64Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      v[i] = Math.round(((s / 2147483648) * 2 - 1) * 1000) / 250;
    }
    v[5] = Infinity;
    v[6] = -Infinity;
    v[7] = 0;
    v[8] = 1e-300;
    v[9] = -1e-300;
    const expected = Float64Array.from(v).sort().reverse();
    expect(sortDescending(v)).toEqual(expected);
  });
  it('float32 radix path equals the built-in sort (ties, negatives, zeros, infinities, subnormals)', () => {
    const n = 150_000;
    const v = new Float32Array(n);
    let s = 987;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      v[i] = Math.fround(Math.round(((s / 2147483648) * 2 - 1) * 5000) / 3000);
    }
    v[1] = Infinity;
    v[2] = -Infinity;
    v[3] = 1e-45;
    v[4] = -1e-45;
    const expected = Float32Array.from(v).sort().reverse();
    expect(sortDescending(v)).toEqual(expected);
  });
  it('small path', () => {
    expect(Array.from(sortDescending(Float64Array.from([0.5, -2, 3, 0.5])))).toEqual([3, 0.5, 0.5, -2]);
  });
});
