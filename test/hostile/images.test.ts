// Issue 10, groups 6 and 11: image bombs and broken images. Only JPEG, PNG, BMP, WebP and TIFF,
// recognised by their bytes; a pixel limit checked from the header; messages that depend on the
// file only (a truncated JPEG is not "Unknown error" in some runs); landmarks that are not finite or
// absurd get their own message.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { alignFace, LandmarkError, MAX_LANDMARK_COORDINATE } from '../../src/extract/align.js';
import { DEFAULT_MAX_PIXELS, decodeImage, ImageError } from '../../src/extract/decode.js';
import { prepareBatch, type PrepareTask } from '../../src/extract/prepare.js';
import { PRESETS } from '../../src/extract/preprocess.js';
import { InputFileError } from '../../src/io/input-file.js';
import { encodeBmp, pngBombHeader, removeDir, REPO, scratchDir, SVG_BOMB } from './hostile-files.js';

const dir = scratchDir();
afterAll(() => removeDir(dir));
const JPEG = readFileSync(join(REPO, 'fixtures', 'ijb-images', 'loose_crop', '1.jpg'));
const file = (name: string, bytes: Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** The reason decodeImage gives for `input` (an ImageError or InputFileError, never anything else). */
async function refusal(input: string | Uint8Array, maxPixels?: number): Promise<string> {
  try {
    await decodeImage(input, 'rgb', maxPixels);
  } catch (e) {
    if (e instanceof InputFileError) return e.reason;
    expect(e, String(e)).toBeInstanceOf(ImageError);
    return (e as Error).message;
  }
  throw new Error('decoded');
}

describe('image bombs are refused before decoding (group 6)', () => {
  it('a 16000×16000 SVG named .jpg: refused by its bytes (never rasterised)', async () => {
    expect(SVG_BOMB.length).toBeLessThan(130);
    expect(await refusal(file('bomb.jpg', SVG_BOMB))).toBe('not a JPEG, PNG, BMP, WebP or TIFF image: an SVG or other XML/HTML document');
    expect(await refusal(SVG_BOMB)).toBe('not a JPEG, PNG, BMP, WebP or TIFF image: an SVG or other XML/HTML document'); // encoded bytes (.bin packs) too
  });

  it('other formats by their bytes: GIF, PDF, HEIF, an empty file, anything else', async () => {
    expect(await refusal(file('a.gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')))).toMatch(/: a GIF$/);
    expect(await refusal(file('a.pdf', Buffer.from('%PDF-1.4\n')))).toMatch(/: a PDF$/);
    expect(await refusal(file('a.heic', Buffer.from('\x00\x00\x00\x18ftypheic', 'latin1')))).toMatch(/: a HEIF\/AVIF or other ISO media file$/);
    expect(await refusal(file('empty.jpg', new Uint8Array(0)))).toMatch(/: an empty file$/);
    expect(await refusal(file('noise.jpg', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])))).toBe('not a JPEG, PNG, BMP, WebP or TIFF image: a file starting with bytes 01 02 03 04 05 06 07 08');
  });

  it(`a PNG announcing 16000×16000 pixels: over the ${DEFAULT_MAX_PIXELS / 1e6} MP default, refused from its header`, async () => {
    const bomb = pngBombHeader(16000, 16000);
    expect(bomb.length).toBeLessThan(100);
    expect(await refusal(file('bomb.png', bomb))).toBe(`16000×16000 pixels is over the limit of ${DEFAULT_MAX_PIXELS} pixels (--max-pixels)`);
  });

  it('maxPixels lowers (or raises) the limit; a BMP is held to it too', async () => {
    expect(await refusal(JPEG, 160 * 160 - 1)).toBe(`160×160 pixels is over the limit of ${160 * 160 - 1} pixels (--max-pixels)`);
    expect((await decodeImage(JPEG, 'rgb', 160 * 160)).width).toBe(160);
    const bmp = encodeBmp(new Uint8Array(30 * 20 * 3), 30, 20, 24);
    expect(await refusal(bmp, 599)).toBe('30×20 pixels is over the limit of 599 pixels (--max-pixels)');
  });

  it('a bad face under prepareBatch: its reason recorded, the other faces prepared', async () => {
    const names = ['ok.jpg', 'bomb.jpg', 'huge.png'];
    file('ok.jpg', JPEG);
    file('huge.png', pngBombHeader(8000, 8000));
    const task: PrepareTask = { imageDir: dir, names, size: 112, layout: 'NCHW', preprocessing: PRESETS.arcface, flip: false, dtype: 'float32', maxPixels: 50e6 };
    const prepared = await prepareBatch(task);
    expect(prepared.bad.map((b) => [b.position, b.reason])).toEqual([
      [1, 'not a JPEG, PNG, BMP, WebP or TIFF image: an SVG or other XML/HTML document'],
      [2, '8000×8000 pixels is over the limit of 50000000 pixels (--max-pixels)'],
    ]);
  });
});

