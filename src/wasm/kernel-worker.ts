/**
 * The kernel helper's thread (bundled as dist/kernel-worker.js): the same kernels on the same
 * shared memory as the main thread. Tasks run in order, each answered with one message.
 */
import { parentPort } from 'node:worker_threads';
import { dotPairsChunked, touchPages, type DotPairsArgs } from './kernel-tasks.js';
import { instantiateKernels, type KernelExports } from './kernels.js';

export type HelperTask =
  | { op: 'init'; module: WebAssembly.Module; memory: WebAssembly.Memory }
  | { op: 'touch'; from: number; to: number }
  | { op: 'dot'; args: DotPairsArgs };

let memory: WebAssembly.Memory;
let kernels: KernelExports;

parentPort!.on('message', (task: HelperTask) => {
  if (task.op === 'init') {
    memory = task.memory;
    kernels = instantiateKernels(memory, task.module);
  } else if (task.op === 'touch') {
    touchPages(memory, task.from, task.to);
  } else {
    dotPairsChunked(kernels, task.args);
  }
  parentPort!.postMessage('done');
});
