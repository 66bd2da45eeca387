/**
 * `compare --html`: one self-contained HTML file — the comparison table, the ROC and DET plots as
 * inline SVG, and where each number came from. No scripts, no external resources (fonts, styles,
 * images): it opens offline and can be attached to a CI run or an e-mail as is.
 */
import { formatDelta, formatMetric, metricInfo } from './metric-keys.js';
import type { ResultFile } from '../io/results-json.js';
import { datasetName } from '../io/results-json.js';
import type { CompareCell, CompareTable } from './compare-table.js';
import { FACEBENCH_VERSION } from '../version.js';

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface HtmlReportInput {
  files: ResultFile[];
  table: CompareTable;
  /** Inline SVGs; undefined when some input has no stored curve. */
  rocSvg?: string;
  detSvg?: string;
  /** Why the plots are missing, when they are. */
  plotNote?: string;
}

function cell(c: CompareCell | undefined): string {
  if (!c) return '<td class="na">—</td>';
  const fmt = (x: number): string => formatMetric(c.key, x);
  let s = htmlEscape(fmt(c.value));
  if (c.best) s = `<strong>${s}</strong>`;
  if (c.ci) s += ` <span class="ci">[${fmt(c.ci[0])}, ${fmt(c.ci[1])}]</span>`;
  if (c.std !== undefined) s += ` <span class="ci">±${fmt(c.std)}</span>`;
  if (c.delta !== undefined) {
    const cls = c.delta > 0 ? 'up' : c.delta < 0 ? 'down' : 'same';
    s += ` <span class="delta ${cls}">(${formatDelta(c.key, c.delta)})</span>`;
  }
  return `<td${c.best ? ' class="best"' : ''}>${s}</td>`;
}

function tableHtml(t: CompareTable): string {
  const multi = t.datasets.length > 1;
  const head = ['Checkpoint', t.rowTitle === 'clustering' ? 'Clustering' : 'Aggregation', ...(multi ? ['Dataset'] : []), ...t.columns.map((k) => `${metricInfo(k)?.title ?? k}${metricInfo(k)?.rate === false ? '' : ' (%)'}`)];
  const rows = t.rows.map((r) => {
    const lead = [r.label, r.aggregation || '—', ...(multi ? [datasetName(r.dataset)] : [])].map((s) => `<th scope="row">${htmlEscape(s)}</th>`);
    return `<tr class="${r.published ? 'published' : 'checkpoint'}" data-checkpoint="${htmlEscape(r.label)}">${lead.join('')}${t.columns.map((k) => cell(r.cells.get(k))).join('')}</tr>`;
  });
  return [
    '<table class="compare">',
    `<thead><tr>${head.map((h) => `<th scope="col">${htmlEscape(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function sourcesHtml(files: ResultFile[]): string {
  const items = files.map((f) => {
    const parts = [`${f.protocol}`, datasetName(f.dataset)];
    if (f.rule) parts.push(`rule ${f.rule}`);
    if (f.counts?.pairs !== undefined) parts.push(`${f.counts.pairs} pairs`);
    if (f.bootstrap) parts.push(`${f.bootstrap.ci}% CI from ${f.bootstrap.replicates} ${f.bootstrap.unit} bootstrap replicates (seed ${f.bootstrap.seed})`);
    return `<li><strong>${htmlEscape(f.label)}</strong>: <code>${htmlEscape(f.file)}</code> — ${htmlEscape(parts.join(', '))}</li>`;
  });
  return `<ul class="sources">\n${items.join('\n')}\n</ul>`;
}

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table.compare { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.compare th, table.compare td { padding: 0.3em 0.7em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
table.compare th[scope=row], table.compare thead th:first-child, table.compare thead th:nth-child(2) { text-align: left; }
table.compare thead th { border-bottom: 2px solid #444; }
tr.published th, tr.published td { color: #666; font-style: italic; }
td.best { background: #eef6ee; }
.ci { color: #666; font-size: 0.85em; }
.delta { font-size: 0.85em; } .delta.up { color: #1a7f37; } .delta.down { color: #b42318; } .delta.same { color: #666; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.note { color: #666; }
`;

export function compareHtml(input: HtmlReportInput): string {
  const { files, table } = input;
  const title = `facebench compare — ${table.datasets.map(datasetName).join(', ')}`;
  const plots =
    input.rocSvg && input.detSvg
      ? `<h2>ROC</h2>\n<figure id="roc">${input.rocSvg}</figure>\n<h2>DET</h2>\n<figure id="det">${input.detSvg}</figure>`
      : `<p class="note">${htmlEscape(input.plotNote ?? 'No plots.')}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${htmlEscape(title)}</h1>
<p>Values in %. <strong>Bold</strong>: best in its column (among the checkpoints of the same dataset); (±x.xx): difference to the first row in percentage points; [lo, hi]: bootstrap interval.</p>
${tableHtml(table)}
${plots}
<h2>Inputs</h2>
${sourcesHtml(files)}
<p class="note">Generated by facebench ${htmlEscape(FACEBENCH_VERSION)}.</p>
</body>
</html>
`;
}
