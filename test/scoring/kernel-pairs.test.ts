import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplatePairs } from '../../src/io/ijb-meta.js';
import { copyPairsIntoArena, readPairsIntoArena } from '../../src/scoring/kernel-pairs.js';
import { KernelArena } from '../../src/wasm/arena.js';
import { templateIndexLookup } from '../../src/aggregate/template-grouping.js';
import { tempDir } from '../helpers/cli.js';

const ids = Float64Array.from([3, 7, 100000, 2 ** 40]);

describe('readPairsIntoArena (kernel parser, arrays in the kernel memory) = readTemplatePairs', () => {
  // Ids of at most 9 digits fit the kernel's lookup table; 2^40 sends the file to the JS parsers.
  const smallIds = Float64Array.from([3, 7, 100000, 123456789]);
  const both = (text: string, idList: Float64Array, block?: number) => {
    const file = join(tempDir(), 'pairs.txt');
    writeFileSync(file, text);
    const indexOf = templateIndexLookup(idList);
    const js = readTemplatePairs(file, indexOf, idList.length, block);
    const k = readPairsIntoArena(file, idList, indexOf, new KernelArena(), undefined, block);
    return [[Array.from(js.first), Array.from(js.second), Array.from(js.labels)], [Array.from(k.pairs.first), Array.from(k.pairs.second), Array.from(k.pairs.labels)]];
  };
  const cases = [
    '3 7 1\n100000 3 0\n123456789 7 0\n',
    '3 7 1\r\n100000 3 0\r\n123456789 7 0',
    '3\t7\t1\n\n  100000   3 0\n123456789 7 0  \n\n',
    '\n\n3 7 1\n\n100000 3 0\n',
    '0003 7 1\n',
    '3 7 1\n1234567890 7 0\n',
  ];
  for (const text of cases) {
    it(JSON.stringify(text), () => {
      const [js, k] = both(text, text.includes('1234567890') ? Float64Array.from([3, 7, 1234567890]) : smallIds);
      expect(k).toEqual(js);
    });
  }
  it('ids beyond the table (2^40) and every block size', () => {
    for (const block of [1, 3, 7, 8, 13, 64]) {
      const [js, k] = both('3 7 1\n100000 3 0\n1099511627776 7 0\n3 3 1', ids, block);
      expect(k).toEqual(js);
    }
  });
  it('a random 50,000-line file, 16-bit and 32-bit indices, small blocks', () => {
    let s = 5;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (const count of [300, 70_000]) {
      const idList = Float64Array.from({ length: count }, (_, i) => i * 3 + 1);
      const lines = Array.from({ length: 50_000 }, () => `${idList[Math.floor(r() * count)]} ${idList[Math.floor(r() * count)]} ${r() < 0.1 ? 1 : 0}`);
      for (const block of [4096, 1 << 20]) {
        const [js, k] = both(lines.join('\n') + '\n', idList, block);
        expect(k).toEqual(js);
      }
    }
  });
  it('errors name the line as readTemplatePairs does', () => {
    const file = join(tempDir(), 'pairs.txt');
    writeFileSync(file, '3 7 1\n3 7 1\n3 8 0\n');
    expect(() => readPairsIntoArena(file, smallIds, templateIndexLookup(smallIds), new KernelArena())).toThrow(/pairs\.txt:3: template 8 is not in the face\/template\/media list/);
    writeFileSync(file, '3 7 1\n3 7 2\n');
    expect(() => readPairsIntoArena(file, smallIds, templateIndexLookup(smallIds), new KernelArena())).toThrow(/pairs\.txt:2: label must be 0 or 1, found 2/);
  });
});

describe('copyPairsIntoArena', () => {
  it('holds the pairs region at the bottom, replacing the one parsed before', () => {
    const arena = new KernelArena();
    const file = join(tempDir(), 'pairs.txt');
    writeFileSync(file, '3 7 1\n100000 3 0\n3 3 0\n');
    const parsed = readPairsIntoArena(file, ids, templateIndexLookup(ids), arena);
    expect(parsed.inKernels.first).toBe(0);
    const copy = copyPairsIntoArena({ first: Uint16Array.from([2]), second: Uint16Array.from([1]), labels: Uint8Array.from([1]) }, arena);
    expect(copy.inKernels.first).toBe(0);
    expect(arena.scratchAt).toBe(copy.inKernels.end);
    expect([Array.from(copy.pairs.first), Array.from(copy.pairs.second), Array.from(copy.pairs.labels)]).toEqual([[2], [1], [1]]);
  });
});
