/**
 * `facebench scores` metrics against the published code: bob.measure and pyeer run unchanged by
 * test/reference/gen_scores_parity.py on tie-heavy seeded sets (plus sklearn / scipy and a brute
 * force of the ISO definition). Equal to 1e-12; the thresholds bit for bit.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eerThreshold, expectedPerformanceCurve, minWeightedErrorThreshold } from '../../src/metrics/bob-thresholds.js';
import { decidability, decisionAt, errorRatesAt, fmrAtZeroFnmr, fnmrAtFmr, moments } from '../../src/metrics/operating-points.js';
import { normalDeviate } from '../../src/metrics/probit.js';
import { pyeerAuc, pyeerEer, pyeerFmrOperatingPoint } from '../../src/metrics/pyeer-stats.js';
import { areaUnderCurve, equalErrorRate, rocCurve, type SortedScores } from '../../src/metrics/roc.js';
import { sortDescending } from '../../src/metrics/sort-descending.js';
import { tarAtFarBob } from '../../src/metrics/tar-at-far.js';
import { pyeerHistogramTopThreshold } from '../../src/io/pyeer-scores.js';

type Num = number | 'inf' | '-inf';
interface PyeerOut {
  [k: string]: Num;
}
interface Case {
  name: string;
  genuine: number[];
  impostor: number[];
  sklearn: { auc: number; eer_brentq: number };
  iso: Record<string, { fnmr: number; threshold: Num; fmr: number }>;
  bob: {
    far_threshold: { far: number; threshold: Num; fmr: number; fnmr: number }[];
    eer_threshold: { threshold: Num; fmr: number; fnmr: number; eer: number; precision: number; recall: number; f1: number };
    min_hter_threshold: { threshold: Num; fmr: number; fnmr: number; hter: number };
    min_weighted_error_rate_threshold: { cost: number; threshold: Num }[];
  };
  pyeer: PyeerOut;
  impostor_histogram?: number[];
  pyeer_histogram?: PyeerOut;
}
const doc = JSON.parse(readFileSync('test/data/scores-parity/cases.json', 'utf8')) as {
  cases: Case[];
  transfer: { dev: string; eval: string; threshold: Num; eval_fmr: number; eval_fnmr: number; eval_hter: number; epc: { points: number; cost: number[]; hter: number[]; threshold: Num[] } };
  probit: { p: number[]; ppf: number[] };
};

const num = (v: Num): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const sorted = (c: { genuine: number[]; impostor: number[] }): SortedScores => ({
  genuine: sortDescending(Float64Array.from(c.genuine)),
  impostor: sortDescending(Float64Array.from(c.impostor)),
});

/** Largest |Δ| seen per quantity, and how many comparisons were bit-identical (printed at the end). */
const deltas = new Map<string, { max: number; identical: number; count: number }>();
function close(what: string, got: number, expected: number, tolerance = 1e-12): void {
  const d = got === expected ? 0 : Math.abs(got - expected);
  const s = deltas.get(what) ?? { max: 0, identical: 0, count: 0 };
  s.max = Math.max(s.max, d);
  s.identical += d === 0 ? 1 : 0;
  s.count++;
  deltas.set(what, s);
  expect(d, `${what}: got ${got}, expected ${expected}`).toBeLessThanOrEqual(tolerance);
}
const exact = (what: string, got: number, expected: number): void => close(what, got, expected, 0);

afterAll(() => {
  // One line by default; SCORES_PARITY=1 lists every quantity.
  const all = [...deltas.values()];
  const count = all.reduce((a, v) => a + v.count, 0);
  const identical = all.reduce((a, v) => a + v.identical, 0);
  const inexact = [...deltas].filter(([, v]) => v.max > 0).map(([k, v]) => `${k} ${v.max.toExponential(1)}`);
  console.log(`scores parity: ${identical}/${count} bit-identical; largest |Δ|: ${inexact.join(', ')}`);
  if (process.env.SCORES_PARITY) for (const [k, v] of deltas) console.log(`  ${k}: max |Δ| ${v.max.toExponential(1)}, identical ${v.identical}/${v.count}`);
});

