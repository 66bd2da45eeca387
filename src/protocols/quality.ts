/**
 * Quality assessment: how well a quality score predicts recognition errors, by discarding the
 * lowest-quality pairs and watching the error fall (REFERENCE.md §7). For every data set and every
 * quality source (feature magnitude `norm`, any number of per-image quality files, and a seeded
 * random baseline), one run computes:
 *
 * - MagFace's ERC (eval_quality.py) and the ERC at FMR targets (CR-FIQA ERC/erc.py) over the discard
 *   fractions 0, 0.05 … 0.95, with their exact threshold rules (metrics/error-reject.ts);
 * - FNM-EDC and FM-EDC with pAUC (dasec edc.py; metrics/edc.ts);
 * - a histogram of the samples' quality over genuine and impostor pairs;
 * - optionally, the average aligned faces per magnitude decile (report/average-faces.ts).
 *
 * Pair sets: LFW-style (pairs.txt / CSV / insightface .bin with saved features; the loaders of
 * pairs-kfold.ts), scored with MagFace's angular distance; or IJB 1:1, scored by the IJB pipeline
 * with one aggregation (template quality = mean or min of its faces'). Pair quality = min of its two
 * samples'. Numbers that cannot be trusted (an FMR target finer than 1 / the impostors left) become
 * NaN with a warning saying from which discard fraction on. No printing: returns a result object.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { readInsightfaceBin } from '../io/insightface-bin.js';
import { readNameList } from '../io/lfw-pairs.js';
import { readQualityFile, qualitiesForImages } from '../io/quality-file.js';
import { ijbMetaPaths, readFaceLandmarks, type FaceTemplateMedia, type IjbTarget, type TemplatePairs } from '../io/ijb-meta.js';
import { checkFinite, readFeatureMatrix } from '../io/feature-source.js';
import type { TemplateGrouping } from '../aggregate/template-grouping.js';
import { parseAggregation, scoreKindOf } from '../aggregate/spec.js';
import type { ScoringMethod, ScoreVector } from '../scoring/pair-scores.js';
import { Xoshiro128 } from '../metrics/bootstrap.js';
import { numpyArgsortCuts } from '../numeric/numpy-argsort.js';
import { ERC_DISCARD_FRACTIONS, MAGFACE_MIN_IMPOSTORS, discardCounts, discardSteps, errorVersusReject, ercArea, rankPairs, type RankedPairs } from '../metrics/error-reject.js';
import { edcCurves, edcPartialArea, edcTheoreticalBestArea, type EdcCurve } from '../metrics/edc.js';
import { numpyQuantile, percentile } from '../numeric/numpy.js';
import { farKey } from '../report/format.js';
import { angularDistances, discardStepsByRank, featureNorms, histogramEdges, pairQualityRanks, pairSampleHistogram, templateQualities } from '../metrics/quality-scores.js';
import { averageFaceStrip, magnitudeDeciles, type AverageFaceStrip, type FaceImage } from '../report/average-faces.js';
import { loadDataset, defaultDatasetName, type PairsKfoldDataset } from './pairs-kfold.js';
import { scoresInPairFileOrder } from './ijb-1v1.js';
import type { IjbMeta } from './ijb-load.js';
import { runIjb } from './ijb-pipeline.js';
import { openFeatures } from './ijb-templates.js';
import { timed } from './stage-timer.js';

export const DEFAULT_QUALITY_FMRS = [1e-2, 1e-3, 1e-4];
export const DEFAULT_STARTING_ERROR = 0.05;
export const DEFAULT_PAUC_LIMIT = 0.2;
export const DEFAULT_QUALITY_SEED = 0;
/** Bins of the quality histograms. */
export const HISTOGRAM_BINS = 40;
/** Names the built-in sources take; quality files cannot use them. */
export const BUILTIN_SOURCES = ['norm', 'random'] as const;

/** A per-image quality file of one data set: `--quality-file NAME=FILE`. */
export interface QualityFileSpec {
  name: string;
  file: string;
}

