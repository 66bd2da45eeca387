import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { readBobScores } from '../../src/io/bob-scores.js';
import { readIjbScores } from '../../src/io/ijb-scores.js';
import { encodeNpy } from '../../src/io/npy.js';
import { pyeerHistogramTopThreshold, readPyeerHistogram, readPyeerScores } from '../../src/io/pyeer-scores.js';
import { readScoreCsv } from '../../src/io/score-csv.js';
import { forEachLine, parseDecimal } from '../../src/io/score-text.js';
import { forEachLineBlock } from '../../src/io/input-file.js';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';

const dir = mkdtempSync(join(tmpdir(), 'facebench-score-files-'));
let n = 0;
function file(text: string, name = `f${n++}.txt`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function fails(read: () => unknown, message: RegExp): void {
  expect(read).toThrow(DataError);
  expect(read).toThrow(message);
}

describe('parseDecimal', () => {
  const parse = (s: string): number => parseDecimal(Buffer.from(s), 0, s.length);
  it('equals Number() (correctly rounded, as Python float) on random decimal tokens', () => {
    const rand = mulberry32(5);
    for (let k = 0; k < 20000; k++) {
      const digits = 1 + Math.floor(rand() * 19);
      let m = '';
      for (let d = 0; d < digits; d++) m += Math.floor(rand() * 10);
      const point = Math.floor(rand() * (digits + 1));
      let s = `${rand() < 0.3 ? '-' : ''}${m.slice(0, point)}.${m.slice(point)}`;
      if (rand() < 0.3) s += `e${rand() < 0.5 ? '-' : '+'}${Math.floor(rand() * 40)}`;
      expect(parse(s), s).toBe(Number(s));
    }
  });
  it('refuses what Python float() refuses and treats words as not numbers', () => {
    for (const s of ['', '-', '.', 'e5', '1e', '0x10', '1.2.3', 'abc', '1,5', 'nan', 'inf', '--1']) expect(parse(s), s).toBeNaN();
    expect(Object.is(parse('-0'), -0)).toBe(true);
    expect(parse('5.')).toBe(5);
    expect(parse('.5')).toBe(0.5);
    expect(parse('1e400')).toBe(Infinity);
  });
});

describe('line blocks', () => {
  it('blocks of whole lines (a line longer than the block grows it); forEachLine numbers every line', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
    const path = file(lines.join('\n'));
    const blocks: string[] = [];
    forEachLineBlock(path, 64, (block: Buffer) => {
      blocks.push(block.toString());
      return true;
    });
    expect(blocks.length).toBeGreaterThan(100);
    expect(blocks.every((b, i) => i === blocks.length - 1 || b.endsWith('\n'))).toBe(true);
    expect(blocks.join('')).toBe(lines.join('\n'));
    const seen: [number, string][] = [];
    forEachLine(path, (buf, start, end, line) => void seen.push([line, buf.toString('utf8', start, end)]));
    expect(seen).toEqual(lines.map((l, i) => [i + 1, l]));
  });
});

describe('bob score files', () => {
  it('4 columns: genuine when claimed_id = real_id; comments, blank lines, CRLF, tabs', () => {
    const s = readBobScores(file('# header\na a p1 0.9\r\n\na b p2 0.1\nb\tb p3 0.8\nab a p4 -0.2\n'));
    expect(s.columns).toBe(4);
    expect([...s.genuine]).toEqual([0.9, 0.8]);
    expect([...s.impostor]).toEqual([0.1, -0.2]);
  });
  it('a byte order mark before the first line is skipped (bob and CSV)', () => {
    const s = readBobScores(file('\ufeffa a p1 0.9\na b p2 0.1\n'));
    expect([s.genuine.length, s.impostor.length]).toEqual([1, 1]);
    expect([...readScoreCsv(file('\ufeffscore,label\n0.5,1\n')).genuine]).toEqual([0.5]);
  });
  it('5 columns: claimed_id vs real_id (columns 1 and 3)', () => {
    const s = readBobScores(file('a m1 a p1 0.7\na m1 b p2 0.2\n'));
    expect(s.columns).toBe(5);
    expect([...s.genuine]).toEqual([0.7]);
    expect([...s.impostor]).toEqual([0.2]);
  });
  it('2 columns (bob.measure load.split): 1 genuine, -1 impostor', () => {
    const s = readBobScores(file('1 0.5\n-1 0.25\n1.0 0.75\n'));
    expect([...s.genuine]).toEqual([0.5, 0.75]);
    expect([...s.impostor]).toEqual([0.25]);
  });
  it('a NaN score is dropped and counted (bob: failure to acquire)', () => {
    const s = readBobScores(file('a a p 0.5\na b p nan\na b p 0.1\n'));
    expect(s.droppedNan).toBe(1);
    expect(s.impostor.length).toBe(1);
  });
  it('a line with three columns in a 4-column file: file:line', () => {
    const path = file('a a p1 0.9\na b 0.1\n');
    fails(() => readBobScores(path), new RegExp(`${path}:2: expected 4 columns \\(claimed_id real_id test_label score\\) as on line 1, found 3`));
  });
  it('a file mixing 4 and 5 columns', () => {
    const path = file('# x\na a p1 0.9\na m b p2 0.1\n');
    fails(() => readBobScores(path), new RegExp(`${path}:3: expected 4 columns .* as on line 2, found 5`));
  });
  it('a non-numeric score, cut to 40 characters', () => {
    const path = file(`a a p1 0.9\na b p2 ${'z'.repeat(60)}\n`);
    fails(() => readBobScores(path), new RegExp(`${path}:2: expected a score \\(a finite number\\) in column 4, found 'z{40}…'`));
    fails(() => readBobScores(file('a a p1 inf\n')), /:1: expected a score/);
  });
  it('a label other than 1 / -1 in a 2-column file', () => {
    const path = file('1 0.5\n0 0.2\n');
    fails(() => readBobScores(path), new RegExp(`${path}:2: expected a label 1 \\(genuine\\) or -1 \\(impostor\\) in column 1, found '0'`));
  });
  it('other column counts, empty files, missing files', () => {
    fails(() => readBobScores(file('a b c\n')), /:1: expected a bob score line of 4 columns/);
    fails(() => readBobScores(file('# only a comment\n\n')), /no score lines/);
    fails(() => readBobScores(join(dir, 'missing.txt')), /missing.txt: cannot read \(no such file\)/);
  });
  it('reads a file larger than one 16 MB block', () => {
    const line = 'client0001 client0002 some/probe/file_name.png 0.123456\n';
    const count = Math.ceil((17 * 1024 * 1024) / line.length);
    const s = readBobScores(file(line.repeat(count) + 'client0001 client0001 p 0.5'));
    expect(s.impostor.length).toBe(count);
    expect([...s.genuine]).toEqual([0.5]);
  });
});

