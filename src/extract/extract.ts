/**
 * Images → feature store. The main thread owns the model session; decode/align/normalise run in a
 * piscina pool (one task per batch, buffers transferred back) that prepares the next batches while
 * `session.run()` — which blocks the event loop — works on the current one. Rows are written in
 * face order with a checkpoint after every batch (see store.ts). The faces come from a `FaceList`
 * (datasets.ts): IJB faces are aligned with their landmarks, the images of the other datasets are
 * taken as aligned crops (resized when not the model's size). With `saveCrops`, every face of the
 * run's range is also saved as a PNG, including faces a resumed or complete store already holds
 * (those batches are prepared for their crops only, without the model); with `limit` and no store,
 * only the first faces' crops are written.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as PiscinaModule from 'piscina';
import { DataError, UsageError, quoteToken } from '../errors.js';
import { FACEBENCH_VERSION } from '../version.js';
import { cropPaths } from './crops.js';
import { checkImagesExist, rowFile, rowNames, type FaceList } from './datasets.js';
import { prepareBatch, type PrepareTask, type PreparedBatch } from './prepare.js';
import type { Preprocessing } from './preprocess.js';
import { checkBatchSize, openModelSession, type EpChoice, type ModelSession } from './session.js';
import { ALIGNMENT_DESCRIPTION, FEATURES_FILE, fileStamp, RESIZE_DESCRIPTION, shardRange, STORE_SCHEMA_VERSION, StoreWriter, type BadFace, type StoreFileOps, type StoreMeta } from './store.js';

export interface ExtractOptions {
  modelPath: string;
  /** The faces, in store row order (datasets.ts `loadFaceList`). */
  faces: FaceList;
  /** The store folder; absent: crops only (`saveCrops` required), the model is not run. */
  out?: string;
  ep: EpChoice;
  batch: number;
  /** Worker threads for decode/align; 0 prepares on the main thread. */
  workers: number;
  flip: boolean;
  preprocessing: Preprocessing;
  resume: boolean;
  shard: { index: number; count: number };
  skipBad: boolean;
  /** onnxruntime intra-op threads for the cpu provider. */
  threads?: number;
  /** Pixel limit of an image (width × height; default DEFAULT_MAX_PIXELS, 40 MP): a bigger one is a bad face. */
  maxPixels?: number;
  /** Save every face's crop (before normalisation) as a PNG under this folder (crops.ts names them). */
  saveCrops?: string;
  /** Only the first N faces of the shard: crops only (with `saveCrops`, without `out`). */
  limit?: number;
  /** Test hook: stop (as if killed) after this many batches, leaving the checkpoint. */
  stopAfterBatches?: number;
  /** Test hook: the store's write calls (to simulate a full disk). */
  fileOps?: StoreFileOps;
  /** `total`: faces of the run's range; `done`: of those, the ones this run does not prepare; `resumedRows`: rows a checkpoint or complete store already held. */
  onStart?: (info: { session: ModelSession; total: number; done: number; resumedRows: number }) => void;
  onBatch?: (done: number, total: number) => void;
}

export interface ExtractStats {
  /** Faces run through the model by this run (not counting rows resumed from a checkpoint). */
  images: number;
  /** Crops written (--save-crops). */
  crops: number;
  seconds: number;
  imagesPerSecond: number;
  /** Time inside session.run(). */
  modelSeconds: number;
  /** Time the main thread waited for a prepared batch. */
  waitSeconds: number;
  /** Summed preparation time over all workers. */
  prepareSeconds: number;
  /** CPU time of the whole process (all threads: model, workers, decoders) during the run. */
  cpuSeconds: number;
  resumedRows: number;
}

export interface ExtractResult {
  /** The store holds every face of its shard (false: stopped early, or crops only). */
  complete: boolean;
  meta?: StoreMeta;
  stats: ExtractStats;
  session: Pick<ModelSession, 'provider' | 'attempts' | 'ortVersion' | 'model'>;
}

