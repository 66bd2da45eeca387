/**
 * NumPy .npy reader and writer (format versions 1–3). Reads float16/float32/float64 in either byte
 * order straight into a Float32Array (float64 is narrowed: features are float32 everywhere in the
 * reference code); refuses Fortran order, other dtypes and truncated files with a message naming
 * the file. Never evaluates the header: it is parsed as the strict literal numpy writes, and its
 * shape is checked against sane bounds and the file's length before anything is sized from it.
 */
import { closeSync } from 'node:fs';
import { DataError, quoteToken } from '../errors.js';
import { openInputFile, readExactly as readExactlyAt } from './input-file.js';

export interface FeatureMatrix {
  /** Number of rows (faces). */
  rows: number;
  /** Feature dimension. */
  cols: number;
  /** Row-major [rows, cols]. */
  data: Float32Array;
}

interface NpyHeader {
  dtype: 'f2' | 'f4' | 'f8';
  littleEndian: boolean;
  shape: number[];
  dataOffset: number;
}

/** numpy's own default `max_header_size`: a longer header is refused before it is read. */
export const MAX_NPY_HEADER_BYTES = 10000;
/** Largest feature dimension (columns of a 2-D feature file); face embeddings are 128–2048. */
export const MAX_FEATURE_DIM = 65536;
/** Most rows (faces) or values (pair scores): indices are 32-bit throughout. */
export const MAX_NPY_ROWS = 2 ** 31 - 1;

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const CHUNK_BYTES = 64 * 1024 * 1024;

type HeaderValue = string | boolean | number[];

/**
 * The header dict, parsed as the Python literal numpy writes — `{'descr': '<f4', 'fortran_order':
 * False, 'shape': (3, 512), }` — and nothing more: keys and descr are quoted strings, fortran_order
 * True/False, shape a tuple of plain decimal integers (a trailing `L` of Python 2 allowed). Stricter
 * than numpy's literal_eval in two places, on purpose: `0x208` or `2_0` in a shape and a repeated
 * key (numpy takes the last one) are refused, not guessed at.
 */
function parseHeaderDict(header: string, file: string): Map<string, HeaderValue> {
  let p = 0;
  const fail = (expected: string): DataError => {
    const rest = header.slice(p).trim();
    return new DataError(`${file}: malformed .npy header: expected ${expected} at character ${p + 1}, found ${rest ? quoteToken(rest) : 'the end of the header'}`);
  };
  const blanks = (): void => {
    while (p < header.length && (header[p] === ' ' || header[p] === '\t')) p++;
  };
  const expect = (c: string): void => {
    blanks();
    if (header[p] !== c) throw fail(`'${c}'`);
    p++;
  };
  const quoted = (): string => {
    const q = header[p];
    if (q !== "'" && q !== '"') throw fail('a quoted string');
    const end = header.indexOf(q, p + 1);
    const text = end < 0 ? '' : header.slice(p + 1, end);
    if (end < 0 || text.includes('\\')) throw fail('a quoted string without escapes');
    p = end + 1;
    return text;
  };
  const value = (): HeaderValue => {
    blanks();
    if (header[p] === "'" || header[p] === '"') return quoted();
    for (const [word, v] of [['True', true], ['False', false]] as const) {
      if (header.startsWith(word, p)) {
        p += word.length;
        return v;
      }
    }
    if (header[p] !== '(') throw fail("a string, True, False or a shape tuple '(…)'");
    p++;
    const dims: number[] = [];
    let sawComma = false;
    for (;;) {
      blanks();
      if (header[p] === ')') break;
      const m = /^(0|[1-9][0-9]*)L?(?=[\s,)])/.exec(header.slice(p, p + 32));
      if (!m) throw fail('a plain decimal integer in the shape');
      if (!Number.isSafeInteger(Number(m[1]))) throw fail('a shape entry below 2**53');
      dims.push(Number(m[1]));
      p += m[0].length;
      blanks();
      sawComma = header[p] === ',';
      if (sawComma) p++;
      else if (header[p] !== ')') throw fail("',' or ')' in the shape");
    }
    if (dims.length === 1 && !sawComma) throw fail("the ',' of a one-element tuple");
    p++;
    return dims;
  };
  const dict = new Map<string, HeaderValue>();
  expect('{');
  for (;;) {
    blanks();
    if (header[p] === '}') break;
    const keyAt = p;
    const key = quoted();
    if (dict.has(key)) {
      p = keyAt;
      throw fail(`no repeated key (${quoteToken(key)} appears twice)`);
    }
    expect(':');
    dict.set(key, value());
    blanks();
    if (header[p] === ',') p++;
    else if (header[p] !== '}') throw fail("',' or '}'");
  }
  p++;
  if (!/^[ \t]*\n?[ \t\0]*$/.test(header.slice(p))) throw fail('only padding after the dict');
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new DataError(`${file}: malformed .npy header: keys ${quoteToken(keys)}, expected exactly descr, fortran_order, shape`);
  }
  return dict;
}

