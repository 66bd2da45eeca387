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
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type RocCurve } from '../metrics/roc.js';
import { tarAtFar, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
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
  /**
   * Face indices (0-based lines of the face list) to leave out, e.g. images a feature store could not
   * read (extract --skip-bad). Their feature rows are ignored (they may be NaN); a template left with
   * no faces drops out with its pairs. The result says how many of each were excluded.
   */
  excludedFaces?: ArrayLike<number>;
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
  roc: RocCurve;
  /** Pair scores in pair-file order. */
  scores: Float64Array;
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
  /**
   * Where the features came from when they were extracted by facebench (a feature store): model
   * sha256, provider, dtype, onnxruntime version, preprocessing. Set by the CLI, not the protocol.
   */
  featureSource?: FeatureSource;
  /** Present when faces were excluded (IjbOptions.excludedFaces): what was left out. */
  excluded?: { faces: number; templates: number; pairs: number };
}

/** Features from .npy, or MagFace's text feature list for any other extension. */
export function readFeatures(file: string): FeatureMatrix {
  return file.toLowerCase().endsWith('.npy') ? readNpyMatrix(file) : readMagfaceFeatureList(file);
}

/** First non-finite value outside the excluded rows, as "row r, column c", or undefined. */
function findNonFinite(m: FeatureMatrix, excluded?: Uint8Array): string | undefined {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0 && !excluded?.[Math.floor(i / cols)]) return `row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1} is ${v}`;
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

  const { faces, grouping, pairs, features, excluded } = timed('load', opts.onStage, () => {
    const allFaces = readFaceTemplateMedia(paths.faceTemplateMedia);
    const allGrouping = groupFacesByTemplate(allFaces.templateIds, allFaces.mediaIds);
    const allPairs = readTemplatePairs(paths.pairs, templateIndexLookup(allGrouping.templateIds));
    const mask = excludedMask(opts.excludedFaces, allFaces.names.length, paths.faceTemplateMedia);
    const allFeatures = loadFaceFeatures(opts, allFaces.names.length, paths.faceTemplateMedia, mask);
    if (specs.some((s) => s.kind === 'insightface' && s.detectorScore)) {
      const lm = readFaceLandmarks(paths.landmarks);
      checkSameFaces(allFaces, paths.faceTemplateMedia, lm, paths.landmarks);
      allFeatures.detectorScores = lm.detectorScores;
    }
    if (!mask) return { faces: allFaces, grouping: allGrouping, pairs: allPairs, features: allFeatures, excluded: undefined };
    return excludeFaces(mask, allFaces, allGrouping, allPairs, allFeatures);
  });
  if (excluded) {
    warnings.push(`${excluded.faces} faces excluded (listed as unreadable by the feature store); ${excluded.templates} templates left without faces and ${excluded.pairs} pairs dropped`);
  }
  const counts = countPairs(pairs, paths.pairs, faces.names.length, grouping.templateIds.length);
  if (hasFlip && specs.some((s) => s.kind === 'magface')) {
    warnings.push('magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)');
  }

  const plan = planDenseBlock(pairs, grouping.templateIds.length);
  const method = chooseScoringMethod(opts.scoring, counts.pairs, features.cols, plan);
  const gemm = method === 'gemm' ? await createGemmABt() : undefined;
  const results: IjbAggregationResult[] = [];
  try {
    for (const spec of specs) {
      const templates = timed(`aggregate ${spec.name}`, opts.onStage, () => aggregate(spec, grouping, features, opts, faces.names));
      const t0 = performance.now();
      const kind = scoreKindOf(spec);
      const scores = gemm ? await scorePairsGemm(templates, pairs, kind, plan, gemm) : scorePairsExact(templates, pairs, kind);
      opts.onStage?.(`score ${spec.name}`, performance.now() - t0);
      results.push(timed(`roc ${spec.name}`, opts.onStage, () => evaluateScores(spec.name, scores, pairs.labels, opts)));
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
    results,
    warnings,
    ...(excluded ? { excluded } : {}),
  };
}

