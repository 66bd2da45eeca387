// Issue 10, groups 7 and 9: non-regular, endless and huge inputs. Every reader of src/io and
// src/extract is given a directory, a FIFO, /dev/null, symlinks to /dev/zero and /dev/urandom, a
// socket, a device node (as root) and sparse 2–3 GB files, in a child process with a timeout: each
// must end in a DataError naming the file and the kind of file, promptly and in bounded memory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_BYTES, MAX_LINE_BYTES, MAX_TEXT_FILE_BYTES } from '../../src/io/input-file.js';
import { deviceNode, fifo, REPO, removeDir, scratchDir, sparseFile, symlink, unixSocket } from './hostile-files.js';

const TEXT_READERS = ['face list', 'landmark list', 'pair file', 'LFW pairs.txt', 'pairs CSV', 'names list', 'MagFace list'];
const BINARY_READERS = ['.npy features', '.npy streamed', '.npy scores', '.bin pack', 'JSON', 'store.json', 'ONNX model', 'image', 'sha256'];
const ALL_READERS = [...TEXT_READERS, ...BINARY_READERS];

interface ProbeLine {
  reader: string;
  file: string;
  ok: boolean;
  error?: string;
  message?: string;
}

const dir = scratchDir();
const bundleDir = join(REPO, 'tmp', `hostile-probe-${process.pid}`);
const cleanups: (() => void)[] = [];
const node = deviceNode(join(dir, 'device'));
const F = {
  folder: join(dir, 'a-folder'),
  pipe: join(dir, 'pipe'),
  zero: join(dir, 'zero.txt'),
  random: join(dir, 'random.npy'),
  socket: join(dir, 'sock'),
  sparseText: join(dir, 'sparse-2g.txt'),
  sparseBinary: join(dir, 'sparse-1.5g.bin'),
  bigJson: join(dir, 'result.json'),
  bigText: join(dir, 'faces.txt'),
};
/** Every check, run in one probe process: [reader, file]. */
const CHECKS: [string, string][] = [
  ...[F.folder, F.pipe, '/dev/null', F.zero, F.random, F.socket, ...(node.path ? [node.path] : [])].flatMap((file) => ALL_READERS.map((r): [string, string] => [r, file])),
  ...TEXT_READERS.map((r): [string, string] => [r, F.sparseText]),
  ...BINARY_READERS.filter((r) => r !== 'sha256').map((r): [string, string] => [r, F.sparseBinary]),
  ['JSON', F.bigJson], ['face list', F.bigText], ['LFW pairs.txt', F.bigText],
];
let results: ProbeLine[] = [];
let maxRssBytes = 0;

