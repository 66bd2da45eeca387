/**
 * Images → feature store. The main thread owns the model session; decode/align/normalise run in a
 * piscina pool (one task per batch, buffers transferred back) that prepares the next batches while
 * `session.run()` — which blocks the event loop — works on the current one. Rows are written in
 * face order with a checkpoint after every batch (see store.ts). `extractImageFeatures` runs the same
 * preparation on already aligned images (LFW-style packs: resize instead of alignment) into memory.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as PiscinaModule from 'piscina';
import { DataError, UsageError, quoteToken } from '../errors.js';
import { ijbMetaPaths, readFaceLandmarks, type IjbTarget } from '../io/ijb-meta.js';
import { FACEBENCH_VERSION } from '../version.js';
import { prepareBatch, type PrepareTask, type PreparedBatch } from './prepare.js';
import type { Preprocessing } from './preprocess.js';
import { checkBatchSize, openModelSession, sha256File, type EpChoice, type ModelSession } from './session.js';
import { ALIGNMENT_DESCRIPTION, fileStamp, shardRange, StoreWriter, type BadFace, type StoreFileOps, type StoreIdentity, type StoreInputs, type StoreMeta } from './store.js';

export interface ExtractOptions {
  modelPath: string;
  root: string;
  target: IjbTarget;
  out: string;
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
  /** Test hook: stop (as if killed) after this many batches, leaving the checkpoint. */
  stopAfterBatches?: number;
  /** Test hook: the store's write calls (to simulate a full disk). */
  fileOps?: StoreFileOps;
  onStart?: (info: { session: ModelSession; total: number; done: number }) => void;
  onBatch?: (done: number, total: number) => void;
}

