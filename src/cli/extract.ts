/** `facebench extract`: images → feature store (features.npy, features_flip.npy, names.txt for named images, store.json), or crops only. */
import { UsageError } from '../errors.js';
import { loadFaceList, type DatasetSpec } from '../extract/datasets.js';
import { parseShard } from '../extract/extract.js';
import { DATASET_KINDS, type DatasetKind } from '../extract/store.js';
import type { Command } from './command.js';
import { extractionGroup, parseExtraction, QUIET_FLAG, type ExtractionSettings, parseIjbTarget, parseSubset } from './flag-groups.js';
import { parseChoice, parseNumber } from './flag-values.js';
import type { Args, CommandSpec, FlagGroup } from './flags.js';
import { requireModel, runExtraction } from './feature-stores.js';
import { PendingOutputs, type InputRequest } from './outputs.js';

const withQuiet = (g: FlagGroup): FlagGroup => ({ ...g, flags: { ...g.flags, ...QUIET_FLAG } });

const spec: CommandSpec = {
  name: 'extract',
  summary: 'extract face features from images with an ONNX model into a feature store',
  usage: [
    'extract --model FILE --root DIR --out DIR [--flip] [--shard K/N] [--resume] [flags]',
    'extract --model FILE --dataset pairs (--pairs FILE | --pairs-csv FILE) --images DIR --out DIR [flags]',
    'extract --model FILE --dataset bin --bin FILE --out DIR [flags]',
    'extract --model FILE --dataset folder --images DIR [--list FILE] --out DIR [flags]',
    'extract --model FILE --dataset ijbb-clustering --root DIR --subset N --out DIR [flags]',
    'extract --model FILE … --save-crops DIR --limit N',
  ],
  description:
    'ijb: aligns each face with its 5 landmarks (equal to cv2.warpAffine); ijbb-clustering: with its eyes and nose (or its box), docs/cluster.md; pairs, bin, folder: takes the images as aligned crops (resized when not the input size). Normalises per preset and runs the model on the first execution provider that works. Checkpointed after every batch; --resume continues a killed run. ijb --features evaluates ijb stores, lfw --features the others.',
  groups: [
    {
      title: 'Input and store',
      flags: {
        model: { kind: 'value', value: 'FILE', describe: 'ONNX model: one image input [N,3,H,W] or [N,H,W,3], float32 or float16' },
        dataset: { kind: 'value', value: 'LAYOUT', default: 'ijb', describe: 'ijb (IJB_release: loose_crop/ + meta/<t>_name_5pts_score.txt), pairs (the images of a pair list), bin (an insightface .bin), folder (a folder of images), ijbb-clustering (the faces of an IJB-B clustering protocol)' },
        root: { kind: 'value', value: 'DIR', describe: 'ijb: the IJB_release folder; ijbb-clustering: the IJB-B root (the protocol CSVs, images at their FILENAME)' },
        subset: { kind: 'value', value: 'N', describe: 'ijbb-clustering: the protocol of N subjects (32, 64, …, 1845)' },
        target: { kind: 'value', value: 'IJBC|IJBB', default: 'IJBC', describe: 'ijb: which meta files (ijbc_ / ijbb_)' },
        pairs: { kind: 'value', value: 'FILE', describe: 'pairs: an LFW pairs.txt (each distinct image once, in first-use order)' },
        'pairs-csv': { kind: 'value', value: 'FILE', describe: 'pairs: a pairs CSV a,b,label[,fold]' },
        images: { kind: 'value', value: 'DIR', describe: 'pairs, folder: the folder the image paths are relative to' },
        bin: { kind: 'value', value: 'FILE', describe: 'bin: an insightface .bin (its images in order)' },
        list: { kind: 'value', value: 'FILE', describe: 'folder: the images to extract, one relative path a line [default: every image under --images, sorted]' },
        out: { kind: 'value', value: 'DIR', describe: 'store folder to write (created; its parent must exist)' },
        resume: { kind: 'switch', describe: 'continue an interrupted extraction in --out from its checkpoint' },
        shard: { kind: 'value', value: 'K/N', describe: 'extract only the K-th of N contiguous slices of the face list (join them with facebench merge)' },
        'stop-after-batches': { kind: 'value', value: 'N', hidden: true, describe: 'testing: stop after this many batches, as if killed' },
      },
    },
    withQuiet(extractionGroup({ flipByDefault: false, skipBad: true, crops: true })),
  ],
  examples: [
    { what: 'Extract IJB-C with flip on the first provider that works', command: 'facebench extract --model r100.onnx --root IJB_release/IJBC --out stores/r100 --flip' },
    { what: 'Look at the aligned crops of the first 50 faces (no features)', command: 'facebench extract --model r100.onnx --root IJB_release/IJBC --save-crops crops --limit 50' },
    { what: 'An insightface .bin into a store, then evaluated', command: 'facebench extract --model r100.onnx --dataset bin --bin lfw.bin --flip --out stores/r100-lfw\nfacebench lfw --bin lfw.bin --features stores/r100-lfw' },
  ],
};

export interface ExtractCommandOptions {
  model: string;
  dataset: DatasetSpec;
  /** The store folder; absent with --limit (crops only). */
  out?: string;
  resume: boolean;
  shard: { index: number; count: number };
  stopAfterBatches?: number;
  extraction: ExtractionSettings;
  quiet: boolean;
}

function required(args: Args, name: string, why: string): string {
  const v = args.string(name);
  if (v === undefined) throw new UsageError(`--${name} is required${why}`, 'see facebench help extract');
  return v;
}

