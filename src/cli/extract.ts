/** `facebench extract`: images → feature store (features.npy, features_flip.npy, store.json). */
import type { Argv } from 'yargs';
import { parseTarget } from '../io/ijb-meta.js';
import { DEFAULT_WORKERS, extractFeatures, parseShard, type ExtractOptions, type ExtractResult } from '../extract/extract.js';
import { resolvePreprocessing, PRESET_NAMES } from '../extract/preprocess.js';
import { EXECUTION_PROVIDERS, type EpChoice } from '../extract/session.js';
import { UsageError } from '../errors.js';
import { createRateProgress } from './progress.js';

/** The extraction flags shared by `extract`, `ijb --model` and `lfw --model` (lfw flips by default, as verification.py). */
export function extractionOptions<T>(y: Argv<T>, defaults: { flip: boolean } = { flip: false }) {
  return y
    .option('ep', { type: 'string', default: 'auto', describe: `execution provider: auto (first that works of ${EXECUTION_PROVIDERS.join(' > ')}) or one of them` })
    .option('batch', { type: 'number', default: 128, describe: 'faces per model run (a model with a fixed batch size overrides it)' })
    .option('workers', { type: 'number', default: DEFAULT_WORKERS, describe: 'worker threads for decode + align + normalise (0: on the main thread)' })
    .option('threads', { type: 'number', describe: 'onnxruntime intra-op threads (cpu provider; default: all cores)' })
    .option('flip', { type: 'boolean', default: defaults.flip, describe: `also extract features of the horizontally flipped images${defaults.flip ? ' (on by default, --no-flip to disable)' : ' (features_flip.npy)'}` })
    .option('preset', { type: 'string', default: 'arcface', describe: `preprocessing preset: ${PRESET_NAMES.join(', ')} (arcface: RGB (x-127.5)/127.5; magface: BGR x/255; adaface: BGR (x/255-0.5)/0.5)` })
    .option('channels', { type: 'string', describe: 'override the preset\'s channel order: rgb or bgr' })
    .option('mean', { type: 'string', describe: 'override: input = (x - mean) / std on 0..255 pixels; one value or three (per channel, model order)' })
    .option('std', { type: 'string', describe: 'override, with --mean' })
    .option('skip-bad', { type: 'boolean', default: false, describe: 'extract past missing or undecodable images: their rows are NaN, they are listed in store.json and ijb leaves them out (not for lfw)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' });
}

export interface ExtractionArgs {
  ep: string; batch: number; workers: number; threads?: number; flip: boolean; preset: string;
  channels?: string; mean?: string; std?: string; 'skip-bad': boolean; quiet: boolean;
}

/** Runs an extraction with progress and provider lines on stderr. */
export async function runExtraction(argv: ExtractionArgs, rest: Pick<ExtractOptions, 'modelPath' | 'root' | 'target' | 'out' | 'resume' | 'shard'> & { stopAfterBatches?: number }): Promise<ExtractResult> {
  let progress: ReturnType<typeof createRateProgress> | undefined;
  const result = await extractFeatures({
    ...rest,
    ep: argv.ep as EpChoice,
    batch: argv.batch,
    workers: argv.workers,
    threads: argv.threads,
    flip: argv.flip,
    preprocessing: resolvePreprocessing(argv),
    skipBad: argv['skip-bad'],
    onStart: ({ session, total, done }) => {
      if (!argv.quiet) {
        const others = session.attempts.filter((a) => a.outcome !== 'used').map((a) => `${a.provider} ${a.outcome}: ${a.reason}`);
        process.stderr.write(`facebench: model ${rest.modelPath} (${session.model.layout} ${session.model.size}×${session.model.size} ${session.model.dtype}) on ${session.provider}, onnxruntime ${session.ortVersion}${others.length ? ` (${others.join('; ')})` : ''}\n`);
        if (done > 0) process.stderr.write(`facebench: resuming at ${done}/${total} faces\n`);
      }
      progress = createRateProgress(total, argv.quiet, 'faces', done);
    },
    onBatch: (done) => progress?.update(done),
  });
  progress?.done();
  if (!argv.quiet) {
    const s = result.stats;
    process.stderr.write(
      `facebench: ${s.images} faces in ${s.seconds.toFixed(2)} s (${s.imagesPerSecond.toFixed(1)} faces/s); model ${s.modelSeconds.toFixed(2)} s, waiting for workers ${s.waitSeconds.toFixed(2)} s (${((100 * s.waitSeconds) / Math.max(s.seconds, 1e-9)).toFixed(0)}%), cpu ${s.cpuSeconds.toFixed(2)} s${result.meta?.badFaces.length ? `; ${result.meta.badFaces.length} unreadable faces skipped` : ''}\n`,
    );
  }
  return result;
}

export function extractCommand(y: Argv): Argv {
  return y.command(
    'extract',
    'extract face features from images with an ONNX model into a feature store',
    (c) =>
      extractionOptions(
        c
          .option('model', { type: 'string', demandOption: true, describe: 'ONNX model: one image input [N,3,H,W] or [N,H,W,3], float32 or float16' })
          .option('dataset', { type: 'string', default: 'ijb', describe: 'dataset layout: ijb (IJB_release: loose_crop/ + meta/<t>_name_5pts_score.txt)' })
          .option('root', { type: 'string', demandOption: true, describe: 'dataset root folder' })
          .option('target', { type: 'string', default: 'IJBC', describe: 'IJBC or IJBB' })
          .option('out', { type: 'string', demandOption: true, describe: 'store folder to write' })
          .option('resume', { type: 'boolean', default: false, describe: 'continue an interrupted extraction in --out from its checkpoint' })
          .option('shard', { type: 'string', describe: 'K/N: extract only the K-th of N contiguous slices of the face list (join them with facebench merge)' })
          .option('stop-after-batches', { type: 'number', hidden: true, describe: 'testing: stop after this many batches, as if killed' }),
      ),
    async (argv) => {
      if (argv.dataset !== 'ijb') throw new UsageError(`--dataset must be ijb; got '${argv.dataset}'`);
      const result = await runExtraction(argv as unknown as ExtractionArgs, {
        modelPath: argv.model,
        root: argv.root,
        target: parseTarget(argv.target),
        out: argv.out,
        resume: argv.resume,
        shard: parseShard(argv.shard),
        stopAfterBatches: argv['stop-after-batches'],
      });
      if (!result.complete) {
        process.stdout.write(`${argv.out}: stopped early (test hook); continue with --resume\n`);
        return;
      }
      process.stdout.write(`${argv.out}: ${result.meta!.rows} faces × ${result.meta!.dim} (${result.meta!.flip ? 'with' : 'without'} flip) on ${result.meta!.provider}\n`);
    },
  );
}
