/**
 * Matrix products for the neighbour pass: onnxruntime's CPU Gemm (the default: ~50× a JavaScript
 * loop on 512-d features, see docs/cluster.md) and a plain loop for tiny sets and tests.
 */
import { createGemmABt } from '../onnx/runtime.js';
import type { BlockProduct } from './neighbour-pass.js';

export interface OwnedBlockProduct {
  product: BlockProduct;
  release(): Promise<void>;
}

export async function onnxBlockProduct(): Promise<OwnedBlockProduct> {
  const gemm = await createGemmABt();
  return { product: (a, aRows, b, bRows, dim) => gemm.run(a, aRows, b, bRows, dim), release: () => gemm.release() };
}

/** C[i, j] = Σ a[i, d]·b[j, d], summed in float32 in index order. */
export const loopBlockProduct: BlockProduct = async (a, aRows, b, bRows, dim) => {
  const out = new Float32Array(aRows * bRows);
  for (let i = 0; i < aRows; i++) {
    for (let j = 0; j < bRows; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s = Math.fround(s + Math.fround(a[i * dim + d] * b[j * dim + d]));
      out[i * bRows + j] = s;
    }
  }
  return out;
};
