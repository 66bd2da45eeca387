import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { areaUnderCurve, equalErrorRate, rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { tarAtFarBob, tarAtFarNearest } from '../../src/metrics/tar-at-far.js';
import { REPO } from '../helpers/cli.js';

interface RocCase {
  name: string;
  labels: number[];
  scores: number[];
  roc: { fpr: number[]; tpr: number[]; thresholds: (number | string)[] };
  roc_all: { fpr: number[]; tpr: number[]; thresholds: (number | string)[] };
  auc: number;
  nearest: { far: number; tar: number; fpr: number }[];
  bob: { far: number; threshold: number; tar: number; far_actual: number }[];
}

// Expected values: sklearn roc_curve/auc and the ijb_11.py nearest rule, run by test/reference/gen_roc_cases.py.
const cases: RocCase[] = JSON.parse(readFileSync(join(REPO, 'test/data/roc-cases.json'), 'utf8')).cases;

function sortedOf(c: RocCase) {
  return splitByLabel(Float64Array.from(c.scores), Uint8Array.from(c.labels));
}

describe('rocCurve equals sklearn roc_curve', () => {
  for (const c of cases) {
    it(`${c.name} (drop_intermediate=True)`, () => {
      const roc = rocCurve(sortedOf(c));
      expect(Array.from(roc.fpr)).toEqual(c.roc.fpr);
      expect(Array.from(roc.tpr)).toEqual(c.roc.tpr);
      // thresholds[0] is +inf here, max+1 in sklearn < 1.3; the rest are the scores themselves.
      expect(roc.thresholds[0]).toBe(Infinity);
      expect(Array.from(roc.thresholds.slice(1))).toEqual(c.roc.thresholds.slice(1));
      expect(areaUnderCurve(roc)).toBeCloseTo(c.auc, 12);
    });
    it(`${c.name} (drop_intermediate=False)`, () => {
      const roc = rocCurve(sortedOf(c), { dropIntermediate: false });
      expect(Array.from(roc.fpr)).toEqual(c.roc_all.fpr);
      expect(Array.from(roc.tpr)).toEqual(c.roc_all.tpr);
      expect(Array.from(roc.thresholds.slice(1))).toEqual(c.roc_all.thresholds.slice(1));
    });
  }
});

describe('TAR@FAR rules equal the reference', () => {
  for (const c of cases) {
    it(`nearest (ijb_11.py) on ${c.name}`, () => {
      const roc = rocCurve(sortedOf(c));
      for (const e of c.nearest) {
        const r = tarAtFarNearest(roc, e.far);
        expect([r.tar, r.far]).toEqual([e.tar, e.fpr]);
      }
    });
    it(`bob far_threshold on ${c.name}`, () => {
      const sorted = sortedOf(c);
      for (const e of c.bob) {
        const r = tarAtFarBob(sorted, e.far);
        expect([r.threshold, r.tar, r.far]).toEqual([e.threshold, e.tar, e.far_actual]);
      }
    });
  }
});

describe('equalErrorRate', () => {
  it('interpolates the crossing of FRR and FAR on a hand-made curve', () => {
    // genuine 0.9 0.8 0.3, impostor 0.7 0.2: vertices (fpr,tpr) (0,0) (0,2/3) (0.5,2/3) (0.5,1) (1,1).
    const roc = rocCurve(splitByLabel(Float64Array.from([0.9, 0.8, 0.3, 0.7, 0.2]), Uint8Array.from([1, 1, 1, 0, 0])), { dropIntermediate: false });
    const e = equalErrorRate(roc);
    // Segment (0, 2/3) → (0.5, 2/3): FRR = 1/3 constant, FAR rises from 0 to 0.5: crossing at FAR = 1/3.
    expect(e.eer).toBeCloseTo(1 / 3, 15);
    expect(e.threshold).toBe(0.7);
  });
  it('is 0 for perfectly separated scores', () => {
    const roc = rocCurve(splitByLabel(Float64Array.from([0.9, 0.8, 0.1]), Uint8Array.from([1, 1, 0])));
    expect(equalErrorRate(roc).eer).toBe(0);
  });
});
