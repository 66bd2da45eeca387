/**
 * Feature stores as inputs of an evaluation: a store folder given as `--features` (`ijb`, `lfw`), or
 * the store a model's extraction fills (`ijb --model`, `lfw --model`: cached by model +
 * preprocessing + flip + dataset); and the extraction run with its progress and provider lines
 * (shared by `extract` and the `--model` modes).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { checkSameFaces, ijbMetaPaths, readFaceTemplateMedia, type IjbTarget } from '../io/ijb-meta.js';
import { readFeatureMatrix } from '../io/feature-source.js';
import { readNameList } from '../io/lfw-pairs.js';
import type { FeatureSource } from '../protocols/ijb-1v1.js';
import type { InMemoryFeatures, PairSourceFormat } from '../protocols/pairs-kfold.js';
import { RESIZE_KERNEL } from '../extract/decode.js';
import { extractFeatures, type ExtractOptions, type ExtractResult } from '../extract/extract.js';
import { ijbDatasetIdentity, loadFaceList, type FaceList } from '../extract/datasets.js';
import { sha256OfInput } from '../io/input-file.js';
import { FLIP_FEATURES_FILE, hasNamedRows, NAMES_FILE, readStoreMeta, requestDifferences, storeCacheKey, STORE_FILE, type DatasetIdentity, type StoreMeta, type StoreRequest } from '../extract/store.js';
import type { Ui } from './command.js';
import type { ExtractionSettings } from './flag-groups.js';
import type { RateProgress } from './progress.js';

/** What the IJB protocol reads: feature files, the faces to leave out, and where they came from. */
export interface EvaluatedFeatures {
  features: string;
  flipFeatures?: string;
  excludedFaces: number[];
  source?: FeatureSource;
}

/** The IJB face list as read once (its identity and names), handed on instead of read again. */
type IjbFaceList = Pick<ReturnType<typeof ijbDatasetIdentity>, 'identity' | 'names'>;

/** Features of a complete store, after checking it was made from this dataset's face list. */
export function featuresOfStore(dir: string, root: string, target: IjbTarget, meta: StoreMeta = readStoreMeta(dir), list: IjbFaceList = ijbDatasetIdentity(root, target)): EvaluatedFeatures {
  const here = list.identity;
  // Store rows follow the landmark file; the protocol reads rows in face/template/media file order.
  const paths = ijbMetaPaths(root, target);
  checkSameFaces(readFaceTemplateMedia(paths.faceTemplateMedia), paths.faceTemplateMedia, list, paths.landmarks);
  checkWholeStore(dir, meta);
  const d = meta.dataset;
  if (d.name !== 'ijb') throw new DataError(`${dir}: holds the images of a ${d.name} dataset (${d.faceList ?? 'a folder'}), not IJB faces`, 'evaluate it with facebench lfw --features');
  if (d.target !== target || d.faceListSha256 !== here.faceListSha256 || d.faces !== here.faces) {
    throw new DataError(`${dir}: was extracted from ${d.target} face list ${d.faceListSha256.slice(0, 12)}… (${d.faces} faces), not from ${here.faceList} of ${root} (${here.faceListSha256.slice(0, 12)}…, ${here.faces} faces)`);
  }
  return {
    features: join(dir, meta.files.features),
    flipFeatures: meta.flip ? join(dir, meta.files.featuresFlip ?? 'features_flip.npy') : undefined,
    excludedFaces: meta.badFaces.map((b) => b.face),
    source: {
      model_sha256: meta.model.sha256,
      provider: meta.provider,
      dtype: meta.model.dtype,
      ort_version: meta.ortVersion,
      preprocessing: { preset: meta.preprocessing.preset, channels: meta.preprocessing.channels, scale: meta.preprocessing.scale, mean: meta.preprocessing.mean, std: meta.preprocessing.std },
      flip: meta.flip,
      unreadable_faces: meta.badFaces.length,
    },
  };
}

/**
 * The features file of a complete store of IJB-B clustering protocol `subset` under `root`, after
 * checking it was made from that protocol file (rows in protocol order, every face read).
 */
