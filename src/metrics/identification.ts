/**
 * 1:N identification metrics from per-probe search summaries (REFERENCE.md §6). PURE.
 *
 * Two published definitions, kept apart and labelled:
 * - open set, insightface `ijb_evals.py` `evaluation_1N` (PR #1739) in NIST's terms: each gallery is
 *   searched separately; a probe whose subject is in the gallery is a mated search, the others are
 *   non-mated. A mated search is "correct" when its mate scores strictly above every non-mate. The
 *   threshold for an FPIR target f is the script's: the non-mated searches' top scores sorted
 *   descending, element `max(int(N_nm·f) − 1, 0)`, and a search is accepted when its score is
 *   strictly above it. TPIR = correct mated searches above the threshold / mated searches; the
 *   actual FPIR = non-mated searches above it / non-mated searches — NIST's FPIR(t) = share of
 *   non-mated searches with top score ≥ t, at t = the next float above the threshold.
 * - closed set, insightface `ijb_1n.py` `evaluation`: one gallery (all galleries together), every
 *   probe mated exactly once; rank-k; and its "FAR": pool the N_q·(N_g − 1) non-mate scores, take
 *   the ⌈N_q·f⌉-th largest as threshold, report mates strictly above it / N_q (no rank condition,
 *   normalised by the probe count: not an FPIR).
 *
 * Ranks: rank = 1 + the non-mates scoring at least the mate score — a tie counts against the mate,
 * as the scripts' `correct` condition does. Their own rank-k breaks ties by the order numpy's
 * (unstable) argsort leaves, and the two scripts order ties oppositely; facebench counts the mated
 * searches whose mate ties a non-mate (`tiedRanks`) instead of guessing that order.
 */
import { nextUp, numpyArange, numpyPow10 } from '../numeric/numpy.js';
import { ijb1nRequiredTopCount, ijbEvalsThresholdIndex } from '../numeric/python.js';
import { sortDescending } from './sort-descending.js';
import { countGreater, isResolvableFar } from './tar-at-far.js';

/** One gallery's searches, split into mated and non-mated. */
export interface GallerySearches {
  /** Element i: the probe index of the i-th mated search. */
  matedProbes: Int32Array;
  /** Element i: its mate score. */
  mateScore: Float64Array;
  /** Element i: its highest non-mate score (−∞ when the gallery holds only the mate). */
  topNonMate: Float64Array;
  /** Element i: its rank, 1 + the non-mates scoring ≥ the mate. */
  rank: Int32Array;
  /** Element i: the non-mates scoring exactly the mate score. */
  tiedWithMate: Int32Array;
  /** Element j: the probe index of the j-th non-mated search. */
  nonMatedProbes: Int32Array;
  /** Element j: its top score (highest score against the gallery). */
  nonMatedTop: Float64Array;
}

/** Per-probe search results as the gallery search leaves them (see scoring/gallery-search.ts). */
export interface ProbeSearches {
  /** Element p: probe p's mate score (NaN without a mate). */
  mateScore: Float64Array;
  /** Element p: the gallery holding probe p's mate, or −1. */
  mateGallery: Int8Array;
  /** [g][p]: highest score of probe p among gallery g's non-mates. */
  topNonMate: Float64Array[];
  /** [g][p]: gallery g's non-mates scoring ≥ probe p's mate score. */
  nonMatesAtOrAbove: Int32Array[];
  /** [g][p]: gallery g's non-mates scoring > probe p's mate score. */
  nonMatesAbove: Int32Array[];
}

export function gallerySearches(s: ProbeSearches, g: number): GallerySearches {
  const mated: number[] = [];
  const nonMated: number[] = [];
  for (let p = 0; p < s.mateScore.length; p++) (s.mateGallery[p] === g ? mated : nonMated).push(p);
  const matedProbes = Int32Array.from(mated);
  const nonMatedProbes = Int32Array.from(nonMated);
  return {
    matedProbes,
    mateScore: Float64Array.from(matedProbes, (p) => s.mateScore[p]),
    topNonMate: Float64Array.from(matedProbes, (p) => s.topNonMate[g][p]),
    rank: Int32Array.from(matedProbes, (p) => 1 + s.nonMatesAtOrAbove[g][p]),
    tiedWithMate: Int32Array.from(matedProbes, (p) => s.nonMatesAtOrAbove[g][p] - s.nonMatesAbove[g][p]),
    nonMatedProbes,
    nonMatedTop: Float64Array.from(nonMatedProbes, (p) => s.topNonMate[g][p]),
  };
}

