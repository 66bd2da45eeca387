/**
 * NumPy's pairwise summation (np.sum along a contiguous axis), reproduced so that sums round exactly
 * as the reference scripts' do: runs of at most 128 values are summed with 8 interleaved accumulators,
 * longer runs are split in two halves (the first rounded down to a multiple of 8). With `float32`,
 * every addition rounds to float32 (numpy float32 arrays); otherwise float64. PURE.
 */
export function pairwiseSum(a: Float32Array | Float64Array, start: number, n: number, float32: boolean): number {
  return float32 ? pairwiseSum32(a, start, n) : pairwiseSum64(a, start, n);
}

const f = Math.fround;

// The two bodies differ only in rounding; kept separate so the float32 one stays monomorphic and
// fast (it runs once per face: 469k × 512 additions at IJB-C scale).
function pairwiseSum32(a: Float32Array | Float64Array, s: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[s + i]);
    return res;
  }
  if (n <= 128) {
    let r0 = a[s], r1 = a[s + 1], r2 = a[s + 2], r3 = a[s + 3], r4 = a[s + 4], r5 = a[s + 5], r6 = a[s + 6], r7 = a[s + 7];
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      const p = s + i;
      r0 = f(r0 + a[p]); r1 = f(r1 + a[p + 1]); r2 = f(r2 + a[p + 2]); r3 = f(r3 + a[p + 3]);
      r4 = f(r4 + a[p + 4]); r5 = f(r5 + a[p + 5]); r6 = f(r6 + a[p + 6]); r7 = f(r7 + a[p + 7]);
    }
    let res = f(f(f(r0 + r1) + f(r2 + r3)) + f(f(r4 + r5) + f(r6 + r7)));
    for (; i < n; i++) res = f(res + a[s + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSum32(a, s, n2) + pairwiseSum32(a, s + n2, n - n2));
}

function pairwiseSum64(a: Float32Array | Float64Array, s: number, n: number): number {
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
  return pairwiseSum64(a, s, n2) + pairwiseSum64(a, s + n2, n - n2);
}

/**
 * `np.sum(x**2)` over float32 x[s .. s+n): each square rounded to float32, then numpy's pairwise
 * float32 sum — without materialising the squares (this runs once per face).
 */
export function pairwiseSumOfSquares32(a: Float32Array, s: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + f(a[s + i] * a[s + i]));
    return res;
  }
  if (n <= 128) {
    const q = (k: number): number => f(a[k] * a[k]);
    let r0 = q(s), r1 = q(s + 1), r2 = q(s + 2), r3 = q(s + 3), r4 = q(s + 4), r5 = q(s + 5), r6 = q(s + 6), r7 = q(s + 7);
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      const p = s + i;
      r0 = f(r0 + q(p)); r1 = f(r1 + q(p + 1)); r2 = f(r2 + q(p + 2)); r3 = f(r3 + q(p + 3));
      r4 = f(r4 + q(p + 4)); r5 = f(r5 + q(p + 5)); r6 = f(r6 + q(p + 6)); r7 = f(r7 + q(p + 7));
    }
    let res = f(f(f(r0 + r1) + f(r2 + r3)) + f(f(r4 + r5) + f(r6 + r7)));
    for (; i < n; i++) res = f(res + q(s + i));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSumOfSquares32(a, s, n2) + pairwiseSumOfSquares32(a, s + n2, n - n2));
}
