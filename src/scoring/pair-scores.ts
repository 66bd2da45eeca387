/**
 * Template features → one score per pair, in pair-file order.
 *
 * Three ways, same definition:
 * - `exact`: one float64 dot product per pair, summed pairwise as numpy does — bit-faithful to
 *   ijb_11.py's `np.sum(feat1 * feat2, -1)` up to its own summation order.
 * - `simd`: one float32 dot product per pair in the WebAssembly SIMD kernel (16 partial sums).
 *   Scores are float32 (error ~1e-7); the work is proportional to the pairs.
 * - `gemm`: one float32 matrix product per column chunk of the gallery × probe block that holds the
 *   pairs (onnxruntime's CPU Gemm). Its work is the whole block: it pays off only when the block is
 *   nearly full (IJB-C's is 22.6 % full, and `simd` is faster there).
 * `auto` picks `exact` for small pair sets, else `simd`, or `gemm` for a block over half full.
 */
import type { TemplatePairs } from '../io/ijb-meta.js';
import type { KernelPairs } from './kernel-pairs.js';
import type { ScoreKind } from '../aggregate/spec.js';
import type { TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { pairwiseSum } from '../numeric/numpy.js';
import { magfaceAngularScore } from '../numeric/torch.js';
import type { GemmABt } from '../onnx/runtime.js';
import { Kernels, align16 } from '../wasm/kernels.js';
import type { KernelHelper } from '../wasm/kernel-helper.js';
import { dotPairsChunked, type DotPairsArgs } from '../wasm/kernel-tasks.js';

export type ScoringMethod = 'auto' | 'exact' | 'simd' | 'gemm';
export const SCORING_METHODS: readonly ScoringMethod[] = ['auto', 'exact', 'simd', 'gemm'];

/** float64 from `exact`, float32 from `simd` and `gemm`. */
export type ScoreVector = Float64Array | Float32Array;

export function finishScore(kind: ScoreKind): (cos: number) => number {
  return kind === 'magface-angular' ? magfaceAngularScore : (cos) => cos;
}

/** Float64 dot product per pair, summed with numpy's pairwise order. */
export function scorePairsExact(t: TemplateFeatures<Float64Array>, pairs: TemplatePairs, kind: ScoreKind): Float64Array {
  const D = t.cols;
  const finish = finishScore(kind);
  const products = new Float64Array(D);
  const out = new Float64Array(pairs.labels.length);
  for (let p = 0; p < out.length; p++) {
    const a = pairs.first[p] * D;
    const b = pairs.second[p] * D;
    for (let j = 0; j < D; j++) products[j] = t.data[a + j] * t.data[b + j];
    out[p] = finish(pairwiseSum(products, 0, D));
  }
  return out;
}

/** The gallery × probe block that holds the pairs: distinct first and second templates. */
export interface DenseBlockPlan {
  /** Template index of each block row / column, in order of first appearance. */
  rows: Int32Array;
  cols: Int32Array;
  /** Per template index: its block row / column, or -1. */
  rowOf: Int32Array;
  colOf: Int32Array;
  /** pairs / (rows × cols). */
  density: number;
}

function distinct(ids: Uint16Array | Int32Array, templateCount: number): { values: Int32Array; positionOf: Int32Array } {
  const positionOf = new Int32Array(templateCount).fill(-1);
  const values: number[] = [];
  for (let p = 0; p < ids.length; p++) {
    if (positionOf[ids[p]] < 0) {
      positionOf[ids[p]] = values.length;
      values.push(ids[p]);
    }
  }
  return { values: Int32Array.from(values), positionOf };
}

export function planDenseBlock(pairs: TemplatePairs, templateCount: number): DenseBlockPlan {
  const r = distinct(pairs.first, templateCount);
  const c = distinct(pairs.second, templateCount);
  return {
    rows: r.values,
    cols: c.values,
    rowOf: r.positionOf,
    colOf: c.positionOf,
    density: pairs.labels.length / (r.values.length * c.values.length),
  };
}

/** Below this many pairs × dimensions `auto` scores exactly (float64): it is cheap there. */
export const FLOAT32_SCORING_MIN_WORK = 1 << 26;

/** `auto`: exact float64 while it is cheap; float32 beyond, by matrix product only for a nearly full block. */
export function chooseScoringMethod(method: ScoringMethod, pairCount: number, dim: number, plan: Pick<DenseBlockPlan, 'density'>): 'exact' | 'simd' | 'gemm' {
  if (method !== 'auto') return method;
  if (pairCount * dim < FLOAT32_SCORING_MIN_WORK) return 'exact';
  return plan.density >= 0.5 ? 'gemm' : 'simd';
}

/** Kernel memory that scorePairsSimd uses from `base` for `rowCount` block rows + columns. */
export function simdScoringBytes(pairCount: number, rowCount: number, templateCount: number, dim: number): number {
  return align16(pairCount * 4) + align16(rowCount * dim * 4) + 2 * align16(templateCount * 4);
}

/**
 * Float32 dot product per pair in the SIMD kernel, half of the pairs on the kernel helper's thread
 * when there is one. The kernel's copy of the features holds only the block's rows then its
 * columns, each in order of first appearance in the pair file: the gallery rows that every probe
 * revisits sit together (IJB-C: 7 MB instead of spread over 47), which keeps them in the caches and
 * the TLB. Returns a VIEW at `base` in the kernel memory (valid until the kernels are used again;
 * rocCurveInKernels reads it in place).
 */
export async function scorePairsSimd(
  t: TemplateFeatures,
  pairs: KernelPairs,
  kind: ScoreKind,
  plan: DenseBlockPlan,
  kernels: Kernels,
  base: number,
  helper?: KernelHelper,
): Promise<Float32Array> {
  const D = t.cols;
  const R = plan.rows.length;
  const C = plan.cols.length;
  const T = plan.rowOf.length;
  const n = pairs.count;
  const rowsAt = base + align16(n * 4);
  const rowOfAt = rowsAt + align16((R + C) * D * 4);
  const colOfAt = rowOfAt + align16(T * 4);
  kernels.ensureBytes(base + simdScoringBytes(n, R + C, T, D));
  const rows = kernels.f32(rowsAt, (R + C) * D);
  plan.rows.forEach((template, r) => rows.set(t.data.subarray(template * D, (template + 1) * D), r * D));
  plan.cols.forEach((template, c) => rows.set(t.data.subarray(template * D, (template + 1) * D), (R + c) * D));
  kernels.i32(rowOfAt, T).set(plan.rowOf);
  kernels.i32(colOfAt, T).set(plan.colOf.map((c) => R + c));
  const all: DotPairsArgs = { rows: rowsAt, rowOf: rowOfAt, colOf: colOfAt, ...pairs, out: base, dim: D };
  const mine = helper ? Math.ceil(n / 2) : n;
  const rest: DotPairsArgs = { ...all, first: all.first + mine * pairs.indexBytes, second: all.second + mine * pairs.indexBytes, out: base + mine * 4, count: n - mine };
  const helped = helper?.dotPairs(rest);
  dotPairsChunked(kernels.k, { ...all, count: mine });
  // A helper that died (it never should) leaves its half to this thread.
  if (helped && !(await helped)) dotPairsChunked(kernels.k, rest);
  const out = kernels.f32(base, n);
  if (kind === 'magface-angular') for (let p = 0; p < n; p++) out[p] = magfaceAngularScore(out[p]);
  return out;
}

export function gatherRowsFloat32(t: TemplateFeatures, indices: Int32Array, from: number, to: number): Float32Array {
  const D = t.cols;
  const out = new Float32Array((to - from) * D);
  for (let k = from; k < to; k++) {
    const o = indices[k] * D;
    for (let j = 0; j < D; j++) out[(k - from) * D + j] = t.data[o + j];
  }
  return out;
}

/** Scores every pair through float32 A·Bᵀ products over column chunks of the dense block. */
export async function scorePairsGemm(t: TemplateFeatures, pairs: TemplatePairs, kind: ScoreKind, plan: DenseBlockPlan, gemm: GemmABt): Promise<Float32Array> {
  const D = t.cols;
  const R = plan.rows.length;
  const C = plan.cols.length;
  const finish = finishScore(kind);
  // ~64 MB of output per product; a few passes over the pair list are cheaper than sorting it.
  const chunk = Math.max(256, Math.floor((1 << 24) / R));
  const a = gatherRowsFloat32(t, plan.rows, 0, R);
  const out = new Float32Array(pairs.labels.length);
  const { first, second } = pairs;
  const product = (c0: number): Promise<Float32Array> => gemm.run(a, R, gatherRowsFloat32(t, plan.cols, c0, Math.min(C, c0 + chunk)), Math.min(C, c0 + chunk) - c0, D);
  // Pipelined: the next chunk's product runs on onnxruntime's threads while this thread picks the
  // pair scores out of the current one.
  let pending = product(0);
  for (let c0 = 0; c0 < C; c0 += chunk) {
    const block = await pending;
    if (c0 + chunk < C) pending = product(c0 + chunk);
    const width = Math.min(C, c0 + chunk) - c0;
    for (let p = 0; p < out.length; p++) {
      const col = plan.colOf[second[p]] - c0;
      if (col >= 0 && col < width) out[p] = finish(block[plan.rowOf[first[p]] * width + col]);
    }
  }
  return out;
}
