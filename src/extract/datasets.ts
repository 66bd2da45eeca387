/**
 * The image sets an extraction runs over (`extract --dataset`, `ijb --model`, `lfw --model`), each
 * loaded into one `FaceList`: the store's rows in order, where each row's image is (a file under a
 * folder, or bytes inside a .bin), its 5 landmarks when the face must be aligned, the dataset part of
 * the store's identity, and the inputs' stamps for the cache key.
 *
 *   ijb     IJB_release: rows = the lines of meta/<t>_name_5pts_score.txt, images loose_crop/<name>, aligned
 *   pairs   pairs.txt or pairs CSV + images folder: each distinct image once, in first-use order (as lfw)
 *   bin     insightface .bin: its 2N encoded images in order
 *   folder  images folder: the lines of a list file, or every image under it sorted bytewise
 *   ijbb-clustering  an IJB-B clustering protocol: rows = its faces, images <root>/<FILENAME>, aligned
 *           by their eyes and nose (or box) — align-three-point.ts
 *
 * Without landmarks the images are taken as aligned crops (resized when not the model's size).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { DataError, at, quoteToken } from '../errors.js';
import { ijbMetaPaths, readFaceLandmarks, type IjbTarget } from '../io/ijb-meta.js';
import { readInsightfaceBin } from '../io/insightface-bin.js';
import { describeErrno } from '../io/input-file.js';
import { normalizeImagePath, readLfwPairs, readNameList, readPairsCsv } from '../io/lfw-pairs.js';
import { sha256OfInput } from '../io/input-file.js';
import { readIjbbClustering } from '../io/ijbb-clustering.js';
import { ijbbClusteringImageList } from './align-three-point.js';
import { fileStamp, hasNamedRows, namesText, THREE_POINT_ALIGNMENT_DESCRIPTION, type DatasetIdentity, type StoreInputs } from './store.js';

/** What the command line names; `loadFaceList` reads it. */
export type DatasetSpec =
  | { kind: 'ijb'; root: string; target: IjbTarget }
  | { kind: 'pairs'; pairs: string; format: 'pairs-txt' | 'pairs-csv'; images: string }
  | { kind: 'bin'; bin: string }
  | { kind: 'folder'; images: string; list?: string }
  | { kind: 'ijbb-clustering'; root: string; subset: number };

export interface FaceList {
  spec: DatasetSpec;
  identity: DatasetIdentity;
  /** The file (or folder) that lists the rows, for messages. */
  listedBy: string;
  /** Folder the names are relative to ('' for a .bin, whose images are `encoded`). */
  imageDir: string;
  /** Element i: row i's image path relative to `imageDir` (a .bin: `bins[i]`). */
  names: string[];
  /** Element i: row i's encoded image (a .bin). */
  encoded?: Uint8Array[];
  /** [rows, 10] landmarks, x y of 5 points (ijb): the faces are aligned. Absent: aligned crops. */
  landmarks?: Float32Array;
  /** store.json `preprocessing.alignment` when it is not the one the landmarks imply. */
  alignment?: string;
  /** The inputs' stamps (size, mtime) for the cache identity. */
  inputs: StoreInputs;
  /** store.json `datasetRoot`: the IJB root, the images folder, or the .bin. */
  root: string;
}

/** The IJB images' folder (insightface's IJB_release layout). */
export function ijbImageDir(root: string): string {
  return join(root, 'loose_crop');
}

/**
 * The stamps (size, mtime) of the IJB face list and image folder, for a store's cache identity:
 * `ijb --model` passes them (with --skip-bad) to storeCacheKey and requestDifferences.
 */
export function ijbStoreInputs(root: string, target: IjbTarget): StoreInputs {
  return { faceList: fileStamp(ijbMetaPaths(root, target).landmarks), images: fileStamp(ijbImageDir(root)) };
}

/** The dataset part of a store's identity: the face list the rows follow. */
export function ijbDatasetIdentity(root: string, target: IjbTarget): { identity: Extract<DatasetIdentity, { name: 'ijb' }>; names: string[]; landmarks: Float32Array } {
  const paths = ijbMetaPaths(root, target);
  const lm = readFaceLandmarks(paths.landmarks);
  return {
    identity: { name: 'ijb', target, faceList: relative(root, paths.landmarks), faceListSha256: sha256OfInput(paths.landmarks), faces: lm.names.length },
    names: lm.names,
    landmarks: lm.landmarks,
  };
}

/** Image files taken from a folder without a list (by extension, case-insensitive). */
const IMAGE_FILE = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

/**
 * Every image file under `dir` (sub-folders included, hidden entries and symlinked folders not),
 * as relative paths with `/`, sorted bytewise on their UTF-8 spelling (as `LC_ALL=C sort`).
 */
