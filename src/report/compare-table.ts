/**
 * `compare`'s table: one row per checkpoint × aggregation (or checkpoint × dataset for pairs-kfold),
 * one column per metric (report/metric-keys.ts: TAR at each FAR target, AUC, EER, accuracy), the
 * best value of each column marked and each row's difference to the first (baseline) row. One
 * builder, five serialisers: terminal text, markdown, LaTeX (booktabs), CSV and JSON. PURE.
 *
 * Conventions:
 * - Values print as percentages with two decimals ('%.2f' of ijb_11.py); Δ in percentage points.
 * - "Best" = the best value in the column among the rows of the same dataset (the highest; the
 *   lowest for EER; ties: all marked). Published rows (--published) are references: never marked
 *   best, no Δ.
 * - Δ = row − first row, only for rows of the first row's dataset and columns the first row has.
 */
import type { ResultFile } from '../io/results-json.js';
import { datasetName, RESULT_HEADER } from '../io/results-json.js';
import { csvLine, jsonNumber, percent } from './format.js';
import { compareMetricKeys, defaultMetricNames, formatDelta, formatMetric, metricInfo, selectMetrics, tarKey, tarTarget } from './metric-keys.js';

export interface CompareCell {
  /** The metric (report/metric-keys.ts): decides percent or plain printing. */
  key: string;
  value: number;
  ci?: [number, number];
  std?: number;
  /** Row − baseline row, when defined. */
  delta?: number;
  best: boolean;
}

export interface CompareRow {
  label: string;
  dataset: string;
  aggregation: string;
  published: boolean;
  /** Keyed by metric key (`tar@1e-4`, `accuracy` …); absent = the result has no such metric. */
  cells: Map<string, CompareCell>;
}

export interface CompareTable {
  /** Title of the rows' second column: `aggregation` (ijb), `clustering`, `quality` (when every input is such a result). */
  rowTitle: 'aggregation' | 'clustering' | 'quality';
  /** Metric keys: TAR@FAR targets ascending, then AUC, EER, accuracy. */
  columns: string[];
  rows: CompareRow[];
  datasets: string[];
}

/** One published row (REFERENCE.md §8): TAR in percent, keyed by dataset then FAR target. */
export interface PublishedResult {
  label: string;
  source: string;
  tar: Partial<Record<'IJBB' | 'IJBC', Record<string, number>>>;
}

/** REFERENCE.md §8: TAR (%), ResNet-100 trained on MS1MV2. */
export const PUBLISHED: readonly PublishedResult[] = [
  { label: 'MagFace+ (paper)', source: 'MagFace paper, Table 2', tar: { IJBB: { '1e-5': 90.36, '1e-4': 94.51 }, IJBC: { '1e-6': 90.24, '1e-5': 94.08, '1e-4': 95.97 } } },
  { label: 'MagFace (paper)', source: 'MagFace paper, Table 2', tar: { IJBC: { '1e-6': 89.26, '1e-4': 95.81 } } },
  { label: 'ArcFace r100 (insightface)', source: 'insightface notebook, ijb_11.py default mode', tar: { IJBB: { '1e-5': 90.82, '1e-4': 94.9 }, IJBC: { '1e-6': 89.85, '1e-5': 94.47, '1e-4': 96.28 } } },
];

