import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { toFloat16Bits } from '../../src/extract/preprocess.js';
import { IRESNET100, iresnetCost, iresnetDepth, iresnetSpec, type IResNetArch } from '../../src/onnx/iresnet.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { createOrtSession, loadOrt } from '../../src/onnx/runtime.js';

const TINY: IResNetArch = { blocks: [1, 1, 1, 1], width: 4, dim: 8 };
/** Second blocks in two stages: the plain identity shortcut too. */
const SMALL: IResNetArch = { blocks: [2, 1, 1, 2], width: 4, dim: 8 };

describe('IResNet cost', () => {
  it('iresnet100 is 12.1 G multiply-adds per face, as insightface lists it', () => {
    // arcface_torch/README.md (insightface 7fadd42), the table with a FLOPs column: "r100(128*32) | 12.1".
    expect(iresnetDepth(IRESNET100)).toBe(100);
    expect(iresnetCost(IRESNET100).macs / 1e9).toBeCloseTo(12.1, 1);
  });
  it('counts the values the graph holds', () => {
    const spec = iresnetSpec({ ...SMALL, dtype: 'float32', random: mulberry32(3) });
    const held = spec.initializers!.reduce((n, t) => n + t.values.length, 0);
    expect(iresnetCost(SMALL).parameters).toBe(held);
  });
});

describe('IResNet graph', () => {
  it('has the node sequence torch.onnx.export gives for iresnet.py', () => {
    // torch 1.13 `torch.onnx.export(IResNet(IBasicBlock, [1, 1, 1, 1]).eval(), opset_version=11)` of
    // insightface's backbones/iresnet.py at 7fadd42, its Identity nodes left out.
    const block = ['BatchNormalization', 'Conv', 'PRelu', 'Conv', 'Conv', 'Add'];
    const expected = ['Conv', 'PRelu', ...block, ...block, ...block, ...block, 'BatchNormalization', 'Flatten', 'Gemm', 'BatchNormalization'];
    expect(iresnetSpec({ ...TINY, dtype: 'float32', random: mulberry32(3) }).nodes.map((n) => n.opType)).toEqual(expected);
    const r100 = iresnetSpec({ blocks: [3, 13, 30, 3], width: 1, dim: 4, dtype: 'float32', random: mulberry32(3) }).nodes;
    const count = (op: string) => r100.filter((n) => n.opType === op).length;
    expect([count('Conv'), count('PRelu'), count('Add'), count('BatchNormalization')]).toEqual([1 + 2 * 49 + 4, 1 + 49, 49, 49 + 2]);
  });

  it('computes what iresnet.py computes (a plain float64 forward pass), in fp32 and in fp16', async () => {
    const ort = await loadOrt();
    const n = 2;
    const input = new Float32Array(n * 3 * 112 * 112);
    const rand = mulberry32(9);
    for (let i = 0; i < input.length; i++) input[i] = 2 * rand() - 1;
    const spec = iresnetSpec({ ...SMALL, dtype: 'float32', random: mulberry32(5) });
    const expected = forward(spec.initializers!, SMALL, input, n);
    const run = async (dtype: 'float32' | 'float16') => {
      const bytes = encodeOnnxModel(iresnetSpec({ ...SMALL, dtype, random: mulberry32(5) }));
      const session = await createOrtSession(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
      const data = dtype === 'float16' ? new ort.Tensor('float16', toFloat16Bits(input), [n, 3, 112, 112]) : new ort.Tensor('float32', input, [n, 3, 112, 112]);
      const out = (await session.run({ data })).features;
      await session.release();
      expect(out.dims).toEqual([n, SMALL.dim]);
      return dtype === 'float16' ? Array.from(out.data as Uint16Array, halfToNumber) : Array.from(out.data as Float32Array);
    };
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    const worst = (got: number[]) => Math.max(...got.map((v, i) => Math.abs(v - expected[i]))) / scale;
    expect(worst(await run('float32'))).toBeLessThan(1e-5);
    expect(worst(await run('float16'))).toBeLessThan(2e-2);
  });
});

function halfToNumber(h: number): number {
  const e = (h >> 10) & 31, m = h & 1023, sign = h & 0x8000 ? -1 : 1;
  return sign * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
}

/**
 * insightface iresnet.py's forward pass (eval mode) in float64, written from the architecture, with
 * the graph's weights looked up by name: conv biases are the folded BatchNorms.
 */
function forward(initializers: { name: string; values: Float32Array | Uint16Array }[], arch: IResNetArch, input: Float32Array, n: number): number[] {
  const w = (name: string) => {
    const t = initializers.find((i) => i.name === name);
    if (!t) throw new Error(`no initializer ${name}`);
    return t.values as Float32Array;
  };
  type Map3 = { c: number; s: number; v: Float64Array };
  const conv = (x: Map3, name: string, cout: number, k: number, stride: number): Map3 => {
    const weight = w(`${name}.weight`), bias = w(`${name}.bias`), pad = (k - 1) / 2, s = x.s / stride;
    const v = new Float64Array(cout * s * s);
    for (let o = 0; o < cout; o++)
      for (let oy = 0; oy < s; oy++)
        for (let ox = 0; ox < s; ox++) {
          let sum = bias[o];
          for (let i = 0; i < x.c; i++)
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= x.s) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride - pad + kx;
                if (ix >= 0 && ix < x.s) sum += x.v[(i * x.s + iy) * x.s + ix] * weight[((o * x.c + i) * k + ky) * k + kx];
              }
            }
          v[(o * s + oy) * s + ox] = sum;
        }
    return { c: cout, s, v };
  };
  const perChannel = (x: Map3, f: (value: number, c: number) => number): Map3 => ({ ...x, v: x.v.map((value, i) => f(value, Math.floor(i / (x.s * x.s)))) });
  const bn = (x: Map3, name: string) => {
    const [g, b, m, v] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => w(`${name}.${p}`));
    return perChannel(x, (value, c) => ((value - m[c]) / Math.sqrt(v[c] + 1e-5)) * g[c] + b[c]);
  };
  const prelu = (x: Map3, name: string) => perChannel(x, (value, c) => (value >= 0 ? value : value * w(`${name}.slope`)[c]));
  const out: number[] = [];
  const per = 3 * 112 * 112;
  for (let b = 0; b < n; b++) {
    let x: Map3 = prelu(conv({ c: 3, s: 112, v: Float64Array.from(input.subarray(b * per, (b + 1) * per)) }, 'conv1', arch.width, 3, 1), 'prelu');
    for (let s = 0; s < 4; s++) {
      for (let k = 0; k < arch.blocks[s]; k++) {
        const p = `layer${s + 1}.${k}`, planes = arch.width << s, stride = k === 0 ? 2 : 1;
        const y = conv(prelu(conv(bn(x, `${p}.bn1`), `${p}.conv1`, planes, 3, 1), `${p}.prelu`), `${p}.conv2`, planes, 3, stride);
        const identity = k === 0 ? conv(x, `${p}.downsample`, planes, 1, 2) : x;
        x = { ...y, v: y.v.map((v, i) => v + identity.v[i]) };
      }
    }
    const flat = bn(x, 'bn2').v;
    const fw = w('fc.weight'), fb = w('fc.bias');
    const fc = { c: arch.dim, s: 1, v: new Float64Array(arch.dim) };
    for (let d = 0; d < arch.dim; d++) {
      let sum = fb[d];
      for (let i = 0; i < flat.length; i++) sum += flat[i] * fw[d * flat.length + i];
      fc.v[d] = sum;
    }
    out.push(...bn(fc, 'features').v);
  }
  return out;
}
