/**
 * Clustering result → JSON (schemaVersion 2, protocol "cluster"), terminal text, markdown, CSV.
 * Each serializer returns a string; the CLI's sink writes it. The JSON holds no paths or timings:
 * the same inputs give byte-identical JSON.
 */
import type { ClusterScores } from '../metrics/cluster-scores.js';
import type { BestPoint, ClusterMethodResult, ClusterResult, ClusterSweep } from '../protocols/cluster.js';
import { RESULT_HEADER } from '../io/results-json.js';
import { alignColumns, csvLine, jsonNumber, markdownTable } from './format.js';

const prf = (p: ClusterScores['pairwise']) => ({ precision: jsonNumber(p.precision), recall: jsonNumber(p.recall), f: jsonNumber(p.f) });

function scoresJson(s: ClusterScores): Record<string, unknown> {
  return {
    faces: s.items,
    clusters: s.clusters,
    singletons: s.singletons,
    pairwise: prf(s.pairwise),
    bcubed: prf(s.bcubed),
    nmi: { arithmetic: jsonNumber(s.nmi.arithmetic), geometric: jsonNumber(s.nmi.geometric) },
  };
}

function bestJson(parameter: string, b: BestPoint | null): Record<string, number> | null {
  return b && { [parameter]: b.value, value: b.score };
}

function sweepJson(s: ClusterSweep): Record<string, unknown> {
  return {
    parameter: s.parameter,
    points: s.points.map((p) => ({ [s.parameter]: p.value, ...scoresJson(p.scores), without_singletons: p.withoutSingletons && scoresJson(p.withoutSingletons) })),
    best: { pairwise_f: bestJson(s.parameter, s.best.pairwiseF), bcubed_f: bestJson(s.parameter, s.best.bcubedF), nmi: bestJson(s.parameter, s.best.nmi) },
  };
}

function resultJson(r: ClusterMethodResult): Record<string, unknown> {
  return {
    method: r.method,
    ...(r.method === 'predicted' ? { name: r.name } : {}),
    params: r.params,
    ...scoresJson(r.scores),
    without_singletons: r.withoutSingletons && scoresJson(r.withoutSingletons),
    ...(r.sweep ? { sweep: sweepJson(r.sweep) } : {}),
  };
}

