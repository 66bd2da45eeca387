/**
 * A restricted Python pickle reader: exactly the opcodes of insightface's evaluation .bin files
 * (protocols 2–5: py2 `str`, `bytes`, numpy uint8 arrays, lists, tuples, bools, small ints) and
 * nothing else. It never imports or calls anything named in the file: GLOBAL / STACK_GLOBAL may only
 * name the numpy array and dtype reconstructors and `_codecs.encode`, and REDUCE / BUILD are
 * interpreted by fixed TypeScript code for those. Any other opcode, global or call is refused with a
 * DataError naming the file, the byte offset and the opcode.
 */
import { DataError, quoteToken } from '../errors.js';

/** A Python tuple (lists are plain arrays). */
export class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** A numpy ndarray of dtype uint8 (C order): `data` holds its elements. */
export class PickleUint8Array {
  constructor(
    readonly shape: number[],
    readonly data: Uint8Array,
  ) {}
}

/** One of the allow-listed globals (never resolved to anything executable). */
class PickleGlobal {
  constructor(readonly qualified: string) {}
}

/** numpy.dtype('u1') built by REDUCE; BUILD may set its state. */
class NumpyDtype {
  constructor(readonly code: string) {}
}

/** An ndarray made by `_reconstruct`, waiting for its BUILD state. */
class PendingArray {
  built?: PickleUint8Array;
}

/**
 * Values a pickle may produce here: `Uint8Array` for py2 `str` and py3 `bytes` (raw bytes, never
 * decoded), `string` for unicode text, numbers, booleans, null (None), arrays (lists) and tuples.
 */
export type PickleValue = null | boolean | number | string | Uint8Array | PickleValue[] | PickleTuple | PickleUint8Array;
type StackValue = PickleValue | PickleGlobal | NumpyDtype | PendingArray;

/** An evaluation pack nests 3 levels (tuple → list → array state); anything much deeper is refused. */
const MAX_DEPTH = 64;
/**
 * Most values one pickle may create (each costs ~100 bytes of memory however few bytes of file it
 * took): an evaluation pack holds 3 per pair (two images, one label), so 8M is ~2.7M pairs.
 */
export const MAX_PICKLE_VALUES = 1 << 23;

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  '_codecs.encode',
]);

const OPCODE_NAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x2e: 'STOP', 0x28: 'MARK', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE',
  0x61: 'APPEND', 0x65: 'APPENDS', 0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x4e: 'NONE', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2',
  0x8a: 'LONG1', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8e: 'BINBYTES8', 0x96: 'BYTEARRAY8', 0x58: 'BINUNICODE', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8',
  0x94: 'MEMOIZE', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x68: 'BINGET', 0x6a: 'LONG_BINGET',
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD',
  // Known but refused:
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x7d: 'EMPTY_DICT', 0x64: 'DICT',
  0x73: 'SETITEM', 0x75: 'SETITEMS', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x50: 'PERSID', 0x51: 'BINPERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER', 0x49: 'INT', 0x4c: 'LONG', 0x8b: 'LONG4', 0x53: 'STRING', 0x56: 'UNICODE',
  0x47: 'BINFLOAT', 0x46: 'FLOAT', 0x67: 'GET', 0x70: 'PUT', 0x6c: 'LIST', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
};

/** Whether `byte` is a pickle opcode at all (a file of zeros is not a pickle). */
export function isPickleOpcode(byte: number): boolean {
  return OPCODE_NAMES[byte] !== undefined;
}

function opName(op: number): string {
  return `${OPCODE_NAMES[op] ?? 'unknown opcode'} (0x${op.toString(16).padStart(2, '0')})`;
}


