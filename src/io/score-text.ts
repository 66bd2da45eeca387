/**
 * What the text score formats (bob, pyeer, CSV) share: lines read from 16 MB blocks of the file
 * (a 15.7M-line bob file is ~700 MB: never in memory at once, never split into strings), a token
 * splitter and a decimal parser that reads the bytes in place: one pass over the bytes, where
 * csv-parse needs 14–20 s for a 15.7M-line file and readline ~6 s.
 */
import { closeSync, readSync } from 'node:fs';
import { DataError, at } from '../errors.js';
import { forEachLineBlock, openInputFile } from './input-file.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
/** Read this much of a file at a time. */
export const BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * Calls `visit(buf, start, end, line)` for every line of the file (1-based `line`; `end` excludes the
 * LF; a CR before it stays, the tokenizers treat it as a blank; a leading byte order mark is skipped).
 */
export function forEachLine(file: string, visit: (buf: Buffer, start: number, end: number, line: number) => void): void {
  let line = 1;
  forEachLineBlock(file, BLOCK_BYTES, (buf) => {
    let start = line === 1 ? bomLength(buf) : 0;
    for (let p = 0; p < buf.length; p++) {
      if (buf[p] === LF) {
        visit(buf, start, p, line++);
        start = p + 1;
      }
    }
    if (start < buf.length) visit(buf, start, buf.length, line++);
    return true;
  });
}

