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
import { Kernels, align16, type KernelExports } from '../wasm/kernels.js';
import { torchNormaliseInPlace } from '../numeric/torch.js';

/** Where a source delivers its blocks: arrays of `rowsPerBlock × cols` floats each. */
export interface BlockBuffers {
  orig: Float32Array;
  flip?: Float32Array;
}

/** Face features delivered in consecutive row blocks, in ascending row order. */
export interface FaceFeatureSource {
  rows: number;
  cols: number;
  hasFlip: boolean;
  /** Rows per block (the last block may be shorter). */
  rowsPerBlock: number;
  /**
   * `orig`/`flip` hold rows [start, start + count) row-major; valid only during the call. With
   * `into`, the blocks are delivered in (the start of) those arrays.
   */
  forEachBlock(visit: (start: number, count: number, orig: Float32Array, flip: Float32Array | undefined) => void, into?: BlockBuffers): void;
}

/** A face whose feature cannot be normalised; the caller turns it into a data error. */
export class ZeroNormFaceError extends Error {
  constructor(readonly face: number) {
    super(`face ${face} has a zero feature vector and cannot be L2-normalised`);
  }
}

/**
 * Row-major [templates, cols], every row of unit L2 norm (or all zero, as sklearn's normalize leaves
 * it). Normalised in float64; stored as float64 for exact scoring, or rounded to float32 for the
 * float32 scorers (half the memory, and the same values they would round to).
 */
