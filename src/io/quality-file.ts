/**
 * Per-image quality scores written by face-image-quality tools, matched to the images of a pair set
 * by name:
 *
 * - `path score` lines, whitespace-separated (CR-FIQA, SER-FIQ, MagFace-style lists; what CR-FIQA
 *   `ERC/erc.py` reads with `l.split()[0], l.split()[1]`); blank lines are skipped;
 * - OFIQ's CSV: `;`-separated with a header, the image in the first column and the score in
 *   `UnifiedQualityScore.scalar` (else `UnifiedQualityScore`).
 *
 * A path names an image when it equals the image's name or ends with `/` + the name (quality tools
 * write absolute or longer paths: `…/lfw/images/Abel_Pacheco/Abel_Pacheco_0001.jpg` names
 * `Abel_Pacheco/Abel_Pacheco_0001.jpg`); for a .bin pack, image i is named by a path whose file name
 * without extension is the number i (`00017.jpg`, as CR-FIQA's export writes them). Higher score =
 * better quality. Every error names file:line.
 */
import { DataError, at } from '../errors.js';
import { readTextInput } from './input-file.js';
import { normalizeImagePath } from './lfw-pairs.js';
import { decimalValue } from './score-text.js';

export interface QualityFile {
  file: string;
  /** Element k: the path on entry k (normalised: forward slashes, no leading `./`). */
  paths: string[];
  /** Element k: the score on entry k (finite). */
  scores: Float64Array;
  /** Element k: the 1-based line of entry k. */
  lines: Int32Array;
}

const OFIQ_SCORE_COLUMNS = ['UnifiedQualityScore.scalar', 'UnifiedQualityScore'];

/** Reads a quality file; refuses non-finite scores and a path listed twice. */
export function readQualityFile(file: string): QualityFile {
  const text = readTextInput(file).toString('utf8');
  const rows = text.split('\n');
  const out: QualityFile = { file, paths: [], scores: new Float64Array(rows.length), lines: new Int32Array(rows.length) };
  const firstLine = rows.findIndex((r) => r.trim() !== '');
  if (firstLine < 0) throw new DataError(at(file, undefined, 'no quality lines (expected `path score` per image)'));
  const ofiq = rows[firstLine].includes(';');
  let scoreColumn = 1;
  if (ofiq) {
    const header = rows[firstLine].replace(/\r$/, '').split(';').map((h) => h.trim());
    scoreColumn = OFIQ_SCORE_COLUMNS.map((c) => header.indexOf(c)).find((c) => c >= 0) ?? -1;
    if (scoreColumn < 1) {
      throw new DataError(at(file, firstLine + 1, `an OFIQ CSV header needs a column ${OFIQ_SCORE_COLUMNS.join(' or ')}, found ${cut(header.join(';'))}`));
    }
  }
  const seen = new Map<string, number>();
  let n = 0;
  for (let k = ofiq ? firstLine + 1 : 0; k < rows.length; k++) {
    const row = rows[k].replace(/\r$/, '');
    if (row.trim() === '') continue;
    const line = k + 1;
    const fields = ofiq ? row.split(';').map((f) => f.trim()) : row.trim().split(/[ \t]+/);
    if (!ofiq && fields.length !== 2) throw new DataError(at(file, line, `expected \`path score\` (2 fields), found ${fields.length}: ${cut(row)}`));
    if (ofiq && fields.length <= scoreColumn) throw new DataError(at(file, line, `expected ${scoreColumn + 1} or more ';'-separated fields, found ${fields.length}`));
    const path = normalizeImagePath(fields[0]);
    const token = fields[scoreColumn];
    if (path === '') throw new DataError(at(file, line, 'empty image path'));
    const score = decimalValue(token);
    if (!Number.isFinite(score)) throw new DataError(at(file, line, `expected a finite quality score, found '${cut(token)}'`));
    const before = seen.get(path);
    if (before !== undefined) throw new DataError(at(file, line, `'${cut(path)}' is listed twice (also line ${before})`));
    seen.set(path, line);
    out.paths.push(path);
    out.scores[n] = score;
    out.lines[n++] = line;
  }
  if (n === 0) throw new DataError(at(file, undefined, 'no quality lines (expected `path score` per image)'));
  return { ...out, scores: out.scores.slice(0, n), lines: out.lines.slice(0, n) };
}

/** Echoed tokens are cut to ~40 characters. */
function cut(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

const AMBIGUOUS = -2;

/**
 * The quality of each named image. `names[i]` is image i's name (its path relative to the data set,
 * or, with `binIndices`, ignored: image i is the number i). `origin(i)` says where image i is listed,
 * for the error when the file has no score for it. Element i of the result: image i's score.
 */
export function qualitiesForImages(q: QualityFile, count: number, names: ((i: number) => string) | 'bin-indices', origin: (i: number) => string): Float64Array {
  const entryOf = new Map<string, number>();
  const add = (key: string, k: number): void => {
    const prev = entryOf.get(key);
    entryOf.set(key, prev === undefined || prev === k ? k : AMBIGUOUS);
  };
  q.paths.forEach((path, k) => {
    if (names === 'bin-indices') {
      const index = binIndexOf(path);
      if (index >= 0) add(String(index), k);
      return;
    }
    // Every '/'-suffix of the path: the image name may be any trailing part of it.
    for (let s = 0; ; ) {
      add(path.slice(s), k);
      const slash = path.indexOf('/', s);
      if (slash < 0) break;
      s = slash + 1;
    }
  });
  const out = new Float64Array(count);
  let missing = 0;
  let firstMissing = -1;
  for (let i = 0; i < count; i++) {
    const name = names === 'bin-indices' ? String(i) : normalizeImagePath(names(i));
    const k = entryOf.get(name);
    if (k === AMBIGUOUS) {
      const lines = q.paths.flatMap((p, j) => (p === name || p.endsWith(`/${name}`) || (names === 'bin-indices' && binIndexOf(p) === i) ? [q.lines[j]] : []));
      throw new DataError(at(q.file, lines[1], `'${cut(name)}' (${origin(i)}) matches more than one line (${lines.join(', ')})`));
    }
    if (k === undefined) {
      if (firstMissing < 0) firstMissing = i;
      missing++;
      continue;
    }
    out[i] = q.scores[k];
  }
  if (missing > 0) {
    const name = names === 'bin-indices' ? `image ${firstMissing} (a path like ${String(firstMissing).padStart(5, '0')}.jpg)` : `'${cut(names(firstMissing))}'`;
    throw new DataError(at(q.file, undefined, `no quality score for ${name} (${origin(firstMissing)})${missing > 1 ? `; ${missing} images have none` : ''}`));
  }
  return out;
}

function binIndexOf(path: string): number {
  const stem = path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  return /^\d+$/.test(stem) ? Number(stem) : -1;
}
