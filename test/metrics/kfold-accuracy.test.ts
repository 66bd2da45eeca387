import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpyMatrix } from '../../src/io/npy.js';
import { readLfwPairs, readNameList, resolvePairRows } from '../../src/io/lfw-pairs.js';
import {
  ACCURACY_THRESHOLDS,
  VAL_THRESHOLDS,
  contiguousFolds,
  kfoldAccuracy,
  meanStd,
  valAtFar,
} from '../../src/metrics/kfold-accuracy.js';
import { numpyArange } from '../../src/numeric/numpy.js';
import { pairDistances, xnorm, type PairFeatures } from '../../src/scoring/pair-distances.js';

const DIR = join(import.meta.dirname, '..', 'data', 'lfw-parity');
interface Expected {
  folds: number;
  pairs: number;
  accuracy_per_fold: number[];
  accuracy_mean: number;
  accuracy_std: number;
  best_threshold_per_fold: number[];
  xnorm: number;
  distances: number[];
  'val_at_far_1e-3_linear': { mean: number; std: number; far: number };
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

function pairsTxtFeatures(flip: boolean): { f: PairFeatures; labels: Uint8Array; foldOf: Int32Array; folds: number } {
  const pairs = readLfwPairs(join(DIR, 'pairs.txt'));
  const names = readNameList(join(DIR, 'names.txt'));
  const m = readNpyMatrix(join(DIR, 'features.npy'));
  const g = readNpyMatrix(join(DIR, 'features_flip.npy'));
  const { rowA, rowB } = resolvePairRows(pairs, names, 'names.txt');
  return { f: { data: m.data, flip: flip ? g.data : undefined, rows: m.rows, cols: m.cols, rowA, rowB }, labels: pairs.labels, foldOf: pairs.foldOf!, folds: pairs.folds! };
}

function binOrderFeatures(): { f: PairFeatures; labels: Uint8Array } {
  const m = readNpyMatrix(join(DIR, 'bin_features.npy'));
  const g = readNpyMatrix(join(DIR, 'bin_features_flip.npy'));
  const same = JSON.parse(readFileSync(join(DIR, 'bin_issame.json'), 'utf8')) as boolean[];
  const n = same.length;
  return {
    f: { data: m.data, flip: g.data, rows: m.rows, cols: m.cols, rowA: Int32Array.from({ length: n }, (_, i) => 2 * i), rowB: Int32Array.from({ length: n }, (_, i) => 2 * i + 1) },
    labels: Uint8Array.from(same, (s) => (s ? 1 : 0)),
  };
}

function checkAgainst(e: Expected, f: PairFeatures, labels: Uint8Array, foldOf: Int32Array, folds: number): void {
  const d = pairDistances(f);
  expect(d.length).toBe(e.pairs);
  for (let i = 0; i < d.length; i++) expect(Math.abs(d[i] - e.distances[i])).toBeLessThan(1e-14);
  const acc = kfoldAccuracy(d, labels, foldOf, folds);
  expect(acc.accuracy.length).toBe(e.folds);
  for (let k = 0; k < e.folds; k++) {
    expect(Math.abs(acc.accuracy[k] - e.accuracy_per_fold[k])).toBeLessThanOrEqual(1e-12);
    expect(acc.threshold[k]).toBe(e.best_threshold_per_fold[k]);
  }
  expect(Math.abs(acc.mean - e.accuracy_mean)).toBeLessThanOrEqual(1e-12);
  expect(Math.abs(acc.std - e.accuracy_std)).toBeLessThanOrEqual(1e-12);
  expect(Math.abs(xnorm(f) - e.xnorm)).toBeLessThanOrEqual(1e-12);
  // calculate_val as published but with interp1d(kind='linear') in place of the crashing 'slinear'.
  const val = valAtFar(d, labels, foldOf, folds, 1e-3);
  const ev = e['val_at_far_1e-3_linear'];
  expect(Math.abs(val.valStats.mean - ev.mean)).toBeLessThanOrEqual(1e-12);
  expect(Math.abs(val.valStats.std - ev.std)).toBeLessThanOrEqual(1e-12);
  expect(Math.abs(val.farMean - ev.far)).toBeLessThanOrEqual(1e-12);
}

describe('k-fold accuracy: parity with insightface verification.py (test/reference/gen_lfw_parity.py)', () => {
  it('pairs.txt, 10 sets as folds, with flip features', () => {
    const { f, labels, foldOf, folds } = pairsTxtFeatures(true);
    // The sets are the folds, and equal contiguous KFold for equal-size sets.
    expect(Array.from(foldOf)).toEqual(Array.from(contiguousFolds(labels.length, 10)));
    checkAgainst(expected.pairs_txt_flip, f, labels, foldOf, folds);
  });
  it('pairs.txt without flip features', () => {
    const { f, labels, foldOf, folds } = pairsTxtFeatures(false);
    checkAgainst(expected.pairs_txt_noflip, f, labels, foldOf, folds);
  });
  it('bin order, 205 pairs in 10 folds (first 5 folds one pair larger)', () => {
    const { f, labels } = binOrderFeatures();
    const foldOf = contiguousFolds(205, 10);
    expect(Array.from({ length: 10 }, (_, k) => foldOf.filter((x) => x === k).length)).toEqual([21, 21, 21, 21, 21, 20, 20, 20, 20, 20]);
    checkAgainst(expected.bin_order_flip_folds10, f, labels, foldOf, 10);
  });
  it('bin order, 7 folds', () => {
    const { f, labels } = binOrderFeatures();
    checkAgainst(expected.bin_order_flip_folds7, f, labels, contiguousFolds(205, 7), 7);
  });
  it('the reference calculate_val crashes on this SciPy: recorded by the generator', () => {
    expect(JSON.stringify((expected.pairs_txt_flip as unknown as Record<string, unknown>)['val_at_far_1e-3'])).toMatch(/duplicates|error/);
  });
});

describe('threshold grids and folds', () => {
  it('reproduces np.arange(0, 4, 0.01) and np.arange(0, 4, 0.001) lengths and values', () => {
    expect(ACCURACY_THRESHOLDS.length).toBe(400);
    expect(VAL_THRESHOLDS.length).toBe(4000);
    expect(ACCURACY_THRESHOLDS[3]).toBe(3 * 0.01); // 0.03, not 0.01 + 0.01 + 0.01
    expect(ACCURACY_THRESHOLDS[399]).toBe(399 * 0.01);
    expect(numpyArange(0, 1, 0.25)).toEqual(Float64Array.from([0, 0.25, 0.5, 0.75]));
  });
  it('one fold trains and tests on all pairs (LFold(1))', () => {
    const d = Float64Array.from([0.1, 0.2, 1.5, 1.7]);
    const labels = Uint8Array.from([1, 1, 0, 0]);
    const r = kfoldAccuracy(d, labels, new Int32Array(4), 1);
    expect(r.accuracy[0]).toBe(1);
    expect(r.threshold[0]).toBe(ACCURACY_THRESHOLDS[21]); // first t with 0.2 < t: strict <
  });
  it('picks the first argmax and uses strict <', () => {
    // Distance exactly on a grid value is rejected at that value.
    const t = ACCURACY_THRESHOLDS[50];
    const d = Float64Array.from([t, t, 3, 3, t, t, 3, 3]);
    const labels = Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0]);
    const r = kfoldAccuracy(d, labels, contiguousFolds(8, 2), 2);
    expect(Array.from(r.thresholdIndex)).toEqual([51, 51]);
    expect(Array.from(r.accuracy)).toEqual([1, 1]);
  });
  it('population std and stderr', () => {
    const s = meanStd(Float64Array.from([1, 0.5, 1, 0.5]));
    expect(s.mean).toBe(0.75);
    expect(s.std).toBe(0.25);
    expect(s.stderr).toBe(0.125);
  });
});

