/**
 * Stage 4 of the IJB pipeline, evaluate 1:N (REFERENCE.md §6): one aggregation's probe templates
 * searched against the galleries (scoring/gallery-search.ts, blocks of probes, never the score
 * matrix), then both published definitions side by side — the open set of insightface
 * `ijb_evals.py` `evaluation_1N` (per gallery and the G1/G2 mean, rank-k summed over the galleries)
 * and the closed set of `ijb_1n.py` `evaluation` (rank-k over all galleries, its "FAR" numbers) —
 * with CMC and DIR-vs-FPIR curves and, on request, probe-template bootstrap intervals.
 */
import type { TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { scoreKindOf, type AggregationSpec } from '../aggregate/spec.js';
import type { IjbTarget } from '../io/ijb-meta.js';
import {
  closedSetRanks,
  cmc,
  cmcRanks,
  gallerySearches,
  ijbEvalsFpirGrid,
  insightfaceFar,
  openSetScores,
  rankHits,
  tieDependentSearches,
  tpirAtFpir,
  type DirFpirCurve,
  type GallerySearches,
  type InsightfaceFarPoint,
  type OpenSetPoint,
  type ProbeSearches,
} from '../metrics/identification.js';
import { dirFpirCurve } from '../metrics/identification.js';
import { bootstrapIdentification } from '../metrics/identification-bootstrap.js';
import { thinRocCurve } from '../metrics/thin-curve.js';
import { ijb1nRequiredTopCount } from '../numeric/python.js';
import { searchGalleries, type SearchEngine, type SearchLayout } from '../scoring/gallery-search.js';
import type { FeatureSource } from './ijb-types.js';
import type { IdentificationLists } from './ijb-1n-setup.js';
import { timedAsync } from './stage-timer.js';

export const DEFAULT_RANKS = [1, 5, 10];
export const DEFAULT_FPIRS = [1e-4, 1e-3, 1e-2, 1e-1];
/** ijb_1n.py's `Fars = [0.01, 0.1]`. */
export const INSIGHTFACE_1N_FARS = [1e-2, 1e-1];

export interface Ijb1nOptions {
  /** Rank-k to report (default 1, 5, 10). */
  ranks: number[];
  /** Open-set FPIR targets (default 1e-4 … 1e-1). */
  fpirs: number[];
  /** ijb_1n.py "FAR" targets of the closed set (default 0.01, 0.1). */
  closedSetFars: number[];
  /** Probe-template bootstrap of rank-k and TPIR; off when undefined. */
  bootstrap?: { replicates: number; seed: number; ci: number };
  onStage?: (stage: string, ms: number) => void;
}

/** Rank-k: element of a list ↔ one requested k. */
export interface RankRate {
  rank: number;
  /** hits / searches. */
  rate: number;
  hits: number;
}

export interface GalleryResult {
  name: string;
  /** Rank-k over this gallery's mated searches (hits / mated). */
  rank: RankRate[];
  /** Element i ↔ fpirs[i]. */
  points: OpenSetPoint[];
  /** Mated searches whose rank-k outcome (some requested k) depends on how ties with the mate are ordered. */
  tiedRanks: number;
  /** DIR vs FPIR, thinned for plots. */
  curve: DirFpirCurve;
  /** TPIR on ijb_evals.py's 101-point FPIR grid (Ijb1nResult.fpirGrid), where its plot is drawn. */
  gridTpir: number[];
}

export interface Ijb1nAggregationResult {
  aggregation: string;
  /** Open set, ijb_evals.py: (hits in G1 + hits in G2) / probes. */
  rank: RankRate[];
  /** Open set: mean over the galleries of TPIR, element i ↔ fpirs[i]; NaN where a gallery cannot resolve the target. */
  tpirAtFpir: number[];
  perGallery: GalleryResult[];
  /** ijb_1n.py: all galleries as one, every probe mated. */
  closedSet: { rank: RankRate[]; insightfaceFar: InsightfaceFarPoint[]; tiedRanks: number };
  /** CMC at `rank` (thinned): open set (summed as rank-k) and closed set. */
  cmc: { rank: number[]; openSet: number[]; closedSet: number[] };
  /** Bootstrap percentile intervals (with options.bootstrap); element i ↔ ranks[i] / fpirs[i]. */
  ci?: { rank: [number, number][]; tpirAtFpir: [number, number][]; closedSetRank: [number, number][] };
}

export interface Ijb1nCounts {
  /** Faces that went into the templates. */
  images: number;
  probes: number;
  galleries: { name: string; templates: number; mated: number; nonMated: number }[];
}

export interface Ijb1nResult {
  protocol: 'ijb-1n';
  target: IjbTarget;
  scoring: 'exact' | 'simd' | 'gemm';
  counts: Ijb1nCounts;
  featureDim: number;
  flip: boolean;
  ranks: number[];
  fpirs: number[];
  closedSetFars: number[];
  /** ijb_evals.py's FPIR grid (GalleryResult.gridTpir). */
  fpirGrid: number[];
  bootstrap?: { replicates: number; seed: number; ci: number; unit: 'probe template' };
  results: Ijb1nAggregationResult[];
  warnings: string[];
  /** Set by the CLI (as IjbResult.featureSource). */
  featureSource?: FeatureSource;
}

/** The search layout of the lists: gallery columns one gallery after another. */
export function searchLayout(lists: IdentificationLists, closedSetFars: number[]): SearchLayout {
  const starts = [0];
  for (const g of lists.galleries) starts.push(starts[starts.length - 1] + g.templates.length);
  const P = lists.probes.templates.length;
  return {
    galleryTemplates: Int32Array.from(lists.galleries.flatMap((g) => Array.from(g.templates))),
    galleryStarts: Int32Array.from(starts),
    probeTemplates: lists.probes.templates,
    mateColumn: Int32Array.from(lists.mateGallery, (g, p) => (g < 0 ? -1 : starts[g] + lists.matePosition[p])),
    poolSize: Math.max(0, ...closedSetFars.map((f) => ijb1nRequiredTopCount(P, f))),
  };
}

/** One aggregation's 1:N result. */
export async function evaluate1n(lists: IdentificationLists, layout: SearchLayout, engine: Omit<SearchEngine, 'kind'>, spec: AggregationSpec, templates: TemplateFeatures, opts: Ijb1nOptions): Promise<Ijb1nAggregationResult> {
  const summary = await timedAsync(`1:N search ${spec.name}`, opts.onStage, () => searchGalleries(templates, layout, { ...engine, kind: scoreKindOf(spec) }));
  const t1 = performance.now();
  const searches: ProbeSearches = { ...summary, mateGallery: lists.mateGallery };
  const P = layout.probeTemplates.length;
  const galleries = lists.galleries.map((_, g) => gallerySearches(searches, g));
  const perGallery = galleries.map((s, g) => galleryResult(lists.galleries[g].name, s, opts));
  const closed = closedSetRanks(searches);
  const openRanks = Int32Array.from(galleries.flatMap((s) => Array.from(s.rank)));
  const at = cmcRanks(layout.galleryTemplates.length);
  const result: Ijb1nAggregationResult = {
    aggregation: spec.name,
    rank: rankRates(openRanks, opts.ranks, P),
    tpirAtFpir: opts.fpirs.map((_, i) => perGallery.reduce((sum, g) => sum + (g.points[i].resolvable ? g.points[i].tpir : NaN), 0) / perGallery.length),
    perGallery,
    closedSet: { rank: rankRates(closed.rank, opts.ranks, P), insightfaceFar: insightfaceFar(summary.mateScore, summary.pooledTopNonMate, opts.closedSetFars), tiedRanks: tieDependentSearches(closed.rank, closed.tiedWithMate, opts.ranks) },
    cmc: { rank: at, openSet: cmc(openRanks, at, P), closedSet: cmc(closed.rank, at, P) },
  };
  if (opts.bootstrap) result.ci = bootstrapIdentification({ probes: P, galleries, closedSetRank: closed.rank }, { ...opts.bootstrap, ranks: opts.ranks, fpirs: opts.fpirs });
  opts.onStage?.(`1:N metrics ${spec.name}${opts.bootstrap ? ` (${opts.bootstrap.replicates} replicates)` : ''}`, performance.now() - t1);
  return result;
}

function galleryResult(name: string, s: GallerySearches, opts: Ijb1nOptions): GalleryResult {
  const open = openSetScores(s);
  const full = dirFpirCurve(open);
  const thin = thinRocCurve({ fpr: full.fpir, tpr: full.dir, thresholds: full.threshold });
  return {
    name,
    rank: rankRates(s.rank, opts.ranks, s.rank.length),
    points: tpirAtFpir(open, opts.fpirs),
    tiedRanks: tieDependentSearches(s.rank, s.tiedWithMate, opts.ranks),
    curve: { fpir: thin.far, dir: thin.tar, threshold: thin.threshold },
    gridTpir: tpirAtFpir(open, ijbEvalsFpirGrid()).map((p) => p.tpir),
  };
}

function rankRates(ranks: Int32Array, ks: number[], total: number): RankRate[] {
  return rankHits(ranks, ks).map((hits, i) => ({ rank: ks[i], rate: hits / total, hits }));
}
