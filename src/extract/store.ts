/**
 * The feature store: a folder holding
 *
 *   features.npy        float32 [rows, dim]; row r = face (shard.start + r) of the face list
 *   features_flip.npy   same shape, features of the horizontally flipped faces (only with --flip)
 *   names.txt           the image path of each row, one a line (pairs and folder datasets only:
 *                       their rows are looked up by name, as `lfw --names` does)
 *   store.json          sidecar: dataset fingerprint, shard, model (sha256, input, dtype), provider,
 *                       ORT version, preprocessing, --skip-bad and the inputs' stamps, bad faces;
 *                       written last — a store is complete exactly when store.json exists
 *
 * While extracting, rows are appended to `features.npy.partial` / `features_flip.npy.partial`
 * (already .npy files: the header is written first with the final shape) and `checkpoint.json`
 * records how many rows are durable (data fsync'ed before the checkpoint is renamed into place)
 * and a running CRC-32 of each partial file's rows. A killed run resumes from the checkpoint after
 * checking it against its schema and the partial files against their sizes and checksums (extra
 * rows past it are cut off; missing or changed rows are an error naming the file, never zeros);
 * finishing renames the partial files into place and writes store.json atomically.
 *
 * One writer at a time: `store.lock` (created with O_EXCL semantics, holding pid, host and start
 * time) is taken before anything in the folder is read or written; a lock whose process is gone
 * from this host is stale and taken over. A failed run removes what it created (the folder too,
 * when it made it and it is empty) unless a checkpoint holds rows to resume.
 *
 * Faces that could not be read (--skip-bad) have NaN rows and are listed in `badFaces`; consumers
 * must exclude them (the ijb command does, and says how many).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, linkSync, mkdirSync, openSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataError, quoteToken } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { crc32 } from '../io/crc32.js';
import { describeErrno, kindOf, openInputFile, readExactly, readJsonInput } from '../io/input-file.js';
import { encodeNpy, MAX_FEATURE_DIM } from '../io/npy.js';
import type { ProviderAttempt } from './session.js';
import type { Preprocessing } from './preprocess.js';

export const STORE_SCHEMA_VERSION = 1;
export const STORE_FILE = 'store.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const LOCK_FILE = 'store.lock';
export const FEATURES_FILE = 'features.npy';
export const FLIP_FEATURES_FILE = 'features_flip.npy';
export const NAMES_FILE = 'names.txt';

/**
 * The images a store's rows follow. `faces` is the number of rows of the whole dataset; `faceList`
 * names the file that orders them and `faceListSha256` is its sha256:
 *
 * - `ijb`: the landmark file (`meta/<t>_name_5pts_score.txt`, relative to the root), one face a line;
 * - `pairs`: the pairs.txt or pairs CSV (base name); rows = its distinct image paths in first-use order;
 * - `bin`: the insightface .bin (base name); rows = its 2N images in order;
 * - `folder`: the `--list` file (base name), or null when every image under the folder was taken
 *   (sorted bytewise).
 *
 * `namesSha256` (pairs, folder) is the sha256 of the row names one a line, i.e. of names.txt.
 */
export type DatasetIdentity =
  | { name: 'ijb'; target: string; faceList: string; faceListSha256: string; faces: number }
  | { name: 'pairs'; faceList: string; faceListSha256: string; faces: number; namesSha256: string }
  | { name: 'bin'; faceList: string; faceListSha256: string; faces: number }
  | { name: 'folder'; faceList: string | null; faceListSha256: string | null; faces: number; namesSha256: string }
  /** An IJB-B clustering protocol: rows = the protocol file's faces, in order. */
  | { name: 'ijbb-clustering'; subset: number; faceList: string; faceListSha256: string; faces: number };

export const DATASET_KINDS = ['ijb', 'pairs', 'bin', 'folder', 'ijbb-clustering'] as const;
export type DatasetKind = DatasetIdentity['name'];

/** names.txt: one image path a line (its sha256 is a named dataset's `namesSha256`). */
export function namesText(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join('');
}

/** Whether the rows of a dataset are named images (names.txt in the store). */
export function hasNamedRows(d: Pick<DatasetIdentity, 'name'>): boolean {
  return d.name === 'pairs' || d.name === 'folder';
}

