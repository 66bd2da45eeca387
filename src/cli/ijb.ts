/**
 * `facebench ijb`: IJB-B / IJB-C 1:1 verification from saved features (a .npy / MagFace list, or a
 * feature store folder), or from a model (`--model`: extract into a cached store, then evaluate the
 * store's features.npy / features_flip.npy exactly as `--features` would).
 */
import type { Argv } from 'yargs';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { encodeNpy } from '../io/npy.js';
import { checkSameFaces, ijbMetaPaths, parseTarget, readFaceLandmarks, readFaceTemplateMedia, type IjbTarget } from '../io/ijb-meta.js';
import { DEFAULT_FARS, scoresInPairFileOrder, runIjb1v1, type FeatureSource } from '../protocols/ijb-1v1.js';
import { TAR_RULES } from '../metrics/tar-at-far.js';
import { SCORING_METHODS } from '../scoring/pair-scores.js';
import { ijbCsv, ijbJson, ijbMarkdown, ijbText } from '../report/ijb-report.js';
import { farKey } from '../report/format.js';
import { ijbDatasetIdentity } from '../extract/extract.js';
import { resolvePreprocessing } from '../extract/preprocess.js';
import { sha256File } from '../extract/session.js';
import { readStoreMeta, requestDifferences, STORE_FILE, type StoreMeta, type StoreRequest } from '../extract/store.js';
import { extractionOptions, runExtraction, type ExtractionArgs } from './extract.js';
import { PendingOutputs } from './outputs.js';
import { parseAggregationList } from '../aggregate/spec.js';
import { parseChoice, parseFarList, parseIntegerFlag } from './parse.js';
import { createProgress } from './progress.js';

interface StoreFeatures {
  features: string;
  flipFeatures?: string;
  excludedFaces: number[];
  source?: FeatureSource;
}

/** Features of a complete store, after checking it was made from this dataset's face list. */
function storeFeatures(dir: string, meta: StoreMeta, root: string, target: IjbTarget): StoreFeatures {
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

const isStoreFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

function cacheRoot(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.FACEBENCH_CACHE) return process.env.FACEBENCH_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'facebench');
}

