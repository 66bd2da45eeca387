import { describe, expect, it } from 'vitest';
import { ARCFACE_TEMPLATE_112, similarityTransform, type Affine2x3 } from '../../src/extract/align.js';
import { boxTransform, ijbbClusteringImageList, threePointTransform, virtualFivePoints } from '../../src/extract/align-three-point.js';
import type { IjbbClusteringProtocol } from '../../src/io/ijbb-clustering.js';

const apply = (m: Affine2x3, x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

/** A similarity (scale s, angle a, shift) from template space into an image. */
function intoImage(s: number, a: number, tx: number, ty: number): Affine2x3 {
  return [s * Math.cos(a), -s * Math.sin(a), tx, s * Math.sin(a), s * Math.cos(a), ty];
}

describe('three-point alignment (facebench choice for the IJB-B clustering protocols)', () => {
  const toImage = intoImage(2.3, 0.35, 140, 60);
  const eyesNose = [0, 1, 2].flatMap((p) => apply(toImage, ARCFACE_TEMPLATE_112[2 * p], ARCFACE_TEMPLATE_112[2 * p + 1]));
  it('maps the eyes and nose of an exactly similar face back onto the template', () => {
    const m = threePointTransform(eyesNose);
    for (let p = 0; p < 3; p++) {
      const [x, y] = apply(m, eyesNose[2 * p], eyesNose[2 * p + 1]);
      expect(x).toBeCloseTo(ARCFACE_TEMPLATE_112[2 * p], 9);
      expect(y).toBeCloseTo(ARCFACE_TEMPLATE_112[2 * p + 1], 9);
    }
  });
  it('takes the eyes by x: naming them the other way round gives the same transform', () => {
    const swapped = [eyesNose[2], eyesNose[3], eyesNose[0], eyesNose[1], eyesNose[4], eyesNose[5]];
    expect(threePointTransform(swapped)).toEqual(threePointTransform(eyesNose));
  });
  it('is the least-squares fit for noisy points (residual orthogonal to the similarity family)', () => {
    const noisy = eyesNose.map((v, k) => v + [1.5, -2, 0.5, 1, -1, 0.25][k]);
    const m = threePointTransform(noisy);
    expect(m).toEqual(similarityTransform(noisy, ARCFACE_TEMPLATE_112.slice(0, 6)));
  });
  it('virtual five points refit to the same transform (the 5-point extractor applies it)', () => {
    const m = threePointTransform(eyesNose.map((v, k) => v + (k % 2 ? 0.7 : -0.4)));
    const refit = similarityTransform(virtualFivePoints(m), ARCFACE_TEMPLATE_112);
    refit.forEach((v, k) => expect(Math.abs(v - m[k])).toBeLessThan(1e-5 * Math.max(1, Math.abs(m[k]))));
  });
  it('box fallback: centre to the crop centre, longer side to the crop side', () => {
    const m = boxTransform(100, 40, 80, 120);
    expect(apply(m, 140, 100)).toEqual([56, 56]);
    expect(apply(m, 140, 40)[1]).toBeCloseTo(0, 12);
    expect(apply(m, 140, 160)[1]).toBeCloseTo(112, 12);
  });
  it('image list: landmarks when all three are given, the box otherwise, unalignable rows listed', () => {
    const protocol: IjbbClusteringProtocol = {
      protocolFile: 'p.csv', groundTruthFile: 't.csv', rows: 3,
      templateIds: Float64Array.of(1, 2, 3), subjects: Float64Array.of(1, 1, 2),
      filenames: ['a.jpg', 'b.jpg', 'c.jpg'],
      boxes: Float64Array.of(0, 0, 50, 60, 10, 10, 40, 40, NaN, NaN, NaN, NaN),
      points: Float64Array.from([...eyesNose, NaN, NaN, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5]), // row 3: degenerate points, no box
      lines: Int32Array.of(2, 3, 4),
    };
    const list = ijbbClusteringImageList(protocol);
    expect([list.fromLandmarks, list.fromBox, list.unalignable]).toEqual([1, 1, [4]]);
    expect(list.names).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(Array.from(list.landmarks.subarray(20, 30)).every(Number.isNaN)).toBe(true);
    // Row 0's virtual points are the template mapped into the image through the face's similarity.
    const back = virtualFivePoints(threePointTransform(eyesNose));
    expect(Array.from(list.landmarks.subarray(0, 10))).toEqual(Array.from(back));
    for (let p = 0; p < 5; p++) {
      const [x, y] = apply(toImage, ARCFACE_TEMPLATE_112[2 * p], ARCFACE_TEMPLATE_112[2 * p + 1]);
      expect(back[2 * p]).toBeCloseTo(x, 3);
      expect(back[2 * p + 1]).toBeCloseTo(y, 3);
    }
  });
});
