/**
 * Runs the template bootstrap (metrics/bootstrap.ts) on several threads. Replicate r always draws
 * from the random stream (seed, r), so the result is identical for any number of threads.
 * The main thread prepares the sorted data once, keeps a share of the replicates for itself and
 * hands the other ranges to worker threads (dist/bootstrap-worker.js, copied data: ~2 bytes per
 * impostor pair plus the top-impostor list). Without the bundled worker file (running from the
 * TypeScript sources, e.g. under vitest) it runs on one thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  percentileIntervals,
  prepareBootstrap,
  replicateData,
  runReplicates,
  type BootstrapInput,
  type BootstrapOptions,
  type BootstrapResult,
} from '../metrics/bootstrap.js';
import type { WorkerReply, WorkerTask } from './bootstrap-worker.js';

const WORKER_URL = new URL('./bootstrap-worker.js', import.meta.url);

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export async function bootstrapParallel(input: BootstrapInput, opts: BootstrapOptions, threads = defaultThreads()): Promise<BootstrapResult> {
  const prep = prepareBootstrap(input, opts);
  const R = opts.replicates;
  const workerCount = existsSync(fileURLToPath(WORKER_URL)) ? Math.min(threads, R) - 1 : 0;
  const chunk = Math.ceil(R / (workerCount + 1));
  const ranges = Array.from({ length: workerCount + 1 }, (_, k) => [k * chunk, Math.min(R, (k + 1) * chunk)] as const).filter(([a, b]) => b > a);
  const ropts = { seed: opts.seed, targets: opts.targets, rule: opts.rule };
  const data = replicateData(prep);
  const pending = ranges.slice(1).map(([from, to]) => runInWorker({ data, opts: ropts, from, to }));
  const values = opts.targets.map(() => new Float64Array(R));
  const [from0, to0] = ranges[0];
  runReplicates(prep, ropts, from0, to0).forEach((v, t) => values[t].set(v, from0));
  const replies = await Promise.all(pending);
  const short: number[] = [];
  replies.forEach((reply, k) => {
    const from = ranges[k + 1][0];
    reply.values.forEach((v, t) => values[t].set(v, from));
    short.push(...reply.short);
  });
  // Replicates a worker could not finish (its copy of the top-impostor list was too short).
  for (const r of short) runReplicates(prep, ropts, r, r + 1).forEach((v, t) => (values[t][r] = v[0]));
  return { unit: 'template', strata: prep.strata.kind, replicates: R, seed: opts.seed, ci: opts.ci, intervals: percentileIntervals(values, opts.ci), values };
}

function runInWorker(task: WorkerTask): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL);
    worker.once('message', (reply: WorkerReply) => {
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage(task);
  });
}
