/**
 * k-fold verification accuracy and VAL@FAR exactly as insightface `arcface_torch/eval/verification.py`
 * (`calculate_roc`, `calculate_accuracy`, `calculate_val`; REFERENCE.md §5). PURE.
 *
 * Conventions here are the reference's, not the score convention of roc.ts: the input is a DISTANCE
 * (squared L2 of L2-normalised embeddings, in [0, 4]); a pair is predicted "same" when
 * `distance < threshold` (strict). Counts are integers, rates float64.
 */
import { numpyArange, numpyMeanStd } from '../numeric/numpy.js';

/** `np.arange(0, 4, 0.01)`: the 400 accuracy thresholds of `evaluate`. */
export const ACCURACY_THRESHOLDS = numpyArange(0, 4, 0.01);
/** `np.arange(0, 4, 0.001)`: the 4000 thresholds `evaluate` passes to `calculate_val`. */
export const VAL_THRESHOLDS = numpyArange(0, 4, 0.001);

/**
 * sklearn `KFold(n_splits=k, shuffle=False)` as a fold label per pair: contiguous blocks in order, the
 * first `n % k` folds one pair larger. Element i = the fold whose test set holds pair i.
 */
export function contiguousFolds(n: number, k: number): Int32Array {
  const foldOf = new Int32Array(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  let p = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    foldOf.fill(f, p, p + size);
    p += size;
  }
  return foldOf;
}

/** Per-pair position on an ascending threshold grid: element i = first j with distance[i] < thresholds[j] (thresholds.length if none). */
function firstAcceptingThreshold(distances: Float64Array, thresholds: Float64Array): Int32Array {
  const out = new Int32Array(distances.length);
  for (let i = 0; i < distances.length; i++) {
    const d = distances[i];
    let lo = 0;
    let hi = thresholds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d < thresholds[mid]) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
  return out;
}

/**
 * Cumulative accept counts per fold on the threshold grid. Row f (length T) of `genuine`/`impostor`:
 * element j = number of genuine / impostor pairs in fold f with `distance < thresholds[j]`.
 */
interface FoldCounts {
  genuine: Float64Array[];
  impostor: Float64Array[];
  /** Element f: genuine pairs in fold f. */
  genuineTotal: Float64Array;
  /** Element f: impostor pairs in fold f. */
  impostorTotal: Float64Array;
}

function foldCounts(distances: Float64Array, labels: Uint8Array, foldOf: Int32Array, folds: number, thresholds: Float64Array): FoldCounts {
  const T = thresholds.length;
  const position = firstAcceptingThreshold(distances, thresholds);
  const genuine = Array.from({ length: folds }, () => new Float64Array(T + 1));
  const impostor = Array.from({ length: folds }, () => new Float64Array(T + 1));
  const genuineTotal = new Float64Array(folds);
  const impostorTotal = new Float64Array(folds);
  for (let i = 0; i < distances.length; i++) {
    const f = foldOf[i];
    if (labels[i]) {
      genuine[f][position[i]]++;
      genuineTotal[f]++;
    } else {
      impostor[f][position[i]]++;
      impostorTotal[f]++;
    }
  }
  for (let f = 0; f < folds; f++) {
    for (let j = 1; j < T; j++) {
      genuine[f][j] += genuine[f][j - 1];
      impostor[f][j] += impostor[f][j - 1];
    }
  }
  return { genuine: genuine.map((a) => a.subarray(0, T)), impostor: impostor.map((a) => a.subarray(0, T)), genuineTotal, impostorTotal };
}

/** Sum over every fold except `f` (every fold when there is only one: LFold(1) trains on the test set). */
function trainCounts(c: FoldCounts, f: number, T: number): { genuine: Float64Array; impostor: Float64Array; genuineTotal: number; impostorTotal: number } {
  const folds = c.genuine.length;
  const genuine = new Float64Array(T);
  const impostor = new Float64Array(T);
  let genuineTotal = 0;
  let impostorTotal = 0;
  for (let g = 0; g < folds; g++) {
    if (g === f && folds > 1) continue;
    for (let j = 0; j < T; j++) {
      genuine[j] += c.genuine[g][j];
      impostor[j] += c.impostor[g][j];
    }
    genuineTotal += c.genuineTotal[g];
    impostorTotal += c.impostorTotal[g];
  }
  return { genuine, impostor, genuineTotal, impostorTotal };
}

export interface MeanStd {
  mean: number;
  /** Population standard deviation (ddof 0, as np.std). */
  std: number;
  /** Standard error of the mean over folds: std / sqrt(k) with the population std above. */
  stderr: number;
}

/** Mean and population std as np.mean / np.std compute them, and std/sqrt(k). */
export function meanStd(values: Float64Array): MeanStd {
  const { mean, std } = numpyMeanStd(values);
  return { mean, std, stderr: std / Math.sqrt(values.length) };
}

export interface KFoldAccuracy extends MeanStd {
  /** Element f: accuracy on the test pairs of fold f at thresholds[f]. */
  accuracy: Float64Array;
  /** Element f: the threshold chosen on the other folds (first argmax of their accuracy), a distance. */
  threshold: Float64Array;
  /** Element f: index of threshold[f] in the threshold grid. */
  thresholdIndex: Int32Array;
}

