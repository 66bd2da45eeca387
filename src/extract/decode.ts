/**
 * Image decoding with sharp, matching `cv2.imread(path)` (IMREAD_COLOR): EXIF orientation applied
 * (sharp's `.rotate()` with no argument), alpha dropped, grey images expanded to three channels,
 * 8 bits per channel, interleaved. Baseline JPEGs decode pixel-identical to cv2.imread (libjpeg-turbo
 * in both, default IDCT); the alignment parity test checks this on committed JPEGs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type SharpModule from 'sharp';
import type { RawImage } from './align.js';

let sharpModule: typeof SharpModule | undefined;

/** sharp, loaded on first use (it costs ~110 ms of start-up to commands that decode nothing). */
function loadSharp(): typeof SharpModule {
  if (!sharpModule) {
    sharpModule = createRequire(import.meta.url)('sharp') as typeof SharpModule;
    // One decode per worker thread at a time is what we want; libvips' own thread pool stays small.
    sharpModule.concurrency(1);
    sharpModule.cache(false);
  }
  return sharpModule;
}

export type ChannelOrder = 'rgb' | 'bgr';

/** Decodes an image file (or encoded bytes) to interleaved RGB (or BGR) 8-bit pixels. */
export async function decodeImage(input: string | Uint8Array, order: ChannelOrder = 'rgb'): Promise<RawImage> {
  // Reading the file here and decoding from memory costs ~0.7 ms less per small image than
  // letting libvips open the path.
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  const { data, info } = await loadSharp()(bytes, { failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  if (order === 'bgr') swapRedBlue(pixels);
  return { data: pixels, width: info.width, height: info.height, channels: 3 };
}

/** The sharp kernel `resizeImage` uses (see docs/lfw.md, model mode). */
export const RESIZE_KERNEL = 'linear';

/**
 * Resizes decoded pixels to size × size with sharp (kernel `linear`, fit `fill`: the aspect ratio is
 * not kept). Not pixel-identical to cv2.resize; images already size × size are never resized.
 */
export async function resizeImage(img: RawImage, size: number): Promise<RawImage> {
  const { data, info } = await loadSharp()(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(size, size, { fit: 'fill', kernel: RESIZE_KERNEL })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

/** In place: RGB ↔ BGR of interleaved 3-channel pixels. */
export function swapRedBlue(p: Uint8Array): void {
  for (let i = 0; i + 2 < p.length; i += 3) {
    const r = p[i];
    p[i] = p[i + 2];
    p[i + 2] = r;
  }
}
