import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ijbDoc, runCli, tempDir, writeJson } from '../helpers.js';

const dir = tempDir();
const demo = (model: string, extra: string[] = []): string[] => [
  'ijb', '--root', 'fixtures/ijb-demo',
  '--features', `fixtures/ijb-demo/${model}/features.npy`, '--flip-features', `fixtures/ijb-demo/${model}/features_flip.npy`,
  '--quiet', ...extra,
];
const mag = join(dir, 'magface-r18.json');
const arc = join(dir, 'arcface-r18.json');

beforeAll(() => {
  for (const [m, f] of [['magface-r18', mag], ['arcface-r18', arc]]) {
    const r = runCli(demo(m, ['--json', f, '--curve']));
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('compare on the demo results', () => {
  it('prints one row per checkpoint × aggregation and honours --label', () => {
    const r = runCli(['compare', mag, arc, '--label', `MagFace-r18=${mag}`]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^(MagFace-r18|arcface-r18) /.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/^MagFace-r18\s+plain\s+22\.50\s/m);
  });
  it('--format latex --published --out writes the file and nothing on stdout', () => {
    const out = join(dir, 'table.tex');
    const r = runCli(['compare', mag, arc, '--format', 'latex', '--published', '--out', out]);
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
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '_')}.md`);
      const r = runCli(['compare', ...args(), '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^facebench: /);
      expect(existsSync(out)).toBe(false);
    });
  }
});
