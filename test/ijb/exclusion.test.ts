import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIjb1v1, scoresInPairFileOrder } from '../../src/protocols/ijb-1v1.js';
import { REPO } from '../helpers/cli.js';

const R = join(REPO, 'fixtures/ijb-demo');
const faceLines = readFileSync(join(R, 'meta/ijbc_face_tid_mid.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
const pairLines = readFileSync(join(R, 'meta/ijbc_template_pair_label.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
const opts = { root: R, target: 'IJBC' as const, features: join(R, 'magface-r18/features.npy'), aggregate: 'plain', fars: [1e-2], rule: 'nearest' as const, scoring: 'exact' as const };

describe('excluded faces', () => {
  it('a template left without faces drops its pairs; --scores keeps pair-file order with NaN there', async () => {
    // Every face of gallery template 1000, and one face of template 1007 (which keeps others).
    const gone = faceLines.flatMap((f, i) => (f[1] === '1000' ? [i] : []));
    const one = faceLines.findIndex((f) => f[1] === '1007');
    const result = await runIjb1v1({ ...opts, excludedFaces: [...gone, one] });
    const droppedLines = pairLines.flatMap((p, i) => (p[0] === '1000' || p[1] === '1000' ? [i] : []));
    expect(result.excluded).toMatchObject({ faces: gone.length + 1, templates: 1, pairs: droppedLines.length });
    expect(result.counts.pairs).toBe(pairLines.length - droppedLines.length);
    const full = scoresInPairFileOrder(result, result.results[0]);
    expect(full.length).toBe(pairLines.length);
    const nan = Array.from(full.keys()).filter((i) => Number.isNaN(full[i]));
    expect(nan).toEqual(droppedLines);
    // Pairs not touching the excluded faces score exactly as without exclusions.
    const all = await runIjb1v1(opts);
    const untouched = pairLines.flatMap((p, i) => (p[0] !== '1000' && p[0] !== '1007' && p[1] !== '1000' ? [i] : []));
    for (const i of untouched) expect(full[i]).toBe(all.results[0].scores![i]);
  });
});
