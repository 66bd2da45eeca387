/**
 * `extract --dataset pairs | bin | folder` and the stores `lfw` reads (issue 15): each store's rows
 * and names, evaluated by `lfw --features STORE` with the numbers of `--names/--features` and the
 * JSON of `lfw --model`; the same rows for any batch size, worker count, shard split or dataset kind
 * that holds the image; `lfw --model`'s store cache; and the refusals of stores of another kind.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpyMatrix } from '../../src/io/npy.js';
import { REPO, runCli, runInProcess, tempDir } from '../helpers/cli.js';
import { writeLfwSet } from './lfw-images.js';

const MODEL = join(REPO, 'fixtures', 'models', 'tiny-a32.onnx');
const DEMO_BIN = join(REPO, 'fixtures', 'lfw-demo', 'demo.bin');
const CPU = ['--ep', 'cpu', '--quiet'];
const tmp = tempDir('facebench-datasets-');
const pairs = join(tmp, 'pairs.txt');
const imagesDir = join(tmp, 'images');
let binFile = '';
let images = new Map<string, Buffer>();

const bytes = (dir: string, file: string) => readFileSync(join(dir, file));
const storeJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'));
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);
/** A JSON result without `results[i].features.source` (what only store and model runs add). */
const numbers = (json: string) => {
  const doc = JSON.parse(json);
  for (const r of doc.results) delete r.features.source;
  return doc;
};

