/**
 * `cluster --root --subset --model` and `extract --dataset ijbb-clustering` (issue 13): the faces of
 * an IJB-B clustering protocol aligned by their eyes and nose (or box) and extracted into a store.
 * Checked independently of the extractor: the crops it saves equal align.ts's warp under the
 * three-point transform computed here from the protocol's numbers (the extractor gets the transform
 * as five virtual landmarks: at most a few values may round the other way); the store's features
 * equal those of the saved crops extracted as plain aligned images; and clustering the store equals
 * clustering its features.npy with --labels written from the ground truth.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/extract/decode.js';
import { warpAffineBilinear } from '../../src/extract/align.js';
import { boxTransform, threePointTransform } from '../../src/extract/align-three-point.js';
import { readNpyMatrix } from '../../src/io/npy.js';
import { REPO, runInProcess, tempDir } from '../helpers/cli.js';

const MODEL = join(REPO, 'fixtures', 'models', 'tiny-a32.onnx');
const IMAGES = join(REPO, 'fixtures', 'ijb-images');
const CPU = ['--ep', 'cpu', '--quiet'];
const tmp = tempDir('facebench-ijbb-cluster-');
const root = join(tmp, 'IJB-B');
const store = join(tmp, 'store');

/** Protocol rows: image, template, subject, eyes + nose (empty: box only), box. */
interface Row { image: string; template: number; subject: number; points: number[] | null; box: number[] }
let rows: Row[] = [];

const json = async (args: string[]) => {
  const r = await runInProcess([...args, '--json', '-']);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout);
  delete doc.features;
  return doc;
};

beforeAll(() => {
  // 18 faces of the IJB fixture images, 6 templates of 3 faces, 3 subjects; eyes + nose from each
  // image's 5 landmarks; the last face of every template gives its box only; image 1 appears twice.
  const lines = readFileSync(join(IMAGES, 'meta', 'ijbc_name_5pts_score.txt'), 'utf8').trim().split('\n').slice(0, 17);
  const faces = [...lines, lines[0]].map((l) => l.split(' '));
  rows = faces.map((f, i) => {
    const p = f.slice(1, 11).map(Number);
    return { image: `img/${f[0]}`, template: 100 + Math.floor(i / 3), subject: 7 + Math.floor(i / 6), points: i % 3 === 2 ? null : p.slice(0, 6), box: [p[0] - 30, p[1] - 40, 110, 130] };
  });
  mkdirSync(join(root, 'img'), { recursive: true });
  for (const r of rows) copyFileSync(join(IMAGES, 'loose_crop', r.image.slice(4)), join(root, r.image));
  const csv = ['TEMPLATE_ID,FILENAME,FACE_X,FACE_Y,FACE_WIDTH,FACE_HEIGHT,RIGHT_EYE_X,RIGHT_EYE_Y,LEFT_EYE_X,LEFT_EYE_Y,NOSE_X,NOSE_Y'];
  for (const r of rows) csv.push([r.template, r.image, ...r.box, ...(r.points ?? ['', '', '', '', '', ''])].join(','));
  writeFileSync(join(root, 'ijbb_clustering_3.csv'), `${csv.join('\n')}\n`);
  writeFileSync(join(root, 'ijbb_clustering_test7_ground_truth.csv'), `TEMPLATE_ID,SUBJECT_ID\n${[...new Set(rows.map((r) => `${r.template},${r.subject}`))].join('\n')}\n`);
  writeFileSync(join(tmp, 'labels.meta'), rows.map((r) => `${r.subject}\n`).join(''));
});

