/**
 * Block screens for the neighbour pass: onnxruntime's CPU Gemm with the threshold and NonZero in
 * the same graph (the default), and a plain float32 loop for tiny sets and tests.
 */
import { createScreenedGemm } from '../onnx/runtime.js';
import type { BlockScreen, ScreenedPairs } from './neighbour-pass.js';

export interface OwnedBlockScreen {
  screen: BlockScreen;
  release(): Promise<void>;
}

export async function onnxBlockScreen(): Promise<OwnedBlockScreen> {
  const gemm = await createScreenedGemm();
  return { screen: (a, aRows, b, bRows, dim, threshold) => gemm.run(a, aRows, b, bRows, dim, threshold), release: () => gemm.release() };
}

/** Estimates summed in float32 in index order, then the threshold. */
export const loopBlockScreen: BlockScreen = async (a, aRows, b, bRows, dim, threshold) => {
  const rows: number[] = [], cols: number[] = [];
  for (let i = 0; i < aRows; i++) {
    for (let j = 0; j < bRows; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s = Math.fround(s + Math.fround(a[i * dim + d] * b[j * dim + d]));
      if (s >= threshold) {
        rows.push(i);
        cols.push(j);
      }
    }
  }
  return { rows: Int32Array.from(rows), cols: Int32Array.from(cols), count: rows.length } satisfies ScreenedPairs;
};
