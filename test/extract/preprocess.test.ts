import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareBatch } from '../../src/extract/prepare.js';
import { PRESETS, normalisationTable, resolvePreprocessing, toFloat16Bits, type PresetName } from '../../src/extract/preprocess.js';
import { readFaceLandmarks } from '../../src/io/ijb-meta.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'ijb-images');
// From test/reference/gen_preprocess_parity.py: cv2.imread → skimage → cv2.warpAffine → numpy float32.
const expected = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'data', 'preprocess', 'expected.json'), 'utf8')) as {
  faces: { name: string; presets: Record<string, { sha256: string; first: number[]; sum: number }> }[];
};
const lm = readFaceLandmarks(join(ROOT, 'meta', 'ijbc_name_5pts_score.txt'));

function landmarksOf(name: string): Float32Array {
  const i = lm.names.indexOf(name);
  return lm.landmarks.slice(10 * i, 10 * i + 10);
}

describe('model input per preset equals the reference pipelines (cv2 + numpy float32)', () => {
  for (const face of expected.faces) {
    for (const preset of ['arcface', 'magface', 'adaface'] as PresetName[]) {
      it(`${face.name} ${preset}`, async () => {
        const r = await prepareBatch({
          imageDir: join(ROOT, 'loose_crop'), names: [face.name], landmarks: landmarksOf(face.name), size: 112, layout: 'NCHW',
          preprocessing: PRESETS[preset], flip: true, dtype: 'float32',
        });
        expect(r.bad).toEqual([]);
        for (const [key, blob] of [[preset, r.input], [`${preset}:flip`, r.flipInput!]] as const) {
          const e = face.presets[key];
          expect(Array.from(blob.subarray(0, 6))).toEqual(e.first);
          const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
          expect(createHash('sha256').update(bytes).digest('hex'), key).toBe(e.sha256);
        }
      });
    }
  }
});

describe('presets and overrides', () => {
  it('tables follow the formulas in float32', () => {
    const a = normalisationTable(PRESETS.arcface);
    const m = normalisationTable(PRESETS.magface);
    const d = normalisationTable(PRESETS.adaface);
    for (let x = 0; x < 256; x++) {
      expect(a[x]).toBe(Math.fround((x - 127.5) / 127.5));
      expect(m[x]).toBe(Math.fround(x / 255));
      expect(d[x]).toBe(Math.fround(Math.fround(Math.fround(x / 255) - 0.5) / 0.5));
    }
    expect([PRESETS.arcface.channels, PRESETS.magface.channels, PRESETS.adaface.channels]).toEqual(['rgb', 'bgr', 'bgr']);
  });
  it('explicit --channels/--mean/--std override the preset', () => {
    const p = resolvePreprocessing({ preset: 'magface', channels: 'rgb', mean: '127.5', std: '128' });
    expect(p).toMatchObject({ preset: 'custom', channels: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [128, 128, 128] });
    expect(normalisationTable(p)[0]).toBe(Math.fround(-127.5 / 128));
    expect(resolvePreprocessing({ preset: 'adaface' }).preset).toBe('adaface');
    expect(() => resolvePreprocessing({ preset: 'nope' })).toThrow(/--preset/);
    expect(() => resolvePreprocessing({ mean: '1,2' })).toThrow(/--mean/);
  });
  it('--preset adaface --channels rgb is arcface_torch verification.py\'s ((x / 255) - 0.5) / 0.5 on RGB; arcface is 1 ulp off on half the levels', () => {
    const p = resolvePreprocessing({ preset: 'adaface', channels: 'rgb' });
    expect(p).toMatchObject({ preset: 'custom', channels: 'rgb', scale: 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const t = normalisationTable(p);
    const a = normalisationTable(PRESETS.arcface);
    let differ = 0;
    for (let x = 0; x < 256; x++) {
      expect(t[x]).toBe(Math.fround(Math.fround(Math.fround(x / 255) - 0.5) / 0.5));
      if (a[x] !== t[x]) {
        differ++;
        expect(Math.abs(a[x] - t[x])).toBeLessThan(1e-7);
      }
    }
    expect(differ).toBe(128);
  });
  it('NHWC holds the same values as NCHW, interleaved', async () => {
    const task = { imageDir: join(ROOT, 'loose_crop'), names: ['1.jpg'], landmarks: landmarksOf('1.jpg'), size: 112, preprocessing: PRESETS.arcface, flip: false, dtype: 'float32' as const };
    const nchw = (await prepareBatch({ ...task, layout: 'NCHW' })).input as Float32Array;
    const nhwc = (await prepareBatch({ ...task, layout: 'NHWC' })).input as Float32Array;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 112 * 112; p += 97) expect(nhwc[3 * p + c]).toBe(nchw[c * 112 * 112 + p]);
  });
  it('float16 conversion rounds to nearest even', () => {
    const bits = toFloat16Bits(Float32Array.from([0, -0, 1, -1, 0.5, 65504, 1e6, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -25, NaN]));
    expect(Array.from(bits)).toEqual([0, 0x8000, 0x3c00, 0xbc00, 0x3800, 0x7bff, 0x7c00, 0x3c00, 0x3c02, 0x0001, 0x0000, 0x7e00]);
  });
});
