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
 * The kept impostors are never re-sorted: the impostors are sorted once — only the top share the
 * thresholds can reach, in whole tie groups, unless a step needs more — (slot s = the (s+1)-th
 * highest score), and each slot notes the step from which its pair is discarded; per block of
 * slots and per step, a count of those kept. The k-th highest impostor kept at a step is then found
 * by walking that step's block counts — one sequential pass to set up, O(√N) per query. PURE.
 */
import { numpyArange, pairwiseSum } from '../numeric/numpy.js';
import { argsortDescending, sortDescending32WithPayload } from './sort-descending.js';
import { countAtLeast, countGreater } from './tar-at-far.js';

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
  /** Impostor pairs in the set. */
  impostors: number;
  /**
   * The highest impostor scores in descending order, whole tie groups: slot s holds the (s+1)-th
   * highest. Every impostor when `complete`; else the top share asked for (the thresholds only ever
   * look that deep).
   */
  impostorSorted: Float64Array | Float32Array;
  /** Element s: the pair in slot s. */
  impostorPair: Int32Array;
  complete: boolean;
  /** Element g: the pair index of the g-th genuine pair (pair order). */
  genuinePair: Int32Array;
  /** Element g: its score. */
  genuineScores: Float64Array;
  /** The same pair set with every impostor in a slot (itself when complete). */
  completed(): RankedPairs;
}

/** A threshold needs impostors below the ranked top: rank them all and start again. */
export class ImpostorsBelowTop extends Error {}

/**
 * Sorts the impostor scores once (descending) and lists the genuine pairs. With float32 scores and
 * `topShare` < 1, only the top share of the impostors gets slots (rounded up to whole tie groups):
 * a histogram of the top 16 bits of the scores finds where to cut, and a radix sort orders them.
 * Scores must not be NaN.
 */
export function rankPairs(scores: Float64Array | Float32Array, labels: Uint8Array, topShare = 1): RankedPairs {
  const n = labels.length;
  let genuine = 0;
  for (let p = 0; p < n; p++) genuine += labels[p];
  const impostors = n - genuine;
  const genuinePair = new Int32Array(genuine);
  const genuineScores = new Float64Array(genuine);
  for (let p = 0, g = 0; p < n; p++) {
    if (labels[p]) {
      genuinePair[g] = p;
      genuineScores[g++] = scores[p];
    }
  }
  let all: RankedPairs | undefined;
  const base = { impostors, genuinePair, genuineScores, completed: (): RankedPairs => (all ??= rankPairs(scores, labels)) };
  if (scores instanceof Float32Array && topShare < 1) {
    const top = topImpostors32(scores, labels, impostors, Math.ceil(topShare * impostors));
    if (top) return { ...base, ...top, complete: false };
  }
  const impostorPairs = new Int32Array(impostors);
  const impostorScores = scores instanceof Float32Array ? new Float32Array(impostors) : new Float64Array(impostors);
  for (let p = 0, i = 0; p < n; p++) {
    if (!labels[p]) {
      impostorPairs[i] = p;
      impostorScores[i++] = scores[p];
    }
  }
  if (impostorScores instanceof Float32Array) {
    const { sorted, payload } = sortDescending32WithPayload(impostorScores, impostorPairs);
    return (all = { ...base, impostorSorted: sorted, impostorPair: payload, complete: true });
  }
  const order = argsortDescending(impostorScores);
  const impostorSorted = new Float64Array(order.length);
  const impostorPair = new Int32Array(order.length);
  for (let s = 0; s < order.length; s++) {
    impostorSorted[s] = impostorScores[order[s]];
    impostorPair[s] = impostorPairs[order[s]];
  }
  return (all = { ...base, impostorSorted, impostorPair, complete: true });
}

