/**
 * MagFace `gen_feat.py` feature lists: one face per line, `path v1 … vD`, in the image-list order
 * (for IJB: the face_tid_mid order). Values become float32 as eval_ijb.py's `.astype(np.float32)`.
 * The file is streamed in blocks (IJB-C's list is ~2.5 GB of text, more than one read can take)
 * into a float32 array sized from the bytes per row seen so far.
 */
import { DataError } from '../errors.js';
import { forEachLineBlock } from './input-file.js';
import { LineScanner } from './line-scanner.js';
import { MAX_FEATURE_DIM, MAX_IN_MEMORY_NPY_BYTES, type FeatureMatrix } from './npy.js';

const BLOCK_BYTES = 16 * 1024 * 1024;

export function readMagfaceFeatureList(file: string): FeatureMatrix {
  let data = new Float32Array(0);
  let used = 0;
  let cols = -1;
  let rows = 0;
  let line = 1;
  let bytesSeen = 0;
  forEachLineBlock(file, BLOCK_BYTES, (block, fileSize) => {
    const values: number[] = [];
    const sc = new LineScanner(block, file, line);
    while (sc.nextLine()) {
      sc.word('an image path');
      let d = 0;
      while (sc.hasToken()) {
        values.push(sc.float(`feature value ${d + 1}`));
        d++;
      }
      if (cols < 0) cols = d;
      if (d === 0 || d !== cols || d > MAX_FEATURE_DIM) {
        throw sc.fail(`expected ${cols > 0 && cols <= MAX_FEATURE_DIM ? cols : `1 to ${MAX_FEATURE_DIM}`} feature values after the path, found ${d}`);
      }
      rows++;
    }
    line = sc.lineNumber + 1;
    bytesSeen += block.length;
    if (used + values.length > data.length) {
      // Room for the rows the rest of the file holds at this many bytes per row: one allocation for a regular file.
      const expected = Math.max(Math.ceil(((rows * fileSize) / bytesSeen) * 1.01) * cols, used + values.length);
      if (expected * 4 > MAX_IN_MEMORY_NPY_BYTES) {
        throw new DataError(`${file}: about ${Math.round(expected / cols)} rows of ${cols} values need more than the ${MAX_IN_MEMORY_NPY_BYTES / 2 ** 30} GiB limit of features read whole`);
      }
      const bigger = new Float32Array(expected);
      bigger.set(data.subarray(0, used));
      data = bigger;
    }
    data.set(values, used);
    used += values.length;
    return true;
  });
  if (rows === 0) throw new DataError(`${file}: no feature lines`);
  return { rows, cols, data: data.length === used ? data : data.slice(0, used) };
}
