// What is byte-identical and what is not, against insightface's float32 alignment (docs/alignment.md).
// Numbers from test/reference/gen_alignment_precision.py: skimage 0.19 SimilarityTransform.estimate
// on float32 and float64 arrays, cv2.warpAffine of Debian's OpenCV 4.6 and of pip's 4.14 and 5.0.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignFace, similarityTransform, warpAffineBilinear, type Affine2x3, type RawImage } from '../../src/extract/align.js';
import { decodeImage } from '../../src/extract/decode.js';

const REPO = join(import.meta.dirname, '..', '..');
const VARIANTS = ['facebench', 'float32-template', 'float32-means'] as const;
type Variant = (typeof VARIANTS)[number];
interface Difference { count: number; max: number; atImageEdge: number }
interface Case {
  image: string;
  landmarks: number[];
  decodedSha256: string;
  matrices: Record<'float32' | Variant, number[]>;
  cropSha256: { float32: string; facebench: string };
  differs: Record<Variant, Difference>;
  opencv: Record<string, { cropSha256: string; count: number; max: number }>;
}
interface SetSummary {
  faces: number;
  values: number;
  variants: Record<Variant, { matrixMaxAbsDiff: number; facesWithDifferences: number; count: number; max: number; atImageEdge: number }>;
  opencv: Record<string, { facesWithDifferences: number; count: number; max: number }>;
}
const doc = JSON.parse(readFileSync(join(REPO, 'test', 'data', 'alignment-precision', 'cases.json'), 'utf8')) as {
  opencv: string;
  template32: number[];
  summary: Record<string, SetSummary>;
  sets: Record<string, Case[]>;
};

const sha256 = (a: Uint8Array) => createHash('sha256').update(a).digest('hex');

/** numpy's float32 mean over axis 0 of [n, 2] points: a float32 running sum, divided in float32. */
function float32Means(points: ArrayLike<number>): [number, number] {
  const n = points.length / 2;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx = Math.fround(sx + points[2 * i]);
    sy = Math.fround(sy + points[2 * i + 1]);
  }
  return [Math.fround(sx / n), Math.fround(sy / n)];
}

/**
 * The generator's `float32-means` variant, re-stated independently: the least-squares similarity in
 * float64 about the given centres (the 2×2 SVD in closed form, as src/extract/align.ts has it), the
 * variance about the points' own mean (numpy's var), the translation from the given centres.
 */
function similarityAbout(src: ArrayLike<number>, dst: ArrayLike<number>, [sx, sy]: number[], [dx, dy]: number[]): Affine2x3 {
  const n = src.length / 2;
  let a00 = 0, a01 = 0, a10 = 0, a11 = 0, mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    const ux = src[2 * i] - sx, uy = src[2 * i + 1] - sy, vx = dst[2 * i] - dx, vy = dst[2 * i + 1] - dy;
    a00 += vx * ux; a01 += vx * uy; a10 += vy * ux; a11 += vy * uy;
    mx += ux; my += uy;
  }
  mx /= n; my /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (src[2 * i] - sx - mx) ** 2 + (src[2 * i + 1] - sy - my) ** 2;
  const p = (a00 + a11) / n, q = (a10 - a01) / n;
  const scale = Math.hypot(p, q) / (variance / n);
  const cos = p / Math.hypot(p, q), sin = q / Math.hypot(p, q);
  const a = scale * cos, b = -scale * sin, d = scale * sin, e = scale * cos;
  return [a, b, dx - (a * sx + b * sy), d, e, dy - (d * sx + e * sy)];
}

function variantMatrix(variant: Variant, landmarks: number[]): Affine2x3 {
  if (variant === 'facebench') return similarityTransform(landmarks);
  if (variant === 'float32-template') return similarityTransform(landmarks, doc.template32);
  return similarityAbout(landmarks, doc.template32, float32Means(landmarks), float32Means(doc.template32));
}

function difference(a: Uint8Array, b: Uint8Array): { count: number; max: number } {
  let count = 0, max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { count, max };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe.each(Object.keys(doc.sets))('alignment against insightface\'s float32 call: %s set', (setName) => {
  const cases = doc.sets[setName];
  const summary = doc.summary[setName];
  const images: RawImage[] = [];
  beforeAll(async () => {
    for (const c of cases) images.push(await decodeImage(join(REPO, c.image), 'bgr'));
  });

  it('decodes every image as cv2.imread does', () => {
    expect(cases.length).toBe(summary.faces);
    expect(cases.length).toBeGreaterThanOrEqual(48);
    expect(images.map((img) => sha256(img.data))).toEqual(cases.map((c) => c.decodedSha256));
  });

  it(`warps byte for byte as OpenCV ${doc.opencv} given the matrix: insightface's float32 one and facebench's own`, () => {
    for (const [i, c] of cases.entries()) {
      expect(sha256(warpAffineBilinear(images[i], c.matrices.float32 as Affine2x3, 112, 112)), c.image).toBe(c.cropSha256.float32);
      expect(sha256(alignFace(images[i], c.landmarks)), c.image).toBe(c.cropSha256.facebench);
    }
  });

  it('estimates the float64 matrices as skimage does (1e-9), not the float32 one', () => {
    let worst = 0;
    for (const c of cases) for (const v of VARIANTS) worst = Math.max(worst, maxAbsDiff(variantMatrix(v, c.landmarks), c.matrices[v]));
    expect(worst).toBeLessThan(1e-9);
    const fromFloat32 = Math.max(...cases.map((c) => maxAbsDiff(similarityTransform(c.landmarks), c.matrices.float32)));
    expect(Math.abs(fromFloat32 - summary.variants.facebench.matrixMaxAbsDiff)).toBeLessThan(1e-9);
    expect(fromFloat32).toBeGreaterThan(1e-7);
  });

  it.each(VARIANTS)('%s: the crop values that differ from the float32 path, case by case', (variant) => {
    let count = 0, max = 0, faces = 0;
    for (const [i, c] of cases.entries()) {
      const reference = warpAffineBilinear(images[i], c.matrices.float32 as Affine2x3, 112, 112);
      const d = difference(warpAffineBilinear(images[i], variantMatrix(variant, c.landmarks), 112, 112), reference);
      expect(d, `${c.image}`).toEqual({ count: c.differs[variant].count, max: c.differs[variant].max });
      count += d.count;
      max = Math.max(max, d.max);
      if (d.count > 0) faces++;
    }
    const s = summary.variants[variant];
    expect({ count, max, faces }).toEqual({ count: s.count, max: s.max, faces: s.facesWithDifferences });
    expect(count / summary.values).toBeLessThan(1e-4);
  });

  it('the warp equals pip OpenCV 4.14 byte for byte and differs from OpenCV 5.0 on every face', () => {
    const crops = cases.map((c, i) => sha256(warpAffineBilinear(images[i], c.matrices.float32 as Affine2x3, 112, 112)));
    expect(Object.keys(summary.opencv).sort()).toEqual(['4.14.0', '5.0.0']);
    expect(cases.map((c) => c.opencv['4.14.0'].cropSha256)).toEqual(crops);
    expect(summary.opencv['4.14.0'].count).toBe(0);
    for (const [i, c] of cases.entries()) {
      expect(c.opencv['5.0.0'].count).toBeGreaterThan(0);
      expect(c.opencv['5.0.0'].cropSha256).not.toBe(crops[i]);
    }
    expect(summary.opencv['5.0.0'].count / summary.values).toBeGreaterThan(0.01);
  });
});