export interface ExtractStats {
  /** Faces processed by this run (not counting rows resumed from a checkpoint). */
  images: number;
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

/** The IJB images' folder (insightface's IJB_release layout). */
export function ijbImageDir(root: string): string {
  return join(root, 'loose_crop');
}

/**
 * The stamps (size, mtime) of the IJB face list and image folder, for a store's cache identity:
 * `ijb --model` passes them (with --skip-bad) to storeCacheKey and requestDifferences.
 */
export function ijbStoreInputs(root: string, target: IjbTarget): StoreInputs {
  return { faceList: fileStamp(ijbMetaPaths(root, target).landmarks), images: fileStamp(ijbImageDir(root)) };
}

/** The dataset part of a store's identity: the face list the rows follow. */
export function ijbDatasetIdentity(root: string, target: IjbTarget): { identity: StoreIdentity['dataset']; names: string[]; landmarks: Float32Array } {
  const paths = ijbMetaPaths(root, target);
  const lm = readFaceLandmarks(paths.landmarks);
  return {
    identity: { name: 'ijb', target, faceList: relative(root, paths.landmarks), faceListSha256: sha256File(paths.landmarks), faces: lm.names.length },
    names: lm.names,
    landmarks: lm.landmarks,
  };
}

export async function extractFeatures(opts: ExtractOptions): Promise<ExtractResult> {
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new UsageError(`--batch must be a positive integer; got ${opts.batch}`);
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new UsageError(`--workers must be 0 or more; got ${opts.workers}`);
  const dataset = ijbDatasetIdentity(opts.root, opts.target);
  const range = shardRange(opts.shard.index, opts.shard.count, dataset.identity.faces);
  if (range.end === range.start) {
    throw new UsageError(`--shard ${opts.shard.index}/${opts.shard.count}: ${dataset.identity.faces} faces make ${opts.shard.count} shards too many (shard ${opts.shard.index} would be empty); use at most ${dataset.identity.faces} shards`);
  }
  const session = await openModelSession(opts.modelPath, opts.ep, { threads: opts.threads });
  let writer: StoreWriter | undefined;
  let pipeline: ReturnType<typeof preparePipeline> | undefined;
  try {
    const model = session.model;
    const batch = model.fixedBatch ?? opts.batch;
    checkBatchSize(model, batch);
    const imageDir = ijbImageDir(opts.root);
    writer = StoreWriter.open(
      opts.out,
      {
        schemaVersion: 1,
        kind: 'facebench-feature-store',
        tool: { name: 'facebench', version: FACEBENCH_VERSION },
        dataset: dataset.identity,
        model: { sha256: model.sha256, inputName: model.inputName, outputName: model.outputName, layout: model.layout, size: model.size, dtype: model.dtype },
        preprocessing: { ...opts.preprocessing, alignment: ALIGNMENT_DESCRIPTION },
        flip: opts.flip,
        shard: { ...opts.shard, ...range },
        modelPath: resolve(opts.modelPath),
        datasetRoot: resolve(opts.root),
        batch,
        skipBad: opts.skipBad,
        inputs: ijbStoreInputs(opts.root, opts.target),
        files: { features: 'features.npy' },
      },
      { resume: opts.resume, fileOps: opts.fileOps },
    );
    if (writer.completed) {
      writer.close();
      const zero = { images: 0, seconds: 0, imagesPerSecond: 0, modelSeconds: 0, waitSeconds: 0, prepareSeconds: 0, cpuSeconds: 0, resumedRows: writer.completed.rows };
      return { complete: true, meta: writer.completed, stats: zero, session };
    }
    const resumedRows = writer.rowsDone;
    const first = range.start + writer.rowsDone;
    const total = range.end - range.start;
    opts.onStart?.({ session, total, done: resumedRows });

    const taskFor = (start: number): PrepareTask => {
      const end = Math.min(start + batch, range.end);
      return {
        imageDir,
        names: dataset.names.slice(start, end),
        landmarks: dataset.landmarks.slice(10 * start, 10 * end),
        ...taskSettings(model, opts),
      };
    };
    const starts: number[] = [];
    for (let s = first; s < range.end; s += batch) starts.push(s);

    pipeline = preparePipeline(starts.length, (k) => taskFor(starts[k]), opts.workers);
    const { pending, fill } = pipeline;

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let modelMs = 0, waitMs = 0, prepareMs = 0, images = 0, batchesDone = 0;
    let complete = true;
    fill();
    for (const start of starts) {
      const tw = performance.now();
      const prepared = await pending.shift()!;
      waitMs += performance.now() - tw;
      fill();
      prepareMs += prepared.ms;
      const count = prepared.count;
      const bad: BadFace[] = prepared.bad.map((b) => ({ face: start + b.position, name: dataset.names[start + b.position], reason: b.reason, image: fileStamp(b.file) }));
      if (bad.length > 0 && !opts.skipBad) {
        throw new DataError(`${prepared.bad[0].file}: cannot read face ${bad[0].face + 1} (${bad[0].reason})`, 'fix or restore the image, or add --skip-bad to extract without it (its rows become NaN and ijb leaves it out)');
      }
      const tm = performance.now();
      const out = await runPadded(session, prepared.input, count, batch, model.fixedBatch !== undefined);
      const flipOut = prepared.flipInput ? await runPadded(session, prepared.flipInput, count, batch, model.fixedBatch !== undefined) : undefined;
      modelMs += performance.now() - tm;
      const badRows = new Set(prepared.bad.map((b) => b.position));
      for (const position of nonFiniteRows(out, flipOut, count, badRows)) {
        const face = start + position;
        const reason = 'the model output NaN or Inf for it';
        if (!opts.skipBad) {
          throw new DataError(`${opts.modelPath}: ${reason}: face ${face + 1} (${quoteToken(dataset.names[face])})`, 'check the model (and its fp16 range) on this image, or add --skip-bad to list such faces as unreadable');
        }
        badRows.add(position);
        bad.push({ face, name: dataset.names[face], reason, image: fileStamp(join(imageDir, dataset.names[face])) });
      }
      bad.sort((x, y) => x.face - y.face);
      for (const position of badRows) {
        out.features.fill(NaN, position * out.dim, (position + 1) * out.dim);
        flipOut?.features.fill(NaN, position * out.dim, (position + 1) * out.dim);
      }
      writer.append(out.features, flipOut?.features, count, out.dim, bad);
      images += count;
      batchesDone++;
      opts.onBatch?.(writer.rowsDone, total);
      if (opts.stopAfterBatches !== undefined && batchesDone >= opts.stopAfterBatches && writer.rowsDone < total) {
        complete = false;
        break;
      }
    }
    let meta: StoreMeta | undefined;
    if (complete) meta = writer.finish({ provider: session.provider, providerAttempts: session.attempts, ortVersion: session.ortVersion });
    else writer.close();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      complete,
      meta,
      stats: {
        images,
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

export interface ImageExtractOptions {
  session: ModelSession;
  /** Already aligned images (no landmarks): files `imageDir/names[i]`, or encoded bytes `encoded[i]` (then names only label errors). */
  imageDir: string;
  names: string[];
  encoded?: Uint8Array[];
  batch: number;
  workers: number;
  flip: boolean;
  preprocessing: Preprocessing;
  /** Pixel limit of an image (default DEFAULT_MAX_PIXELS, 40 MP). */
  maxPixels?: number;
  onBatch?: (done: number, total: number) => void;
}

export interface ImageFeatures {
  /** [names.length, dim] float32, row i = image i. */
  features: Float32Array;
  flip?: Float32Array;
  dim: number;
  /** Images that were not size × size and were resized. */
  resized: number;
}

/**
 * Already aligned images (LFW-style) → features in memory, on an open session (the caller owns and
 * releases it, so several datasets share one). Same preparation (workers, decoder, presets, flip) as
 * `extractFeatures`, with resize in place of alignment. The first unreadable image throws a
 * DataError `<file>: cannot read image (…)`.
 */
export async function extractImageFeatures(opts: ImageExtractOptions): Promise<ImageFeatures> {
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new UsageError(`--batch must be a positive integer; got ${opts.batch}`);
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new UsageError(`--workers must be 0 or more; got ${opts.workers}`);
  const { session } = opts;
  const model = session.model;
  const batch = model.fixedBatch ?? opts.batch;
  checkBatchSize(model, batch);
  const total = opts.names.length;
  const starts: number[] = [];
  for (let s = 0; s < total; s += batch) starts.push(s);
  const taskAt = (k: number): PrepareTask => {
    const start = starts[k];
    const end = Math.min(start + batch, total);
    return {
      imageDir: opts.imageDir,
      names: opts.names.slice(start, end),
      // Own copies: a view into the whole .bin would make the worker message clone all of it.
      encoded: opts.encoded?.slice(start, end).map((b) => new Uint8Array(b)),
      ...taskSettings(model, opts),
    };
  };
  const pipeline = preparePipeline(starts.length, taskAt, opts.workers);
  let features: Float32Array | undefined;
  let flip: Float32Array | undefined;
  let dim = 0;
  let resized = 0;
  try {
    pipeline.fill();
    for (const start of starts) {
      const prepared = await pipeline.pending.shift()!;
      pipeline.fill();
      if (prepared.bad.length > 0) {
        const b = prepared.bad[0];
        throw new DataError(`${b.file}: cannot read image (${b.reason})`);
      }
      resized += prepared.resized;
      const fixed = model.fixedBatch !== undefined;
      const out = await runPadded(session, prepared.input, prepared.count, batch, fixed);
      const flipOut = prepared.flipInput ? await runPadded(session, prepared.flipInput, prepared.count, batch, fixed) : undefined;
      const nonFinite = nonFiniteRows(out, flipOut, prepared.count, new Set());
      if (nonFinite.length > 0) {
        const name = opts.names[start + nonFinite[0]];
        throw new DataError(`${opts.encoded ? name : join(opts.imageDir, name)}: the model ${session.model.path} output NaN or Inf for this image`, 'check the model (and its fp16 range) on this image');
      }
      if (!features) {
        dim = out.dim;
        features = new Float32Array(total * dim);
        if (opts.flip) flip = new Float32Array(total * dim);
      }
      features.set(out.features.subarray(0, prepared.count * dim), start * dim);
      if (flipOut) flip!.set(flipOut.features.subarray(0, prepared.count * dim), start * dim);
      opts.onBatch?.(start + prepared.count, total);
    }
  } finally {
    await pipeline.destroy();
  }
  return { features: features ?? new Float32Array(0), flip, dim, resized };
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
