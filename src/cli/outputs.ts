/**
 * The output sink: every file a command writes is serialised first, then written atomically (temp
 * name + rename) only once the whole computation has succeeded — an error never leaves a
 * half-written or partial set of results.
 */
import { writeFileAtomic } from '../io/atomic-write.js';

export class PendingOutputs {
  private files: { path: string; content: string | Uint8Array }[] = [];

  add(path: string | undefined, content: () => string | Uint8Array): void {
    if (path !== undefined) this.files.push({ path, content: content() });
  }

  /** Writes everything; `-` as a path means stdout. */
  commit(): void {
    for (const f of this.files) {
      if (f.path === '-') process.stdout.write(f.content);
      else writeFileAtomic(f.path, f.content);
    }
  }
}
