/**
 * 1:N search: every probe template against every gallery template, one block of probes at a time,
 * keeping per probe only what the identification metrics need — its mate score and, per gallery,
 * the highest non-mate score and how many non-mates reach the mate score — plus, over all probes,
 * the highest non-mate scores (the pool of ijb_1n.py's "FAR" threshold). The probe × gallery score
 * matrix (IJB-C: 19,593 × 3,531 = 69M scores per aggregation) is never held: one block of probes ×
 * all gallery columns at a time, in memory reused from block to block.
 *
 * Scores as in 1:1 (pair-scores.ts): `exact` float64 dot products in numpy's pairwise order, `simd`
 * the float32 `dotPairs` kernel (bit-identical to the 1:1 simd score of the same two templates),
 * `gemm` onnxruntime's float32 A·Bᵀ over the block; the MagFace aggregations then take
 * 1 − acos(cos)/π in float32.
 */
import type { ScoreKind } from '../aggregate/spec.js';
import type { TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { pairwiseSum } from '../numeric/numpy.js';
import type { GemmABt } from '../onnx/runtime.js';
import type { KernelArena } from '../wasm/arena.js';
import { align16 } from '../wasm/kernels.js';
import type { KernelHelper } from '../wasm/kernel-helper.js';
import { dotPairsChunked, type DotPairsArgs } from '../wasm/kernel-tasks.js';
import { finishScore, gatherRowsFloat32 } from './pair-scores.js';

/** Who searches which gallery columns, and where each probe's mate is. */
export interface SearchLayout {
  /** Element c: the template index of gallery column c (the galleries' columns one after another). */
  galleryTemplates: Int32Array;
  /** Element g: the first column of gallery g; the last element is the column count. */
  galleryStarts: Int32Array;
  /** Element p: the template index of probe p. */
  probeTemplates: Int32Array;
  /** Element p: the column of probe p's mate, or -1 when it has none. */
  mateColumn: Int32Array;
  /** How many of the highest non-mate scores (all probes, all galleries) to keep. */
  poolSize: number;
}

/** What the search leaves for the metrics. Element p of each array is about probe p. */
export interface SearchSummary {
  /** Element p: probe p's score against its mate; NaN when it has none. */
  mateScore: Float64Array;
  /** [g][p]: the highest score of probe p among gallery g's templates other than its mate (−∞ if none). */
  topNonMate: Float64Array[];
  /** [g][p]: how many of gallery g's templates other than p's mate score ≥ p's mate score. */
  nonMatesAtOrAbove: Int32Array[];
  /** [g][p]: how many score strictly above it (the difference: ties with the mate). */
  nonMatesAbove: Int32Array[];
  /** The `poolSize` highest non-mate scores over all probes and galleries, descending (fewer if there are fewer). */
  pooledTopNonMate: Float64Array;
}

export interface SearchEngine {
  method: 'exact' | 'simd' | 'gemm';
  kind: ScoreKind;
  /** simd, gemm: the kernel memory, whose scratch holds the blocks (and the simd rows); simd's helper thread. */
  arena?: KernelArena;
  helper?: KernelHelper;
  /** gemm: the session (on every core). */
  gemm?: GemmABt;
}

/**
 * Probes per block, by scores per block: 64k for exact, 256k for simd, 512k (2 MB) for gemm — each
 * product arrives in a new array, and at 2 MB the allocator hands back the memory of earlier ones;
 * at 8 MB every block mapped fresh pages (1:N on IJB-C: 0.80 s for two aggregations, was 1.6 s).
 */
export function probesPerBlock(method: SearchEngine['method'], columns: number): number {
  const target = method === 'exact' ? 1 << 16 : method === 'simd' ? 1 << 18 : 1 << 19;
  return Math.max(1, Math.min(4096, Math.floor(target / Math.max(1, columns))));
}

/** Searches every probe against every gallery column (see the module comment). */
export async function searchGalleries(t: TemplateFeatures, layout: SearchLayout, engine: SearchEngine): Promise<SearchSummary> {
  const P = layout.probeTemplates.length;
  const G = layout.galleryStarts.length - 1;
  const summary: SearchSummary = {
    mateScore: new Float64Array(P),
    topNonMate: Array.from({ length: G }, () => new Float64Array(P)),
    nonMatesAtOrAbove: Array.from({ length: G }, () => new Int32Array(P)),
    nonMatesAbove: Array.from({ length: G }, () => new Int32Array(P)),
    pooledTopNonMate: new Float64Array(0),
  };
  const pool = new TopScores(layout.poolSize);
  const B = probesPerBlock(engine.method, layout.galleryTemplates.length);
  const scoreBlock = blockScorer(t, layout, engine, B);
  const finish = finishScore(engine.kind);
  for (let p0 = 0; p0 < P; p0 += B) {
    const n = Math.min(B, P - p0);
    const scores = await scoreBlock(p0, n);
    if (engine.kind !== 'cosine') for (let k = 0; k < scores.length; k++) scores[k] = finish(scores[k]);
    if (scores instanceof Float32Array) summariseBlockInKernels(engine.arena!, scores, p0, n, layout, summary, pool);
    else summariseBlock(scores, p0, n, layout, summary, pool);
  }
  summary.pooledTopNonMate = pool.sorted();
  return summary;
}

/** Scores of probes [p0, p0 + n) × all columns, row-major (valid until the next call); float32 ones in the kernel memory. */
type BlockScorer = (p0: number, n: number) => Promise<Float32Array | Float64Array>;

/** Bytes after a float32 block in the arena's scratch: rowStats' output. */
const STATS_BYTES = 16;

function blockScorer(t: TemplateFeatures, layout: SearchLayout, engine: SearchEngine, B: number): BlockScorer {
  if (engine.method === 'exact') return exactBlocks(t as TemplateFeatures<Float64Array>, layout, B);
  if (engine.method === 'simd') return simdBlocks(t, layout, engine.arena!, engine.helper, B);
  return gemmBlocks(t, layout, engine.gemm!, engine.arena!, B);
}

/**
 * onnxruntime's product of each block, copied where the kernels read it. onnxruntime-node runs a
 * session on the calling thread (its `run` is synchronous inside a promise), so blocks cannot overlap
 * the folding: one session with onnxruntime's threads on every core does each product.
 */
function gemmBlocks(t: TemplateFeatures, layout: SearchLayout, session: GemmABt, arena: KernelArena, B: number): BlockScorer {
  const C = layout.galleryTemplates.length;
  const gallery = gatherRowsFloat32(t, layout.galleryTemplates, 0, C);
  const blockAt = arena.scratch(align16(B * C * 4) + STATS_BYTES);
  return async (p0, n) => {
    const product = await session.run(gatherRowsFloat32(t, layout.probeTemplates, p0, p0 + n), n, gallery, C, t.cols);
    const block = arena.kernels.f32(blockAt, n * C);
    block.set(product);
    return block;
  };
}

function exactBlocks(t: TemplateFeatures<Float64Array>, layout: SearchLayout, B: number): BlockScorer {
  const D = t.cols;
  const C = layout.galleryTemplates.length;
  const out = new Float64Array(B * C);
  const products = new Float64Array(D);
  return async (p0, n) => {
    for (let r = 0; r < n; r++) {
      const a = layout.probeTemplates[p0 + r] * D;
      for (let c = 0; c < C; c++) {
        const b = layout.galleryTemplates[c] * D;
        for (let j = 0; j < D; j++) products[j] = t.data[a + j] * t.data[b + j];
        out[r * C + c] = pairwiseSum(products, 0, D);
      }
    }
    return out.subarray(0, n * C);
  };
}

/**
 * The `dotPairs` kernel over a block laid out in the arena's scratch: the gallery rows then the
 * block's probe rows (float32), a pair list (gallery column, block row) for a full block — the same
 * for every block — and the scores; half of the pairs on the helper thread when there is one.
 */
function simdBlocks(t: TemplateFeatures, layout: SearchLayout, arena: KernelArena, helper: KernelHelper | undefined, B: number): BlockScorer {
  const D = t.cols;
  const C = layout.galleryTemplates.length;
  const pairs = B * C;
  const indexBytes = C + B <= 65536 ? 2 : 4;
  const rowsAt = arena.scratch(align16((C + B) * D * 4) + 2 * align16((C + B) * 4) + 2 * align16(pairs * indexBytes) + align16(pairs * 4) + STATS_BYTES);
  const tableAt = rowsAt + align16((C + B) * D * 4);
  const firstAt = tableAt + 2 * align16((C + B) * 4);
  const secondAt = firstAt + align16(pairs * indexBytes);
  const outAt = secondAt + align16(pairs * indexBytes);
  const k = arena.kernels;
  const rows = k.f32(rowsAt, (C + B) * D);
  layout.galleryTemplates.forEach((template, c) => rows.set(t.data.subarray(template * D, (template + 1) * D), c * D));
  // Indices are rows directly: both tables are the identity over the C + B rows.
  k.i32(tableAt, C + B).forEach((_, i, a) => (a[i] = i));
  const index = (at: number): Uint16Array | Int32Array => (indexBytes === 2 ? k.u16(at, pairs) : k.i32(at, pairs));
  const first = index(firstAt);
  const second = index(secondAt);
  for (let r = 0; r < B; r++) {
    for (let c = 0; c < C; c++) {
      first[r * C + c] = c;
      second[r * C + c] = C + r;
    }
  }
  return async (p0, n) => {
    for (let r = 0; r < n; r++) {
      const template = layout.probeTemplates[p0 + r];
      rows.set(t.data.subarray(template * D, (template + 1) * D), (C + r) * D);
    }
    const all: DotPairsArgs = { rows: rowsAt, rowOf: tableAt, colOf: tableAt, first: firstAt, second: secondAt, indexBytes, out: outAt, count: n * C, dim: D };
    const mine = helper ? Math.ceil(all.count / 2) : all.count;
    const rest: DotPairsArgs = { ...all, first: firstAt + mine * indexBytes, second: secondAt + mine * indexBytes, out: outAt + mine * 4, count: all.count - mine };
    const helped = helper?.dotPairs(rest);
    dotPairsChunked(k.k, { ...all, count: mine });
    if (helped && !(await helped)) dotPairsChunked(k.k, rest);
    return k.f32(outAt, n * C);
  };
}

/**
 * summariseBlock for a float32 block in the kernel memory, the arithmetic in the `rowStats` kernel
 * (same results: tested against summariseBlock). The statistics are written right after the block;
 * the mate's own score is set to −∞ in the block (which is consumed) so that it counts nowhere.
 */
export function summariseBlockInKernels(arena: KernelArena, scores: Float32Array, p0: number, n: number, layout: SearchLayout, s: SearchSummary, pool: TopScores): void {
  const C = layout.galleryTemplates.length;
  const starts = layout.galleryStarts;
  const k = arena.kernels;
  const statsAt = scores.byteOffset + align16(scores.byteLength);
  const stats = k.f32(statsAt, 4);
  const counts = k.i32(statsAt, 4);
  for (let r = 0; r < n; r++) {
    const p = p0 + r;
    const row = r * C;
    const mate = layout.mateColumn[p];
    const m = mate >= 0 ? scores[row + mate] : NaN;
    if (mate >= 0) scores[row + mate] = -Infinity;
    s.mateScore[p] = m;
    for (let g = 0; g + 1 < starts.length; g++) {
      const from = row + starts[g];
      const to = row + starts[g + 1];
      k.k.rowStats(scores.byteOffset + from * 4, to - from, m, pool.cutoff, statsAt);
      s.topNonMate[g][p] = stats[0];
      s.nonMatesAtOrAbove[g][p] = counts[1];
      s.nonMatesAbove[g][p] = counts[2];
      if (counts[3] > 0) for (let c = from; c < to; c++) if (scores[c] > pool.cutoff) pool.push(scores[c]);
    }
  }
}

/** Folds one block of scores into the summary and the pool. */
export function summariseBlock(scores: Float32Array | Float64Array, p0: number, n: number, layout: SearchLayout, s: SearchSummary, pool: TopScores): void {
  const C = layout.galleryTemplates.length;
  const starts = layout.galleryStarts;
  for (let r = 0; r < n; r++) {
    const p = p0 + r;
    const row = r * C;
    const mate = layout.mateColumn[p];
    const m = mate >= 0 ? scores[row + mate] : NaN;
    s.mateScore[p] = m;
    for (let g = 0; g + 1 < starts.length; g++) {
      let top = -Infinity;
      let atOrAbove = 0;
      let above = 0;
      let cutoff = pool.cutoff;
      // Two runs around the mate's column (when it is in this gallery).
      const split = mate >= starts[g] && mate < starts[g + 1] ? mate : starts[g + 1];
      for (const [from, to] of [[starts[g], split], [Math.min(split + 1, starts[g + 1]), starts[g + 1]]]) {
        for (let c = from; c < to; c++) {
          const v = scores[row + c];
          if (v > top) top = v;
          if (v >= m) atOrAbove++;
          if (v > m) above++;
          if (v > cutoff) cutoff = pool.push(v);
        }
      }
      s.topNonMate[g][p] = top;
      s.nonMatesAtOrAbove[g][p] = atOrAbove;
      s.nonMatesAbove[g][p] = above;
    }
  }
}

/**
 * The k highest of a stream of scores: candidates above the current cutoff are buffered, and the
 * buffer is cut back to its k highest whenever it fills (the cutoff = the k-th highest so far). A
 * value equal to the cutoff cannot change the k highest values, so it is never buffered.
 */
export class TopScores {
  private buffer: Float64Array;
  private n = 0;
  /** Scores at or below this cannot be among the k highest. */
  cutoff = -Infinity;

  constructor(readonly k: number) {
    this.buffer = new Float64Array(Math.max(4 * k, 1024));
    if (k === 0) this.cutoff = Infinity;
  }

  /** Adds a score above the cutoff; returns the (possibly raised) cutoff. */
  push(v: number): number {
    this.buffer[this.n++] = v;
    if (this.n === this.buffer.length) this.compact();
    return this.cutoff;
  }

  private compact(): void {
    const kept = this.buffer.subarray(0, this.n).sort().reverse().slice(0, this.k);
    this.buffer.set(kept);
    this.n = kept.length;
    if (this.n === this.k) this.cutoff = kept[this.k - 1];
  }

  /** The k highest (or all, when fewer arrived), descending. */
  sorted(): Float64Array {
    this.compact();
    return this.buffer.slice(0, this.n);
  }
}
