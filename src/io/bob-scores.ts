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
import { forEachLineBlock } from './input-file.js';
import { BLOCK_BYTES, bomLength, GrowingArray, Tokens, isNanToken, lineError, estimateLines, parseDecimal, type LabelledScores } from './score-text.js';

export type BobColumns = 2 | 4 | 5;

export interface BobScores extends LabelledScores {
  columns: BobColumns;
}

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const HASH = 0x23;

const LAYOUT: Record<BobColumns, string> = {
  2: 'label score',
  4: 'claimed_id real_id test_label score',
  5: 'claimed_id model_label real_id test_label score',
};

export function readBobScores(file: string): BobScores {
  const reader = new BobReader(file);
  forEachLineBlock(file, BLOCK_BYTES, (block) => reader.block(block));
  if (reader.columns === 0) throw new DataError(`${file}: no score lines`);
  return { genuine: reader.genuine.values(), impostor: reader.impostor.values(), droppedNan: reader.droppedNan, columns: reader.columns };
}

class BobReader {
  readonly tokens = new Tokens(5);
  readonly genuine: GrowingArray;
  readonly impostor: GrowingArray;
  columns: BobColumns | 0 = 0;
  /** The column (0-based) compared with claimed_id: real_id. */
  private realColumn = 1;
  droppedNan = 0;
  private firstLine = 0;

  /** The 1-based number of the next line. */
  private nextLine = 1;

  constructor(readonly file: string) {
    const lines = estimateLines(file);
    this.genuine = new GrowingArray(lines);
    this.impostor = new GrowingArray(lines);
  }

  /** The lines of one block (whole lines; the last may lack its LF at the end of the file). */
  block(buf: Buffer): boolean {
    const end = buf.length;
    let line = this.nextLine;
    let p = line === 1 ? bomLength(buf) : 0;
    // Up to the block's last LF, which ends every token scan, the common line goes through `fastLine`.
    const lastLf = buf.lastIndexOf(LF, end - 1);
    while (p <= lastLf) {
      const next = this.columns === 4 || this.columns === 5 ? this.fastLine(buf, p) : -1;
      if (next < 0) {
        p = this.tokens.splitLine(buf, p, end);
        this.line(buf, line);
      } else p = next;
      line++;
    }
    for (; p < end; line++) {
      p = this.tokens.splitLine(buf, p, end);
      this.line(buf, line);
    }
    this.nextLine = line;
    return true;
  }

  /**
   * A line of exactly `columns` space- or tab-separated tokens ending in a plain decimal score (then an
   * optional CR and the LF): stored, and the start of the next line returned. Anything else: -1.
   */
  private fastLine(buf: Buffer, p: number): number {
    const first = p;
    let c = buf[p];
    if (c === HASH) return -1;
    while (c > SPACE) c = buf[++p];
    const firstEnd = p;
    if (firstEnd === first) return -1;
    let realStart = 0;
    let realEnd = 0;
    for (let k = 1; k < this.columns; k++) {
      if (c !== SPACE && c !== TAB) return -1;
      do c = buf[++p];
      while (c === SPACE || c === TAB);
      const start = p;
      while (c > SPACE) c = buf[++p];
      if (k === this.realColumn) {
        realStart = start;
        realEnd = p;
      } else if (k === this.columns - 1) {
        const score = parseDecimal(buf, start, p);
        if (score - score !== 0) return -1; // NaN or infinite: the careful path says which
        while (c === SPACE || c === TAB || c === CR) c = buf[++p];
        if (c !== LF) return -1;
        const len = firstEnd - first;
        let same = len === realEnd - realStart;
        for (let i = 0; same && i < len; i++) same = buf[first + i] === buf[realStart + i];
        (same ? this.genuine : this.impostor).push(score);
        return p + 1;
      }
    }
    return -1;
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
      this.realColumn = n === 5 ? 2 : 1;
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
