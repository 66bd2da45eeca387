/**
 * learn-to-cluster's feature files: raw little-endian float32, N rows of `dim` values, no header
 * (`read_probs`: `np.fromfile(path, dtype=np.float32).reshape(-1, dim)`). The dimension is not in
 * the file, so it must be given; a size that is not a whole number of rows is an error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import type { FeatureMatrix } from './npy.js';

export function readRawFeatures(file: string, dim: number): FeatureMatrix {
  if (!Number.isInteger(dim) || dim < 1) throw new DataError(`${file}: the feature dimension must be a positive integer, found ${dim}`);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${file}: cannot open (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))})`);
  }
  try {
    const size = fstatSync(fd).size;
    const rowBytes = 4 * dim;
    if (size === 0 || size % rowBytes !== 0) {
      throw new DataError(
        `${file}: expected raw float32 rows of ${dim} values (${rowBytes} bytes each), found ${size} bytes (${(size / rowBytes).toFixed(2)} rows); is the dimension right?`,
      );
    }
    const rows = size / rowBytes;
    const data = new Float32Array(rows * dim);
    const bytes = new Uint8Array(data.buffer);
    for (let done = 0; done < size; ) {
      const got = readSync(fd, bytes, done, Math.min(size - done, 1 << 26), done);
      if (got === 0) throw new DataError(`${file}: file ended while reading (${done} of ${size} bytes)`);
      done += got;
    }
    return { rows, cols: dim, data };
  } finally {
    closeSync(fd);
  }
}
