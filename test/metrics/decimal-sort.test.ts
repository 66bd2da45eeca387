import { describe, expect, it } from 'vitest';
import { sortScoresDescending } from '../../src/metrics/decimal-sort.js';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';

describe('sortScoresDescending', () => {
  const rand = mulberry32(11);
  const cases: [string, () => number][] = [
    ['6 decimals', () => Number(((rand() - 0.4) * 2).toFixed(6))],
    ['2 decimals, negative, many ties', () => Number((-rand() * 3).toFixed(2))],
    ['integers', () => Math.floor(rand() * 40) - 20],
    ['full float64 (falls back to the built-in sort)', () => rand() - 0.5],
    ['6 decimals but a huge range (falls back)', () => Number(((rand() - 0.5) * 1e7).toFixed(6))],
  ];
  for (const [name, draw] of cases) {
    it(name, () => {
      for (const n of [10, 5000, 70000]) {
        const values = Float64Array.from({ length: n }, draw);
        const expected = [...values].sort((a, b) => b - a);
        // -0 and +0 are one value to the metrics; the counting sort writes +0.
        expect([...sortScoresDescending(values)].map((x) => x + 0)).toEqual(expected.map((x) => x + 0));
      }
    });
  }
});
