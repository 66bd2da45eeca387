/**
 * The one module that imports onnxruntime-node (lazily, so `--help` and the pure paths start fast
 * and keep working where its native binding cannot load). Everything else asks it for sessions or
 * for the dense matrix product used to score pair blocks.
 */
import { availableParallelism } from 'node:os';
import { encodeOnnxModel } from './onnx-writer.js';

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;

export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

export async function ortVersion(): Promise<string> {
  const ort = await loadOrt();
  return (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown';
}

/** C[i, j] = Σ_k A[i, k]·B[j, k] (A·Bᵀ), float32, on onnxruntime's CPU Gemm kernel. */
export interface GemmABt {
  run(a: Float32Array, aRows: number, b: Float32Array, bRows: number, cols: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function createGemmABt(): Promise<GemmABt> {
  const ort = await loadOrt();
  const model = encodeOnnxModel({
    name: 'gemm_abt',
    nodes: [{ opType: 'Gemm', inputs: ['A', 'B'], outputs: ['C'], attributes: { transB: 1 } }],
    inputs: [
      { name: 'A', elemType: 'float32', dims: ['M', 'K'] },
      { name: 'B', elemType: 'float32', dims: ['N', 'K'] },
    ],
    outputs: [{ name: 'C', elemType: 'float32', dims: ['M', 'N'] }],
  });
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    graphOptimizationLevel: 'all',
  });
  return {
    async run(a, aRows, b, bRows, cols) {
      const out = await session.run({
        A: new ort.Tensor('float32', a, [aRows, cols]),
        B: new ort.Tensor('float32', b, [bRows, cols]),
      });
      return out.C.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * The entries of A·Bᵀ that reach a threshold, computed inside onnxruntime (Gemm → GreaterOrEqual →
 * NonZero → Cast), so that a block's dense product never crosses into JavaScript: `rows[k]`,
 * `cols[k]` for k < count, in row-major order.
 */
export interface ScreenedGemm {
  run(a: Float32Array, aRows: number, b: Float32Array, bRows: number, cols: number, threshold: number): Promise<{ rows: Int32Array; cols: Int32Array; count: number }>;
  release(): Promise<void>;
}

export async function createScreenedGemm(): Promise<ScreenedGemm> {
  const ort = await loadOrt();
  const model = encodeOnnxModel({
    name: 'screened_gemm_abt',
    nodes: [
      { opType: 'Gemm', inputs: ['A', 'B'], outputs: ['C'], attributes: { transB: 1 } },
      { opType: 'GreaterOrEqual', inputs: ['C', 'T'], outputs: ['M'] },
      { opType: 'NonZero', inputs: ['M'], outputs: ['I64'] },
      { opType: 'Cast', inputs: ['I64'], outputs: ['I'], attributes: { to: 6 } },
    ],
    inputs: [
      { name: 'A', elemType: 'float32', dims: ['M', 'K'] },
      { name: 'B', elemType: 'float32', dims: ['N', 'K'] },
      { name: 'T', elemType: 'float32', dims: [] },
    ],
    outputs: [{ name: 'I', elemType: 'int32', dims: [2, 'nnz'] }],
  });
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    graphOptimizationLevel: 'all',
    // No arena: a block's product and mask are freed after each run instead of held (peak memory).
    enableCpuMemArena: false,
  });
  return {
    async run(a, aRows, b, bRows, cols, threshold) {
      const out = await session.run({
        A: new ort.Tensor('float32', a, [aRows, cols]),
        B: new ort.Tensor('float32', b, [bRows, cols]),
        T: new ort.Tensor('float32', Float32Array.of(threshold), []),
      });
      const index = out.I.data as Int32Array;
      const count = Number(out.I.dims[1]);
      return { rows: index.subarray(0, count), cols: index.subarray(count, 2 * count), count };
    },
    release: () => session.release(),
  };
}