/** Element i: how many of `ranks` are ≤ ks[i]. */
export function rankHits(ranks: Int32Array, ks: number[]): number[] {
  return ks.map((k) => ranks.reduce((n, r) => n + (r <= k ? 1 : 0), 0));
}

/** Searches whose rank-k outcome depends on how ties with the mate are ordered, for any k in ks. */
export function tieDependentSearches(ranks: Int32Array, tied: Int32Array, ks: number[]): number {
  let n = 0;
  for (let i = 0; i < ranks.length; i++) if (tied[i] > 0 && ks.some((k) => ranks[i] - tied[i] <= k && ranks[i] > k)) n++;
  return n;
}

/** One FPIR target under the script's threshold rule (module comment). */
export interface OpenSetPoint {
  target: number;
  /** Accept when score > threshold (the script's strict rule); NaN without non-mated searches. */
  threshold: number;
  /** Correct mated searches above the threshold / mated searches. */
  tpir: number;
  /** Non-mated searches above the threshold / non-mated searches. */
  fpirActual: number;
  matedAccepted: number;
  nonMatedAccepted: number;
  /** False when N_nm·target < 1 (isResolvableFar): no threshold allows one false alarm; not to be reported. */
  resolvable: boolean;
}

/** The non-mated top scores sorted descending, and the mated searches' scores that count ("correct" ones). */
export interface OpenSetScores {
  nonMatedTopDescending: Float64Array;
  /** Mate scores of the mated searches whose mate beats every non-mate, descending. */
  correctMateDescending: Float64Array;
  mated: number;
}

export function openSetScores(s: GallerySearches): OpenSetScores {
  const correct = s.mateScore.filter((m, i) => m > s.topNonMate[i]);
  return { nonMatedTopDescending: sortDescending(s.nonMatedTop.slice()), correctMateDescending: sortDescending(correct), mated: s.mateScore.length };
}

/** Element i: the operating point of target fpirs[i] (ijb_evals.py evaluation_1N). */
export function tpirAtFpir(o: OpenSetScores, fpirs: number[]): OpenSetPoint[] {
  const N = o.nonMatedTopDescending.length;
  return fpirs.map((target) => {
    const threshold = N === 0 ? NaN : o.nonMatedTopDescending[ijbEvalsThresholdIndex(N, target)];
    const matedAccepted = countGreater(o.correctMateDescending, threshold);
    const nonMatedAccepted = countGreater(o.nonMatedTopDescending, threshold);
    return { target, threshold, tpir: matedAccepted / o.mated, fpirActual: nonMatedAccepted / N, matedAccepted, nonMatedAccepted, resolvable: isResolvableFar(target, N) };
  });
}

/** ijb_1n.py's "FAR" point: threshold = the ⌈N_q·f⌉-th largest pooled non-mate score. */
export interface InsightfaceFarPoint {
  target: number;
  /** Accept when the mate score > threshold; NaN when the pool holds fewer scores. */
  threshold: number;
  /** Probes whose mate score is above the threshold / probes. */
  rate: number;
  accepted: number;
}

/**
 * Element i: ijb_1n.py's "FAR" point for fars[i]. `pooledTop` = the highest pooled non-mate scores,
 * descending (at least ⌈N_q·max(fars)⌉ of them when the pool has that many); `mateScores` = every
 * probe's mate score.
 */
