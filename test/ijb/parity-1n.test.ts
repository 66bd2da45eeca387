/**
 * 1:N parity with the published scripts (test/reference/gen_ijb_1n_parity.py ran insightface
 * ijb_1n.py `evaluation` and ijb_evals.py `evaluation_1N` unchanged on test/data/ijb-1n-parity, a
 * set with exact score ties and probes whose mate is outside the top 10).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAggregationList, scoreKindOf } from '../../src/aggregate/spec.js';
import { ijbMetaPaths } from '../../src/io/ijb-meta.js';
import { ijb1nListPaths } from '../../src/io/ijb-1n-lists.js';
import { createGemmABt } from '../../src/onnx/runtime.js';
import { searchLayout, type Ijb1nAggregationResult, type Ijb1nResult } from '../../src/protocols/ijb-1n.js';
import { loadIjbMeta } from '../../src/protocols/ijb-load.js';
import { runIjb } from '../../src/protocols/ijb-pipeline.js';
import { aggregateIjbTemplates, openFeatures } from '../../src/protocols/ijb-templates.js';
import { searchGalleries, type SearchSummary } from '../../src/scoring/gallery-search.js';
import { KernelArena } from '../../src/wasm/arena.js';

const DIR = join(import.meta.dirname, '..', 'data', 'ijb-1n-parity');

interface GalleryExpected {
  rank_hits: Record<string, number>;
  mated: number;
  non_mated: number;
  threshold: number[];
  tpir: number[];
}
interface ModeExpected {
  closed_set: { rank: Record<string, number>; rank_hits: Record<string, number>; insightface_far: { far: number; accepted: number; threshold: number }[] };
  open_set: { per_gallery: Record<'G1' | 'G2', GalleryExpected>; rank: Record<string, number>; mean_tpir: number[] };
  mate_score: number[];
  top_non_mate: Record<'G1' | 'G2', number[]>;
}
interface Expected {
  counts: { probes: number; G1: number; G2: number };
  ranks: number[];
  closed_set_fars: number[];
  fpirs: number[];
  fpir_grid: number[];
  modes: Record<string, ModeExpected>;
}

const expected: Expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const modes = Object.keys(expected.modes);
const isMagface = (mode: string): boolean => mode.startsWith('magface');

async function run(scoring: 'exact' | 'simd' | 'gemm'): Promise<Ijb1nResult> {
  const r = await runIjb({
    root: DIR,
    target: 'IJBC',
    features: join(DIR, 'features.npy'),
    flipFeatures: join(DIR, 'features_flip.npy'),
    aggregate: modes.join(','),
    fars: [1e-1],
    rule: 'nearest',
    scoring,
    protocols: ['1n'],
    ranks: expected.ranks,
    // the targets, then ijb_evals.py's grid (the generator passed both to evaluation_1N)
    fpirs: [...expected.fpirs, ...expected.fpir_grid],
    closedSetFars: expected.closed_set_fars,
  });
  return r.oneToN!;
}

/** Our numbers as counts, next to the reference's. */
function counts(r: Ijb1nAggregationResult, e: ModeExpected) {
  const ours = {
    closedRank: r.closedSet.rank.map((x) => x.hits),
    closedFar: r.closedSet.insightfaceFar.map((p) => p.accepted),
    galleryRank: r.perGallery.map((g) => g.rank.map((x) => x.hits)),
    tpir: r.perGallery.map((g) => g.points.map((p) => p.matedAccepted)),
  };
  const ref = {
    closedRank: expected.ranks.map((k) => e.closed_set.rank_hits[String(k)]),
    closedFar: e.closed_set.insightface_far.map((p) => p.accepted),
    galleryRank: (['G1', 'G2'] as const).map((g) => expected.ranks.map((k) => e.open_set.per_gallery[g].rank_hits[String(k)])),
    tpir: (['G1', 'G2'] as const).map((g) => e.open_set.per_gallery[g].tpir.map((t) => Math.round(t * e.open_set.per_gallery[g].mated))),
  };
  return { ours, ref };
}