export function clusterFeaturesOfStore(dir: string, root: string, subset: number, meta: StoreMeta = readStoreMeta(dir), faces?: FaceList): string {
  checkWholeStore(dir, meta);
  const d = meta.dataset;
  if (d.name !== 'ijbb-clustering') throw new DataError(`${dir}: holds the images of a ${d.name} dataset, not the faces of an IJB-B clustering protocol`, 'extract them with facebench extract --dataset ijbb-clustering, or use cluster --model');
  const here = (faces ?? loadFaceList({ kind: 'ijbb-clustering', root, subset })).identity as Extract<DatasetIdentity, { name: 'ijbb-clustering' }>;
  if (d.faceListSha256 !== here.faceListSha256 || d.faces !== here.faces) {
    throw new DataError(`${dir}: was extracted from ${d.faceList} (${d.faceListSha256.slice(0, 12)}…, ${d.faces} faces), not from ${here.faceList} of ${root} (${here.faceListSha256.slice(0, 12)}…, ${here.faces} faces)`);
  }
  if (meta.badFaces.length) throw new DataError(`${dir}: ${meta.badFaces.length} images could not be read at extraction (first: ${meta.badFaces[0].name}, ${meta.badFaces[0].reason}); clustering needs every face`);
  return join(dir, meta.files.features);
}

/** Finds (or fills) the store of this model + preprocessing for an IJB-B clustering protocol; returns its features file. */
export async function clusterFeaturesOfModel(m: Omit<ModelInput, 'target'> & { subset: number }, ui: Ui): Promise<string> {
  requireModel(m.model);
  const faces = loadFaceList({ kind: 'ijbb-clustering', root: m.root, subset: m.subset });
  const { dir, meta } = await storeOfModel({ ...m, faces, label: `ijbb-clustering-${m.subset}` }, ui);
  return clusterFeaturesOfStore(dir, m.root, m.subset, meta, faces);
}

/** A shard is not a dataset's features: refuse it. */
function checkWholeStore(dir: string, meta: StoreMeta): void {
  if (meta.shard.count !== 1) throw new DataError(`${dir}: is shard ${meta.shard.index}/${meta.shard.count} only`, 'join the shards first: facebench merge SHARD... --out STORE');
}

/**
 * A complete store's features as an lfw dataset: rows named by its names.txt (pairs and folder
 * stores, looked up by the pair list's paths), or in the .bin's image order (a bin store, checked
 * against the .bin's sha256, `source.sha256` when the caller has it). Images that could not be
 * read at extraction (extract --skip-bad) are left out of the names, so a pair that needs one fails
 * naming it; a .bin needs every image.
 */
export function pairFeaturesOfStore(dir: string, source: { format: PairSourceFormat; file: string; sha256?: string }, meta: StoreMeta = readStoreMeta(dir)): InMemoryFeatures {
  checkWholeStore(dir, meta);
  const d = meta.dataset;
  if (d.name === 'ijb') throw new DataError(`${dir}: holds IJB faces (${d.target}), not the images of a pair list`, 'evaluate it with facebench ijb --features');
  if (d.name === 'ijbb-clustering') throw new DataError(`${dir}: holds the faces of IJB-B clustering protocol ${d.subset}, not the images of a pair list`, `evaluate it with facebench cluster --root DIR --subset ${d.subset} --features ${dir}`);
  if (source.format === 'insightface-bin') {
    if (d.name !== 'bin') throw new DataError(`${dir}: holds the named images of a ${d.name} dataset, not a .bin's images in order`, 'evaluate it with --pairs or --pairs-csv');
    const sha = source.sha256 ?? sha256OfInput(source.file);
    if (d.faceListSha256 !== sha) throw new DataError(`${dir}: was extracted from ${d.faceList} (sha256 ${d.faceListSha256.slice(0, 12)}…), not from ${source.file} (${sha.slice(0, 12)}…)`);
    if (meta.badFaces.length) throw new DataError(`${dir}: ${meta.badFaces.length} images could not be read at extraction (first: bins[${meta.badFaces[0].face}], ${meta.badFaces[0].reason}); every image of a .bin is in a pair`, 'fix the .bin and extract again');
  } else if (d.name === 'bin') {
    throw new DataError(`${dir}: holds the images of ${d.faceList} in order, without names`, `evaluate it with --bin ${d.faceList}`);
  }
  const file = join(dir, meta.files.features);
  const main = readFeatureMatrix(file);
  const flip = meta.flip ? readFeatureMatrix(join(dir, meta.files.featuresFlip ?? FLIP_FEATURES_FILE)) : undefined;
  for (const m of flip ? [main, flip] : [main]) {
    if (m.rows !== meta.rows || m.cols !== meta.dim) throw new DataError(`${file}: shape (${m.rows}, ${m.cols}) but store.json says (${meta.rows}, ${meta.dim})`, 'the store was damaged or edited; extract it again');
  }
  const features: InMemoryFeatures = { data: main.data, flip: flip?.data, rows: meta.rows, cols: meta.dim, label: file, source: lfwSourceOf(meta) };
  if (!hasNamedRows(d)) return features;
  const namesFile = join(dir, meta.files.names ?? NAMES_FILE);
  const names = readNameList(namesFile);
  if (names.length !== meta.rows) throw new DataError(`${namesFile}: lists ${names.length} images but the store holds ${meta.rows} rows`, 'the store was damaged or edited; extract it again');
  if (meta.badFaces.length === 0) return { ...features, names, label: namesFile };
  const bad = new Set(meta.badFaces.map((b) => b.face));
  const keep = names.map((_, i) => i).filter((i) => !bad.has(i));
  const gather = (a: Float32Array) => {
    const out = new Float32Array(keep.length * meta.dim);
    keep.forEach((r, k) => out.set(a.subarray(r * meta.dim, (r + 1) * meta.dim), k * meta.dim));
    return out;
  };
  return { ...features, data: gather(main.data), flip: flip && gather(flip.data), rows: keep.length, names: keep.map((i) => names[i]), label: `${namesFile} (less the ${bad.size} images unreadable at extraction)` };
}

