/**
 * Face features → L2-normalised template features, following the reference scripts' arithmetic
 * (REFERENCE.md §2) so that scores match them: float32 face arithmetic, media means and media sums
 * accumulated row by row in float32, final normalisation in float64. PURE.
 *
 * Faces are streamed in file order into one float32 accumulator per (template, media): the
 * references add a media's faces in ascending face order, which is file order, so the sums are the
 * same — and the face features (IJB-C: 2 × 0.9 GB) are never held in memory at once.
 */
import type { InsightfaceAggregation, MagfaceAggregation } from './spec.js';
import type { TemplateGrouping } from './template-grouping.js';
import { pairwiseSum } from './numpy-sum.js';

/** Face features delivered in consecutive row blocks, in ascending row order. */
export interface FaceFeatureSource {
  rows: number;
  cols: number;
  hasFlip: boolean;
  /** `orig`/`flip` hold rows [start, start + count) row-major; valid only during the call. */
  forEachBlock(visit: (start: number, count: number, orig: Float32Array, flip: Float32Array | undefined) => void): void;
}

/** A face whose feature cannot be normalised; the caller turns it into a data error. */
export class ZeroNormFaceError extends Error {
  constructor(readonly face: number) {
    super(`face ${face} has a zero feature vector and cannot be L2-normalised`);
  }
}

/** Row-major [templates, cols], every row of unit L2 norm (or all zero, as sklearn's normalize leaves it). */
export interface TemplateFeatures {
  count: number;
  cols: number;
  data: Float64Array;
}

/** Float32 sums per (template, media) slot, sized by the caller once and reused across aggregations. */
export function mediaSumBuffer(g: TemplateGrouping, cols: number): Float32Array {
  return new Float32Array((g.mediaOffsets.length - 1) * cols);
}

/** Adds every face, transformed by `prepare`, into its media slot of `sums`. */
function accumulateMedia(
  g: TemplateGrouping,
  src: FaceFeatureSource,
  sums: Float32Array,
  prepare: (face: number, orig: Float32Array, flip: Float32Array | undefined, offset: number, out: Float32Array) => void,
): void {
  const D = src.cols;
  const face = new Float32Array(D);
  sums.fill(0);
  src.forEachBlock((start, count, orig, flip) => {
    for (let r = 0; r < count; r++) {
      const i = start + r;
      prepare(i, orig, flip, r * D, face);
      const o = g.mediaOfFace[i] * D;
      for (let j = 0; j < D; j++) sums[o + j] += face[j];
    }
  });
}

/** ijb_11.py: flip / norm / detector-score preprocessing, then `image2template_feature`. */
export function aggregateInsightface(
  g: TemplateGrouping,
  src: FaceFeatureSource,
  detectorScores: Float32Array | undefined,
  spec: InsightfaceAggregation,
  sums: Float32Array,
): TemplateFeatures {
  const D = src.cols;
  if (spec.addFlip && !src.hasFlip) throw new Error('aggregateInsightface: F1 needs flip features');
  if (spec.detectorScore && !detectorScores) throw new Error('aggregateInsightface: D1 needs detector scores');
  const squares = new Float32Array(D);
  accumulateMedia(g, src, sums, (i, orig, flip, o, face) => {
    // Float32Array stores round every step to float32, as numpy's float32 arrays do.
    if (spec.addFlip) for (let j = 0; j < D; j++) face[j] = orig[o + j] + flip![o + j];
    else for (let j = 0; j < D; j++) face[j] = orig[o + j];
    if (!spec.keepNorm) {
      for (let j = 0; j < D; j++) squares[j] = face[j] * face[j];
      const norm = Math.fround(Math.sqrt(pairwiseSum(squares, 0, D, true)));
      if (norm === 0) throw new ZeroNormFaceError(i);
      for (let j = 0; j < D; j++) face[j] = face[j] / norm;
    }
    if (spec.detectorScore) {
      const s = detectorScores![i];
      for (let j = 0; j < D; j++) face[j] = face[j] * s;
    }
  });

  const T = g.templateIds.length;
  const out = new Float64Array(T * D);
  const template = new Float32Array(D);
  for (let t = 0; t < T; t++) {
    template.fill(0);
    for (let m = g.templateMediaOffsets[t]; m < g.templateMediaOffsets[t + 1]; m++) {
      const count = g.mediaOffsets[m + 1] - g.mediaOffsets[m];
      const o = m * D;
      // A single face is used as is; several are averaged (np.mean: float32 sum / count).
      if (count === 1) for (let j = 0; j < D; j++) template[j] += sums[o + j];
      else for (let j = 0; j < D; j++) template[j] += Math.fround(sums[o + j] / count);
    }
    writeNormalisedRow(out, t, template);
  }
  return { count: T, cols: D, data: out };
}

/**
 * MagFace eval_ijb.py `image2template_feature`: media = mean of the raw faces; MagFace L2-normalises
 * each media feature, MagFace+ keeps its magnitude; template = mean over media. The reference leaves
 * the template unnormalised because its cosine score normalises; we normalise here (float64) so that
 * every aggregation hands the scorer unit rows.
 */
export function aggregateMagface(g: TemplateGrouping, src: FaceFeatureSource, spec: MagfaceAggregation, sums: Float32Array): TemplateFeatures {
  const D = src.cols;
  accumulateMedia(g, src, sums, (_i, orig, _flip, o, face) => {
    for (let j = 0; j < D; j++) face[j] = orig[o + j];
  });
  const T = g.templateIds.length;
  const out = new Float64Array(T * D);
  const media = new Float32Array(D);
  const template = new Float32Array(D);
  for (let t = 0; t < T; t++) {
    template.fill(0);
    const m0 = g.templateMediaOffsets[t];
    const m1 = g.templateMediaOffsets[t + 1];
    for (let m = m0; m < m1; m++) {
      const count = g.mediaOffsets[m + 1] - g.mediaOffsets[m];
      const o = m * D;
      for (let j = 0; j < D; j++) media[j] = sums[o + j] / count;
      if (!spec.keepMediaNorm) {
        // torch F.normalize: x / max(||x||, 1e-12).
        let ss = 0;
        for (let j = 0; j < D; j++) ss += media[j] * media[j];
        const norm = Math.max(Math.fround(Math.sqrt(ss)), 1e-12);
        for (let j = 0; j < D; j++) media[j] = media[j] / norm;
      }
      for (let j = 0; j < D; j++) template[j] += media[j];
    }
    const count = m1 - m0;
    for (let j = 0; j < D; j++) template[j] = template[j] / count;
    writeNormalisedRow(out, t, template);
  }
  return { count: T, cols: D, data: out };
}

/** sklearn.preprocessing.normalize of one row, in float64 (a zero row stays zero). */
function writeNormalisedRow(out: Float64Array, row: number, v: Float32Array): void {
  const D = v.length;
  let ss = 0;
  for (let j = 0; j < D; j++) ss += v[j] * v[j];
  const norm = Math.sqrt(ss) || 1;
  const o = row * D;
  for (let j = 0; j < D; j++) out[o + j] = v[j] / norm;
}
