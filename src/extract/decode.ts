/**
 * Image decoding with sharp, matching `cv2.imread(path)` (IMREAD_COLOR): EXIF orientation applied
 * (sharp's `.rotate()` with no argument), alpha dropped, grey images expanded to three channels,
 * 8 bits per channel, interleaved. Baseline JPEGs decode pixel-identical to cv2.imread (libjpeg-turbo
 * in both, default IDCT); the alignment parity test checks this on committed JPEGs. BMP, which
 * libvips lacks, goes to bmp.ts. Image bombs are stopped before decoding: the format is taken from
 * the magic bytes (an SVG named .jpg is refused) and the pixel count from the header.
 */
import { createRequire } from 'node:module';
import type SharpModule from 'sharp';
import { MAX_IMAGE_BYTES, readInputFileAsync } from '../io/input-file.js';
import type { RawImage } from './align.js';
import { BmpError, decodeBmp } from './bmp.js';

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

/** Default pixel limit of a decoded image (width × height): 40 MP; a face image is well under 1 MP. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** The raster formats face sets use; anything else (SVG, GIF, HEIF, PDF …) is refused by its bytes. */
export type ImageFormat = 'JPEG' | 'PNG' | 'BMP' | 'WebP' | 'TIFF';

/** An image that cannot be decoded: the message is the reason, stable for a given file (no path). */
export class ImageError extends Error {}

const startsWith = (b: Uint8Array, bytes: number[], at = 0): boolean => bytes.every((x, k) => b[at + k] === x);
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** The format by magic bytes, never by name (an SVG named .jpg is not a JPEG). */
export function sniffImageFormat(b: Uint8Array): ImageFormat | undefined {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'JPEG';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'PNG';
  if (startsWith(b, ascii('BM')) && b.length >= 26) return 'BMP';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'WebP';
  if (startsWith(b, ascii('II')) && (b[2] === 42 || b[2] === 43) && b[3] === 0) return 'TIFF'; // 43: BigTIFF
  if (startsWith(b, ascii('MM')) && b[2] === 0 && (b[3] === 42 || b[3] === 43)) return 'TIFF';
  return undefined;
}

/** What a refused file looks like, for the message. */
function describeNonImage(b: Uint8Array): string {
  if (b.length === 0) return 'an empty file';
  const head = Buffer.from(b.subarray(0, 256)).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart();
  if (head.startsWith('<')) return 'an SVG or other XML/HTML document';
  if (head.startsWith('GIF8')) return 'a GIF';
  if (head.startsWith('%PDF')) return 'a PDF';
  if (startsWith(b, ascii('ftyp'), 4)) return 'a HEIF/AVIF or other ISO media file';
  return `a file starting with bytes ${Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ')}`;
}

/** Whether the file ends before its format's end marker (a truncated download or copy). */
function endsEarly(format: ImageFormat, b: Uint8Array): boolean {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0 || b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--; // padding
  if (format === 'JPEG') return !(b[end - 2] === 0xff && b[end - 1] === 0xd9);
  if (format === 'PNG') return Buffer.from(b.subarray(Math.max(0, end - 12))).indexOf('IEND') < 0;
  if (format === 'WebP') return b.length < 8 || new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true) + 8 > b.length;
  return false;
}

/**
 * Why sharp refused the bytes, in words that depend on the file only: libvips' own text varies from
 * run to run (its error buffer is per thread and collects earlier errors), so it is not used.
 */
async function decodeFailure(format: ImageFormat, b: Uint8Array, e: unknown, maxPixels: number): Promise<string> {
  if (/pixel limit/i.test(String((e as Error)?.message))) {
    const m = await loadSharp()(b, { limitInputPixels: false }).metadata().catch(() => undefined);
    const size = m?.width && m?.height ? `${m.width}×${m.height} pixels` : 'the image';
    return `${size} is over the limit of ${maxPixels} pixels (--max-pixels)`;
  }
  if (endsEarly(format, b)) return `truncated ${format}: the file ends before the image data does`;
  return `corrupt ${format} data: the decoder refused it`;
}

/**
 * Decodes an image file (or encoded bytes) to interleaved RGB (or BGR) 8-bit pixels. Only JPEG,
 * PNG, BMP, WebP and TIFF, recognised by their bytes, and at most `maxPixels` pixels (checked from
 * the header, before decoding). Failures are ImageError (or InputFileError for the file itself).
 */
export async function decodeImage(input: string | Uint8Array, order: ChannelOrder = 'rgb', maxPixels = DEFAULT_MAX_PIXELS): Promise<RawImage> {
  // Reading the file here and decoding from memory costs ~0.7 ms less per small image than
  // letting libvips open the path.
  const notAnImage = (b: Uint8Array) => (sniffImageFormat(b) ? undefined : `not a JPEG, PNG, BMP, WebP or TIFF image: ${describeNonImage(b)}`);
  const bytes = typeof input === 'string' ? await readInputFileAsync(input, { maxBytes: MAX_IMAGE_BYTES, what: 'the image', head: notAnImage }) : input;
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageError(notAnImage(bytes)!);
  let img: RawImage;
  if (format === 'BMP') {
    try {
      img = decodeBmp(bytes, maxPixels);
    } catch (e) {
      throw e instanceof BmpError ? new ImageError(e.message) : e;
    }
  } else {
    let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      decoded = await loadSharp()(bytes, { failOn: 'error', limitInputPixels: maxPixels })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new ImageError(await decodeFailure(format, bytes, e, maxPixels));
    }
    const { data, info } = decoded;
    if (info.channels !== 3) throw new ImageError(`decoded to ${info.channels} channels, expected 3`);
    img = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
  }
  if (order === 'bgr') swapRedBlue(img.data);
  return img;
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

/**
 * Interleaved 8-bit RGB pixels → PNG bytes (sharp's encoder at its defaults: the same pixels give
 * the same bytes).
 */
export async function encodePng(img: RawImage): Promise<Uint8Array> {
  const png = await loadSharp()(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** In place: RGB ↔ BGR of interleaved 3-channel pixels. */
export function swapRedBlue(p: Uint8Array): void {
  for (let i = 0; i + 2 < p.length; i += 3) {
    const r = p[i];
    p[i] = p[i + 2];
    p[i + 2] = r;
  }
}
