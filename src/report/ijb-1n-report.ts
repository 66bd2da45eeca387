/**
 * IJB 1:N result → JSON object (the `ijb-1n` part of a result file), terminal tables, markdown, CSV.
 * Both published definitions are printed apart and labelled (protocols/ijb-1n.ts): the open set of
 * insightface ijb_evals.py (TPIR at FPIR per gallery and the G1/G2 mean, rank-k summed over the
 * galleries) and the closed set of ijb_1n.py (rank-k, its "FAR"). `--published` rows: REFERENCE.md §6.
 */
import type { GalleryResult, Ijb1nAggregationResult, Ijb1nResult, RankRate } from '../protocols/ijb-1n.js';
import type { DirFpirCurve, OpenSetPoint } from '../metrics/identification.js';
import { datasetName, RESULT_HEADER } from '../io/results-json.js';
import { alignColumns, csvLine, farKey, jsonNumber, markdownTable, percent } from './format.js';

/** A published 1:N result (percent), printed beside results with --published. */
export interface Published1nResult {
  label: string;
  source: string;
  target: 'IJBB' | 'IJBC';
  /** ijb_1n.py closed set: rank-k keyed by k, "FAR" keyed by farKey. */
  closedSet: { rank: Record<string, number>; insightfaceFar: Record<string, number> };
}

export const PUBLISHED_1N: readonly Published1nResult[] = [
  {
    label: 'ArcFace R100 MS1MV2 (insightface)',
    source: 'insightface PR #1386, ijb_1n.py',
    target: 'IJBC',
    closedSet: { rank: { '1': 96.39, '5': 97.54, '10': 97.87 }, insightfaceFar: { '1e-2': 92.94, '1e-1': 95.37 } },
  },
];

/** What each definition means, written into the JSON so a reader of the file needs no README. */
const DEFINITIONS = {
  open_set:
    "insightface ijb_evals.py evaluation_1N (PR #1739): each gallery searched separately; threshold = the non-mated searches' top scores sorted descending, element max(int(N_nm*f) - 1, 0); TPIR = mated searches whose mate beats every non-mate and the threshold (strict >) / mated searches; fpir_actual = non-mated top scores > threshold / non-mated searches; rank-k = (hits in G1 + hits in G2) / probes, a tie with the mate counting against it",
  closed_set:
    'insightface ijb_1n.py evaluation: one gallery of all gallery templates, every probe mated once; rank-k; insightface_far(f) = probes whose mate score > the ceil(N_probes*f)-th largest of all non-mate scores / probes (the script\'s "FAR", not an FPIR)',
};

export interface Ijb1nJsonOptions {
  /** Add `curve` per result: DIR vs FPIR per gallery (thinned), the G1/G2 mean TPIR on ijb_evals.py's grid, CMC. */
  curve?: boolean;
}

const byRank = <T>(rates: RankRate[], pick: (r: RankRate) => T): Record<string, T> => Object.fromEntries(rates.map((r) => [String(r.rank), pick(r)]));
const byFpir = <T>(points: OpenSetPoint[], pick: (p: OpenSetPoint) => T): Record<string, T> => Object.fromEntries(points.map((p) => [farKey(p.target), pick(p)]));
/** Per rank: its interval (`intervals` element i ↔ rates[i]). */
const rankIntervals = (rates: RankRate[], intervals: [number, number][]): Record<string, (number | null)[]> =>
  Object.fromEntries(rates.map((x, i) => [String(x.rank), intervals[i].map(jsonNumber)]));

/** The `ijb-1n` object (no schemaVersion / tool: the envelope adds them, see ijb1nJson). */
export function ijb1nJsonObject(result: Ijb1nResult, options: Ijb1nJsonOptions = {}): Record<string, unknown> {
  const c = result.counts;
  return {
    protocol: result.protocol,
    dataset: result.target,
    counts: {
      images: c.images,
      probes: c.probes,
      galleries: Object.fromEntries(c.galleries.map((g) => [g.name, { templates: g.templates, mated: g.mated, non_mated: g.nonMated }])),
    },
    features: { dim: result.featureDim, flip: result.flip, ...(result.featureSource ? { source: result.featureSource } : {}) },
    scoring: result.scoring,
    definitions: DEFINITIONS,
    ...(result.bootstrap ? { bootstrap: result.bootstrap } : {}),
    results: result.results.map((r) => aggregationJson(result, r, options)),
    warnings: result.warnings,
  };
}

