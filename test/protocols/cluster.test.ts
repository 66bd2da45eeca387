import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { DataError, UsageError } from '../../src/errors.js';
import { formatLabelFile, readLabelFile } from '../../src/io/cluster-labels.js';
import { encodeNpy } from '../../src/io/npy.js';
import { rankLabels } from '../../src/metrics/cluster-labels.js';
import { clusterScores } from '../../src/metrics/cluster-scores.js';
import { DEFAULT_SWEEPS, runCluster, type ClusterOptions } from '../../src/protocols/cluster.js';
import { tempDir } from '../helpers.js';

/** 12 identities × 5 faces in 16-d, magnitudes 5–15. */
function smallSet(dir: string, seed = 3): { features: string; labels: string; truth: number[]; data: Float32Array } {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const dim = 16, ids = 12, per = 5;
  const centres = Array.from({ length: ids }, () => Array.from({ length: dim }, g));
  const data = new Float32Array(ids * per * dim);
  const truth: number[] = [];
  for (let f = 0; f < ids * per; f++) {
    const id = f % ids;
    truth.push(id * 10);
    const mag = 5 + 10 * rand();
    for (let d = 0; d < dim; d++) data[f * dim + d] = mag * (centres[id][d] + 0.35 * g());
  }
  const features = join(dir, 'features.npy');
  const labels = join(dir, 'labels.meta');
  writeFileSync(features, encodeNpy(data, [ids * per, dim]));
  writeFileSync(labels, truth.join('\n') + '\n');
  return { features, labels, truth, data };
}

const base = (features: string, labels: string): ClusterOptions => ({
  features: { format: 'npy', file: features },
  truth: { format: 'labels', file: labels },
  predicted: [],
  methods: ['fasthac', 'knn-dbscan', 'magnitude-peaks'],
  distance: 0.72, k: 10, eps: 0.25, tau: 0.65, sweep: false, screen: 'loop',
});

async function rejects(opts: ClusterOptions, kind: typeof DataError | typeof UsageError, message: RegExp): Promise<void> {
  const e = await runCluster(opts).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(kind);
  expect((e as Error).message).toMatch(message);
}

describe('runCluster: bad input → DataError / UsageError naming the file and line', () => {
  const dir = tempDir('fb-cluster-');
  const s = smallSet(dir);
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it('labels file shorter than the features', async () => {
    const f = write('short.meta', s.truth.slice(0, 59).join('\n') + '\n');
    await rejects(base(s.features, f), DataError, /short\.meta:60: expected a label for face 60 of 60 \(one per feature row of .*features\.npy\), found the end of the file/);
  });
  it('labels file longer than the features', async () => {
    const f = write('long.meta', [...s.truth, 3].join('\n') + '\n');
    await rejects(base(s.features, f), DataError, /long\.meta:61: expected the end of the file after 60 labels .*, found '3'/);
  });
  it('a non-integer label', async () => {
    const bad = s.truth.map(String);
    bad[6] = '2.5';
    await rejects(base(s.features, write('float.meta', bad.join('\n'))), DataError, /float\.meta:7: expected an integer label, found '2\.5'/);
    bad[6] = '';
    await rejects(base(s.features, write('blank.meta', bad.join('\n'))), DataError, /blank\.meta:7: expected an integer label, found an empty line/);
    bad[6] = 'x'.repeat(80);
    await rejects(base(s.features, write('long-token.meta', bad.join('\n'))), DataError, /found 'x{40}…'/);
  });
  it('NaN features (row and column named)', async () => {
    const data = s.data.slice();
    data[17 * 16 + 4] = NaN;
    const f = join(dir, 'nan.npy');
    writeFileSync(f, encodeNpy(data, [60, 16]));
    await rejects(base(f, s.labels), DataError, /nan\.npy: non-finite feature value NaN at row 18, column 5/);
  });
  it('k ≥ N', async () => {
    await rejects({ ...base(s.features, s.labels), k: 60 }, DataError, /features\.npy: --k 60 needs more than 60 faces .* found 60/);
  });
  it('a predicted file of the wrong length', async () => {
    const f = write('pred.txt', s.truth.slice(0, 10).join('\n'));
    await rejects({ ...base(s.features, s.labels), predicted: [f] }, DataError, /pred\.txt:11: expected a label for face 11 of 60/);
  });
  it('a learn-to-cluster .bin whose size is not whole rows of --dim', async () => {
    const f = join(dir, 'feats.bin');
    writeFileSync(f, Buffer.from(s.data.buffer));
    await rejects({ ...base(s.features, s.labels), features: { format: 'bin', file: f, dim: 7 } }, DataError, /feats\.bin: expected raw float32 rows of 7 values \(28 bytes each\), found 3840 bytes/);
  });
  it('an all-zero feature row', async () => {
    const data = s.data.slice();
    data.fill(0, 16 * 3, 16 * 4);
    const f = join(dir, 'zero.npy');
    writeFileSync(f, encodeNpy(data, [60, 16]));
    await rejects(base(f, s.labels), DataError, /zero\.npy: row 4 is all zeros/);
  });
  it('flag values out of range', async () => {
    await rejects({ ...base(s.features, s.labels), eps: 1.5 }, UsageError, /--eps 1\.5/);
    await rejects({ ...base(s.features, s.labels), distance: 0 }, UsageError, /--distance 0/);
    await rejects({ ...base(s.features, s.labels), sweep: { 'knn-dbscan': [0.2, 1] } }, UsageError, /--sweep 1: expected eps values/);
  });
});

