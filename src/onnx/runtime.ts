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

/**
 * The entries of a block of X·Xᵀ (rows [r0, r0 + R) × columns [c0, c0 + C) of one row-major float32
 * matrix X) whose value reaches a threshold, computed inside onnxruntime so that a block's dense
 * product never crosses into JavaScript: `rows[k]`, `cols[k]` (relative to r0, c0) for k < count,
 * row-major order. What is compared with the threshold is the caller's choice of graph:
 *
 * - `full`: Gemm(A, B, transB) → GreaterOrEqual → NonZero → Cast;
 * - `half-bound`: each row's first half, with the L2 norm of its second half (`tails`) appended as
 *   one more column, so that one Gemm of width dim/2 + 1 gives x₁·y₁ + ‖x₂‖‖y₂‖ — an upper bound of
 *   x·y (Cauchy–Schwarz) at half the cost — then GreaterOrEqual → NonZero → Cast.
 */
export interface ScreenedGemm {
  run(r0: number, rowCount: number, c0: number, colCount: number, threshold: number): Promise<{ rows: Int32Array; cols: Int32Array; count: number }>;
  release(): Promise<void>;
}

export async function createScreenedGemm(data: Float32Array, dim: number, mode: 'full' | 'half-bound', tails?: Float32Array, options: { arena?: boolean } = {}): Promise<ScreenedGemm> {
  const ort = await loadOrt();
  const screenNodes = [
    { opType: 'GreaterOrEqual', inputs: ['U', 'T'], outputs: ['M'] },
    { opType: 'NonZero', inputs: ['M'], outputs: ['I64'] },
    { opType: 'Cast', inputs: ['I64'], outputs: ['I'], attributes: { to: 6 } },
  ];
  const half = mode === 'half-bound';
  const model = encodeOnnxModel({
    name: `screened_gemm_${mode}`,
    nodes: half
      ? [
          { opType: 'Split', inputs: ['A'], outputs: ['A1', 'A2'], attributes: { axis: 1 } },
          { opType: 'Split', inputs: ['B'], outputs: ['B1', 'B2'], attributes: { axis: 1 } },
          { opType: 'Concat', inputs: ['A1', 'RA'], outputs: ['AA'], attributes: { axis: 1 } },
          { opType: 'Concat', inputs: ['B1', 'RB'], outputs: ['BB'], attributes: { axis: 1 } },
          { opType: 'Gemm', inputs: ['AA', 'BB'], outputs: ['U'], attributes: { transB: 1 } },
          ...screenNodes,
        ]
      : [{ opType: 'Gemm', inputs: ['A', 'B'], outputs: ['U'], attributes: { transB: 1 } }, ...screenNodes],
    inputs: [
      { name: 'A', elemType: 'float32', dims: ['M', dim] },
      { name: 'B', elemType: 'float32', dims: ['N', dim] },
      ...(half ? [{ name: 'RA', elemType: 'float32' as const, dims: ['M', 1] }, { name: 'RB', elemType: 'float32' as const, dims: ['N', 1] }] : []),
      { name: 'T', elemType: 'float32', dims: [] },
    ],
    outputs: [{ name: 'I', elemType: 'int32', dims: [2, 'nnz'] }],
  });
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    graphOptimizationLevel: 'all',
    // A session that runs rarely gives its buffers back instead of keeping an arena of its own.
    enableCpuMemArena: options.arena ?? true,
  });
  const rowsOf = (start: number, count: number) => new ort.Tensor('float32', data.subarray(start * dim, (start + count) * dim), [count, dim]);
  const tailsOf = (start: number, count: number) => new ort.Tensor('float32', tails!.subarray(start, start + count), [count, 1]);
  return {
    async run(r0, rowCount, c0, colCount, threshold) {
      const out = await session.run({
        A: rowsOf(r0, rowCount),
        B: rowsOf(c0, colCount),
        ...(half ? { RA: tailsOf(r0, rowCount), RB: tailsOf(c0, colCount) } : {}),
        T: new ort.Tensor('float32', Float32Array.of(threshold), []),
      });
      const index = out.I.data as Int32Array;
      const count = Number(out.I.dims[1]);
      return { rows: index.subarray(0, count), cols: index.subarray(count, 2 * count), count };
    },
    release: () => session.release(),
  };
}
