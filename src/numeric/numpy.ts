/**
 * What numpy computes, reproduced so that results round exactly as the reference scripts' do
 * (docs/numerics.md lists every reference operation and the function here that reproduces it).
 * PURE. The float32 kernels that round as numpy's float32 arrays do (per-face sums, the pairwise
 * float32 sum of squares) are in src/wasm/kernels.wat.
 */

/**
 * NumPy's pairwise summation (np.sum along a contiguous float64 axis): runs of at most 128 values
 * are summed with 8 interleaved accumulators, longer runs are split in two halves (the first rounded
 * down to a multiple of 8). Sums `a[s] … a[s + n − 1]`.
 */
export function pairwiseSum(a: Float32Array | Float64Array, s: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[s + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[s], r1 = a[s + 1], r2 = a[s + 2], r3 = a[s + 3], r4 = a[s + 4], r5 = a[s + 5], r6 = a[s + 6], r7 = a[s + 7];
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      const p = s + i;
      r0 += a[p]; r1 += a[p + 1]; r2 += a[p + 2]; r3 += a[p + 3];
      r4 += a[p + 4]; r5 += a[p + 5]; r6 += a[p + 6]; r7 += a[p + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[s + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, s, n2) + pairwiseSum(a, s + n2, n - n2);
}

const scratch = new DataView(new ArrayBuffer(8));

/** The next float64 above x: `np.nextafter(x, np.inf)`. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  scratch.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return scratch.getFloat64(0);
}

/** The next float64 below x: `np.nextafter(x, -np.inf)`. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/**
 * `np.arange(start, stop, step)` for float64: length ceil((stop − start) / step), element i =
 * start + i·step (numpy fills with exactly that product and sum, so the values match bit for bit).
 */
export function numpyArange(start: number, stop: number, step: number): Float64Array {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(n);
  const delta = start + step - start;
  for (let i = 0; i < n; i++) out[i] = start + i * delta;
  return out;
}

/**
 * `np.nanpercentile(values, 100·q)` with the default 'linear' method: virtual index (n − 1)·q,
 * then numpy's `_lerp` — a + (b − a)·t, or b − (b − a)·(1 − t) when t ≥ 0.5 (numpy ≥ 1.22), which
 * rounds differently from the first form in the last bit.
 */
export function percentile(values: Float64Array, q: number): number {
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  if (v.length === 0) return NaN;
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  const a = v[lo];
  const b = v[Math.min(v.length - 1, lo + 1)];
  const t = h - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