/**
 * `calculate_roc(..., pca=0)`'s accuracy: for each fold f, the training pairs are all pairs of the
 * other folds (all pairs when there is one fold); the threshold is the first grid value maximising
 * training accuracy `(tp + tn) / n_train`; the fold's accuracy is `(tp + tn) / n_test` on its own
 * pairs at that threshold.
 *
 * @param distances element i: squared L2 distance of pair i
 * @param labels element i: 1 when pair i is genuine (same identity), else 0
 * @param foldOf element i: the fold (0 … folds−1) whose test set holds pair i
 */
export function kfoldAccuracy(
  distances: Float64Array,
  labels: Uint8Array,
  foldOf: Int32Array,
  folds: number,
  thresholds: Float64Array = ACCURACY_THRESHOLDS,
): KFoldAccuracy {
  const T = thresholds.length;
  const c = foldCounts(distances, labels, foldOf, folds, thresholds);
  const accuracy = new Float64Array(folds);
  const threshold = new Float64Array(folds);
  const thresholdIndex = new Int32Array(folds);
  for (let f = 0; f < folds; f++) {
    const train = trainCounts(c, f, T);
    // Correct = tp + tn = accepted genuine + (impostors − accepted impostors); same denominator for
    // every threshold, so the first maximum of the counts is numpy's first argmax of the accuracies.
    let best = 0;
    let bestCorrect = -1;
    for (let j = 0; j < T; j++) {
      const correct = train.genuine[j] + train.impostorTotal - train.impostor[j];
      if (correct > bestCorrect) {
        bestCorrect = correct;
        best = j;
      }
    }
    const n = c.genuineTotal[f] + c.impostorTotal[f];
    accuracy[f] = (c.genuine[f][best] + c.impostorTotal[f] - c.impostor[f][best]) / n;
    threshold[f] = thresholds[best];
    thresholdIndex[f] = best;
  }
  return { accuracy, threshold, thresholdIndex, ...meanStd(accuracy) };
}

export interface ValAtFar {
  /** The FAR target. */
  target: number;
  /** Element f: VAL (true accept rate) on the test pairs of fold f at threshold[f]; NaN without genuine pairs. */
  val: Float64Array;
  /** Element f: FAR on the test pairs of fold f at threshold[f]; NaN without impostor pairs. */
  far: Float64Array;
  /** Element f: the distance threshold interpolated on the other folds. */
  threshold: Float64Array;
  /** Mean, population std and stderr of `val`. */
  valStats: MeanStd;
  /** Mean of `far` (what calculate_val returns as "far"). */
  farMean: number;
}

/**
 * `calculate_val` with `interp1d(kind='linear')` where the reference has `kind='slinear'` (which
 * raises on the repeated FAR values with SciPy >= 1.9). On the training folds, FAR(t_j) (fraction of
 * impostors with distance < t_j) is non-decreasing in j. If max FAR < target the threshold is 0 (as
 * the reference). Otherwise hi = the first j with FAR(t_j) >= target, lo = hi − 1, and the threshold
 * is SciPy's linear interpolation `slope·(target − FAR_lo) + t_lo` with
 * `slope = (t_hi − t_lo) / (FAR_hi − FAR_lo)` (FAR_lo < target <= FAR_hi, so never a division by 0).
 * The fold's VAL and FAR are then measured on its own pairs with `distance < threshold`.
 */
export function valAtFar(
  distances: Float64Array,
  labels: Uint8Array,
  foldOf: Int32Array,
  folds: number,
  target: number,
  thresholds: Float64Array = VAL_THRESHOLDS,
): ValAtFar {
  const T = thresholds.length;
  const c = foldCounts(distances, labels, foldOf, folds, thresholds);
  const val = new Float64Array(folds);
  const far = new Float64Array(folds);
  const threshold = new Float64Array(folds);
  for (let f = 0; f < folds; f++) {
    const train = trainCounts(c, f, T);
    const farAt = (j: number): number => train.impostor[j] / train.impostorTotal;
    let t = 0;
    if (T > 0 && farAt(T - 1) >= target) {
      let hi = 0;
      while (farAt(hi) < target) hi++;
      if (hi === 0) t = thresholds[0]; // SciPy clips the interval to [x0, x1]: x_new = x0 gives y0
      else {
        const lo = hi - 1;
        const slope = (thresholds[hi] - thresholds[lo]) / (farAt(hi) - farAt(lo));
        t = slope * (target - farAt(lo)) + thresholds[lo];
      }
    }
    threshold[f] = t;
    let ta = 0;
    let fa = 0;
    let nSame = 0;
    let nDiff = 0;
    for (let i = 0; i < distances.length; i++) {
      if (foldOf[i] !== f) continue;
      const accept = distances[i] < t;
      if (labels[i]) {
        nSame++;
        if (accept) ta++;
      } else {
        nDiff++;
        if (accept) fa++;
      }
    }
    val[f] = nSame > 0 ? ta / nSame : NaN;
    far[f] = nDiff > 0 ? fa / nDiff : NaN;
  }
  return { target, val, far, threshold, valStats: meanStd(val), farMean: meanStd(far).mean };
}
