/**
 * The IJB-B clustering protocols (REFERENCE.md §9): `ijbb_clustering_<n>_hint_<h>.csv` (or
 * `ijbb_clustering_<n>.csv`), one face per row after a header —
 * `TEMPLATE_ID,FILENAME,FACE_X,FACE_Y,FACE_WIDTH,FACE_HEIGHT,RIGHT_EYE_X,RIGHT_EYE_Y,LEFT_EYE_X,LEFT_EYE_Y,NOSE_X,NOSE_Y`
 * (empty fields allowed: the release leaves some landmarks out) — and the ground truth mapping
 * TEMPLATE_ID → SUBJECT_ID (`ijbb_clustering_test7_ground_truth.csv`, header optional, further
 * columns ignored). Sizes are counted, never assumed. The files are looked for in the root and in
 * the release's `clustering_protocols/test7_clustering` folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError, at } from '../errors.js';
import { echo } from './cluster-labels.js';
import { readCsvRecords } from './csv-records.js';
import { decimalValue } from './score-text.js';

export interface IjbbClusteringProtocol {
  protocolFile: string;
  groundTruthFile: string;
  rows: number;
  /** Element i: TEMPLATE_ID of protocol row i (the face's template). */
  templateIds: Float64Array;
  /** Element i: SUBJECT_ID of row i's template (the true identity). */
  subjects: Float64Array;
  /** Element i: FILENAME of row i, relative to the IJB-B root. */
  filenames: string[];
  /** Row i: FACE_X, FACE_Y, FACE_WIDTH, FACE_HEIGHT at 4i … 4i + 3 (NaN where empty). */
  boxes: Float64Array;
  /** Row i: RIGHT_EYE x y, LEFT_EYE x y, NOSE x y at 6i … 6i + 5 (NaN where empty). */
  points: Float64Array;
  /** Element i: 1-based line of row i in the protocol file. */
  lines: Int32Array;
}

const FOLDERS = ['', join('clustering_protocols', 'test7_clustering'), 'protocol', 'protocols'];
const PROTOCOL_COLUMNS = 12;

/** The protocol and ground-truth files of subset `subset` under `root`. */
export function findIjbbClusteringFiles(root: string, subset: number): { protocolFile: string; groundTruthFile: string } {
  if (!existsSync(root)) throw new DataError(`${root}: no such folder (the IJB-B root, holding the clustering protocol files)`);
  const found: string[] = [];
  const subsets = new Set<number>();
  for (const folder of FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^ijbb_clustering_(\d+)(_hint_\d+)?\.csv$/i.exec(name);
      if (!m) continue;
      subsets.add(Number(m[1]));
      if (Number(m[1]) === subset) found.push(join(dir, name));
    }
    if (found.length) {
      if (found.length > 1) throw new UsageError(`--subset ${subset}: several protocol files match in ${dir}: ${found.join(', ')}`);
      const truth = names.find((n) => /^ijbb_clustering_test7_ground_truth\.csv$/i.test(n)) ?? names.find((n) => /ground_?truth.*\.csv$/i.test(n));
      if (!truth) throw new DataError(`${dir}: no ground-truth file (ijbb_clustering_test7_ground_truth.csv) beside ${found[0]}`);
      return { protocolFile: found[0], groundTruthFile: join(dir, truth) };
    }
  }
  const have = [...subsets].sort((a, b) => a - b);
  throw new DataError(
    `${root}: no ijbb_clustering_${subset}_hint_*.csv in ${FOLDERS.map((f) => join(root, f)).join(', ')}${have.length ? ` (subsets found: ${have.join(', ')})` : ''}`,
  );
}

function integerField(file: string, line: number, value: string, what: string): number {
  const v = Number(value);
  if (value === '' || !/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(v)) throw new DataError(at(file, line, `expected ${what} (an integer), found ${value === '' ? 'an empty field' : echo(value)}`));
  return v;
}

