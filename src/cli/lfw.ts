/**
 * `facebench lfw`: LFW-style pair verification (pairs.txt, insightface .bin, pairs CSV) from saved
 * features, or from a model (`--model`: the images of the .bin, or `--images DIR` + the pair paths,
 * are run through the extractor in memory, with flip by default as verification.py).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { TAR_RULES, type TarRule } from '../metrics/tar-at-far.js';
import { DEFAULT_LFW_FARS, defaultDatasetName, runPairsKfold, type PairSourceFormat, type PairsKfoldDataset, type PairsKfoldResult } from '../protocols/pairs-kfold.js';
import { lfwCsv, lfwJson, lfwMarkdown, lfwText, lfwWarnings } from '../report/lfw-report.js';
import { farKey } from '../report/format.js';
import { readInsightfaceBin } from '../io/insightface-bin.js';
import { readLfwPairs, readPairsCsv } from '../io/lfw-pairs.js';
import { extractImageFeatures } from '../extract/extract.js';
import { RESIZE_KERNEL } from '../extract/decode.js';
import { openModelSession } from '../extract/session.js';
import type { Command, Ui } from './command.js';
import { extractionGroup, fileOutputRequests, outputFlags, parseExtraction, parseFileOutputs, refuseExtractionFlags, type ExtractionSettings, type FileOutputs } from './flag-groups.js';
import { parseChoice, parseNumber, parseRateList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { providerLine } from './feature-stores.js';
import { PendingOutputs, type InputRequest } from './outputs.js';

const spec: CommandSpec = {
  name: 'lfw',
  summary: 'LFW-style pair verification (lfw, cfp_fp, agedb_30 …): 10-fold accuracy as insightface verification.py, plus EER, TAR@FAR, VAL@FAR',
  usage: [
    'lfw --pairs pairs.txt --names FILE --features FILE [--flip-features FILE] [flags]',
    'lfw --bin FILE [--bin FILE …] --features FILE [--features FILE …] [flags]',
    'lfw (--bin FILE … | --pairs FILE --images DIR) --model FILE [extraction flags] [flags]',
  ],
  description: 'Accuracy, per-fold thresholds and XNorm equal verification.py bit for bit; give one --features per --bin, in order.',
  groups: [
    {
      title: 'Input',
      flags: {
        pairs: { kind: 'value', value: 'FILE', describe: 'official LFW pairs.txt (header "10<TAB>300": the sets are the folds), or a pairsDevTest-style file (header "N")' },
        'pairs-csv': { kind: 'value', value: 'FILE', describe: 'CSV a,b,label[,fold] with image paths as in --names (a header line is recognised by its column names)' },
        bin: { kind: 'repeatable', value: 'FILE', describe: 'insightface evaluation .bin (pickle of encoded images + issame list), one --features each' },
        features: { kind: 'repeatable', value: 'FILE', describe: 'features .npy [images, dim] (float16/32/64): row i = line i of --names, or image i of the .bin' },
        'flip-features': { kind: 'repeatable', value: 'FILE', describe: 'features of the horizontally flipped images, same shape (embedding = L2(f + f_flip))' },
        names: { kind: 'value', value: 'FILE', describe: 'one relative image path (name/name_0001.jpg) per feature row (with --pairs / --pairs-csv)' },
        label: { kind: 'repeatable', value: 'NAME', describe: 'dataset name to print and write, one per dataset in order [default: lfw for pairs.txt, else the file name]' },
        name: { kind: 'repeatable', value: 'NAME', hidden: true, describe: 'old spelling of --label' },
        model: { kind: 'value', value: 'FILE', describe: 'ONNX model: extract the images (of the .bin, or of --images) and evaluate them; flip on by default' },
        images: { kind: 'value', value: 'DIR', describe: 'with --model and --pairs / --pairs-csv: the folder the pair image paths are relative to' },
      },
    },
    {
      title: 'Evaluation',
      flags: {
        folds: { kind: 'value', value: 'N', default: '10', describe: 'number of contiguous folds (at least 2) when the pair file defines none' },
        far: { kind: 'value', value: 'LIST', default: DEFAULT_LFW_FARS.map(farKey).join(','), describe: 'FAR targets for TAR@FAR over all pairs; a target below 1/impostor pairs is reported as unresolvable (null)' },
        rule: { kind: 'value', value: 'RULE', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR ≤ target), bob (bob.measure far_threshold)' },
      },
    },
    extractionGroup({ flipByDefault: true, skipBad: false, title: 'Extraction (with --model)' }),
    outputFlags({ json: 'write the JSON result here', csv: 'write a CSV (one line per dataset) here', markdown: 'write markdown tables here' }),
  ],
  examples: [
    { what: 'LFW from pairs.txt with saved features (and flip features), as verification.py', command: 'facebench lfw --pairs pairs.txt --names names.txt --features lfw.npy --flip-features lfw_flip.npy' },
    { what: 'Three insightface .bin packs straight from a model, JSON for compare/gate', command: 'facebench lfw --bin lfw.bin --bin cfp_fp.bin --bin agedb_30.bin --model r100.onnx --json r100-lfw.json' },
    { what: 'A pairs CSV with a fold column and the bob.measure TAR@FAR rule', command: 'facebench lfw --pairs-csv pairs.csv --names names.txt --features feats.npy --rule bob --far 1e-3,1e-2' },
  ],
};

interface PairSource {
  format: PairSourceFormat;
  file: string;
  /** Name printed and written for the dataset. */
  label: string;
}

