/**
 * The two measurements of one (provider, model, batch) configuration of the GPU benchmark, and the
 * GPU memory sampler:
 *
 * - `bareLoop`: the model alone — one session (opened as `extract` opens it, src/extract/session.ts),
 *   one batch of prepared crops, `session.run` in a loop after warm-up: the ceiling for extraction.
 * - `extractRun`: `extractFeatures` (what `facebench extract` runs, minus its progress output) with
 *   --flip on an IJB-style folder: decode, align, normalise in worker threads, two model runs per
 *   batch (faces and mirrored faces), checkpointed store. Its steady rate leaves out the first
 *   batch, which carries the model's warm-up (WebGPU compiles its shaders on the first run).
 * - `GpuMemorySampler`: device memory in use (nvidia-smi), polled while a configuration runs.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { loadFaceList } from '../../src/extract/datasets.js';
import { extractFeatures } from '../../src/extract/extract.js';
import { prepareBatch } from '../../src/extract/prepare.js';
import { resolvePreprocessing } from '../../src/extract/preprocess.js';
import { openModelSession, type ExecutionProvider, type ModelInfo } from '../../src/extract/session.js';

export interface BareLoopResult {
  /** Seconds to open the session. */
  openSeconds: number;
  /** Untimed warm-up runs and their seconds. */
  warmupSeconds: number[];
  runs: number;
  /** Model images per second over the timed runs. */
  imagesPerSecond: number;
  dtype: 'float32' | 'float16';
  dim: number;
}

/** The model input of one batch, made for the opened model (its size, layout and dtype). */
export type BatchInput = (model: ModelInfo, batch: number) => Promise<Float32Array | Uint16Array>;

/**
 * Opens the model on `provider`, warms it up — runs until one is no faster than 0.8 × the one
 * before (onnxruntime's CPU provider needs two runs to settle, WebGPU compiles shaders on the first),
 * at most 5 — then runs the same batch until `seconds` have passed and at least `minRuns` timed runs.
 */
export async function bareLoop(modelPath: string, provider: ExecutionProvider, batch: number, seconds: number, makeInput: BatchInput, opts: { threads?: number; minRuns?: number } = {}): Promise<BareLoopResult> {
  const t0 = performance.now();
  const session = await openModelSession(modelPath, provider, { threads: opts.threads });
  try {
    const openSeconds = (performance.now() - t0) / 1000;
    const input = await makeInput(session.model, batch);
    const timed = async () => {
      const t = performance.now();
      const out = await session.run(input, batch);
      return { seconds: (performance.now() - t) / 1000, dim: out.dim };
    };
    const warmupSeconds: number[] = [];
    let dim = 0;
    do {
      const r = await timed();
      warmupSeconds.push(r.seconds);
      dim = r.dim;
    } while (warmupSeconds.length < 5 && (warmupSeconds.length < 2 || warmupSeconds.at(-1)! < 0.8 * warmupSeconds.at(-2)!));
    const minRuns = opts.minRuns ?? 2;
    let runs = 0;
    const t2 = performance.now();
    while (runs < minRuns || performance.now() - t2 < seconds * 1000) {
      await session.run(input, batch);
      runs++;
    }
    const elapsed = (performance.now() - t2) / 1000;
    return { openSeconds, warmupSeconds, runs, imagesPerSecond: (runs * batch) / elapsed, dtype: session.model.dtype, dim };
  } finally {
    await session.release();
  }
}

/**
 * The first `batch` faces of an IJB-style root (repeated when it has fewer), prepared as extraction
 * prepares them (decode, align, normalise): the bare loop runs on real crops, as CPU kernels' speed
 * can depend on the values (measured here: random values ran 1.7× slower than smooth ones).
 */
