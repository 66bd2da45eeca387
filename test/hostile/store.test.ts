// Issue 10, groups 2, 3, 4, 9 and 10 for the feature store: one writer per folder (lock), resume
// that detects a damaged checkpoint or partial file instead of writing zeros, NaN/Inf model outputs
// caught at extraction, a cache identity with --skip-bad and the inputs' stamps, merge checks, and
// failures that leave nothing behind (--out a file, a parent that is a file, a full disk).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { ijbStoreInputs, loadFaceList } from '../../src/extract/datasets.js';
import { extractFeatures, type ExtractOptions } from '../../src/extract/extract.js';
import { mergeStores } from '../../src/extract/merge.js';
import { PRESETS } from '../../src/extract/preprocess.js';
import { sha256OfInput } from '../../src/io/input-file.js';
import { CHECKPOINT_FILE, LOCK_FILE, readStoreMeta, requestDifferences, storeCacheKey, StoreWriter, type StoreFileOps, type StoreRequest } from '../../src/extract/store.js';
import { readNpyMatrix } from '../../src/io/npy.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { fifo, removeDir, REPO, scratchDir, sqrtModel, tinyIjbRoot } from './hostile-files.js';

const tmp = scratchDir();
afterAll(() => removeDir(tmp));
const MODEL = join(tmp, 'sqrt.onnx');
const BRIGHT = [150, 160, 170, 180, 190, 200, 210, 220]; // 8 faces, all finite through the sqrt model
let root = '';

const ijbFaces = (dir: string) => loadFaceList({ kind: 'ijb', root: dir, target: 'IJBC' });
const options = (out: string, extra: Partial<ExtractOptions> = {}): ExtractOptions => ({
  modelPath: MODEL, faces: ijbFaces(root), out, ep: 'cpu', batch: 4, workers: 0, flip: true, preprocessing: PRESETS.arcface,
  resume: false, shard: { index: 1, count: 1 }, skipBad: false, threads: 1, ...extra,
});

/** The DataError an async call fails with (its message is one line). */
async function dataError(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DataError);
    expect((e as Error).message).not.toContain('\n');
    return e as DataError;
  }
  throw new Error('no error was thrown');
}

const bytes = (dir: string, file: string) => readFileSync(join(dir, file));
let full = ''; // a complete store of all 8 faces
let interrupted = ''; // a killed run: checkpoint after the first batch of 4 faces

beforeAll(async () => {
  writeFileSync(MODEL, sqrtModel());
  root = await tinyIjbRoot(join(tmp, 'root'), BRIGHT);
  full = join(tmp, 'full');
  interrupted = join(tmp, 'interrupted');
  await extractFeatures(options(full));
  const r = await extractFeatures(options(interrupted, { stopAfterBatches: 1 }));
  expect(r.complete).toBe(false);
}, 60_000);

