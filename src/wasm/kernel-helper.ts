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
  /** Set once the thread has failed or exited: later tasks fail at once instead of waiting forever. */
  private dead: Error | undefined;

  static start(kernels: Kernels): KernelHelper | undefined {
    if (availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new KernelHelper(kernels);
  }

  private constructor(kernels: Kernels) {
    this.worker = new Worker(WORKER_URL);
    this.worker.on('message', () => this.pending.shift()?.resolve());
    const fail = (e: Error): void => {
      this.dead ??= e;
      for (const p of this.pending.splice(0)) p.reject(this.dead);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`kernel helper thread exited (${code})`)));
    // A failed start fails the tasks after it (see `dead`); callers then do the work themselves.
    this.post({ op: 'init', module: kernelModule(), memory: kernels.memory }).catch(() => {});
  }

  private post(task: HelperTask): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(task);
    });
  }

  /** Commits the pages of [from, to) (see touchPages), in the background: a speed-up only. */
  touch(from: number, to: number): void {
    this.post({ op: 'touch', from, to }).catch(() => {});
  }

  /** Resolves true when the helper computed them, false when it could not (the caller then does). */
  dotPairs(args: DotPairsArgs): Promise<boolean> {
    return this.post({ op: 'dot', args }).then(
      () => true,
      () => false,
    );
  }

  close(): void {
    void this.worker.terminate();
  }
}
