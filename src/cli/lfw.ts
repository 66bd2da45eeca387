/** `facebench lfw`: LFW-style pair verification (pairs.txt, insightface .bin, pairs CSV) from saved features. */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { TAR_RULES } from '../metrics/tar-at-far.js';
import { DEFAULT_LFW_FARS, runPairsKfold, type PairsKfoldDataset } from '../protocols/pairs-kfold.js';
import { lfwCsv, lfwJson, lfwMarkdown, lfwText } from '../report/lfw-report.js';
import { farKey } from '../report/format.js';
import { PendingOutputs } from './outputs.js';
import { parseChoice, parseFarList } from './parse.js';
import { createProgress } from './progress.js';

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

/** Flags → one dataset description per evaluated file. */
export function lfwDatasets(argv: LfwArgs): PairsKfoldDataset[] {
  if (argv.model !== undefined) {
    throw new UsageError('--model is not available yet: the image → feature extractor is not part of this build', 'extract features yourself and pass --features (and --flip-features, --names)');
  }
  if (argv.images !== undefined) throw new UsageError('--images is only used with --model; in features mode pair paths are matched against --names');
  const pairs = single(argv.pairs, '--pairs');
  const csv = single(argv['pairs-csv'], '--pairs-csv');
  const bins = list(argv.bin);
  const kinds = [pairs, csv, bins.length ? bins : undefined].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new UsageError('give exactly one of --pairs (pairs.txt), --pairs-csv, or --bin (repeatable)');
  const sources: { format: PairsKfoldDataset['format']; file: string }[] =
    pairs !== undefined ? [{ format: 'pairs-txt', file: pairs }] : csv !== undefined ? [{ format: 'pairs-csv', file: csv }] : bins.map((file) => ({ format: 'insightface-bin', file }));
  const features = list(argv.features);
  const flips = list(argv['flip-features']);
  const names = list(argv.name);
  const n = sources.length;
  if (features.length === 0) throw new UsageError('--features is required (or --model, once available)');
  if (features.length !== n) throw new UsageError(`${n} dataset(s) but ${features.length} --features: give one --features per --bin, in the same order`);
  if (flips.length !== 0 && flips.length !== n) throw new UsageError(`${n} dataset(s) but ${flips.length} --flip-features: give none or one per dataset`);
  if (names.length !== 0 && names.length !== n) throw new UsageError(`${n} dataset(s) but ${names.length} --name: give none or one per dataset`);
  const nameList = single(argv.names, '--names');
  if (bins.length && nameList !== undefined) throw new UsageError('--names cannot be used with --bin: feature row i is image i of the .bin');
  if (!bins.length && nameList === undefined) throw new UsageError(`--names is required with ${pairs !== undefined ? '--pairs' : '--pairs-csv'}: one image path per feature row`);
  return sources.map((s, k) => ({
    format: s.format,
    pairs: s.file,
    features: features[k],
    flipFeatures: flips[k],
    names: nameList,
    name: names[k],
  }));
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
      c
        .option('pairs', { type: 'string', describe: 'official LFW pairs.txt (header "10<TAB>300": the sets are the folds), or pairsDevTest style (header "N")' })
        .option('bin', { type: 'string', array: true, describe: 'insightface evaluation .bin (pickle of encoded images + issame list); repeatable, one --features each' })
        .option('pairs-csv', { type: 'string', describe: 'CSV a,b,label[,fold] with image paths as in --names' })
        .option('features', { type: 'string', array: true, describe: 'features .npy [images, dim] (float16/32/64): row i = line i of --names, or image i of the .bin' })
        .option('flip-features', { type: 'string', array: true, describe: 'features of the horizontally flipped images, same shape (embedding = L2(f + f_flip))' })
        .option('names', { type: 'string', describe: 'one relative image path (name/name_0001.jpg) per feature row (with --pairs / --pairs-csv)' })
        .option('name', { type: 'string', array: true, describe: 'dataset name(s) to print (default: lfw for pairs.txt, the file name otherwise)' })
        .option('model', { type: 'string', describe: 'ONNX model (not available yet)' })
        .option('images', { type: 'string', describe: 'image folder for --model (not available yet)' })
        .option('folds', { type: 'string', describe: 'number of contiguous folds when the pair file defines none (default 10)' })
        .option('far', { type: 'string', default: DEFAULT_LFW_FARS.map(farKey).join(','), describe: 'FAR targets for TAR@FAR over all pairs' })
        .option('rule', { type: 'string', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR <= target), bob (bob.measure)' })
        .option('json', { type: 'string', nargs: 1, describe: 'write the JSON result here (- for stdout)' })
        .option('csv', { type: 'string', nargs: 1, describe: 'write a CSV (one line per dataset) here' })
        .option('markdown', { type: 'string', nargs: 1, describe: 'write markdown tables here' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' }),
    (argv) => {
      const datasets = lfwDatasets(argv);
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
      if (argv.json !== '-') process.stdout.write(lfwText(result));
      out.commit();
    },
  );
}
