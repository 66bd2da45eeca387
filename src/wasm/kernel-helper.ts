/**
 * A second thread for the kernels (dist/kernel-worker.js), on the same shared memory: it scores
 * half of the pairs while the main thread scores the other half, and commits memory pages ahead of
 * use (`touch`) while the main thread reads and aggregates. Without the bundled worker file (running
 * from the TypeScript sources, e.g. under vitest) or with one CPU there is no helper and callers do
 * all the work on the main thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DotPairsArgs } from './kernel-tasks.js';
import type { HelperTask } from './kernel-worker.js';
import { kernelModule, type Kernels } from './kernels.js';

const WORKER_URL = new URL('./kernel-worker.js', import.meta.url);

export class KernelHelper {
  private readonly worker: Worker;
  private readonly pending: { resolve: () => void; reject: (e: Error) => void }[] = [];

  static start(kernels: Kernels): KernelHelper | undefined {
    if (availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new KernelHelper(kernels);
  }

  private constructor(kernels: Kernels) {
    this.worker = new Worker(WORKER_URL);
    this.worker.on('message', () => this.pending.shift()?.resolve());
    this.worker.on('error', (e) => {
      for (const p of this.pending.splice(0)) p.reject(e);
    });
    // A failed start surfaces through the next task's promise (the 'error' handler rejects them all).
    this.post({ op: 'init', module: kernelModule(), memory: kernels.memory }).catch(() => {});
  }

  private post(task: HelperTask): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(task);
    });
  }

  /** Commits the pages of [from, to) (see touchPages), in the background: a speed-up only. */
  touch(from: number, to: number): void {
    this.post({ op: 'touch', from, to }).catch(() => {});
  }

  dotPairs(args: DotPairsArgs): Promise<void> {
    return this.post({ op: 'dot', args });
  }

  close(): void {
    void this.worker.terminate();
  }
}