export function ijbBatchInput(root: string): BatchInput {
  return async (model, batch) => {
    const faces = loadFaceList({ kind: 'ijb', root, target: 'IJBC' });
    const pick = Array.from({ length: batch }, (_, i) => i % faces.names.length);
    const landmarks = new Float32Array(10 * batch);
    pick.forEach((f, i) => landmarks.set(faces.landmarks!.subarray(10 * f, 10 * f + 10), 10 * i));
    const prepared = await prepareBatch({
      imageDir: faces.imageDir,
      names: pick.map((f) => faces.names[f]),
      landmarks,
      size: model.size,
      layout: model.layout,
      preprocessing: resolvePreprocessing({ preset: 'arcface' }),
      flip: false,
      dtype: model.dtype,
    });
    if (prepared.bad.length > 0) throw new Error(`${prepared.bad[0].file}: ${prepared.bad[0].reason}`);
    return prepared.input;
  };
}

export interface ExtractRunResult {
  faces: number;
  /** Faces per second (each face and its mirror: two model images) over the whole run, as `extract` reports it. */
  facesPerSecond: number;
  /** Faces per second after the first batch. */
  steadyFacesPerSecond: number;
  /** Seconds from the start to the end of the first batch (session warm-up included). */
  firstBatchSeconds: number;
  /** Share of the run's wall time the model waited for prepared batches. */
  waitShare: number;
  /** Share of the run's wall time inside session.run. */
  modelShare: number;
  provider: string;
}

/** `extractFeatures` with --flip over the IJB-style `root`, into a store that is removed afterwards. */
export async function extractRun(modelPath: string, provider: ExecutionProvider, batch: number, root: string, out: string, opts: { workers: number; threads?: number }): Promise<ExtractRunResult> {
  const marks: { t: number; done: number }[] = [];
  let start = 0;
  try {
    const result = await extractFeatures({
      modelPath,
      faces: loadFaceList({ kind: 'ijb', root, target: 'IJBC' }),
      out,
      ep: provider,
      batch,
      workers: opts.workers,
      threads: opts.threads,
      flip: true,
      preprocessing: resolvePreprocessing({ preset: 'arcface' }),
      resume: false,
      shard: { index: 1, count: 1 },
      skipBad: false,
      onStart: () => {
        start = performance.now();
      },
      onBatch: (done) => marks.push({ t: performance.now(), done }),
    });
    const s = result.stats;
    const first = marks[0];
    const last = marks[marks.length - 1];
    const steady = marks.length > 1 ? (last.done - first.done) / ((last.t - first.t) / 1000) : s.imagesPerSecond;
    return {
      faces: s.images,
      facesPerSecond: s.imagesPerSecond,
      steadyFacesPerSecond: steady,
      firstBatchSeconds: (first.t - start) / 1000,
      waitShare: s.waitSeconds / s.seconds,
      modelShare: s.modelSeconds / s.seconds,
      provider: result.session.provider,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

/** Device memory in use, MiB, per GPU (nvidia-smi), or undefined where nvidia-smi does not answer. */
export async function gpuMemoryUsed(): Promise<number[] | undefined> {
  try {
    const { stdout } = await execFileAsync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { timeout: 5000 });
    const values = stdout.trim().split('\n').map(Number);
    return values.length > 0 && values.every(Number.isFinite) ? values : undefined;
  } catch {
    return undefined;
  }
}

/** GPU names, driver and memory (nvidia-smi), or undefined without it. */
export async function gpuDescription(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { timeout: 5000 });
    return stdout.trim().split('\n').join('; ') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls the device memory every `intervalMs` between start() and stop(); stop() returns the peak
 * rise over the value at start (MiB, largest over the GPUs), or undefined without nvidia-smi.
 */
export class GpuMemorySampler {
  private baseline?: number[];
  private peak?: number[];
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(private readonly intervalMs = 250) {}

  async start(): Promise<void> {
    this.baseline = await gpuMemoryUsed();
    if (!this.baseline) return;
    this.peak = [...this.baseline];
    this.timer = setInterval(() => {
      this.polling ??= gpuMemoryUsed().then((now) => {
        now?.forEach((v, i) => (this.peak![i] = Math.max(this.peak![i] ?? 0, v)));
        this.polling = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<number | undefined> {
    clearInterval(this.timer);
    await this.polling;
    if (!this.baseline || !this.peak) return undefined;
    return Math.max(...this.peak.map((v, i) => v - (this.baseline![i] ?? 0)));
  }
}
