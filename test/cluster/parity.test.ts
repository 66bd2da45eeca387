/**
 * Parity with learn-to-cluster's published code (fast_hierarchy, knn_dbscan, density,
 * confidence_to_peaks, evaluation/metrics.py) and sklearn, run by test/reference/gen_cluster_parity.py
 * on two generated sets: `tied` (exact arithmetic, ties at every threshold and in the kNN order) and
 * `gaussian` (float data with duplicate faces).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fasthacLabels, knnDbscan, knnDensity, magnitudePeaks } from '../../src/cluster/baselines.js';
import { onnxBlockScreen } from '../../src/cluster/block-screen.js';
import { normaliseRows } from '../../src/cluster/exact-products.js';
import type { KnnLists } from '../../src/cluster/knn-lists.js';
import { neighbourPass } from '../../src/cluster/neighbour-pass.js';
import { readLabelFile } from '../../src/io/cluster-labels.js';
import { readRawFeatures } from '../../src/io/raw-features.js';
import { canonicalLabels, rankLabels, unclusteredToSingletons } from '../../src/metrics/cluster-labels.js';
import { clusterScores, withoutSingletons, type ClusterScores } from '../../src/metrics/cluster-scores.js';
import { spearmanCorrelation } from '../../src/metrics/cluster-spearman.js';
import { runCluster } from '../../src/protocols/cluster.js';
import { REPO } from '../helpers/cli.js';

const DIR = join(REPO, 'test/data/cluster-parity');
type Num = number | null;
interface RefScores { items: number; clusters: number; singletons: number; pairwise: Num[]; bcubed: Num[]; nmi: Num; nmi_geometric: Num }
interface RefBlock { all: RefScores; without_singletons: RefScores | null }
interface RefSet {
  name: string; faces: number; dim: number; magnitudes: number[];
  fasthac: { distance: number; labels: number[]; scores: RefBlock }[];
  knn_dbscan: { k: number; eps: number; min_samples: number; th_sim: number; labels: number[]; scores: RefBlock }[];
  density: { k: number; radius: number; density: number[]; spearman: number }[];
  magnitude_peaks: { k: number; tau: number; parent: number[]; labels: number[]; scores: RefBlock }[];
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  vectors: { truth: number[]; pred: number[]; scores: RefBlock }[];
  predicted: { file: string; truth: string; scores: RefBlock };
  sets: RefSet[];
};

const TOL = 1e-12;
let maxDelta = 0;
function close(actual: number, ref: Num): void {
  if (ref === null) {
    expect(actual).toBeNaN();
    return;
  }
  const d = Math.abs(actual - ref);
  maxDelta = Math.max(maxDelta, d);
  expect(d).toBeLessThanOrEqual(TOL);
}
function expectScores(s: ClusterScores | null, ref: RefScores | null): void {
  if (ref === null) {
    expect(s).toBeNull();
    return;
  }
  expect(s).not.toBeNull();
  expect([s!.items, s!.clusters, s!.singletons]).toEqual([ref.items, ref.clusters, ref.singletons]);
  [s!.pairwise.precision, s!.pairwise.recall, s!.pairwise.f].forEach((v, k) => close(v, ref.pairwise[k]));
  [s!.bcubed.precision, s!.bcubed.recall, s!.bcubed.f].forEach((v, k) => close(v, ref.bcubed[k]));
  close(s!.nmi.arithmetic, ref.nmi);
  close(s!.nmi.geometric, ref.nmi_geometric);
}
function scoreBlock(truth: number[] | Float64Array, labels: ArrayLike<number>): { all: ClusterScores; ws: ClusterScores | null } {
  const t = rankLabels(truth);
  const p = rankLabels(unclusteredToSingletons(labels));
  const kept = withoutSingletons(t, p);
  return { all: clusterScores(t, p), ws: kept.keep.length ? clusterScores(kept.truth, kept.pred) : null };
}
/** The first k entries of every list. */
function truncate(lists: KnnLists, k: number): KnnLists {
  const rows = lists.offsets.length - 1;
  const offsets = new Int32Array(rows + 1);
  const neighbours: number[] = [], similarities: number[] = [];
  for (let i = 0; i < rows; i++) {
    const end = Math.min(lists.offsets[i + 1], lists.offsets[i] + k);
    for (let e = lists.offsets[i]; e < end; e++) {
      neighbours.push(lists.neighbours[e]);
      similarities.push(lists.similarities[e]);
    }
    offsets[i + 1] = neighbours.length;
  }
  return { k, floor: lists.floor, offsets, neighbours: Int32Array.from(neighbours), similarities: Float32Array.from(similarities) };
}
const samePartition = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(Array.from(canonicalLabels(a))).toEqual(Array.from(canonicalLabels(b)));

describe('metrics equal learn-to-cluster metrics.py + sklearn NMI (1e-12)', () => {
  for (const v of expected.vectors) {
    it(`truth ${JSON.stringify(v.truth)} vs ${JSON.stringify(v.pred)}`, () => {
      const s = scoreBlock(v.truth, v.pred);
      expectScores(s.all, v.scores.all);
      expectScores(s.ws, v.scores.without_singletons);
    });
  }
});

