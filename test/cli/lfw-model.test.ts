/**
 * `facebench lfw --model`: the numbers equal features mode on features computed here through the
 * session API (own normalisation and flip, one image per run), batch size and workers change
 * nothing, corrupt / missing images fail with one line and no output file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, resizeImage } from '../../src/extract/decode.js';
import { openModelSession } from '../../src/extract/session.js';
import { encodeNpy } from '../../src/io/npy.js';
import { readInsightfaceBin } from '../../src/io/insightface-bin.js';
import { REPO, runCli, runInProcess, tempDir } from '../helpers/cli.js';
import { binPickle, writeLfwSet } from './lfw-images.js';

const MODEL = join(REPO, 'fixtures', 'models', 'tiny-a32.onnx');
const DEMO_BIN = join(REPO, 'fixtures', 'lfw-demo', 'demo.bin');
const SIZE = 112;

/** Features of each image via openModelSession().run, one image per run, arcface RGB (x − 127.5) / 127.5. */
async function referenceFeatures(images: Uint8Array[]): Promise<{ orig: Float32Array; flip: Float32Array; dim: number }> {
  const session = await openModelSession(MODEL, 'cpu');
  expect(session.model.layout).toBe('NCHW');
  expect(session.model.size).toBe(SIZE);
  const plane = SIZE * SIZE;
  const rows: Float32Array[] = [];
  const flips: Float32Array[] = [];
  try {
    for (const bytes of images) {
      let img = await decodeImage(bytes, 'rgb');
      if (img.width !== SIZE || img.height !== SIZE) img = await resizeImage(img, SIZE);
      const a = new Float32Array(3 * plane);
      const b = new Float32Array(3 * plane);
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          for (let c = 0; c < 3; c++) {
            const v = Math.fround(Math.fround(img.data[(y * SIZE + x) * 3 + c] - 127.5) / 127.5);
            a[c * plane + y * SIZE + x] = v;
            b[c * plane + y * SIZE + (SIZE - 1 - x)] = v;
          }
        }
      }
      rows.push((await session.run(a, 1)).features);
      flips.push((await session.run(b, 1)).features);
    }
  } finally {
    await session.release();
  }
  const dim = rows[0].length;
  const orig = new Float32Array(rows.length * dim);
  const flip = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => orig.set(r, k * dim));
  flips.forEach((r, k) => flip.set(r, k * dim));
  return { orig, flip, dim };
}

/** JSON of a run without the model-mode-only provenance blocks (`results[i].features.source`). */
function numbersOf(file: string): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  for (const r of doc.results) delete r.features.source;
  return doc;
}

const sourceOf = (file: string, k = 0) => JSON.parse(readFileSync(file, 'utf8')).results[k].features.source;

let dir: string;
let images: Map<string, Buffer>;
let binFile: string;
let binImages: Uint8Array[];

beforeAll(async () => {
  dir = tempDir('lfw-model-');
  ({ images, binFile, binImages } = await writeLfwSet(dir));
}, 120_000);

