/**
 * An IResNet (insightface `arcface_torch/backbones/iresnet.py`) as an ONNX graph with random, seeded
 * weights: the shape and cost of a real ArcFace checkpoint for throughput benchmarks, with nothing
 * downloaded. The graph is the one `torch.onnx.export` (opset 11, eval mode; what
 * arcface_torch/torch2onnx.py runs) makes of iresnet.py: a convolution followed by a BatchNorm
 * carries that BatchNorm folded into its bias, while the BatchNorm that opens each block (it follows
 * an Add), the one after the last stage and the 1-d BatchNorm of the features stay
 * BatchNormalization nodes; PReLU slopes are [C, 1, 1].
 *
 *   stem    Conv 3×3 (3 → w) + PReLU                                      at 112×112
 *   stage s = 0..3, planes = w·2^s, `blocks[s]` IBasicBlocks, each
 *           BN → Conv 3×3 → PReLU → Conv 3×3 (stride 2 in the stage's first block), + identity
 *           (the first block's identity: Conv 1×1, stride 2)               → 56, 28, 14, 7
 *   head    BN → Flatten → Gemm (8w·7·7 → dim) → BN (1-d)
 *
 * iresnet100 = blocks [3, 13, 30, 3], w = 64, dim = 512: 12.1 G multiply-adds per face.
 * Weights are uniform with the variance of He initialisation, the last convolution of each residual
 * branch damped, so that activations stay O(1)–O(100) through 49 blocks: inside float16's range.
 */
import { toFloat16Bits } from '../extract/preprocess.js';
import type { ElemType, GraphSpec, Initializer, NodeSpec } from './onnx-writer.js';

export interface IResNetArch {
  /** IBasicBlocks per stage (4 stages). */
  blocks: readonly number[];
  /** Channels of the stem and the first stage (64 in insightface's models); stage s has width·2^s. */
  width: number;
  /** Feature dimension. */
  dim: number;
}

/** insightface `iresnet100`. */
export const IRESNET100: IResNetArch = Object.freeze({ blocks: Object.freeze([3, 13, 30, 3]), width: 64, dim: 512 });

/** The input size the head's 7×7 flatten needs (112 / 16). */
export const IRESNET_INPUT_SIZE = 112;

export interface IResNetOptions extends IResNetArch {
  /** Type of the input, the weights and the output. */
  dtype: ElemType;
  /** Uniform random numbers in [0, 1) for the weights (e.g. a seeded mulberry32). */
  random: () => number;
}

/** The network's depth as insightface names it: 2 + 2 × blocks (iresnet100: 100). */
export function iresnetDepth(arch: IResNetArch): number {
  return 2 + 2 * arch.blocks.reduce((a, b) => a + b, 0);
}

/** What the one walk over the architecture emits; each call returns the name of its output. */
interface Emitter {
  conv(name: string, input: string, cin: number, cout: number, kernel: number, stride: number, size: number): string;
  batchNorm(name: string, input: string, channels: number): string;
  prelu(name: string, input: string, channels: number): string;
  add(name: string, a: string, b: string): string;
  head(input: string, channels: number, size: number): void;
}

/** iresnet.py's forward pass, layer by layer (shared by the graph builder and the cost count). */
function walk(arch: IResNetArch, emit: Emitter): void {
  if (arch.blocks.length !== 4 || arch.blocks.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new Error(`IResNet: blocks must be 4 positive integers; got [${arch.blocks.join(', ')}]`);
  }
  let size = IRESNET_INPUT_SIZE;
  let x = emit.prelu('prelu', emit.conv('conv1', 'data', 3, arch.width, 3, 1, size), arch.width);
  let channels = arch.width;
  for (let s = 0; s < 4; s++) {
    const planes = arch.width << s;
    for (let b = 0; b < arch.blocks[s]; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride = b === 0 ? 2 : 1;
      let y = emit.batchNorm(`${p}.bn1`, x, channels);
      y = emit.prelu(`${p}.prelu`, emit.conv(`${p}.conv1`, y, channels, planes, 3, 1, size), planes);
      y = emit.conv(`${p}.conv2`, y, planes, planes, 3, stride, size);
      const identity = b === 0 ? emit.conv(`${p}.downsample`, x, channels, planes, 1, 2, size) : x;
      x = emit.add(`${p}.add`, y, identity);
      channels = planes;
      size /= stride;
    }
  }
  emit.head(emit.batchNorm('bn2', x, channels), channels, size);
}

/**
 * Multiply-adds per 112×112 face (convolutions and the Gemm: what insightface's FLOPs column
 * counts) and the number of values the graph's initializers hold.
 */
