/**
 * Error-versus-reject curves (ERC): discard the lowest-quality fraction u of the pairs, recompute the
 * decision threshold on the pairs that are left, report the FNMR there (REFERENCE.md §7). Two
 * published definitions, reproduced exactly:
 *
 * - MagFace `eval/eval_quality/eval_quality.py` (`perform_1v1_quality_eval`): the threshold is the
 *   impostor distance at index ⌊(N_imp − 1)/1000⌋ of the kept impostors sorted ascending (its loop
 *   divides the index by 10 three times on the way to "FMR 1e-3"; with fewer than 101 impostors the
 *   loop ends first and the step has no value); FNMR = (N_gen − #{gen < threshold}) / N_gen.
 * - CR-FIQA `ERC/erc.py` (`getFNMRFixedTH` with `ERC/roc.py`): on the kept pairs, the ROC over every
 *   distinct score; the operating point whose FMR is nearest the target (`np.argmin`: the first, i.e.
 *   lowest threshold, on a tie); FNMR = 1 − #{gen < threshold} / N_gen.
 *
 * Both work on distances d with "accepted" meaning d < threshold. Here scores are similarities
 * (higher = more similar): a distance d enters as the score −d (negation is exact), so "accepted"
 * is `score > threshold` (strict) and every threshold below is a score. Discarding follows
 * `np.argsort(quality)[int(u·N):]` (see numpy-argsort.ts for the tie order), with
 * u ∈ `np.arange(0, 0.98, 0.05)` by default.
 *
 * The kept impostors are never re-sorted: all impostors are sorted once (slot s = the (s+1)-th
 * highest score); discarding a pair clears its slot in a bitmap with per-block counts, and the k-th
 * highest kept impostor is found by walking the block counts — O(1) per discarded pair and
 * O(√N) per query. PURE.
 */
import { pairwiseSum } from '../aggregate/numpy-sum.js';
import { numpyArange } from './kfold-accuracy.js';
import { argsortDescending } from './sort-descending.js';

/** `np.arange(0, 0.98, 0.05)`: 0, 0.05, …, 0.95, the discard fractions of both scripts. */
export const ERC_DISCARD_FRACTIONS: Float64Array = numpyArange(0, 0.98, 0.05);

/** MagFace's loop needs at least this many impostors to reach its "FMR 1e-3" step. */
export const MAGFACE_MIN_IMPOSTORS = 101;

/** Element k: `int(fractions[k] * n)`, the number of pairs discarded at step k. */
export function discardCounts(fractions: ArrayLike<number>, n: number): Int32Array {
  return Int32Array.from(fractions, (u) => Math.trunc(u * n));
}

/** A pair set's scores, split by label and ranked once for any number of quality sources. */
export interface RankedPairs {
  /** Impostor scores in descending order: slot s holds the (s+1)-th highest impostor score. */
  impostorSorted: Float64Array;
  /** Element p: the impostor slot of pair p (≥ 0), or −1 − g when pair p is genuine pair g. */
  slotOfPair: Int32Array;
  /** Element g: the score of genuine pair g (genuine pairs numbered in pair order). */
  genuineScores: Float64Array;
}

/** Sorts the impostor scores once (descending) and numbers the genuine pairs. Scores must not be NaN. */
export function rankPairs(scores: ArrayLike<number>, labels: Uint8Array): RankedPairs {
  const n = labels.length;
  let genuine = 0;
  for (let p = 0; p < n; p++) genuine += labels[p];
  const impostorPairs = new Int32Array(n - genuine);
  const impostorScores = new Float64Array(n - genuine);
  const genuineScores = new Float64Array(genuine);
  const slotOfPair = new Int32Array(n);
  let g = 0;
  let i = 0;
  for (let p = 0; p < n; p++) {
    if (labels[p]) {
      genuineScores[g] = scores[p];
      slotOfPair[p] = -1 - g++;
    } else {
      impostorPairs[i] = p;
      impostorScores[i++] = scores[p];
    }
  }
  const order = argsortDescending(impostorScores);
  const impostorSorted = new Float64Array(order.length);
  for (let s = 0; s < order.length; s++) {
    impostorSorted[s] = impostorScores[order[s]];
    slotOfPair[impostorPairs[order[s]]] = s;
  }
  return { impostorSorted, slotOfPair, genuineScores };
}

/** ERC at one FMR target (CR-FIQA's rule). Element k belongs to discard step k. */
export interface ErcAtFmr {
  target: number;
  /** FNMR on the kept pairs; NaN when no genuine or no impostor pair is left. */
  fnmr: Float64Array;
  /** The chosen threshold (accept `score > threshold`); NaN when undefined. */
  threshold: Float64Array;
  /** The FMR of the chosen operating point (its false matches / kept impostors); NaN when undefined. */
  fmr: Float64Array;
}

