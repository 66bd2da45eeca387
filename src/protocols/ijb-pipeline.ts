/**
 * The IJB protocol as named stages over shared templates: load meta → aggregate (once per
 * aggregation, for every template a requested protocol reads) → evaluate 1:1 → evaluate 1:N. One
 * read of the features serves both protocols. One kernel arena serves the run (src/wasm/arena.ts):
 * the pair list and the float32 templates are held regions, and every stage's scratch reuses the
 * same pages above them. For simd scoring a helper thread commits those pages while this thread
 * parses and aggregates, then scores half of the pairs. No printing: returns the result objects.
 */
import { ijbMetaPaths } from '../io/ijb-meta.js';
import { checkIjb1nListsExist, ijb1nListPaths } from '../io/ijb-1n-lists.js';
import { templateBytes, type FaceFeatureSource, type TemplateFeatures } from '../aggregate/aggregate-templates.js';
import { parseAggregationList, type AggregationSpec } from '../aggregate/spec.js';
import { ijbEvalsFpirGrid } from '../metrics/identification.js';
import { isResolvableFar, unresolvableFarWarnings } from '../metrics/tar-at-far.js';
import { rocKernelBytes } from '../metrics/roc-kernel.js';
import { createGemmABt, type GemmABt } from '../onnx/runtime.js';
import { chooseScoringMethod, FLOAT32_SCORING_MIN_WORK, planDenseBlock, simdScoringBytes, type DenseBlockPlan } from '../scoring/pair-scores.js';
import { KernelArena } from '../wasm/arena.js';
import { KernelHelper } from '../wasm/kernel-helper.js';
import { align16 } from '../wasm/kernels.js';
import type { IjbOptions, IjbResult } from './ijb-types.js';
import { DEFAULT_FPIRS, DEFAULT_RANKS, evaluate1n, INSIGHTFACE_1N_FARS, searchLayout, type Ijb1nOptions, type Ijb1nResult } from './ijb-1n.js';
import { loadIjbMeta, type IjbMeta } from './ijb-load.js';
import { aggregateIjbTemplates, openFeatures } from './ijb-templates.js';
import { evaluate1v1 } from './ijb-verify.js';
import { timed } from './stage-timer.js';

export type IjbProtocol = '1v1' | '1n';
export const IJB_PROTOCOLS: readonly IjbProtocol[] = ['1v1', '1n'];

/** Everything `ijb` needs: the 1:1 options, which protocols, and the 1:N targets (defaults below). */
export interface IjbRunOptions extends IjbOptions, Partial<Pick<Ijb1nOptions, 'ranks' | 'fpirs' | 'closedSetFars'>> {
  /** Default ['1v1']. */
  protocols?: IjbProtocol[];
  /**
   * Called once the face list and pairs are read, for a caller that needs them too (quality) instead
   * of reading them again. The pairs are views into kernel memory, valid only during the call.
   */
  onMeta?: (meta: IjbMeta) => void;
  /**
   * Called with every block of face features aggregation reads (rows start … start+count−1 of the
   * features file, `rows` row-major), before aggregation uses it: for a caller that needs a per-face
   * number too (quality's norms) instead of reading the file again. A view, valid during the call.
   */
  onFeatureBlock?: (start: number, count: number, rows: Float32Array) => void;
}

/** One result per requested protocol. */
export interface IjbRunResult {
  oneToOne?: IjbResult;
  oneToN?: Ijb1nResult;
}

/** What the stages after loading share. */
interface RunContext {
  opts: IjbRunOptions;
  meta: IjbMeta;
  specs: AggregationSpec[];
  templates: TemplateFeatures[];
  arena: KernelArena;
  helper: HelperSlot;
  /** gemm scoring (1:1 and 1:N): one session on every core. */
  gemm?: GemmABt;
  dim: number;
}

