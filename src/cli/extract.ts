/** `facebench extract`: images → feature store (features.npy, features_flip.npy, store.json). */
import { UsageError } from '../errors.js';
import { parseShard } from '../extract/extract.js';
import type { Command } from './command.js';
import { extractionGroup, parseExtraction, QUIET_FLAG, type ExtractionSettings } from './flag-groups.js';
import { parseChoice, parseNumber } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { runExtraction } from './feature-stores.js';
import { PendingOutputs } from './outputs.js';

const spec: CommandSpec = {
  name: 'extract',
  summary: 'extract face features from images with an ONNX model into a feature store',
  usage: ['extract --model FILE --root DIR --out DIR [--flip] [--shard K/N] [--resume] [flags]'],
  description: 'Aligns each face with its 5 landmarks (equal to cv2.warpAffine), normalises it per preset and runs the model on the first execution provider that works. Checkpointed after every batch; --resume continues a killed run.',
  groups: [
    {
      title: 'Input and store',
      flags: {
        model: { kind: 'value', value: 'FILE', describe: 'ONNX model: one image input [N,3,H,W] or [N,H,W,3], float32 or float16' },
        dataset: { kind: 'value', value: 'LAYOUT', default: 'ijb', describe: 'dataset layout: ijb (IJB_release: loose_crop/ + meta/<t>_name_5pts_score.txt)' },
        root: { kind: 'value', value: 'DIR', describe: 'dataset root folder' },
        target: { kind: 'value', value: 'IJBC|IJBB', default: 'IJBC', describe: 'which meta files (ijbc_ / ijbb_)' },
        out: { kind: 'value', value: 'DIR', describe: 'store folder to write (created; its parent must exist)' },
        resume: { kind: 'switch', describe: 'continue an interrupted extraction in --out from its checkpoint' },
        shard: { kind: 'value', value: 'K/N', describe: 'extract only the K-th of N contiguous slices of the face list (join them with facebench merge)' },
        'stop-after-batches': { kind: 'value', value: 'N', hidden: true, describe: 'testing: stop after this many batches, as if killed' },
      },
    },
    { ...extractionGroup({ flipByDefault: false, skipBad: true }), flags: { ...extractionGroup({ flipByDefault: false, skipBad: true }).flags, ...QUIET_FLAG } },
  ],
  examples: [
    { what: 'Extract IJB-C with flip on the first provider that works', command: 'facebench extract --model r100.onnx --root IJB_release/IJBC --out stores/r100 --flip' },
    { what: 'Shard 3 of 8 (one per GPU or node), then join the shards', command: 'facebench extract --model r100.onnx --root IJB_release/IJBC --out stores/r100-3 --flip --shard 3/8\nfacebench merge stores/r100-? --out stores/r100' },
    { what: 'MagFace preprocessing (BGR, x/255), continuing a killed run', command: 'facebench extract --model magface.onnx --preset magface --root IJB_release/IJBC --out stores/magface --resume' },
  ],
};

export interface ExtractCommandOptions {
  model: string;
  root: string;
  target: 'IJBC' | 'IJBB';
  out: string;
  resume: boolean;
  shard: { index: number; count: number };
  stopAfterBatches?: number;
  extraction: ExtractionSettings;
  quiet: boolean;
}

function required(args: Args, name: string): string {
  const v = args.string(name);
  if (v === undefined) throw new UsageError(`--${name} is required`, 'see facebench help extract');
  return v;
}

export function parseExtractOptions(args: Args): ExtractCommandOptions {
  parseChoice(args.string('dataset') ?? 'ijb', ['ijb'] as const, '--dataset');
  const stop = args.string('stop-after-batches');
  return {
    model: required(args, 'model'),
    root: required(args, 'root'),
    target: parseChoice(args.string('target') ?? 'IJBC', ['IJBC', 'IJBB'] as const, '--target'),
    out: required(args, 'out'),
    resume: args.switch('resume'),
    shard: parseShard(args.string('shard')),
    stopAfterBatches: stop === undefined ? undefined : parseNumber(stop, '--stop-after-batches', { integer: true, min: 1 }),
    extraction: parseExtraction(args, { flipByDefault: false }),
    quiet: args.switch('quiet'),
  };
}

export const extractCommand: Command<ExtractCommandOptions, Awaited<ReturnType<typeof runExtraction>>> = {
  spec,
  parse: parseExtractOptions,
  files: (o) => ({ outputs: [{ flag: '--out', path: o.out, kind: 'folder' }], inputs: [{ flag: '--model', path: o.model }, { flag: '--root', path: o.root }] }),
  quiet: (o) => o.quiet,
  run: (o, ui) =>
    runExtraction(o.extraction, { modelPath: o.model, root: o.root, target: o.target, out: o.out, resume: o.resume, shard: o.shard, stopAfterBatches: o.stopAfterBatches }, ui),
  report(o, result) {
    const out = new PendingOutputs();
    if (!result.complete) out.print(`${o.out}: stopped early (test hook); continue with --resume\n`);
    else out.print(`${o.out}: ${result.meta!.rows} faces × ${result.meta!.dim} (${result.meta!.flip ? 'with' : 'without'} flip) on ${result.meta!.provider}\n`);
    return { outputs: out, warnings: [] };
  },
};
