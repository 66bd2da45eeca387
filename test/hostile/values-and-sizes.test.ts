// Issue 10, groups 5 and 8: impossible values and absurd sizes. npy headers as strict as numpy
// (stricter on hex and repeated keys, on purpose), shapes bounded before anything is allocated,
// LFW header counts, ONNX input sizes and batch bytes, Python's float() syntax for detector scores
// and landmarks, pickle bombs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { checkBatchSize, MAX_BATCH_INPUT_BYTES, MAX_MODEL_INPUT_SIZE, openModelSession, type ModelInfo } from '../../src/extract/session.js';
import { readFaceLandmarks } from '../../src/io/ijb-meta.js';
import { readInsightfaceBin } from '../../src/io/insightface-bin.js';
import { readLfwPairs } from '../../src/io/lfw-pairs.js';
import { MAX_FEATURE_DIM, MAX_NPY_HEADER_BYTES, MAX_NPY_ROWS, openNpyRows, readNpyMatrix, readNpyScores } from '../../src/io/npy.js';
import { MAX_PICKLE_VALUES, readPickle } from '../../src/io/pickle.js';
import { encodeOnnxModel } from '../../src/onnx/onnx-writer.js';
import { npyWithHeader, removeDir, scratchDir } from './hostile-files.js';

const dir = scratchDir();
afterAll(() => removeDir(dir));
let n = 0;
const npy = (shape: string, dataBytes = 0, extra = ''): string => npyWithHeader(join(dir, `h${n++}.npy`), `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, ${extra}}`, dataBytes);
const text = (name: string, content: string): string => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};

/** Calls `f`, which must throw a DataError (never a RangeError or TypeError), and returns its message. */
function dataError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DataError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('no error was thrown');
}

describe('npy headers: shape entries are plain decimal integers, keys appear once (group 5)', () => {
  // numpy 2.4's np.load (literal_eval) refuses 64.0 and 520e0 (floats); it reads 0x208 as 520 and
  // takes the last of two 'shape' keys. facebench refuses those too rather than guess.
  it.each([
    ['(0x208, 64.0)', /expected a plain decimal integer in the shape at character \d+, found '0x208, 64\.0\), }/],
    ['(520e0, 64)', /expected a plain decimal integer in the shape/],
    ['(0x208, 64)', /expected a plain decimal integer in the shape/],
    ['(2_0, 3)', /expected a plain decimal integer in the shape/],
    ['(007, 3)', /expected a plain decimal integer in the shape/],
    ['(-1, 3)', /expected a plain decimal integer in the shape/],
    ['(99999999999999999999, 3)', /expected a shape entry below 2\*\*53 at character \d+, found '99999999999999999999, 3\), }'/],
    ['(True, 3)', /expected a plain decimal integer in the shape/],
    ['[2, 3]', /expected a string, True, False or a shape tuple/],
    ['(4)', /expected the ',' of a one-element tuple/],
  ])('shape %s is refused, naming the file', (shape, message) => {
    const file = npy(shape, 520 * 64 * 4);
    const m = dataError(() => readNpyMatrix(file));
    expect(m.startsWith(`${file}: malformed .npy header: `), m).toBe(true);
    expect(m).toMatch(message);
  });

  it('a repeated key, an extra key, a missing key, junk after the dict, a non-boolean fortran_order', () => {
    const file = npyWithHeader(join(dir, 'dup.npy'), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (1, 3), }", 24);
    expect(dataError(() => readNpyMatrix(file))).toMatch(/no repeated key \('shape' appears twice\) at character 59/);
    const extra = npy('(2, 3)', 24, "'extra': 'x', ");
    expect(dataError(() => readNpyMatrix(extra))).toMatch(/keys 'descr, extra, fortran_order, shape', expected exactly descr, fortran_order, shape/);
    const missing = npyWithHeader(join(dir, 'missing.npy'), "{'descr': '<f4', 'shape': (2, 3), }", 24);
    expect(dataError(() => readNpyMatrix(missing))).toMatch(/keys 'descr, shape'/);
    const junk = npyWithHeader(join(dir, 'junk.npy'), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", 24);
    expect(dataError(() => readNpyMatrix(junk))).toMatch(/expected only padding after the dict at character 58, found 'junk'/);
    const fortran = npyWithHeader(join(dir, 'fortran.npy'), "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", 24);
    expect(dataError(() => readNpyMatrix(fortran))).toMatch(/expected a string, True, False or a shape tuple/);
  });
});

// np.load's verdicts on the same headers, from test/reference/gen_hostile_values.py (numpy 1.24.2).
const REF = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'data', 'hostile', 'reference-verdicts.json'), 'utf8')) as {
  numpy: string;
  npy_headers: { header: string; shape?: number[]; error?: string }[];
  tokens: { token: string; float: number | string | null; float32: number | string | null }[];
};

