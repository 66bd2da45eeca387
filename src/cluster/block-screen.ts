/**
 * Block screens for the neighbour pass (see neighbour-pass.ts `BlockScreen`): each returns every
 * pair of its block whose exact inner product reaches the threshold, and possibly more. A screen
 * computes in float32 and lowers the threshold by its own worst-case rounding error (γ_n·Σ|terms|
 * for a float32 sum of n terms, whatever the order: γ_n = n·2⁻²⁴/(1 − n·2⁻²⁴)), so nothing is missed.
 *
 * - `onnxBlockScreen` (default): one onnxruntime graph per block (runtime.ts `createScreenedGemm`).
 *   For an even dimension ≥ 64 it first compares the bound x₁·y₁ + ‖x₂‖‖y₂‖ (first halves, norms
 *   of the second halves: Cauchy–Schwarz) — half the multiply–adds of x·y. But every kept pair costs
 *   the pass an exact float64 product (~25 entries' worth of the block product), so the bound only
 *   pays while it keeps few pairs that x·y itself would not: every 32nd block (the first included)
 *   is screened both ways, and once those extra pairs exceed 1 % of the entries seen (features where
 *   many pairs of different people are similar) the screen uses x·y for the rest of the pass.
 * - `loopBlockScreen`: the full products summed in float32 by a plain loop (tiny sets, tests).
 */
import { createScreenedGemm } from '../onnx/runtime.js';
import { gamma } from './exact-products.js';
import type { BlockScreen, ScreenedPairs } from './neighbour-pass.js';

export interface OwnedBlockScreen {
  screen: BlockScreen;
  /** The graph the next block will use. */
  mode?(): 'full' | 'half-bound';
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

/** Kept entries above the diagonal (the pass reads only those; a face's own entry always passes). */
function keptAbove(kept: ScreenedPairs, r0: number, c0: number): number {
  let n = 0;
  for (let k = 0; k < kept.count; k++) if (c0 + kept.cols[k] > r0 + kept.rows[k]) n++;
  return n;
}

/** Entries of the block above the diagonal. */
function entriesAbove(r0: number, rowCount: number, c0: number, colCount: number): number {
  let n = 0;
  for (let r = 0; r < rowCount; r++) n += Math.max(0, colCount - Math.max(0, r0 + r + 1 - c0));
  return n;
}

/** Blocks between two comparisons of the bound with x·y. */
const SAMPLE_EVERY = 32;
/** Pairs kept by the bound but not by x·y, as a share of the entries compared, above which x·y is used. */
const MAX_EXTRA_KEPT = 0.01;

export async function onnxBlockScreen(data: Float32Array, rows: number, dim: number, mode: 'auto' | 'full' | 'half-bound' = 'auto'): Promise<OwnedBlockScreen> {
  // Σ|terms| ≤ ‖x‖‖y‖ for both graphs (for the bound: x₁·y₁ + ‖x₂‖‖y₂‖ ≤ ‖x‖‖y‖, Cauchy–Schwarz).
  const maxSq = maxSquaredNorm(data, rows, dim) * (1 + 2 ** -20);
  const canHalve = mode === 'half-bound' || (mode === 'auto' && dim % 2 === 0 && dim >= 64);
  // While the bound is in use, x·y runs only on the sampled blocks: no arena for it.
  const full = mode === 'half-bound' ? undefined : await createScreenedGemm(data, dim, 'full', undefined, { arena: !canHalve });
  let half = canHalve ? await createScreenedGemm(data, dim, 'half-bound', tailNorms(data, rows, dim)) : undefined;
  const fullMargin = gamma(dim, 2 ** -24) * maxSq;
  const halfMargin = gamma(dim / 2 + 1, 2 ** -24) * maxSq;
  let blocks = 0, extra = 0, compared = 0;
  return {
    async screen(r0, rowCount, c0, colCount, threshold) {
      const runFull = () => full!.run(r0, rowCount, c0, colCount, float32AtMost(threshold - fullMargin));
      if (!half) return runFull();
      const kept = await half.run(r0, rowCount, c0, colCount, float32AtMost(threshold - halfMargin));
      if (mode === 'auto' && blocks++ % SAMPLE_EVERY === 0) {
        extra += keptAbove(kept, r0, c0) - keptAbove(await runFull(), r0, c0);
        compared += entriesAbove(r0, rowCount, c0, colCount);
        if (extra > MAX_EXTRA_KEPT * compared) {
          await half.release();
          half = undefined;
        }
      }
      return kept;
    },
    mode: () => (half ? 'half-bound' : 'full'),
    async release() {
      await full?.release();
      await half?.release();
    },
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
