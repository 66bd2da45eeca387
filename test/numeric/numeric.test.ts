import { describe, expect, it } from 'vitest';
import { nextDown, nextUp, numpyMeanStd, numpyNextAfter, numpyPow10, pairwiseSum, pairwiseSumOfSquares, percentile } from '../../src/numeric/numpy.js';
import { ijb1nRequiredTopCount, ijbEvalsThresholdIndex, pythonFixed } from '../../src/numeric/python.js';
import { magfaceAngularScore } from '../../src/numeric/torch.js';

describe('numpy', () => {
  it('percentile interpolates as numpy 1.24 _lerp, also where t >= 0.5 rounds differently', () => {
    // np.percentile(v, 97.5) and np.percentile(v2, 60) printed by numpy 1.24.2; a + (b − a)·t gives
    // 0.11451701403264206 and 0.7047817892317914 here.
    expect(percentile(Float64Array.from([0.09168312261651779, 0.1151024984279273]), 0.975)).toBe(0.11451701403264207);
    expect(percentile(Float64Array.from([0.629352904800649, 0.7236390103395769, 0.2963903927869346, 0.7431466604224978]), 0.6)).toBe(0.7047817892317912);
    expect(percentile(Float64Array.from([NaN, 3, 1]), 0.5)).toBe(2);
    expect(percentile(Float64Array.from([NaN]), 0.5)).toBeNaN();
  });

  it('nextUp / nextDown step one float64', () => {
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextDown(1)).toBe(1 - Number.EPSILON / 2);
    expect(nextUp(0)).toBe(Number.MIN_VALUE);
    expect(nextUp(-Number.MIN_VALUE)).toBe(-0);
    // np.nextafter(x, x + 1) is x itself where x + 1 rounds to x
    expect(numpyNextAfter(2 ** 60, 2 ** 60 + 1)).toBe(2 ** 60);
    expect(numpyNextAfter(1, 2)).toBe(nextUp(1));
    expect(numpyNextAfter(1, 0)).toBe(nextDown(1));
  });

  it('numpyPow10 = 10 ** np.float64(x) (glibc pow), where V8 is an ulp off', () => {
    // printed by numpy 1.24.2 on glibc: 10 ** np.float64(x)
    const cases: [number, number][] = [
      [0.8550321611991816, 7.161964453875245],
      [0.8873486871014311, 7.715226619051167],
      [-2.331418828536438, 0.004662095563843921],
      [-4.856184819030442, 1.3925640551189386e-5],
      [-7.406762273801779, 3.919563693564711e-8],
      [-3.7829423113592995, 0.0001648381336428472],
      [-4, 0.0001],
      [-3.96, 0.00010964781961431851],
      [-2, 0.01],
      [-0.3, 0.5011872336272722],
    ];
    for (const [x, y] of cases) expect(numpyPow10(x)).toBe(y);
    expect(10 ** -4).not.toBe(0.0001); // why it exists
  });

  it('numpyMeanStd as np.mean / np.std', () => {
    const v = Float64Array.from([0.1, 0.2, 0.30000000000000004, 1e-3, 7.5]);
    expect(numpyMeanStd(v)).toEqual({ mean: 1.6202, std: 2.941590073412677 });
  });

  it('pairwiseSum splits runs over 128 as numpy does (differs from a plain loop)', () => {
    const a = Float64Array.from({ length: 300 }, (_, i) => 1 / (i + 1) + (i % 7) * 1e-3);
    let plain = 0;
    for (const x of a) plain += x;
    const halves = pairwiseSum(a, 0, 144) + pairwiseSum(a, 144, 156);
    expect(pairwiseSum(a, 0, 300)).toBe(halves);
    expect(Math.abs(pairwiseSum(a, 0, 300) - plain)).toBeLessThan(1e-13);
  });

  it('pairwiseSumOfSquares equals pairwiseSum over the written-out squares, bit for bit, at any length and offset', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const f32 = Float32Array.from({ length: 2000 }, () => rand() * 3);
    const f64 = Float64Array.from({ length: 2000 }, () => rand() * 1e3 + 1 / 3);
    for (const a of [f32, f64]) {
      for (const n of [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 300, 512, 513, 1000]) {
        for (const s of [0, 3, 777]) {
          const squares = Float64Array.from(a.subarray(s, s + n), (x) => x * x);
          expect(pairwiseSumOfSquares(a, s, n)).toBe(pairwiseSum(squares, 0, n));
        }
      }
    }
  });
});

describe('python', () => {
  it("pythonFixed rounds exact halves to even as '%.nf' does", () => {
    expect(pythonFixed(0.015625, 4)).toBe('0.0156');
    expect(pythonFixed(0.125, 2)).toBe('0.12');
    expect(pythonFixed(0.375, 2)).toBe('0.38');
    expect(pythonFixed(2.5, 0)).toBe('2');
    expect(pythonFixed(-0.125, 2)).toBe('-0.12');
    expect(pythonFixed(NaN, 2)).toBe('nan');
  });

  it('the 1:N scripts index rules: int() truncates, ceil of the float64 product', () => {
    expect(ijbEvalsThresholdIndex(9800, 1e-4)).toBe(0); // int(0.98) − 1 = −1 → 0
    expect(ijbEvalsThresholdIndex(9800, 1e-3)).toBe(8); // int(9.8) − 1
    expect(ijbEvalsThresholdIndex(100, 0.07)).toBe(6); // 100 · 0.07 = 7.000000000000001
    expect(ijbEvalsThresholdIndex(100, 0.29)).toBe(27); // 100 · 0.29 = 28.999999999999996
    expect(ijb1nRequiredTopCount(19593, 0.01)).toBe(196);
    expect(ijb1nRequiredTopCount(100, 0.07)).toBe(8); // ceil(7.000000000000001)
  });
});

describe('torch', () => {
  it('magfaceAngularScore is 1 − acos(cos)/π in float32, clamped', () => {
    expect(magfaceAngularScore(1)).toBe(1);
    expect(magfaceAngularScore(-1)).toBe(0);
    expect(magfaceAngularScore(1.0000001)).toBe(1);
    expect(magfaceAngularScore(0)).toBe(Math.fround(1 - Math.fround(Math.fround(Math.acos(0)) / Math.fround(Math.PI))));
  });
});

describe('percent (report/format.ts) prints as ijb_11.py', () => {
  it("'%.2f' % (rate * 100): an exact half rounds to even", async () => {
    const { percent } = await import('../../src/report/format.js');
    expect(percent(0.12125)).toBe(pythonFixed(0.12125 * 100, 2));
    expect(percent(0.00125)).toBe('0.12'); // 0.125 exactly: Python '%.2f' → '0.12', toFixed → '0.13'
    expect(percent(0.9735)).toBe('97.35');
  });
});
