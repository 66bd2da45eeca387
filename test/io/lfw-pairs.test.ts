import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { lfwImagePath, readLfwPairs, readNameList, readPairsCsv, resolvePairRows } from '../../src/io/lfw-pairs.js';

const dir = tempDir('lfw-pairs-');
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('pairs.txt', () => {
  it('reads the pairsDevTest style (single count header, no folds)', () => {
    const p = readLfwPairs(file('dev.txt', '2\nAbel_Pacheco\t1\t4\nAkhmed_Zakayev\t1\t3\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\nAbdel_Madi_Shabneh\t1\tGiancarlo_Fisichella\t1\n'));
    expect(p.folds).toBeUndefined();
    expect(Array.from(p.labels)).toEqual([1, 1, 0, 0]);
    expect(p.imageA[0]).toBe('Abel_Pacheco/Abel_Pacheco_0001.jpg');
    expect(p.imageB[0]).toBe('Abel_Pacheco/Abel_Pacheco_0004.jpg');
    expect(p.imageB[2]).toBe('Dean_Barker/Dean_Barker_0001.jpg');
    expect(Array.from(p.lines)).toEqual([2, 3, 4, 5]);
  });
  it('reads sets as folds, CRLF and spaces accepted', () => {
    const p = readLfwPairs(file('sets.txt', '2 1\r\nA 1 2\r\nA 1 B 3\r\nC 2 3\r\nC 1 D 1\r\n'));
    expect(p.folds).toBe(2);
    expect(Array.from(p.foldOf!)).toEqual([0, 0, 1, 1]);
    expect(lfwImagePath('C', 12)).toBe('C/C_0012.jpg');
  });
  it('refuses an early end, an extra line and a bad picture number with file:line', () => {
    expect(() => readLfwPairs(file('short.txt', '2 1\nA 1 2\nA 1 B 3\n'))).toThrow(/short\.txt:3: the file ends early: expected the matched pair 1 of 1 in set 2 of 2/);
    expect(() => readLfwPairs(file('long.txt', '1\nA 1 2\nA 1 B 3\nA 1 2\n'))).toThrow(/long\.txt:4: unexpected line after the 2 pairs the header '1' announces/);
    expect(() => readLfwPairs(file('num.txt', '1\nA 1 x\nA 1 B 3\n'))).toThrow(/num\.txt:2: expected a picture number \(an integer from 1\), found 'x'/);
    expect(() => readLfwPairs(file('hdr.txt', 'ten 300\n'))).toThrow(/hdr\.txt:1: expected the number of sets/);
  });
});

describe('pairs CSV and names', () => {
  it('reads a,b,label[,fold] with an optional header; folds numbered by ascending value', () => {
    const p = readPairsCsv(file('p.csv', 'a,b,label,fold\n./x/1.jpg,x/2.jpg,1,7\ny\\1.jpg,z/1.jpg,false,3\n'));
    expect(p.imageA).toEqual(['x/1.jpg', 'y/1.jpg']);
    expect(Array.from(p.labels)).toEqual([1, 0]);
    expect(Array.from(p.foldOf!)).toEqual([1, 0]);
    expect(p.folds).toBe(2);
    expect(Array.from(p.lines)).toEqual([2, 3]);
    expect(() => readPairsCsv(file('bad.csv', 'x,y,1\nx,y,2\n'))).toThrow(/bad\.csv:2: expected a label \(1\/0 or true\/false\), found '2'/);
  });
  it('maps pair images to name rows; refuses duplicates and blank lines', () => {
    const names = readNameList(file('names.txt', 'x/1.jpg\nx/2.jpg\n'));
    const p = readPairsCsv(file('q.csv', 'x/1.jpg,x/2.jpg,1\nx/2.jpg,w/1.jpg,0\n'));
    expect(() => resolvePairRows(p, names, 'names.txt')).toThrow(/q\.csv:2: image 'w\/1\.jpg' is not in names\.txt \(2 names\)/);
    expect(() => resolvePairRows(p, ['x/1.jpg', 'x/1.jpg'], 'n.txt')).toThrow(/n\.txt:2: 'x\/1\.jpg' is listed twice \(also line 1\)/);
    expect(() => readNameList(file('blank.txt', 'a\n\nb\n'))).toThrow(/blank\.txt:2: blank line/);
  });
});
