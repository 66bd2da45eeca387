/**
 * ROC curve exactly as scikit-learn's `roc_curve(labels, scores)` (REFERENCE.md §3). PURE.
 *
 * Conventions: higher score = more similar; a pair is accepted when `score >= threshold`. Thresholds
 * decrease along the curve; one vertex per distinct score (ties grouped); the curve starts at (0, 0)
 * with threshold +Infinity. Counts are float64; rates = counts / totals.
 */
import { sortDescending } from './sort-descending.js';

/** Genuine and impostor scores, each sorted in descending order (float32 or float64). */
export interface SortedScores {
  genuine: Float64Array | Float32Array;
  impostor: Float64Array | Float32Array;
}

export interface RocCurve {
  /** Element i: fraction of impostor pairs with `score >= thresholds[i]`. */
  fpr: Float64Array;
  /** Element i: fraction of genuine pairs with `score >= thresholds[i]`. */
  tpr: Float64Array;
  /** Element i: number of impostor pairs with `score >= thresholds[i]`. */
  falseAccepts: Float64Array;
  /** Element i: number of genuine pairs with `score >= thresholds[i]`. */
  trueAccepts: Float64Array;
  /** Decreasing; thresholds[0] = +Infinity. */
  thresholds: Float64Array;
  positives: number;
  negatives: number;
}

export interface RocOptions {
  /**
   * sklearn's default `drop_intermediate=True`: drop a vertex (not the first or last) when both its
   * false- and true-accept counts have a zero second difference with its neighbours (it is collinear
   * with them). The `nearest` TAR@FAR rule depends on this.
   */
  dropIntermediate?: boolean;
}

/**
 * Builds the curve by merging the two descending lists, never materialising the full curve when
 * `dropIntermediate` is on (long impostor-only runs are collinear and dropped on the fly). Two walks:
 * one counts the kept vertices, one fills exactly-sized arrays.
 */
export function rocCurve(sorted: SortedScores, options: RocOptions = {}): RocCurve {
  const drop = options.dropIntermediate ?? true;
  let count = 1;
  walkVertices(sorted, drop, () => count++);
  const trueAccepts = new Float64Array(count);
  const falseAccepts = new Float64Array(count);
  const thresholds = new Float64Array(count);
  thresholds[0] = Infinity;
  let k = 1;
  walkVertices(sorted, drop, (tp, fp, t) => {
    trueAccepts[k] = tp;
    falseAccepts[k] = fp;
    thresholds[k++] = t;
  });
  const P = sorted.genuine.length;
  const N = sorted.impostor.length;
  return {
    fpr: falseAccepts.map((v) => v / N),
    tpr: trueAccepts.map((v) => v / P),
    falseAccepts,
    trueAccepts,
    thresholds,
    positives: P,
    negatives: N,
  };
}

/** Calls `emit(trueAccepts, falseAccepts, threshold)` for each vertex after (0, 0), in order. */
function walkVertices(sorted: SortedScores, drop: boolean, emit: (tp: number, fp: number, threshold: number) => void): void {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const P = G.length;
  const N = I.length;
  // Pending vertex (the last one seen): kept or dropped once its successor is known.
  let havePending = false;
  let pendTp = 0, pendFp = 0, pendThr = 0;
  let prevTp = 0, prevFp = 0; // the vertex before the pending one (the first distinct vertex has none)
  let havePrev = false;
  let i = 0;
  let j = 0;
  while (i < P || j < N) {
    const g = i < P ? G[i] : -Infinity;
    const s = j < N ? I[j] : -Infinity;
    const t = g > s ? g : s;
    while (i < P && G[i] === t) i++;
    while (j < N && I[j] === t) j++;
    if (havePending) {
      if (!drop || !havePrev || i - 2 * pendTp + prevTp !== 0 || j - 2 * pendFp + prevFp !== 0) emit(pendTp, pendFp, pendThr);
      prevTp = pendTp;
      prevFp = pendFp;
      havePrev = true;
    }
    pendTp = i;
    pendFp = j;
    pendThr = t;
    havePending = true;
  }
  if (havePending) emit(pendTp, pendFp, pendThr);
}

/** Area under the curve by the trapezoidal rule (sklearn `auc(fpr, tpr)`). */
export function areaUnderCurve(roc: RocCurve): number {
  let area = 0;
  for (let k = 1; k < roc.fpr.length; k++) {
    area += ((roc.fpr[k] - roc.fpr[k - 1]) * (roc.tpr[k] + roc.tpr[k - 1])) / 2;
  }
  return area;
}

export interface EqualErrorRate {
  /** Where FAR = FRR on the curve, linearly interpolated between the two vertices around the crossing. */
  eer: number;
  /** Threshold of the first vertex whose FAR >= FRR. */
  threshold: number;
}

/**
 * Equal error rate. Linear interpolation on the ROC segments is what `brentq(lambda x: 1 - x -
 * interp1d(fpr, tpr)(x), 0, 1)` (the common EER recipe) converges to.
 */
export function equalErrorRate(roc: RocCurve): EqualErrorRate {
  const { fpr, tpr, thresholds } = roc;
  for (let k = 1; k < fpr.length; k++) {
    const after = 1 - tpr[k] - fpr[k];
    if (after <= 0) {
      const before = 1 - tpr[k - 1] - fpr[k - 1];
      const alpha = before / (before - after);
      return { eer: fpr[k - 1] + alpha * (fpr[k] - fpr[k - 1]), threshold: thresholds[k] };
    }
  }
  return { eer: NaN, threshold: NaN };
}

/** Splits scores by label and sorts each side in descending order. */
export function splitByLabel(scores: Float64Array | Float32Array, labels: Uint8Array): SortedScores {
  let positives = 0;
  for (let k = 0; k < labels.length; k++) positives += labels[k];
  const Scores = scores instanceof Float32Array ? Float32Array : Float64Array;
  const genuine = new Scores(positives);
  const impostor = new Scores(labels.length - positives);
  let gi = 0;
  let ii = 0;
  for (let k = 0; k < labels.length; k++) {
    if (labels[k]) genuine[gi++] = scores[k];
    else impostor[ii++] = scores[k];
  }
  return { genuine: sortDescending(genuine), impostor: sortDescending(impostor) };
}