beforeAll(async () => {
  mkdirSync(F.folder);
  fifo(F.pipe);
  symlink(F.zero, '/dev/zero');
  symlink(F.random, '/dev/urandom');
  const server = await unixSocket(F.socket);
  cleanups.push(() => server.close());
  sparseFile(F.sparseText, 2 ** 31);
  sparseFile(F.sparseBinary, 1.5 * 2 ** 30);
  sparseFile(F.bigJson, 3e9);
  sparseFile(F.bigText, 2 ** 31 + 1);
  // Bundled inside the repository (its tmp/ is git-ignored) so that the bundle finds node_modules.
  mkdirSync(bundleDir, { recursive: true });
  const probe = join(bundleDir, 'probe.mjs');
  await build({ entryPoints: [join(import.meta.dirname, 'probe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  ({ lines: results, maxRssBytes } = runProbe(probe, CHECKS));
}, 60_000);
afterAll(() => {
  for (const c of cleanups) c();
  removeDir(dir);
  rmSync(bundleDir, { recursive: true, force: true });
});

/** Runs the readers on the files in the probe process; a check that has not answered in 30 s is a hang. */
function runProbe(probe: string, checks: [string, string][]): { lines: ProbeLine[]; maxRssBytes: number } {
  const r = spawnSync(process.execPath, [probe, JSON.stringify(checks)], { cwd: REPO, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 << 20 });
  const out = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const lines = out.filter((l) => 'reader' in l) as ProbeLine[];
  const done = new Set(lines.map((l) => `${l.reader}\0${l.file}`));
  const hung = checks.find(([reader, file]) => !done.has(`${reader}\0${file}`));
  if (hung) throw new Error(`the probe stopped (signal ${r.signal}, status ${r.status}) at ${JSON.stringify(hung)}: ${r.stderr.slice(-2000)}`);
  return { lines, maxRssBytes: out.at(-1).maxRssBytes };
}

const on = (file: string, readers = ALL_READERS): ProbeLine[] => {
  const found = results.filter((l) => l.file === file && readers.includes(l.reader));
  expect(found.length).toBe(readers.length);
  return found;
};

/** `is a FIFO (named pipe)…, not a regular file`, allowing the `(a symlink to …)` the store.json reader's link adds. */
const isKind = (kind: string, target = '[^)]*'): RegExp => new RegExp(`is ${kind.replace(/[()]/g, '\\$&')}( \\(a symlink to ${target}\\))?, not a regular file`);

function expectRefused(lines: ProbeLine[], reason: RegExp): void {
  for (const l of lines) {
    expect(l.ok, `${l.reader} accepted ${l.file}`).toBe(false);
    expect(l.error, `${l.reader} on ${l.file}: ${l.message}`).toMatch(/DataError|InputFileError/);
    // store.json is reached through a symlink named store.json: the message names that.
    expect(l.message, `${l.reader} on ${l.file}`).toContain(l.reader === 'store.json' ? 'store.json' : l.file);
    expect(l.message, `${l.reader} on ${l.file}`).toMatch(reason);
    expect(l.message!.length, `${l.reader}: ${l.message}`).toBeLessThan(400);
    expect(l.message).not.toContain('\n');
  }
}

describe('files that are not regular files are refused by every reader, saying which kind (one probe process)', () => {
  it('a directory', () => expectRefused(on(F.folder), isKind('a directory')));
  it('a FIFO nobody writes to: refused at once, never opened (the open would block)', () => expectRefused(on(F.pipe), isKind('a FIFO (named pipe)')));
  it('/dev/null and symlinks to /dev/zero and /dev/urandom (endless): character devices, the target named', () => {
    expectRefused(on('/dev/null'), isKind('a character device'));
    expectRefused(on(F.zero), /is a character device \(a symlink to \/dev\/zero\), not a regular file/);
    expectRefused(on(F.random), /is a character device \(a symlink to \/dev\/urandom\), not a regular file/);
  });
  it('a unix socket', () => expectRefused(on(F.socket), isKind('a socket')));
  it.skipIf(node.skipReason !== undefined)(`a device node made with mknod${node.skipReason ? ` (skipped: ${node.skipReason})` : ''}`, () => {
    expectRefused(on(node.path!), isKind('a character device'));
  });
});

describe('huge and endless regular files: refused by size, first bytes or line length, in bounded memory', () => {
  it(`a sparse 2 GiB file without a newline: every text reader stops at its first ${MAX_LINE_BYTES >> 20} MiB line`, () => {
    expectRefused(on(F.sparseText, TEXT_READERS), /is longer than 1 MiB, the limit of a text line/);
  });
  it('binary readers refuse a sparse 1.5 GiB file by its first bytes or its size, without reading it', () => {
    const reason: Record<string, RegExp> = {
      '.npy features': /not a \.npy file/, '.npy streamed': /not a \.npy file/, '.npy scores': /not a \.npy file/,
      '.bin pack': /not a pickle/, JSON: /is 1\.5 GiB, over the 128 MiB limit/, 'store.json': /is 1\.5 GiB, over the 128 MiB limit/,
      'ONNX model': /not a valid ONNX model \(protobuf field number 0 at byte 0/, image: /is 1\.5 GiB, over the 256 MiB limit of the image/,
    };
    for (const l of on(F.sparseBinary, BINARY_READERS.filter((r) => r !== 'sha256'))) expectRefused([l], reason[l.reader]);
  });
  it(`a 3 GB JSON (a results file): over the ${MAX_JSON_BYTES >> 20} MiB limit; a text file over ${MAX_TEXT_FILE_BYTES / 2 ** 30} GiB`, () => {
    expectRefused(on(F.bigJson, ['JSON']), /is 2\.8 GiB, over the 128 MiB limit/);
    expectRefused(on(F.bigText, ['face list', 'LFW pairs.txt']), /is 2 GiB \(2147483649 bytes\), over the 2 GiB limit/);
  });
  it('all of it (endless devices, 9 GB of sparse files) in under 512 MiB of peak memory', () => {
    expect(maxRssBytes).toBeGreaterThan(0);
    expect(maxRssBytes).toBeLessThan(512 << 20);
  });
});