function excludedMask(list: ArrayLike<number> | undefined, faceCount: number, facesFile: string): Uint8Array | undefined {
  if (!list || list.length === 0) return undefined;
  const mask = new Uint8Array(faceCount);
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    if (!Number.isInteger(i) || i < 0 || i >= faceCount) throw new DataError(`excluded face index ${i} is outside the ${faceCount} faces of ${facesFile}`);
    mask[i] = 1;
  }
  return mask;
}

/** Drops the masked faces (rows, ids, detector scores), then templates left empty and their pairs. */
function excludeFaces(mask: Uint8Array, faces: ReturnType<typeof readFaceTemplateMedia>, allGrouping: ReturnType<typeof groupFacesByTemplate>, allPairs: TemplatePairs, f: FaceFeatures) {
  const keep: number[] = [];
  for (let i = 0; i < mask.length; i++) if (!mask[i]) keep.push(i);
  const cols = f.cols;
  const pick = (data: Float32Array) => {
    const out = new Float32Array(keep.length * cols);
    keep.forEach((i, r) => out.set(data.subarray(i * cols, (i + 1) * cols), r * cols));
    return out;
  };
  const kept = {
    names: keep.map((i) => faces.names[i]),
    templateIds: Float64Array.from(keep, (i) => faces.templateIds[i]),
    mediaIds: Float64Array.from(keep, (i) => faces.mediaIds[i]),
  };
  const features: FaceFeatures = { rows: keep.length, cols, data: pick(f.data) };
  if (f.flip) features.flip = pick(f.flip);
  if (f.detectorScores) features.detectorScores = Float32Array.from(keep, (i) => f.detectorScores![i]);
  if (keep.length === 0) throw new DataError('every face is excluded: nothing to evaluate');
  const grouping = groupFacesByTemplate(kept.templateIds, kept.mediaIds);
  const lookup = templateIndexLookup(grouping.templateIds);
  const remap = Int32Array.from(allGrouping.templateIds, (id) => lookup(id));
  const first: number[] = [], second: number[] = [], labels: number[] = [];
  for (let k = 0; k < allPairs.labels.length; k++) {
    const a = remap[allPairs.first[k]], b = remap[allPairs.second[k]];
    if (a < 0 || b < 0) continue;
    first.push(a); second.push(b); labels.push(allPairs.labels[k]);
  }
  const pairs: TemplatePairs = { first: Int32Array.from(first), second: Int32Array.from(second), labels: Uint8Array.from(labels) };
  const excluded = {
    faces: mask.length - keep.length,
    templates: allGrouping.templateIds.length - grouping.templateIds.length,
    pairs: allPairs.labels.length - labels.length,
  };
  return { faces: kept, grouping, pairs, features, excluded };
}

function loadFaceFeatures(opts: IjbOptions, faceCount: number, facesFile: string, excluded?: Uint8Array): FaceFeatures {
  const main = readFeatures(opts.features);
  checkFeatureMatrix(main, opts.features, faceCount, facesFile, excluded);
  const out: FaceFeatures = { rows: main.rows, cols: main.cols, data: main.data };
  if (opts.flipFeatures !== undefined) {
    const flip = readFeatures(opts.flipFeatures);
    if (flip.rows !== main.rows || flip.cols !== main.cols) {
      throw new DataError(`${opts.flipFeatures}: shape (${flip.rows}, ${flip.cols}) differs from ${opts.features} (${main.rows}, ${main.cols})`);
    }
    checkFeatureMatrix(flip, opts.flipFeatures, faceCount, facesFile, excluded);
    out.flip = flip.data;
  }
  return out;
}

function checkFeatureMatrix(m: FeatureMatrix, file: string, faceCount: number, facesFile: string, excluded?: Uint8Array): void {
  if (m.rows !== faceCount) {
    throw new DataError(`${file}: has ${m.rows} feature rows but ${facesFile} lists ${faceCount} faces (row i must be face line i)`);
  }
  const bad = findNonFinite(m, excluded);
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
export function evaluateScores(aggregation: string, scores: Float64Array, labels: Uint8Array, opts: Pick<IjbOptions, 'fars' | 'rule'>): IjbAggregationResult {
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
