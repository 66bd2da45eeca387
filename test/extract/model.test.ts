import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_MODELS, tinyModelSpec, type TinyModelArch } from '../../fixtures/extract-demo.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { prepareBatch } from '../../src/extract/prepare.js';
import { PRESETS } from '../../src/extract/preprocess.js';
import { openModelSession } from '../../src/extract/session.js';
import { readFaceLandmarks } from '../../src/io/ijb-meta.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures');
const lm = readFaceLandmarks(join(FIX, 'ijb-images', 'meta', 'ijbc_name_5pts_score.txt'));

/** Plain float64 forward pass of a tiny model: Conv → Relu → Conv → Relu → Flatten → Gemm. */
function forward(arch: TinyModelArch, input: Float32Array): Float64Array {
  const init = Object.fromEntries(tinyModelSpec(arch).initializers!.map((t) => [t.name, t.values as Float32Array]));
  const conv = (x: Float64Array | Float32Array, cin: number, size: number, w: Float32Array, b: Float32Array, c: TinyModelArch['conv1']) => {
    const out = Math.floor((size + 2 * c.pad - c.kernel) / c.stride) + 1;
    const y = new Float64Array(c.out * out * out);
    for (let o = 0; o < c.out; o++) {
      for (let oy = 0; oy < out; oy++) {
        for (let ox = 0; ox < out; ox++) {
          let s = b[o];
          for (let i = 0; i < cin; i++) {
            for (let ky = 0; ky < c.kernel; ky++) {
              const iy = oy * c.stride - c.pad + ky;
              if (iy < 0 || iy >= size) continue;
              for (let kx = 0; kx < c.kernel; kx++) {
                const ix = ox * c.stride - c.pad + kx;
                if (ix < 0 || ix >= size) continue;
                s += x[(i * size + iy) * size + ix] * w[((o * cin + i) * c.kernel + ky) * c.kernel + kx];
              }
            }
          }
          y[(o * out + oy) * out + ox] = Math.max(0, s);
        }
      }
    }
    return { y, out };
  };
  const l1 = conv(input, 3, 112, init.w1, init.b1, arch.conv1);
  const l2 = conv(l1.y, arch.conv1.out, l1.out, init.w2, init.b2, arch.conv2);
  const flat = l2.y.length;
  const f = new Float64Array(arch.dim);
  for (let d = 0; d < arch.dim; d++) {
    let s = init.b3[d];
    for (let k = 0; k < flat; k++) s += l2.y[k] * init.w3[d * flat + k];
    f[d] = s;
  }
  return f;
}

describe.each(TINY_MODELS.map((a) => [a.name, a] as const))('fixture model %s', (name, arch) => {
  const modelPath = join(FIX, 'models', `${name}.onnx`);

  it('the committed file is what the generator writes', () => {
    expect(Buffer.from(encodeOnnxModel(tinyModelSpec(arch))).equals(readFileSync(modelPath))).toBe(true);
  });

  it('onnxruntime features equal a plain TypeScript forward pass (1e-5), for any batch size', async () => {
    const names = lm.names.slice(0, 9);
    const prepared = await prepareBatch({
      imageDir: join(FIX, 'ijb-images', 'loose_crop'), names, landmarks: lm.landmarks.slice(0, 90), size: 112, layout: 'NCHW',
      preprocessing: PRESETS.arcface, flip: false, dtype: 'float32',
    });
    const session = await openModelSession(modelPath, 'cpu', { threads: 1 });
    try {
      expect(session.provider).toBe('cpu');
      expect(session.model).toMatchObject({ inputName: 'input', outputName: 'embedding', layout: 'NCHW', size: 112, dtype: 'float32' });
      const per = 3 * 112 * 112;
      const all = await session.run(prepared.input, names.length);
      expect(all.dim).toBe(arch.dim);
      let worst = 0;
      for (let i = 0; i < names.length; i++) {
        const ref = forward(arch, (prepared.input as Float32Array).subarray(i * per, (i + 1) * per));
        for (let d = 0; d < arch.dim; d++) worst = Math.max(worst, Math.abs(all.features[i * arch.dim + d] - ref[d]) / Math.max(1, Math.abs(ref[d])));
      }
      expect(worst).toBeLessThan(1e-5);
      // Batch size must not change any feature: runs of 1, 2 and 4 faces give the same rows.
      for (const b of [1, 2, 4]) {
        for (let s = 0; s < names.length; s += b) {
          const n = Math.min(b, names.length - s);
          const part = await session.run((prepared.input as Float32Array).slice(s * per, (s + n) * per), n);
          expect(Array.from(part.features)).toEqual(Array.from(all.features.subarray(s * arch.dim, (s + n) * arch.dim)));
        }
      }
    } finally {
      await session.release();
    }
  });
});

