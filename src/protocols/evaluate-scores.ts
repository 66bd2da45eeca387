/**
 * One score vector → ROC, TAR@FAR under the chosen rule, AUC and EER; in-process or on a worker
 * thread (dist/roc-worker.js). The worker lets one aggregation's ROC (split, 15.6M-element sort,
 * curve walk) run on the second core while the main thread scores the next aggregation: at IJB-C
 * scale onnxruntime's Gemm gains little from a second thread on a 2-core machine.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel, type SortedScores } from '../metrics/roc.js';
import { tarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import type { ScoreVector } from '../scoring/pair-scores.js';
import type { IjbAggregationResult } from './ijb-1v1.js';

export interface EvaluateOptions {
  fars: number[];
  rule: TarRule;
}

/** ROC, TAR@FAR under the chosen rule, AUC and EER of one score vector. */
export function evaluateScores(
  aggregation: string,
  scores: ScoreVector,
  labels: Uint8Array,
  opts: EvaluateOptions,
  /** Receives the sorted scores (the bootstrap reuses them instead of sorting again). */
  withSorted?: (sorted: SortedScores) => void,
): IjbAggregationResult {
  const sorted = splitByLabel(scores, labels);
  withSorted?.(sorted);
  const roc = rocCurve(sorted);
  const eer = equalErrorRate(roc);
  return {
    aggregation,
    tarAtFar: opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far)),
    auc: areaUnderCurve(roc),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    roc,
    scores,
  };
}

export interface EvaluateTask {
  aggregation: string;
  scores: ScoreVector;
  labels: Uint8Array;
  opts: EvaluateOptions;
  keepSorted: boolean;
}

export interface Evaluated {
  result: IjbAggregationResult;
  /** The sorted scores, when asked for (keepSorted). */
  sorted?: SortedScores;
  /** Compute time, in ms, wherever it ran. */
  ms: number;
}

/** Runs a task and lists the buffers its reply can hand over without copying. */
export function runEvaluateTask(task: EvaluateTask): { reply: Evaluated; transfer: ArrayBuffer[] } {
  const t0 = performance.now();
  let sorted: SortedScores | undefined;
  const result = evaluateScores(task.aggregation, task.scores, task.labels, task.opts, task.keepSorted ? (s) => (sorted = s) : undefined);
  const { roc } = result;
  const arrays = [result.scores, roc.fpr, roc.tpr, roc.falseAccepts, roc.trueAccepts, roc.thresholds, ...(sorted ? [sorted.genuine, sorted.impostor] : [])];
  const transfer = [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
  return { reply: { result, sorted, ms: performance.now() - t0 }, transfer };
}

const WORKER_URL = new URL('./roc-worker.js', import.meta.url);

/**
 * `evaluateScores` on a worker thread for large vectors when the bundled worker exists (the CLI;
 * from the TypeScript sources, e.g. under vitest, it runs in-process). `task.scores` is handed over to the worker and
 * comes back in the result: do not use it meanwhile.
 */
export function evaluateScoresAsync(task: EvaluateTask): Promise<Evaluated> {
  // Small vectors are done before a worker would have started.
  if (task.scores.length < 1 << 20 || !existsSync(fileURLToPath(WORKER_URL))) return Promise.resolve(runEvaluateTask(task).reply);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL);
    worker.once('message', (reply: Evaluated) => {
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage(task, [task.scores.buffer as ArrayBuffer]);
  });
}
