/**
 * Face clustering evaluation (REFERENCE.md §9): faces with their true identities → the
 * training-free baselines computed here (FastHAC, kNN-DBSCAN, magnitude peaks) and/or clusterings
 * the user brings → every score of each (pairwise, BCubed, NMI, counts, and all again without the
 * predicted singletons), threshold sweeps, and MagFace's magnitude-vs-density check. No printing:
 * returns a result object (report/cluster-report.ts turns it into JSON, text, markdown, CSV).
 *
 * Features are L2-normalised as learn-to-cluster does (exact-products.ts); their norms before that
 * are the magnitudes. One blocked pass over all pairs (cluster/neighbour-pass.ts) serves every
 * baseline, sweep and the density, exactly, without an N×N matrix.
 */
import { basename, extname } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { fasthacLabels, knnDbscan, knnDensity, magnitudePeaks } from '../cluster/baselines.js';
import { loopBlockScreen, onnxBlockScreen, type OwnedBlockScreen } from '../cluster/block-screen.js';
import { normaliseRows } from '../cluster/exact-products.js';
import type { KnnLists } from '../cluster/knn-lists.js';
import { neighbourPass, type NeighbourPassStats } from '../cluster/neighbour-pass.js';
import { readLabelFile } from '../io/cluster-labels.js';
import { checkFinite, readFeatureMatrix } from '../io/feature-source.js';
import { readIjbbClustering } from '../io/ijbb-clustering.js';
import type { FeatureMatrix } from '../io/npy.js';
import { readRawFeatures } from '../io/raw-features.js';
import { rankLabels, unclusteredToSingletons } from '../metrics/cluster-labels.js';
import { clusterScores, withoutSingletons, type ClusterScores, type DenseLabels } from '../metrics/cluster-scores.js';
import { spearmanCorrelation } from '../metrics/cluster-spearman.js';
import { timed, timedAsync } from './stage-timer.js';

export const CLUSTER_METHODS = ['fasthac', 'knn-dbscan', 'magnitude-peaks'] as const;
export type ClusterMethod = (typeof CLUSTER_METHODS)[number];

/** learn-to-cluster's settings for the baselines (scripts/baseline/*.sh) and its density radius. */
export const CLUSTER_DEFAULTS = {
  /** FastHAC cut (Euclidean distance of unit features). */
  distance: 0.72,
  /** kNN list length (faiss k; the face itself counts). */
  k: 80,
  /** kNN-DBSCAN neighbourhood radius in 1 − cosine. */
  eps: 0.25,
  /** kNN-DBSCAN min_samples. */
  minSamples: 1,
  /** kNN-DBSCAN th_sim (entries with distance below it are dropped). */
  thSim: 0,
  /** Magnitude peaks: lowest cosine of a link. */
  tau: 0.65,
  /** Density radius in 1 − cosine (vegcn/confidence.py `density`). */
  densityRadius: 0.3,
} as const;

/** The parameter each method's sweep varies. */
export const SWEEP_PARAMETER = { fasthac: 'distance', 'knn-dbscan': 'eps', 'magnitude-peaks': 'tau' } as const satisfies Record<ClusterMethod, string>;

const grid = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Number((from + i * step).toFixed(10)));

/** Default sweep grids: FastHAC distance 0.50…0.90, kNN-DBSCAN eps 0.10…0.40, tau 0.40…0.80, step 0.02. */
export const DEFAULT_SWEEPS: Record<ClusterMethod, number[]> = {
  fasthac: grid(0.5, 0.9, 0.02),
  'knn-dbscan': grid(0.1, 0.4, 0.02),
  'magnitude-peaks': grid(0.4, 0.8, 0.02),
};

export type ClusterFeatureSource =
  | { format: 'npy'; file: string }
  | { format: 'bin'; file: string; dim: number };

export type ClusterTruth =
  /** learn-to-cluster `.meta`: one integer label per line, line i = feature row i. */
  | { format: 'labels'; file: string }
  /** An IJB-B clustering protocol: `ijbb_clustering_<subset>…csv` and its ground truth under root. */
  | { format: 'ijbb'; root: string; subset: number };

