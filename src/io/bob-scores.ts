/**
 * bob score files, told apart by the column count of their first line:
 *
 * - 4 columns (bob.bio.base `four_column`): `claimed_id real_id test_label score`;
 * - 5 columns (bob.bio.base `five_column`): `claimed_id model_label real_id test_label score`;
 *   in both a comparison is genuine when claimed_id and real_id are the same text;
 * - 2 columns (bob.measure `load.split`): `label score`, label 1 (genuine) or -1 (impostor) — bob
 *   itself takes anything but 1 as impostor; here any other label is an error.
 *
 * Blank lines and lines starting with `#` are skipped (as bob does). Every line must have the first
 * line's column count. A score of `nan` is bob's "failure to acquire": left out and counted.
 */
import { DataError } from '../errors.js';
import { GrowingArray, Tokens, forEachLineBlock, isNanToken, lineError, maxLines, parseDecimal, type LabelledScores } from './score-text.js';

export type BobColumns = 2 | 4 | 5;

export interface BobScores extends LabelledScores {
  columns: BobColumns;
}

const LAYOUT: Record<BobColumns, string> = {
  2: 'label score',
  4: 'claimed_id real_id test_label score',
  5: 'claimed_id model_label real_id test_label score',
};

export function readBobScores(file: string): BobScores {
  const reader = new BobReader(file);
  forEachLineBlock(file, (buf, end, firstLine) => reader.block(buf, end, firstLine));
  if (reader.columns === 0) throw new DataError(`${file}: no score lines`);
  return { genuine: reader.genuine.values(), impostor: reader.impostor.values(), droppedNan: reader.droppedNan, columns: reader.columns };
}

class BobReader {
  readonly tokens = new Tokens(5);
  readonly genuine: GrowingArray;
  readonly impostor: GrowingArray;
  columns: BobColumns | 0 = 0;
  droppedNan = 0;
  private firstLine = 0;

  constructor(readonly file: string) {
    const lines = maxLines(file, 4); // `1 0\n`
    this.genuine = new GrowingArray(lines);
    this.impostor = new GrowingArray(lines);
  }

  /** The lines of one block; returns how many there were. */
  block(buf: Buffer, end: number, firstLine: number): number {
    const { tokens } = this;
    const { starts, ends } = tokens;
    let line = firstLine;
    for (let p = 0; p < end; line++) {
      p = tokens.splitLine(buf, p, end);
      // The common line (4 or 5 columns, a plain number) is handled here, anything else by `line`.
      const n = tokens.count;
      if (n === this.columns && n !== 2 && buf[starts[0]] !== 0x23) {
        const score = parseDecimal(buf, starts[n - 1], ends[n - 1]);
        if (score - score === 0) {
          const real = n === 4 ? 1 : 2;
          const len = ends[0] - starts[0];
          let same = len === ends[real] - starts[real];
          for (let i = 0, a = starts[0], b = starts[real]; same && i < len; i++) same = buf[a + i] === buf[b + i];
          (same ? this.genuine : this.impostor).push(score);
          continue;
        }
      }
      this.line(buf, line);
    }
    return line - firstLine;
  }

  /** Any line, with every check; the tokens are those of `line`. */
  private line(buf: Buffer, line: number): void {
    const { tokens, file } = this;
    const n = tokens.count;
    if (n === 0 || buf[tokens.starts[0]] === 0x23) return; // blank or # comment
    if (this.columns === 0) {
      if (n !== 2 && n !== 4 && n !== 5) {
        throw lineError(file, line, `expected a bob score line of 4 columns (${LAYOUT[4]}), 5 (${LAYOUT[5]}) or 2 (${LAYOUT[2]}), found ${n > 5 ? 'more than 5' : n}`);
      }
      this.columns = n;
      this.firstLine = line;
    } else if (n !== this.columns) {
      throw lineError(file, line, `expected ${this.columns} columns (${LAYOUT[this.columns]}) as on line ${this.firstLine}, found ${n > 5 ? 'more than 5' : n}`);
    }
    const last = n - 1;
    const score = parseDecimal(buf, tokens.starts[last], tokens.ends[last]);
    if (!Number.isFinite(score)) {
      if (isNanToken(buf, tokens.starts[last], tokens.ends[last])) {
        this.droppedNan++;
        return;
      }
      throw lineError(file, line, `expected a score (a finite number) in column ${n}, found '${tokens.echo(buf, last)}'`);
    }
    let isGenuine: boolean;
    if (n === 2) {
      const label = parseDecimal(buf, tokens.starts[0], tokens.ends[0]);
      if (label !== 1 && label !== -1) throw lineError(file, line, `expected a label 1 (genuine) or -1 (impostor) in column 1, found '${tokens.echo(buf, 0)}'`);
      isGenuine = label === 1;
    } else isGenuine = tokens.same(buf, 0, n === 4 ? 1 : 2);
    (isGenuine ? this.genuine : this.impostor).push(score);
  }
}
