import { describe, expect, it } from 'vitest';
import { parseResultDocument } from '../../src/io/results-json.js';
import { buildCompareTable, compareCsv, compareLatex, compareMarkdown, compareText, texFar } from '../../src/report/compare-table.js';
import { ijbDoc } from '../helpers.js';

const a = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.95, '1e-5': 0.9 } }]), 'a.json', 'A');
const b = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-5': 0.91, '1e-4': 0.945 } }]), 'b.json', 'B_2');

describe('compare table, hand-checked output for two tiny results', () => {
  const t = buildCompareTable([a, b]);
  it('marks the best per column and the Δ to the first row', () => {
    expect(t.columns).toEqual(['tar@1e-5', 'tar@1e-4']);
    expect(t.rows.map((r) => t.columns.map((k) => r.cells.get(k)!.best))).toEqual([[false, true], [true, false]]);
    expect(t.rows[1].cells.get('tar@1e-5')!.delta).toBeCloseTo(0.01, 15);
    expect(t.rows[1].cells.get('tar@1e-4')!.delta).toBeCloseTo(-0.005, 15);
  });
  it('markdown', () => {
    expect(compareMarkdown(t)).toBe(
      [
        'IJB-C: TAR@1e-5, TAR@1e-4 (%). **Bold**: best in column; (±x.xx): Δ pp vs the first row.',
        '',
        '| checkpoint | aggregation | TAR@1e-5 | TAR@1e-4 |',
        '| :--- | :--- | ---: | ---: |',
        '| A | plain | 90.00 | **95.00** |',
        '| B\\_2 | plain | **91.00** (+1.00) | 94.50 (-0.50) |',
        '',
      ].join('\n'),
    );
  });
  it('LaTeX (booktabs)', () => {
    expect(compareLatex(t)).toBe(
      [
        '% facebench compare: IJB-C: TAR@1e-5, TAR@1e-4 (%). Bold: best in column; (+x.xx): difference to the first row in percentage points.',
        '% Needs \\usepackage{booktabs}.',
        '\\begin{tabular}{llrr}',
        '\\toprule',
        'Checkpoint & Aggregation & \\multicolumn{2}{c}{TAR (\\%) @ FAR} \\\\',
        '\\cmidrule(lr){3-4}',
        ' &  & $10^{-5}$ & $10^{-4}$ \\\\',
        '\\midrule',
        'A & plain & 90.00 & \\textbf{95.00} \\\\',
        'B\\_2 & plain & \\textbf{91.00}\\,{\\scriptsize(+1.00)} & 94.50\\,{\\scriptsize($-$0.50)} \\\\',
        '\\bottomrule',
        '\\end{tabular}',
        '',
      ].join('\n'),
    );
  });
  it('text and CSV', () => {
    expect(compareText(t).split('\n').slice(2, 5)).toEqual([
      'checkpoint  aggregation        TAR@1e-5       TAR@1e-4',
      'A           plain                 90.00         95.00*',
      'B_2         plain        91.00* (+1.00)  94.50 (-0.50)',
    ]);
    const csv = compareCsv(t).trim().split('\n');
    expect(csv[0]).toBe('checkpoint,dataset,aggregation,metric,value,ci_lo,ci_hi,std,delta,best,published');
    expect(csv[1]).toBe('A,IJBC,plain,tar@1e-5,0.9,,,,,0,0');
    expect(csv).toHaveLength(5);
  });
  it('texFar', () => {
    expect(texFar('1e-6')).toBe('$10^{-6}$');
    expect(texFar('5e-2')).toBe('$5\\cdot10^{-2}$');
    expect(texFar('tar@1e-3')).toBe('$10^{-3}$');
  });
});

