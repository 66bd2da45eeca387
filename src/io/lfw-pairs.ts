/**
 * Pair lists of LFW-style verification: the official `pairs.txt` (and pairsDevTrain/DevTest with a
 * single count header), a `a,b,label[,fold]` CSV, and the image-name list that maps image paths to
 * feature rows. Every error names file:line, what was expected and what was found.
 */
import { DataError, at, quoteToken } from '../errors.js';
import { readCsvRecords } from './csv-records.js';
import { readTextInput } from './input-file.js';
import { LineScanner } from './line-scanner.js';

export interface PairList {
  /** Element i: relative image path of the first image of pair i. */
  imageA: string[];
  /** Element i: relative image path of the second image of pair i. */
  imageB: string[];
  /** Element i: 1 when pair i is genuine (same person), else 0. */
  labels: Uint8Array;
  /** Element i: 1-based line of pair i in `file`. */
  lines: Int32Array;
  /** Element i: fold (0-based) whose test set holds pair i, when the file defines folds; else undefined. */
  foldOf?: Int32Array;
  /** Number of folds the file defines (pairs.txt sets, CSV fold values), or undefined. */
  folds?: number;
  file: string;
}

/** `name/name_0001.jpg`, the LFW image path of picture `n` of `name`. */
export function lfwImagePath(name: string, n: number): string {
  return `${name}/${name}_${String(n).padStart(4, '0')}.jpg`;
}

/** The spelling used to match paths: forward slashes, no leading './'. */
export function normalizeImagePath(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * Official LFW pairs.txt: header `S<TAB>N` then S sets of N matched lines `name n1 n2` followed by N
 * mismatched lines `name1 n1 name2 n2` (the sets are the folds); or header `N` then N matched and N
 * mismatched lines (no folds: the caller splits with KFold).
 */
export function readLfwPairs(file: string): PairList {
  const text = readTextInput(file);
  const s = new LineScanner(text, file);
  if (!s.nextLine()) throw new DataError(at(file, undefined, 'empty file: expected a header line `10<TAB>300` or `N`'));
  const first = s.int('the number of sets (or of matched pairs)');
  let sets = 1;
  let perSet = first;
  const hasSets = s.hasToken();
  if (hasSets) {
    sets = first;
    perSet = s.int('the number of pairs of each kind per set');
  }
  s.end();
  if (sets < 1 || perSet < 1) throw s.fail(`header announces ${sets} set(s) of ${perSet} pairs: expected positive counts`);
  const header = hasSets ? `${sets} ${perSet}` : `${perSet}`;
  const n = 2 * sets * perSet;
  // Arrays sized from the header alone could be absurd (`1000000000<TAB>1000000000`): a pair line
  // takes at least 6 bytes (`a 1 2\n`), so the file cannot hold more pairs than this; a header
  // announcing more fails below at the line where the file ends.
  const capacity = Math.min(n, Math.floor((text.length + 1) / 6));
  const out: PairList = { imageA: [], imageB: [], labels: new Uint8Array(capacity), lines: new Int32Array(capacity), file };
  if (hasSets) {
    out.foldOf = new Int32Array(capacity);
    out.folds = sets;
  }
  let i = 0;
  for (let set = 0; set < sets; set++) {
    for (const matched of [true, false]) {
      for (let k = 0; k < perSet; k++) {
        const where = `${matched ? 'matched' : 'mismatched'} pair ${k + 1} of ${perSet}${hasSets ? ` in set ${set + 1} of ${sets}` : ''}, as the header '${header}' announces`;
        if (!s.nextLine()) throw s.fail(`the file ends early: expected the ${where}`);
        const fields: string[] = [];
        while (s.hasToken()) fields.push(s.word('a field'));
        const expected = matched ? 3 : 4;
        if (fields.length !== expected) {
          const shape = matched ? '`name n1 n2`' : '`name1 n1 name2 n2`';
          const looksLike = fields.length === 3 ? ' (a matched pair?)' : fields.length === 4 ? ' (a mismatched pair?)' : '';
          throw s.fail(`expected the ${where}: ${shape}, found ${fields.length} fields ${quoteToken(fields.join(' '))}${looksLike}`);
        }
        const picture = (text: string): number => {
          const v = Number(text);
          if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < 1) throw s.fail(`expected a picture number (an integer from 1), found ${quoteToken(text)}`);
          return v;
        };
        const name = fields[0];
        const n1 = picture(fields[1]);
        const name2 = matched ? name : fields[2];
        const n2 = picture(fields[matched ? 2 : 3]);
        out.imageA.push(lfwImagePath(name, n1));
        out.imageB.push(lfwImagePath(name2, n2));
        out.labels[i] = matched ? 1 : 0;
        out.lines[i] = s.lineNumber;
        if (out.foldOf) out.foldOf[i] = set;
        i++;
      }
    }
  }
  if (s.nextLine()) throw s.fail(`unexpected line after the ${n} pairs the header '${header}' announces`);
  return out;
}