interface QualitySetCommon {
  /** Name printed and written for this data set (default: from the file name, or IJBC / IJBB). */
  name?: string;
  /** This data set's quality files; every data set of a run lists the same names. */
  qualityFiles?: QualityFileSpec[];
  /** Features (same rows as the recognition features) whose norms are the `norm` quality; default: the recognition features. */
  qualityFeatures?: string;
}

/** An LFW-style pair set: the fields of a pairs-kfold data set, and where its images are. */
export interface QualityPairsSet extends QualitySetCommon, PairsKfoldDataset {
  kind: 'pairs';
  /** Folder holding the images `names` lists (aligned crops), for the average-face strip. */
  images?: string;
}

/** An IJB-B / IJB-C 1:1 set (insightface IJB_release layout). */
export interface QualityIjbSet extends QualitySetCommon {
  kind: 'ijb';
  root: string;
  target: IjbTarget;
  features: string;
  flipFeatures?: string;
  /** The aggregation whose pair scores are judged (default `plain`). */
  aggregation?: string;
  /** Template quality from its faces' (default `mean`). */
  templateQuality?: 'mean' | 'min';
  scoring?: ScoringMethod;
}

export type QualitySet = QualityPairsSet | QualityIjbSet;

export interface QualityOptions {
  sets: QualitySet[];
  /** Include the feature-magnitude source `norm`. */
  norm: boolean;
  /** FMR targets of the CR-FIQA-style ERC (default 1e-2, 1e-3, 1e-4). */
  fmrs: number[];
  /** EDC starting error (default 0.05). */
  startingError: number;
  /** EDC pAUC discard limit (default 0.20). */
  paucLimit: number;
  /** Seed of the random baseline (default 0). */
  seed: number;
  /** Average aligned faces per magnitude decile, for sets whose images are at hand. */
  averageFaces?: { perDecile: number };
  onStage?: (stage: string, ms: number) => void;
}

/** An EDC with its threshold and pAUC. Element i of `discard` / `error` is point i. */
export interface EdcResult {
  discard: Float64Array;
  error: Float64Array;
  /** The fixed threshold, in the set's score unit (see QualitySetResult.score). */
  threshold: number;
  /** The requested starting error, and the error at discard 0 that the threshold gives. */
  startingError: number;
  startingErrorActual: number;
  /** Stepwise area up to the pAUC limit minus the theoretical-best area (edc.py's example). */
  pauc: number;
  /** The theoretical-best area that was subtracted. */
  theoreticalBest: number;
}

/** Element k of every array belongs to discard step k (QualityResult.discard). NaN = undefined or untrusted. */
export interface QualitySourceResult {
  quality: string;
  kind: 'norm' | 'file' | 'random';
  keptGenuine: Int32Array;
  keptImpostor: Int32Array;
  /** MagFace eval_quality.py: FNMR at its "FMR 1e-3" threshold. */
  magfaceErc: { fnmr: Float64Array; threshold: Float64Array };
  /** CR-FIQA erc.py, one per FMR target: FNMR, threshold, the FMR actually reached, area over [0, 0.95]. */
  erc: { target: number; fnmr: Float64Array; threshold: Float64Array; fmr: Float64Array; auc: number }[];
  edc: { fnm: EdcResult; fm: EdcResult };
  /** Histogram of the samples' quality over genuine and impostor pairs (each pair counts both samples); not for `random`. */
  histogram?: { edges: Float64Array; genuine: Float64Array; impostor: Float64Array };
}

export interface QualitySetResult {
  dataset: string;
  kind: 'pairs' | 'ijb';
  /**
   * The pair score, and so the unit of every threshold: `angular-distance` (LFW-style sets, MagFace's
   * arccos(cos)/π: lower = more similar; ERC accepts distance < threshold) or the IJB aggregation's
   * similarity, `cosine` or `magface-angular` (1 − arccos(cos)/π; accepts score > threshold).
   */
  score: 'angular-distance' | 'cosine' | 'magface-angular';
  /** IJB: the aggregation and how template quality was formed. */
  aggregation?: string;
  templateQuality?: 'mean' | 'min';
  pairs: number;
  genuine: number;
  impostor: number;
  /** Samples whose quality is judged: images (LFW-style) or templates (IJB). */
  samples: number;
  sampleKind: 'image' | 'template';
  sources: QualitySourceResult[];
  /** The average-face strip, when asked for and the images are at hand. */
  averageFaces?: AverageFaceStrip;
}