describe('pyeer files', () => {
  it('the score is the last space-separated column', () => {
    expect([...readPyeerScores(file('0.5\nq t 0.25\n\n0.125\n'))]).toEqual([0.5, 0.25, 0.125]);
    fails(() => readPyeerScores(file('0.5\nx\n')), /:2: expected a score \(a finite number\) in the last column, found 'x'/);
  });
  it('histogram: line i counts impostor score i; a two-column line must name its index', () => {
    const h = readPyeerHistogram(file('2\n0\n2 3\n'));
    expect([...h.counts]).toEqual([2, 0, 3]);
    expect([...h.impostor]).toEqual([0, 0, 2, 2, 2]);
    fails(() => readPyeerHistogram(file('2\n5 3\n')), /:2: expected score 1 in column 1/);
    fails(() => readPyeerHistogram(file('2\n1.5\n')), /:2: expected a count/);
    fails(() => readPyeerHistogram(file('2\n\n3\n')), /:2: expected the count of impostor score 1/);
  });
  it("pyeer's histogram curve has a vertex above every score when its threshold range reaches past them", () => {
    const h = readPyeerHistogram(file('5\n7\n2\n'));
    // thresholds 0 .. max(3, #genuine = 2, max count 7, 3 bins) = 7: the first above the top score 3 is 4
    expect(pyeerHistogramTopThreshold(Float64Array.from([3, 1]), h)).toBe(4);
    expect(pyeerHistogramTopThreshold(Float64Array.from([9, 1]), readPyeerHistogram(file('1\n1\n')))).toBeUndefined();
  });
});

describe('score CSV', () => {
  it('score,label[,fold] with an optional header', () => {
    const s = readScoreCsv(file('score, label ,fold\n0.9,1,0\n0.1,0,0\n0.8,1,1\n0.3,0,1\n0.2,0,1\n'));
    expect([...s.genuine]).toEqual([0.9, 0.8]);
    expect(s.folds!.map((f) => [f.fold, f.genuine.length, f.impostor.length])).toEqual([
      [0, 1, 1],
      [1, 1, 2],
    ]);
    expect(readScoreCsv(file('0.9,1\n0.1,0\n')).folds).toBeUndefined();
  });
  it('a label other than 0 / 1, a bad header, a changing column count', () => {
    const path = file('score,label\n0.9,1\n0.1,2\n');
    fails(() => readScoreCsv(path), new RegExp(`${path}:3: expected a label 1 \\(genuine\\) or 0 \\(impostor\\) in column 2, found '2'`));
    fails(() => readScoreCsv(file('label,score\n1,0.5\n')), /:1: expected a header 'score,label'/);
    fails(() => readScoreCsv(file('0.9,1,0\n0.1,0\n')), /:2: expected 3 columns \(score,label,fold\) as on line 1, found 2/);
  });
});

describe('ijb --scores', () => {
  it('each .npy with the pair file labels; NaN = a dropped pair', () => {
    const root = join(dir, 'ijb');
    mkdirSync(join(root, 'meta'), { recursive: true });
    writeFileSync(join(root, 'meta', 'ijbc_template_pair_label.txt'), '1 2 1\n1 3 0\n2 3 0\n4 3 1\n');
    const scoresDir = join(dir, 'scores');
    mkdirSync(scoresDir, { recursive: true });
    writeFileSync(join(scoresDir, 'plain.npy'), encodeNpy(Float64Array.from([0.9, 0.1, NaN, 0.7]), [4]));
    writeFileSync(join(scoresDir, 'insightface_N1D0F1.npy'), encodeNpy(Float32Array.from([0.5, 0.25, 0.125, 0.75]), [4]));
    const sets = readIjbScores(scoresDir, root, 'IJBC');
    expect(sets.map((s) => s.name)).toEqual(['insightface_N1D0F1', 'plain']);
    expect([...sets[1].genuine]).toEqual([0.9, 0.7]);
    expect([...sets[1].impostor]).toEqual([0.1]);
    expect(sets[1].droppedNan).toBe(1);
    expect(readIjbScores(scoresDir, root, 'IJBC', ['insightface:N1D0F1'])[0].genuine.length).toBe(2);
    writeFileSync(join(scoresDir, 'short.npy'), encodeNpy(Float64Array.from([0.9]), [1]));
    fails(() => readIjbScores(scoresDir, root, 'IJBC', ['short']), /short.npy: has 1 scores but .* has 4 pairs/);
  });
});
