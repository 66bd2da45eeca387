/**
 * The per-pair arithmetic every clustering baseline decides on, defined so that it does not depend
 * on how a matrix product happens to order its sums (BLAS, onnxruntime, a GPU):
 *
 * - `normaliseRows`: learn-to-cluster's `l2norm` (`vec /= np.linalg.norm(vec, axis=1)`) on float32
 *   rows, bit for bit: squares rounded to float32, numpy's pairwise float32 sum (runs of ≤ 128 with
 *   8 interleaved accumulators, longer runs halved), float32 sqrt, float32 division. The norms it
 *   returns are the faces' magnitudes.
 * - `similarity32`: the inner product of two float32 rows rounded once to float32 (correctly
 *   rounded: the float32 nearest the exact sum, ties to even). faiss's IndexFlatIP returns float32
 *   sums of its own order, within a few float32 ulps of this.
 * - `distance64`: ‖x − y‖ as fastcluster's `linkage_vector` computes it for FastHAC: the float32
 *   values in float64, Σ (xᵢ − yᵢ)² in index order, sqrt.
 * PURE.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** numpy's pairwise float32 sum of the squares of data[start … start + n). */
function float32SumOfSquares(data: Float32Array, start: number, n: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + f(data[start + i] * data[start + i]));
    return res;
  }
  if (n <= 128) {
    const r = new Array<number>(8);
    for (let k = 0; k < 8; k++) r[k] = f(data[start + k] * data[start + k]);
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      for (let k = 0; k < 8; k++) r[k] = f(r[k] + f(data[start + i + k] * data[start + i + k]));
    }
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
    for (; i < n; i++) res = f(res + f(data[start + i] * data[start + i]));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(float32SumOfSquares(data, start, n2) + float32SumOfSquares(data, start + n2, n - n2));
}

/**
 * Divides each row of `data` ([rows, dim], row-major) by its float32 L2 norm, in place. Element i
 * of `norms` is row i's norm before the division (its magnitude). `zeroRow` is the first row whose
 * norm is 0 (left as it was), or −1.
 */
export function normaliseRows(data: Float32Array, rows: number, dim: number): { norms: Float32Array; zeroRow: number } {
  const norms = new Float32Array(rows);
  let zeroRow = -1;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    const norm = Math.fround(Math.sqrt(float32SumOfSquares(data, o, dim)));
    norms[r] = norm;
    if (norm === 0) {
      if (zeroRow < 0) zeroRow = r;
      continue;
    }
    for (let d = 0; d < dim; d++) data[o + d] = Math.fround(data[o + d] / norm);
  }
  return { norms, zeroRow };
}

/** The next float32 above (`up`) or below a finite float32 value. */
export function float32Neighbour(f: number, up: boolean): number {
  F32[0] = f;
  if (f === 0) return up ? 2 ** -149 : -(2 ** -149);
  // The bit pattern's magnitude grows away from zero.
  U32[0] += (f > 0) === up ? 1 : -1;
  return F32[0];
}

/**
 * The float32 nearest the exact value hi + lo (|lo| at most half an ulp of hi), ties to even.
 * Only a hi exactly halfway between two float32 values needs lo to decide.
 */
function roundToFloat32(hi: number, lo: number): number {
  const f = Math.fround(hi);
  if (f === hi || lo === 0) return f;
  const g = float32Neighbour(f, hi > f);
  if ((f + g) / 2 !== hi) return f;
  return lo > 0 ? Math.max(f, g) : Math.min(f, g);
}

/** γ_n = n·u / (1 − n·u): the bound on the relative error of a float sum of n + 1 terms. */
export function gamma(n: number, unitRoundoff: number): number {
  return (n * unitRoundoff) / (1 - n * unitRoundoff);
}

/**
 * Bound on |float64 sum − exact sum| of a dot product of `dim` float32 pairs (the products are
 * exact in float64) for rows of L2 norm ≤ `maxNorm`: γ_dim · Σ|xᵢyᵢ| ≤ γ_dim · ‖x‖‖y‖.
 */
export function float64DotErrorBound(dim: number, maxNorm = 1.001): number {
  return gamma(dim, 2 ** -53) * maxNorm * maxNorm;
}

/**
 * The inner product of rows i and j of `data` summed in float64 (four interleaved partial sums).
 * Within `float64DotErrorBound(dim)` of the exact value.
 */
export function dot64(data: Float32Array, i: number, j: number, dim: number): number {
  const a = i * dim, b = j * dim;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let d = 0;
  for (const end = dim - 3; d < end; d += 4) {
    s0 += data[a + d] * data[b + d];
    s1 += data[a + d + 1] * data[b + d + 1];
    s2 += data[a + d + 2] * data[b + d + 2];
    s3 += data[a + d + 3] * data[b + d + 3];
  }
  for (; d < dim; d++) s0 += data[a + d] * data[b + d];
  return s0 + s1 + (s2 + s3);
}

/**
 * The correctly rounded float32 inner product of rows i and j, given their `dot64` sum `s`. When
 * `s` lies within `bound` (`float64DotErrorBound(dim)`) of a point halfway between two float32
 * values, the sum is redone error-free (TwoSum) to decide.
 */
export function roundedSimilarity32(s: number, data: Float32Array, i: number, j: number, dim: number, bound: number): number {
  const f = Math.fround(s);
  const half = (f + float32Neighbour(f, s > f)) / 2;
  const away = (f + float32Neighbour(f, !(s > f))) / 2;
  if (Math.abs(s - half) > bound && Math.abs(s - away) > bound) return f;
  return similarity32TwoSum(data, i * dim, j * dim, dim);
}

/** The correctly rounded float32 inner product of rows i and j of `data`. */
export function similarity32(data: Float32Array, i: number, j: number, dim: number, bound: number): number {
  return roundedSimilarity32(dot64(data, i, j, dim), data, i, j, dim, bound);
}

/** The same, summed error-free: TwoSum per product (each product is exact in float64). */
function similarity32TwoSum(data: Float32Array, a: number, b: number, dim: number): number {
  let hi = 0, lo = 0;
  for (let d = 0; d < dim; d++) {
    const p = data[a + d] * data[b + d];
    const t = hi + p;
    const z = t - hi;
    lo += hi - (t - z) + (p - z);
    hi = t;
  }
  const sum = hi + lo;
  return roundToFloat32(sum, lo - (sum - hi));
}

/** fastcluster's Euclidean distance of rows i and j: sqrt(Σ (xᵢ − yᵢ)²) in float64, in order. */
export function distance64(data: Float32Array, i: number, j: number, dim: number): number {
  const a = i * dim, b = j * dim;
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    const diff = data[a + d] - data[b + d];
    sum += diff * diff;
  }
  return Math.sqrt(sum);
}

/** Σ xᵢ² of row i in float64, in order (for the squared-distance estimate from a product). */
export function squaredNorm64(data: Float32Array, i: number, dim: number): number {
  let sum = 0;
  for (let d = i * dim, end = d + dim; d < end; d++) sum += data[d] * data[d];
  return sum;
}
