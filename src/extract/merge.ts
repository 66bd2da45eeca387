/**
 * Joins shard stores (extract --shard K/N) into one store: every shard 1..N exactly once, the same
 * N, identical identity (dataset, model, input, preprocessing, flip), contiguous ranges that cover
 * every face exactly once. The merged store is written like an extraction (partial files, then
 * renamed into place, store.json last).
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readNpyMatrix } from '../io/npy.js';
import { identityDifferences, pickIdentity, readStoreMeta, shardRange, StoreWriter, type StoreMeta } from './store.js';

export function mergeStores(shardDirs: string[], out: string): StoreMeta {
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
      files: first.meta.files,
    },
    false,
  );
  const providers = new Set<string>();
  try {
    for (let k = 1; k <= count; k++) {
      const { dir, meta } = byIndex.get(k)!;
      providers.add(meta.provider);
      const f = readNpyMatrix(join(dir, meta.files.features));
      const fl = meta.flip ? readNpyMatrix(join(dir, meta.files.featuresFlip ?? 'features_flip.npy')) : undefined;
      for (const [file, m] of [[meta.files.features, f], [meta.files.featuresFlip, fl]] as const) {
        if (m && (m.rows !== meta.rows || m.cols !== meta.dim)) throw new DataError(`${join(dir, file ?? '')}: shape (${m.rows}, ${m.cols}) but store.json says (${meta.rows}, ${meta.dim})`);
      }
      if (meta.rows > 0) writer.append(f.data, fl?.data, meta.rows, meta.dim, meta.badFaces);
    }
  } finally {
    writer.close();
  }
  return writer.finish({
    provider: [...providers].join(','),
    providerAttempts: first.meta.providerAttempts,
    ortVersion: first.meta.ortVersion,
  });
}
