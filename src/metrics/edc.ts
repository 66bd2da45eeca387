/**
 * Error-versus-discard characteristic (EDC; Schlett et al. 2023, ISO/IEC 29794-1:2024 §11) exactly as
 * dasec/quality-assessment-evaluation `edc.py` computes it (REFERENCE.md §7):
 *
 * - FNM-EDC runs over the genuine pairs, FM-EDC over the impostor pairs (edc.py is given only the
 *   mated, or only the non-mated, comparisons);
 * - the similarity threshold is fixed once, from a starting error e on all of that class's pairs:
 *   `np.quantile(scores, e)` for FNM (an error is `score < threshold`), `np.quantile(scores, 1 − e)`
 *   for FM (an error is `score ≥ threshold`);
 * - pairs are discarded in ascending order of pair quality, a run of equal qualities at once: one
 *   point per distinct pair quality q, at discard fraction #{pairs with quality < q} / N and error
 *   fraction = errors among the pairs left / pairs left; then a final point (1, 0);
 * - pAUC = the stepwise area up to a discard limit, minus the area under the theoretical best
 *   max(0, e₀ − x) (e₀ = the error at discard 0).
 *
 * Pair qualities enter as dense ranks (equal qualities, equal ranks), so discarding ties together
 * needs only counts per rank — no sort. PURE.
 */

/** One EDC. Element i of `discard` / `error` / `discardCounts` / `errorCounts` is point i. */
export interface EdcCurve {
  /** Point i: fraction of the class's pairs discarded (the last point is 1). */
  discard: Float64Array;
  /** Point i: errors among the pairs left / pairs left (the last point is 0). */
  error: Float64Array;
  /** Point i (all but the final point): pairs discarded. */
  discardCounts: Int32Array;
  /** Point i (all but the final point): errors among the pairs left. */
  errorCounts: Int32Array;
  /** Pairs of the class. */
  comparisons: number;
}

/**
 * FNM-EDC (over the genuine pairs, an error: score < fnmThreshold) and FM-EDC (over the impostor
 * pairs, an error: score ≥ fmThreshold), in one pass. `qualityRank[p]`: dense rank of pair p's
 * quality (lower = discarded first; equal ranks are discarded together).
 */
export function edcCurves(scores: ArrayLike<number>, labels: Uint8Array, qualityRank: Int32Array, fnmThreshold: number, fmThreshold: number): { fnm: EdcCurve; fm: EdcCurve } {
  let ranks = 0;
  for (let p = 0; p < qualityRank.length; p++) if (qualityRank[p] >= ranks) ranks = qualityRank[p] + 1;
  // [rank][class]: pairs and errors, class 0 = impostor, 1 = genuine.
  const pairs = new Int32Array(2 * ranks);
  const errors = new Int32Array(2 * ranks);
  for (let p = 0; p < labels.length; p++) {
    const cell = 2 * qualityRank[p] + labels[p];
    pairs[cell]++;
    const s = scores[p];
    if (labels[p] ? s < fnmThreshold : s >= fmThreshold) errors[cell]++;
  }
  return { fnm: curveOfClass(pairs, errors, ranks, 1), fm: curveOfClass(pairs, errors, ranks, 0) };
}

function curveOfClass(pairs: Int32Array, errors: Int32Array, ranks: number, cls: 0 | 1): EdcCurve {
  let n = 0;
  let totalErrors = 0;
  let points = 0;
  for (let r = 0; r < ranks; r++) {
    n += pairs[2 * r + cls];
    totalErrors += errors[2 * r + cls];
    if (pairs[2 * r + cls] > 0) points++;
  }
  const discardCounts = new Int32Array(points);
  const errorCounts = new Int32Array(points);
  let gone = 0;
  let goneErrors = 0;
  for (let r = 0, i = 0; r < ranks; r++) {
    if (pairs[2 * r + cls] === 0) continue;
    discardCounts[i] = gone;
    errorCounts[i++] = totalErrors - goneErrors;
    gone += pairs[2 * r + cls];
    goneErrors += errors[2 * r + cls];
  }
  const discard = new Float64Array(points + 1);
  const error = new Float64Array(points + 1);
  for (let k = 0; k < points; k++) {
    discard[k] = discardCounts[k] / n;
    error[k] = errorCounts[k] / (n - discardCounts[k]);
  }
  // edc.py adds the point (1, 0) unless the last one is already at 1 (it never is: a point keeps ≥ 1 pair).
  discard[points] = 1;
  error[points] = 0;
  return { discard, error, discardCounts, errorCounts, comparisons: n };
}

/** edc.py `compute_edc_pauc`: the stepwise area under the EDC from 0 to `limit` (in [0, 1]). */
export function edcPartialArea(curve: Pick<EdcCurve, 'discard' | 'error'>, limit: number): number {
  const { discard, error } = curve;
  if (limit === 0) return 0;
  let area = 0;
  for (let i = 0; i < discard.length; i++) {
    if (i === discard.length - 1 || discard[i + 1] >= limit) {
      area += error[i] * (limit - discard[i]);
      break;
    }
    area += error[i] * (discard[i + 1] - discard[i]);
  }
  return area;
}

/** edc.py `compute_edc_area_under_theoretical_best`: the area under max(0, e₀ − x) from 0 to `limit`. */
export function edcTheoreticalBestArea(curve: Pick<EdcCurve, 'error'>, limit: number): number {
  const e0 = curve.error[0];
  let area = (e0 * e0) / 2;
  if (limit < e0) area -= ((e0 - limit) * (e0 - limit)) / 2;
  return area;
}
