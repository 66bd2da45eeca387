/**
 * Reference parity: every aggregation against the published code's own pair scores and TAR@FAR,
 * produced by test/reference/gen_ijb_parity.py (insightface ijb_11.py, MagFace eval_ijb.py, sklearn).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpyMatrix } from '../../src/io/npy.js';
import { rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { runIjb1v1, type IjbResult } from '../../src/protocols/ijb-1v1.js';
import type { ScoringMethod } from '../../src/scoring/pair-scores.js';
import { REPO } from '../helpers/cli.js';

const DIR = join(REPO, 'test/data/ijb-parity');
interface ModeExpectation {
  scores_npy: string;
  auc: number;
  nearest: { far: number; tar: number; fpr: number }[];
  roc: { fpr: number[]; tpr: number[] };
}
const expected: { far_targets: number[]; counts: { genuine: number }; modes: Record<string, ModeExpectation> } = JSON.parse(
  readFileSync(join(DIR, 'expected.json'), 'utf8'),
);
const modes = Object.keys(expected.modes);
// Third column of the pair file, in order.
const pairLabels = Uint8Array.from(
  readFileSync(join(DIR, 'meta/ijbc_template_pair_label.txt'), 'utf8').trim().split('\n'),
  (line) => Number(line.trim().split(/\s+/)[2]),
);

async function run(aggregate: string, scoring: ScoringMethod): Promise<IjbResult> {
  return runIjb1v1(optionsOf(aggregate, scoring));
}

function optionsOf(aggregate: string, scoring: ScoringMethod): Parameters<typeof runIjb1v1>[0] {
  return {
    root: DIR,
    target: 'IJBC',
    features: join(DIR, 'features.npy'),
    flipFeatures: join(DIR, 'features_flip.npy'),
    aggregate,
    fars: expected.far_targets,
    rule: 'nearest',
    scoring,
  };
}

function referenceScores(mode: string): Float32Array {
  // Stored as float64 .npy; readNpyMatrix narrows to float32, so read the raw bytes instead.
  const buf = readFileSync(join(DIR, expected.modes[mode].scores_npy));
  const headerLen = buf.readUInt16LE(8);
  return new Float64Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen, buf.byteOffset + buf.length)) as unknown as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('IJB 1:1 parity with the published reference code (exact scoring)', async () => {
  const result = await run(modes.join(','), 'exact');
  const onePair = 1 / expected.counts.genuine;
  for (const [k, mode] of modes.entries()) {
    const r = result.results[k];
    const ref = expected.modes[mode];
    const isMagface = mode.startsWith('magface');
    it(`${mode}: pair scores`, () => {
      expect(r.aggregation).toBe(mode);
      // insightface: float64 scores, same summation order → last-bit agreement. MagFace's torch
      // float32 cosine is only reproduced to a couple of float32 ulps.
      expect(maxAbsDiff(r.scores!, referenceScores(mode))).toBeLessThan(isMagface ? 3e-7 : 1e-15);
    });
    it(`${mode}: TAR@FAR (nearest rule) and AUC`, () => {
      for (const [i, e] of ref.nearest.entries()) {
        const got = r.tarAtFar[i];
        if (isMagface) expect(Math.abs(got.tar - e.tar)).toBeLessThanOrEqual(onePair + 1e-12);
        else expect([got.tar, got.far]).toEqual([e.tar, e.fpr]);
      }
      expect(r.auc).toBeCloseTo(ref.auc, isMagface ? 5 : 12);
    });
    if (!isMagface) {
      it(`${mode}: the whole ROC curve`, () => {
        const roc = rocCurve(splitByLabel(r.scores!.slice(), pairLabels));
        expect(Array.from(roc.fpr)).toEqual(ref.roc.fpr);
        expect(Array.from(roc.tpr)).toEqual(ref.roc.tpr);
      });
    }
  }
});

for (const method of ['gemm', 'simd'] as const) {
  describe(`${method} scoring stays within float32 rounding of the reference`, async () => {
    const result = await run(modes.join(','), method);
    const onePair = 1 / expected.counts.genuine;
    for (const [k, mode] of modes.entries()) {
      it(mode, () => {
        const r = result.results[k];
        expect(result.scoring).toBe(method);
        expect(maxAbsDiff(r.scores!, referenceScores(mode))).toBeLessThan(1e-6);
        for (const [i, e] of expected.modes[mode].nearest.entries()) {
          expect(Math.abs(r.tarAtFar[i].tar - e.tar)).toBeLessThanOrEqual(onePair + 1e-12);
        }
        expect(r.auc).toBeCloseTo(expected.modes[mode].auc, 5);
      });
    }
  });
}

describe('keepScores: false', async () => {
  const kept = await run('plain,magface', 'simd');
  const dropped = await runIjb1v1({ ...optionsOf('plain,magface', 'simd'), keepScores: false });
  it('gives the same numbers and no score vectors', () => {
    expect(dropped.results.map((r) => r.scores)).toEqual([undefined, undefined]);
    expect(dropped.results.map((r) => [r.tarAtFar, r.auc, r.eer, r.curve])).toEqual(kept.results.map((r) => [r.tarAtFar, r.auc, r.eer, r.curve]));
  });
});

describe('aliases', async () => {
  const result = await run('plain,magnitude,insightface', 'exact');
  const exact = await run('insightface:N0D0F1,insightface:N1D0F1,insightface:N1D1F1', 'exact');
  it('plain = N0D0F1, magnitude = N1D0F1, insightface = N1D1F1 when flip features are given', () => {
    for (let k = 0; k < 3; k++) expect(result.results[k].scores).toEqual(exact.results[k].scores);
  });
  it('reads the features exactly (float32, row-major)', () => {
    const m = readNpyMatrix(join(DIR, 'features.npy'));
    expect([m.rows, m.cols]).toEqual([1178, 64]);
  });
});
