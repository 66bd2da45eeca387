/**
 * The MagFace figure: average aligned faces per feature-magnitude decile, as one PNG strip (low
 * magnitude on the left). Faces are ranked by magnitude and cut into ten equal-count deciles; from
 * each decile up to `perDecile` faces evenly spaced in rank are decoded (sharp, as cv2.imread),
 * aligned with facebench's own 5-point alignment (src/extract/align.ts) when landmarks are given —
 * images without landmarks are taken as aligned crops and resized when not 112 × 112 — and averaged
 * pixel by pixel. The tiles and their labels are laid out in SVG and rendered by resvg.
 */
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import { alignFace } from '../extract/align.js';
import { decodeImage, resizeImage } from '../extract/decode.js';

export const FACE_SIZE = 112;
export const DEFAULT_FACES_PER_DECILE = 64;

/** One face image: a file or encoded bytes, with its 5 landmarks (x y × 5) in that image when it needs aligning. */
export interface FaceImage {
  file?: string;
  bytes?: Uint8Array;
  /** Names the image in warnings. */
  label: string;
  landmarks?: ArrayLike<number>;
}

export interface MagnitudeDecile {
  /** 1 … 10, low magnitude first. */
  decile: number;
  /** Smallest and largest magnitude in the decile. */
  from: number;
  to: number;
  /** Samples (indices into the magnitudes) chosen to be averaged. */
  chosen: Int32Array;
}

/**
 * Ten equal-count deciles of `magnitudes` (ranked ascending, ties by index) and up to `perDecile`
 * samples of each, evenly spaced in rank. Deciles with no sample (fewer than ten samples) are left out.
 */
export function magnitudeDeciles(magnitudes: Float64Array, perDecile: number): MagnitudeDecile[] {
  const n = magnitudes.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => magnitudes[a] - magnitudes[b] || a - b);
  const out: MagnitudeDecile[] = [];
  for (let d = 0; d < 10; d++) {
    const lo = Math.floor((d * n) / 10);
    const hi = Math.floor(((d + 1) * n) / 10);
    if (hi <= lo) continue;
    const m = Math.min(perDecile, hi - lo);
    const chosen = Int32Array.from({ length: m }, (_, j) => order[lo + Math.floor(((j + 0.5) * (hi - lo)) / m)]);
    out.push({ decile: d + 1, from: magnitudes[order[lo]], to: magnitudes[order[hi - 1]], chosen });
  }
  return out;
}

export interface AverageFaceStrip {
  png: Uint8Array;
  deciles: { decile: number; from: number; to: number; averaged: number; unreadable: number }[];
  /** Images that could not be read or aligned (left out of their average). */
  warnings: string[];
}

/** Averages each decile's faces and lays the averages out left to right, labelled with their magnitude range. */
export async function averageFaceStrip(deciles: MagnitudeDecile[], faceOf: (sample: number) => FaceImage, title: string): Promise<AverageFaceStrip> {
  const warnings: string[] = [];
  const tiles: { png: Uint8Array; decile: MagnitudeDecile; averaged: number; unreadable: number }[] = [];
  const pixels = FACE_SIZE * FACE_SIZE * 3;
  for (const decile of deciles) {
    const sum = new Float64Array(pixels);
    let averaged = 0;
    let unreadable = 0;
    for (const sample of decile.chosen) {
      const face = faceOf(sample);
      try {
        const crop = await alignedCrop(face);
        for (let k = 0; k < pixels; k++) sum[k] += crop[k];
        averaged++;
      } catch (e) {
        unreadable++;
        if (warnings.length < 5) warnings.push(`average faces: ${face.label} left out (${String((e as Error).message ?? e).split('\n')[0]})`);
      }
    }
    const mean = new Uint8Array(pixels);
    for (let k = 0; k < pixels; k++) mean[k] = averaged > 0 ? Math.round(sum[k] / averaged) : 0;
    const png = await sharp(mean, { raw: { width: FACE_SIZE, height: FACE_SIZE, channels: 3 } }).png().toBuffer();
    tiles.push({ png: new Uint8Array(png), decile, averaged, unreadable });
  }
  const unreadableTotal = tiles.reduce((n, t) => n + t.unreadable, 0);
  if (unreadableTotal > 5) warnings.push(`average faces: ${unreadableTotal} images left out in all`);
  return {
    png: renderStrip(tiles, title),
    deciles: tiles.map((t) => ({ decile: t.decile.decile, from: t.decile.from, to: t.decile.to, averaged: t.averaged, unreadable: t.unreadable })),
    warnings,
  };
}

async function alignedCrop(face: FaceImage): Promise<Uint8Array> {
  let img = await decodeImage(face.bytes ?? face.file!, 'rgb');
  if (face.landmarks) return alignFace(img, face.landmarks, FACE_SIZE);
  if (img.width !== FACE_SIZE || img.height !== FACE_SIZE) img = await resizeImage(img, FACE_SIZE);
  return img.data;
}

const GAP = 8;
const TOP = 30;
const BOTTOM = 40;

function renderStrip(tiles: { png: Uint8Array; decile: MagnitudeDecile; averaged: number }[], title: string): Uint8Array {
  const width = tiles.length * (FACE_SIZE + GAP) + GAP;
  const height = TOP + FACE_SIZE + BOTTOM;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const digits = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  const parts = tiles.map((t, k) => {
    const x = GAP + k * (FACE_SIZE + GAP);
    const cx = x + FACE_SIZE / 2;
    const href = `data:image/png;base64,${Buffer.from(t.png).toString('base64')}`;
    return [
      `<image x="${x}" y="${TOP}" width="${FACE_SIZE}" height="${FACE_SIZE}" href="${href}"/>`,
      `<text x="${cx}" y="${TOP + FACE_SIZE + 16}" text-anchor="middle" font-size="12">${esc(`${digits(t.decile.from)}–${digits(t.decile.to)}`)}</text>`,
      `<text x="${cx}" y="${TOP + FACE_SIZE + 31}" text-anchor="middle" font-size="11" fill="#666666">${esc(`decile ${t.decile.decile} · n=${t.averaged}`)}</text>`,
    ].join('');
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    `<text x="${GAP}" y="20" font-size="14">${esc(title)}</text>${parts.join('')}</svg>`;
  return new Uint8Array(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}
