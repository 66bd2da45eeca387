import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runInProcess, tempDir } from '../helpers.js';

const dir = tempDir();
const base = ['ijb', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/arcface-r18/features.npy', '--quiet'];

describe('ijb --bootstrap', () => {
  it('adds tar_ci per target and the bootstrap record; same seed → same JSON, other seed → other intervals', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const c = join(dir, 'c.json');
    for (const [file, seed] of [[a, '5'], [b, '5'], [c, '6']]) {
      const r = await runCli([...base, '--bootstrap', '200', '--seed', seed, '--ci', '90', '--json', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('90% CI (200 × template bootstrap, seed ' + seed + ')');
    }
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    expect(doc.schemaVersion).toBe(2);
    expect(doc.bootstrap).toEqual({ replicates: 200, seed: 5, ci: 90, unit: 'template', strata: 'gallery+probe' });
    for (const r of doc.results) {
      expect(Object.keys(r.tar_ci)).toEqual(Object.keys(r.tar_at_far));
      // FAR targets the 4,680 impostors cannot resolve get no interval either.
      expect([r.tar_ci['1e-6'], r.tar_ci['1e-5'], r.tar_ci['1e-4']]).toEqual([null, null, null]);
      for (const [lo, hi] of [r.tar_ci['1e-3'], r.tar_ci['1e-2'], r.tar_ci['1e-1']] as [number, number][]) {
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(hi);
      }
    }
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    expect(JSON.parse(readFileSync(c, 'utf8')).results[0].tar_ci).not.toEqual(doc.results[0].tar_ci);
    // The result can be gated with --ci-aware against itself.
    expect((await runInProcess(['gate', '--baseline', a, '--current', a, '--ci-aware'])).code).toBe(0);
  });
  it('gives the same JSON on 1 and 2 threads (replicate r always uses the stream (seed, r))', async () => {
    const one = join(dir, 'one.json');
    const two = join(dir, 'two.json');
    expect((await runInProcess([...base, '--bootstrap', '101', '--seed', '3', '--bootstrap-threads', '1', '--json', one])).code).toBe(0);
    expect((await runInProcess([...base, '--bootstrap', '101', '--seed', '3', '--bootstrap-threads', '2', '--json', two])).code).toBe(0);
    expect(readFileSync(two, 'utf8')).toBe(readFileSync(one, 'utf8'));
  });
  for (const [name, args, message] of [
    ['zero replicates', ['--bootstrap', '0']],
    ['fractional replicates', ['--bootstrap', '2.5']],
    ['ci out of range', ['--bootstrap', '10', '--ci', '100']],
    ['negative seed', ['--bootstrap', '10', '--seed', '-1']],
    ['zero threads', ['--bootstrap', '100', '--bootstrap-threads', '0']],
    ['too few replicates for the interval', ['--bootstrap', '1'], "facebench: --bootstrap 1: a 95% percentile interval needs at least 40 replicates (each tail must hold one); 1000 is usual"],
    ['99% needs 200', ['--bootstrap', '150', '--ci', '99'], "facebench: --bootstrap 150: a 99% percentile interval needs at least 200 replicates (each tail must hold one); 1000 is usual"],
    ['not a number', ['--bootstrap', 'abc'], "facebench: --bootstrap must be an integer in [1, 1000000]; got 'abc'"],
    ['without its value', ['--bootstrap'], 'facebench: --bootstrap needs a value (N)'],
    ['--seed without --bootstrap', ['--seed', '3'], 'facebench: --seed only applies with --bootstrap N'],
    ['--ci without --bootstrap', ['--ci', '90'], 'facebench: --ci only applies with --bootstrap N'],
  ] as [string, string[], string?][]) {
    it(`bad flag: ${name} → exit 2, no JSON`, async () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '_')}.json`);
      const r = await runInProcess([...base, ...args, '--json', out]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      if (message) expect(lines[0]).toBe(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});
