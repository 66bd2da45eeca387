/** `facebench quality` through the command line: sets, sources, pictures, the JSON contract and bad flags. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runInProcess, tempDir } from '../helpers/cli.js';

const DEMO = 'fixtures/ijb-demo';
const IJB = ['quality', '--root', DEMO, '--features', `${DEMO}/magface-r18/features.npy`];

describe('facebench quality', () => {
  it('IJB 1:1 on the demo set: the table, the JSON, and the pictures in a folder it creates; byte-identical reruns', async () => {
    const d = tempDir();
    const r = await runInProcess([...IJB, '--json', join(d, 'q.json'), '--plots', join(d, 'plots'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^quality\s+0%\s+20%\s+40%/m);
    expect(r.stdout).toMatch(/^norm\s+\d+\.\d\d\s+\d+\.\d\d/m);
    expect(r.stdout).toMatch(/^random\s+\d+\.\d\d/m);
    const doc = JSON.parse(readFileSync(join(d, 'q.json'), 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'quality', starting_error: 0.05, pauc_limit: 0.2 });
    expect(doc.results.map((x: { quality: string }) => x.quality)).toEqual(['norm', 'random']);
    expect(readdirSync(join(d, 'plots')).sort()).toEqual(['edc.svg', 'erc.svg', 'histogram.svg']);
    // No images in ijb-demo: the strip is skipped and said so.
    expect(r.stderr).toMatch(/warning: IJBC: no images at hand/);
    const again = await runInProcess([...IJB, '--json', join(d, 'q2.json'), '--plots', join(d, 'plots2'), '--quiet']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(d, 'q2.json'), 'utf8')).toBe(readFileSync(join(d, 'q.json'), 'utf8'));
  });

  it('a feature store of the image fixture (real bin): the average-face strip per magnitude decile', async () => {
    const d = tempDir();
    const store = join(d, 'store');
    expect((await runInProcess(['extract', '--model', 'fixtures/models/tiny-b64.onnx', '--root', 'fixtures/ijb-images', '--out', store, '--flip', '--ep', 'cpu', '--quiet'])).code).toBe(0);
    const r = await runCli(['quality', '--root', 'fixtures/ijb-images', '--features', store, '--fmr', '1e-2', '--plots', join(d, 'plots'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const png = readFileSync(join(d, 'plots', 'faces-IJBC.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  const bad: [string, string[], string][] = [
    ['no pair set', ['quality', '--features', 'f.npy'], 'give exactly one pair set: --pairs, --pairs-csv, --bin (repeatable) or --root (IJB) (see facebench help quality)'],
    ['two kinds of pair set', [...IJB, '--bin', 'x.bin'], 'give exactly one pair set: --pairs, --pairs-csv, --bin (repeatable) or --root (IJB) (see facebench help quality)'],
    ['--names with --root', [...IJB, '--names', 'n.txt'], '--names does not go with --root (an IJB set names its faces in its meta files)'],
    ['--aggregate without --root', ['quality', '--bin', 'x.bin', '--features', 'f.npy', '--aggregate', 'plain'], '--aggregate only applies with --root (an IJB set)'],
    ['--features count', ['quality', '--bin', 'x.bin', '--bin', 'y.bin', '--features', 'f.npy'], '2 data set(s) but 1 --features: give one per data set, in order'],
    ['a reserved source name', [...IJB, '--quality-file', 'random=q.txt'], "--quality-file random=…: 'random' is the name of a built-in source; choose another"],
    ['a quality file given too often', [...IJB, '--quality-file', 'a=q.txt', '--quality-file', 'a=r.txt'], '--quality-file a=… is given 2 times for 1 data set(s): one per data set'],
    ['--quality other than norm', [...IJB, '--quality', 'sharpness'], "--quality must be one of norm; got 'sharpness'"],
    ['--starting-error out of range', [...IJB, '--starting-error', '1.5'], "--starting-error must be a number in (0, 1); got '1.5'"],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses: ${name}`, async () => {
      const r = await runInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`facebench: ${message}\n`);
    });
  }
});