export async function runIjb(opts: IjbRunOptions): Promise<IjbRunResult> {
  const protocols = opts.protocols ?? ['1v1'];
  const paths = ijbMetaPaths(opts.root, opts.target);
  const lists = protocols.includes('1n') ? ijb1nListPaths(opts.root, opts.target) : undefined;
  if (lists) checkIjb1nListsExist(lists);
  const specs = parseAggregationList(opts.aggregate, opts.flipFeatures !== undefined);
  // Flip features are read only when an aggregation adds them (magface ignores them).
  const features = openFeatures(opts.features, specs.some((s) => s.kind === 'insightface' && s.addFlip) ? opts.flipFeatures : undefined);
  const arena = new KernelArena();
  const helper = new HelperSlot(arena);
  try {
    const dim = features.source.cols;
    const request = { paths, pairs: protocols.includes('1v1'), lists, detectorScores: specs.some((s) => s.kind === 'insightface' && s.detectorScore), excludedFaces: opts.excludedFaces };
    const meta = timed('load meta', opts.onStage, () => loadIjbMeta(request, arena, (capacity, pairsEnd, T) => helper.startForPairs(opts.scoring, capacity, pairsEnd, specs.length, T, dim)));
    opts.onMeta?.(meta);
    const plan = meta.verification && planDenseBlock(meta.verification.pairs, meta.grouping.templateIds.length);
    const methods = scoringMethods(opts, meta, dim, plan);
    const gemm = methods.oneToOne === 'gemm' || methods.oneToN === 'gemm' ? await createGemmABt() : undefined;
    try {
      const precision = Object.values(methods).includes('exact') ? 'float64' : 'float32';
      const needed = neededTemplates(meta);
      const source = opts.onFeatureBlock ? tapped(features.source, opts.onFeatureBlock) : features.source;
      const templates = timed('aggregate', opts.onStage, () => aggregateIjbTemplates(meta, source, { specs, precision, needed, files: opts }, arena));
      const ctx: RunContext = { opts, meta, specs, templates, arena, helper, gemm, dim };
      return {
        oneToOne: methods.oneToOne && plan ? await verifyAll(ctx, methods.oneToOne, plan) : undefined,
        oneToN: methods.oneToN ? await identifyAll(ctx, methods.oneToN) : undefined,
      };
    } finally {
      await gemm?.release();
    }
  } finally {
    helper.close();
    features.close();
  }
}

/** The source, with `onBlock` shown every block of features before the visitor gets it. */
function tapped(source: FaceFeatureSource, onBlock: NonNullable<IjbRunOptions['onFeatureBlock']>): FaceFeatureSource {
  return {
    ...source,
    forEachBlock: (visit, into) =>
      source.forEachBlock((start, count, orig, flip) => {
        onBlock(start, count, orig);
        visit(start, count, orig, flip);
      }, into),
  };
}

type Method = 'exact' | 'simd' | 'gemm';

/** Each protocol's scoring method: `auto` decides by its own work (1:N scores a full block). */
function scoringMethods(opts: IjbRunOptions, meta: IjbMeta, dim: number, plan: DenseBlockPlan | undefined): { oneToOne?: Method; oneToN?: Method } {
  const v = meta.verification;
  const lists = meta.identification;
  const columns = lists ? lists.galleries.reduce((n, g) => n + g.templates.length, 0) : 0;
  return {
    oneToOne: v && plan && chooseScoringMethod(opts.scoring, v.counts.pairs, dim, plan),
    oneToN: lists && chooseScoringMethod(opts.scoring, lists.probes.templates.length * columns, dim, { density: 1 }),
  };
}

/** 1:1 reads every template (the pair list names nearly all of them); 1:N alone, those of its lists. */
function neededTemplates(meta: IjbMeta): Uint8Array {
  const T = meta.grouping.templateIds.length;
  if (meta.verification || !meta.identification) return new Uint8Array(T).fill(1);
  const needed = new Uint8Array(T);
  for (const list of [...meta.identification.galleries, meta.identification.probes]) for (const t of list.templates) needed[t] = 1;
  return needed;
}

/** Warnings of the run, each protocol's own in the middle (the order the 1:1 result always had). */
function runWarnings(opts: IjbRunOptions, meta: IjbMeta, specs: AggregationSpec[], own: string[]): string[] {
  const warnings = [...meta.warnings, ...own];
  if (opts.flipFeatures !== undefined && specs.some((s) => s.kind === 'magface')) {
    warnings.push('magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)');
  }
  return warnings;
}

async function verifyAll(ctx: RunContext, method: Method, plan: DenseBlockPlan): Promise<IjbResult> {
  const { opts, meta, arena } = ctx;
  const v = meta.verification!;
  const verification = { pairs: v, method, plan, arena, helper: method === 'simd' ? ctx.helper.get() : undefined, gemm: ctx.gemm, options: opts };
  const results: IjbResult['results'] = [];
  let bootstrap: IjbResult['bootstrap'];
  for (const [k, spec] of ctx.specs.entries()) {
    const out = await evaluate1v1(verification, spec, ctx.templates[k]);
    results.push(out.result);
    bootstrap = out.bootstrap ?? bootstrap;
  }
  return {
    protocol: 'ijb-1v1',
    target: opts.target,
    rule: opts.rule,
    counts: v.counts,
    featureDim: ctx.dim,
    flip: opts.flipFeatures !== undefined,
    scoring: method,
    ...(bootstrap ? { bootstrap } : {}),
    results,
    warnings: runWarnings(opts, meta, ctx.specs, unresolvableFarWarnings(opts.fars, v.counts.impostor)),
    ...(v.excluded ? { excluded: v.excluded } : {}),
  };
}

