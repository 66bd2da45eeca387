/**
 * The per-pair and per-sample numbers the quality curves start from, with the reference arithmetic:
 *
 * - the pair score of MagFace `eval_quality.py` and CR-FIQA `ERC/erc.py` (`distance_`): the angular
 *   distance arccos(clip(a·b / (‖a‖‖b‖), −1, 1)) / π in float64, dot products and norms summed as
 *   numpy sums along a row (pairwise);
 * - the feature magnitude ‖f‖ (MagFace's quality), same summation;
 * - per-template quality from per-face quality (mean or min over the template's faces);
 * - pair quality = min of its two samples', as dense ranks (see numpy-argsort.ts).
 *
 * Feature rows are float32, row-major [rows, cols]. PURE.
 */
import { pairwiseSum, pairwiseSumOfSquares } from '../numeric/numpy.js';
import { denseRanks } from '../numeric/numpy-argsort.js';
import { checkSteps, discardCounts } from './error-reject.js';

/** Element r: the L2 norm of row r, in float64 with numpy's pairwise sum of the squares. */
export function featureNorms(data: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Math.sqrt(pairwiseSumOfSquares(data, r * cols, cols));
  return out;
}

/**
 * Element i: the angular distance (MagFace `distance_`) between rows rowA[i] and rowB[i] of the
 * embeddings `e` = features (+ flip features, summed in float64, when given). NaN when a row has
 * zero norm (the reference divides by zero there too).
 */
export function angularDistances(f: { data: Float32Array; flip?: Float32Array; rows: number; cols: number; rowA: Int32Array; rowB: Int32Array }): Float64Array {
  const { rows, cols, rowA, rowB } = f;
  const e = new Float64Array(rows * cols);
  for (let k = 0; k < rows * cols; k++) e[k] = f.flip ? f.data[k] + f.flip[k] : f.data[k];
  const norms = new Float64Array(rows);
  const terms = new Float64Array(cols);
  for (let r = 0; r < rows; r++) norms[r] = Math.sqrt(pairwiseSumOfSquares(e, r * cols, cols));
  const out = new Float64Array(rowA.length);
  for (let i = 0; i < rowA.length; i++) {
    const a = rowA[i] * cols;
    const b = rowB[i] * cols;
    for (let c = 0; c < cols; c++) terms[c] = e[a + c] * e[b + c];
    const cos = pairwiseSum(terms, 0, cols) / (norms[rowA[i]] * norms[rowB[i]]);
    out[i] = Math.acos(Math.min(1, Math.max(-1, cos))) / Math.PI;
  }
  return out;
}

/**
 * Element t: the quality of template t from its faces' qualities — their mean (summed in face
 * order, float64) or their minimum. `faceOrder` lists the faces template by template;
 * `templateFaceOffsets[t] … templateFaceOffsets[t+1]` are template t's positions in it.
 */
export function templateQualities(faceQuality: Float64Array, faceOrder: Int32Array, templateFaceOffsets: Int32Array, how: 'mean' | 'min'): Float64Array {
  const templates = templateFaceOffsets.length - 1;
  const out = new Float64Array(templates);
  for (let t = 0; t < templates; t++) {
    const lo = templateFaceOffsets[t];
    const hi = templateFaceOffsets[t + 1];
    let acc = how === 'mean' ? 0 : Infinity;
    for (let k = lo; k < hi; k++) {
      const q = faceQuality[faceOrder[k]];
      acc = how === 'mean' ? acc + q : Math.min(acc, q);
    }
    out[t] = how === 'mean' ? acc / (hi - lo) : acc;
  }
  return out;
}

/**
 * Dense ranks of the pair qualities min(sampleQuality[a], sampleQuality[b]): element p = the rank
 * of pair p's quality among the distinct sample qualities (equal qualities, equal ranks; the order
 * of ranks is the order of the qualities). Also returns the distinct qualities (rank r ↔ distinct[r]).
 * The ranks are written into `out` when given.
 */
export function pairQualityRanks(sampleQuality: Float64Array, sampleA: ArrayLike<number>, sampleB: ArrayLike<number>, out: Int32Array = new Int32Array(sampleA.length)): { ranks: Int32Array; distinct: Float64Array } {
  const { ranks: sampleRank, distinct } = denseRanks(sampleQuality);
  const ranks = out;
  for (let p = 0; p < ranks.length; p++) {
    const a = sampleRank[sampleA[p]];
    const b = sampleRank[sampleB[p]];
    ranks[p] = a < b ? a : b;
  }
  return { ranks, distinct };
}

/**
 * `discardSteps` for pairs discarded in ascending order of their quality rank, equal ranks in pair
 * order — computed without materialising the order: the pairs of rank r hold the positions from
 * #{pairs of lower rank} on, in pair order, so one pass in pair order knows every pair's position.
 */
export function discardStepsByRank(ranks: Int32Array, fractions: ArrayLike<number>, out: Uint8Array = new Uint8Array(ranks.length)): Uint8Array {
  const steps = checkSteps(fractions);
  const cuts = discardCounts(fractions, ranks.length);
  let top = 0;
  for (let p = 0; p < ranks.length; p++) if (ranks[p] > top) top = ranks[p];
  const next = new Int32Array(top + 2);
  for (let p = 0; p < ranks.length; p++) next[ranks[p] + 1]++;
  for (let r = 0; r <= top; r++) next[r + 1] += next[r];
  // The step a rank's first position falls in, and where the next cut is: most ranks lie between two cuts.
  const stepOf = (position: number): number => {
    let lo = 0;
    let hi = steps;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid] > position) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const firstStep = new Uint8Array(top + 1);
  const nextCut = new Float64Array(top + 1);
  for (let r = 0; r <= top; r++) {
    firstStep[r] = stepOf(next[r]);
    nextCut[r] = firstStep[r] < steps ? cuts[firstStep[r]] : Infinity;
  }
  const goneAt = out;
  for (let p = 0; p < ranks.length; p++) {
    const r = ranks[p];
    const position = next[r]++;
    goneAt[p] = position < nextCut[r] ? firstStep[r] : stepOf(position);
  }
  return goneAt;
}

/**
 * Histogram of the samples' qualities over the pairs of one class, each pair counting both of its
 * samples. `edges` has bins+1 increasing values; element k of the result counts qualities in
 * [edges[k], edges[k+1]) (the last bin also holds edges[bins]).
 */
export function pairSampleHistogram(sampleQuality: Float64Array, sampleA: ArrayLike<number>, sampleB: ArrayLike<number>, labels: Uint8Array, cls: 0 | 1, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const lo = edges[0];
  const width = (edges[bins] - lo) / bins;
  const perSample = new Float64Array(sampleQuality.length);
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== cls) continue;
    perSample[sampleA[p]]++;
    perSample[sampleB[p]]++;
  }
  const counts = new Float64Array(bins);
  for (let s = 0; s < sampleQuality.length; s++) {
    if (perSample[s] === 0) continue;
    let k = width > 0 ? Math.floor((sampleQuality[s] - lo) / width) : 0;
    if (k >= bins) k = bins - 1;
    if (k < 0) k = 0;
    counts[k] += perSample[s];
  }
  return counts;
}

/** `bins` equal-width bins spanning the values (one bin of width 1 around a constant). */
export function histogramEdges(values: Float64Array, bins: number): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) {
    min -= 0.5;
    max += 0.5;
  }
  return Float64Array.from({ length: bins + 1 }, (_, k) => (k === bins ? max : min + ((max - min) * k) / bins));
}
