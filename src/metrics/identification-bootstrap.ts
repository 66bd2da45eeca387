/**
 * Bootstrap intervals of the 1:N numbers, resampling probe templates. PURE.
 *
 * A replicate draws P probes with replacement from the P probe templates (probe p drawn m[p]
 * times) and recomputes, as if the probe list held probe p m[p] times: rank-k (open set summed over
 * the galleries, and closed set) and each gallery's TPIR at the FPIR targets under ijb_evals.py's
 * threshold rule (the non-mated top scores repeated by their weights, sorted descending, element
 * max(int(W_nm·f) − 1, 0)), then the G1/G2 mean. The galleries stay fixed: the unit that varies
 * between data sets of this protocol is the probe template. Random numbers: xoshiro128** with
 * replicate r on stream r (as the 1:1 bootstrap), so the result depends only on the seed.
 */
import { percentileIntervals, Xoshiro128 } from './bootstrap.js';
import { ijbEvalsThresholdIndex } from '../numeric/python.js';
import { argsortDescending } from './sort-descending.js';
import type { GallerySearches } from './identification.js';
import { countGreater, isResolvableFar } from './tar-at-far.js';

export interface IdentificationBootstrapInput {
  probes: number;
  galleries: GallerySearches[];
  /** Element p: probe p's closed-set rank (all galleries together). */
  closedSetRank: Int32Array;
}

export interface IdentificationBootstrapOptions {
  replicates: number;
  seed: number;
  /** Confidence level in percent. */
  ci: number;
  ranks: number[];
  fpirs: number[];
}

/** Percentile intervals; element i ↔ ranks[i] or fpirs[i]. NaN bounds where fewer than two replicates were defined. */
export interface IdentificationIntervals {
  rank: [number, number][];
  tpirAtFpir: [number, number][];
  closedSetRank: [number, number][];
}

/** One gallery's data sorted once for every replicate. */
interface SortedGallery {
  /** Non-mated searches by top score, descending: their probes and scores. */
  nonMatedProbe: Int32Array;
  nonMatedTop: Float64Array;
  /** Correct mated searches (mate above every non-mate) by mate score, descending. */
  correctProbe: Int32Array;
  correctScore: Float64Array;
  matedProbe: Int32Array;
  matedRank: Int32Array;
}

function sortGallery(g: GallerySearches): SortedGallery {
  const byTop = argsortDescending(g.nonMatedTop);
  const correct = Array.from(g.mateScore.keys()).filter((i) => g.mateScore[i] > g.topNonMate[i]);
  const correctScores = Float64Array.from(correct, (i) => g.mateScore[i]);
  const byScore = argsortDescending(correctScores);
  return {
    nonMatedProbe: Int32Array.from(byTop, (j) => g.nonMatedProbes[j]),
    nonMatedTop: Float64Array.from(byTop, (j) => g.nonMatedTop[j]),
    correctProbe: Int32Array.from(byScore, (k) => g.matedProbes[correct[k]]),
    correctScore: Float64Array.from(byScore, (k) => correctScores[k]),
    matedProbe: g.matedProbes,
    matedRank: g.rank,
  };
}

export function bootstrapIdentification(input: IdentificationBootstrapInput, opts: IdentificationBootstrapOptions): IdentificationIntervals {
  const P = input.probes;
  const galleries = input.galleries.map(sortGallery);
  const R = opts.replicates;
  const values = {
    rank: opts.ranks.map(() => new Float64Array(R)),
    tpirAtFpir: opts.fpirs.map(() => new Float64Array(R)),
    closedSetRank: opts.ranks.map(() => new Float64Array(R)),
  };
  // Ranks capped one above the largest k asked for: a replicate sums weights into a histogram of them.
  const top = Math.max(...opts.ranks) + 1;
  const openRank = new Int32Array(P).fill(top);
  for (const g of galleries) g.matedProbe.forEach((p, j) => (openRank[p] = Math.min(top, g.matedRank[j])));
  const closedRank = input.closedSetRank.map((rank) => Math.min(top, rank));
  const weight = new Int32Array(P);
  for (let r = 0; r < R; r++) {
    const rng = new Xoshiro128(opts.seed, r);
    weight.fill(0);
    for (let i = 0; i < P; i++) weight[rng.nextIndex(P)]++;
    const open = cumulativeWeights(openRank, weight, top);
    const closed = cumulativeWeights(closedRank, weight, top);
    opts.ranks.forEach((k, i) => {
      values.rank[i][r] = open[k] / P;
      values.closedSetRank[i][r] = closed[k] / P;
    });
    const perGallery = galleries.map((g) => weightedTpir(g, weight, opts.fpirs));
    opts.fpirs.forEach((_, i) => (values.tpirAtFpir[i][r] = perGallery.reduce((sum, t) => sum + t[i], 0) / galleries.length));
  }
  return {
    rank: percentileIntervals(values.rank, opts.ci),
    tpirAtFpir: percentileIntervals(values.tpirAtFpir, opts.ci),
    closedSetRank: percentileIntervals(values.closedSetRank, opts.ci),
  };
}

/** Element k: the weight of the probes whose (capped) rank is ≤ k. */
function cumulativeWeights(rank: Int32Array, weight: Int32Array, top: number): Float64Array {
  const sum = new Float64Array(top + 1);
  for (let p = 0; p < rank.length; p++) sum[rank[p]] += weight[p];
  for (let k = 1; k <= top; k++) sum[k] += sum[k - 1];
  return sum;
}

/** Element i: the gallery's TPIR at fpirs[i] with searches weighted; NaN when undefined or unresolvable. */
function weightedTpir(g: SortedGallery, weight: Int32Array, fpirs: number[]): number[] {
  let nonMated = 0;
  for (const p of g.nonMatedProbe) nonMated += weight[p];
  let mated = 0;
  for (const p of g.matedProbe) mated += weight[p];
  // cumulative weight of the correct searches, by mate score descending
  const cumulative = new Float64Array(g.correctProbe.length + 1);
  g.correctProbe.forEach((p, k) => (cumulative[k + 1] = cumulative[k] + weight[p]));
  return fpirs.map((f) => {
    if (mated === 0 || !isResolvableFar(f, nonMated)) return NaN;
    const index = ijbEvalsThresholdIndex(nonMated, f);
    let seen = 0;
    let j = 0;
    for (; j < g.nonMatedProbe.length; j++) {
      seen += weight[g.nonMatedProbe[j]];
      if (seen > index) break;
    }
    return cumulative[countGreater(g.correctScore, g.nonMatedTop[j])] / mated;
  });
}