for (const set of expected.sets) {
  describe(`${set.name} set (${set.faces} faces): baselines equal the published code`, () => {
    const raw = readRawFeatures(join(DIR, `${set.name}.bin`), set.dim);
    const truth = readLabelFile(join(DIR, `${set.name}.meta`), raw.rows);
    const { norms } = normaliseRows(raw.data, raw.rows, raw.cols);
    const ks = [...new Set([...set.knn_dbscan, ...set.density, ...set.magnitude_peaks].map((c) => c.k))];
    // One pass at the largest k; a shorter list is the head of the longer one.
    const pass = (async () => {
      const screen = await onnxBlockScreen(raw.data, raw.rows, raw.cols);
      try {
        const k = Math.max(...ks);
        return await neighbourPass({ data: raw.data, rows: raw.rows, dim: raw.cols, screen: screen.screen, knn: { k, floor: 0.45 }, linkDistances: set.fasthac.map((c) => c.distance), blockRows: 128, blockCols: 256 });
      } finally {
        await screen.release();
      }
    })();
    const listsFor = async (k: number) => truncate((await pass).knn!, k);

    it('magnitudes (numpy float32 norms) bit-identical', () => {
      expect(Array.from(norms)).toEqual(set.magnitudes);
    });
    for (const c of set.fasthac) {
      it(`FastHAC distance ${c.distance}: partition equal to fastcluster + fcluster; scores`, async () => {
        const r = await pass;
        const labels = fasthacLabels(r.linkComponents[set.fasthac.indexOf(c)]);
        samePartition(labels, c.labels);
        const s = scoreBlock(truth, labels);
        expectScores(s.all, c.scores.all);
        expectScores(s.ws, c.scores.without_singletons);
      });
    }
    for (const c of set.knn_dbscan) {
      it(`kNN-DBSCAN k ${c.k} eps ${c.eps} min_samples ${c.min_samples}: labels identical to sklearn's; scores`, async () => {
        const lists = await listsFor(c.k);
        const labels = knnDbscan(lists, { eps: c.eps, minSamples: c.min_samples, thSim: c.th_sim });
        expect(Array.from(labels)).toEqual(c.labels);
        const s = scoreBlock(truth, labels);
        expectScores(s.all, c.scores.all);
        expectScores(s.ws, c.scores.without_singletons);
      });
    }
    for (const c of set.density) {
      it(`density k ${c.k} radius ${c.radius} bit-identical; Spearman with magnitude`, async () => {
        const density = knnDensity(await listsFor(c.k), c.radius);
        expect(Array.from(density)).toEqual(c.density);
        close(spearmanCorrelation(norms, density), c.spearman);
      });
    }
    for (const c of set.magnitude_peaks) {
      it(`magnitude peaks k ${c.k} tau ${c.tau}: links equal confidence_to_peaks(max_conn=1); scores`, async () => {
        const peaks = magnitudePeaks(await listsFor(c.k), norms, c.tau);
        expect(Array.from(peaks.parent)).toEqual(c.parent);
        samePartition(peaks.labels, c.labels);
        const s = scoreBlock(truth, peaks.labels);
        expectScores(s.all, c.scores.all);
        expectScores(s.ws, c.scores.without_singletons);
      });
    }
  });
}

describe('runCluster end to end (gaussian set: .bin + .meta, a predicted file with −1)', () => {
  const set = expected.sets.find((s) => s.name === 'gaussian')!;
  it('every method and the predicted file score as the reference', async () => {
    const result = await runCluster({
      features: { format: 'bin', file: join(DIR, 'gaussian.bin'), dim: set.dim },
      truth: { format: 'labels', file: join(DIR, 'gaussian.meta') },
      predicted: [join(DIR, expected.predicted.file)],
      methods: ['fasthac', 'knn-dbscan', 'magnitude-peaks'],
      distance: 0.72, k: 80, eps: 0.25, tau: 0.65, sweep: false,
    });
    const byMethod = (m: string) => result.results.find((r) => r.method === m)!;
    const ref = {
      fasthac: set.fasthac.find((c) => c.distance === 0.72)!.scores,
      'knn-dbscan': set.knn_dbscan.find((c) => c.k === 80 && c.eps === 0.25 && c.min_samples === 1)!.scores,
      'magnitude-peaks': set.magnitude_peaks.find((c) => c.k === 80 && c.tau === 0.65)!.scores,
      predicted: expected.predicted.scores,
    };
    for (const [m, scores] of Object.entries(ref)) {
      expectScores(byMethod(m).scores, scores.all);
      expectScores(byMethod(m).withoutSingletons, scores.without_singletons);
    }
    close(result.magnitudeDensity!.spearman, set.density.find((c) => c.k === 80)!.spearman);
    expect(result.warnings).toEqual([]);
  });
  it('max |Δ| of all compared scores', () => {
    // Reported in docs/cluster.md; the bound asserted is the 1e-12.
    expect(maxDelta).toBeLessThanOrEqual(TOL);
    console.log(`cluster parity: max |Δ| = ${maxDelta.toExponential(2)}`);
  });
});
