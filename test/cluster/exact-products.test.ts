import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { dot64, float64DotErrorBound, normaliseRows, similarity32 } from '../../src/cluster/exact-products.js';

/** A float32 value as an exact integer multiple of 2⁻¹⁴⁹ (every float32 is one). */
function scaled(v: number): bigint {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0];
  const exp = (bits >>> 23) & 0xff;
  const mant = BigInt(bits & 0x7fffff) + (exp ? 1n << 23n : 0n);
  const value = mant << BigInt(Math.max(exp - 1, 0));
  return bits >>> 31 ? -value : value;
}

/** The float32 nearest Σ a_d·b_d computed exactly (integers in units of 2⁻²⁹⁸), ties to even. */
function exactRounded(a: Float32Array, b: Float32Array): number {
  let sum = 0n;
  for (let d = 0; d < a.length; d++) sum += scaled(a[d]) * scaled(b[d]);
  const approx = Math.fround(Number(sum) * 2 ** -298);
  const units = (v: number) => scaled(v) << 149n;
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  const step = (v: number, up: boolean) => {
    f32[0] = v;
    u32[0] += (v > 0) === up ? 1 : -1;
    return f32[0];
  };
  // Walk to the float32 whose rounding interval holds the exact sum.
  let f = approx;
  for (let guard = 0; guard < 4; guard++) {
    const hi = step(f, true), lo = step(f, false);
    const upper = units(f) + units(hi), lower = units(f) + units(lo); // 2 × the midpoints
    if (2n * sum > upper || (2n * sum === upper && (new Uint32Array(new Float32Array([hi]).buffer)[0] & 1) === 0)) f = hi;
    else if (2n * sum < lower || (2n * sum === lower && (new Uint32Array(new Float32Array([lo]).buffer)[0] & 1) === 0)) f = lo;
    else return f;
  }
  throw new Error('no convergence');
}

describe('similarity32: the correctly rounded float32 inner product', () => {
  it('equals exact rational arithmetic on random unit rows', () => {
    const g = gaussian(mulberry32(4));
    const dim = 64, rows = 40;
    const data = Float32Array.from({ length: rows * dim }, g);
    normaliseRows(data, rows, dim);
    const bound = float64DotErrorBound(dim);
    for (let i = 0; i < rows; i++) {
      for (let j = i; j < rows; j++) {
        expect(similarity32(data, i, j, dim, bound)).toBe(exactRounded(data.subarray(i * dim, (i + 1) * dim), data.subarray(j * dim, (j + 1) * dim)));
      }
    }
  });
  it('decides sums whose float64 value sits on a float32 halfway point (where plain rounding fails)', () => {
    // 1 + 2⁻²⁴ is halfway between the float32 values 1 and 1 + 2⁻²³; a 2⁻⁶⁰ term decides it.
    const cases: [number[], number[], number, boolean][] = [
      // a, b, the correctly rounded result, whether rounding the float64 sum gets it wrong
      [[1, 2 ** -24, 2 ** -30], [1, 1, 2 ** -30], 1 + 2 ** -23, true], // + 2⁻⁶⁰ (lost in float64): just above halfway → up
      [[1, 2 ** -24, 2 ** -30], [1, 1, -(2 ** -30)], 1, false], //       − 2⁻⁶⁰: just below → down
      [[1, 2 ** -24, 0], [1, 1, 0], 1, false], //                        exactly halfway → even (1)
      [[1 + 2 ** -23, 2 ** -24, 0], [1, 1, 0], 1 + 2 ** -22, false], //  exactly halfway → even (up)
    ];
    for (const [a, b, want, plainWrong] of cases) {
      const data = Float32Array.from([...a, ...b]);
      expect(Math.fround(dot64(data, 0, 1, 3)) !== want).toBe(plainWrong);
      expect(similarity32(data, 0, 1, 3, float64DotErrorBound(3))).toBe(want);
      expect(exactRounded(Float32Array.from(a), Float32Array.from(b))).toBe(want);
    }
  });
});

describe('normaliseRows: learn-to-cluster l2norm in float32', () => {
  it('divides by the float32 norm; magnitudes returned; a zero row reported, left as it is', () => {
    const data = Float32Array.from([3, 4, 0, 0, 0, 0, 6, 8, 0]);
    const r = normaliseRows(data, 3, 3);
    expect(Array.from(r.norms)).toEqual([5, 0, 10]);
    expect(r.zeroRow).toBe(1);
    expect(Array.from(data)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, 0, 0, 0.6000000238418579, 0.800000011920929, 0]);
  });
});
