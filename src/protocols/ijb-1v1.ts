/**
 * IJB-B / IJB-C 1:1 verification from saved features: meta files + features → per-aggregation pair
 * scores → ROC → TAR@FAR, AUC, EER. Every requested aggregation is computed in one run from one load
 * of the features. No printing: returns a result object (and the scores, for --scores).
 */
import { DataError } from '../errors.js';
import {
  checkSameFaces,
  ijbMetaPaths,
  readFaceLandmarks,
  readFaceTemplateMedia,
  readTemplatePairs,
  type IjbTarget,
  type TemplatePairs,
} from '../io/ijb-meta.js';
import { readNpyMatrix, type FeatureMatrix } from '../io/npy.js';
import { readMagfaceFeatureList } from '../io/magface-feature-list.js';
import { groupFacesByTemplate, templateIndexLookup } from '../aggregate/template-grouping.js';
import { aggregateInsightface, aggregateMagface, ZeroNormFaceError, type FaceFeatures, type TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { parseAggregationList, scoreKindOf, type AggregationSpec } from '../aggregate/spec.js';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type RocCurve, type SortedScores } from '../metrics/roc.js';
import { tarAtFar, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import type { BootstrapResult } from '../metrics/bootstrap.js';
import { bootstrapParallel } from './bootstrap-parallel.js';
import { chooseScoringMethod, planDenseBlock, scorePairsExact, scorePairsGemm, type ScoringMethod } from '../scoring/pair-scores.js';
import { createGemmABt } from '../onnx/runtime.js';

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
  /** Template bootstrap of TAR@FAR (docs/bootstrap.md); off when undefined. */
  bootstrap?: { replicates: number; seed: number; ci: number; threads?: number };
  /** Called when a stage ends, with its wall time; used by the CLI's progress lines and the bench. */
  onStage?: (stage: string, ms: number) => void;
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
  roc: RocCurve;
  /** Pair scores in pair-file order. */
  scores: Float64Array;
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
  scoring: 'exact' | 'gemm';
  /** Set when the TAR intervals were bootstrapped. */
  bootstrap?: Pick<BootstrapResult, 'replicates' | 'seed' | 'ci' | 'unit' | 'strata'>;
  results: IjbAggregationResult[];
  warnings: string[];
}

/** Features from .npy, or MagFace's text feature list for any other extension. */
export function readFeatures(file: string): FeatureMatrix {
  return file.toLowerCase().endsWith('.npy') ? readNpyMatrix(file) : readMagfaceFeatureList(file);
}

/** First non-finite value, as "row r, column c", or undefined. */
function findNonFinite(m: FeatureMatrix): string | undefined {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return `row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1} is ${v}`;
  }
  return undefined;
}

function timed<T>(stage: string, onStage: IjbOptions['onStage'], work: () => T): T {
  const t0 = performance.now();
  const out = work();
  onStage?.(stage, performance.now() - t0);
  return out;
}

export async function runIjb1v1(opts: IjbOptions): Promise<IjbResult> {
  const paths = ijbMetaPaths(opts.root, opts.target);
  const hasFlip = opts.flipFeatures !== undefined;
  const specs = parseAggregationList(opts.aggregate, hasFlip);
  const warnings: string[] = [];

  const { faces, grouping, pairs, features } = timed('load', opts.onStage, () => {
    const faces = readFaceTemplateMedia(paths.faceTemplateMedia);
    const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
    const pairs = readTemplatePairs(paths.pairs, templateIndexLookup(grouping.templateIds));
    const features = loadFaceFeatures(opts, faces.names.length, paths.faceTemplateMedia);
    if (specs.some((s) => s.kind === 'insightface' && s.detectorScore)) {
      const lm = readFaceLandmarks(paths.landmarks);
      checkSameFaces(faces, paths.faceTemplateMedia, lm, paths.landmarks);
      features.detectorScores = lm.detectorScores;
    }
    return { faces, grouping, pairs, features };
  });
  const counts = countPairs(pairs, paths.pairs, faces.names.length, grouping.templateIds.length);
  if (hasFlip && specs.some((s) => s.kind === 'magface')) {
    warnings.push('magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)');
  }

  const plan = planDenseBlock(pairs, grouping.templateIds.length);
  const method = chooseScoringMethod(opts.scoring, counts.pairs, features.cols, plan);
  const gemm = method === 'gemm' ? await createGemmABt() : undefined;
  const results: IjbAggregationResult[] = [];
  let bootInfo: IjbResult['bootstrap'];
  try {
    for (const spec of specs) {
      const templates = timed(`aggregate ${spec.name}`, opts.onStage, () => aggregate(spec, grouping, features, opts, faces.names));
      const t0 = performance.now();
      const kind = scoreKindOf(spec);
      const scores = gemm ? await scorePairsGemm(templates, pairs, kind, plan, gemm) : scorePairsExact(templates, pairs, kind);
      opts.onStage?.(`score ${spec.name}`, performance.now() - t0);
      let sortedImpostorScores: Float64Array | undefined;
      const result = timed(`roc ${spec.name}`, opts.onStage, () =>
        evaluateScores(spec.name, scores, pairs.labels, opts, opts.bootstrap ? (sorted) => (sortedImpostorScores = sorted.impostor) : undefined),
      );
      if (opts.bootstrap) {
        const b = opts.bootstrap;
        const t1 = performance.now();
        const boot = await bootstrapParallel(
          { first: pairs.first, second: pairs.second, labels: pairs.labels, scores, sortedImpostorScores },
          { replicates: b.replicates, seed: b.seed, ci: b.ci, targets: opts.fars, rule: opts.rule },
          b.threads,
        );
        opts.onStage?.(`bootstrap ${spec.name} (${b.replicates} replicates)`, performance.now() - t1);
        result.tarCi = boot.intervals;
        bootInfo = { replicates: boot.replicates, seed: boot.seed, ci: boot.ci, unit: boot.unit, strata: boot.strata };
      }
      results.push(result);
    }
  } finally {
    await gemm?.release();
  }
  return {
    protocol: 'ijb-1v1',
    target: opts.target,
    rule: opts.rule,
    counts,
    featureDim: features.cols,
    flip: hasFlip,
    scoring: method,
    ...(bootInfo ? { bootstrap: bootInfo } : {}),
    results,
    warnings,
  };
}

