/**
 * Everything a command writes goes through here, in two steps.
 *
 * 1. `checkOutputs`, before any work: at most one output on stdout (`-`, `/dev/stdout`, `/dev/fd/1`),
 *    no two outputs on one path, no output on an input, the parent folder must exist (nothing is
 *    created that the user did not name), no folder where a file goes.
 * 2. `PendingOutputs.commit`, after the whole computation succeeded: all temporary files first, then
 *    writes into special files, then all renames, then stdout — so an error never leaves a
 *    half-written file or a partial set of results. A regular file is replaced by rename; a device,
 *    FIFO or terminal is written in place (renaming over `/dev/null` or a pipe would destroy it).
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeTempFile } from '../io/atomic-write.js';
import { DataError, UsageError } from '../errors.js';

export interface OutputRequest {
  /** The flag that names it, for messages (`--json`). */
  flag: string;
  path: string;
  /** `folder`: the command writes files into it (`--scores DIR`); created when missing. */
  kind?: 'file' | 'folder';
  /** For folders: the names of the files that will be written inside. */
  files?: string[];
}

export interface InputRequest {
  flag: string;
  path: string;
}

const STDOUT_ALIASES = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/** `-`, the paths that mean this process's stdout, and symlinks to them. */
function isStdout(path: string): boolean {
  let p = path;
  for (let hop = 0; hop < 16; hop++) {
    if (STDOUT_ALIASES.has(p)) return true;
    try {
      p = resolve(dirname(p), readlinkSync(p));
    } catch {
      return false; // not a symlink (or not there): not stdout
    }
  }
  return false;
}

/** Where a path leads once symlinks are followed (the path itself when it does not exist yet). */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * True when this process was started with fd 1 closed (`>&-`): Node then reopens it on /dev/null
 * read-write, where a shell's `> /dev/null` opens it write-only — so writes "succeed" into nothing.
 */
function stdoutWasClosed(): boolean {
  try {
    if (readlinkSync('/proc/self/fd/1') !== '/dev/null') return false;
    const flags = /^flags:\s*(\d+)$/m.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'));
    return flags !== null && (parseInt(flags[1], 8) & 3) === 2; // O_RDWR
  } catch {
    return false; // not Linux, or no /proc: nothing to tell
  }
}

/** Refuses outputs that would clash with each other or with an input, or need folders created. */
export function checkOutputs(outputs: OutputRequest[], inputs: InputRequest[]): void {
  const stdout = outputs.filter((o) => isStdout(o.path));
  if (stdout.length > 1) throw new UsageError(`${stdout.map((o) => o.flag).join(' and ')} all write to stdout: at most one output may go there`);
  if (stdout.length === 1 && stdoutWasClosed()) throw new DataError(`cannot write to stdout (EBADF: stdout is closed), which ${stdout[0].flag} - asks for`);
  const inputAt = new Map<string, string>();
  for (const i of inputs) inputAt.set(canonical(i.path), i.flag);
  const taken = new Map<string, string>();
  const claim = (path: string, flag: string): void => {
    const c = canonical(path);
    const input = inputAt.get(c);
    if (input) throw new UsageError(`${flag} ${path} is the input of ${input}: refusing to overwrite an input`);
    const other = taken.get(c);
    if (other) throw new UsageError(`${other} and ${flag} both write ${path}: give each output its own path`);
    taken.set(c, flag);
  };
  for (const o of outputs) {
    if (isStdout(o.path)) continue;
    const parent = dirname(resolve(o.path));
    const parentStat = statOrUndefined(parent);
    if (!parentStat) throw new UsageError(`${o.flag} ${o.path}: folder ${dirname(o.path)} does not exist`);
    if (!parentStat.isDirectory()) throw new UsageError(`${o.flag} ${o.path}: ${dirname(o.path)} is not a folder`);
    const st = statOrUndefined(o.path);
    if (o.kind === 'folder') {
      if (st && !st.isDirectory()) throw new UsageError(`${o.flag} ${o.path}: exists and is not a folder`);
      claim(o.path, o.flag);
      for (const f of o.files ?? []) claim(join(o.path, f), o.flag);
      continue;
    }
    if (st?.isDirectory()) throw new UsageError(`${o.flag} ${o.path}: is a folder; give a file name`);
    if (st?.isSocket()) throw new UsageError(`${o.flag} ${o.path}: is a socket; give a file name`);
    claim(o.path, o.flag);
  }
}

