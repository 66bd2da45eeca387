/**
 * Joins shard stores (extract --shard K/N) into one store: every shard 1..N exactly once, the same
 * N, identical identity (dataset, model, input, preprocessing, flip), contiguous ranges that cover
 * every face exactly once. Rows are copied in blocks (never a whole shard in memory) and checked on
 * the way: a NaN or Inf row must be one of the shard's listed bad faces. The merged store is
 * written like an extraction (lock, partial files, then renamed into place, store.json last); a
 * failed merge removes what it wrote, and `out` too when it made it.
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readNameList } from '../io/lfw-pairs.js';
import { openNpyRows, type NpyRowReader } from '../io/npy.js';
import { FLIP_FEATURES_FILE, hasNamedRows, identityDifferences, NAMES_FILE, pickIdentity, readStoreMeta, shardRange, StoreWriter, type StoreFileOps, type StoreMeta } from './store.js';

/** Rows copied per block (at dimension 512: 16 MiB of features, and as much of flip features). */
const BLOCK_ROWS = 8192;

export function mergeStores(shardDirs: string[], out: string, opts: { fileOps?: StoreFileOps } = {}): StoreMeta {
  if (shardDirs.length === 0) throw new DataError('merge: no shard stores given');
  const metas = shardDirs.map((d) => ({ dir: d, meta: readStoreMeta(d) }));
  const first = metas[0];
  const count = first.meta.shard.count;
  const faces = first.meta.dataset.faces;
  for (const { dir, meta } of metas.slice(1)) {
    const diffs = identityDifferences(pickIdentity(first.meta), pickIdentity(meta));
    if (diffs.length) throw new DataError(`${dir}: differs from ${first.dir} (${diffs.join('; ')})`, 'merge only shards of one extraction (same model, preset, flip and face list)');
    if (meta.shard.count !== count) throw new DataError(`${dir}: is shard ${meta.shard.index}/${meta.shard.count} but ${first.dir} is ${first.meta.shard.index}/${count}`);
    if (meta.dim !== first.meta.dim) throw new DataError(`${dir}: feature dimension ${meta.dim} differs from ${first.dir} (${first.meta.dim})`);
  }
  const byIndex = new Map<number, { dir: string; meta: StoreMeta }>();
  for (const s of metas) {
    const prev = byIndex.get(s.meta.shard.index);
    if (prev) throw new DataError(`${s.dir}: shard ${s.meta.shard.index}/${count} given twice (also ${prev.dir})`);
    byIndex.set(s.meta.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length) throw new DataError(`merge: shards ${missing.map((k) => `${k}/${count}`).join(', ')} missing: the faces they hold would not be covered`);
  let expectStart = 0;
  for (let k = 1; k <= count; k++) {
    const { dir, meta } = byIndex.get(k)!;
    const r = shardRange(k, count, faces);
    if (meta.shard.start !== expectStart || meta.shard.start !== r.start || meta.shard.end !== r.end || meta.rows !== r.end - r.start) {
      throw new DataError(`${dir}: covers faces [${meta.shard.start}, ${meta.shard.end}) with ${meta.rows} rows; shard ${k}/${count} of ${faces} faces must cover [${r.start}, ${r.end})`);
    }
    expectStart = r.end;
  }
  const sameInputs = metas.every(({ meta }) => JSON.stringify(meta.inputs) === JSON.stringify(first.meta.inputs));
  const writer = StoreWriter.open(
    out,
    {
      schemaVersion: first.meta.schemaVersion,
      kind: first.meta.kind,
      tool: first.meta.tool,
      ...pickIdentity(first.meta),
      shard: { index: 1, count: 1, start: 0, end: faces },
      modelPath: first.meta.modelPath,
      datasetRoot: first.meta.datasetRoot,
      batch: first.meta.batch,
      skipBad: metas.some(({ meta }) => meta.skipBad === true),
      ...(sameInputs && first.meta.inputs ? { inputs: first.meta.inputs } : {}),
      files: first.meta.files,
    },
    { resume: false, fileOps: opts.fileOps },
  );
  try {
    const names: string[] | undefined = hasNamedRows(first.meta.dataset) ? [] : undefined;
    for (let k = 1; k <= count; k++) {
      const { dir, meta } = byIndex.get(k)!;
      copyShard(dir, meta, writer);
      names?.push(...shardNames(dir, meta));
    }
    const providers = new Set(metas.map(({ meta }) => meta.provider));
    return writer.finish(
      {
        provider: [...providers].join(','),
        providerAttempts: first.meta.providerAttempts,
        ortVersion: first.meta.ortVersion,
      },
      names,
    );
  } catch (e) {
    writer.abort(false);
    throw e;
  }
}

/** The names.txt of a shard of a dataset with named rows: one name per row. */
function shardNames(dir: string, meta: StoreMeta): string[] {
  const file = join(dir, meta.files.names ?? NAMES_FILE);
  const names = readNameList(file);
  if (names.length !== meta.rows) throw new DataError(`${file}: lists ${names.length} images but the shard holds ${meta.rows} rows`, 'the shard was damaged or edited; extract it again');
  return names;
}

/** Appends one shard's rows (and flip rows) to the merged store, checking NaN/Inf rows against its bad faces. */
function copyShard(dir: string, meta: StoreMeta, writer: StoreWriter): void {
  if (meta.rows === 0) return;
  const readers: NpyRowReader[] = [];
  try {
    const files = [meta.files.features, ...(meta.flip ? [meta.files.featuresFlip ?? FLIP_FEATURES_FILE] : [])];
    for (const file of files) {
      const reader = openNpyRows(join(dir, file));
      readers.push(reader);
      if (reader.rows !== meta.rows || reader.cols !== meta.dim) throw new DataError(`${reader.file}: shape (${reader.rows}, ${reader.cols}) but store.json says (${meta.rows}, ${meta.dim})`);
    }
    const listed = new Set(meta.badFaces.map((b) => b.face));
    const d = meta.dim;
    const rowsPerBlock = Math.min(meta.rows, BLOCK_ROWS);
    const blocks = readers.map(() => new Float32Array(rowsPerBlock * d));
    for (let start = 0; start < meta.rows; start += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, meta.rows - start);
      readers.forEach((reader, k) => {
        const block = blocks[k].subarray(0, n * d);
        reader.read(start, n, block);
        for (let r = 0; r < n; r++) {
          const face = meta.shard.start + start + r;
          if (listed.has(face)) continue;
          for (let i = r * d; i < (r + 1) * d; i++) {
            const v = block[i];
            if (v - v !== 0) {
              throw new DataError(`${reader.file}: row ${start + r + 1} (face ${face + 1}) holds ${v} at column ${i - r * d + 1}, but the store does not list that face as unreadable`, 'the shard was damaged or edited; extract it again');
            }
          }
        }
      });
      const bad = meta.badFaces.filter((b) => b.face >= meta.shard.start + start && b.face < meta.shard.start + start + n);
      writer.append(blocks[0], blocks[1], n, d, bad, start === 0 ? (meta.resizedImages ?? 0) : 0);
    }
  } finally {
    for (const r of readers) r.close();
  }
}