function loadFaceFeatures(opts: IjbOptions, faceCount: number, facesFile: string): FaceFeatures {
  const main = readFeatures(opts.features);
  checkFeatureMatrix(main, opts.features, faceCount, facesFile);
  const out: FaceFeatures = { rows: main.rows, cols: main.cols, data: main.data };
  if (opts.flipFeatures !== undefined) {
    const flip = readFeatures(opts.flipFeatures);
    if (flip.rows !== main.rows || flip.cols !== main.cols) {
      throw new DataError(`${opts.flipFeatures}: shape (${flip.rows}, ${flip.cols}) differs from ${opts.features} (${main.rows}, ${main.cols})`);
    }
    checkFeatureMatrix(flip, opts.flipFeatures, faceCount, facesFile);
    out.flip = flip.data;
  }
  return out;
}

function checkFeatureMatrix(m: FeatureMatrix, file: string, faceCount: number, facesFile: string): void {
  if (m.rows !== faceCount) {
    throw new DataError(`${file}: has ${m.rows} feature rows but ${facesFile} lists ${faceCount} faces (row i must be face line i)`);
  }
  const bad = findNonFinite(m);
  if (bad) throw new DataError(`${file}: non-finite feature value: ${bad}`);
}

function aggregate(spec: AggregationSpec, grouping: ReturnType<typeof groupFacesByTemplate>, f: FaceFeatures, opts: IjbOptions, names: string[]): TemplateFeatures {
  if (spec.kind === 'magface') return aggregateMagface(grouping, f, spec);
  try {
    return aggregateInsightface(grouping, f, spec);
  } catch (e) {
    if (e instanceof ZeroNormFaceError) {
      throw new DataError(
        `${opts.features}: row ${e.face + 1} (face '${names[e.face]}') has a zero feature vector; aggregation '${spec.name}' L2-normalises each face`,
        'use an aggregation that keeps the norm (magnitude, insightface) or remove the face',
      );
    }
    throw e;
  }
}

function countPairs(pairs: TemplatePairs, file: string, images: number, templates: number): IjbCounts {
  let genuine = 0;
  for (let k = 0; k < pairs.labels.length; k++) genuine += pairs.labels[k];
  const impostor = pairs.labels.length - genuine;
  if (genuine === 0) throw new DataError(`${file}: no genuine pairs (label 1): TAR is undefined`);
  if (impostor === 0) throw new DataError(`${file}: no impostor pairs (label 0): FAR is undefined`);
  return { images, templates, pairs: pairs.labels.length, genuine, impostor };
}

/** ROC, TAR@FAR under the chosen rule, AUC and EER of one score vector. */
export function evaluateScores(
  aggregation: string,
  scores: Float64Array,
  labels: Uint8Array,
  opts: Pick<IjbOptions, 'fars' | 'rule'>,
  /** Receives the sorted scores (the bootstrap reuses them instead of sorting again). */
  withSorted?: (sorted: SortedScores) => void,
): IjbAggregationResult {
  const sorted = splitByLabel(scores, labels);
  withSorted?.(sorted);
  const roc = rocCurve(sorted);
  const eer = equalErrorRate(roc);
  return {
    aggregation,
    tarAtFar: opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far)),
    auc: areaUnderCurve(roc),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    roc,
    scores,
  };
}
