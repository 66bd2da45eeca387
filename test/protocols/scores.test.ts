import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { encodeNpy } from '../../src/io/npy.js';
import { evaluateScoreFiles, type ScoreSetSpec, type ScoresOptions } from '../../src/protocols/scores.js';
import { scoresCsv, scoresJson, scoresMarkdown, scoresText } from '../../src/report/scores-report.js';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';

const dir = mkdtempSync(join(tmpdir(), 'facebench-scores-'));
const DEMO_DEV = 'fixtures/scores-demo/dev.txt';
const DEMO_EVAL = 'fixtures/scores-demo/eval.txt';

function options(sets: ScoreSetSpec[], more: Partial<ScoresOptions> = {}): ScoresOptions {
  return { sets, fars: [1e-4, 1e-3, 1e-2, 1e-1], rule: 'le', distance: false, criterion: 'eer', epcPoints: 0, histogramBins: 20, curves: false, ...more };
}

/** A tied random set as two score lists. */
function randomSet(seed: number, genuine: number, impostor: number): { g: number[]; i: number[] } {
  const rand = mulberry32(seed);
  const draw = (n: number, shift: number): number[] => Array.from({ length: n }, () => Math.round((rand() + rand() + shift) * 50) / 50);
  return { g: draw(genuine, 0.9), i: draw(impostor, 0) };
}

function csvFile(name: string, g: number[], i: number[], sign = 1): string {
  const path = join(dir, name);
  writeFileSync(path, ['score,label', ...g.map((s) => `${sign * s},1`), ...i.map((s) => `${sign * s},0`)].join('\n') + '\n');
  return path;
}

/** The genuine and impostor scores of a bob 4-column file, split by hand. */
function readDemo(path: string): { g: number[]; i: number[] } {
  const lines = readFileSync(path, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split(' '));
  return { g: lines.filter((f) => f[0] === f[1]).map((f) => Number(f[3])), i: lines.filter((f) => f[0] !== f[1]).map((f) => Number(f[3])) };
}

/** Brute force over every threshold: the lowest FNMR with FMR <= target, and the minimum HTER. */
function brute(g: number[], i: number[]) {
  const thresholds = [...new Set([...g, ...i])].concat(Infinity);
  const rates = thresholds.map((t) => ({ t, fmr: i.filter((s) => s >= t).length / i.length, fnmr: g.filter((s) => s < t).length / g.length }));
  return {
    fnmrAt: (target: number) => Math.min(...rates.filter((r) => r.fmr <= target).map((r) => r.fnmr)),
    minHter: Math.min(...rates.map((r) => (r.fmr + r.fnmr) / 2)),
  };
}

