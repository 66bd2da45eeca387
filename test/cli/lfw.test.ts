import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO as ROOT, runCli, runInProcess, tempDir, type CliRun } from '../helpers/cli.js';

const DEMO = join(ROOT, 'fixtures', 'lfw-demo');
const PARITY = join(ROOT, 'test', 'data', 'lfw-parity');
const PICKLES = join(ROOT, 'test', 'data', 'pickles');

/** `lfw` in-process (the contract test below runs the real bin). */
function run(args: string[], quiet = true): Promise<CliRun> {
  return runInProcess(['lfw', ...(quiet ? ['--quiet'] : []), ...args]);
}

const demoPairs = ['--pairs', join(DEMO, 'pairs.txt'), '--names', join(DEMO, 'names.txt'), '--features', join(DEMO, 'features.npy'), '--flip-features', join(DEMO, 'features_flip.npy')];
const parityArgs = (pairs = join(PARITY, 'pairs.txt'), names = join(PARITY, 'names.txt')): string[] => [
  '--pairs', pairs, '--names', names, '--features', join(PARITY, 'features.npy'), '--flip-features', join(PARITY, 'features_flip.npy'),
];


describe('facebench lfw', () => {
  it('pairs.txt + names + features: accuracy line, table, JSON contract, byte-identical reruns', async () => {
    const dir = tempDir('lfw-');
    const a = await runCli(['lfw', '--quiet', ...demoPairs, '--json', join(dir, 'a.json'), '--csv', join(dir, 'a.csv'), '--markdown', join(dir, 'a.md')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^\[lfw\] XNorm: \d+\.\d{6}\n\[lfw\] Accuracy-Flip: 0\.\d{5}\+-0\.\d{5}\n/);
    const b = await run([...demoPairs, '--json', join(dir, 'b.json')]);
    expect(b.code).toBe(0);
    const text = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(text);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'pairs-kfold', tool: { name: 'facebench' }, rule: 'nearest' });
    expect(doc.results).toHaveLength(1);
    const d = doc.results[0];
    expect(d).toMatchObject({ dataset: 'lfw', pair_format: 'pairs-txt', folds: 10, features: { dim: 64, flip: true }, counts: { pairs: 600, genuine: 300, impostor: 300 } });
    // No paths in the JSON: it must not change with the working folder.
    expect(text).not.toContain(DEMO);
    expect(text).not.toContain('pairs.txt');
    expect(d.accuracy.per_fold).toHaveLength(10);
    expect(d.accuracy.threshold_per_fold).toHaveLength(10);
    expect(d.accuracy.stderr).toBeCloseTo(d.accuracy.std / Math.sqrt(10), 15);
    // 300 impostor pairs cannot resolve FAR 1e-3 (nor can 270 per training split resolve VAL@1e-3): null, and warned.
    expect(d.tar_at_far).toEqual({ '1e-3': null });
    expect(d.threshold).toEqual({ '1e-3': null });
    expect(d.val_at_far).toEqual({ '1e-3': null });
    expect(doc.warnings).toEqual([
      '[lfw] VAL@1e-3 (verification.py calculate_val) cannot be resolved: a training split holds only 270 impostor pairs (it needs at least 1,000): reported as null',
      '[lfw] FAR 1e-3 cannot be resolved with 300 impostor pairs (it needs at least 1,000): its TAR is reported as null',
    ]);
    expect(a.stderr).toBe(doc.warnings.map((w: string) => `facebench: warning: ${w}\n`).join(''));
    expect(typeof d.eer).toBe('number');
    const resolved = JSON.parse((await run([...demoPairs, '--far', '1e-2', '--json', '-'])).stdout).results[0];
    expect(resolved.tar_at_far['1e-2']).toBe(resolved.true_accepts['1e-2'] / 300);
    expect(resolved.false_accepts['1e-2']).toBeLessThanOrEqual(4);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\n')[0]).toMatch(/^dataset,folds,flip,pairs/);
    expect(readFileSync(join(dir, 'a.md'), 'utf8')).toMatch(/\| dataset \| pairs \|/);
  });

  it('reproduces the verification.py numbers through the CLI', async () => {
    const expected = JSON.parse(readFileSync(join(PARITY, 'expected.json'), 'utf8')).pairs_txt_flip;
    const r = await run([...parityArgs(), '--json', '-']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout).results[0];
    expect(doc.accuracy.per_fold).toEqual(expected.accuracy_per_fold);
    expect(Math.abs(doc.accuracy.mean - expected.accuracy_mean)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(doc.accuracy.std - expected.accuracy_std)).toBeLessThanOrEqual(1e-12);
    expect(doc.accuracy.threshold_per_fold).toEqual(expected.best_threshold_per_fold);
    expect(Math.abs(doc.xnorm - expected.xnorm)).toBeLessThanOrEqual(1e-12);
  });

  it('a pairs CSV (with and without a fold column) gives the same numbers as the pairs.txt', async () => {
    const dir = tempDir('lfw-');
    const lines = readFileSync(join(PARITY, 'pairs.txt'), 'utf8').trim().split('\n').slice(1);
    const img = (n: string, k: string): string => `${n}/${n}_${k.padStart(4, '0')}.jpg`;
    const rows = lines.map((l, i) => {
      const t = l.split('\t');
      const [a, b, label] = t.length === 3 ? [img(t[0], t[1]), img(t[0], t[2]), 1] : [img(t[0], t[1]), img(t[2], t[3]), 0];
      return { a, b, label, fold: Math.floor(i / 60) };
    });
    writeFileSync(join(dir, 'folds.csv'), 'a,b,label,fold\n' + rows.map((r) => `${r.a},${r.b},${r.label},${r.fold + 100}`).join('\n') + '\n');
    writeFileSync(join(dir, 'plain.csv'), rows.map((r) => `${r.a},${r.b},${r.label}`).join('\n') + '\n');
    const ref = JSON.parse((await run([...parityArgs(), '--json', '-'])).stdout).results[0];
    for (const csv of ['folds.csv', 'plain.csv']) {
      const r = await run(['--pairs-csv', join(dir, csv), '--names', join(PARITY, 'names.txt'), '--features', join(PARITY, 'features.npy'), '--flip-features', join(PARITY, 'features_flip.npy'), '--json', '-']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout).results[0];
      expect(doc.accuracy).toEqual(ref.accuracy);
      expect(doc.fold_source).toBe(csv === 'folds.csv' ? 'file' : 'kfold');
    }
  });

  it('a pairsDevTest-style file (single count header): contiguous KFold, one class per fold, warned', async () => {
    const dir = tempDir('lfw-');
    const lines = readFileSync(join(PARITY, 'pairs.txt'), 'utf8').trim().split('\n').slice(1);
    const matched = lines.filter((l) => l.split('\t').length === 3);
    const mismatched = lines.filter((l) => l.split('\t').length === 4);
    writeFileSync(join(dir, 'dev.txt'), `${matched.length}\n${[...matched, ...mismatched].join('\n')}\n`);
    const r = await run(['--pairs', join(dir, 'dev.txt'), '--names', join(PARITY, 'names.txt'), '--features', join(PARITY, 'features.npy'), '--json', '-']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.results[0]).toMatchObject({ fold_source: 'kfold', folds: 10, counts: { pairs: 600 }, features: { flip: false } });
    expect(doc.results[0].val_at_far['1e-3']).toBeNull();
    expect(doc.warnings[0]).toMatch(/^\[lfw\] fold\(s\) 6, 7, 8, 9, 10 hold no genuine pairs/);
  });

  it('several --bin datasets with features in .bin order: one object per dataset', async () => {
    const r = await run([
      '--bin', join(DEMO, 'demo.bin'), '--features', join(DEMO, 'demo_features.npy'), '--flip-features', join(DEMO, 'demo_features_flip.npy'),
      '--bin', join(PICKLES, 'py2_str.bin'), '--features', join(PARITY, 'bin_features.npy'), '--flip-features', join(PARITY, 'bin_features_flip.npy'),
      '--json', '-',
    ]);
    // py2_str.bin holds 4 images: the 410-row features do not fit it.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bin_features\.npy: has 410 feature rows but .*py2_str\.bin holds 4 images/);
    const ok = await run([
      '--bin', join(DEMO, 'demo.bin'), '--features', join(DEMO, 'demo_features.npy'), '--flip-features', join(DEMO, 'demo_features_flip.npy'),
      '--bin', join(DEMO, 'demo.bin'), '--features', join(DEMO, 'demo_features.npy'), '--flip-features', join(DEMO, 'demo_features.npy'),
      '--label', 'demo', '--label', 'demo-again', '--json', '-',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'pairs-kfold' });
    expect(doc.results.map((d: { dataset: string; counts: { pairs: number } }) => [d.dataset, d.counts.pairs])).toEqual([['demo', 60], ['demo-again', 60]]);
    // The same .bin twice without labels would give two datasets of one name: refused.
    const twice = await run(['--bin', join(DEMO, 'demo.bin'), '--features', join(DEMO, 'demo_features.npy'), '--bin', join(DEMO, 'demo.bin'), '--features', join(DEMO, 'demo_features.npy')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/would both be named 'demo': give each dataset a --label/);
  });

  it.each([
    [['--pairs', 'p.txt', '--bin', 'x.bin', '--features', 'f.npy'], /give exactly one of --pairs/],
    [['--bin', 'x.bin', '--features', 'f.npy', '--names', 'n.txt'], /--names does not go with --bin/],
    [['--pairs', 'p.txt', '--features', 'f.npy'], /--names is required with --pairs/],
    [['--bin', 'x.bin', '--bin', 'y.bin', '--features', 'f.npy'], /2 dataset\(s\) but 1 --features/],
    [['--pairs', join(PARITY, 'pairs.txt'), '--names', join(PARITY, 'names.txt'), '--features', join(PARITY, 'features.npy'), '--folds', '5'], /--folds 5: .*pairs\.txt defines 10 folds/],
    [['--pairs', join(PARITY, 'pairs.txt'), '--names', join(PARITY, 'names.txt'), '--features', join(PARITY, 'features.npy'), '--folds', 'x'], /--folds must be an integer in \[2, 1000000\]; got 'x'/],
    [['--pairs-csv', 'p.csv', '--names', 'n.txt', '--features', 'f.npy', '--folds', '1'], /--folds must be an integer in \[2, 1000000\]; got '1'/],
    [['--bin', 'x.bin', '--features', 'f.npy', '--skip-bad'], /--skip-bad is not a flag of facebench lfw \(it belongs to facebench ijb\)/],
    [['--bin', 'x.bin', '--features', 'f.npy', '--flip'], /--flip only applies with --model/],
    [['--bin', 'x.bin', '--features', 'f.npy', '--label', 'a', '--name', 'b'], /--name is the old spelling of --label/],
  ])('usage error: %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--model with a missing model file (model mode itself: test/cli/lfw-model.test.ts)', async () => {
    const r = await run(['--bin', join(DEMO, 'demo.bin'), '--model', 'm.onnx']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^facebench: m\.onnx: cannot read the model \(no such file\)\n$/);
  });
});

