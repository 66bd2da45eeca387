/**
 * Block screens for the neighbour pass (see neighbour-pass.ts `BlockScreen`): each returns every
 * pair of its block whose exact inner product reaches the threshold, and possibly more. A screen
 * computes in float32 and lowers the threshold by its own worst-case rounding error (γ_n·Σ|terms|
 * for a float32 sum of n terms, whatever the order: γ_n = n·2⁻²⁴/(1 − n·2⁻²⁴)), so nothing is missed.
 *
 * - `onnxBlockScreen` (default): one onnxruntime graph per block (runtime.ts `createScreenedGemm`).
 *   For an even dimension ≥ 64 it compares the bound x₁·y₁ + ‖x₂‖‖y₂‖ (first halves, norms of the
 *   second halves: Cauchy–Schwarz) — half the multiply–adds of x·y; the pass then decides the kept
 *   pairs exactly. Where most pairs are far below the threshold (faces of different people), few
 *   more pairs pass the bound than would pass x·y itself.
 * - `loopBlockScreen`: the full products summed in float32 by a plain loop (tiny sets, tests).
 */
import { createScreenedGemm } from '../onnx/runtime.js';
import { gamma } from './exact-products.js';
import type { BlockScreen, ScreenedPairs } from './neighbour-pass.js';

export interface OwnedBlockScreen {
  screen: BlockScreen;
  release(): Promise<void>;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The largest float32 ≤ x (x finite). */
export function float32AtMost(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  F32[0] = f;
  if (f === 0) return -(2 ** -149);
  U32[0] += f > 0 ? -1 : 1;
  return F32[0];
}

/** The smallest float32 ≥ x (x ≥ 0, finite). */
function float32AtLeast(x: number): number {
  const f = Math.fround(x);
  if (f >= x) return f;
  F32[0] = f;
  U32[0] += 1;
  return F32[0];
}

/** The largest squared row norm of `data` ([rows, dim]). */
function maxSquaredNorm(data: Float32Array, rows: number, dim: number): number {
  let max = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let d = i * dim, end = d + dim; d < end; d++) s += data[d] * data[d];
    if (s > max) max = s;
  }
  return max;
}

/** Element i: ‖second half of row i‖, rounded up to float32 (so the bound stays a bound). */
function tailNorms(data: Float32Array, rows: number, dim: number): Float32Array {
  const h = dim / 2;
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let d = i * dim + h, end = (i + 1) * dim; d < end; d++) s += data[d] * data[d];
    out[i] = float32AtLeast(Math.sqrt(s) * (1 + 2 ** -50));
  }
  return out;
}

export async function onnxBlockScreen(data: Float32Array, rows: number, dim: number, mode: 'auto' | 'full' | 'half-bound' = 'auto'): Promise<OwnedBlockScreen> {
  const half = mode === 'half-bound' || (mode === 'auto' && dim % 2 === 0 && dim >= 64);
  const gemm = await createScreenedGemm(data, dim, half ? 'half-bound' : 'full', half ? tailNorms(data, rows, dim) : undefined);
  // Σ|terms| ≤ ‖x‖‖y‖ for both graphs (for the bound: x₁·y₁ + ‖x₂‖‖y₂‖ ≤ ‖x‖‖y‖, Cauchy–Schwarz).
  const margin = gamma(half ? dim / 2 + 1 : dim, 2 ** -24) * maxSquaredNorm(data, rows, dim) * (1 + 2 ** -20);
  return {
    screen: (r0, rowCount, c0, colCount, threshold) => gemm.run(r0, rowCount, c0, colCount, float32AtMost(threshold - margin)),
    release: () => gemm.release(),
  };
}

/** Full products summed in float32 in index order, threshold lowered by their error bound. */
export function loopBlockScreen(data: Float32Array, rows: number, dim: number): BlockScreen {
  const margin = gamma(dim, 2 ** -24) * maxSquaredNorm(data, rows, dim) * (1 + 2 ** -20);
  return async (r0, rowCount, c0, colCount, threshold) => {
    const out: ScreenedPairs = { rows: new Int32Array(rowCount * colCount), cols: new Int32Array(rowCount * colCount), count: 0 };
    for (let r = 0; r < rowCount; r++) {
      for (let c = 0; c < colCount; c++) {
        let s = 0;
        for (let d = 0, a = (r0 + r) * dim, b = (c0 + c) * dim; d < dim; d++) s = Math.fround(s + Math.fround(data[a + d] * data[b + d]));
        if (s >= threshold - margin) {
          out.rows[out.count] = r;
          out.cols[out.count++] = c;
        }
      }
    }
    return out;
  };
}
