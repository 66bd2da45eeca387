/**
 * The one way input files are opened and read. Everything a user points facebench at goes through
 * here, so that the same rules hold for every format:
 *
 * - only regular files: a directory, FIFO, character or block device or socket is refused by name
 *   before it is opened (a FIFO would block the open or the read forever, /dev/zero and
 *   /dev/urandom never end), symlinks resolved (`list.txt -> /dev/urandom` is a character device);
 * - sizes capped per kind of file (the limits below), checked against `fstat` before reading;
 * - at most the size `fstat` reported is read, in chunks (a single read is limited to 2 GiB), so a
 *   file that grows while it is read cannot grow memory;
 * - no line of a text input is longer than MAX_LINE_BYTES, checked while reading (a sparse 2 GB
 *   file without a newline is refused after its first block, not after 2 GB in memory).
 *
 * Errors are InputFileError (a DataError `<file>: <reason>`) so callers that report a reason on its
 * own (unreadable images under --skip-bad) can take `reason` without the path.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { DataError, at, oneLine } from '../errors.js';

/** Whether `path` names an existing folder (a feature store given where a file could be). */
export const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Longest line accepted in any text input (IJB meta, LFW pairs, names, CSV, MagFace lists). */
export const MAX_LINE_BYTES = 1 << 20;
/** Largest text file read whole (face lists, landmark lists, LFW pairs, names, pair CSVs); the
 * IJB pair file and MagFace feature lists are streamed in blocks and have no total limit. */
export const MAX_TEXT_FILE_BYTES = 2 ** 31;
/** Largest JSON file (results, store.json, checkpoint.json). */
export const MAX_JSON_BYTES = 128 * 2 ** 20;
/** Largest insightface evaluation pack (.bin): the pickle reader works on one Buffer (Node's limit is 4 GiB). */
export const MAX_PICKLE_BYTES = 2 ** 32 - 1;
/** Largest ONNX model file: protobuf's own limit (bigger models keep weights in external data files). */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;
/** Largest image file. */
export const MAX_IMAGE_BYTES = 256 * 2 ** 20;

/** One read() call: Node refuses lengths of 2 GiB and more. */
const READ_CHUNK_BYTES = 2 ** 30;
/** Whole-file text reads check line lengths every this many bytes. */
const TEXT_CHUNK_BYTES = 16 * 2 ** 20;

/** A DataError about one input file, with the reason apart from the path. */
export class InputFileError extends DataError {
  constructor(
    readonly file: string,
    readonly reason: string,
    hint?: string,
  ) {
    super(at(file, undefined, reason), hint);
  }
}

/** `1.5 GiB`, `300 MiB`, `12 KiB`, `17 bytes`. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a folder on its path is a file',
  ELOOP: 'too many levels of symlinks',
  ENAMETOOLONG: 'the name is too long',
  EISDIR: 'it is a directory',
  EIO: 'input/output error',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'something is in the way',
};

/** `no such file`, `EACCES: permission denied`, `ENOSPC: no space left on device`, … for a failed system call. */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return ERRNO_TEXT.ENOENT;
  if (code && ERRNO_TEXT[code]) return `${code}: ${ERRNO_TEXT[code]}`;
  return code ?? oneLine(String((e as Error)?.message ?? e), 120);
}

