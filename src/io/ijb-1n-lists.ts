/**
 * Readers for the IJB 1:N template lists (REFERENCE.md §6): `<t>_1N_gallery_G1.csv`, `_G2.csv`
 * (IJB-B: `_S1`, `_S2`) and `<t>_1N_probe_mixed.csv` — comma-separated, one header line, one row per
 * image. Only the first two columns are read (TEMPLATE_ID, SUBJECT_ID), as integers, as the
 * published scripts do; the rest of a row (FILENAME, …) is not looked at.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, at } from '../errors.js';
import { readTextFile, type IjbTarget } from './ijb-meta.js';

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
  const buf = readTextFile(file);
  const templates: number[] = [];
  const subjects: number[] = [];
  const lines: number[] = [];
  let header = true;
  let lineNo = 0;
  for (let start = 0; start < buf.length; ) {
    let end = buf.indexOf(LF, start);
    if (end < 0) end = buf.length;
    lineNo++;
    const line = buf.subarray(start, end > start && buf[end - 1] === CR ? end - 1 : end);
    start = end + 1;
    if (line.toString('latin1').trim() === '') continue;
    const fields = firstTwoFields(line);
    if (header) {
      header = false;
      if (isInteger(fields[0])) throw new DataError(at(file, lineNo, `expected a header line (TEMPLATE_ID,SUBJECT_ID,…), found '${cut(line.toString('utf8'))}'`), 'the published scripts skip the first line: a list without a header loses its first row there');
      continue;
    }
    templates.push(integerField(fields[0], file, lineNo, 'a template id'));
    subjects.push(integerField(fields[1], file, lineNo, 'a subject id'));
    lines.push(lineNo);
  }
  if (templates.length === 0) throw new DataError(`${file}: no rows after the header line`);
  return { file, templateIds: Float64Array.from(templates), subjectIds: Float64Array.from(subjects), lines: Int32Array.from(lines) };
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
