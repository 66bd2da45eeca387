import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ijbDoc, runInProcess, tempDir, writeJson } from '../helpers.js';

const dir = tempDir();
const demo = (model: string, extra: string[] = []): string[] => [
  'ijb', '--root', 'fixtures/ijb-demo',
  '--features', `fixtures/ijb-demo/${model}/features.npy`, '--flip-features', `fixtures/ijb-demo/${model}/features_flip.npy`,
  '--quiet', ...extra,
];
const mag = join(dir, 'magface-r18.json');
const arc = join(dir, 'arcface-r18.json');

beforeAll(async () => {
  for (const [m, f] of [['magface-r18', mag], ['arcface-r18', arc]]) {
    const r = await runInProcess(demo(m, ['--json', f, '--curve']));
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('compare on the demo results', () => {
  it('prints one row per checkpoint × aggregation and honours --label', async () => {
    const r = await runInProcess(['compare', mag, arc, '--label', `MagFace-r18=${mag}`]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^(MagFace-r18|arcface-r18) /.test(l))).toHaveLength(4);
    // 4,680 impostor pairs cannot resolve FAR 1e-6 … 1e-4: no column for them.
    expect(lines[2]).toMatch(/^checkpoint\s+aggregation\s+TAR@1e-3\s+TAR@1e-2\s+TAR@1e-1$/);
    expect(r.stdout).toMatch(/^MagFace-r18\s+plain\s+53\.33\s+75\.00\s+91\.67\*?$/m);
  });
  it('--format json and --metric pick the columns; EER is best when lowest', async () => {
    const r = await runInProcess(['compare', mag, arc, '--format', 'json', '--metric', 'auc,eer,1e-2']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 2, protocol: 'compare', columns: ['tar@1e-2', 'auc', 'eer'] });
    expect(doc.rows).toHaveLength(4);
    const files = [mag, arc].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const eers = files.flatMap((f) => f.results.map((x: { eer: number }) => x.eer));
    const best = Math.min(...eers);
    for (const [k, row] of doc.rows.entries()) {
      expect(row.metrics.eer.value).toBe(eers[k]);
      expect(row.metrics.eer.best).toBe(eers[k] === best);
      expect(row.metrics['tar@1e-2'].value).toBe(files[k >> 1].results[k & 1].tar_at_far['1e-2']);
    }
  });
  it('--format latex --published --out writes the file and nothing on stdout', async () => {
    const out = join(dir, 'table.tex');
    const r = await runInProcess(['compare', mag, arc, '--format', 'latex', '--published', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const tex = readFileSync(out, 'utf8');
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('\\textit{MagFace+ (paper)} & -- & 90.24 & 94.08 & 95.97 & -- & -- & -- \\\\');
  });
});

describe('compare: bad input → exit 2, one stderr line, no output file', () => {
  const good = writeJson(dir, 'good.json', ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9 } }]));
  const cases: [string, () => string[]][] = [
    ['missing file', () => [good, join(dir, 'missing.json')]],
    ['unknown protocol', () => [good, writeJson(dir, 'p.json', { ...ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9 } }]), protocol: 'ijb-1n' })]],
    ['schema version', () => [writeJson(dir, 's.json', { ...ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9 } }]), schemaVersion: 3 })]],
    ['empty results', () => [writeJson(dir, 'e.json', ijbDoc([]))]],
    ['bad FAR key', () => [writeJson(dir, 'k.json', ijbDoc([{ aggregation: 'plain', tar: { 'far4': 0.9 } }]))]],
    ['duplicate labels', () => [good, good]],
    ['label of a non-input', () => [good, '--label', `x=${join(dir, 'other.json')}`]],
    ['malformed label', () => [good, '--label', 'nolabel']],
    ['bad --format', () => [good, '--format', 'html']],
    ['bad curve', () => [writeJson(dir, 'c.json', { ...ijbDoc([]), results: [{ aggregation: 'plain', tar_at_far: { '1e-4': 0.9 }, curve: { far: [0, 0.5], tar: [0.5, 0.2], threshold: [null, 1] } }] })]],
    ['a paired flag without --paired', () => [good, '--scores-a', dir]],
    ['--bootstrap without --paired', () => [good, '--bootstrap', '10']],
    ['--threads (it is --bootstrap-threads)', () => [good, '--threads', '2']],
    ['--paired with one result', () => [good, '--paired', '--scores-a', dir, '--scores-b', dir, '--root', dir]],
    ['--paired with too few replicates for the interval', () => [good, good, '--paired', '--scores-a', dir, '--scores-b', dir, '--root', dir, '--bootstrap', '10']],
    ['--metric unknown', () => [good, '--metric', 'precision']],
    ['--format given twice', () => [good, '--format', 'csv', '--format', 'json']],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '_')}.md`);
      const r = await runInProcess(['compare', ...args(), '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^facebench: /);
      expect(existsSync(out)).toBe(false);
    });
  }
  it('two outputs on stdout, or on one file, are refused before anything is written', async () => {
    const a = await runInProcess(['compare', good, '--html', '-']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('facebench: the table (no --out) and --html all write to stdout: at most one output may go there\n');
    const f = join(dir, 'same.out');
    const b = await runInProcess(['compare', good, '--out', f, '--html', f]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`facebench: --out and --html both write ${f}: give each output its own path\n`);
    expect(existsSync(f)).toBe(false);
    const c = await runInProcess(['compare', good, '--out', good]);
    expect(c.stderr).toBe(`facebench: --out ${good} is the input of RESULT: refusing to overwrite an input\n`);
  });
});

describe('compare on IJB 1:N and quality results', () => {
  it('1:N columns (rank-k, TPIR) beside TAR; --dir and --cmc pictures; the HTML holds every figure the inputs give', async () => {
    const d = tempDir();
    const files = [];
    for (const m of ['arcface-r18', 'magface-r18']) {
      const f = join(d, `${m}.json`);
      const r = await runInProcess(['ijb', '--root', 'fixtures/ijb-demo', '--features', `fixtures/ijb-demo/${m}/features.npy`, '--protocol', '1v1,1n', '--far', '1e-2', '--fpir', '2e-2,1e-1', '--curve', '--json', f, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      files.push(f);
    }
    const r = await runInProcess(['compare', ...files, '--format', 'json', '--dir', join(d, 'dir.svg'), '--cmc', join(d, 'cmc.svg'), '--html', join(d, 'r.html')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).columns).toEqual(['tar@1e-2', 'rank@1', 'rank@5', 'rank@10', 'tpir@2e-2', 'tpir@1e-1']);
    const doc = JSON.parse(readFileSync(files[0], 'utf8'));
    expect(JSON.parse(r.stdout).rows[0].metrics['tpir@1e-1'].value).toBe(doc.protocols[1].results[0].tpir_at_fpir['1e-1']);
    expect(readFileSync(join(d, 'dir.svg'), 'utf8')).toContain('DIR vs FPIR');
    const html = readFileSync(join(d, 'r.html'), 'utf8');
    for (const id of ['roc', 'det', 'dir', 'cmc']) expect(html).toContain(`<figure id="${id}">`);
    const closed = await runInProcess(['compare', ...files, '--metric', 'closed_rank@1,insightface_far', '--format', 'csv']);
    expect(closed.stdout.split('\n').filter((l) => l.includes('closed_rank@1'))).toHaveLength(4);
  });
  it('quality results: rows are quality sources, lower FNMR / pAUC marked best; the HTML has the ERC and EDC', async () => {
    const d = tempDir();
    const q = join(d, 'q.json');
    expect((await runInProcess(['quality', '--root', 'fixtures/ijb-demo', '--features', 'fixtures/ijb-demo/magface-r18/features.npy', '--fmr', '1e-2', '--json', q, '--quiet'])).code).toBe(0);
    const r = await runInProcess(['compare', q, '--format', 'json', '--html', join(d, 'q.html')]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).rows;
    expect(rows.map((x: { aggregation: string }) => x.aggregation)).toEqual(['norm', 'random']);
    expect(rows[0].metrics.fnmr_40.best).toBe(true);
    const html = readFileSync(join(d, 'q.html'), 'utf8');
    expect(html).toContain('<figure id="erc-q">');
    expect(html).toContain('<figure id="edc-q">');
  });
  it('--dir of 1:1-only inputs: one line, exit 2', async () => {
    const r = await runInProcess(['compare', mag, '--dir', join(tempDir(), 'x.svg')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds no ijb-1n result \(run ijb with --protocol 1n\)/);
  });
});
