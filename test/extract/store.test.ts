import { describe, expect, it } from 'vitest';
import { shardRange } from '../../src/extract/store.js';
import { parseShard } from '../../src/extract/extract.js';

describe('shardRange', () => {
  it('covers every face exactly once, in order, for any F and N', () => {
    for (const faces of [0, 1, 7, 120, 469375]) {
      for (const count of [1, 2, 3, 8, 13, 64]) {
        let next = 0;
        for (let k = 1; k <= count; k++) {
          const r = shardRange(k, count, faces);
          expect(r.start).toBe(next);
          expect(r.end).toBeGreaterThanOrEqual(r.start);
          expect(r.end - r.start).toBeLessThanOrEqual(Math.ceil(faces / count));
          next = r.end;
        }
        expect(next).toBe(faces);
      }
    }
  });
  it('parses K/N', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(undefined)).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1-3']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });
});
