/**
 * The quality curves against the numbers the published code computed on the same inputs
 * (test/reference/gen_quality_parity.py): MagFace eval_quality.py, CR-FIQA ERC/erc.py, dasec edc.py,
 * and np.argsort. Inputs here are the reference's own distances and qualities, so this tests the
 * curve arithmetic alone; test/protocols/quality.test.ts runs the whole protocol on the same files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNameList, readPairsCsv, resolvePairRows } from '../../src/io/lfw-pairs.js';
import { readNpyScores } from '../../src/io/npy.js';
import { qualitiesForImages, readQualityFile } from '../../src/io/quality-file.js';
import { edcCurves, edcPartialArea, edcTheoreticalBestArea } from '../../src/metrics/edc.js';
import { numpyQuantile } from '../../src/numeric/numpy.js';
import { ERC_DISCARD_FRACTIONS, discardCounts, discardSteps, ercArea, errorVersusReject, rankPairs } from '../../src/metrics/error-reject.js';
import { numpyArgsort, numpyArgsortCuts, denseRanks } from '../../src/numeric/numpy-argsort.js';
import { pairQualityRanks } from '../../src/metrics/quality-scores.js';
import { pythonFixed } from '../../src/numeric/python.js';
import { ROOT } from '../helpers.js';

const DATA = join(ROOT, 'test', 'data', 'quality-parity');
const expected = JSON.parse(readFileSync(join(DATA, 'expected.json'), 'utf8'));

interface EdcExpected {
  discard: number[];
  error: number[];
  threshold: number;
  pauc: number;
  theoretical_best: number;
}

function expectEdc(scores: ArrayLike<number>, labels: Uint8Array, ranks: Int32Array, startingError: number, limit: number, exp: { fnm: EdcExpected; fm: EdcExpected }): number {
  let worst = 0;
  const thresholds = ([1, 0] as const).map((cls) => {
    const own = Float64Array.from(Array.from(scores).filter((_, p) => labels[p] === cls)).sort();
    return numpyQuantile(own.length, (i) => own[i], cls === 1 ? startingError : 1 - startingError);
  });
  const curves = edcCurves(scores, labels, ranks, thresholds[0], thresholds[1]);
  for (const [kind, threshold] of [['fnm', thresholds[0]], ['fm', thresholds[1]]] as const) {
    const e = exp[kind];
    const curve = curves[kind];
    const best = edcTheoreticalBestArea(curve, limit);
    const pauc = edcPartialArea(curve, limit) - best;
    expect(curve.discard.length, `${kind} points`).toBe(e.discard.length);
    const diffs = [threshold - e.threshold, pauc - e.pauc, best - e.theoretical_best, ...e.discard.map((x, i) => curve.discard[i] - x), ...e.error.map((x, i) => curve.error[i] - x)];
    worst = Math.max(worst, ...diffs.map(Math.abs));
  }
  expect(worst).toBeLessThanOrEqual(1e-12);
  return worst;
}

describe('np.argsort (quicksort) tie order', () => {
  for (const c of expected.argsort_cases as { label: string; values: number[]; argsort: number[] }[]) {
    it(`${c.label} (${c.values.length} values)`, () => {
      const values = Float64Array.from(c.values);
      expect(Array.from(numpyArgsort(values))).toEqual(c.argsort);
      // The cut-only form holds the same sets beyond every cut.
      const cuts = discardCounts(ERC_DISCARD_FRACTIONS, values.length);
      const partial = numpyArgsortCuts(denseRanks(values).ranks, cuts);
      for (const cut of cuts) expect(Array.from(partial.subarray(cut)).sort((a, b) => a - b)).toEqual(c.argsort.slice(cut).sort((a, b) => a - b));
    });
  }
});

describe('EDC against dasec edc.py', () => {
  for (const c of expected.edc_cases) {
    it(c.label, () => {
      const labels = Uint8Array.from(c.labels);
      const qa = Float64Array.from(c.quality_a);
      const qb = Float64Array.from(c.quality_b);
      const samples = new Float64Array([...qa, ...qb]);
      const n = labels.length;
      const { ranks } = pairQualityRanks(samples, Int32Array.from({ length: n }, (_, p) => p), Int32Array.from({ length: n }, (_, p) => n + p));
      expectEdc(c.scores, labels, ranks, c.starting_error, c.limit, c.expected);
    });
  }
});

describe.each(['large', 'small'])('ERC and EDC of the %s pair set against MagFace, CR-FIQA and edc.py', (set) => {
  const dir = join(DATA, set);
  const names = readNameList(join(dir, 'names.txt'));
  const pairs = readPairsCsv(join(dir, 'pairs.csv'));
  const { rowA, rowB } = resolvePairRows(pairs, names, 'names.txt');
  const distances = readNpyScores(join(dir, 'reference_distances.npy'));
  const scores = distances.map((d) => -d);
  const ranked = rankPairs(scores, pairs.labels);
  const exp = expected.sets[set];
  const qualityOf = (source: string): Float64Array =>
    source === 'norm' ? readNpyScores(join(dir, 'reference_norms.npy')) : qualitiesForImages(readQualityFile(join(dir, `${source}.txt`)), names.length, (i) => names[i], (i) => `names.txt:${i + 1}`);
  for (const source of Object.keys(exp.sources)) {
    it(`${source}: FNMR lists equal to the last digit, thresholds as printed, AUC, EDC within 1e-12`, () => {
      const e = exp.sources[source];
      const { ranks } = pairQualityRanks(qualityOf(source), rowA, rowB);
      const order = numpyArgsortCuts(ranks.slice(), discardCounts(ERC_DISCARD_FRACTIONS, ranks.length)); // it sorts its input
      const curves = errorVersusReject(ranked, discardSteps(order, ERC_DISCARD_FRACTIONS), ERC_DISCARD_FRACTIONS, expected.fmrs);
      // MagFace: its list stops where its loop gives no value; ours is NaN from there.
      const m = e.magface.fnmr.length;
      expect(Array.from(curves.magface.fnmr.subarray(0, m))).toEqual(e.magface.fnmr);
      expect(Array.from(curves.magface.fnmr.subarray(m)).every(Number.isNaN)).toBe(true);
      expect(Array.from(curves.magface.threshold.subarray(0, m), (t) => pythonFixed(-t, 10))).toEqual(e.magface.threshold_printed);
      for (const c of curves.atFmr) {
        const r = e.crfiqa[c.target.toExponential().replace('e-', 'e-')];
        expect(Array.from(c.fnmr)).toEqual(r.fnmr);
        expect(ercArea(ERC_DISCARD_FRACTIONS, c.fnmr)).toBe(r.auc);
      }
      expectEdc(scores, pairs.labels, ranks, expected.starting_error, expected.pauc_limit, e.edc);
    });
  }
});
