/**
 * Readers for the insightface IJB_release meta files (REFERENCE.md §1):
 * `<t>_face_tid_mid.txt`, `<t>_template_pair_label.txt`, `<t>_name_5pts_score.txt`.
 * Ids are parsed as integers (never as fixed-width strings, which truncated IJB-C ids in old scripts).
 */
import { join } from 'node:path';
import { DataError, quoteToken } from '../errors.js';
import { forEachLineBlock, readTextInput } from './input-file.js';
import { LineScanner } from './line-scanner.js';

export type IjbTarget = 'IJBB' | 'IJBC';

export interface IjbMetaPaths {
  faceTemplateMedia: string;
  pairs: string;
  landmarks: string;
}

export function ijbMetaPaths(root: string, target: IjbTarget): IjbMetaPaths {
  const t = target.toLowerCase();
  return {
    faceTemplateMedia: join(root, 'meta', `${t}_face_tid_mid.txt`),
    pairs: join(root, 'meta', `${t}_template_pair_label.txt`),
    landmarks: join(root, 'meta', `${t}_name_5pts_score.txt`),
  };
}

/** A whole text file through the guarded reader (regular files only, line length capped). */

export interface FaceTemplateMedia {
  /** Image names, line i = face i. */
  names: string[];
  templateIds: Float64Array;
  mediaIds: Float64Array;
}

/** `name template_id media_id` per face. */
export function readFaceTemplateMedia(file: string): FaceTemplateMedia {
  const sc = new LineScanner(readTextInput(file), file);
  const names: string[] = [];
  const tids: number[] = [];
  const mids: number[] = [];
  while (sc.nextLine()) {
    names.push(sc.word('an image name'));
    tids.push(sc.int('a template id'));
    mids.push(sc.int('a media id'));
    sc.end();
  }
  if (names.length === 0) throw new DataError(`${file}: no face lines`);
  return { names, templateIds: Float64Array.from(tids), mediaIds: Float64Array.from(mids) };
}

export interface FaceLandmarks {
  names: string[];
  /** [faces, 10]: x1 y1 … x5 y5 in loose-crop pixels (float32, as ijb_11.py reads them). */
  landmarks: Float32Array;
  /** Detector ("faceness") score per face, float32 as in ijb_11.py. */
  detectorScores: Float32Array;
}

/** `name x1 y1 … x5 y5 detector_score` per face. */
export function readFaceLandmarks(file: string): FaceLandmarks {
  const sc = new LineScanner(readTextInput(file), file);
  const names: string[] = [];
  const lmk: number[] = [];
  const scores: number[] = [];
  while (sc.nextLine()) {
    names.push(sc.word('an image name'));
    for (let k = 0; k < 10; k++) lmk.push(sc.float(`landmark coordinate ${k + 1} of 10`));
    scores.push(sc.float('a detector score'));
    sc.end();
  }
  if (names.length === 0) throw new DataError(`${file}: no face lines`);
  return { names, landmarks: Float32Array.from(lmk), detectorScores: Float32Array.from(scores) };
}

/** Fails unless the landmark file lists exactly the faces of the face/template/media file, in order. */
export function checkSameFaces(faces: Pick<FaceTemplateMedia, 'names'>, facesFile: string, lm: Pick<FaceLandmarks, 'names'>, lmFile: string): void {
  if (lm.names.length !== faces.names.length) {
    throw new DataError(`${lmFile}: has ${lm.names.length} faces but ${facesFile} has ${faces.names.length}`);
  }
  for (let i = 0; i < faces.names.length; i++) {
    if (lm.names[i] !== faces.names[i]) {
      throw new DataError(`${lmFile}:${i + 1}: face ${quoteToken(lm.names[i])} where ${facesFile}:${i + 1} has ${quoteToken(faces.names[i])} (the files must list the same faces in the same order)`);
    }
  }
}

export interface TemplatePairs {
  /** Index (into the sorted unique template ids) of the first template of each pair. 16-bit when
   * there are fewer than 65,536 templates (IJB-C has 23,124): 15.7M pairs then take 63 MB, not 125. */
  first: Uint16Array | Int32Array;
  second: Uint16Array | Int32Array;
  /** 1 genuine, 0 impostor. */
  labels: Uint8Array;
}

/**
 * Where readTemplatePairs puts the pairs, for a caller that wants them in memory of its own (the
 * kernels' memory, where the simd scorer reads them): arrays for `capacity` pairs (filled from index
 * 0; their type decides the index width), optionally the buffer to read blocks into and a faster
 * parser of a block's common lines (returning the pairs parsed, -1 at the first other line, or
 * undefined to leave the block to the JavaScript parser).
 */
export interface PairDestination {
  pairs: TemplatePairs;
  blockBuffer?: Buffer;
  parseBlock?: (block: Buffer, at: number) => number | undefined;
}

