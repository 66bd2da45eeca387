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
