/**
 * `facebench lfw`: LFW-style pair verification (pairs.txt, insightface .bin, pairs CSV) from saved
 * features or a feature store, or from a model (`--model`: the images of the .bin, or `--images DIR`
 * + the pair paths, are extracted into a cached store — flip on by default, as verification.py —
 * and evaluated from it).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { isFolder } from '../io/input-file.js';
import { TAR_RULES, type TarRule } from '../metrics/tar-at-far.js';
import { DEFAULT_LFW_FARS, defaultDatasetName, runPairsKfold, type PairSourceFormat, type PairsKfoldDataset, type PairsKfoldResult } from '../protocols/pairs-kfold.js';
import { lfwCsv, lfwJson, lfwMarkdown, lfwText, lfwWarnings } from '../report/lfw-report.js';
import { farKey } from '../report/format.js';
import { checkImagesExist, loadFaceList, type DatasetSpec, type FaceList } from '../extract/datasets.js';
import type { Command, Ui } from './command.js';
import { CACHE_FLAG, extractionGroup, fileOutputRequests, outputFlags, parseExtraction, parseFileOutputs, type ExtractionSettings, type FileOutputs, refuseModelFlags, STORE_FLIP_FEATURES } from './flag-groups.js';
import { parseChoice, parseNumber, parseRateList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { pairFeaturesOfStore, requireModel, runExtraction, storeOfModel } from './feature-stores.js';
import { PendingOutputs, type InputRequest, type OutputRequest } from './outputs.js';

const spec: CommandSpec = {
  name: 'lfw',
  summary: 'LFW-style pair verification (lfw, cfp_fp, agedb_30 …): 10-fold accuracy as insightface verification.py, plus EER, TAR@FAR, VAL@FAR',
  usage: [
    'lfw --pairs pairs.txt --names FILE --features FILE [--flip-features FILE] [flags]',
    'lfw --bin FILE [--bin FILE …] --features FILE [--features FILE …] [flags]',
    'lfw (--bin FILE … | --pairs FILE) --features STORE_DIR [flags]',
    'lfw (--bin FILE … | --pairs FILE --images DIR) --model FILE [--store DIR … | --cache DIR] [extraction flags] [flags]',
  ],
  description: 'Accuracy, per-fold thresholds and XNorm equal verification.py bit for bit; give one --features per --bin, in order.',
  groups: [
    {
      title: 'Input',
      flags: {
        pairs: { kind: 'value', value: 'FILE', describe: 'official LFW pairs.txt (header "10<TAB>300": the sets are the folds), or a pairsDevTest-style file (header "N")' },
        'pairs-csv': { kind: 'value', value: 'FILE', describe: 'CSV a,b,label[,fold] with image paths as in --names (a header line is recognised by its column names)' },
        bin: { kind: 'repeatable', value: 'FILE', describe: 'insightface evaluation .bin (pickle of encoded images + issame list), one --features each' },
        features: { kind: 'repeatable', value: 'FILE|DIR', describe: 'features .npy [images, dim] (float16/32/64): row i = line i of --names, or image i of the .bin; or a feature store folder (facebench extract --dataset pairs|bin|folder, lfw --model)' },
        'flip-features': { kind: 'repeatable', value: 'FILE', describe: 'features of the horizontally flipped images, same shape (embedding = L2(f + f_flip))' },
        names: { kind: 'value', value: 'FILE', describe: 'one relative image path (name/name_0001.jpg) per feature row (with --pairs / --pairs-csv)' },
        label: { kind: 'repeatable', value: 'NAME', describe: 'dataset name to print and write, one per dataset in order [default: lfw for pairs.txt, else the file name]' },
        name: { kind: 'repeatable', value: 'NAME', hidden: true, describe: 'old spelling of --label' },
        model: { kind: 'value', value: 'FILE', describe: 'ONNX model: extract the images (of the .bin, or of --images) into a cached store and evaluate them; flip on by default' },
        images: { kind: 'value', value: 'DIR', describe: 'with --model and --pairs / --pairs-csv: the folder the pair image paths are relative to' },
        store: { kind: 'repeatable', value: 'DIR', describe: 'with --model: the store folder of each dataset, in order (reused when it matches the model, preprocessing, flip and images; refused otherwise)' },
        cache: CACHE_FLAG,
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
    extractionGroup({ flipByDefault: true, skipBad: false, crops: true, title: 'Extraction (with --model; --save-crops DIR/<dataset>/)' }),
    outputFlags({ json: 'write the JSON result here', csv: 'write a CSV (one line per dataset) here', markdown: 'write markdown tables here' }),
  ],
  examples: [
    { what: 'LFW from pairs.txt with saved features (and flip features), as verification.py', command: 'facebench lfw --pairs pairs.txt --names names.txt --features lfw.npy --flip-features lfw_flip.npy' },
    { what: 'Three insightface .bin packs straight from a model (stores cached), JSON for compare/gate', command: 'facebench lfw --bin lfw.bin --bin cfp_fp.bin --bin agedb_30.bin --model r100.onnx --json r100-lfw.json' },
    { what: 'A pairs CSV with a fold column and the bob.measure TAR@FAR rule', command: 'facebench lfw --pairs-csv pairs.csv --names names.txt --features feats.npy --rule bob --far 1e-3,1e-2' },
  ],
};

interface PairSource {
  format: PairSourceFormat;
  file: string;
  /** Name printed and written for the dataset. */
  label: string;
}

