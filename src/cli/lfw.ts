/**
 * `facebench lfw`: LFW-style pair verification (pairs.txt, insightface .bin, pairs CSV) from saved
 * features, or from a model (`--model`: the images of the .bin, or `--images DIR` + the pair paths,
 * are run through the extractor in memory, with flip by default as verification.py).
 */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { TAR_RULES } from '../metrics/tar-at-far.js';
import { DEFAULT_LFW_FARS, runPairsKfold, type PairsKfoldDataset } from '../protocols/pairs-kfold.js';
import { lfwCsv, lfwJson, lfwMarkdown, lfwText } from '../report/lfw-report.js';
import { farKey } from '../report/format.js';
import { PendingOutputs } from './outputs.js';
import { parseChoice, parseFarList } from './parse.js';
import { createProgress, createRateProgress } from './progress.js';
import { extractionOptions, type ExtractionArgs } from './extract.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readInsightfaceBin } from '../io/insightface-bin.js';
import { readLfwPairs, readPairsCsv } from '../io/lfw-pairs.js';
import { extractImageFeatures } from '../extract/extract.js';
import { RESIZE_KERNEL } from '../extract/decode.js';
import { resolvePreprocessing } from '../extract/preprocess.js';
import { openModelSession, type EpChoice } from '../extract/session.js';

/** A repeatable flag as a list (yargs gives undefined, one value, or an array). */
function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A flag that may be given at most once. */
function single(value: unknown, flag: string): string | undefined {
  const values = list(value);
  if (values.length > 1) throw new UsageError(`${flag} may be given only once`);
  return values[0];
}

export interface LfwArgs {
  pairs?: unknown;
  bin?: unknown;
  'pairs-csv'?: unknown;
  features?: unknown;
  'flip-features'?: unknown;
  names?: unknown;
  name?: unknown;
  model?: unknown;
  images?: unknown;
}

interface PairSource {
  format: PairsKfoldDataset['format'];
  file: string;
}

/** --pairs / --pairs-csv / --bin (repeatable): the evaluated files. */
function lfwSources(argv: LfwArgs): PairSource[] {
  const pairs = single(argv.pairs, '--pairs');
  const csv = single(argv['pairs-csv'], '--pairs-csv');
  const bins = list(argv.bin);
  const kinds = [pairs, csv, bins.length ? bins : undefined].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new UsageError('give exactly one of --pairs (pairs.txt), --pairs-csv, or --bin (repeatable)');
  return pairs !== undefined ? [{ format: 'pairs-txt', file: pairs }] : csv !== undefined ? [{ format: 'pairs-csv', file: csv }] : bins.map((file) => ({ format: 'insightface-bin', file }));
}

function datasetNames(argv: LfwArgs, n: number): string[] {
  const names = list(argv.name);
  if (names.length !== 0 && names.length !== n) throw new UsageError(`${n} dataset(s) but ${names.length} --name: give none or one per dataset`);
  return names;
}

