// The GPU benchmark's building blocks on the CPU with a tiny network (bench/gpu/README.md runs the
// whole script; here each step is checked on its own, in seconds).
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { facesForRun, parseGpuBenchArgs, runConfig, writeModels } from '../../bench/gpu/gpu-bench.js';
import { GpuMemorySampler } from '../../bench/gpu/measure.js';
import { benchNotes, benchTable, hms, type ConfigOutcome } from '../../bench/gpu/report.js';
import { faceListPrefix, writeSyntheticIjb } from '../../bench/gpu/synthetic-ijb.js';
import { decodeImage } from '../../src/extract/decode.js';
import { webgpuUnavailableReason } from '../../src/extract/vulkan-probe.js';
import { readFaceLandmarks } from '../../src/io/ijb-meta.js';
import { tempDir } from '../helpers/cli.js';

const TINY = { blocks: [1, 1, 1, 1], width: 4, dim: 16 };

describe('gpu-bench options', () => {
  it('defaults to iresnet100 on 20,000 faces at batch 64/128/256, every provider, both dtypes', () => {
    const o = parseGpuBenchArgs([]);
    expect(o).toMatchObject({ faces: 20000, arch: { blocks: [3, 13, 30, 3], width: 64, dim: 512 }, batches: [64, 128, 256], providers: ['cuda', 'webgpu', 'cpu'], dtypes: ['fp32', 'fp16'] });
  });
  it('--small shrinks everything; explicit flags still win', () => {
    expect(parseGpuBenchArgs(['--small'])).toMatchObject({ faces: 192, arch: { blocks: [1, 1, 1, 1], width: 8, dim: 128 }, batches: [16, 32], runSeconds: 1, bareSeconds: 0.5 });
    expect(parseGpuBenchArgs(['--small', '--faces', '1000', '--providers', 'cpu'])).toMatchObject({ faces: 1000, providers: ['cpu'] });
  });
  it.each([
    [['--blocks', '3,13,30'], /--blocks takes 4 comma-separated positive integers/],
    [['--providers', 'cpu,tpu'], /--providers takes a comma list of cuda, webgpu, cpu; got 'cpu,tpu'/],
    [['--faces', '0'], /--faces must be an integer ≥ 1/],
    [['--run-seconds', 'x'], /--run-seconds must be a number ≥ 0/],
    [['--frobnicate', '1'], /unknown flag --frobnicate/],
    [['--faces'], /unexpected argument '--faces'/],
    [['--time-limit', '-5'], /--time-limit must be an integer ≥ 1/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseGpuBenchArgs(argv)).toThrow(message);
  });
});

describe('gpu-bench run sizes', () => {
  it('takes about --run-seconds of the bare rate in whole batches, at least 3 batches, at most every face', () => {
    // 600 images/s = 300 faces/s with their mirrors; 20 s → 6,000 faces → 47 batches of 128 = 6,016.
    expect(facesForRun(600, 20, 128, 20000)).toBe(6016);
    expect(facesForRun(10, 20, 128, 20000)).toBe(384);
    expect(facesForRun(1e5, 20, 128, 20000)).toBe(20000);
    expect(facesForRun(10, 20, 128, 100)).toBe(100);
  });
});

describe('synthetic loose crops', () => {
  it('writes JPEGs and an IJB face list whose landmarks lie inside the images, reused by a second call', async () => {
    const root = join(tempDir(), 'ijb');
    const first = await writeSyntheticIjb(root, 24, 7);
    expect(first).toMatchObject({ faces: 24, reused: false });
    const faces = readFaceLandmarks(join(root, 'meta', 'ijbc_name_5pts_score.txt'));
    expect(faces.names).toEqual(Array.from({ length: 24 }, (_, i) => `${i + 1}.jpg`));
    expect(readdirSync(join(root, 'loose_crop')).length).toBe(24);
    const sizes = new Set<string>();
    for (const [i, name] of faces.names.entries()) {
      const img = await decodeImage(join(root, 'loose_crop', name));
      expect(img.width).toBeGreaterThanOrEqual(160);
      expect(img.width).toBeLessThanOrEqual(320);
      sizes.add(`${img.width}x${img.height}`);
      for (let k = 0; k < 5; k++) {
        const [x, y] = [faces.landmarks[10 * i + 2 * k], faces.landmarks[10 * i + 2 * k + 1]];
        expect(x > 0 && x < img.width && y > 0 && y < img.height).toBe(true);
      }
    }
    expect(sizes.size).toBeGreaterThan(5);
    const bytes = readFileSync(join(root, 'loose_crop', '1.jpg'));
    expect(await writeSyntheticIjb(root, 24, 7)).toMatchObject({ reused: true, imageBytes: first.imageBytes });
    expect(readFileSync(join(root, 'loose_crop', '1.jpg'))).toEqual(bytes);
    expect(await writeSyntheticIjb(root, 24, 8)).toMatchObject({ reused: false });
    expect(readFileSync(join(root, 'loose_crop', '1.jpg'))).not.toEqual(bytes);

    const prefix = faceListPrefix(root, join(root, '..', 'roots'), 10);
    expect(readFaceLandmarks(join(prefix, 'meta', 'ijbc_name_5pts_score.txt')).names).toEqual(faces.names.slice(0, 10));
    expect(realpathSync(join(prefix, 'loose_crop'))).toBe(realpathSync(join(root, 'loose_crop')));
  });
});

