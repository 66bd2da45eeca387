/**
 * The options and result types of the IJB 1:1 protocol, which the pipeline's stages share (the
 * 1:N types are in ijb-1n.ts), and the --scores helper. No code runs here.
 */
import type { IjbTarget } from '../io/ijb-meta.js';
import type { ThinCurve } from '../metrics/thin-curve.js';
import type { TarAtFar, TarRule } from '../metrics/tar-at-far.js';
import type { ScoreVector, ScoringMethod } from '../scoring/pair-scores.js';
import type { BootstrapResult } from '../metrics/bootstrap.js';

export const DEFAULT_FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

export interface IjbOptions {
  root: string;
  target: IjbTarget;
  features: string;
  flipFeatures?: string;
  /** Comma-separated aggregation names (see aggregate/spec.ts). */
  aggregate: string;
  fars: number[];
  rule: TarRule;
  scoring: ScoringMethod;
  /**
   * Face indices (0-based lines of the face list) to leave out, e.g. images a feature store could not
   * read (extract --skip-bad). Their feature rows are ignored (they may be NaN); a template left with
   * no faces drops out with its pairs. The result says how many of each were excluded.
   */
  excludedFaces?: ArrayLike<number>;
  /** Template bootstrap of TAR@FAR (docs/bootstrap.md); off when undefined. */
  bootstrap?: { replicates: number; seed: number; ci: number; threads?: number };
  /**
   * Keep each aggregation's pair scores in its result (default true). `false` spares a score vector
   * per aggregation (IJB-C: 63 MB) when nothing reads them, as in `ijb` without --scores.
   */
  keepScores?: boolean;
  /** Called when a stage ends, with its wall time; used by the CLI's progress lines and the bench. */
  onStage?: (stage: string, ms: number) => void;
}

export interface FeatureSource {
  model_sha256: string;
  provider: string;
  dtype: string;
  ort_version: string;
  preprocessing: { preset: string; channels: string; scale: number; mean: number[]; std: number[] };
  flip: boolean;
  unreadable_faces: number;
}

export interface IjbCounts {
  images: number;
  templates: number;
  pairs: number;
  genuine: number;
  impostor: number;
}

export interface IjbAggregationResult {
  aggregation: string;
  tarAtFar: TarAtFar[];
  auc: number;
  eer: number;
  eerThreshold: number;
  /** The ROC thinned for plots and --curve (the full curve has one vertex per distinct score). */
  curve: ThinCurve;
  /** Pair scores in pair-file order (float32 when scored by simd or gemm); absent with keepScores: false. */
  scores?: ScoreVector;
  /** Per target (same order as tarAtFar): the bootstrap percentile interval, with --bootstrap. */
  tarCi?: [number, number][];
}

export interface IjbResult {
  protocol: 'ijb-1v1';
  target: IjbTarget;
  rule: TarRule;
  counts: IjbCounts;
  featureDim: number;
  flip: boolean;
  scoring: 'exact' | 'simd' | 'gemm';
  /** Set when the TAR intervals were bootstrapped. */
  bootstrap?: Pick<BootstrapResult, 'replicates' | 'seed' | 'ci' | 'unit' | 'strata'>;
  results: IjbAggregationResult[];
  warnings: string[];
  /**
   * Where the features came from when they were extracted by facebench (a feature store): model
   * sha256, provider, dtype, onnxruntime version, preprocessing. Set by the CLI, not the protocol.
   */
  featureSource?: FeatureSource;
  /** Present when faces were excluded (IjbOptions.excludedFaces): what was left out. */
  excluded?: {
    faces: number;
    templates: number;
    pairs: number;
    /** Pairs in the pair file, and the pair-file index of each evaluated pair (scores[k] ↔ line keptPairs[k]). */
    pairFileLines: number;
    keptPairs: Int32Array;
  };
}

/** An aggregation's scores in pair-file order: NaN for pairs dropped with excluded faces. */
export function scoresInPairFileOrder(result: IjbResult, r: IjbAggregationResult): ScoreVector {
  const ex = result.excluded;
  const scores = r.scores;
  if (!scores) throw new Error(`scores of '${r.aggregation}' were not kept (keepScores: false)`);
  if (!ex) return scores;
  const full = scores instanceof Float32Array ? new Float32Array(ex.pairFileLines) : new Float64Array(ex.pairFileLines);
  full.fill(NaN);
  ex.keptPairs.forEach((line, k) => (full[line] = scores[k]));
  return full;
}
