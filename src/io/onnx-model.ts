/**
 * ONNX model files: read through the guarded reader, then checked to be a protobuf ModelProto with
 * a graph before onnxruntime sees them. onnxruntime's own message for an empty or foreign file
 * ("Model data pointer is null", a protobuf parse error) would otherwise surface as an execution
 * provider failure.
 */
import { InputFileError, MAX_MODEL_BYTES, readInputFile } from './input-file.js';

/** ModelProto field numbers (onnx.proto) that must be present. */
const IR_VERSION_FIELD = 1;
const GRAPH_FIELD = 7;

/**
 * Why `bytes` is not a ModelProto (undefined when its top-level fields parse and include a graph).
 * With `complete` false, `bytes` is only the start of the file: a field running past its end and
 * a missing graph are then no problem yet.
 */
export function modelProtoProblem(bytes: Uint8Array, complete = true): string | undefined {
  /** A problem that only a complete file has (a prefix may end anywhere). */
  const atEnd = (problem: string): string | undefined => (complete ? problem : undefined);
  if (bytes.length === 0) return atEnd('empty file');
  let p = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (p >= bytes.length) return undefined;
      const b = bytes[p++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  const seen = new Set<number>();
  while (p < bytes.length) {
    const at = p;
    const key = varint();
    if (key === undefined) return atEnd(`truncated protobuf field key at byte ${at}`);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return `protobuf field number 0 at byte ${at}: not a protobuf file`;
    if (wire === 0) {
      if (varint() === undefined) return atEnd(`truncated protobuf varint at byte ${at}`);
    } else if (wire === 1 || wire === 5) {
      p += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined) return atEnd(`truncated protobuf length at byte ${at}`);
      p += length;
    } else {
      return `protobuf wire type ${wire} at byte ${at}: not an ONNX ModelProto`;
    }
    if ((field === IR_VERSION_FIELD && wire !== 0) || (field === GRAPH_FIELD && wire !== 2)) {
      return `field ${field} at byte ${at} has the wrong protobuf type: not an ONNX ModelProto`;
    }
    if (p > bytes.length) return atEnd(`truncated: field ${field} at byte ${at} runs past the end of the file (${bytes.length} bytes)`);
    seen.add(field);
  }
  if (!complete) return undefined;
  if (!seen.has(GRAPH_FIELD)) return 'no graph: not an ONNX ModelProto';
  if (!seen.has(IR_VERSION_FIELD)) return 'no ir_version: not an ONNX ModelProto';
  return undefined;
}

/** The model's bytes; InputFileError `<file>: not a valid ONNX model (…)` when they cannot be one. */
export function readOnnxModelFile(file: string): Buffer {
  const notModel = (problem: string | undefined) => problem && `not a valid ONNX model (${problem})`;
  const bytes = readInputFile(file, { maxBytes: MAX_MODEL_BYTES, what: 'the model', head: (first) => notModel(modelProtoProblem(first, false)) });
  const problem = modelProtoProblem(bytes);
  if (problem) throw new InputFileError(file, notModel(problem)!);
  return bytes;
}
