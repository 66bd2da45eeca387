/**
 * Flag groups that several commands share, defined once so that they mean the same everywhere:
 * outputs (`--json --csv --markdown --quiet`), the bootstrap (`--bootstrap --seed --ci
 * --bootstrap-threads`) and extraction (`--ep --batch --workers --threads --flip …`), each with the
 * parse into typed settings.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_WORKERS } from '../extract/extract.js';
import { EXECUTION_PROVIDERS, type EpChoice } from '../extract/session.js';
import { PRESET_NAMES, resolvePreprocessing, type Preprocessing } from '../extract/preprocess.js';
import { DEFAULT_MAX_PIXELS } from '../extract/decode.js';
import type { OutputRequest } from './outputs.js';
import type { Args, FlagGroup, FlagSpec } from './flags.js';
import { parseChoice, parseNumber } from './flag-values.js';

// ---------------------------------------------------------------------------------------------
// IJB

/** `--target IJBC|IJBB`: which meta files of an IJB release (insightface's name for the flag). */
export function parseIjbTarget(args: Args): 'IJBC' | 'IJBB' {
  return parseChoice(args.string('target') ?? 'IJBC', ['IJBC', 'IJBB'] as const, '--target');
}

// ---------------------------------------------------------------------------------------------
// Outputs

/** --subset N of the IJB-B clustering protocols: the number of subjects. */
export function parseSubset(text: string): number {
  return parseNumber(text, '--subset', { integer: true, min: 1, max: 100_000 });
}

export const QUIET_FLAG: FlagGroup['flags'] = {
  quiet: { kind: 'switch', describe: 'no progress, no info lines and no final time line on stderr (warnings and errors still appear)' },
};

/** `--json`, and `--csv` / `--markdown` where the command has them, plus `--quiet`. */
export function outputFlags(what: { json: string; csv?: string; markdown?: string }, more: FlagGroup['flags'] = {}): FlagGroup {
  const flags: FlagGroup['flags'] = { json: { kind: 'value', value: 'FILE', describe: `${what.json} (- for stdout)` } };
  if (what.csv) flags.csv = { kind: 'value', value: 'FILE', describe: `${what.csv} (- for stdout)` };
  if (what.markdown) flags.markdown = { kind: 'value', value: 'FILE', describe: `${what.markdown} (- for stdout)` };
  return { title: 'Outputs (at most one on stdout; the table is printed when none is)', flags: { ...flags, ...more, ...QUIET_FLAG } };
}

export interface FileOutputs {
  json?: string;
  csv?: string;
  markdown?: string;
}

export function parseFileOutputs(args: Args): FileOutputs {
  return { json: args.string('json'), csv: args.string('csv'), markdown: args.string('markdown') };
}