describe.each(doc.cases)('$name', (c) => {
  const s = sorted(c);
  it('bob.measure far_threshold + farfrr = the bob rule', () => {
    for (const r of c.bob.far_threshold) {
      const point = tarAtFarBob(s, r.far);
      exact('bob far_threshold', point.threshold, num(r.threshold));
      const rates = errorRatesAt(s, point.threshold);
      exact('bob farfrr fmr', rates.fmr, r.fmr);
      exact('bob farfrr fnmr', rates.fnmr, r.fnmr);
    }
  });

  it('bob.measure eer_threshold, eer, precision / recall / F1 at it', () => {
    const t = eerThreshold(s);
    exact('bob eer_threshold', t, num(c.bob.eer_threshold.threshold));
    const d = decisionAt(s, t);
    exact('bob eer fmr', d.fmr, c.bob.eer_threshold.fmr);
    exact('bob eer fnmr', d.fnmr, c.bob.eer_threshold.fnmr);
    close('bob eer', d.hter, c.bob.eer_threshold.eer);
    close('bob precision', d.precision, c.bob.eer_threshold.precision);
    close('bob recall', d.recall, c.bob.eer_threshold.recall);
    close('bob f_score', d.f1, c.bob.eer_threshold.f1);
  });

  it('bob.measure min_hter_threshold and min_weighted_error_rate_threshold', () => {
    const t = minWeightedErrorThreshold(s, 0.5);
    exact('bob min_hter_threshold', t, num(c.bob.min_hter_threshold.threshold));
    close('bob min hter', errorRatesAt(s, t).hter, c.bob.min_hter_threshold.hter);
    for (const r of c.bob.min_weighted_error_rate_threshold) exact('bob min_weighted_error_rate_threshold', minWeightedErrorThreshold(s, r.cost), num(r.threshold));
  });

  it('pyeer get_eer_stats: operating points, EER, AUC, d′', () => {
    const p = c.pyeer;
    const ops: [number, string][] = [[0, 'fmr0'], [1e-3, 'fmr1000'], [1e-2, 'fmr100'], [5e-2, 'fmr20'], [1e-1, 'fmr10']];
    for (const [target, key] of ops) {
      const got = pyeerFmrOperatingPoint(s, target);
      exact(`pyeer ${key}`, got.fnmr, num(p[key]));
      exact(`pyeer ${key}_th`, got.threshold, num(p[`${key}_th`]));
    }
    const zeroFnmr = fmrAtZeroFnmr(s);
    exact('pyeer fnmr0', zeroFnmr.fmr, num(p.fnmr0));
    exact('pyeer fnmr0_th', zeroFnmr.threshold, num(p.fnmr0_th));
    const e = pyeerEer(s);
    exact('pyeer eer', e.eer, num(p.eer));
    exact('pyeer eer_low', e.eerLow, num(p.eer_low));
    exact('pyeer eer_high', e.eerHigh, num(p.eer_high));
    exact('pyeer eer_th', e.threshold, num(p.eer_th));
    const roc = rocCurve(s);
    close('pyeer auc', pyeerAuc(roc, areaUnderCurve(roc)), num(p.auc));
    const g = moments(Float64Array.from(c.genuine));
    const i = moments(Float64Array.from(c.impostor));
    close('pyeer gmean', g.mean, num(p.gmean));
    close('pyeer gstd', g.std, num(p.gstd));
    close('pyeer imean', i.mean, num(p.imean));
    close('pyeer istd', i.std, num(p.istd));
    close("pyeer decidability (d')", decidability(g, i), num(p.decidability));
  });

  it.runIf(c.impostor_histogram)('pyeer get_eer_stats on the histogram form (values; its thresholds are the lowest integer of each tie run)', () => {
    const p = c.pyeer_histogram!;
    const counts = Float64Array.from(c.impostor_histogram!);
    const top = pyeerHistogramTopThreshold(Float64Array.from(c.genuine), { counts, impostor: Float64Array.from(c.impostor) });
    for (const [target, key] of [[0, 'fmr0'], [1e-3, 'fmr1000'], [1e-2, 'fmr100'], [5e-2, 'fmr20'], [1e-1, 'fmr10']] as const) {
      exact(`pyeer histogram ${key}`, pyeerFmrOperatingPoint(s, target, top).fnmr, num(p[key]));
    }
    exact('pyeer histogram fnmr0', fmrAtZeroFnmr(s).fmr, num(p.fnmr0));
    const e = pyeerEer(s, top);
    exact('pyeer histogram eer', e.eer, num(p.eer));
    exact('pyeer histogram eer_low', e.eerLow, num(p.eer_low));
    exact('pyeer histogram eer_high', e.eerHigh, num(p.eer_high));
    const roc = rocCurve(s);
    close('pyeer histogram auc', pyeerAuc(roc, areaUnderCurve(roc), top), num(p.auc));
    const i = moments(Float64Array.from(c.impostor));
    close('pyeer histogram imean', i.mean, num(p.imean));
    close('pyeer histogram istd', i.std, num(p.istd));
  });

  it('FMR100 / FMR1000 / ZeroFMR: the ISO definition (brute force)', () => {
    for (const [key, r] of Object.entries(c.iso)) {
      const got = fnmrAtFmr(s, Number(key));
      exact('iso fnmr at fmr', got.fnmr, r.fnmr);
      exact('iso fmr', got.fmr, r.fmr);
      exact('iso threshold', got.threshold, num(r.threshold));
    }
  });

  it('sklearn auc and the brentq EER', () => {
    const roc = rocCurve(s);
    close('sklearn auc', areaUnderCurve(roc), c.sklearn.auc);
    close('brentq eer', equalErrorRate(roc).eer, c.sklearn.eer_brentq);
  });
});

describe('dev → eval (bob measure metrics -e, epc)', () => {
  const t = doc.transfer;
  const dev = sorted(doc.cases.find((c) => c.name === t.dev)!);
  const ev = sorted(doc.cases.find((c) => c.name === t.eval)!);
  it('the eval rates at the dev EER threshold', () => {
    const threshold = eerThreshold(dev);
    exact('transfer threshold', threshold, num(t.threshold));
    const d = decisionAt(ev, threshold);
    exact('transfer eval fmr', d.fmr, t.eval_fmr);
    exact('transfer eval fnmr', d.fnmr, t.eval_fnmr);
    exact('transfer eval hter', d.hter, t.eval_hter);
  });
  it('bob.measure epc', () => {
    const curve = expectedPerformanceCurve(dev, ev, t.epc.points);
    t.epc.cost.forEach((c, i) => {
      exact('epc cost', curve.cost[i], c);
      exact('epc threshold', curve.threshold[i], num(t.epc.threshold[i]));
      exact('epc hter', curve.hter[i], t.epc.hter[i]);
    });
  });
});

it('probit = scipy.stats.norm.ppf', () => {
  doc.probit.p.forEach((p, i) => close('probit', normalDeviate(p), doc.probit.ppf[i], 1e-13 * Math.max(1, Math.abs(doc.probit.ppf[i]))));
});