export interface ClusterOptions {
  features: ClusterFeatureSource;
  truth: ClusterTruth;
  /** Label files to score (line i = face i; −1 = unclustered, its own singleton). */
  predicted: string[];
  /** Baselines to compute, in report order. */
  methods: ClusterMethod[];
  distance: number;
  k: number;
  eps: number;
  tau: number;
  /** true: every method's default grid; or explicit grids per method. */
  sweep: boolean | Partial<Record<ClusterMethod, number[]>>;
  /** Spearman(magnitude, density): default whenever kNN lists are built (knn-dbscan, magnitude-peaks). */
  magnitudeCheck?: boolean;
  /** Attach each clustering's labels to its result (for writing label files). */
  keepLabels?: boolean;
  /** Block screen of the pass: onnxruntime (default) or a plain loop (tests, tiny sets). */
  screen?: 'onnx' | 'loop';
  onStage?: (stage: string, ms: number) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Everything but the features: what a command knows before it has them (a model's are extracted first). */
export type ClusterSettings = Omit<ClusterOptions, 'features'>;

export interface SweepPoint {
  value: number;
  scores: ClusterScores;
  withoutSingletons: ClusterScores | null;
}

export interface ClusterSweep {
  parameter: 'distance' | 'eps' | 'tau';
  /** Element i: the clustering at the i-th value of the grid (ascending). */
  points: SweepPoint[];
  /** The grid value with the highest score (first on ties); null when every point's score is undefined. */
  best: { pairwiseF: BestPoint | null; bcubedF: BestPoint | null; nmi: BestPoint | null };
}

export interface BestPoint {
  value: number;
  score: number;
}

export interface ClusterMethodResult {
  method: ClusterMethod | 'predicted';
  /** The method, or the predicted file's base name without extension. */
  name: string;
  params: Record<string, number>;
  scores: ClusterScores;
  /** The same scores over the faces whose predicted cluster has two or more faces; null if none. */
  withoutSingletons: ClusterScores | null;
  sweep?: ClusterSweep;
  /** Element i: face i's cluster (−1 = noise), with keepLabels. */
  labels?: Int32Array;
}

export interface MagnitudeDensity {
  k: number;
  radius: number;
  /** Spearman(magnitude, density) over all faces; NaN when undefined (warning says why). */
  spearman: number;
  /** Element i: face i's feature norm before normalisation. */
  magnitudes: Float32Array;
  /** Element i: face i's kNN density (learn-to-cluster `density`). */
  density: Float32Array;
}

export interface ClusterResult {
  protocol: 'cluster';
  faces: number;
  dim: number;
  /** Distinct true identities. */
  classes: number;
  truthFormat: ClusterTruth['format'];
  /** IJB-B subset size (subjects) when the truth is an IJB-B protocol. */
  subset?: number;
  featureFormat: ClusterFeatureSource['format'];
  /** One per method (in the order asked), then one per predicted file. */
  results: ClusterMethodResult[];
  magnitudeDensity?: MagnitudeDensity;
  /** Counters of the neighbour pass, when one ran (for benchmarks; not part of the JSON). */
  pass?: NeighbourPassStats;
  warnings: string[];
}

function loadFeatures(src: ClusterFeatureSource): FeatureMatrix {
  return src.format === 'bin' ? readRawFeatures(src.file, src.dim) : readFeatureMatrix(src.file);
}

/** Checks the flag values (UsageError); runCluster calls it before reading anything. */
export function validateClusterOptions(opts: ClusterSettings): void {
  const bad = (flag: string, value: unknown, want: string) => new UsageError(`--${flag} ${value}: expected ${want}`);
  for (const m of opts.methods) if (!(CLUSTER_METHODS as readonly string[]).includes(m)) throw bad('method', m, `one of ${CLUSTER_METHODS.join(', ')}`);
  if (!(opts.distance > 0 && opts.distance < 2)) throw bad('distance', opts.distance, 'a distance between unit vectors, in (0, 2)');
  if (!(opts.eps > 0 && opts.eps < 1)) throw bad('eps', opts.eps, 'a distance 1 − cosine in (0, 1)');
  if (!(opts.tau > -1 && opts.tau <= 1)) throw bad('tau', opts.tau, 'a cosine in (−1, 1]');
  if (!Number.isInteger(opts.k) || opts.k < 1) throw bad('k', opts.k, 'a positive integer');
  for (const [method, values] of Object.entries(sweepGrids(opts))) {
    const check = { fasthac: (v: number) => v > 0 && v < 2, 'knn-dbscan': (v: number) => v > 0 && v < 1, 'magnitude-peaks': (v: number) => v > -1 && v <= 1 }[method as ClusterMethod];
    for (const v of values) if (!check(v)) throw bad('sweep', v, `${SWEEP_PARAMETER[method as ClusterMethod]} values valid for ${method}`);
  }
}

function usesKnn(opts: ClusterSettings): boolean {
  return opts.methods.includes('knn-dbscan') || opts.methods.includes('magnitude-peaks') || opts.magnitudeCheck === true;
}

/** The sweep grid of each requested method (ascending), or none. */
function sweepGrids(opts: ClusterSettings): Partial<Record<ClusterMethod, number[]>> {
  if (opts.sweep === false) return {};
  const out: Partial<Record<ClusterMethod, number[]>> = {};
  for (const m of opts.methods) {
    const values = opts.sweep === true ? DEFAULT_SWEEPS[m] : opts.sweep[m];
    if (values && values.length) out[m] = [...new Set(values)].sort((a, b) => a - b);
  }
  return out;
}

interface Truth {
  labels: DenseLabels;
  subset?: number;
}

function loadTruth(opts: ClusterOptions, faces: number, featuresFile: string): Truth {
  const t = opts.truth;
  if (t.format === 'labels') return { labels: rankLabels(readLabelFile(t.file, faces, `one per feature row of ${featuresFile}`)) };
  const protocol = readIjbbClustering(t.root, t.subset);
  if (protocol.rows !== faces) {
    throw new DataError(`${featuresFile}: has ${faces} feature rows but ${protocol.protocolFile} lists ${protocol.rows} faces (row i must be protocol row i)`);
  }
  return { labels: rankLabels(protocol.subjects), subset: t.subset };
}

/** Scores of one clustering (−1 → singletons), with and without its singletons. */
function scoreLabels(truth: DenseLabels, labels: ArrayLike<number>): { scores: ClusterScores; withoutSingletons: ClusterScores | null } {
  const pred = rankLabels(unclusteredToSingletons(labels));
  const scores = clusterScores(truth, pred);
  const kept = withoutSingletons(truth, pred);
  return { scores, withoutSingletons: kept.keep.length ? clusterScores(kept.truth, kept.pred) : null };
}

function bestOf(points: SweepPoint[], pick: (s: ClusterScores) => number): BestPoint | null {
  let best: BestPoint | null = null;
  for (const p of points) {
    const score = pick(p.scores);
    if (!Number.isNaN(score) && (best === null || score > best.score)) best = { value: p.value, score };
  }
  return best;
}

function sweepOf(method: ClusterMethod, values: number[], truth: DenseLabels, labelsAt: (v: number) => ArrayLike<number>): ClusterSweep {
  const points = values.map((value) => ({ value, ...scoreLabels(truth, labelsAt(value)) }));
  return {
    parameter: SWEEP_PARAMETER[method],
    points,
    best: { pairwiseF: bestOf(points, (s) => s.pairwise.f), bcubedF: bestOf(points, (s) => s.bcubed.f), nmi: bestOf(points, (s) => s.nmi.arithmetic) },
  };
}

/** Plain-language warnings for the undefined numbers of one result. */
function scoreWarnings(name: string, r: { scores: ClusterScores; withoutSingletons: ClusterScores | null }): string[] {
  const out: string[] = [];
  const s = r.scores;
  if (Number.isNaN(s.pairwise.precision)) out.push(`${name}: every predicted cluster is a single face: pairwise precision and F are undefined (null)`);
  if (Number.isNaN(s.pairwise.recall)) out.push(`${name}: every true identity has a single face: pairwise recall and F are undefined (null)`);
  if (!Number.isNaN(s.pairwise.precision) && !Number.isNaN(s.pairwise.recall) && Number.isNaN(s.pairwise.f)) {
    out.push(`${name}: no pair of faces is both in one cluster and of one identity: pairwise F is undefined (null)`);
  }
  if (r.withoutSingletons === null) out.push(`${name}: every predicted cluster is a single face: the scores without singletons are undefined (null)`);
  else if (Number.isNaN(r.withoutSingletons.pairwise.recall)) out.push(`${name}: without singletons, every identity left has a single face: pairwise recall and F are undefined (null)`);
  return out;
}

export async function runCluster(opts: ClusterOptions): Promise<ClusterResult> {
  validateClusterOptions(opts);
  const featuresFile = opts.features.file;
  const matrix = timed('load features', opts.onStage, () => loadFeatures(opts.features));
  const { rows: faces, cols: dim, data } = matrix;
  if (usesKnn(opts) && opts.k >= faces) {
    throw new DataError(`${featuresFile}: --k ${opts.k} needs more than ${opts.k} faces (each face's list counts the face itself), found ${faces}`);
  }
  checkFinite(data, 0, dim, featuresFile);
  const truth = timed('load labels', opts.onStage, () => loadTruth(opts, faces, featuresFile));
  const predicted = opts.predicted.map((file) => ({ file, values: readLabelFile(file, faces, `one per feature row of ${featuresFile}`) }));

  const { norms: magnitudes, zeroRow } = timed('normalise', opts.onStage, () => normaliseRows(data, faces, dim));
  if (zeroRow >= 0) throw new DataError(`${featuresFile}: row ${zeroRow + 1} is all zeros: it cannot be L2-normalised`);

  const grids = sweepGrids(opts);
  const warnings: string[] = [];
  const results: ClusterMethodResult[] = [];
  let knn: KnnLists | undefined;
  let linkComponents: Int32Array[] = [];
  let pass: NeighbourPassStats | undefined;
  const linkDistances = opts.methods.includes('fasthac') ? [opts.distance, ...(grids.fasthac ?? [])] : [];
  if (linkDistances.length || usesKnn(opts)) {
    const lowest = (values: number[]) => Math.min(...values);
    // The lowest cosine any consumer reads (a little below: float32 rounding of 1 − cosine).
    const floors = [1 - CLUSTER_DEFAULTS.densityRadius];
    if (opts.methods.includes('knn-dbscan')) floors.push(1 - Math.max(opts.eps, ...(grids['knn-dbscan'] ?? [])));
    if (opts.methods.includes('magnitude-peaks')) floors.push(lowest([opts.tau, ...(grids['magnitude-peaks'] ?? [])]));
    const screen: OwnedBlockScreen = opts.screen === 'loop' ? { screen: loopBlockScreen(data, faces, dim), release: async () => {} } : await onnxBlockScreen(data, faces, dim);
    try {
      const r = await timedAsync('neighbour pass', opts.onStage, () =>
        neighbourPass({
          data, rows: faces, dim, screen: screen.screen, linkDistances,
          knn: usesKnn(opts) ? { k: opts.k, floor: lowest(floors) - 1e-6 } : undefined,
          onProgress: opts.onProgress,
        }),
      );
      knn = r.knn;
      linkComponents = r.linkComponents;
      pass = r.stats;
    } finally {
      await screen.release();
    }
  }

  /** Each method's threshold, its JSON params, and its labels at any value of the threshold. */
  const baseline = (method: ClusterMethod): { value: number; params: Record<string, number>; labelsAt: (v: number) => Int32Array } => {
    if (method === 'fasthac') {
      return { value: opts.distance, params: { distance: opts.distance }, labelsAt: (t) => fasthacLabels(linkComponents[linkDistances.indexOf(t)]) };
    }
    if (method === 'knn-dbscan') {
      const { minSamples, thSim } = CLUSTER_DEFAULTS;
      return { value: opts.eps, params: { k: opts.k, eps: opts.eps, min_samples: minSamples, th_sim: thSim }, labelsAt: (eps) => knnDbscan(knn!, { eps, minSamples, thSim }) };
    }
    return { value: opts.tau, params: { k: opts.k, tau: opts.tau }, labelsAt: (tau) => magnitudePeaks(knn!, magnitudes, tau).labels };
  };

  timed('baselines and scores', opts.onStage, () => {
    for (const method of opts.methods) {
      const { value, params, labelsAt } = baseline(method);
      const labels = labelsAt(value);
      const scored = scoreLabels(truth.labels, labels);
      const result: ClusterMethodResult = { method, name: method, params, ...scored };
      if (grids[method]) result.sweep = sweepOf(method, grids[method]!, truth.labels, labelsAt);
      if (opts.keepLabels) result.labels = labels;
      warnings.push(...scoreWarnings(method, scored));
      results.push(result);
    }
    for (const p of predicted) {
      const name = basename(p.file, extname(p.file));
      const scored = scoreLabels(truth.labels, p.values);
      warnings.push(...scoreWarnings(name, scored));
      results.push({ method: 'predicted', name, params: {}, ...scored });
    }
  });

  let magnitudeDensity: MagnitudeDensity | undefined;
  if (knn && opts.magnitudeCheck !== false) {
    const density = knnDensity(knn, CLUSTER_DEFAULTS.densityRadius);
    let spearman = spearmanCorrelation(magnitudes, density);
    let unitNorm = true;
    for (let i = 0; i < faces && unitNorm; i++) unitNorm = Math.abs(magnitudes[i] - 1) < 1e-3;
    if (unitNorm) {
      spearman = NaN;
      const peaks = opts.methods.includes('magnitude-peaks') ? '; magnitude peaks then follow float32 rounding noise' : '';
      warnings.push(`${featuresFile}: the features are already L2-normalised: their magnitudes carry no information, so Spearman(magnitude, density) is undefined (null)${peaks}`);
    } else if (Number.isNaN(spearman)) {
      warnings.push('every face has the same magnitude or the same density: Spearman(magnitude, density) is undefined (null)');
    }
    magnitudeDensity = { k: opts.k, radius: CLUSTER_DEFAULTS.densityRadius, spearman, magnitudes, density };
  }

  return {
    protocol: 'cluster',
    faces,
    dim,
    classes: truth.labels.count,
    truthFormat: opts.truth.format,
    ...(truth.subset !== undefined ? { subset: truth.subset } : {}),
    featureFormat: opts.features.format,
    results,
    ...(magnitudeDensity ? { magnitudeDensity } : {}),
    ...(pass ? { pass } : {}),
    warnings,
  };
}
