/**
 * bob.measure's data-driven thresholds — `eer_threshold`, `min_hter_threshold`,
 * `min_weighted_error_rate_threshold` — and its EPC (`epc`). PURE.
 *
 * All three thresholds come from one walk (bob's `_minimizing_threshold`): from the lowest score up,
 * the threshold moves to the midpoint between consecutive distinct scores, FMR and FNMR are updated by
 * repeated float subtraction / addition of 1/N and 1/P, and the threshold with the smallest criterion
 * wins (`<=`: the last, i.e. highest, of equal ones). The float accumulation is bob's on purpose:
 * on tie-heavy sets it decides between thresholds whose exact error rates are equal, and with it the
 * thresholds equal bob's bit for bit. Reported rates are then computed exactly at the threshold
 * (`errorRatesAt`, bob's `farfrr`), as bob's `eer` and `metrics` do.
 */
import type { SortedScores } from './roc.js';
import { errorRatesAt } from './operating-points.js';
import { numpyNextAfter } from '../numeric/numpy.js';

/** `abs(fmr − fnmr)` (EER) or `cost·fmr + (1 − cost)·fnmr` (weighted error; cost 0.5 = HTER). */
export type ThresholdCriterion = { kind: 'absolute-difference' } | { kind: 'weighted-error'; cost: number };

/**
 * bob.measure `_minimizing_threshold` on descending-sorted scores (it reads them from the end,
 * ascending, as bob does). Both sides must be non-empty.
 */
export function minimizingThreshold(sorted: SortedScores, criterion: ThresholdCriterion): number {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const maxPos = G.length;
  const maxNeg = I.length;
  if (maxPos === 0 || maxNeg === 0) throw new Error('minimizingThreshold: needs genuine and impostor scores');
  const cost = criterion.kind === 'weighted-error' ? Math.min(1, Math.max(0, criterion.cost)) : 0;
  const predicate =
    criterion.kind === 'absolute-difference' ? (fmr: number, fnmr: number) => Math.abs(fmr - fnmr) : (fmr: number, fnmr: number) => cost * fmr + (1.0 - cost) * fnmr;
  // Ascending views: pos(i) = i-th lowest genuine, neg(i) = i-th lowest impostor.
  const pos = (i: number): number => G[maxPos - 1 - i];
  const neg = (i: number): number => I[maxNeg - 1 - i];
  let minPredicate = 1e8;
  let minThreshold = 1e8;
  let far = 1.0;
  let frr = 0.0;
  const farDecrease = 1.0 / maxNeg;
  const frrIncrease = 1.0 / maxPos;
  let posIt = 0;
  let negIt = 0;
  let threshold = Math.min(neg(0), pos(0));
  while (posIt < maxPos && negIt < maxNeg) {
    const current = predicate(far, frr);
    if (current <= minPredicate) {
      minPredicate = current;
      minThreshold = threshold;
    }
    if (pos(posIt) >= neg(negIt)) {
      threshold = neg(negIt++);
      far -= farDecrease;
    } else {
      threshold = pos(posIt++);
      frr += frrIncrease;
    }
    while (negIt < maxNeg && threshold === neg(negIt)) {
      negIt++;
      far -= farDecrease;
    }
    while (posIt < maxPos && threshold === pos(posIt)) {
      posIt++;
      frr += frrIncrease;
    }
    if (negIt < maxNeg || posIt < maxPos) {
      if (negIt < maxNeg && posIt < maxPos) threshold += Math.min(neg(negIt), pos(posIt));
      else if (negIt < maxNeg) threshold += neg(negIt);
      else threshold += pos(posIt);
      threshold /= 2;
    }
  }
  const last = predicate(far, frr);
  if (last < minPredicate) {
    minPredicate = last;
    minThreshold = threshold;
  }
  // Would a threshold above every score (FMR 0, FNMR 1) do better?
  if (negIt < maxNeg || posIt < maxPos) {
    const top = negIt < maxNeg ? neg(maxNeg - 1) : pos(maxPos - 1);
    if (predicate(0.0, 1.0) < minPredicate) minThreshold = numpyNextAfter(top, top + 1);
  }
  return minThreshold;
}

/** bob.measure `eer_threshold`: the threshold where |FMR − FNMR| is smallest. */
export function eerThreshold(sorted: SortedScores): number {
  return minimizingThreshold(sorted, { kind: 'absolute-difference' });
}

/** bob.measure `min_weighted_error_rate_threshold` (cost clipped to [0, 1]); cost 0.5 is `min_hter_threshold`. */
export function minWeightedErrorThreshold(sorted: SortedScores, cost: number): number {
  return minimizingThreshold(sorted, { kind: 'weighted-error', cost });
}

export interface ExpectedPerformanceCurve {
  /** Element i: the cost α_i = numpy `linspace(0, 1, points)[i]`. */
  cost: Float64Array;
  /** Element i: the threshold minimising α_i·FMR + (1 − α_i)·FNMR on the development set. */
  threshold: Float64Array;
  /** Element i: HTER = (FMR + FNMR) / 2 of the evaluation set at threshold[i]. */
  hter: Float64Array;
}

/**
 * bob.measure `epc(dev_negatives, dev_positives, test_negatives, test_positives, points)`. Each point
 * is one walk over the development scores: O(points × scores). `points` >= 2.
 */
export function expectedPerformanceCurve(dev: SortedScores, evaluation: SortedScores, points: number): ExpectedPerformanceCurve {
  const cost = numpyLinspace01(points);
  const threshold = cost.map((c) => minWeightedErrorThreshold(dev, c));
  const hter = threshold.map((t) => errorRatesAt(evaluation, t).hter);
  return { cost, threshold, hter };
}

/** numpy `linspace(0, 1, n)`: element i = i · (1 / (n − 1)), the last exactly 1. */
export function numpyLinspace01(n: number): Float64Array {
  const out = new Float64Array(n);
  const step = 1 / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step;
  if (n > 1) out[n - 1] = 1;
  return out;
}
