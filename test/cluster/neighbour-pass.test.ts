import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { loopBlockScreen, onnxBlockScreen } from '../../src/cluster/block-screen.js';
import { distance64, dot64, float64DotErrorBound, gamma, normaliseRows, similarity32 } from '../../src/cluster/exact-products.js';
import { KnnHeaps, type KnnLists } from '../../src/cluster/knn-lists.js';
import { neighbourPass, type BlockScreen } from '../../src/cluster/neighbour-pass.js';
import { canonicalLabels } from '../../src/metrics/cluster-labels.js';

/** Clustered unit-ish features with exact duplicates (ties) and a shared offset (positive cosines). */
function clusteredFeatures(seed: number, n: number, dim: number, ids: number): Float32Array {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const centres = Array.from({ length: ids }, () => Array.from({ length: dim }, g));
  const common = Array.from({ length: dim }, g);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rand() < 0.08) {
      const src = Math.floor(rand() * i);
      data.copyWithin(i * dim, src * dim, (src + 1) * dim);
      continue;
    }
    const c = centres[Math.floor(rand() * ids)];
    const mag = 5 + 20 * rand();
    for (let d = 0; d < dim; d++) data[i * dim + d] = mag * (c[d] + 0.9 * common[d] + 0.55 * g());
  }
  return data;
}

/** Brute force: components of {‖xi − xj‖ ≤ t} and every face's exact k best (similarity ≥ floor). */
function bruteForce(data: Float32Array, n: number, dim: number, cut: number, k: number, floor: number) {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const bound = float64DotErrorBound(dim);
  const lists: { j: number; s: number }[][] = [];
  let fullRows = 0; // rows with more than k entries above the floor: their heaps must drop some
  for (let i = 0; i < n; i++) {
    const all: { j: number; s: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j > i && distance64(data, i, j, dim) <= cut) {
        const a = find(i), b = find(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
      all.push({ j, s: similarity32(data, i, j, dim, bound) });
    }
    all.sort((x, y) => y.s - x.s || x.j - y.j);
    if (all.filter((e) => e.s >= floor).length > k) fullRows++;
    lists.push(all.slice(0, k).filter((e) => e.s >= floor));
  }
  return { labels: canonicalLabels(Int32Array.from({ length: n }, (_, i) => find(i))), lists, fullRows };
}

function listsOf(knn: KnnLists): { j: number; s: number }[][] {
  const out: { j: number; s: number }[][] = [];
  for (let i = 0; i + 1 < knn.offsets.length; i++) {
    const row: { j: number; s: number }[] = [];
    for (let e = knn.offsets[i]; e < knn.offsets[i + 1]; e++) row.push({ j: knn.neighbours[e], s: knn.similarities[e] });
    out.push(row);
  }
  return out;
}

/** Estimates off by up to the float32 error bound (by pair parity), threshold lowered by it: the pass must not notice. */
function perturbedScreen(data: Float32Array, dim: number): BlockScreen {
  const delta = gamma(dim, 2 ** -24) * 0.999;
  return async (r0, rowCount, c0, colCount, threshold) => {
    const rows: number[] = [], cols: number[] = [];
    for (let i = 0; i < rowCount; i++) {
      for (let j = 0; j < colCount; j++) {
        const estimate = dot64(data, r0 + i, c0 + j, dim) + ((i + j) % 3 === 0 ? delta : (i + j) % 3 === 1 ? -delta : 0);
        if (estimate >= threshold - gamma(dim, 2 ** -24)) {
          rows.push(i);
          cols.push(j);
        }
      }
    }
    return { rows: Int32Array.from(rows), cols: Int32Array.from(cols), count: rows.length };
  };
}

describe('neighbourPass equals brute force (FastHAC components, exact kNN lists)', () => {
  const n = 420, dim = 48, k = 12, cut = 0.72, floor = 0.55;
  const data = clusteredFeatures(7, n, dim, 30);
  normaliseRows(data, n, dim);
  const expected = bruteForce(data, n, dim, cut, k, floor);
  it('the set exercises the cases: several clusters, duplicate faces, rows with more than k candidates', () => {
    const clusters = new Set(expected.labels).size;
    expect(clusters).toBeGreaterThan(5);
    expect(clusters).toBeLessThan(n / 2);
    expect(expected.fullRows).toBeGreaterThan(n / 4);
    expect(expected.lists.some((row) => row.filter((e) => e.s === row[0].s).length > 1)).toBe(true);
  });

  const variants: [string, BlockScreen, Partial<Parameters<typeof neighbourPass>[0]>][] = [
    ['float32 loop screen, one block', loopBlockScreen(data, n, dim), {}],
    ['estimates perturbed by the error bound, small blocks', perturbedScreen(data, dim), { blockRows: 37, blockCols: 101 }],
  ];
  for (const [name, screen, extra] of variants) {
    it(name, async () => {
      const r = await neighbourPass({ data, rows: n, dim, screen, linkDistances: [cut, 0.5], knn: { k, floor }, ...extra });
      expect(Array.from(canonicalLabels(r.linkComponents[0]))).toEqual(Array.from(expected.labels));
      expect(listsOf(r.knn!)).toEqual(expected.lists);
    });
  }
  it('onnxruntime screen', async () => {
    const owned = await onnxBlockScreen(data, n, dim);
    try {
      const r = await neighbourPass({ data, rows: n, dim, screen: owned.screen, linkDistances: [cut], knn: { k, floor }, blockRows: 100, blockCols: 150 });
      expect(Array.from(canonicalLabels(r.linkComponents[0]))).toEqual(Array.from(expected.labels));
      expect(listsOf(r.knn!)).toEqual(expected.lists);
    } finally {
      await owned.release();
    }
  });
});

describe('KnnHeaps keeps each row\'s k best (similarity, then lower index)', () => {
  it('equals sorting every offer, with heavy ties, in any offer order', () => {
    const rand = mulberry32(11);
    const rows = 5, k = 7;
    const offers: [number, number, number][] = [];
    for (let x = 0; x < 400; x++) offers.push([Math.floor(rand() * rows), Math.floor(rand() * 60), Math.floor(rand() * 6) / 8]);
    const heaps = new KnnHeaps(rows, k);
    const seen = new Set<string>();
    for (const [i, j, s] of offers) {
      if (seen.has(`${i},${j}`)) continue; // a face is offered to a row once, as in the pass
      seen.add(`${i},${j}`);
      heaps.offer(i, j, s);
    }
    const lists = heaps.toLists(0);
    for (let i = 0; i < rows; i++) {
      const all = [...seen].map((key) => key.split(',').map(Number)).filter(([r]) => r === i).map(([, j]) => ({ j, s: offers.find((o) => o[0] === i && o[1] === j)![2] }));
      all.sort((a, b) => b.s - a.s || a.j - b.j);
      const got = Array.from(lists.neighbours.subarray(lists.offsets[i], lists.offsets[i + 1]));
      expect(got).toEqual(all.slice(0, k).map((e) => e.j));
    }
  });
});
