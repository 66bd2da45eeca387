/**
 * Label files of clustering: one integer per line, line i = face i — learn-to-cluster's `.meta`
 * ground truth (`read_meta`: `int(line.strip())`) and the predicted labels its tools write
 * (`pred_labels.txt`, where −1 marks a face left unclustered). Blank lines inside the file are
 * errors (Python's int('') fails there too); blank lines at the very end are ignored. Every error
 * names file:line, what was expected and what was found.
 */
import { DataError, at } from '../errors.js';
import { UNCLUSTERED } from '../metrics/cluster-labels.js';
import { readTextInput } from './input-file.js';

/** A token echoed in an error message, cut to ~40 characters. */
export function echo(token: string): string {
  return token.length > 40 ? `'${token.slice(0, 40)}…'` : `'${token}'`;
}

/**
 * Element i: the integer on line i + 1 of `file`. `expectedRows`, when given, is the number of
 * faces the labels must cover and `rowsWhat` says where that number comes from (for the message).
 */
export function readLabelFile(file: string, expectedRows?: number, rowsWhat?: string): Float64Array {
  const text = readTextInput(file).toString('utf8');
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (expectedRows !== undefined && lines.length !== expectedRows) {
    const what = rowsWhat ?? `${expectedRows} faces`;
    if (lines.length < expectedRows) {
      throw new DataError(at(file, lines.length + 1, `expected a label for face ${lines.length + 1} of ${expectedRows} (${what}), found the end of the file`));
    }
    throw new DataError(at(file, expectedRows + 1, `expected the end of the file after ${expectedRows} labels (${what}), found ${echo(lines[expectedRows].trim())}`));
  }
  const values = new Float64Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const token = lines[i].trim();
    if (!/^[+-]?\d+$/.test(token)) {
      throw new DataError(at(file, i + 1, `expected an integer label, found ${token === '' ? 'an empty line' : echo(token)}`));
    }
    const v = Number(token);
    if (!Number.isSafeInteger(v)) throw new DataError(at(file, i + 1, `expected an integer label of at most 2^53 in size, found ${echo(token)}`));
    values[i] = v;
  }
  if (values.length === 0) throw new DataError(at(file, undefined, 'expected one integer label per line, found an empty file'));
  return values;
}

/**
 * The file learn-to-cluster's `write_meta` writes for a clustering: clusters renumbered 0, 1, … by
 * first appearance, then each −1 (unclustered) face a new label after them, one per line.
 */
export function formatLabelFile(labels: ArrayLike<number>): string {
  const renumbered = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== UNCLUSTERED && !renumbered.has(labels[i])) renumbered.set(labels[i], renumbered.size);
  }
  let next = renumbered.size;
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) out.push(String(labels[i] === UNCLUSTERED ? next++ : renumbered.get(labels[i])));
  return out.join('\n') + '\n';
}
