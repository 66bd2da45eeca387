import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplatePairs, readTemplatePairsIntoKernels } from '../../src/io/ijb-meta.js';
import { Kernels } from '../../src/wasm/kernels.js';
import { templateIndexLookup } from '../../src/aggregate/template-grouping.js';
import { tempDir } from '../helpers/cli.js';

const ids = Float64Array.from([3, 7, 100000, 2 ** 40]);
const lookup = templateIndexLookup(ids);

function pairsOf(text: string) {
  const file = join(tempDir(), 'pairs.txt');
  writeFileSync(file, text);
  const p = readTemplatePairs(file, lookup, ids.length);
  return { first: Array.from(p.first), second: Array.from(p.second), labels: Array.from(p.labels) };
}

describe('readTemplatePairs', () => {
  const expected = { first: [0, 2, 3], second: [1, 0, 1], labels: [1, 0, 0] };
  it('canonical lines (fast path)', () => {
    expect(pairsOf('3 7 1\n100000 3 0\n1099511627776 7 0\n')).toEqual(expected);
  });
  it('CRLF, no final newline', () => {
    expect(pairsOf('3 7 1\r\n100000 3 0\r\n1099511627776 7 0')).toEqual(expected);
  });
  it('tabs, repeated blanks and blank lines (general scanner) give the same pairs', () => {
    expect(pairsOf('3\t7\t1\n\n  100000   3 0\n1099511627776 7 0  \n\n')).toEqual(expected);
  });
  it('errors name the line even when the fast path bails out late', () => {
    expect(() => pairsOf('3 7 1\n3 7 1\n3 8 0\n')).toThrow(/pairs\.txt:3: template 8 is not in the face\/template\/media list/);
    expect(() => pairsOf('3 7 1\n3 7 x\n')).toThrow(/pairs\.txt:2: expected a label \(an integer\), found 'x'/);
    expect(() => pairsOf('3 7 1 9\n')).toThrow(/pairs\.txt:1: unexpected extra token '9'/);
  });
  it('gives the same pairs for any read block size (lines split across blocks, lines longer than a block)', () => {
    const file = join(tempDir(), 'pairs.txt');
    writeFileSync(file, '3 7 1\n100000 3 0\n1099511627776 7 0\n3 3 1');
    for (const block of [1, 3, 7, 8, 13, 64]) {
      const p = readTemplatePairs(file, lookup, ids.length, block);
      expect([Array.from(p.first), Array.from(p.second), Array.from(p.labels)]).toEqual([[0, 2, 3, 0], [1, 0, 1, 0], [1, 0, 0, 1]]);
    }
  });
  it('uses 16-bit indices below 65,536 templates', () => {
    const file = join(tempDir(), 'p.txt');
    writeFileSync(file, '3 7 1\n');
    expect(readTemplatePairs(file, lookup, ids.length).first).toBeInstanceOf(Uint16Array);
  });
});

describe('readTemplatePairsIntoKernels (kernel parser, arrays in the kernel memory) = readTemplatePairs', () => {
  // Ids of at most 9 digits fit the kernel's lookup table; 2^40 sends the file to the JS parsers.
  const smallIds = Float64Array.from([3, 7, 100000, 123456789]);
  const both = (text: string, idList: Float64Array, block?: number) => {
    const file = join(tempDir(), 'pairs.txt');
    writeFileSync(file, text);
    const indexOf = templateIndexLookup(idList);
    const js = readTemplatePairs(file, indexOf, idList.length, block);
    const k = readTemplatePairsIntoKernels(file, idList, indexOf, new Kernels(), undefined, block);
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
    expect(() => readTemplatePairsIntoKernels(file, smallIds, templateIndexLookup(smallIds), new Kernels())).toThrow(/pairs\.txt:3: template 8 is not in the face\/template\/media list/);
    writeFileSync(file, '3 7 1\n3 7 2\n');
    expect(() => readTemplatePairsIntoKernels(file, smallIds, templateIndexLookup(smallIds), new Kernels())).toThrow(/pairs\.txt:2: label must be 0 or 1, found 2/);
  });
});
