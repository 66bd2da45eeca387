import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { readIjbbClustering } from '../../src/io/ijbb-clustering.js';
import { encodeNpy } from '../../src/io/npy.js';
import { runCluster } from '../../src/protocols/cluster.js';
import { tempDir } from '../helpers.js';

const HEADER = 'TEMPLATE_ID,FILENAME,FACE_X,FACE_Y,FACE_WIDTH,FACE_HEIGHT,RIGHT_EYE_X,RIGHT_EYE_Y,LEFT_EYE_X,LEFT_EYE_Y,NOSE_X,NOSE_Y';

/** A release-shaped folder: clustering_protocols/test7_clustering with two subsets and the truth. */
function release(rows: string[], truth = 'TEMPLATE_ID,SUBJECT_ID,FILENAME\n1,7,a\n2,7,b\n3,9,c\n'): string {
  const root = tempDir('fb-ijbb-');
  const dir = join(root, 'clustering_protocols', 'test7_clustering');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ijbb_clustering_32_hint_100.csv'), [HEADER, ...rows].join('\n') + '\n');
  writeFileSync(join(dir, 'ijbb_clustering_64_hint_100.csv'), HEADER + '\n1,img/1.jpg,1,2,3,4,5,6,7,8,9,10\n');
  writeFileSync(join(dir, 'ijbb_clustering_test7_ground_truth.csv'), truth);
  return root;
}

const ROWS = ['1,img/10.jpg,10,20,100,120,40,60,80,61,60,85', '3,frames/5_1.png,0,0,50,50,,,,,,', '2,img/11.jpg,5,5,80,90,30,40,60,41,45,60', '1,img/12.jpg,1,1,10,10,3,4,7,4,5,7'];

describe('IJB-B clustering protocol reader', () => {
  it('reads rows in file order with the template → subject truth; empty fields are NaN', () => {
    const p = readIjbbClustering(release(ROWS), 32);
    expect(p.rows).toBe(4);
    expect(Array.from(p.templateIds)).toEqual([1, 3, 2, 1]);
    expect(Array.from(p.subjects)).toEqual([7, 9, 7, 7]);
    expect(p.filenames).toEqual(['img/10.jpg', 'frames/5_1.png', 'img/11.jpg', 'img/12.jpg']);
    expect(Array.from(p.boxes.subarray(0, 4))).toEqual([10, 20, 100, 120]);
    expect(Array.from(p.points.subarray(6, 12)).every(Number.isNaN)).toBe(true);
    expect(Array.from(p.lines)).toEqual([2, 3, 4, 5]);
    expect(p.protocolFile).toMatch(/ijbb_clustering_32_hint_100\.csv$/);
  });
  it('a subset that is not there names the subsets found', () => {
    expect(() => readIjbbClustering(release(ROWS), 512)).toThrow(/no ijbb_clustering_512_hint_\*\.csv .*\(subsets found: 32, 64\)/);
    expect(() => readIjbbClustering(release(ROWS), 0)).toThrow(UsageError);
  });
  it('errors name file and line', () => {
    expect(() => readIjbbClustering(release(['9,img/1.jpg,1,1,1,1,1,1,1,1,1,1']), 32)).toThrow(/ijbb_clustering_32_hint_100\.csv:2: template 9 has no subject in .*ground_truth\.csv/);
    expect(() => readIjbbClustering(release(['1,img/1.jpg,1,1,1,1']), 32)).toThrow(/:2: expected 12 fields .*, found 6/);
    expect(() => readIjbbClustering(release(['x,img/1.jpg,1,1,1,1,1,1,1,1,1,1']), 32)).toThrow(/:2: expected a TEMPLATE_ID \(an integer\), found 'x'/);
    expect(() => readIjbbClustering(release(['1,img/1.jpg,1,1,1,1,1,1,1,1,nose,1']), 32)).toThrow(/:2: expected NOSE_X \(a number or empty\), found 'nose'/);
    // Plain decimals only: JavaScript's Number() would read these as 16, 1000 and 0.
    for (const token of ['0x10', '1_000', '0b0']) expect(() => readIjbbClustering(release([`1,img/1.jpg,1,1,1,1,1,1,1,1,${token},1`]), 32)).toThrow(`expected NOSE_X (a number or empty), found '${token}'`);
    expect(() => readIjbbClustering(release(ROWS, '1,7\n1,8\n'), 32)).toThrow(/ground_truth\.csv:2: template 1 was given subject 7 earlier, found subject 8/);
  });
  it('runCluster takes the truth from the protocol and checks the row count', async () => {
    const root = release(ROWS);
    const f = join(root, 'features.npy');
    const data = Float32Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i + 1));
    writeFileSync(f, encodeNpy(data, [4, 8]));
    const r = await runCluster({
      features: { format: 'npy', file: f }, truth: { format: 'ijbb', root, subset: 32 }, predicted: [], methods: ['fasthac'],
      distance: 0.72, k: 2, eps: 0.25, tau: 0.65, sweep: false, screen: 'loop',
    });
    expect(r.classes).toBe(2);
    expect(r.subset).toBe(32);
    writeFileSync(f, encodeNpy(data.subarray(0, 24), [3, 8]));
    const e = await runCluster({
      features: { format: 'npy', file: f }, truth: { format: 'ijbb', root, subset: 32 }, predicted: [], methods: ['fasthac'],
      distance: 0.72, k: 2, eps: 0.25, tau: 0.65, sweep: false, screen: 'loop',
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/features\.npy: has 3 feature rows but .*ijbb_clustering_32_hint_100\.csv lists 4 faces/);
  });
});
