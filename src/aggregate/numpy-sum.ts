/**
 * NumPy's pairwise summation (np.sum along a contiguous float64 axis), reproduced so that sums round
 * exactly as the reference scripts' do: runs of at most 128 values are summed with 8 interleaved
 * accumulators, longer runs are split in two halves (the first rounded down to a multiple of 8).
 * PURE. (The float32 version, for the per-face sums, is the `sumOfSquares` kernel in
 * src/wasm/kernels.wat.)
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
