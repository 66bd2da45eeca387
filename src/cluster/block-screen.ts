/**
 * Block screens for the neighbour pass (see neighbour-pass.ts `BlockScreen`): each returns every
 * pair of its block whose exact inner product reaches the threshold, and possibly more. A screen
 * computes in float32 and lowers the threshold by its own worst-case rounding error (γ_n·Σ|terms|
 * for a float32 sum of n terms, whatever the order: γ_n = n·2⁻²⁴/(1 − n·2⁻²⁴)), so nothing is missed.
 *
 * - `onnxBlockScreen` (default): one onnxruntime graph per block (runtime.ts `createScreenedGemm`).
 * - `loopBlockScreen`: the products summed in float32 by a plain loop (tiny sets, tests).
 *
 * (Tried and dropped: screening with the cheaper bound x₁·y₁ + ‖x₂‖‖y₂‖ — one Gemm of width d/2 + 1.
 * On the 68k × 512 benchmark it kept 8.7M pairs instead of 3.9M, and the extra exact products
 * (~1.3 µs each in JavaScript) cost more than the Gemm saved: 38.8 s of CPU against 36.6 s.)
 */
import { createScreenedGemm } from '../onnx/runtime.js';
import { float32Neighbour, gamma, squaredNorm64 } from './exact-products.js';
import type { BlockScreen, ScreenedPairs } from './neighbour-pass.js';

export interface OwnedBlockScreen {
  screen: BlockScreen;
  release(): Promise<void>;
}

/** The largest float32 ≤ x (x finite). */
function float32AtMost(x: number): number {
  const f = Math.fround(x);
  return f <= x ? f : float32Neighbour(f, false);
}

/** The threshold lowering that covers a float32 product's rounding: γ_dim·max‖x‖² (Σ|xᵢyᵢ| ≤ ‖x‖‖y‖). */
function productMargin(data: Float32Array, rows: number, dim: number): number {
  let maxSq = 0;
  for (let i = 0; i < rows; i++) maxSq = Math.max(maxSq, squaredNorm64(data, i, dim));
  return gamma(dim, 2 ** -24) * maxSq * (1 + 2 ** -20);
}

export async function onnxBlockScreen(data: Float32Array, rows: number, dim: number): Promise<OwnedBlockScreen> {
  const gemm = await createScreenedGemm(data, dim);
  const margin = productMargin(data, rows, dim);
  return {
    screen: (r0, rowCount, c0, colCount, threshold) => gemm.run(r0, rowCount, c0, colCount, float32AtMost(threshold - margin)),
    release: () => gemm.release(),
  };
}

/** Products summed in float32 in index order, threshold lowered by their error bound. */
export function loopBlockScreen(data: Float32Array, rows: number, dim: number): BlockScreen {
  const margin = productMargin(data, rows, dim);
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