function aggregationJson(result: Ijb1nResult, r: Ijb1nAggregationResult, options: Ijb1nJsonOptions): Record<string, unknown> {
  return {
    aggregation: r.aggregation,
    rank: byRank(r.rank, (x) => x.rate),
    tpir_at_fpir: Object.fromEntries(result.fpirs.map((f, i) => [farKey(f), jsonNumber(r.tpirAtFpir[i])])),
    ...(r.ci ? { rank_ci: rankIntervals(r.rank, r.ci.rank), tpir_ci: Object.fromEntries(result.fpirs.map((f, i) => [farKey(f), r.ci!.tpirAtFpir[i].map(jsonNumber)])) } : {}),
    per_gallery: Object.fromEntries(r.perGallery.map((g) => [g.name, galleryJson(g)])),
    closed_set: {
      rank: byRank(r.closedSet.rank, (x) => x.rate),
      ...(r.ci ? { rank_ci: rankIntervals(r.closedSet.rank, r.ci.closedSetRank) } : {}),
      insightface_far: Object.fromEntries(r.closedSet.insightfaceFar.map((p) => [farKey(p.target), jsonNumber(p.rate)])),
      insightface_far_threshold: Object.fromEntries(r.closedSet.insightfaceFar.map((p) => [farKey(p.target), jsonNumber(p.threshold)])),
      rank_ties: r.closedSet.tiedRanks,
    },
    ...(options.curve ? { curve: curveJson(result, r) } : {}),
  };
}

function galleryJson(g: GalleryResult): Record<string, unknown> {
  return {
    rank: byRank(g.rank, (x) => x.rate),
    tpir_at_fpir: byFpir(g.points, (p) => (p.resolvable ? jsonNumber(p.tpir) : null)),
    threshold: byFpir(g.points, (p) => jsonNumber(p.threshold)),
    fpir_actual: byFpir(g.points, (p) => jsonNumber(p.fpirActual)),
    mated_accepted: byFpir(g.points, (p) => p.matedAccepted),
    non_mated_accepted: byFpir(g.points, (p) => p.nonMatedAccepted),
    rank_ties: g.tiedRanks,
  };
}

function curveJson(result: Ijb1nResult, r: Ijb1nAggregationResult): Record<string, unknown> {
  const dir = (c: DirFpirCurve): Record<string, (number | null)[]> => ({ fpir: c.fpir, dir: c.dir, threshold: c.threshold.map(jsonNumber) });
  return {
    dir_fpir: Object.fromEntries(r.perGallery.map((g) => [g.name, dir(g.curve)])),
    mean_tpir_on_grid: { fpir: result.fpirGrid, tpir: result.fpirGrid.map((_, i) => jsonNumber(r.perGallery.reduce((s, g) => s + g.gridTpir[i], 0) / r.perGallery.length)) },
    cmc: { rank: r.cmc.rank, open_set: r.cmc.openSet, closed_set: r.cmc.closedSet },
  };
}

/** A standalone `ijb-1n` result file. */
export function ijb1nJson(result: Ijb1nResult, options: Ijb1nJsonOptions = {}): string {
  return JSON.stringify({ ...RESULT_HEADER, ...ijb1nJsonObject(result, options) }, null, 2) + '\n';
}

export interface Ijb1nTextOptions {
  /** Print the published rows (PUBLISHED_1N) of this target under the closed-set table. */
  published?: boolean;
}

const rankTitles = (result: Ijb1nResult, name: string): string[] => result.ranks.map((k) => `${name}-${k}`);
const fpirTitles = (result: Ijb1nResult): string[] => result.fpirs.map((f) => `TPIR@${farKey(f)}`);
/** A rate in percent, or — where it is undefined (a target the data cannot resolve). */
const cell = (rate: number): string => (Number.isNaN(rate) ? '—' : percent(rate));

function openSetRows(result: Ijb1nResult): string[][] {
  return [
    ['aggregation', ...rankTitles(result, 'rank'), ...fpirTitles(result)],
    ...result.results.map((r) => [r.aggregation, ...r.rank.map((x) => cell(x.rate)), ...r.tpirAtFpir.map(cell)]),
  ];
}

function galleryRows(result: Ijb1nResult): string[][] {
  return [
    ['per gallery', ...rankTitles(result, 'rank'), ...fpirTitles(result)],
    ...result.results.flatMap((r) =>
      r.perGallery.map((g) => [`${g.name} ${r.aggregation}`, ...g.rank.map((x) => cell(x.rate)), ...g.points.map((p) => (p.resolvable ? `${percent(p.tpir)} (${p.nonMatedAccepted})` : '—'))]),
    ),
  ];
}

