/**
 * Face features → L2-normalised template features, following the reference scripts' arithmetic
 * (REFERENCE.md §2) so that scores match them: float32 face arithmetic, media means and media sums
 * accumulated row by row in float32, final normalisation in float64. PURE.
 *
 * Faces are streamed in file order into one float32 accumulator per (template, media): the
 * references add a media's faces in ascending face order, which is file order, so the sums are the
 * same — and the face features (IJB-C: 2 × 0.9 GB) are never held in memory at once. All requested
 * aggregations are accumulated in the same pass.
 */
import type { AggregationSpec, MagfaceAggregation } from './spec.js';
import type { TemplateGrouping } from './template-grouping.js';
import { pairwiseSumOfSquares32 } from './numpy-sum.js';

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

/** What is added into a media slot for each face: ijb_11.py's preprocessing flags. */
interface FaceTransform {
  keepNorm: boolean;
  detectorScore: boolean;
  addFlip: boolean;
}

function faceTransformOf(spec: AggregationSpec): FaceTransform {
  // MagFace averages the raw faces: the same as insightface N1D0F0.
  return spec.kind === 'magface' ? { keepNorm: true, detectorScore: false, addFlip: false } : spec;
}

const transformKey = (t: FaceTransform): string => `${+t.keepNorm}${+t.detectorScore}${+t.addFlip}`;

/** A template came out NaN or infinite: a non-finite input (or a float32 overflow). */
export class NonFiniteSumError extends Error {
  constructor() {
    super('non-finite media sum');
  }
}

/**
 * Aggregates every spec from ONE pass over the features. Specs with the same face transform share
 * their media sums (e.g. magface and magface+, plain and insightface:N0D0F1). A template's media
 * sums live only from its first face to its last face in file order, then the template is finished:
 * when the file lists faces template by template (as IJB releases do) only one template is open at a
 * time. Returns one template matrix per spec, in order.
 */
export function aggregateTemplates(
  g: TemplateGrouping,
  src: FaceFeatureSource,
  detectorScores: Float32Array | undefined,
  specs: AggregationSpec[],
): TemplateFeatures[] {
  const D = src.cols;
  const T = g.templateIds.length;
  const transforms = new Map<string, FaceTransform>();
  for (const spec of specs) {
    const transform = faceTransformOf(spec);
    if (transform.addFlip && !src.hasFlip) throw new Error('aggregateTemplates: F1 needs flip features');
    if (transform.detectorScore && !detectorScores) throw new Error('aggregateTemplates: D1 needs detector scores');
    transforms.set(transformKey(transform), transform);
  }
  const accumulators = [...transforms.values()];
  const sumsIndexOfSpec = specs.map((spec) => [...transforms.keys()].indexOf(transformKey(faceTransformOf(spec))));
  const outputs = specs.map(() => new Float64Array(T * D));

  const templateOfMedia = new Int32Array(g.mediaOffsets.length - 1);
  for (let t = 0; t < T; t++) templateOfMedia.fill(t, g.templateMediaOffsets[t], g.templateMediaOffsets[t + 1]);
  const lastFace = new Int32Array(T);
  for (let i = 0; i < g.mediaOfFace.length; i++) if (g.mediaOfFace[i] >= 0) lastFace[templateOfMedia[g.mediaOfFace[i]]] = i;
  const open: (Float32Array[] | undefined)[] = new Array(T);

  const flipSum = new Float32Array(D);
  const template = new Float32Array(D);
  const media = new Float32Array(D);
  const anyFlip = accumulators.some((a) => a.addFlip);
  src.forEachBlock((start, count, orig, flip) => {
    for (let r = 0; r < count; r++) {
      const i = start + r;
      const o = r * D;
      const m = g.mediaOfFace[i];
      if (m < 0) continue; // an excluded face
      const t = templateOfMedia[m];
      const m0 = g.templateMediaOffsets[t];
      const sums = (open[t] ??= accumulators.map(() => new Float32Array((g.templateMediaOffsets[t + 1] - m0) * D)));
      const slot = (m - m0) * D;
      // Float32Array stores round every step to float32, as numpy's float32 arrays do.
      if (anyFlip) for (let j = 0; j < D; j++) flipSum[j] = orig[o + j] + flip![o + j];
      for (let a = 0; a < accumulators.length; a++) {
        const { addFlip, keepNorm, detectorScore } = accumulators[a];
        const x = addFlip ? flipSum : orig;
        const xo = addFlip ? 0 : o;
        const acc = sums[a];
        let norm = 1;
        if (!keepNorm) {
          norm = Math.fround(Math.sqrt(pairwiseSumOfSquares32(x, xo, D)));
          if (norm === 0) throw new ZeroNormFaceError(i);
        }
        const f = Math.fround;
        if (detectorScore) {
          const s = detectorScores![i];
          for (let j = 0; j < D; j++) acc[slot + j] += f(f(x[xo + j] / norm) * s);
        } else if (!keepNorm) {
          for (let j = 0; j < D; j++) acc[slot + j] += f(x[xo + j] / norm);
        } else {
          for (let j = 0; j < D; j++) acc[slot + j] += x[xo + j];
        }
      }
      if (i === lastFace[t]) {
        for (let k = 0; k < specs.length; k++) {
          const spec = specs[k];
          const acc = sums[sumsIndexOfSpec[k]];
          if (spec.kind === 'magface') finishMagface(g, t, acc, spec, media, template);
          else finishInsightface(g, t, acc, template);
          // NaN and Inf propagate into the template: one check here instead of one per input value.
          for (let j = 0; j < D; j++) if (template[j] - template[j] !== 0) throw new NonFiniteSumError();
          writeNormalisedRow(outputs[k], t, template);
        }
        open[t] = undefined;
      }
    }
  });
  return outputs.map((data) => ({ count: T, cols: D, data }));
}

/** ijb_11.py `image2template_feature` for template t from its media sums: media mean, sum of media. */
function finishInsightface(g: TemplateGrouping, t: number, sums: Float32Array, template: Float32Array): void {
  const D = template.length;
  const m0 = g.templateMediaOffsets[t];
  template.fill(0);
  for (let m = m0; m < g.templateMediaOffsets[t + 1]; m++) {
    const count = g.mediaOffsets[m + 1] - g.mediaOffsets[m];
    const o = (m - m0) * D;
    // A single face is used as is; several are averaged (np.mean: float32 sum / count).
    if (count === 1) for (let j = 0; j < D; j++) template[j] += sums[o + j];
    else for (let j = 0; j < D; j++) template[j] += Math.fround(sums[o + j] / count);
  }
}

/**
 * MagFace eval_ijb.py `image2template_feature` for template t from its raw media sums: media = mean
 * of the faces; MagFace L2-normalises each media feature, MagFace+ keeps its magnitude; template =
 * mean over media. (The reference leaves the template unnormalised because its cosine normalises.)
 */
function finishMagface(g: TemplateGrouping, t: number, sums: Float32Array, spec: MagfaceAggregation, media: Float32Array, template: Float32Array): void {
  const D = template.length;
  const m0 = g.templateMediaOffsets[t];
  const m1 = g.templateMediaOffsets[t + 1];
  template.fill(0);
  for (let m = m0; m < m1; m++) {
    const count = g.mediaOffsets[m + 1] - g.mediaOffsets[m];
    const o = (m - m0) * D;
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
  for (let j = 0; j < D; j++) template[j] = template[j] / (m1 - m0);
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
