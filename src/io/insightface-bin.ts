/**
 * insightface evaluation packs (lfw.bin, cfp_fp.bin, agedb_30.bin, …): a pickle of
 * `(bins, issame_list)` where `bins` holds 2N encoded images (pair i = bins[2i], bins[2i+1]) and
 * `issame_list` N booleans (REFERENCE.md §5). Images stay encoded (decoding is the extractor's job).
 */
import { DataError } from '../errors.js';
import { MAX_PICKLE_BYTES, readInputFile } from './input-file.js';
import { isPickleOpcode, PickleTuple, PickleUint8Array, readPickle, type PickleValue } from './pickle.js';

export interface InsightfaceBin {
  /** Element k: the encoded bytes (JPEG or PNG) of image k. */
  images: Uint8Array[];
  /** Element i: 1 when pair i (images 2i, 2i+1) shows the same person, else 0. */
  issame: Uint8Array;
}

function itemsOf(v: PickleValue): PickleValue[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof PickleTuple) return v.items;
  return undefined;
}

export function readInsightfaceBin(file: string): InsightfaceBin {
  // A file of zeros (or anything not starting with an opcode) is refused before the rest is read.
  const head = (first: Buffer) => (first.length > 0 && isPickleOpcode(first[0]) ? undefined : `not a pickle (it starts with byte 0x${(first[0] ?? 0).toString(16).padStart(2, '0')}, no pickle opcode)`);
  const buf = readInputFile(file, { maxBytes: MAX_PICKLE_BYTES, what: 'an evaluation pack', head });
  const root = itemsOf(readPickle(buf, file));
  if (!root || root.length !== 2) throw new DataError(`${file}: expected a pickled pair (bins, issame_list)`);
  const bins = itemsOf(root[0]);
  const same = itemsOf(root[1]);
  if (!bins) throw new DataError(`${file}: bins (the first element) is not a list`);
  if (!same) throw new DataError(`${file}: issame_list (the second element) is not a list`);
  const images = bins.map((b, k) => {
    if (b instanceof Uint8Array) return b;
    if (b instanceof PickleUint8Array) return b.data;
    throw new DataError(`${file}: image ${k} is not bytes or a uint8 array`);
  });
  const issame = new Uint8Array(same.length);
  same.forEach((v, i) => {
    if (v === true || v === 1) issame[i] = 1;
    else if (v !== false && v !== 0) throw new DataError(`${file}: issame_list[${i}] is not a boolean`);
  });
  if (images.length !== 2 * issame.length) {
    throw new DataError(`${file}: holds ${images.length} images for ${issame.length} pair labels; expected 2 × ${issame.length} = ${2 * issame.length}`);
  }
  return { images, issame };
}