export interface ErrorRejectCurves {
  /** Element k: the discard fraction of step k. */
  discard: Float64Array;
  /** Element k: pairs discarded at step k. */
  discarded: Int32Array;
  /** Element k: genuine / impostor pairs kept at step k. */
  keptGenuine: Int32Array;
  keptImpostor: Int32Array;
  /**
   * MagFace's rule. Element k: FNMR and threshold (accept `score > threshold`) at step k; NaN where
   * MagFace's loop gives no value (fewer than 101 kept impostors, or no kept genuine pair).
   */
  magface: { fnmr: Float64Array; threshold: Float64Array };
  /** CR-FIQA's rule, one entry per FMR target in the order given. */
  atFmr: ErcAtFmr[];
}

/**
 * Both ERCs of one quality source. `discardOrder` lists the pairs in the order they are discarded:
 * at step k the pairs at positions < int(fractions[k]·N) are gone (their order within each stretch
 * between two steps does not matter; `numpyArgsortCuts` gives such an order).
 */
export function errorVersusReject(ranked: RankedPairs, discardOrder: Int32Array, fractions: ArrayLike<number>, fmrTargets: readonly number[]): ErrorRejectCurves {
  const n = ranked.slotOfPair.length;
  if (discardOrder.length !== n) throw new Error(`errorVersusReject: discard order has ${discardOrder.length} pairs, the pair set ${n}`);
  const steps = fractions.length;
  const discarded = discardCounts(fractions, n);
  const kept = new KeptImpostors(ranked.impostorSorted);
  const genuineKept = new Uint8Array(ranked.genuineScores.length).fill(1);
  const out: ErrorRejectCurves = {
    discard: Float64Array.from(fractions),
    discarded,
    keptGenuine: new Int32Array(steps),
    keptImpostor: new Int32Array(steps),
    magface: { fnmr: new Float64Array(steps).fill(NaN), threshold: new Float64Array(steps).fill(NaN) },
    atFmr: fmrTargets.map((target) => ({
      target,
      fnmr: new Float64Array(steps).fill(NaN),
      threshold: new Float64Array(steps).fill(NaN),
      fmr: new Float64Array(steps).fill(NaN),
    })),
  };
  let removed = 0;
  for (let k = 0; k < steps; k++) {
    if (discarded[k] < removed) throw new Error('errorVersusReject: discard fractions must not decrease');
    for (; removed < discarded[k]; removed++) {
      const slot = ranked.slotOfPair[discardOrder[removed]];
      if (slot >= 0) kept.remove(slot);
      else genuineKept[-1 - slot] = 0;
    }
    const genuine = keptGenuineSorted(ranked.genuineScores, genuineKept);
    out.keptGenuine[k] = genuine.length;
    out.keptImpostor[k] = kept.count;
    if (genuine.length === 0 || kept.count === 0) continue;
    if (kept.count >= MAGFACE_MIN_IMPOSTORS) {
      const t = kept.valueAtRank(Math.floor((kept.count - 1) / 1000) + 1);
      out.magface.threshold[k] = t;
      out.magface.fnmr[k] = (genuine.length - countAbove(genuine, t)) / genuine.length;
    }
    for (const curve of out.atFmr) {
      const { threshold, falseMatches } = nearestOperatingPoint(kept, genuine, curve.target);
      curve.threshold[k] = threshold;
      curve.fmr[k] = falseMatches / kept.count;
      curve.fnmr[k] = 1 - countAbove(genuine, threshold) / genuine.length;
    }
  }
  return out;
}

/**
 * CR-FIQA's `get_fmr_op` on the ROC of the kept pairs (`calculate_roc` over negated distances): its
 * thresholds are the distinct kept scores t, its false matches #{imp ≥ t}; the first (lowest) t whose
 * FMR = false matches / N_imp is nearest the target. Reached without the ROC: the false-match counts
 * it can take are the ends of the impostor tie groups (plus 0 when a genuine score lies above every
 * impostor), so the groups around target·N_imp hold the nearest one; among equally near counts
 * the larger wins (it comes with the lower thresholds). Its lowest threshold is the smallest kept
 * score above the next impostor group down.
 */
