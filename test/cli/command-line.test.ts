/**
 * The command line's conventions, one group per kind of surprise a new user hit (flags twice or
 * without their value, outputs that clash, flags that mean nothing, native noise, help and naming).
 * Every case: exit code, the exact stderr line where it is an error, and nothing written.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli, runInProcess, tempDir } from '../helpers/cli.js';

const DEMO = 'fixtures/ijb-demo';
const F = `${DEMO}/arcface-r18/features.npy`;
const G = `${DEMO}/arcface-r18/features_flip.npy`;
const ijb = (...extra: string[]): string[] => ['ijb', '--root', DEMO, '--features', F, '--quiet', ...extra];
const MODEL = 'fixtures/models/tiny-a32.onnx';

/** Exit 2, exactly one stderr line equal to (or matching) `message`, nothing on stdout. */
async function refused(args: string[], message: string | RegExp): Promise<void> {
  const r = await runInProcess(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toBe(`facebench: ${message}`);
  else expect(lines[0]).toMatch(message);
}

describe.concurrent('a flag given twice is one line, exit 2', () => {
  const cases: [string[], string][] = [
    [ijb('--far', '1e-4', '--far', '1e-3'), "--far was given twice ('1e-4', then '1e-3'): give it once (it takes a comma list)"],
    [ijb('--aggregate', 'plain', '--aggregate', 'magnitude'), "--aggregate was given twice ('plain', then 'magnitude'): give it once (it takes a comma list)"],
    [[...ijb(), '--root', DEMO], `--root was given twice ('${DEMO}', then '${DEMO}'): give it once`],
    [ijb('--json', 'a.json', '--json', 'b.json'), "--json was given twice ('a.json', then 'b.json'): give it once"],
    [[...ijb(), '--features', F], `--features was given twice ('${F}', then '${F}'): give it once`],
    [ijb('--target', 'IJBC', '--target', 'IJBB'), "--target was given twice ('IJBC', then 'IJBB'): give it once"],
    [ijb('--rule', 'le', '--rule', 'bob'), "--rule was given twice ('le', then 'bob'): give it once"],
    [ijb('--curve', '--curve'), '--curve was given twice: give it once'],
    [['gate', '--baseline', 'a', '--current', 'b', '--max-drop', '1e-4=0.1', '--max-drop', '1e-3=0.1'], "--max-drop was given twice ('1e-4=0.1', then '1e-3=0.1'): give it once (it takes a comma list)"],
    [['extract', '--model', MODEL, '--root', 'r', '--out', 'o', '--shard', '1/2', '--shard', '2/2'], "--shard was given twice ('1/2', then '2/2'): give it once"],
    [['extract', '--model', MODEL, '--root', 'r', '--out', 'o', '--mean', '1', '--mean', '2'], "--mean was given twice ('1', then '2'): give it once"],
  ];
  for (const [args, message] of cases) it(args.slice(-2).join(' '), () => refused(args, message));
});

describe.concurrent('a flag without its value is one line, exit 2, and writes nothing', () => {
  const cases: [string[], string][] = [
    [ijb('--scores'), '--scores needs a value (DIR)'],
    [ijb('--far'), '--far needs a value (LIST)'],
    [ijb('--bootstrap'), '--bootstrap needs a value (N)'],
    [ijb('--json'), '--json needs a value (FILE)'],
    [ijb('--json', '--csv', 'x.csv'), '--json needs a value (FILE)'],
    [ijb('--far='), '--far needs a value (LIST)'],
    [['compare', 'x.json', '--out'], '--out needs a value (FILE)'],
    [['gate', '--baseline', 'a', '--current', 'b', '--junit'], '--junit needs a value (FILE)'],
    [ijb('--bootstrap', 'abc'), "--bootstrap must be an integer in [1, 1000000]; got 'abc'"],
    [ijb('--far', '1e-4,,1e-3'), "--far: '1e-4,,1e-3' has an empty item"],
    [ijb('--curve=yes'), "--curve is a switch and takes no value; got '--curve=yes'"],
  ];
  it('--scores as the last argument (the real bin, in an empty folder): refused, nothing written there', async () => {
    const cwd = tempDir();
    const r = await runCli(ijb('--scores').map((a) => (a.startsWith('fixtures/') ? join(REPO, a) : a)), { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('facebench: --scores needs a value (DIR)\n');
    expect(readdirSync(cwd)).toEqual([]);
  });
  for (const [args, message] of cases) {
    it(args.slice(-2).join(' '), async () => {
      const r = await runInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`facebench: ${message}\n`);
    });
  }
});

describe.concurrent('outputs: at most one on stdout, none on an input or on each other, no folder created', () => {
  it('--json - --csv -: refused before any work', () => refused(ijb('--json', '-', '--csv', '-'), '--json and --csv all write to stdout: at most one output may go there'));
  it('--json /dev/stdout counts as stdout too', () => refused(ijb('--json', '/dev/stdout', '--markdown', '-'), '--json and --markdown all write to stdout: at most one output may go there'));
  it('--csv - prints the CSV only (no table)', async () => {
    const r = await runCli(ijb('--csv', '-', '--far', '1e-2'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('dataset,rule,aggregation,far_target,tar,tar_ci_lo,tar_ci_hi,far_actual,false_accepts,true_accepts,threshold,auc,eer,eer_threshold');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });
  it('--json X --csv X', async () => {
    const x = join(tempDir(), 'x');
    await refused(ijb('--json', x, '--csv', x), `--json and --csv both write ${x}: give each output its own path`);
    expect(existsSync(x)).toBe(false);
  });
  it('--json on the input features', async () => {
    await refused(ijb('--json', F), `--json ${F} is the input of --features: refusing to overwrite an input`);
    expect(readFileSync(join(REPO, F)).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  });
  it('--json in a missing folder: refused, the folder is not created', async () => {
    const d = tempDir();
    await refused(ijb('--json', join(d, 'nope', 'x.json')), `--json ${join(d, 'nope', 'x.json')}: folder ${join(d, 'nope')} does not exist`);
    expect(readdirSync(d)).toEqual([]);
  });
  it('compare --plot X --det X', async () => {
    const d = tempDir();
    const res = join(d, 'r.json');
    expect((await runCli(ijb('--json', res, '--curve'))).code).toBe(0);
    await refused(['compare', res, '--plot', join(d, 'p.svg'), '--det', join(d, 'p.svg')], `--plot and --det both write ${join(d, 'p.svg')}: give each output its own path`);
    expect(readdirSync(d)).toEqual(['r.json']);
  });
  it('a symlink to a regular file is replaced through the link; a device is written in place, never replaced', async () => {
    const d = tempDir();
    const { symlinkSync, lstatSync } = await import('node:fs');
    writeFileSync(join(d, 'target.json'), 'old');
    symlinkSync(join(d, 'target.json'), join(d, 'link.json'));
    const r = await runCli(ijb('--json', join(d, 'link.json'), '--far', '1e-2', '--csv', '/dev/null'));
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(d, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(d, 'target.json'), 'utf8')).protocol).toBe('ijb-1v1');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });
  it('a closed pipe on stdout (| head -1) ends quietly, exit 0, no stack', async () => {
    const child = spawn(process.execPath, [BIN, ...ijb('--aggregate', 'plain,magnitude,insightface,magface,magface+', '--far', '1e-2', '--json', '-', '--curve')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first chunk
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
  it('stdout closed (fd 1 not open) with --json -: an error, not exit 0', async () => {
    // The shell's >&- closes fd 1 for real (stdio 'ignore' would open /dev/null instead).
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" ${ijb('--far', '1e-2', '--json', '-').join(' ')} >&-`], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    sh.stderr.on('data', (b) => (err += b));
    const code = await new Promise<number | null>((done) => sh.on('close', done));
    expect(code).toBe(2);
    expect(err).toBe('facebench: cannot write to stdout (EBADF: stdout is closed), which --json - asks for\n');
  });
});

describe.concurrent('flags that mean nothing for the chosen mode are refused', () => {
  const cases: [string[], string][] = [
    [ijb('--flip'), '--flip only applies with --model (it sets how images are extracted); saved features are evaluated as they are'],
    [ijb('--preset', 'magface'), '--preset only applies with --model (it sets how images are extracted); saved features are evaluated as they are'],
    [ijb('--skip-bad'), '--skip-bad only applies with --model (it sets how images are extracted); saved features are evaluated as they are'],
    [ijb('--store', 's'), '--store only applies with --model'],
    [ijb('--seed', '3'), '--seed only applies with --bootstrap N'],
    [ijb('--ci', '90'), '--ci only applies with --bootstrap N'],
    [['compare', 'a.json', '--bootstrap', '10'], '--bootstrap only applies with --paired'],
    [['compare', 'a.json', '--threads', '2'], "--threads is not a flag of facebench compare (it belongs to facebench ijb) (see facebench help compare)"],
    [['lfw', '--bin', 'x.bin', '--features', 'f.npy', '--skip-bad'], "--skip-bad is not a flag of facebench lfw (it belongs to facebench ijb) (see facebench help lfw)"],
    [ijb('--version'), '--version is a top-level flag: facebench --version'],
  ];
  for (const [args, message] of cases) it(args.slice(-2).join(' '), () => refused(args, message));
});

describe.concurrent('help and conventions', () => {
  it('bare facebench prints the usage and the command list, exit 0', async () => {
    const r = await runInProcess([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^facebench \d+\.\d+\.\d+ — /);
    for (const c of ['ijb', 'lfw', 'extract', 'merge', 'compare', 'gate']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect((await runInProcess(['--help'])).stdout).toBe(r.stdout);
    expect((await runInProcess(['help'])).stdout).toBe(r.stdout);
  });
  it('facebench --version / -V at the top level', async () => {
    const v = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
    expect((await runInProcess(['--version'])).stdout).toBe(`${v}\n`);
    expect((await runInProcess(['-V'])).stdout).toBe(`${v}\n`);
  });
  it('every command: help CMD = CMD --help, with examples and no yargs glitches', async () => {
    for (const c of ['ijb', 'lfw', 'extract', 'merge', 'compare', 'gate']) {
      const a = await runInProcess(['help', c]);
      const b = await runInProcess([c, '--help']);
      expect(a.code).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      const examples = a.stdout.split('\nExamples:\n')[1];
      expect(examples, c).toBeDefined();
      expect(examples.match(/^ {2}facebench /gm)!.length, c).toBeGreaterThanOrEqual(2);
      expect(a.stdout).not.toMatch(/\[required\]|\[default: \[\]\]|\[array\]|\[string\]|--version/);
    }
  });
  it('a mistyped command gets a suggestion', async () => {
    await refused(['ijbc', '--root', 'x'], "'ijbc' is not a facebench command: did you mean 'ijb'? (run facebench help for the list of commands)");
    await refused(['help', 'compar'], "'compar' is not a facebench command: did you mean 'compare'? (run facebench help for the list of commands)");
    await refused(ijb('--fars', '1e-3'), 'unknown flag --fars for facebench ijb: did you mean --far? (see facebench help ijb)');
  });
  it('a final stderr line with the time and peak memory (not with --quiet; never in the JSON)', async () => {
    const d = tempDir();
    const r = await runInProcess(['ijb', '--root', DEMO, '--features', F, '--far', '1e-2', '--json', join(d, 'r.json')]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter(Boolean).at(-1)).toMatch(/^facebench: ijb done in \d+\.\d\d s, peak memory \d+ MiB$/);
    expect(readFileSync(join(d, 'r.json'), 'utf8')).not.toMatch(/seconds|peak|memory|"ms"/);
  });
  it('warnings go to stderr as facebench: warning: …, never into the table on stdout', async () => {
    const r = await runInProcess(ijb('--flip-features', G, '--aggregate', 'plain,magface', '--far', '1e-2'));
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/warning/);
    expect(r.stderr).toBe('facebench: warning: magface / magface+ ignore --flip-features (MagFace eval_ijb.py has no flip test)\n');
  });
});

describe('quiet native layers', () => {
  it('--ep auto without Vulkan: no native warning, no mat-debug log left in the temp folder, a failed extract leaves nothing', async () => {
    const tmp = tempDir();
    const out = join(tmp, 'store');
    const r = await runCli(['extract', '--model', MODEL, '--root', 'fixtures/ijb-images', '--out', out, '--ep', 'auto', '--quiet'], { env: { ...process.env, TMPDIR: tmp, LD_LIBRARY_PATH: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // onnxruntime's telemetry keeps one session-id file (.ses) per temp folder, reused by every run;
    // the per-process mat-debug-<pid>.log files are what must not pile up.
    expect(readdirSync(tmp).filter((f) => f !== '.ses')).toEqual(['store']);
    const merged = join(tmp, 'merged');
    const m = await runCli(['merge', out, out, '--out', merged], { env: { ...process.env, TMPDIR: tmp } });
    expect(m.code).toBe(2);
    expect(existsSync(merged)).toBe(false);
  });
});

describe('one vocabulary across commands', () => {
  it('ijb CSV and markdown carry the bootstrap intervals the table shows', async () => {
    const d = tempDir();
    const r = await runInProcess(ijb('--far', '1e-2', '--bootstrap', '50', '--csv', join(d, 'r.csv'), '--markdown', join(d, 'r.md'), '--json', join(d, 'r.json')));
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(d, 'r.json'), 'utf8'));
    const [lo, hi] = doc.results[0].tar_ci['1e-2'];
    expect(readFileSync(join(d, 'r.csv'), 'utf8').split('\n')[1]).toContain(`,${doc.results[0].tar_at_far['1e-2']},${lo},${hi},`);
    expect(readFileSync(join(d, 'r.md'), 'utf8')).toMatch(/95% CI \(50 × template bootstrap, seed 1\)/);
  });
  it('lfw and ijb JSON use the same field names for the same things', async () => {
    const d = tempDir();
    const L = 'fixtures/lfw-demo';
    expect((await runInProcess(['lfw', '--pairs', `${L}/pairs.txt`, '--names', `${L}/names.txt`, '--features', `${L}/features.npy`, '--far', '1e-2', '--json', join(d, 'l.json'), '--quiet'])).code).toBe(0);
    expect((await runInProcess(ijb('--far', '1e-2', '--json', join(d, 'i.json')))).code).toBe(0);
    const l = JSON.parse(readFileSync(join(d, 'l.json'), 'utf8'));
    const i = JSON.parse(readFileSync(join(d, 'i.json'), 'utf8'));
    for (const doc of [l, i]) expect(Object.keys(doc).slice(0, 3)).toEqual(['schemaVersion', 'tool', 'protocol']);
    for (const key of ['tar_at_far', 'far_actual', 'false_accepts', 'true_accepts', 'threshold', 'auc', 'eer', 'eer_threshold']) {
      expect(l.results[0], key).toHaveProperty(key);
      expect(i.results[0], key).toHaveProperty(key);
    }
    expect(Object.keys(l.results[0].counts)).toEqual(['pairs', 'genuine', 'impostor']);
    expect(Object.keys(i.counts)).toEqual(expect.arrayContaining(['pairs', 'genuine', 'impostor']));
    expect(l.results[0].features).toMatchObject({ dim: 64, flip: false });
    expect(i.features).toMatchObject({ dim: 64, flip: false });
  });
});