/** What must agree for two stores (or a store and a request) to hold the same features. */
export interface StoreIdentity {
  dataset: DatasetIdentity;
  model: { sha256: string; inputName: string; outputName: string; layout: string; size: number; dtype: string };
  preprocessing: Preprocessing & { alignment: string };
  flip: boolean;
}

/** Size and modification time of a file or folder: a cheap "has it changed" test. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** The inputs' stamps when an extraction started (null: missing). */
export interface StoreInputs {
  faceList: FileStamp | null;
  /** The images' folder: entries added, removed or renamed change its mtime. */
  images: FileStamp | null;
}

export function fileStamp(path: string): FileStamp | null {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

export interface BadFace {
  /** Face index in the full face list (0-based; line index + 1 in the file). */
  face: number;
  name: string;
  reason: string;
  /** The image file's stamp when it failed (null: missing): a store is stale once it changes. */
  image?: FileStamp | null;
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
  /** Whether unreadable faces were skipped (--skip-bad); absent in stores of earlier versions. */
  skipBad?: boolean;
  /** Stamps of the face list and image folder at the start (absent: earlier versions, or shards that disagree). */
  inputs?: StoreInputs;
  badFaces: BadFace[];
  /** Images that were not the model's input size and were resized (datasets without landmarks). */
  resizedImages?: number;
  files: { features: string; featuresFlip?: string; names?: string };
}

export const ALIGNMENT_DESCRIPTION = 'umeyama similarity to the ArcFace 112 template (float64) + cv2.warpAffine-exact bilinear, border 0';
/** `preprocessing.alignment` of the IJB-B clustering protocols (align-three-point.ts). */
export const THREE_POINT_ALIGNMENT_DESCRIPTION = 'eyes + nose (the box alone when a landmark is missing): least-squares similarity to the ArcFace 112 template (float64) + cv2.warpAffine-exact bilinear, border 0';
/** `preprocessing.alignment` of datasets without landmarks (already aligned crops). */
export const RESIZE_DESCRIPTION = 'none (aligned crops): sharp linear resize (fit fill) when not the input size';

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

// ---- Schema checks of store.json and checkpoint.json: every field a reader relies on. ----

type JsonObject = Record<string, unknown>;

/** Field checks of one JSON file; each failure is a DataError naming the file and the field. */
class Fields {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, v: unknown): DataError {
    const found = v === undefined ? 'nothing' : quoteToken(JSON.stringify(v) ?? String(v));
    return new DataError(`${this.file}: ${path} must be ${expected}, found ${found}`, 'the file was edited or damaged; delete the folder and extract again');
  }
  object(v: unknown, path: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.fail(path, 'an object', v);
    return v as JsonObject;
  }
  string(v: unknown, path: string): string {
    if (typeof v !== 'string') throw this.fail(path, 'a string', v);
    return v;
  }
  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') throw this.fail(path, 'true or false', v);
    return v;
  }
  int(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw this.fail(path, min === max ? `${min}` : `an integer from ${min} to ${max}`, v);
    return v;
  }
  /** A file name inside the store folder (no path). */
  fileName(v: unknown, path: string): string {
    const name = this.string(v, path);
    if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..') throw this.fail(path, 'a file name in the store folder', v);
    return name;
  }
}

function checkDataset(f: Fields, v: unknown, at: string): void {
  const dataset = f.object(v, at);
  const name = f.string(dataset.name, `${at}.name`);
  if (!(DATASET_KINDS as readonly string[]).includes(name)) throw f.fail(`${at}.name`, `one of ${DATASET_KINDS.join(', ')}`, name);
  // A folder taken whole has no list file.
  const listed = !(name === 'folder' && dataset.faceList === null && dataset.faceListSha256 === null);
  const strings = [...(listed ? ['faceList', 'faceListSha256'] : []), ...(name === 'ijb' ? ['target'] : []), ...(hasNamedRows({ name: name as DatasetKind }) ? ['namesSha256'] : [])];
  for (const k of strings) f.string(dataset[k], `${at}.${k}`);
  if (name === 'ijbb-clustering') f.int(dataset.subset, `${at}.subset`, 1, Number.MAX_SAFE_INTEGER);
  f.int(dataset.faces, `${at}.faces`, 0, Number.MAX_SAFE_INTEGER);
}

