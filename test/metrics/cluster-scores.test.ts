import { describe, expect, it } from 'vitest';
import { canonicalLabels, rankLabels, unclusteredToSingletons } from '../../src/metrics/cluster-labels.js';
import { clusterScores, withoutSingletons, type DenseLabels } from '../../src/metrics/cluster-scores.js';
import { averageRanks, spearmanCorrelation } from '../../src/metrics/cluster-spearman.js';

const dense = (v: number[]): DenseLabels => rankLabels(v);

describe('clusterScores: the issue test vector (learn-to-cluster metrics.py, sklearn NMI)', () => {
  const gt = [0, 0, 1, 1, 2, 3, 4, 5, 5, 5, 5];
  const pred = [0, 0, 1, 1, 2, 2, 3, 4, 5, 5, 6];
  const s = clusterScores(dense(gt), dense(pred));
  it('pairwise 0.75 / 0.375 / 0.5 (exact integer sums)', () => {
    expect(s.pairwise).toEqual({ precision: 0.75, recall: 0.375, f: 0.5 });
  });
  it('BCubed', () => {
    expect(s.bcubed.precision).toBe(0.9090909090909091);
    expect(s.bcubed.recall).toBe(0.7727272727272727);
    expect(s.bcubed.f).toBe(0.8353808353808354);
  });
  it('NMI arithmetic and geometric', () => {
    expect(Math.abs(s.nmi.arithmetic - 0.8574165552566343)).toBeLessThan(1e-15);
    expect(Math.abs(s.nmi.geometric - 0.8596038103261363)).toBeLessThan(1e-15);
  });
  it('counts', () => {
    expect([s.items, s.clusters, s.singletons, s.classes]).toEqual([11, 7, 3, 6]);
  });
});

describe('clusterScores: degenerate clusterings', () => {
  it('all-singleton predictions: pairwise precision undefined (NaN), NMI 0.558', () => {
    const s = clusterScores(dense([0, 0, 0, 1, 1, 1]), dense([0, 1, 2, 3, 4, 5]));
    expect(s.pairwise.precision).toBeNaN();
    expect(s.pairwise.recall).toBe(0);
    expect(s.pairwise.f).toBeNaN();
    // MI = H(truth) = ln 2; arithmetic mean of ln 2 and ln 6
    expect(s.nmi.arithmetic).toBeCloseTo(Math.log(2) / ((Math.log(2) + Math.log(6)) / 2), 15);
    expect(s.nmi.arithmetic.toFixed(3)).toBe('0.558');
    expect(s.nmi.geometric).toBeCloseTo(Math.log(2) / Math.sqrt(Math.log(2) * Math.log(6)), 15);
    expect(s.bcubed.precision).toBe(1);
    expect(s.bcubed.recall).toBeCloseTo(1 / 3, 15);
  });
  it('one cluster against one class: NMI 1; one cluster against several classes: NMI 0', () => {
    expect(clusterScores(dense([4, 4, 4]), dense([7, 7, 7])).nmi).toEqual({ arithmetic: 1, geometric: 1 });
    expect(clusterScores(dense([0, 0, 1]), dense([7, 7, 7])).nmi).toEqual({ arithmetic: 0, geometric: 0 });
  });
  it('perfect clustering scores 1 everywhere, whatever the label values', () => {
    const s = clusterScores(dense([3, 3, 9, 9, 9, 1]), dense([-5, -5, 100, 100, 100, 0]));
    expect(s.pairwise).toEqual({ precision: 1, recall: 1, f: 1 });
    expect(s.bcubed).toEqual({ precision: 1, recall: 1, f: 1 });
    expect(s.nmi.arithmetic).toBeCloseTo(1, 15);
  });
});

describe('label helpers', () => {
  it('−1 becomes a singleton each, numbered after the largest label', () => {
    expect(Array.from(unclusteredToSingletons([3, -1, 0, -1, 3]))).toEqual([3, 4, 0, 5, 3]);
    expect(Array.from(unclusteredToSingletons([-1, -1]))).toEqual([0, 1]);
  });
  it('canonicalLabels numbers clusters by first appearance', () => {
    expect(Array.from(canonicalLabels([7, 7, 2, 9, 2, -1]))).toEqual([0, 0, 1, 2, 1, -1]);
  });
  it('withoutSingletons keeps faces of clusters of two or more and re-ranks', () => {
    const r = withoutSingletons(dense([0, 0, 1, 1, 2, 3, 4, 5, 5, 5, 5]), dense([0, 0, 1, 1, 2, 2, 3, 4, 5, 5, 6]));
    expect(Array.from(r.keep)).toEqual([0, 1, 2, 3, 4, 5, 8, 9]);
    expect(Array.from(r.pred.ids)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(Array.from(r.truth.ids)).toEqual([0, 0, 1, 1, 2, 3, 4, 4]);
  });
});

describe('spearmanCorrelation', () => {
  it('average ranks of ties (scipy rankdata)', () => {
    expect(Array.from(averageRanks([10, 20, 10, 30, 20, 20]))).toEqual([1.5, 4, 1.5, 6, 4, 4]);
  });
  it('monotone → 1, reversed → −1, constant → NaN', () => {
    expect(spearmanCorrelation([1, 2, 3, 4], [10, 100, 1000, 1e4])).toBe(1);
    expect(spearmanCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(spearmanCorrelation([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
  it('equals the Pearson correlation of ranks computed by brute force', () => {
    const a = [0.3, 0.1, 0.1, 0.9, 0.5, 0.5, 0.5, 0.2];
    const b = [1, 3, 2, 2, 8, 7, 7, 0];
    const ra = averageRanks(a), rb = averageRanks(b);
    const m = (r: Float64Array) => r.reduce((x, y) => x + y) / r.length;
    let num = 0, da = 0, db = 0;
    for (let i = 0; i < a.length; i++) {
      num += (ra[i] - m(ra)) * (rb[i] - m(rb));
      da += (ra[i] - m(ra)) ** 2;
      db += (rb[i] - m(rb)) ** 2;
    }
    expect(spearmanCorrelation(a, b)).toBeCloseTo(num / Math.sqrt(da * db), 14);
  });
});
