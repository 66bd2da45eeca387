/**
 * Stage 2 of the IJB pipeline, aggregate: every requested aggregation's template features from one
 * streamed read of the face features, for every template a requested protocol reads (the others are
 * skipped). float64 templates when a protocol scores exactly, else float32 ones held in the kernel
 * memory (the arena's `templates` region), where the float32 scorers read them.
 */
import { DataError } from '../errors.js';
import { openNpyRows, type NpyRowReader } from '../io/npy.js';
import { isNpyFile, locateNonFinite, memoryFeatureSource, npyFeatureSource, readFeatureMatrix } from '../io/feature-source.js';
import { aggregateTemplates, NonFiniteSumError, templateBytes, ZeroNormFaceError, type FaceFeatureSource, type TemplateFeatures } from '../aggregate/aggregate-templates.js';
import type { AggregationSpec } from '../aggregate/spec.js';
import type { TemplateGrouping } from '../aggregate/template-grouping.js';
import type { KernelArena } from '../wasm/arena.js';
import type { IjbMeta } from './ijb-load.js';

export interface FeatureFiles {
  features: string;
  flipFeatures?: string;
}

/**
 * Opens face features (and flip features) as a row-block stream: .npy files are read block by
 * block; any other extension is a MagFace gen_feat.py text list, read whole.
 */
export function openFeatures(features: string, flipFeatures?: string): { source: FaceFeatureSource; close: () => void } {
  if (isNpyFile(features) && (flipFeatures === undefined || isNpyFile(flipFeatures))) {
    const readers: NpyRowReader[] = [];
    const close = (): void => readers.forEach((r) => r.close());
    try {
      readers.push(openNpyRows(features));
      if (flipFeatures !== undefined) readers.push(openNpyRows(flipFeatures));
      return { source: npyFeatureSource(readers[0], readers[1]), close };
    } catch (e) {
      close();
      throw e;
    }
  }
  const flip = flipFeatures === undefined ? undefined : readFeatureMatrix(flipFeatures);
  return { source: memoryFeatureSource(readFeatureMatrix(features), features, flip, flipFeatures), close: () => {} };
}

export interface TemplateRequest {
  specs: AggregationSpec[];
  precision: 'float64' | 'float32';
  /** Element t: 1 when a requested protocol reads template t. */
  needed: Uint8Array;
  files: FeatureFiles;
}

/** One template matrix per spec, in order (rows of templates no protocol reads are zero). */
export function aggregateIjbTemplates(meta: IjbMeta, source: FaceFeatureSource, req: TemplateRequest, arena: KernelArena): TemplateFeatures[] {
  if (source.rows !== meta.faces.names.length) {
    throw new DataError(`${req.files.features}: has ${source.rows} feature rows but ${meta.paths.faceTemplateMedia} lists ${meta.faces.names.length} faces (row i must be face line i)`);
  }
  const T = meta.grouping.templateIds.length;
  const outputsAt = req.precision === 'float32' ? arena.hold('templates', templateBytes(req.specs.length, T, source.cols)).at : undefined;
  const memory = { kernels: arena.kernels, precision: req.precision, base: arena.scratch(0), outputsAt };
  try {
    const templates = aggregateTemplates(onlyNeeded(meta.grouping, req.needed), source, meta.detectorScores, req.specs, memory);
    for (const t of templates) for (let i = 0; i < T; i++) if (!req.needed[i]) t.data.fill(0, i * t.cols, (i + 1) * t.cols);
    return templates;
  } catch (e) {
    if (e instanceof ZeroNormFaceError) {
      const spec = req.specs.find((s) => s.kind === 'insightface' && !s.keepNorm)!;
      throw new DataError(
        `${req.files.features}: row ${e.face + 1} (face '${meta.faces.names[e.face]}') has a zero feature vector; aggregation '${spec.name}' L2-normalises each face`,
        'use an aggregation that keeps the norm (magnitude, insightface) or remove the face',
      );
    }
    if (e instanceof NonFiniteSumError) {
      locateNonFinite(source, req.files.features, req.files.flipFeatures, source.hasFlip, meta.excludedMask);
      throw new DataError(`${req.files.features}: face features overflow float32 when summed per media`);
    }
    throw e;
  }
}

/** The grouping with the faces of templates nobody reads left out (the same object when all are read). */
function onlyNeeded(g: TemplateGrouping, needed: Uint8Array): TemplateGrouping {
  if (needed.every((v) => v === 1)) return g;
  const templateOfMedia = new Int32Array(g.mediaOffsets.length - 1);
  for (let t = 0; t < needed.length; t++) templateOfMedia.fill(t, g.templateMediaOffsets[t], g.templateMediaOffsets[t + 1]);
  return { ...g, mediaOfFace: g.mediaOfFace.map((m) => (m >= 0 && needed[templateOfMedia[m]] ? m : -1)) };
}
