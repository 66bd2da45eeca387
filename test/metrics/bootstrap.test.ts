import { describe, expect, it } from 'vitest';
import { bootstrapTarAtFar, drawMultiplicities, prepareBootstrap, runReplicates, templateStrata, Xoshiro128 } from '../../src/metrics/bootstrap.js';
import { percentile } from '../../src/numeric/numpy.js';
import { rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { tarAtFar, TAR_RULES, type TarRule } from '../../src/metrics/tar-at-far.js';

/** A small gallery × probe protocol with coarse (tied) scores. */
function tinyProtocol(seed: number, gallery: number, probes: number, opts: { overlap?: boolean; levels?: number } = {}) {
  const rng = new Xoshiro128(seed);
  const first: number[] = [];
  const second: number[] = [];
  const labels: number[] = [];
  const scores: number[] = [];
  const levels = opts.levels ?? 40;
  for (let b = 0; b < probes; b++) {
    const mate = b % gallery;
    for (let a = 0; a < gallery; a++) {
      if (a !== mate && rng.nextIndex(3) === 0) continue; // not every pair present
      const genuine = a === mate ? 1 : 0;
      first.push(a);
      second.push(opts.overlap ? (b % 3 === 0 ? a : gallery + b) : gallery + b);
      labels.push(genuine);
      // Quantised scores: many ties within and across the two classes.
      scores.push(Math.round((rng.nextIndex(1000) / 1000 + (genuine ? 0.45 : 0)) * levels) / levels);
    }
  }
  return { first: Int32Array.from(first), second: Int32Array.from(second), labels: Uint8Array.from(labels), scores: Float64Array.from(scores) };
}

/** Brute force: repeat every pair weight = m[a]·m[b] times, then the unweighted reference rules. */
function bruteForceReplicate(p: ReturnType<typeof tinyProtocol>, mA: Int32Array, mB: Int32Array, strata: ReturnType<typeof templateStrata>, targets: number[], rule: TarRule): number[] {
  const s: number[] = [];
  const l: number[] = [];
  for (let k = 0; k < p.labels.length; k++) {
    const w = mA[strata.localFirst[k]] * mB[strata.localSecond[k]];
    for (let c = 0; c < w; c++) {
      s.push(p.scores[k]);
      l.push(p.labels[k]);
    }
  }
  const sorted = splitByLabel(Float64Array.from(s), Uint8Array.from(l));
  if (sorted.genuine.length === 0 || sorted.impostor.length === 0) return targets.map(() => NaN);
  const roc = rocCurve(sorted);
  return targets.map((t) => tarAtFar(rule, roc, sorted, t).tar);
}

describe('Xoshiro128', () => {
  it('is deterministic per seed and spreads indices evenly', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(new Set(xs).size).toBe(5);
    const counts = new Array(10).fill(0);
    const r = new Xoshiro128(1);
    for (let k = 0; k < 100_000; k++) counts[r.nextIndex(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});

describe('templateStrata', () => {
  it('two strata when the sides are disjoint, one otherwise', () => {
    const s = templateStrata(Int32Array.from([0, 0, 2]), Int32Array.from([5, 7, 5]));
    expect(s.kind).toBe('gallery+probe');
    expect([s.firstCount, s.secondCount]).toEqual([2, 2]);
    expect(Array.from(s.localFirst)).toEqual([0, 0, 1]);
    expect(Array.from(s.localSecond)).toEqual([0, 1, 0]);
    const t = templateStrata(Int32Array.from([0, 1]), Int32Array.from([1, 2]));
    expect(t.kind).toBe('templates');
    expect(t.firstCount).toBe(3);
  });
  it('multiplicities sum to the stratum sizes', () => {
    const s = templateStrata(Int32Array.from([0, 1, 2]), Int32Array.from([3, 4, 3]));
    const m = drawMultiplicities(s, new Xoshiro128(3));
    expect(m.first.reduce((x, y) => x + y, 0)).toBe(3);
    expect(m.second.reduce((x, y) => x + y, 0)).toBe(2);
  });
});

describe('bootstrapTarAtFar equals a brute-force bootstrap (pairs repeated by weight) replicate by replicate', () => {
  const targets = [1e-3, 1e-2, 5e-2, 1e-1, 0.3];
  for (const rule of TAR_RULES) {
    for (const overlap of [false, true]) {
      it(`rule ${rule}, ${overlap ? 'one stratum (overlapping sides)' : 'gallery + probe strata'}`, () => {
        const p = tinyProtocol(11, 12, 30, { overlap });
        const R = 60;
        // topFraction 0.01 forces the top-impostor list to grow during the run.
        const fast = bootstrapTarAtFar(p, { replicates: R, seed: 7, ci: 95, targets, rule, topFraction: 0.01 });
        const strata = templateStrata(p.first, p.second);
        expect(fast.strata).toBe(overlap ? 'templates' : 'gallery+probe');
        for (let r = 0; r < R; r++) {
          const m = drawMultiplicities(strata, new Xoshiro128(7, r));
          const expected = bruteForceReplicate(p, m.first, m.second, strata, targets, rule);
          for (let t = 0; t < targets.length; t++) expect(fast.values[t][r], `replicate ${r}, target ${targets[t]}`).toBe(expected[t]);
        }
        for (let t = 0; t < targets.length; t++) {
          expect(fast.intervals[t]).toEqual([percentile(fast.values[t], 0.025), percentile(fast.values[t], 0.975)]);
        }
      });
    }
  }
  it('target 1 with bob / le needs the whole impostor list', () => {
    const p = tinyProtocol(5, 8, 20);
    for (const rule of ['le', 'bob', 'nearest'] as const) {
      const fast = bootstrapTarAtFar(p, { replicates: 20, seed: 1, ci: 90, targets: [1], rule, topFraction: 0 });
      const strata = templateStrata(p.first, p.second);
      for (let r = 0; r < 20; r++) {
        const m = drawMultiplicities(strata, new Xoshiro128(1, r));
        expect(fast.values[0][r]).toBe(bruteForceReplicate(p, m.first, m.second, strata, [1], rule)[0]);
      }
    }
  });
  it('is deterministic for a seed and changes with it', () => {
    const p = tinyProtocol(2, 10, 25);
    const a = bootstrapTarAtFar(p, { replicates: 50, seed: 123, ci: 95, targets: [1e-2], rule: 'nearest' });
    const b = bootstrapTarAtFar(p, { replicates: 50, seed: 123, ci: 95, targets: [1e-2], rule: 'nearest' });
    const c = bootstrapTarAtFar(p, { replicates: 50, seed: 124, ci: 95, targets: [1e-2], rule: 'nearest' });
    expect(b.values[0]).toEqual(a.values[0]);
    expect(c.values[0]).not.toEqual(a.values[0]);
  });
  it('replicate r does not depend on the replicates before it (streams), nor on sortedImpostorScores being given', () => {
    const p = tinyProtocol(4, 10, 25);
    const opts = { replicates: 30, seed: 9, ci: 95, targets: [1e-2, 1e-1], rule: 'le' as const };
    const all = runReplicates(prepareBootstrap(p, opts), opts, 0, 30);
    const tail = runReplicates(prepareBootstrap(p, opts), opts, 20, 30);
    expect(Array.from(tail[1])).toEqual(Array.from(all[1].subarray(20)));
    const sortedImpostorScores = splitByLabel(p.scores, p.labels).impostor;
    expect(bootstrapTarAtFar({ ...p, sortedImpostorScores }, opts).values).toEqual(all);
  });
});

describe('percentile (numpy linear)', () => {
  it('matches numpy.percentile', () => {
    const v = Float64Array.from([4, 1, 3, 2, NaN]);
    // np.percentile([1,2,3,4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
    expect(percentile(v, 0.025)).toBeCloseTo(1.075, 12);
    expect(percentile(v, 0.5)).toBe(2.5);
    expect(percentile(v, 0.975)).toBeCloseTo(3.925, 12);
  });
});