export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be K/N with 1 <= K <= N; got '${text}'`);
  return { index, count };
}

/** Where the worker bundle is: next to the CLI bundle, or dist/ when running from sources (tests). */
function workerFile(): string {
  const candidates = [new URL('./extract-worker.js', import.meta.url), new URL('../../dist/extract-worker.js', import.meta.url)];
  for (const c of candidates) if (existsSync(fileURLToPath(c))) return c.href;
  throw new Error('dist/extract-worker.js not found: run npm run build');
}

/** One batch of the run: faces [start, end), through the model or for their crops only. */
interface BatchSpan {
  start: number;
  end: number;
  cropsOnly: boolean;
}

/** [from, to) in batches of `batch` faces. */
function spans(from: number, to: number, batch: number, cropsOnly: boolean): BatchSpan[] {
  const out: BatchSpan[] = [];
  for (let s = from; s < to; s += batch) out.push({ start: s, end: Math.min(s + batch, to), cropsOnly });
  return out;
}

export async function extractFeatures(opts: ExtractOptions): Promise<ExtractResult> {
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new UsageError(`--batch must be a positive integer; got ${opts.batch}`);
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new UsageError(`--workers must be 0 or more; got ${opts.workers}`);
  if (opts.limit !== undefined && (opts.out !== undefined || opts.saveCrops === undefined)) throw new UsageError('--limit writes crops only: give --save-crops DIR and no store');
  if (opts.out === undefined && opts.saveCrops === undefined) throw new Error('extractFeatures: neither a store nor crops to write');
  const faces = opts.faces;
  const count = faces.identity.faces;
  const range = shardRange(opts.shard.index, opts.shard.count, count);
  if (range.end === range.start) {
    throw new UsageError(`--shard ${opts.shard.index}/${opts.shard.count}: ${count} faces make ${opts.shard.count} shards too many (shard ${opts.shard.index} would be empty); use at most ${count} shards`);
  }
  const end = opts.limit === undefined ? range.end : Math.min(range.end, range.start + opts.limit);
  const cropFiles = opts.saveCrops === undefined ? undefined : cropPaths(faces, opts.saveCrops, range.start, end);
  if (!opts.skipBad) checkImagesExist(faces, range.start, end);
  const session = await openModelSession(opts.modelPath, opts.ep, { threads: opts.threads });
  let writer: StoreWriter | undefined;
  let pipeline: ReturnType<typeof preparePipeline> | undefined;
  try {
    const model = session.model;
    const batch = model.fixedBatch ?? opts.batch;
    checkBatchSize(model, batch);
    if (opts.out !== undefined) {
      writer = StoreWriter.open(
        opts.out,
        {
          schemaVersion: STORE_SCHEMA_VERSION,
          kind: 'facebench-feature-store',
          tool: { name: 'facebench', version: FACEBENCH_VERSION },
          dataset: faces.identity,
          model: { sha256: model.sha256, inputName: model.inputName, outputName: model.outputName, layout: model.layout, size: model.size, dtype: model.dtype },
          preprocessing: { ...opts.preprocessing, alignment: faces.alignment ?? (faces.landmarks ? ALIGNMENT_DESCRIPTION : RESIZE_DESCRIPTION) },
          flip: opts.flip,
          shard: { ...opts.shard, ...range },
          modelPath: resolve(opts.modelPath),
          datasetRoot: resolve(faces.root),
          batch,
          skipBad: opts.skipBad,
          inputs: faces.inputs,
          files: { features: FEATURES_FILE },
        },
        { resume: opts.resume, fileOps: opts.fileOps },
      );
    }
    const resumedRows = writer?.completed?.rows ?? writer?.rowsDone ?? 0;
    if (writer?.completed && !cropFiles) {
      writer.close();
      const zero = { images: 0, crops: 0, seconds: 0, imagesPerSecond: 0, modelSeconds: 0, waitSeconds: 0, prepareSeconds: 0, cpuSeconds: 0, resumedRows };
      return { complete: true, meta: writer.completed, stats: zero, session };
    }
    // Faces before `modelFrom` are in the store already (or no store is made): crops only.
    const modelFrom = writer ? range.start + resumedRows : end;
    const batches = [...(cropFiles ? spans(range.start, modelFrom, batch, true) : []), ...spans(modelFrom, end, batch, false)];
    const total = end - range.start;
    let done = cropFiles ? 0 : resumedRows;
    opts.onStart?.({ session, total, done, resumedRows });

    const settings = taskSettings(model, opts);
    const taskFor = (b: BatchSpan): PrepareTask => ({
      imageDir: faces.imageDir,
      names: faces.names.slice(b.start, b.end),
      landmarks: faces.landmarks?.slice(10 * b.start, 10 * b.end),
      // Own copies: a view into the whole .bin would make the worker message clone all of it.
      encoded: faces.encoded?.slice(b.start, b.end).map((x) => new Uint8Array(x)),
      cropFiles: cropFiles?.slice(b.start - range.start, b.end - range.start),
      cropsOnly: b.cropsOnly,
      ...settings,
    });
    pipeline = preparePipeline(batches.length, (k) => taskFor(batches[k]), opts.workers);
    const { pending, fill } = pipeline;

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let modelMs = 0, waitMs = 0, prepareMs = 0, images = 0, crops = 0, batchesDone = 0;
    let stopped = false;
    fill();
    for (const b of batches) {
      const tw = performance.now();
      const prepared = await pending.shift()!;
      waitMs += performance.now() - tw;
      fill();
      prepareMs += prepared.ms;
      crops += prepared.crops;
      if (prepared.cropFailure) throw new DataError(`${prepared.cropFailure.file}: cannot write the crop (${prepared.cropFailure.reason})`);
      const start = b.start;
      const bad: BadFace[] = prepared.bad.map((x) => ({ face: start + x.position, name: faces.names[start + x.position], reason: x.reason, image: fileStamp(x.file) }));
      if (bad.length > 0 && !opts.skipBad) throw unreadable(faces, bad[0]);
      done += prepared.count;
      if (b.cropsOnly) {
        opts.onBatch?.(done, total);
        continue;
      }
      const tm = performance.now();
      const out = await runPadded(session, prepared.input, prepared.count, batch, model.fixedBatch !== undefined);
      const flipOut = prepared.flipInput ? await runPadded(session, prepared.flipInput, prepared.count, batch, model.fixedBatch !== undefined) : undefined;
      modelMs += performance.now() - tm;
      const badRows = new Set(prepared.bad.map((x) => x.position));
      for (const position of nonFiniteRows(out, flipOut, prepared.count, badRows)) {
        const face = start + position;
        const reason = 'the model output NaN or Inf for it';
        if (!opts.skipBad) throw nonFinite(faces, face, opts.modelPath);
        badRows.add(position);
        bad.push({ face, name: faces.names[face], reason, image: faces.encoded ? null : fileStamp(rowFile(faces, face)) });
      }
      bad.sort((x, y) => x.face - y.face);
      for (const position of badRows) {
        out.features.fill(NaN, position * out.dim, (position + 1) * out.dim);
        flipOut?.features.fill(NaN, position * out.dim, (position + 1) * out.dim);
      }
      writer!.append(out.features, flipOut?.features, prepared.count, out.dim, bad, prepared.resized);
      images += prepared.count;
      batchesDone++;
      opts.onBatch?.(done, total);
      if (opts.stopAfterBatches !== undefined && batchesDone >= opts.stopAfterBatches && writer!.rowsDone < range.end - range.start) {
        stopped = true;
        break;
      }
    }
    let meta: StoreMeta | undefined;
    if (writer?.completed) {
      meta = writer.completed;
      writer.close();
    } else if (writer && !stopped) {
      meta = writer.finish({ provider: session.provider, providerAttempts: session.attempts, ortVersion: session.ortVersion }, rowNames(faces, range.start, range.end));
    } else writer?.close();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      complete: meta !== undefined,
      meta,
      stats: {
        images,
        crops,
        seconds,
        imagesPerSecond: images / Math.max(seconds, 1e-9),
        modelSeconds: modelMs / 1000,
        waitSeconds: waitMs / 1000,
        prepareSeconds: prepareMs / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        resumedRows,
      },
      session,
    };
  } catch (e) {
    const kept = writer?.abort(true) ?? 0;
    if (kept > 0 && e instanceof DataError) {
      throw new DataError(e.message, `${e.hint ? `${e.hint}; ` : ''}the ${kept} faces already extracted are kept in ${opts.out}: rerun with --resume to continue`);
    }
    throw e;
  } finally {
    await pipeline?.destroy();
    await session.release();
  }
}

/** The error for an image that cannot be read, without --skip-bad. */
function unreadable(faces: FaceList, bad: BadFace): DataError {
  const what = faces.spec.kind === 'ijb' ? `face ${bad.face + 1}` : 'image';
  const hint = faces.spec.kind === 'ijb' ? 'fix or restore the image, or add --skip-bad to extract without it (its rows become NaN and ijb leaves it out)' : 'fix or restore the image (facebench extract --skip-bad lists unreadable images instead of stopping)';
  return new DataError(`${rowFile(faces, bad.face)}: cannot read ${what} (${bad.reason})`, hint);
}

/** The error for a face whose features are NaN or Inf, without --skip-bad. */
function nonFinite(faces: FaceList, face: number, modelPath: string): DataError {
  if (faces.spec.kind === 'ijb') {
    return new DataError(`${modelPath}: the model output NaN or Inf for it: face ${face + 1} (${quoteToken(faces.names[face])})`, 'check the model (and its fp16 range) on this image, or add --skip-bad to list such faces as unreadable');
  }
  return new DataError(`${rowFile(faces, face)}: the model ${modelPath} output NaN or Inf for this image`, 'check the model (and its fp16 range) on this image');
}

/** Positions (in the batch) of rows with a NaN or Inf in the model's output or flip output, other than `skip`. */
function nonFiniteRows(out: { features: Float32Array; dim: number }, flipOut: { features: Float32Array } | undefined, count: number, skip: Set<number>): number[] {
  const rows: number[] = [];
  const d = out.dim;
  for (let r = 0; r < count; r++) {
    if (skip.has(r)) continue;
    for (const f of flipOut ? [out.features, flipOut.features] : [out.features]) {
      let finite = true;
      for (let i = r * d; i < (r + 1) * d; i++) {
        const v = f[i];
        if (v - v !== 0) {
          finite = false;
          break;
        }
      }
      if (!finite) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

/** The part of a batch's preparation task that is the same for every batch of a run. */
function taskSettings(model: ModelSession['model'], opts: Pick<ExtractOptions, 'preprocessing' | 'flip' | 'maxPixels'>) {
  return { size: model.size, layout: model.layout, preprocessing: opts.preprocessing, flip: opts.flip, dtype: model.dtype, maxPixels: opts.maxPixels };
}

/**
 * Batches prepared ahead of the model, in order: in a piscina pool of `workers` threads (2 per
 * thread in flight), or one at a time on the main thread when `workers` is 0.
 */
function preparePipeline(count: number, taskAt: (k: number) => PrepareTask, workers: number) {
  // piscina is loaded only when a pool is made (start-up time of the commands that never extract).
  const pool = workers > 0 && count > 0
    ? new (createRequire(import.meta.url)('piscina') as typeof PiscinaModule).Piscina({ filename: workerFile(), minThreads: workers, maxThreads: workers, idleTimeout: 1000 })
    : undefined;
  const prepare = (k: number): Promise<PreparedBatch> => (pool ? (pool.run(taskAt(k)) as Promise<PreparedBatch>) : prepareBatch(taskAt(k)));
  const ahead = pool ? 2 * workers : 1;
  const pending: Promise<PreparedBatch>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < ahead && next < count) {
      const p = prepare(next++);
      p.catch(() => {}); // awaited in order by the caller; avoid unhandled rejections if it stops early
      pending.push(p);
    }
  };
  return { pending, fill, destroy: async () => { await pool?.destroy(); } };
}

/** Runs a batch; a model with a fixed batch size gets the last, short batch padded with zeros. */
async function runPadded(session: ModelSession, input: Float32Array | Uint16Array, count: number, batch: number, fixed: boolean) {
  if (!fixed || count === batch) return session.run(input, count);
  const padded = input instanceof Float32Array ? new Float32Array((input.length / count) * batch) : new Uint16Array((input.length / count) * batch);
  padded.set(input as never);
  const out = await session.run(padded, batch);
  return { features: out.features.slice(0, count * out.dim), dim: out.dim };
}

export const DEFAULT_WORKERS = Math.max(1, Math.min(8, availableParallelism() - 1));