describe('one writer per store folder (group 2)', () => {
  const checkpointMeta = () => JSON.parse(readFileSync(join(interrupted, CHECKPOINT_FILE), 'utf8')).meta;

  it('a second writer gets a DataError naming the holder; the lock goes with the first', () => {
    const dir = join(tmp, 'locked');
    const first = StoreWriter.open(dir, checkpointMeta(), { resume: false });
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    let error: DataError | undefined;
    try {
      StoreWriter.open(dir, checkpointMeta(), { resume: false });
    } catch (e) {
      error = e as DataError;
    }
    expect(error?.message).toBe(`${dir}: in use by another facebench process (pid ${process.pid} on ${hostname()}, since ${lock.started})`);
    expect(error?.hint).toBe(`wait for it to finish; if no such process runs, delete ${join(dir, LOCK_FILE)}`);
    first.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    StoreWriter.open(dir, checkpointMeta(), { resume: false }).abort(false);
    expect(readdirSync(dir)).toEqual([]); // made by the first writer: the second leaves it, empty
    const fresh = join(tmp, 'locked-fresh');
    StoreWriter.open(fresh, checkpointMeta(), { resume: false }).abort(false);
    expect(existsSync(fresh)).toBe(false); // made by this writer, nothing written: removed
  });

  it('a lock left by a process that is gone from this host is stale and taken over; another host\'s is not', () => {
    const dir = join(tmp, 'stale');
    mkdirSync(dir);
    const dead = spawnSync('true').pid!; // exited: no such process any more
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: '2020-01-01T00:00:00.000Z' }));
    const w = StoreWriter.open(dir, checkpointMeta(), { resume: false });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    w.abort(false);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: 'node-17', started: '2020-01-01T00:00:00.000Z' }));
    expect(() => StoreWriter.open(dir, checkpointMeta(), { resume: false })).toThrow(`${dir}: in use by another facebench process (pid ${dead} on node-17, since 2020-01-01T00:00:00.000Z)`);
    expect(existsSync(dir)).toBe(true); // not ours: left alone
  });

  it('two extracts with different models into one --out: one store of one model, the other refused', async () => {
    const other = join(tmp, 'tiny-a32.onnx');
    cpSync(join(REPO, 'fixtures', 'models', 'tiny-a32.onnx'), other);
    const out = join(tmp, 'race');
    const results = await Promise.allSettled([extractFeatures(options(out)), extractFeatures(options(out, { modelPath: other }))]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    expect(won).toBeGreaterThanOrEqual(0);
    expect(lost?.reason).toBeInstanceOf(DataError);
    // Refused by the lock while the winner runs, or (had the winner already finished) by its complete store.
    expect(lost?.reason.message).toMatch(new RegExp(`in use by another facebench process \\(pid ${process.pid} |a complete feature store is already there`));
    const meta = readStoreMeta(out);
    expect(meta.model.sha256).toBe(sha256OfInput(won === 0 ? MODEL : other));
    if (won === 0) expect(bytes(out, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['features.npy', 'features_flip.npy', 'store.json']);
  });
});

