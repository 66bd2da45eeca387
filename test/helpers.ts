/** Shared test helpers: run the real CLI, make temp folders and small result documents. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'facebench.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/facebench.js ...args` (built by `npm test`'s pretest). */
export function runCli(args: string[], cwd = ROOT): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'facebench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TinyRow {
  aggregation: string;
  tar: Record<string, number | null | string>;
  ci?: Record<string, [number, number]>;
}

/** A minimal ijb-1v1 result document (what `ijb --json` writes, less the fields gate/compare ignore). */
export function ijbDoc(rows: TinyRow[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    tool: { name: 'facebench', version: '0.1.0' },
    protocol: 'ijb-1v1',
    target: 'IJBC',
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
