/**
 * Piscina worker (bundled to dist/extract-worker.js): prepares one batch and hands its buffers back
 * by transfer (no copy; never SharedArrayBuffer, which onnxruntime rejects).
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { prepareBatch, type PrepareTask, type PreparedBatch } from './prepare.js';

class Moved {
  constructor(private readonly batch: PreparedBatch) {}
  get [transferableSymbol](): object {
    const list: ArrayBuffer[] = [this.batch.input.buffer as ArrayBuffer];
    if (this.batch.flipInput) list.push(this.batch.flipInput.buffer as ArrayBuffer);
    return list;
  }
  get [valueSymbol](): object {
    return this.batch;
  }
}

export default async function prepare(task: PrepareTask): Promise<unknown> {
  // move() marks the wrapper movable: piscina then transfers its buffers and unwraps the value.
  return move(new Moved(await prepareBatch(task)) as never);
}