/** Parses `buf` (the whole file) and returns the pickled value; `maxValues` caps the values it may create. */
export function readPickle(buf: Uint8Array, file: string, maxValues = MAX_PICKLE_VALUES): PickleValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: StackValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, StackValue>();
  let pos = 0;
  let opStart = 0;
  let op = 0;

  const fail = (what: string): DataError => new DataError(`${file}: byte ${opStart}: ${opName(op)}: ${what}`);
  const need = (n: number): number => {
    if (pos + n > buf.length) throw fail(`truncated: needs ${n} more bytes, the file ends at byte ${buf.length}`);
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = (): number => buf[need(1)];
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const p = need(8);
    const hi = view.getUint32(p + 4, true);
    if (hi > 0x1fffff) throw fail('length does not fit in memory');
    return hi * 2 ** 32 + view.getUint32(p, true);
  };
  const bytes = (n: number): Uint8Array => {
    const p = need(n);
    return buf.subarray(p, p + n);
  };
  const asBuffer = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const text = (n: number): string => {
    const p = need(n);
    return asBuffer.toString('utf8', p, p + n);
  };
  let created = 0;
  const count = (): void => {
    if (++created > maxValues) throw fail(`more than ${maxValues} values: not an evaluation pack`);
  };
  const push = (v: StackValue): void => {
    count();
    stack.push(v);
  };
  const pop = (): StackValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) throw fail('stack underflow');
    return stack.pop()!;
  };
  const top = (): StackValue => {
    if (stack.length === 0) throw fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): StackValue[] => {
    const m = marks.pop();
    if (m === undefined) throw fail('no MARK to pop to');
    return stack.splice(m);
  };
  const plain = (v: StackValue, what: string): PickleValue => {
    if (v instanceof PickleGlobal || v instanceof NumpyDtype) throw fail(`${what} cannot hold a ${describe(v)}`);
    if (v instanceof PendingArray) {
      if (!v.built) throw fail(`${what} holds an ndarray that was never built`);
      return v.built;
    }
    return v;
  };
  const global = (qualified: string): PickleGlobal => {
    if (!ALLOWED_GLOBALS.has(qualified)) {
      throw fail(`global ${quoteToken(qualified)} is not allowed (only numpy array reconstruction is); refusing to load`);
    }
    return new PickleGlobal(qualified);
  };
  const line = (): string => {
    let end = pos;
    while (end < buf.length && buf[end] !== 0x0a) end++;
    if (end >= buf.length) throw fail('truncated: no newline');
    const s = asBuffer.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };

  while (true) {
    opStart = pos;
    if (pos >= buf.length) throw new DataError(`${file}: byte ${pos}: the pickle ends without STOP (truncated file?)`);
    op = buf[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v < 2 || v > 5) throw fail(`protocol ${v} is not supported (2 to 5)`);
        break;
      }
      case 0x95: // FRAME: an 8-byte length hint; the frame's opcodes follow inline.
        need(8);
        break;
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length) throw fail(`the stack holds ${stack.length} values at STOP (expected 1)`);
        return finalize(stack[0], fail, new Set(), 0);
      }
      case 0x28: count(); marks.push(stack.length); break; // MARK
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x61: { // APPEND
        const v = plain(pop(), 'a list');
        const list = top();
        if (!Array.isArray(list)) throw fail(`APPEND to a ${describe(list)}`);
        list.push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark().map((v) => plain(v, 'a list'));
        const list = top();
        if (!Array.isArray(list)) throw fail(`APPENDS to a ${describe(list)}`);
        for (const v of items) list.push(v);
        break;
      }
      case 0x74: push(tupleOf(popMark())); break; // TUPLE
      case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const n = op - 0x84;
        const items: StackValue[] = [];
        for (let k = 0; k < n; k++) items.unshift(pop());
        push(tupleOf(items));
        break;
      }
      case 0x88: push(true); break;
      case 0x89: push(false); break;
      case 0x4e: push(null); break;
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement, at most 6 bytes here
        const n = u8();
        if (n > 6) throw fail(`a ${n}-byte integer is too large`);
        const b = bytes(n);
        let v = 0;
        for (let k = n - 1; k >= 0; k--) v = v * 256 + b[k];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        push(v);
        break;
      }
      case 0x54: { // BINSTRING (py2 str: raw bytes)
        const n = view.getInt32(need(4), true);
        if (n < 0) throw fail('negative length');
        push(bytes(n));
        break;
      }
      case 0x55: push(bytes(u8())); break; // SHORT_BINSTRING
      case 0x42: push(bytes(u32())); break; // BINBYTES
      case 0x43: push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: push(bytes(u64())); break; // BINBYTES8, BYTEARRAY8
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw fail(`memo key ${key} was never stored`);
        push(memo.get(key)!);
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        push(global(`${module}.${name}`));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== 'string' || typeof module !== 'string') throw fail('module and name must be strings');
        push(global(`${module}.${name}`));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal)) throw fail(`cannot call a ${describe(callable)}`);
        if (!(args instanceof PickleTuple)) throw fail(`arguments of ${callable.qualified} must be a tuple`);
        push(reduce(callable.qualified, args.items as StackValue[], fail));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        build(obj, state, fail);
        break;
      }
      default:
        throw fail('not allowed in an insightface .bin; refusing to load');
    }
  }
}

/** Tuples may hold the helper objects (dtype, global) while numpy's arguments are being assembled. */
function tupleOf(items: StackValue[]): PickleTuple {
  return new PickleTuple(items as PickleValue[]);
}