function nearestOperatingPoint(kept: KeptImpostors, genuine: Float64Array, target: number): { threshold: number; falseMatches: number } {
  const total = kept.count;
  // The count nearest target·N_imp lies next to it: the ends of the tie group holding rank
  // ⌊target·N_imp⌋ (its start is the previous group's end) or of the group after it. (The float
  // rounding of fm / N_imp moves the crossing by far less than one pair.)
  const near = Math.min(total, Math.max(1, Math.floor(target * total)));
  const group = kept.groupOfRank(near);
  const candidates = [group.start, group.end];
  if (group.end < total) candidates.push(kept.groupOfRank(group.end + 1).end);
  const genuineAboveAll = genuine.length > 0 && genuine[genuine.length - 1] > kept.valueAtRank(1);
  let best = -1;
  let bestDistance = Infinity;
  for (const fm of candidates) {
    if (fm === 0 && !genuineAboveAll) continue;
    const distance = Math.abs(fm / total - target);
    if (distance < bestDistance || (distance === bestDistance && fm > best)) {
      best = fm;
      bestDistance = distance;
    }
  }
  // Thresholds with exactly `best` false matches lie in (next impostor score down, the best-th score].
  const top = best >= 1 ? kept.valueAtRank(best) : Infinity;
  const next = best < total ? kept.valueAtRank(best + 1) : -Infinity;
  const firstGenuineAbove = genuine[upperBound(genuine, next)] ?? Infinity;
  return { threshold: Math.min(top, firstGenuineAbove), falseMatches: best };
}

/** The kept genuine scores, ascending. */
function keptGenuineSorted(scores: Float64Array, kept: Uint8Array): Float64Array {
  let count = 0;
  for (let g = 0; g < kept.length; g++) count += kept[g];
  const out = new Float64Array(count);
  let k = 0;
  for (let g = 0; g < kept.length; g++) if (kept[g]) out[k++] = scores[g];
  return out.sort();
}

/** Index of the first element > x in an ascending array (its length when none). */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements > x in an ascending array. */
function countAbove(sorted: Float64Array, x: number): number {
  return sorted.length - upperBound(sorted, x);
}

const BLOCK_BITS = 12;

/**
 * The impostors still kept, as a bitmap over the descending slots with a count per block of 4,096
 * slots. Ranks are 1-based: rank r = the r-th highest kept impostor score.
 */
class KeptImpostors {
  private readonly kept: Uint8Array;
  private readonly blockKept: Int32Array;
  count: number;

  constructor(private readonly sorted: Float64Array) {
    const n = sorted.length;
    this.kept = new Uint8Array(n).fill(1);
    this.blockKept = new Int32Array(Math.ceil(n / (1 << BLOCK_BITS))).fill(1 << BLOCK_BITS);
    if (n % (1 << BLOCK_BITS) !== 0) this.blockKept[this.blockKept.length - 1] = n % (1 << BLOCK_BITS);
    this.count = n;
  }

  remove(slot: number): void {
    if (this.kept[slot] === 0) throw new Error(`impostor slot ${slot} discarded twice`);
    this.kept[slot] = 0;
    this.blockKept[slot >> BLOCK_BITS]--;
    this.count--;
  }

  /** The slot of the kept impostor of rank r (1 ≤ r ≤ count). */
  private slotOfRank(r: number): number {
    let b = 0;
    while (r > this.blockKept[b]) r -= this.blockKept[b++];
    let s = b << BLOCK_BITS;
    for (;; s++) if (this.kept[s] && --r === 0) return s;
  }

  /** Kept impostors in slots [0, slot). */
  private keptBefore(slot: number): number {
    let c = 0;
    const b = slot >> BLOCK_BITS;
    for (let k = 0; k < b; k++) c += this.blockKept[k];
    for (let s = b << BLOCK_BITS; s < slot; s++) c += this.kept[s];
    return c;
  }

  /** First slot whose score is ≤ x (or < x when `strict`). */
  private firstSlotBelow(x: number, strict: boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const v = this.sorted[mid];
      if (strict ? v >= x : v > x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  valueAtRank(r: number): number {
    return this.sorted[this.slotOfRank(r)];
  }

  /** The tie group of the rank-r impostor: ranks start+1 … end share its score. */
  groupOfRank(r: number): { start: number; end: number } {
    const v = this.valueAtRank(r);
    return { start: this.keptBefore(this.firstSlotBelow(v, false)), end: this.keptBefore(this.firstSlotBelow(v, true)) };
  }
}

/**
 * CR-FIQA `save_pdf`'s area: sklearn `auc(100·u/100, fnmr)` — np.trapz, whose terms numpy sums
 * pairwise. NaN when any point is NaN.
 */
export function ercArea(fractions: ArrayLike<number>, fnmr: ArrayLike<number>): number {
  const terms = new Float64Array(Math.max(0, fnmr.length - 1));
  const x = (k: number): number => (100 * fractions[k]) / 100;
  for (let k = 0; k + 1 < fnmr.length; k++) terms[k] = ((x(k + 1) - x(k)) * (fnmr[k + 1] + fnmr[k])) / 2;
  return pairwiseSum(terms, 0, terms.length);
}
