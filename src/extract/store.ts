/**
 * The feature store: a folder holding
 *
 *   features.npy        float32 [rows, dim]; row r = face (shard.start + r) of the face list
 *   features_flip.npy   same shape, features of the horizontally flipped faces (only with --flip)
 *   store.json          sidecar: dataset fingerprint, shard, model (sha256, input, dtype), provider,
 *                       ORT version, preprocessing, bad faces; written last — a store is complete
 *                       exactly when store.json exists
 *
 * While extracting, rows are appended to `features.npy.partial` / `features_flip.npy.partial`
 * (already .npy files: the header is written first with the final shape) and `checkpoint.json`
 * records how many rows are durable (data fsync'ed before the checkpoint is renamed into place).
 * A killed run resumes from the checkpoint (extra rows past it are cut off); finishing renames the
 * partial files into place and writes store.json atomically.
 *
 * Faces that could not be read (--skip-bad) have NaN rows and are listed in `badFaces`; consumers
 * must exclude them (the ijb command does, and says how many).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeNpy } from '../io/npy.js';
import type { ProviderAttempt } from './session.js';
import type { Preprocessing } from './preprocess.js';

export const STORE_SCHEMA_VERSION = 1;
export const STORE_FILE = 'store.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const FEATURES_FILE = 'features.npy';
export const FLIP_FEATURES_FILE = 'features_flip.npy';

/** What must agree for two stores (or a store and a request) to hold the same features. */
export interface StoreIdentity {
  dataset: {
    name: 'ijb';
    target: string;
    /** The face list the rows follow (relative to the dataset root) and its sha256. */
    faceList: string;
    faceListSha256: string;
    faces: number;
  };
  model: { sha256: string; inputName: string; outputName: string; layout: string; size: number; dtype: string };
  preprocessing: Preprocessing & { alignment: string };
  flip: boolean;
}

export interface BadFace {
  /** Face index in the full face list (0-based; line index + 1 in the file). */
  face: number;
  name: string;
  reason: string;
}

export interface StoreMeta extends StoreIdentity {
  schemaVersion: number;
  kind: 'facebench-feature-store';
  tool: { name: 'facebench'; version: string };
  /** Contiguous slice: faces [start, end) of the face list; index/count as in --shard K/N. */
  shard: { index: number; count: number; start: number; end: number };
  rows: number;
  dim: number;
  modelPath: string;
  datasetRoot: string;
  provider: string;
  providerAttempts: ProviderAttempt[];
  ortVersion: string;
  batch: number;
  badFaces: BadFace[];
  files: { features: string; featuresFlip?: string };
}

export const ALIGNMENT_DESCRIPTION = 'umeyama similarity to the ArcFace 112 template (float64) + cv2.warpAffine-exact bilinear, border 0';

/** Deterministic contiguous slice for shard K of N (1-based K): [floor((K-1)·F/N), floor(K·F/N)). */
export function shardRange(index: number, count: number, faces: number): { start: number; end: number } {
  return { start: Math.floor(((index - 1) * faces) / count), end: Math.floor((index * faces) / count) };
}