describe('--resume checks the checkpoint and the partial files: an error naming the file, never zeros (group 3)', () => {
  const damaged = (name: string, damage: (dir: string) => void): string => {
    const dir = join(tmp, `damaged-${name}`);
    cpSync(interrupted, dir, { recursive: true });
    damage(dir);
    return dir;
  };
  const editCheckpoint = (edit: (ck: Record<string, unknown>) => void) => (dir: string) => {
    const ck = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8'));
    edit(ck);
    writeFileSync(join(dir, CHECKPOINT_FILE), JSON.stringify(ck));
  };
  const partial = (dir: string) => join(dir, 'features.npy.partial');
  const ck = (dir: string) => join(dir, CHECKPOINT_FILE);

  it('an undamaged checkpoint resumes to the bytes of an uninterrupted run', async () => {
    const dir = damaged('none', () => {});
    await extractFeatures(options(dir, { resume: true }));
    expect(bytes(dir, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
    expect(bytes(dir, 'features_flip.npy').equals(bytes(full, 'features_flip.npy'))).toBe(true);
  });

  it.each([
    ['partial file truncated below rowsDone', (d: string) => truncateSync(partial(d), 128 + 2 * 12 + 5), (d: string) => `${partial(d)}: holds 2 rows but checkpoint.json says 4 are saved (truncated, or the checkpoint was edited)`],
    ['rowsDone edited larger', editCheckpoint((c) => (c.rowsDone = 6)), (d: string) => `${partial(d)}: holds 4 rows but checkpoint.json says 6 are saved (truncated, or the checkpoint was edited)`],
    ['rowsDone past the face count', editCheckpoint((c) => (c.rowsDone = 9)), (d: string) => `${ck(d)}: rowsDone must be an integer from 0 to 8, found '9'`],
    ['rowsDone negative', editCheckpoint((c) => (c.rowsDone = -1)), (d: string) => `${ck(d)}: rowsDone must be an integer from 0 to 8, found '-1'`],
    ['rowsDone a string', editCheckpoint((c) => (c.rowsDone = '4')), (d: string) => `${ck(d)}: rowsDone must be an integer from 0 to 8, found '"4"'`],
    ['badFaces not a list', editCheckpoint((c) => (c.badFaces = {})), (d: string) => `${ck(d)}: badFaces must be a list, found '{}'`],
    ['a bad face -1', editCheckpoint((c) => (c.badFaces = [{ face: -1, name: 'x', reason: 'y' }])), (d: string) => `${ck(d)}: badFaces[0].face must be an integer from 0 to 3, found '-1'`],
    ['meta missing', editCheckpoint((c) => delete c.meta), (d: string) => `${ck(d)}: meta must be an object, found nothing`],
    ['headerBytes 1e15', editCheckpoint((c) => (c.headerBytes = 1e15)), (d: string) => `${ck(d)}: headerBytes must be 128, found '1000000000000000'`],
    ['checksums missing', editCheckpoint((c) => delete c.crc32), (d: string) => `${ck(d)}: crc32 must be an object, found nothing`],
    ['a saved row edited (same size)', (d: string) => {
      const b = readFileSync(partial(d));
      b.writeFloatLE(0, 128 + 12 + 4);
      writeFileSync(partial(d), b);
    }, (d: string) => `${partial(d)}: the 4 saved rows do not match their checksum in checkpoint.json (the file was changed after it was written)`],
    ['the .npy header of the partial file changed', (d: string) => {
      const b = readFileSync(partial(d));
      b.write('(9, 3)', b.indexOf('(8, 3)'), 'latin1');
      writeFileSync(partial(d), b);
    }, (d: string) => `${partial(d)}: its .npy header is not the one for (8, 3) float32 rows (the file was changed)`],
    ['the flip partial file missing', (d: string) => rmSync(join(d, 'features_flip.npy.partial')), (d: string) => `${join(d, 'features_flip.npy.partial')}: missing (checkpoint.json says 4 rows are saved)`],
    ['the checkpoint not JSON', (d: string) => writeFileSync(ck(d), '{"rowsDone":\n 4,\n}'), (d: string) => `${ck(d)}:3: not valid JSON (Expected double-quoted property name in JSON at position 17)`],
    ['the checkpoint a FIFO', (d: string) => {
      rmSync(ck(d));
      fifo(ck(d));
    }, (d: string) => `${ck(d)}: is a FIFO (named pipe), not a regular file`],
  ])('%s', async (name, damage, message) => {
    const dir = damaged(name.replace(/\W+/g, '-'), damage);
    const before = readdirSync(dir).sort();
    const e = await dataError(extractFeatures(options(dir, { resume: true })));
    expect(e.message).toBe(message(dir));
    expect(readdirSync(dir).sort()).toEqual(before); // the user's files are left as they were
  });

  it('with the other settings (--skip-bad differs), resume is refused', async () => {
    const e = await dataError(extractFeatures(options(interrupted, { resume: true, skipBad: true })));
    expect(e.message).toMatch(/the interrupted extraction used different settings \(skip-bad: false vs true\)/);
  });
});

describe('model outputs NaN or Inf (group 4)', () => {
  let nanRoot = '';
  beforeAll(async () => {
    nanRoot = await tinyIjbRoot(join(tmp, 'nan-root'), [150, 160, 60, 170, 180, 190, 50, 200]); // faces 3 and 7 are dark
  });

  it('an error naming the first face, and no folder left when nothing was saved', async () => {
    const out = join(tmp, 'nan');
    const e = await dataError(extractFeatures({ ...options(out), faces: ijbFaces(nanRoot) }));
    expect(e.message).toBe(`${MODEL}: the model output NaN or Inf for it: face 3 ('3.png')`);
    expect(existsSync(out)).toBe(false);
  });

  it('in a later batch: the checkpoint of the batches before is kept, and the hint says so', async () => {
    const out = join(tmp, 'nan-later');
    const late = await tinyIjbRoot(join(tmp, 'nan-late-root'), [150, 160, 170, 180, 190, 50, 200, 210]);
    const e = await dataError(extractFeatures({ ...options(out), faces: ijbFaces(late) }));
    expect(e.message).toBe(`${MODEL}: the model output NaN or Inf for it: face 6 ('6.png')`);
    expect(e.hint).toMatch(new RegExp(`the 4 faces already extracted are kept in ${out}: rerun with --resume to continue$`));
    expect(readdirSync(out).sort()).toEqual([CHECKPOINT_FILE, 'features.npy.partial', 'features_flip.npy.partial']);
  });

  it('aligned images of a folder (no landmarks): an error naming the image', async () => {
    const faces = loadFaceList({ kind: 'folder', images: join(nanRoot, 'loose_crop'), list: undefined });
    const e = await dataError(extractFeatures({ ...options(join(tmp, 'nan-folder')), faces, batch: 2 }));
    expect(e.message).toBe(`${join(nanRoot, 'loose_crop', '3.png')}: the model ${MODEL} output NaN or Inf for this image`);
  });

  it('under --skip-bad: listed as bad faces with NaN rows; the rest finite', async () => {
    const out = join(tmp, 'nan-skip');
    const r = await extractFeatures({ ...options(out), faces: ijbFaces(nanRoot), skipBad: true });
    expect(r.meta!.badFaces.map((b) => [b.face, b.name, b.reason])).toEqual([[2, '3.png', 'the model output NaN or Inf for it'], [6, '7.png', 'the model output NaN or Inf for it']]);
    const f = readNpyMatrix(join(out, 'features.npy'));
    for (let r = 0; r < 8; r++) expect(Array.from(f.data.subarray(3 * r, 3 * r + 3)).every(Number.isNaN)).toBe(r === 2 || r === 6);
    expect(Array.from(f.data).filter(Number.isFinite).length).toBe(18);
  });
});

describe('cache identity: --skip-bad and the inputs\' stamps (group 4)', () => {
  const requestFor = (dir: string, skipBad: boolean): StoreRequest => {
    const meta = readStoreMeta(dir);
    return { modelSha256: meta.model.sha256, preprocessing: meta.preprocessing, flip: meta.flip, dataset: meta.dataset, skipBad, inputs: ijbStoreInputs(meta.datasetRoot, 'IJBC'), imageDir: join(meta.datasetRoot, 'loose_crop') };
  };

  it('the key changes with --skip-bad and with the face list or image folder, and only then', () => {
    const req = requestFor(full, false);
    expect(storeCacheKey(req)).toMatch(/^[0-9a-f]{16}$/);
    expect(storeCacheKey(requestFor(full, false))).toBe(storeCacheKey(req));
    expect(storeCacheKey({ ...req, skipBad: true })).not.toBe(storeCacheKey(req));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'meta', 'ijbc_name_5pts_score.txt'), later, later);
    expect(storeCacheKey(requestFor(full, false))).not.toBe(storeCacheKey(req));
    expect(requestDifferences(readStoreMeta(full), requestFor(full, false))).toEqual([expect.stringMatching(/^inputs \(face list and image folder: size, mtime\): store has /)]);
  });

  it('a store that skipped faces is stale without --skip-bad, and once a skipped face\'s image is fixed', async () => {
    const fixable = await tinyIjbRoot(join(tmp, 'fixable-root'), [150, 160, 60, 170]);
    const out = join(tmp, 'fixable');
    await extractFeatures({ ...options(out), faces: ijbFaces(fixable), skipBad: true });
    expect(requestDifferences(readStoreMeta(out), requestFor(out, true))).toEqual([]);
    expect(requestDifferences(readStoreMeta(out), requestFor(out, false))).toEqual(['skip-bad: the store skipped 1 unreadable faces, asked without --skip-bad']);
    writeFileSync(join(fixable, 'loose_crop', '3.png'), readFileSync(join(fixable, 'loose_crop', '1.png'))); // fixed in place: the folder's mtime stays
    expect(requestDifferences(readStoreMeta(out), requestFor(out, true))).toEqual(["1 skipped faces have changed images since (first: '3.png')"]);
  });
});