describe('cluster --root --subset --model', () => {
  it('extracts the protocol\'s faces into a store (rows in protocol order), then clusters them', async () => {
    const doc = await json(['cluster', '--root', root, '--subset', '3', '--model', MODEL, '--store', store, '--k', '4', ...CPU]);
    expect(doc).toMatchObject({ protocol: 'cluster', faces: 18, classes: 3 });
    const meta = JSON.parse(readFileSync(join(store, 'store.json'), 'utf8'));
    expect(meta).toMatchObject({ rows: 18, flip: false, dataset: { name: 'ijbb-clustering', subset: 3, faceList: 'ijbb_clustering_3.csv', faces: 18 }, badFaces: [] });
    expect(meta.preprocessing.alignment).toMatch(/^eyes \+ nose \(the box alone when a landmark is missing\)/);
    // The same numbers from the store folder, and from its features.npy with the truth as --labels.
    expect(await json(['cluster', '--root', root, '--subset', '3', '--features', store, '--k', '4', '--quiet'])).toEqual(doc);
    expect(await json(['cluster', '--features', join(store, 'features.npy'), '--labels', join(tmp, 'labels.meta'), '--k', '4', '--quiet'])).toEqual({ ...doc, truth: { format: 'labels' } });
    expect(doc.truth).toEqual({ format: 'ijbb', subset: 3 });
    // A second run finds the store (a different store folder would be refused: see below).
    const again = await runInProcess(['cluster', '--root', root, '--subset', '3', '--model', MODEL, '--store', store, '--k', '4', '--ep', 'cpu', '--json', '-']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`using the features already extracted in ${store}`);
  });

  it('crops: the three-point (or box) warp computed here; features: those of the crops as aligned images', async () => {
    const crops = join(tmp, 'crops');
    const out = join(tmp, 'store-with-crops');
    const r = await runInProcess(['extract', '--model', MODEL, '--dataset', 'ijbb-clustering', '--root', root, '--subset', '3', '--out', out, '--save-crops', crops, '--batch', '5', ...CPU]);
    expect(r.code, r.stderr).toBe(0);
    const names: string[] = [];
    let differing = 0;
    let values = 0;
    for (const [i, row] of rows.entries()) {
      const name = `${row.image.replace(/\.jpg$/, '')}.row${i + 1}.png`;
      names.push(name);
      const m = row.points ? threePointTransform(row.points) : boxTransform(row.box[0], row.box[1], row.box[2], row.box[3]);
      const expected = warpAffineBilinear(await decodeImage(join(root, row.image)), m, 112, 112);
      const saved = (await decodeImage(join(crops, name))).data;
      expect(saved.length).toBe(expected.length);
      for (let k = 0; k < saved.length; k++) {
        if (saved[k] !== expected[k]) {
          differing++;
          expect(Math.abs(saved[k] - expected[k]), `${name} value ${k}`).toBe(1);
        }
      }
      values += saved.length;
    }
    expect(values).toBe(18 * 112 * 112 * 3);
    expect(differing / values).toBeLessThan(1e-3);
    // The crops, extracted as already aligned images, give the store's features bit for bit.
    writeFileSync(join(tmp, 'crops.txt'), names.map((n) => `${n}\n`).join(''));
    const fromCrops = join(tmp, 'store-of-crops');
    const c = await runInProcess(['extract', '--model', MODEL, '--dataset', 'folder', '--images', crops, '--list', join(tmp, 'crops.txt'), '--out', fromCrops, ...CPU]);
    expect(c.code, c.stderr).toBe(0);
    const a = readNpyMatrix(join(out, 'features.npy'));
    const b = readNpyMatrix(join(fromCrops, 'features.npy'));
    expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
  });

  const refusals: [string, () => string[], string][] = [
    ['--model without a protocol', () => ['cluster', '--model', MODEL, '--labels', join(tmp, 'labels.meta')], '--model extracts the faces of an IJB-B clustering protocol: give --root DIR --subset N (for other faces: facebench extract, then --features)'],
    ['--model with --features', () => ['cluster', '--root', root, '--subset', '3', '--model', MODEL, '--features', store], 'give either --model or --features, not both'],
    ['--flip (one feature per face)', () => ['cluster', '--root', root, '--subset', '3', '--model', MODEL, '--flip'], '--flip is not a flag of facebench cluster'],
    ['--store without --model', () => ['cluster', '--root', root, '--subset', '3', '--features', store, '--store', store], '--store only applies with --model'],
    ['an extraction flag without --model', () => ['cluster', '--root', root, '--subset', '3', '--features', store, '--batch', '8'], '--batch only applies with --model (it sets how images are extracted); saved features are clustered as they are'],
    ['extract --dataset ijbb-clustering without --subset', () => ['extract', '--model', MODEL, '--dataset', 'ijbb-clustering', '--root', root, '--out', join(tmp, 'x')], '--subset is required with --dataset ijbb-clustering: the protocol of N subjects'],
    ['extract --subset with --dataset ijb', () => ['extract', '--model', MODEL, '--root', root, '--subset', '3', '--out', join(tmp, 'x')], '--subset only applies with --dataset ijbb-clustering (this is --dataset ijb)'],
    ['a store folder with --labels', () => ['cluster', '--features', store, '--labels', join(tmp, 'labels.meta')], `--features ${store}: a store folder holds the faces of an IJB-B clustering protocol: give --root DIR --subset N (or its features.npy with --labels)`],
  ];
  for (const [name, args, message] of refusals) {
    it(`refuses ${name}`, async () => {
      const r = await runInProcess(args());
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^facebench: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    });
  }

  it('refuses a store of another protocol, and lfw refuses a protocol store', async () => {
    const other = join(tmp, 'IJB-B-other');
    mkdirSync(other);
    for (const f of ['ijbb_clustering_3.csv', 'ijbb_clustering_test7_ground_truth.csv']) copyFileSync(join(root, f), join(other, f));
    writeFileSync(join(other, 'ijbb_clustering_3.csv'), readFileSync(join(root, 'ijbb_clustering_3.csv'), 'utf8').replace('\n100,', '\n101,'));
    const r = await runInProcess(['cluster', '--root', other, '--subset', '3', '--features', store, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^facebench: .*store: was extracted from ijbb_clustering_3\.csv \([0-9a-f]{12}…, 18 faces\), not from ijbb_clustering_3\.csv of .*IJB-B-other/);
    const l = await runInProcess(['lfw', '--pairs', join(tmp, 'labels.meta'), '--features', store, '--quiet']);
    expect(l.code).toBe(2);
    expect(l.stderr).toContain('holds the faces of IJB-B clustering protocol 3, not the images of a pair list');
  });

  it('a face with neither eyes and nose nor a box: one line naming the protocol line', async () => {
    const bad = join(tmp, 'IJB-B-bad');
    mkdirSync(bad);
    copyFileSync(join(root, 'ijbb_clustering_test7_ground_truth.csv'), join(bad, 'ijbb_clustering_test7_ground_truth.csv'));
    const lines = readFileSync(join(root, 'ijbb_clustering_3.csv'), 'utf8').split('\n');
    lines[4] = lines[4].split(',').map((v, k) => (k >= 2 ? '' : v)).join(',');
    writeFileSync(join(bad, 'ijbb_clustering_3.csv'), lines.join('\n'));
    const r = await runInProcess(['cluster', '--root', bad, '--subset', '3', '--model', MODEL, '--store', join(tmp, 'never'), ...CPU]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`facebench: ${join(bad, 'ijbb_clustering_3.csv')}:5: a face with neither its eyes and nose nor a usable box: it cannot be aligned\n`);
  });
});
