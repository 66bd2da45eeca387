/**
 * The hostile-input issue's reproductions through the real command line: each ends in exit 2 with one
 * line (naming the file and what was wrong), or in the right answer — within seconds, nothing
 * written. The io / extract layers are tested case by case in the other files of this folder.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runInProcess, tempDir } from '../helpers/cli.js';
import { fifo, npyWithHeader, sparseFile, SVG_BOMB, symlink } from './hostile-files.js';

const DEMO = 'fixtures/ijb-demo';
const F = `${DEMO}/arcface-r18/features.npy`;
const IMAGES = 'fixtures/ijb-images';
const MODEL = 'fixtures/models/tiny-a32.onnx';

/** Exit 2, one stderr line matching `message`, nothing on stdout. */
function oneLine(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe('');
}

function demoCopy(): string {
  const d = tempDir();
  cpSync(join(DEMO, 'meta'), join(d, 'meta'), { recursive: true });
  return d;
}

describe('non-regular, endless and huge inputs end at once (real bin, timed)', () => {
  it('a FIFO as the pair file, a symlink to /dev/urandom as the face list, a directory as the pair file, a sparse 2 GB pair file', async () => {
    const pairs = 'meta/ijbc_template_pair_label.txt';
    const faces = 'meta/ijbc_face_tid_mid.txt';
    const cases: [string, (path: string) => void, RegExp][] = [
      [pairs, (p) => fifo(p), /ijbc_template_pair_label\.txt: .*FIFO/],
      [faces, (p) => symlink(p, '/dev/urandom'), /ijbc_face_tid_mid\.txt: .*character device.*\/dev\/urandom/],
      [pairs, (p) => mkdirSync(p), /ijbc_template_pair_label\.txt: .*(folder|directory)/],
      [pairs, (p) => sparseFile(p, 2 ** 31 + 10), /ijbc_template_pair_label\.txt:/],
    ];
    for (const [file, breakIt, message] of cases) {
      const d = demoCopy();
      rmSync(join(d, file));
      breakIt(join(d, file));
      const t0 = performance.now();
      const r = await runCli(['ijb', '--root', d, '--features', F, '--quiet']);
      expect(performance.now() - t0).toBeLessThan(10_000);
      oneLine(r, message);
    }
  });
  it('a FIFO as features, as a result JSON of gate; a 3 GB sparse result JSON', async () => {
    const d = tempDir();
    oneLine(await runCli(['ijb', '--root', DEMO, '--features', fifo(join(d, 'f.npy')), '--quiet']), /f\.npy: .*FIFO/);
    const base = join(d, 'base.json');
    expect((await runInProcess(['ijb', '--root', DEMO, '--features', F, '--far', '1e-2', '--json', base, '--quiet'])).code).toBe(0);
    oneLine(await runCli(['gate', '--baseline', base, '--current', fifo(join(d, 'r.json'))]), /r\.json: .*FIFO/);
    oneLine(await runCli(['gate', '--baseline', base, '--current', sparseFile(join(d, 'big.json'), 3 * 2 ** 30)]), /big\.json: .*(limit|too large|bytes)/);
  });
});

