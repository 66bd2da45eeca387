/**
 * Reading a text file in blocks of whole lines: the big meta and score files (IJB-C's pair file, a
 * 15.7M-line bob score file) are scanned block by block, never held whole and never split into
 * strings. (The same loop as the private one in ijb-meta.ts, which can import this one.)
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';

/**
 * Calls `visit` with consecutive blocks of the file, each ending at a line end (or the file's end),
 * reusing one buffer (`initial` when given; it grows for a line longer than itself); stops early when
 * `visit` returns false.
 */
export function forEachLineBlock(file: string, blockBytes: number, visit: (block: Buffer) => boolean, initial?: Buffer): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))})`);
  }
  try {
    let buf = initial ?? Buffer.allocUnsafe(blockBytes);
    let kept = 0;
    for (;;) {
      if (kept === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const got = readSync(fd, buf, kept, buf.length - kept, null);
      const end = kept + got;
      if (got === 0) {
        if (end > 0) visit(buf.subarray(0, end));
        return;
      }
      const lastLf = buf.lastIndexOf(0x0a, end - 1);
      if (lastLf < 0) {
        kept = end;
        continue;
      }
      if (!visit(buf.subarray(0, lastLf + 1))) return;
      kept = end - lastLf - 1;
      buf.copy(buf, 0, lastLf + 1, end);
    }
  } finally {
    closeSync(fd);
  }
}