describe('broken images get messages that depend on the file only (group 11)', () => {
  const cuts = [JPEG.length >> 1, 700, 200, 10];

  it('truncated JPEGs: the same message every time, sequentially and many at once', async () => {
    const reasons = await Promise.all(cuts.map((n) => refusal(JPEG.subarray(0, n))));
    expect(reasons).toEqual(['truncated JPEG: the file ends before the image data does', 'truncated JPEG: the file ends before the image data does', 'truncated JPEG: the file ends before the image data does', 'truncated JPEG: the file ends before the image data does']);
    for (let run = 0; run < 3; run++) {
      const again = await Promise.all([...cuts, ...cuts].map((n) => refusal(JPEG.subarray(0, n))));
      expect(again).toEqual([...reasons, ...reasons]);
    }
  });

  it('a JPEG corrupted inside (not truncated) and a truncated PNG', async () => {
    const corrupt = Buffer.from(JPEG);
    for (let i = 200; i < corrupt.length - 2; i++) corrupt[i] = (i * 131) & 0xff;
    for (let i = 200; i < corrupt.length - 2; i++) if (corrupt[i] === 0xff) corrupt[i] = 0xfe; // no markers
    expect(await refusal(corrupt)).toBe('corrupt JPEG data: the decoder refused it');
    const png = await sharp(Buffer.alloc(64 * 64 * 3, 90), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    expect(await refusal(png.subarray(0, png.length - 30))).toBe('truncated PNG: the file ends before the image data does');
  });

  it('prepareBatch in a loop: identical bad-face reasons on every run', async () => {
    const names = cuts.map((n, k) => {
      file(`cut${k}.jpg`, JPEG.subarray(0, n));
      return `cut${k}.jpg`;
    });
    const task: PrepareTask = { imageDir: dir, names, size: 112, layout: 'NCHW', preprocessing: PRESETS.arcface, flip: false, dtype: 'float32' };
    const first = (await prepareBatch(task)).bad.map((b) => b.reason);
    expect(new Set(first)).toEqual(new Set(['truncated JPEG: the file ends before the image data does']));
    for (let run = 0; run < 3; run++) expect((await prepareBatch(task)).bad.map((b) => b.reason)).toEqual(first);
  });
});

describe('BMP (libvips has none): decoded from the file format, equal to the same pixels through PNG', () => {
  const W = 13;
  const H = 7; // odd sizes: every row padded
  const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + (i % 3) * 91) & 0xff);
  const few = Uint8Array.from({ length: W * H * 3 }, (_, i) => [[0, 0, 0], [255, 255, 255], [200, 30, 10], [5, 120, 250]][Math.floor(i / 3) % 4][i % 3]);
  const bw = Uint8Array.from({ length: W * H * 3 }, (_, i) => (Math.floor(i / 3) % 3 === 0 ? 255 : 0));

  async function viaPng(pixels: Uint8Array, order: 'rgb' | 'bgr'): Promise<Uint8Array> {
    return (await decodeImage(await sharp(pixels, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), order)).data;
  }

  it.each([
    ['24-bit bottom-up', rgb, 24, false],
    ['24-bit top-down', rgb, 24, true],
    ['32-bit (alpha ignored)', rgb, 32, false],
    ['8-bit palette', few, 8, false],
    ['4-bit palette', few, 4, true],
    ['1-bit palette', bw, 1, false],
  ] as const)('%s', async (_, pixels, bpp, topDown) => {
    const bmp = file(`x${bpp}${topDown}.bmp`, encodeBmp(pixels, W, H, bpp, topDown));
    for (const order of ['rgb', 'bgr'] as const) {
      const img = await decodeImage(bmp, order);
      expect([img.width, img.height, img.channels]).toEqual([W, H, 3]);
      expect(Array.from(img.data)).toEqual(Array.from(await viaPng(pixels, order)));
    }
  });

  it('truncated, compressed and 16-bit BMPs are refused with their reason', async () => {
    const bmp = encodeBmp(rgb, W, H, 24);
    expect(await refusal(bmp.subarray(0, bmp.length - 5))).toBe(`truncated BMP: 13×7 at 24 bits needs ${bmp.length} bytes, the file has ${bmp.length - 5}`);
    const rle = Buffer.from(bmp);
    rle.writeUInt32LE(1, 30);
    expect(await refusal(rle)).toBe('compressed BMP (compression type 1) is not supported');
    const b16 = Buffer.from(bmp);
    b16.writeUInt16LE(16, 28);
    expect(await refusal(b16)).toBe('16-bit BMP is not supported (1, 4, 8, 24 or 32 bits per pixel)');
  });
});

describe('landmarks that cannot be aligned say why (group 11)', () => {
  const img = { data: new Uint8Array(160 * 160 * 3), width: 160, height: 160, channels: 3 };
  const lm = [57.9, 57.1, 97.3, 60.4, 76.9, 82.8, 57.0, 104.7, 90.0, 106.7];
  const reason = (points: number[]): string => {
    try {
      alignFace(img, Float32Array.from(points));
    } catch (e) {
      expect(e).toBeInstanceOf(LandmarkError);
      return (e as Error).message;
    }
    throw new Error('aligned');
  };

  it('1e300 in the file is Infinity in float32 (as in ijb_11.py): not "all five points coincide"', () => {
    expect(reason([1e300, ...lm.slice(1)])).toBe('landmark x1 is Infinity: not a finite float32 coordinate');
    expect(reason([...lm.slice(0, 7), -1e300, ...lm.slice(8)])).toBe('landmark y4 is -Infinity: not a finite float32 coordinate');
    expect(reason([...lm.slice(0, 4), NaN, ...lm.slice(5)])).toBe('landmark x3 is NaN: not a finite float32 coordinate');
  });
  it(`coordinates beyond ±${MAX_LANDMARK_COORDINATE} pixels`, () => {
    expect(reason([...lm.slice(0, 9), 1e30])).toBe(`landmark y5 = ${Math.fround(1e30)} is outside ±1000000 pixels`);
  });
  it('coinciding points keep their message; ordinary landmarks align', () => {
    expect(reason(new Array(10).fill(50))).toBe('degenerate landmarks (all five points coincide)');
    expect(alignFace(img, Float32Array.from(lm)).length).toBe(112 * 112 * 3);
  });
});
