/**
 * `--save-crops DIR`: each face as the model gets it before normalisation — the aligned crop (ijb)
 * or the image, resized when it is not the model's input size (pairs, bin, folder) — as an RGB PNG,
 * written while the extraction runs, so that landmarks can be checked by eye. A crop keeps its
 * image's relative path with the extension `.png` (`1.jpg` → `1.png`, `P/P_0001.jpg` →
 * `P/P_0001.png`); image k of a .bin becomes `k.png`; face i of an IJB-B clustering protocol
 * `<image>.row<i+1>.png` (an image holds several of its faces). Each file is written under a
 * temporary name and renamed, so a crop on disk is always whole.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DataError, at, quoteToken } from '../errors.js';
import type { FaceList } from './datasets.js';
import { encodePng, swapRedBlue, type ChannelOrder } from './decode.js';

/** The crop's path relative to the crops folder for row i. */
export function cropName(list: FaceList, i: number): string {
  if (list.spec.kind === 'bin') return `${i}.png`;
  const stem = list.names[i].replace(/\.[^./]*$/, '');
  // A clustering protocol lists one image once per face in it: its crops carry the row (1-based).
  return list.spec.kind === 'ijbb-clustering' ? `${stem}.row${i + 1}.png` : `${stem}.png`;
}

/**
 * Element i: where the crop of row start + i goes under `dir`. Refuses (DataError) an image path
 * that would put its crop outside `dir` (`..`, an absolute path) and two rows with one crop name.
 */
export function cropPaths(list: FaceList, dir: string, start: number, end: number): string[] {
  const top = resolve(dir);
  const taken = new Map<string, number>();
  const out: string[] = [];
  for (let i = start; i < end; i++) {
    const name = cropName(list, i);
    const path = resolve(top, name);
    const rel = relative(top, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new DataError(at(list.listedBy, undefined, `image path ${quoteToken(list.names[i])} would put its crop outside --save-crops ${dir}`), 'crops keep the relative paths of their images: give images paths inside their folder');
    }
    const other = taken.get(path);
    if (other !== undefined) {
      throw new DataError(at(list.listedBy, undefined, `images ${quoteToken(list.names[other])} and ${quoteToken(list.names[i])} would both be saved as crop ${quoteToken(name)}`), 'crops are named as their images with the extension .png');
    }
    taken.set(path, i);
    out.push(join(dir, name));
  }
  return out;
}

/**
 * Writes one crop: `pixels` size × size × 3 in `channels` order (copied: the caller reuses its
 * buffer), as an RGB PNG at `file` (its folder made when missing).
 */
export async function writeCrop(pixels: Uint8Array, size: number, channels: ChannelOrder, file: string): Promise<void> {
  const rgb = Uint8Array.from(pixels);
  if (channels === 'bgr') swapRedBlue(rgb);
  const png = await encodePng({ data: rgb, width: size, height: size, channels: 3 });
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    await writeFile(tmp, png);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