/** The JSON `features.source` of an lfw dataset read from a store. */
function lfwSourceOf(meta: StoreMeta): InMemoryFeatures['source'] {
  const p = meta.preprocessing;
  const size = meta.model.size;
  return {
    model_sha256: meta.model.sha256,
    provider: meta.provider,
    dtype: meta.model.dtype,
    ort_version: meta.ortVersion,
    preprocessing: { preset: p.preset, channels: p.channels, scale: p.scale, mean: p.mean, std: p.std, input_size: size, resize: `sharp ${RESIZE_KERNEL} (fit fill) when not ${size}×${size}` },
    flip: meta.flip,
    images: meta.rows,
    resized_images: meta.resizedImages ?? 0,
  };
}

function cacheRoot(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.FACEBENCH_CACHE) return process.env.FACEBENCH_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'facebench');
}

/** A missing model is named before any dataset is read. */
export function requireModel(path: string): void {
  if (!existsSync(path)) throw new DataError(`${path}: cannot read the model (no such file)`);
}

export interface ModelInput {
  model: string;
  store?: string;
  cache?: string;
  root: string;
  target: IjbTarget;
  extraction: ExtractionSettings;
}

/** Finds (or fills) the store for this model + preprocessing + flip + IJB face list. */
export async function featuresOfModel(m: ModelInput, ui: Ui): Promise<EvaluatedFeatures> {
  requireModel(m.model);
  const faces = loadFaceList({ kind: 'ijb', root: m.root, target: m.target });
  const { dir, meta } = await storeOfModel({ ...m, faces, label: m.target.toLowerCase() }, ui);
  return featuresOfStore(dir, m.root, m.target, meta, faces as FaceList & IjbFaceList);
}

export interface ModelStoreRequest {
  model: string;
  /** The store folder (--store); else one of the cache, `<cache>/stores/<model>-<label>-<key>`. */
  store?: string;
  cache?: string;
  /** Names the cache folder: ijbc, lfw, cfp_fp … */
  label: string;
  faces: FaceList;
  extraction: ExtractionSettings;
  /** Where this dataset's crops go (--save-crops), written even when the store is complete. */
  saveCrops?: string;
}

/**
 * The complete store of this model + preprocessing + flip + dataset: reused when it exists (a store
 * of other settings at --store is refused), else extracted (an interrupted one is resumed). Says on
 * stderr which store it used.
 */