/** Flags → one dataset description per evaluated file (features mode). */
export function lfwDatasets(argv: LfwArgs): PairsKfoldDataset[] {
  if (argv.model !== undefined) throw new UsageError('--model: use lfwModelDatasets');
  if (argv.images !== undefined) throw new UsageError('--images is only used with --model; in features mode pair paths are matched against --names');
  const sources = lfwSources(argv);
  const bins = sources.filter((s) => s.format === 'insightface-bin');
  const features = list(argv.features);
  const flips = list(argv['flip-features']);
  const n = sources.length;
  const names = datasetNames(argv, n);
  if (features.length === 0) throw new UsageError('--features is required (or --model)');
  if (features.length !== n) throw new UsageError(`${n} dataset(s) but ${features.length} --features: give one --features per --bin, in the same order`);
  if (flips.length !== 0 && flips.length !== n) throw new UsageError(`${n} dataset(s) but ${flips.length} --flip-features: give none or one per dataset`);
  const nameList = single(argv.names, '--names');
  if (bins.length && nameList !== undefined) throw new UsageError('--names cannot be used with --bin: feature row i is image i of the .bin');
  if (!bins.length && nameList === undefined) throw new UsageError(`--names is required with ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  return sources.map((s, k) => ({
    format: s.format,
    pairs: s.file,
    features: features[k],
    flipFeatures: flips[k],
    names: nameList,
    name: names[k],
  }));
}

/** The images one dataset needs, each once: the .bin's entries in order, or the pairs' distinct paths in first-use order. */
interface ImageSet {
  source: PairSource;
  names: string[];
  encoded?: Uint8Array[];
}

function imageSet(source: PairSource, imagesDir: string | undefined): ImageSet {
  if (source.format === 'insightface-bin') {
    const bin = readInsightfaceBin(source.file);
    return { source, names: bin.images.map((_, k) => `${source.file}: image ${k} (bins[${k}], pair ${k >> 1})`), encoded: bin.images };
  }
  const pairs = source.format === 'pairs-txt' ? readLfwPairs(source.file) : readPairsCsv(source.file);
  const seen = new Set<string>();
  const names: string[] = [];
  for (let i = 0; i < pairs.labels.length; i++) {
    for (const p of [pairs.imageA[i], pairs.imageB[i]]) {
      if (!seen.has(p)) {
        seen.add(p);
        names.push(p);
      }
    }
  }
  // Fail before loading the model when an image is missing.
  for (const p of names) {
    const file = join(imagesDir!, p);
    if (!existsSync(file)) throw new DataError(`${file}: cannot read image (no such file; named by ${source.file})`);
  }
  return { source, names };
}

export type LfwModelArgs = LfwArgs & ExtractionArgs;

/** Model mode: extract every dataset's images with one session, then describe in-memory datasets. */
export async function lfwModelDatasets(argv: LfwModelArgs): Promise<PairsKfoldDataset[]> {
  const modelPath = single(argv.model, '--model')!;
  for (const flag of ['features', 'flip-features', 'names'] as const) {
    if (argv[flag] !== undefined) throw new UsageError(`--${flag} does not go with --model: the model computes the features`);
  }
  if (argv['skip-bad']) throw new UsageError('--skip-bad is not available for lfw: every image of a pair list is needed');
  const sources = lfwSources(argv);
  const names = datasetNames(argv, sources.length);
  const imagesDir = single(argv.images, '--images');
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && imagesDir !== undefined) throw new UsageError('--images does not go with --bin: the .bin holds the images');
  if (!isBin && imagesDir === undefined) throw new UsageError(`--images DIR is required with --model and ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: the folder the pair paths (name/name_0001.jpg) are relative to`);
  if (!existsSync(modelPath)) throw new DataError(`${modelPath}: cannot read the model (no such file)`);
  const preprocessing = resolvePreprocessing(argv);
  const sets = sources.map((s) => imageSet(s, imagesDir));
  const session = await openModelSession(modelPath, argv.ep as EpChoice, { threads: argv.threads });
  const out: PairsKfoldDataset[] = [];
  try {
    const model = session.model;
    if (!argv.quiet) {
      const others = session.attempts.filter((a) => a.outcome !== 'used').map((a) => `${a.provider} ${a.outcome}: ${a.reason}`);
      process.stderr.write(`facebench: model ${modelPath} (${model.layout} ${model.size}×${model.size} ${model.dtype}) on ${session.provider}, onnxruntime ${session.ortVersion}${others.length ? ` (${others.join('; ')})` : ''}\n`);
    }
    for (const [k, set] of sets.entries()) {
      const t0 = performance.now();
      const progress = createRateProgress(set.names.length, argv.quiet, 'images');
      const f = await extractImageFeatures({
        session,
        imageDir: imagesDir ?? '',
        names: set.names,
        encoded: set.encoded,
        batch: argv.batch,
        workers: argv.workers,
        flip: argv.flip,
        preprocessing,
        onBatch: (done) => progress.update(done),
      });
      progress.done();
      const seconds = (performance.now() - t0) / 1000;
      if (!argv.quiet) {
        process.stderr.write(`facebench: ${set.source.file}: ${set.names.length} images${argv.flip ? ' (+ flipped)' : ''} in ${seconds.toFixed(2)} s (${(set.names.length / Math.max(seconds, 1e-9)).toFixed(1)} images/s)${f.resized ? `; ${f.resized} resized to ${model.size}×${model.size}` : ''}\n`);
      }
      out.push({
        format: set.source.format,
        pairs: set.source.file,
        name: names[k],
        memory: {
          data: f.features,
          flip: f.flip,
          rows: set.names.length,
          cols: f.dim,
          names: set.encoded ? undefined : set.names,
          label: set.encoded ? `features of ${set.source.file}` : `features of the images of ${set.source.file}`,
          source: {
            model: modelPath,
            model_sha256: model.sha256,
            provider: session.provider,
            dtype: model.dtype,
            ort_version: session.ortVersion,
            preprocessing: {
              preset: preprocessing.preset,
              channels: preprocessing.channels,
              scale: preprocessing.scale,
              mean: preprocessing.mean,
              std: preprocessing.std,
              input_size: model.size,
              resize: `sharp ${RESIZE_KERNEL} (fit fill) when not ${model.size}×${model.size}`,
            },
            flip: argv.flip,
            images: set.names.length,
            resized_images: f.resized,
          },
        },
      });
    }
  } finally {
    await session.release();
  }
  return out;
}

export function parseFolds(value: unknown): number | undefined {
  const v = single(value, '--folds');
  if (v === undefined) return undefined;
  const k = Number(v);
  if (!Number.isSafeInteger(k) || k < 1) throw new UsageError(`--folds must be a positive integer; got '${v}'`);
  return k;
}

export function lfwCommand(y: Argv): Argv {
  return y.command(
    'lfw',
    'LFW-style pair verification (lfw, cfp_fp, agedb_30 …): 10-fold accuracy as insightface verification.py, plus EER, TAR@FAR, VAL@FAR',
    (c) =>
      extractionOptions(c, { flip: true })
        .option('pairs', { type: 'string', describe: 'official LFW pairs.txt (header "10<TAB>300": the sets are the folds), or pairsDevTest style (header "N")' })
        .option('bin', { type: 'string', array: true, describe: 'insightface evaluation .bin (pickle of encoded images + issame list); repeatable, one --features each' })
        .option('pairs-csv', { type: 'string', describe: 'CSV a,b,label[,fold] with image paths as in --names' })
        .option('features', { type: 'string', array: true, describe: 'features .npy [images, dim] (float16/32/64): row i = line i of --names, or image i of the .bin' })
        .option('flip-features', { type: 'string', array: true, describe: 'features of the horizontally flipped images, same shape (embedding = L2(f + f_flip))' })
        .option('names', { type: 'string', describe: 'one relative image path (name/name_0001.jpg) per feature row (with --pairs / --pairs-csv)' })
        .option('name', { type: 'string', array: true, describe: 'dataset name(s) to print (default: lfw for pairs.txt, the file name otherwise)' })
        .option('model', { type: 'string', describe: 'ONNX model: extract the images (of the .bin, or of --images) and evaluate them; flip on by default' })
        .option('images', { type: 'string', describe: 'with --model and --pairs / --pairs-csv: folder the pair image paths (name/name_0001.jpg) are relative to' })
        .option('folds', { type: 'string', describe: 'number of contiguous folds when the pair file defines none (default 10)' })
        .option('far', { type: 'string', default: DEFAULT_LFW_FARS.map(farKey).join(','), describe: 'FAR targets for TAR@FAR over all pairs' })
        .option('rule', { type: 'string', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR <= target), bob (bob.measure)' })
        .option('json', { type: 'string', nargs: 1, describe: 'write the JSON result here (- for stdout)' })
        .option('csv', { type: 'string', nargs: 1, describe: 'write a CSV (one line per dataset) here' })
        .option('markdown', { type: 'string', nargs: 1, describe: 'write markdown tables here' }),
    async (argv) => {
      const datasets = argv.model !== undefined ? await lfwModelDatasets(argv as typeof argv & LfwModelArgs) : lfwDatasets(argv);
      const progress = createProgress(2 * datasets.length, argv.quiet);
      const result = runPairsKfold({
        datasets,
        folds: parseFolds(argv.folds),
        fars: parseFarList(single(argv.far, '--far') ?? ''),
        rule: parseChoice(single(argv.rule, '--rule') ?? '', TAR_RULES, '--rule'),
        onStage: (stage, ms) => progress.step(stage, ms),
      });
      progress.done();
      const out = new PendingOutputs();
      out.add(single(argv.json, '--json'), () => lfwJson(result));
      out.add(single(argv.csv, '--csv'), () => lfwCsv(result));
      out.add(single(argv.markdown, '--markdown'), () => lfwMarkdown(result));
      if (argv.json !== '-') out.print(lfwText(result));
      out.commit();
    },
  );
}