export function iresnetCost(arch: IResNetArch): { macs: number; parameters: number } {
  let macs = 0, parameters = 0;
  walk(arch, {
    conv(name, _input, cin, cout, kernel, stride, size) {
      macs += cout * cin * kernel * kernel * (size / stride) ** 2;
      parameters += cout * cin * kernel * kernel + cout; // weight + the folded BatchNorm's bias
      return name;
    },
    batchNorm: (name, _input, channels) => ((parameters += 4 * channels), name),
    prelu: (name, _input, channels) => ((parameters += channels), name),
    add: (name) => name,
    head(_input, channels, size) {
      const fcIn = channels * size * size;
      macs += fcIn * arch.dim;
      parameters += fcIn * arch.dim + arch.dim + 4 * arch.dim; // Gemm, 1-d BatchNorm
    },
  });
  return { macs, parameters };
}

/** The ONNX graph: input `data` [N, 3, 112, 112], output `features` [N, dim], dynamic batch. */
export function iresnetSpec(opts: IResNetOptions): GraphSpec {
  const initializers: Initializer[] = [];
  const nodes: NodeSpec[] = [];
  const tensor = (name: string, dims: number[], values: Float32Array) => {
    initializers.push(opts.dtype === 'float16' ? { name, dims, values: toFloat16Bits(values), elemType: 'float16' } : { name, dims, values });
    return name;
  };
  /** n values uniform in [centre − half, centre + half). */
  const uniform = (n: number, centre: number, half: number) => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = centre + half * (2 * opts.random() - 1);
    return v;
  };
  const filled = (n: number, value: number) => new Float32Array(n).fill(value);
  /** n values of mean 0 and standard deviation `std` (uniform, half-width √3·std). */
  const spread = (n: number, std: number) => uniform(n, 0, Math.sqrt(3) * std);
  const batchNorm = (name: string, input: string, c: number, [weight, bias, mean, variance]: Float32Array[]) => {
    const inputs = [input, tensor(`${name}.weight`, [c], weight), tensor(`${name}.bias`, [c], bias), tensor(`${name}.running_mean`, [c], mean), tensor(`${name}.running_var`, [c], variance)];
    nodes.push({ opType: 'BatchNormalization', inputs, outputs: [name], attributes: { epsilon: { float: 1e-5 } } });
    return name;
  };
  walk(opts, {
    conv(name, input, cin, cout, kernel, stride) {
      const fanIn = cin * kernel * kernel;
      // He variance; each residual branch's last convolution damped (× 0.2), the 1×1 shortcut variance-keeping.
      const std = name.endsWith('.conv2') ? 0.2 * Math.sqrt(2 / fanIn) : name.endsWith('.downsample') ? Math.sqrt(1 / fanIn) : Math.sqrt(2 / fanIn);
      const pad = (kernel - 1) / 2;
      nodes.push({
        opType: 'Conv',
        inputs: [input, tensor(`${name}.weight`, [cout, cin, kernel, kernel], spread(cout * fanIn, std)), tensor(`${name}.bias`, [cout], uniform(cout, 0, 0.05))],
        outputs: [name],
        attributes: { dilations: [1, 1], group: 1, kernel_shape: [kernel, kernel], pads: [pad, pad, pad, pad], strides: [stride, stride] },
      });
      return name;
    },
    batchNorm: (name, input, c) => batchNorm(name, input, c, [uniform(c, 1, 0.1), uniform(c, 0, 0.05), uniform(c, 0, 0.05), uniform(c, 1, 0.1)]),
    prelu(name, input, c) {
      nodes.push({ opType: 'PRelu', inputs: [input, tensor(`${name}.slope`, [c, 1, 1], uniform(c, 0.25, 0.05))], outputs: [name] });
      return name;
    },
    add(name, a, b) {
      nodes.push({ opType: 'Add', inputs: [a, b], outputs: [name] });
      return name;
    },
    head(input, channels, size) {
      const fcIn = channels * size * size;
      nodes.push({ opType: 'Flatten', inputs: [input], outputs: ['flatten'], attributes: { axis: 1 } });
      nodes.push({
        opType: 'Gemm',
        inputs: ['flatten', tensor('fc.weight', [opts.dim, fcIn], spread(opts.dim * fcIn, Math.sqrt(1 / fcIn))), tensor('fc.bias', [opts.dim], uniform(opts.dim, 0, 0.05))],
        outputs: ['fc'],
        attributes: { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 },
      });
      // iresnet.py fixes the features BatchNorm's weight at 1; fresh statistics: mean 0, variance 1.
      batchNorm('features', 'fc', opts.dim, [filled(opts.dim, 1), filled(opts.dim, 0), filled(opts.dim, 0), filled(opts.dim, 1)]);
    },
  });
  const depth = iresnetDepth(opts);
  return {
    name: `iresnet${depth}`,
    nodes,
    inputs: [{ name: 'data', elemType: opts.dtype, dims: ['None', 3, IRESNET_INPUT_SIZE, IRESNET_INPUT_SIZE] }],
    outputs: [{ name: 'features', elemType: opts.dtype, dims: ['None', opts.dim] }],
    initializers,
    opset: 11,
    producer: 'facebench src/onnx/iresnet.ts',
    metadata: { description: `IResNet-${depth} (blocks ${opts.blocks.join(',')}, width ${opts.width}, ${opts.dim}-d, ${opts.dtype}) with random weights: for throughput benchmarks, not a face recogniser` },
  };
}