export interface QualityResult {
  protocol: 'quality';
  fmrs: number[];
  startingError: number;
  paucLimit: number;
  seed: number;
  /** The discard fractions of the ERCs: np.arange(0, 0.98, 0.05). */
  discard: Float64Array;
  sets: QualitySetResult[];
  warnings: string[];
}

/** What every kind of pair set provides to the curves. */
interface PairSet {
  name: string;
  kind: 'pairs' | 'ijb';
  score: QualitySetResult['score'];
  /** Element p: pair p's similarity (an angular distance enters negated: exact). */
  scores: ScoreVector;
  labels: Uint8Array;
  /** Element p: the samples of pair p. */
  sampleA: ArrayLike<number>;
  sampleB: ArrayLike<number>;
  sampleCount: number;
  sampleKind: 'image' | 'template';
  /** Element s: the quality of sample s from a quality file. */
  fileQuality(file: string): Float64Array;
  /** Element s: the `norm` quality of sample s. */
  normQuality(): Float64Array;
  /** Per image/face magnitudes and how to read each one, for the average-face strip (absent: no images). */
  faces?: { magnitudes: () => Float64Array; image: (i: number) => FaceImage };
  aggregation?: string;
  templateQuality?: 'mean' | 'min';
  warnings: string[];
}

export async function runQuality(opts: QualityOptions): Promise<QualityResult> {
  const fileNames = checkOptions(opts);
  const warnings: string[] = [];
  const sets: QualitySetResult[] = [];
  for (const spec of opts.sets) {
    const set = spec.kind === 'ijb' ? await ijbPairSet(spec, opts.onStage, opts.norm || opts.averageFaces !== undefined) : timed(`${setName(spec)}: load`, opts.onStage, () => lfwPairSet(spec));
    const result = evaluateSet(set, spec, fileNames, opts);
    if (opts.averageFaces) {
      const t0 = performance.now();
      if (set.faces) {
        const deciles = magnitudeDeciles(set.faces.magnitudes(), opts.averageFaces.perDecile);
        result.averageFaces = await averageFaceStrip(deciles, set.faces.image, `${set.name}: average aligned faces per feature-magnitude decile (low → high)`);
        set.warnings.push(...result.averageFaces.warnings);
      } else {
        set.warnings.push('no images at hand (IJB root without loose_crop, or a pair list without an image folder): no average-face strip');
      }
      opts.onStage?.(`${set.name}: average faces`, performance.now() - t0);
    }
    warnings.push(...set.warnings.map((w) => `${set.name}: ${w}`));
    sets.push(result);
  }
  return {
    protocol: 'quality',
    fmrs: opts.fmrs,
    startingError: opts.startingError,
    paucLimit: opts.paucLimit,
    seed: opts.seed,
    discard: ERC_DISCARD_FRACTIONS,
    sets,
    warnings,
  };
}

