/**
 * BMP decoding (sharp's libvips has no BMP loader; cv2.imread reads BMP). Uncompressed Windows
 * bitmaps as OpenCV's BMP decoder reads them: 1/4/8-bit palettes, 24-bit BGR, 32-bit BGRX (alpha
 * ignored, as IMREAD_COLOR does), bottom-up or top-down rows padded to 4 bytes. Compressed (RLE,
 * JPEG/PNG inside) and 16-bit bitmaps are refused with a message. PURE: bytes in, pixels out.
 */
import type { RawImage } from './align.js';

/** A BMP that cannot be decoded; the message is the reason (no path). */
export class BmpError extends Error {}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/** Width and height from the header (height as stored: negative for top-down rows). */
export function bmpSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 26) throw new BmpError('truncated BMP: the header is cut off');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dibSize = v.getUint32(14, true);
  if (dibSize === 12) return { width: v.getUint16(18, true), height: v.getInt16(20, true) };
  return { width: v.getInt32(18, true), height: v.getInt32(22, true) };
}

/** Decodes to interleaved RGB; refuses more than `maxPixels` pixels before allocating them. */
export function decodeBmp(b: Uint8Array, maxPixels: number): RawImage {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const { width, height: storedHeight } = bmpSize(b);
  const dibSize = v.getUint32(14, true);
  const core = dibSize === 12;
  if (!core && (dibSize < 40 || b.length < 14 + 40)) throw new BmpError(`BMP header of ${dibSize} bytes is not a Windows bitmap header`);
  const bpp = core ? v.getUint16(24, true) : v.getUint16(28, true);
  const compression = core ? BI_RGB : v.getUint32(30, true);
  const height = Math.abs(storedHeight);
  const topDown = storedHeight < 0;
  if (width < 1 || height < 1) throw new BmpError(`BMP of ${width}×${storedHeight} pixels`);
  if (width * height > maxPixels) throw new BmpError(`${width}×${height} pixels is over the limit of ${maxPixels} pixels (--max-pixels)`);
  if (![1, 4, 8, 24, 32].includes(bpp)) throw new BmpError(`${bpp}-bit BMP is not supported (1, 4, 8, 24 or 32 bits per pixel)`);
  if (compression === BI_BITFIELDS && bpp === 32) {
    // The R, G, B masks follow the 40-byte header (inside it for V4/V5 headers): only the usual
    // ones (B G R in the low three bytes) mean the same bytes as BI_RGB.
    const usual = b.length >= 66 && v.getUint32(54, true) === 0xff0000 && v.getUint32(58, true) === 0xff00 && v.getUint32(62, true) === 0xff;
    if (!usual) throw new BmpError('BMP with unusual bit-field masks is not supported');
  } else if (compression !== BI_RGB) {
    throw new BmpError(`compressed BMP (compression type ${compression}) is not supported`);
  }
  const dataOffset = v.getUint32(10, true);
  const stride = Math.ceil((bpp * width) / 32) * 4;
  if (dataOffset + stride * height > b.length) {
    throw new BmpError(`truncated BMP: ${width}×${height} at ${bpp} bits needs ${dataOffset + stride * height} bytes, the file has ${b.length}`);
  }
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const entrySize = core ? 3 : 4;
    const used = core ? 0 : v.getUint32(46, true);
    const entries = used > 0 && used <= 1 << bpp ? used : 1 << bpp;
    const start = 14 + dibSize;
    palette = b.subarray(start, Math.min(start + entries * entrySize, dataOffset));
    const paletteEntries = Math.floor(palette.length / entrySize);
    palette = Uint8Array.from({ length: paletteEntries * 3 }, (_, k) => palette![Math.floor(k / 3) * entrySize + 2 - (k % 3)]); // BGR(X) → RGB
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (palette) {
        const bit = x * bpp;
        const index = (b[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (3 * index + 2 >= palette.length) throw new BmpError(`BMP pixel (${x}, ${y}) uses palette entry ${index} of ${palette.length / 3}`);
        out[o] = palette[3 * index];
        out[o + 1] = palette[3 * index + 1];
        out[o + 2] = palette[3 * index + 2];
      } else {
        const p = row + x * (bpp / 8);
        out[o] = b[p + 2];
        out[o + 1] = b[p + 1];
        out[o + 2] = b[p];
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}
