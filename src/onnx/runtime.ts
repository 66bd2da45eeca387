/**
 * The one module that imports onnxruntime-node (lazily, so `--help` and the pure paths start fast
 * and keep working where its native binding cannot load). Everything else asks it for sessions or
 * for the dense matrix product used to score pair blocks.
 */
import { rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOnnxModel } from './onnx-writer.js';

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;

export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

/**
 * `InferenceSession.create`, then the removal of the empty `mat-debug-<pid>.log` that onnxruntime's
 * telemetry layer (PAL) creates in the temp folder with the first session of every process.
 */
export async function createOrtSession(model: Uint8Array, options: import('onnxruntime-node').InferenceSession.SessionOptions): Promise<import('onnxruntime-node').InferenceSession> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(model, options);
  const log = join(tmpdir(), `mat-debug-${process.pid}.log`);
  try {
    if (statSync(log).size === 0) rmSync(log);
  } catch {
    // Not there (a later session of this process): nothing to remove.
  }
  return session;
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
  const session = await createOrtSession(model, {
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
