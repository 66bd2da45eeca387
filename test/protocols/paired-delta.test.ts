import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../../src/io/results-json.js';
import { readNpyScores } from '../../src/io/npy.js';
import { ijbMetaPaths, readFaceTemplateMedia, readTemplatePairs } from '../../src/io/ijb-meta.js';
import { groupFacesByTemplate, templateIndexLookup } from '../../src/aggregate/template-grouping.js';
import { bootstrapTarAtFar } from '../../src/metrics/bootstrap.js';
import { percentile } from '../../src/numeric/numpy.js';
import { runPairedDelta } from '../../src/protocols/paired-delta.js';
import { runInProcess, tempDir } from '../helpers.js';

const dir = tempDir();
const root = 'fixtures/ijb-demo';
const R = 200;
const SEED = 5;
const run = (m: string) => ({ json: join(dir, `${m}.json`), scores: join(dir, `scores-${m}`) });
const A = await run('magface-r18');
const B = await run('arcface-r18');

beforeAll(async () => {
  for (const [m, r] of [['magface-r18', A], ['arcface-r18', B]] as const) {
    const c = await runInProcess(['ijb', '--root', root, '--features', `fixtures/ijb-demo/${m}/features.npy`, '--quiet', '--json', r.json, '--scores', r.scores, '--bootstrap', String(R), '--seed', String(SEED)]);
    expect(c.code, c.stderr).toBe(0);
  }
});

describe('paired ΔTAR bootstrap', () => {
  it('each side equals ijb --bootstrap (same seed); Δ interval = percentiles of the per-replicate differences', async () => {
    const a = readResultFile(A.json);
    const b = readResultFile(B.json);
    const res = await runPairedDelta({ root, a, b, scoresA: A.scores, scoresB: B.scores, replicates: R, seed: SEED, ci: 95, threads: 1 });
    // 2 aggregations × the 3 FAR targets 4,680 impostor pairs resolve (1e-6 … 1e-4 are null in the results).
    expect(res.rows).toHaveLength(6);
    expect(res.rows.map((r) => r.target)).toEqual(['1e-3', '1e-2', '1e-1', '1e-3', '1e-2', '1e-1']);
    const docA = JSON.parse(readFileSync(A.json, 'utf8'));
    const docB = JSON.parse(readFileSync(B.json, 'utf8'));
    for (const row of res.rows) {
      const ra = docA.results.find((r: { aggregation: string }) => r.aggregation === row.aggregation);
      const rb = docB.results.find((r: { aggregation: string }) => r.aggregation === row.aggregation);
      expect(row.ciA).toEqual(ra.tar_ci[row.target]);
      expect(row.ciB).toEqual(rb.tar_ci[row.target]);
      expect(row.delta).toBe(rb.tar_at_far[row.target] - ra.tar_at_far[row.target]);
    }
    // Independent recomputation of the Δ interval for 'plain' with the template indices ijb uses.
    const paths = ijbMetaPaths(root, 'IJBC');
    const faces = readFaceTemplateMedia(paths.faceTemplateMedia);
    const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
    const pairs = readTemplatePairs(paths.pairs, templateIndexLookup(grouping.templateIds), grouping.templateIds.length);
    const targets = [1e-3, 1e-2, 1e-1];
    const opts = { replicates: R, seed: SEED, ci: 95, targets, rule: 'nearest' as const };
    const ba = bootstrapTarAtFar({ ...pairs, scores: readNpyScores(join(A.scores, 'plain.npy')) }, opts);
    const bb = bootstrapTarAtFar({ ...pairs, scores: readNpyScores(join(B.scores, 'plain.npy')) }, opts);
    targets.forEach((_, t) => {
      const d = bb.values[t].map((v, r) => v - ba.values[t][r]);
      const row = res.rows.filter((r) => r.aggregation === 'plain')[t];
      expect(row.ci).toEqual([percentile(d, 0.025), percentile(d, 0.975)]);
    });
  });
  it('a checkpoint against itself: Δ = 0 with interval [0, 0]', async () => {
    const a = readResultFile(A.json);
    const res = await runPairedDelta({ root, a, b: readResultFile(A.json, 'again'), scoresA: A.scores, scoresB: A.scores, replicates: 50, seed: 1, ci: 95, threads: 1 });
    for (const row of res.rows) {
      expect(row.delta).toBe(0);
      expect(row.ci).toEqual([0, 0]);
    }
  });
});

describe('compare --paired CLI', () => {
  it('prints the Δ table', async () => {
    const r = await runInProcess(['compare', '--paired', A.json, B.json, '--scores-a', A.scores, '--scores-b', B.scores, '--root', root, '--bootstrap', '100', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^plain\s+1e-3\s+/m);
    expect(r.stdout).not.toMatch(/1e-4/);
    const json = await runInProcess(['compare', '--paired', A.json, B.json, '--scores-a', A.scores, '--scores-b', B.scores, '--root', root, '--bootstrap', '100', '--quiet', '--format', 'json']);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ protocol: 'compare-paired', bootstrap: { replicates: 100, seed: 1, ci: 95, unit: 'template' } });
    expect(doc.rows).toHaveLength(6);
    expect(r.stdout).toContain('95% CI of Δ pp');
  });
  for (const [name, args] of [
    ['scores of another run', [A.json, B.json, '--scores-a', B.scores, '--scores-b', B.scores, '--root', root]],
    ['missing --root', [A.json, B.json, '--scores-a', A.scores, '--scores-b', B.scores]],
    ['three inputs', [A.json, B.json, A.json, '--scores-a', A.scores, '--scores-b', B.scores, '--root', root]],
    ['missing scores folder', [A.json, B.json, '--scores-a', join(dir, 'nope'), '--scores-b', B.scores, '--root', root]],
    ['--scores-a without --paired', ['--scores-a', A.scores]],
  ] as const) {
    it(`bad input: ${name} → exit 2`, async () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '_')}.txt`);
      const cmd = name.startsWith('--scores-a without') ? ['compare', A.json, ...args, '--out', out] : ['compare', '--paired', ...args, '--quiet', '--bootstrap', '20', '--out', out];
      const r = await runInProcess(cmd);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:'))).toHaveLength(1);
    });
  }
});