describe('--published rows (REFERENCE.md §8)', () => {
  it('adds the IJB-C rows only, as references: no best mark, no Δ', () => {
    const t = buildCompareTable([a], { published: true });
    const pub = t.rows.filter((r) => r.published);
    expect(pub.map((r) => r.label)).toEqual(['MagFace+ (paper)', 'MagFace (paper)', 'ArcFace r100 (insightface)']);
    expect(pub[0].cells.get('tar@1e-4')!.value).toBe(0.9597);
    expect(pub[2].cells.get('tar@1e-6')!.value).toBe(0.8985);
    expect(pub.every((r) => [...r.cells.values()].every((c) => !c.best && c.delta === undefined))).toBe(true);
    expect(t.columns).toEqual(['tar@1e-6', 'tar@1e-5', 'tar@1e-4']);
    expect(a.rows[0].metrics).toHaveLength(2);
    const latex = compareLatex(t);
    expect(latex).toContain('\\midrule\n\\textit{MagFace+ (paper)} & -- & 90.24 & 94.08 & 95.97 \\\\');
    expect(latex).toContain('A & plain & -- & \\textbf{90.00} & \\textbf{95.00} \\\\');
  });
  it('IJB-B results get the IJB-B rows', () => {
    const ijbb = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.9 } }], { dataset: 'IJBB' }), 'b.json', 'b');
    const pub = buildCompareTable([ijbb], { published: true }).rows.filter((r) => r.published);
    expect(pub.map((r) => [r.label, r.cells.get('tar@1e-5')?.value])).toEqual([
      ['MagFace+ (paper)', 0.9036],
      ['ArcFace r100 (insightface)', 0.9082],
    ]);
  });
});

describe('pairs-kfold results (LFW-style) in the same table', () => {
  it('accuracy column, dataset column, best per dataset', () => {
    const lfw = parseResultDocument({ schemaVersion: 1, protocol: 'pairs-kfold', dataset: 'lfw', accuracy: { mean: 0.99683, std: 0.00277 } }, 'lfw.json', 'r18-lfw');
    const t = buildCompareTable([a, lfw]);
    expect(t.columns).toEqual(['tar@1e-5', 'tar@1e-4', 'accuracy']);
    expect(t.rows[1].cells.get('accuracy')).toMatchObject({ value: 0.99683, std: 0.00277, best: true });
    expect(t.rows[1].cells.get('accuracy')!.delta).toBeUndefined();
    const md = compareMarkdown(t);
    expect(md).toContain('| checkpoint | aggregation | dataset | TAR@1e-5 | TAR@1e-4 | accuracy |');
    expect(md).toContain('| r18-lfw | — | LFW | — | — | **99.68** ±0.28 |');
  });
});

describe('schema 1 and 2 read alike', () => {
  it('an ijb v1 file (target) and its v2 twin (dataset) give the same rows; lfw v1 (top level) and v2 (results) too', () => {
    const v2 = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.95 } }]), 'x.json', 'x');
    const { dataset, ...rest } = ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.95 } }]);
    const v1 = parseResultDocument({ ...rest, schemaVersion: 1, target: dataset }, 'x.json', 'x');
    const parsed = ({ doc: _doc, ...rest }: ReturnType<typeof parseResultDocument>) => rest;
    expect(parsed(v1)).toEqual(parsed(v2));
    const lfw1 = parseResultDocument({ schemaVersion: 1, protocol: 'pairs-kfold', dataset: 'lfw', rule: 'nearest', pairs: 6000, genuine: 3000, impostor: 3000, accuracy: { mean: 0.99, std: 0.01 }, tar_at_far: { '1e-3': 0.98 }, auc: 0.999, eer: 0.011 }, 'l.json', 'l');
    const lfw2 = parseResultDocument({ schemaVersion: 2, protocol: 'pairs-kfold', rule: 'nearest', results: [{ dataset: 'lfw', counts: { pairs: 6000, genuine: 3000, impostor: 3000 }, accuracy: { mean: 0.99, std: 0.01 }, tar_at_far: { '1e-3': 0.98 }, auc: 0.999, eer: 0.011 }] }, 'l.json', 'l');
    expect(parsed(lfw1)).toEqual(parsed(lfw2));
    expect(lfw2.rows[0].metrics.map((m) => m.key)).toEqual(['accuracy', 'tar@1e-3', 'auc', 'eer']);
  });
});

describe('CI intervals in cells', () => {
  it('prints [lo, hi] after the value', () => {
    const c = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.95 }, ci: { '1e-4': [0.941, 0.9575] } }]), 'c.json', 'c');
    expect(compareMarkdown(buildCompareTable([c]))).toContain('| c | plain | **95.00** [94.10, 95.75] |');
  });
});
