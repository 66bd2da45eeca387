/**
 * The generator of the hostile inputs the test/hostile suite feeds to the io and extraction layers,
 * made at test time and kept small: sparse files (ftruncate, no data blocks), FIFOs (mkfifo),
 * symlinks to /dev/zero and /dev/urandom, a unix socket, a device node (root only), crafted
 * headers (npy, PNG, BMP, ONNX), and a tiny IJB layout with a model whose output is NaN for dark
 * images.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ARCFACE_TEMPLATE_112 } from '../../src/extract/align.js';
import { crc32 } from '../../src/io/crc32.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';

export const REPO = join(import.meta.dirname, '..', '..');

export function scratchDir(prefix = 'facebench-hostile-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A sparse file of `size` bytes (all zeros, no data blocks on disk). */
export function sparseFile(path: string, size: number): string {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

/** A named pipe nobody writes to: opening it for reading blocks, reading from it never ends. */
export function fifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`);
  return path;
}

export function symlink(path: string, target: string): string {
  symlinkSync(target, path);
  return path;
}

/** A listening unix socket at `path`; close the server after use. */
export function unixSocket(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(path, () => resolve(server));
  });
}

/**
 * A character device node (the same device as /dev/zero) made with mknod, or the reason it cannot
 * be made: mknod needs root and CAP_MKNOD.
 */
export function deviceNode(path: string): { path?: string; skipReason?: string } {
  if (process.getuid?.() !== 0) return { skipReason: 'not running as root: mknod needs root' };
  const r = spawnSync('mknod', [path, 'c', '1', '5']);
  if (r.status !== 0) return { skipReason: `mknod failed (${String(r.stderr).trim()}): no CAP_MKNOD in this container?` };
  return { path };
}

/** A .npy with this header dict text (padded as numpy pads it) and `dataBytes` zero bytes of data. */
export function npyWithHeader(path: string, dict: string, dataBytes: number): string {
  const header = dict.padEnd(Math.ceil((dict.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1')]));
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, pre.length + header.length + dataBytes); // sparse data: a 35 GB file costs nothing
  closeSync(fd);
  return path;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG header announcing width × height RGB pixels, with a few bytes of image data: a bomb's header. */
export function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, RGB, deflate, no filter, no interlace
  const idat = Buffer.from([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00]); // the start of a zlib stream of zeros
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The 122-byte kind of SVG of the issue: 16000 × 16000 pixels once rasterised. */
export const SVG_BOMB = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="100%" height="100%"/></svg>');

/**
 * A BMP of RGB pixels (row-major [height, width, 3]) written from the file-format description:
 * 24-bit BGR, 32-bit BGRX, or 1/4/8-bit with a palette of the distinct colours; rows bottom-up
 * unless `topDown`, each padded to 4 bytes.
 */
export function encodeBmp(rgb: Uint8Array, width: number, height: number, bpp: 1 | 4 | 8 | 24 | 32, topDown = false): Buffer {
  const palette: number[] = [];
  const index = new Map<number, number>();
  if (bpp <= 8) {
    for (let i = 0; i < width * height; i++) {
      const c = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
      if (!index.has(c)) {
        index.set(c, palette.length);
        palette.push(c);
      }
    }
    if (palette.length > 1 << bpp) throw new Error(`${palette.length} colours do not fit ${bpp} bits`);
  }
  const stride = Math.ceil((bpp * width) / 32) * 4;
  const paletteBytes = bpp <= 8 ? 4 * (1 << bpp) : 0;
  const offset = 14 + 40 + paletteBytes;
  const b = Buffer.alloc(offset + stride * height);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(topDown ? -height : height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bpp, 28);
  palette.forEach((c, k) => {
    b[54 + 4 * k] = c & 0xff;
    b[54 + 4 * k + 1] = (c >> 8) & 0xff;
    b[54 + 4 * k + 2] = c >> 16;
  });
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (bpp <= 8) {
        const k = index.get((rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2])!;
        const bit = x * bpp;
        b[row + (bit >> 3)] |= k << (8 - bpp - (bit & 7));
      } else {
        const p = row + x * (bpp / 8);
        b[p] = rgb[3 * i + 2];
        b[p + 1] = rgb[3 * i + 1];
        b[p + 2] = rgb[3 * i];
        if (bpp === 32) b[p + 3] = 0x7f; // alpha, ignored by IMREAD_COLOR
      }
    }
  }
  return b;
}

/**
 * A model [N,3,112,112] → [N,3]: the square root of each channel's mean. Finite for bright images
 * (normalised mean > 0), NaN for dark ones — a model that "outputs NaN" for chosen faces.
 */
export function sqrtModel(): Uint8Array {
  return encodeOnnxModel({
    name: 'sqrt-of-mean',
    nodes: [
      { opType: 'GlobalAveragePool', inputs: ['input'], outputs: ['pooled'] },
      { opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: 1 } },
      { opType: 'Sqrt', inputs: ['flat'], outputs: ['embedding'] },
    ],
    inputs: [{ name: 'input', elemType: 'float32', dims: ['N', 3, 112, 112] }],
    outputs: [{ name: 'embedding', elemType: 'float32', dims: ['N', 3] }],
  });
}

/**
 * A tiny IJB_release layout: `loose_crop/<i>.png` (112 × 112, grey level `levels[i]`, a gradient so
 * that no two faces are alike) and `meta/ijbc_name_5pts_score.txt` with the ArcFace template as
 * landmarks. Levels above 128 give the sqrt model finite features, below 127 NaN.
 */
export async function tinyIjbRoot(root: string, levels: number[]): Promise<string> {
  mkdirSync(join(root, 'loose_crop'), { recursive: true });
  mkdirSync(join(root, 'meta'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < levels.length; i++) {
    const px = Buffer.alloc(112 * 112 * 3);
    for (let k = 0; k < px.length; k++) px[k] = Math.max(0, Math.min(255, levels[i] + ((k >> 5) % 7) - 3));
    await sharp(px, { raw: { width: 112, height: 112, channels: 3 } }).png().toFile(join(root, 'loose_crop', `${i + 1}.png`));
    lines.push(`${i + 1}.png ${ARCFACE_TEMPLATE_112.join(' ')} 0.9`);
  }
  writeFileSync(join(root, 'meta', 'ijbc_name_5pts_score.txt'), lines.join('\n') + '\n');
  return root;
}