export interface TemplateFeatures<Data extends Float64Array | Float32Array = Float64Array | Float32Array> {
  count: number;
  cols: number;
  data: Data;
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

/** Where aggregateTemplates works in the kernel memory, and what it returns. */
export interface AggregationMemory {
  kernels: Kernels;
  /** float64 templates for exact scoring; float32 for the float32 scorers. */
  precision: 'float64' | 'float32';
  /** Start of the pass's scratch arrays (blocks, media sums). */
  base: number;
  /**
   * float32 only: write the templates into the kernel memory from here (spec after spec, T × D
   * each; see `templateBytes`) instead of fresh arrays, so that a helper thread can commit their
   * pages beforehand. Must not overlap the scratch from `base`.
   */
  outputsAt?: number;
}

/** Bytes of the float32 templates of `specs` specs (AggregationMemory.outputsAt). */
export const templateBytes = (specs: number, templates: number, dim: number): number => align16(specs * templates * dim * 4);

/**
 * Aggregates every spec from ONE pass over the features. Specs with the same face transform share
 * their media sums (e.g. magface and magface+, plain and insightface:N0D0F1). A template's media
 * sums live only from its first face to its last face in file order, then the template is finished:
 * when the file lists faces template by template (as IJB releases do) only one template is open at a
 * time. The per-face arithmetic runs in the SIMD kernels on blocks read straight into their memory.
 * Returns one template matrix per spec, in order.
 */
export function aggregateTemplates(
  g: TemplateGrouping,
  src: FaceFeatureSource,
  detectorScores: Float32Array | undefined,
  specs: AggregationSpec[],
  memory: AggregationMemory = { kernels: new Kernels(), precision: 'float64', base: 0 },
): TemplateFeatures[] {
  const { kernels, precision, base, outputsAt } = memory;
  if (outputsAt !== undefined && precision !== 'float32') throw new Error('aggregateTemplates: outputsAt needs float32');
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
  const A = accumulators.length;
  const sumsIndexOfSpec = specs.map((spec) => [...transforms.keys()].indexOf(transformKey(faceTransformOf(spec))));

  const templateOfMedia = new Int32Array(g.mediaOffsets.length - 1);
  for (let t = 0; t < T; t++) templateOfMedia.fill(t, g.templateMediaOffsets[t], g.templateMediaOffsets[t + 1]);
  const lastFace = new Int32Array(T);
  for (let i = 0; i < g.mediaOfFace.length; i++) if (g.mediaOfFace[i] >= 0) lastFace[templateOfMedia[g.mediaOfFace[i]]] = i;
  const mediaCount = (t: number): number => g.templateMediaOffsets[t + 1] - g.templateMediaOffsets[t];

  // Kernel memory: the two blocks, scratch rows (a face, a template, a normalised template), then
  // the open templates' sums.
  const anyFlip = accumulators.some((a) => a.addFlip);
  const blockBytes = align16(src.rowsPerBlock * D * 4);
  const origAt = base;
  const flipAt = base + blockBytes;
  const flipSumAt = base + 2 * blockBytes;
  const templateAt = flipSumAt + align16(D * 4);
  const rowOutAt = templateAt + align16(D * 4);
  const heapAt = rowOutAt + align16(D * 8);
  const heapFloats = peakOpenFloats(g, templateOfMedia, lastFace, D * A);
  kernels.ensureBytes(heapAt + heapFloats * 4);
  const k = kernels.k;
  const heap = kernels.f32(heapAt, heapFloats);
  const outputs = specs.map((_, s) =>
    outputsAt !== undefined ? kernels.f32(outputsAt + s * T * D * 4, T * D) : precision === 'float64' ? new Float64Array(T * D) : new Float32Array(T * D),
  );
  const template = kernels.f32(templateAt, D);
  const rowOut = precision === 'float64' ? kernels.f64(rowOutAt, D) : kernels.f32(rowOutAt, D);
  const into = { orig: kernels.f32(origAt, src.rowsPerBlock * D), flip: src.hasFlip ? kernels.f32(flipAt, src.rowsPerBlock * D) : undefined };

  // Bump allocation of the open templates' sums, reset whenever none is open (see peakOpenFloats).
  const sumsAt = new Int32Array(T).fill(-1); // float index into `heap` of template t's first accumulator
  let used = 0;
  let openCount = 0;
  const media = new Float32Array(D);
  src.forEachBlock((start, count, orig, flip) => {
    for (let r = 0; r < count; r++) {
      const i = start + r;
      const m = g.mediaOfFace[i];
      if (m < 0) continue; // an excluded face
      const t = templateOfMedia[m];
      const m0 = g.templateMediaOffsets[t];
      const stride = mediaCount(t) * D; // floats per accumulator of this template
      if (sumsAt[t] < 0) {
        sumsAt[t] = used;
        heap.fill(0, used, used + stride * A);
        used += stride * A;
        openCount++;
      }
      const slot = heapAt + (sumsAt[t] + (m - m0) * D) * 4;
      const origRow = orig.byteOffset + r * D * 4;
      if (anyFlip) k.add2(flipSumAt, origRow, flip!.byteOffset + r * D * 4, D);
      for (let a = 0; a < A; a++) {
        const { addFlip, keepNorm, detectorScore } = accumulators[a];
        const x = addFlip ? flipSumAt : origRow;
        const acc = slot + a * stride * 4;
        const scale = detectorScore ? detectorScores![i] : 1;
        if (keepNorm && !detectorScore) {
          k.addInto(acc, x, D);
          continue;
        }
        let norm = 1;
        if (!keepNorm) {
          norm = Math.fround(Math.sqrt(k.sumOfSquares(x, D)));
          if (norm === 0) throw new ZeroNormFaceError(i);
        }
        k.addScaled(acc, x, norm, scale, D);
      }
      if (i === lastFace[t]) {
        for (let s = 0; s < specs.length; s++) {
          const spec = specs[s];
          const sumsFrom = sumsAt[t] + sumsIndexOfSpec[s] * stride;
          if (spec.kind === 'magface') finishMagface(g, t, heap.subarray(sumsFrom, sumsFrom + stride), spec, media, template);
          else finishInsightface(k, g, t, heapAt + sumsFrom * 4, templateAt, template);
          const dst = outputsAt !== undefined ? outputsAt + (s * T + t) * D * 4 : rowOutAt;
          // NaN and Inf propagate into the template: one check here instead of one per input value.
          if (k.normaliseRow(templateAt, dst, D, precision === 'float64' ? 1 : 0)) throw new NonFiniteSumError();
          if (outputsAt === undefined) outputs[s].set(rowOut, t * D);
        }
        if (--openCount === 0) used = 0;
      }
    }
  }, into);
  return outputs.map((data) => ({ count: T, cols: D, data }));
}

/**
 * Floats of media sums the bump allocation above needs at its peak: a template's sums are taken at
 * its first face, and the space is reclaimed when no template is open. Face lists grouped by
 * template need one template's worth; interleaved ones need more (at worst every template's).
 */
function peakOpenFloats(g: TemplateGrouping, templateOfMedia: Int32Array, lastFace: Int32Array, floatsPerMedia: number): number {
  const opened = new Uint8Array(lastFace.length);
  let used = 0;
  let peak = 0;
  let openCount = 0;
  for (let i = 0; i < g.mediaOfFace.length; i++) {
    const m = g.mediaOfFace[i];
    if (m < 0) continue;
    const t = templateOfMedia[m];
    if (!opened[t]) {
      opened[t] = 1;
      openCount++;
      used += (g.templateMediaOffsets[t + 1] - g.templateMediaOffsets[t]) * floatsPerMedia;
      peak = Math.max(peak, used);
    }
    if (i === lastFace[t] && --openCount === 0) used = 0;
  }
  return peak;
}

/**
 * ijb_11.py `image2template_feature` for template t from its media sums (at byte `sumsAt` in the
 * kernel memory) into the float32 row at `templateAt` (`template` is its view): media mean, sum of
 * media.
 */
function finishInsightface(k: KernelExports, g: TemplateGrouping, t: number, sumsAt: number, templateAt: number, template: Float32Array): void {
  const D = template.length;
  const m0 = g.templateMediaOffsets[t];
  template.fill(0);
  for (let m = m0; m < g.templateMediaOffsets[t + 1]; m++) {
    const count = g.mediaOffsets[m + 1] - g.mediaOffsets[m];
    const at = sumsAt + (m - m0) * D * 4;
    // A single face is used as is; several are averaged (np.mean: float32 sum / count).
    if (count === 1) k.addInto(templateAt, at, D);
    else k.addScaled(templateAt, at, count, 1, D);
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
    if (!spec.keepMediaNorm) torchNormaliseInPlace(media);
    for (let j = 0; j < D; j++) template[j] += media[j];
  }
  for (let j = 0; j < D; j++) template[j] = template[j] / (m1 - m0);
}