export function fileOutputRequests(o: FileOutputs): OutputRequest[] {
  return (['json', 'csv', 'markdown'] as const).filter((k) => o[k] !== undefined).map((k) => ({ flag: `--${k}`, path: o[k]! }));
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

export const BOOTSTRAP_GROUP = (defaultReplicates?: number): FlagGroup => ({
  title: 'Bootstrap intervals',
  flags: {
    bootstrap: { kind: 'value', value: 'N', default: defaultReplicates?.toString(), describe: 'bootstrap replicates, resampling templates (1000 is usual; at least 2/(1 − level) so that each tail holds a replicate)' },
    seed: { kind: 'value', value: 'N', default: '1', describe: 'bootstrap seed, an integer in [0, 2^32)' },
    ci: { kind: 'value', value: 'PERCENT', default: '95', describe: 'confidence level of the percentile interval' },
    'bootstrap-threads': { kind: 'value', value: 'N', describe: 'bootstrap threads (default: the number of CPUs); results do not depend on it' },
  },
});

export interface BootstrapSettings {
  replicates: number;
  seed: number;
  /** Confidence level in percent. */
  ci: number;
  threads?: number;
}

/** Fewest replicates for which each tail of a `ci` % percentile interval holds one replicate. */
export function minimumReplicates(ci: number): number {
  return Math.ceil(2 / (1 - ci / 100) - 1e-9);
}

/**
 * The bootstrap settings, or undefined when `--bootstrap` is absent and there is no default (then the
 * other bootstrap flags mean nothing and are refused).
 */
export function parseBootstrap(args: Args, defaultReplicates?: number): BootstrapSettings | undefined {
  const text = args.string('bootstrap');
  if (text === undefined && defaultReplicates === undefined) {
    const stray = ['seed', 'ci', 'bootstrap-threads'].find((f) => args.has(f));
    if (stray) throw new UsageError(`--${stray} only applies with --bootstrap N`);
    return undefined;
  }
  const ci = parseNumber(args.string('ci') ?? '95', '--ci', { min: 0, max: 100, exclusive: true });
  const replicates = text === undefined ? defaultReplicates! : parseNumber(text, '--bootstrap', { integer: true, min: 1, max: 1_000_000 });
  const needed = minimumReplicates(ci);
  if (replicates < needed) throw new UsageError(`--bootstrap ${replicates}: a ${ci}% percentile interval needs at least ${needed} replicates (each tail must hold one); 1000 is usual`);
  const threads = args.string('bootstrap-threads');
  return {
    replicates,
    seed: parseNumber(args.string('seed') ?? '1', '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
    ci,
    threads: threads === undefined ? undefined : parseNumber(threads, '--bootstrap-threads', { integer: true, min: 1, max: 256 }),
  };
}

// ---------------------------------------------------------------------------------------------
// Extraction

/**
 * The extraction flags of `extract`, `ijb --model`, `lfw --model` and `cluster --model` (lfw flips by
 * default, as verification.py; it has no --skip-bad; cluster reads one feature per face: no --flip,
 * no --skip-bad). `crops`: the command also takes --save-crops and --limit.
 */
export function extractionGroup(opts: { flipByDefault: boolean; skipBad: boolean; crops?: boolean; title?: string; noFlip?: boolean }): FlagGroup {
  const flags: FlagGroup['flags'] = {
    ep: { kind: 'value', value: 'PROVIDER', default: 'auto', describe: `execution provider: auto (the first that works of ${EXECUTION_PROVIDERS.join(' > ')}) or one of them` },
    batch: { kind: 'value', value: 'N', default: '128', describe: 'faces per model run (a model with a fixed batch size overrides it)' },
    workers: { kind: 'value', value: 'N', default: String(DEFAULT_WORKERS), describe: 'worker threads for decode + align + normalise (0: on the main thread)' },
    threads: { kind: 'value', value: 'N', describe: 'onnxruntime intra-op threads of the cpu provider (default: all cores)' },
    flip: opts.flipByDefault
      ? { kind: 'switch', negatable: true, default: 'on', describe: 'also run the horizontally flipped images and add the features (verification.py does)' }
      : { kind: 'switch', describe: 'also extract features of the horizontally flipped images (features_flip.npy)' },
    preset: { kind: 'value', value: 'NAME', default: 'arcface', describe: `preprocessing: ${PRESET_NAMES.join(', ')} (arcface: RGB (x − 127.5)/127.5; magface: BGR x/255; adaface: BGR (x/255 − 0.5)/0.5)` },
    channels: { kind: 'value', value: 'rgb|bgr', describe: "override the preset's channel order" },
    mean: { kind: 'value', value: 'V[,V,V]', describe: 'override: input = (x − mean) / std on 0..255 pixels; one value or three (model channel order)' },
    std: { kind: 'value', value: 'V[,V,V]', describe: 'override, with --mean' },
    'max-pixels': { kind: 'value', value: 'N', default: String(DEFAULT_MAX_PIXELS), describe: 'largest image (width × height) decoded; a bigger one is a bad image (an image bomb guard)' },
  };
  if (opts.noFlip) delete flags.flip;
  if (opts.skipBad) flags['skip-bad'] = { kind: 'switch', describe: 'extract past missing or undecodable images: their rows are NaN, they are listed in store.json, and ijb / lfw leave them out' };
  if (opts.crops) {
    flags['save-crops'] = { kind: 'value', value: 'DIR', describe: 'also save each face as the model gets it (aligned or resized, before normalisation) as a PNG named as its image (1.jpg → 1.png; a .bin: <index>.png), written as it is made' };
    flags.limit = { kind: 'value', value: 'N', describe: 'the first N faces only, for a look at their crops: needs --save-crops, writes crops only (no features, no store)' };
  }
  return { title: opts.title ?? 'Extraction', flags };
}

/** `--cache DIR` of the `--model` modes: where stores are kept between runs. */
export const CACHE_FLAG: FlagSpec = { kind: 'value', value: 'DIR', describe: 'with --model: the cache of stores [default: $FACEBENCH_CACHE, else $XDG_CACHE_HOME/facebench or ~/.cache/facebench]' };

export interface ExtractionSettings {
  ep: EpChoice;
  batch: number;
  workers: number;
  threads?: number;
  flip: boolean;
  preprocessing: Preprocessing;
  skipBad: boolean;
  maxPixels: number;
  /** --save-crops: the folder the crops go to. */
  saveCrops?: string;
  /** --limit: the first N faces only (crops only). */
  limit?: number;
}

const EXTRACTION_FLAG_NAMES = ['ep', 'batch', 'workers', 'threads', 'flip', 'preset', 'channels', 'mean', 'std', 'skip-bad', 'max-pixels', 'save-crops', 'limit'];

/** Refuses extraction flags where no extraction happens (`why`: e.g. "only applies with --model"). */
export function refuseExtractionFlags(args: Args, why: string): void {
  const stray = EXTRACTION_FLAG_NAMES.find((f) => args.has(f));
  if (stray) throw new UsageError(`--${stray} ${why}`);
}

/** Refuses the `--model` flags (--store, --cache, the extraction flags) where saved features are read; `why` ends the extraction flags' message. */
export function refuseModelFlags(args: Args, why: string): void {
  for (const f of ['store', 'cache']) if (args.has(f)) throw new UsageError(`--${f} only applies with --model`);
  refuseExtractionFlags(args, why);
}

/** `--model FILE` with one `--store`, `--cache` and the extraction flags (ijb, cluster; no flip by default). */
export interface ModelFlags {
  kind: 'model';
  model: string;
  store?: string;
  cache?: string;
  extraction: ExtractionSettings;
}

export function parseModelFlags(args: Args, model: string): ModelFlags {
  return { kind: 'model', model, store: args.string('store'), cache: args.string('cache'), extraction: parseExtraction(args, { flipByDefault: false }) };
}

/** A store folder holds its own flip features. */
export const STORE_FLIP_FEATURES = '--flip-features does not go with a store folder: the store holds its flip features';

export function parseExtraction(args: Args, opts: { flipByDefault: boolean }): ExtractionSettings {
  return {
    ep: parseChoice(args.string('ep') ?? 'auto', ['auto', ...EXECUTION_PROVIDERS] as const, '--ep'),
    batch: parseNumber(args.string('batch') ?? '128', '--batch', { integer: true, min: 1, max: 65_536 }),
    workers: parseNumber(args.string('workers') ?? String(DEFAULT_WORKERS), '--workers', { integer: true, min: 0, max: 64 }),
    threads: args.has('threads') ? parseNumber(args.string('threads')!, '--threads', { integer: true, min: 1, max: 1024 }) : undefined,
    flip: args.switch('flip', opts.flipByDefault),
    preprocessing: resolvePreprocessing({ preset: args.string('preset'), channels: args.string('channels'), mean: args.string('mean'), std: args.string('std') }),
    skipBad: args.switch('skip-bad'),
    maxPixels: parseNumber(args.string('max-pixels') ?? String(DEFAULT_MAX_PIXELS), '--max-pixels', { integer: true, min: 1, max: 2 ** 40 }),
    saveCrops: args.string('save-crops'),
    limit: parseLimit(args),
  };
}

/** --limit N: only with --save-crops (a store always holds every face of its shard). */
function parseLimit(args: Args): number | undefined {
  const text = args.string('limit');
  if (text === undefined) return undefined;
  if (!args.has('save-crops')) throw new UsageError('--limit writes crops only: give --save-crops DIR with it', 'a store always holds every face, so that ijb and lfw can evaluate it');
  return parseNumber(text, '--limit', { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER });
}