export async function storeOfModel(m: ModelStoreRequest, ui: Ui): Promise<{ dir: string; meta: StoreMeta }> {
  requireModel(m.model);
  const request: StoreRequest = {
    modelSha256: sha256OfInput(m.model),
    preprocessing: m.extraction.preprocessing,
    flip: m.extraction.flip,
    dataset: m.faces.identity,
    skipBad: m.extraction.skipBad,
    inputs: m.faces.inputs,
    imageDir: m.faces.encoded ? undefined : m.faces.imageDir,
  };
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  const dir = m.store ?? join(cacheRoot(m.cache), 'stores', `${safe(basename(m.model).replace(/\.onnx$/i, ''))}-${safe(m.label)}-${storeCacheKey(request)}`);
  const extract = () => runExtraction(m.extraction, { modelPath: m.model, faces: m.faces, out: dir, resume: true, shard: { index: 1, count: 1 }, saveCrops: m.saveCrops }, ui);
  if (existsSync(join(dir, STORE_FILE))) {
    const meta = readStoreMeta(dir);
    const diffs = requestDifferences(meta, request);
    if (diffs.length) throw new DataError(`${dir}: holds features of other settings (${diffs.join('; ')})`, 'use another --store, or delete it to extract again');
    ui.info(`using the features already extracted in ${dir}`);
    if (m.saveCrops !== undefined) await extract(); // the crops only: the store is complete
    return { dir, meta };
  }
  ui.info(`extracting into ${dir}`);
  return { dir, meta: (await extract()).meta! };
}

/** Runs an extraction (or, without `out`, a crops-only pass) with progress and provider lines on stderr. */
export async function runExtraction(
  x: ExtractionSettings,
  rest: Pick<ExtractOptions, 'modelPath' | 'faces' | 'out' | 'resume' | 'shard' | 'saveCrops' | 'stopAfterBatches'>,
  ui: Ui,
): Promise<ExtractResult> {
  let progress: RateProgress | undefined;
  const result = await extractFeatures({
    ...rest,
    ep: x.ep,
    batch: x.batch,
    workers: x.workers,
    threads: x.threads,
    flip: x.flip,
    preprocessing: x.preprocessing,
    skipBad: x.skipBad,
    maxPixels: x.maxPixels,
    limit: x.limit,
    onStart: ({ session, total, done, resumedRows }) => {
      ui.info(providerLine(rest.modelPath, session));
      if (resumedRows === total) ui.info(`the store holds all ${total} faces already${rest.saveCrops === undefined ? '' : ': saving their crops only'}`);
      else if (resumedRows > 0) ui.info(`resuming at ${resumedRows}/${total} faces`);
      progress = ui.rateProgress(total, rest.out === undefined ? 'crops' : 'faces', done);
    },
    onBatch: (done) => progress?.update(done),
  });
  progress?.done();
  const s = result.stats;
  // A crops-only pass (no store, or a complete one) ran no face through the model.
  if (rest.out !== undefined && (s.images > 0 || rest.saveCrops === undefined)) {
    ui.info(
      `${s.images} faces in ${s.seconds.toFixed(2)} s (${s.imagesPerSecond.toFixed(1)} faces/s); model ${s.modelSeconds.toFixed(2)} s, waiting for workers ${s.waitSeconds.toFixed(2)} s (${((100 * s.waitSeconds) / Math.max(s.seconds, 1e-9)).toFixed(0)}%), cpu ${s.cpuSeconds.toFixed(2)} s${result.meta?.badFaces.length ? `; ${result.meta.badFaces.length} unreadable faces skipped` : ''}`,
    );
  }
  if (rest.saveCrops !== undefined) ui.info(`${s.crops} crops saved in ${rest.saveCrops}${rest.out === undefined ? ' (crops only: no features)' : ''}`);
  return result;
}

/** `model M (NCHW 112×112 float32) on cpu, onnxruntime 1.30.0 (cuda skipped: …)`. */
export function providerLine(modelPath: string, session: Pick<ExtractResult['session'], 'model' | 'provider' | 'ortVersion' | 'attempts'>): string {
  const others = session.attempts.filter((a) => a.outcome !== 'used').map((a) => `${a.provider} ${a.outcome}: ${a.reason}`);
  return `model ${modelPath} (${session.model.layout} ${session.model.size}×${session.model.size} ${session.model.dtype}) on ${session.provider}, onnxruntime ${session.ortVersion}${others.length ? ` (${others.join('; ')})` : ''}`;
}
