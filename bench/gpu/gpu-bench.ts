/**
 * `npm run bench:gpu`: extraction throughput of an IResNet-100-shaped model on every execution
 * provider that works here, in one call, as a markdown table on stdout (progress on stderr).
 *
 *   node scripts/build.mjs && node dist/gpu-bench.js [--small] [flags]     (--help lists them)
 *
 * 1. writes the network with facebench's own ONNX writer (src/onnx/iresnet.ts: insightface's
 *    iresnet100 layout, random seeded weights) as fp32 and fp16 models, and ≥ 20,000 synthetic
 *    loose crops with landmarks in the IJB layout (bench/gpu/synthetic-ijb.ts);
 * 2. for each provider (cuda, webgpu, cpu) × model × batch, in a child process of its own (a crash
 *    or a hung driver costs one configuration, and each starts with a clean GPU): the bare
 *    session.run loop, then `extract --flip` sized from the loop's rate to about --run-seconds
 *    (bench/gpu/measure.ts), while nvidia-smi is polled for the GPU memory;
 * 3. prints the table (bench/gpu/report.ts) with the projected IJB-C time.
 *
 * A provider that is not available (cuda without its libraries, webgpu without a Vulkan loader or
 * driver) is reported with the reason and skipped. How to run it on a machine without Node:
 * bench/gpu/README.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { DEFAULT_WORKERS } from '../../src/extract/extract.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../src/extract/session.js';
import { IRESNET100, iresnetCost, iresnetDepth, iresnetSpec, type IResNetArch } from '../../src/onnx/iresnet.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { ortVersion } from '../../src/onnx/runtime.js';
import { FACEBENCH_VERSION } from '../../src/version.js';
import { bareLoop, extractRun, gpuDescription, GpuMemorySampler, ijbBatchInput } from './measure.js';
import { benchNotes, benchTable, hms, IJBC_FACES, shareOfBare, type BenchConfig, type ConfigOutcome, type ModelDtype } from './report.js';
import { faceListPrefix, writeSyntheticIjb } from './synthetic-ijb.js';

export interface GpuBenchOptions {
  faces: number;
  arch: IResNetArch;
  dtypes: ModelDtype[];
  batches: number[];
  providers: ExecutionProvider[];
  /** Target length of each extraction run, seconds (at least 3 batches, at most all faces). */
  runSeconds: number;
  /** Length of each bare session.run loop, seconds. */
  bareSeconds: number;
  workers: number;
  /** Intra-op threads of the cpu provider (default: all cores). */
  threads?: number;
  /** Work folder (models, crops: reused when the settings match); undefined: a temp folder, removed at the end. */
  work?: string;
  seed: number;
  /** A configuration's child process is killed after this many seconds. */
  configTimeoutSeconds: number;
  /** No configuration starts (and a running one is stopped) once the bench has run this long; the table is printed regardless. */
  timeLimitSeconds?: number;
}

const DTYPE: Record<ModelDtype, 'float32' | 'float16'> = { fp32: 'float32', fp16: 'float16' };

const USAGE = `node dist/gpu-bench.js [flags]      (npm run bench:gpu -- [flags])

  --faces N           synthetic loose crops to write (default 20000)
  --blocks A,B,C,D    IBasicBlocks per stage (default 3,13,30,3: iresnet100)
  --width W           channels of the first stage (default 64)
  --dim D             feature dimension (default 512)
  --dtypes LIST       fp32,fp16 (default both)
  --batches LIST      default 64,128,256
  --providers LIST    of cuda, webgpu, cpu (default all three; unavailable ones are reported)
  --run-seconds S     length of each extract run (default 20; at least 3 batches, at most --faces)
  --bare-seconds S    length of each bare session.run loop (default 5)
  --workers N         extract's worker threads (default ${DEFAULT_WORKERS})
  --threads T         intra-op threads of the cpu provider (default: all cores)
  --work DIR          keep models and crops there (reused by the next run with the same settings)
  --seed N            weights and crops (default 1)
  --config-timeout S  kill a configuration after S seconds (default 600)
  --time-limit S      start no configuration after S seconds, stop the one running then, and
                      print the table of those measured (for a machine lent for a fixed time)
  --small             a smoke test of the whole path on a CPU: --faces 192 --blocks 1,1,1,1
                      --width 8 --dim 128 --batches 16,32 --run-seconds 1 --bare-seconds 0.5`;