export function clusterJson(result: ClusterResult): string {
  const doc = {
    ...RESULT_HEADER,
    protocol: result.protocol,
    faces: result.faces,
    dim: result.dim,
    classes: result.classes,
    truth: { format: result.truthFormat, ...(result.subset !== undefined ? { subset: result.subset } : {}) },
    features: { format: result.featureFormat },
    results: result.results.map(resultJson),
    ...(result.magnitudeDensity
      ? { magnitude_density: { k: result.magnitudeDensity.k, radius: result.magnitudeDensity.radius, spearman: jsonNumber(result.magnitudeDensity.spearman) } }
      : {}),
    warnings: result.warnings,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** A score in % with two decimals (learn-to-cluster's tables), '—' when undefined. */
const pct = (x: number): string => (Number.isNaN(x) ? '—' : (x * 100).toFixed(2));

const displayName = (r: ClusterMethodResult): string => (r.method === 'predicted' ? `${r.name} (given)` : r.method);

function paramText(r: ClusterMethodResult): string {
  return Object.entries(r.params)
    .filter(([k]) => k !== 'min_samples' && k !== 'th_sim')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

const SCORE_HEAD = ['clusters', 'singletons', 'pw P', 'pw R', 'pw F', 'BCubed P', 'BCubed R', 'BCubed F', 'NMI', 'NMI geo'];

function scoreCells(s: ClusterScores): string[] {
  return [
    String(s.clusters), String(s.singletons),
    pct(s.pairwise.precision), pct(s.pairwise.recall), pct(s.pairwise.f),
    pct(s.bcubed.precision), pct(s.bcubed.recall), pct(s.bcubed.f),
    pct(s.nmi.arithmetic), pct(s.nmi.geometric),
  ];
}

function mainRows(result: ClusterResult, pick: (r: ClusterMethodResult) => ClusterScores | null): string[][] {
  return [
    ['clustering', 'params', ...SCORE_HEAD],
    ...result.results.map((r) => {
      const s = pick(r);
      return [displayName(r), paramText(r), ...(s ? scoreCells(s) : SCORE_HEAD.map(() => '—'))];
    }),
  ];
}

function sweepRows(r: ClusterMethodResult): string[][] {
  const s = r.sweep!;
  const mark = (b: BestPoint | null, v: number) => (b && b.value === v ? '*' : '');
  return [
    [`${r.method}: ${s.parameter}`, ...SCORE_HEAD.filter((h) => !h.endsWith(' P') && !h.endsWith(' R')), 'best'],
    ...s.points.map((p) => [
      String(p.value),
      String(p.scores.clusters), String(p.scores.singletons),
      pct(p.scores.pairwise.f), pct(p.scores.bcubed.f), pct(p.scores.nmi.arithmetic), pct(p.scores.nmi.geometric),
      [mark(s.best.pairwiseF, p.value) && 'pw F', mark(s.best.bcubedF, p.value) && 'BCubed F', mark(s.best.nmi, p.value) && 'NMI'].filter(Boolean).join(', '),
    ]),
  ];
}

function title(result: ClusterResult): string {
  const truth = result.truthFormat === 'ijbb' ? `IJB-B clustering, ${result.subset} subjects` : 'face clustering';
  return `${truth} — ${result.faces} faces, ${result.classes} identities, dim ${result.dim}; scores in %`;
}

function magnitudeLine(result: ClusterResult): string | undefined {
  const m = result.magnitudeDensity;
  if (!m) return undefined;
  const rho = Number.isNaN(m.spearman) ? 'undefined' : m.spearman.toFixed(4);
  return `Spearman(magnitude, kNN density) = ${rho}  (k ${m.k}, density radius ${m.radius})`;
}

export function clusterText(result: ClusterResult): string {
  const lines = [title(result), '', alignColumns(mainRows(result, (r) => r.scores)), '', 'without predicted singletons', alignColumns(mainRows(result, (r) => r.withoutSingletons))];
  for (const r of result.results) if (r.sweep) lines.push('', alignColumns(sweepRows(r)));
  const m = magnitudeLine(result);
  if (m) lines.push('', m);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export function clusterMarkdown(result: ClusterResult): string {
  const parts = [title(result), markdownTable(mainRows(result, (r) => r.scores)), 'Without predicted singletons:', markdownTable(mainRows(result, (r) => r.withoutSingletons))];
  for (const r of result.results) if (r.sweep) parts.push(markdownTable(sweepRows(r)));
  const m = magnitudeLine(result);
  if (m) parts.push(m);
  return parts.join('\n\n') + '\n';
}

/** Long format: one line per clustering × (all faces | without singletons), sweep points included. */
export function clusterCsv(result: ClusterResult): string {
  const head = ['clustering', 'method', 'row', 'parameter', 'value', 'faces_scored', 'clusters', 'singletons',
    'pairwise_precision', 'pairwise_recall', 'pairwise_f', 'bcubed_precision', 'bcubed_recall', 'bcubed_f', 'nmi', 'nmi_geometric'];
  const lines = [csvLine(head)];
  const cell = (x: number): string | number => (Number.isNaN(x) ? '' : x);
  const add = (r: ClusterMethodResult, row: string, parameter: string, value: number | string, s: ClusterScores | null) => {
    const values = s
      ? [s.items, s.clusters, s.singletons, cell(s.pairwise.precision), cell(s.pairwise.recall), cell(s.pairwise.f), cell(s.bcubed.precision), cell(s.bcubed.recall), cell(s.bcubed.f), cell(s.nmi.arithmetic), cell(s.nmi.geometric)]
      : Array<string>(11).fill('');
    lines.push(csvLine([r.name, r.method, row, parameter, value, ...values]));
  };
  for (const r of result.results) {
    const [parameter, value] = Object.entries(r.params).find(([k]) => k !== 'k' && k !== 'min_samples' && k !== 'th_sim') ?? ['', ''];
    add(r, 'all', parameter, value, r.scores);
    add(r, 'without_singletons', parameter, value, r.withoutSingletons);
    for (const p of r.sweep?.points ?? []) {
      add(r, 'sweep', r.sweep!.parameter, p.value, p.scores);
      add(r, 'sweep_without_singletons', r.sweep!.parameter, p.value, p.withoutSingletons);
    }
  }
  return lines.join('\n') + '\n';
}