/** The flags that name each dataset's files. */
const DATASET_FLAGS: Record<DatasetKind, readonly string[]> = { ijb: ['root', 'target'], pairs: ['pairs', 'pairs-csv', 'images'], bin: ['bin'], folder: ['images', 'list'], 'ijbb-clustering': ['root', 'subset'] };

function parseDataset(args: Args): DatasetSpec {
  const kind = parseChoice(args.string('dataset') ?? 'ijb', DATASET_KINDS, '--dataset');
  for (const flag of new Set(Object.values(DATASET_FLAGS).flat())) {
    if (args.has(flag) && !DATASET_FLAGS[kind].includes(flag)) {
      const owners = DATASET_KINDS.filter((k) => DATASET_FLAGS[k].includes(flag));
      throw new UsageError(`--${flag} only applies with --dataset ${owners.join(' or ')} (this is --dataset ${kind})`, 'see facebench help extract');
    }
  }
  switch (kind) {
    case 'ijb':
      return { kind, root: required(args, 'root', ' with --dataset ijb: the IJB_release folder'), target: parseIjbTarget(args) };
    case 'pairs': {
      const pairs = args.string('pairs');
      const csv = args.string('pairs-csv');
      if ((pairs === undefined) === (csv === undefined)) throw new UsageError('--dataset pairs takes one pair list: --pairs (pairs.txt) or --pairs-csv');
      const images = required(args, 'images', ' with --dataset pairs: the folder the pair paths are relative to');
      return pairs !== undefined ? { kind, pairs, format: 'pairs-txt', images } : { kind, pairs: csv!, format: 'pairs-csv', images };
    }
    case 'bin':
      return { kind, bin: required(args, 'bin', ' with --dataset bin: the insightface .bin') };
    case 'folder':
      return { kind, images: required(args, 'images', ' with --dataset folder: the image folder'), list: args.string('list') };
    case 'ijbb-clustering':
      return { kind, root: required(args, 'root', ' with --dataset ijbb-clustering: the IJB-B root'), subset: parseSubset(required(args, 'subset', ' with --dataset ijbb-clustering: the protocol of N subjects')) };
  }
}

/** The files a dataset reads, for the output checks. */
function datasetInputs(d: DatasetSpec): InputRequest[] {
  switch (d.kind) {
    case 'ijb':
      return [{ flag: '--root', path: d.root }];
    case 'pairs':
      return [{ flag: d.format === 'pairs-txt' ? '--pairs' : '--pairs-csv', path: d.pairs }, { flag: '--images', path: d.images }];
    case 'bin':
      return [{ flag: '--bin', path: d.bin }];
    case 'folder':
      return [{ flag: '--images', path: d.images }, ...(d.list === undefined ? [] : [{ flag: '--list', path: d.list }])];
    case 'ijbb-clustering':
      return [{ flag: '--root', path: d.root }];
  }
}

export function parseExtractOptions(args: Args): ExtractCommandOptions {
  const dataset = parseDataset(args);
  const stop = args.string('stop-after-batches');
  const extraction = parseExtraction(args, { flipByDefault: false });
  if (extraction.limit !== undefined) {
    for (const flag of ['out', 'resume']) if (args.has(flag)) throw new UsageError(`--${flag} does not go with --limit: --limit writes crops only (--save-crops), no store`);
  }
  return {
    model: required(args, 'model', ': the ONNX model'),
    dataset,
    out: extraction.limit === undefined ? required(args, 'out', ': the store folder to write (or --save-crops DIR --limit N for crops only)') : undefined,
    resume: args.switch('resume'),
    shard: parseShard(args.string('shard')),
    stopAfterBatches: stop === undefined ? undefined : parseNumber(stop, '--stop-after-batches', { integer: true, min: 1 }),
    extraction,
    quiet: args.switch('quiet'),
  };
}

export const extractCommand: Command<ExtractCommandOptions, Awaited<ReturnType<typeof runExtraction>>> = {
  spec,
  parse: parseExtractOptions,
  files: (o) => ({
    outputs: [
      ...(o.out === undefined ? [] : [{ flag: '--out', path: o.out, kind: 'folder' as const }]),
      ...(o.extraction.saveCrops === undefined ? [] : [{ flag: '--save-crops', path: o.extraction.saveCrops, kind: 'folder' as const }]),
    ],
    inputs: [{ flag: '--model', path: o.model }, ...datasetInputs(o.dataset)],
  }),
  quiet: (o) => o.quiet,
  run: (o, ui) => {
    requireModel(o.model);
    const faces = loadFaceList(o.dataset);
    return runExtraction(o.extraction, { modelPath: o.model, faces, out: o.out, resume: o.resume, shard: o.shard, stopAfterBatches: o.stopAfterBatches, saveCrops: o.extraction.saveCrops }, ui);
  },
  report(o, result) {
    const out = new PendingOutputs();
    if (o.out === undefined) out.print(`${o.extraction.saveCrops}: ${result.stats.crops} crops (--limit ${o.extraction.limit}: no features)\n`);
    else if (!result.complete) out.print(`${o.out}: stopped early (test hook); continue with --resume\n`);
    else out.print(`${o.out}: ${result.meta!.rows} faces × ${result.meta!.dim} (${result.meta!.flip ? 'with' : 'without'} flip) on ${result.meta!.provider}\n`);
    return { outputs: out, warnings: [] };
  },
};
