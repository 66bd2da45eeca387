/**
 * Template bootstrap of TAR@FAR (docs/bootstrap.md). PURE: typed arrays in, plain objects out.
 *
 * Resampling unit = the template, not the pair: pairs share templates, so resampling pairs as if
 * independent understates the variance. One replicate draws, with replacement, as many templates as
 * there are in each stratum; template t gets a multiplicity m[t] (how often it was drawn), and every
 * pair (a, b) comes along with weight m[a]·m[b] — exactly the pairs the resampled template lists
 * would form. When the first and second templates of the pairs are disjoint sets (IJB: gallery ×
 * probe) each side is resampled separately (two strata); otherwise all templates form one stratum.
 *
 * TAR@FAR under integer weights equals TAR@FAR of the list in which each pair is repeated `weight`
 * times (pairs of weight 0 are absent, as scikit-learn's roc_curve drops zero sample weights), under
 * the same rule (nearest / le / bob, REFERENCE.md §3). It needs:
 * - the total impostor weight, Σ m[a]·m[b] over impostor pairs: one pass over the impostor pairs
 *   grouped by their larger side (a compact CSR, 2-byte indices when the other side has ≤ 65,536
 *   templates), skipping groups whose template was not drawn;
 * - the genuine scores with their weights (sorted once);
 * - only the highest impostor scores (sorted once): the walk stops once the weighted FAR passes the
 *   largest target. The list holds the top ≈ 2·max(target) of the impostors and is doubled in the
 *   (rare) replicate that needs more, so results never depend on its size.
 * Random numbers: xoshiro128** seeded through splitmix32 — deterministic for a given seed.
 */
import { argsortDescending, sortDescending } from './sort-descending.js';
import type { TarRule } from './tar-at-far.js';
import { nextDown, nextUp, percentile } from '../numeric/numpy.js';

// ---------------------------------------------------------------------------------------------
// PRNG

