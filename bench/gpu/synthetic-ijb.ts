/**
 * Synthetic IJB-style loose crops for the extraction benchmark: `<root>/loose_crop/<i>.jpg` and
 * `<root>/meta/ijbc_name_5pts_score.txt` (`name x1 y1 … x5 y5 score`, the layout `facebench extract`
 * reads). What costs time in extraction is decoding a JPEG of a loose crop's size and warping it,
 * so each face is a JPEG of 160–320 px a side; its content is one of `POOL` rendered faces (an
 * ellipse with eyes and mouth at the pose the landmarks describe, on a textured background) with
 * its own brightness, contrast and JPEG quality, so no two files are alike.
 * Deterministic from the seed; a stamp file lets a second run with the same settings reuse them.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { gaussian, mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { ARCFACE_TEMPLATE_112 } from '../../src/extract/align.js';

/** Distinct rendered faces the crops are made from. */
const POOL = 64;
const STAMP = 'synthetic.json';
const FACE_LIST = join('meta', 'ijbc_name_5pts_score.txt');

interface Base {
  width: number;
  height: number;
  pixels: Uint8Array;
  /** The template's 5 points under the face's pose, x y. */
  landmarks: number[];
}

/** One face under a random similarity pose, on a background of a few gratings and noise. */
function renderBase(rand: () => number): Base {
  const gauss = gaussian(rand);
  const width = 160 + Math.floor(161 * rand());
  const height = 160 + Math.floor(161 * rand());
  const scale = ((0.9 + 0.8 * rand()) * Math.min(width, height)) / 180;
  const angle = (rand() - 0.5) * 0.6;
  const cx = width * (0.4 + 0.2 * rand()), cy = height * (0.4 + 0.2 * rand());
  const c = Math.cos(angle) * scale, s = Math.sin(angle) * scale;
  // template frame (u, v) → image: x = c·(u − 56) − s·(v − 66) + cx, y = s·(u − 56) + c·(v − 66) + cy
  const T = ARCFACE_TEMPLATE_112;
  const landmarks: number[] = [];
  for (let k = 0; k < 5; k++) landmarks.push(c * (T[2 * k] - 56) - s * (T[2 * k + 1] - 66) + cx, s * (T[2 * k] - 56) + c * (T[2 * k + 1] - 66) + cy);
  const colour = (lo: number, hi: number) => [0, 1, 2].map(() => lo + (hi - lo) * rand());
  const bg = colour(30, 220), skin = colour(80, 230), dark = colour(10, 70);
  const waves = [0, 1, 2].map(() => ({ fx: 0.02 + 0.3 * rand(), fy: 0.02 + 0.3 * rand(), a: 5 + 25 * rand() }));
  const pixels = new Uint8Array(width * height * 3);
  const det = scale * scale;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const X = x - cx, Y = y - cy;
      const u = (c * X + s * Y) / det + 56, v = (-s * X + c * Y) / det + 66;
      let col = bg;
      let texture = waves.reduce((t, w) => t + w.a * Math.sin(x * w.fx + y * w.fy), 0);
      if (((u - 56) / 36) ** 2 + ((v - 68) / 46) ** 2 <= 1) {
        col = skin;
        texture *= 0.15;
        for (let k = 0; k < 2; k++) if ((u - T[2 * k]) ** 2 + (v - T[2 * k + 1]) ** 2 < 20) col = dark;
        if (Math.abs(v - (T[7] + T[9]) / 2) < 2.5 && u > T[6] && u < T[8]) col = dark;
      }
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) pixels[o + k] = Math.max(0, Math.min(255, Math.round(col[k] + texture + 4 * gauss())));
    }
  }
  return { width, height, pixels, landmarks };
}

export interface SyntheticIjb {
  root: string;
  faces: number;
  /** Bytes of all JPEGs. */
  imageBytes: number;
  /** Whether the files were already there (same faces and seed) and were reused. */
  reused: boolean;
}

/**
 * Writes (or reuses) `faces` loose crops and their face list under `root`. `concurrency` JPEG
 * encodes are kept in flight (sharp works in libuv's thread pool: UV_THREADPOOL_SIZE bounds them).
 */
export async function writeSyntheticIjb(root: string, faces: number, seed: number, concurrency = 2 * availableParallelism()): Promise<SyntheticIjb> {
  if (!Number.isInteger(faces) || faces < 1) throw new Error(`faces must be a positive integer; got ${faces}`);
  const stamp = join(root, STAMP);
  const want = { faces, seed, pool: POOL };
  if (existsSync(stamp)) {
    const have = JSON.parse(readFileSync(stamp, 'utf8')) as typeof want & { imageBytes: number };
    if (have.faces === faces && have.seed === seed && have.pool === POOL) return { root, faces, imageBytes: have.imageBytes, reused: true };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'loose_crop'), { recursive: true });
  mkdirSync(join(root, 'meta'), { recursive: true });
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  const bases = Array.from({ length: Math.min(POOL, faces) }, () => renderBase(rand));
  // Every random choice is drawn here, in face order, so the files do not depend on the encoding order.
  const plan = Array.from({ length: faces }, (_, i) => ({
    name: `${i + 1}.jpg`,
    base: bases[i % bases.length],
    contrast: 0.8 + 0.4 * rand(),
    brightness: -20 + 40 * rand(),
    quality: 85 + Math.floor(11 * rand()),
    jitter: Array.from({ length: 10 }, () => 0.8 * gauss()),
    score: 0.5 + 0.5 * rand(),
  }));
  let imageBytes = 0;
  let next = 0;
  const encodeNext = async (): Promise<void> => {
    while (next < plan.length) {
      const p = plan[next++];
      const jpeg = await sharp(p.base.pixels, { raw: { width: p.base.width, height: p.base.height, channels: 3 } })
        .linear(p.contrast, p.brightness)
        .jpeg({ quality: p.quality })
        .toBuffer();
      imageBytes += jpeg.length;
      await writeFile(join(root, 'loose_crop', p.name), jpeg);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, encodeNext));
  const lines = plan.map((p) => `${p.name} ${p.base.landmarks.map((v, k) => (v + p.jitter[k]).toFixed(3)).join(' ')} ${p.score.toFixed(4)}`);
  writeFileSync(join(root, FACE_LIST), lines.join('\n') + '\n');
  writeFileSync(stamp, JSON.stringify({ ...want, imageBytes }) + '\n');
  return { root, faces, imageBytes, reused: false };
}

/**
 * A root listing only the first `faces` faces of `full` (its loose_crop linked, not copied), for
 * runs shorter than the whole set. Returns its path (`<dir>/first-<faces>`).
 */
export function faceListPrefix(full: string, dir: string, faces: number): string {
  const root = join(dir, `first-${faces}`);
  if (existsSync(join(root, FACE_LIST))) return root;
  const lines = readFileSync(join(full, FACE_LIST), 'utf8').split('\n').filter(Boolean);
  if (faces > lines.length) throw new Error(`${full} lists ${lines.length} faces, fewer than ${faces}`);
  mkdirSync(join(root, 'meta'), { recursive: true });
  if (!existsSync(join(root, 'loose_crop'))) symlinkSync(relative(root, join(full, 'loose_crop')), join(root, 'loose_crop'));
  writeFileSync(join(root, FACE_LIST), lines.slice(0, faces).join('\n') + '\n');
  return root;
}