/**
 * `t1 t2 label` per pair; templates must exist in the face list (`templateIndexOf` returns -1 for an
 * unknown id, else an index < templateCount), labels must be 0 or 1. Indices are 16-bit when there
 * are fewer than 65,536 templates. `destination` is called once the line count is known.
 */
export function readTemplatePairs(
  file: string,
  templateIndexOf: (id: number) => number,
  templateCount: number,
  blockBytes = PAIR_BLOCK_BYTES,
  destination?: (capacity: number, indexBytes: 2 | 4) => PairDestination,
): TemplatePairs {
  // The pair file is the biggest input (IJB-C: 15.7M lines, 230 MB). It is read in 16 MB blocks:
  // once to count lines, once to parse the common case (`123 456 1\n`) in a tight loop. Anything
  // unusual (tabs, extra blanks, an error) goes through the general scanner over the whole file,
  // which names the line of any error.
  const capacity = countLines(file, blockBytes);
  const indexBytes = templateCount < 65536 ? 2 : 4;
  const Index = indexBytes === 2 ? Uint16Array : Int32Array;
  const dest = destination?.(capacity, indexBytes) ?? { pairs: { first: new Index(capacity), second: new Index(capacity), labels: new Uint8Array(capacity) } };
  let n = 0;
  forEachLineBlock(
    file,
    blockBytes,
    (block) => {
      const added = dest.parseBlock?.(block, n) ?? parseCanonicalPairs(block, templateIndexOf, dest.pairs, n);
      n = added < 0 ? -1 : n + added;
      return n >= 0;
    },
    dest.blockBuffer,
  );
  return finishPairs(file, templateIndexOf, dest.pairs, n);
}

const PAIR_BLOCK_BYTES = 16 * 1024 * 1024;

/** Line count + 1: an upper bound of the pairs. */
function countLines(file: string, blockBytes: number): number {
  let capacity = 1;
  forEachLineBlock(file, blockBytes, (block) => {
    for (let p = block.indexOf(0x0a); p !== -1; p = block.indexOf(0x0a, p + 1)) capacity++;
    return true;
  });
  return capacity;
}

/** After the fast pass: the general scanner when it gave up (n < 0), the checks, the used part. */
function finishPairs(file: string, templateIndexOf: (id: number) => number, pairs: TemplatePairs, n: number): TemplatePairs {
  if (n < 0) n = parsePairs(readTextInput(file), file, templateIndexOf, pairs);
  if (n === 0) throw new DataError(`${file}: no pairs (empty pair file)`);
  return { first: pairs.first.subarray(0, n), second: pairs.second.subarray(0, n), labels: pairs.labels.subarray(0, n) };
}

function parsePairs(buf: Buffer, file: string, templateIndexOf: (id: number) => number, out: TemplatePairs): number {
  const sc = new LineScanner(buf, file);
  let n = 0;
  while (sc.nextLine()) {
    const t1 = sc.int('template id t1');
    const t2 = sc.int('template id t2');
    const label = sc.int('a label');
    sc.end();
    const a = templateIndexOf(t1);
    const b = templateIndexOf(t2);
    if (a < 0) throw sc.fail(`template ${t1} is not in the face/template/media list`);
    if (b < 0) throw sc.fail(`template ${t2} is not in the face/template/media list`);
    if (label !== 0 && label !== 1) throw sc.fail(`label must be 0 or 1, found ${label}`);
    out.first[n] = a;
    out.second[n] = b;
    out.labels[n] = label;
    n++;
  }
  return n;
}

/**
 * Parses lines of exactly `<digits> <digits> <0|1>` (LF or CRLF) into `out` from index `at`;
 * returns the number of pairs, or -1 at the first other line.
 */
function parseCanonicalPairs(buf: Buffer, templateIndexOf: (id: number) => number, out: TemplatePairs, at: number): number {
  const len = buf.length;
  let p = 0;
  let n = at;
  while (p < len) {
    let c = buf[p];
    if (c === 0x0a) {
      p++;
      continue;
    }
    let t1 = 0;
    let digits = 0;
    while (c >= 0x30 && c <= 0x39) {
      t1 = t1 * 10 + (c - 0x30);
      digits++;
      c = buf[++p];
    }
    if (digits === 0 || digits > 15 || c !== 0x20) return -1;
    c = buf[++p];
    let t2 = 0;
    digits = 0;
    while (c >= 0x30 && c <= 0x39) {
      t2 = t2 * 10 + (c - 0x30);
      digits++;
      c = buf[++p];
    }
    if (digits === 0 || digits > 15 || c !== 0x20) return -1;
    const label = buf[++p] - 0x30;
    c = buf[++p];
    if (c === 0x0d) c = buf[++p];
    if ((label !== 0 && label !== 1) || (p < len && c !== 0x0a)) return -1;
    p++;
    const a = templateIndexOf(t1);
    const b = templateIndexOf(t2);
    if (a < 0 || b < 0) return -1;
    out.first[n] = a;
    out.second[n] = b;
    out.labels[n] = label;
    n++;
  }
  return n - at;
}
