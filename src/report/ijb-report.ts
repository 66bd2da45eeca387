/**
 * IJB 1:1 result → JSON (the versioned contract CI gates read), terminal table, markdown, CSV; and
 * a run of both IJB protocols (ijb-1n-report.ts serialises the 1:N part) → one JSON, one text.
 * Each serializer returns a string; the CLI's sink writes it.
 */
import type { IjbResult } from '../protocols/ijb-types.js';
import type { IjbRunResult } from '../protocols/ijb-pipeline.js';
import { ijb1nJson, ijb1nJsonObject, ijb1nText, type Ijb1nTextOptions } from './ijb-1n-report.js';
import type { ThinCurve } from '../metrics/thin-curve.js';
import { alignColumns, csvLine, farKey, jsonNumber, markdownTable, percent } from './format.js';
import { datasetName, RESULT_HEADER } from '../io/results-json.js';

type AggregationResult = IjbResult['results'][number];
type Target = AggregationResult['tarAtFar'][number];

/** Per FAR target; an unresolvable target (fewer impostors than 1/target) is null throughout. */
function byTarget<T>(r: AggregationResult, pick: (t: Target, i: number) => T): Record<string, T | null> {
  return Object.fromEntries(r.tarAtFar.map((t, i) => [farKey(t.target), t.resolvable ? pick(t, i) : null]));
}

/** A TAR as the tables print it: percent, or — where the data cannot resolve the target. */
const tarCell = (t: Target): string => (t.resolvable ? percent(t.tar) : '—');

export interface IjbJsonOptions {
  /** Add `curve: {far, tar, threshold}` per result: the ROC thinned to ≈2,000 vertices, for plots. */
  curve?: boolean;
}

