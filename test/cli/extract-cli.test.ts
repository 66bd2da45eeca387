// End-to-end on the fixture images and tiny models (CPU): the first extraction through the real bin, the rest in process.
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { readNpyMatrix } from '../../src/io/npy.js';
import { REPO, runCli, runInProcess as run, tempDir } from '../helpers/cli.js';

const ROOT = join(REPO, 'fixtures', 'ijb-images');
const MODEL = join(REPO, 'fixtures', 'models', 'tiny-a32.onnx');
const TMP = tempDir('facebench-extract-');
/** The lines facebench itself wrote (native libraries may add their own warnings). */
const ownLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('facebench:') || l.startsWith('hint:'));
const CPU = ['--ep', 'cpu', '--quiet'];
const EVAL = ['--far', '1e-2,1e-1', '--aggregate', 'plain,magnitude,insightface'];
const EVAL_QUIET = [...EVAL, '--quiet'];
const bytes = (dir: string, file: string) => readFileSync(join(dir, file));

async function extract(out: string, extra: string[] = [], batch = '16', workers = '2', runner = run) {
  const r = await runner(['extract', '--model', MODEL, '--root', ROOT, '--out', out, '--flip', '--batch', batch, '--workers', workers, ...CPU, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

describe('facebench extract', () => {
  const full = join(TMP, 'full');

  it('writes features.npy, features_flip.npy and store.json', async () => {
    await extract(full, [], '16', '2', runCli); // once through the real bin and its bundled worker
    const meta = JSON.parse(readFileSync(join(full, 'store.json'), 'utf8'));
    expect(meta).toMatchObject({
      kind: 'facebench-feature-store', rows: 120, dim: 32, flip: true, provider: 'cpu', ortVersion: '1.30.0',
      model: { inputName: 'input', outputName: 'embedding', layout: 'NCHW', size: 112, dtype: 'float32' },
      preprocessing: { preset: 'arcface', channels: 'rgb', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
      shard: { index: 1, count: 1, start: 0, end: 120 }, badFaces: [],
    });
    expect(meta.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readNpyMatrix(join(full, 'features.npy'))).toMatchObject({ rows: 120, cols: 32 });
    expect(readNpyMatrix(join(full, 'features_flip.npy'))).toMatchObject({ rows: 120, cols: 32 });
  });

  it('batch size and worker count do not change the features', async () => {
    const other = join(TMP, 'b7');
    await extract(other, [], '7', '0');
    expect(bytes(other, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
    expect(bytes(other, 'features_flip.npy').equals(bytes(full, 'features_flip.npy'))).toBe(true);
  });

  it('ijb on the store, on its .npy files and with --model give the same JSON', async () => {
    const a = await run(['ijb', '--root', ROOT, '--features', full, '--json=-', ...EVAL_QUIET]);
    const b = await run(['ijb', '--root', ROOT, '--features', join(full, 'features.npy'), '--flip-features', join(full, 'features_flip.npy'), '--json=-', ...EVAL_QUIET]);
    const c = await run(['ijb', '--root', ROOT, '--model', MODEL, '--flip', '--cache', join(TMP, 'cache'), '--json=-', '--ep', 'cpu', ...EVAL]);
    for (const r of [a, b, c]) expect(r.code).toBe(0);
    expect(c.stdout).toBe(a.stdout);
    // The store adds where the features came from; everything else equals the bare .npy evaluation.
    const doc = JSON.parse(a.stdout);
    expect(doc.features.source).toMatchObject({ provider: 'cpu', dtype: 'float32', ort_version: '1.30.0', flip: true, unreadable_faces: 0, preprocessing: { preset: 'arcface', channels: 'rgb' } });
    delete doc.features.source;
    expect(doc).toEqual(JSON.parse(b.stdout));
    expect(doc.counts).toMatchObject({ images: 120, templates: 60, pairs: 800, genuine: 40 });
    expect(doc.results[0].auc).toBeGreaterThan(0.9); // the tiny model separates the synthetic identities
    // A second --model run reuses the cached store.
    const again = await run(['ijb', '--root', ROOT, '--model', MODEL, '--flip', '--cache', join(TMP, 'cache'), '--json=-', '--ep', 'cpu', '--far', '1e-2,1e-1', '--aggregate', 'plain,magnitude,insightface']);
    expect(again.stdout).toBe(a.stdout);
    expect(again.stderr).toMatch(/using the features already extracted/);
  });

  it('refuses a store made with another model or preset', async () => {
    const r = await run(['ijb', '--root', ROOT, '--model', MODEL, '--preset', 'adaface', '--flip', '--store', full, ...CPU, ...EVAL]);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)[0]).toMatch(/holds features of other settings.*preprocessing/);
    const other = await run(['ijb', '--root', ROOT, '--model', join(REPO, 'fixtures', 'models', 'tiny-b64.onnx'), '--flip', '--store', full, ...CPU, ...EVAL]);
    expect(other.code).toBe(2);
    expect(ownLines(other.stderr)[0]).toMatch(/model sha256/);
  });

  it('resumes an interrupted run to the same bytes', async () => {
    const out = join(TMP, 'resumed');
    const first = await extract(out, ['--stop-after-batches', '3']);
    expect(first.stdout).toMatch(/stopped early/);
    expect(() => readFileSync(join(out, 'store.json'))).toThrow();
    // Rows written after the last checkpoint (a kill mid-batch) are cut off on resume.
    appendFileSync(join(out, 'features.npy.partial'), Buffer.alloc(4 * 32 * 5, 0xff));
    const again = await run(['extract', '--model', MODEL, '--root', ROOT, '--out', out, '--flip', '--batch', '16', '--workers', '2', ...CPU]);
    expect(again.code).toBe(2);
    expect(ownLines(again.stderr)[0]).toMatch(/interrupted extraction/);
    await extract(out, ['--resume']);
    expect(bytes(out, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
    // --resume on a finished store (a requeued task) does nothing; without --resume it is refused.
    const before = bytes(out, 'store.json');
    await extract(out, ['--resume']);
    expect(bytes(out, 'store.json').equals(before)).toBe(true);
    const refused = await run(['extract', '--model', MODEL, '--root', ROOT, '--out', out, '--flip', ...CPU]);
    expect(refused.code).toBe(2);
    expect(ownLines(refused.stderr)[0]).toMatch(/a complete feature store is already there/);
    expect(bytes(out, 'features_flip.npy').equals(bytes(full, 'features_flip.npy'))).toBe(true);
  });

  it('shards + merge equal a single run; merge checks coverage', async () => {
    const shards = [1, 2, 3].map((k) => join(TMP, `shard${k}`));
    for (const [k, dir] of shards.entries()) await extract(dir, ['--shard', `${k + 1}/3`]);
    expect(JSON.parse(readFileSync(join(shards[1], 'store.json'), 'utf8')).shard).toEqual({ index: 2, count: 3, start: 40, end: 80 });
    const merged = join(TMP, 'merged');
    const m = await run(['merge', shards[2], shards[0], shards[1], '--out', merged]);
    expect(m.code).toBe(0);
    expect(bytes(merged, 'features.npy').equals(bytes(full, 'features.npy'))).toBe(true);
    expect(bytes(merged, 'features_flip.npy').equals(bytes(full, 'features_flip.npy'))).toBe(true);
    const missing = await run(['merge', shards[0], shards[2], '--out', join(TMP, 'bad-merge')]);
    expect(missing.code).toBe(2);
    expect(ownLines(missing.stderr)[0]).toMatch(/shards 2\/3 missing/);
    const shardEval = await run(['ijb', '--root', ROOT, '--features', shards[0], ...EVAL_QUIET]);
    expect(shardEval.code).toBe(2);
    expect(ownLines(shardEval.stderr)[0]).toMatch(/shard 1\/3 only/);
  });
});

describe('bad input exits 2 with one clear line', () => {
  const root = join(TMP, 'broken');
  cpSync(ROOT, root, { recursive: true });
  rmSync(join(root, 'loose_crop', '7.jpg'));
  writeFileSync(join(root, 'loose_crop', '8.jpg'), 'not a jpeg');

  it('missing image', async () => {
    const r = await run(['extract', '--model', MODEL, '--root', root, '--out', join(TMP, 'm1'), ...CPU]);
    expect(r.code).toBe(2);
    const lines = ownLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^facebench: ${join(root, 'loose_crop', '7\\.jpg')}: cannot read face 7 \\(no such file\\) \\(.*--skip-bad.*\\)$`));
    expect(existsSync(join(TMP, 'm1', 'features.npy'))).toBe(false);
  });

  it('--skip-bad lists the faces, NaN rows, and ijb leaves them out', async () => {
    const out = join(TMP, 'skipped');
    const r = await run(['extract', '--model', MODEL, '--root', root, '--out', out, '--skip-bad', '--flip', ...CPU]);
    expect(r.code).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, 'store.json'), 'utf8'));
    expect(meta.badFaces.map((b: { face: number; name: string }) => [b.face, b.name])).toEqual([[6, '7.jpg'], [7, '8.jpg']]);
    const f = readNpyMatrix(join(out, 'features.npy'));
    expect(Number.isNaN(f.data[6 * 32])).toBe(true);
    expect(Number.isNaN(f.data[5 * 32])).toBe(false);
    const e = await run(['ijb', '--root', root, '--features', out, '--json=-', ...EVAL_QUIET]);
    expect(e.code).toBe(0);
    const doc = JSON.parse(e.stdout);
    // 7.jpg and 8.jpg are the two faces of subject 2's gallery template: it drops out with its 40 pairs.
    expect(doc.excluded).toEqual({ faces: 2, templates: 1, pairs: 40 });
    expect(doc.counts).toMatchObject({ images: 118, templates: 59, pairs: 760, genuine: 38 });
    expect(doc.warnings.join(' ')).toMatch(/2 faces excluded/);
    // The .npy alone (without the store's list) fails loudly on the NaN rows.
    const raw = await run(['ijb', '--root', root, '--features', join(out, 'features.npy'), ...EVAL_QUIET]);
    expect(raw.code).toBe(2);
    expect(ownLines(raw.stderr)[0]).toMatch(/non-finite feature value NaN at row 7, column 1/);
  });

  it('model with a wrong input shape', async () => {
    const bad = join(TMP, 'gray.onnx');
    writeFileSync(bad, encodeOnnxModel({
      name: 'gray', nodes: [{ opType: 'Flatten', inputs: ['x'], outputs: ['y'], attributes: { axis: 1 } }],
      inputs: [{ name: 'x', elemType: 'float32', dims: ['N', 1, 112, 112] }], outputs: [{ name: 'y', elemType: 'float32', dims: ['N', 12544] }],
    }));
    const r = await run(['extract', '--model', bad, '--root', ROOT, '--out', join(TMP, 'm2'), ...CPU]);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toEqual([`facebench: ${bad}: input 'x' has shape [N, 1, 112, 112] of float32; expected [N,3,H,W] (NCHW) or [N,H,W,3] (NHWC)`]);
  });

  it('--ep cuda when CUDA is not installed', async () => {
    const r = await run(['extract', '--model', MODEL, '--root', ROOT, '--out', join(TMP, 'm3'), '--ep', 'cuda', '--quiet']);
    expect(r.code).toBe(2);
    const lines = ownLines(r.stderr);
    expect(lines[0]).toMatch(/^facebench: --ep cuda: execution provider unavailable \(cuda: its libraries are not installed/);
    expect(lines.length).toBe(1); // the message with its hint
  });
});
