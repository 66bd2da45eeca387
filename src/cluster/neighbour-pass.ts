/**
 * One blocked pass over all pairs of faces that serves every baseline at once: FastHAC's
 * components at each cut distance and the kNN lists (kNN-DBSCAN, density, magnitude peaks).
 *
 * The pass never holds an N×N matrix. It walks the upper triangle in blocks of rows × columns; a
 * screen (block-screen.ts: onnxruntime computes float32 products, or an upper bound of them, and
 * the threshold test and NonZero in one graph, so the block's values never leave onnxruntime)
 * returns a superset of the pairs whose exact inner product reaches the lowest value any consumer
 * reads — the screen lowers the threshold by its own worst-case rounding error. Every pair that
 * could pass a threshold is thus kept and decided with the exact arithmetic of exact-products.ts,
 * so the results are the same for any screen, product implementation and thread count (the tests
 * run the pass with estimates perturbed by up to their error bound and get identical results).
 *
 * - FastHAC at cut t (learn-to-cluster `fast_hierarchy`: fastcluster single linkage + scipy
 *   `fcluster(t, 'distance')`) = connected components of {i, j : ‖xᵢ − xⱼ‖ ≤ t}. A kept pair is
 *   decided by ‖xᵢ‖² + ‖xⱼ‖² − 2·(float64 inner product) when that is clearly inside or outside t²,
 *   else by fastcluster's own float64 distance. Components are unions (union–find), one per cut.
 * - kNN: a kept pair with exact similarity ≥ the floor is offered to both faces' bounded heaps
 *   (knn-lists.ts); one that cannot beat either face's current k-th entry is not rounded at all.
 * PURE (the screen is passed in).
 */
import { distance64, dot64, float64DotErrorBound, roundedSimilarity32, similarity32, squaredNorm64 } from './exact-products.js';
import { KnnHeaps, type KnnLists } from './knn-lists.js';

/** The entries of a block whose estimate passed a screen: (rows[k], cols[k]) for k < count, row-major order. */
export interface ScreenedPairs {
  rows: Int32Array;
  cols: Int32Array;
  count: number;
}

/**
 * Screens the block rows [r0, r0 + rowCount) × columns [c0, c0 + colCount) of the faces' inner
 * products: it must return every entry whose *exact* inner product is ≥ `threshold` (positions
 * relative to r0, c0), and may return more (block-screen.ts).
 */
export type BlockScreen = (r0: number, rowCount: number, c0: number, colCount: number, threshold: number) => Promise<ScreenedPairs>;

export interface NeighbourPassOptions {
  /** L2-normalised faces, row-major [rows, dim]. */
  data: Float32Array;
  rows: number;
  dim: number;
  screen: BlockScreen;
  /** FastHAC cut distances (any order); [] when FastHAC is not wanted. */
  linkDistances: readonly number[];
  /** kNN lists of length k, read down to similarity `floor`; absent when not wanted. */
  knn?: { k: number; floor: number };
  /** Rows and columns per screened block (defaults 512 × 1024: 2 MB of float32 products inside the screen; larger blocks are no faster and onnxruntime keeps their buffers). */
  blockRows?: number;
  blockCols?: number;
  /** Called after each block with (blocks done, blocks in all). */
  onProgress?: (done: number, total: number) => void;
}

export interface NeighbourPassStats {
  /** Pairs in the upper triangle. */
  pairs: number;
  /** Pairs whose estimate passed the screen (each gets a float64 inner product). */
  screened: number;
  /** fastcluster-order float64 distances computed (inner product too close to a cut). */
  exactDistances: number;
}

export interface NeighbourPassResult {
  /** Element t: the component of each face (its smallest face index) at cut linkDistances[t]. */
  linkComponents: Int32Array[];
  knn?: KnnLists;
  stats: NeighbourPassStats;
}

/** Union–find over faces; the smaller index becomes the root, path halving. */
class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]];
      i = p[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
  roots(): Int32Array {
    const out = new Int32Array(this.parent.length);
    for (let i = 0; i < out.length; i++) out[i] = this.find(i);
    return out;
  }
}