describe('facebench lfw: bad input exits 2 with one stderr line and writes nothing', () => {
  const bad = (name: string, makeArgs: (dir: string) => string[], message: RegExp): void => {
    it(name, async () => {
      const dir = tempDir('lfw-bad-');
      const out = join(dir, 'out.json');
      // Without --quiet: the error must still be the only line on stderr.
      const r = await run([...makeArgs(dir), '--json', out, '--csv', join(dir, 'out.csv')], false);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^facebench: /);
      expect(lines[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith('out') || f.includes('.tmp'))).toEqual([]);
      expect(r.stdout).toBe('');
    });
  };

  bad('pairs.txt with a wrong count header', (dir) => {
    const text = readFileSync(join(PARITY, 'pairs.txt'), 'utf8').replace(/^10\t30/, '10\t31');
    writeFileSync(join(dir, 'pairs.txt'), text);
    return parityArgs(join(dir, 'pairs.txt'));
  }, /pairs\.txt:32: expected the matched pair 31 of 31 in set 1 of 10, as the header '10 31' announces: `name n1 n2`, found 4 fields '.*' \(a mismatched pair\?\)/);

  bad('pairs.txt naming an image missing from names.txt', (dir) => {
    const names = readFileSync(join(PARITY, 'names.txt'), 'utf8').split('\n');
    const pairsLine = readFileSync(join(PARITY, 'pairs.txt'), 'utf8').split('\n')[1].split('\t');
    const missing = `${pairsLine[0]}/${pairsLine[0]}_${pairsLine[1].padStart(4, '0')}.jpg`;
    writeFileSync(join(dir, 'names.txt'), names.map((n) => (n === missing ? 'Someone_Else/Someone_Else_0001.jpg' : n)).join('\n'));
    return parityArgs(undefined, join(dir, 'names.txt'));
  }, /pairs\.txt:2: image '.+' is not in .*names\.txt \(240 names\)/);

  bad('features and names of different lengths', (dir) => {
    writeFileSync(join(dir, 'names.txt'), readFileSync(join(PARITY, 'names.txt'), 'utf8') + 'Extra/Extra_0001.jpg\n');
    return parityArgs(undefined, join(dir, 'names.txt'));
  }, /features\.npy: has 240 feature rows but .*names\.txt lists 241 images/);

  bad('.bin whose image count is not 2 × labels', () => ['--bin', join(PICKLES, 'count_mismatch.bin'), '--features', join(PARITY, 'bin_features.npy')],
    /count_mismatch\.bin: holds 3 images for 2 pair labels; expected 2 × 2 = 4/);

  bad('a pairs CSV whose first line is a pair with a bad label (not a header: no column names)', (dir) => {
    writeFileSync(join(dir, 'p.csv'), 'a/a_0001.jpg,b/b_0001.jpg,maybe\na/a_0001.jpg,b/b_0001.jpg,0\n');
    return ['--pairs-csv', join(dir, 'p.csv'), '--names', join(PARITY, 'names.txt'), '--features', join(PARITY, 'features.npy')];
  }, /p\.csv:1: expected a label \(1\/0 or true\/false\), found 'maybe'/);

  bad('hostile pickle', () => ['--bin', join(PICKLES, 'hostile_os_system.pkl'), '--features', join(PARITY, 'bin_features.npy')],
    /hostile_os_system\.pkl: byte 5: GLOBAL \(0x63\): global 'posix\.system' is not allowed/);
});
