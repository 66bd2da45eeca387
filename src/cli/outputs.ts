/**
 * The output sink: every file a command writes is serialised first and written only once the whole
 * computation has succeeded, in two phases — all temporary files first, then all renames — so an
 * error never leaves a half-written file or a partial set of results. What goes to stdout is
 * printed after the files, so a failed write prints no result table either.
 */
import { writeTempFile } from '../io/atomic-write.js';
import { renameSync, rmSync } from 'node:fs';
import { DataError } from '../errors.js';


export class PendingOutputs {
  private files: { path: string; content: string | Uint8Array }[] = [];
  private printed: (string | Uint8Array)[] = [];

  /** A file to write (`-` means stdout); `content` is only serialised when `path` is given. */
  add(path: string | undefined, content: () => string | Uint8Array): void {
    if (path === '-') this.printed.push(content());
    else if (path !== undefined) this.files.push({ path, content: content() });
  }

  /** Text for stdout, printed after the files are in place. */
  print(text: string): void {
    this.printed.push(text);
  }

  commit(): void {
    const temps: { tmp: string; path: string }[] = [];
    try {
      for (const f of this.files) temps.push({ tmp: writeTempFile(f.path, f.content), path: f.path });
    } catch (e) {
      for (const t of temps) rmSync(t.tmp, { force: true });
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
    for (const p of this.printed) process.stdout.write(p);
  }
}
