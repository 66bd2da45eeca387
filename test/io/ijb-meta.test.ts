import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplatePairs } from '../../src/io/ijb-meta.js';
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