type LfwInput = { kind: 'features'; datasets: PairsKfoldDataset[] } | { kind: 'model'; model: string; imagesDir?: string; sources: PairSource[]; extraction: ExtractionSettings };

export interface LfwCommandOptions {
  input: LfwInput;
  folds?: number;
  fars: number[];
  rule: TarRule;
  outputs: FileOutputs;
  quiet: boolean;
}

/** --pairs / --pairs-csv / --bin (repeatable) with their dataset names. */
function pairSources(args: Args): PairSource[] {
  const pairs = args.string('pairs');
  const csv = args.string('pairs-csv');
  const bins = args.list('bin');
  const kinds = [pairs, csv, bins.length ? bins : undefined].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new UsageError('give exactly one of --pairs (pairs.txt), --pairs-csv, or --bin (repeatable)', 'see facebench help lfw');
  const sources: Omit<PairSource, 'label'>[] = pairs !== undefined ? [{ format: 'pairs-txt', file: pairs }] : csv !== undefined ? [{ format: 'pairs-csv', file: csv }] : bins.map((file) => ({ format: 'insightface-bin', file }));
  if (args.has('label') && args.has('name')) throw new UsageError('--name is the old spelling of --label: give one of them');
  const labels = args.has('label') ? args.list('label') : args.list('name');
  if (labels.length !== 0 && labels.length !== sources.length) throw new UsageError(`${sources.length} dataset(s) but ${labels.length} --label: give none or one per dataset`);
  const named = sources.map((s, k) => ({ ...s, label: labels[k] ?? defaultDatasetName({ format: s.format, pairs: s.file }) }));
  const seen = new Map<string, string>();
  for (const s of named) {
    const other = seen.get(s.label);
    if (other !== undefined) throw new UsageError(`${other} and ${s.file} would both be named '${s.label}': give each dataset a --label`);
    seen.set(s.label, s.file);
  }
  return named;
}