describe('model input variants (read from the model metadata)', () => {
  const arch = TINY_MODELS[0];
  const names = lm.names.slice(0, 5);
  const task = {
    imageDir: join(FIX, 'ijb-images', 'loose_crop'), names, landmarks: lm.landmarks.slice(0, 50), size: 112,
    preprocessing: PRESETS.arcface, flip: false,
  };

  async function features(model: Uint8Array, layout: 'NCHW' | 'NHWC', dtype: 'float32' | 'float16') {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'facebench-model-'));
    const path = join(dir, 'm.onnx');
    writeFileSync(path, model);
    const session = await openModelSession(path, 'cpu', { threads: 1 });
    try {
      expect(session.model.layout).toBe(layout);
      expect(session.model.dtype).toBe(dtype);
      const prepared = await prepareBatch({ ...task, layout, dtype });
      return (await session.run(prepared.input, names.length)).features;
    } finally {
      await session.release();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('NHWC input gives the NCHW features', async () => {
    const spec = tinyModelSpec(arch);
    const nhwc = encodeOnnxModel({
      ...spec,
      nodes: [{ opType: 'Transpose', inputs: ['image'], outputs: ['input'], attributes: { perm: [0, 3, 1, 2] } }, ...spec.nodes],
      inputs: [{ name: 'image', elemType: 'float32', dims: ['N', 112, 112, 3] }],
    });
    const a = await features(encodeOnnxModel(spec), 'NCHW', 'float32');
    const b = await features(nhwc, 'NHWC', 'float32');
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('float16 input gets the values rounded to half precision', async () => {
    const spec = tinyModelSpec(arch);
    const fp16 = encodeOnnxModel({
      ...spec,
      nodes: [{ opType: 'Cast', inputs: ['input16'], outputs: ['input'], attributes: { to: 1 } }, ...spec.nodes],
      inputs: [{ name: 'input16', elemType: 'float16', dims: ['N', 3, 112, 112] }],
    });
    const f16 = await features(fp16, 'NCHW', 'float16');
    const f32 = await features(encodeOnnxModel(spec), 'NCHW', 'float32');
    // arcface values (x − 127.5)/127.5 are multiples of 1/255: half precision moves them by < 2^-11.
    let worst = 0;
    for (let i = 0; i < f32.length; i++) worst = Math.max(worst, Math.abs(f16[i] - f32[i]) / Math.max(1, Math.abs(f32[i])));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-2);
  });
});

describe('a model with a fixed batch size', () => {
  it('pads the last batch and gives the dynamic model\'s features', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { extractFeatures } = await import('../../src/extract/extract.js');
    const { readNpyMatrix } = await import('../../src/io/npy.js');
    const dir = mkdtempSync(join(tmpdir(), 'facebench-fixed-'));
    try {
      const spec = tinyModelSpec(TINY_MODELS[0]);
      writeFileSync(join(dir, 'fixed.onnx'), encodeOnnxModel({ ...spec, inputs: [{ name: 'input', elemType: 'float32', dims: [16, 3, 112, 112] }] }));
      const { loadFaceList } = await import('../../src/extract/datasets.js');
      const common = { faces: loadFaceList({ kind: 'ijb', root: join(FIX, 'ijb-images'), target: 'IJBC' }), ep: 'cpu' as const, workers: 0, flip: false, preprocessing: PRESETS.arcface, resume: false, shard: { index: 1, count: 1 }, skipBad: false, threads: 1 };
      const fixed = await extractFeatures({ ...common, modelPath: join(dir, 'fixed.onnx'), out: join(dir, 'a'), batch: 50 });
      await extractFeatures({ ...common, modelPath: join(FIX, 'models', 'tiny-a32.onnx'), out: join(dir, 'b'), batch: 50 });
      expect(fixed.meta!.batch).toBe(16); // 120 faces = 7 × 16 + 8: the last batch is padded
      expect(Array.from(readNpyMatrix(join(dir, 'a', 'features.npy')).data)).toEqual(Array.from(readNpyMatrix(join(dir, 'b', 'features.npy')).data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