describe(`npy headers: the same verdict as np.load (numpy ${REF.numpy}), stricter only where listed`, () => {
  // numpy's literal_eval reads 0x2, 0o2, 0b10 and +2 as integers and keeps the last of two 'shape'
  // keys; facebench refuses them rather than guess what the writer meant.
  const STRICTER = [/\(0x2, 3\)/, /\(0o2, 3\)/, /\(0b10, 3\)/, /\(\+2, 3\)/, /'shape': \(1, 3\), 'shape'/];
  it.each(REF.npy_headers.map((h) => [h.header, h] as const))('%s', (header, verdict) => {
    const file = npyWithHeader(join(dir, `ref${n++}.npy`), header, 24);
    const ours = (() => {
      try {
        return { shape: verdict.shape?.length === 1 ? [readNpyScores(file).length] : (({ rows, cols }) => [rows, cols])(readNpyMatrix(file)) };
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(DataError);
        return { error: (e as Error).message };
      }
    })();
    if (STRICTER.some((r) => r.test(header))) {
      expect(verdict.shape).toBeDefined();
      expect(ours.error).toMatch(/malformed \.npy header/);
    } else if (verdict.shape) {
      expect(ours).toEqual({ shape: verdict.shape });
    } else {
      expect(ours.error, `numpy: ${verdict.error}`).toBeDefined();
    }
  });
});

describe('absurd shapes are refused before any allocation, naming file and shape (group 8)', () => {
  it.each([
    ['(0, 4503599627370496)', `a feature dimension of 4503599627370496 is outside 1…${MAX_FEATURE_DIM}`], // (0, 2**52)
    ['(0, 134217728)', `a feature dimension of 134217728 is outside 1…${MAX_FEATURE_DIM}`], // (0, 2**27)
    ['(520, 16777216)', `a feature dimension of 16777216 is outside 1…${MAX_FEATURE_DIM}`], // (520, 2**24): 40 GiB of kernels
    ['(520, 0)', `a feature dimension of 0 is outside 1…${MAX_FEATURE_DIM}`],
    ['(4294967296, 512)', `4294967296 rows is over the limit of ${MAX_NPY_ROWS}`],
  ])('%s', (shape, message) => {
    const file = npy(shape);
    for (const read of [readNpyMatrix, openNpyRows]) expect(dataError(() => read(file))).toBe(`${file}: shape ${shape}: ${message}`);
  });

  it('a sparse 17 GiB file whose size matches its shape is refused by the in-memory limit, not allocated', () => {
    const file = npy('(70000, 65536)', 70000 * 65536 * 4);
    expect(dataError(() => readNpyMatrix(file))).toBe(`${file}: shape (70000, 65536) needs 17.1 GiB in memory, over the 4 GiB limit of a file read whole`);
    const rows = openNpyRows(file); // streaming it is fine: rows are read block by block
    expect([rows.rows, rows.cols]).toEqual([70000, 65536]);
    rows.close();
  });

  it('a header shorter than announced, and one over numpy\'s 10000-byte limit', () => {
    expect(dataError(() => readNpyMatrix(npy('(520, 64)', 100)))).toMatch(/truncated \.npy: shape \(520, 64\) of f4 needs 133120 data bytes, found 100/);
    const big = join(dir, 'bighdr.npy');
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0]);
    pre.writeUInt32LE(1e9, 8);
    writeFileSync(big, pre);
    expect(dataError(() => readNpyMatrix(big))).toBe(`${big}: .npy header of 1000000000 bytes is over numpy's limit of ${MAX_NPY_HEADER_BYTES}`);
  });

  it('LFW pairs.txt `1000000000<TAB>1000000000`: no 2e18-pair arrays, the file ends early at its line', () => {
    const file = text('pairs-huge.txt', '1000000000\t1000000000\nA\t1\t2\nA\t1\t3\n');
    expect(dataError(() => readLfwPairs(file))).toBe(`${file}:3: the file ends early: expected the matched pair 3 of 1000000000 in set 1 of 1000000000, as the header '1000000000 1000000000' announces`);
  });

  it(`an ONNX input [N,3,20000,20000]: refused when the model is opened (at most ${MAX_MODEL_INPUT_SIZE})`, async () => {
    const file = join(dir, 'huge-input.onnx');
    writeFileSync(file, encodeOnnxModel({
      name: 'huge', nodes: [{ opType: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', elemType: 'float32', dims: ['N', 3, 20000, 20000] }], outputs: [{ name: 'y', elemType: 'float32', dims: ['N', 3, 1, 1] }],
    }));
    await expect(openModelSession(file, 'cpu', { threads: 1 })).rejects.toThrow(new DataError(`${file}: input 'x' has shape [N, 3, 20000, 20000] of float32; expected a face model's input of at most 1024×1024 (they take 112 to 512)`));
  });

  it(`a batch whose model input exceeds ${MAX_BATCH_INPUT_BYTES >> 20} MiB: --batch named (UsageError), or the model's fixed batch (DataError)`, () => {
    const model: ModelInfo = { path: 'm.onnx', sha256: '', inputName: 'x', outputName: 'y', layout: 'NCHW', size: 1024, dtype: 'float32' };
    expect(() => checkBatchSize(model, 21)).not.toThrow(); // 21 × 12 MiB = 252 MiB
    expect(() => checkBatchSize(model, 128)).toThrow(new UsageError('--batch 128: a batch of 128 faces of 3×1024×1024 float32 is 1536 MiB of model input, over the 256 MiB limit', 'use --batch 21 or less'));
    expect(() => checkBatchSize({ ...model, fixedBatch: 64 }, 64)).toThrow(DataError);
    expect(() => checkBatchSize({ ...model, size: 112 }, 128)).not.toThrow();
  });
});

