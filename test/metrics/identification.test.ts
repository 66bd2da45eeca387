import { describe, expect, it } from 'vitest';
import {
  closedSetRanks,
  cmc,
  cmcRanks,
  dirFpirCurve,
  gallerySearches,
  ijbEvalsFpirGrid,
  insightfaceFar,
  openSetScores,
  rankHits,
  tieDependentSearches,
  tpirAtFpir,
  type ProbeSearches,
} from '../../src/metrics/identification.js';
import { bootstrapIdentification } from '../../src/metrics/identification-bootstrap.js';
import { percentileIntervals, Xoshiro128 } from '../../src/metrics/bootstrap.js';
import { summariseBlock, summariseBlockInKernels, TopScores, type SearchLayout, type SearchSummary } from '../../src/scoring/gallery-search.js';
import { KernelArena } from '../../src/wasm/arena.js';

/** A seeded uniform generator. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A random search problem: P probes × C gallery columns in two galleries, scores on a coarse grid (many exact ties). */
function problem(seed: number, P = 60, sizes = [9, 8]) {
  const r = lcg(seed);
  const C = sizes[0] + sizes[1];
  const starts = Int32Array.from([0, sizes[0], C]);
  const scores = Float64Array.from({ length: P * C }, () => Math.round(r() * 40) / 40);
  // every probe mated in one gallery; some mates boosted so that ranks vary
  const mateColumn = Int32Array.from({ length: P }, () => Math.floor(r() * C));
  for (let p = 0; p < P; p++) if (r() < 0.5) scores[p * C + mateColumn[p]] = Math.min(1, scores[p * C + mateColumn[p]] + 0.3);
  const layout: SearchLayout = { galleryTemplates: Int32Array.from({ length: C }, (_, c) => c), galleryStarts: starts, probeTemplates: Int32Array.from({ length: P }, (_, p) => p), mateColumn, poolSize: 7 };
  return { P, C, starts, scores, layout };
}

function summarise(pr: ReturnType<typeof problem>, blockRows: number, arena?: KernelArena): SearchSummary {
  const { P, C, scores, layout } = pr;
  const s: SearchSummary = {
    mateScore: new Float64Array(P),
    topNonMate: [new Float64Array(P), new Float64Array(P)],
    nonMatesAtOrAbove: [new Int32Array(P), new Int32Array(P)],
    nonMatesAbove: [new Int32Array(P), new Int32Array(P)],
    pooledTopNonMate: new Float64Array(0),
  };
  const pool = new TopScores(layout.poolSize);
  for (let p0 = 0; p0 < P; p0 += blockRows) {
    const n = Math.min(blockRows, P - p0);
    const block = Float32Array.from(scores.subarray(p0 * C, (p0 + n) * C));
    if (!arena) summariseBlock(block, p0, n, layout, s, pool);
    else {
      // the block in the kernel memory, followed by room for rowStats' output
      const at = arena.scratch(block.byteLength + 32);
      arena.kernels.f32(at, block.length).set(block);
      summariseBlockInKernels(arena, arena.kernels.f32(at, block.length), p0, n, layout, s, pool);
    }
  }
  s.pooledTopNonMate = pool.sorted();
  return s;
}

const galleryOf = (c: number, starts: Int32Array): number => (c < starts[1] ? 0 : 1);

