import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { readInsightfaceBin } from '../../src/io/insightface-bin.js';
import { readPickle } from '../../src/io/pickle.js';

const DIR = join(import.meta.dirname, '..', 'data', 'pickles');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  images: number[][];
  issame: boolean[];
  files: Record<string, { kind: string; note: string }>;
};
const filesOf = (kind: string): string[] => Object.keys(expected.files).filter((f) => expected.files[f].kind === kind);

function refusal(file: string): DataError {
  try {
    readInsightfaceBin(join(DIR, file));
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

describe('insightface .bin reader (pickles made by test/reference/gen_pickles.py)', () => {
  it.each(filesOf('valid'))('%s: returns the encoded image bytes and labels', (file) => {
    const bin = readInsightfaceBin(join(DIR, file));
    expect(bin.images.map((b) => Array.from(b))).toEqual(expected.images);
    expect(Array.from(bin.issame)).toEqual(expected.issame.map((s) => (s ? 1 : 0)));
  });

  it('refuses a .bin whose image count is not 2 × labels', () => {
    expect(refusal('count_mismatch.bin').message).toMatch(/count_mismatch\.bin: holds 3 images for 2 pair labels; expected 2 × 2 = 4/);
  });

  it('refuses a truncated file, naming the byte offset', () => {
    expect(refusal('truncated.bin').message).toMatch(/truncated\.bin: byte \d+: .*truncated/);
  });

  it.each(filesOf('hostile'))('%s: refused with file, byte offset and opcode, nothing executed', (file) => {
    const e = refusal(file);
    expect(e.message).toMatch(new RegExp(`${file.replace('.', '\\.')}: byte \\d+: [A-Z_0-9]+ \\(0x[0-9a-f]{2}\\): `));
    expect(e.exitCode).toBe(2);
    expect(existsSync('/tmp/facebench-pwned')).toBe(false);
  });

  it('names the refused global', () => {
    expect(refusal('hostile_os_system.pkl').message).toMatch(/byte 5: GLOBAL \(0x63\): global 'posix\.system' is not allowed/);
    expect(refusal('hostile_os_system_p0.pkl').message).toMatch(/byte 0: GLOBAL \(0x63\): global 'os\.system' is not allowed/);
    expect(refusal('hostile_builtins_eval.pkl').message).toMatch(/STACK_GLOBAL \(0x93\): global 'builtins\.eval' is not allowed/);
    expect(refusal('hostile_unknown_global.pkl').message).toMatch(/global 'collections\.OrderedDict' is not allowed/);
    expect(refusal('hostile_dict.pkl').message).toMatch(/EMPTY_DICT \(0x7d\): not allowed/);
    expect(refusal('hostile_float_array.pkl').message).toMatch(/numpy dtype "f4" is not supported/);
    expect(refusal('hostile_reduce_ndarray.pkl').message).toMatch(/REDUCE \(0x52\): cannot call numpy\.ndarray/);
  });

  it('refuses deep nesting instead of overflowing the stack', () => {
    const deep = new Uint8Array(2 + 1 + 100_000 + 1);
    deep.set([0x80, 0x02, 0x29]); // EMPTY_TUPLE, then TUPLE1 × 100000, STOP
    deep.fill(0x85, 3, 3 + 100_000);
    deep[deep.length - 1] = 0x2e;
    expect(() => readPickle(deep, 'deep.pkl')).toThrow(/deep\.pkl: byte \d+: STOP \(0x2e\): lists or tuples nested deeper than 64 levels/);
  });

  it('refuses unknown opcodes and a missing STOP', () => {
    expect(() => readPickle(Uint8Array.from([0x80, 0x02, 0xff]), 'x.pkl')).toThrow(/x\.pkl: byte 2: unknown opcode \(0xff\): not allowed/);
    expect(() => readPickle(Uint8Array.from([0x80, 0x02, 0x88]), 'x.pkl')).toThrow(/x\.pkl: byte 3: the pickle ends without STOP/);
    expect(() => readPickle(Uint8Array.from([0x80, 0x01, 0x88, 0x2e]), 'x.pkl')).toThrow(/protocol 1 is not supported/);
  });
});
