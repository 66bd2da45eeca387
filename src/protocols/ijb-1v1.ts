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
  readTemplatePairsIntoKernels,
  copyPairsToKernels,
  type KernelPairs,
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
  type AggregationMemory,
  templateBytes,
} from '../aggregate/aggregate-templates.js';
import { parseAggregationList, scoreKindOf, type AggregationSpec } from '../aggregate/spec.js';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type RocCurve, type SortedScores } from '../metrics/roc.js';
import { rocCurveInKernels, rocKernelBytes } from '../metrics/roc-kernel.js';
import { thinRocCurve, type ThinCurve } from '../metrics/thin-curve.js';
import { tarAtFar, unresolvableFarWarnings, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import {
  chooseScoringMethod,
  FLOAT32_SCORING_MIN_WORK,
  planDenseBlock,
  scorePairsExact,
  scorePairsGemm,
  scorePairsSimd,
  simdScoringBytes,
  type ScoreVector,
  type ScoringMethod,
} from '../scoring/pair-scores.js';
import { Kernels, align16 } from '../wasm/kernels.js';
import { KernelHelper } from '../wasm/kernel-helper.js';
import type { BootstrapResult } from '../metrics/bootstrap.js';
import { bootstrapParallel } from './bootstrap-parallel.js';
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

  // Flip features are read only when an aggregation adds them (magface ignores them).
  const usesFlip = specs.some((s) => s.kind === 'insightface' && s.addFlip);
  const features = openFeatures(opts.features, usesFlip ? opts.flipFeatures : undefined);
  const results: IjbAggregationResult[] = [];
  let method: 'exact' | 'simd' | 'gemm' = 'exact';
  let bootInfo: IjbResult['bootstrap'];
  // One kernel memory for the run: the pair indices at its start (parsed there, read there by the
  // simd scorer), then the float32 templates, then the scratch of aggregation, scoring and the ROC
  // (each reusing the pages the one before touched). For simd scoring, a helper thread commits those
  // pages while this thread parses and aggregates, then scores half of the pairs.
  const kernels = new Kernels();
  let helper: KernelHelper | undefined;
  try {
    const source = features.source;
    const D = source.cols;
    let kernelPairs: KernelPairs | undefined;
    const startHelper = (pairCapacity: number, pairsEnd: number, templateCount: number): void => {
      if (!(opts.scoring === 'simd' || (opts.scoring === 'auto' && pairCapacity * D >= FLOAT32_SCORING_MIN_WORK))) return;
      helper = KernelHelper.start(kernels);
      if (!helper) return;
      const { outputsAt, base } = kernelLayout(pairsEnd, specs.length, templateCount, D, true);
      // Bounds: scoring's rows at most two per template; the ROC curve guessed at one vertex per five
      // pairs (the synthetic IJB-C set has one per 5.4); a longer one commits the rest itself.
      const end = base + Math.max(simdScoringBytes(pairCapacity, 2 * templateCount, templateCount, D), rocKernelBytes(pairCapacity, 0, pairCapacity / 5));
      kernels.ensureBytes(end);
      helper.touch(outputsAt!, end);
    };
    const { faces, grouping, pairs, detectorScores, mask, excluded } = timed('load meta', opts.onStage, () => {
      const faces = readFaceTemplateMedia(paths.faceTemplateMedia);
      const allGrouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
      const T = allGrouping.templateIds.length;
      const read = readTemplatePairsIntoKernels(paths.pairs, allGrouping.templateIds, templateIndexLookup(allGrouping.templateIds), kernels, (capacity, end) =>
        startHelper(capacity, end, T),
      );
      const allPairs = read.pairs;
      kernelPairs = read.inKernels;
      let detectorScores: Float32Array | undefined;
      if (specs.some((s) => s.kind === 'insightface' && s.detectorScore)) {
        const lm = readFaceLandmarks(paths.landmarks);
        checkSameFaces(faces, paths.faceTemplateMedia, lm, paths.landmarks);
        detectorScores = lm.detectorScores;
      }
      const mask = excludedMask(opts.excludedFaces, faces.names.length, paths.faceTemplateMedia);
      if (!mask) return { faces, grouping: allGrouping, pairs: allPairs, detectorScores, mask, excluded: undefined };
      const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds, mask);
      const { pairs: remainingPairs, dropped, kept } = pairsOfRemainingTemplates(allPairs, allGrouping, grouping);
      const { pairs, inKernels } = copyPairsToKernels(remainingPairs, kernels);
      kernelPairs = inKernels;
      const excluded = {
        faces: mask.reduce((n, v) => n + v, 0),
        templates: allGrouping.templateIds.length - grouping.templateIds.length,
        pairs: dropped,
        pairFileLines: allPairs.labels.length,
        keptPairs: kept,
      };
      return { faces, grouping, pairs, detectorScores, mask, excluded };
    });
    if (excluded) {
      warnings.push(`${excluded.faces} faces excluded (listed as unreadable by the feature store); ${excluded.templates} templates left without faces and ${excluded.pairs} pairs dropped`);
    }
    const counts = countPairs(pairs, paths.pairs, faces.names.length - (excluded?.faces ?? 0), grouping.templateIds.length);
    warnings.push(...unresolvableFarWarnings(opts.fars, counts.impostor));
    if (hasFlip && specs.some((s) => s.kind === 'magface')) {
      warnings.push('magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)');
    }
    if (source.rows !== faces.names.length) {
      throw new DataError(`${opts.features}: has ${source.rows} feature rows but ${paths.faceTemplateMedia} lists ${faces.names.length} faces (row i must be face line i)`);
    }
    const plan = planDenseBlock(pairs, grouping.templateIds.length);
    method = chooseScoringMethod(opts.scoring, counts.pairs, D, plan);
    const gemm = method === 'gemm' ? await createGemmABt() : undefined;
    const precision = method === 'exact' ? 'float64' : 'float32';
    const { outputsAt, base } = kernelLayout(kernelPairs!.end, specs.length, grouping.templateIds.length, D, precision === 'float32');
    const dotHelper = method === 'simd' ? helper : undefined;
    const memory = { kernels, precision, base, outputsAt } as const;
    const allTemplates = timed('aggregate', opts.onStage, () => aggregate(specs, grouping, source, detectorScores, opts, faces.names, mask, memory));
    try {
      for (const [k, spec] of specs.entries()) {
        const templates = allTemplates[k];
        const t0 = performance.now();
        const kind = scoreKindOf(spec);
        // simd scores are a view into the kernel memory, where the ROC reads them in place.
        const scores =
          method === 'simd'
            ? await scorePairsSimd(templates, kernelPairs!, kind, plan, kernels, base, dotHelper)
            : gemm
              ? await scorePairsGemm(templates, pairs, kind, plan, gemm)
              : scorePairsExact(templates as TemplateFeatures<Float64Array>, pairs, kind);
        opts.onStage?.(`score ${spec.name}`, performance.now() - t0);
        // Kept scores are copied out first: the kernel ROC consumes the simd scorer's in place.
        const kept = opts.keepScores !== false || opts.bootstrap ? (method === 'simd' ? scores.slice() : scores) : undefined;
        let sortedImpostorScores: ScoreVector | undefined;
        const result = timed(`roc ${spec.name}`, opts.onStage, () =>
          evaluateScores(spec.name, scores, pairs.labels, opts, opts.bootstrap ? (sorted) => (sortedImpostorScores = sorted.impostor) : undefined, { kernels, base }),
        );
        if (kept) result.scores = kept;
        if (opts.bootstrap) {
          const b = opts.bootstrap;
          const t1 = performance.now();
          const boot = await bootstrapParallel(
            { first: pairs.first, second: pairs.second, labels: pairs.labels, scores: result.scores!, sortedImpostorScores },
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
      featureDim: features.source.cols,
      flip: hasFlip,
      scoring: method,
      ...(bootInfo ? { bootstrap: bootInfo } : {}),
      results,
      warnings,
      ...(excluded ? { excluded } : {}),
    };
  } finally {
    helper?.close();
    features.close();
  }
}

/**
 * The run's kernel memory above the pair indices (which end at `pairsEnd`): the float32 templates of
 * every spec when the scorer is a float32 one (`outputsAt`), then the scratch of aggregation,
 * scoring and the ROC (`base`).
 */
function kernelLayout(pairsEnd: number, specCount: number, templateCount: number, dim: number, float32Templates: boolean): { outputsAt?: number; base: number } {
  const outputsAt = align16(pairsEnd);
  if (!float32Templates) return { base: outputsAt };
  return { outputsAt, base: outputsAt + templateBytes(specCount, templateCount, dim) };
}

function excludedMask(list: ArrayLike<number> | undefined, faceCount: number, facesFile: string): Uint8Array | undefined {
  if (!list || list.length === 0) return undefined;
  const mask = new Uint8Array(faceCount);
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    if (!Number.isInteger(i) || i < 0 || i >= faceCount) throw new DataError(`excluded face index ${i} is outside the ${faceCount} faces of ${facesFile}`);
    mask[i] = 1;
  }
  if (mask.every((v) => v === 1)) throw new DataError('every face is excluded: nothing to evaluate');
  return mask;
}

/** Pairs whose two templates still have faces, re-indexed to the reduced grouping. */
function pairsOfRemainingTemplates(all: TemplatePairs, allGrouping: TemplateGrouping, grouping: TemplateGrouping): { pairs: TemplatePairs; dropped: number; kept: Int32Array } {
  const lookup = templateIndexLookup(grouping.templateIds);
  const remap = Int32Array.from(allGrouping.templateIds, (id) => lookup(id));
  const keep: number[] = [];
  for (let k = 0; k < all.labels.length; k++) if (remap[all.first[k]] >= 0 && remap[all.second[k]] >= 0) keep.push(k);
  const pairs: TemplatePairs = {
    first: Int32Array.from(keep, (k) => remap[all.first[k]]),
    second: Int32Array.from(keep, (k) => remap[all.second[k]]),
    labels: Uint8Array.from(keep, (k) => all.labels[k]),
  };
  return { pairs, dropped: all.labels.length - keep.length, kept: Int32Array.from(keep) };
}

function aggregate(
  specs: AggregationSpec[],
  grouping: TemplateGrouping,
  source: FaceFeatureSource,
  detectorScores: Float32Array | undefined,
  opts: IjbOptions,
  names: string[],
  excluded: Uint8Array | undefined,
  memory: AggregationMemory,
): TemplateFeatures[] {
  try {
    return aggregateTemplates(grouping, source, detectorScores, specs, memory);
  } catch (e) {
    if (e instanceof ZeroNormFaceError) {
      const spec = specs.find((s) => s.kind === 'insightface' && !s.keepNorm)!;
      throw new DataError(
        `${opts.features}: row ${e.face + 1} (face '${names[e.face]}') has a zero feature vector; aggregation '${spec.name}' L2-normalises each face`,
        'use an aggregation that keeps the norm (magnitude, insightface) or remove the face',
      );
    }
    if (e instanceof NonFiniteSumError) {
      const usesFlip = source.hasFlip;
      locateNonFinite(source, opts.features, opts.flipFeatures, usesFlip, excluded);
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

/**
 * ROC, TAR@FAR under the chosen rule, AUC and EER of one score vector. Float32 scores (simd / gemm
 * scoring) go through the kernels when given: same numbers, reused memory.
 */
export function evaluateScores(
  aggregation: string,
  scores: ScoreVector,
  labels: Uint8Array,
  opts: Pick<IjbOptions, 'fars' | 'rule'>,
  /** Receives the sorted scores (the bootstrap reuses them instead of sorting again). */
  withSorted?: (sorted: SortedScores) => void,
  /** Kernel memory to work in, from `base`. */
  inKernels?: { kernels: Kernels; base: number },
): IjbAggregationResult {
  let sorted: SortedScores;
  let roc: RocCurve;
  if (inKernels && scores instanceof Float32Array) {
    ({ sorted, roc } = rocCurveInKernels(scores, labels, inKernels.kernels, true, inKernels.base));
    // The kernel's arrays are reused by the next aggregation: whoever keeps them gets copies.
    if (withSorted) withSorted({ genuine: sorted.genuine.slice(), impostor: sorted.impostor.slice() });
  } else {
    sorted = splitByLabel(scores, labels);
    withSorted?.(sorted);
    roc = rocCurve(sorted);
  }
  const eer = equalErrorRate(roc);
  return {
    aggregation,
    tarAtFar: opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far)),
    auc: areaUnderCurve(roc),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    curve: thinRocCurve(roc),
  };
}
