/** `facebench cluster` through the command line: baselines, a predicted file, labels and plot outputs, compare / gate, bad flags. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, tempDir } from '../helpers/cli.js';

const D = 'fixtures/cluster-demo';
const BASE = ['cluster', '--features', `${D}/features.npy`, '--labels', `${D}/labels.meta`];

describe('facebench cluster', () => {
  it('the fixture set: three baselines and a predicted file, the issue\'s metrics, labels and the scatter written', async () => {
    const d = tempDir();
    const r = await runInProcess([...BASE, '--predicted', `${D}/pred_labels.txt`, '--method', 'fasthac,knn-dbscan,magnitude-peaks', '--json', join(d, 'c.json'), '--write-labels', join(d, 'labels'), '--plots', join(d, 'plots'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fasthac\s+distance=0\.72\s+/m);
    expect(r.stdout).toMatch(/^pred_labels \(given\)/m);
    const doc = JSON.parse(readFileSync(join(d, 'c.json'), 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'cluster', faces: 600, classes: 40 });
    expect(doc.results.map((x: { method: string }) => x.method)).toEqual(['fasthac', 'knn-dbscan', 'magnitude-peaks', 'predicted']);
    expect(readdirSync(join(d, 'labels')).sort()).toEqual(['fasthac.txt', 'knn-dbscan.txt', 'magnitude-peaks.txt']);
    // A written label file scored as --predicted gives its baseline's numbers.
    const again = await runInProcess([...BASE, '--predicted', join(d, 'labels', 'fasthac.txt'), '--json', '-']);
    const scored = JSON.parse(again.stdout).results[0];
    expect([scored.pairwise, scored.bcubed, scored.nmi]).toEqual([doc.results[0].pairwise, doc.results[0].bcubed, doc.results[0].nmi]);
    expect(readFileSync(join(d, 'plots', 'magnitude-density.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('compare and gate read cluster results: rows are clusterings, metrics F / NMI', async () => {
    const d = tempDir();
    const a = join(d, 'a.json');
    expect((await runInProcess([...BASE, '--method', 'fasthac', '--json', a, '--quiet'])).code).toBe(0);
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    doc.results[0].bcubed.f -= 0.01;
    const b = join(d, 'b.json');
    writeFileSync(b, JSON.stringify(doc));
    const c = await runInProcess(['compare', a, b, '--format', 'json']);
    expect(JSON.parse(c.stdout).columns).toEqual(['pairwise_f', 'bcubed_f', 'nmi']);
    expect((await runInProcess(['gate', '--baseline', a, '--current', b, '--metric', 'bcubed_f'])).code).toBe(1);
    expect((await runInProcess(['gate', '--baseline', a, '--current', b, '--metric', 'pairwise_f,nmi', '--aggregation', 'fasthac'])).code).toBe(0);
  });

  const bad: [string, string[], string][] = [
    ['no truth', ['cluster', '--features', `${D}/features.npy`], 'give the true identities: --labels FILE, or an IJB-B protocol with --root DIR --subset N (see facebench help cluster)'],
    ['--root without --subset', ['cluster', '--features', `${D}/features.npy`, '--root', 'x'], '--root needs --subset N (the protocol of N subjects: 32, 64, …, 1845)'],
    ['a .bin without --dim', ['cluster', '--features', `${D}/features.bin`, '--labels', `${D}/labels.meta`], `--features ${D}/features.bin: a raw .bin needs --dim D (values per face)`],
    ['--dim with .npy', [...BASE, '--dim', '96'], '--dim only applies to a raw .bin feature file'],
    ['an unknown method', [...BASE, '--method', 'kmeans'], "--method must be one of fasthac, knn-dbscan, magnitude-peaks; got 'kmeans'"],
    ['a method twice', [...BASE, '--method', 'fasthac,fasthac'], "--method: 'fasthac,fasthac' names a method twice"],
    ['--distance out of range', [...BASE, '--distance', '3'], '--distance 3: expected a distance between unit vectors, in (0, 2)'],
    ['--write-labels with no baseline', [...BASE, '--predicted', `${D}/pred_labels.txt`, '--write-labels', 'x'], "--write-labels writes the baselines' labels: give a --method"],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses: ${name}`, async () => {
      const r = await runInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`facebench: ${message}\n`);
    });
  }
  it('labels shorter than the features: one line naming the file', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'short.meta'), readFileSync(`${D}/labels.meta`, 'utf8').split('\n').slice(0, 100).join('\n') + '\n');
    const r = await runInProcess(['cluster', '--features', `${D}/features.npy`, '--labels', join(d, 'short.meta'), '--method', 'fasthac', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^facebench: .*short\.meta:101: expected a label for face 101 of 600 .*found the end of the file\n$/);
  });
});