/** Replaces built ndarrays inside tuples and lists by their value; refuses helper objects left in the result. */
function finalize(v: StackValue, fail: Fail, seen: Set<object>, depth: number): PickleValue {
  if (v instanceof PendingArray) {
    if (!v.built) throw fail('the result holds an ndarray that was never built');
    return v.built;
  }
  if (v instanceof PickleGlobal || v instanceof NumpyDtype) throw fail(`the result holds a ${describe(v)}`);
  if ((v instanceof PickleTuple || Array.isArray(v)) && !seen.has(v)) {
    if (depth > MAX_DEPTH) throw fail(`lists or tuples nested deeper than ${MAX_DEPTH} levels`);
    seen.add(v);
    const items = (v instanceof PickleTuple ? v.items : v) as StackValue[];
    for (let k = 0; k < items.length; k++) items[k] = finalize(items[k], fail, seen, depth + 1);
  }
  return v as PickleValue;
}

function describe(v: StackValue): string {
  if (v === null) return 'None';
  if (v instanceof PickleGlobal) return `global ${v.qualified}`;
  if (v instanceof NumpyDtype) return 'numpy dtype';
  if (v instanceof PendingArray || v instanceof PickleUint8Array) return 'numpy ndarray';
  if (v instanceof PickleTuple) return 'tuple';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

type Fail = (what: string) => DataError;

/** The fixed interpretation of the allow-listed callables. */
function reduce(qualified: string, args: StackValue[], fail: Fail): StackValue {
  switch (qualified) {
    case 'numpy.core.multiarray._reconstruct':
    case 'numpy._core.multiarray._reconstruct': {
      // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array whose BUILD state follows.
      const [cls] = args;
      if (args.length !== 3 || !(cls instanceof PickleGlobal) || cls.qualified !== 'numpy.ndarray') {
        throw fail(`${qualified} may only reconstruct numpy.ndarray`);
      }
      return new PendingArray();
    }
    case 'numpy.dtype': {
      const [code] = args;
      if (code !== 'u1' && code !== '|u1') throw fail(`numpy dtype ${JSON.stringify(code)} is not supported (only uint8 image buffers)`);
      return new NumpyDtype('u1');
    }
    case '_codecs.encode': {
      // Protocol 2 from Python 3 writes bytes as _codecs.encode(<latin-1 text>, 'latin1').
      const [s, enc] = args;
      if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) throw fail(`_codecs.encode only for (text, 'latin1')`);
      if (/[^\u0000-\u00ff]/.test(s)) throw fail('text with characters above U+00FF cannot be encoded as latin1');
      return new Uint8Array(Buffer.from(s, 'latin1'));
    }
    case 'numpy.core.numeric._frombuffer':
    case 'numpy._core.numeric._frombuffer': {
      // Protocol 5: _frombuffer(buffer, dtype, shape, order).
      const [data, dtype, shape, order] = args;
      if (!(data instanceof Uint8Array) || !(dtype instanceof NumpyDtype)) throw fail('_frombuffer needs (bytes, uint8 dtype, shape, order)');
      if (order !== 'C') throw fail(`array order ${JSON.stringify(order)} is not supported`);
      return new PickleUint8Array(shapeOf(shape, data.length, fail), data);
    }
    default:
      throw fail(`cannot call ${qualified}`);
  }
}

function shapeOf(shape: StackValue, length: number, fail: Fail): number[] {
  if (!(shape instanceof PickleTuple) || !shape.items.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw fail('array shape must be a tuple of non-negative integers');
  }
  const dims = shape.items as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== length) throw fail(`array shape (${dims.join(', ')}) needs ${count} bytes, found ${length}`);
  return dims;
}

/** BUILD: only the state of a uint8 ndarray or of its dtype. */
function build(obj: StackValue, state: StackValue, fail: Fail): void {
  if (obj instanceof NumpyDtype) {
    // (3, '|', None, None, None, -1, -1, 0): version, byte order, … — nothing else is accepted.
    if (!(state instanceof PickleTuple) || state.items.length < 2 || (state.items[1] !== '|' && state.items[1] !== '<' && state.items[1] !== '=')) {
      throw fail('unexpected numpy dtype state');
    }
    return;
  }
  if (obj instanceof PendingArray) {
    // (version, shape, dtype, is_fortran, raw data)
    if (!(state instanceof PickleTuple) || state.items.length !== 5) throw fail('unexpected numpy ndarray state');
    const [, shape, dtype, fortran, raw] = state.items as StackValue[];
    if (!(dtype instanceof NumpyDtype)) throw fail('ndarray state without a uint8 dtype');
    if (fortran !== false) throw fail('Fortran-ordered arrays are not supported');
    if (!(raw instanceof Uint8Array)) throw fail(`ndarray data must be bytes, found ${describe(raw)}`);
    if (obj.built) throw fail('ndarray built twice');
    obj.built = new PickleUint8Array(shapeOf(shape, raw.length, fail), raw);
    return;
  }
  throw fail(`BUILD on a ${describe(obj)} is not allowed`);
}
