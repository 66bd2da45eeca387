/**
 * Stage 1 of the IJB pipeline, load meta: the face list grouped into templates, the detector scores
 * when an aggregation needs them, faces a feature store could not read left out, and what the
 * requested protocols read — the 1:1 pair list (parsed into the kernel memory, where the simd scorer
 * reads it) and the 1:N lists resolved against the templates.
 */
import { DataError } from '../errors.js';
import { checkSameFaces, readFaceLandmarks, readFaceTemplateMedia, type FaceTemplateMedia, type IjbMetaPaths, type TemplatePairs } from '../io/ijb-meta.js';
import type { Ijb1nListPaths } from '../io/ijb-1n-lists.js';
import { groupFacesByTemplate, templateIndexLookup, type TemplateGrouping } from '../aggregate/template-grouping.js';
import { copyPairsIntoArena, readPairsIntoArena, type KernelPairs } from '../scoring/kernel-pairs.js';
import type { KernelArena } from '../wasm/arena.js';
import { resolveIdentificationLists, type IdentificationLists } from './ijb-1n-setup.js';
import type { IjbCounts, IjbResult } from './ijb-types.js';

export interface IjbMetaRequest {
  paths: IjbMetaPaths;
  /** Read the pair list (1:1 asked). */
  pairs: boolean;
  /** Read the 1:N lists (1:N asked). */
  lists?: Ijb1nListPaths;
  /** Read the detector scores (an aggregation multiplies by them). */
  detectorScores: boolean;
  /** 0-based face lines to leave out (IjbOptions.excludedFaces). */
  excludedFaces?: ArrayLike<number>;
}

/** The 1:1 pairs: views into the arena's `pairs` region, re-indexed to the run's templates. */
export interface VerificationPairs {
  pairs: TemplatePairs;
  inKernels: KernelPairs;
  counts: IjbCounts;
  /** What excluded faces removed (IjbResult.excluded). */
  excluded?: IjbResult['excluded'];
}

export interface IjbMeta {
  paths: IjbMetaPaths;
  faces: FaceTemplateMedia;
  /** Faces grouped into templates, excluded faces left out (templates left without faces drop out). */
  grouping: TemplateGrouping;
  detectorScores?: Float32Array;
  /** 1 = face left out; absent when none is. */
  excludedMask?: Uint8Array;
  verification?: VerificationPairs;
  identification?: IdentificationLists;
  warnings: string[];
}

/**
 * `onPairCapacity` runs once the pair file's line count is known, before parsing (readPairsIntoArena),
 * with the first byte above the pair arrays and the face list's template count.
 */
export function loadIjbMeta(req: IjbMetaRequest, arena: KernelArena, onPairCapacity?: (capacity: number, pairsEnd: number, templates: number) => void): IjbMeta {
  const faces = readFaceTemplateMedia(req.paths.faceTemplateMedia);
  const allGrouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
  const T = allGrouping.templateIds.length;
  const parsed = req.pairs
    ? readPairsIntoArena(req.paths.pairs, allGrouping.templateIds, templateIndexLookup(allGrouping.templateIds), arena, (capacity, end) => onPairCapacity?.(capacity, end, T))
    : undefined;
  const excludedMask = excludedFaceMask(req.excludedFaces, faces.names.length, req.paths.faceTemplateMedia);
  const grouping = excludedMask ? groupFacesByTemplate(faces.templateIds, faces.mediaIds, excludedMask) : allGrouping;
  const warnings: string[] = [];
  let verification: VerificationPairs | undefined;
  if (parsed) {
    const kept = excludedMask ? pairsWithoutExcluded(parsed.pairs, allGrouping, grouping, arena, excludedMask, warnings) : parsed;
    const images = faces.names.length - (excludedMask?.reduce((n, v) => n + v, 0) ?? 0);
    verification = { ...kept, counts: countPairs(kept.pairs, req.paths.pairs, images, grouping.templateIds.length) };
  }
  const identification = req.lists
    ? resolveIdentificationLists(req.lists, req.paths.faceTemplateMedia, templateIndexLookup(allGrouping.templateIds), templateIndexLookup(grouping.templateIds))
    : undefined;
  return { paths: req.paths, faces, grouping, detectorScores: req.detectorScores ? detectorScoresOf(faces, req.paths) : undefined, excludedMask, verification, identification, warnings };
}

function detectorScoresOf(faces: FaceTemplateMedia, paths: IjbMetaPaths): Float32Array {
  const landmarks = readFaceLandmarks(paths.landmarks);
  checkSameFaces(faces, paths.faceTemplateMedia, landmarks, paths.landmarks);
  return landmarks.detectorScores;
}

function excludedFaceMask(list: ArrayLike<number> | undefined, faceCount: number, facesFile: string): Uint8Array | undefined {
  if (!list || list.length === 0) return undefined;
  const mask = new Uint8Array(faceCount);
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    if (!Number.isInteger(i) || i < 0 || i >= faceCount) throw new DataError(`excluded face index ${i} is outside the ${faceCount} faces of ${facesFile}`);
    mask[i] = 1;
  }
  if (mask.every((v) => v === 1)) throw new DataError('every face is excluded: nothing to evaluate');
  return mask;
}

/** The pairs whose two templates still have faces, re-indexed to the reduced grouping and copied into the arena. */
function pairsWithoutExcluded(
  all: TemplatePairs,
  allGrouping: TemplateGrouping,
  grouping: TemplateGrouping,
  arena: KernelArena,
  mask: Uint8Array,
  warnings: string[],
): Omit<VerificationPairs, 'counts'> {
  const lookup = templateIndexLookup(grouping.templateIds);
  const remap = Int32Array.from(allGrouping.templateIds, (id) => lookup(id));
  const keep: number[] = [];
  for (let k = 0; k < all.labels.length; k++) if (remap[all.first[k]] >= 0 && remap[all.second[k]] >= 0) keep.push(k);
  const remaining: TemplatePairs = {
    first: Int32Array.from(keep, (k) => remap[all.first[k]]),
    second: Int32Array.from(keep, (k) => remap[all.second[k]]),
    labels: Uint8Array.from(keep, (k) => all.labels[k]),
  };
  const excluded = {
    faces: mask.reduce((n, v) => n + v, 0),
    templates: allGrouping.templateIds.length - grouping.templateIds.length,
    pairs: all.labels.length - keep.length,
    pairFileLines: all.labels.length,
    keptPairs: Int32Array.from(keep),
  };
  warnings.push(`${excluded.faces} faces excluded (listed as unreadable by the feature store); ${excluded.templates} templates left without faces and ${excluded.pairs} pairs dropped`);
  return { ...copyPairsIntoArena(remaining, arena), excluded };
}

function countPairs(pairs: TemplatePairs, file: string, images: number, templates: number): IjbCounts {
  let genuine = 0;
  for (let k = 0; k < pairs.labels.length; k++) genuine += pairs.labels[k];
  const impostor = pairs.labels.length - genuine;
  if (genuine === 0) throw new DataError(`${file}: no genuine pairs (label 1): TAR is undefined`);
  if (impostor === 0) throw new DataError(`${file}: no impostor pairs (label 0): FAR is undefined`);
  return { images, templates, pairs: pairs.labels.length, genuine, impostor };
}