/** 3 when the buffer starts with a UTF-8 byte order mark (some editors write one), else 0. */
export function bomLength(buf: Buffer): number {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

/** Token bounds of one line: token k is buf[starts[k], ends[k]). */
export class Tokens {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  count = 0;
  constructor(readonly max: number) {
    this.starts = new Int32Array(max);
    this.ends = new Int32Array(max);
  }

  /**
   * Splits buf[start, end) on spaces and tabs (CR counts as a blank), or on commas when `comma`
   * (blanks around a field are trimmed; at most max + 1 fields are counted). Returns the number of
   * tokens; a blank line has 0.
   */
  split(buf: Buffer, start: number, end: number, comma = false): number {
    if (!comma) {
      this.splitLine(buf, start, end);
      return this.count;
    }
    let n = 0;
    let p = start;
    while (end > start && isBlank(buf[end - 1])) end--;
    while (p < end && isBlank(buf[p])) p++;
    if (p === end) return (this.count = 0);
    for (;;) {
      const s = p;
      while (p < end && buf[p] !== COMMA) p++;
      let e = p;
      while (e > s && isBlank(buf[e - 1])) e--;
      if (n < this.max) this.record(n, s, e);
      n++;
      if (p === end || n > this.max) break;
      p++;
      while (p < end && isBlank(buf[p])) p++;
    }
    return (this.count = n);
  }

  /**
   * Splits the line that starts at `p` on spaces, tabs and CRs (as `split`) in the same pass that finds
   * its end; returns where the next line starts (past the LF; > end after the last line).
   */
  splitLine(buf: Buffer, p: number, end: number): number {
    let n = 0;
    while (p < end) {
      const c = buf[p];
      if (c === SPACE || c === TAB || c === CR) {
        p++;
        continue;
      }
      if (c === LF) break;
      const s = p++;
      // Most bytes are above 0x20: one comparison decides.
      while (p < end) {
        const d = buf[p];
        if (d > SPACE || (d !== TAB && d !== CR && d !== LF && d !== SPACE)) p++;
        else break;
      }
      if (n < this.max) this.record(n, s, p);
      n++;
    }
    this.count = n;
    return p + 1;
  }

  private record(k: number, s: number, e: number): void {
    this.starts[k] = s;
    this.ends[k] = e;
  }

  /** Whether tokens a and b hold the same bytes. */
  same(buf: Buffer, a: number, b: number): boolean {
    const len = this.ends[a] - this.starts[a];
    if (len !== this.ends[b] - this.starts[b]) return false;
    const sa = this.starts[a];
    const sb = this.starts[b];
    for (let i = 0; i < len; i++) if (buf[sa + i] !== buf[sb + i]) return false;
    return true;
  }

  /** Token k as text, cut to ~40 characters for an error message. */
  echo(buf: Buffer, k: number): string {
    const text = buf.toString('utf8', this.starts[k], Math.min(this.ends[k], this.starts[k] + 48));
    return this.ends[k] - this.starts[k] > 40 ? `${text.slice(0, 40)}…` : text;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** Exact powers of ten 1e0 … 1e22 (all exactly representable in float64). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A plain decimal number as typed (`12`, `-0.5`, `.5`, `1e-4`); NaN for anything else (hex, `1_000`, `Infinity`, empty). */
export function decimalValue(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

/**
 * The decimal number in buf[s, e), rounded exactly as Python's float() and C's strtod: NaN when the
 * token is not a plain decimal (hex, words, "nan", "inf", empty). A token without exponent whose
 * digits form an integer below 2^53, with at most 22 decimals, is that integer divided by an exact
 * power of ten — one correctly rounded division of exact values (Clinger's fast path) — and never
 * becomes a string; anything else goes through Number().
 */
export function parseDecimal(buf: Buffer, s: number, e: number): number {
  // The common token, [-+]digits[.digits]: its digits as one integer m (exact below 2^53) over 10^k.
  if (s >= e) return NaN;
  let p = s;
  const negative = buf[p] === 0x2d;
  if (negative || buf[p] === 0x2b) p++;
  const digitsStart = p;
  let m = 0;
  let d = 0;
  while (p < e && (d = buf[p] - 0x30) >= 0 && d <= 9) {
    m = m * 10 + d;
    p++;
  }
  let fraction = 0;
  const point = p < e && buf[p] === 0x2e;
  if (point) {
    p++;
    while (p < e && (d = buf[p] - 0x30) >= 0 && d <= 9) {
      m = m * 10 + d;
      fraction++;
      p++;
    }
  }
  if (p === e && p - digitsStart > (point ? 1 : 0) && m <= Number.MAX_SAFE_INTEGER && fraction <= 22) {
    const value = fraction === 0 ? m : m / POW10[fraction];
    return negative ? -value : value;
  }
  return slowDecimal(buf, s, e);
}

function slowDecimal(buf: Buffer, s: number, e: number): number {
  return decimalValue(buf.toString('latin1', s, e));
}

/** Whether buf[s, e) is Python's spelling of NaN (`nan`, any case, optionally signed). */
export function isNanToken(buf: Buffer, s: number, e: number): boolean {
  if (e - s > 4) return false;
  return /^[+-]?nan$/i.test(buf.toString('latin1', s, e));
}

/** Genuine and impostor scores of one score set, each in file order. */
export interface LabelledScores {
  genuine: Float64Array;
  impostor: Float64Array;
  /** Comparisons left out because their score was NaN (bob: failure to acquire; ijb: dropped pair). */
  droppedNan: number;
}

/** A DataError naming the file and line. */
export function lineError(file: string, line: number, what: string): DataError {
  return new DataError(at(file, line, what));
}

/**
 * A Float64Array filled from the front. Its first buffer may be sized generously (`capacity`, e.g.
 * `estimateLines`): untouched pages of a fresh buffer cost no memory, and then neither growing nor a
 * final copy is needed. Beyond it, it grows by doubling. `values()` views the filled part.
 */
export class GrowingArray {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, Math.min(capacity, MAX_PRESIZED)));
  }

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Pre-sized buffers stop at 1 GB of address space; more values grow it by doubling. */
const MAX_PRESIZED = 2 ** 27;

/**
 * About how many lines `file` has, from the mean length of the lines in its first 64 KB (+25 %): the
 * size to pre-allocate. A file whose later lines are shorter only makes the arrays grow.
 */
export function estimateLines(file: string): number {
  let f: ReturnType<typeof openInputFile> | undefined;
  try {
    f = openInputFile(file);
    const head = Buffer.allocUnsafe(1 << 16);
    const got = readSync(f.fd, head, 0, Math.min(head.length, f.size), 0);
    let lines = 0;
    for (let p = head.indexOf(LF); p !== -1 && p < got; p = head.indexOf(LF, p + 1)) lines++;
    return got >= f.size ? lines + 1 : Math.ceil((f.size / got) * (lines + 1) * 1.25);
  } catch {
    return 1024; // reading will report the problem
  } finally {
    if (f) closeSync(f.fd);
  }
}
