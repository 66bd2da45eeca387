import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ijbDoc, runInProcess, tempDir, writeJson } from '../helpers.js';

const dir = tempDir();
// Hand-made: baseline 0.9500 / 0.9000 at 1e-4 / 1e-5.
const base = writeJson(dir, 'base.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-5': 0.9, '1e-4': 0.95 } }]));
// 1e-4 drops by 0.0015 (0.15 pp), 1e-5 by 0.0025 (0.25 pp).
const cur = writeJson(dir, 'cur.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-5': 0.8975, '1e-4': 0.9485 } }]));

describe('gate --max-drop', () => {
  it('passes when every drop is within its allowance (0.0015 <= 0.002, 0.0025 <= 0.003)', async () => {
    const r = await runInProcess(['gate', '--baseline', base, '--current', cur, '--max-drop', '1e-4=0.002,1e-5=0.003']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gate passed: 2 metrics checked');
  });

  it('fails with exit 1 when 1e-5 dropped 0.25 pp but only 0.2 pp are allowed, and writes JUnit', async () => {
    const junit = join(dir, 'r1.xml');
    const r = await runInProcess(['gate', '--baseline', base, '--current', cur, '--max-drop', '1e-4=0.002,1e-5=0.002', '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/plain\s+TAR@1e-5\s+90\.00\s+89\.75\s+-0\.25\s+0\.2\s+REGRESSION/);
    expect(r.stdout).toMatch(/plain\s+TAR@1e-4\s+95\.00\s+94\.85\s+-0\.15\s+0\.2\s+ok/);
    expect(r.stderr.trim().split('\n')).toEqual(['facebench: 1 of 2 metrics regressed: plain tar@1e-5']);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="facebench gate" tests="2" failures="1"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/<testcase classname="facebench.gate.plain" name="TAR@1e-5" time="0">\s*<failure type="regression"/);
  });

  it('default allowance is 0: any drop fails; *= sets the default', async () => {
    expect((await runInProcess(['gate', '--baseline', base, '--current', cur])).code).toBe(1);
    expect((await runInProcess(['gate', '--baseline', base, '--current', cur, '--max-drop', '*=0.003'])).code).toBe(0);
    expect((await runInProcess(['gate', '--baseline', base, '--current', base])).code).toBe(0);
  });

  it('a drop exactly equal to the allowance passes (float slack)', async () => {
    const b = writeJson(dir, 'eq-b.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.3 } }]));
    const c = writeJson(dir, 'eq-c.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.1 } }]));
    expect((await runInProcess(['gate', '--baseline', b, '--current', c, '--max-drop', '1e-4=0.2'])).code).toBe(0);
  });
});

describe('gate --ci-aware', () => {
  const b = writeJson(dir, 'ci-b.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.95, '1e-5': 0.9 } }]));
  it('fails only where the current interval lies entirely below the baseline value', async () => {
    // 1e-4: 0.94 with [0.93, 0.951] contains 0.95 → ok; 1e-5: 0.88 with [0.87, 0.899] < 0.9 → regression.
    const c = writeJson(dir, 'ci-c.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.94, '1e-5': 0.88 }, ci: { '1e-4': [0.93, 0.951], '1e-5': [0.87, 0.899] } }]));
    const junit = join(dir, 'ci.xml');
    const r = await runInProcess(['gate', '--baseline', b, '--current', c, '--ci-aware', '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAR@1e-4 .* ok/);
    expect(r.stdout).toMatch(/TAR@1e-5 .* REGRESSION/);
    expect(readFileSync(junit, 'utf8').match(/<failure /g)).toHaveLength(1);
  });
  it('passes when the baseline lies inside every interval', async () => {
    const c = writeJson(dir, 'ci-ok.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.94, '1e-5': 0.88 }, ci: { '1e-4': [0.93, 0.96], '1e-5': [0.87, 0.9] } }]));
    expect((await runInProcess(['gate', '--baseline', b, '--current', c, '--ci-aware'])).code).toBe(0);
  });
});

describe('gate: bad input → exit 2, one stderr line, no JUnit file', () => {
  const cases: [string, () => string[]][] = [
    ['missing file', () => ['--current', join(dir, 'nope.json')]],
    ['not JSON', () => ['--current', writeJson(dir, 'bad.json', '{"schemaVersion": 1,')]],
    ['schema mismatch', () => ['--current', writeJson(dir, 's3.json', { ...ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9, '1e-5': 0.9 } }]), schemaVersion: 3 })]],
    ['unknown protocol', () => ['--current', writeJson(dir, 'p.json', { ...ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9 } }]), protocol: 'ijb-1n' })]],
    ['protocol mismatch', () => ['--current', writeJson(dir, 'lfw.json', { schemaVersion: 1, protocol: 'pairs-kfold', dataset: 'lfw', accuracy: { mean: 0.99, std: 0.01 } })]],
    ['dataset mismatch', () => ['--current', writeJson(dir, 'b.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9, '1e-5': 0.9 } }], { dataset: 'IJBB' }))]],
    ['a TAR above 1', () => ['--current', writeJson(dir, 'big.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 1.5, '1e-5': 0.9 } }]))]],
    ['a negative TAR', () => ['--current', writeJson(dir, 'neg.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': -0.5, '1e-5': 0.9 } }]))]],
    ['--max-drop names one metric twice', () => ['--current', base, '--max-drop', '1e-4=0.01,1e-4=0.02']],
    ['--max-drop given twice', () => ['--current', base, '--max-drop', '1e-4=0.01', '--max-drop', '1e-5=0.01']],
    ['--max-drop without its value', () => ['--current', base, '--max-drop']],
    ['--metric names no metric', () => ['--current', base, '--metric', 'speed']],
    ['--metric the files do not have', () => ['--current', base, '--metric', 'eer']],
    ['--aggregation the baseline does not have', () => ['--current', base, '--aggregation', 'magface']],
    ['rule mismatch', () => ['--current', writeJson(dir, 'le.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9, '1e-5': 0.9 } }], { rule: 'le' }))]],
    ['pair count mismatch', () => ['--current', writeJson(dir, 'n.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9, '1e-5': 0.9 } }], { counts: { pairs: 99, genuine: 10, impostor: 89 } }))]],
    ['missing metric', () => ['--current', writeJson(dir, 'm.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.99 } }]))]],
    ['missing aggregation', () => ['--current', writeJson(dir, 'a.json', ijbDoc([{ aggregation: 'magnitude', tar: { '1e-4': 0.99, '1e-5': 0.99 } }]))]],
    ['null value', () => ['--current', writeJson(dir, 'null.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': null, '1e-5': 0.99 } }]))]],
    ['string value', () => ['--current', writeJson(dir, 'str.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': '0.9', '1e-5': 0.99 } }]))]],
    ['--ci-aware without intervals', () => ['--current', base, '--ci-aware']],
    ['--max-drop names an absent metric', () => ['--current', base, '--max-drop', '1e-3=0.01']],
    ['--max-drop malformed', () => ['--current', base, '--max-drop', '1e-4:0.01']],
    ['--max-drop and --ci-aware', () => ['--current', base, '--max-drop', '1e-4=0.01', '--ci-aware']],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const junit = join(dir, `bad-${name.replace(/\W+/g, '_')}.xml`);
      const r = await runInProcess(['gate', '--baseline', base, ...args(), '--junit', junit]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^facebench: /);
      expect(existsSync(junit)).toBe(false);
    });
  }
  it('--aggregation on lfw results: one line saying they have one row per data set', async () => {
    const lfw = writeJson(dir, 'lfw-base.json', { schemaVersion: 1, protocol: 'pairs-kfold', dataset: 'lfw', accuracy: { mean: 0.99, std: 0.01 } });
    const r = await runInProcess(['gate', '--baseline', lfw, '--current', lfw, '--aggregation', 'plain']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('facebench: --aggregation picks the rows of ijb (aggregations) and cluster (clusterings) results; lfw results have one row per data set\n');
  });
  it('names the file and the JSON path', async () => {
    const f = writeJson(dir, 'path.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 'x', '1e-5': 0.9 } }]));
    const r = await runInProcess(['gate', '--baseline', base, '--current', f]);
    expect(r.stderr).toContain(`${f}: results[0].tar_at_far["1e-4"]: expected a rate in [0, 1] or null, found 'x'`);
  });
});

describe('gate on real ijb results (demo fixture)', () => {
  it('a result gated against itself passes', async () => {
    const json = join(dir, 'demo.json');
    const r1 = await runInProcess(['ijb', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/magface-r18/features.npy', '--json', json, '--quiet']);
    expect(r1.code, r1.stderr).toBe(0);
    const r = await runInProcess(['gate', '--baseline', json, '--current', json]);
    expect(r.code).toBe(0);
    // 4,680 impostors resolve FAR 1e-3 and above: 3 targets × 2 aggregations are gated, the rest said so.
    expect(r.stdout).toContain('gate passed: 6 metrics checked');
    expect(r.stderr).toBe('facebench: warning: not gated: plain tar@1e-6, plain tar@1e-5, plain tar@1e-4, magnitude tar@1e-6, magnitude tar@1e-5, magnitude tar@1e-4 (null in the baseline: a FAR target its impostors cannot resolve)\n');
    // Naming an unresolvable target is an error, not a silent pass.
    const named = await runInProcess(['gate', '--baseline', json, '--current', json, '--metric', '1e-4']);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/'plain' tar@1e-4 is null\/NaN: cannot gate on it/);
  });
});

describe('gate --metric and --aggregation choose what is gated', () => {
  const b = writeJson(dir, 'm-b.json', ijbDoc([
    { aggregation: 'plain', tar: { '1e-4': 0.95, '1e-3': 0.97 } },
    { aggregation: 'magnitude', tar: { '1e-4': 0.96, '1e-3': 0.98 } },
  ]));
  // plain: TAR@1e-4 drops 1 pp, AUC drops, EER rises; magnitude unchanged.
  const docs = (plain: { tar4: number; auc: number; eer: number }) =>
    ijbDoc([
      { aggregation: 'plain', tar: { '1e-4': plain.tar4, '1e-3': 0.97 } },
      { aggregation: 'magnitude', tar: { '1e-4': 0.96, '1e-3': 0.98 } },
    ]);
  const withScalars = (doc: Record<string, unknown>, plain: { auc: number; eer: number }): Record<string, unknown> => {
    const results = (doc.results as Record<string, unknown>[]).map((r, i) => ({ ...r, auc: i === 0 ? plain.auc : 0.99, eer: i === 0 ? plain.eer : 0.02 }));
    return { ...doc, results };
  };
  const base2 = writeJson(dir, 'm-b2.json', withScalars(JSON.parse(readFileSync(b, 'utf8')), { auc: 0.99, eer: 0.02 }));
  const worse = writeJson(dir, 'm-c.json', withScalars(docs({ tar4: 0.94, auc: 0.985, eer: 0.025 }), { auc: 0.985, eer: 0.025 }));

  it('--aggregation magnitude gates the unchanged rows only', async () => {
    expect((await runInProcess(['gate', '--baseline', base2, '--current', worse])).code).toBe(1);
    const r = await runInProcess(['gate', '--baseline', base2, '--current', worse, '--aggregation', 'magnitude']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('gate passed: 2 metrics checked');
  });

  it('--metric 1e-3 ignores the drop at 1e-4; --metric eer fails on a rise (lower is better), auc on a drop', async () => {
    expect((await runInProcess(['gate', '--baseline', base2, '--current', worse, '--metric', '1e-3'])).code).toBe(0);
    const eer = await runInProcess(['gate', '--baseline', base2, '--current', worse, '--metric', 'eer']);
    expect(eer.code).toBe(1);
    expect(eer.stdout).toMatch(/plain\s+EER\s+2\.00\s+2\.50\s+\+0\.50\s+0\s+REGRESSION/);
    expect(eer.stdout).toMatch(/magnitude\s+EER\s+2\.00\s+2\.00\s+0\.00\s+0\s+ok/);
    // An EER that falls is an improvement, not a drop.
    expect((await runInProcess(['gate', '--baseline', worse, '--current', base2, '--metric', 'eer'])).code).toBe(0);
    expect((await runInProcess(['gate', '--baseline', base2, '--current', worse, '--metric', 'auc', '--max-drop', 'auc=0.005'])).code).toBe(0);
    expect((await runInProcess(['gate', '--baseline', base2, '--current', worse, '--metric', 'auc,eer', '--max-drop', 'auc=0.005,eer=0.004'])).code).toBe(1);
  });
});
