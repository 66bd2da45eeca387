/**
 * The SIMD kernels against plain scalar JavaScript written from the definitions (numpy's pairwise
 * float32 sum, Math.fround after every float32 operation, sklearn's normalize in float64).
 */
import { describe, expect, it } from 'vitest';
import { Kernels } from '../../src/wasm/kernels.js';
import { dotPairsChunked, touchPages } from '../../src/wasm/kernel-tasks.js';

const f = Math.fround;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** np.sum(x**2) for float32 x: squares rounded, then numpy's pairwise float32 sum (8 accumulators, runs ≤ 128). */
function numpySumOfSquares32(a: Float32Array, s: number, n: number): number {
  const q = (k: number): number => f(a[k] * a[k]);
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + q(s + i));
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => q(s + j));
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j] + q(s + i + j));
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
    for (; i < n; i++) res = f(res + q(s + i));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(numpySumOfSquares32(a, s, n2) + numpySumOfSquares32(a, s + n2, n - n2));
}

describe('WebAssembly kernels = their scalar definitions', () => {
  const kernels = new Kernels();
  kernels.ensureBytes(1 << 22);
  const r = random(11);
  // Values over many binades so that float32 rounding matters.
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => (r() - 0.5) * 2 ** Math.floor(r() * 20 - 10));

  it('sumOfSquares: numpy float32 pairwise order, every length 0..700', () => {
    const x = values(700);
    kernels.f32(64, 700).set(x);
    for (let n = 0; n <= 700; n++) expect([n, kernels.k.sumOfSquares(64, n)]).toEqual([n, numpySumOfSquares32(x, 0, n)]);
  });

  it('add2, addInto, addScaled: every float32 step rounded, odd lengths', () => {
    for (const n of [1, 3, 4, 7, 64, 513]) {
      const a = values(n);
      const b = values(n);
      const [aAt, bAt, dAt] = [0, 4096, 8192];
      kernels.f32(aAt, n).set(a);
      kernels.f32(bAt, n).set(b);
      kernels.k.add2(dAt, aAt, bAt, n);
      expect(Array.from(kernels.f32(dAt, n))).toEqual(Array.from(a, (v, i) => f(v + b[i])));
      kernels.k.addInto(dAt, aAt, n);
      const afterAdd = Array.from(a, (v, i) => f(f(v + b[i]) + v));
      expect(Array.from(kernels.f32(dAt, n))).toEqual(afterAdd);
      kernels.k.addScaled(dAt, bAt, f(1.7), f(0.3), n);
      expect(Array.from(kernels.f32(dAt, n))).toEqual(afterAdd.map((v, i) => f(v + f(f(b[i] / f(1.7)) * f(0.3)))));
    }
  });

  it('normaliseRow: float64 sum of squares in order, v / norm in float64 or rounded to float32, zero row stays zero, NaN / Inf reported', () => {
    const n = 300;
    const v = values(n);
    kernels.f32(0, n).set(v);
    let ss = 0;
    for (let j = 0; j < n; j++) ss += v[j] * v[j];
    const norm = Math.sqrt(ss);
    expect(kernels.k.normaliseRow(0, 4096, n, 1)).toBe(0);
    expect(Array.from(kernels.f64(4096, n))).toEqual(Array.from(v, (x) => x / norm));
    expect(kernels.k.normaliseRow(0, 8192, n, 0)).toBe(0);
    expect(Array.from(kernels.f32(8192, n))).toEqual(Array.from(v, (x) => f(x / norm)));
    kernels.f32(0, n).fill(0);
    expect(kernels.k.normaliseRow(0, 4096, n, 1)).toBe(0);
    expect(Array.from(kernels.f64(4096, n)).every((x) => x === 0)).toBe(true);
    for (const bad of [NaN, Infinity, -Infinity]) {
      kernels.f32(0, n).set(v);
      kernels.f32(0, n)[n - 1] = bad;
      expect(kernels.k.normaliseRow(0, 4096, n, 1)).toBe(1);
    }
  });

  it('dotPairs: float32 dot products within float32 rounding of float64, 16-bit and 32-bit indices alike, any dim', () => {
    for (const dim of [3, 16, 37, 512]) {
      const T = 50;
      const pairs = 3000;
      const rows = values(T * dim).map((x) => x / 64);
      const first = Int32Array.from({ length: pairs }, () => Math.floor(r() * T));
      const second = Int32Array.from({ length: pairs }, () => Math.floor(r() * T));
      const identity = Int32Array.from({ length: T }, (_, t) => t);
      const at = { rows: 0, rowOf: 1 << 20, colOf: (1 << 20) + 4096, f32: 1 << 21, s32: (1 << 21) + 16384, f16: (1 << 21) + 32768, s16: (1 << 21) + 40960, out: 3 << 20, out16: (3 << 20) + 16384 };
      kernels.f32(at.rows, T * dim).set(rows);
      kernels.i32(at.rowOf, T).set(identity);
      kernels.i32(at.colOf, T).set(identity);
      kernels.i32(at.f32, pairs).set(first);
      kernels.i32(at.s32, pairs).set(second);
      kernels.u16(at.f16, pairs).set(first);
      kernels.u16(at.s16, pairs).set(second);
      dotPairsChunked(kernels.k, { rows: at.rows, rowOf: at.rowOf, colOf: at.colOf, first: at.f32, second: at.s32, indexBytes: 4, out: at.out, count: pairs, dim });
      dotPairsChunked(kernels.k, { rows: at.rows, rowOf: at.rowOf, colOf: at.colOf, first: at.f16, second: at.s16, indexBytes: 2, out: at.out16, count: pairs, dim });
      const out = kernels.f32(at.out, pairs);
      expect(Array.from(kernels.f32(at.out16, pairs))).toEqual(Array.from(out));
      for (let p = 0; p < pairs; p++) {
        let exact = 0;
        let scale = 0;
        for (let j = 0; j < dim; j++) {
          exact += rows[first[p] * dim + j] * rows[second[p] * dim + j];
          scale += Math.abs(rows[first[p] * dim + j] * rows[second[p] * dim + j]);
        }
        expect(Math.abs(out[p] - exact)).toBeLessThanOrEqual(scale * dim * 2 ** -23);
      }
    }
  });

  it('touchPages keeps the contents, also past 2 GiB (offsets beyond a signed 32-bit shift)', () => {
    const big = new Kernels();
    const at = 2 ** 31 + 4096;
    big.ensureBytes(at + 8192);
    big.f32(at, 2).set([1.5, -2]);
    big.f32(16, 1)[0] = 7;
    expect(() => touchPages(big.memory, 0, 4096)).not.toThrow();
    expect(() => touchPages(big.memory, 2 ** 31 - 4096, at + 8192)).not.toThrow();
    expect([big.f32(16, 1)[0], ...big.f32(at, 2)]).toEqual([7, 1.5, -2]);
  });
});
