/**
 * MagFace `gen_feat.py` feature lists: one face per line, `path v1 … vD`, in the image-list order
 * (for IJB: the face_tid_mid order). Values become float32 as eval_ijb.py's `.astype(np.float32)`.
 */
import { DataError } from '../errors.js';
import { readTextFile } from './ijb-meta.js';
import { LineScanner } from './line-scanner.js';
import type { FeatureMatrix } from './npy.js';

export function readMagfaceFeatureList(file: string): FeatureMatrix {
  const sc = new LineScanner(readTextFile(file), file);
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  while (sc.nextLine()) {
    sc.word('an image path');
    let d = 0;
    while (sc.hasToken()) {
      values.push(sc.float(`feature value ${d + 1}`));
      d++;
    }
    if (cols < 0) cols = d;
    if (d === 0 || d !== cols) throw sc.fail(`expected ${cols > 0 ? cols : 'at least 1'} feature values after the path, found ${d}`);
    rows++;
  }
  if (rows === 0) throw new DataError(`${file}: no feature lines`);
  return { rows, cols, data: Float32Array.from(values) };
}