/** `metrics`: names as typed on the command line (`--metric`); default per result: TAR@FAR, or accuracy for pairs-kfold. */
export function buildCompareTable(files: ResultFile[], options: { published?: boolean; metrics?: string[] } = {}): CompareTable {
  const rows: CompareRow[] = [];
  for (const f of files) {
    const pick = selectMetrics(f, options.metrics ?? defaultMetricNames(f), '--metric');
    for (const r of f.rows) {
      const cells = new Map<string, CompareCell>();
      // A null value (an unresolvable FAR target, an undefined rate) is shown like a missing one: —.
      for (const m of pick(r)) if (!Number.isNaN(m.value)) cells.set(m.key, { key: m.key, value: m.value, ci: m.ci, std: m.std, best: false });
      // ijb rows are aggregations, cluster rows clusterings, of one dataset; lfw and score-set rows are datasets of their own.
      rows.push({ label: f.label, dataset: r.dataset ?? f.dataset, aggregation: f.protocol === 'ijb' || f.protocol === 'cluster' || f.protocol === 'quality' ? r.name : '', published: false, cells });
    }
  }
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  if (options.published) {
    for (const p of PUBLISHED) {
      for (const d of datasets) {
        const tar = p.tar[d as 'IJBB' | 'IJBC'];
        if (!tar) continue;
        const cells = new Map<string, CompareCell>();
        for (const [far, v] of Object.entries(tar)) cells.set(tarKey(Number(far)), { key: tarKey(Number(far)), value: Number((v / 100).toPrecision(12)), best: false });
        rows.push({ label: p.label, dataset: d, aggregation: '', published: true, cells });
      }
    }
  }
  const columns = [...new Set(rows.flatMap((r) => [...r.cells.keys()]))].sort(compareMetricKeys);
  const own = rows.filter((r) => !r.published);
  for (const col of columns) {
    const sign = metricInfo(col)?.higherIsBetter === false ? -1 : 1;
    for (const d of datasets) {
      let best = -Infinity;
      for (const r of own) {
        const c = r.dataset === d ? r.cells.get(col) : undefined;
        if (c && sign * c.value > best) best = sign * c.value;
      }
      for (const r of own) {
        const c = r.dataset === d ? r.cells.get(col) : undefined;
        if (c && sign * c.value === best) c.best = true;
      }
    }
  }
  const baseline = own[0];
  for (const r of own.slice(1)) {
    if (r.dataset !== baseline.dataset) continue;
    for (const [key, c] of r.cells) {
      const b = baseline.cells.get(key);
      if (b) c.delta = c.value - b.value;
    }
  }
  const only = (p: string): boolean => files.length > 0 && files.every((f) => f.protocol === p);
  const rowTitle = only('cluster') ? 'clustering' : only('quality') ? 'quality' : 'aggregation';
  return { rowTitle, columns, rows, datasets };
}

const columnTitle = (key: string): string => metricInfo(key)?.title ?? key;

function title(t: CompareTable): string {
  const rates = t.columns.filter((k) => metricInfo(k)?.rate !== false).map(columnTitle);
  const plain = t.columns.filter((k) => metricInfo(k)?.rate === false).map(columnTitle);
  return `${t.datasets.map(datasetName).join(', ')}: ${[...(rates.length ? [`${rates.join(', ')} (%)`] : []), ...plain].join(', ')}`;
}

const multiDataset = (t: CompareTable): boolean => t.datasets.length > 1;
const hasAggregation = (t: CompareTable): boolean => t.rows.some((r) => r.aggregation !== '');

function headCells(t: CompareTable, metric: (key: string) => string): string[] {
  return ['checkpoint', ...(hasAggregation(t) ? [t.rowTitle] : []), ...(multiDataset(t) ? ['dataset'] : []), ...t.columns.map(metric)];
}

function labelCells(t: CompareTable, r: CompareRow, dash: string): string[] {
  return [r.label, ...(hasAggregation(t) ? [r.aggregation || dash] : []), ...(multiDataset(t) ? [datasetName(r.dataset)] : [])];
}

/** A cell's Δ: percentage points for rates, plain for d′; `±0.00` when it rounds to zero. */
function signed(c: CompareCell): string {
  return formatDelta(c.key, c.delta!, '±');
}

const fmt = (c: CompareCell, x: number): string => formatMetric(c.key, x);

/** Plain-text cell: `95.12* [94.80, 95.41] (+0.31)`. */
function plainCell(c: CompareCell | undefined, bestMark: (s: string) => string): string {
  if (!c) return '—';
  let s = bestMark(fmt(c, c.value));
  if (c.ci) s += ` [${fmt(c, c.ci[0])}, ${fmt(c, c.ci[1])}]`;
  if (c.std !== undefined) s += ` ±${fmt(c, c.std)}`;
  if (c.delta !== undefined) s += ` (${signed(c)})`;
  return s;
}

