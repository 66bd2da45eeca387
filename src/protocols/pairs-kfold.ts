/**
 * LFW-style pair verification (lfw, cfp_fp, agedb_30, calfw, cplfw …) from saved features, as
 * insightface `arcface_torch/eval/verification.py` computes it (REFERENCE.md §5): pairs → unit
 * embeddings of f + f_flip → squared L2 distances → 10-fold accuracy with the threshold chosen on the
 * other folds; plus XNorm, VAL@FAR, and (beyond the reference) EER and TAR@FAR over all pairs.
 * No printing: returns a result object.
 */
import { basename, extname } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { readInsightfaceBin } from '../io/insightface-bin.js';
import { readLfwPairs, readNameList, readPairsCsv, resolvePairRows, type PairList } from '../io/lfw-pairs.js';
import type { FeatureMatrix } from '../io/npy.js';
import { contiguousFolds, kfoldAccuracy, valAtFar, type KFoldAccuracy, type ValAtFar } from '../metrics/kfold-accuracy.js';
import { equalErrorRate, rocCurve, splitByLabel, areaUnderCurve } from '../metrics/roc.js';
import { isResolvableFar, tarAtFar, unresolvableFarWarnings, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import { pairDistances, xnorm, type PairFeatures } from '../scoring/pair-distances.js';
import { checkFinite, readFeatureMatrix } from '../io/feature-source.js';

export const DEFAULT_FOLDS = 10;
export const DEFAULT_LFW_FARS = [1e-3];
/** calculate_val's target. */
export const VAL_FAR = 1e-3;

export type PairSourceFormat = 'pairs-txt' | 'pairs-csv' | 'insightface-bin';

export interface PairsKfoldDataset {
  /** Name printed and written for this dataset (default: from the file name). */
  name?: string;
  format: PairSourceFormat;
  /** pairs.txt, pairs CSV or .bin file. */
  pairs: string;
  /** .npy [images, dim] (or a MagFace feature list). Row order: `names` lines, or the .bin's image order. */
  features?: string;
  flipFeatures?: string;
  /** One image path per feature row; required with pairs-txt / pairs-csv, refused with a .bin. */
  names?: string;
  /** Features computed in this run (model mode), in place of `features` / `flipFeatures` / `names`. */
  memory?: InMemoryFeatures;
}

export interface InMemoryFeatures {
  /** [rows, cols] float32: row i = names[i] (pairs.txt / CSV), or image i of the .bin. */
  data: Float32Array;
  flip?: Float32Array;
  rows: number;
  cols: number;
  /** Image path of each row (pairs.txt / CSV); absent for a .bin. */
  names?: string[];
  /** What the rows came from, for error messages. */
  label: string;
  /** Where the features came from (model, provider, preprocessing …), copied to the JSON. */
  source?: LfwFeatureSource;
}

/** Model mode's feature provenance: JSON `features.source` (the fields of `ijb --model`'s, plus image counts). */
export interface LfwFeatureSource {
  model_sha256: string;
  provider: string;
  dtype: string;
  ort_version: string;
  preprocessing: { preset: string; channels: string; scale: number; mean: number[]; std: number[]; input_size: number; resize: string };
  flip: boolean;
  /** Images extracted for this dataset (each distinct image once). */
  images: number;
  /** Of those, images not input_size × input_size that were resized. */
  resized_images: number;
}

export interface PairsKfoldOptions {
  datasets: PairsKfoldDataset[];
  /** Number of folds when the pair file defines none (default 10); must equal the file's when it does. */
  folds?: number;
  fars: number[];
  rule: TarRule;
  onStage?: (stage: string, ms: number) => void;
}

export interface PairsKfoldDatasetResult {
  dataset: string;
  format: PairSourceFormat;
  pairsFile: string;
  folds: number;
  /** Where the folds come from: the file's sets / fold column, or contiguous KFold. */
  foldSource: 'file' | 'kfold';
  flip: boolean;
  featureDim: number;
  pairs: number;
  genuine: number;
  impostor: number;
  /** Element f of `accuracy.accuracy` / `accuracy.threshold`: fold f (thresholds are distances). */
  accuracy: KFoldAccuracy;
  /** Element f: number of pairs in fold f. */
  foldSizes: number[];
  xnorm: number;
  val: ValAtFar;
  /**
   * False when a training split (all folds but one) holds fewer impostor pairs than 1 / VAL_FAR:
   * calculate_val's interpolated threshold then rests on no false accept and VAL is not reported.
   */
  valResolvable: boolean;
  eer: number;
  /** Distance threshold of the EER vertex (accept `distance <= threshold`). */
  eerThreshold: number;
  auc: number;
  /** TAR@FAR over all pairs on score = −distance; `threshold` there is a score: use tarThresholds. */
  tarAtFar: TarAtFar[];
  /** Element k: distance threshold of tarAtFar[k] (accept `distance <= threshold`). */
  tarThresholds: number[];
  /** Element i: squared L2 distance of pair i. */
  distances: Float64Array;
  /** Undefined (NaN) values and why. */
  warnings: string[];
  /** Model mode: the feature provenance (JSON `features.source`). */
  featureSource?: LfwFeatureSource;
}

export interface PairsKfoldResult {
  protocol: 'pairs-kfold';
  rule: TarRule;
  datasets: PairsKfoldDatasetResult[];
}

function timed<T>(stage: string, onStage: PairsKfoldOptions['onStage'], work: () => T): T {
  const t0 = performance.now();
  const out = work();
  onStage?.(stage, performance.now() - t0);
  return out;
}

/** Default dataset name: the .bin's base name (lfw, cfp_fp …); 'lfw' for a pairs.txt; else the CSV's base name. */
export function defaultDatasetName(d: PairsKfoldDataset): string {
  if (d.format === 'pairs-txt') return 'lfw';
  return basename(d.pairs, extname(d.pairs));
}

export function runPairsKfold(opts: PairsKfoldOptions): PairsKfoldResult {
  const datasets = opts.datasets.map((d) => {
    const name = d.name ?? defaultDatasetName(d);
    const loaded = timed(`${name}: load`, opts.onStage, () => loadDataset(d));
    return timed(`${name}: evaluate`, opts.onStage, () => evaluate(name, d, loaded, opts));
  });
  return { protocol: 'pairs-kfold', rule: opts.rule, datasets };
}

export interface LoadedDataset {
  features: PairFeatures;
  labels: Uint8Array;
  foldOf?: Int32Array;
  folds?: number;
}

export function loadDataset(d: PairsKfoldDataset): LoadedDataset {
  if (d.format === 'insightface-bin') {
    const bin = readInsightfaceBin(d.pairs);
    const m = d.memory ? checkMemory(d.memory, bin.images.length) : loadFeatures(featuresFile(d), d.flipFeatures, bin.images.length, `${d.pairs} holds ${bin.images.length} images (row i must be image i)`);
    const n = bin.issame.length;
    const rowA = Int32Array.from({ length: n }, (_, i) => 2 * i);
    const rowB = Int32Array.from({ length: n }, (_, i) => 2 * i + 1);
    return { features: { ...m, rowA, rowB }, labels: bin.issame };
  }
  if (d.memory?.names) {
    const pairs: PairList = d.format === 'pairs-txt' ? readLfwPairs(d.pairs) : readPairsCsv(d.pairs);
    const m = checkMemory(d.memory, d.memory.names.length);
    const { rowA, rowB } = resolvePairRows(pairs, d.memory.names, d.memory.label);
    return { features: { ...m, rowA, rowB }, labels: pairs.labels, foldOf: pairs.foldOf, folds: pairs.folds };
  }
  if (d.names === undefined) throw new UsageError(`--names is required with ${d.format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  const pairs: PairList = d.format === 'pairs-txt' ? readLfwPairs(d.pairs) : readPairsCsv(d.pairs);
  const names = readNameList(d.names);
  const m = loadFeatures(featuresFile(d), d.flipFeatures, names.length, `${d.names} lists ${names.length} images (row i must be line i)`);
  const { rowA, rowB } = resolvePairRows(pairs, names, d.names);
  return { features: { ...m, rowA, rowB }, labels: pairs.labels, foldOf: pairs.foldOf, folds: pairs.folds };
}

function loadFeatures(file: string, flipFile: string | undefined, rows: number, rowsWhy: string): { data: Float32Array; flip?: Float32Array; rows: number; cols: number } {
  const main = readFeatureMatrix(file);
  checkMatrix(main, file, rows, rowsWhy);
  if (flipFile === undefined) return { data: main.data, rows: main.rows, cols: main.cols };
  const flip = readFeatureMatrix(flipFile);
  if (flip.rows !== main.rows || flip.cols !== main.cols) {
    throw new DataError(`${flipFile}: shape (${flip.rows}, ${flip.cols}) differs from ${file} (${main.rows}, ${main.cols})`);
  }
  checkMatrix(flip, flipFile, rows, rowsWhy);
  return { data: main.data, flip: flip.data, rows: main.rows, cols: main.cols };
}

function featuresFile(d: PairsKfoldDataset): string {
  if (d.features === undefined) throw new UsageError('--features is required (or --model)');
  return d.features;
}

function checkMemory(m: InMemoryFeatures, rows: number): { data: Float32Array; flip?: Float32Array; rows: number; cols: number } {
  if (m.rows !== rows) throw new Error(`internal: ${m.label}: ${m.rows} feature rows for ${rows} images`);
  checkFinite(m.data, 0, m.cols, m.label);
  if (m.flip) checkFinite(m.flip, 0, m.cols, `${m.label} (flipped)`);
  return { data: m.data, flip: m.flip, rows: m.rows, cols: m.cols };
}

function checkMatrix(m: FeatureMatrix, file: string, rows: number, rowsWhy: string): void {
  if (m.rows !== rows) throw new DataError(`${file}: has ${m.rows} feature rows but ${rowsWhy}`);
  checkFinite(m.data, 0, m.cols, file);
}

function evaluate(name: string, d: PairsKfoldDataset, loaded: LoadedDataset, opts: PairsKfoldOptions): PairsKfoldDatasetResult {
  const { labels } = loaded;
  const n = labels.length;
  let genuine = 0;
  for (let i = 0; i < n; i++) genuine += labels[i];
  const impostor = n - genuine;
  if (genuine === 0) throw new DataError(`${d.pairs}: no genuine pairs: accuracy thresholds and TAR are undefined`);
  if (impostor === 0) throw new DataError(`${d.pairs}: no impostor pairs: FAR is undefined`);

  let folds: number;
  let foldOf: Int32Array;
  if (loaded.foldOf && loaded.folds !== undefined) {
    if (opts.folds !== undefined && opts.folds !== loaded.folds) {
      throw new UsageError(`--folds ${opts.folds}: ${d.pairs} defines ${loaded.folds} folds (its sets / fold column); omit --folds or give ${loaded.folds}`);
    }
    folds = loaded.folds;
    foldOf = loaded.foldOf;
    if (folds < 2) throw new DataError(`${d.pairs}: defines a single fold: the threshold would be fitted on the pairs it is tested on (give a file with at least 2 sets / fold values)`);
  } else {
    folds = opts.folds ?? DEFAULT_FOLDS;
    if (folds < 2) throw new UsageError(`--folds ${folds}: at least 2 folds are needed (the threshold is fitted on the other folds)`);
    if (folds > n) throw new UsageError(`--folds ${folds}: ${d.pairs} has only ${n} pairs`);
    foldOf = contiguousFolds(n, folds);
  }
  const foldSizes = new Array<number>(folds).fill(0);
  const foldGenuine = new Array<number>(folds).fill(0);
  for (let i = 0; i < n; i++) {
    foldSizes[foldOf[i]]++;
    foldGenuine[foldOf[i]] += labels[i];
  }
  const warnings: string[] = [];
  const listFolds = (pick: (f: number) => boolean): string => foldSizes.map((_, f) => f).filter(pick).map((f) => f + 1).join(', ');
  const noGenuine = listFolds((f) => foldGenuine[f] === 0);
  const noImpostor = listFolds((f) => foldGenuine[f] === foldSizes[f]);
  if (noGenuine) warnings.push(`fold(s) ${noGenuine} hold no genuine pairs: their VAL is undefined (null), and so is the VAL mean`);
  if (noImpostor) warnings.push(`fold(s) ${noImpostor} hold no impostor pairs: their FAR is undefined (null), and so is the FAR mean`);
  if ((noGenuine || noImpostor) && !loaded.foldOf) {
    warnings.push('contiguous folds over a file of N matched then N mismatched pairs hold one class each; give a CSV with a fold column to choose folds');
  }

  const distances = pairDistances(loaded.features);
  const accuracy = kfoldAccuracy(distances, labels, foldOf, folds);
  const val = valAtFar(distances, labels, foldOf, folds, VAL_FAR);
  const fewestTrainImpostors = Math.min(...foldSizes.map((size, f) => impostor - (size - foldGenuine[f])));
  const valResolvable = isResolvableFar(VAL_FAR, fewestTrainImpostors);
  if (!valResolvable) {
    warnings.push(`VAL@${VAL_FAR.toExponential().replace('e+', 'e')} (verification.py calculate_val) cannot be resolved: a training split holds only ${fewestTrainImpostors.toLocaleString('en-US')} impostor pairs (it needs at least ${Math.round(1 / VAL_FAR).toLocaleString('en-US')}): reported as null`);
  }
  const scores = distances.map((x) => -x);
  const sorted = splitByLabel(scores, labels);
  const roc = rocCurve(sorted);
  const eer = equalErrorRate(roc);
  const tars = opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far));
  if (Number.isNaN(eer.eer)) warnings.push('the ROC never reaches FAR = FRR: EER is undefined (null)');
  warnings.push(...unresolvableFarWarnings(opts.fars, impostor));
  return {
    dataset: name,
    format: d.format,
    pairsFile: d.pairs,
    folds,
    foldSource: loaded.foldOf ? 'file' : 'kfold',
    flip: loaded.features.flip !== undefined,
    featureDim: loaded.features.cols,
    pairs: n,
    genuine,
    impostor,
    accuracy,
    foldSizes,
    xnorm: xnorm(loaded.features),
    val,
    valResolvable,
    eer: eer.eer,
    eerThreshold: -eer.threshold,
    auc: areaUnderCurve(roc),
    tarAtFar: tars,
    tarThresholds: tars.map((t) => -t.threshold),
    distances,
    warnings,
    ...(d.memory?.source ? { featureSource: d.memory.source } : {}),
  };
}
