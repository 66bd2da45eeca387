/**
 * NumPy .npy reader and writer (format versions 1–3). Reads float16/float32/float64 in either byte
 * order straight into a Float32Array (float64 is narrowed: features are float32 everywhere in the
 * reference code); refuses Fortran order, other dtypes and truncated files with a message naming
 * the file. Never evaluates the header: it is parsed with a fixed pattern.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';

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

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const CHUNK_BYTES = 64 * 1024 * 1024;

function parseHeader(fd: number, file: string, fileSize: number): NpyHeader {
  const pre = Buffer.alloc(12);
  const got = readSync(fd, pre, 0, 12, 0);
  if (got < 10 || !pre.subarray(0, 6).equals(MAGIC)) {
    throw new DataError(`${file}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = pre[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new DataError(`${file}: unsupported .npy format version ${major}.${pre[7]}`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  const dataOffset = 8 + lenBytes + headerLen;
  if (dataOffset > fileSize) throw new DataError(`${file}: truncated .npy header`);
  const headerBuf = Buffer.alloc(headerLen);
  readSync(fd, headerBuf, 0, headerLen, 8 + lenBytes);
  const header = headerBuf.toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${file}: malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') {
    throw new DataError(`${file}: Fortran-ordered arrays are not supported`, 'save it with np.save(path, np.ascontiguousarray(a))');
  }
  const m = /^([<>|=])(f2|f4|f8)$/.exec(descr);
  if (!m) {
    throw new DataError(`${file}: unsupported dtype '${descr}' (expected float16, float32 or float64)`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new DataError(`${file}: malformed shape (${shapeText}) in .npy header`);
  }
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

/**
 * Opens a .npy of `dims` dimensions and checks that the file holds exactly the bytes its header
 * announces. The caller owns (and closes) `fd`.
 */
function openNpy(file: string, dims: number, expected: string): { fd: number; h: NpyHeader; itemSize: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DataError(`${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const size = fstatSync(fd).size;
    const h = parseHeader(fd, file, size);
    if (h.shape.length !== dims) throw new DataError(`${file}: expected ${expected}, found shape (${h.shape.join(', ')})`);
    const itemSize = Number(h.dtype[1]);
    const expectedBytes = h.shape.reduce((a, b) => a * b, 1) * itemSize;
    const actualBytes = size - h.dataOffset;
    if (actualBytes !== expectedBytes) {
      throw new DataError(
        `${file}: ${actualBytes < expectedBytes ? 'truncated' : 'trailing bytes in'} .npy: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${expectedBytes} data bytes, found ${actualBytes}`,
      );
    }
    return { fd, h, itemSize };
  } catch (e) {
    closeSync(fd);
    throw e;
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
    const bytes = Buffer.alloc(count * itemSize);
    readExactly(fd, bytes, 0, bytes.length, h.dataOffset, file);
    const out = new Float64Array(count);
    convert(h, bytes, count, out);
    return out;
  } finally {
    closeSync(fd);
  }
}

function readExactly(fd: number, into: Uint8Array, offset: number, length: number, position: number, file: string): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) throw new DataError(`${file}: truncated .npy (file ended while reading data)`);
    done += n;
  }
}

/** Encodes a C-order little-endian .npy (format 1.0) of float32 or float64 values. */
export function encodeNpy(data: Float32Array | Float64Array, shape: number[]): Buffer {
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
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