describe('runCluster: results', () => {
  const dir = tempDir('fb-cluster-');
  const s = smallSet(dir);
  it('a predicted file: −1 faces are singletons; labels as values, not positions', async () => {
    const pred = s.truth.map((v, i) => (i % 7 === 0 ? -1 : v + 1000));
    const f = join(dir, 'pred.txt');
    writeFileSync(f, pred.join('\n') + '\n');
    const r = await runCluster({ ...base(s.features, s.labels), methods: [], predicted: [f] });
    const singles = pred.map((v, i) => (v === -1 ? 5000 + i : v));
    const expected = clusterScores(rankLabels(s.truth), rankLabels(singles));
    expect(r.results[0].name).toBe('pred');
    expect(r.results[0].scores).toEqual(expected);
    expect(r.results[0].scores.pairwise.precision).toBe(1);
    expect(r.magnitudeDensity).toBeUndefined(); // no kNN lists were built
  });
  it('all-singleton predictions: undefined pairwise precision is NaN with a warning', async () => {
    const f = join(dir, 'singles.txt');
    writeFileSync(f, s.truth.map(() => -1).join('\n'));
    const r = await runCluster({ ...base(s.features, s.labels), methods: [], predicted: [f] });
    expect(r.results[0].scores.pairwise.precision).toBeNaN();
    expect(r.results[0].withoutSingletons).toBeNull();
    expect(r.warnings.join('\n')).toMatch(/singles: every predicted cluster is a single face: pairwise precision and F are undefined \(null\)/);
  });
  it('sweep: every grid value scored, best = highest (first on ties), the main threshold equal to its point', async () => {
    const grids = { fasthac: [0.6, 0.72, 0.8], 'knn-dbscan': [0.2, 0.25, 0.3], 'magnitude-peaks': [0.5, 0.65, 0.8] };
    const r = await runCluster({ ...base(s.features, s.labels), sweep: grids });
    for (const res of r.results) {
      const sw = res.sweep!;
      const main = { fasthac: 0.72, 'knn-dbscan': 0.25, 'magnitude-peaks': 0.65 }[res.method as 'fasthac'];
      expect(sw.points.map((p) => p.value)).toEqual(grids[res.method as 'fasthac']);
      expect(sw.points.find((p) => p.value === main)!.scores).toEqual(res.scores);
      const fs = sw.points.map((p) => p.scores.bcubed.f);
      const max = Math.max(...fs.filter((x) => !Number.isNaN(x)));
      expect(sw.best.bcubedF).toEqual({ value: sw.points[fs.indexOf(max)].value, score: max });
    }
  });
  it('sweep: true uses the default grids; FastHAC clusters only merge as the cut grows', async () => {
    const r = await runCluster({ ...base(s.features, s.labels), sweep: true });
    for (const res of r.results) expect(res.sweep!.points.map((p) => p.value)).toEqual(DEFAULT_SWEEPS[res.method as 'fasthac']);
    const clusters = r.results[0].sweep!.points.map((p) => p.scores.clusters);
    expect(clusters).toEqual([...clusters].sort((a, b) => b - a));
    expect(clusters[0]).toBeGreaterThan(clusters[clusters.length - 1]);
  });
  it('already-normalised features: the magnitude check says so', async () => {
    const unit = s.data.slice();
    for (let f = 0; f < 60; f++) {
      const row = unit.subarray(f * 16, f * 16 + 16);
      const n = Math.hypot(...row);
      row.forEach((v, d) => (row[d] = v / n));
    }
    const f = join(dir, 'unit.npy');
    writeFileSync(f, encodeNpy(unit, [60, 16]));
    const r = await runCluster({ ...base(f, s.labels), methods: ['knn-dbscan'] });
    expect(r.magnitudeDensity!.spearman).toBeNaN();
    expect(r.warnings.join('\n')).toMatch(/already L2-normalised/);
  });
  it('labels written as learn-to-cluster writes them (write_meta: first appearance, −1 after)', () => {
    expect(formatLabelFile([5, 5, -1, 2, 5, -1, 2])).toBe('0\n0\n2\n1\n0\n3\n1\n');
    const dirW = join(dir, 'w');
    mkdirSync(dirW);
    writeFileSync(join(dirW, 'l.txt'), formatLabelFile([3, -1, 3]));
    expect(Array.from(readLabelFile(join(dirW, 'l.txt')))).toEqual([0, 1, 0]);
    expect(readFileSync(join(dirW, 'l.txt'), 'utf8')).toBe('0\n1\n0\n');
  });
});
