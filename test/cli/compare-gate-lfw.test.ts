/** compare and gate on the JSON that `lfw` writes: several datasets in one file, pair counts checked. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, runInProcess, tempDir, type CliRun } from '../helpers/cli.js';

const L = join(REPO, 'fixtures/lfw-demo');

describe('compare and gate on lfw results', () => {
  const dir = tempDir();
  const multi = join(dir, 'multi.json');
  const single = join(dir, 'single.json');
  let r1: CliRun;
  let r2: CliRun;
  beforeAll(async () => {
  r1 = await runCli(['lfw', '--bin', join(L, 'demo.bin'), '--features', join(L, 'demo_features.npy'), '--bin', join(L, 'demo.bin'), '--features', join(L, 'demo_features_flip.npy'), '--label', 'a', '--label', 'b', '--json', multi, '--quiet']);
  r2 = await runInProcess(['lfw', '--pairs', join(L, 'pairs.txt'), '--names', join(L, 'names.txt'), '--features', join(L, 'features.npy'), '--json', single, '--quiet']);
  });

  it('compare shows one row per dataset of a multi-dataset file', async () => {
    expect([r1.code, r2.code], r1.stderr + r2.stderr).toEqual([0, 0]);
    const doc = JSON.parse(readFileSync(multi, 'utf8'));
    const r = await runInProcess(['compare', multi, '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((c) => [c[1], c[3], Number(c[4])])).toEqual(doc.results.map((d: { dataset: string; accuracy: { mean: number } }) => [d.dataset, 'accuracy', d.accuracy.mean]));
  });

  it('gate passes a multi-dataset file against itself and checks every dataset', async () => {
    const r = await runInProcess(['gate', '--baseline', multi, '--current', multi]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^a\s+accuracy/m);
    expect(r.stdout).toMatch(/^b\s+accuracy/m);
  });

  it('gate refuses results computed on different pair sets (exit 2)', async () => {
    const doc = JSON.parse(readFileSync(single, 'utf8'));
    doc.results[0].counts.pairs -= 3;
    doc.results[0].counts.impostor -= 3;
    const fewer = join(dir, 'fewer.json');
    writeFileSync(fewer, JSON.stringify(doc));
    const r = await runInProcess(['gate', '--baseline', single, '--current', fewer]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not comparable/);
  });
});

describe('compare warns about rows that are not comparable', () => {
  it('different TAR@FAR rules on one dataset', async () => {
    const dir = tempDir();
    const R = join(REPO, 'fixtures/ijb-demo');
    const args = (rule: string, out: string) => ['ijb', '--root', R, '--features', join(R, 'magface-r18/features.npy'), '--rule', rule, '--json', out, '--quiet'];
    expect((await runInProcess(args('nearest', join(dir, 'n.json')))).code).toBe(0);
    expect((await runInProcess(args('le', join(dir, 'l.json')))).code).toBe(0);
    const r = await runInProcess(['compare', join(dir, 'n.json'), join(dir, 'l.json')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: IJBC results use different TAR@FAR rules \(nearest, le\)/);
    const same = await runInProcess(['compare', join(dir, 'n.json'), join(dir, 'n.json')]);
    expect(same.stderr).not.toMatch(/warning/);
  });
});
