/**
 * NumPy's pairwise summation (np.sum along a contiguous axis), reproduced so that sums round exactly
 * as the reference scripts' do: runs of at most 128 values are summed with 8 interleaved accumulators,
 * longer runs are split in two halves (the first rounded down to a multiple of 8). With `float32`,
 * every addition rounds to float32 (numpy float32 arrays); otherwise float64. PURE.
 */
const identity = (x: number): number => x;

export function pairwiseSum(a: Float32Array | Float64Array, start: number, n: number, float32: boolean): number {
  const r = float32 ? Math.fround : identity;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  if (n <= 128) {
    const acc = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let k = 0; k < 8; k++) acc[k] = r(acc[k] + a[start + i + k]);
    }
    let res = r(r(r(acc[0] + acc[1]) + r(acc[2] + acc[3])) + r(r(acc[4] + acc[5]) + r(acc[6] + acc[7])));
    for (; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return r(pairwiseSum(a, start, n2, float32) + pairwiseSum(a, start + n2, n - n2, float32));
}
