/**
 * Above 2^20 pairs the CLI evaluates each aggregation's ROC on a worker thread (dist/roc-worker.js);
 * from the sources (here) it runs in-process. Both must give byte-identical JSON.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { runIjb1v1 } from '../../src/protocols/ijb-1v1.js';
import { ijbJson } from '../../src/report/ijb-report.js';
import { mulberry32 } from '../../fixtures/fixture-utils.mjs';
import { runCli, tempDir } from '../helpers/cli.js';

describe('ROC on a worker thread', () => {
  it('gives the same JSON as in-process evaluation on 1.1M pairs', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'meta'));
    const rand = mulberry32(99);
    const G = 1100;
    const P = 1000;
    const D = 8;
    // One face per template; probe p belongs to gallery subject p % G.
    const faces: string[] = [];
    const feats = new Float32Array((G + P) * D);
    for (let t = 0; t < G + P; t++) {
      faces.push(`${t + 1}.jpg ${t + 1} ${t + 1}\n`);
      const subject = t < G ? t : (t - G) % G;
      const r2 = mulberry32(subject + 1);
      for (let j = 0; j < D; j++) feats[t * D + j] = r2() - 0.5 + 0.35 * (rand() - 0.5);
    }
    writeFileSync(join(root, 'meta/ijbc_face_tid_mid.txt'), faces.join(''));
    const lines: string[] = [];
    for (let p = 0; p < P; p++) for (let g = 0; g < G; g++) lines.push(`${g + 1} ${G + p + 1} ${g === p % G ? 1 : 0}\n`);
    writeFileSync(join(root, 'meta/ijbc_template_pair_label.txt'), lines.join(''));
    writeFileSync(join(root, 'features.npy'), encodeNpy(feats, [G + P, D]));

    const out = join(root, 'r.json');
    const r = runCli(['ijb', '--root', root, '--features', join(root, 'features.npy'), '--aggregate', 'magnitude,magface', '--scoring', 'exact', '--json', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const inProcess = await runIjb1v1({ root, target: 'IJBC', features: join(root, 'features.npy'), aggregate: 'magnitude,magface', fars: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1], rule: 'nearest', scoring: 'exact' });
    expect(inProcess.counts.pairs).toBe(1_100_000);
    expect(readFileSync(out, 'utf8')).toBe(ijbJson(inProcess));
  });
});