/** A dataset of features mode: its files, or (`store`) a feature store folder read at run time. */
type FeatureDataset = PairsKfoldDataset & { store?: string };

type LfwInput =
  | { kind: 'features'; datasets: FeatureDataset[] }
  | { kind: 'model'; model: string; imagesDir?: string; sources: PairSource[]; extraction: ExtractionSettings; stores: string[]; cache?: string };

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

function featureDatasets(args: Args, sources: PairSource[]): FeatureDataset[] {
  if (args.has('images')) throw new UsageError('--images only applies with --model; with saved features, pair paths are matched against --names');
  refuseModelFlags(args, 'only applies with --model (it sets how images are extracted)');
  const features = args.list('features');
  const flips = args.list('flip-features');
  const n = sources.length;
  if (features.length === 0) throw new UsageError('give --features (one per dataset) or --model', 'see facebench help lfw');
  if (features.length !== n) throw new UsageError(`${n} dataset(s) but ${features.length} --features: give one --features per --bin, in the same order`);
  if (flips.length !== 0 && flips.length !== n) throw new UsageError(`${n} dataset(s) but ${flips.length} --flip-features: give none or one per dataset`);
  const names = args.string('names');
  const stores = features.map(isFolder);
  if (stores.some(Boolean)) {
    if (flips.length) throw new UsageError(STORE_FLIP_FEATURES);
    if (names !== undefined) throw new UsageError('--names does not go with a store folder: the store holds its names.txt');
  }
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && names !== undefined) throw new UsageError('--names does not go with --bin: feature row i is image i of the .bin');
  if (!isBin && names === undefined && !stores[0]) throw new UsageError(`--names is required with ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  return sources.map((s, k) => (stores[k] ? { format: s.format, pairs: s.file, name: s.label, store: features[k] } : { format: s.format, pairs: s.file, features: features[k], flipFeatures: flips[k], names, name: s.label }));
}

function modelInput(args: Args, model: string, sources: PairSource[]): LfwInput {
  for (const flag of ['features', 'flip-features', 'names']) {
    if (args.has(flag)) throw new UsageError(`--${flag} does not go with --model: the model computes the features`);
  }
  const imagesDir = args.string('images');
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && imagesDir !== undefined) throw new UsageError('--images does not go with --bin: the .bin holds the images');
  if (!isBin && imagesDir === undefined) throw new UsageError(`--images DIR is required with --model and ${sources[0].format === 'pairs-txt' ? '--pairs' : '--pairs-csv'}: the folder the pair paths (name/name_0001.jpg) are relative to`);
  const stores = args.list('store');
  if (stores.length !== 0 && stores.length !== sources.length) throw new UsageError(`${sources.length} dataset(s) but ${stores.length} --store: give none (the cache) or one per dataset, in order`);
  const extraction = parseExtraction(args, { flipByDefault: true });
  if (extraction.limit !== undefined) {
    const stray = ['store', 'cache', 'json', 'csv', 'markdown'].find((f) => args.has(f));
    if (stray) throw new UsageError(`--${stray} does not go with --limit: --limit writes crops only (--save-crops), nothing is extracted into a store or evaluated`);
  }
  return { kind: 'model', model, imagesDir, sources, extraction, stores, cache: args.string('cache') };
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

function lfwFiles(o: LfwCommandOptions): { outputs: OutputRequest[]; inputs: InputRequest[] } {
  const outputs = fileOutputRequests(o.outputs);
  const i = o.input;
  if (i.kind === 'model') {
    if (i.extraction.saveCrops !== undefined) outputs.push({ flag: '--save-crops', path: i.extraction.saveCrops, kind: 'folder' });
    const inputs = [{ flag: '--model', path: i.model }, ...i.sources.map((s) => ({ flag: sourceFlag(s.format), path: s.file }))];
    if (i.imagesDir !== undefined) inputs.push({ flag: '--images', path: i.imagesDir });
    return { outputs, inputs };
  }
  const inputs = i.datasets.flatMap((d) => [
    { flag: sourceFlag(d.format), path: d.pairs },
    ...(d.store ? [{ flag: '--features', path: d.store }] : []),
    ...(d.features ? [{ flag: '--features', path: d.features }] : []),
    ...(d.flipFeatures ? [{ flag: '--flip-features', path: d.flipFeatures }] : []),
    ...(d.names ? [{ flag: '--names', path: d.names }] : []),
  ]);
  return { outputs, inputs };
}

function sourceFlag(format: PairSourceFormat): string {
  return format === 'pairs-txt' ? '--pairs' : format === 'pairs-csv' ? '--pairs-csv' : '--bin';
}

/** The images one dataset needs: the .bin's entries in order, or the pairs' distinct paths in first-use order. */
function datasetSpec(source: PairSource, imagesDir: string | undefined): DatasetSpec {
  if (source.format === 'insightface-bin') return { kind: 'bin', bin: source.file };
  return { kind: 'pairs', pairs: source.file, format: source.format, images: imagesDir! };
}

/** The crops folder of one dataset: DIR/<dataset name>, the name made safe as a folder name. */
function cropsFolder(dir: string, label: string): string {
  const safe = label.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, /^\.*$/.test(safe) ? safe.replace(/\./g, '_') || '_' : safe);
}

/** The face lists of all datasets, with every named image checked, before any model is loaded. */
function loadSources(i: Extract<LfwInput, { kind: 'model' }>): FaceList[] {
  requireModel(i.model);
  return i.sources.map((s) => {
    const faces = loadFaceList(datasetSpec(s, i.imagesDir));
    checkImagesExist(faces, 0, faces.names.length);
    return faces;
  });
}

/** Model mode: each dataset's store (cached, or extracted now), evaluated from its files. */
async function modelDatasets(i: Extract<LfwInput, { kind: 'model' }>, ui: Ui): Promise<PairsKfoldDataset[]> {
  const lists = loadSources(i);
  const out: PairsKfoldDataset[] = [];
  for (const [k, s] of i.sources.entries()) {
    const saveCrops = i.extraction.saveCrops === undefined ? undefined : cropsFolder(i.extraction.saveCrops, s.label);
    const { dir, meta } = await storeOfModel({ model: i.model, store: i.stores[k], cache: i.cache, label: s.label, faces: lists[k], extraction: i.extraction, saveCrops }, ui);
    out.push({ format: s.format, pairs: s.file, name: s.label, memory: pairFeaturesOfStore(dir, { ...s, sha256: lists[k].identity.faceListSha256 ?? undefined }, meta) });
  }
  return out;
}

/** `--limit N --save-crops DIR`: the crops of the first N images of each dataset, nothing evaluated. */
export interface LfwCrops {
  kind: 'crops';
  /** Element k: dataset k's crops folder and the crops written there. */
  datasets: { label: string; dir: string; crops: number }[];
}

async function modelCrops(i: Extract<LfwInput, { kind: 'model' }>, ui: Ui): Promise<LfwCrops> {
  const lists = loadSources(i);
  const datasets: LfwCrops['datasets'] = [];
  for (const [k, s] of i.sources.entries()) {
    const dir = cropsFolder(i.extraction.saveCrops!, s.label);
    const r = await runExtraction(i.extraction, { modelPath: i.model, faces: lists[k], resume: false, shard: { index: 1, count: 1 }, saveCrops: dir }, ui);
    datasets.push({ label: s.label, dir, crops: r.stats.crops });
  }
  return { kind: 'crops', datasets };
}

export async function runLfwCommand(o: LfwCommandOptions, ui: Ui): Promise<PairsKfoldResult | LfwCrops> {
  if (o.input.kind === 'model' && o.input.extraction.limit !== undefined) return modelCrops(o.input, ui);
  const datasets =
    o.input.kind === 'model'
      ? await modelDatasets(o.input, ui)
      : o.input.datasets.map(({ store, ...d }) => (store === undefined ? d : { format: d.format, pairs: d.pairs, name: d.name, memory: pairFeaturesOfStore(store, { format: d.format, file: d.pairs }) }));
  const progress = ui.progress(2 * datasets.length);
  const result = runPairsKfold({ datasets, folds: o.folds, fars: o.fars, rule: o.rule, onStage: (stage, ms) => progress.step(stage, ms) });
  progress.done();
  return result;
}

export const lfwCommand: Command<LfwCommandOptions, PairsKfoldResult | LfwCrops> = {
  spec,
  parse: parseLfwOptions,
  files: lfwFiles,
  quiet: (o) => o.quiet,
  run: runLfwCommand,
  report(o, result) {
    const out = new PendingOutputs();
    if (!('protocol' in result)) {
      for (const d of result.datasets) out.print(`${d.dir}: ${d.crops} crops of ${d.label} (--limit: no features)\n`);
      return { outputs: out, warnings: [] };
    }
    out.add(o.outputs.json, () => lfwJson(result));
    out.add(o.outputs.csv, () => lfwCsv(result));
    out.add(o.outputs.markdown, () => lfwMarkdown(result));
    if (!out.printsToStdout) out.print(lfwText(result));
    return { outputs: out, warnings: lfwWarnings(result) };
  },
};
