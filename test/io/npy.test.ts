import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpyMatrix } from '../../src/io/npy.js';
import { tempDir } from '../helpers/cli.js';

function npyFile(descr: string, shape: string, body: Buffer): string {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  const file = join(tempDir(), 'a.npy');
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
  return file;
}

describe('readNpyMatrix', () => {
  it('reads float16 (normal, subnormal, signed, inf) as float32', () => {
    // 1.0 = 0x3c00, -2.5 = 0xc100, 2^-24 = 0x0001 (smallest subnormal), 65504 = 0x7bff, +inf = 0x7c00, 0.333 ≈ 0x3555
    const halves = [0x3c00, 0xc100, 0x0001, 0x7bff, 0x7c00, 0x3555];
    const body = Buffer.alloc(12);
    halves.forEach((h, i) => body.writeUInt16LE(h, 2 * i));
    const m = readNpyMatrix(npyFile('<f2', '(2, 3)', body));
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(Array.from(m.data)).toEqual([1, -2.5, 2 ** -24, 65504, Infinity, Math.fround(1 + 341 / 1024) / 4]);
  });
  it('reads big-endian float32 and float64', () => {
    const be32 = Buffer.alloc(8);
    be32.writeFloatBE(1.5, 0);
    be32.writeFloatBE(-3.25, 4);
    expect(Array.from(readNpyMatrix(npyFile('>f4', '(1, 2)', be32)).data)).toEqual([1.5, -3.25]);
    const le64 = Buffer.alloc(16);
    le64.writeDoubleLE(0.1, 0);
    le64.writeDoubleLE(1e300, 8);
    expect(Array.from(readNpyMatrix(npyFile('<f8', '(2, 1)', le64)).data)).toEqual([Math.fround(0.1), Infinity]);
  });
  it('round-trips what encodeNpy writes', () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const file = join(tempDir(), 'b.npy');
    writeFileSync(file, encodeNpy(data, [3, 2]));
    expect(readNpyMatrix(file)).toEqual({ rows: 3, cols: 2, data });
  });
  it('refuses a 1-D array and a non-npy file', () => {
    expect(() => readNpyMatrix(npyFile('<f4', '(4,)', Buffer.alloc(16)))).toThrow(/expected a 2-D array \[faces, dim\], found shape \(4\)/);
    const file = join(tempDir(), 'c.npy');
    writeFileSync(file, 'hello');
    expect(() => readNpyMatrix(file)).toThrow(/not a \.npy file/);
  });
});
