/**
 * Worker thread of the parallel bootstrap (bundled to dist/bootstrap-worker.js): runs a range of
 * replicates on the replicate data it receives and posts back their TAR values.
 */
import { parentPort } from 'node:worker_threads';
import { runReplicates, type BootstrapOptions, type ReplicateData } from '../metrics/bootstrap.js';

export interface WorkerTask {
  data: ReplicateData;
  opts: Pick<BootstrapOptions, 'seed' | 'targets' | 'rule'>;
  from: number;
  to: number;
}

export interface WorkerReply {
  values: Float64Array[];
  /** Replicates the top-impostor list was too short for (recomputed by the main thread). */
  short: number[];
}

parentPort?.on('message', (task: WorkerTask) => {
  const short: number[] = [];
  const values = runReplicates(task.data, task.opts, task.from, task.to, short);
  const reply: WorkerReply = { values, short };
  parentPort!.postMessage(reply, values.map((v) => v.buffer as ArrayBuffer));
});