function parseHeader(fd: number, file: string, fileSize: number): NpyHeader {
  const pre = Buffer.alloc(12);
  const got = fileSize >= 12 ? 12 : fileSize;
  readExactlyAt(fd, pre, 0, got, 0, () => new DataError(`${file}: truncated .npy header`));
  if (got < 10 || !pre.subarray(0, 6).equals(MAGIC)) {
    throw new DataError(`${file}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = pre[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new DataError(`${file}: unsupported .npy format version ${major}.${pre[7]}`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (got < 8 + lenBytes) throw new DataError(`${file}: truncated .npy header`);
  const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    throw new DataError(`${file}: .npy header of ${headerLen} bytes is over numpy's limit of ${MAX_NPY_HEADER_BYTES}`);
  }
  const dataOffset = 8 + lenBytes + headerLen;
  if (dataOffset > fileSize) throw new DataError(`${file}: truncated .npy header`);
  const headerBuf = Buffer.alloc(headerLen);
  readExactlyAt(fd, headerBuf, 0, headerLen, 8 + lenBytes, () => new DataError(`${file}: truncated .npy header`));
  const dict = parseHeaderDict(headerBuf.toString(major === 3 ? 'utf8' : 'latin1'), file);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof fortran !== 'boolean') throw new DataError(`${file}: malformed .npy header: fortran_order must be True or False`);
  if (!Array.isArray(shape)) throw new DataError(`${file}: malformed .npy header: shape must be a tuple of integers`);
  if (typeof descr !== 'string') throw new DataError(`${file}: malformed .npy header: descr must be a string`);
  if (fortran) {
    throw new DataError(`${file}: Fortran-ordered arrays are not supported`, 'save it with np.save(path, np.ascontiguousarray(a))');
  }
  const m = /^([<>|=]?)(f2|f4|f8)$/.exec(descr);
  if (!m) {
    throw new DataError(`${file}: unsupported dtype ${quoteToken(descr)} (expected float16, float32 or float64)`);
  }
  // '=' and no order character mean the writer's native order: little-endian on every platform numpy
  // and Node share in practice.
  return { dtype: m[2] as NpyHeader['dtype'], littleEndian: m[1] !== '>', shape, dataOffset };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Row-block access to a 2-D float .npy, converting to float32 as it reads. */
export interface NpyRowReader {
  file: string;
  rows: number;
  cols: number;
  /** Reads rows [start, start + count) into `into` (row-major float32). */
  read(start: number, count: number, into: Float32Array): void;
  close(): void;
}

/** Largest .npy read whole into memory (readNpyMatrix, readNpyScores); IJB features are streamed. */
export const MAX_IN_MEMORY_NPY_BYTES = 2 ** 32;

/** `(520, 16777216)`: a shape in messages. */
const shapeText = (shape: number[]): string => `(${shape.join(', ')})`;

/** Refuses shapes no feature or score file can have, before anything is sized from them. */
function checkShapeBounds(file: string, shape: number[]): void {
  const fail = (what: string) => new DataError(`${file}: shape ${shapeText(shape)}: ${what}`);
  if (shape[0] > MAX_NPY_ROWS) throw fail(`${shape[0]} rows is over the limit of ${MAX_NPY_ROWS}`);
  if (shape.length === 2 && (shape[1] < 1 || shape[1] > MAX_FEATURE_DIM)) {
    throw fail(`a feature dimension of ${shape[1]} is outside 1…${MAX_FEATURE_DIM}`);
  }
}

/**
 * Opens a .npy of `dims` dimensions and checks its shape against sane bounds and the file holding
 * exactly the bytes its header announces. The caller owns (and closes) `fd`.
 */
function openNpy(file: string, dims: number, expected: string): { fd: number; h: NpyHeader; itemSize: number } {
  const { fd, size } = openInputFile(file);
  try {
    const h = parseHeader(fd, file, size);
    if (h.shape.length !== dims) throw new DataError(`${file}: expected ${expected}, found shape ${shapeText(h.shape)}`);
    checkShapeBounds(file, h.shape);
    const itemSize = Number(h.dtype[1]);
    const expectedBytes = h.shape.reduce((a, b) => a * b, 1) * itemSize;
    const actualBytes = size - h.dataOffset;
    if (actualBytes !== expectedBytes) {
      throw new DataError(
        `${file}: ${actualBytes < expectedBytes ? 'truncated' : 'trailing bytes in'} .npy: shape ${shapeText(h.shape)} of ${h.dtype} needs ${expectedBytes} data bytes, found ${actualBytes}`,
      );
    }
    return { fd, h, itemSize };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Refuses a whole-file read that would need more than MAX_IN_MEMORY_NPY_BYTES. */
function checkFitsInMemory(file: string, shape: number[], bytes: number): void {
  if (bytes > MAX_IN_MEMORY_NPY_BYTES) {
    throw new DataError(`${file}: shape ${shapeText(shape)} needs ${(bytes / 2 ** 30).toFixed(1)} GiB in memory, over the ${MAX_IN_MEMORY_NPY_BYTES / 2 ** 30} GiB limit of a file read whole`);
  }
}

/** Converts `n` values of the header's dtype from `bytes` into `into` (float32 or float64). */
function convert(h: NpyHeader, bytes: Buffer, n: number, into: Float32Array | Float64Array): void {
  const le = h.littleEndian;
  if (h.dtype === 'f2') {
    for (let i = 0; i < n; i++) into[i] = halfToFloat(le ? bytes.readUInt16LE(2 * i) : bytes.readUInt16BE(2 * i));
  } else if (h.dtype === 'f4') {
    for (let i = 0; i < n; i++) into[i] = le ? bytes.readFloatLE(4 * i) : bytes.readFloatBE(4 * i);
  } else {
    for (let i = 0; i < n; i++) into[i] = le ? bytes.readDoubleLE(8 * i) : bytes.readDoubleBE(8 * i);
  }
}

export function openNpyRows(file: string): NpyRowReader {
  const { fd, h, itemSize } = openNpy(file, 2, 'a 2-D array [faces, dim]');
  const [rows, cols] = h.shape;
  const direct = h.dtype === 'f4' && h.littleEndian;
  let staging = Buffer.alloc(0);
  return {
    file,
    rows,
    cols,
    read(start, count, into) {
      const n = count * cols;
      const position = h.dataOffset + start * cols * itemSize;
      if (direct) {
        // Straight into the destination: no intermediate copy.
        readExactly(fd, new Uint8Array(into.buffer, into.byteOffset, n * 4), 0, n * 4, position, file);
        return;
      }
      if (staging.length < n * itemSize) staging = Buffer.alloc(n * itemSize);
      readExactly(fd, staging, 0, n * itemSize, position, file);
      convert(h, staging, n, into);
    },
    close: () => closeSync(fd),
  };
}

/** Reads a whole 2-D float .npy as a row-major float32 matrix. */
export function readNpyMatrix(file: string): FeatureMatrix {
  const reader = openNpyRows(file);
  try {
    checkFitsInMemory(file, [reader.rows, reader.cols], reader.rows * reader.cols * 4);
    const data = new Float32Array(reader.rows * reader.cols);
    const rowsPerRead = Math.max(1, Math.floor(CHUNK_BYTES / 4 / Math.max(1, reader.cols)));
    for (let r = 0; r < reader.rows; r += rowsPerRead) {
      const count = Math.min(rowsPerRead, reader.rows - r);
      reader.read(r, count, data.subarray(r * reader.cols, (r + count) * reader.cols));
    }
    return { rows: reader.rows, cols: reader.cols, data };
  } finally {
    reader.close();
  }
}

/**
 * Reads the 1-D pair scores `ijb --scores` writes — float64 (exact scoring) or float32 (GEMM
 * scoring) — as float64, without narrowing.
 */
export function readNpyScores(file: string): Float64Array {
  const { fd, h, itemSize } = openNpy(file, 1, 'a 1-D array of pair scores');
  try {
    if (h.dtype === 'f2') throw new DataError(`${file}: expected float32 or float64 pair scores, found f2`);
    const count = h.shape[0];
    checkFitsInMemory(file, h.shape, count * 8);
    const out = new Float64Array(count);
    const perRead = Math.min(count, CHUNK_BYTES / itemSize);
    const staging = Buffer.alloc(perRead * itemSize);
    for (let i = 0; i < count; i += perRead) {
      const n = Math.min(perRead, count - i);
      readExactly(fd, staging, 0, n * itemSize, h.dataOffset + i * itemSize, file);
      convert(h, staging, n, out.subarray(i, i + n));
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function readExactly(fd: number, into: Uint8Array, offset: number, length: number, position: number, file: string): void {
  readExactlyAt(fd, into, offset, length, position, () => new DataError(`${file}: truncated .npy (file ended while reading data)`));
}

/** Encodes a C-order little-endian .npy (format 1.0) of float32 or float64 values. */
export function encodeNpy(data: Float32Array | Float64Array, shape: number[]): Buffer {
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Pad so that magic + version + length + header is a multiple of 64, ending in '\n' (as numpy does).
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}
