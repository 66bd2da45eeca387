/**
 * Face features as a stream of row blocks (see FaceFeatureSource): read from .npy files block by
 * block — IJB-C's 2 × 0.9 GB of features never sit in memory at once — or served from a matrix
 * already in memory (MagFace text lists). Aggregation detects NaN/Inf cheaply through its sums;
 * `locateNonFinite` then finds the exact value for the error message.
 */
import { DataError } from '../errors.js';
import type { BlockBuffers, FaceFeatureSource } from '../aggregate/aggregate-templates.js';
import { readNpyMatrix, type FeatureMatrix, type NpyRowReader } from './npy.js';
import { readMagfaceFeatureList } from './magface-feature-list.js';

const BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * Throws a DataError naming the file, row and column of the first NaN/Inf in the features (then in
 * the flip features, when `withFlip`); returns when there is none.
 */
export function locateNonFinite(src: FaceFeatureSource, featuresFile: string, flipFile: string | undefined, withFlip: boolean, excluded?: Uint8Array): void {
  const D = src.cols;
  src.forEachBlock((start, count, orig, flip) => {
    for (let r = 0; r < count; r++) {
      if (excluded?.[start + r]) continue;
      checkFinite(orig.subarray(r * D, (r + 1) * D), start + r, D, featuresFile);
      if (withFlip && flip) checkFinite(flip.subarray(r * D, (r + 1) * D), start + r, D, flipFile ?? 'flip features');
    }
  });
}

/** Throws naming the file, row and column of the first non-finite value in rows [start, …). */
export function checkFinite(values: Float32Array, start: number, cols: number, file: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) {
      throw new DataError(`${file}: non-finite feature value ${v} at row ${start + Math.floor(i / cols) + 1}, column ${(i % cols) + 1}`);
    }
  }
}

/** Rows of a feature matrix, copied into a caller's array: an open .npy or a matrix in memory. */
type RowSource = Pick<NpyRowReader, 'rows' | 'cols' | 'read'>;

/** Streams .npy features (and flip features of the same shape) in row blocks. */
export function npyFeatureSource(features: NpyRowReader, flip?: NpyRowReader): FaceFeatureSource {
  checkSameShape(features, features.file, flip, flip?.file);
  return blockSource(features, flip);
}

/** Serves in-memory matrices (checked once) in row blocks. */
export function memoryFeatureSource(features: FeatureMatrix, featuresFile: string, flip?: FeatureMatrix, flipFile?: string): FaceFeatureSource {
  checkSameShape(features, featuresFile, flip, flipFile);
  const rowsOf = (m: FeatureMatrix): RowSource => ({
    rows: m.rows,
    cols: m.cols,
    read: (start, count, into) => into.set(m.data.subarray(start * m.cols, (start + count) * m.cols)),
  });
  return blockSource(rowsOf(features), flip && rowsOf(flip));
}

function checkSameShape(features: { rows: number; cols: number }, featuresFile: string, flip: { rows: number; cols: number } | undefined, flipFile: string | undefined): void {
  if (flip && (flip.rows !== features.rows || flip.cols !== features.cols)) {
    throw new DataError(`${flipFile}: shape (${flip.rows}, ${flip.cols}) differs from ${featuresFile} (${features.rows}, ${features.cols})`);
  }
}

/** Blocks of rows read into the caller's arrays (`into`) or into buffers of its own, reused. */
function blockSource(features: RowSource, flip: RowSource | undefined): FaceFeatureSource {
  const cols = features.cols;
  const rowsPerBlock = Math.max(1, Math.min(features.rows, Math.floor(BLOCK_BYTES / 4 / Math.max(1, cols))));
  let own: BlockBuffers | undefined;
  return {
    rows: features.rows,
    cols,
    hasFlip: flip !== undefined,
    rowsPerBlock,
    forEachBlock(visit, into) {
      const buffers = into ?? (own ??= { orig: new Float32Array(rowsPerBlock * cols), flip: flip && new Float32Array(rowsPerBlock * cols) });
      for (let start = 0; start < features.rows; start += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, features.rows - start);
        const o = buffers.orig.subarray(0, count * cols);
        features.read(start, count, o);
        let f: Float32Array | undefined;
        if (flip) {
          f = buffers.flip!.subarray(0, count * cols);
          flip.read(start, count, f);
        }
        visit(start, count, o, f);
      }
    },
  };
}

export const isNpyFile = (file: string): boolean => file.toLowerCase().endsWith('.npy');

/** A whole feature file in memory: .npy, or a MagFace gen_feat.py text list for any other extension. */
export function readFeatureMatrix(file: string): FeatureMatrix {
  return isNpyFile(file) ? readNpyMatrix(file) : readMagfaceFeatureList(file);
}