describe('facebench lfw --model', () => {
  it('.bin: same JSON numbers as --features on features computed through the session API; provenance recorded', async () => {
    for (const [bin, imgs] of [[binFile, binImages], [DEMO_BIN, readInsightfaceBin(DEMO_BIN).images]] as const) {
      const ref = await referenceFeatures(imgs);
      const tag = bin === binFile ? 'tiny' : 'demo';
      writeFileSync(join(dir, `${tag}-f.npy`), encodeNpy(ref.orig, [imgs.length, ref.dim]));
      writeFileSync(join(dir, `${tag}-g.npy`), encodeNpy(ref.flip, [imgs.length, ref.dim]));
      const viaFeatures = await runInProcess(['lfw', '--quiet', '--bin', bin, '--features', join(dir, `${tag}-f.npy`), '--flip-features', join(dir, `${tag}-g.npy`), '--json', join(dir, `${tag}-features.json`)]);
      expect(viaFeatures.code, viaFeatures.stderr).toBe(0);
      const viaModel = await runCli(['lfw', '--quiet', '--bin', bin, '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, `cache-${tag}`), '--json', join(dir, `${tag}-model.json`)]);
      expect(viaModel.code, viaModel.stderr).toBe(0);
      expect(viaModel.stdout).toMatch(/Accuracy-Flip: /);
      expect(viaModel.stdout).toMatch(/^features: model sha256 [0-9a-f]{12}…, cpu, float32, onnxruntime \S+, preset arcface \(rgb\), 112×112, flip$/m);
      expect(viaFeatures.stdout).not.toMatch(/^features:/m);
      expect(numbersOf(join(dir, `${tag}-model.json`))).toEqual(numbersOf(join(dir, `${tag}-features.json`)));
      const doc = JSON.parse(readFileSync(join(dir, `${tag}-model.json`), 'utf8'));
      expect(doc.schemaVersion).toBe(2);
      expect(JSON.stringify(doc)).not.toContain(MODEL);
      expect(sourceOf(join(dir, `${tag}-model.json`))).toMatchObject({
        model_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        provider: 'cpu',
        dtype: 'float32',
        ort_version: expect.any(String),
        preprocessing: { preset: 'arcface', channels: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], input_size: 112 },
        flip: true,
        images: imgs.length,
      });
    }
    // The generated .bin holds 100×130 images: they went through the resize path.
    expect(sourceOf(join(dir, 'tiny-model.json')).resized_images).toBeGreaterThan(0);
  }, 120_000);

  it('--pairs + --images: each distinct image once, same numbers as --features with --names', async () => {
    const model = await runInProcess(['lfw', '--pairs', join(dir, 'pairs.txt'), '--images', join(dir, 'images'), '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, 'cache-pairs'), '--json', join(dir, 'pairs-model.json')]);
    expect(model.code, model.stderr).toBe(0);
    expect(model.stderr).toMatch(/on cpu, onnxruntime/);
    const used = [...new Set(readFileSync(join(dir, 'pairs.txt'), 'utf8').trim().split('\n').slice(1).flatMap((l) => {
      const f = l.split('\t');
      return f.length === 3 ? [[f[0], f[1]], [f[0], f[2]]] : [[f[0], f[1]], [f[2], f[3]]];
    }).map(([p, n]) => `${p}/${p}_${n.padStart(4, '0')}.jpg`))];
    const ref = await referenceFeatures(used.map((u) => images.get(u)!));
    writeFileSync(join(dir, 'names.txt'), used.join('\n') + '\n');
    writeFileSync(join(dir, 'pairs-f.npy'), encodeNpy(ref.orig, [used.length, ref.dim]));
    writeFileSync(join(dir, 'pairs-g.npy'), encodeNpy(ref.flip, [used.length, ref.dim]));
    const feats = await runInProcess(['lfw', '--quiet', '--pairs', join(dir, 'pairs.txt'), '--names', join(dir, 'names.txt'), '--features', join(dir, 'pairs-f.npy'), '--flip-features', join(dir, 'pairs-g.npy'), '--json', join(dir, 'pairs-features.json')]);
    expect(feats.code, feats.stderr).toBe(0);
    expect(numbersOf(join(dir, 'pairs-model.json'))).toEqual(numbersOf(join(dir, 'pairs-features.json')));
    expect(sourceOf(join(dir, 'pairs-model.json')).images).toBe(used.length);
  }, 120_000);

  it('batch size, workers and several --bin in one run do not change the numbers; --no-flip gives Accuracy:', async () => {
    const runs = await Promise.all([
      ['--batch', '1', '--workers', '0'],
      ['--batch', '5', '--workers', '2'],
      ['--batch', '128', '--workers', '1'],
    ].map(async (extra, k) => {
      const out = join(dir, `batch-${k}.json`);
      // A cache per run: each run extracts (a shared cache would answer the later runs).
      const r = await runInProcess(['lfw', '--quiet', '--bin', binFile, '--bin', DEMO_BIN, '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, `cache-batch-${k}`), ...extra, '--json', out]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out, 'utf8');
    }));
    expect(runs[1]).toBe(runs[0]);
    expect(runs[2]).toBe(runs[0]);
    const doc = JSON.parse(runs[0]);
    expect(doc.results.map((d: { dataset: string }) => d.dataset)).toEqual(['tiny', 'demo']);
    // The first dataset of the two-.bin run has the numbers of the one-.bin run of the first test.
    const first = doc.results[0];
    delete first.features.source;
    const single = numbersOf(join(dir, 'tiny-model.json'));
    expect(first).toEqual((single.results as unknown[])[0]);
    const noFlip = await runInProcess(['lfw', '--quiet', '--bin', binFile, '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, 'cache-tiny'), '--no-flip', '--json', join(dir, 'noflip.json')]);
    expect(noFlip.code, noFlip.stderr).toBe(0);
    expect(noFlip.stdout).toMatch(/\] Accuracy: /);
    expect(JSON.parse(readFileSync(join(dir, 'noflip.json'), 'utf8')).results[0]).toMatchObject({ features: { flip: false, source: { flip: false } } });
  }, 120_000);

  it('a corrupt JPEG inside a .bin: exit 2, one stderr line naming the .bin and the image index, no output file', async () => {
    const bad = binImages.map((b) => new Uint8Array(b));
    const k = bad.findIndex((b, i) => i > 4 && b[0] === 0xff && b[1] === 0xd8);
    const j = bad[k];
    const corrupt = new Uint8Array(j.length);
    corrupt.set(j.subarray(0, 20));
    for (let i = 20; i < j.length; i++) corrupt[i] = (i * 37) & 0xff;
    bad[k] = corrupt;
    const file = join(dir, 'corrupt.bin');
    writeFileSync(file, binPickle(bad, Array.from({ length: bad.length / 2 }, (_, i) => i % 2 === 0)));
    const out = join(dir, 'corrupt.json');
    const r = await runInProcess(['lfw', '--quiet', '--bin', file, '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, 'cache-corrupt'), '--json', out]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`${file}: image ${k} `);
    expect(lines[0]).toMatch(/^facebench: .*cannot read image/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('--images with a missing file: exit 2 naming it, no output file', async () => {
    const pairs = join(dir, 'pairs-missing.txt');
    writeFileSync(pairs, '1\t1\nP0\t1\t2\nP0\t1\tP9\t1\n');
    const out = join(dir, 'missing.json');
    const r = await runInProcess(['lfw', '--quiet', '--pairs', pairs, '--images', join(dir, 'images'), '--model', MODEL, '--ep', 'cpu', '--cache', join(dir, 'cache-missing'), '--folds', '2', '--json', out]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(join(dir, 'images', 'P9', 'P9_0001.jpg'));
    expect(lines[0]).toContain('no such file');
    expect(existsSync(out)).toBe(false);
  });

  it('flag checks: --model with --features, --images with --bin, --pairs without --images', async () => {
    const cases: [string[], RegExp][] = [
      [['--bin', binFile, '--model', MODEL, '--features', 'x.npy'], /--features does not go with --model/],
      [['--bin', binFile, '--model', MODEL, '--images', dir], /--images does not go with --bin/],
      [['--pairs', join(dir, 'pairs.txt'), '--model', MODEL], /--images DIR is required/],
      [['--bin', binFile, '--images', dir, '--features', 'x.npy'], /--images only applies with --model/],
      [['--bin', binFile, '--features', 'x.npy', '--workers', '2'], /--workers only applies with --model/],
      [['--bin', binFile, '--model', MODEL, '--no-flip', '--flip'], /--flip was given twice/],
    ];
    for (const [args, msg] of cases) {
      const r = await runInProcess(['lfw', '--quiet', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
