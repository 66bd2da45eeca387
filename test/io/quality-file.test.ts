import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qualitiesForImages, readQualityFile } from '../../src/io/quality-file.js';
import { tempDir } from '../helpers.js';

function file(text: string, name = 'q.txt'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

describe('readQualityFile', () => {
  it('`path score` lines: blank lines skipped, CRLF and tabs accepted, paths normalised', () => {
    const q = readQualityFile(file('a/x.jpg 0.5\r\n\n.\\b\\y.jpg\t-1.25e-1\nc.jpg 3\n'));
    expect(q.paths).toEqual(['a/x.jpg', 'b/y.jpg', 'c.jpg']);
    expect(Array.from(q.scores)).toEqual([0.5, -0.125, 3]);
    expect(Array.from(q.lines)).toEqual([1, 3, 4]);
  });
  it('OFIQ CSV: the UnifiedQualityScore.scalar column, else UnifiedQualityScore', () => {
    const scalar = readQualityFile(file('Filename;UnifiedQualityScore;UnifiedQualityScore.scalar;Sharpness\nimg/1.png;0.31;31;0.9\nimg/2.png;0.52;52;0.1\n'));
    expect(Array.from(scalar.scores)).toEqual([31, 52]);
    const raw = readQualityFile(file('Filename;UnifiedQualityScore\nimg/1.png;0.31\n'));
    expect(Array.from(raw.scores)).toEqual([0.31]);
    expect(() => readQualityFile(file('Filename;Sharpness\nimg/1.png;0.3\n'))).toThrow(/q\.txt:1: an OFIQ CSV header needs a column UnifiedQualityScore\.scalar or UnifiedQualityScore, found Filename;Sharpness/);
  });
  it.each([
    ['a.jpg 0.1\nb.jpg nan\n', "q.txt:2: expected a finite quality score, found 'nan'"],
    ['a.jpg inf\n', "q.txt:1: expected a finite quality score, found 'inf'"],
    ['a.jpg 1e999\n', "q.txt:1: expected a finite quality score, found '1e999'"],
    ['a.jpg 0x10\n', "q.txt:1: expected a finite quality score, found '0x10'"],
    ['a.jpg 0.1 extra\n', 'q.txt:1: expected `path score` (2 fields), found 3: a.jpg 0.1 extra'],
    ['a.jpg 0.1\n\nb.jpg 0.2\na.jpg 0.3\n', "q.txt:4: 'a.jpg' is listed twice (also line 1)"],
    ['\n\n', 'q.txt: no quality lines'],
  ])('refuses %j', (text, message) => {
    expect(() => readQualityFile(file(text))).toThrow(message);
  });
});

describe('qualitiesForImages', () => {
  const names = ['Abel/Abel_0001.jpg', 'Abel/Abel_0002.jpg', 'Zoe/Zoe_0001.jpg'];
  const origin = (i: number) => `names.txt:${i + 1}`;
  it('matches a name by the whole path or a trailing part of it', () => {
    const q = readQualityFile(file('/data/lfw/Abel/Abel_0002.jpg 2\nAbel/Abel_0001.jpg 1\nlfw/images/Zoe/Zoe_0001.jpg 3\nother/x.jpg 9\n'));
    expect(Array.from(qualitiesForImages(q, 3, (i) => names[i], origin))).toEqual([1, 2, 3]);
  });
  it('a missing image names the quality file, the image and where it is listed', () => {
    const q = readQualityFile(file('Abel/Abel_0001.jpg 1\n'));
    expect(() => qualitiesForImages(q, 3, (i) => names[i], origin)).toThrow("q.txt: no quality score for 'Abel/Abel_0002.jpg' (names.txt:2); 2 images have none");
  });
  it('a name matching two lines is refused, naming both', () => {
    const q = readQualityFile(file('a/Zoe/Zoe_0001.jpg 1\nb/Zoe/Zoe_0001.jpg 2\nAbel/Abel_0001.jpg 1\nAbel/Abel_0002.jpg 1\n'));
    expect(() => qualitiesForImages(q, 3, (i) => names[i], origin)).toThrow("q.txt:2: 'Zoe/Zoe_0001.jpg' (names.txt:3) matches more than one line (1, 2)");
  });
  it('.bin packs: image i is the file named by the number i', () => {
    const q = readQualityFile(file('lfw/images/00002.jpg 0.2\nlfw/images/00000.jpg 0.0\n1.png 0.1\n'));
    expect(Array.from(qualitiesForImages(q, 3, 'bin-indices', (i) => `image ${i}`))).toEqual([0, 0.1, 0.2]);
    expect(() => qualitiesForImages(q, 4, 'bin-indices', (i) => `image ${i} of x.bin`)).toThrow('q.txt: no quality score for image 3 (a path like 00003.jpg) (image 3 of x.bin)');
    const twice = readQualityFile(file('a/00001.jpg 1\nb/1.jpg 2\n0.jpg 0\n'));
    expect(() => qualitiesForImages(twice, 2, 'bin-indices', (i) => `image ${i}`)).toThrow("q.txt:2: '1' (image 1) matches more than one line (1, 2)");
  });
});