export async function neighbourPass(opts: NeighbourPassOptions): Promise<NeighbourPassResult> {
  const { data, rows: n, dim } = opts;
  const R = Math.max(1, opts.blockRows ?? 512);
  const C = Math.max(1, opts.blockCols ?? 1024);
  const cuts = [...new Set(opts.linkDistances)].sort((x, y) => x - y);
  const cutSquares = cuts.map((t) => t * t);
  const unions = cuts.map(() => new UnionFind(n));
  const dotBound = float64DotErrorBound(dim);
  const sq = new Float64Array(n);
  let minSq = Infinity;
  for (let i = 0; i < n; i++) {
    sq[i] = squaredNorm64(data, i, dim);
    if (sq[i] < minSq) minSq = sq[i];
  }
  // A kept pair's float64 inner product is within dotBound of exact; fastcluster's own Σ(x − y)²
  // rounds within ~dim·2⁻⁵³·d² ≪ 1e-12 of it.
  const cutMargin = 2 * dotBound + 1e-12;
  const linkScreen = cuts.length ? (2 * minSq - cutSquares[cutSquares.length - 1]) / 2 - cutMargin : Infinity;

  const knn = opts.knn;
  const knnScreen = knn ? knn.floor - dotBound : Infinity;
  const heaps = knn ? new KnnHeaps(n, knn.k) : undefined;
  // Each face's own entry, as faiss lists it.
  if (heaps) for (let i = 0; i < n; i++) heaps.offer(i, i, similarity32(data, i, i, dim, dotBound));
  const threshold = Math.min(linkScreen, knnScreen);
  const stats: NeighbourPassStats = { pairs: (n * (n - 1)) / 2, screened: 0, exactDistances: 0 };

  const visit = (i: number, j: number): void => {
    stats.screened++;
    const s = dot64(data, i, j, dim);
    const d2 = sq[i] + sq[j] - 2 * s;
    let distance = NaN;
    for (let t = 0; t < cuts.length; t++) {
      let linked: boolean;
      if (d2 < cutSquares[t] - cutMargin) linked = true;
      else if (d2 > cutSquares[t] + cutMargin) linked = false;
      else {
        if (Number.isNaN(distance)) {
          distance = distance64(data, i, j, dim);
          stats.exactDistances++;
        }
        linked = distance <= cuts[t];
      }
      if (linked) {
        for (let u = t; u < cuts.length; u++) unions[u].union(i, j);
        break;
      }
    }
    if (!heaps || s < knn!.floor - dotBound) return;
    const barI = heaps.bar(i), barJ = heaps.bar(j);
    if (s + dotBound < barI && s + dotBound < barJ) return;
    const s32 = roundedSimilarity32(s, data, i, j, dim, dotBound);
    if (s32 < knn!.floor) return;
    if (s32 >= barI) heaps.offer(i, j, s32);
    if (s32 >= barJ) heaps.offer(j, i, s32);
  };

  // Blocks of the upper triangle: rows [r0, r0 + R) × columns [c0, c0 + C) with c0 ≥ r0.
  const blocks: [number, number, number, number][] = [];
  for (let r0 = 0; r0 < n; r0 += R) {
    for (let c0 = r0; c0 < n; c0 += C) blocks.push([r0, Math.min(R, n - r0), c0, Math.min(C, n - c0)]);
  }
  const run = ([r0, rr, c0, cc]: [number, number, number, number]) => opts.screen(r0, rr, c0, cc, threshold);
  if (threshold < Infinity) {
    // Pipelined: the next block is screened on the screen's threads while this one's pairs are decided.
    let pending = blocks.length ? run(blocks[0]) : undefined;
    for (let b = 0; b < blocks.length; b++) {
      const kept = await pending!;
      if (b + 1 < blocks.length) pending = run(blocks[b + 1]);
      const [r0, , c0] = blocks[b];
      for (let k = 0; k < kept.count; k++) {
        const i = r0 + kept.rows[k], j = c0 + kept.cols[k];
        if (j > i) visit(i, j);
      }
      opts.onProgress?.(b + 1, blocks.length);
    }
  }

  const roots = unions.map((u) => u.roots());
  return {
    linkComponents: opts.linkDistances.map((t) => roots[cuts.indexOf(t)]),
    knn: heaps ? heaps.toLists(knn!.floor) : undefined,
    stats,
  };
}
