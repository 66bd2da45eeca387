/**
 * Readers for the IJB 1:N template lists (REFERENCE.md §6): `<t>_1N_gallery_G1.csv`, `_G2.csv`
 * (IJB-B: `_S1`, `_S2`) and `<t>_1N_probe_mixed.csv` — comma-separated, one header line, one row per
 * image. Only the first two columns are read (TEMPLATE_ID, SUBJECT_ID), as integers, as the
 * published scripts do; the rest of a row (FILENAME, …) is not looked at.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, at } from '../errors.js';
import { type IjbTarget } from './ijb-meta.js';
import { readTextInput } from './input-file.js';

export interface Ijb1nListPaths {
  /** The two galleries, searched separately in the open-set protocol: G1, G2 (IJB-B: S1, S2). */
  galleries: { name: string; file: string }[];
  probes: string;
}

export function ijb1nListPaths(root: string, target: IjbTarget): Ijb1nListPaths {
  const t = target.toLowerCase();
  const names = target === 'IJBB' ? ['S1', 'S2'] : ['G1', 'G2'];
  return {
    galleries: names.map((name) => ({ name, file: join(root, 'meta', `${t}_1N_gallery_${name}.csv`) })),
    probes: join(root, 'meta', `${t}_1N_probe_mixed.csv`),
  };
}

/** Fails with the first 1:N list that does not exist (a check before anything slow starts). */
export function checkIjb1nListsExist(paths: Ijb1nListPaths): void {
  for (const file of [...paths.galleries.map((g) => g.file), paths.probes]) {
    if (!existsSync(file)) throw new DataError(`${file}: cannot read (no such file); 1:N needs the gallery and probe lists`, 'the IJB release has them in meta/; or ask for --protocol 1v1 only');
  }
}

/** The rows of one list, in file order. */
export interface TemplateSubjectRows {
  file: string;
  /** Element i: the template id of row i. */
  templateIds: Float64Array;
  /** Element i: the subject id of row i. */
  subjectIds: Float64Array;
  /** Element i: the 1-based line number of row i (for messages). */
  lines: Int32Array;
}

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** `TEMPLATE_ID,SUBJECT_ID,…` per line after one header line; blank lines are skipped. */
export function readTemplateSubjectList(file: string): TemplateSubjectRows {
  const buf = readTextInput(file);
  // Rows go straight into arrays sized by the line count: growing JS arrays cost more than the parsing.
  let lineCount = 1;
  for (let i = 0; i < buf.length; i++) if (buf[i] === LF) lineCount++;
  const templates = new Float64Array(lineCount);
  const subjects = new Float64Array(lineCount);
  const lines = new Int32Array(lineCount);
  let rows = 0;
  let header = true;
  let lineNo = 0;
  for (let start = 0; start < buf.length; ) {
    let end = start; // a plain loop: Buffer.indexOf costs more per call than these short lines
    while (end < buf.length && buf[end] !== LF) end++;
    lineNo++;
    const lineEnd = end > start && buf[end - 1] === CR ? end - 1 : end;
    if (!header) {
      // The common line, read in place (IJB-C's probe list has ~130k rows); anything unusual goes the slow way.
      const fields = fastTwoIntegers(buf, start, lineEnd);
      if (fields) {
        templates[rows] = fields[0];
        subjects[rows] = fields[1];
        lines[rows++] = lineNo;
        start = end + 1;
        continue;
      }
    }
    const line = buf.subarray(start, lineEnd);
    start = end + 1;
    if (line.toString('latin1').trim() === '') continue;
    const fields = firstTwoFields(line);
    if (header) {
      header = false;
      if (isInteger(fields[0])) throw new DataError(at(file, lineNo, `expected a header line (TEMPLATE_ID,SUBJECT_ID,…), found '${cut(line.toString('utf8'))}'`), 'the published scripts skip the first line: a list without a header loses its first row there');
      continue;
    }
    templates[rows] = integerField(fields[0], file, lineNo, 'a template id');
    subjects[rows] = integerField(fields[1], file, lineNo, 'a subject id');
    lines[rows++] = lineNo;
  }
  if (rows === 0) throw new DataError(`${file}: no rows after the header line`);
  return { file, templateIds: templates.subarray(0, rows), subjectIds: subjects.subarray(0, rows), lines: lines.subarray(0, rows) };
}

const pair: [number, number] = [0, 0];

/**
 * The first two fields of buf[from, to) when both are plain ASCII integers (optional blanks and sign,
 * at most 15 digits) — exactly what isInteger + integerField accept for such text; otherwise null.
 * The returned pair is reused.
 */
function fastTwoIntegers(buf: Buffer, from: number, to: number): [number, number] | null {
  let i = from;
  for (let field = 0; field < 2; field++) {
    const stop = field === 0 ? COMMA : -1;
    while (i < to && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    let sign = 1;
    if (i < to && (buf[i] === 0x2b || buf[i] === 0x2d)) sign = buf[i++] === 0x2d ? -1 : 1;
    let value = 0;
    let digits = 0;
    while (i < to && buf[i] >= 0x30 && buf[i] <= 0x39) {
      value = value * 10 + (buf[i++] - 0x30);
      digits++;
    }
    while (i < to && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    if (digits === 0 || digits > 15) return null;
    if (field === 0 ? buf[i] !== stop || i >= to : i < to && buf[i] !== COMMA) return null;
    pair[field] = sign * value;
    i++;
  }
  return pair;
}

/** The first two comma-separated fields of a line (undefined when missing). */
function firstTwoFields(line: Buffer): [string, string | undefined] {
  const c1 = line.indexOf(COMMA);
  if (c1 < 0) return [line.toString('utf8'), undefined];
  const c2 = line.indexOf(COMMA, c1 + 1);
  return [line.subarray(0, c1).toString('utf8'), line.subarray(c1 + 1, c2 < 0 ? line.length : c2).toString('utf8')];
}

const isInteger = (field: string | undefined): boolean => field !== undefined && /^\s*[+-]?\d+\s*$/.test(field);

function integerField(field: string | undefined, file: string, line: number, what: string): number {
  const value = isInteger(field) ? Number(field) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new DataError(at(file, line, `expected ${what} (an integer), found ${field === undefined ? 'end of line' : `'${cut(field.trim())}'`}`));
  }
  return value;
}

/** An echoed token, cut to about 40 characters. */
const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 37)}…` : s);
