/**
 * `--save-crops` and `--limit` (issue 15): the crops `extract` saves equal, pixel for pixel, the
 * cv2.warpAffine crops of test/data/alignment (made by test/reference/gen_alignment_parity.py with
 * skimage + OpenCV); they are the same bytes for any batch, worker count or channel order; a
 * complete store still gets its crops; --limit writes the first N crops and no store; `lfw --model`
 * saves a .bin's images (resized when not the input size) as <index>.png per dataset.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, resizeImage } from '../../src/extract/decode.js';
import { readInsightfaceBin } from '../../src/io/insightface-bin.js';
import { REPO, runCli, runInProcess, tempDir } from '../helpers/cli.js';
import { writeLfwSet } from './lfw-images.js';

const ALIGNMENT = join(REPO, 'test', 'data', 'alignment');
const MODEL = join(REPO, 'fixtures', 'models', 'tiny-a32.onnx');
interface Case { image: string; crop: string; landmarks: number[] }
const doc = JSON.parse(readFileSync(join(ALIGNMENT, 'cases.json'), 'utf8')) as { cases: Case[]; jpegs: Case[] };
const faces = [...doc.cases, ...doc.jpegs];

const tmp = tempDir('facebench-crops-');
const root = join(tmp, 'ijb');
const CPU = ['--ep', 'cpu', '--quiet'];

/** Pixels of an image file (RGB). */
const pixels = async (file: string) => (await decodeImage(file)).data;
/** Values that differ between two pixel arrays of the same length (or -1 when the lengths differ). */
function differing(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
const listFiles = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

beforeAll(() => {
  // An IJB_release layout of the alignment parity images: face i = faces[i] with its landmarks.
  mkdirSync(join(root, 'loose_crop'), { recursive: true });
  mkdirSync(join(root, 'meta'), { recursive: true });
  for (const f of faces) copyFileSync(join(ALIGNMENT, f.image), join(root, 'loose_crop', f.image));
  writeFileSync(join(root, 'meta', 'ijbc_name_5pts_score.txt'), faces.map((f) => `${f.image} ${f.landmarks.join(' ')} 0.9\n`).join(''));
});

describe('extract --save-crops', () => {
  const crops = join(tmp, 'crops');

  it('saves every aligned crop, pixel-identical to cv2.warpAffine (alignment parity data)', async () => {
    const r = await runCli(['extract', '--model', MODEL, '--root', root, '--out', join(tmp, 'store'), '--save-crops', crops, '--batch', '7', '--workers', '2', ...CPU]);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(crops)).toEqual(faces.map((f) => f.image.replace(/\.jpg$/, '.png')).sort());
    let compared = 0;
    for (const f of faces) {
      const saved = await pixels(join(crops, f.image.replace(/\.jpg$/, '.png')));
      expect(differing(saved, await pixels(join(ALIGNMENT, f.crop))), f.image).toBe(0);
      compared += saved.length;
    }
    expect(compared).toBe(faces.length * 112 * 112 * 3);
  });

  it('the same PNG bytes for another batch size, worker count and channel order (magface preset: BGR to the model)', async () => {
    const other = join(tmp, 'crops-bgr');
    const r = await runInProcess(['extract', '--model', MODEL, '--root', root, '--out', join(tmp, 'store-bgr'), '--preset', 'magface', '--save-crops', other, '--batch', '16', '--workers', '0', ...CPU]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of listFiles(crops)) expect(readFileSync(join(other, name)).equals(readFileSync(join(crops, name))), name).toBe(true);
  });

  it('a complete store (--resume) still gets its crops, without the model and without touching the store', async () => {
    const again = join(tmp, 'crops-again');
    const before = readFileSync(join(tmp, 'store', 'store.json'));
    const r = await runInProcess(['extract', '--model', MODEL, '--root', root, '--out', join(tmp, 'store'), '--resume', '--save-crops', again, '--ep', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${faces.length} crops saved in ${again}`));
    expect(r.stderr).toMatch(new RegExp(`the store holds all ${faces.length} faces already: saving their crops only`));
    expect(r.stderr).not.toMatch(/ faces in /); // the line of a model run
    expect(readFileSync(join(tmp, 'store', 'store.json')).equals(before)).toBe(true);
    for (const name of listFiles(crops)) expect(readFileSync(join(again, name)).equals(readFileSync(join(crops, name))), name).toBe(true);
  });

  it('--limit N: the first N crops only, no store', async () => {
    const limited = join(tmp, 'crops-limit');
    const r = await runInProcess(['extract', '--model', MODEL, '--root', root, '--save-crops', limited, '--limit', '5', ...CPU]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${limited}: 5 crops (--limit 5: no features)\n`);
    expect(listFiles(limited)).toEqual(faces.slice(0, 5).map((f) => f.image.replace(/\.jpg$/, '.png')).sort());
    for (const name of listFiles(limited)) expect(readFileSync(join(limited, name)).equals(readFileSync(join(crops, name)))).toBe(true);
    expect(readdirSync(tmp).filter((n) => n.startsWith('store'))).toEqual(['store', 'store-bgr']);
  });

  it('flag checks: --limit needs --save-crops and no store; crops that would collide or leave the folder', async () => {
    const cases: [string[], RegExp][] = [
      [['--root', root, '--limit', '3', '--out', join(tmp, 'x')], /--limit writes crops only: give --save-crops DIR/],
      [['--root', root, '--limit', '3', '--save-crops', join(tmp, 'x'), '--out', join(tmp, 'y')], /--out does not go with --limit/],
      [['--root', root, '--limit', '3', '--save-crops', join(tmp, 'x'), '--resume'], /--resume does not go with --limit/],
      [['--root', root, '--limit', '0', '--save-crops', join(tmp, 'x')], /--limit must be/],
      [['--root', root, '--save-crops', join(tmp, 'x')], /--out is required/],
    ];
    for (const [args, msg] of cases) {
      const r = await runInProcess(['extract', '--model', MODEL, ...args, '--quiet']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    // a.jpg and a.png would both become a.png; ../x.jpg would land outside the crops folder.
    const clash = join(tmp, 'clash');
    mkdirSync(clash);
    copyFileSync(join(ALIGNMENT, 'img_00.png'), join(clash, 'a.png'));
    copyFileSync(join(ALIGNMENT, 'jpg_00.jpg'), join(clash, 'a.jpg'));
    const collide = await runInProcess(['extract', '--model', MODEL, '--dataset', 'folder', '--images', clash, '--save-crops', join(tmp, 'c1'), '--limit', '2', ...CPU]);
    expect(collide.code).toBe(2);
    expect(collide.stderr).toMatch(/images 'a\.jpg' and 'a\.png' would both be saved as crop 'a\.png'/);
    writeFileSync(join(tmp, 'escape.txt'), 'a.png\n../ijb/loose_crop/img_01.png\n');
    const escape = await runInProcess(['extract', '--model', MODEL, '--dataset', 'folder', '--images', clash, '--list', join(tmp, 'escape.txt'), '--save-crops', join(tmp, 'c2'), '--limit', '2', ...CPU]);
    expect(escape.code).toBe(2);
    expect(escape.stderr).toMatch(/image path '\.\.\/ijb\/loose_crop\/img_01\.png' would put its crop outside --save-crops/);
    expect(existsSync(join(tmp, 'c1')) || existsSync(join(tmp, 'c2'))).toBe(false);
    // A crop that cannot be written (a folder where the file goes): exit 2 naming it.
    mkdirSync(join(tmp, 'c3', 'img_00.png'), { recursive: true });
    const blocked = await runInProcess(['extract', '--model', MODEL, '--root', root, '--save-crops', join(tmp, 'c3'), '--limit', '1', ...CPU]);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(new RegExp(`^facebench: ${join(tmp, 'c3', 'img_00.png')}: cannot write the crop \\(E`));
  });
});

describe('lfw --model --save-crops', () => {
  it('a .bin: <index>.png under DIR/<dataset>, the image as decoded (resized when not 112×112); --limit evaluates nothing', async () => {
    const dir = tempDir('facebench-crops-lfw-');
    const { binFile, binImages } = await writeLfwSet(dir);
    const crops = join(dir, 'crops');
    const r = await runInProcess(['lfw', '--bin', binFile, '--model', MODEL, '--cache', join(dir, 'cache'), '--save-crops', crops, ...CPU, '--json', join(dir, 'r.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(join(crops, 'tiny'))).toEqual(binImages.map((_, k) => `${k}.png`).sort());
    let resized = 0;
    for (const [k, bytes] of binImages.entries()) {
      let img = await decodeImage(bytes);
      if (img.width !== 112 || img.height !== 112) {
        img = await resizeImage(img, 112);
        resized++;
      }
      expect(differing(await pixels(join(crops, 'tiny', `${k}.png`)), img.data), `image ${k}`).toBe(0);
    }
    expect(resized).toBeGreaterThan(0);
    expect(resized).toBeLessThan(binImages.length);
    // --limit: crops of the first 3 images of each dataset, no store, no result.
    const demo = join(REPO, 'fixtures', 'lfw-demo', 'demo.bin');
    const limited = join(dir, 'limited');
    const l = await runInProcess(['lfw', '--bin', binFile, '--bin', demo, '--model', MODEL, '--save-crops', limited, '--limit', '3', ...CPU]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toBe(`${join(limited, 'tiny')}: 3 crops of tiny (--limit: no features)\n${join(limited, 'demo')}: 3 crops of demo (--limit: no features)\n`);
    expect(listFiles(limited)).toEqual(['demo/0.png', 'demo/1.png', 'demo/2.png', 'tiny/0.png', 'tiny/1.png', 'tiny/2.png']);
    const demoImage = await decodeImage(readInsightfaceBin(demo).images[2]);
    expect(differing(await pixels(join(limited, 'demo', '2.png')), demoImage.data)).toBe(0);
    const refused = await runInProcess(['lfw', '--bin', binFile, '--model', MODEL, '--save-crops', limited, '--limit', '3', '--json', join(dir, 'x.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--json does not go with --limit/);
  });
});
