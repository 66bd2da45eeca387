/**
 * Stage 3 of the IJB pipeline, evaluate 1:1: one aggregation's pair scores (exact / simd / gemm),
 * its ROC, TAR@FAR under the chosen rule, AUC and EER, and the template bootstrap of TAR@FAR.
 */
import type { TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { scoreKindOf, type AggregationSpec } from '../aggregate/spec.js';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type RocCurve, type SortedScores } from '../metrics/roc.js';
import { rocCurveInKernels } from '../metrics/roc-kernel.js';
import { tarAtFar } from '../metrics/tar-at-far.js';
import { thinRocCurve } from '../metrics/thin-curve.js';
import type { GemmABt } from '../onnx/runtime.js';
import { scorePairsExact, scorePairsGemm, scorePairsSimd, type DenseBlockPlan, type ScoreVector } from '../scoring/pair-scores.js';
import type { KernelArena } from '../wasm/arena.js';
import type { KernelHelper } from '../wasm/kernel-helper.js';
import type { Kernels } from '../wasm/kernels.js';
import { bootstrapParallel } from './bootstrap-parallel.js';
import type { IjbAggregationResult, IjbOptions, IjbResult } from './ijb-types.js';
import type { VerificationPairs } from './ijb-load.js';
import { timed, timedAsync } from './stage-timer.js';

export interface VerificationContext {
  pairs: VerificationPairs;
  method: 'exact' | 'simd' | 'gemm';
  /** The gallery × probe block holding the pairs (simd lays its rows out by it, gemm multiplies it). */
  plan: DenseBlockPlan;
  /** simd scores and the ROC of float32 scores work in its scratch. */
  arena: KernelArena;
  helper?: KernelHelper;
  gemm?: GemmABt;
  options: Pick<IjbOptions, 'fars' | 'rule' | 'keepScores' | 'bootstrap' | 'onStage'>;
}

/** One aggregation's 1:1 result, and the bootstrap's settings when it ran. */
export async function evaluate1v1(ctx: VerificationContext, spec: AggregationSpec, templates: TemplateFeatures): Promise<{ result: IjbAggregationResult; bootstrap?: IjbResult['bootstrap'] }> {
  const { pairs, options } = ctx;
  const scores = await timedAsync(`score ${spec.name}`, options.onStage, () => scoreVerificationPairs(ctx, spec, templates));
  // Kept scores are copied out first: the kernel ROC consumes the simd scorer's in place.
  const kept = options.keepScores !== false || options.bootstrap ? (ctx.method === 'simd' ? scores.slice() : scores) : undefined;
  let sortedImpostorScores: ScoreVector | undefined;
  const keepSorted = options.bootstrap ? (sorted: SortedScores) => (sortedImpostorScores = sorted.impostor) : undefined;
  const result = timed(`roc ${spec.name}`, options.onStage, () => evaluateScores(spec.name, scores, pairs.pairs.labels, options, keepSorted, { kernels: ctx.arena.kernels, base: ctx.arena.scratch(0) }));
  if (kept) result.scores = kept;
  if (!options.bootstrap) return { result };
  const b = options.bootstrap;
  const { first, second, labels } = pairs.pairs;
  const boot = await timedAsync(`bootstrap ${spec.name} (${b.replicates} replicates)`, options.onStage, () =>
    bootstrapParallel(
      { first, second, labels, scores: result.scores!, sortedImpostorScores },
      { replicates: b.replicates, seed: b.seed, ci: b.ci, targets: options.fars, rule: options.rule },
      b.threads,
    ),
  );
  result.tarCi = boot.intervals;
  return { result, bootstrap: { replicates: boot.replicates, seed: boot.seed, ci: boot.ci, unit: boot.unit, strata: boot.strata } };
}

/** Pair scores in pair-file order; simd's are a view into the arena's scratch (read in place by the ROC). */
function scoreVerificationPairs(ctx: VerificationContext, spec: AggregationSpec, templates: TemplateFeatures): Promise<ScoreVector> | ScoreVector {
  const kind = scoreKindOf(spec);
  const { pairs, plan, arena } = ctx;
  if (ctx.method === 'simd') return scorePairsSimd(templates, pairs.inKernels, kind, plan, arena.kernels, arena.scratch(0), ctx.helper);
  if (ctx.method === 'gemm') return scorePairsGemm(templates, pairs.pairs, kind, plan, ctx.gemm!);
  return scorePairsExact(templates as TemplateFeatures<Float64Array>, pairs.pairs, kind);
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
