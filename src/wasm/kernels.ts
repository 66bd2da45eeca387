/**
 * The SIMD kernels of kernels.wat behind a small typed wrapper. One `Kernels` owns one WebAssembly
 * memory: callers lay out their arrays in it (byte offsets), call the kernels, and read results
 * through views. Growing the memory detaches earlier views, so callers size it once per phase
 * (`ensureBytes`) and take views afterwards.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  add2(dst: number, a: number, b: number, n: number): void;
  addInto(dst: number, src: number, n: number): void;
  addScaled(dst: number, src: number, divisor: number, scale: number, n: number): void;
  sumOfSquares(p: number, n: number): number;
  dotPairs(rows: number, rowOf: number, colOf: number, first: number, second: number, out: number, n: number, dim: number): void;
}

let compiled: WebAssembly.Module | undefined;

const PAGE = 65536;

export class Kernels {
  readonly k: KernelExports;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    this.k = new WebAssembly.Instance(compiled).exports as unknown as KernelExports;
  }

  /** Grows the memory to at least `bytes` (never shrinks). Views taken before may be detached. */
  ensureBytes(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  f32(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, byteOffset, length);
  }

  i32(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, byteOffset, length);
  }
}

/** Rounds a byte offset up to 16 (v128 alignment keeps the loads on one cache line more often). */
export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;
