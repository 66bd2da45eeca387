/**
 * Feature stores as inputs of an evaluation: a store folder given as `--features`, or the store a
 * model's extraction fills (`ijb --model`, cached by model + preprocessing + flip + face list); and
 * the extraction run with its progress and provider lines (shared by `extract` and `ijb --model`).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { checkSameFaces, ijbMetaPaths, readFaceLandmarks, readFaceTemplateMedia, type IjbTarget } from '../io/ijb-meta.js';
import type { FeatureSource } from '../protocols/ijb-1v1.js';
import { extractFeatures, ijbDatasetIdentity, ijbImageDir, ijbStoreInputs, type ExtractOptions, type ExtractResult } from '../extract/extract.js';
import { sha256File } from '../extract/session.js';
import { readStoreMeta, requestDifferences, storeCacheKey, STORE_FILE, type StoreMeta, type StoreRequest } from '../extract/store.js';
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

/** Features of a complete store, after checking it was made from this dataset's face list. */
export function featuresOfStore(dir: string, root: string, target: IjbTarget, meta: StoreMeta = readStoreMeta(dir)): EvaluatedFeatures {
  const here = ijbDatasetIdentity(root, target).identity;
  // Store rows follow the landmark file; the protocol reads rows in face/template/media file order.
  const paths = ijbMetaPaths(root, target);
  checkSameFaces(readFaceTemplateMedia(paths.faceTemplateMedia), paths.faceTemplateMedia, readFaceLandmarks(paths.landmarks), paths.landmarks);
  if (meta.shard.count !== 1) throw new DataError(`${dir}: is shard ${meta.shard.index}/${meta.shard.count} only`, 'join the shards first: facebench merge SHARD... --out STORE');
  if (meta.dataset.target !== target || meta.dataset.faceListSha256 !== here.faceListSha256 || meta.dataset.faces !== here.faces) {
    throw new DataError(`${dir}: was extracted from ${meta.dataset.target} face list ${meta.dataset.faceListSha256.slice(0, 12)}… (${meta.dataset.faces} faces), not from ${here.faceList} of ${root} (${here.faceListSha256.slice(0, 12)}…, ${here.faces} faces)`);
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

function cacheRoot(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.FACEBENCH_CACHE) return process.env.FACEBENCH_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'facebench');
}

export interface ModelInput {
  model: string;
  store?: string;
  cache?: string;
  root: string;
  target: IjbTarget;
  extraction: ExtractionSettings;
}

/** Finds (or fills) the store for this model + preprocessing + flip + face list. */
export async function featuresOfModel(m: ModelInput, ui: Ui): Promise<EvaluatedFeatures> {
  if (!existsSync(m.model)) throw new DataError(`${m.model}: cannot read the model (no such file)`);
  const request: StoreRequest = {
    modelSha256: sha256File(m.model),
    preprocessing: m.extraction.preprocessing,
    flip: m.extraction.flip,
    dataset: ijbDatasetIdentity(m.root, m.target).identity,
    skipBad: m.extraction.skipBad,
    inputs: ijbStoreInputs(m.root, m.target),
    imageDir: ijbImageDir(m.root),
  };
  const key = storeCacheKey(request);
  const dir = m.store ?? join(cacheRoot(m.cache), 'stores', `${basename(m.model).replace(/\.onnx$/i, '')}-${m.target.toLowerCase()}-${key}`);
  if (existsSync(join(dir, STORE_FILE))) {
    const meta = readStoreMeta(dir);
    const diffs = requestDifferences(meta, request);
    if (diffs.length) throw new DataError(`${dir}: holds features of other settings (${diffs.join('; ')})`, 'use another --store, or delete it to extract again');
    ui.info(`using the features already extracted in ${dir}`);
    return featuresOfStore(dir, m.root, m.target, meta);
  }
  ui.info(`extracting into ${dir}`);
  const result = await runExtraction(m.extraction, { modelPath: m.model, root: m.root, target: m.target, out: dir, resume: true, shard: { index: 1, count: 1 } }, ui);
  return featuresOfStore(dir, m.root, m.target, result.meta!);
}

/** Runs an extraction with progress and provider lines on stderr. */
export async function runExtraction(
  x: ExtractionSettings,
  rest: Pick<ExtractOptions, 'modelPath' | 'root' | 'target' | 'out' | 'resume' | 'shard'> & { stopAfterBatches?: number },
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
    onStart: ({ session, total, done }) => {
      ui.info(providerLine(rest.modelPath, session));
      if (done > 0) ui.info(`resuming at ${done}/${total} faces`);
      progress = ui.rateProgress(total, 'faces', done);
    },
    onBatch: (done) => progress?.update(done),
  });
  progress?.done();
  const s = result.stats;
  ui.info(
    `${s.images} faces in ${s.seconds.toFixed(2)} s (${s.imagesPerSecond.toFixed(1)} faces/s); model ${s.modelSeconds.toFixed(2)} s, waiting for workers ${s.waitSeconds.toFixed(2)} s (${((100 * s.waitSeconds) / Math.max(s.seconds, 1e-9)).toFixed(0)}%), cpu ${s.cpuSeconds.toFixed(2)} s${result.meta?.badFaces.length ? `; ${result.meta.badFaces.length} unreadable faces skipped` : ''}`,
  );
  return result;
}

/** `model M (NCHW 112×112 float32) on cpu, onnxruntime 1.30.0 (cuda skipped: …)`. */
export function providerLine(modelPath: string, session: Pick<ExtractResult['session'], 'model' | 'provider' | 'ortVersion' | 'attempts'>): string {
  const others = session.attempts.filter((a) => a.outcome !== 'used').map((a) => `${a.provider} ${a.outcome}: ${a.reason}`);
  return `model ${modelPath} (${session.model.layout} ${session.model.size}×${session.model.size} ${session.model.dtype}) on ${session.provider}, onnxruntime ${session.ortVersion}${others.length ? ` (${others.join('; ')})` : ''}`;
}
