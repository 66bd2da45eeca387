/** `ijb --protocol 1n` and `1v1,1n` through the command line: one file for both, the tables, the flags that belong to each protocol. */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, tempDir } from '../helpers/cli.js';

const DEMO = 'fixtures/ijb-demo';
const base = ['ijb', '--root', DEMO, '--features', `${DEMO}/magface-r18/features.npy`, '--quiet'];

describe('ijb --protocol', () => {
  it('1v1,1n: one JSON with both protocols (1:1 exactly as alone), both tables on stdout', async () => {
    const d = tempDir();
    const both = await runInProcess([...base, '--protocol', '1v1,1n', '--far', '1e-2', '--fpir', '2e-2,1e-1', '--published', '--json', join(d, 'both.json')]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/^IJB-C 1:1 verification/m);
    expect(both.stdout).toMatch(/^IJB-C 1:N identification/m);
    expect(both.stdout).toMatch(/^ArcFace R100 MS1MV2 \(insightface\) \(published\)\s+96\.39\s+97\.54\s+97\.87\s+92\.94\s+95\.37$/m);
    const doc = JSON.parse(readFileSync(join(d, 'both.json'), 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'ijb', dataset: 'IJBC' });
    expect(doc.protocols.map((p: { protocol: string }) => p.protocol)).toEqual(['ijb-1v1', 'ijb-1n']);
    const alone = await runInProcess([...base, '--far', '1e-2', '--json', join(d, 'alone.json')]);
    expect(alone.code).toBe(0);
    const one = JSON.parse(readFileSync(join(d, 'alone.json'), 'utf8'));
    const { schemaVersion: _v, tool: _t, warnings: _w, ...oneBody } = one;
    expect(doc.protocols[0]).toMatchObject(oneBody);
    // 60 non-mated searches per gallery: FPIR 1e-2 cannot be resolved.
    const n = await runInProcess([...base, '--protocol', '1n', '--fpir', '1e-2,1e-1', '--json', '-']);
    const n1 = JSON.parse(n.stdout);
    expect(n1.protocol).toBe('ijb-1n');
    expect(n1.results[0].tpir_at_fpir['1e-2']).toBeNull();
    expect(n.stderr).toMatch(/warning: .*1e-2/);
  });

  const bad: [string, string[], string][] = [
    ['--rank without 1n', [...base, '--rank', '1,5'], '--rank only applies with --protocol 1n (or 1v1,1n)'],
    ['--published without 1n', [...base, '--published'], '--published only applies with --protocol 1n (or 1v1,1n)'],
    ['--far with 1n alone', [...base, '--protocol', '1n', '--far', '1e-3'], '--far only applies to 1:1 verification (--protocol 1v1)'],
    ['--scores with 1n alone', [...base, '--protocol', '1n', '--scores', 'x'], '--scores only applies to 1:1 verification (--protocol 1v1)'],
    ['an unknown protocol', [...base, '--protocol', '1v1,2n'], "--protocol must be one of 1v1, 1n; got '2n'"],
    ['a protocol twice', [...base, '--protocol', '1n,1n'], "--protocol: '1n,1n' names a protocol twice"],
    ['a rank of 0', [...base, '--protocol', '1n', '--rank', '0'], "--rank must be an integer in [1, 1000000]; got '0'"],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses: ${name}`, async () => {
      const r = await runInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`facebench: ${message}\n`);
    });
  }
  it('missing 1N lists are named before anything is read', async () => {
    const d = tempDir();
    cpSync(join(DEMO, 'meta'), join(d, 'meta'), { recursive: true });
    rmSync(join(d, 'meta', 'ijbc_1N_gallery_G2.csv'));
    const r = await runInProcess(['ijb', '--root', d, '--features', `${DEMO}/magface-r18/features.npy`, '--protocol', '1n', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ijbc_1N_gallery_G2\.csv/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