const LABELS: Record<string, number> = { '1': 1, '0': 0, true: 1, false: 0, True: 1, False: 0 };

/** Names a header line may give the label and fold columns. */
const LABEL_COLUMN = /^(label|issame|is_same|same|genuine|match|target)$/i;
const FOLD_COLUMN = /^(fold|folds|split|set)$/i;

/**
 * CSV pairs `a,b,label[,fold]` (label 1/0 or true/false). An optional header line is recognised by
 * its column names (`label` / `issame` … third, `fold` … fourth); anything else on line 1 is a pair,
 * checked like every other. With a fold column, every row needs one (an integer); folds are numbered
 * in ascending order of their values.
 */
export function readPairsCsv(file: string): PairList {
  let records = readCsvRecords(file);
  const first = records[0]?.record;
  if (first && LABEL_COLUMN.test(first[2] ?? '') && (first.length < 4 || FOLD_COLUMN.test(first[3]))) records = records.slice(1); // header
  const n = records.length;
  if (n === 0) throw new DataError(at(file, undefined, 'no pairs'));
  const withFold = records[0].record.length >= 4;
  const out: PairList = { imageA: [], imageB: [], labels: new Uint8Array(n), lines: new Int32Array(n), file };
  const foldValues: number[] = [];
  records.forEach(({ record, info }, i) => {
    const fail = (what: string): DataError => new DataError(at(file, info.lines, what));
    if (record.length !== (withFold ? 4 : 3)) throw fail(`expected ${withFold ? 4 : 3} fields (a,b,label${withFold ? ',fold' : ''}), found ${record.length}`);
    const [a, b, label, fold] = record;
    if (!a || !b) throw fail('empty image path');
    const l = LABELS[label];
    if (l === undefined) throw fail(`expected a label (1/0 or true/false), found ${quoteToken(label)}`);
    out.imageA.push(normalizeImagePath(a));
    out.imageB.push(normalizeImagePath(b));
    out.labels[i] = l;
    out.lines[i] = info.lines;
    if (withFold) {
      const f = Number(fold);
      if (!/^[+-]?\d+$/.test(fold) || !Number.isSafeInteger(f)) throw fail(`expected a fold number (an integer), found ${quoteToken(fold)}`);
      foldValues.push(f);
    }
  });
  if (withFold) {
    const distinct = [...new Set(foldValues)].sort((x, y) => x - y);
    const index = new Map(distinct.map((v, k) => [v, k]));
    out.foldOf = Int32Array.from(foldValues, (v) => index.get(v)!);
    out.folds = distinct.length;
  }
  return out;
}

/** One relative image path per line; line i names feature row i. Blank lines are refused (they would shift rows). */
export function readNameList(file: string): string[] {
  const text = readTextInput(file).toString('utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, k) => {
    const name = raw.replace(/\r$/, '').trim();
    if (name === '') throw new DataError(at(file, k + 1, 'blank line: every line must name the image of one feature row'));
    return normalizeImagePath(name);
  });
}

/**
 * Feature rows of both images of every pair. Element i of `rowA` / `rowB`: the line (0-based) of
 * `names` naming pair i's first / second image.
 */
export function resolvePairRows(pairs: PairList, names: string[], namesFile: string): { rowA: Int32Array; rowB: Int32Array } {
  const index = new Map<string, number>();
  names.forEach((name, k) => {
    const prev = index.get(name);
    if (prev !== undefined) throw new DataError(at(namesFile, k + 1, `${quoteToken(name)} is listed twice (also line ${prev + 1})`));
    index.set(name, k);
  });
  const n = pairs.labels.length;
  const rowA = new Int32Array(n);
  const rowB = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const [image, rows] of [[pairs.imageA[i], rowA], [pairs.imageB[i], rowB]] as const) {
      const r = index.get(image);
      if (r === undefined) {
        throw new DataError(at(pairs.file, pairs.lines[i], `image ${quoteToken(image)} is not in ${namesFile} (${names.length} names)`));
      }
      rows[i] = r;
    }
  }
  return { rowA, rowB };
}
