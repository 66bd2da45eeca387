/** Worker thread (bundled to dist/roc-worker.js): evaluates one score vector, see evaluate-scores.ts. */
import { parentPort } from 'node:worker_threads';
import { runEvaluateTask, type EvaluateTask } from './evaluate-scores.js';

parentPort!.on('message', (task: EvaluateTask) => {
  const { reply, transfer } = runEvaluateTask(task);
  parentPort!.postMessage(reply, transfer);
});
