/**
 * Spearman's rank correlation as `scipy.stats.spearmanr(a, b)` computes it for two 1-D samples:
 * average ranks of ties (`rankdata(method='average')`), then Pearson's correlation of the ranks
 * (`np.corrcoef`). Used for MagFace's claim that a face's magnitude tracks how "class-centred" it
 * is (its kNN density). NaN when either sample is constant (scipy warns and returns nan). PURE.
 */

/** Element i: the rank of values[i] (1 = smallest), ties sharing the mean of their ranks. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y] || x - y);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of start + 1 … end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

export function spearmanCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`spearmanCorrelation: samples of ${a.length} and ${b.length} values`);
  const n = a.length;
  if (n < 2) return NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (r: Float64Array) => r.reduce((s, v) => s + v, 0) / n;
  const ma = mean(ra), mb = mean(rb);
  let saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - ma, db = rb[i] - mb;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  // corrcoef: c01 / sqrt(c00) / sqrt(c11) (the 1/(n − 1) factors cancel), clipped to [−1, 1].
  const r = sab / Math.sqrt(saa) / Math.sqrt(sbb);
  return Math.max(-1, Math.min(1, r));
}