/** Validates everything before anything slow starts; returns the quality-file names (same for every set). */
function checkOptions(opts: QualityOptions): string[] {
  if (opts.sets.length === 0) throw new UsageError('no pair set given');
  for (const fmr of opts.fmrs) if (!(fmr > 0 && fmr < 1)) throw new UsageError(`FMR target ${fmr}: expected a rate in (0, 1)`);
  if (new Set(opts.fmrs).size !== opts.fmrs.length) throw new UsageError('an FMR target is listed twice');
  if (!(opts.startingError > 0 && opts.startingError < 1)) throw new UsageError(`starting error ${opts.startingError}: expected a rate in (0, 1)`);
  if (!(opts.paucLimit >= 0 && opts.paucLimit <= 1)) throw new UsageError(`pAUC limit ${opts.paucLimit}: expected a discard fraction in [0, 1]`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) throw new UsageError(`seed ${opts.seed}: expected an integer in [0, 2^32)`);
  if (opts.averageFaces && !(Number.isInteger(opts.averageFaces.perDecile) && opts.averageFaces.perDecile >= 1)) {
    throw new UsageError(`faces per decile ${opts.averageFaces.perDecile}: expected a positive integer`);
  }
  const namesOf = (s: QualitySet): string[] => (s.qualityFiles ?? []).map((q) => q.name);
  const names = namesOf(opts.sets[0]);
  for (const name of names) {
    if ((BUILTIN_SOURCES as readonly string[]).includes(name)) throw new UsageError(`quality file name '${name}' is reserved (built-in sources: ${BUILTIN_SOURCES.join(', ')})`);
    if (!/^[A-Za-z0-9_.:+-]+$/.test(name)) throw new UsageError(`quality file name '${name}': use letters, digits and _ . : + -`);
  }
  if (new Set(names).size !== names.length) throw new UsageError(`a quality file name is given twice for one data set (${names.join(', ')})`);
  for (const s of opts.sets.slice(1)) {
    const other = namesOf(s);
    if (other.length !== names.length || other.some((n) => !names.includes(n))) {
      throw new UsageError(`every data set needs quality files of the same names: ${names.join(', ') || '(none)'} vs ${other.join(', ') || '(none)'}`);
    }
  }
  if (!opts.norm && names.length === 0) throw new UsageError('no quality source: ask for the feature norm or give a quality file');
  const setNames = opts.sets.map(setName);
  const twice = setNames.find((n, i) => setNames.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`two data sets are named '${twice}': name them apart (results are keyed by data set)`);
  for (const s of opts.sets) {
    if (s.kind === 'ijb') parseAggregation(s.aggregation ?? 'plain', s.flipFeatures !== undefined);
    if (s.kind === 'pairs' && s.qualityFeatures && s.memory) throw new UsageError('quality features cannot be combined with features computed from a model');
    // Quality inputs are read after the pair scores: check they exist before that (slow) work.
    for (const file of [...(s.qualityFiles ?? []).map((q) => q.file), ...(s.qualityFeatures ? [s.qualityFeatures] : [])]) {
      if (!existsSync(file)) throw new DataError(`${file}: cannot read (no such file)`);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// The curves of one pair set

function evaluateSet(set: PairSet, spec: QualitySet, fileNames: string[], opts: QualityOptions): QualitySetResult {
  const n = set.labels.length;
  let genuine = 0;
  for (let p = 0; p < n; p++) genuine += set.labels[p];
  if (genuine === 0) throw new DataError(`${set.name}: no genuine pairs: FNMR is undefined`);
  if (genuine === n) throw new DataError(`${set.name}: no impostor pairs: FMR is undefined`);
  for (let p = 0; p < n; p++) {
    if (Number.isNaN(set.scores[p])) throw new DataError(`${set.name}: pair ${p + 1} has no score (a zero feature vector?)`);
  }
  // Thresholds look no deeper than the FMR targets (and the FM-EDC quantile) into the kept
  // impostors: rank a generous top share once; a step that needs more ranks them all.
  const topShare = Math.min(1, Math.max(4 * Math.max(...opts.fmrs), 2 * opts.startingError, 0.01));
  const ranked = timed(`${set.name}: rank impostors`, opts.onStage, () => rankPairs(set.scores, set.labels, topShare));
  const sources: { quality: string; kind: QualitySourceResult['kind']; sampleQuality: () => Float64Array }[] = [];
  if (opts.norm) sources.push({ quality: 'norm', kind: 'norm', sampleQuality: () => set.normQuality() });
  for (const name of fileNames) {
    const file = spec.qualityFiles!.find((q) => q.name === name)!.file;
    sources.push({ quality: name, kind: 'file', sampleQuality: () => set.fileQuality(file) });
  }
  sources.push({ quality: 'random', kind: 'random', sampleQuality: () => randomQualities(set.sampleCount, opts.seed) });
  // One set of pair-sized buffers for all sources, one source at a time: on this machine faulting
  // fresh pages in costs ~3 ms per MB, more than the work done in them.
  const buffers: SourceBuffers = { ranks: new Int32Array(n), goneAt: new Uint8Array(n) };
  const thresholds = edcThresholds(ranked, opts.startingError);
  const results = sources.map((s) => {
    const sampleQuality = timed(`${set.name}: ${s.quality}: sample qualities`, opts.onStage, s.sampleQuality);
    for (let i = 0; i < sampleQuality.length; i++) {
      if (!Number.isFinite(sampleQuality[i])) throw new DataError(`${set.name}: ${s.quality}: sample ${i + 1} has a non-finite quality (${sampleQuality[i]})`);
    }
    return timed(`${set.name}: ${s.quality}: curves`, opts.onStage, () => evaluateSource(set, ranked, thresholds, s.quality, s.kind, sampleQuality, opts, buffers));
  });
  return {
    dataset: set.name,
    kind: set.kind,
    score: set.score,
    ...(set.aggregation ? { aggregation: set.aggregation } : {}),
    ...(set.templateQuality ? { templateQuality: set.templateQuality } : {}),
    pairs: n,
    genuine,
    impostor: n - genuine,
    samples: set.sampleCount,
    sampleKind: set.sampleKind,
    sources: results,
  };
}

/** Pair-sized working arrays, overwritten by each source (the argsort's index array made on first need). */
interface SourceBuffers {
  ranks: Int32Array;
  goneAt: Uint8Array;
  order?: Int32Array;
}

function evaluateSource(set: PairSet, ranked: RankedPairs, thresholds: EdcThresholds, quality: string, kind: QualitySourceResult['kind'], sampleQuality: Float64Array, opts: QualityOptions, buffers: SourceBuffers): QualitySourceResult {
  const warn = (what: string): void => {
    set.warnings.push(`${quality}: ${what}`);
  };
  // Thresholds go out in the set's score unit: a distance enters negated, so it leaves negated back.
  const unit = (t: number): number => (set.score === 'angular-distance' ? -t : t);
  const { ranks } = pairQualityRanks(sampleQuality, set.sampleA, set.sampleB, buffers.ranks);
  // The EDCs first: they read the ranks in pair order, which the argsort below sorts in place.
  const edc = edcOfSource(set, thresholds, ranks, opts, unit);
  const fractions = ERC_DISCARD_FRACTIONS;
  // Tied qualities are discarded in NumPy's argsort order, as the published scripts do; the random
  // baseline has no script to match and breaks ties by pair order (a counting sort: no argsort).
  const goneAt =
    kind === 'random'
      ? discardStepsByRank(ranks, fractions, buffers.goneAt)
      : discardSteps(numpyArgsortCuts(ranks, discardCounts(fractions, ranks.length), (buffers.order ??= new Int32Array(ranks.length))), fractions, buffers.goneAt);
  const curves = errorVersusReject(ranked, goneAt, fractions, opts.fmrs);
  const fraction = (k: number): string => fractions[k].toFixed(2);

  const magface = { fnmr: curves.magface.fnmr.slice(), threshold: curves.magface.threshold.map(unit) };
  const firstUndefined = curves.magface.fnmr.findIndex((x) => Number.isNaN(x));
  const firstUntrusted = Array.from(curves.keptImpostor).findIndex((imp) => imp < 1000);
  if (firstUntrusted >= 0 && (firstUndefined < 0 || firstUntrusted < firstUndefined)) {
    for (let k = firstUntrusted; k < fractions.length; k++) magface.fnmr[k] = magface.threshold[k] = NaN;
    warn(`MagFace ERC: from discard ${fraction(firstUntrusted)} on, fewer than 1000 impostor pairs are left (${curves.keptImpostor[firstUntrusted]}): its "FMR 1e-3" threshold cannot be resolved (null)`);
  } else if (firstUndefined >= 0) {
    warn(`MagFace ERC: from discard ${fraction(firstUndefined)} on, ${noValueWhy(curves.keptGenuine[firstUndefined], curves.keptImpostor[firstUndefined])} (null)`);
  }

  const erc = curves.atFmr.map((c) => {
    const fnmr = c.fnmr.slice();
    const threshold = c.threshold.map(unit);
    const fmr = c.fmr.slice();
    const unresolved = Array.from(curves.keptImpostor).findIndex((imp) => imp * c.target < 1);
    const undefinedAt = c.fnmr.findIndex((x) => Number.isNaN(x));
    if (unresolved >= 0 && (undefinedAt < 0 || unresolved < undefinedAt)) {
      for (let k = unresolved; k < fractions.length; k++) fnmr[k] = threshold[k] = fmr[k] = NaN;
      warn(`ERC at FMR ${farKey(c.target)}: from discard ${fraction(unresolved)} on, fewer than ${Math.ceil(1 / c.target)} impostor pairs are left (${curves.keptImpostor[unresolved]}): the target cannot be resolved (null; so is the AUC)`);
    } else if (undefinedAt >= 0) {
      warn(`ERC at FMR ${farKey(c.target)}: from discard ${fraction(undefinedAt)} on, ${noValueWhy(curves.keptGenuine[undefinedAt], curves.keptImpostor[undefinedAt])} (null; so is the AUC)`);
    }
    return { target: c.target, fnmr, threshold, fmr, auc: ercArea(fractions, fnmr) };
  });

  let histogram: QualitySourceResult['histogram'];
  if (kind !== 'random') {
    const edges = histogramEdges(sampleQuality, HISTOGRAM_BINS);
    histogram = {
      edges,
      genuine: pairSampleHistogram(sampleQuality, set.sampleA, set.sampleB, set.labels, 1, edges),
      impostor: pairSampleHistogram(sampleQuality, set.sampleA, set.sampleB, set.labels, 0, edges),
    };
  }
  return { quality, kind, keptGenuine: curves.keptGenuine, keptImpostor: curves.keptImpostor, magfaceErc: magface, erc, edc, ...(histogram ? { histogram } : {}) };
}

/** The EDC thresholds, fixed once from the starting error on all pairs: genuine quantile e (FNM), impostor quantile 1 − e (FM). */
interface EdcThresholds {
  fnm: number;
  fm: number;
}

function edcThresholds(ranked: RankedPairs, startingError: number): EdcThresholds {
  return { fnm: percentile(ranked.genuineScores, startingError), fm: impostorQuantile(ranked, 1 - startingError) };
}

/** FNM- and FM-EDC of one quality source. */
function edcOfSource(set: PairSet, thresholds: EdcThresholds, ranks: Int32Array, opts: QualityOptions, unit: (t: number) => number): QualitySourceResult['edc'] {
  const { fnm: fnmThreshold, fm: fmThreshold } = thresholds;
  const curvesEdc = edcCurves(set.scores, set.labels, ranks, fnmThreshold, fmThreshold);
  const edcOf = (curve: EdcCurve, threshold: number): EdcResult => {
    const theoreticalBest = edcTheoreticalBestArea(curve, opts.paucLimit);
    return {
      discard: curve.discard,
      error: curve.error,
      threshold: unit(threshold),
      startingError: opts.startingError,
      startingErrorActual: curve.error[0],
      pauc: edcPartialArea(curve, opts.paucLimit) - theoreticalBest,
      theoreticalBest,
    };
  };
  return { fnm: edcOf(curvesEdc.fnm, fnmThreshold), fm: edcOf(curvesEdc.fm, fmThreshold) };
}

/** np.quantile of all impostor scores, read from the descending slots (all of them when the top is too shallow). */
function impostorQuantile(ranked: RankedPairs, q: number): number {
  const n = ranked.impostors;
  const deepest = n - 1 - Math.floor((n - 1) * q);
  const r = deepest < ranked.impostorSorted.length ? ranked : ranked.completed();
  return numpyQuantile(n, (i) => r.impostorSorted[n - 1 - i], q);
}

function noValueWhy(genuine: number, impostor: number): string {
  if (genuine === 0) return 'no genuine pair is left';
  if (impostor === 0) return 'no impostor pair is left';
  return `fewer than ${MAGFACE_MIN_IMPOSTORS} impostor pairs are left (${impostor}): MagFace's loop ends before its FMR-1e-3 step`;
}

/**
 * The random baseline: every sample gets a quality drawn uniformly from [0, 1) — 53-bit doubles
 * from xoshiro128** (stream 0 of `seed`), in sample order — and then goes through the code of any
 * quality source (pair quality = the min of its two samples'), except that pairs of equal quality
 * (those sharing their lower-quality sample) are discarded in pair order.
 */
export function randomQualities(count: number, seed: number): Float64Array {
  const rng = new Xoshiro128(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const hi = rng.nextUint32() >>> 5; // 27 bits
    const lo = rng.nextUint32() >>> 6; // 26 bits
    out[i] = (hi * 67108864 + lo) / 9007199254740992;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// LFW-style pair sets

function setName(spec: QualitySet): string {
  return spec.name ?? (spec.kind === 'ijb' ? spec.target : defaultDatasetName(spec));
}

function lfwPairSet(spec: QualityPairsSet): PairSet {
  const name = setName(spec);
  const loaded = loadDataset({ name, format: spec.format, pairs: spec.pairs, features: spec.features, flipFeatures: spec.flipFeatures, names: spec.names, memory: spec.memory });
  const { features } = loaded;
  const distances = angularDistances(features);
  const scores = distances.map((d) => -d);
  const isBin = spec.format === 'insightface-bin';
  const names = isBin ? undefined : (spec.memory?.names ?? readNameList(spec.names!));
  const origin = (i: number): string => (isBin ? `image ${i} of ${spec.pairs}` : `row ${i + 1} of ${spec.names ?? spec.memory?.label}`);
  let norms: Float64Array | undefined;
  const normQuality = (): Float64Array => {
    if (norms) return norms;
    if (spec.qualityFeatures) {
      const q = readFeatureMatrix(spec.qualityFeatures);
      if (q.rows !== features.rows) throw new DataError(`${spec.qualityFeatures}: has ${q.rows} feature rows but the recognition features have ${features.rows} (row i must be the same image)`);
      checkFinite(q.data, 0, q.cols, spec.qualityFeatures);
      return (norms = featureNorms(q.data, q.rows, q.cols));
    }
    return (norms = featureNorms(features.data, features.rows, features.cols));
  };
  let faces: PairSet['faces'];
  if (isBin) {
    let images: Uint8Array[] | undefined;
    faces = {
      magnitudes: normQuality,
      image: (i) => ({ bytes: (images ??= readInsightfaceBin(spec.pairs).images)[i], label: `image ${i} of ${spec.pairs}` }),
    };
  } else if (spec.images) {
    const dir = spec.images;
    faces = { magnitudes: normQuality, image: (i) => ({ file: join(dir, names![i]), label: join(dir, names![i]) }) };
  }
  return {
    name,
    kind: 'pairs',
    score: 'angular-distance',
    scores,
    labels: loaded.labels,
    sampleA: features.rowA,
    sampleB: features.rowB,
    sampleCount: features.rows,
    sampleKind: 'image',
    fileQuality: (file) => qualitiesForImages(readQualityFile(file), features.rows, isBin ? 'bin-indices' : (i) => names![i], origin),
    normQuality,
    ...(faces ? { faces } : {}),
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------
// IJB 1:1 sets. Everything this protocol takes from the IJB pipeline is called here, in one place.

/** `wantNorms`: the face norms will be asked for (taken from the 1:1 run's read of the features when they are its features). */
async function ijbPairSet(spec: QualityIjbSet, onStage: QualityOptions['onStage'], wantNorms: boolean): Promise<PairSet> {
  const aggregation = spec.aggregation ?? 'plain';
  const how = spec.templateQuality ?? 'mean';
  const name = setName(spec);
  // The face list and pairs as the 1:1 run read them (copied out of kernel memory), not read twice.
  let loaded: { faces: FaceTemplateMedia; grouping: TemplateGrouping; pairs: TemplatePairs } | undefined;
  // The norms of --features from the run's own read of them (not a second pass over the file).
  let faceNorms: Float64Array | undefined;
  const normsInRun = wantNorms && spec.qualityFeatures === undefined;
  const keep = (meta: IjbMeta): void => {
    const p = meta.verification!.pairs;
    loaded = { faces: meta.faces, grouping: meta.grouping, pairs: { first: p.first.slice(), second: p.second.slice(), labels: p.labels.slice() } };
    if (normsInRun) faceNorms = new Float64Array(meta.faces.names.length);
  };
  const normsOfBlock = (start: number, count: number, rows: Float32Array): void => putBlockNorms(faceNorms!, start, count, rows, rows.length / count, spec.features);
  const { oneToOne: run } = await runIjb({
    protocols: ['1v1'],
    onMeta: keep,
    ...(normsInRun ? { onFeatureBlock: normsOfBlock } : {}),
    root: spec.root,
    target: spec.target,
    features: spec.features,
    flipFeatures: spec.flipFeatures,
    aggregate: aggregation,
    fars: [1e-3],
    rule: 'nearest',
    scoring: spec.scoring ?? 'auto',
    keepScores: true,
    onStage: (stage, ms) => onStage?.(`${name}: ${stage}`, ms),
  });
  // No faces are excluded here, so the run's pairs are the pair file's lines in order.
  const scores = scoresInPairFileOrder(run!, run!.results[0]);
  const paths = ijbMetaPaths(spec.root, spec.target);
  const { faces, grouping, pairs } = loaded!;
  const templateFaceOffsets = Int32Array.from(grouping.templateMediaOffsets, (m) => grouping.mediaOffsets[m]);
  const toTemplates = (faceQuality: Float64Array): Float64Array => templateQualities(faceQuality, grouping.faceOrder, templateFaceOffsets, how);
  const normsOfFaces = (): Float64Array => (faceNorms ??= timed(`${name}: face norms`, onStage, () => streamFeatureNorms(spec.qualityFeatures ?? spec.features, faces.names.length)));
  const imageDir = join(spec.root, 'loose_crop');
  let landmarks: Float32Array | undefined;
  const hasImages = existsSync(join(imageDir, faces.names[0]));
  return {
    name,
    kind: 'ijb',
    score: scoreKindOf(parseAggregation(aggregation, spec.flipFeatures !== undefined)),
    scores,
    labels: pairs.labels,
    sampleA: pairs.first,
    sampleB: pairs.second,
    sampleCount: grouping.templateIds.length,
    sampleKind: 'template',
    fileQuality: (file) =>
      toTemplates(qualitiesForImages(readQualityFile(file), faces.names.length, (i) => faces.names[i], (i) => `${paths.faceTemplateMedia}:${i + 1}`)),
    normQuality: () => toTemplates(normsOfFaces()),
    ...(hasImages
      ? {
          faces: {
            magnitudes: normsOfFaces,
            image: (i: number) => ({
              file: join(imageDir, faces.names[i]),
              label: join(imageDir, faces.names[i]),
              landmarks: (landmarks ??= readFaceLandmarks(paths.landmarks).landmarks).subarray(10 * i, 10 * i + 10),
            }),
          },
        }
      : {}),
    aggregation,
    templateQuality: how,
    warnings: [...run!.warnings],
  };
}

/** The norms of feature rows start … start+count−1 (`rows`, row-major) into `norms`; a non-finite value is named with its file. */
function putBlockNorms(norms: Float64Array, start: number, count: number, rows: Float32Array, cols: number, file: string): void {
  const block = featureNorms(rows, count, cols);
  for (let r = 0; r < count; r++) if (!Number.isFinite(block[r])) checkFinite(rows, start, cols, file);
  norms.set(block, start);
}

/** Element i: the L2 norm of face i's feature row, streamed block by block from the file. */
function streamFeatureNorms(file: string, faceCount: number): Float64Array {
  const { source, close } = openFeatures(file);
  try {
    if (source.rows !== faceCount) throw new DataError(`${file}: has ${source.rows} feature rows but the face list has ${faceCount} faces (row i must be face line i)`);
    const norms = new Float64Array(source.rows);
    source.forEachBlock((start, count, orig) => putBlockNorms(norms, start, count, orig, source.cols, file));
    return norms;
  } finally {
    close();
  }
}
