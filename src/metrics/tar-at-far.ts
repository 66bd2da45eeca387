/**
 * TAR@FAR: the true accept rate at a target false accept rate, under the three published rules
 * (REFERENCE.md §3). PURE. Every result carries the rule, the actual FAR, the counts and the threshold
 * (a pair is accepted when `score >= threshold`; +Infinity accepts nothing).
 */
import type { RocCurve, SortedScores } from './roc.js';
import { nextDown, nextUp } from '../numeric/numpy.js';

export type TarRule = 'nearest' | 'le' | 'bob';
export const TAR_RULES: readonly TarRule[] = ['nearest', 'le', 'bob'];

export interface TarAtFar {
  rule: TarRule;
  /** The requested FAR. */
  target: number;
  tar: number;
  /** FAR actually reached at `threshold`. */
  far: number;
  falseAccepts: number;
  trueAccepts: number;
  threshold: number;
  /**
   * False when the target is below 1 / impostors: not even one false accept is allowed, so the
   * data cannot tell TAR at this FAR from TAR at FAR 0 and the number must not be reported.
   */
  resolvable: boolean;
}

/** A FAR target the impostors can resolve: it allows at least one false accept (target · N ≥ 1). */
export function isResolvableFar(target: number, impostors: number): boolean {
  return target * impostors >= 1 - 1e-9;
}

/** One warning per unresolvable target, naming it and the impostor count ('' entries dropped). */
export function unresolvableFarWarnings(targets: number[], impostors: number, what = 'impostor pairs'): string[] {
  return targets
    .filter((t) => !isResolvableFar(t, impostors))
    .map((t) => `FAR ${t.toExponential().replace('e+', 'e')} cannot be resolved with ${impostors.toLocaleString('en-US')} ${what} (it needs at least ${Math.ceil(1 / t - 1e-9).toLocaleString('en-US')}): its TAR is reported as null`);
}

/**
 * insightface ijb_11.py / MagFace eval_ijb.py: among the vertices of sklearn's ROC (with
 * drop_intermediate), the one whose FAR is nearest the target; on an exact tie the vertex with the
 * larger FAR (and TAR) wins. The chosen FAR may exceed the target. `roc` must be built with
 * dropIntermediate (the default) to match the reference.
 */
export function tarAtFarNearest(roc: RocCurve, target: number): TarAtFar {
  let best = 0;
  let bestDistance = Infinity;
  for (let k = 0; k < roc.fpr.length; k++) {
    const d = Math.abs(roc.fpr[k] - target);
    if (d <= bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return {
    rule: 'nearest',
    target,
    tar: roc.tpr[best],
    far: roc.fpr[best],
    falseAccepts: roc.falseAccepts[best],
    trueAccepts: roc.trueAccepts[best],
    threshold: roc.thresholds[best],
    resolvable: isResolvableFar(target, roc.negatives),
  };
}

/** Number of values in the descending array `v` that are strictly greater than `x` (0 for NaN). */
export function countGreater(v: Float64Array | Float32Array, x: number): number {
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid] > x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in the descending array `v` that are >= `x`. */
export function countAtLeast(v: Float64Array | Float32Array, x: number): number {
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid] >= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Largest number of false accepts k with k / negatives <= target (compared as float64 rates). */
export function allowedFalseAccepts(target: number, negatives: number): number {
  let k = Math.min(negatives, Math.max(0, Math.floor(target * negatives)));
  while (k < negatives && (k + 1) / negatives <= target) k++;
  while (k > 0 && k / negatives > target) k--;
  return k;
}

/**
 * `le`: the highest TAR among operating points with FAR <= target. Its threshold is the lowest score
 * that keeps FAR <= target, i.e. the smallest score strictly above the (k+1)-th largest impostor
 * score, k = the number of false accepts allowed.
 */
export function tarAtFarLe(sorted: SortedScores, target: number): TarAtFar {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const P = G.length;
  const N = I.length;
  const k = allowedFalseAccepts(target, N);
  let threshold: number;
  if (k >= N) {
    // Everything may be accepted: the lowest score of all.
    threshold = Math.min(P ? G[P - 1] : Infinity, N ? I[N - 1] : Infinity);
  } else {
    const blocked = I[k];
    const fa = countGreater(I, blocked);
    const ta = countGreater(G, blocked);
    threshold = Math.min(ta > 0 ? G[ta - 1] : Infinity, fa > 0 ? I[fa - 1] : Infinity);
  }
  return pointAt('le', target, sorted, threshold);
}

/**
 * bob.measure `far_threshold`: walking the impostor scores from the top in blocks of equal scores,
 * the threshold is the last block score whose cumulative count / negatives <= target (ties are
 * consumed as a block); before any block it is just above the highest impostor score. A target of
 * 1 (or within one ulp) accepts everything.
 */
export function tarAtFarBob(sorted: SortedScores, target: number): TarAtFar {
  const I = sorted.impostor;
  const N = I.length;
  let threshold: number;
  if (N === 0) threshold = Infinity;
  else if (target >= 1 - Number.EPSILON) threshold = nextDown(I[N - 1]);
  else {
    threshold = nextUp(I[0]);
    let p = 0;
    while (p < N) {
      const value = I[p];
      while (p < N - 1 && I[p + 1] === value) p++;
      if ((p + 1) / N > target) break;
      threshold = value;
      p++;
    }
  }
  return pointAt('bob', target, sorted, threshold);
}

function pointAt(rule: TarRule, target: number, sorted: SortedScores, threshold: number): TarAtFar {
  const P = sorted.genuine.length;
  const N = sorted.impostor.length;
  const trueAccepts = countAtLeast(sorted.genuine, threshold);
  const falseAccepts = countAtLeast(sorted.impostor, threshold);
  return { rule, target, tar: trueAccepts / P, far: falseAccepts / N, falseAccepts, trueAccepts, threshold, resolvable: isResolvableFar(target, N) };
}

/** Dispatches on the rule; `roc` is only used by `nearest`. */
export function tarAtFar(rule: TarRule, roc: RocCurve, sorted: SortedScores, target: number): TarAtFar {
  if (rule === 'nearest') return tarAtFarNearest(roc, target);
  if (rule === 'le') return tarAtFarLe(sorted, target);
  return tarAtFarBob(sorted, target);
}
