/**
 * Pair distances and XNorm of insightface `verification.py` (`test` + `evaluate`): embedding =
 * L2-normalise(f + f_flip) (or of f alone) in float64, distance = squared L2 of the difference,
 * summed with numpy's pairwise summation. PURE.
 */
import { pairwiseSum } from '../numeric/numpy.js';

export interface PairFeatures {
  /** Row-major [rows, cols] raw features of the original images. */
  data: Float32Array;
  /** Same shape: features of the horizontally flipped images, or undefined. */
  flip?: Float32Array;
  rows: number;
  cols: number;
  /** Element i: feature row of the first image of pair i. */
  rowA: Int32Array;
  /** Element i: feature row of the second image of pair i. */
  rowB: Int32Array;
}

/**
 * Unit embeddings, one per feature row: element [r, c] = (f + f_flip)[r, c] / ‖f + f_flip‖ in float64.
 * A zero vector stays zero (sklearn `normalize` divides by 1 when the norm is 0).
 */
export function unitEmbeddings(f: Pick<PairFeatures, 'data' | 'flip' | 'rows' | 'cols'>): Float64Array {
  const { data, flip, rows, cols } = f;
  const out = new Float64Array(rows * cols);
  const squares = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = flip ? data[o + c] + flip[o + c] : data[o + c];
      out[o + c] = v;
      squares[c] = v * v;
    }
    let norm = Math.sqrt(pairwiseSum(squares, 0, cols));
    if (norm === 0) norm = 1;
    for (let c = 0; c < cols; c++) out[o + c] /= norm;
  }
  return out;
}

/** Element i: squared L2 distance between the unit embeddings of pair i, in [0, 4]. */
export function pairDistances(f: PairFeatures): Float64Array {
  const e = unitEmbeddings(f);
  const { cols, rowA, rowB } = f;
  const out = new Float64Array(rowA.length);
  const squares = new Float64Array(cols);
  for (let i = 0; i < rowA.length; i++) {
    const a = rowA[i] * cols;
    const b = rowB[i] * cols;
    for (let c = 0; c < cols; c++) {
      const d = e[a + c] - e[b + c];
      squares[c] = d * d;
    }
    out[i] = pairwiseSum(squares, 0, cols);
  }
  return out;
}

/**
 * XNorm as `verification.test`: the mean raw L2 norm over the 2N images in pair order (pair i = images
 * 2i, 2i+1, as a .bin holds them), of the original features and, when present, of the flipped ones
 * (2N or 4N norms in all). An image used by several pairs counts once per use.
 */
export function xnorm(f: PairFeatures): number {
  const { cols, rowA, rowB } = f;
  let sum = 0;
  let count = 0;
  const lists = f.flip ? [f.data, f.flip] : [f.data];
  for (const m of lists) {
    for (let i = 0; i < rowA.length; i++) {
      for (const r of [rowA[i], rowB[i]]) {
        let ss = 0;
        for (let c = 0; c < cols; c++) ss += m[r * cols + c] * m[r * cols + c];
        sum += Math.sqrt(ss);
        count++;
      }
    }
  }
  return sum / count;
}
