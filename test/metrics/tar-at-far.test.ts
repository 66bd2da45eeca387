import { describe, expect, it } from 'vitest';
import { rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { tarAtFarBob, tarAtFarLe } from '../../src/metrics/tar-at-far.js';
import { nextDown, nextUp } from '../../src/numeric/numpy.js';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';


/** Brute force `le`: try every candidate threshold (each distinct score, and +inf). */
function bruteLe(scores: number[], labels: number[], target: number) {
  const P = labels.filter((l) => l === 1).length;
  const N = labels.length - P;
  let best = { tar: 0, fa: 0, threshold: Infinity };
  for (const t of [...new Set(scores)].sort((a, b) => b - a)) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) labels[i] ? tp++ : fp++;
    });
    // Ties on TAR go to the lower threshold (the last one scanned), as the curve's last such vertex.
    if (fp / N <= target && tp / P >= best.tar) best = { tar: tp / P, fa: fp, threshold: t };
  }
  return best;
}

describe('tarAtFarLe against brute force', () => {
  const rand = mulberry32(7);
  for (let trial = 0; trial < 40; trial++) {
    it(`random tied scores #${trial}`, () => {
      const n = 20 + Math.floor(rand() * 200);
      const labels = Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      const scores = labels.map((l) => Math.round((rand() + 0.4 * l) * 20) / 20);
      const sorted = splitByLabel(Float64Array.from(scores), Uint8Array.from(labels));
      for (const target of [0.001, 0.01, 0.05, 0.1, 0.3, 1]) {
        const expected = bruteLe(scores, labels, target);
        const got = tarAtFarLe(sorted, target);
        expect([got.tar, got.falseAccepts, got.threshold]).toEqual([expected.tar, expected.fa, expected.threshold]);
        expect(got.far).toBeLessThanOrEqual(target);
      }
    });
  }
});

describe('le and bob on hand-made ties', () => {
  // Impostors 0.9, 0.8, 0.8, 0.7 (N=4); genuines 0.85, 0.75, 0.6 (P=3).
  const sorted = splitByLabel(Float64Array.from([0.9, 0.8, 0.8, 0.7, 0.85, 0.75, 0.6]), Uint8Array.from([0, 0, 0, 0, 1, 1, 1]));
  it('le at 0.25 allows one false accept: threshold just above the 0.8 block, at the genuine 0.85', () => {
    expect(tarAtFarLe(sorted, 0.25)).toMatchObject({ tar: 1 / 3, falseAccepts: 1, threshold: 0.85 });
  });
  it('le at 0.5 cannot take the 0.8 block halfway (it would need 3 false accepts)', () => {
    expect(tarAtFarLe(sorted, 0.5)).toMatchObject({ tar: 1 / 3, falseAccepts: 1, threshold: 0.85 });
  });
  it('le at 0.75 takes the whole 0.8 block', () => {
    expect(tarAtFarLe(sorted, 0.75)).toMatchObject({ tar: 2 / 3, falseAccepts: 3, threshold: 0.75 });
  });
  it('bob thresholds sit on impostor scores, ties consumed as a block', () => {
    expect(tarAtFarBob(sorted, 0.25)).toMatchObject({ threshold: 0.9, falseAccepts: 1, tar: 0 });
    expect(tarAtFarBob(sorted, 0.5)).toMatchObject({ threshold: 0.9, falseAccepts: 1, tar: 0 });
    expect(tarAtFarBob(sorted, 0.75)).toMatchObject({ threshold: 0.8, falseAccepts: 3, tar: 1 / 3 });
    expect(tarAtFarBob(sorted, 0.1)).toMatchObject({ threshold: nextUp(0.9), falseAccepts: 0, tar: 0 });
    expect(tarAtFarBob(sorted, 1)).toMatchObject({ threshold: nextDown(0.7), falseAccepts: 4, tar: 2 / 3 });
  });
  it('the curve vertices are one per distinct score', () => {
    const roc = rocCurve(sorted, { dropIntermediate: false });
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6]);
    expect(Array.from(roc.falseAccepts)).toEqual([0, 1, 1, 3, 3, 4, 4]);
    expect(Array.from(roc.trueAccepts)).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });
});

describe('nextUp / nextDown', () => {
  it('step one ulp', () => {
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextDown(1)).toBe(1 - Number.EPSILON / 2);
    expect(nextUp(-1)).toBe(-1 + Number.EPSILON / 2);
    expect(nextUp(0)).toBe(Number.MIN_VALUE);
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
  });
});