export function ijbJson(result: IjbResult, options: IjbJsonOptions = {}): string {
  const doc = { ...RESULT_HEADER, ...ijbJsonObject(result, options) };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The `ijb-1v1` object without the envelope (schemaVersion, tool). */
export function ijbJsonObject(result: IjbResult, options: IjbJsonOptions = {}): Record<string, unknown> {
  return {
    protocol: result.protocol,
    dataset: result.target,
    rule: result.rule,
    counts: result.counts,
    ...(result.excluded ? { excluded: { faces: result.excluded.faces, templates: result.excluded.templates, pairs: result.excluded.pairs } } : {}),
    features: { dim: result.featureDim, flip: result.flip, ...(result.featureSource ? { source: result.featureSource } : {}) },
    scoring: result.scoring,
    ...(result.bootstrap ? { bootstrap: result.bootstrap } : {}),
    results: result.results.map((r) => ({
      aggregation: r.aggregation,
      tar_at_far: byTarget(r, (t) => jsonNumber(t.tar)),
      ...(r.tarCi ? { tar_ci: byTarget(r, (_, i) => r.tarCi![i].map(jsonNumber)) } : {}),
      far_actual: byTarget(r, (t) => jsonNumber(t.far)),
      false_accepts: byTarget(r, (t) => t.falseAccepts),
      true_accepts: byTarget(r, (t) => t.trueAccepts),
      threshold: byTarget(r, (t) => jsonNumber(t.threshold)),
      auc: jsonNumber(r.auc),
      eer: jsonNumber(r.eer),
      eer_threshold: jsonNumber(r.eerThreshold),
      ...(options.curve ? { curve: curveJson(r.curve) } : {}),
    })),
    warnings: result.warnings,
  };
}

/**
 * One file for a run: a single protocol's own document (1:1 alone exactly as before, so compare and
 * gate read it unchanged); both protocols → `protocols: [1:1, 1:N]` and the warnings of both.
 */
export function ijbRunJson(run: IjbRunResult, options: IjbJsonOptions = {}): string {
  if (!run.oneToN) return ijbJson(run.oneToOne!, options);
  if (!run.oneToOne) return ijb1nJson(run.oneToN, options);
  const doc = {
    ...RESULT_HEADER,
    protocol: 'ijb',
    dataset: run.oneToOne.target,
    protocols: [ijbJsonObject(run.oneToOne, options), ijb1nJsonObject(run.oneToN, options)],
    warnings: ijbRunWarnings(run),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The 1:1 table, then the 1:N tables under it. */
export function ijbRunText(run: IjbRunResult, options: Ijb1nTextOptions = {}): string {
  return [run.oneToOne && ijbText(run.oneToOne), run.oneToN && ijb1nText(run.oneToN, options)].filter(Boolean).join('\n');
}

/** The warnings of a run, each once (the protocols share some: excluded faces, flip ignored). */
export function ijbRunWarnings(run: IjbRunResult): string[] {
  return [...new Set([...(run.oneToOne?.warnings ?? []), ...(run.oneToN?.warnings ?? [])])];
}

function tarRows(result: IjbResult): string[][] {
  const targets = result.results[0].tarAtFar.map((t) => farKey(t.target));
  return [
    ['aggregation', ...targets, 'AUC', 'EER'],
    ...result.results.map((r) => [r.aggregation, ...r.tarAtFar.map(tarCell), percent(r.auc), percent(r.eer)]),
  ];
}

function countRows(result: IjbResult): string[][] {
  const targets = result.results[0].tarAtFar.map((t) => farKey(t.target));
  return [
    ['false accepts', ...targets],
    ...result.results.map((r) => [r.aggregation, ...r.tarAtFar.map((t) => (t.resolvable ? `${t.falseAccepts} (${t.far.toExponential(2)})` : '—'))]),
  ];
}

function title(result: IjbResult): string {
  const c = result.counts;
  const name = datasetName(result.target);
  return `${name} 1:1 verification, TAR (%) @ FAR, rule: ${result.rule}, scoring: ${result.scoring} — ${c.images} faces, ${c.templates} templates, ${c.pairs} pairs (${c.genuine} genuine, ${c.impostor} impostor), dim ${result.featureDim}${result.flip ? ', flip features' : ''}`;
}

function ciRows(result: IjbResult): string[][] {
  const b = result.bootstrap!;
  const targets = result.results[0].tarAtFar.map((t) => farKey(t.target));
  return [
    [`${b.ci}% CI (${b.replicates} × ${b.unit} bootstrap, seed ${b.seed})`, ...targets],
    ...result.results.map((r) => [r.aggregation, ...r.tarAtFar.map((t, i) => (t.resolvable && r.tarCi ? `[${percent(r.tarCi[i][0])}, ${percent(r.tarCi[i][1])}]` : '—'))]),
  ];
}

export function ijbText(result: IjbResult): string {
  const lines = [title(result), '', alignColumns(tarRows(result)), '', alignColumns(countRows(result))];
  const src = result.featureSource;
  if (src) lines.splice(1, 0, `features: model sha256 ${src.model_sha256.slice(0, 12)}…, ${src.provider}, ${src.dtype}, onnxruntime ${src.ort_version}, preset ${src.preprocessing.preset} (${src.preprocessing.channels})${src.flip ? ', flip' : ''}`);
  if (result.bootstrap) lines.push('', alignColumns(ciRows(result)));
  return lines.join('\n') + '\n';
}

export function ijbMarkdown(result: IjbResult): string {
  const tables = [tarRows(result), countRows(result), ...(result.bootstrap ? [ciRows(result)] : [])];
  return `${title(result)}\n\n${tables.map(markdownTable).join('\n\n')}\n`;
}

/** Long format: one line per aggregation × FAR target; empty cells where a value is undefined. */
export function ijbCsv(result: IjbResult): string {
  const lines = [csvLine(['dataset', 'rule', 'aggregation', 'far_target', 'tar', 'tar_ci_lo', 'tar_ci_hi', 'far_actual', 'false_accepts', 'true_accepts', 'threshold', 'auc', 'eer', 'eer_threshold'])];
  const cell = (x: number | undefined): string | number => (x === undefined || !Number.isFinite(x) ? '' : x);
  for (const r of result.results) {
    r.tarAtFar.forEach((t, i) => {
      const ok = t.resolvable;
      const ci = ok ? r.tarCi?.[i] : undefined;
      lines.push(csvLine([result.target, result.rule, r.aggregation, farKey(t.target), cell(ok ? t.tar : NaN), cell(ci?.[0]), cell(ci?.[1]), cell(ok ? t.far : NaN), ok ? t.falseAccepts : '', ok ? t.trueAccepts : '', cell(ok ? t.threshold : NaN), cell(r.auc), cell(r.eer), cell(r.eerThreshold)]));
    });
  }
  return lines.join('\n') + '\n';
}

function curveJson(c: ThinCurve): { far: number[]; tar: number[]; threshold: (number | null)[] } {
  return { far: c.far, tar: c.tar, threshold: c.threshold.map(jsonNumber) };
}