async function extract(out: string, dataset: string[], extra: string[] = []) {
  const r = await runInProcess(['extract', '--model', MODEL, ...dataset, '--out', out, '--flip', ...CPU, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
}

async function lfwJson(args: string[]): Promise<string> {
  const r = await runInProcess(['lfw', ...args, '--quiet', '--json', '-']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Feature rows (and flip rows) of a store by image name. */
function rowsByName(dir: string): Map<string, string> {
  const f = readNpyMatrix(join(dir, 'features.npy'));
  const g = readNpyMatrix(join(dir, 'features_flip.npy'));
  const row = (m: typeof f, i: number) => Buffer.from(m.data.buffer, m.data.byteOffset + i * m.cols * 4, m.cols * 4).toString('hex');
  return new Map(lines(join(dir, 'names.txt')).map((name, i) => [name, `${row(f, i)}/${row(g, i)}`]));
}

/** pairs.txt's image paths, each once in first-use order (computed here from the file's lines). */
function firstUse(): string[] {
  const used = lines(pairs).slice(1).flatMap((l) => {
    const f = l.split('\t');
    return f.length === 3 ? [[f[0], f[1]], [f[0], f[2]]] : [[f[0], f[1]], [f[2], f[3]]];
  });
  return [...new Set(used.map(([p, n]) => `${p}/${p}_${n.padStart(4, '0')}.jpg`))];
}

const pairsStore = join(tmp, 'pairs-store');

beforeAll(async () => {
  ({ binFile, images } = await writeLfwSet(tmp));
  await extract(pairsStore, ['--dataset', 'pairs', '--pairs', pairs, '--images', imagesDir], ['--batch', '5', '--workers', '2']);
}, 120_000);

describe('extract --dataset pairs', () => {
  it('rows = the distinct images in first-use order, named in names.txt; the identity in store.json', async () => {
    const names = firstUse();
    expect(lines(join(pairsStore, 'names.txt'))).toEqual(names);
    const meta = storeJson(pairsStore);
    expect(meta).toMatchObject({
      rows: names.length, flip: true,
      dataset: { name: 'pairs', faceList: 'pairs.txt', faceListSha256: createHash('sha256').update(readFileSync(pairs)).digest('hex'), faces: names.length, namesSha256: createHash('sha256').update(bytes(pairsStore, 'names.txt')).digest('hex') },
      files: { features: 'features.npy', featuresFlip: 'features_flip.npy', names: 'names.txt' },
      preprocessing: { alignment: expect.stringMatching(/^none \(aligned crops\)/) },
    });
    // makeImages draws every third picture at 100×130: those were resized.
    const resized = names.filter((n) => { const m = /^P(\d)\/P\d_000(\d)\.jpg$/.exec(n)!; return (Number(m[1]) + Number(m[2])) % 3 === 0; }).length;
    expect(resized).toBeGreaterThan(0);
    expect(meta.resizedImages).toBe(resized);
  });

  it('lfw --features STORE = --names/--features of its files, and = lfw --model (byte-identical JSON); any batch and workers', async () => {
    const viaStore = await lfwJson(['--pairs', pairs, '--features', pairsStore]);
    const viaFiles = await lfwJson(['--pairs', pairs, '--names', join(pairsStore, 'names.txt'), '--features', join(pairsStore, 'features.npy'), '--flip-features', join(pairsStore, 'features_flip.npy')]);
    const modelStore = join(tmp, 'model-pairs-store');
    const viaModel = await lfwJson(['--pairs', pairs, '--images', imagesDir, '--model', MODEL, '--ep', 'cpu', '--store', modelStore, '--batch', '128', '--workers', '0']);
    expect(viaModel).toBe(viaStore);
    expect(numbers(viaStore)).toEqual(JSON.parse(viaFiles));
    expect(JSON.parse(viaStore).results[0].features.source).toMatchObject({ provider: 'cpu', flip: true, images: firstUse().length, resized_images: storeJson(pairsStore).resizedImages });
    for (const f of ['features.npy', 'features_flip.npy', 'names.txt']) expect(bytes(modelStore, f).equals(bytes(pairsStore, f)), f).toBe(true);
  });

  it('shards merge into the single-run store, names.txt included', async () => {
    const shards = [1, 2, 3].map((k) => join(tmp, `pairs-shard-${k}`));
    for (const [k, dir] of shards.entries()) await extract(dir, ['--dataset', 'pairs', '--pairs', pairs, '--images', imagesDir], ['--shard', `${k + 1}/3`]);
    expect(lines(join(shards[1], 'names.txt'))).toEqual(firstUse().slice(storeJson(shards[1]).shard.start, storeJson(shards[1]).shard.end));
    const merged = join(tmp, 'pairs-merged');
    const m = await runCli(['merge', shards[2], shards[0], shards[1], '--out', merged]);
    expect(m.code, m.stderr).toBe(0);
    for (const f of ['features.npy', 'features_flip.npy', 'names.txt']) expect(bytes(merged, f).equals(bytes(pairsStore, f)), f).toBe(true);
    expect(storeJson(merged).resizedImages).toBe(storeJson(pairsStore).resizedImages);
    const shardEval = await runInProcess(['lfw', '--pairs', pairs, '--features', shards[0], '--quiet']);
    expect(shardEval.code).toBe(2);
    expect(shardEval.stderr).toMatch(/is shard 1\/3 only/);
  });
});

describe('extract --dataset bin', () => {
  const binStore = join(tmp, 'bin-store');

  it('rows = the .bin images in order; lfw --bin --features STORE = lfw --bin --model (byte-identical JSON)', async () => {
    await extract(binStore, ['--dataset', 'bin', '--bin', binFile], ['--batch', '3', '--workers', '0']);
    const meta = storeJson(binStore);
    expect(meta).toMatchObject({ rows: 24, dataset: { name: 'bin', faceList: 'tiny.bin', faces: 24 }, files: { features: 'features.npy', featuresFlip: 'features_flip.npy' } });
    expect(meta.files.names).toBeUndefined();
    const viaStore = await lfwJson(['--bin', binFile, '--features', binStore]);
    const viaModel = await lfwJson(['--bin', binFile, '--model', MODEL, '--ep', 'cpu', '--cache', join(tmp, 'cache-bin')]);
    expect(viaModel).toBe(viaStore);
    // The .bin repeats images of the image folder: their rows equal the pairs store's rows.
    const byName = rowsByName(pairsStore);
    const f = readNpyMatrix(join(binStore, 'features.npy'));
    const names = [...images.keys()];
    const first = Buffer.from(f.data.buffer, f.data.byteOffset, f.cols * 4).toString('hex');
    expect(byName.get(names[0])!.split('/')[0]).toBe(first); // bins[0] is the first image (writeLfwSet)
  });

  it('refuses another .bin, a pair list, and ijb', async () => {
    const cases: [string[], RegExp][] = [
      [['lfw', '--bin', DEMO_BIN, '--features', binStore], /was extracted from tiny\.bin \(sha256 [0-9a-f]{12}…\), not from .*demo\.bin/],
      [['lfw', '--pairs', pairs, '--features', binStore], /holds the images of tiny\.bin in order, without names \(evaluate it with --bin tiny\.bin\)/],
      [['lfw', '--bin', binFile, '--features', pairsStore], /holds the named images of a pairs dataset, not a \.bin's images in order/],
      [['ijb', '--root', join(REPO, 'fixtures', 'ijb-images'), '--features', binStore], /holds the images of a bin dataset \(tiny\.bin\), not IJB faces/],
    ];
    for (const [args, msg] of cases) {
      const r = await runInProcess([...args, '--quiet']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('extract --dataset folder', () => {
  it('every image under the folder, sorted bytewise; the same rows as the pairs store; any pair list over the folder evaluates it', async () => {
    const store = join(tmp, 'folder-store');
    await extract(store, ['--dataset', 'folder', '--images', imagesDir]);
    const names = [...images.keys()].sort();
    expect(lines(join(store, 'names.txt'))).toEqual(names);
    expect(storeJson(store).dataset).toMatchObject({ name: 'folder', faceList: null, faceListSha256: null, faces: names.length });
    const byName = rowsByName(store);
    for (const [name, rows] of rowsByName(pairsStore)) expect(byName.get(name), name).toBe(rows);
    const viaFolder = await lfwJson(['--pairs', pairs, '--features', store]);
    const viaPairs = await lfwJson(['--pairs', pairs, '--features', pairsStore]);
    expect(numbers(viaFolder)).toEqual(numbers(viaPairs));
    expect(JSON.parse(viaFolder).results[0].features.source.images).toBe(names.length);
  });

  it('--list: its lines in order', async () => {
    const list = join(tmp, 'list.txt');
    const names = [...images.keys()].reverse().slice(0, 5);
    writeFileSync(list, names.join('\n') + '\n');
    const store = join(tmp, 'list-store');
    await extract(store, ['--dataset', 'folder', '--images', imagesDir, '--list', list]);
    expect(lines(join(store, 'names.txt'))).toEqual(names);
    expect(storeJson(store).dataset).toMatchObject({ name: 'folder', faceList: 'list.txt', faces: 5 });
    const byName = rowsByName(pairsStore);
    for (const [name, rows] of rowsByName(store)) if (byName.has(name)) expect(rows, name).toBe(byName.get(name));
    writeFileSync(list, `${names[0]}\nP9/missing.jpg\n`);
    const missing = await runInProcess(['extract', '--model', MODEL, '--dataset', 'folder', '--images', imagesDir, '--list', list, '--out', join(tmp, 'list-missing'), ...CPU]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`facebench: ${join(imagesDir, 'P9', 'missing.jpg')}: cannot read image (no such file; named by ${list})\n`);
  });

  it('--skip-bad: an unreadable image is listed; lfw evaluates the pairs that do not need it and names it otherwise', async () => {
    const folder = join(tmp, 'images-bad');
    for (const name of images.keys()) {
      mkdirSync(join(folder, name.split('/')[0]), { recursive: true });
      copyFileSync(join(imagesDir, name), join(folder, name));
    }
    writeFileSync(join(folder, 'P0', 'P0_0009.jpg'), 'not a jpeg');
    const refused = await runInProcess(['extract', '--model', MODEL, '--dataset', 'folder', '--images', folder, '--out', join(tmp, 'bad-refused'), ...CPU]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^facebench: ${join(folder, 'P0', 'P0_0009.jpg')}: cannot read image \\(not a JPEG`));
    const store = join(tmp, 'bad-store');
    await extract(store, ['--dataset', 'folder', '--images', folder], ['--skip-bad']);
    expect(storeJson(store).badFaces.map((b: { name: string }) => b.name)).toEqual(['P0/P0_0009.jpg']);
    expect(numbers(await lfwJson(['--pairs', pairs, '--features', store]))).toEqual(numbers(await lfwJson(['--pairs', pairs, '--features', pairsStore])));
    writeFileSync(join(tmp, 'pairs-bad.txt'), '1\t1\nP0\t1\t9\nP0\t1\tP1\t1\n');
    const needed = await runInProcess(['lfw', '--pairs', join(tmp, 'pairs-bad.txt'), '--features', store, '--folds', '2', '--quiet']);
    expect(needed.code).toBe(2);
    expect(needed.stderr).toMatch(/pairs-bad\.txt:2: image 'P0\/P0_0009\.jpg' is not in .*names\.txt \(less the 1 images unreadable at extraction\)/);
  });
});

describe('lfw --model: a store per dataset, cached', () => {
  it('a second run reads the store and says so (not with --quiet); another flip is another store; --store of other settings is refused', async () => {
    const cache = join(tmp, 'cache-lfw');
    const args = ['lfw', '--bin', binFile, '--bin', DEMO_BIN, '--model', MODEL, '--ep', 'cpu', '--cache', cache, '--json', '-'];
    const first = await runInProcess(args);
    expect(first.code, first.stderr).toBe(0);
    const made = [...first.stderr.matchAll(/^facebench: extracting into (.*)$/gm)].map((m) => m[1]);
    expect(made).toHaveLength(2);
    expect(made[0]).toMatch(new RegExp(`^${join(cache, 'stores', 'tiny-a32-tiny-')}[0-9a-f]{16}$`));
    expect(made[1]).toMatch(new RegExp(`^${join(cache, 'stores', 'tiny-a32-demo-')}[0-9a-f]{16}$`));
    const second = await runInProcess(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect([...second.stderr.matchAll(/^facebench: using the features already extracted in (.*)$/gm)].map((m) => m[1])).toEqual(made);
    expect(second.stderr).not.toMatch(/extracting into|faces\/s/);
    const quiet = await runInProcess([...args, '--quiet']);
    expect(quiet.stderr.split('\n').filter((l) => !l.startsWith('facebench: warning: ') && l !== '')).toEqual([]);
    const noFlip = await runInProcess(['lfw', '--bin', binFile, '--model', MODEL, '--ep', 'cpu', '--cache', cache, '--no-flip', '--json', '-']);
    expect(noFlip.stderr).toMatch(/extracting into/);
    expect(noFlip.stderr).not.toContain(made[0]);
    const other = await runInProcess(['lfw', '--bin', binFile, '--model', MODEL, '--ep', 'cpu', '--store', made[0], '--preset', 'magface', '--quiet']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds features of other settings \(preprocessing: store has/);
  });
});

describe('flag checks', () => {
  it('flags of another dataset kind, missing inputs, --store and --features store folders in lfw', async () => {
    const x = join(tmp, 'never');
    const cases: [string[], RegExp][] = [
      [['extract', '--dataset', 'pairs', '--pairs', pairs, '--images', imagesDir, '--root', tmp, '--out', x], /^facebench: --root only applies with --dataset ijb or ijbb-clustering \(this is --dataset pairs\)/],
      [['extract', '--dataset', 'bin', '--bin', binFile, '--list', pairs, '--out', x], /--list only applies with --dataset folder \(this is --dataset bin\)/],
      [['extract', '--dataset', 'folder', '--pairs', pairs, '--images', imagesDir, '--out', x], /--pairs only applies with --dataset pairs/],
      [['extract', '--dataset', 'pairs', '--pairs', pairs, '--out', x], /--images is required with --dataset pairs/],
      [['extract', '--dataset', 'pairs', '--pairs', pairs, '--pairs-csv', pairs, '--images', imagesDir, '--out', x], /--dataset pairs takes one pair list/],
      [['extract', '--dataset', 'folder', '--out', x], /--images is required with --dataset folder/],
      [['extract', '--dataset', 'lfw', '--out', x], /--dataset must be one of ijb, pairs, bin, folder/],
      [['lfw', '--pairs', pairs, '--features', pairsStore, '--flip-features', 'g.npy'], /--flip-features does not go with a store folder/],
      [['lfw', '--pairs', pairs, '--features', pairsStore, '--names', 'n.txt'], /--names does not go with a store folder/],
      [['lfw', '--bin', binFile, '--features', 'f.npy', '--store', x], /--store only applies with --model/],
      [['lfw', '--bin', binFile, '--bin', DEMO_BIN, '--model', MODEL, '--store', x], /2 dataset\(s\) but 1 --store/],
      [['lfw', '--bin', binFile, '--features', 'f.npy', '--save-crops', x], /--save-crops only applies with --model/],
    ];
    for (const [args, msg] of cases) {
      const r = await runInProcess([...args, '--quiet']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});