function checkIdentity(f: Fields, m: JsonObject, at: string): void {
  checkDataset(f, m.dataset, `${at}dataset`);
  const model = f.object(m.model, `${at}model`);
  for (const k of ['sha256', 'inputName', 'outputName', 'layout', 'dtype']) f.string(model[k], `${at}model.${k}`);
  f.int(model.size, `${at}model.size`, 1, Number.MAX_SAFE_INTEGER);
  f.object(m.preprocessing, `${at}preprocessing`);
  f.boolean(m.flip, `${at}flip`);
}

function checkShard(f: Fields, v: unknown, at: string, faces: number): StoreMeta['shard'] {
  const shard = f.object(v, at);
  const count = f.int(shard.count, `${at}.count`, 1, Math.max(1, faces));
  const index = f.int(shard.index, `${at}.index`, 1, count);
  const range = shardRange(index, count, faces);
  f.int(shard.start, `${at}.start`, range.start, range.start);
  f.int(shard.end, `${at}.end`, range.end, range.end);
  return { index, count, ...range };
}

/** Bad faces: objects with a face index in [start, end), in increasing order, a name and a reason. */
function checkBadFaces(f: Fields, v: unknown, at: string, start: number, end: number): BadFace[] {
  if (!Array.isArray(v)) throw f.fail(at, 'a list', v);
  let previous = start - 1;
  v.forEach((entry, k) => {
    const b = f.object(entry, `${at}[${k}]`);
    previous = f.int(b.face, `${at}[${k}].face`, previous + 1, end - 1);
    f.string(b.name, `${at}[${k}].name`);
    f.string(b.reason, `${at}[${k}].reason`);
  });
  return v as BadFace[];
}

/** Reads store.json of a complete store, checked against its schema; DataError naming the folder or file otherwise. */
export function readStoreMeta(dir: string): StoreMeta {
  const file = join(dir, STORE_FILE);
  if (!existsSync(file)) {
    const partial = existsSync(join(dir, CHECKPOINT_FILE));
    throw new DataError(`${dir}: not a complete feature store (no ${STORE_FILE}${partial ? '; an interrupted extraction left a checkpoint' : ''})`, partial ? 'finish it with facebench extract … --resume' : undefined);
  }
  const f = new Fields(file);
  const meta = f.object(readJsonInput(file), 'the document');
  if (meta.kind !== 'facebench-feature-store' || meta.schemaVersion !== STORE_SCHEMA_VERSION) {
    throw new DataError(`${file}: not a facebench feature store of schema ${STORE_SCHEMA_VERSION} (kind ${quoteToken(String(meta.kind))}, schema ${quoteToken(String(meta.schemaVersion))})`);
  }
  checkIdentity(f, meta, '');
  const faces = (meta.dataset as StoreIdentity['dataset']).faces;
  const shard = checkShard(f, meta.shard, 'shard', faces);
  const rows = f.int(meta.rows, 'rows', shard.end - shard.start, shard.end - shard.start);
  f.int(meta.dim, 'dim', rows > 0 ? 1 : 0, MAX_FEATURE_DIM);
  checkBadFaces(f, meta.badFaces, 'badFaces', shard.start, shard.end);
  const files = f.object(meta.files, 'files');
  f.fileName(files.features, 'files.features');
  if (meta.flip) f.fileName(files.featuresFlip ?? FLIP_FEATURES_FILE, 'files.featuresFlip');
  if (hasNamedRows(meta.dataset as DatasetIdentity)) f.fileName(files.names, 'files.names');
  if (meta.resizedImages !== undefined) f.int(meta.resizedImages, 'resizedImages', 0, rows);
  for (const k of ['provider', 'ortVersion', 'modelPath', 'datasetRoot']) f.string(meta[k], k);
  if (!Array.isArray(meta.providerAttempts)) throw f.fail('providerAttempts', 'a list', meta.providerAttempts);
  return meta as unknown as StoreMeta;
}