export function compareText(t: CompareTable): string {
  const rows = [headCells(t, columnTitle), ...t.rows.map((r) => [...labelCells(t, r, '—'), ...t.columns.map((k) => plainCell(r.cells.get(k), (s) => (r.cells.get(k)?.best ? `${s}*` : s)))])];
  const lead = rows[0].length - t.columns.length;
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const body = rows.map((r) => r.map((cell, c) => (c < lead ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
  return `${title(t)}; * = best in column, (±x.xx) = Δ pp vs the first row\n\n${body}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/_/g, '\\_');
}

export function compareMarkdown(t: CompareTable): string {
  const head = headCells(t, columnTitle);
  const body = t.rows.map((r) => [
    ...labelCells(t, r, '—').map((s, i) => (i === 0 && r.published ? `*${mdEscape(s)}*` : mdEscape(s))),
    ...t.columns.map((k) => plainCell(r.cells.get(k), (s) => (r.cells.get(k)?.best ? `**${s}**` : s))),
  ]);
  const align = head.map((_, i) => (i < head.length - t.columns.length ? ' :--- ' : ' ---: '));
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [`${title(t)}. **Bold**: best in column; (±x.xx): Δ pp vs the first row.`, '', line(head), `|${align.join('|')}|`, ...body.map(line), ''].join('\n');
}

function texEscape(s: string): string {
  return s.replace(/[\\{}&%$#_^~]/g, (ch) => {
    if (ch === '\\') return '\\textbackslash{}';
    if (ch === '^') return '\\textasciicircum{}';
    if (ch === '~') return '\\textasciitilde{}';
    return `\\${ch}`;
  });
}

/** `tar@1e-6` (or `1e-6`) → `$10^{-6}$`, `5e-2` → `$5\cdot10^{-2}$`. */
export function texFar(key: string): string {
  key = key.replace(/^tar@/, '');
  const m = /^([0-9.]+)e(-?[0-9]+)$/.exec(key);
  if (!m) return `$${key}$`;
  return m[1] === '1' ? `$10^{${m[2]}}$` : `$${m[1]}\\cdot10^{${m[2]}}$`;
}

function texCell(c: CompareCell | undefined): string {
  if (!c) return '--';
  let s = fmt(c, c.value);
  if (c.best) s = `\\textbf{${s}}`;
  if (c.ci) s += `\\,{\\scriptsize[${fmt(c, c.ci[0])}, ${fmt(c, c.ci[1])}]}`;
  if (c.std !== undefined) s += `\\,{\\scriptsize$\\pm$${fmt(c, c.std)}}`;
  if (c.delta !== undefined) s += `\\,{\\scriptsize(${signed(c).replace('±', '$\\pm$').replace('-', '$-$')})}`;
  return s;
}

/** A booktabs tabular (needs `\usepackage{booktabs}`), ready to paste into a table environment. */
export function compareLatex(t: CompareTable): string {
  const lead = headCells(t, () => '').length - t.columns.length;
  const fars = t.columns.filter((k) => tarTarget(k) !== undefined);
  const others = t.columns.filter((k) => tarTarget(k) === undefined);
  const leadTitles = ['Checkpoint', ...(hasAggregation(t) ? [t.rowTitle[0].toUpperCase() + t.rowTitle.slice(1)] : []), ...(multiDataset(t) ? ['Dataset'] : [])];
  const lines = [
    `% facebench compare: ${title(t)}. Bold: best in column; (+x.xx): difference to the first row in percentage points.`,
    '% Needs \\usepackage{booktabs}.',
    `\\begin{tabular}{${'l'.repeat(lead)}${'r'.repeat(t.columns.length)}}`,
    '\\toprule',
  ];
  const otherTitles = others.map((k) => `${texEscape(columnTitle(k) === 'accuracy' ? 'Acc.' : columnTitle(k))} (\\%)`);
  if (fars.length > 0) {
    lines.push(`${[...leadTitles, `\\multicolumn{${fars.length}}{c}{TAR (\\%) @ FAR}`, ...otherTitles].join(' & ')} \\\\`);
    lines.push(`\\cmidrule(lr){${lead + 1}-${lead + fars.length}}`);
    lines.push(`${[...leadTitles.map(() => ''), ...fars.map(texFar), ...others.map(() => '')].join(' & ')} \\\\`);
  } else {
    lines.push(`${[...leadTitles, ...otherTitles].join(' & ')} \\\\`);
  }
  lines.push('\\midrule');
  let inPublished = false;
  for (const r of t.rows) {
    if (r.published && !inPublished) {
      lines.push('\\midrule');
      inPublished = true;
    }
    const labels = labelCells(t, r, '--').map(texEscape);
    if (r.published) labels[0] = `\\textit{${labels[0]}}`;
    lines.push(`${[...labels, ...t.columns.map((k) => texCell(r.cells.get(k)))].join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', '');
  return lines.join('\n');
}

/** Long format, rates (not percent): one line per row × metric. */
export function compareCsv(t: CompareTable): string {
  const lines = [csvLine(['checkpoint', 'dataset', 'aggregation', 'metric', 'value', 'ci_lo', 'ci_hi', 'std', 'delta', 'best', 'published'])];
  for (const r of t.rows) {
    for (const k of t.columns) {
      const c = r.cells.get(k);
      if (!c) continue;
      const opt = (x: number | undefined): string | number => (x === undefined || Number.isNaN(x) ? '' : x);
      lines.push(csvLine([r.label, r.dataset, r.aggregation, k, opt(c.value), opt(c.ci?.[0]), opt(c.ci?.[1]), opt(c.std), opt(c.delta), c.best ? 1 : 0, r.published ? 1 : 0]));
    }
  }
  return lines.join('\n') + '\n';
}

/** The table as JSON (rates, not percent): what the other serialisers print, for scripts. */
export function compareJson(t: CompareTable): string {
  const doc = {
    ...RESULT_HEADER,
    protocol: 'compare',
    columns: t.columns,
    rows: t.rows.map((r) => ({
      checkpoint: r.label,
      dataset: r.dataset,
      ...(r.aggregation ? { aggregation: r.aggregation } : {}),
      published: r.published,
      metrics: Object.fromEntries(
        t.columns
          .filter((k) => r.cells.has(k))
          .map((k) => {
            const c = r.cells.get(k)!;
            return [k, { value: jsonNumber(c.value), ...(c.ci ? { ci: c.ci.map(jsonNumber) } : {}), ...(c.std !== undefined ? { std: jsonNumber(c.std) } : {}), ...(c.delta !== undefined ? { delta: jsonNumber(c.delta) } : {}), best: c.best }];
          }),
      ),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** `compare --paired`: ΔTAR with its paired bootstrap interval, one line per aggregation × target. */
export interface PairedTableInput {
  labelA: string;
  labelB: string;
  replicates: number;
  seed: number;
  ci: number;
  rows: { aggregation: string; target: string; tarA: number; tarB: number; delta: number; ci: [number, number] }[];
}

function pairedRows(p: PairedTableInput): string[][] {
  const sig = (ci: [number, number]): string => (ci[0] > 0 ? 'B better' : ci[1] < 0 ? 'A better' : 'n.s.');
  const pp = (x: number): string => (Number.isNaN(x) ? 'NaN' : `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}`);
  return [
    ['aggregation', 'FAR', `A: ${p.labelA} %`, `B: ${p.labelB} %`, 'Δ (B − A) pp', `${p.ci}% CI of Δ pp`, 'verdict'],
    ...p.rows.map((r) => [r.aggregation, r.target, percent(r.tarA), percent(r.tarB), pp(r.delta), `[${pp(r.ci[0])}, ${pp(r.ci[1])}]`, sig(r.ci)]),
  ];
}

function pairedTitle(p: PairedTableInput): string {
  return `Paired template bootstrap of ΔTAR (${p.replicates} replicates, seed ${p.seed}); verdict: the ${p.ci}% interval of Δ excludes 0 (else n.s.)`;
}

export function pairedText(p: PairedTableInput): string {
  const rows = pairedRows(p);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const body = rows.map((r) => r.map((cell, c) => (c < 2 || c === 6 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
  return `${pairedTitle(p)}\n\n${body}\n`;
}

export function pairedMarkdown(p: PairedTableInput): string {
  const [head, ...body] = pairedRows(p);
  const line = (cells: string[]): string => `| ${cells.map(mdEscape).join(' | ')} |`;
  return [`${pairedTitle(p)}.`, '', line(head), `| :--- | :--- | ---: | ---: | ---: | ---: | :--- |`, ...body.map(line), ''].join('\n');
}

export function pairedJson(p: PairedTableInput): string {
  const doc = {
    ...RESULT_HEADER,
    protocol: 'compare-paired',
    a: p.labelA,
    b: p.labelB,
    bootstrap: { replicates: p.replicates, seed: p.seed, ci: p.ci, unit: 'template' },
    rows: p.rows.map((r) => ({ aggregation: r.aggregation, far_target: r.target, tar_a: jsonNumber(r.tarA), tar_b: jsonNumber(r.tarB), delta: jsonNumber(r.delta), delta_ci: r.ci.map(jsonNumber) })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function pairedCsv(p: PairedTableInput): string {
  const lines = [csvLine(['aggregation', 'far_target', 'tar_a', 'tar_b', 'delta', 'ci_lo', 'ci_hi', 'ci', 'replicates', 'seed'])];
  for (const r of p.rows) lines.push(csvLine([r.aggregation, r.target, r.tarA, r.tarB, r.delta, r.ci[0], r.ci[1], p.ci, p.replicates, p.seed]));
  return lines.join('\n') + '\n';
}