describe('merge checks what it copies (groups 5 and 10)', () => {
  const shards = [1, 2].map((k) => join(tmp, `shard${k}`));
  beforeAll(async () => {
    for (const [k, dir] of shards.entries()) await extractFeatures(options(dir, { shard: { index: k + 1, count: 2 } }));
  });
  const tampered = (name: string, edit: (dir: string) => void): string => {
    const dir = join(tmp, `tampered-${name}`);
    cpSync(shards[1], dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const editStoreJson = (edit: (m: Record<string, unknown>) => void) => (dir: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'));
    edit(m);
    writeFileSync(join(dir, 'store.json'), JSON.stringify(m));
  };

  it('the shards merge to the single run', () => {
    const out = join(tmp, 'merged');
    mergeStores(shards, out);
    expect(bytes(out, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
  });

  it('a NaN row that the shard does not list as bad: refused, naming file, row and face; nothing left', () => {
    const dir = tampered('nan', (d) => {
      const b = readFileSync(join(d, 'features_flip.npy'));
      b.writeFloatLE(NaN, 128 + 12 + 8);
      writeFileSync(join(d, 'features_flip.npy'), b);
    });
    const out = join(tmp, 'merged-nan');
    expect(() => mergeStores([shards[0], dir], out)).toThrow(`${join(dir, 'features_flip.npy')}: row 2 (face 6) holds NaN at column 3, but the store does not list that face as unreadable`);
    expect(existsSync(out)).toBe(false);
    // Listed as a bad face, the same row is accepted.
    const listed = tampered('nan-listed', (d) => {
      cpSync(join(dir, 'features_flip.npy'), join(d, 'features_flip.npy'));
      editStoreJson((m) => (m.badFaces = [{ face: 5, name: '6.png', reason: 'test' }]))(d);
    });
    expect(mergeStores([shards[0], listed], join(tmp, 'merged-listed')).badFaces.map((b) => b.face)).toEqual([5]);
  });

  it.each([
    ['face -1', [{ face: -1, name: 'x', reason: 'y' }], "badFaces[0].face must be an integer from 4 to 7, found '-1'"],
    ['a face of the other shard', [{ face: 0, name: '1.png', reason: 'y' }], "badFaces[0].face must be an integer from 4 to 7, found '0'"],
    ['a face twice', [{ face: 5, name: '6.png', reason: 'y' }, { face: 5, name: '6.png', reason: 'y' }], "badFaces[1].face must be an integer from 6 to 7, found '5'"],
    ['no reason', [{ face: 5, name: '6.png' }], 'badFaces[0].reason must be a string, found nothing'],
  ])('bad faces with %s: refused, and the out folder not made', (_, badFaces, message) => {
    const dir = tampered(_.replace(/\W+/g, '-'), editStoreJson((m) => (m.badFaces = badFaces)));
    const out = join(tmp, `merged-${_.replace(/\W+/g, '-')}`);
    expect(() => mergeStores([shards[0], dir], out)).toThrow(`${join(dir, 'store.json')}: ${message}`);
    expect(existsSync(out)).toBe(false);
  });

  it('a full disk while merging: a DataError naming the file; what merge made is removed, a folder given empty stays empty', () => {
    const enospc: StoreFileOps = {
      write: (fd, b, offset, length, position) => {
        if (position > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, b, offset, length, position);
      },
    };
    const out = join(tmp, 'merged-full');
    expect(() => mergeStores(shards, out, { fileOps: enospc })).toThrow(`${join(out, 'features.npy.partial')}: cannot write (ENOSPC: no space left on device)`);
    expect(existsSync(out)).toBe(false);
    const given = join(tmp, 'merged-given');
    mkdirSync(given);
    expect(() => mergeStores(shards, given, { fileOps: enospc })).toThrow(/ENOSPC/);
    expect(readdirSync(given)).toEqual([]);
  });
});

describe('--out that cannot be a store, and failures that leave nothing behind (groups 9 and 10)', () => {
  it('--out an existing file: refused, the file untouched', async () => {
    const out = join(tmp, 'a-file');
    writeFileSync(out, 'keep me');
    const e = await dataError(extractFeatures(options(out)));
    expect(e.message).toBe(`${out}: exists and is a regular file, not a folder`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('--out below a file (a parent that is not a folder)', async () => {
    const parent = join(tmp, 'parent-file');
    writeFileSync(parent, '');
    const e = await dataError(extractFeatures(options(join(parent, 'store'))));
    expect(e.message).toBe(`${join(parent, 'store')}: cannot create the folder (ENOTDIR: a folder on its path is a file)`);
  });

  it('a full disk (ENOSPC at the first row): a DataError naming the partial file; no folder, no 0-byte partial left', async () => {
    const out = join(tmp, 'deep', 'er', 'full-disk');
    const fileOps: StoreFileOps = { write: () => { throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }); } };
    const e = await dataError(extractFeatures(options(out, { fileOps })));
    expect(e.message).toBe(`${join(out, 'features.npy.partial')}: cannot write (ENOSPC: no space left on device)`);
    expect(existsSync(join(tmp, 'deep'))).toBe(false); // the parents it made too
  });

  it('a missing image (without --skip-bad) or a model whose output has the wrong shape: no folder left', async () => {
    const broken = await tinyIjbRoot(join(tmp, 'broken-root'), BRIGHT.slice(0, 4));
    rmSync(join(broken, 'loose_crop', '2.png'));
    const out = join(tmp, 'missing-image');
    const e = await dataError(extractFeatures({ ...options(out), faces: ijbFaces(broken) }));
    expect(e.message).toBe(`${join(broken, 'loose_crop', '2.png')}: cannot read face 2 (no such file)`);
    expect(existsSync(out)).toBe(false);
    const shapeModel = join(tmp, 'pool4d.onnx');
    writeFileSync(shapeModel, encodeOnnxModel({
      name: 'pool', nodes: [{ opType: 'GlobalAveragePool', inputs: ['input'], outputs: ['out'] }],
      inputs: [{ name: 'input', elemType: 'float32', dims: ['N', 3, 112, 112] }], outputs: [{ name: 'out', elemType: 'float32', dims: ['N', 3, 1, 1] }],
    }));
    const shapeOut = join(tmp, 'bad-shape');
    const s = await dataError(extractFeatures(options(shapeOut, { modelPath: shapeModel })));
    expect(s.message).toBe(`${shapeModel}: output 'out' has shape [4, 3, 1, 1] for a batch of 4; expected [4, dim]`);
    expect(existsSync(shapeOut)).toBe(false);
  });

  it('truncated images under --skip-bad: the same stable reason in worker threads and on the main thread', async () => {
    const cut = await tinyIjbRoot(join(tmp, 'cut-root'), BRIGHT.slice(0, 6));
    const jpeg = readFileSync(join(REPO, 'fixtures', 'ijb-images', 'loose_crop', '1.jpg'));
    for (const k of [2, 4, 5]) writeFileSync(join(cut, 'loose_crop', `${k}.png`), jpeg.subarray(0, 700 + k));
    const reasons = [];
    for (const workers of [2, 0]) {
      const r = await extractFeatures({ ...options(join(tmp, `cut${workers}`)), faces: ijbFaces(cut), skipBad: true, workers, batch: 2 });
      reasons.push(r.meta!.badFaces.map((b) => `${b.name}: ${b.reason}`));
    }
    expect(reasons[0]).toEqual(['2.png: truncated JPEG: the file ends before the image data does', '4.png: truncated JPEG: the file ends before the image data does', '5.png: truncated JPEG: the file ends before the image data does']);
    expect(reasons[1]).toEqual(reasons[0]);
  });
});