function featureDatasets(args: Args, sources: PairSource[]): PairsKfoldDataset[] {
  if (args.has('images')) throw new UsageError('--images only applies with --model; with saved features, pair paths are matched against --names');
  refuseExtractionFlags(args, 'only applies with --model (it sets how images are extracted)');
  const features = args.list('features');
  const flips = args.list('flip-features');
  const n = sources.length;
  if (features.length === 0) throw new UsageError('give --features (one per dataset) or --model', 'see facebench help lfw');
  if (features.length !== n) throw new UsageError(`${n} dataset(s) but ${features.length} --features: give one --features per --bin, in the same order`);
  if (flips.length !== 0 && flips.length !== n) throw new UsageError(`${n} dataset(s) but ${flips.length} --flip-features: give none or one per dataset`);
  const names = args.string('names');
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && names !== undefined) throw new UsageError('--names does not go with --bin: feature row i is image i of the .bin');
  if (!isBin && names === undefined) throw new UsageError(`--names is required with ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  return sources.map((s, k) => ({ format: s.format, pairs: s.file, features: features[k], flipFeatures: flips[k], names, name: s.label }));
}

function modelInput(args: Args, model: string, sources: PairSource[]): LfwInput {
  for (const flag of ['features', 'flip-features', 'names']) {
    if (args.has(flag)) throw new UsageError(`--${flag} does not go with --model: the model computes the features`);
  }
  const imagesDir = args.string('images');
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && imagesDir !== undefined) throw new UsageError('--images does not go with --bin: the .bin holds the images');
  if (!isBin && imagesDir === undefined) throw new UsageError(`--images DIR is required with --model and ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: the folder the pair paths (name/name_0001.jpg) are relative to`);
  return { kind: 'model', model, imagesDir, sources, extraction: parseExtraction(args, { flipByDefault: true }) };
}

export function parseLfwOptions(args: Args): LfwCommandOptions {
  const sources = pairSources(args);
  const model = args.string('model');
  const folds = args.string('folds');
  return {
    input: model === undefined ? { kind: 'features', datasets: featureDatasets(args, sources) } : modelInput(args, model, sources),
    folds: folds === undefined ? undefined : parseNumber(folds, '--folds', { integer: true, min: 2, max: 1_000_000 }),
    fars: parseRateList(args.string('far') ?? DEFAULT_LFW_FARS.map(farKey).join(','), '--far'),
    rule: parseChoice(args.string('rule') ?? 'nearest', TAR_RULES, '--rule'),
    outputs: parseFileOutputs(args),
    quiet: args.switch('quiet'),
  };
}

function lfwInputs(o: LfwCommandOptions): InputRequest[] {
  const i = o.input;
  if (i.kind === 'model') return [{ flag: '--model', path: i.model }, ...i.sources.map((s) => ({ flag: `--${s.format === 'pairs-txt' ? 'pairs' : s.format === 'pairs-csv' ? 'pairs-csv' : 'bin'}`, path: s.file }))];
  return i.datasets.flatMap((d) => [
    { flag: d.format === 'insightface-bin' ? '--bin' : d.format === 'pairs-txt' ? '--pairs' : '--pairs-csv', path: d.pairs },
    ...(d.features ? [{ flag: '--features', path: d.features }] : []),
    ...(d.flipFeatures ? [{ flag: '--flip-features', path: d.flipFeatures }] : []),
    ...(d.names ? [{ flag: '--names', path: d.names }] : []),
  ]);
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
  const names = [...new Set(pairs.imageA.flatMap((a, i) => [a, pairs.imageB[i]]))];
  // Fail before loading the model when an image is missing.
  for (const p of names) {
    const file = join(imagesDir!, p);
    if (!existsSync(file)) throw new DataError(`${file}: cannot read image (no such file; named by ${source.file})`);
  }
  return { source, names };
}

/** Model mode: extract every dataset's images with one session, then describe in-memory datasets. */
async function modelDatasets(i: Extract<LfwInput, { kind: 'model' }>, ui: Ui): Promise<PairsKfoldDataset[]> {
  if (!existsSync(i.model)) throw new DataError(`${i.model}: cannot read the model (no such file)`);
  const x = i.extraction;
  const sets = i.sources.map((s) => imageSet(s, i.imagesDir));
  const session = await openModelSession(i.model, x.ep, { threads: x.threads });
  const out: PairsKfoldDataset[] = [];
  try {
    const model = session.model;
    ui.info(providerLine(i.model, session));
    for (const set of sets) {
      const t0 = performance.now();
      const progress = ui.rateProgress(set.names.length, 'images');
      const f = await extractImageFeatures({
        session,
        imageDir: i.imagesDir ?? '',
        names: set.names,
        encoded: set.encoded,
        batch: x.batch,
        workers: x.workers,
        flip: x.flip,
        preprocessing: x.preprocessing,
        maxPixels: x.maxPixels,
        onBatch: (done) => progress.update(done),
      });
      progress.done();
      const seconds = (performance.now() - t0) / 1000;
      ui.info(`${set.source.file}: ${set.names.length} images${x.flip ? ' (+ flipped)' : ''} in ${seconds.toFixed(2)} s (${(set.names.length / Math.max(seconds, 1e-9)).toFixed(1)} images/s)${f.resized ? `; ${f.resized} resized to ${model.size}×${model.size}` : ''}`);
      const p = x.preprocessing;
      out.push({
        format: set.source.format,
        pairs: set.source.file,
        name: set.source.label,
        memory: {
          data: f.features,
          flip: f.flip,
          rows: set.names.length,
          cols: f.dim,
          names: set.encoded ? undefined : set.names,
          label: set.encoded ? `features of ${set.source.file}` : `features of the images of ${set.source.file}`,
          source: {
            model_sha256: model.sha256,
            provider: session.provider,
            dtype: model.dtype,
            ort_version: session.ortVersion,
            preprocessing: { preset: p.preset, channels: p.channels, scale: p.scale, mean: p.mean, std: p.std, input_size: model.size, resize: `sharp ${RESIZE_KERNEL} (fit fill) when not ${model.size}×${model.size}` },
            flip: x.flip,
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

export async function runLfwCommand(o: LfwCommandOptions, ui: Ui): Promise<PairsKfoldResult> {
  const datasets = o.input.kind === 'model' ? await modelDatasets(o.input, ui) : o.input.datasets;
  const progress = ui.progress(2 * datasets.length);
  const result = runPairsKfold({ datasets, folds: o.folds, fars: o.fars, rule: o.rule, onStage: (stage, ms) => progress.step(stage, ms) });
  progress.done();
  return result;
}

export const lfwCommand: Command<LfwCommandOptions, PairsKfoldResult> = {
  spec,
  parse: parseLfwOptions,
  files: (o) => ({ outputs: fileOutputRequests(o.outputs), inputs: lfwInputs(o) }),
  quiet: (o) => o.quiet,
  run: runLfwCommand,
  report(o, result) {
    const out = new PendingOutputs();
    out.add(o.outputs.json, () => lfwJson(result));
    out.add(o.outputs.csv, () => lfwCsv(result));
    out.add(o.outputs.markdown, () => lfwMarkdown(result));
    if (!out.printsToStdout) out.print(lfwText(result));
    return { outputs: out, warnings: lfwWarnings(result) };
  },
};
