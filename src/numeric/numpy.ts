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

/** `np.mean(values)` of a float64 array: the pairwise sum / n. */
export function numpyMean(values: Float64Array): number {
  return pairwiseSum(values, 0, values.length) / values.length;
}

/** `np.std(values)` (ddof 0): two passes, the squared deviations summed pairwise. */
export function numpyStd(values: Float64Array): number {
  const mean = numpyMean(values);
  const squares = values.map((v) => (v - mean) * (v - mean));
  return Math.sqrt(pairwiseSum(squares, 0, values.length) / values.length);
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
