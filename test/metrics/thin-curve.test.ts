import { describe, expect, it } from 'vitest';
import { rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { thinRocCurve } from '../../src/metrics/thin-curve.js';

/** Seeded LCG so the test data are fixed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('thinRocCurve', () => {
  it('keeps first and last vertices, at most 2·bins + 2 vertices, monotone, deterministic', () => {
    const rnd = lcg(7);
    const n = 200_000;
    const scores = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 50 === 0 ? 1 : 0;
      scores[i] = rnd() + (labels[i] ? 0.6 : 0);
    }
    const roc = rocCurve(splitByLabel(scores, labels), { dropIntermediate: false });
    expect(roc.fpr.length).toBeGreaterThan(100_000);
    const t = thinRocCurve(roc);
    expect(t.far.length).toBeLessThanOrEqual(2002);
    expect(t.far.length).toBeGreaterThan(500);
    expect(t.far[0]).toBe(0);
    expect(t.threshold[0]).toBe(Infinity);
    expect(t.far.at(-1)).toBe(1);
    expect(t.tar.at(-1)).toBe(1);
    for (let k = 1; k < t.far.length; k++) {
      expect(t.far[k]).toBeGreaterThanOrEqual(t.far[k - 1]);
      expect(t.tar[k]).toBeGreaterThanOrEqual(t.tar[k - 1]);
    }
    expect(thinRocCurve(roc)).toEqual(t);
  });
  it('a short curve is kept whole', () => {
    const roc = rocCurve(splitByLabel(Float64Array.from([0.9, 0.8, 0.3, 0.1]), Uint8Array.from([1, 0, 1, 0])));
    expect(thinRocCurve(roc).far).toEqual(Array.from(roc.fpr));
  });
});
