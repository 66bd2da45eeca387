/**
 * The one way tests run the real built CLI (`npm test` builds dist/ first): an async child process,
 * so a test never blocks the vitest worker that must keep answering the runner; and temp folders that
 * are removed when the test file ends (test/setup.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'facebench.js');

export interface CliRun {
  /** Exit code (or -1 when killed by a signal). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin (which is closed afterwards). */
  input?: string;
  /** What fd 1 of the child is: captured (default), or a file path opened for writing. */
  stdio?: ['pipe' | 'ignore', 'pipe' | 'ignore' | number, 'pipe'];
}

/** Runs `node bin/facebench.js ...args` and resolves once it has exited. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? -1, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (child.stdin) child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs a command line in this process (src/cli/run.ts, with stdout and stderr captured): the same
 * code as the bin without the ~0.2 s of CPU a new Node process costs. For the many argument and
 * bad-input checks; what depends on the process itself (exit on a closed pipe, fd 1, TMPDIR, the
 * bundle in dist/) is tested through `runCli`.
 */
export async function runInProcess(args: string[]): Promise<CliRun> {
  const { main } = await import('../../src/cli/run.js');
  const out: Buffer[] = [];
  let err = '';
  const code = await main(args, { stdout: (d) => void out.push(Buffer.from(d)), stderr: (t) => void (err += t), stderrIsTTY: false });
  return { code, signal: null, stdout: Buffer.concat(out).toString('utf8'), stderr: err };
}

const created: string[] = [];

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'facebench-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}