describe('evaluateScoreFiles', () => {
  it('the demo bob file: operating points against brute force, d′ by its formula', () => {
    const r = evaluateScoreFiles(options([{ input: { format: 'bob', file: DEMO_DEV } }])).results[0];
    expect([r.label, r.format, r.counts.genuine, r.counts.impostor]).toEqual(['dev', 'bob-4', 200, 4800]);
    const { g, i } = readDemo(DEMO_DEV);
    const b = brute(g, i);
    expect(r.fmr100.fnmr).toBe(b.fnmrAt(1e-2));
    expect(r.fmr1000.fnmr).toBe(b.fnmrAt(1e-3));
    expect(r.zeroFmr.fnmr).toBe(b.fnmrAt(0));
    expect(r.minHter.hter).toBeCloseTo(b.minHter, 15);
    const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    const sd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
    expect(r.dPrime).toBeCloseTo(Math.abs(mean(g) - mean(i)) / Math.sqrt((sd(g) ** 2 + sd(i) ** 2) / 2), 12);
    expect(r.zeroFnmr.fmr).toBe(i.filter((s) => s >= Math.min(...g)).length / i.length);
  });

  it('--eval: the dev threshold applied to the eval set; the EPC runs dev → eval', () => {
    const res = evaluateScoreFiles(options([{ input: { format: 'bob', file: DEMO_DEV }, evaluation: { format: 'bob', file: DEMO_EVAL } }], { epcPoints: 5 }));
    const r = res.results[0];
    const t = r.decision.threshold;
    const { g, i } = readDemo(DEMO_EVAL);
    const e = r.decision.evaluation!;
    expect(e.counts.impostor).toBe(i.length);
    expect(e.fmr).toBe(i.filter((s) => s >= t).length / i.length);
    expect(e.fnmr).toBe(g.filter((s) => s < t).length / g.length);
    expect(e.hter).toBe((e.fmr + e.fnmr) / 2);
    expect(r.epc!.cost.length).toBe(5);
    // The EPC's HTER is the eval set's at each dev threshold.
    r.epc!.threshold.forEach((th, k) => {
      const fmr = i.filter((s) => s >= th).length / i.length;
      const fnmr = g.filter((s) => s < th).length / g.length;
      expect(r.epc!.hter[k]).toBe((fmr + fnmr) / 2);
    });
  });

  it('--distance: the same rates as the negated similarities, thresholds reported in distance units', () => {
    const { g, i } = randomSet(3, 120, 900);
    const sim = evaluateScoreFiles(options([{ input: { format: 'csv', file: csvFile('sim.csv', g, i) } }], { rule: 'bob' }));
    const dist = evaluateScoreFiles(options([{ input: { format: 'csv', file: csvFile('dist.csv', g, i, -1) } }], { rule: 'bob', distance: true }));
    const a = JSON.parse(scoresJson(sim)).results[0];
    const b = JSON.parse(scoresJson(dist)).results[0];
    expect(b.tar_at_far).toEqual(a.tar_at_far);
    expect([b.fmr100, b.zero_fmr, b.zero_fnmr, b.min_hter, b.auc, b.eer, b.d_prime]).toEqual([a.fmr100, a.zero_fmr, a.zero_fnmr, a.min_hter, a.auc, a.eer, a.d_prime]);
    expect(Object.values(b.threshold)).toEqual(Object.values(a.threshold).map((t) => (t === null ? null : -(t as number))));
    expect(b.operating_points.fmr100.threshold).toBe(-a.operating_points.fmr100.threshold);
    expect(JSON.parse(scoresJson(dist)).scores).toBe('distance');
  });

  it('pyeer files, and the histogram form of the same impostors, give the same numbers', () => {
    const { g, i } = randomSet(4, 80, 700);
    const ints = i.map((s) => Math.round(s * 20));
    const gi = g.map((s) => Math.round(s * 20));
    const gen = join(dir, 'gen.txt');
    const imp = join(dir, 'imp.txt');
    const hist = join(dir, 'hist.txt');
    writeFileSync(gen, gi.map((s) => `q t ${s}`).join('\n'));
    writeFileSync(imp, ints.join('\n'));
    const counts = new Array(Math.max(...ints) + 1).fill(0);
    for (const s of ints) counts[s]++;
    writeFileSync(hist, counts.join('\n'));
    const res = evaluateScoreFiles(
      options([
        { label: 'list', input: { format: 'pyeer', genuine: gen, impostor: imp } },
        { label: 'hist', input: { format: 'pyeer-histogram', genuine: gen, impostorHistogram: hist } },
      ]),
    );
    const [list, h] = JSON.parse(scoresJson(res)).results;
    for (const key of ['tar_at_far', 'fmr100', 'zero_fmr', 'zero_fnmr', 'min_hter', 'auc', 'eer']) expect(h[key], key).toEqual(list[key]);
    expect(h.d_prime).toBeCloseTo(list.d_prime, 12);
    expect(h.format).toBe('pyeer-histogram');
  });

  it('ijb --scores: one set per aggregation, named label · aggregation', () => {
    const root = join(dir, 'ijb');
    mkdirSync(join(root, 'meta'), { recursive: true });
    const { g, i } = randomSet(5, 50, 400);
    const labels = [...g.map(() => 1), ...i.map(() => 0)];
    writeFileSync(join(root, 'meta', 'ijbb_template_pair_label.txt'), labels.map((l, k) => `${k} ${k + 1} ${l}`).join('\n') + '\n');
    const scores = join(dir, 'ijb-scores');
    mkdirSync(scores, { recursive: true });
    writeFileSync(join(scores, 'plain.npy'), encodeNpy(Float64Array.from([...g, ...i]), [labels.length]));
    writeFileSync(join(scores, 'magnitude.npy'), encodeNpy(Float64Array.from([...g, ...i].map((s, k) => (k === 3 ? NaN : s))), [labels.length]));
    const res = evaluateScoreFiles(options([{ label: 'r18', input: { format: 'ijb', dir: scores, root, target: 'IJBB' } }]));
    expect(res.results.map((r) => [r.label, r.counts.genuine, r.counts.droppedNan])).toEqual([
      ['r18 · magnitude', 49, 1],
      ['r18 · plain', 50, 0],
    ]);
    expect(res.warnings.some((w) => w.startsWith('r18 · magnitude: 1 comparisons with a NaN score'))).toBe(true);
  });

  it('folds of a CSV: per-fold TAR@FAR and EER', () => {
    const path = join(dir, 'folds.csv');
    const { g, i } = randomSet(6, 60, 600);
    writeFileSync(path, [...g.map((s, k) => `${s},1,${k % 3}`), ...i.map((s, k) => `${s},0,${k % 3}`)].join('\n'));
    const r = evaluateScoreFiles(options([{ input: { format: 'csv', file: path } }])).results[0];
    expect(r.folds!.map((f) => [f.fold, f.genuine, f.impostor])).toEqual([
      [0, 20, 200],
      [1, 20, 200],
      [2, 20, 200],
    ]);
    expect(r.folds![0].tarAtFar.length).toBe(4);
  });

  it('withholds what the impostors cannot resolve, and says so', () => {
    const res = evaluateScoreFiles(options([{ input: { format: 'bob', file: DEMO_DEV } }]));
    const json = JSON.parse(scoresJson(res));
    expect(json.results[0].tar_at_far['1e-4']).toBeNull();
    expect(json.results[0].tar_at_far['1e-3']).not.toBeNull();
    expect(res.warnings[0]).toBe('dev: FAR 1e-4 cannot be resolved with 4,800 impostor scores (it needs at least 10,000): its TAR is reported as null');
    expect(json.results[0].threshold['1e-4']).toBeNull();
    const small = evaluateScoreFiles(options([{ input: { format: 'csv', file: csvFile('small.csv', [0.9, 0.8], [0.1, 0.2, 0.3]) } }]));
    const smallJson = JSON.parse(scoresJson(small)).results[0];
    expect(smallJson.fmr100).toBeNull();
    expect(smallJson.operating_points.fmr100).toMatchObject({ fnmr: null, hter: null, resolvable: false, false_accepts: 0 });
    expect(smallJson.operating_points.zero_fmr.fnmr).toBe(0);
  });

  it('bad input: no genuine or no impostor scores, repeated labels, bad options', () => {
    const noGenuine = join(dir, 'no-genuine.txt');
    writeFileSync(noGenuine, 'a b p 0.5\nb a p 0.4\n');
    expect(() => evaluateScoreFiles(options([{ input: { format: 'bob', file: noGenuine } }]))).toThrow(DataError);
    expect(() => evaluateScoreFiles(options([{ input: { format: 'bob', file: noGenuine } }]))).toThrow(/no-genuine.txt: no genuine scores \(set 'no-genuine'\)/);
    const noImpostor = csvFile('no-impostor.csv', [0.5], []);
    expect(() => evaluateScoreFiles(options([{ input: { format: 'csv', file: noImpostor } }]))).toThrow(/no impostor scores/);
    const two = [{ input: { format: 'bob', file: DEMO_DEV } }, { input: { format: 'bob', file: DEMO_DEV } }] as ScoreSetSpec[];
    expect(() => evaluateScoreFiles(options(two))).toThrow(UsageError);
    expect(() => evaluateScoreFiles(options([{ input: { format: 'bob', file: DEMO_DEV } }], { fars: [0] }))).toThrow(/not in \(0, 1\]/);
    expect(() => evaluateScoreFiles(options([{ input: { format: 'bob', file: DEMO_DEV } }], { criterion: 'far' }))).toThrow(/criterion far needs/);
  });

  it('reports: byte-identical JSON for the same inputs; text, markdown and CSV carry every set', () => {
    const sets: ScoreSetSpec[] = [
      { input: { format: 'bob', file: DEMO_DEV }, evaluation: { format: 'bob', file: DEMO_EVAL } },
      { label: 'eval alone', input: { format: 'bob', file: DEMO_EVAL } },
    ];
    const a = evaluateScoreFiles(options(sets, { curves: true, epcPoints: 3 }));
    const b = evaluateScoreFiles(options(sets, { curves: true, epcPoints: 3 }));
    expect(scoresJson(a, { curve: true })).toBe(scoresJson(b, { curve: true }));
    const json = JSON.parse(scoresJson(a, { curve: true }));
    expect([json.schemaVersion, json.protocol, json.rule]).toEqual([2, 'scores', 'le']);
    expect(Object.keys(json.results[0])).toEqual(expect.arrayContaining(['tar_at_far', 'far_actual', 'false_accepts', 'threshold', 'auc', 'eer', 'fmr100', 'fmr1000', 'zero_fmr', 'zero_fnmr', 'd_prime', 'min_hter', 'decision', 'pyeer', 'curve', 'histogram', 'epc']));
    expect(json.results[0].decision.eval.counts.genuine).toBe(200);
    const text = scoresText(a);
    expect(text).toMatch(/^dev\s+200\s+4800\s+—/m);
    expect(text).toMatch(/eval HTER/);
    expect(scoresMarkdown(a)).toMatch(/\| eval alone \|/);
    const csv = scoresCsv(a).trim().split('\n');
    expect(csv[0]).toBe('label,format,metric,value,threshold');
    expect(csv.filter((l) => l.startsWith('eval alone,bob-4,')).length).toBe(12);
  });
});
