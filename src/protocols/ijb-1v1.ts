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
import { openNpyRows, type NpyRowReader } from '../io/npy.js';
import { isNpyFile, locateNonFinite, memoryFeatureSource, npyFeatureSource, readFeatureMatrix } from '../io/feature-source.js';
import { groupFacesByTemplate, templateIndexLookup, type TemplateGrouping } from '../aggregate/template-grouping.js';
import {
  aggregateTemplates,
  NonFiniteSumError,
  ZeroNormFaceError,
  type FaceFeatureSource,
  type TemplateFeatures,
} from '../aggregate/aggregate-templates.js';
import { parseAggregationList, scoreKindOf, type AggregationSpec } from '../aggregate/spec.js';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type RocCurve } from '../metrics/roc.js';
import { tarAtFar, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import { chooseScoringMethod, planDenseBlock, scorePairsExact, scorePairsGemm, type ScoreVector, type ScoringMethod } from '../scoring/pair-scores.js';
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
  /** Pair scores in pair-file order (float32 when scored by GEMM). */
  scores: ScoreVector;
}

export interface IjbResult {
  protocol: 'ijb-1v1';
  target: IjbTarget;
  rule: TarRule;
  counts: IjbCounts;
  featureDim: number;
  flip: boolean;
  scoring: 'exact' | 'gemm';
  results: IjbAggregationResult[];
  warnings: string[];
}

/**
 * Opens face features (and flip features) as a row-block stream: .npy files are read block by
 * block; any other extension is a MagFace gen_feat.py text list, read whole.
 */
export function openFeatures(features: string, flipFeatures?: string): { source: FaceFeatureSource; close: () => void } {
  if (isNpyFile(features) && (flipFeatures === undefined || isNpyFile(flipFeatures))) {
    const readers: NpyRowReader[] = [];
    const close = (): void => readers.forEach((r) => r.close());
    try {
      readers.push(openNpyRows(features));
      if (flipFeatures !== undefined) readers.push(openNpyRows(flipFeatures));
      return { source: npyFeatureSource(readers[0], readers[1]), close };
    } catch (e) {
      close();
      throw e;
    }
  }
  const flip = flipFeatures === undefined ? undefined : readFeatureMatrix(flipFeatures);
  return { source: memoryFeatureSource(readFeatureMatrix(features), features, flip, flipFeatures), close: () => {} };
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

  const { faces, grouping, pairs, detectorScores } = timed('load meta', opts.onStage, () => {
    const faces = readFaceTemplateMedia(paths.faceTemplateMedia);
    const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
    const pairs = readTemplatePairs(paths.pairs, templateIndexLookup(grouping.templateIds), grouping.templateIds.length);
    let detectorScores: Float32Array | undefined;
    if (specs.some((s) => s.kind === 'insightface' && s.detectorScore)) {
      const lm = readFaceLandmarks(paths.landmarks);
      checkSameFaces(faces, paths.faceTemplateMedia, lm, paths.landmarks);
      detectorScores = lm.detectorScores;
    }
    return { faces, grouping, pairs, detectorScores };
  });
  const counts = countPairs(pairs, paths.pairs, faces.names.length, grouping.templateIds.length);
  if (hasFlip && specs.some((s) => s.kind === 'magface')) {
    warnings.push('magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)');
  }

  const features = openFeatures(opts.features, opts.flipFeatures);
  const results: IjbAggregationResult[] = [];
  let method: 'exact' | 'gemm' = 'exact';
  try {
    const source = features.source;
    if (source.rows !== faces.names.length) {
      throw new DataError(`${opts.features}: has ${source.rows} feature rows but ${paths.faceTemplateMedia} lists ${faces.names.length} faces (row i must be face line i)`);
    }
    const plan = planDenseBlock(pairs, grouping.templateIds.length);
    method = chooseScoringMethod(opts.scoring, counts.pairs, source.cols, plan);
    const gemm = method === 'gemm' ? await createGemmABt() : undefined;
    const allTemplates = timed('aggregate', opts.onStage, () => aggregate(specs, grouping, source, detectorScores, opts, faces.names));
    try {
      for (const [k, spec] of specs.entries()) {
        const templates = allTemplates[k];
        const t0 = performance.now();
        const kind = scoreKindOf(spec);
        const scores = gemm ? await scorePairsGemm(templates, pairs, kind, plan, gemm) : scorePairsExact(templates, pairs, kind);
        opts.onStage?.(`score ${spec.name}`, performance.now() - t0);
        results.push(timed(`roc ${spec.name}`, opts.onStage, () => evaluateScores(spec.name, scores, pairs.labels, opts)));
      }
    } finally {
      await gemm?.release();
    }
  } finally {
    features.close();
  }
  return {
    protocol: 'ijb-1v1',
    target: opts.target,
    rule: opts.rule,
    counts,
    featureDim: features.source.cols,
    flip: hasFlip,
    scoring: method,
    results,
    warnings,
  };
}

function aggregate(
  specs: AggregationSpec[],
  grouping: TemplateGrouping,
  source: FaceFeatureSource,
  detectorScores: Float32Array | undefined,
  opts: IjbOptions,
  names: string[],
): TemplateFeatures[] {
  try {
    return aggregateTemplates(grouping, source, detectorScores, specs);
  } catch (e) {
    if (e instanceof ZeroNormFaceError) {
      const spec = specs.find((s) => s.kind === 'insightface' && !s.keepNorm)!;
      throw new DataError(
        `${opts.features}: row ${e.face + 1} (face '${names[e.face]}') has a zero feature vector; aggregation '${spec.name}' L2-normalises each face`,
        'use an aggregation that keeps the norm (magnitude, insightface) or remove the face',
      );
    }
    if (e instanceof NonFiniteSumError) {
      const usesFlip = specs.some((s) => s.kind === 'insightface' && s.addFlip);
      locateNonFinite(source, opts.features, opts.flipFeatures, usesFlip);
      throw new DataError(`${opts.features}: face features overflow float32 when summed per media`);
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
export function evaluateScores(aggregation: string, scores: ScoreVector, labels: Uint8Array, opts: Pick<IjbOptions, 'fars' | 'rule'>): IjbAggregationResult {
  const sorted = splitByLabel(scores, labels);
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