/** `a directory`, `a FIFO (named pipe)`, … for anything that is not a regular file; undefined for one. */
export function kindOf(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** `is a FIFO (named pipe), not a regular file`, naming a symlink's target; undefined for a regular file. */
function nonRegularReason(file: string, s: Stats): string | undefined {
  const kind = kindOf(s);
  if (!kind) return undefined;
  let via = '';
  try {
    if (lstatSync(file).isSymbolicLink()) via = ` (a symlink to ${realpathSync(file)})`;
  } catch {
    // Gone meanwhile: the kind is still right.
  }
  return `is ${kind}${via}, not a regular file`;
}

export interface InputOptions {
  /** Refuse a file bigger than this many bytes. */
  maxBytes?: number;
  /** What the file is, for messages: `cannot read the model (…)`, `… over the 2 GiB limit of a model`. */
  what?: string;
  /**
   * Looks at the first HEAD_BYTES (or fewer) bytes before the rest is read: returns why the file
   * cannot be of its format, or undefined. A 3 GB file of zeros is then refused after 64 bytes.
   */
  head?: (first: Buffer) => string | undefined;
}

/** Bytes shown to InputOptions.head. */
export const HEAD_BYTES = 64;

/** Why `file` (whose stat is `s`) cannot be read: not a regular file, or too big; undefined when it can. */
function refusal(file: string, s: Stats, opts: InputOptions): InputFileError | undefined {
  const kind = nonRegularReason(file, s);
  if (kind) return new InputFileError(file, kind);
  if (opts.maxBytes === undefined || s.size <= opts.maxBytes) return undefined;
  const shown = formatBytes(s.size) === formatBytes(opts.maxBytes) ? `${formatBytes(s.size)} (${s.size} bytes)` : formatBytes(s.size);
  return new InputFileError(file, `is ${shown}, over the ${formatBytes(opts.maxBytes)} limit${opts.what ? ` of ${opts.what}` : ''}`);
}

function cannotRead(file: string, e: unknown, opts: InputOptions): InputFileError {
  return new InputFileError(file, `cannot read${opts.what ? ` ${opts.what}` : ''} (${describeErrno(e)})`);
}

/** Refuses a missing, non-regular or too big file before it is opened (opening a FIFO would block). */
function checkBeforeOpen(file: string, opts: InputOptions): void {
  let s: Stats;
  try {
    s = statSync(file);
  } catch (e) {
    throw cannotRead(file, e, opts);
  }
  const refused = refusal(file, s, opts);
  if (refused) throw refused;
}

/** An open regular file: its descriptor and its size when it was opened. */
export interface InputFile {
  file: string;
  fd: number;
  size: number;
}

/**
 * Opens a regular file for reading (or for reading and writing with `writable`). Non-regular files
 * are refused before open() — opening a FIFO blocks until a writer comes — and once more on the
 * open descriptor (O_NONBLOCK: the file cannot be swapped for a FIFO in between and hang us).
 */
export function openInputFile(file: string, opts: InputOptions & { writable?: boolean } = {}): InputFile {
  checkBeforeOpen(file, opts);
  let fd: number;
  try {
    fd = openSync(file, (opts.writable ? constants.O_RDWR : constants.O_RDONLY) | constants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(file, e, opts);
  }
  try {
    const now = fstatSync(fd);
    const after = refusal(file, now, opts); // swapped or grown since the stat
    if (after) throw after;
    return { file, fd, size: now.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads `length` bytes at `position` into `into` (at `offset`), in reads of at most 1 GiB;
 * `onShort` makes the error when the file ends first.
 */
export function readExactly(fd: number, into: Uint8Array, offset: number, length: number, position: number, onShort: (got: number) => Error): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, Math.min(READ_CHUNK_BYTES, length - done), position + done);
    if (n === 0) throw onShort(done);
    done += n;
  }
}

function shrank(file: string, size: number): (got: number) => Error {
  return (got) => new InputFileError(file, `the file shrank while it was read (${size} bytes at open, ${got} read)`);
}

/** A whole regular file (at most `maxBytes`). */
export function readInputFile(file: string, opts: InputOptions = {}): Buffer {
  const f = openInputFile(file, opts);
  try {
    const buf = Buffer.allocUnsafe(f.size);
    const first = Math.min(HEAD_BYTES, f.size);
    readExactly(f.fd, buf, 0, first, 0, shrank(file, f.size));
    const refused = opts.head?.(buf.subarray(0, first));
    if (refused) throw new InputFileError(file, refused);
    readExactly(f.fd, buf, first, f.size - first, first, shrank(file, f.size));
    return buf;
  } finally {
    closeSync(f.fd);
  }
}

/** The whole file like readInputFile, without blocking the event loop (images in worker threads). */
export async function readInputFileAsync(file: string, opts: InputOptions = {}): Promise<Buffer> {
  checkBeforeOpen(file, opts);
  let handle: Awaited<ReturnType<typeof openAsync>>;
  try {
    handle = await openAsync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(file, e, opts);
  }
  try {
    const now = await handle.stat();
    const after = refusal(file, now, opts);
    if (after) throw after;
    const buf = Buffer.allocUnsafe(now.size);
    const readRange = async (from: number, to: number): Promise<void> => {
      for (let done = from; done < to; ) {
        const { bytesRead } = await handle.read(buf, done, Math.min(READ_CHUNK_BYTES, to - done), done);
        if (bytesRead === 0) throw shrank(file, now.size)(done);
        done += bytesRead;
      }
    };
    const first = Math.min(HEAD_BYTES, now.size);
    await readRange(0, first);
    const refused = opts.head?.(buf.subarray(0, first));
    if (refused) throw new InputFileError(file, refused);
    await readRange(first, now.size);
    return buf;
  } finally {
    await handle.close();
  }
}

/**
 * Walks the lines of buf[from, end), `from` being a line start: returns the start of the last line
 * (which may continue past `end`), or `{ tooLong }` = the start of a line longer than MAX_LINE_BYTES.
 * One lastIndexOf per MAX_LINE_BYTES, not one call per line: the pair file has 15.7M lines.
 */
function walkLines(buf: Buffer, from: number, end: number): { lastLineStart: number; tooLong?: number } {
  let s = from;
  while (end - s > MAX_LINE_BYTES) {
    const lf = buf.lastIndexOf(0x0a, s + MAX_LINE_BYTES);
    if (lf < s) return { lastLineStart: s, tooLong: s };
    s = lf + 1;
  }
  return { lastLineStart: s };
}

function lineTooLong(file: string, where: string): InputFileError {
  return new InputFileError(file, `${where} is longer than ${formatBytes(MAX_LINE_BYTES)}, the limit of a text line (is this a text file of the expected kind?)`);
}

/**
 * A whole text file (at most `maxBytes`, default MAX_TEXT_FILE_BYTES), read in blocks with every
 * line checked against MAX_LINE_BYTES as it arrives.
 */
export function readTextInput(file: string, opts: InputOptions = {}): Buffer {
  const f = openInputFile(file, { maxBytes: MAX_TEXT_FILE_BYTES, ...opts });
  try {
    const buf = Buffer.allocUnsafe(f.size);
    let lineStart = 0;
    for (let done = 0; done < f.size; ) {
      const want = Math.min(TEXT_CHUNK_BYTES, f.size - done);
      readExactly(f.fd, buf, done, want, done, shrank(file, f.size));
      done += want;
      const walk = walkLines(buf, lineStart, done);
      if (walk.tooLong !== undefined) {
        const before = buf.subarray(0, walk.tooLong);
        let line = 1;
        for (let p = before.indexOf(0x0a); p !== -1; p = before.indexOf(0x0a, p + 1)) line++;
        throw lineTooLong(file, `line ${line}`);
      }
      lineStart = walk.lastLineStart;
    }
    return buf;
  } finally {
    closeSync(f.fd);
  }
}

/**
 * Calls `visit(block, fileSize)` with consecutive blocks of a text file, each ending at a line end
 * (or the file's end), reusing one buffer (`initial` when given); stops early when `visit` returns false.
 * Reads no more than the size the file had when it was opened; refuses lines longer than
 * MAX_LINE_BYTES.
 */
export function forEachLineBlock(file: string, blockBytes: number, visit: (block: Buffer, fileSize: number) => boolean, initial?: Buffer): void {
  const f = openInputFile(file);
  try {
    let buf = initial ?? Buffer.allocUnsafe(blockBytes);
    let kept = 0;
    let position = 0;
    const check = (end: number): void => {
      const walk = walkLines(buf, 0, end);
      if (walk.tooLong !== undefined) throw lineTooLong(file, `the line at byte ${position - kept + walk.tooLong}`);
    };
    for (;;) {
      if (kept === buf.length) {
        check(kept);
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const got = position < f.size ? readSync(f.fd, buf, kept, Math.min(buf.length - kept, f.size - position), position) : 0;
      const end = kept + got;
      if (got === 0) {
        check(end);
        if (end > 0) visit(buf.subarray(0, end), f.size);
        return;
      }
      const lastLf = buf.lastIndexOf(0x0a, end - 1);
      if (lastLf < 0) {
        position += got;
        kept = end;
        continue;
      }
      check(lastLf + 1);
      position += got;
      if (!visit(buf.subarray(0, lastLf + 1), f.size)) return;
      kept = end - lastLf - 1;
      buf.copy(buf, 0, lastLf + 1, end);
    }
  } finally {
    closeSync(f.fd);
  }
}

/**
 * A JSON file (at most MAX_JSON_BYTES), parsed; a syntax error is one line naming the file (the
 * parser's own message can hold a newline and a long excerpt).
 */
export function readJsonInput(file: string, opts: InputOptions = {}): unknown {
  const text = readInputFile(file, { maxBytes: MAX_JSON_BYTES, ...opts }).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // V8 gives a character position for some errors: the line of it goes where `file:line:` does.
    const position = /at position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new DataError(at(file, line, `not valid JSON (${oneLine(message, 120)})`));
  }
}

/** sha256 (hex) of a regular file, read in 16 MiB blocks. */
export function sha256OfInput(file: string, opts: InputOptions = {}): string {
  const f = openInputFile(file, opts);
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.min(TEXT_CHUNK_BYTES, Math.max(1, f.size)));
    for (let done = 0; done < f.size; ) {
      const want = Math.min(buf.length, f.size - done);
      readExactly(f.fd, buf, 0, want, done, shrank(file, f.size));
      hash.update(buf.subarray(0, want));
      done += want;
    }
    return hash.digest('hex');
  } finally {
    closeSync(f.fd);
  }
}
