/** Shared test helpers: the CLI runner (helpers/cli.ts) and small result documents. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export { BIN, REPO, REPO as ROOT, runCli, runInProcess, tempDir, type CliRun } from './helpers/cli.js';

export interface TinyRow {
  aggregation: string;
  tar: Record<string, number | null | string>;
  ci?: Record<string, [number, number]>;
}

/** A minimal ijb-1v1 result document (what `ijb --json` writes, less the fields gate/compare ignore). */
export function ijbDoc(rows: TinyRow[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    tool: { name: 'facebench', version: '0.1.0' },
    protocol: 'ijb-1v1',
    dataset: 'IJBC',
    rule: 'nearest',
    counts: { images: 10, templates: 4, pairs: 100, genuine: 10, impostor: 90 },
    results: rows.map((r) => ({ aggregation: r.aggregation, tar_at_far: r.tar, ...(r.ci ? { tar_ci: r.ci } : {}) })),
    warnings: [],
    ...extra,
  };
}

export function writeJson(dir: string, name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}