describe('1:N parity with ijb_1n.py and ijb_evals.py (exact scoring)', () => {
  let result: Ijb1nResult;
  beforeAll(async () => {
    result = await run('exact');
  });

  it('counts the same probes, galleries, mated and non-mated searches', () => {
    expect(result.counts.probes).toBe(expected.counts.probes);
    const e = expected.modes[modes[0]].open_set.per_gallery;
    expect(result.counts.galleries).toEqual([
      { name: 'G1', templates: expected.counts.G1, mated: e.G1.mated, nonMated: e.G1.non_mated },
      { name: 'G2', templates: expected.counts.G2, mated: e.G2.mated, nonMated: e.G2.non_mated },
    ]);
  });

  for (const mode of modes) {
    it(`${mode}: rank-k, "FAR", TPIR at every target and grid point, and the means equal the scripts'`, () => {
      const r = result.results.find((x) => x.aggregation === mode)!;
      const e = expected.modes[mode];
      // closed set (ijb_1n.py): its printed top-k rates are correct_num / query_num
      expect(r.closedSet.rank.map((x) => x.rate)).toEqual(expected.ranks.map((k) => e.closed_set.rank[String(k)]));
      const { ours, ref } = counts(r, e);
      expect(ours).toEqual(ref);
      // thresholds: printed with 10 decimals by ijb_1n.py; full precision from ijb_evals.py
      const tol = isMagface(mode) ? 3e-7 : 1e-14;
      r.closedSet.insightfaceFar.forEach((p, i) => expect(Math.abs(p.threshold - e.closed_set.insightface_far[i].threshold)).toBeLessThanOrEqual(5.1e-11 + tol));
      r.perGallery.forEach((g) => {
        const eg = e.open_set.per_gallery[g.name as 'G1' | 'G2'];
        g.points.forEach((p, i) => {
          expect(p.tpir).toBe(eg.tpir[i]);
          expect(Math.abs(p.threshold - eg.threshold[i])).toBeLessThanOrEqual(tol);
        });
      });
      // open set (ijb_evals.py): rank-k summed over G1 and G2 / probes, and the G1/G2 mean of TPIR
      expect(r.rank.map((x) => x.rate)).toEqual(expected.ranks.map((k) => e.open_set.rank[String(k)]));
      const mean = r.perGallery[0].points.map((p, i) => (p.tpir + r.perGallery[1].points[i].tpir) / 2);
      expect(mean).toEqual(e.open_set.mean_tpir);
      expect(r.perGallery.map((g) => g.gridTpir)).toEqual((['G1', 'G2'] as const).map((g) => e.open_set.per_gallery[g].tpir.slice(expected.fpirs.length)));
    });
  }
});

describe('1:N search scores against the reference similarities', () => {
  for (const scoring of ['exact', 'simd', 'gemm'] as const) {
    it(`${scoring}: mate scores and top non-mate scores within ${scoring === 'exact' ? '1e-15 (insightface modes)' : 'float32 rounding'}`, async () => {
      const summaries = await summariesOf(scoring);
      for (const mode of modes) {
        const e = expected.modes[mode];
        const s = summaries.get(mode)!;
        const worst = Math.max(
          ...e.mate_score.map((m, p) => Math.abs(m - s.mateScore[p])),
          ...(['G1', 'G2'] as const).flatMap((g, gi) => e.top_non_mate[g].map((t, p) => Math.abs(t - s.topNonMate[gi][p]))),
        );
        const tol = scoring === 'exact' ? (isMagface(mode) ? 2.5e-7 : 1e-15) : isMagface(mode) ? 5e-7 : 5e-7;
        expect(worst, mode).toBeLessThanOrEqual(tol);
      }
    });
  }
});

describe('1:N float32 scoring stays within one probe of the scripts', () => {
  for (const scoring of ['simd', 'gemm'] as const) {
    it(scoring, async () => {
      const result = await run(scoring);
      for (const mode of modes) {
        const { ours, ref } = counts(result.results.find((x) => x.aggregation === mode)!, expected.modes[mode]);
        const diffs = [ours.closedRank.map((v, i) => v - ref.closedRank[i]), ours.closedFar.map((v, i) => v - ref.closedFar[i]), ...ours.galleryRank.map((g, gi) => g.map((v, i) => v - ref.galleryRank[gi][i])), ...ours.tpir.map((g, gi) => g.map((v, i) => v - ref.tpir[gi][i]))].flat();
        expect(Math.max(...diffs.map(Math.abs)), mode).toBeLessThanOrEqual(1);
      }
    });
  }
});

/** The search summaries of every mode (the pipeline does not keep them: run the search directly). */
async function summariesOf(scoring: 'exact' | 'simd' | 'gemm'): Promise<Map<string, SearchSummary>> {
  const out = new Map<string, SearchSummary>();
  const arena = new KernelArena();
  const specs = parseAggregationList(modes.join(','), true);
  const meta = loadIjbMeta({ paths: ijbMetaPaths(DIR, 'IJBC'), pairs: false, lists: ijb1nListPaths(DIR, 'IJBC'), detectorScores: true }, arena);
  const features = openFeatures(join(DIR, 'features.npy'), join(DIR, 'features_flip.npy'));
  const T = meta.grouping.templateIds.length;
  const templates = aggregateIjbTemplates(meta, features.source, { specs, precision: scoring === 'exact' ? 'float64' : 'float32', needed: new Uint8Array(T).fill(1), files: { features: 'features.npy' } }, arena);
  features.close();
  const layout = searchLayout(meta.identification!, expected.closed_set_fars);
  const gemm = scoring === 'gemm' ? await createGemmABt() : undefined;
  for (const [k, spec] of specs.entries()) out.set(spec.name, await searchGalleries(templates[k], layout, { method: scoring, kind: scoreKindOf(spec), arena, gemm }));
  await gemm?.release();
  return out;
}
