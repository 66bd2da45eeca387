import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { encodeNpy, readNpyMatrix } from '../../src/io/npy.js';
import { runIjb1v1 } from '../../src/protocols/ijb-1v1.js';

const DEMO = join(import.meta.dirname, '..', '..', 'fixtures', 'ijb-demo');
const TMP = tempDir('facebench-excl-');

describe('ijb excludedFaces', () => {
  it('equals evaluating a face list without those faces', async () => {
    const excluded = [0, 5, 6, 33];
    const f = readNpyMatrix(join(DEMO, 'arcface-r18', 'features.npy'));
    const poisoned = Float32Array.from(f.data);
    for (const i of excluded) poisoned.fill(NaN, i * f.cols, (i + 1) * f.cols);
    writeFileSync(join(TMP, 'poisoned.npy'), encodeNpy(poisoned, [f.rows, f.cols]));

    const cut = join(TMP, 'cut');
    mkdirSync(join(cut, 'meta'), { recursive: true });
    for (const file of ['ijbc_face_tid_mid.txt', 'ijbc_name_5pts_score.txt']) {
      const lines = readFileSync(join(DEMO, 'meta', file), 'utf8').trim().split('\n');
      writeFileSync(join(cut, 'meta', file), lines.filter((_, i) => !excluded.includes(i)).join('\n') + '\n');
    }
    writeFileSync(join(cut, 'meta', 'ijbc_template_pair_label.txt'), readFileSync(join(DEMO, 'meta', 'ijbc_template_pair_label.txt')));
    const kept = new Float32Array((f.rows - excluded.length) * f.cols);
    let r = 0;
    for (let i = 0; i < f.rows; i++) if (!excluded.includes(i)) kept.set(f.data.subarray(i * f.cols, (i + 1) * f.cols), f.cols * r++);
    writeFileSync(join(TMP, 'kept.npy'), encodeNpy(kept, [r, f.cols]));

    const common = { target: 'IJBC' as const, aggregate: 'plain,magnitude,insightface', fars: [1e-3, 1e-2, 1e-1], rule: 'nearest' as const, scoring: 'exact' as const };
    const a = await runIjb1v1({ ...common, root: DEMO, features: join(TMP, 'poisoned.npy'), excludedFaces: excluded });
    const b = await runIjb1v1({ ...common, root: cut, features: join(TMP, 'kept.npy') });
    expect(a.excluded).toMatchObject({ faces: 4, templates: 0, pairs: 0 });
    expect(a.counts).toEqual(b.counts);
    expect(a.results.map((x) => [x.tarAtFar, x.auc, Array.from(x.scores!)])).toEqual(b.results.map((x) => [x.tarAtFar, x.auc, Array.from(x.scores!)]));
    // simd scoring reads the re-indexed pairs from the kernel memory (copyPairsToKernels).
    const simd = { ...common, scoring: 'simd' as const };
    const c = await runIjb1v1({ ...simd, root: DEMO, features: join(TMP, 'poisoned.npy'), excludedFaces: excluded });
    const d = await runIjb1v1({ ...simd, root: cut, features: join(TMP, 'kept.npy') });
    expect(c.results.map((x) => [x.tarAtFar, x.auc, Array.from(x.scores!)])).toEqual(d.results.map((x) => [x.tarAtFar, x.auc, Array.from(x.scores!)]));
    await expect(runIjb1v1({ ...common, root: DEMO, features: join(TMP, 'poisoned.npy') })).rejects.toThrow(/non-finite/);
  });
});
