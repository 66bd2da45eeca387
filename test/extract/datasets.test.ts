// The face lists of extract --dataset folder / pairs: which files a folder yields and in what order,
// and the image paths a store's names.txt could not give back.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { listImageFolder, loadFaceList } from '../../src/extract/datasets.js';
import { storeCacheKey } from '../../src/extract/store.js';
import { PRESETS } from '../../src/extract/preprocess.js';
import { tempDir } from '../helpers/cli.js';

function touch(dir: string, names: string[]): void {
  for (const n of names) {
    mkdirSync(join(dir, n, '..'), { recursive: true });
    writeFileSync(join(dir, n), '');
  }
}

describe('listImageFolder', () => {
  it('image files by extension (any case), sub-folders included, hidden entries left out, sorted bytewise', () => {
    const dir = tempDir();
    touch(dir, ['b.jpg', 'é.jpg', 'a/z.png', 'B.jpg', 'Upper.JPG', 'a.b.jpg', 'c.webp', 'd.tif', 'e.bmp', 'notes.txt', 'x.jpg.bak', '.hidden.jpg', 'sub/.cache/y.jpg']);
    // UTF-8 bytes: B 42 < U 55 < a. 61 2e < a/ 61 2f < b 62 < c < d < e < é c3 a9.
    expect(listImageFolder(dir)).toEqual(['B.jpg', 'Upper.JPG', 'a.b.jpg', 'a/z.png', 'b.jpg', 'c.webp', 'd.tif', 'e.bmp', 'é.jpg']);
  });

  it('an empty folder and a missing one are data errors', () => {
    const dir = tempDir();
    touch(dir, ['readme.txt']);
    expect(() => loadFaceList({ kind: 'folder', images: dir })).toThrow(/no images \(no \.jpg, \.jpeg, \.png, \.bmp, \.webp or \.tif file under the folder\)/);
    expect(() => loadFaceList({ kind: 'folder', images: join(dir, 'missing') })).toThrow(DataError);
  });
});

describe('loadFaceList', () => {
  it('refuses list lines that names.txt could not give back, and a path listed twice', () => {
    const dir = tempDir();
    const list = join(dir, 'list.txt');
    writeFileSync(list, 'a.jpg\nb\u0001.jpg\n');
    expect(() => loadFaceList({ kind: 'folder', images: dir, list })).toThrow(/list\.txt:2: image path 'b\\x01\.jpg' cannot be listed in names\.txt/);
    writeFileSync(list, 'a.jpg\nb.jpg\n./a.jpg\n');
    expect(() => loadFaceList({ kind: 'folder', images: dir, list })).toThrow(/list\.txt:3: 'a\.jpg' is listed twice \(also line 1\)/);
  });

  it('the cache key follows the image set: another list, another order or another kind of dataset is another store', () => {
    const dir = tempDir();
    touch(dir, ['a.jpg', 'b.jpg']);
    const list = join(dir, 'list.txt');
    const key = (spec: Parameters<typeof loadFaceList>[0]) => {
      const faces = loadFaceList(spec);
      return storeCacheKey({ modelSha256: '0'.repeat(64), preprocessing: PRESETS.arcface, flip: true, dataset: faces.identity, inputs: faces.inputs });
    };
    const whole = key({ kind: 'folder', images: dir });
    writeFileSync(list, 'a.jpg\nb.jpg\n');
    const listed = key({ kind: 'folder', images: dir, list });
    writeFileSync(list, 'b.jpg\na.jpg\n');
    const reordered = key({ kind: 'folder', images: dir, list });
    writeFileSync(join(dir, 'pairs.csv'), 'a.jpg,b.jpg,0\n');
    const pairs = key({ kind: 'pairs', pairs: join(dir, 'pairs.csv'), format: 'pairs-csv', images: dir });
    expect(new Set([whole, listed, reordered, pairs]).size).toBe(4);
    expect(key({ kind: 'pairs', pairs: join(dir, 'pairs.csv'), format: 'pairs-csv', images: dir })).toBe(pairs);
  });
});
