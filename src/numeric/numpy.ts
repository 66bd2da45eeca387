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

/**
 * pairwiseSum of the float64 squares a[i]·a[i] without writing them out: the same additions in the
 * same order (a float32 squared is exact in float64), so `np.sum(x.astype(float64) ** 2)` bit for bit.
 */
export function pairwiseSumOfSquares(a: Float32Array | Float64Array, s: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[s + i] * a[s + i];
    return res;
  }
  if (n <= 128) {
    const sq = (i: number): number => a[i] * a[i];
    let r0 = sq(s), r1 = sq(s + 1), r2 = sq(s + 2), r3 = sq(s + 3), r4 = sq(s + 4), r5 = sq(s + 5), r6 = sq(s + 6), r7 = sq(s + 7);
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      const p = s + i;
      r0 += sq(p); r1 += sq(p + 1); r2 += sq(p + 2); r3 += sq(p + 3);
      r4 += sq(p + 4); r5 += sq(p + 5); r6 += sq(p + 6); r7 += sq(p + 7);
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += sq(s + i);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSumOfSquares(a, s, n2) + pairwiseSumOfSquares(a, s + n2, n - n2);
}

/**
 * `np.mean(values)` and `np.std(values)` (ddof 0) of float64: the pairwise sum / n, then the
 * deviations squared and summed pairwise / n — so the values round as numpy's do when `values` is
 * in the reference's order.
 */
export function numpyMeanStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  const mean = pairwiseSum(values, 0, n) / n;
  const scratch = new Float64Array(Math.min(n, SQUARES_CHUNK));
  return { mean, std: Math.sqrt(sumOfSquaredDeviations(values, mean, 0, n, scratch) / n) };
}

/** Squared deviations are materialised this many at a time (never the whole n-length array). */
const SQUARES_CHUNK = 1 << 16;

/**
 * numpy's pairwise sum of (values[i] − mean)² over [s, s + n): split exactly as `pairwiseSum` splits,
 * down to ranges that fit `scratch`, where the squares are written and summed.
 */
function sumOfSquaredDeviations(values: Float64Array, mean: number, s: number, n: number, scratch: Float64Array): number {
  if (n <= scratch.length) {
    for (let i = 0; i < n; i++) {
      const d = values[s + i] - mean;
      scratch[i] = d * d;
    }
    return pairwiseSum(scratch, 0, n);
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return sumOfSquaredDeviations(values, mean, s, n2, scratch) + sumOfSquaredDeviations(values, mean, s + n2, n - n2, scratch);
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

/** `np.nextafter(x, toward)`: the next float64 after x in the direction of `toward` (x itself when equal). */
export function numpyNextAfter(x: number, toward: number): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  return toward > x ? nextUp(x) : toward < x ? nextDown(x) : toward;
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
 * `np.quantile(values, q)` with the default method 'linear', from n values sorted ascending read
 * through `at(i)` = the i-th smallest: virtual index (n − 1)·q, then numpy's `_lerp` — a + (b − a)·γ,
 * or b − (b − a)·(1 − γ) when γ ≥ 0.5 (numpy ≥ 1.22), which rounds differently from the first form
 * in the last bit. NaN for n = 0.
 */
export function numpyQuantile(n: number, at: (i: number) => number, q: number): number {
  if (n === 0) return NaN;
  const virtual = (n - 1) * q;
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) prev = next = n - 1;
  if (virtual < 0) prev = next = 0;
  const gamma = virtual - prev;
  const a = at(prev);
  const b = at(next);
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** `np.nanpercentile(values, 100·q)` ('linear'): numpyQuantile of the values that are not NaN. */
export function percentile(values: Float64Array, q: number): number {
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  return numpyQuantile(v.length, (i) => v[i], q);
}

/**
 * `10 ** np.float64(x)`: numpy's float64 power calls C `pow`, which glibc (≥ 2.28) rounds correctly
 * here; V8's `10 ** x` is an ulp off at times (10 ** -4 = 9.999999999999999e-5). Computed as
 * 2^(x·log2 10) in double-double arithmetic (~106 bits), then rounded once.
 */
export function numpyPow10(x: number): number {
  if (!Number.isFinite(x)) return 10 ** x;
  // y = x·log2(10) as a double-double (hi + lo).
  const [ph, pl] = twoProduct(x, LOG2_10_HI);
  const yh = ph;
  const yl = pl + x * LOG2_10_LO;
  const n = Math.round(yh);
  // f = y − n, |f| ≤ 0.5 + tiny; 2^f = exp(f·ln 2) by its Taylor series in double-double.
  const [fh, fl] = twoSum(yh - n, yl);
  let [th, tl] = twoProduct(fh, LN2_HI);
  tl += fh * LN2_LO + fl * LN2_HI;
  [th, tl] = twoSum(th, tl);
  let sh = 1;
  let sl = 0;
  let termH = 1;
  let termL = 0;
  for (let k = 1; k <= 27; k++) {
    // term *= t / k
    const [mh, ml] = twoProduct(termH, th);
    const m2 = ml + termH * tl + termL * th;
    const [qh, ql] = twoSum(mh, m2);
    const q1 = qh / k;
    const [ph2, pl2] = twoProduct(q1, k);
    [termH, termL] = twoSum(q1, (qh - ph2 - pl2 + ql) / k);
    const [s1, e1] = twoSum(sh, termH);
    [sh, sl] = twoSum(s1, sl + e1 + termL);
  }
  return (sh + sl) * 2 ** n;
}

const LOG2_10_HI = 3.321928094887362;
const LOG2_10_LO = 1.661617516973592e-16;
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;

/** a + b = s + e exactly (Knuth). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** a·b = p + e exactly (Dekker's split). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const SPLIT = 134217729; // 2^27 + 1
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
