/**
 * Outputs pointed at special files (issue: hostile inputs, items 1 and 9): a device, a FIFO or a link
 * to a process's stdout is written in place, never renamed over; a full device or a full stdout is
 * exit 2 with one line. Root only where a device node is made (mknod).
 */
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli, tempDir } from '../helpers/cli.js';

const ijb = (...extra: string[]): string[] => ['ijb', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/arcface-r18/features.npy', '--far', '1e-2', '--quiet', ...extra];
const isRoot = process.getuid?.() === 0;

describe('outputs into special files', () => {
  it.runIf(isRoot)('a character device (mknod c 1 7 = /dev/full) stays a device; ENOSPC is exit 2 and leaves the other outputs unwritten', async () => {
    const d = tempDir();
    execFileSync('mknod', [join(d, 'full'), 'c', '1', '7']);
    const r = await runCli(ijb('--json', join(d, 'full'), '--csv', join(d, 'r.csv')));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`facebench: ${join(d, 'full')}: cannot write (ENOSPC)\n`);
    expect(lstatSync(join(d, 'full')).isCharacterDevice()).toBe(true);
    expect(() => lstatSync(join(d, 'r.csv'))).toThrow();
  });
  it('a symlink to /proc/self/fd/1 writes into stdout and stays a link', async () => {
    const d = tempDir();
    symlinkSync('/proc/self/fd/1', join(d, 'out'));
    const r = await runCli(ijb('--json', join(d, 'out')));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)).protocol).toBe('ijb-1v1');
    expect(lstatSync(join(d, 'out')).isSymbolicLink()).toBe(true);
  });
  it('a FIFO is written in place (a reader gets the JSON), and stays a FIFO', async () => {
    const d = tempDir();
    const fifo = join(d, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (b) => (got += b));
    const done = new Promise((ok) => reader.on('close', ok));
    const r = await runCli(ijb('--json', fifo));
    await done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(got).protocol).toBe('ijb-1v1');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
  it('stdout on a full device: exit 2, one line', async () => {
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" ${ijb('--json', '-').join(' ')} > /dev/full`], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    sh.stderr.on('data', (b) => (err += b));
    expect(await new Promise((ok) => sh.on('close', ok))).toBe(2);
    expect(err).toBe('facebench: cannot write to stdout (ENOSPC)\n');
    expect(readFileSync('/dev/null', 'utf8')).toBe('');
  });
});