/** Writing to stdout failed because the reader went away (`| head`): end quietly. */
export class StdoutClosed extends Error {}

/** Writes all of `data` to fd 1, synchronously (so the exit code can follow a failed write). */
export function writeStdout(data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a non-blocking pipe is full: wait for the reader
        continue;
      }
      if (code === 'EPIPE') throw new StdoutClosed();
      throw new DataError(`cannot write to stdout (${code === 'EBADF' ? 'EBADF: stdout is closed' : (code ?? String(e))})`);
    }
  }
}

/** Writes into an existing special file (device, FIFO, terminal) without replacing it. */
function writeInPlace(path: string, content: string | Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } catch (e) {
    throw new DataError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A path that is written in place: an existing non-regular file, or anything under /dev or /proc. */
function isSpecialTarget(path: string): boolean {
  const abs = resolve(path);
  if (abs.startsWith('/dev/') || abs.startsWith('/proc/')) return true;
  try {
    lstatSync(abs);
  } catch {
    return false;
  }
  const target = canonical(abs);
  if (target.startsWith('/dev/') || target.startsWith('/proc/')) return true;
  const st = statOrUndefined(abs);
  return st !== undefined && !st.isFile();
}

interface PendingFile {
  path: string;
  content: string | Uint8Array;
}

export class PendingOutputs {
  private readonly files: PendingFile[] = [];
  private readonly folders: string[] = [];
  private stdoutText: (string | Uint8Array)[] = [];

  /** A file to write (`-` or a stdout alias: stdout); `content` is only serialised when `path` is given. */
  add(path: string | undefined, content: () => string | Uint8Array): void {
    if (path === undefined) return;
    if (isStdout(path)) this.stdoutText.push(content());
    else this.files.push({ path, content: content() });
  }

  /** A folder output (created at commit when missing, removed again if the commit fails). */
  addFolder(path: string): void {
    this.folders.push(path);
  }

  /** Text for stdout, printed after the files are in place. */
  print(text: string): void {
    this.stdoutText.push(text);
  }

  /** True when something will be printed on stdout. */
  get printsToStdout(): boolean {
    return this.stdoutText.length > 0;
  }

  /** Writes everything; `stdout` receives what goes to stdout (the process's fd 1 by default). */
  commit(stdout: (data: string | Uint8Array) => void): void {
    const created: string[] = [];
    const temps: { tmp: string; path: string }[] = [];
    const undo = (): void => {
      for (const t of temps) rmSync(t.tmp, { force: true });
      for (const d of created.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // Not empty: keep it (only files of this run could be there, and none were renamed in).
        }
      }
    };
    const special = this.files.filter((f) => isSpecialTarget(f.path));
    const regular = this.files.filter((f) => !isSpecialTarget(f.path));
    try {
      for (const d of this.folders) {
        if (!existsSync(d)) {
          mkdirSync(d);
          created.push(d);
        }
      }
      for (const f of regular) {
        const target = canonical(f.path); // a symlink to a regular file: replace the file, keep the link
        temps.push({ tmp: writeTempFile(target, f.content), path: target });
      }
    } catch (e) {
      undo();
      throw e instanceof DataError ? e : new DataError(`cannot write outputs (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    // Special files before the renames: a device that fails (/dev/full) must not leave the other outputs behind.
    try {
      for (const f of special) writeInPlace(f.path, f.content);
    } catch (e) {
      undo();
      throw e;
    }
    for (const [k, t] of temps.entries()) {
      try {
        renameSync(t.tmp, t.path);
      } catch (e) {
        for (const rest of temps.slice(k)) rmSync(rest.tmp, { force: true });
        throw new DataError(`${t.path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    }
    for (const p of this.stdoutText) stdout(p);
  }
}