// ---- The lock: one writer per store folder. ----

interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

function readLockHolder(lock: string): LockHolder | undefined {
  try {
    const h = readJsonInput(lock) as LockHolder;
    return typeof h?.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch (e) {
    if (e instanceof DataError) return undefined; // gone, or not a lock we can read
    throw e;
  }
}

/** Whether the holder is a process that has ended on this host (another host's lock is never stale to us). */
function isStale(h: LockHolder): boolean {
  if (h.host !== hostname() || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes `dir/store.lock`: the holder's details are written to a temporary file that is then
 * hard-linked to the lock name, which fails when the lock exists (atomic, and the lock is never
 * seen half-written). A stale lock is removed under a second O_EXCL file, so that two processes
 * cannot both take it over. Returns the release function.
 */
function acquireLock(dir: string): () => void {
  const lock = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(me) + '\n');
  } catch (e) {
    throw new DataError(`${dir}: cannot write in the store folder (${describeErrno(e)})`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, lock);
        return () => {
          const h = readLockHolder(lock);
          if (h && h.pid === me.pid && h.started === me.started) rmSync(lock, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataError(`${lock}: cannot create the lock (${describeErrno(e)})`);
      }
      const holder = readLockHolder(lock);
      if (attempt < 3 && (holder === undefined ? existsSync(lock) === false : isStale(holder) && breakStaleLock(lock, holder))) continue;
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.started}` : 'a lock file without a holder';
      throw new DataError(`${dir}: in use by another facebench process (${who})`, `wait for it to finish; if no such process runs, delete ${lock}`);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes a stale lock unless another process did so (and took the lock) meanwhile. */
function breakStaleLock(lock: string, stale: LockHolder): boolean {
  const breaker = `${lock}.breaking`;
  try {
    closeSync(openSync(breaker, 'wx'));
  } catch {
    // Another process is breaking it (or crashed doing so: that file is left for a person to delete).
    return false;
  }
  try {
    const now = readLockHolder(lock);
    if (now && (now.pid !== stale.pid || now.started !== stale.started)) return true; // taken over meanwhile: look again
    rmSync(lock, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

// ---- The folder. ----

/**
 * Makes `dir` (and missing parents); returns the folders it created, deepest first. A file (or
 * device, FIFO …) in the way, a parent that is a file, or a folder that cannot be written is a
 * DataError.
 */
function createStoreFolder(dir: string): string[] {
  let existing: Stats | undefined;
  try {
    existing = statSync(dir);
  } catch {
    // Missing: made below.
  }
  if (existing) {
    if (!existing.isDirectory()) throw new DataError(`${dir}: exists and is ${kindOf(existing) ?? 'a regular file'}, not a folder`, 'choose another --out');
    return [];
  }
  let first: string | undefined;
  try {
    first = mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DataError(`${dir}: cannot create the folder (${describeErrno(e)})`, 'choose another --out');
  }
  const created: string[] = [];
  if (first !== undefined) {
    for (let d = resolve(dir); ; d = dirname(d)) {
      created.push(d);
      if (d === resolve(first) || dirname(d) === d) break;
    }
  }
  return created;
}

/** Removes the folders a failed run created, deepest first, as long as they are empty. */
function removeEmptyFolders(folders: string[]): void {
  for (const d of folders) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (someone else's files) or gone: leave it and its parents
    }
  }
}

// ---- The writer. ----

/** The write calls of a StoreWriter: fs.writeSync's positional form; tests inject failures (ENOSPC) here. */
export interface StoreFileOps {
  write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): number;
}

const FS_OPS: StoreFileOps = { write: (fd, bytes, offset, length, position) => writeSync(fd, bytes, offset, length, position) };

type CheckpointMeta = Omit<StoreMeta, 'dim' | 'rows' | 'badFaces' | 'providerAttempts' | 'provider' | 'ortVersion'>;

interface Checkpoint {
  meta: CheckpointMeta;
  dim: number;
  rowsDone: number;
  headerBytes: number;
  badFaces: BadFace[];
  /** Of rowsDone, the images that were resized (absent in checkpoints of earlier versions: 0). */
  resizedImages?: number;
  /** CRC-32 of the data bytes (rows [0, rowsDone)) of each partial file, by file name. */
  crc32: Record<string, number>;
}

export interface StoreOpenOptions {
  /** Continue the checkpoint of an interrupted run (or accept a complete store of the same settings). */
  resume: boolean;
  fileOps?: StoreFileOps;
}

/**
 * Incremental writer with lock, checkpoint and resume. Rows must be appended in face order. Every
 * way out releases the lock: finish(), close() (keeps the checkpoint) or abort().
 */
export class StoreWriter {
  private fds: number[] = [];
  private crcs: number[] = [];
  private started = false;
  private headerBytes = 0;
  private dim = 0;
  /** Rows the checkpoint on disk holds (what a later --resume would continue from). */
  private checkpointedRows = 0;
  /** Files this writer created: removed by abort() unless a checkpoint holds rows. */
  private ownFiles = new Set<string>();
  rowsDone = 0;
  badFaces: BadFace[] = [];
  resizedImages = 0;
  /** Set when --resume found the store already complete (nothing to do). */
  completed?: StoreMeta;

  private constructor(
    readonly dir: string,
    private readonly meta: CheckpointMeta,
    private releaseLock: (() => void) | undefined,
    private readonly createdFolders: string[],
    private readonly ops: StoreFileOps,
  ) {}

  private get partialNames(): string[] {
    return this.meta.flip ? [FEATURES_FILE, FLIP_FEATURES_FILE] : [FEATURES_FILE];
  }

  private partialPath(name: string): string {
    return join(this.dir, `${name}.partial`);
  }

  /**
   * Creates and locks `dir`, then opens a new store there (refusing one that exists unless
   * `resume`) or picks up the checkpoint of an interrupted one with the same identity.
   */
  static open(dir: string, meta: CheckpointMeta, opts: StoreOpenOptions): StoreWriter {
    const created = createStoreFolder(dir);
    let release: () => void;
    try {
      release = acquireLock(dir);
    } catch (e) {
      removeEmptyFolders(created);
      throw e;
    }
    const w = new StoreWriter(dir, meta, release, created, opts.fileOps ?? FS_OPS);
    try {
      w.load(opts.resume);
    } catch (e) {
      w.abort(true);
      throw e;
    }
    return w;
  }

  private load(resume: boolean): void {
    const { dir, meta } = this;
    const ck = join(dir, CHECKPOINT_FILE);
    if (existsSync(join(dir, STORE_FILE))) {
      if (!resume) throw new DataError(`${dir}: a complete feature store is already there`, 'choose another --out, or delete it');
      // --resume on a finished store (e.g. a requeued array task): fine when it holds the same features.
      const done = readStoreMeta(dir);
      const diffs = identityDifferences(pickIdentity(done), pickIdentity(meta));
      if (JSON.stringify(done.shard) !== JSON.stringify(meta.shard)) diffs.push(`shard: ${JSON.stringify(done.shard)} vs ${JSON.stringify(meta.shard)}`);
      if (diffs.length) throw new DataError(`${dir}: a complete feature store of other settings is already there (${diffs.join('; ')})`, 'choose another --out, or delete it');
      this.completed = done;
      return;
    }
    if (!existsSync(ck)) return;
    if (!resume) throw new DataError(`${dir}: holds an interrupted extraction (${CHECKPOINT_FILE})`, 'add --resume to continue it, or delete the folder');
    const saved = readCheckpoint(ck, meta, this.partialNames);
    this.dim = saved.dim;
    this.headerBytes = saved.headerBytes;
    this.badFaces = saved.badFaces;
    this.resizedImages = saved.resizedImages ?? 0;
    this.started = true;
    for (const name of this.partialNames) {
      this.fds.push(this.verifyPartial(name, saved));
      this.crcs.push(saved.crc32[name]);
    }
    this.rowsDone = this.checkpointedRows = saved.rowsDone;
  }

  /**
   * Opens a partial file of a checkpoint: its header must be the one for the store's shape, its rows
   * [0, rowsDone) present and matching their CRC-32; rows after them (written after the last
   * checkpoint) are cut off. Returns the open descriptor.
   */
  private verifyPartial(name: string, saved: Checkpoint): number {
    const path = this.partialPath(name);
    if (!existsSync(path)) throw new DataError(`${path}: missing (${CHECKPOINT_FILE} says ${saved.rowsDone} rows are saved)`, 'delete the folder and extract again');
    const { fd, size } = openInputFile(path, { writable: true });
    try {
      const rowBytes = saved.dim * 4;
      const need = saved.headerBytes + saved.rowsDone * rowBytes;
      if (size < need) {
        const rows = Math.max(0, Math.floor((size - saved.headerBytes) / rowBytes));
        throw new DataError(`${path}: holds ${rows} rows but ${CHECKPOINT_FILE} says ${saved.rowsDone} are saved (truncated, or the checkpoint was edited)`, 'delete the folder and extract again');
      }
      const expectedHeader = encodeNpy(new Float32Array(0), [this.rows, saved.dim]);
      const header = Buffer.alloc(saved.headerBytes);
      readExactly(fd, header, 0, header.length, 0, () => new DataError(`${path}: truncated`));
      if (!header.equals(expectedHeader)) throw new DataError(`${path}: its .npy header is not the one for (${this.rows}, ${saved.dim}) float32 rows (the file was changed)`, 'delete the folder and extract again');
      let crc = 0;
      const chunk = Buffer.allocUnsafe(Math.min(16 * 2 ** 20, Math.max(rowBytes, need - saved.headerBytes)));
      for (let at = saved.headerBytes; at < need; ) {
        const n = Math.min(chunk.length, need - at);
        readExactly(fd, chunk, 0, n, at, () => new DataError(`${path}: truncated`));
        crc = crc32(chunk.subarray(0, n), crc);
        at += n;
      }
      if (crc !== saved.crc32[name]) {
        throw new DataError(`${path}: the ${saved.rowsDone} saved rows do not match their checksum in ${CHECKPOINT_FILE} (the file was changed after it was written)`, 'delete the folder and extract again');
      }
      ftruncateSync(fd, need);
      return fd;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get rows(): number {
    return this.meta.shard.end - this.meta.shard.start;
  }

  /** Writes all of `bytes` at `position` of partial file k; a failed write is a DataError naming the file. */
  private writeAt(k: number, bytes: Uint8Array, position: number): void {
    try {
      for (let off = 0; off < bytes.length; ) off += this.ops.write(this.fds[k], bytes, off, bytes.length - off, position + off);
      fsyncSync(this.fds[k]);
    } catch (e) {
      throw new DataError(`${this.partialPath(this.partialNames[k])}: cannot write (${describeErrno(e)})`);
    }
  }

  /** Appends the next `count` rows (and their flip rows), of which `resized` images were resized, and checkpoints. */
  append(features: Float32Array, flip: Float32Array | undefined, count: number, dim: number, bad: BadFace[], resized = 0): void {
    if (!this.started) this.start(dim);
    if (dim !== this.dim) throw new DataError(`${this.meta.modelPath}: feature dimension changed from ${this.dim} to ${dim}`);
    if (this.rowsDone + count > this.rows) throw new Error(`store: ${this.rowsDone} + ${count} rows exceed ${this.rows}`);
    const arrays = this.meta.flip ? [features, flip!] : [features];
    arrays.forEach((a, k) => {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, count * dim * 4);
      this.writeAt(k, bytes, this.headerBytes + this.rowsDone * dim * 4);
      this.crcs[k] = crc32(bytes, this.crcs[k]);
    });
    this.rowsDone += count;
    this.badFaces.push(...bad);
    this.resizedImages += resized;
    const ck: Checkpoint = {
      meta: this.meta,
      dim: this.dim,
      rowsDone: this.rowsDone,
      headerBytes: this.headerBytes,
      badFaces: this.badFaces,
      resizedImages: this.resizedImages,
      crc32: Object.fromEntries(this.partialNames.map((name, k) => [name, this.crcs[k]])),
    };
    const path = join(this.dir, CHECKPOINT_FILE);
    if (this.checkpointedRows === 0) this.ownFiles.add(path);
    writeFileAtomic(path, JSON.stringify(ck, null, 1) + '\n');
    this.checkpointedRows = this.rowsDone;
  }

  private start(dim: number): void {
    if (!Number.isInteger(dim) || dim < 0 || dim > MAX_FEATURE_DIM) throw new DataError(`${this.meta.modelPath}: features of dimension ${dim}; expected 1 to ${MAX_FEATURE_DIM}`);
    this.started = true;
    this.dim = dim;
    const header = encodeNpy(new Float32Array(0), [this.rows, dim]);
    this.headerBytes = header.length;
    this.partialNames.forEach((name, k) => {
      const path = this.partialPath(name);
      try {
        this.fds.push(openSync(path, 'w+'));
      } catch (e) {
        throw new DataError(`${path}: cannot write (${describeErrno(e)})`);
      }
      this.ownFiles.add(path);
      this.crcs.push(0);
      this.writeAt(k, header, 0);
    });
  }

  /**
   * Renames the data into place, writes names.txt (`names`: the image path of each row, for datasets
   * with named rows) and store.json, and releases the lock; returns the final metadata.
   */
  finish(run: Pick<StoreMeta, 'provider' | 'providerAttempts' | 'ortVersion'>, names?: string[]): StoreMeta {
    if (this.rowsDone !== this.rows) throw new Error(`store has ${this.rowsDone} of ${this.rows} rows`);
    const named = hasNamedRows(this.meta.dataset);
    if (named !== (names !== undefined) || (names && names.length !== this.rows)) throw new Error(`store: ${names?.length ?? 'no'} names for ${this.rows} rows of a ${this.meta.dataset.name} dataset`);
    if (!this.started) this.start(0);
    this.closeFiles();
    const meta: StoreMeta = {
      ...this.meta,
      ...run,
      rows: this.rows,
      dim: this.dim,
      badFaces: this.badFaces,
      // Only datasets without landmarks resize (ijb stores keep their earlier form).
      ...(this.meta.dataset.name === 'ijb' ? {} : { resizedImages: this.resizedImages }),
      files: { features: FEATURES_FILE, ...(this.meta.flip ? { featuresFlip: FLIP_FEATURES_FILE } : {}), ...(named ? { names: NAMES_FILE } : {}) },
    };
    const renamed: string[] = [];
    try {
      for (const name of this.partialNames) {
        renameSync(this.partialPath(name), join(this.dir, name));
        renamed.push(name);
      }
      if (names) writeFileAtomic(join(this.dir, NAMES_FILE), namesText(names));
      writeFileAtomic(join(this.dir, STORE_FILE), JSON.stringify(meta, null, 1) + '\n');
    } catch (e) {
      // Back to a resumable state: the checkpoint names the partial files.
      for (const name of renamed) renameSync(join(this.dir, name), this.partialPath(name));
      rmSync(join(this.dir, NAMES_FILE), { force: true });
      this.abort(true);
      throw e instanceof DataError ? e : new DataError(`${this.dir}: cannot finish the store (${describeErrno(e)})`);
    }
    rmSync(join(this.dir, CHECKPOINT_FILE), { force: true });
    this.unlock();
    return meta;
  }

  private closeFiles(): void {
    for (const fd of this.fds) {
      fsyncSync(fd);
      closeSync(fd);
    }
    this.fds = [];
  }

  private unlock(): void {
    this.releaseLock?.();
    this.releaseLock = undefined;
  }

  /** Closes the files and releases the lock, leaving the checkpoint for --resume. */
  close(): void {
    this.closeFiles();
    this.unlock();
  }

  /**
   * After a failure: closes the files, removes what this writer created — unless `keepProgress` and
   * a checkpoint holds rows (then --resume continues them) — and the folders it created when they
   * are empty, and releases the lock. Returns the rows kept for --resume.
   */
  abort(keepProgress: boolean): number {
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    this.fds = [];
    const kept = keepProgress ? this.checkpointedRows : 0;
    if (kept === 0) for (const path of this.ownFiles) rmSync(path, { force: true });
    this.unlock();
    if (kept === 0) removeEmptyFolders(this.createdFolders);
    return kept;
  }
}

/** checkpoint.json of an interrupted run, checked against its schema and the requested settings. */
function readCheckpoint(file: string, meta: CheckpointMeta, partialNames: string[]): Checkpoint {
  const f = new Fields(file);
  const c = f.object(readJsonInput(file), 'the checkpoint');
  const saved = f.object(c.meta, 'meta');
  checkIdentity(f, saved, 'meta.');
  const shard = checkShard(f, saved.shard, 'meta.shard', (saved.dataset as StoreIdentity['dataset']).faces);
  const diffs = identityDifferences(pickIdentity(saved as unknown as StoreIdentity), pickIdentity(meta));
  if (JSON.stringify(shard) !== JSON.stringify(meta.shard)) diffs.push(`shard: ${JSON.stringify(shard)} vs ${JSON.stringify(meta.shard)}`);
  if (saved.skipBad !== undefined && meta.skipBad !== undefined && saved.skipBad !== meta.skipBad) diffs.push(`skip-bad: ${saved.skipBad} vs ${meta.skipBad}`);
  if (diffs.length) {
    throw new DataError(`${dirname(file)}: the interrupted extraction used different settings (${diffs.join('; ')})`, 'resume with the same model, preset, flip, --skip-bad, dataset and shard, or use another --out');
  }
  const rows = shard.end - shard.start;
  const dim = f.int(c.dim, 'dim', 1, MAX_FEATURE_DIM);
  const rowsDone = f.int(c.rowsDone, 'rowsDone', 0, rows);
  const headerBytes = encodeNpy(new Float32Array(0), [rows, dim]).length;
  f.int(c.headerBytes, 'headerBytes', headerBytes, headerBytes);
  const badFaces = checkBadFaces(f, c.badFaces, 'badFaces', shard.start, shard.start + rowsDone);
  const resizedImages = c.resizedImages === undefined ? 0 : f.int(c.resizedImages, 'resizedImages', 0, rowsDone);
  const crcs = f.object(c.crc32, 'crc32');
  for (const name of partialNames) f.int(crcs[name], `crc32['${name}']`, 0, 2 ** 32 - 1);
  return { meta: saved as unknown as CheckpointMeta, dim, rowsDone, headerBytes, badFaces, resizedImages, crc32: crcs as Record<string, number> };
}

/** What a caller asks of a store (ijb --model, lfw --model): model bytes, preprocessing, flip, dataset. */
export interface StoreRequest {
  modelSha256: string;
  preprocessing: Preprocessing;
  flip: boolean;
  dataset: StoreIdentity['dataset'];
  /** --skip-bad of the request: a store that skipped faces does not answer a request without it. */
  skipBad?: boolean;
  /** The inputs' stamps now (compared with the store's when both are known). */
  inputs?: StoreInputs;
  /** The images' folder (IJB: `<root>/loose_crop`; none for a .bin): a skipped face whose image changed since makes the store stale. */
  imageDir?: string;
}

/**
 * The cache key of the store `ijb --model` / `lfw --model` keeps for a request (16 hex digits): it
 * changes with anything that changes the rows — model, preprocessing, flip, the dataset identity
 * (its kind, list file and its sha256, the image set), --skip-bad, and the stamps of the list file
 * and image folder.
 */
export function storeCacheKey(req: StoreRequest): string {
  const p = req.preprocessing;
  return createHash('sha256')
    .update(JSON.stringify([req.modelSha256, p.channels, p.scale, p.mean, p.std, req.flip, req.dataset, req.skipBad ?? false, req.inputs ?? null]))
    .digest('hex')
    .slice(0, 16);
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
  if (req.skipBad === false && meta.badFaces.length > 0) diffs.push(`skip-bad: the store skipped ${meta.badFaces.length} unreadable faces, asked without --skip-bad`);
  if (req.inputs && meta.inputs) cmp('inputs (face list and image folder: size, mtime)', meta.inputs, req.inputs);
  if (req.imageDir !== undefined) {
    const changed = meta.badFaces.filter((b) => b.image !== undefined && JSON.stringify(fileStamp(join(req.imageDir!, b.name))) !== JSON.stringify(b.image));
    if (changed.length) diffs.push(`${changed.length} skipped faces have changed images since (first: ${quoteToken(changed[0].name)})`);
  }
  return diffs;
}
