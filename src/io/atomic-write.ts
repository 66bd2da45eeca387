/**
 * Writes go to a temporary name in the destination's folder and are renamed into place, so that a
 * crash or a later error never leaves a half-written result behind.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors.js';

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // The folder itself is unusable (e.g. a file where a folder should be): nothing was written.
  }
}

/** Writes `content` next to `file` under a temporary name and returns that name. */
export function writeTempFile(file: string, content: string | Uint8Array): string {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  // A folder in the way would only fail at the rename, after other outputs were renamed into place.
  let isFolder = false;
  try {
    isFolder = statSync(file).isDirectory();
  } catch {
    // Missing (the usual case) or unreachable: writing below reports the latter.
  }
  if (isFolder) throw new DataError(`${file}: cannot write (EISDIR: it is a folder)`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, content);
    return tmp;
  } catch (e) {
    removeQuietly(tmp);
    throw new DataError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = writeTempFile(file, content);
  try {
    renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw new DataError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
