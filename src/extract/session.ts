/**
 * The model session for extraction: execution-provider choice, input checks, batched runs.
 * onnxruntime itself is reached only through `loadOrt()` (src/onnx/runtime.ts).
 *
 * Providers are tried in the order of one frozen table (cuda → webgpu → cpu): onnxruntime does not
 * fall back by itself (a session created with ['webgpu', 'cpu'] throws when webgpu has no adapter),
 * so each is tried in turn — create a session, catch — and every attempt is reported.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { DataError, UsageError, oneLine } from '../errors.js';
import { readOnnxModelFile } from '../io/onnx-model.js';
import { createOrtSession, loadOrt, ortVersion } from '../onnx/runtime.js';
import { webgpuUnavailableReason } from './vulkan-probe.js';
import type { Layout } from './preprocess.js';

export const EXECUTION_PROVIDERS = Object.freeze(['cuda', 'webgpu', 'cpu'] as const);
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
export type EpChoice = ExecutionProvider | 'auto';

export interface ProviderAttempt {
  provider: ExecutionProvider;
  outcome: 'used' | 'skipped' | 'failed' | 'not tried';
  reason?: string;
}

export interface ModelInfo {
  path: string;
  sha256: string;
  inputName: string;
  outputName: string;
  layout: Layout;
  /** Input height = width (square crops). */
  size: number;
  dtype: 'float32' | 'float16';
  /** Fixed batch size of the model, or undefined when the batch dimension is dynamic. */
  fixedBatch?: number;
}

export interface ModelSession {
  model: ModelInfo;
  provider: ExecutionProvider;
  attempts: ProviderAttempt[];
  ortVersion: string;
  /**
   * Runs `count` inputs laid out [count, …] (float32 values; converted to fp16 bits by the caller
   * when model.dtype is float16) and returns float32 features [count, dim].
   */
  run(input: Float32Array | Uint16Array, count: number): Promise<{ features: Float32Array; dim: number }>;
  release(): Promise<void>;
}

/** Largest model input side: face models take 112–512 pixels; 20000 would need 4.8 GB per face. */
export const MAX_MODEL_INPUT_SIZE = 1024;
/** Largest model input of one batch (float32 or float16 values). */
export const MAX_BATCH_INPUT_BYTES = 256 * 2 ** 20;

/** Bytes of the model input for `batch` faces. */
function batchInputBytes(model: ModelInfo, batch: number): number {
  return batch * 3 * model.size * model.size * (model.dtype === 'float16' ? 2 : 4);
}

/**
 * Refuses a batch whose model input would exceed MAX_BATCH_INPUT_BYTES, before any of it is
 * allocated: a UsageError naming --batch, or a DataError when the model fixes the batch size.
 */
export function checkBatchSize(model: ModelInfo, batch: number): void {
  const bytes = batchInputBytes(model, batch);
  if (bytes <= MAX_BATCH_INPUT_BYTES) return;
  const most = Math.max(1, Math.floor(MAX_BATCH_INPUT_BYTES / batchInputBytes(model, 1)));
  const what = `a batch of ${batch} faces of 3×${model.size}×${model.size} ${model.dtype} is ${(bytes / 2 ** 20).toFixed(0)} MiB of model input, over the ${MAX_BATCH_INPUT_BYTES / 2 ** 20} MiB limit`;
  if (model.fixedBatch !== undefined) throw new DataError(`${model.path}: its fixed batch size: ${what}`);
  throw new UsageError(`--batch ${batch}: ${what}`, `use --batch ${most} or less`);
}

/** Why a provider cannot be used in this install, or undefined when it may be tried. */
async function unavailableReason(ep: ExecutionProvider): Promise<string | undefined> {
  const ort = await loadOrt();
  const listed = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends?.() ?? [];
  const entry = listed.find((b) => b.name === ep);
  if (!entry) return `not supported by onnxruntime-node ${await ortVersion()} on ${process.platform}/${process.arch}`;
  if (ep === 'webgpu') return webgpuUnavailableReason();
  if (!entry.bundled) {
    // Not in the npm package; present only when onnxruntime-node's install script fetched it.
    const require = createRequire(import.meta.url);
    const binDir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const lib = join(binDir, process.platform === 'win32' ? `onnxruntime_providers_${ep}.dll` : `libonnxruntime_providers_${ep}.so`);
    if (!existsSync(lib)) return `its libraries are not installed (${lib} is missing: see the README's "CUDA" section)`;
  }
  return undefined;
}

function describeShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Validates the model's single image input: [N,3,H,W] or [N,H,W,3], float32/float16, H = W. */
function inspectModel(path: string, sha256: string, session: import('onnxruntime-node').InferenceSession): ModelInfo {
  const inputs = session.inputMetadata as readonly { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] }[];
  if (inputs.length !== 1) {
    throw new DataError(`${path}: expected one image input, found ${inputs.length} (${session.inputNames.join(', ')})`);
  }
  const input = inputs[0];
  const shape = input.shape ?? [];
  const found = `input '${input.name}' has shape ${describeShape(shape)} of ${input.type ?? 'unknown type'}`;
  if (!input.isTensor || (input.type !== 'float32' && input.type !== 'float16')) {
    throw new DataError(`${path}: ${found}; expected a float32 or float16 tensor [N,3,H,W] or [N,H,W,3]`);
  }
  let layout: Layout;
  let h: number | string, w: number | string;
  if (shape.length === 4 && shape[1] === 3) {
    layout = 'NCHW';
    [h, w] = [shape[2], shape[3]];
  } else if (shape.length === 4 && shape[3] === 3) {
    layout = 'NHWC';
    [h, w] = [shape[1], shape[2]];
  } else {
    throw new DataError(`${path}: ${found}; expected [N,3,H,W] (NCHW) or [N,H,W,3] (NHWC)`);
  }
  if (typeof h !== 'number' || typeof w !== 'number' || h !== w || h < 8) {
    throw new DataError(`${path}: ${found}; expected a fixed square input size (e.g. 112×112)`);
  }
  if (h > MAX_MODEL_INPUT_SIZE) {
    throw new DataError(`${path}: ${found}; expected a face model's input of at most ${MAX_MODEL_INPUT_SIZE}×${MAX_MODEL_INPUT_SIZE} (they take 112 to 512)`);
  }
  if (session.outputNames.length < 1) throw new DataError(`${path}: the model has no outputs`);
  return {
    path,
    sha256,
    inputName: input.name,
    outputName: session.outputNames[0],
    layout,
    size: h,
    dtype: input.type,
    fixedBatch: typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined,
  };
}

