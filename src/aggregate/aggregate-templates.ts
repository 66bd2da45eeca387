/**
 * Face features → L2-normalised template features, following the reference scripts' arithmetic
 * (REFERENCE.md §2) so that scores match them: float32 face arithmetic, media means and media sums
 * accumulated row by row in float32, final normalisation in float64. PURE.
 */
import type { InsightfaceAggregation, MagfaceAggregation } from './spec.js';
import type { TemplateGrouping } from './template-grouping.js';
import { pairwiseSum } from './numpy-sum.js';

export interface FaceFeatures {
  rows: number;
  cols: number;
  /** Row-major [rows, cols] features of the original faces. */
  data: Float32Array;
  /** Same shape: features of the horizontally flipped faces, when extracted. */
  flip?: Float32Array;
  /** Detector score per face (float32), needed by D1 aggregations. */
  detectorScores?: Float32Array;
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

/** ijb_11.py: `image2template_feature` after its flip / norm / detector-score preprocessing. */
export function aggregateInsightface(g: TemplateGrouping, f: FaceFeatures, spec: InsightfaceAggregation): TemplateFeatures {
  const D = f.cols;
  const T = g.templateIds.length;
  const out = new Float64Array(T * D);
  // Float32Array scratch rows: every store rounds to float32, as numpy's float32 arrays do.
  const face = new Float32Array(D);
  const squares = new Float32Array(D);
  const media = new Float32Array(D);
  const template = new Float32Array(D);
  const { data, flip, detectorScores } = f;
  if (spec.addFlip && !flip) throw new Error('aggregateInsightface: F1 needs flip features');
  if (spec.detectorScore && !detectorScores) throw new Error('aggregateInsightface: D1 needs detector scores');

  const loadFace = (i: number): void => {
    const o = i * D;
    if (spec.addFlip) for (let j = 0; j < D; j++) face[j] = data[o + j] + flip![o + j];
    else face.set(data.subarray(o, o + D));
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
  };

  for (let t = 0; t < T; t++) {
    template.fill(0);
    for (let m = g.templateMediaOffsets[t]; m < g.templateMediaOffsets[t + 1]; m++) {
      const lo = g.mediaOffsets[m];
      const hi = g.mediaOffsets[m + 1];
      if (hi - lo === 1) {
        loadFace(g.faceOrder[lo]);
        for (let j = 0; j < D; j++) template[j] += face[j];
      } else {
        media.fill(0);
        for (let k = lo; k < hi; k++) {
          loadFace(g.faceOrder[k]);
          for (let j = 0; j < D; j++) media[j] += face[j];
        }
        const count = hi - lo;
        for (let j = 0; j < D; j++) template[j] += Math.fround(media[j] / count);
      }
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
export function aggregateMagface(g: TemplateGrouping, f: FaceFeatures, spec: MagfaceAggregation): TemplateFeatures {
  const D = f.cols;
  const T = g.templateIds.length;
  const out = new Float64Array(T * D);
  const media = new Float32Array(D);
  const template = new Float32Array(D);
  const { data } = f;
  for (let t = 0; t < T; t++) {
    template.fill(0);
    const m0 = g.templateMediaOffsets[t];
    const m1 = g.templateMediaOffsets[t + 1];
    for (let m = m0; m < m1; m++) {
      media.fill(0);
      const lo = g.mediaOffsets[m];
      const hi = g.mediaOffsets[m + 1];
      for (let k = lo; k < hi; k++) {
        const o = g.faceOrder[k] * D;
        for (let j = 0; j < D; j++) media[j] += data[o + j];
      }
      const count = hi - lo;
      for (let j = 0; j < D; j++) media[j] = media[j] / count;
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