/** The ≥ `count` highest float32 impostor scores (whole 16-bit key buckets), sorted; undefined when that is all of them. */
function topImpostors32(scores: Float32Array, labels: Uint8Array, impostors: number, count: number): Pick<RankedPairs, 'impostorSorted' | 'impostorPair'> | undefined {
  const bits = new Int32Array(scores.buffer, scores.byteOffset, scores.length);
  // The top 16 bits of unsigned keys whose ascending order is descending score order (as the radix
  // sort's): a negative score keeps its bits, a positive one has all but the sign flipped (no
  // branch: the signs are mixed). -0 takes 0's key, so that the tie group of 0 is never cut in two.
  const bucketOf = (i: number): number => (i === -0x80000000 ? 0x7fff : (i ^ (~(i >> 31) & 0x7fffffff)) >>> 16);
  const hist = new Int32Array(65536);
  for (let p = 0; p < labels.length; p++) if (!labels[p]) hist[bucketOf(bits[p])]++;
  let bucket = 0;
  let taken = hist[0];
  while (taken < count) taken += hist[++bucket];
  if (taken >= impostors) return undefined;
  const values = new Float32Array(taken);
  const pairs = new Int32Array(taken);
  for (let p = 0, s = 0; p < labels.length; p++) {
    if (!labels[p] && bucketOf(bits[p]) <= bucket) {
      values[s] = scores[p];
      pairs[s++] = p;
    }
  }
  const { sorted, payload } = sortDescending32WithPayload(values, pairs);
  return { impostorSorted: sorted, impostorPair: payload };
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
 * Element p: the discard step from which pair p is gone (`fractions.length`: kept to the end), for
 * a discard order: at step k the pairs at positions < int(fractions[k]·N) are gone. Order within
 * each stretch between two cuts does not matter (`numpyArgsortCuts` gives such an order). Written
 * into `out` when given (reused buffers spare page faults).
 */
export function discardSteps(order: Int32Array, fractions: ArrayLike<number>, out: Uint8Array = new Uint8Array(order.length)): Uint8Array {
  const steps = checkSteps(fractions);
  const cuts = discardCounts(fractions, order.length);
  const goneAt = out.fill(steps);
  let from = 0;
  for (let k = 0; k < steps; k++) for (; from < cuts[k]; from++) goneAt[order[from]] = k;
  return goneAt;
}

/** The number of steps, checked: non-decreasing fractions in [0, 1), at most 255 steps (a byte each). */
export function checkSteps(fractions: ArrayLike<number>): number {
  if (fractions.length > 255) throw new Error('at most 255 discard steps');
  for (let k = 0; k < fractions.length; k++) {
    if (!(fractions[k] >= 0 && fractions[k] < 1) || (k > 0 && fractions[k] < fractions[k - 1])) throw new Error('discard fractions must be non-decreasing, in [0, 1)');
  }
  return fractions.length;
}

/**
 * Both ERCs of one quality source. `goneAt[p]`: the step from which pair p is discarded
 * (`discardSteps`, or `discardStepsByRank` in quality-scores.ts).
 */
export function errorVersusReject(ranked: RankedPairs, goneAt: Uint8Array, fractions: ArrayLike<number>, fmrTargets: readonly number[]): ErrorRejectCurves {
  try {
    return sweep(ranked, goneAt, fractions, fmrTargets);
  } catch (e) {
    if (e instanceof ImpostorsBelowTop && !ranked.complete) return sweep(ranked.completed(), goneAt, fractions, fmrTargets);
    throw e;
  }
}

function sweep(ranked: RankedPairs, goneAt: Uint8Array, fractions: ArrayLike<number>, fmrTargets: readonly number[]): ErrorRejectCurves {
  const n = ranked.impostors + ranked.genuinePair.length;
  if (goneAt.length !== n) throw new Error(`errorVersusReject: discard steps for ${goneAt.length} pairs, the pair set has ${n}`);
  const steps = checkSteps(fractions);
  const kept = new KeptImpostors(ranked, goneAt, steps);
  const genuineGoneAt = new Uint8Array(ranked.genuinePair.length);
  for (let g = 0; g < genuineGoneAt.length; g++) genuineGoneAt[g] = goneAt[ranked.genuinePair[g]];
  const out: ErrorRejectCurves = {
    discard: Float64Array.from(fractions),
    discarded: discardCounts(fractions, n),
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
  for (let k = 0; k < steps; k++) {
    kept.step = k;
    const genuine = keptGenuineSorted(ranked.genuineScores, genuineGoneAt, k);
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

/** The genuine scores kept at step k (gone from a later step on), ascending. */
function keptGenuineSorted(scores: Float64Array, goneAt: Uint8Array, step: number): Float64Array {
  let count = 0;
  for (let g = 0; g < goneAt.length; g++) if (goneAt[g] > step) count++;
  const out = new Float64Array(count);
  let k = 0;
  for (let g = 0; g < goneAt.length; g++) if (goneAt[g] > step) out[k++] = scores[g];
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
const BLOCK = 1 << BLOCK_BITS;

/**
 * The impostors kept at each step, over the descending slots: slot s is kept at step k while
 * goneAt[s] > k; per block of 4,096 slots and per step, the number kept. Nothing changes as the
 * steps advance — a query names its step (`step`). Impostors without a slot (below the ranked top)
 * are only counted. Ranks are 1-based: rank r = the r-th highest kept impostor score.
 */
class KeptImpostors {
  /** The step queries refer to. */
  step = 0;
  private readonly goneAt: Uint8Array;
  /** [step][block]: slotted impostors of the block kept at that step. */
  private readonly blockKept: Int32Array;
  private readonly blocks: number;
  /** Per step: slotted impostors kept, and all impostors kept. */
  private readonly slottedAt: Int32Array;
  private readonly countAt: Int32Array;
  private readonly sorted: Float64Array | Float32Array;

  constructor(ranked: RankedPairs, pairGoneAt: Uint8Array, steps: number) {
    this.sorted = ranked.impostorSorted;
    const n = this.sorted.length;
    this.goneAt = new Uint8Array(n);
    for (let s = 0; s < n; s++) this.goneAt[s] = pairGoneAt[ranked.impostorPair[s]];
    this.blocks = Math.ceil(n / BLOCK);
    // Per block, a histogram of goneAt; kept at step k = the slots gone at a later step.
    const hist = new Int32Array(this.blocks * (steps + 1));
    for (let s = 0; s < n; s++) hist[(s >> BLOCK_BITS) * (steps + 1) + this.goneAt[s]]++;
    this.blockKept = new Int32Array(steps * this.blocks);
    this.slottedAt = new Int32Array(steps);
    for (let b = 0; b < this.blocks; b++) {
      let later = hist[b * (steps + 1) + steps];
      for (let k = steps - 1; k >= 0; k--) {
        this.blockKept[k * this.blocks + b] = later;
        this.slottedAt[k] += later;
        later += hist[b * (steps + 1) + k];
      }
    }
    // All impostors kept, slotted or not: per step, the pairs gone then less the genuine ones.
    const goneThen = new Int32Array(steps + 1);
    for (let p = 0; p < pairGoneAt.length; p++) goneThen[pairGoneAt[p]]++;
    for (let g = 0; g < ranked.genuinePair.length; g++) goneThen[pairGoneAt[ranked.genuinePair[g]]]--;
    this.countAt = new Int32Array(steps);
    for (let k = steps - 1, later = goneThen[steps]; k >= 0; later += goneThen[k--]) this.countAt[k] = later;
  }

  get count(): number {
    return this.countAt[this.step];
  }

  /** The slot of the kept impostor of rank r (1 ≤ r ≤ count). */
  private slotOfRank(r: number): number {
    if (r > this.slottedAt[this.step]) throw new ImpostorsBelowTop(`rank ${r} is below the ranked impostors`);
    const row = this.step * this.blocks;
    let b = 0;
    while (r > this.blockKept[row + b]) r -= this.blockKept[row + b++];
    for (let s = b << BLOCK_BITS; ; s++) if (this.goneAt[s] > this.step && --r === 0) return s;
  }

  /** Kept impostors in slots [0, slot). */
  private keptBefore(slot: number): number {
    const row = this.step * this.blocks;
    let c = 0;
    const b = slot >> BLOCK_BITS;
    for (let k = 0; k < b; k++) c += this.blockKept[row + k];
    for (let s = b << BLOCK_BITS; s < slot; s++) if (this.goneAt[s] > this.step) c++;
    return c;
  }

  valueAtRank(r: number): number {
    return this.sorted[this.slotOfRank(r)];
  }

  /** The tie group of the rank-r impostor: ranks start+1 … end share its score. */
  groupOfRank(r: number): { start: number; end: number } {
    const v = this.valueAtRank(r);
    // Slots before the group hold scores > v; the group's end is the last slot holding v.
    return { start: this.keptBefore(countGreater(this.sorted, v)), end: this.keptBefore(countAtLeast(this.sorted, v)) };
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
