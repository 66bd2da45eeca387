/**
 * Generated LFW-style inputs for the model-mode tests: textured face-like images in person folders
 * and insightface .bin pickles of them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';

const SIZE = 112;

/** pickle protocol 3 of (bins, issame_list) with bytes images, as Python 3 writes it. */
export function binPickle(images: Uint8Array[], issame: boolean[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x80, 0x03, 0x5d, 0x28])]; // PROTO 3, EMPTY_LIST, MARK
  for (const b of images) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    parts.push(Buffer.from([0x42]), len, Buffer.from(b)); // BINBYTES
  }
  parts.push(Buffer.from([0x65, 0x5d, 0x28])); // APPENDS, EMPTY_LIST, MARK
  parts.push(Buffer.from(issame.map((s) => (s ? 0x88 : 0x89))));
  parts.push(Buffer.from([0x65, 0x86, 0x2e])); // APPENDS, TUPLE2, STOP
  return Buffer.concat(parts);
}

/** Textured face-like images: person p has a seeded base pattern, picture n adds noise; some not 112×112, one PNG. */
export async function makeImages(people: number, pictures: number): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (let p = 0; p < people; p++) {
    const base = mulberry32(1000 + p);
    const pattern = Uint8Array.from({ length: 16 * 16 * 3 }, () => Math.floor(base() * 256));
    for (let n = 1; n <= pictures; n++) {
      const noise = mulberry32(7919 * p + n);
      const w = (p + n) % 3 === 0 ? 100 : SIZE;
      const h = (p + n) % 3 === 0 ? 130 : SIZE;
      const px = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) {
            const v = pattern[((Math.floor((y * 16) / h) * 16 + Math.floor((x * 16) / w)) * 3) + c] + (noise() - 0.5) * 60 + (x - w / 2) * 0.3;
            px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
          }
        }
      }
      const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
      const name = `P${p}/P${p}_${String(n).padStart(4, '0')}.jpg`;
      out.set(name, await (n === 2 ? img.png() : img.jpeg({ quality: 90 })).toBuffer());
    }
  }
  return out;
}


/**
 * Under `dir`: `images/P<p>/P<p>_000<n>.jpg` (4 people × 3 pictures, from makeImages), `pairs.txt`
 * (2 sets of 3 matched + 3 mismatched pairs: the sets are the folds) and `tiny.bin` (12 pairs of the
 * same images, alternating genuine / impostor).
 */
export async function writeLfwSet(dir: string): Promise<{ images: Map<string, Buffer>; binFile: string; binImages: Uint8Array[] }> {
  const images = await makeImages(4, 3);
  for (const [name, bytes] of images) {
    mkdirSync(join(dir, 'images', name.split('/')[0]), { recursive: true });
    writeFileSync(join(dir, 'images', name), bytes);
  }
  const lines = ['2\t3'];
  for (let s = 0; s < 2; s++) {
    for (let k = 0; k < 3; k++) lines.push(`P${s + 2 * (k % 2)}\t${1 + (k % 3)}\t${1 + ((k + 1) % 3)}`);
    for (let k = 0; k < 3; k++) lines.push(`P${k}\t${1 + s}\tP${k + 1}\t${1 + ((s + k) % 3)}`);
  }
  writeFileSync(join(dir, 'pairs.txt'), lines.join('\n') + '\n');
  const names = [...images.keys()];
  const binImages: Uint8Array[] = [];
  const same: boolean[] = [];
  for (let i = 0; i < 12; i++) {
    const a = names[i % names.length];
    const b = i % 2 === 0 ? names[(i % 4) * 3 + ((i + 1) % 3)] : names[(i * 5 + 1) % names.length];
    binImages.push(images.get(a)!, images.get(b)!);
    same.push(a.split('/')[0] === b.split('/')[0]);
  }
  const binFile = join(dir, 'tiny.bin');
  writeFileSync(binFile, binPickle(binImages, same));
  return { images, binFile, binImages };
}