/** Parses the command line; throws an Error whose message is the problem (or USAGE for --help). */
export function parseGpuBenchArgs(argv: readonly string[]): GpuBenchOptions {
  const small = argv.includes('--small');
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--small') continue;
    if (a === '--help' || a === '-h') throw new Error(USAGE);
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument '${a}'\n\n${USAGE}`);
    values.set(a.slice(2), argv[++i]);
  }
  const known = ['faces', 'blocks', 'width', 'dim', 'dtypes', 'batches', 'providers', 'run-seconds', 'bare-seconds', 'workers', 'threads', 'work', 'seed', 'config-timeout', 'time-limit'];
  for (const k of values.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k}\n\n${USAGE}`);
  const number = (name: string, fallback: number, integer = true, min = integer ? 1 : 0): number => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const v = Number(text);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}; got '${text}'`);
    return v;
  };
  const list = <T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const items = text.split(',').map((s) => s.trim());
    const bad = items.find((s) => !(allowed as readonly string[]).includes(s));
    if (bad !== undefined || items.length === 0) throw new Error(`--${name} takes a comma list of ${allowed.join(', ')}; got '${text}'`);
    return items as T[];
  };
  const integers = (name: string, fallback: number[], count?: number): number[] => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const items = text.split(',').map(Number);
    if (items.some((v) => !Number.isInteger(v) || v < 1) || (count !== undefined && items.length !== count)) {
      throw new Error(`--${name} takes ${count ?? 'a list of'} comma-separated positive integers; got '${text}'`);
    }
    return items;
  };
  return {
    faces: number('faces', small ? 192 : 20_000),
    arch: {
      blocks: integers('blocks', small ? [1, 1, 1, 1] : [...IRESNET100.blocks], 4),
      width: number('width', small ? 8 : IRESNET100.width),
      dim: number('dim', small ? 128 : IRESNET100.dim),
    },
    dtypes: list('dtypes', ['fp32', 'fp16'] as const, ['fp32', 'fp16']),
    batches: integers('batches', small ? [16, 32] : [64, 128, 256]),
    providers: list('providers', EXECUTION_PROVIDERS, [...EXECUTION_PROVIDERS]),
    runSeconds: number('run-seconds', small ? 1 : 20, false),
    bareSeconds: number('bare-seconds', small ? 0.5 : 5, false),
    workers: number('workers', DEFAULT_WORKERS, true, 0),
    threads: values.has('threads') ? number('threads', 0) : undefined,
    work: values.get('work'),
    seed: number('seed', 1, true, 0),
    configTimeoutSeconds: number('config-timeout', 600),
    timeLimitSeconds: values.has('time-limit') ? number('time-limit', 0) : undefined,
  };
}

/** Faces the extract run of a configuration takes: about `runSeconds` at the bare rate, whole batches, ≥ 3 batches, ≤ all. */
export function facesForRun(bareImagesPerSecond: number, runSeconds: number, batch: number, total: number): number {
  const wanted = Math.ceil(((bareImagesPerSecond / 2) * runSeconds) / batch) * batch;
  return Math.min(total, Math.max(3 * batch, wanted));
}

/** The fp32 / fp16 models of the architecture under `dir` (written unless already there). */
export function writeModels(dir: string, arch: IResNetArch, dtypes: readonly ModelDtype[], seed: number): Record<ModelDtype, string> {
  const paths = {} as Record<ModelDtype, string>;
  for (const dtype of dtypes) {
    const file = join(dir, `iresnet${iresnetDepth(arch)}-${arch.blocks.join('-')}-w${arch.width}-d${arch.dim}-s${seed}-${dtype}.onnx`);
    if (!existsSync(file)) {
      // Written under a temporary name and renamed: an interrupted run leaves no truncated model.
      writeFileSync(`${file}.tmp`, encodeOnnxModel(iresnetSpec({ ...arch, dtype: DTYPE[dtype], random: mulberry32(seed) })));
      renameSync(`${file}.tmp`, file);
    }
    paths[dtype] = file;
  }
  return paths;
}

interface ChildJob {
  config: BenchConfig;
  model: string;
  root: string;
  work: string;
  faces: number;
  runSeconds: number;
  bareSeconds: number;
  workers: number;
  threads?: number;
}

const RESULT_PREFIX = 'GPU-BENCH-RESULT ';

/** One configuration (in the child process): the bare loop, then the extract run it sizes. */
export async function runConfig(job: ChildJob): Promise<ConfigOutcome> {
  const { config } = job;
  let bare;
  try {
    bare = await bareLoop(job.model, config.provider, config.batch, job.bareSeconds, ijbBatchInput(job.root), { threads: job.threads });
  } catch (e) {
    const message = String((e as Error)?.message ?? e).split('\n')[0];
    // openModelSession's UsageError for an --ep that cannot open: the provider (for this model) is out.
    const unavailable = /execution provider unavailable/.test(message);
    return { config, status: unavailable ? 'unavailable' : 'failed', reason: message };
  }
  const faces = facesForRun(bare.imagesPerSecond, job.runSeconds, config.batch, job.faces);
  const root = faces === job.faces ? job.root : faceListPrefix(job.root, join(job.work, 'roots'), faces);
  const out = join(job.work, `store-${config.provider}-${config.dtype}-${config.batch}`);
  try {
    const extract = await extractRun(job.model, config.provider, config.batch, root, out, { workers: job.workers, threads: job.threads });
    return { config, status: 'measured', bare, extract };
  } catch (e) {
    return { config, status: 'failed', reason: `extract: ${String((e as Error)?.message ?? e).split('\n')[0]}` };
  }
}

/** Runs one configuration in a child process (this script with --child), GPU memory polled meanwhile. */
async function runConfigInChild(job: ChildJob, timeoutSeconds: number, timeoutFlag: string): Promise<ConfigOutcome> {
  const sampler = new GpuMemorySampler();
  await sampler.start();
  const child = spawn(process.execPath, [process.argv[1], '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  clearTimeout(timer);
  const gpuMemoryMiB = await sampler.stop();
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) {
    const tail = (stderr.trim().split('\n').pop() ?? '').slice(0, 300);
    return { config: job.config, status: 'failed', reason: code === null ? `stopped after ${Math.round(timeoutSeconds)} s (${timeoutFlag})` : `child exited with ${code}${tail ? `: ${tail}` : ''}` };
  }
  const outcome = JSON.parse(line.slice(RESULT_PREFIX.length)) as ConfigOutcome;
  return outcome.status === 'measured' ? { ...outcome, gpuMemoryMiB } : outcome;
}

/** The child's environment: the user's, without the thread-pool size this process set for writing crops. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (ownThreadPool) delete env.UV_THREADPOOL_SIZE;
  return env;
}
let ownThreadPool = false;

function progressLine(done: number, total: number, o: ConfigOutcome): string {
  const c = `[${done}/${total}] ${o.config.provider} ${o.config.dtype} batch ${o.config.batch}`;
  if (o.status !== 'measured') return `${c}: ${o.status} — ${o.reason}`;
  const gpu = o.gpuMemoryMiB === undefined ? '' : `, GPU +${Math.round(o.gpuMemoryMiB)} MiB`;
  return `${c}: ${o.extract.faces} faces, steady ${o.extract.steadyFacesPerSecond.toFixed(1)} faces/s (whole run ${o.extract.facesPerSecond.toFixed(1)}), bare ${(o.bare.imagesPerSecond / 2).toFixed(1)} faces/s, share ${(100 * shareOfBare(o)).toFixed(0)} %${gpu}, IJB-C ${hms(IJBC_FACES / o.extract.steadyFacesPerSecond)}`;
}

async function main(argv: string[]): Promise<void> {
  const child = argv.indexOf('--child');
  if (child >= 0) {
    const outcome = await runConfig(JSON.parse(argv[child + 1]) as ChildJob);
    // Exit once the line is out: a native GPU library that keeps the event loop alive must not hold
    // the parent until --config-timeout.
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(outcome)}\n`, () => process.exit(0));
    return;
  }
  let opts: GpuBenchOptions;
  try {
    opts = parseGpuBenchArgs(argv);
  } catch (e) {
    const message = (e as Error).message;
    const help = message === USAGE;
    (help ? process.stdout : process.stderr).write(`${help ? '' : 'gpu-bench: '}${message}\n`);
    process.exitCode = help ? 0 : 2;
    return;
  }
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`gpu-bench: ${line}\n`);
  if (process.env.UV_THREADPOOL_SIZE === undefined) {
    // More JPEG encodes at once while writing the crops (libuv's pool holds 4 threads by default).
    process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism()));
    ownThreadPool = true;
  }
  const work = opts.work ? resolve(opts.work) : mkdtempSync(join(tmpdir(), 'facebench-gpu-bench-'));
  mkdirSync(work, { recursive: true });
  try {
    const cost = iresnetCost(opts.arch);
    const depth = iresnetDepth(opts.arch);
    let t = performance.now();
    const models = writeModels(work, opts.arch, opts.dtypes, opts.seed);
    log(`models: ${opts.dtypes.map((d) => `${d} ${(statSync(models[d]).size / 2 ** 20).toFixed(0)} MiB`).join(', ')} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    t = performance.now();
    const data = await writeSyntheticIjb(join(work, 'ijb'), opts.faces, opts.seed);
    log(`${opts.faces} loose crops, ${(data.imageBytes / 2 ** 20).toFixed(0)} MiB of JPEG (${data.reused ? 'reused' : `${((performance.now() - t) / 1000).toFixed(1)} s`})`);

    const configs: BenchConfig[] = [];
    for (const provider of opts.providers) for (const dtype of opts.dtypes) for (const batch of opts.batches) configs.push({ provider, dtype, batch });
    const outcomes: ConfigOutcome[] = [];
    const unavailable = new Map<string, string>();
    for (const [k, config] of configs.entries()) {
      const known = unavailable.get(`${config.provider} ${config.dtype}`);
      const t0 = performance.now();
      const left = opts.timeLimitSeconds === undefined ? Infinity : opts.timeLimitSeconds - (t0 - started) / 1000;
      const outcome: ConfigOutcome = known
        ? { config, status: 'unavailable', reason: known }
        : left <= 0
          ? { config, status: 'skipped', reason: `--time-limit ${opts.timeLimitSeconds} s reached` }
          : await runConfigInChild(
              { config, model: models[config.dtype], root: data.root, work, faces: opts.faces, runSeconds: opts.runSeconds, bareSeconds: opts.bareSeconds, workers: opts.workers, threads: opts.threads },
              Math.min(opts.configTimeoutSeconds, left),
              left < opts.configTimeoutSeconds ? '--time-limit' : '--config-timeout',
            );
      if (outcome.status === 'unavailable') unavailable.set(`${config.provider} ${config.dtype}`, outcome.reason);
      else log(`${progressLine(k + 1, configs.length, outcome)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      outcomes.push(outcome);
    }
    const gpu = await gpuDescription();
    const command = `node dist/gpu-bench.js ${argv.join(' ')}`.trim();
    const lines = [
      `## facebench extract: IResNet-${depth} (blocks ${opts.arch.blocks.join(',')}, width ${opts.arch.width}, ${opts.arch.dim}-d), random weights`,
      '',
      `- machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()} threads, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; GPU: ${gpu ?? 'none visible (no nvidia-smi)'}`,
      `- software: facebench ${FACEBENCH_VERSION}, Node ${process.version}, onnxruntime-node ${await ortVersion()}`,
      `- model: ${(cost.parameters / 1e6).toFixed(1)} M weights, ${(cost.macs / 1e9).toFixed(2)} G multiply-adds per face (src/onnx/iresnet.ts, seed ${opts.seed})`,
      `- data: ${opts.faces.toLocaleString('en-US')} synthetic loose crops (JPEG, 160–320 px, ${(data.imageBytes / 2 ** 20).toFixed(0)} MiB) in the IJB layout; extract --flip --workers ${opts.workers}; each run ≈ ${opts.runSeconds} s of the bare rate (≥ 3 batches), bare loop ≈ ${opts.bareSeconds} s`,
      `- command: \`${command}\` (${hms((performance.now() - started) / 1000)} in all)`,
      '',
      benchTable(outcomes),
      '',
      ...benchNotes(outcomes).map((n) => `- ${n}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (!opts.work) rmSync(work, { recursive: true, force: true });
  }
}

// Run as a script (dist/gpu-bench.js), not when a test imports the building blocks.
if (process.argv[1] && /gpu-bench\.(js|mjs)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`gpu-bench: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
