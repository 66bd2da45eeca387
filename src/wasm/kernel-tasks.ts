/** Kernel work that either thread runs: on the main thread directly, or in the kernel helper. */
import type { KernelExports } from './kernels.js';

export interface DotPairsArgs {
  rows: number;
  rowOf: number;
  colOf: number;
  first: number;
  second: number;
  indexBytes: 2 | 4;
  out: number;
  count: number;
  dim: number;
}

/**
 * dotPairs over `count` pairs in calls of 64k: V8 moves a WebAssembly function to optimised code
 * between calls, never during one, so one long call would run entirely in the baseline code.
 */
export function dotPairsChunked(k: KernelExports, a: DotPairsArgs): void {
  const CHUNK = 1 << 16;
  for (let p0 = 0; p0 < a.count; p0 += CHUNK) {
    const n = Math.min(CHUNK, a.count - p0);
    k.dotPairs(a.rows, a.rowOf, a.colOf, a.first + p0 * a.indexBytes, a.second + p0 * a.indexBytes, a.indexBytes, a.out + p0 * 4, n, a.dim);
  }
}

/**
 * Commits the pages of [from, to) without changing their contents (an atomic OR with 0 per 4 KiB
 * page), so that the thread that later fills them does not pay the page faults: on this project's
 * VMs first-touching memory costs ≈ 3–4 s per GiB.
 */
export function touchPages(memory: WebAssembly.Memory, from: number, to: number): void {
  const view = new Int32Array(memory.buffer);
  const end = Math.min(to, view.byteLength);
  for (let at = from - (from % 4096); at < end; at += 4096) Atomics.or(view, at / 4, 0); // not `>> 2`: offsets pass 2^31
}