/**
 * xoshiro128** (Blackman & Vigna), 32-bit output, its state filled by splitmix32 from a 32-bit seed
 * and a stream number. The bootstrap gives replicate r the stream r, so a replicate's draws do not
 * depend on how many replicates ran before it (or on which thread runs it).
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = 0) {
    // splitmix32 state: the seed, offset by the stream times an odd constant (a bijection of the
    // stream number mod 2^32), so distinct streams of one seed never share a state.
    let x = (seed + Math.imul(stream, 0x632be5ab)) >>> 0;
    const splitmix32 = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n) by multiply-shift (bias < n / 2^32, negligible for n ≤ 2^20). */
  nextIndex(n: number): number {
    return Math.floor((this.nextUint32() * n) / 4294967296);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------
// Strata and multiplicities

export interface TemplateStrata {
  /** 'gallery+probe': first and second templates are disjoint and resampled separately. */
  kind: 'gallery+probe' | 'templates';
  /** Per pair: index of its first / second template in the multiplicity arrays. */
  localFirst: Int32Array;
  localSecond: Int32Array;
  /** Number of templates in the first / second stratum (equal and shared when kind = 'templates'). */
  firstCount: number;
  secondCount: number;
}

/** Finds the templates on each side and whether the two sides are disjoint. */
export function templateStrata(first: Int32Array | Uint16Array, second: Int32Array | Uint16Array): TemplateStrata {
  let maxId = 0;
  for (let p = 0; p < first.length; p++) {
    if (first[p] > maxId) maxId = first[p];
    if (second[p] > maxId) maxId = second[p];
  }
  const inFirst = new Uint8Array(maxId + 1);
  const inSecond = new Uint8Array(maxId + 1);
  for (let p = 0; p < first.length; p++) {
    inFirst[first[p]] = 1;
    inSecond[second[p]] = 1;
  }
  let disjoint = true;
  for (let t = 0; t <= maxId; t++) if (inFirst[t] && inSecond[t]) disjoint = false;
  const localFirst = new Int32Array(first.length);
  const localSecond = new Int32Array(first.length);
  if (disjoint) {
    const [mapA, nA] = denseIds(inFirst);
    const [mapB, nB] = denseIds(inSecond);
    for (let p = 0; p < first.length; p++) {
      localFirst[p] = mapA[first[p]];
      localSecond[p] = mapB[second[p]];
    }
    return { kind: 'gallery+probe', localFirst, localSecond, firstCount: nA, secondCount: nB };
  }
  const both = inFirst.map((v, t) => v | inSecond[t]);
  const [map, n] = denseIds(both);
  for (let p = 0; p < first.length; p++) {
    localFirst[p] = map[first[p]];
    localSecond[p] = map[second[p]];
  }
  return { kind: 'templates', localFirst, localSecond, firstCount: n, secondCount: n };
}

/** Ascending template index → 0..n-1 for the marked ones. */
function denseIds(present: Uint8Array): [Int32Array, number] {
  const map = new Int32Array(present.length).fill(-1);
  let n = 0;
  for (let t = 0; t < present.length; t++) if (present[t]) map[t] = n++;
  return [map, n];
}

export interface Multiplicities {
  first: Int32Array;
  /** The same array as `first` when the strata are one ('templates'). */
  second: Int32Array;
}

/**
 * One replicate's multiplicities: `firstCount` uniform draws over the first stratum (then
 * `secondCount` over the second one when the sides are disjoint). Consumes the generator in this
 * fixed order, which makes a run reproducible from its seed.
 */
export function drawMultiplicities(strata: TemplateStrata, rng: Xoshiro128, into?: Multiplicities): Multiplicities {
  const first = into?.first ?? new Int32Array(strata.firstCount);
  first.fill(0);
  for (let k = 0; k < strata.firstCount; k++) first[rng.nextIndex(strata.firstCount)]++;
  if (strata.kind === 'templates') return { first, second: first };
  const second = into && into.second !== into.first ? into.second : new Int32Array(strata.secondCount);
  second.fill(0);
  for (let k = 0; k < strata.secondCount; k++) second[rng.nextIndex(strata.secondCount)]++;
  return { first, second };
}

// ---------------------------------------------------------------------------------------------
// Bootstrap of TAR@FAR

export interface BootstrapInput {
  /** Template index of each pair's first / second template. */
  first: Int32Array | Uint16Array;
  second: Int32Array | Uint16Array;
  /** 1 genuine, 0 impostor. */
  labels: Uint8Array;
  /** Pair scores (higher = more similar), no NaN; float32 from GEMM scoring. */
  scores: Float64Array | Float32Array;
  /** The impostor scores sorted in descending order, when the caller has them (saves a sort). */
  sortedImpostorScores?: Float64Array | Float32Array;
}

export interface BootstrapOptions {
  replicates: number;
  seed: number;
  /** Confidence level in percent, e.g. 95. */
  ci: number;
  targets: number[];
  rule: TarRule;
  /** Initial size of the top-impostor list as a fraction of the impostors (default 1.25·max target, plus 1,024 pairs). */
  topFraction?: number;
}

export interface BootstrapResult {
  unit: 'template';
  strata: TemplateStrata['kind'];
  replicates: number;
  seed: number;
  ci: number;
  /** Per target: [lo, hi] percentile interval (NaN when fewer than 2 replicates were defined). */
  intervals: [number, number][];
  /** Per target: TAR of each replicate (NaN where a replicate has no genuine or no impostor weight). */
  values: Float64Array[];
}

/** What the replicates read (all a worker thread needs; structured-clone friendly). */
export type ReplicateData = Pick<Prepared, 'strata' | 'gScore' | 'gFirst' | 'gSecond' | 'top' | 'csrOffsets' | 'csrInner' | 'outerIsFirst'>;

/** The replicate data of a prepared bootstrap, without the arrays only the main thread needs. */
export function replicateData(prep: Prepared): ReplicateData {
  const { strata, gScore, gFirst, gSecond, top, csrOffsets, csrInner, outerIsFirst } = prep;
  return { strata, gScore, gFirst, gSecond, top, csrOffsets, csrInner, outerIsFirst };
}

/** Percentile intervals of replicate values. */
export function percentileIntervals(values: Float64Array[], ci: number): [number, number][] {
  const lo = (100 - ci) / 200;
  const hi = (100 + ci) / 200;
  return values.map((v) => [percentile(v, lo), percentile(v, hi)]);
}

/** Pre-sorted, replicate-independent data. */
export interface Prepared {
  strata: TemplateStrata;
  /** All pair scores. */
  scores: Float64Array | Float32Array;
  /** Genuine pairs by descending score. */
  gScore: Float64Array;
  gFirst: Int32Array;
  gSecond: Int32Array;
  /** Top impostors by descending score (whole tie blocks). */
  top: TopImpostors;
  /** All impostor scores, for rebuilding `top` larger. */
  impostorIndex: Int32Array;
  impostorSortedScores: Float64Array | Float32Array;
  /** Impostor pairs grouped by the outer side: inner indices per outer template. */
  csrOffsets: Int32Array;
  csrInner: Uint16Array | Int32Array;
  outerIsFirst: boolean;
}

interface TopImpostors {
  score: Float64Array;
  first: Int32Array;
  second: Int32Array;
  /** True when it holds every impostor. */
  complete: boolean;
}

export function bootstrapTarAtFar(input: BootstrapInput, opts: BootstrapOptions): BootstrapResult {
  const prep = prepareBootstrap(input, opts);
  const values = runReplicates(prep, opts, 0, opts.replicates);
  return {
    unit: 'template',
    strata: prep.strata.kind,
    replicates: opts.replicates,
    seed: opts.seed,
    ci: opts.ci,
    intervals: percentileIntervals(values, opts.ci),
    values,
  };
}

/** Checks the options and builds the replicate-independent, pre-sorted data. */
export function prepareBootstrap(input: BootstrapInput, opts: BootstrapOptions): Prepared {
  if (!(Number.isInteger(opts.replicates) && opts.replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${opts.replicates}`);
  if (!(opts.ci > 0 && opts.ci < 100)) throw new RangeError(`ci must lie in (0, 100), got ${opts.ci}`);
  if (opts.targets.length === 0) throw new RangeError('no FAR targets');
  const maxTarget = Math.max(...opts.targets);
  return prepare(input, opts.topFraction ?? Math.min(1, 1.25 * maxTarget));
}

/**
 * TAR of replicates [from, to) per target (replicate r draws from the stream (seed, r)). When the
 * top-impostor list is too short for a replicate, the list is grown — or, with `short` given (a
 * worker thread holds no data to grow it), the replicate is left NaN and its number pushed there.
 */
export function runReplicates(prep: Prepared | ReplicateData, opts: Pick<BootstrapOptions, 'seed' | 'targets' | 'rule'>, from: number, to: number, short?: number[]): Float64Array[] {
  const values = opts.targets.map(() => new Float64Array(to - from));
  const sortedTargets = opts.targets.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
  let m: Multiplicities | undefined;
  const gWeight = new Float64Array(prep.gScore.length);
  const out = new Float64Array(opts.targets.length);
  for (let r = from; r < to; r++) {
    m = drawMultiplicities(prep.strata, new Xoshiro128(opts.seed, r), m);
    let ok = replicateTars(prep, m, gWeight, sortedTargets, opts.rule, out);
    while (!ok) {
      // The walk needed more impostors than the list holds.
      if (short || !('scores' in prep)) {
        short?.push(r);
        out.fill(NaN);
        break;
      }
      growTop(prep);
      ok = replicateTars(prep, m, gWeight, sortedTargets, opts.rule, out);
    }
    for (let i = 0; i < out.length; i++) values[i][r - from] = out[i];
  }
  return values;
}

function prepare(input: BootstrapInput, topFraction: number): Prepared {
  const { labels, scores } = input;
  const strata = templateStrata(input.first, input.second);
  let nGen = 0;
  for (let p = 0; p < labels.length; p++) nGen += labels[p];
  const nImp = labels.length - nGen;
  const genIdx = new Int32Array(nGen);
  const impIdx = new Int32Array(nImp);
  const impScores = new Float64Array(nImp);
  for (let p = 0, g = 0, i = 0; p < labels.length; p++) {
    if (labels[p]) genIdx[g++] = p;
    else {
      impIdx[i] = p;
      impScores[i++] = scores[p];
    }
  }
  const gScores = new Float64Array(nGen);
  for (let g = 0; g < nGen; g++) gScores[g] = scores[genIdx[g]];
  const gOrder = argsortDescending(gScores).map((k) => genIdx[k]);
  const gScore = new Float64Array(nGen);
  const gFirst = new Int32Array(nGen);
  const gSecond = new Int32Array(nGen);
  for (let k = 0; k < nGen; k++) {
    const p = gOrder[k];
    gScore[k] = scores[p];
    gFirst[k] = strata.localFirst[p];
    gSecond[k] = strata.localSecond[p];
  }
  // CSR of the impostor pairs grouped by the side with more templates, so that the inner side (the
  // one gathered from) is small and cache-resident.
  const outerIsFirst = strata.firstCount >= strata.secondCount;
  const outerOf = outerIsFirst ? strata.localFirst : strata.localSecond;
  const innerOf = outerIsFirst ? strata.localSecond : strata.localFirst;
  const outerCount = outerIsFirst ? strata.firstCount : strata.secondCount;
  const innerCount = outerIsFirst ? strata.secondCount : strata.firstCount;
  const csrOffsets = new Int32Array(outerCount + 1);
  for (let i = 0; i < nImp; i++) csrOffsets[outerOf[impIdx[i]] + 1]++;
  for (let o = 0; o < outerCount; o++) csrOffsets[o + 1] += csrOffsets[o];
  const fill = csrOffsets.slice(0, outerCount);
  const csrInner = innerCount <= 65536 ? new Uint16Array(nImp) : new Int32Array(nImp);
  for (let i = 0; i < nImp; i++) {
    const p = impIdx[i];
    csrInner[fill[outerOf[p]]++] = innerOf[p];
  }
  const impostorSortedScores = input.sortedImpostorScores ?? sortDescending(impScores);
  if (impostorSortedScores.length !== nImp) throw new RangeError(`sortedImpostorScores has ${impostorSortedScores.length} values for ${nImp} impostor pairs`);
  const prep: Prepared = {
    strata,
    scores,
    gScore,
    gFirst,
    gSecond,
    top: { score: new Float64Array(0), first: new Int32Array(0), second: new Int32Array(0), complete: false },
    impostorIndex: impIdx,
    impostorSortedScores,
    csrOffsets,
    csrInner,
    outerIsFirst,
  };
  buildTop(prep, Math.min(nImp, Math.ceil(topFraction * nImp) + 1024));
  return prep;
}

/** The top-k impostors, extended to include the whole tie block of the k-th score. */
function buildTop(prep: Prepared, k: number): void {
  const scores = prep.scores;
  const sorted = prep.impostorSortedScores;
  const n = sorted.length;
  const complete = k >= n;
  const cut = n === 0 ? Infinity : sorted[Math.min(n, k) - 1];
  let count = 0;
  for (let i = 0; i < prep.impostorIndex.length; i++) if (scores[prep.impostorIndex[i]] >= cut) count++;
  const chosen = new Int32Array(count);
  const chosenScores = new Float64Array(count);
  for (let i = 0, c = 0; i < prep.impostorIndex.length; i++) {
    const p = prep.impostorIndex[i];
    if (scores[p] >= cut) {
      chosen[c] = p;
      chosenScores[c++] = scores[p];
    }
  }
  // Descending score, ties by ascending pair index (stable radix sort): deterministic.
  const order = argsortDescending(chosenScores).map((k) => chosen[k]);
  const top: TopImpostors = { score: new Float64Array(count), first: new Int32Array(count), second: new Int32Array(count), complete: complete || count >= n };
  for (let k2 = 0; k2 < count; k2++) {
    const p = order[k2];
    top.score[k2] = scores[p];
    top.first[k2] = prep.strata.localFirst[p];
    top.second[k2] = prep.strata.localSecond[p];
  }
  prep.top = top;
}

function growTop(prep: Prepared): void {
  buildTop(prep, Math.min(prep.impostorSortedScores.length, Math.max(1024, prep.top.score.length * 2)));
}

/** Σ m[a]·m[b] over the impostor pairs. */
function impostorWeight(prep: ReplicateData, m: Multiplicities): number {
  const outerM = prep.outerIsFirst ? m.first : m.second;
  const innerM = prep.outerIsFirst ? m.second : m.first;
  const off = prep.csrOffsets;
  const inner = prep.csrInner;
  let total = 0;
  for (let o = 0; o < outerM.length; o++) {
    const mo = outerM[o];
    if (mo === 0) continue;
    let s = 0;
    for (let k = off[o], end = off[o + 1]; k < end; k++) s += innerM[inner[k]];
    total += mo * s;
  }
  return total;
}

/**
 * TAR at every target for one replicate, written to `out` (in the caller's target order). Returns
 * false when the top-impostor list was too short for this replicate.
 */
function replicateTars(prep: ReplicateData, m: Multiplicities, gWeight: Float64Array, targets: readonly (readonly [number, number])[], rule: TarRule, out: Float64Array): boolean {
  const mA = m.first;
  const mB = m.second;
  let wGen = 0;
  for (let k = 0; k < gWeight.length; k++) {
    const w = mA[prep.gFirst[k]] * mB[prep.gSecond[k]];
    gWeight[k] = w;
    wGen += w;
  }
  const wImp = impostorWeight(prep, m);
  if (wGen === 0 || wImp === 0) {
    out.fill(NaN);
    return true;
  }
  if (rule === 'nearest') return nearestWeighted(prep, mA, mB, gWeight, wGen, wImp, targets, out);
  return thresholdRuleWeighted(prep, mA, mB, gWeight, wGen, wImp, targets, rule, out);
}

/** Weighted genuine count with score > x (strict) or >= x. */
function genuineAbove(prep: ReplicateData, gWeight: Float64Array, x: number, inclusive: boolean): number {
  const G = prep.gScore;
  let s = 0;
  for (let k = 0; k < G.length && (inclusive ? G[k] >= x : G[k] > x); k++) s += gWeight[k];
  return s;
}

/**
 * `le` and `bob`: walk the impostor tie blocks of positive weight from the top. For each target the
 * crossing block is the first whose cumulative weight / total > target.
 * le: TAR = genuine weight with score > crossing score (all genuine when no block crosses).
 * bob: threshold = score of the last block before the crossing one (just above the top impostor
 * when the first block crosses); TAR = genuine weight with score >= threshold.
 */
function thresholdRuleWeighted(prep: ReplicateData, mA: Int32Array, mB: Int32Array, gWeight: Float64Array, wGen: number, wImp: number, targets: readonly (readonly [number, number])[], rule: 'le' | 'bob', out: Float64Array): boolean {
  const { score, first, second, complete } = prep.top;
  const n = score.length;
  let ti = 0;
  let cum = 0;
  let lastAllowed = NaN; // score of the last block fully allowed so far
  let topScore = NaN; // highest positive-weight impostor score
  let lowestScore = NaN;
  let p = 0;
  while (ti < targets.length && p < n) {
    const value = score[p];
    let w = 0;
    while (p < n && score[p] === value) {
      w += mA[first[p]] * mB[second[p]];
      p++;
    }
    if (w === 0) continue;
    if (Number.isNaN(topScore)) topScore = value;
    lowestScore = value;
    cum += w;
    while (ti < targets.length && cum / wImp > targets[ti][0]) {
      const [target, index] = targets[ti];
      if (rule === 'le') out[index] = genuineAbove(prep, gWeight, value, false) / wGen;
      else if (target >= 1 - Number.EPSILON) out[index] = genuineAbove(prep, gWeight, nextDown(lowestScore), true) / wGen;
      else out[index] = genuineAbove(prep, gWeight, Number.isNaN(lastAllowed) ? nextUp(topScore) : lastAllowed, true) / wGen;
      ti++;
    }
    lastAllowed = value;
  }
  if (ti === targets.length) return true;
  if (!complete) return false;
  // No block crosses the remaining targets: every impostor is allowed.
  for (; ti < targets.length; ti++) {
    const [target, index] = targets[ti];
    if (rule === 'le') out[index] = 1;
    else out[index] = genuineAbove(prep, gWeight, target >= 1 - Number.EPSILON ? nextDown(lowestScore) : lastAllowed, true) / wGen;
  }
  return true;
}

/**
 * `nearest`: the weighted ROC of scikit-learn (`roc_curve(..., sample_weight)`, drop_intermediate on)
 * built by merging the genuine and top-impostor lists, one vertex per distinct score of positive
 * weight; for each target the kept vertex with the nearest FAR, the later vertex on exact ties.
 *
 * FAR never decreases along the curve, so for target x only two candidates matter: L, the last kept
 * vertex with FAR <= x, and U, the last kept vertex of the group that shares the first FAR above x.
 * U wins when |far(U) − x| <= |far(L) − x| (it comes later). The walk resolves the targets in order
 * and stops once the group above the largest target is closed.
 */
function nearestWeighted(prep: ReplicateData, mA: Int32Array, mB: Int32Array, gWeight: Float64Array, wGen: number, wImp: number, targets: readonly (readonly [number, number])[], out: Float64Array): boolean {
  const G = prep.gScore;
  const { score: I, first, second, complete } = prep.top;
  const P = G.length;
  const N = I.length;
  const T = targets.length;
  const tx = Float64Array.from(targets, (t) => t[0]);
  // Everything below is inlined (no closures): this loop runs once per distinct score.
  let lastF = 0; // the prepended (0, 0) vertex is kept
  let lastTp = 0;
  let groupOpen = false;
  let groupF = 0, groupTp = 0, groupLF = 0, groupLTp = 0;
  let waitFrom = 0; // targets [waitFrom, ti) wait for the open group to close
  let ti = 0;
  let nextX = T > 0 ? tx[0] : Infinity;

  let i = 0;
  let j = 0;
  let tp = 0;
  let fp = 0;
  let havePending = false;
  let pendTp = 0, pendFp = 0;
  let havePrev = false;
  let prevTp = 0, prevFp = 0;
  let nextG = P > 0 ? G[0] : -Infinity;
  let ended = true;
  for (;;) {
    if (j >= N) {
      if (!complete) return false; // the impostor list ran out before the walk ended
      if (i >= P) break;
    }
    // Next distinct score; skip it when all its pairs have weight 0.
    const s = j < N ? I[j] : -Infinity;
    const t = nextG > s ? nextG : s;
    let w = 0;
    if (nextG === t) {
      while (i < P && G[i] === t) {
        w += gWeight[i];
        i++;
      }
      tp += w;
      nextG = i < P ? G[i] : -Infinity;
    }
    let wi = 0;
    while (j < N && I[j] === t) {
      wi += mA[first[j]] * mB[second[j]];
      j++;
    }
    fp += wi;
    if (w + wi === 0) continue;
    if (havePending) {
      if (!havePrev || tp - 2 * pendTp + prevTp !== 0 || fp - 2 * pendFp + prevFp !== 0) {
        // Kept vertex (pendFp, pendTp).
        const f = pendFp / wImp;
        if (groupOpen) {
          if (f === groupF) groupTp = pendTp;
          else {
            closeGroup(out, targets, tx, waitFrom, ti, groupF, groupTp / wGen, groupLF, groupLTp / wGen);
            waitFrom = ti;
            groupOpen = false;
            if (ti === T) {
              ended = false;
              break;
            }
          }
        }
        if (f > nextX) {
          if (!groupOpen) {
            groupOpen = true;
            groupF = f;
            groupTp = pendTp;
            groupLF = lastF;
            groupLTp = lastTp;
          }
          while (ti < T && f > tx[ti]) ti++;
          nextX = ti < T ? tx[ti] : Infinity;
        }
        lastF = f;
        lastTp = pendTp;
      }
      prevTp = pendTp;
      prevFp = pendFp;
      havePrev = true;
    }
    pendTp = tp;
    pendFp = fp;
    havePending = true;
  }
  if (!ended) return true;
  // End of the curve: the last vertex is always kept; then close the open group; targets beyond the
  // last FAR take the last vertex.
  if (havePending) {
    const f = pendFp / wImp;
    if (groupOpen && f === groupF) groupTp = pendTp;
    else {
      if (groupOpen) {
        closeGroup(out, targets, tx, waitFrom, ti, groupF, groupTp / wGen, groupLF, groupLTp / wGen);
        waitFrom = ti;
        groupOpen = false;
      }
      if (f > nextX) {
        groupOpen = true;
        groupF = f;
        groupTp = pendTp;
        groupLF = lastF;
        groupLTp = lastTp;
        while (ti < T && f > tx[ti]) ti++;
      }
      lastF = f;
      lastTp = pendTp;
    }
  }
  if (groupOpen) {
    closeGroup(out, targets, tx, waitFrom, ti, groupF, groupTp / wGen, groupLF, groupLTp / wGen);
  }
  for (; ti < T; ti++) out[targets[ti][1]] = lastTp / wGen;
  return true;
}

/**
 * The nearest rule for targets [from, to), which fell between the last vertex before a group of
 * equal-FAR vertices (FAR `lastF`, TAR `lastTar`) and that group (FAR `groupF`, TAR `groupTar`, the
 * group's last = highest TAR): the nearer FAR wins, a tie goes to the group (the larger FAR).
 */
function closeGroup(out: Float64Array, targets: readonly (readonly [number, number])[], tx: Float64Array, from: number, to: number, groupF: number, groupTar: number, lastF: number, lastTar: number): void {
  for (let k = from; k < to; k++) {
    const x = tx[k];
    out[targets[k][1]] = Math.abs(groupF - x) <= Math.abs(lastF - x) ? groupTar : lastTar;
  }
}
