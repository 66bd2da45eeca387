/**
 * `facebench quality`: does a quality score predict recognition errors? Error-versus-reject curves
 * (MagFace ERC, CR-FIQA ERC at FMR targets, EDC with pAUC) for the feature norm, any number of
 * per-image quality files and a random baseline, over LFW-style pair sets or IJB 1:1; the ERC / EDC /
 * histogram pictures and MagFace's average faces per magnitude decile.
 */
import { join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { defaultDatasetName, type PairSourceFormat } from '../protocols/pairs-kfold.js';
import { BUILTIN_SOURCES, DEFAULT_PAUC_LIMIT, DEFAULT_QUALITY_FMRS, DEFAULT_QUALITY_SEED, DEFAULT_STARTING_ERROR, runQuality, type QualityFileSpec, type QualityOptions, type QualityResult, type QualitySet } from '../protocols/quality.js';
import { DEFAULT_FACES_PER_DECILE } from '../report/average-faces.js';
import { farKey } from '../report/format.js';
import { renderSvg } from '../report/plots.js';
import { edcSpec, ercSpec, qualityHistogramSpec } from '../report/plots-quality.js';
import { qualityCsv, qualityJson, qualityMarkdown, qualityText } from '../report/quality-report.js';
import type { Command, Ui } from './command.js';
import { featuresOfStore } from './feature-stores.js';
import { fileOutputRequests, outputFlags, parseFileOutputs, type FileOutputs, parseIjbTarget, STORE_FLIP_FEATURES } from './flag-groups.js';
import { parseChoice, parseCommaList, parseNumber, parseRateList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { PendingOutputs, type InputRequest, type OutputRequest } from './outputs.js';
import { SCORING_METHODS } from '../scoring/pair-scores.js';
import { isFolder } from '../io/input-file.js';


const spec: CommandSpec = {
  name: 'quality',
  summary: 'quality assessment: error-versus-reject curves (MagFace ERC, CR-FIQA ERC, EDC / pAUC) for feature magnitude or any quality score',
  usage: [
    'quality (--pairs FILE | --pairs-csv FILE) --names FILE --features FILE [--quality-file NAME=FILE …] [flags]',
    'quality --bin FILE [--bin FILE …] --features FILE [--features FILE …] [flags]',
    'quality --root DIR --features FILE [--flip-features FILE] [--aggregate NAME] [flags]',
  ],
  description:
    'Pair quality = the min of its two samples\' (IJB: a template\'s = the mean, or min, of its faces\'); the lowest-quality pairs are discarded first. Sources: the feature norm (`norm`, default), per-image quality files, and always a seeded random baseline. Each curve follows its published script exactly (docs/quality.md).',
  groups: [
    {
      title: 'Pair sets (as lfw reads them, or IJB 1:1)',
      flags: {
        pairs: { kind: 'value', value: 'FILE', describe: 'LFW pairs.txt (with --names)' },
        'pairs-csv': { kind: 'value', value: 'FILE', describe: 'CSV a,b,label[,fold] (with --names)' },
        bin: { kind: 'repeatable', value: 'FILE', describe: 'insightface .bin pack, one --features each' },
        names: { kind: 'value', value: 'FILE', describe: 'one image path per feature row (with --pairs / --pairs-csv)' },
        images: { kind: 'value', value: 'DIR', describe: 'the aligned images --names lists (for the average-face strip)' },
        root: { kind: 'value', value: 'DIR', describe: 'an IJB_release folder: its 1:1 pairs (not with the LFW-style flags)' },
        target: { kind: 'value', value: 'IJBC|IJBB', default: 'IJBC', describe: 'with --root: which meta files' },
        features: { kind: 'repeatable', value: 'FILE', describe: 'recognition features .npy (one per data set; IJB: row i = face line i, or a feature store folder)' },
        'flip-features': { kind: 'repeatable', value: 'FILE', describe: 'features of the flipped images (none, or one per data set)' },
        aggregate: { kind: 'value', value: 'NAME', default: 'plain', describe: 'with --root: the aggregation whose pair scores are judged' },
        'template-quality': { kind: 'value', value: 'mean|min', default: 'mean', describe: "with --root: a template's quality from its faces'" },
        scoring: { kind: 'value', value: 'METHOD', default: 'auto', describe: 'with --root: pair scoring, as ijb --scoring' },
        label: { kind: 'repeatable', value: 'NAME', describe: 'data set name, one per data set in order [default: lfw for pairs.txt, the file name, or IJBC/IJBB]' },
      },
    },
    {
      title: 'Quality sources',
      flags: {
        quality: { kind: 'value', value: 'norm', describe: 'include the feature-magnitude source [default: norm when no --quality-file is given]' },
        'quality-features': { kind: 'repeatable', value: 'FILE', describe: 'the norm is taken from these features (same rows; one per data set), e.g. MagFace judging an ArcFace model' },
        'quality-file': { kind: 'repeatable', value: 'NAME=FILE', describe: '`path score` lines (CR-FIQA / SER-FIQ) or an OFIQ CSV, matched by image name; with several data sets, the k-th NAME=… belongs to the k-th set' },
      },
    },
    {
      title: 'Curves',
      flags: {
        fmr: { kind: 'value', value: 'LIST', default: DEFAULT_QUALITY_FMRS.map(farKey).join(','), describe: 'FMR targets of the CR-FIQA-style ERC' },
        'starting-error': { kind: 'value', value: 'RATE', default: String(DEFAULT_STARTING_ERROR), describe: 'EDC starting error (its threshold is fixed once from it)' },
        'pauc-limit': { kind: 'value', value: 'RATE', default: String(DEFAULT_PAUC_LIMIT), describe: 'EDC pAUC discard limit' },
        seed: { kind: 'value', value: 'N', default: String(DEFAULT_QUALITY_SEED), describe: "the random baseline's seed" },
        'faces-per-decile': { kind: 'value', value: 'N', default: String(DEFAULT_FACES_PER_DECILE), describe: 'faces averaged per magnitude decile in faces.png' },
      },
    },
    outputFlags(
      { json: 'write the JSON result here', csv: 'write a CSV (one line per data set × source × discard step) here', markdown: 'write markdown tables here' },
      { plots: { kind: 'value', value: 'DIR', describe: 'write erc.svg, edc.svg, histogram.svg and, where images are at hand, faces-<set>.png (average faces per magnitude decile) here' } },
    ),
  ],
  examples: [
    { what: 'Does MagFace\'s magnitude predict errors on an IJB-C set? Curves, table and pictures', command: 'facebench quality --root IJB_release/IJBC --features magface.npy --plots quality/' },
    { what: 'CR-FIQA and SER-FIQ scores against the norm on LFW', command: 'facebench quality --pairs pairs.txt --names names.txt --features arcface.npy --quality norm --quality-file crfiqa=crfiqa.txt --quality-file serfiq=serfiq.txt' },
    { what: 'MagFace features judging an ArcFace model on two packs', command: 'facebench quality --bin lfw.bin --features arc-lfw.npy --quality-features mag-lfw.npy --bin cfp_fp.bin --features arc-cfp.npy --quality-features mag-cfp.npy' },
  ],
};

export interface QualityCommandOptions extends Pick<QualityOptions, 'sets' | 'norm' | 'fmrs' | 'startingError' | 'paucLimit' | 'seed'> {
  facesPerDecile: number;
  plots?: string;
  outputs: FileOutputs;
  quiet: boolean;
  inputs: InputRequest[];
}

/** `--quality-file NAME=FILE …` → per data set, its files: the k-th occurrence of a NAME is the k-th set's. */
function qualityFilesPerSet(args: Args, sets: number): QualityFileSpec[][] {
  const perSet: QualityFileSpec[][] = Array.from({ length: sets }, () => []);
  const seen = new Map<string, number>();
  for (const text of args.list('quality-file')) {
    const eq = text.indexOf('=');
    if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--quality-file '${text}': expected NAME=FILE`);
    const name = text.slice(0, eq);
    if ((BUILTIN_SOURCES as readonly string[]).includes(name)) throw new UsageError(`--quality-file ${name}=…: '${name}' is the name of a built-in source; choose another`);
    const k = seen.get(name) ?? 0;
    if (k >= sets) throw new UsageError(`--quality-file ${name}=… is given ${k + 1} times for ${sets} data set(s): one per data set`);
    perSet[k].push({ name, file: text.slice(eq + 1) });
    seen.set(name, k + 1);
  }
  for (const [name, n] of seen) if (n !== sets) throw new UsageError(`--quality-file ${name}=… is given ${n} times for ${sets} data sets: one per data set, in order`);
  return perSet;
}

/** One value per data set (a repeatable flag), or none. */
function perSet(args: Args, flag: string, sets: number, required: boolean): (string | undefined)[] {
  const values = args.list(flag);
  if (values.length === 0 && !required) return Array.from({ length: sets }, () => undefined);
  if (values.length !== sets) throw new UsageError(`${sets} data set(s) but ${values.length} --${flag}: give ${required ? '' : 'none or '}one per data set, in order`);
  return values;
}

function parseSets(args: Args): QualitySet[] {
  const root = args.string('root');
  const bins = args.list('bin');
  const pairs = args.string('pairs');
  const csv = args.string('pairs-csv');
  const kinds = [root, pairs, csv, bins.length ? bins : undefined].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new UsageError('give exactly one pair set: --pairs, --pairs-csv, --bin (repeatable) or --root (IJB)', 'see facebench help quality');
  if (root !== undefined) {
    for (const f of ['names', 'images']) if (args.has(f)) throw new UsageError(`--${f} does not go with --root (an IJB set names its faces in its meta files)`);
    const features = perSet(args, 'features', 1, true)[0]!;
    const [label] = perSet(args, 'label', 1, false);
    return [
      {
        kind: 'ijb',
        root,
        target: parseIjbTarget(args),
        features,
        flipFeatures: perSet(args, 'flip-features', 1, false)[0],
        aggregation: args.string('aggregate') ?? 'plain',
        templateQuality: parseChoice(args.string('template-quality') ?? 'mean', ['mean', 'min'] as const, '--template-quality'),
        scoring: parseChoice(args.string('scoring') ?? 'auto', SCORING_METHODS, '--scoring'),
        name: label,
        qualityFiles: qualityFilesPerSet(args, 1)[0],
        qualityFeatures: perSet(args, 'quality-features', 1, false)[0],
      },
    ];
  }
  for (const f of ['target', 'aggregate', 'template-quality', 'scoring']) if (args.has(f)) throw new UsageError(`--${f} only applies with --root (an IJB set)`);
  const sources: { format: PairSourceFormat; file: string }[] = pairs !== undefined ? [{ format: 'pairs-txt', file: pairs }] : csv !== undefined ? [{ format: 'pairs-csv', file: csv }] : bins.map((file) => ({ format: 'insightface-bin', file }));
  const n = sources.length;
  const names = args.string('names');
  const isBin = sources[0].format === 'insightface-bin';
  if (isBin && (names !== undefined || args.has('images'))) throw new UsageError('--names and --images do not go with --bin: feature row i is image i of the .bin');
  if (!isBin && names === undefined) throw new UsageError(`--names is required with ${pairs !== undefined ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  const features = perSet(args, 'features', n, true);
  const flips = perSet(args, 'flip-features', n, false);
  const labels = perSet(args, 'label', n, false);
  const qualityFeatures = perSet(args, 'quality-features', n, false);
  const files = qualityFilesPerSet(args, n);
  const sets = sources.map((s, k): QualitySet => ({
    kind: 'pairs',
    format: s.format,
    pairs: s.file,
    features: features[k],
    flipFeatures: flips[k],
    names,
    images: args.string('images'),
    name: labels[k] ?? defaultDatasetName({ format: s.format, pairs: s.file }),
    qualityFiles: files[k],
    qualityFeatures: qualityFeatures[k],
  }));
  const taken = new Map<string, string>();
  for (const [k, s] of sets.entries()) {
    const other = taken.get(s.name!);
    if (other !== undefined) throw new UsageError(`${other} and ${sources[k].file} would both be named '${s.name}': give each data set a --label`);
    taken.set(s.name!, sources[k].file);
  }
  return sets;
}

function qualityInputs(sets: QualitySet[]): InputRequest[] {
  return sets.flatMap((s) => [
    ...(s.kind === 'ijb' ? [{ flag: '--root', path: s.root }] : [{ flag: '--pairs', path: s.pairs }, ...(s.names ? [{ flag: '--names', path: s.names }] : [])]),
    ...(s.features ? [{ flag: '--features', path: s.features }] : []),
    ...(s.flipFeatures ? [{ flag: '--flip-features', path: s.flipFeatures }] : []),
    ...(s.qualityFeatures ? [{ flag: '--quality-features', path: s.qualityFeatures }] : []),
    ...(s.qualityFiles ?? []).map((q) => ({ flag: '--quality-file', path: q.file })),
  ]);
}

export function parseQualityOptions(args: Args): QualityCommandOptions {
  const sets = parseSets(args);
  const quality = args.string('quality');
  if (quality !== undefined) parseCommaList(quality, '--quality').forEach((q) => parseChoice(q, ['norm'] as const, '--quality'));
  const rate = (flag: string, fallback: number): number => parseNumber(args.string(flag) ?? String(fallback), `--${flag}`, { min: 0, max: 1, exclusive: true });
  return {
    sets,
    inputs: qualityInputs(sets),
    norm: quality !== undefined || !args.has('quality-file'),
    fmrs: parseRateList(args.string('fmr') ?? DEFAULT_QUALITY_FMRS.map(farKey).join(','), '--fmr'),
    startingError: rate('starting-error', DEFAULT_STARTING_ERROR),
    paucLimit: rate('pauc-limit', DEFAULT_PAUC_LIMIT),
    seed: parseNumber(args.string('seed') ?? String(DEFAULT_QUALITY_SEED), '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
    facesPerDecile: parseNumber(args.string('faces-per-decile') ?? String(DEFAULT_FACES_PER_DECILE), '--faces-per-decile', { integer: true, min: 1, max: 100_000 }),
    plots: args.string('plots'),
    outputs: parseFileOutputs(args),
    quiet: args.switch('quiet'),
  };
}

/** `faces-<set>.png`, with characters a file name should not hold replaced. */
const facesFile = (set: string): string => `faces-${set.replace(/[^A-Za-z0-9+._-]/g, '_')}.png`;

export interface QualityCommandResult {
  result: QualityResult;
  pictures: { name: string; content: string | Uint8Array }[];
}

/** An IJB set whose --features is a feature store folder: its features.npy / features_flip.npy. */
function resolveStores(sets: QualitySet[]): QualitySet[] {
  return sets.map((s) => {
    if (s.kind !== 'ijb' || !isFolder(s.features)) return s;
    if (s.flipFeatures !== undefined) throw new UsageError(STORE_FLIP_FEATURES);
    const store = featuresOfStore(s.features, s.root, s.target);
    if (store.excludedFaces.length) throw new DataError(`${s.features}: ${store.excludedFaces.length} faces could not be read (extract --skip-bad): quality curves need every face`);
    return { ...s, features: store.features, flipFeatures: store.flipFeatures };
  });
}

async function runQualityCommand(o: QualityCommandOptions, ui: Ui): Promise<QualityCommandResult> {
  const progress = ui.progress(); // the protocol's stages depend on the sets and sources
  const result = await runQuality({
    sets: resolveStores(o.sets),
    norm: o.norm,
    fmrs: o.fmrs,
    startingError: o.startingError,
    paucLimit: o.paucLimit,
    seed: o.seed,
    averageFaces: o.plots !== undefined ? { perDecile: o.facesPerDecile } : undefined,
    onStage: (stage, ms) => progress.step(stage, ms),
  });
  const pictures: QualityCommandResult['pictures'] = [];
  if (o.plots !== undefined) {
    const t0 = performance.now();
    pictures.push({ name: 'erc.svg', content: await renderSvg(ercSpec(result)) });
    pictures.push({ name: 'edc.svg', content: await renderSvg(edcSpec(result)) });
    pictures.push({ name: 'histogram.svg', content: await renderSvg(qualityHistogramSpec(result)) });
    for (const s of result.sets) if (s.averageFaces) pictures.push({ name: facesFile(s.dataset), content: s.averageFaces.png });
    progress.step('pictures', performance.now() - t0);
  }
  progress.done();
  return { result, pictures };
}

export const qualityCommand: Command<QualityCommandOptions, QualityCommandResult> = {
  spec,
  parse: parseQualityOptions,
  files(o) {
    const outputs: OutputRequest[] = fileOutputRequests(o.outputs);
    if (o.plots !== undefined) outputs.push({ flag: '--plots', path: o.plots, kind: 'folder', files: ['erc.svg', 'edc.svg', 'histogram.svg'] });
    return { outputs, inputs: o.inputs };
  },
  quiet: (o) => o.quiet,
  run: runQualityCommand,
  report(o, { result, pictures }) {
    const out = new PendingOutputs();
    out.add(o.outputs.json, () => qualityJson(result));
    out.add(o.outputs.csv, () => qualityCsv(result));
    out.add(o.outputs.markdown, () => qualityMarkdown(result));
    if (o.plots !== undefined) {
      out.addFolder(o.plots);
      for (const p of pictures) out.add(join(o.plots, p.name), () => p.content);
    }
    if (!out.printsToStdout) out.print(qualityText(result));
    return { outputs: out, warnings: result.warnings };
  },
};
