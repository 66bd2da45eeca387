import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRawFeatures } from '../../src/io/raw-features.js';
import { tempDir } from '../helpers/cli.js';

describe('learn-to-cluster raw float32 features', () => {
  it('reads rows of any bytes: 2 MB without a newline byte (zeros) is 512 rows of 1024 values', () => {
    const file = join(tempDir(), 'zeros.bin');
    writeFileSync(file, new Uint8Array(512 * 1024 * 4));
    const m = readRawFeatures(file, 1024);
    expect([m.rows, m.cols, m.data.length, m.data.every((v) => v === 0)]).toEqual([512, 1024, 512 * 1024, true]);
  });
  it('reads the values in order (little-endian float32)', () => {
    const file = join(tempDir(), 'two.bin');
    writeFileSync(file, new Uint8Array(Float32Array.of(1.5, -2, 0.25, 8).buffer));
    const m = readRawFeatures(file, 2);
    expect([m.rows, Array.from(m.data)]).toEqual([2, [1.5, -2, 0.25, 8]]);
  });
  it('a size that is not a whole number of rows is refused naming the file', () => {
    const file = join(tempDir(), 'odd.bin');
    writeFileSync(file, new Uint8Array(12));
    expect(() => readRawFeatures(file, 2)).toThrow(`${file}: expected raw float32 rows of 2 values (8 bytes each), found 12 bytes (1.50 rows); is the dimension right?`);
  });
});