function closedSetRows(result: Ijb1nResult, options: Ijb1nTextOptions): string[][] {
  const farTitles = result.closedSetFars.map((f) => `"FAR"@${farKey(f)}`);
  const rows = [
    ['aggregation', ...rankTitles(result, 'top'), ...farTitles],
    ...result.results.map((r) => [r.aggregation, ...r.closedSet.rank.map((x) => cell(x.rate)), ...r.closedSet.insightfaceFar.map((p) => cell(p.rate))]),
  ];
  if (options.published) {
    for (const p of PUBLISHED_1N.filter((x) => x.target === result.target)) {
      const pick = (values: Record<string, number>, key: string): string => (values[key] === undefined ? '' : values[key].toFixed(2));
      rows.push([`${p.label} (published)`, ...result.ranks.map((k) => pick(p.closedSet.rank, String(k))), ...result.closedSetFars.map((f) => pick(p.closedSet.insightfaceFar, farKey(f)))]);
    }
  }
  return rows;
}

function title(result: Ijb1nResult): string {
  const name = datasetName(result.target);
  const galleries = result.counts.galleries.map((g) => `${g.name} ${g.templates} templates (${g.mated} mated / ${g.nonMated} non-mated searches)`).join(', ');
  return `${name} 1:N identification (%), scoring: ${result.scoring} — ${result.counts.probes} probe templates; ${galleries}, dim ${result.featureDim}${result.flip ? ', flip features' : ''}`;
}

const OPEN_SET_TITLE = "open set, insightface ijb_evals.py: rank-k over G1 and G2 summed; TPIR = mate at rank 1 and > the script's threshold, mean of the galleries";
const GALLERY_TITLE = 'per gallery: TPIR (non-mated searches above the threshold)';
const CLOSED_SET_TITLE = 'closed set, insightface ijb_1n.py: one gallery (all templates); "FAR" = probes whose mate beats the ceil(N·f)-th largest non-mate score (the script\'s definition, not an FPIR)';

function ciRows(result: Ijb1nResult): string[][] {
  const b = result.bootstrap!;
  const ci = ([lo, hi]: [number, number]): string => `[${cell(lo)}, ${cell(hi)}]`;
  return [
    [`${b.ci}% CI (${b.replicates} × probe-template bootstrap, seed ${b.seed})`, ...rankTitles(result, 'rank'), ...fpirTitles(result), ...rankTitles(result, 'top')],
    ...result.results.map((r) => [r.aggregation, ...(r.ci ? [...r.ci.rank, ...r.ci.tpirAtFpir, ...r.ci.closedSetRank].map(ci) : [])]),
  ];
}

export function ijb1nText(result: Ijb1nResult, options: Ijb1nTextOptions = {}): string {
  const lines = [title(result), '', OPEN_SET_TITLE, alignColumns(openSetRows(result)), '', GALLERY_TITLE, alignColumns(galleryRows(result)), '', CLOSED_SET_TITLE, alignColumns(closedSetRows(result, options))];
  if (result.bootstrap) lines.push('', alignColumns(ciRows(result)));
  return lines.join('\n') + '\n';
}

export function ijb1nMarkdown(result: Ijb1nResult, options: Ijb1nTextOptions = {}): string {
  return `${title(result)}\n\n${OPEN_SET_TITLE}\n\n${markdownTable(openSetRows(result))}\n\n${CLOSED_SET_TITLE}\n\n${markdownTable(closedSetRows(result, options))}\n`;
}

/** Long format: one line per aggregation × definition × gallery × metric × target; empty cells where a value is undefined. */
export function ijb1nCsv(result: Ijb1nResult): string {
  const lines = [csvLine(['dataset', 'aggregation', 'definition', 'gallery', 'metric', 'at', 'value', 'threshold', 'fpir_actual'])];
  const cell = (x: number | undefined): string | number => (x === undefined || !Number.isFinite(x) ? '' : x);
  const add = (r: Ijb1nAggregationResult, definition: string, gallery: string, metric: string, at: string, value: number, threshold?: number, actual?: number): void => {
    lines.push(csvLine([result.target, r.aggregation, definition, gallery, metric, at, cell(value), cell(threshold), cell(actual)]));
  };
  for (const r of result.results) {
    for (const x of r.rank) add(r, 'open_set', 'all', 'rank', String(x.rank), x.rate);
    result.fpirs.forEach((f, i) => add(r, 'open_set', 'mean', 'tpir_at_fpir', farKey(f), r.tpirAtFpir[i]));
    for (const g of r.perGallery) {
      for (const x of g.rank) add(r, 'open_set', g.name, 'rank', String(x.rank), x.rate);
      for (const p of g.points) add(r, 'open_set', g.name, 'tpir_at_fpir', farKey(p.target), p.resolvable ? p.tpir : NaN, p.threshold, p.fpirActual);
    }
    for (const x of r.closedSet.rank) add(r, 'closed_set', 'all', 'rank', String(x.rank), x.rate);
    for (const p of r.closedSet.insightfaceFar) add(r, 'closed_set', 'all', 'insightface_far', farKey(p.target), p.rate, p.threshold);
  }
  return lines.join('\n') + '\n';
}
