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

/** One session with onnxruntime's intra-op threads on every core (`run` computes on the calling thread and those). */
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

/**
 * The entries of a block of X·Xᵀ (rows [r0, r0 + R) × columns [c0, c0 + C) of one row-major float32
 * matrix X) that reach a threshold — Gemm(A, B, transB) → GreaterOrEqual → NonZero → Cast in one
 * onnxruntime graph, so that a block's dense product never crosses into JavaScript: `rows[k]`,
 * `cols[k]` (relative to r0, c0) for k < count, row-major order.
 */
export interface ScreenedGemm {
  run(r0: number, rowCount: number, c0: number, colCount: number, threshold: number): Promise<{ rows: Int32Array; cols: Int32Array; count: number }>;
  release(): Promise<void>;
}

export async function createScreenedGemm(data: Float32Array, dim: number): Promise<ScreenedGemm> {
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
      { name: 'A', elemType: 'float32', dims: ['M', dim] },
      { name: 'B', elemType: 'float32', dims: ['N', dim] },
      { name: 'T', elemType: 'float32', dims: [] },
    ],
    outputs: [{ name: 'I', elemType: 'int32', dims: [2, 'nnz'] }],
  });
  const session = await createOrtSession(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    graphOptimizationLevel: 'all',
  });
  const rowsOf = (start: number, count: number) => new ort.Tensor('float32', data.subarray(start * dim, (start + count) * dim), [count, dim]);
  return {
    async run(r0, rowCount, c0, colCount, threshold) {
      const out = await session.run({ A: rowsOf(r0, rowCount), B: rowsOf(c0, colCount), T: new ort.Tensor('float32', Float32Array.of(threshold), []) });
      const index = out.I.data as Int32Array;
      const count = Number(out.I.dims[1]);
      return { rows: index.subarray(0, count), cols: index.subarray(count, 2 * count), count };
    },
    release: () => session.release(),
  };
}
