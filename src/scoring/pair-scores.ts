/**
 * Template features → one score per pair, in pair-file order.
 *
 * Two ways, same definition:
 * - `exact`: one float64 dot product per pair, summed pairwise as numpy does — bit-faithful to
 *   ijb_11.py's `np.sum(feat1 * feat2, -1)`.
 * - `gemm`: the IJB pairs form a dense gallery × probe block (IJB-C: 3.5k × 19.6k templates hold
 *   its 15.66M pairs), so one float32 matrix product per column chunk (onnxruntime's CPU Gemm)
 *   replaces millions of gathered dot products. Scores then carry float32 rounding (~1e-7).
 * `auto` picks `gemm` for large, dense pair sets.
 */
import type { TemplatePairs } from '../io/ijb-meta.js';
import type { ScoreKind } from '../aggregate/spec.js';
import type { TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { pairwiseSum } from '../aggregate/numpy-sum.js';
import type { GemmABt } from '../onnx/runtime.js';

export type ScoringMethod = 'auto' | 'exact' | 'gemm';
export const SCORING_METHODS: readonly ScoringMethod[] = ['auto', 'exact', 'gemm'];

const fround = Math.fround;
const FLOAT32_PI = fround(Math.PI);

/**
 * MagFace eval_ijb.py's score from a cosine, in float32 as torch computes it:
 * 1 − acos(clamp(cos, −1, 1)) / π.
 */
export function magfaceAngularScore(cos: number): number {
  const c = Math.min(1, Math.max(-1, fround(cos)));
  return fround(1 - fround(fround(Math.acos(c)) / FLOAT32_PI));
}

function finishScore(kind: ScoreKind): (cos: number) => number {
  return kind === 'magface-angular' ? magfaceAngularScore : (cos) => cos;
}

/** Float64 dot product per pair, summed with numpy's pairwise order. */
export function scorePairsExact(t: TemplateFeatures, pairs: TemplatePairs, kind: ScoreKind): Float64Array {
  const D = t.cols;
  const finish = finishScore(kind);
  const products = new Float64Array(D);
  const out = new Float64Array(pairs.labels.length);
  for (let p = 0; p < out.length; p++) {
    const a = pairs.first[p] * D;
    const b = pairs.second[p] * D;
    for (let j = 0; j < D; j++) products[j] = t.data[a + j] * t.data[b + j];
    out[p] = finish(pairwiseSum(products, 0, D, false));
  }
  return out;
}

/** The gallery × probe block that holds the pairs: distinct first and second templates. */
export interface DenseBlockPlan {
  /** Template index of each block row / column. */
  rows: Int32Array;
  cols: Int32Array;
  /** Per pair: its row and column in the block. */
  rowOfPair: Int32Array;
  colOfPair: Int32Array;
  /** pairs / (rows × cols). */
  density: number;
}

function distinctPositions(ids: Int32Array, templateCount: number): { values: Int32Array; positionOf: Int32Array } {
  const seen = new Int32Array(templateCount).fill(-1);
  const values: number[] = [];
  const positionOf = new Int32Array(ids.length);
  for (let p = 0; p < ids.length; p++) {
    let pos = seen[ids[p]];
    if (pos < 0) {
      pos = seen[ids[p]] = values.length;
      values.push(ids[p]);
    }
    positionOf[p] = pos;
  }
  return { values: Int32Array.from(values), positionOf };
}

export function planDenseBlock(pairs: TemplatePairs, templateCount: number): DenseBlockPlan {
  const r = distinctPositions(pairs.first, templateCount);
  const c = distinctPositions(pairs.second, templateCount);
  return {
    rows: r.values,
    cols: c.values,
    rowOfPair: r.positionOf,
    colOfPair: c.positionOf,
    density: pairs.labels.length / (r.values.length * c.values.length),
  };
}

/** `auto`: GEMM when the work is large enough to matter and the block is not mostly empty. */
export function chooseScoringMethod(method: ScoringMethod, pairCount: number, dim: number, plan: DenseBlockPlan): 'exact' | 'gemm' {
  if (method !== 'auto') return method;
  return pairCount * dim >= 1 << 26 && plan.density >= 0.05 ? 'gemm' : 'exact';
}

function gatherRowsFloat32(t: TemplateFeatures, indices: Int32Array, from: number, to: number): Float32Array {
  const D = t.cols;
  const out = new Float32Array((to - from) * D);
  for (let k = from; k < to; k++) out.set(t.data.subarray(indices[k] * D, indices[k] * D + D), (k - from) * D);
  return out;
}

/** Scores every pair through float32 A·Bᵀ products over column chunks of the dense block. */
export async function scorePairsGemm(t: TemplateFeatures, pairs: TemplatePairs, kind: ScoreKind, plan: DenseBlockPlan, gemm: GemmABt): Promise<Float64Array> {
  const D = t.cols;
  const R = plan.rows.length;
  const C = plan.cols.length;
  const finish = finishScore(kind);
  const chunk = Math.max(256, Math.floor((1 << 24) / R));
  const chunkCount = Math.ceil(C / chunk);
  // Pairs grouped by column chunk (counting sort keeps pair order within a chunk).
  const start = new Int32Array(chunkCount + 1);
  for (let p = 0; p < plan.colOfPair.length; p++) start[Math.floor(plan.colOfPair[p] / chunk) + 1]++;
  for (let k = 0; k < chunkCount; k++) start[k + 1] += start[k];
  const byChunk = new Int32Array(plan.colOfPair.length);
  const fill = start.slice(0, chunkCount);
  for (let p = 0; p < plan.colOfPair.length; p++) byChunk[fill[Math.floor(plan.colOfPair[p] / chunk)]++] = p;

  const a = gatherRowsFloat32(t, plan.rows, 0, R);
  const out = new Float64Array(pairs.labels.length);
  for (let k = 0; k < chunkCount; k++) {
    const c0 = k * chunk;
    const c1 = Math.min(C, c0 + chunk);
    const width = c1 - c0;
    const block = await gemm.run(a, R, gatherRowsFloat32(t, plan.cols, c0, c1), width, D);
    for (let q = start[k]; q < start[k + 1]; q++) {
      const p = byChunk[q];
      out[p] = finish(block[plan.rowOfPair[p] * width + (plan.colOfPair[p] - c0)]);
    }
  }
  return out;
}
