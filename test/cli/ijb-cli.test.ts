/** The real CLI on the demo fixture: outputs, determinism, and one test per kind of bad input. */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpyMatrix, readNpyScores } from '../../src/io/npy.js';
import { REPO, runCli, runInProcess, tempDir } from '../helpers/cli.js';

const FIXTURE = join(REPO, 'fixtures/ijb-demo');

/** A private copy of the demo fixture that a test may break. */
function fixtureCopy(): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function ijbArgs(dir: string, extra: string[] = []): string[] {
  return ['ijb', '--root', dir, '--features', join(dir, 'magface-r18/features.npy'), '--flip-features', join(dir, 'magface-r18/features_flip.npy'), '--quiet', ...extra];
}

function npyHeaderWith(descr: string, fortran: boolean, shape: string): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1')]);
}

describe('ijb on the demo fixture', () => {
  it('prints the table and writes identical JSON on two runs', async () => {
    const out = tempDir();
    const a = await runCli(ijbArgs(FIXTURE, ['--json', join(out, 'a.json'), '--csv', join(out, 'a.csv'), '--markdown', join(out, 'a.md'), '--scores', join(out, 'scores')]));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^plain\s+—\s+—\s+—\s+\d+\.\d\d/m);
    expect(a.stdout).toMatch(/^magnitude\s+—\s+—\s+—\s+\d+\.\d\d/m);
    // 4,680 impostor pairs resolve FAR 1e-3 and above only: the rest is null, and said so once per target.
    expect(a.stderr.split('\n').filter((l) => l.startsWith('facebench: warning: FAR'))).toEqual(
      ['1e-6', '1e-5', '1e-4'].map((t) => `facebench: warning: FAR ${t} cannot be resolved with 4,680 impostor pairs (it needs at least ${Math.round(1 / Number(t)).toLocaleString('en-US')}): its TAR is reported as null`),
    );
    const b = await runInProcess(ijbArgs(FIXTURE, ['--json', join(out, 'b.json')]));
    expect(b.code).toBe(0);
    expect(readFileSync(join(out, 'a.json'))).toEqual(readFileSync(join(out, 'b.json')));

    const doc = JSON.parse(readFileSync(join(out, 'a.json'), 'utf8'));
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'ijb-1v1', dataset: 'IJBC', rule: 'nearest' });
    expect(doc.warnings).toHaveLength(3);
    expect(doc.counts).toEqual({ images: 520, templates: 160, pairs: 4800, genuine: 120, impostor: 4680 });
    expect(doc.results.map((r: { aggregation: string }) => r.aggregation)).toEqual(['plain', 'magnitude']);
    const plain = doc.results[0];
    expect(Object.keys(plain.tar_at_far)).toEqual(['1e-6', '1e-5', '1e-4', '1e-3', '1e-2', '1e-1']);
    // Counts and rates agree: TAR = true accepts / genuine, FAR = false accepts / impostor.
    for (const k of ['1e-6', '1e-5', '1e-4']) {
      for (const field of ['tar_at_far', 'far_actual', 'false_accepts', 'true_accepts', 'threshold']) expect(plain[field][k]).toBeNull();
    }
    for (const k of ['1e-3', '1e-2', '1e-1']) {
      expect(plain.tar_at_far[k]).toBe(plain.true_accepts[k] / 120);
      expect(plain.far_actual[k]).toBe(plain.false_accepts[k] / 4680);
    }
    const csv = readFileSync(join(out, 'a.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('dataset,rule,aggregation,far_target,tar,tar_ci_lo,tar_ci_hi,far_actual,false_accepts,true_accepts,threshold,auc,eer,eer_threshold');
    expect(csv[1]).toMatch(/^IJBC,nearest,plain,1e-6,,,,,,,,0\.\d+,/);
    expect(readFileSync(join(out, 'a.md'), 'utf8')).toContain('| plain |');
    expect(readdirSync(join(out, 'scores')).sort()).toEqual(['magnitude.npy', 'plain.npy']);
  });

  it('--scores writes pair scores that reproduce the reported TAR', async () => {
    const out = tempDir();
    const r = await runInProcess(ijbArgs(FIXTURE, ['--json', join(out, 'r.json'), '--scores', out, '--far', '1e-2', '--rule', 'le']));
    expect(r.code, r.stderr).toBe(0);
    const buf = readFileSync(join(out, 'plain.npy'));
    const scores = new Float64Array(buf.buffer.slice(buf.byteOffset + 10 + buf.readUInt16LE(8), buf.byteOffset + buf.length));
    const labels = readFileSync(join(FIXTURE, 'meta/ijbc_template_pair_label.txt'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]));
    const doc = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
    const t = doc.results[0].threshold['1e-2'];
    const fa = scores.filter((s, i) => s >= t && labels[i] === 0).length;
    const ta = scores.filter((s, i) => s >= t && labels[i] === 1).length;
    expect([fa, ta]).toEqual([doc.results[0].false_accepts['1e-2'], doc.results[0].true_accepts['1e-2']]);
    expect(fa / 4680).toBeLessThanOrEqual(1e-2);
  });

  it('--scoring simd (half the pairs on the kernel helper thread) agrees with exact scoring', async () => {
    const out = tempDir();
    const aggs = ['--aggregate', 'plain,magnitude,insightface,magface+'];
    const simd = await runInProcess(ijbArgs(FIXTURE, [...aggs, '--scoring', 'simd', '--json', join(out, 's.json'), '--scores', join(out, 's')]));
    const exact = await runInProcess(ijbArgs(FIXTURE, [...aggs, '--scoring', 'exact', '--json', join(out, 'e.json'), '--scores', join(out, 'e')]));
    expect([simd.code, exact.code], simd.stderr + exact.stderr).toEqual([0, 0]);
    const s = JSON.parse(readFileSync(join(out, 's.json'), 'utf8'));
    const e = JSON.parse(readFileSync(join(out, 'e.json'), 'utf8'));
    expect([s.scoring, e.scoring]).toEqual(['simd', 'exact']);
    for (const [k, r] of s.results.entries()) {
      for (const far of Object.keys(r.tar_at_far)) expect(Math.abs(r.tar_at_far[far] - e.results[k].tar_at_far[far])).toBeLessThanOrEqual(1 / 120 + 1e-12);
      const name = r.aggregation.replace(/[^A-Za-z0-9+_-]/g, '_');
      const a = readNpyScores(join(out, 's', `${name}.npy`));
      const b = readNpyScores(join(out, 'e', `${name}.npy`));
      expect(a.length).toBe(4800);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('MagFace text feature lists give the same result as the .npy', async () => {
    const dir = fixtureCopy();
    const m = readNpyMatrix(join(dir, 'magface-r18/features.npy'));
    const names = readFileSync(join(dir, 'meta/ijbc_face_tid_mid.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    const lines = names.map((n, i) => `${n} ${Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => v.toPrecision(9)).join(' ')}\n`);
    writeFileSync(join(dir, 'feats.list'), lines.join(''));
    const a = await runInProcess(['ijb', '--root', dir, '--features', join(dir, 'magface-r18/features.npy'), '--aggregate', 'magface,magface+', '--json', '-', '--quiet']);
    const b = await runInProcess(['ijb', '--root', dir, '--features', join(dir, 'feats.list'), '--aggregate', 'magface,magface+', '--json', '-', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });
});

describe('flags are checked before an extraction starts', () => {
  for (const bad of [['--rule', 'bogus'], ['--far', '2'], ['--aggregate', 'median'], ['--scoring', 'fast'], ['--bootstrap', '0']]) {
    it(`ijb --model with ${bad.join(' ')}`, async () => {
      const store = join(tempDir(), 'store');
      const r = await runInProcess(['ijb', '--root', join(REPO, 'fixtures/ijb-images'), '--model', join(REPO, 'fixtures/models/tiny-a32.onnx'), '--ep', 'cpu', '--store', store, '--quiet', ...bad]);
      expect(r.code).toBe(2);
      expect(existsSync(store)).toBe(false);
    });
  }
});

describe('unwritable outputs', () => {
  for (const [name, csvPath, message] of [
    ['a file where a folder should be', (d: string) => join(d, 'plain-file', 'r.csv'), /^facebench: --csv .*plain-file\/r\.csv: .*plain-file is not a folder$/m],
    ['a folder where the file should be', (d: string) => d, /^facebench: --csv .*: is a folder; give a file name$/m],
    ['a missing folder', (d: string) => join(d, 'no', 'r.csv'), /^facebench: --csv .*no\/r\.csv: folder .*no does not exist$/m],
    ['a full device (ENOSPC at write time)', () => '/dev/full', /^facebench: \/dev\/full: cannot write \(ENOSPC\)$/m],
  ] as const) {
    it(`${name}: exit 2, one line, no other output written, no table printed`, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'plain-file'), 'x');
      const json = join(dir, 'r.json');
      const r = await runInProcess(ijbArgs(FIXTURE, ['--json', json, '--markdown', join(dir, 'r.md'), '--csv', csvPath(dir)]));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(readdirSync(dir)).toEqual(['plain-file']);
    });
  }
});

describe('bad input: one line on stderr, exit 2, no output file', () => {
  const cases: { name: string; breakIt: (dir: string) => string[] | void; expect: RegExp }[] = [
    { name: 'missing pair file', breakIt: (d) => void rmSync(join(d, 'meta/ijbc_template_pair_label.txt')), expect: /ijbc_template_pair_label\.txt: cannot read \(no such file\)/ },
    {
      name: 'malformed pair line',
      breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '1000 5000 1\n1000 abc 0\n'),
      expect: /ijbc_template_pair_label\.txt:2: expected template id t2 \(an integer\), found 'abc'/,
    },
    {
      name: 'pair naming an unknown template',
      breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '1000 5000 1\n1000 424242 0\n'),
      expect: /ijbc_template_pair_label\.txt:2: template 424242 is not in the face\/template\/media list/,
    },
    {
      name: 'label not 0/1',
      breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '1000 5000 1\n1000 5011 2\n'),
      expect: /ijbc_template_pair_label\.txt:2: label must be 0 or 1, found 2/,
    },
    { name: 'empty pair file', breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '\n'), expect: /no pairs \(empty pair file\)/ },
    { name: 'no impostor pairs', breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '1000 5000 1\n'), expect: /no impostor pairs \(label 0\): FAR is undefined/ },
    { name: 'no genuine pairs', breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_template_pair_label.txt'), '1000 5011 0\n'), expect: /no genuine pairs \(label 1\): TAR is undefined/ },
    {
      name: 'feature rows differ from face lines',
      breakIt: (d) => {
        const m = readNpyMatrix(join(d, 'magface-r18/features.npy'));
        writeFileSync(join(d, 'magface-r18/features.npy'), encodeNpy(m.data.subarray(0, (m.rows - 1) * m.cols), [m.rows - 1, m.cols]));
        writeFileSync(join(d, 'magface-r18/features_flip.npy'), encodeNpy(m.data.subarray(0, (m.rows - 1) * m.cols), [m.rows - 1, m.cols]));
      },
      expect: /features\.npy: has 519 feature rows but .*ijbc_face_tid_mid\.txt lists 520 faces/,
    },
    {
      name: 'orig/flip shape mismatch',
      breakIt: (d) => {
        const m = readNpyMatrix(join(d, 'magface-r18/features_flip.npy'));
        writeFileSync(join(d, 'magface-r18/features_flip.npy'), encodeNpy(m.data.subarray(0, m.rows * 32), [m.rows, 32]));
      },
      expect: /features_flip\.npy: shape \(520, 32\) differs from .*features\.npy \(520, 64\)/,
    },
    {
      name: 'NaN in features',
      breakIt: (d) => {
        const m = readNpyMatrix(join(d, 'magface-r18/features.npy'));
        m.data[3 * 64 + 5] = NaN;
        writeFileSync(join(d, 'magface-r18/features.npy'), encodeNpy(m.data, [m.rows, m.cols]));
      },
      expect: /features\.npy: non-finite feature value NaN at row 4, column 6/,
    },
    {
      name: 'Inf in flip features',
      breakIt: (d) => {
        const m = readNpyMatrix(join(d, 'magface-r18/features_flip.npy'));
        m.data[10 * 64] = -Infinity;
        writeFileSync(join(d, 'magface-r18/features_flip.npy'), encodeNpy(m.data, [m.rows, m.cols]));
      },
      expect: /features_flip\.npy: non-finite feature value -Infinity at row 11, column 1/,
    },
    {
      name: 'zero-norm face under plain',
      breakIt: (d) => {
        for (const f of ['features.npy', 'features_flip.npy']) {
          const m = readNpyMatrix(join(d, 'magface-r18', f));
          m.data.fill(0, 7 * 64, 8 * 64);
          writeFileSync(join(d, 'magface-r18', f), encodeNpy(m.data, [m.rows, m.cols]));
        }
      },
      expect: /features\.npy: row 8 \(face '\d+\.jpg'\) has a zero feature vector; aggregation 'plain' L2-normalises each face/,
    },
    {
      name: 'unsupported npy dtype',
      breakIt: (d) => void writeFileSync(join(d, 'magface-r18/features.npy'), Buffer.concat([npyHeaderWith('<i4', false, '(520, 64)'), Buffer.alloc(520 * 64 * 4)])),
      expect: /features\.npy: unsupported dtype '<i4' \(expected float16, float32 or float64\)/,
    },
    {
      name: 'Fortran-ordered npy',
      breakIt: (d) => void writeFileSync(join(d, 'magface-r18/features.npy'), Buffer.concat([npyHeaderWith('<f4', true, '(520, 64)'), Buffer.alloc(520 * 64 * 4)])),
      expect: /features\.npy: Fortran-ordered arrays are not supported/,
    },
    {
      name: 'truncated npy',
      breakIt: (d) => void writeFileSync(join(d, 'magface-r18/features.npy'), Buffer.concat([npyHeaderWith('<f4', false, '(520, 64)'), Buffer.alloc(1000)])),
      expect: /features\.npy: truncated \.npy: shape \(520, 64\) of f4 needs 133120 data bytes, found 1000/,
    },
    {
      name: 'malformed face line',
      breakIt: (d) => void writeFileSync(join(d, 'meta/ijbc_face_tid_mid.txt'), '1.jpg 1000 60000\n2.jpg 1000\n'),
      expect: /ijbc_face_tid_mid\.txt:2: expected a media id \(an integer\), found end of line/,
    },
    { name: 'unknown aggregation', breakIt: () => ['--aggregate', 'plain,median'], expect: /unknown aggregation 'median'/ },
    { name: 'bad FAR', breakIt: () => ['--far', '1e-3,2'], expect: /--far: '2' is not a rate in \(0, 1\]/ },
    { name: 'unknown flag', breakIt: () => ['--frobnicate'], expect: /unknown flag --frobnicate for facebench ijb/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = fixtureCopy();
      const extra = c.breakIt(dir) ?? [];
      mkdirSync(join(dir, 'out'));
      const out = join(dir, 'out', 'result.json');
      const r = await runInProcess(ijbArgs(dir, ['--json', out, '--csv', join(dir, 'out', 'r.csv'), ...extra]));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(c.expect);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('facebench:'))).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
      expect(readdirSync(join(dir, 'out'))).toEqual([]);
    });
  }
});