/** Human-readable list of the identity fields that differ, or [] when they match. */
export function identityDifferences(a: StoreIdentity, b: StoreIdentity): string[] {
  const diffs: string[] = [];
  const cmp = (label: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${label}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  cmp('dataset', a.dataset, b.dataset);
  cmp('model sha256', a.model.sha256, b.model.sha256);
  cmp('model input', { ...a.model, sha256: undefined }, { ...b.model, sha256: undefined });
  cmp('preprocessing', { ...a.preprocessing, preset: undefined }, { ...b.preprocessing, preset: undefined });
  cmp('flip', a.flip, b.flip);
  return diffs;
}

export function pickIdentity(m: StoreIdentity): StoreIdentity {
  return { dataset: m.dataset, model: m.model, preprocessing: m.preprocessing, flip: m.flip };
}

/** Reads store.json of a complete store; DataError naming the folder otherwise. */
export function readStoreMeta(dir: string): StoreMeta {
  const file = join(dir, STORE_FILE);
  if (!existsSync(file)) {
    const partial = existsSync(join(dir, CHECKPOINT_FILE));
    throw new DataError(`${dir}: not a complete feature store (no ${STORE_FILE}${partial ? '; an interrupted extraction left a checkpoint' : ''})`, partial ? 'finish it with facebench extract … --resume' : undefined);
  }
  let meta: StoreMeta;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as StoreMeta;
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (meta.kind !== 'facebench-feature-store' || meta.schemaVersion !== STORE_SCHEMA_VERSION) {
    throw new DataError(`${file}: not a facebench feature store of schema ${STORE_SCHEMA_VERSION} (kind ${meta.kind}, schema ${meta.schemaVersion})`);
  }
  return meta;
}

interface Checkpoint {
  meta: Omit<StoreMeta, 'dim' | 'rows' | 'badFaces' | 'providerAttempts' | 'provider' | 'ortVersion'>;
  dim: number;
  rowsDone: number;
  headerBytes: number;
  badFaces: BadFace[];
}

/**
 * Incremental writer with checkpoint/resume. Rows must be appended in face order.
 */
export class StoreWriter {
  private fds: number[] = [];
  private started = false;
  private headerBytes = 0;
  private dim = 0;
  rowsDone = 0;
  badFaces: BadFace[] = [];
  /** Set when --resume found the store already complete (nothing to do). */
  completed?: StoreMeta;

  private constructor(
    readonly dir: string,
    private readonly meta: Checkpoint['meta'],
  ) {}

  private get partialNames(): string[] {
    return this.meta.flip ? [FEATURES_FILE, FLIP_FEATURES_FILE] : [FEATURES_FILE];
  }

  /**
   * Opens a new store in `dir` (refusing one that exists unless `resume`), or picks up the
   * checkpoint of an interrupted one with the same identity.
   */
  static open(dir: string, meta: Checkpoint['meta'], resume: boolean): StoreWriter {
    const w = new StoreWriter(dir, meta);
    const ck = join(dir, CHECKPOINT_FILE);
    if (existsSync(join(dir, STORE_FILE))) {
      if (!resume) throw new DataError(`${dir}: a complete feature store is already there`, 'choose another --out, or delete it');
      // --resume on a finished store (e.g. a requeued array task): fine when it holds the same features.
      const done = readStoreMeta(dir);
      const diffs = identityDifferences(pickIdentity(done), pickIdentity(meta));
      if (JSON.stringify(done.shard) !== JSON.stringify(meta.shard)) diffs.push(`shard: ${JSON.stringify(done.shard)} vs ${JSON.stringify(meta.shard)}`);
      if (diffs.length) throw new DataError(`${dir}: a complete feature store of other settings is already there (${diffs.join('; ')})`, 'choose another --out, or delete it');
      w.completed = done;
      return w;
    }
    if (existsSync(ck)) {
      if (!resume) throw new DataError(`${dir}: holds an interrupted extraction (${CHECKPOINT_FILE})`, 'add --resume to continue it, or delete the folder');
      let saved: Checkpoint;
      try {
        saved = JSON.parse(readFileSync(ck, 'utf8')) as Checkpoint;
      } catch (e) {
        throw new DataError(`${ck}: unreadable checkpoint (${(e as Error).message})`);
      }
      const diffs = identityDifferences(pickIdentity(saved.meta), pickIdentity(meta));
      if (JSON.stringify(saved.meta.shard) !== JSON.stringify(meta.shard)) diffs.push(`shard: ${JSON.stringify(saved.meta.shard)} vs ${JSON.stringify(meta.shard)}`);
      if (diffs.length) throw new DataError(`${dir}: the interrupted extraction used different settings (${diffs.join('; ')})`, 'resume with the same model, preset, flip, dataset and shard, or use another --out');
      w.dim = saved.dim;
      w.rowsDone = saved.rowsDone;
      w.headerBytes = saved.headerBytes;
      w.badFaces = saved.badFaces;
      w.started = true;
      for (const name of w.partialNames) {
        const path = join(dir, `${name}.partial`);
        if (!existsSync(path)) throw new DataError(`${path}: missing (the checkpoint says ${saved.rowsDone} rows are saved)`);
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, w.headerBytes + w.rowsDone * w.dim * 4); // drop rows written after the checkpoint
        w.fds.push(fd);
      }
    }
    return w;
  }

  get rows(): number {
    return this.meta.shard.end - this.meta.shard.start;
  }

  /** Appends the next `count` rows (and their flip rows) and checkpoints. */
  append(features: Float32Array, flip: Float32Array | undefined, count: number, dim: number, bad: BadFace[]): void {
    if (!this.started) this.start(dim);
    if (dim !== this.dim) throw new DataError(`${this.meta.modelPath}: feature dimension changed from ${this.dim} to ${dim}`);
    const arrays = this.meta.flip ? [features, flip!] : [features];
    arrays.forEach((a, k) => {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, count * dim * 4);
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fds[k], bytes, off, bytes.length - off, this.headerBytes + this.rowsDone * dim * 4 + off);
      fsyncSync(this.fds[k]);
    });
    this.rowsDone += count;
    this.badFaces.push(...bad);
    const ck: Checkpoint = { meta: this.meta, dim: this.dim, rowsDone: this.rowsDone, headerBytes: this.headerBytes, badFaces: this.badFaces };
    writeFileAtomic(join(this.dir, CHECKPOINT_FILE), JSON.stringify(ck, null, 1) + '\n');
  }

  private start(dim: number): void {
    this.started = true;
    this.dim = dim;
    const header = encodeNpy(new Float32Array(0), [this.rows, dim]);
    this.headerBytes = header.length;
    for (const name of this.partialNames) {
      const fd = openSync(join(this.dir, `${name}.partial`), 'w+');
      writeSync(fd, header, 0, header.length, 0);
      this.fds.push(fd);
    }
  }

  /** Renames the data into place and writes store.json; returns the final metadata. */
  finish(run: Pick<StoreMeta, 'provider' | 'providerAttempts' | 'ortVersion'>): StoreMeta {
    if (this.rowsDone !== this.rows) throw new Error(`store has ${this.rowsDone} of ${this.rows} rows`);
    if (!this.started) this.start(0);
    this.close();
    for (const name of this.partialNames) renameSync(join(this.dir, `${name}.partial`), join(this.dir, name));
    const meta: StoreMeta = {
      ...this.meta,
      ...run,
      rows: this.rows,
      dim: this.dim,
      badFaces: this.badFaces,
      files: this.meta.flip ? { features: FEATURES_FILE, featuresFlip: FLIP_FEATURES_FILE } : { features: FEATURES_FILE },
    };
    writeFileAtomic(join(this.dir, STORE_FILE), JSON.stringify(meta, null, 1) + '\n');
    rmSync(join(this.dir, CHECKPOINT_FILE), { force: true });
    return meta;
  }

  /** Closes the files, leaving the checkpoint for --resume. */
  close(): void {
    for (const fd of this.fds) {
      fsyncSync(fd);
      closeSync(fd);
    }
    this.fds = [];
  }
}

/** What a caller asks of a store (ijb --model): model bytes, preprocessing, flip, face list. */
export interface StoreRequest {
  modelSha256: string;
  preprocessing: Preprocessing;
  flip: boolean;
  dataset: StoreIdentity['dataset'];
}

/** Differences between a store and a request ([] when the store holds the requested features). */
export function requestDifferences(meta: StoreMeta, req: StoreRequest): string[] {
  const diffs: string[] = [];
  const cmp = (label: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${label}: store has ${JSON.stringify(x)}, asked for ${JSON.stringify(y)}`);
  };
  cmp('model sha256', meta.model.sha256, req.modelSha256);
  const prep = (p: Preprocessing) => ({ channels: p.channels, scale: p.scale, mean: p.mean, std: p.std });
  cmp('preprocessing', prep(meta.preprocessing), prep(req.preprocessing));
  cmp('flip', meta.flip, req.flip);
  cmp('dataset', meta.dataset, req.dataset);
  return diffs;
}
