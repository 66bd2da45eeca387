import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rocCurve, splitByLabel } from '../../src/metrics/roc.js';
import { rocCurveInKernels } from '../../src/metrics/roc-kernel.js';
import { Kernels } from '../../src/wasm/kernels.js';
import { REPO } from '../helpers/cli.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Tie-heavy float32 scores: a few hundred distinct values, both signs, both zeros. */
function tieHeavy(n: number, seed: number): { scores: Float32Array; labels: Uint8Array } {
  const r = random(seed);
  const scores = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    labels[k] = r() < 0.05 ? 1 : 0;
    const v = Math.round((r() - 0.3 + labels[k] * 0.4) * 300) / 256;
    scores[k] = v === 0 && r() < 0.5 ? -0 : v;
  }
  labels[0] = 1;
  labels[1] = 0;
  return { scores, labels };
}

function expectSameCurve(a: ReturnType<typeof rocCurve>, b: ReturnType<typeof rocCurve>): void {
  for (const key of ['fpr', 'tpr', 'trueAccepts', 'falseAccepts', 'thresholds'] as const) expect(Array.from(a[key])).toEqual(Array.from(b[key]));
  expect([a.positives, a.negatives]).toEqual([b.positives, b.negatives]);
}

describe('rocCurveInKernels equals splitByLabel + rocCurve', () => {
  const kernels = new Kernels();
  for (const [n, seed] of [[1000, 1], [70_000, 2], [300_000, 3]]) {
    for (const drop of [true, false]) {
      it(`${n} tie-heavy float32 scores, drop_intermediate=${drop}`, () => {
        const { scores, labels } = tieHeavy(n, seed);
        const reference = splitByLabel(scores.slice(), labels);
        const expected = rocCurve(reference, { dropIntermediate: drop });
        const got = rocCurveInKernels(scores, labels, kernels, drop);
        expectSameCurve(got.roc, expected);
        expect(Array.from(got.sorted.genuine)).toEqual(Array.from(reference.genuine));
        expect(Array.from(got.sorted.impostor)).toEqual(Array.from(reference.impostor));
      });
    }
  }
  it('scores already at offset 0 of the kernel memory (the simd scorer\'s output), memory growing', () => {
    const { scores, labels } = tieHeavy(100_000, 4);
    const fresh = new Kernels();
    fresh.ensureBytes(scores.length * 4);
    const view = fresh.f32(0, scores.length);
    view.set(scores);
    expectSameCurve(rocCurveInKernels(view, labels, fresh).roc, rocCurve(splitByLabel(scores.slice(), labels)));
  });
  it('working from a base offset, in place and copied in', () => {
    const { scores, labels } = tieHeavy(50_000, 5);
    const expected = rocCurve(splitByLabel(scores.slice(), labels));
    const fresh = new Kernels();
    const base = 4096 + 16;
    fresh.ensureBytes(base + scores.length * 4);
    const view = fresh.f32(base, scores.length);
    view.set(scores);
    fresh.f32(0, base / 4).fill(NaN); // below base: must not be read
    expectSameCurve(rocCurveInKernels(view, labels, fresh, true, base).roc, expected);
    expectSameCurve(rocCurveInKernels(scores, labels, fresh, true, base + 32).roc, expected);
    // Labels in the kernel memory (as the pair parser leaves them), below base, used in place.
    const other = new Kernels();
    const labelsAt = 16;
    const scoresAt = 64 * 1024;
    other.ensureBytes(scoresAt + scores.length * 4);
    const inKernelLabels = other.u8(labelsAt, labels.length);
    inKernelLabels.set(labels);
    const inKernelScores = other.f32(scoresAt, scores.length);
    inKernelScores.set(scores);
    expectSameCurve(rocCurveInKernels(inKernelScores, inKernelLabels, other, true, scoresAt).roc, expected);
    expect(Array.from(inKernelLabels)).toEqual(Array.from(labels));
  });
  it('a NaN score is an error, not an endless loop', () => {
    const { scores, labels } = tieHeavy(1000, 6);
    scores[10] = NaN;
    expect(() => rocCurveInKernels(scores, labels, kernels)).toThrow(/NaN/);
  });
  it('distinct scores spread over the whole float32 range (every radix digit used)', () => {
    const r = random(9);
    const n = 200_000;
    const bits = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      do bits[k] = Math.floor(r() * 2 ** 32);
      while (((bits[k] >>> 23) & 0xff) === 0xff); // no NaN or Inf
    }
    const scores = new Float32Array(bits.buffer);
    const labels = Uint8Array.from(scores, (_, k) => (k % 7 === 0 ? 1 : 0));
    expectSameCurve(rocCurveInKernels(scores, labels, kernels).roc, rocCurve(splitByLabel(scores.slice(), labels)));
  });
  it('sklearn roc_curve cases (scores rounded to float32: same order, same ties)', () => {
    const cases: { name: string; labels: number[]; scores: number[]; roc: { fpr: number[]; tpr: number[] } }[] = JSON.parse(
      readFileSync(join(REPO, 'test/data/roc-cases.json'), 'utf8'),
    ).cases;
    const float32Cases = cases.filter((c) => new Set(c.scores).size === new Set(c.scores.map(Math.fround)).size);
    expect(float32Cases.length).toBe(cases.length);
    for (const c of float32Cases) {
      const { roc } = rocCurveInKernels(Float32Array.from(c.scores), Uint8Array.from(c.labels), kernels);
      expect([c.name, Array.from(roc.fpr), Array.from(roc.tpr)]).toEqual([c.name, c.roc.fpr, c.roc.tpr]);
    }
  });
});
