/**
 * A minimal ONNX (protobuf) model writer: enough to build graphs in memory — the GEMM used to
 * score dense pair blocks, the tiny fixture checkpoints and the IResNet of the GPU benchmark
 * (src/onnx/iresnet.ts). Field numbers follow onnx.proto3.
 */

export type Dim = number | string;
export type ElemType = 'float32' | 'float16' | 'int32';
const ELEM_TYPE: Record<ElemType, number> = { float32: 1, float16: 10, int32: 6 };

export interface ValueInfo {
  name: string;
  elemType: ElemType;
  dims: Dim[];
}

export type AttributeValue = number | number[] | { float: number } | { floats: number[] } | string;

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** float32 values, or the IEEE half-precision bit patterns of a float16 initializer. */
  values: Float32Array | Uint16Array;
  /** Default float32; float16 takes `values` as a Uint16Array of bit patterns. */
  elemType?: ElemType;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  opset?: number;
  producer?: string;
  /** Model metadata_props (key → value). */
  metadata?: Record<string, string>;
}

class ProtoWriter {
  private chunks: Uint8Array[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      bytes.push(b);
    } while (v !== 0n);
    this.chunks.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEM_TYPE[v.elemType]);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') w.int(3, value).int(20, 2);
  else if (typeof value === 'string') w.string(4, value).int(20, 3);
  else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if ('float' in value) w.float(2, value.float).int(20, 1);
  else {
    for (const v of value.floats) w.float(7, v);
    w.int(20, 6);
  }
}

/** Serialises a single-graph ONNX model. */
export function encodeOnnxModel(spec: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version
  w.string(2, spec.producer ?? 'facebench');
  w.message(7, (g) => {
    for (const n of spec.nodes) {
      g.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        if (n.name) node.string(3, n.name);
        node.string(4, n.opType);
        for (const [k, v] of Object.entries(n.attributes ?? {})) node.message(5, (a) => writeAttribute(a, k, v));
      });
    }
    g.string(2, spec.name);
    for (const init of spec.initializers ?? []) {
      const elemType = init.elemType ?? 'float32';
      if ((elemType === 'float16') !== (init.values instanceof Uint16Array)) {
        throw new Error(`initializer ${init.name}: ${elemType} needs ${elemType === 'float16' ? 'Uint16Array bit patterns' : 'a Float32Array'}`);
      }
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        t.int(2, ELEM_TYPE[elemType]);
        t.string(8, init.name);
        t.bytes(9, new Uint8Array(init.values.buffer, init.values.byteOffset, init.values.byteLength));
      });
    }
    for (const i of spec.inputs) g.message(11, (v) => writeValueInfo(v, i));
    for (const o of spec.outputs) g.message(12, (v) => writeValueInfo(v, o));
  });
  w.message(8, (op) => op.string(1, '').int(2, spec.opset ?? 13));
  for (const [k, v] of Object.entries(spec.metadata ?? {})) w.message(14, (p) => p.string(1, k).string(2, v));
  return w.finish();
}