/** TEMPLATE_ID → SUBJECT_ID. */
export function readIjbbGroundTruth(file: string): Map<number, number> {
  let records = readCsvRecords(file);
  let templateCol = 0, subjectCol = 1;
  if (records.length && !/^[+-]?\d+$/.test(records[0].record[0] ?? '')) {
    const header = records[0].record.map((h) => h.toUpperCase());
    if (header.includes('TEMPLATE_ID')) templateCol = header.indexOf('TEMPLATE_ID');
    if (header.includes('SUBJECT_ID')) subjectCol = header.indexOf('SUBJECT_ID');
    records = records.slice(1);
  }
  if (records.length === 0) throw new DataError(at(file, undefined, 'expected TEMPLATE_ID,SUBJECT_ID rows, found none'));
  const map = new Map<number, number>();
  for (const { record, info } of records) {
    if (record.length <= Math.max(templateCol, subjectCol)) throw new DataError(at(file, info.lines, `expected TEMPLATE_ID and SUBJECT_ID fields, found ${record.length} field(s)`));
    const t = integerField(file, info.lines, record[templateCol], 'a TEMPLATE_ID');
    const s = integerField(file, info.lines, record[subjectCol], 'a SUBJECT_ID');
    const before = map.get(t);
    if (before !== undefined && before !== s) throw new DataError(at(file, info.lines, `template ${t} was given subject ${before} earlier, found subject ${s}`));
    map.set(t, s);
  }
  return map;
}

function optionalNumber(file: string, line: number, value: string, what: string): number {
  if (value === '') return NaN;
  const v = decimalValue(value);
  if (!Number.isFinite(v)) throw new DataError(at(file, line, `expected ${what} (a number or empty), found ${echo(value)}`));
  return v;
}

export function readIjbbClusteringProtocol(protocolFile: string, groundTruthFile: string): IjbbClusteringProtocol {
  const truth = readIjbbGroundTruth(groundTruthFile);
  let records = readCsvRecords(protocolFile);
  if (records.length && (records[0].record[0] ?? '').toUpperCase() === 'TEMPLATE_ID') records = records.slice(1);
  const n = records.length;
  if (n === 0) throw new DataError(at(protocolFile, undefined, 'expected one face per row after the header, found none'));
  const out: IjbbClusteringProtocol = {
    protocolFile, groundTruthFile, rows: n,
    templateIds: new Float64Array(n), subjects: new Float64Array(n), filenames: [],
    boxes: new Float64Array(4 * n), points: new Float64Array(6 * n), lines: new Int32Array(n),
  };
  const names = ['FACE_X', 'FACE_Y', 'FACE_WIDTH', 'FACE_HEIGHT', 'RIGHT_EYE_X', 'RIGHT_EYE_Y', 'LEFT_EYE_X', 'LEFT_EYE_Y', 'NOSE_X', 'NOSE_Y'];
  records.forEach(({ record, info }, i) => {
    if (record.length !== PROTOCOL_COLUMNS) {
      throw new DataError(at(protocolFile, info.lines, `expected ${PROTOCOL_COLUMNS} fields (TEMPLATE_ID,FILENAME,FACE_X,…,NOSE_Y), found ${record.length}`));
    }
    const t = integerField(protocolFile, info.lines, record[0], 'a TEMPLATE_ID');
    const s = truth.get(t);
    if (s === undefined) throw new DataError(at(protocolFile, info.lines, `template ${t} has no subject in ${groundTruthFile}`));
    if (record[1] === '') throw new DataError(at(protocolFile, info.lines, 'expected a FILENAME, found an empty field'));
    out.templateIds[i] = t;
    out.subjects[i] = s;
    out.filenames.push(record[1].replace(/\\/g, '/'));
    out.lines[i] = info.lines;
    for (let c = 0; c < 4; c++) out.boxes[4 * i + c] = optionalNumber(protocolFile, info.lines, record[2 + c], names[c]);
    for (let c = 0; c < 6; c++) out.points[6 * i + c] = optionalNumber(protocolFile, info.lines, record[6 + c], names[4 + c]);
  });
  return out;
}

/** Finds and reads subset `subset` (e.g. 512 subjects) under `root`. */
export function readIjbbClustering(root: string, subset: number): IjbbClusteringProtocol {
  if (!Number.isInteger(subset) || subset < 1) throw new UsageError(`--subset ${subset}: expected the number of subjects of a protocol (32, 64, 128, 256, 512, 1024, 1845 …)`);
  const files = findIjbbClusteringFiles(root, subset);
  return readIjbbClusteringProtocol(files.protocolFile, files.groundTruthFile);
}
