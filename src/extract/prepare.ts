/**
 * One batch of faces → model input: decode (sharp) → align (5 landmarks, exact cv2 warp; or, for
 * images that are already aligned crops, resize to the input size when they are not that size) →
 * normalise (preset table) → [n, …] in the model's layout, plus the horizontally flipped faces when
 * asked; each crop is also saved as a PNG when asked (--save-crops), as soon as it is made. Runs in a
 * worker thread (src/extract/worker.ts) or inline. A face whose image cannot be read or decoded
 * leaves zeros in its rows and is reported in `bad`; the caller decides (error, or --skip-bad).
 */
import { join } from 'node:path';
import { describeErrno, InputFileError } from '../io/input-file.js';
import { alignFace, LandmarkError } from './align.js';
import { writeCrop } from './crops.js';
import { DEFAULT_MAX_PIXELS, decodeImage, ImageError, resizeImage } from './decode.js';
import { normalisationTable, toFloat16Bits, writeInput, type Layout, type Preprocessing } from './preprocess.js';

export interface PrepareTask {
  /** Folder the names are relative to (IJB: <root>/loose_crop). */
  imageDir: string;
  names: string[];
  /**
   * [n, 10] landmarks, x y per point. Without them the images are taken as already aligned crops
   * (LFW-style packs): used as they are when size × size, else resized (`resizeImage`).
   */
  landmarks?: Float32Array;
  /** Encoded images (JPEG/PNG bytes) to decode in place of reading `imageDir/names[i]`. */
  encoded?: Uint8Array[];
  size: number;
  layout: Layout;
  preprocessing: Preprocessing;
  flip: boolean;
  dtype: 'float32' | 'float16';
  /** Pixel limit of an image (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Element i: where to save face i's crop as a PNG (--save-crops); absent: no crops. */
  cropFiles?: string[];
  /** Save the crops only: no model input is made (`input` is empty). */
  cropsOnly?: boolean;
}

export interface PreparedBatch {
  count: number;
  input: Float32Array | Uint16Array;
  flipInput?: Float32Array | Uint16Array;
  /** Faces of this batch that could not be prepared: position in the batch, file and reason. */
  bad: { position: number; file: string; reason: string }[];
  /** Images that were resized (no landmarks, not size × size). */
  resized: number;
  /** Crops written (--save-crops). */
  crops: number;
  /** The first crop that could not be written, and why. */
  cropFailure?: { file: string; reason: string };
  /** Wall time spent preparing, in ms. */
  ms: number;
}

/** Decodes kept in flight per batch (libuv's pool has 4 threads by default). */
const DECODE_AHEAD = 4;

const tables = new Map<string, Float32Array>();
function tableFor(p: Preprocessing): Float32Array {
  const key = JSON.stringify([p.scale, p.mean, p.std]);
  let t = tables.get(key);
  if (!t) tables.set(key, (t = normalisationTable(p)));
  return t;
}

/** Why a face could not be prepared, in words that depend on the file only (the same every run). */
function badFaceReason(e: unknown): string {
  if (e instanceof InputFileError) return /\(no such file\)$/.test(e.reason) ? 'no such file' : e.reason;
  if (e instanceof ImageError || e instanceof LandmarkError) return e.message;
  throw e; // anything else is a bug, not a bad face
}

export async function prepareBatch(task: PrepareTask): Promise<PreparedBatch> {
  const t0 = performance.now();
  const n = task.names.length;
  const per = 3 * task.size * task.size;
  const input = new Float32Array(task.cropsOnly ? 0 : n * per);
  const flipInput = task.flip && !task.cropsOnly ? new Float32Array(n * per) : undefined;
  const table = tableFor(task.preprocessing);
  const crop = new Uint8Array(per);
  const bad: PreparedBatch['bad'] = [];
  let resized = 0;
  const cropWrites: Promise<void>[] = [];
  let cropFailure: PreparedBatch['cropFailure'];
  const saveCrop = (file: string) => {
    const p = writeCrop(crop, task.size, task.preprocessing.channels, file).catch((e: unknown) => {
      cropFailure ??= { file, reason: describeErrno(e) };
    });
    cropWrites.push(p);
  };
  // Decodes run in libuv's thread pool: keep a few in flight while this thread aligns and normalises.
  const decode = (i: number) => {
    const p = decodeImage(task.encoded ? task.encoded[i] : join(task.imageDir, task.names[i]), task.preprocessing.channels, task.maxPixels ?? DEFAULT_MAX_PIXELS);
    p.catch(() => {});
    return p;
  };
  const inFlight: Promise<Awaited<ReturnType<typeof decodeImage>>>[] = [];
  for (let i = 0; i < Math.min(DECODE_AHEAD, n); i++) inFlight.push(decode(i));
  for (let i = 0; i < n; i++) {
    const file = task.encoded ? task.names[i] : join(task.imageDir, task.names[i]);
    const pending = inFlight.shift()!;
    if (i + DECODE_AHEAD < n) inFlight.push(decode(i + DECODE_AHEAD));
    try {
      let img = await pending;
      if (task.landmarks) {
        alignFace(img, task.landmarks.subarray(10 * i, 10 * i + 10), task.size, undefined, crop);
      } else {
        if (img.width !== task.size || img.height !== task.size) {
          img = await resizeImage(img, task.size);
          resized++;
        }
        crop.set(img.data);
      }
    } catch (e) {
      bad.push({ position: i, file, reason: badFaceReason(e) });
      continue;
    }
    if (task.cropFiles) saveCrop(task.cropFiles[i]);
    if (task.cropsOnly) continue;
    writeInput(crop, task.size, table, task.layout, false, input, i * per);
    if (flipInput) writeInput(crop, task.size, table, task.layout, true, flipInput, i * per);
  }
  await Promise.all(cropWrites);
  const crops = cropWrites.length;
  const ms = performance.now() - t0;
  if (task.dtype === 'float16') {
    return { count: n, input: toFloat16Bits(input), flipInput: flipInput && toFloat16Bits(flipInput), bad, resized, crops, cropFailure, ms };
  }
  return { count: n, input, flipInput, bad, resized, crops, cropFailure, ms };
}