describe('impossible values and absurd sizes', () => {
  it('npy shapes numpy refuses, and absurd shapes, are one line naming the file (no allocation)', async () => {
    const d = tempDir();
    for (const [shape, data] of [['(0x208, 64)', 520 * 64 * 4], ['(520e0, 64)', 520 * 64 * 4], ['(64.0, 520)', 520 * 64 * 4], ['(0, 2**52)', 0], ['(520, 16777216)', 64]] as const) {
      const f = npyWithHeader(join(d, 'x.npy'), `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`, data);
      const r = await runInProcess(['ijb', '--root', DEMO, '--features', f, '--quiet']);
      oneLine(r, /x\.npy: /);
    }
  });
  it('an LFW pairs.txt header announcing 10⁹ × 10⁹ pairs', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'pairs.txt'), '1000000000\t1000000000\nA\t1\t2\n');
    oneLine(await runInProcess(['lfw', '--pairs', join(d, 'pairs.txt'), '--names', 'fixtures/lfw-demo/names.txt', '--features', 'fixtures/lfw-demo/features.npy']), /pairs\.txt:/);
  });
  it('a detector score written 0x1 is refused as numpy would', async () => {
    const d = demoCopy();
    const file = join(d, 'meta/ijbc_name_5pts_score.txt');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2].replace(/\S+$/, '0x1');
    writeFileSync(file, lines.join('\n'));
    oneLine(await runInProcess(['ijb', '--root', d, '--features', F, '--aggregate', 'insightface', '--quiet']), /ijbc_name_5pts_score\.txt:3: .*'0x1'/);
  });
  it('a 50 MB token in the pair file is echoed cut to ~40 characters', async () => {
    const d = demoCopy();
    writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), `1000 5000 1\n1000 ${'7'.repeat(50 * 2 ** 20)}x 0\n`);
    const r = await runInProcess(['ijb', '--root', d, '--features', F, '--quiet']);
    oneLine(r, /ijbc_template_pair_label\.txt: the line at byte 12 is longer than 1 MiB/);
    expect(r.stderr.length).toBeLessThan(400);
  });
  it('a result JSON that does not parse: one line', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'bad.json'), '{\n  "schemaVersion": 2,\n  "protocol": \n}\n');
    oneLine(await runInProcess(['compare', join(d, 'bad.json')]), /bad\.json(:\d+)?: not valid JSON/);
  });
});

describe('extraction: images, models and stores (real bin)', () => {
  it('an SVG named .jpg is not decoded (no 200 s, no GB): exit 2 naming it; with --skip-bad a bad face', async () => {
    const root = tempDir();
    cpSync(IMAGES, root, { recursive: true });
    writeFileSync(join(root, 'loose_crop', '3.jpg'), SVG_BOMB);
    const out = join(tempDir(), 'store');
    const r = await runCli(['extract', '--model', MODEL, '--root', root, '--out', out, '--ep', 'cpu', '--quiet']);
    oneLine(r, /3\.jpg: .*(not a JPEG|format|SVG)/i);
    expect(existsSync(out)).toBe(false);
    const skip = await runCli(['extract', '--model', MODEL, '--root', root, '--out', out, '--ep', 'cpu', '--quiet', '--skip-bad']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'store.json'), 'utf8')).badFaces.map((b: { face: number }) => b.face)).toEqual([2]);
  });
  it('an empty file as the model: "not a valid ONNX model", before any provider is tried', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'empty.onnx'), '');
    const r = await runCli(['extract', '--model', join(d, 'empty.onnx'), '--root', IMAGES, '--out', join(d, 'store'), '--quiet']);
    oneLine(r, /empty\.onnx: .*not a valid ONNX model/);
    expect(readdirSync(d)).toEqual(['empty.onnx']);
  });
  it('--out an existing file: exit 2, the file untouched', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'taken'), 'x');
    oneLine(await runCli(['extract', '--model', MODEL, '--root', IMAGES, '--out', join(d, 'taken'), '--quiet']), /taken: exists and is not a folder/);
    expect(readFileSync(join(d, 'taken'), 'utf8')).toBe('x');
  });
  it('a store locked by a live process: the second writer exits 2 naming the holder', async () => {
    const d = tempDir();
    const out = join(d, 'store');
    mkdirSync(out);
    const { hostname } = await import('node:os');
    writeFileSync(join(out, 'store.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date(0).toISOString() }));
    const r = await runCli(['extract', '--model', MODEL, '--root', IMAGES, '--out', out, '--ep', 'cpu', '--quiet']);
    oneLine(r, new RegExp(`in use by another facebench process \\(pid ${process.pid}`));
  });
});
