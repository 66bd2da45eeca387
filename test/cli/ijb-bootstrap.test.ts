import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

const dir = tempDir();
const base = ['ijb', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/arcface-r18/features.npy', '--quiet'];

describe('ijb --bootstrap', () => {
  it('adds tar_ci per target and the bootstrap record; same seed → same JSON, other seed → other intervals', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const c = join(dir, 'c.json');
    for (const [file, seed] of [[a, '5'], [b, '5'], [c, '6']]) {
      const r = runCli([...base, '--bootstrap', '200', '--seed', seed, '--ci', '90', '--json', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('90% CI (200 × template bootstrap, seed ' + seed + ')');
    }
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.bootstrap).toEqual({ replicates: 200, seed: 5, ci: 90, unit: 'template', strata: 'gallery+probe' });
    for (const r of doc.results) {
      expect(Object.keys(r.tar_ci)).toEqual(Object.keys(r.tar_at_far));
      for (const [lo, hi] of Object.values(r.tar_ci) as [number, number][]) {
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(hi);
      }
    }
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    expect(JSON.parse(readFileSync(c, 'utf8')).results[0].tar_ci).not.toEqual(doc.results[0].tar_ci);
    // The result can be gated with --ci-aware against itself.
    expect(runCli(['gate', '--baseline', a, '--current', a, '--ci-aware']).code).toBe(0);
  });
  it('gives the same JSON on 1 and 2 threads (replicate r always uses the stream (seed, r))', () => {
    const one = join(dir, 'one.json');
    const two = join(dir, 'two.json');
    expect(runCli([...base, '--bootstrap', '101', '--seed', '3', '--bootstrap-threads', '1', '--json', one]).code).toBe(0);
    expect(runCli([...base, '--bootstrap', '101', '--seed', '3', '--bootstrap-threads', '2', '--json', two]).code).toBe(0);
    expect(readFileSync(two, 'utf8')).toBe(readFileSync(one, 'utf8'));
  });
  for (const [name, args] of [
    ['zero replicates', ['--bootstrap', '0']],
    ['fractional replicates', ['--bootstrap', '2.5']],
    ['ci out of range', ['--bootstrap', '10', '--ci', '100']],
    ['negative seed', ['--bootstrap', '10', '--seed', '-1']],
    ['zero threads', ['--bootstrap', '10', '--bootstrap-threads', '0']],
  ] as const) {
    it(`bad flag: ${name} → exit 2, no JSON`, () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '_')}.json`);
      const r = runCli([...base, ...args, '--json', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('facebench: '))).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });
  }
});
