/** `facebench scores` through the command line: inputs, labels, plots, re-evaluating ijb --scores, compare / gate, bad flags. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, tempDir } from '../helpers/cli.js';

const DEV = 'fixtures/scores-demo/dev.txt';
const EVAL = 'fixtures/scores-demo/eval.txt';

describe('facebench scores', () => {
  it('a bob dev / eval pair: the table, the JSON contract, plots in a folder it creates', async () => {
    const d = tempDir();
    const r = await runInProcess(['scores', '--bob', DEV, '--eval', EVAL, '--far', '1e-3,1e-2,1e-1', '--json', join(d, 's.json'), '--plots', join(d, 'plots'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dev\s+200\s+4800\s+85\.50\s+95\.00\s+100\.00\s/m);
    expect(r.stdout).toMatch(/^threshold on dev \(eer\)/m);
    const doc = JSON.parse(readFileSync(join(d, 's.json'), 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'scores', rule: 'nearest', scores: 'similarity' });
    const set = doc.results[0];
    expect(set).toMatchObject({ label: 'dev', format: 'bob-4', counts: { pairs: 5000, genuine: 200, impostor: 4800 } });
    for (const k of ['tar_at_far', 'far_actual', 'false_accepts', 'true_accepts', 'threshold', 'auc', 'eer', 'fmr100', 'fmr1000', 'zero_fmr', 'zero_fnmr', 'd_prime', 'min_hter']) expect(set, k).toHaveProperty(k);
    expect(set.decision.eval.counts).toMatchObject({ genuine: expect.any(Number), impostor: expect.any(Number) });
    expect(readdirSync(join(d, 'plots')).sort()).toEqual(['det.svg', 'epc.svg', 'hist-dev.svg']);
    expect(readFileSync(join(d, 'plots', 'det.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('--label NAME=FILE names a set; pyeer files beside a bob file in one run', async () => {
    const d = tempDir();
    const lines = readFileSync(DEV, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split(' '));
    writeFileSync(join(d, 'gen.txt'), lines.filter((l) => l[0] === l[1]).map((l) => `${l[3]}\n`).join(''));
    writeFileSync(join(d, 'imp.txt'), lines.filter((l) => l[0] !== l[1]).map((l) => `${l[3]}\n`).join(''));
    const r = await runInProcess(['scores', '--bob', DEV, '--genuine', join(d, 'gen.txt'), '--impostor', join(d, 'imp.txt'), '--label', `pyeer=${join(d, 'gen.txt')}`, '--far', '1e-2', '--json', '-']);
    expect(r.code, r.stderr).toBe(0);
    const [bob, pyeer] = JSON.parse(r.stdout).results;
    expect([bob.label, pyeer.label]).toEqual(['dev', 'pyeer']);
    // The same scores, read two ways: the same numbers.
    for (const k of ['tar_at_far', 'auc', 'eer', 'fmr100', 'zero_fmr', 'zero_fnmr', 'd_prime', 'min_hter']) expect(pyeer[k], k).toEqual(bob[k]);
  });

  it('ijb --scores re-evaluated under another rule equals ijb run with that rule', async () => {
    const d = tempDir();
    const ijb = ['ijb', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/arcface-r18/features.npy', '--far', '1e-2,1e-1', '--quiet'];
    expect((await runInProcess([...ijb, '--scores', join(d, 'scores')])).code).toBe(0);
    const bobRule = await runInProcess([...ijb, '--rule', 'bob', '--json', join(d, 'ijb-bob.json')]);
    expect(bobRule.code).toBe(0);
    const r = await runInProcess(['scores', '--ijb-scores', join(d, 'scores'), '--root', 'fixtures/ijb-demo', '--rule', 'bob', '--far', '1e-2,1e-1', '--label', `demo=${join(d, 'scores')}`, '--json', '-']);
    expect(r.code, r.stderr).toBe(0);
    const sets = JSON.parse(r.stdout).results;
    const ref = JSON.parse(readFileSync(join(d, 'ijb-bob.json'), 'utf8')).results;
    expect(sets.map((s: { label: string }) => s.label).sort()).toEqual(['demo · magnitude', 'demo · plain']);
    for (const agg of ['plain', 'magnitude']) {
      const s = sets.find((x: { label: string }) => x.label === `demo · ${agg}`);
      const i = ref.find((x: { aggregation: string }) => x.aggregation === agg);
      expect(s.tar_at_far).toEqual(i.tar_at_far);
      expect(s.threshold).toEqual(i.threshold);
      expect(s.auc).toBe(i.auc);
    }
  });

  it('compare and gate read scores results (d′ higher is better, FMR100 lower)', async () => {
    const d = tempDir();
    const a = join(d, 'a.json');
    expect((await runInProcess(['scores', '--bob', DEV, '--far', '1e-2', '--json', a, '--quiet'])).code).toBe(0);
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    doc.results[0].d_prime -= 0.5;
    doc.results[0].fmr100 += 0.01;
    const b = join(d, 'b.json');
    writeFileSync(b, JSON.stringify(doc));
    const c = await runInProcess(['compare', a, b, '--metric', 'fmr100,d_prime', '--format', 'json']);
    expect(c.code, c.stderr).toBe(0);
    const rows = JSON.parse(c.stdout).rows;
    expect(rows.map((r: { metrics: Record<string, { best: boolean }> }) => [r.metrics.fmr100.best, r.metrics.d_prime.best])).toEqual([[true, true], [false, false]]);
    const g = await runInProcess(['gate', '--baseline', a, '--current', b, '--metric', 'd_prime,fmr100', '--max-drop', 'd_prime=0.6,fmr100=0.02']);
    expect(g.code, g.stdout + g.stderr).toBe(0);
    expect((await runInProcess(['gate', '--baseline', a, '--current', b, '--metric', 'd_prime', '--max-drop', 'd_prime=0.4'])).code).toBe(1);
  });

  const bad: [string, string[], string | RegExp][] = [
    ['no input', ['scores'], 'facebench: give a score set: --bob, --genuine with --impostor, --ijb-scores with --root, or --score-csv (see facebench help scores)'],
    ['--eval count', ['scores', '--bob', DEV, '--bob', EVAL, '--eval', EVAL], 'facebench: 2 --bob but 1 --eval: give none, or one --eval per --bob (in the same order)'],
    ['--genuine without --impostor', ['scores', '--genuine', DEV], /^facebench: 1 --genuine but 0 --impostor and 0 --impostor-histogram/],
    ['--ijb-scores without --root', ['scores', '--ijb-scores', 'x'], 'facebench: --ijb-scores needs --root (the IJB release folder whose pair file gives the labels)'],
    ['--root without --ijb-scores', ['scores', '--bob', DEV, '--root', 'x'], 'facebench: --root only applies with --ijb-scores'],
    ['--criterion far without its FMR', ['scores', '--bob', DEV, '--criterion', 'far'], 'facebench: --criterion far needs --criterion-far RATE'],
    ['--distance and --higher-is-better', ['scores', '--bob', DEV, '--distance', '--higher-is-better'], 'facebench: --distance and --higher-is-better exclude each other'],
    ['--label of no input', ['scores', '--bob', DEV, '--label', 'x=other.txt'], /^facebench: --label names 'other\.txt', which is not one of the inputs/],
    ['a 3-column line in a 4-column file', ['scores', '--bob', 'BAD3'], /^facebench: .*bad3\.txt:3: /],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses: ${name}`, async () => {
      const d = tempDir();
      writeFileSync(join(d, 'bad3.txt'), 'a a x 0.9\na b x 0.1\na b 0.3\n');
      const r = await runInProcess(args.map((a) => (a === 'BAD3' ? join(d, 'bad3.txt') : a)));
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      if (typeof message === 'string') expect(lines[0]).toBe(message);
      else expect(lines[0]).toMatch(message);
    });
  }
});
