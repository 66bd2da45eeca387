/**
 * The ERC sweep (sorted once, kept impostors in a bitmap) against brute force: at every step the
 * kept pairs are re-sorted and both published rules applied literally — MagFace's index heuristic,
 * and CR-FIQA's ROC over every distinct kept score with np.argmin's first-minimum rule.
 */
import { describe, expect, it, vi } from 'vitest';
import { ERC_DISCARD_FRACTIONS, discardCounts, discardSteps, ercArea, errorVersusReject, rankPairs } from '../../src/metrics/error-reject.js';
import { pairwiseSum } from '../../src/numeric/numpy.js';
import { bruteCrfiqa, bruteMagface } from './erc-brute-force.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomCase(seed: number, n: number, levels: number, genuineShare: number) {
  const r = rng(seed);
  const labels = Uint8Array.from({ length: n }, () => (r() < genuineShare ? 1 : 0));
  // Few distinct scores: ties within and across classes; genuine scores higher on average.
  const scores = Float64Array.from(labels, (l) => Math.floor((r() + (l ? 0.6 : 0)) * levels) / levels);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { labels, scores, order };
}

describe('errorVersusReject against brute force', () => {
  const targets = [1e-1, 1e-2, 1e-3, 0.3];
  const cases = [
    { seed: 1, n: 400, levels: 7, share: 0.3 },
    { seed: 2, n: 3000, levels: 40, share: 0.2 },
    { seed: 3, n: 2500, levels: 1000, share: 0.1 },
    { seed: 4, n: 150, levels: 3, share: 0.5 },
    { seed: 5, n: 6000, levels: 25, share: 0.05 },
    { seed: 6, n: 800, levels: 2, share: 0.02 },
  ];
  for (const c of cases) {
    it(`n=${c.n}, ${c.levels} score levels, ${c.share * 100}% genuine`, () => {
      const { labels, scores, order } = randomCase(c.seed, c.n, c.levels, c.share);
      const curves = errorVersusReject(rankPairs(scores, labels), discardSteps(order, ERC_DISCARD_FRACTIONS), ERC_DISCARD_FRACTIONS, targets);
      const cuts = discardCounts(ERC_DISCARD_FRACTIONS, c.n);
      cuts.forEach((cut, k) => {
        const kept = Array.from(order.subarray(cut));
        const gen = kept.filter((p) => labels[p]).map((p) => scores[p]);
        const imp = kept.filter((p) => !labels[p]).map((p) => scores[p]);
        expect(curves.keptGenuine[k]).toBe(gen.length);
        expect(curves.keptImpostor[k]).toBe(imp.length);
        const m = bruteMagface(gen, imp);
        expect(curves.magface.fnmr[k]).toEqual(m.fnmr);
        expect(curves.magface.threshold[k]).toEqual(m.threshold);
        targets.forEach((op, i) => {
          const b = bruteCrfiqa(gen, imp, op);
          expect([curves.atFmr[i].fnmr[k], curves.atFmr[i].threshold[k], curves.atFmr[i].fmr[k]]).toEqual([b.fnmr, b.threshold, b.fmr]);
        });
      });
    });
  }

  it.each([
    [1, [1e-1, 1e-2, 1e-3, 0.3], false],
    [0.3, [1e-2, 1e-3], false],
    [0.002, [1e-1, 1e-2, 1e-3, 0.3], true],
  ])('float32 scores (the IJB simd scorer), top share %s ranked; a deeper threshold falls back to all', (share, fmrs, fallsBack) => {
    const { labels, scores, order } = randomCase(7, 5000, 300, 0.1);
    const f32 = Float32Array.from(scores, (x) => x - 0.3);
    const ranked = rankPairs(f32, labels, share);
    expect(ranked.complete).toBe(share === 1);
    const completed = vi.fn(ranked.completed);
    const curves = errorVersusReject({ ...ranked, completed }, discardSteps(order, ERC_DISCARD_FRACTIONS), ERC_DISCARD_FRACTIONS, fmrs);
    expect(completed.mock.calls.length > 0).toBe(fallsBack);
    discardCounts(ERC_DISCARD_FRACTIONS, labels.length).forEach((cut, k) => {
      const kept = Array.from(order.subarray(cut));
      const gen = kept.filter((p) => labels[p]).map((p) => f32[p]);
      const imp = kept.filter((p) => !labels[p]).map((p) => f32[p]);
      expect(curves.keptImpostor[k]).toBe(imp.length);
      expect(curves.magface.fnmr[k]).toEqual(bruteMagface(gen, imp).fnmr);
      fmrs.forEach((op, i) => expect(curves.atFmr[i].fnmr[k]).toEqual(bruteCrfiqa(gen, imp, op).fnmr));
    });
  });

  it('scores of 0 and -0 form one tie group, however few impostors are ranked', () => {
    const r = rng(11);
    const n = 4000;
    const labels = Uint8Array.from({ length: n }, (_, p) => (p % 10 === 0 ? 1 : 0));
    // Impostors: 1 % positive, 60 % exactly ±0, the rest negative; genuine pairs above and at 0.
    const scores = Float32Array.from(labels, (l, p) => (l ? (p % 20 === 0 ? 0 : 0.5 + r()) : p % 100 === 1 ? 0.2 + r() : p % 5 < 3 ? (p % 2 ? -0 : 0) : -r()));
    const order = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const fmrs = [0.05, 0.3];
    const curves = errorVersusReject(rankPairs(scores, labels, 0.02), discardSteps(order, ERC_DISCARD_FRACTIONS), ERC_DISCARD_FRACTIONS, fmrs);
    discardCounts(ERC_DISCARD_FRACTIONS, n).forEach((cut, k) => {
      const kept = Array.from(order.subarray(cut));
      const gen = kept.filter((p) => labels[p]).map((p) => scores[p]);
      const imp = kept.filter((p) => !labels[p]).map((p) => scores[p]);
      fmrs.forEach((op, i) => expect([curves.atFmr[i].fnmr[k], curves.atFmr[i].fmr[k]]).toEqual([bruteCrfiqa(gen, imp, op).fnmr, bruteCrfiqa(gen, imp, op).fmr]));
    });
  });

  it('a genuine score above every impostor makes FMR 0 reachable (and the nearest point for a tiny target)', () => {
    const labels = Uint8Array.from([1, 1, 0, 0, 0, 0]);
    const scores = Float64Array.from([0.9, 0.4, 0.8, 0.5, 0.3, 0.1]);
    const curves = errorVersusReject(rankPairs(scores, labels), new Uint8Array(6).fill(1), [0], [1e-3]);
    // Thresholds 0.1 … 0.9; FMR 0 only at t = 0.9 (the top genuine): accepted = none above it.
    expect(curves.atFmr[0].fmr[0]).toBe(0);
    expect(curves.atFmr[0].threshold[0]).toBe(0.9);
    expect(curves.atFmr[0].fnmr[0]).toBe(1);
  });

  it('no impostor or no genuine pair left: NaN', () => {
    const labels = Uint8Array.from([0, 0, 1, 1]);
    const scores = Float64Array.from([0.1, 0.2, 0.7, 0.8]);
    const curves = errorVersusReject(rankPairs(scores, labels), discardSteps(Int32Array.from([0, 1, 2, 3]), [0, 0.5, 0.75]), [0, 0.5, 0.75], [1e-1]);
    expect(Array.from(curves.keptImpostor)).toEqual([2, 0, 0]);
    expect(Number.isNaN(curves.atFmr[0].fnmr[1])).toBe(true);
    expect(Number.isNaN(curves.magface.fnmr[0])).toBe(true); // fewer than 101 impostors
  });
});

describe('ercArea', () => {
  it('is np.trapz over x = 100·u/100, terms summed pairwise', () => {
    const y = Float64Array.from(ERC_DISCARD_FRACTIONS, (u) => 0.3 - 0.2 * u + (u > 0.5 ? 0.01 : 0));
    const x = Array.from(ERC_DISCARD_FRACTIONS, (u) => (100 * u) / 100);
    const terms = Float64Array.from({ length: 19 }, (_, k) => ((x[k + 1] - x[k]) * (y[k + 1] + y[k])) / 2);
    expect(ercArea(ERC_DISCARD_FRACTIONS, y)).toBe(pairwiseSum(terms, 0, 19));
    expect(ercArea(ERC_DISCARD_FRACTIONS, new Float64Array(20).fill(0.2))).toBeCloseTo(0.2 * 0.95, 15);
    expect(Number.isNaN(ercArea(ERC_DISCARD_FRACTIONS, Float64Array.from(y, (v, k) => (k === 3 ? NaN : v))))).toBe(true);
  });
});