export function ijbCommand(y: Argv): Argv {
  return y.command(
    'ijb',
    'IJB-B / IJB-C 1:1 verification (TAR@FAR) from saved features or a model',
    (c) =>
      extractionOptions(
        c
          .option('root', { type: 'string', demandOption: true, describe: 'IJB_release folder holding meta/<t>_face_tid_mid.txt, <t>_template_pair_label.txt, <t>_name_5pts_score.txt (and loose_crop/ for --model)' })
          .option('target', { type: 'string', default: 'IJBC', describe: 'IJBC or IJBB (picks the meta file prefix ijbc_/ijbb_)' })
          .option('features', { type: 'string', describe: 'face features: .npy [faces, dim] float16/32/64 (row i = face line i), a MagFace gen_feat.py list (path v1 … vD), or a feature store folder (facebench extract)' })
          .option('flip-features', { type: 'string', describe: 'features of the horizontally flipped faces, same shape' })
          .option('model', { type: 'string', describe: 'ONNX model: extract features into a cached store (see --store, --cache), then evaluate them' })
          .option('store', { type: 'string', describe: 'with --model: the store folder to use (reused when it matches the model/preset/flip, refused when it does not)' })
          .option('cache', { type: 'string', describe: 'with --model: cache folder for stores (default $FACEBENCH_CACHE, else $XDG_CACHE_HOME/facebench or ~/.cache/facebench)' })
          .option('aggregate', { type: 'string', default: 'plain,magnitude', describe: 'comma list of: plain, magnitude, insightface, insightface:N<0|1>D<0|1>F<0|1>, magface, magface+' })
          .option('far', { type: 'string', default: DEFAULT_FARS.map(farKey).join(','), describe: 'FAR targets' })
          .option('rule', { type: 'string', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR <= target), bob (bob.measure far_threshold)' })
          .option('scoring', { type: 'string', default: 'auto', describe: 'pair scoring: exact (float64 dot per pair, numpy order), simd (float32 dot per pair, WebAssembly SIMD), gemm (float32 matrix products over the gallery × probe block), auto (exact for small sets, else simd; gemm when the block is over half full)' })
          .option('json', { type: 'string', nargs: 1, describe: 'write the JSON result here (- for stdout)' })
          .option('csv', { type: 'string', nargs: 1, describe: 'write a CSV (one line per aggregation × FAR) here' })
          .option('markdown', { type: 'string', nargs: 1, describe: 'write a markdown table here' })
          .option('scores', { type: 'string', describe: 'folder for each aggregation\'s pair scores as <aggregation>.npy (pair-file order; float64 from exact, float32 from simd and gemm scoring)' })
          .option('curve', { type: 'boolean', default: false, describe: 'store each ROC, thinned to ~2,000 vertices, in the JSON (for compare --plot/--det/--html)' })
          .option('bootstrap', { type: 'number', describe: 'bootstrap TAR@FAR intervals with this many replicates, resampling templates (e.g. 1000)' })
          .option('seed', { type: 'number', default: 1, describe: 'seed of the bootstrap (integer in [0, 2^32))' })
          .option('ci', { type: 'number', default: 95, describe: 'bootstrap confidence level in percent' })
          .option('bootstrap-threads', { type: 'number', describe: 'threads for the bootstrap (default: the number of CPUs); results do not depend on it' }),
      ),
    async (argv) => {
      // Every flag is checked before anything slow starts (an extraction can take hours).
      const target = parseTarget(argv.target);
      const fars = parseFarList(argv.far);
      const rule = parseChoice(argv.rule, TAR_RULES, '--rule');
      const scoring = parseChoice(argv.scoring, SCORING_METHODS, '--scoring');
      const hasFlip = argv.model !== undefined ? Boolean(argv.flip) : argv['flip-features'] !== undefined;
      const aggregateCount = parseAggregationList(argv.aggregate, hasFlip || (argv.features !== undefined && isStoreFolder(argv.features))).length;
      let bootstrap: { replicates: number; seed: number; ci: number; threads?: number } | undefined;
      if (argv.bootstrap !== undefined) {
        const ci = argv.ci;
        if (!(Number.isFinite(ci) && ci > 0 && ci < 100)) throw new UsageError(`--ci must be a confidence level in percent, in (0, 100); got '${ci}'`);
        bootstrap = {
          replicates: parseIntegerFlag(argv.bootstrap, '--bootstrap', 1, 1_000_000),
          seed: parseIntegerFlag(argv.seed, '--seed', 0, 2 ** 32 - 1),
          ci,
          threads: argv['bootstrap-threads'] === undefined ? undefined : parseIntegerFlag(argv['bootstrap-threads'], '--bootstrap-threads', 1, 256),
        };
      }
      let source: StoreFeatures;
      if (argv.model !== undefined) {
        if (argv.features !== undefined || argv['flip-features'] !== undefined) throw new UsageError('give either --model or --features, not both');
        source = await featuresFromModel(argv as typeof argv & ExtractionArgs, argv.model, target);
      } else if (argv.features === undefined) {
        throw new UsageError('give --features (saved features or a store folder) or --model');
      } else if (isStoreFolder(argv.features)) {
        if (argv['flip-features'] !== undefined) throw new UsageError('--flip-features does not go with a store folder: the store holds its flip features');
        source = storeFeatures(argv.features, readStoreMeta(argv.features), argv.root, target);
      } else {
        source = { features: argv.features, flipFeatures: argv['flip-features'], excludedFaces: [] };
      }
      const progress = createProgress(2 + (bootstrap ? 3 : 2) * aggregateCount, argv.quiet);
      const result = await runIjb1v1({
        root: argv.root,
        target,
        features: source.features,
        flipFeatures: source.flipFeatures,
        excludedFaces: source.excludedFaces,
        aggregate: argv.aggregate,
        fars,
        rule,
        scoring,
        bootstrap,
        keepScores: argv.scores !== undefined,
        onStage: (stage, ms) => progress.step(stage, ms),
      });
      progress.done();
      if (source.source) result.featureSource = source.source;
      const out = new PendingOutputs();
      out.add(argv.json, () => ijbJson(result, { curve: argv.curve }));
      out.add(argv.csv, () => ijbCsv(result));
      out.add(argv.markdown, () => ijbMarkdown(result));
      if (argv.scores !== undefined) {
        for (const r of result.results) {
          out.add(join(argv.scores, `${r.aggregation.replace(/[^A-Za-z0-9+_-]/g, '_')}.npy`), () => {
            const scores = scoresInPairFileOrder(result, r);
            return encodeNpy(scores, [scores.length]);
          });
        }
      }
      if (argv.json !== '-') out.print(ijbText(result));
      out.commit();
    },
  );
}

/** Finds (or fills) the store for this model + preprocessing + flip + face list. */
async function featuresFromModel(argv: ExtractionArgs & { root: string; store?: string; cache?: string; quiet: boolean }, modelPath: string, target: IjbTarget): Promise<StoreFeatures> {
  if (!existsSync(modelPath)) throw new DataError(`${modelPath}: cannot read the model (no such file)`);
  const request: StoreRequest = {
    modelSha256: sha256File(modelPath),
    preprocessing: resolvePreprocessing(argv),
    flip: argv.flip,
    dataset: ijbDatasetIdentity(argv.root, target).identity,
  };
  const key = createHash('sha256')
    .update(JSON.stringify([request.modelSha256, request.preprocessing.channels, request.preprocessing.scale, request.preprocessing.mean, request.preprocessing.std, request.flip, request.dataset]))
    .digest('hex')
    .slice(0, 16);
  const dir = argv.store ?? join(cacheRoot(argv.cache), 'stores', `${basename(modelPath).replace(/\.onnx$/i, '')}-${target.toLowerCase()}-${key}`);
  if (existsSync(join(dir, STORE_FILE))) {
    const meta = readStoreMeta(dir);
    const diffs = requestDifferences(meta, request);
    if (diffs.length) throw new DataError(`${dir}: holds features of other settings (${diffs.join('; ')})`, 'use another --store, or delete it to extract again');
    if (!argv.quiet) process.stderr.write(`facebench: using the features already extracted in ${dir}\n`);
    return storeFeatures(dir, meta, argv.root, target);
  }
  if (!argv.quiet) process.stderr.write(`facebench: extracting into ${dir}\n`);
  const result = await runExtraction(argv, { modelPath, root: argv.root, target, out: dir, resume: true, shard: { index: 1, count: 1 } });
  return storeFeatures(dir, result.meta!, argv.root, target);
}