describe('summariseBlock + TopScores = brute force over the score matrix', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}, any block size`, () => {
      const pr = problem(seed);
      const { P, C, starts, scores, layout } = pr;
      const f32 = Float32Array.from(scores); // the summary reads float32 blocks here
      const nonMates: number[] = [];
      for (let p = 0; p < P; p++) {
        const m = f32[p * C + layout.mateColumn[p]];
        for (let g = 0; g < 2; g++) {
          const cols = Array.from({ length: starts[g + 1] - starts[g] }, (_, i) => starts[g] + i).filter((c) => c !== layout.mateColumn[p]);
          const v = cols.map((c) => f32[p * C + c]);
          nonMates.push(...v);
          for (const rows of [1, 7, P]) {
            const s = summarise(pr, rows);
            expect(s.mateScore[p]).toBe(m);
            expect(s.topNonMate[g][p]).toBe(Math.max(...v));
            expect(s.nonMatesAtOrAbove[g][p]).toBe(v.filter((x) => x >= m).length);
            expect(s.nonMatesAbove[g][p]).toBe(v.filter((x) => x > m).length);
          }
        }
      }
      const top = nonMates.sort((a, b) => b - a).slice(0, layout.poolSize);
      expect(Array.from(summarise(pr, 5).pooledTopNonMate)).toEqual(top);
    });
  }

  it('the rowStats kernel gives the same summary, probes without a mate (NaN) included', () => {
    for (const seed of [1, 2, 8]) {
      const pr = problem(seed, 61, [9, 14]);
      pr.layout.mateColumn[3] = -1;
      pr.layout.mateColumn[40] = -1;
      const arena = new KernelArena();
      arena.hold('something below', 100);
      for (const rows of [1, 6, 61]) expect(summarise(pr, rows, arena)).toEqual(summarise(pr, rows));
    }
  });

  it('TopScores keeps the k highest of a long stream with ties, whatever the buffer refills', () => {
    const r = lcg(9);
    const values = Array.from({ length: 20_000 }, () => Math.round(r() * 500) / 500);
    const top = new TopScores(1500);
    for (const v of values) if (v > top.cutoff) top.push(v);
    expect(Array.from(top.sorted())).toEqual(values.sort((a, b) => b - a).slice(0, 1500));
    expect(new TopScores(0).sorted().length).toBe(0);
  });
});

describe('identification metrics = their definitions', () => {
  for (const seed of [4, 5, 6]) {
    it(`seed ${seed}: ranks, ijb_evals.py TPIR, ijb_1n.py "FAR", CMC`, () => {
      const pr = problem(seed);
      const { P, C, starts, layout } = pr;
      const f32 = Float32Array.from(pr.scores);
      const summary = summarise(pr, 11);
      const mateGallery = Int8Array.from(layout.mateColumn, (c) => galleryOf(c, starts));
      const searches: ProbeSearches = { ...summary, mateGallery };
      const row = (p: number, from: number, to: number): number[] => Array.from(f32.subarray(p * C + from, p * C + to));
      for (let g = 0; g < 2; g++) {
        const s = gallerySearches(searches, g);
        const mated = Array.from({ length: P }, (_, p) => p).filter((p) => mateGallery[p] === g);
        const nonMated = Array.from({ length: P }, (_, p) => p).filter((p) => mateGallery[p] !== g);
        expect(Array.from(s.matedProbes)).toEqual(mated);
        // rank: 1 + non-mates of this gallery scoring ≥ the mate
        mated.forEach((p, i) => {
          const m = f32[p * C + layout.mateColumn[p]];
          const others = row(p, starts[g], starts[g + 1]).filter((_, j) => starts[g] + j !== layout.mateColumn[p]);
          expect(s.rank[i]).toBe(1 + others.filter((x) => x >= m).length);
        });
        // ijb_evals.py evaluation_1N, restated literally
        const tops = nonMated.map((p) => Math.max(...row(p, starts[g], starts[g + 1]))).sort((a, b) => b - a);
        const fpirs = [0.01, 0.05, 0.1, 0.2, 0.5, 1];
        const points = tpirAtFpir(openSetScores(s), fpirs);
        fpirs.forEach((f, i) => {
          const threshold = tops[Math.max(Math.trunc(tops.length * f) - 1, 0)];
          const correct = mated.filter((p, j) => s.mateScore[j] > s.topNonMate[j] && s.mateScore[j] > threshold).length;
          expect(points[i].threshold).toBe(threshold);
          expect(points[i].matedAccepted).toBe(correct);
          expect(points[i].tpir).toBe(correct / mated.length);
          expect(points[i].nonMatedAccepted).toBe(tops.filter((t) => t > threshold).length);
          expect(points[i].resolvable).toBe(tops.length * f >= 1);
        });
      }
      // closed set: rank over all columns; ijb_1n.py's pooled "FAR"
      const closed = closedSetRanks(searches);
      const pool: number[] = [];
      for (let p = 0; p < P; p++) {
        const m = f32[p * C + layout.mateColumn[p]];
        const others = row(p, 0, C).filter((_, c) => c !== layout.mateColumn[p]);
        pool.push(...others);
        expect(closed.rank[p]).toBe(1 + others.filter((x) => x >= m).length);
        expect(closed.tiedWithMate[p]).toBe(others.filter((x) => x === m).length);
      }
      pool.sort((a, b) => b - a);
      const fars = [0.01, 0.1];
      const far = insightfaceFar(summary.mateScore, summary.pooledTopNonMate, fars);
      fars.forEach((f, i) => {
        const k = Math.ceil(P * f);
        expect(far[i].threshold).toBe(pool[k - 1]);
        expect(far[i].accepted).toBe(Array.from(summary.mateScore).filter((m) => m > pool[k - 1]).length);
      });
      expect(insightfaceFar(summary.mateScore, summary.pooledTopNonMate, [0.5])[0].rate).toBeNaN(); // pool kept 7 < ⌈60·0.5⌉
      // CMC at every rank = rank-k hits / probes
      const at = cmcRanks(C);
      expect(cmc(closed.rank, at)).toEqual(rankHits(closed.rank, at).map((h) => h / P));
    });
  }

  it("a mate tied with the best non-mate is not 'correct' (strict >) and its rank counts the tie", () => {
    // one gallery of 3: probe 0's mate (column 0) ties column 1; probe 1 is non-mated with top 0.5
    const searches: ProbeSearches = {
      mateScore: Float64Array.from([0.7, NaN]),
      mateGallery: Int8Array.from([0, -1]),
      topNonMate: [Float64Array.from([0.7, 0.5])],
      nonMatesAtOrAbove: [Int32Array.from([1, 0])],
      nonMatesAbove: [Int32Array.from([0, 0])],
    };
    const s = gallerySearches(searches, 0);
    expect(Array.from(s.rank)).toEqual([2]);
    expect(tieDependentSearches(s.rank, s.tiedWithMate, [1, 5])).toBe(1); // rank 1 or 2 depending on tie order
    expect(tpirAtFpir(openSetScores(s), [1])[0].matedAccepted).toBe(0);
  });

  it('threshold ties: strict > leaves mates equal to the threshold out', () => {
    // two galleries' worth collapsed into one: mated scores 0.9, 0.6, 0.6; non-mated tops 0.6, 0.6, 0.3
    const searches: ProbeSearches = {
      mateScore: Float64Array.from([0.9, 0.6, 0.6, NaN, NaN, NaN]),
      mateGallery: Int8Array.from([0, 0, 0, -1, -1, -1]),
      topNonMate: [Float64Array.from([0.1, 0.1, 0.1, 0.6, 0.6, 0.3])],
      nonMatesAtOrAbove: [new Int32Array(6)],
      nonMatesAbove: [new Int32Array(6)],
    };
    const [p] = tpirAtFpir(openSetScores(gallerySearches(searches, 0)), [2 / 3]); // index int(3·2/3) − 1 = 1 → 0.6
    expect(p).toMatchObject({ threshold: 0.6, matedAccepted: 1, nonMatedAccepted: 0, fpirActual: 0 });
  });

  it('the DIR-vs-FPIR curve: one vertex per distinct non-mated top, accept when ≥ threshold', () => {
    const o = { nonMatedTopDescending: Float64Array.from([0.8, 0.5, 0.5, 0.2]), correctMateDescending: Float64Array.from([0.9, 0.5, 0.4]), mated: 4 };
    const c = dirFpirCurve(o);
    expect(c.fpir).toEqual([0, 0.25, 0.75, 1]);
    expect(c.dir).toEqual([0.25, 0.25, 0.5, 0.75]);
    expect(c.threshold.slice(1)).toEqual([0.8, 0.5, 0.2]);
    expect(c.threshold[0]).toBeGreaterThan(0.8);
  });

  it('the FPIR grid of ijb_evals.py (101 points, 1e-4 … 1)', () => {
    const grid = ijbEvalsFpirGrid();
    expect(grid.length).toBe(101);
    // printed by numpy 1.24: np.arange's step 0.04000000000000004 drifts the decades off their round values
    expect([grid[0], grid[25], grid[50], grid[75], grid[100]]).toEqual([1e-4, 0.001000000000000002, 0.01000000000000004, 0.10000000000000062, 1]);
  });
});

describe('bootstrapIdentification', () => {
  it('= the metrics of each replicate\'s resampled probe list, recomputed from scratch', () => {
    const pr = problem(11, 90, [10, 9]);
    const summary = summarise(pr, 90);
    const mateGallery = Int8Array.from(pr.layout.mateColumn, (c) => galleryOf(c, pr.starts));
    const searches: ProbeSearches = { ...summary, mateGallery };
    const opts = { replicates: 40, seed: 5, ci: 90, ranks: [1, 3], fpirs: [0.05, 0.1, 0.3] };
    const got = bootstrapIdentification({ probes: 90, galleries: [0, 1].map((g) => gallerySearches(searches, g)), closedSetRank: closedSetRanks(searches).rank }, opts);
    // brute force: replicate r draws 90 probes with stream (seed, r); the drawn list is evaluated as a data set
    const values = { rank: opts.ranks.map(() => new Float64Array(40)), tpir: opts.fpirs.map(() => new Float64Array(40)), closed: opts.ranks.map(() => new Float64Array(40)) };
    for (let r = 0; r < 40; r++) {
      const rng = new Xoshiro128(5, r);
      const drawn = Array.from({ length: 90 }, () => rng.nextIndex(90));
      const pick = <T extends Float64Array | Int32Array | Int8Array>(a: T): T => (a.constructor as unknown as { from(x: number[]): T }).from(drawn.map((p) => a[p]));
      const list: ProbeSearches = {
        mateScore: pick(searches.mateScore),
        mateGallery: pick(searches.mateGallery),
        topNonMate: searches.topNonMate.map(pick),
        nonMatesAtOrAbove: searches.nonMatesAtOrAbove.map(pick),
        nonMatesAbove: searches.nonMatesAbove.map(pick),
      };
      const galleries = [0, 1].map((g) => gallerySearches(list, g));
      const openRanks = Int32Array.from(galleries.flatMap((g) => Array.from(g.rank)));
      rankHits(openRanks, opts.ranks).forEach((h, i) => (values.rank[i][r] = h / 90));
      rankHits(closedSetRanks(list).rank, opts.ranks).forEach((h, i) => (values.closed[i][r] = h / 90));
      const points = galleries.map((g) => tpirAtFpir(openSetScores(g), opts.fpirs));
      opts.fpirs.forEach((_, i) => (values.tpir[i][r] = points.reduce((sum, p) => sum + (p[i].resolvable ? p[i].tpir : NaN), 0) / 2));
    }
    expect(got).toEqual({ rank: percentileIntervals(values.rank, 90), tpirAtFpir: percentileIntervals(values.tpir, 90), closedSetRank: percentileIntervals(values.closed, 90) });
  });

  it('is deterministic for a seed; intervals bracket the point estimate; all-ones weights reproduce it', () => {
    const pr = problem(7, 200, [12, 10]);
    const summary = summarise(pr, 50);
    const mateGallery = Int8Array.from(pr.layout.mateColumn, (c) => galleryOf(c, pr.starts));
    const searches: ProbeSearches = { ...summary, mateGallery };
    const galleries = [0, 1].map((g) => gallerySearches(searches, g));
    const closed = closedSetRanks(searches);
    const input = { probes: 200, galleries, closedSetRank: closed.rank };
    const opts = { replicates: 300, seed: 3, ci: 95, ranks: [1, 5], fpirs: [0.05, 0.2] };
    const a = bootstrapIdentification(input, opts);
    expect(bootstrapIdentification(input, opts)).toEqual(a);
    expect(bootstrapIdentification(input, { ...opts, seed: 4 })).not.toEqual(a);
    const rank1 = rankHits(Int32Array.from(galleries.flatMap((g) => Array.from(g.rank))), [1])[0] / 200;
    expect(a.rank[0][0]).toBeLessThanOrEqual(rank1);
    expect(a.rank[0][1]).toBeGreaterThanOrEqual(rank1);
    const tpir = galleries.map((g) => tpirAtFpir(openSetScores(g), [0.2])[0].tpir);
    const mean = (tpir[0] + tpir[1]) / 2;
    expect(a.tpirAtFpir[1][0]).toBeLessThanOrEqual(mean);
    expect(a.tpirAtFpir[1][1]).toBeGreaterThanOrEqual(mean);
    // an unresolvable target has no interval
    expect(bootstrapIdentification(input, { ...opts, fpirs: [1e-4] }).tpirAtFpir[0].every(Number.isNaN)).toBe(true);
  });
});
