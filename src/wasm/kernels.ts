/**
 * The SIMD kernels of kernels.wat behind a small typed wrapper. One `Kernels` owns one shared
 * WebAssembly memory: callers lay out their arrays in it (byte offsets), call the kernels, and read
 * results through views. Views taken before a growth keep their old length, so callers size it once per
 * phase (`ensureBytes`) and take views afterwards. A `KernelHelper` (kernel-helper.ts) runs the same
 * kernels on the same memory from a second thread.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

export interface KernelExports {
  add2(dst: number, a: number, b: number, n: number): void;
  addInto(dst: number, src: number, n: number): void;
  addScaled(dst: number, src: number, divisor: number, scale: number, n: number): void;
  sumOfSquares(p: number, n: number): number;
  normaliseRow(src: number, dst: number, n: number, dstF64: number): number;
  rowStats(p: number, n: number, m: number, cut: number, out: number): void;
  dotPairs(rows: number, rowOf: number, colOf: number, first: number, second: number, indexBytes: number, out: number, n: number, dim: number): void;
  splitScores(scores: number, labels: number, n: number, genuine: number, keys: number, hist: number): number;
  sortKeysDescending(keys: number, tmp: number, n: number, hist: number): void;
  parsePairLines(buf: number, len: number, table: number, tableLen: number, first: number, second: number, labels: number, indexBytes: number, at: number): number;
  rocVertices(g: number, P: number, i: number, N: number, drop: number, write: number, tp: number, fp: number, thr: number, fpr: number, tpr: number): number;
}

let compiled: WebAssembly.Module | undefined;

export function kernelModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64')));
}

export function instantiateKernels(memory: WebAssembly.Memory, module = kernelModule()): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: wasm32's limit; only the pages in use are committed

export class Kernels {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  readonly k: KernelExports = instantiateKernels(this.memory);
  /** Every buffer object the memory has had: each growth gives a new one over the same bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>([this.memory.buffer]);

  /**
   * Grows the memory to at least `bytes` (never shrinks). Views taken before keep their contents
   * (the memory is shared) but not the new length: take new views afterwards.
   */
  ensureBytes(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > MAX_PAGES * PAGE) {
      throw new Error(`the kernels would need ${(bytes / 2 ** 30).toFixed(1)} GiB of memory, beyond WebAssembly's 4 GiB`);
    }
    if (bytes > have) {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      this.buffers.add(this.memory.buffer);
    }
  }

  /** Whether `view` lies in this memory (taken before or after a growth). */
  owns(view: ArrayBufferView): boolean {
    return this.buffers.has(view.buffer);
  }

  f32(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, length);
  }

  i32(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, byteOffset, length);
  }

  u16(byteOffset: number, length: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, byteOffset, length);
  }

  u8(byteOffset: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, byteOffset, length);
  }

  f64(byteOffset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, byteOffset, length);
  }
}

/** Rounds a byte offset up to 16 (v128 alignment keeps the loads on one cache line more often). */
export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;