describe('one configuration', () => {
  it('measures the bare loop and an extract --flip run on the cpu provider, fp32 and fp16', async () => {
    const work = tempDir();
    const data = await writeSyntheticIjb(join(work, 'ijb'), 40, 3);
    const models = writeModels(work, TINY, ['fp32', 'fp16'], 1);
    for (const dtype of ['fp32', 'fp16'] as const) {
      const o = await runConfig({ config: { provider: 'cpu', dtype, batch: 8 }, model: models[dtype], root: data.root, work, faces: 40, runSeconds: 0.05, bareSeconds: 0.05, workers: 0, threads: 1 });
      if (o.status !== 'measured') throw new Error(`${dtype}: ${o.status}: ${o.reason}`);
      expect(o.bare).toMatchObject({ dtype: dtype === 'fp32' ? 'float32' : 'float16', dim: 16 });
      expect(o.bare.runs).toBeGreaterThanOrEqual(2);
      expect(o.bare.imagesPerSecond).toBeGreaterThan(0);
      // At least 3 batches of 8, whole batches (a tiny network: far more than 0.05 s of faces would be asked for).
      expect(o.extract.faces % 8 === 0 || o.extract.faces === 40).toBe(true);
      expect(o.extract.faces).toBeGreaterThanOrEqual(24);
      expect(o.extract.provider).toBe('cpu');
      expect(o.extract.steadyFacesPerSecond).toBeGreaterThan(0);
      expect(o.extract.waitShare + o.extract.modelShare).toBeLessThanOrEqual(1);
      expect(existsSync(join(work, `store-cpu-${dtype}-8`))).toBe(false);
    }
  });

  it.runIf(webgpuUnavailableReason() !== undefined)('reports webgpu as unavailable, with the Vulkan probe\'s reason, where it is', async () => {
    const work = tempDir();
    const data = await writeSyntheticIjb(join(work, 'ijb'), 8, 3);
    const models = writeModels(work, TINY, ['fp32'], 1);
    const o = await runConfig({ config: { provider: 'webgpu', dtype: 'fp32', batch: 8 }, model: models.fp32, root: data.root, work, faces: 8, runSeconds: 0.05, bareSeconds: 0.05, workers: 0 });
    expect(o).toMatchObject({ status: 'unavailable' });
    expect((o as { reason: string }).reason).toContain(webgpuUnavailableReason()!);
  });

  it('has no GPU memory to report without nvidia-smi', async () => {
    const sampler = new GpuMemorySampler(10);
    await sampler.start();
    const peak = await sampler.stop();
    // Where nvidia-smi answers, the rise over an idle moment is a number ≥ 0.
    expect(peak === undefined || peak >= 0).toBe(true);
  });
});

describe('gpu-bench report', () => {
  const measured = (provider: 'webgpu' | 'cpu', steady: number, bareImages: number, gpuMemoryMiB?: number): ConfigOutcome => ({
    config: { provider, dtype: 'fp16', batch: 128 },
    status: 'measured',
    bare: { openSeconds: 1, warmupSeconds: [3, 0.2], runs: 20, imagesPerSecond: bareImages, dtype: 'float16', dim: 512 },
    extract: { faces: 6016, facesPerSecond: steady * 0.9, steadyFacesPerSecond: steady, firstBatchSeconds: 4.2, waitShare: 0.05, modelShare: 0.93, provider },
    gpuMemoryMiB,
  });

  it('one row per measured configuration: share = steady ÷ (bare images/s ÷ 2), IJB-C at the steady rate', () => {
    const table = benchTable([
      measured('webgpu', 300, 620, 2048.4),
      measured('webgpu', 250, 620),
      { config: { provider: 'cuda', dtype: 'fp16', batch: 128 }, status: 'unavailable', reason: 'its libraries are not installed' },
    ]).split('\n');
    expect(table).toHaveLength(4);
    // 300 ÷ 310 = 97 %; 469,375 / 300 = 1564.6 s
    expect(table[2]).toBe('| webgpu | fp16 | 128 | 6016 | 4.2 | 270 | 300 | 310 | 97 % | 5 % | 2048 | 0:26:05 |');
    // 250 ÷ 310 = 81 % (under the 90 % target), no nvidia-smi; 469,375 / 250 = 1877.5 s
    expect(table[3]).toBe('| webgpu | fp16 | 128 | 6016 | 4.2 | 225 | 250 | 310 | 81 % ⚠ | 5 % | – | 0:31:18 |');
  });

  it('notes say why each configuration was not measured, once per unavailable provider', () => {
    const notes = benchNotes([
      { config: { provider: 'cuda', dtype: 'fp32', batch: 64 }, status: 'unavailable', reason: 'no libraries' },
      { config: { provider: 'cuda', dtype: 'fp16', batch: 64 }, status: 'unavailable', reason: 'no libraries' },
      { config: { provider: 'cpu', dtype: 'fp16', batch: 128 }, status: 'failed', reason: 'killed after 600 s' },
      { config: { provider: 'cpu', dtype: 'fp16', batch: 256 }, status: 'skipped', reason: '--time-limit 500 s reached' },
    ]);
    expect(notes.slice(1)).toEqual([
      'cpu fp16 batch 128: failed — killed after 600 s',
      'cuda: not available — no libraries',
      'not run (--time-limit 500 s reached): cpu fp16 batch 256',
    ]);
    expect(hms(3 * 3600 + 61.4)).toBe('3:01:01');
  });
});