describe('VAL@FAR with the documented interpolation', () => {
  it('interpolates (SciPy linear) between the last grid value below the target FAR and the first at or above it', () => {
    // Two folds; train on fold 1 when testing fold 0: impostor distances 1.0 and 2.0 of 2 impostors.
    const d = Float64Array.from([0.5, 1.0, 2.0, 0.5, 1.0, 2.0]);
    const labels = Uint8Array.from([1, 0, 0, 1, 0, 0]);
    const r = valAtFar(d, labels, contiguousFolds(6, 2), 2, 0.25);
    // FAR jumps 0 → 0.5 between t = 1.000 (index 1000, d < t false) and t = 1.001: interpolate to 1.0005.
    expect(r.threshold[0]).toBeCloseTo(1.0005, 12);
    expect(Array.from(r.val)).toEqual([1, 1]);
    expect(Array.from(r.far)).toEqual([0.5, 0.5]);
    expect(r.valStats.std).toBe(0);
  });
  it('threshold 0 when the training FAR never reaches the target (as the reference)', () => {
    const d = Float64Array.from([0.5, 3.9995, 0.5, 3.9995]);
    const labels = Uint8Array.from([1, 0, 1, 0]);
    const r = valAtFar(d, labels, contiguousFolds(4, 2), 2, 1e-3);
    expect(Array.from(r.threshold)).toEqual([0, 0]);
    expect(Array.from(r.val)).toEqual([0, 0]);
  });
});

describe('kfoldAccuracy against a brute-force transcription of calculate_roc (property test)', () => {
  function bruteForce(d: Float64Array, labels: Uint8Array, foldOf: Int32Array, folds: number): { acc: number[]; thr: number[] } {
    const accuracyAt = (t: number, idx: number[]): number => {
      let correct = 0;
      for (const i of idx) correct += (d[i] < t) === (labels[i] === 1) ? 1 : 0;
      return correct / idx.length;
    };
    const acc: number[] = [];
    const thr: number[] = [];
    for (let f = 0; f < folds; f++) {
      const test = [...d.keys()].filter((i) => foldOf[i] === f);
      const train = folds === 1 ? test : [...d.keys()].filter((i) => foldOf[i] !== f);
      let best = 0;
      let bestAcc = -1;
      ACCURACY_THRESHOLDS.forEach((t, j) => {
        const a = accuracyAt(t, train);
        if (a > bestAcc) {
          bestAcc = a;
          best = j;
        }
      });
      thr.push(ACCURACY_THRESHOLDS[best]);
      acc.push(accuracyAt(ACCURACY_THRESHOLDS[best], test));
    }
    return { acc, thr };
  }
  it('agrees on random, tied and grid-aligned distances for 1–9 folds', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 40; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      const folds = 1 + (trial % Math.min(9, n));
      const labels = Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
      // Half the trials put distances exactly on grid values to exercise the strict <.
      const d = Float64Array.from(labels, (l) => (trial % 2 ? ACCURACY_THRESHOLDS[Math.floor(rand() * 400)] : Math.min(3.999, Math.max(0, (l ? 0.8 : 1.6) + rand() - 0.5))));
      const foldOf = contiguousFolds(n, folds);
      const fast = kfoldAccuracy(d, labels, foldOf, folds);
      const slow = bruteForce(d, labels, foldOf, folds);
      expect(Array.from(fast.accuracy)).toEqual(slow.acc);
      expect(Array.from(fast.threshold)).toEqual(slow.thr);
    }
  });
});