/**
 * Opens `modelPath` on the first provider of the table that works (`ep: 'auto'`), or on exactly
 * the one requested — a UsageError (exit 2) when that one is unavailable.
 */
export async function openModelSession(modelPath: string, ep: EpChoice, opts: { threads?: number } = {}): Promise<ModelSession> {
  if (ep !== 'auto' && !(EXECUTION_PROVIDERS as readonly string[]).includes(ep)) {
    throw new UsageError(`--ep must be auto or one of ${EXECUTION_PROVIDERS.join(', ')}; got '${ep}'`);
  }
  const bytes = readOnnxModelFile(modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const ort = await loadOrt();
  const candidates: readonly ExecutionProvider[] = ep === 'auto' ? EXECUTION_PROVIDERS : [ep];
  const attempts: ProviderAttempt[] = [];
  let session: import('onnxruntime-node').InferenceSession | undefined;
  let provider: ExecutionProvider | undefined;
  for (const candidate of candidates) {
    if (session) {
      attempts.push({ provider: candidate, outcome: 'not tried', reason: `${provider} came first` });
      continue;
    }
    const why = await unavailableReason(candidate);
    if (why) {
      attempts.push({ provider: candidate, outcome: 'skipped', reason: why });
      continue;
    }
    try {
      session = await createOrtSession(bytes, {
        executionProviders: [candidate],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: candidate === 'cpu' ? (opts.threads ?? availableParallelism()) : undefined,
        logSeverityLevel: 3,
      });
      provider = candidate;
      attempts.push({ provider: candidate, outcome: 'used' });
    } catch (e) {
      let msg = String((e as Error)?.message ?? e).split('\n')[0];
      const tail = /(?:was false\.|\] :?)\s*(.+)$/.exec(msg);
      if (tail) msg = tail[1]; // drop onnxruntime's source-location preamble
      // cpu is always there: when it cannot open the model (an unknown op, a broken graph), the model is the problem.
      if (candidate === 'cpu') {
        throw new DataError(`${modelPath}: not a valid ONNX model (${oneLine(msg, 240)})`);
      }
      attempts.push({ provider: candidate, outcome: 'failed', reason: msg.length > 240 ? `${msg.slice(0, 240)}…` : msg });
    }
  }
  if (!session || !provider) {
    const detail = attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
    if (ep !== 'auto') throw new UsageError(`--ep ${ep}: execution provider unavailable (${detail})`, 'use --ep auto to take the first provider that works');
    throw new DataError(`${modelPath}: no execution provider could open the model (${detail})`);
  }
  const model = inspectModel(modelPath, sha256, session);
  const s = session;
  return {
    model,
    provider,
    attempts,
    ortVersion: await ortVersion(),
    async run(input, count) {
      checkBatchSize(model, count);
      if (input.length !== count * 3 * model.size * model.size) throw new Error(`model input of ${input.length} values for ${count} faces of ${model.size}×${model.size}`);
      const dims = model.layout === 'NCHW' ? [count, 3, model.size, model.size] : [count, model.size, model.size, 3];
      const tensor = model.dtype === 'float16' ? new ort.Tensor('float16', input as Uint16Array, dims) : new ort.Tensor('float32', input as Float32Array, dims);
      const feeds = { [model.inputName]: tensor };
      checkFeeds(feeds, s.inputNames, modelPath);
      const out = await s.run(feeds, [model.outputName]);
      const t = out[model.outputName];
      const shape = t.dims;
      if (shape.length !== 2 || shape[0] !== count) {
        throw new DataError(`${modelPath}: output '${model.outputName}' has shape [${shape.join(', ')}] for a batch of ${count}; expected [${count}, dim]`);
      }
      const dim = shape[1];
      let features: Float32Array;
      if (t.type === 'float32') features = t.data as Float32Array;
      else if (t.type === 'float16') features = halfBitsToFloat32(t.data as Uint16Array);
      else throw new DataError(`${modelPath}: output '${model.outputName}' is ${t.type}; expected float32 or float16`);
      t.dispose?.();
      return { features: Float32Array.from(features), dim };
    },
    release: () => s.release(),
  };
}

/** Fails (naming both sides) unless the feeds are exactly the model's inputs. */
export function checkFeeds(feeds: Record<string, unknown>, inputNames: readonly string[], modelPath: string): void {
  const given = Object.keys(feeds);
  const missing = inputNames.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !inputNames.includes(n));
  if (missing.length || extra.length) {
    throw new DataError(`${modelPath}: inputs [${given.join(', ')}] do not match the model's inputs [${inputNames.join(', ')}]`);
  }
}

function halfBitsToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const frac = v & 0x3ff;
    out[i] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}