export function listImageFolder(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
    } catch (e) {
      throw new DataError(`${rel ? join(dir, rel) : dir}: cannot list the folder (${describeErrno(e)})`);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else if ((e.isFile() || e.isSymbolicLink()) && IMAGE_FILE.test(e.name)) found.push(path);
    }
  };
  walk('');
  const keyed = found.map((name) => ({ name, key: Buffer.from(name, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map((k) => k.name);
}

/**
 * Refuses an image path that names.txt could not give back unchanged (a line break, a control
 * character, spaces at either end, a backslash or a leading `./`), and a path listed twice.
 */
function checkRowNames(names: string[], file: string, lineOf?: (k: number) => number | undefined): void {
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const line = lineOf?.(k);
    // eslint-disable-next-line no-control-regex
    if (name === '' || /[\u0000-\u001f\u007f]/.test(name) || normalizeImagePath(name.trim()) !== name) {
      throw new DataError(at(file, line, `image path ${quoteToken(name)} cannot be listed in names.txt (empty, a control character, spaces at an end, a backslash or a leading ./)`));
    }
    const prev = seen.get(name);
    if (prev !== undefined) throw new DataError(at(file, line, `${quoteToken(name)} is listed twice${lineOf ? ` (also line ${lineOf(prev)})` : ''}`));
    seen.set(name, k);
  });
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads the dataset's list (and, for a .bin, its images) and fingerprints it. */
export function loadFaceList(spec: DatasetSpec): FaceList {
  switch (spec.kind) {
    case 'ijb': {
      const d = ijbDatasetIdentity(spec.root, spec.target);
      return { spec, identity: d.identity, listedBy: ijbMetaPaths(spec.root, spec.target).landmarks, imageDir: ijbImageDir(spec.root), names: d.names, landmarks: d.landmarks, inputs: ijbStoreInputs(spec.root, spec.target), root: spec.root };
    }
    case 'pairs': {
      const pairs = spec.format === 'pairs-txt' ? readLfwPairs(spec.pairs) : readPairsCsv(spec.pairs);
      const names = [...new Set(pairs.imageA.flatMap((a, i) => [a, pairs.imageB[i]]))];
      checkRowNames(names, spec.pairs);
      return {
        spec,
        identity: { name: 'pairs', faceList: basename(spec.pairs), faceListSha256: sha256OfInput(spec.pairs), faces: names.length, namesSha256: sha256Text(namesText(names)) },
        listedBy: spec.pairs,
        imageDir: spec.images,
        names,
        inputs: { faceList: fileStamp(spec.pairs), images: fileStamp(spec.images) },
        root: spec.images,
      };
    }
    case 'bin': {
      const bin = readInsightfaceBin(spec.bin);
      return {
        spec,
        identity: { name: 'bin', faceList: basename(spec.bin), faceListSha256: sha256OfInput(spec.bin), faces: bin.images.length },
        listedBy: spec.bin,
        imageDir: '',
        names: bin.images.map((_, k) => `bins[${k}]`),
        encoded: bin.images,
        inputs: { faceList: fileStamp(spec.bin), images: null },
        root: spec.bin,
      };
    }
    case 'folder': {
      const names = spec.list === undefined ? listImageFolder(spec.images) : readNameList(spec.list);
      checkRowNames(names, spec.list ?? spec.images, spec.list === undefined ? undefined : (k) => k + 1);
      if (names.length === 0) throw new DataError(`${spec.list ?? spec.images}: no images (${spec.list === undefined ? 'no .jpg, .jpeg, .png, .bmp, .webp or .tif file under the folder' : 'an empty list'})`);
      const list = spec.list === undefined ? { faceList: null, faceListSha256: null } : { faceList: basename(spec.list), faceListSha256: sha256OfInput(spec.list) };
      return {
        spec,
        identity: { name: 'folder', ...list, faces: names.length, namesSha256: sha256Text(namesText(names)) },
        listedBy: spec.list ?? spec.images,
        imageDir: spec.images,
        names,
        inputs: { faceList: spec.list === undefined ? null : fileStamp(spec.list), images: fileStamp(spec.images) },
        root: spec.images,
      };
    }
    case 'ijbb-clustering': {
      const protocol = readIjbbClustering(spec.root, spec.subset);
      const list = ijbbClusteringImageList(protocol);
      if (list.unalignable.length) {
        throw new DataError(at(protocol.protocolFile, list.unalignable[0], `a face with neither its eyes and nose nor a usable box: it cannot be aligned${list.unalignable.length > 1 ? ` (${list.unalignable.length} such rows)` : ''}`));
      }
      return {
        spec,
        identity: { name: 'ijbb-clustering', subset: spec.subset, faceList: relative(spec.root, protocol.protocolFile), faceListSha256: sha256OfInput(protocol.protocolFile), faces: protocol.rows },
        listedBy: protocol.protocolFile,
        imageDir: spec.root,
        names: list.names,
        landmarks: list.landmarks,
        alignment: THREE_POINT_ALIGNMENT_DESCRIPTION,
        inputs: { faceList: fileStamp(protocol.protocolFile), images: fileStamp(spec.root) },
        root: spec.root,
      };
    }
  }
}

/** The names.txt of a store of this list's rows [start, end) (datasets with named rows). */
export function rowNames(list: FaceList, start: number, end: number): string[] | undefined {
  return hasNamedRows(list.identity) ? list.names.slice(start, end) : undefined;
}

/** What an error about row i names: the image file, or the .bin with the image's index and pair. */
export function rowFile(list: FaceList, i: number): string {
  return list.spec.kind === 'bin' ? `${list.spec.bin}: image ${i} (bins[${i}], pair ${i >> 1})` : join(list.imageDir, list.names[i]);
}

/**
 * The first image of rows [start, end) that does not exist, as a DataError, for the datasets whose
 * images a file names (pairs, a folder's list, a clustering protocol): checked before a model is loaded.
 */
export function checkImagesExist(list: FaceList, start: number, end: number): void {
  if (list.spec.kind !== 'pairs' && list.spec.kind !== 'ijbb-clustering' && !(list.spec.kind === 'folder' && list.spec.list !== undefined)) return;
  for (let i = start; i < end; i++) {
    const file = join(list.imageDir, list.names[i]);
    if (!existsSync(file)) throw new DataError(`${file}: cannot read image (no such file; named by ${list.listedBy})`);
  }
}