describe("numbers in text files follow Python's float() (group 5: a detector score 0x1)", () => {
  const lmLine = (score: string) => `1.jpg 1 2 3 4 5 6 7 8 9 10 ${score}\n`;

  it('0x1 is refused with the line, what was expected and the token', () => {
    const file = text('score-hex.txt', lmLine('0x1'));
    expect(dataError(() => readFaceLandmarks(file))).toBe(`${file}:1: expected a detector score (a finite number), found '0x1'`);
  });

  // Python float() and ijb_11.py's np.array(strings).astype(np.float32) on each token, from
  // test/reference/gen_hostile_values.py. A finite value is read as the same float32; an error or a
  // non-finite value is refused. Stricter on purpose: non-ASCII digits ('٣' is 3.0 to Python).
  it.each(REF.tokens.filter((t) => t.token !== '').map((t) => [t.token, t] as const))('%s', (token, ref) => {
    const file = text(`score-${n++}.txt`, lmLine(token));
    if (typeof ref.float === 'number' && /^[\x20-\x7e]+$/.test(token)) {
      // 1e300 is finite for float() and inf in float32, as in ijb_11.py (the generator writes inf as "inf").
      expect(readFaceLandmarks(file).detectorScores[0]).toBe(ref.float32 === 'inf' ? Infinity : ref.float32);
    } else {
      expect(dataError(() => readFaceLandmarks(file))).toBe(`${file}:1: expected a detector score (a finite number), found '${token}'`);
    }
  });
});

describe('pickle bombs', () => {
  it(`values are capped (${MAX_PICKLE_VALUES} by default): 2 bytes of MARK or EMPTY_LIST + APPEND each cost ~100 bytes of memory`, () => {
    const pickle = (body: number[]) => Uint8Array.from([0x80, 2, ...body]);
    const marks = pickle(new Array(1001).fill(0x28));
    expect(() => readPickle(marks, 'marks.bin', 1000)).toThrow(new DataError('marks.bin: byte 1002: MARK (0x28): more than 1000 values: not an evaluation pack'));
    const lists = pickle([0x5d, ...new Array(1000).fill([0x5d, 0x61]).flat()]); // [] then 1000 × ([] APPEND)
    expect(() => readPickle(lists, 'lists.bin', 1000)).toThrow(new DataError('lists.bin: byte 2001: EMPTY_LIST (0x5d): more than 1000 values: not an evaluation pack'));
    expect(() => readPickle(pickle([0x5d, 0x2e]), 'ok.bin', 1)).not.toThrow();
  });

  it('a file that does not start with a pickle opcode is refused by its first bytes', () => {
    const file = text('zeros.bin', '\0'.repeat(100));
    expect(dataError(() => readInsightfaceBin(file))).toBe(`${file}: not a pickle (it starts with byte 0x00, no pickle opcode)`);
  });
});