async function identifyAll(ctx: RunContext, method: Method): Promise<Ijb1nResult> {
  const { opts, meta, arena } = ctx;
  const lists = meta.identification!;
  const options: Ijb1nOptions = {
    ranks: opts.ranks ?? DEFAULT_RANKS,
    fpirs: opts.fpirs ?? DEFAULT_FPIRS,
    closedSetFars: opts.closedSetFars ?? INSIGHTFACE_1N_FARS,
    bootstrap: opts.bootstrap,
    onStage: opts.onStage,
  };
  const layout = searchLayout(lists, options.closedSetFars);
  const engine = { method, arena, helper: method === 'simd' ? ctx.helper.get() : undefined, gemm: ctx.gemm };
  const results = [];
  for (const [k, spec] of ctx.specs.entries()) results.push(await evaluate1n(lists, layout, engine, spec, ctx.templates[k], options));
  const counts = identificationCounts(meta, layout);
  return {
    protocol: 'ijb-1n',
    target: opts.target,
    scoring: method,
    counts,
    featureDim: ctx.dim,
    flip: opts.flipFeatures !== undefined,
    ranks: options.ranks,
    fpirs: options.fpirs,
    closedSetFars: options.closedSetFars,
    fpirGrid: ijbEvalsFpirGrid(),
    ...(opts.bootstrap ? { bootstrap: { replicates: opts.bootstrap.replicates, seed: opts.bootstrap.seed, ci: opts.bootstrap.ci, unit: 'probe template' as const } } : {}),
    results,
    warnings: runWarnings(opts, meta, ctx.specs, [...lists.warnings, ...identificationWarnings(counts, options)]),
  };
}

function identificationCounts(meta: IjbMeta, layout: ReturnType<typeof searchLayout>): Ijb1nResult['counts'] {
  const lists = meta.identification!;
  const g = meta.grouping;
  // faces of the searched templates (excluded faces are in no media)
  const faces = (t: number): number => g.mediaOffsets[g.templateMediaOffsets[t + 1]] - g.mediaOffsets[g.templateMediaOffsets[t]];
  return {
    images: [...layout.galleryTemplates, ...layout.probeTemplates].reduce((n, t) => n + faces(t), 0),
    probes: layout.probeTemplates.length,
    galleries: lists.galleries.map((g, gi) => {
      const mated = lists.mateGallery.reduce((n, m) => n + (m === gi ? 1 : 0), 0);
      return { name: g.name, templates: g.templates.length, mated, nonMated: layout.probeTemplates.length - mated };
    }),
  };
}

/** Targets the data cannot resolve, and ranks a gallery makes trivial. */
function identificationWarnings(counts: Ijb1nResult['counts'], o: Ijb1nOptions): string[] {
  const out: string[] = [];
  for (const g of counts.galleries) {
    for (const f of o.fpirs.filter((f) => !isResolvableFar(f, g.nonMated))) {
      const n = g.nonMated.toLocaleString('en-US');
      out.push(`FPIR ${f.toExponential()} cannot be resolved with the ${n} non-mated searches of ${g.name} (it needs at least ${Math.ceil(1 / f - 1e-9).toLocaleString('en-US')}): its TPIR is reported as null, and so is the mean of the galleries`);
    }
    const trivial = o.ranks.filter((k) => k >= g.templates);
    if (trivial.length) out.push(`${g.name} has ${g.templates} templates: rank-${trivial.join(', rank-')} count every mated search`);
  }
  return out;
}

/**
 * The kernel helper thread, started when simd scoring will use it: early (while the pair file is
 * parsed) when the 1:1 pairs are many enough for simd, committing the pages the templates and the
 * scoring scratch will use; otherwise on first use.
 */
class HelperSlot {
  private helper: KernelHelper | undefined;
  private started = false;

  constructor(private readonly arena: KernelArena) {}

  startForPairs(scoring: IjbOptions['scoring'], capacity: number, pairsEnd: number, specCount: number, T: number, D: number): void {
    if (!(scoring === 'simd' || (scoring === 'auto' && capacity * D >= FLOAT32_SCORING_MIN_WORK))) return;
    const helper = this.get();
    if (!helper) return;
    const templatesAt = align16(pairsEnd);
    const scratchAt = templatesAt + templateBytes(specCount, T, D);
    // Bounds: scoring's rows at most two per template; the ROC curve guessed at one vertex per five
    // pairs (the synthetic IJB-C set has one per 5.4); a longer one commits the rest itself.
    const end = scratchAt + Math.max(simdScoringBytes(capacity, 2 * T, T, D), rocKernelBytes(capacity, 0, capacity / 5));
    this.arena.kernels.ensureBytes(end);
    helper.touch(templatesAt, end);
  }

  get(): KernelHelper | undefined {
    if (!this.started) {
      this.started = true;
      this.helper = KernelHelper.start(this.arena.kernels);
    }
    return this.helper;
  }

  close(): void {
    this.helper?.close();
  }
}
