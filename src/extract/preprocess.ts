/**
 * Aligned 8-bit crop → model input values. Presets follow the reference evaluation code
 * (REFERENCE.md §4), value by value in float32:
 *
 * | preset  | channels | value                                  |
 * |---------|----------|----------------------------------------|
 * | arcface | RGB      | (x − 127.5) / 127.5                    |
 * | magface | BGR      | x / 255                                |
 * | adaface | BGR      | (x / 255 − 0.5) / 0.5                  |
 *
 * In general: v = ((x / scale) − mean[c]) / std[c], each operation rounded to float32 (as a float32
 * tensor op would), precomputed as a 256-entry table per channel. `--channels/--mean/--std` override
 * a preset (then scale = 1). PURE.
 */
import { UsageError } from '../errors.js';
import type { ChannelOrder } from './decode.js';

export const PRESET_NAMES = ['arcface', 'magface', 'adaface'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preprocessing {
  /** The preset it started from, or 'custom' when flags changed it. */
  preset: PresetName | 'custom';
  channels: ChannelOrder;
  scale: number;
  /** Per channel, in the order the model receives them. */
  mean: [number, number, number];
  std: [number, number, number];
}

export const PRESETS: Readonly<Record<PresetName, Readonly<Preprocessing>>> = Object.freeze({
  arcface: Object.freeze({ preset: 'arcface', channels: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] }),
  magface: Object.freeze({ preset: 'magface', channels: 'bgr', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] }),
  adaface: Object.freeze({ preset: 'adaface', channels: 'bgr', scale: 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }),
}) as Readonly<Record<PresetName, Readonly<Preprocessing>>>;

function triple(text: string, flag: string): [number, number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if ((parts.length !== 1 && parts.length !== 3) || parts.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`${flag} takes one number or three comma-separated numbers; got '${text}'`);
  }
  return parts.length === 1 ? [parts[0], parts[0], parts[0]] : (parts as [number, number, number]);
}

/** Resolves --preset and the explicit overrides into one Preprocessing. */
export function resolvePreprocessing(opts: { preset?: string; channels?: string; mean?: string; std?: string }): Preprocessing {
  const name = opts.preset ?? 'arcface';
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}; got '${name}'`);
  }
  const base = PRESETS[name as PresetName];
  const p: Preprocessing = { ...base, mean: [...base.mean], std: [...base.std] };
  if (opts.channels !== undefined) {
    if (opts.channels !== 'rgb' && opts.channels !== 'bgr') throw new UsageError(`--channels must be rgb or bgr; got '${opts.channels}'`);
    if (opts.channels !== p.channels) p.preset = 'custom';
    p.channels = opts.channels;
  }
  if (opts.mean !== undefined || opts.std !== undefined) {
    p.preset = 'custom';
    p.scale = 1;
    p.mean = opts.mean !== undefined ? triple(opts.mean, '--mean') : [0, 0, 0];
    p.std = opts.std !== undefined ? triple(opts.std, '--std') : [1, 1, 1];
    if (p.std.some((v) => v === 0)) throw new UsageError('--std must not be 0');
  }
  return p;
}

/** 256 float32 values per channel: table[c * 256 + x]. */
export function normalisationTable(p: Preprocessing): Float32Array {
  const t = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let x = 0; x < 256; x++) {
      const u = p.scale === 1 ? x : Math.fround(x / p.scale);
      t[c * 256 + x] = Math.fround(Math.fround(u - p.mean[c]) / p.std[c]);
    }
  }
  return t;
}

export type Layout = 'NCHW' | 'NHWC';

/**
 * Writes one interleaved 3-channel crop (already in the model's channel order) into `out` at
 * `offset` (elements), in the model's layout; `flip` mirrors it horizontally first.
 */
export function writeInput(crop: Uint8Array, size: number, table: Float32Array, layout: Layout, flip: boolean, out: Float32Array, offset: number): void {
  const plane = size * size;
  const t0 = table.subarray(0, 256), t1 = table.subarray(256, 512), t2 = table.subarray(512, 768);
  const step = flip ? -3 : 3;
  for (let y = 0; y < size; y++) {
    let p = (y * size + (flip ? size - 1 : 0)) * 3;
    if (layout === 'NCHW') {
      let d = offset + y * size;
      const end = d + size;
      for (; d < end; d++, p += step) {
        out[d] = t0[crop[p]];
        out[d + plane] = t1[crop[p + 1]];
        out[d + 2 * plane] = t2[crop[p + 2]];
      }
    } else {
      let d = offset + y * size * 3;
      const end = d + size * 3;
      for (; d < end; d += 3, p += step) {
        out[d] = t0[crop[p]];
        out[d + 1] = t1[crop[p + 1]];
        out[d + 2] = t2[crop[p + 2]];
      }
    }
  }
}

/** float32 → IEEE half bits, round to nearest even (for fp16 models). */
export function toFloat16Bits(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    let exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) { out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); continue; }
    exp = exp - 127 + 15;
    if (exp >= 0x1f) { out[i] = sign | 0x7c00; continue; }
    if (exp <= 0) {
      if (exp < -10) { out[i] = sign; continue; }
      mant |= 0x800000;
      const shift = 14 - exp;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (exp << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
    out[i] = sign | h;
  }
  return out;
}
