/**
 * learn-to-cluster's feature files: raw little-endian float32, N rows of `dim` values, no header
 * (`read_probs`: `np.fromfile(path, dtype=np.float32).reshape(-1, dim)`). The dimension is not in
 * the file, so it must be given; a size that is not a whole number of rows is an error.
 */
import { DataError } from '../errors.js';
import { MAX_TEXT_FILE_BYTES, readInputFile } from './input-file.js';
import type { FeatureMatrix } from './npy.js';

export function readRawFeatures(file: string, dim: number): FeatureMatrix {
  if (!Number.isInteger(dim) || dim < 1) throw new DataError(`${file}: the feature dimension must be a positive integer, found ${dim}`);
  // Binary: read whole, without the text reader's line-length check (a row of zeros has no newline).
  const bytes = readInputFile(file, { maxBytes: MAX_TEXT_FILE_BYTES, what: 'the features' });
  const rowBytes = 4 * dim;
  if (bytes.length === 0 || bytes.length % rowBytes !== 0) {
    throw new DataError(
      `${file}: expected raw float32 rows of ${dim} values (${rowBytes} bytes each), found ${bytes.length} bytes (${(bytes.length / rowBytes).toFixed(2)} rows); is the dimension right?`,
    );
  }
  const rows = bytes.length / rowBytes;
  // A view when the bytes are 4-aligned (a whole-file read is), else a copy.
  const data = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, rows * dim) : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { rows, cols: dim, data };
}