export function insightfaceFar(mateScores: Float64Array, pooledTop: Float64Array, fars: number[]): InsightfaceFarPoint[] {
  const Nq = mateScores.length;
  return fars.map((target) => {
    const k = ijb1nRequiredTopCount(Nq, target);
    const threshold = k >= 1 && k <= pooledTop.length ? pooledTop[k - 1] : NaN;
    let accepted = 0;
    if (!Number.isNaN(threshold)) for (let p = 0; p < Nq; p++) accepted += mateScores[p] > threshold ? 1 : 0;
    return { target, threshold, rate: Number.isNaN(threshold) ? NaN : accepted / Nq, accepted };
  });
}

/** The closed-set rank of each probe over all galleries together: 1 + every non-mate scoring ≥ its mate. */
export function closedSetRanks(s: ProbeSearches): { rank: Int32Array; tiedWithMate: Int32Array } {
  const P = s.mateScore.length;
  const rank = new Int32Array(P).fill(1);
  const tiedWithMate = new Int32Array(P);
  s.nonMatesAtOrAbove.forEach((atOrAbove, g) => {
    for (let p = 0; p < P; p++) {
      rank[p] += atOrAbove[p];
      tiedWithMate[p] += atOrAbove[p] - s.nonMatesAbove[g][p];
    }
  });
  return { rank, tiedWithMate };
}

/** Cumulative match characteristic: element i = share of `ranks` ≤ ranks[i] of `at`. */
export function cmc(ranks: Int32Array, at: number[], total = ranks.length): number[] {
  const maxRank = at.length ? Math.max(...at) : 0;
  const histogram = new Float64Array(maxRank + 2);
  for (const r of ranks) histogram[Math.min(r, maxRank + 1)]++;
  const cumulative = new Float64Array(maxRank + 1);
  for (let k = 1; k <= maxRank; k++) cumulative[k] = cumulative[k - 1] + histogram[k];
  return at.map((k) => cumulative[k] / total);
}

/** The ranks a CMC curve is drawn at: every rank to 20, then about 30 per decade up to `maxRank`. */
export function cmcRanks(maxRank: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= Math.min(20, maxRank); k++) out.push(k);
  for (let x = Math.log10(20); out[out.length - 1] < maxRank; x += 1 / 30) {
    const k = Math.min(maxRank, Math.round(10 ** x));
    if (k > out[out.length - 1]) out.push(k);
  }
  return out;
}

/** A DIR-vs-FPIR curve: element i of each array is one threshold (accept when score ≥ threshold[i]). */
export interface DirFpirCurve {
  /** Ascending. */
  fpir: number[];
  /** Detection and identification rate: correct mated searches with mate score ≥ threshold / mated. */
  dir: number[];
  threshold: number[];
}

/**
 * The full DIR-vs-FPIR curve of one gallery (NIST's definitions): one vertex per distinct non-mated
 * top score t, FPIR = share of non-mated tops ≥ t, DIR = correct mated searches with mate ≥ t /
 * mated searches; preceded by the vertex at FPIR 0, threshold = the next float above the highest
 * non-mated top.
 */
export function dirFpirCurve(o: OpenSetScores): DirFpirCurve {
  const tops = o.nonMatedTopDescending;
  const mates = o.correctMateDescending;
  const N = tops.length;
  const first = N ? nextUp(tops[0]) : -Infinity;
  const curve: DirFpirCurve = { fpir: [0], dir: [countGreater(mates, N ? tops[0] : -Infinity) / o.mated], threshold: [first] };
  let m = 0;
  for (let i = 0; i < N; i++) {
    if (i + 1 < N && tops[i + 1] === tops[i]) continue;
    while (m < mates.length && mates[m] >= tops[i]) m++;
    curve.fpir.push((i + 1) / N);
    curve.dir.push(m / o.mated);
    curve.threshold.push(tops[i]);
  }
  return curve;
}

/**
 * ijb_evals.py `run_model_test_1N`'s FPIR grid: `[10 ** x for x in np.arange(-4, 0, 4 / npoints)] + [1]`
 * with npoints = 100 (101 values from 1e-4 to 1), where its DIR-vs-FPIR plot is drawn.
 */
export function ijbEvalsFpirGrid(points = 100): number[] {
  return [...Array.from(numpyArange(-4, 0, 4 / points), numpyPow10), 1];
}
