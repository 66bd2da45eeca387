import { describe, expect, it } from 'vitest';
import { ERC_DISCARD_FRACTIONS, discardSteps } from '../../src/metrics/error-reject.js';
import { discardStepsByRank, featureNorms, histogramEdges, pairQualityRanks, pairSampleHistogram, templateQualities } from '../../src/metrics/quality-scores.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('quality scores', () => {
  it('discardStepsByRank = discardSteps of the stable order by rank', () => {
    const r = rng(3);
    const ranks = Int32Array.from({ length: 3001 }, () => Math.floor(r() * 40));
    const order = Int32Array.from(Array.from(ranks.keys()).sort((a, b) => ranks[a] - ranks[b] || a - b));
    expect(Array.from(discardStepsByRank(ranks, ERC_DISCARD_FRACTIONS))).toEqual(Array.from(discardSteps(order, ERC_DISCARD_FRACTIONS)));
  });

  it('pair quality = min of the samples, as dense ranks that order like the qualities', () => {
    const q = Float64Array.from([0.5, 0.1, 0.5, 0.9, -2]);
    const { ranks, distinct } = pairQualityRanks(q, [0, 1, 2, 3, 3], [2, 3, 3, 3, 4]);
    expect(Array.from(distinct)).toEqual([-2, 0.1, 0.5, 0.9]);
    expect(Array.from(ranks, (k) => distinct[k])).toEqual([0.5, 0.1, 0.5, 0.9, -2]);
  });

  it('template quality: mean (in face order) or min of its faces', () => {
    const faces = Float64Array.from([1, 2, 3, 10, 20]);
    // template 0 = faces 4, 0; template 1 = faces 1, 2, 3
    const order = Int32Array.from([4, 0, 1, 2, 3]);
    const offsets = Int32Array.from([0, 2, 5]);
    expect(Array.from(templateQualities(faces, order, offsets, 'mean'))).toEqual([10.5, 5]);
    expect(Array.from(templateQualities(faces, order, offsets, 'min'))).toEqual([1, 2]);
  });

  it('histograms count both samples of every pair of the class', () => {
    const q = Float64Array.from([0, 1, 2, 3, 4]);
    const edges = histogramEdges(q, 4);
    expect(Array.from(edges)).toEqual([0, 1, 2, 3, 4]);
    const labels = Uint8Array.from([1, 0, 0]);
    expect(Array.from(pairSampleHistogram(q, [0, 1, 4], [4, 2, 4], labels, 1, edges))).toEqual([1, 0, 0, 1]);
    expect(Array.from(pairSampleHistogram(q, [0, 1, 4], [4, 2, 4], labels, 0, edges))).toEqual([0, 1, 1, 2]);
  });

  it('feature norms agree with a plain sum to rounding', () => {
    const r = rng(5);
    const data = Float32Array.from({ length: 7 * 129 }, () => r() * 8 - 4);
    const norms = featureNorms(data, 7, 129);
    for (let i = 0; i < 7; i++) {
      let s = 0;
      for (let c = 0; c < 129; c++) s += data[i * 129 + c] ** 2;
      expect(Math.abs(norms[i] - Math.sqrt(s)) / norms[i]).toBeLessThan(1e-14);
    }
  });
});
