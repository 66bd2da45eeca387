import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCluster, type ClusterOptions, type MagnitudeDensity } from '../../src/protocols/cluster.js';
import { clusterCsv, clusterJson, clusterMarkdown, clusterText } from '../../src/report/cluster-report.js';
import { magnitudeDensitySpec, magnitudeDensitySvg } from '../../src/report/plots-cluster.js';
import { tempDir } from '../helpers.js';
import { REPO } from '../helpers/cli.js';

const DIR = join(REPO, 'test/data/cluster-parity');
const options = (): ClusterOptions => ({
  features: { format: 'bin', file: join(DIR, 'tied.bin'), dim: 64 },
  truth: { format: 'labels', file: join(DIR, 'tied.meta') },
  predicted: [join(DIR, 'tied.meta')],
  methods: ['fasthac', 'knn-dbscan', 'magnitude-peaks'],
  distance: 0.72, k: 80, eps: 0.25, tau: 0.65,
  sweep: { fasthac: [0.5, 0.75] },
});

describe('cluster reporters', async () => {
  const result = await runCluster(options());
  const json = clusterJson(result);
  const doc = JSON.parse(json);

  it('JSON: schemaVersion 2, protocol "cluster", one result per method then per predicted file', () => {
    expect(doc.schemaVersion).toBe(2);
    expect(doc.protocol).toBe('cluster');
    expect(doc.tool.name).toBe('facebench');
    expect([doc.faces, doc.dim, doc.classes]).toEqual([300, 64, 14]);
    expect(doc.truth).toEqual({ format: 'labels' });
    expect(doc.results.map((r: { method: string }) => r.method)).toEqual(['fasthac', 'knn-dbscan', 'magnitude-peaks', 'predicted']);
    const fasthac = doc.results[0];
    expect(Object.keys(fasthac)).toEqual(['method', 'params', 'faces', 'clusters', 'singletons', 'pairwise', 'bcubed', 'nmi', 'without_singletons', 'sweep']);
    expect(fasthac.params).toEqual({ distance: 0.72 });
    expect(Object.keys(fasthac.pairwise)).toEqual(['precision', 'recall', 'f']);
    expect(Object.keys(fasthac.nmi)).toEqual(['arithmetic', 'geometric']);
    expect(fasthac.sweep.parameter).toBe('distance');
    expect(fasthac.sweep.points.map((p: { distance: number }) => p.distance)).toEqual([0.5, 0.75]);
    expect(Object.keys(fasthac.sweep.best)).toEqual(['pairwise_f', 'bcubed_f', 'nmi']);
    expect(doc.results[1].params).toEqual({ k: 80, eps: 0.25, min_samples: 1, th_sim: 0 });
    // The truth scored against itself.
    const self = doc.results[3];
    expect(self.name).toBe('tied');
    expect([self.pairwise.f, self.bcubed.f, self.nmi.arithmetic]).toEqual([1, 1, 1]);
    expect(typeof doc.magnitude_density.spearman).toBe('number');
  });
  it('JSON holds no paths and is byte-identical for the same inputs', async () => {
    expect(json).not.toContain(DIR);
    expect(json).not.toContain('tied.bin');
    expect(clusterJson(await runCluster(options()))).toBe(json);
  });
  it('undefined numbers are null', async () => {
    const singles = join(tempDir('fb-report-'), 'singles.txt');
    writeFileSync(singles, '-1\n'.repeat(300));
    const r = await runCluster({ ...options(), predicted: [singles], methods: [], sweep: false });
    const d = JSON.parse(clusterJson(r));
    expect(d.results[0].pairwise.precision).toBeNull();
    expect(d.results[0].without_singletons).toBeNull();
    expect(d.warnings.length).toBeGreaterThan(0);
    expect(clusterText(r)).toContain('—');
  });
  it('text, markdown and CSV', () => {
    const text = clusterText(result);
    expect(text).toMatch(/^face clustering — 300 faces, 14 identities, dim 64; scores in %/);
    expect(text).toContain('without predicted singletons');
    expect(text).toMatch(/fasthac +distance=0\.72/);
    expect(text).toMatch(/tied \(given\) +(\d+ +){2}100\.00/);
    expect(text).toMatch(/Spearman\(magnitude, kNN density\) = -?\d\.\d{4}/);
    expect(clusterMarkdown(result)).toContain('| clustering | params | clusters |');
    const csv = clusterCsv(result).trim().split('\n');
    expect(csv[0]).toBe('clustering,method,row,parameter,value,faces_scored,clusters,singletons,pairwise_precision,pairwise_recall,pairwise_f,bcubed_precision,bcubed_recall,bcubed_f,nmi,nmi_geometric');
    expect(csv.length).toBe(1 + 4 * 2 + 2 * 2);
    expect(csv[1]).toMatch(/^fasthac,fasthac,all,distance,0\.72,300,/);
  });
  it('magnitude–density scatter (SVG, headless), thinned above the point cap', async () => {
    const svg = await magnitudeDensitySvg(result.magnitudeDensity!, 'tied');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const s of ['tied: magnitude vs kNN density', 'Spearman ρ =', 'feature magnitude', 'kNN density']) expect(svg).toContain(s);
    const big: MagnitudeDensity = { ...result.magnitudeDensity!, magnitudes: new Float32Array(12000).fill(1), density: new Float32Array(12000).fill(2) };
    const spec = magnitudeDensitySpec(big, 'big') as unknown as { data: { values: unknown[] }; title: { subtitle: string } };
    expect(spec.data.values.length).toBe(4000);
    expect(spec.title.subtitle).toContain('every 3th of 12000 faces shown');
  });
});
