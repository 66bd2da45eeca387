/**
 * Score-level result → JSON (schemaVersion 2, `protocol: "scores"`), terminal text, markdown, CSV.
 * Each serializer returns a string; the CLI's sink writes it. Thresholds are written in the user's
 * units: negated back when the scores were distances (accept when distance <= threshold then).
 */
import type { Decision, ErrorRates, FnmrAtFmr } from '../metrics/operating-points.js';
import type { PyeerPoint } from '../metrics/pyeer-stats.js';
import type { ScoreCounts, ScoreSetResult, ScoresResult } from '../protocols/scores.js';
import { RESULT_HEADER } from '../io/results-json.js';
import { alignColumns, csvLine, farKey, jsonNumber, markdownTable, percent } from './format.js';


export interface ScoresJsonOptions {
  /** Add per result `curve` (thinned ROC), `histogram` and `epc` when the result has them. */
  curve?: boolean;
}

/** Counts as `ijb` and `lfw` write them (pairs = genuine + impostor), plus the NaN scores left out. */
function countsJson(c: ScoreCounts): { pairs: number; genuine: number; impostor: number; dropped_nan: number } {
  return { pairs: c.genuine + c.impostor, genuine: c.genuine, impostor: c.impostor, dropped_nan: c.droppedNan };
}

/** A threshold in the user's units: distances were negated on reading. */
function userThreshold(result: ScoresResult, t: number): number | null {
  return jsonNumber(result.distance ? -t : t);
}

export function scoresJson(result: ScoresResult, options: ScoresJsonOptions = {}): string {
  const thr = (t: number): number | null => userThreshold(result, t);
  const rates = (r: ErrorRates) => ({
    fmr: jsonNumber(r.fmr),
    fnmr: jsonNumber(r.fnmr),
    hter: jsonNumber(r.hter),
    false_accepts: r.falseAccepts,
    false_rejects: r.falseRejects,
    threshold: thr(r.threshold),
  });
  /** An FMR operating point; FNMR and HTER withheld (null) where the impostors cannot resolve the target. */
  const target = (r: FnmrAtFmr) => {
    const out = { ...rates(r), resolvable: r.resolvable };
    return r.resolvable ? out : { ...out, fnmr: null, hter: null };
  };
  const decision = (d: Decision) => ({ ...rates(d), precision: jsonNumber(d.precision), recall: jsonNumber(d.recall), f1: jsonNumber(d.f1) });
  const pyeerPoint = (p: PyeerPoint) => ({ fnmr: jsonNumber(p.fnmr), fmr: jsonNumber(p.fmr), threshold: thr(p.threshold) });
  const withheld = (r: ScoreSetResult['fmr100']): number | null => (r.resolvable ? jsonNumber(r.fnmr) : null);
  const doc = {
    ...RESULT_HEADER,
    protocol: result.protocol,
    rule: result.rule,
    scores: result.distance ? 'distance' : 'similarity',
    results: result.results.map((r) => {
      // An unresolvable target (fewer impostors than 1/target) is null throughout, as in `ijb`.
      const byTarget = <T>(pick: (t: ScoreSetResult['tarAtFar'][number]) => T): Record<string, T | null> =>
        Object.fromEntries(r.tarAtFar.map((t) => [farKey(t.target), t.resolvable ? pick(t) : null]));
      const d = r.decision;
      return {
        label: r.label,
        format: r.format,
        counts: countsJson(r.counts),
        tar_at_far: byTarget((t) => jsonNumber(t.tar)),
        far_actual: byTarget((t) => jsonNumber(t.far)),
        false_accepts: byTarget((t) => t.falseAccepts),
        true_accepts: byTarget((t) => t.trueAccepts),
        threshold: byTarget((t) => thr(t.threshold)),
        auc: jsonNumber(r.auc),
        eer: jsonNumber(r.eer),
        eer_threshold: thr(r.eerThreshold),
        fmr100: withheld(r.fmr100),
        fmr1000: withheld(r.fmr1000),
        zero_fmr: jsonNumber(r.zeroFmr.fnmr),
        zero_fnmr: jsonNumber(r.zeroFnmr.fmr),
        operating_points: { fmr100: target(r.fmr100), fmr1000: target(r.fmr1000), zero_fmr: rates(r.zeroFmr), zero_fnmr: rates(r.zeroFnmr) },
        d_prime: jsonNumber(r.dPrime),
        genuine: { mean: jsonNumber(r.genuineMoments.mean), std: jsonNumber(r.genuineMoments.std) },
        impostor: { mean: jsonNumber(r.impostorMoments.mean), std: jsonNumber(r.impostorMoments.std) },
        min_hter: jsonNumber(r.minHter.hter),
        min_hter_threshold: thr(r.minHter.threshold),
        decision: {
          criterion: d.criterion,
          ...(d.far !== undefined ? { far: d.far } : {}),
          threshold: thr(d.threshold),
          dev: decision(d.dev),
          ...(d.evaluation
            ? { eval: { counts: countsJson(d.evaluation.counts), ...decision(d.evaluation) } }
            : {}),
        },
        pyeer: {
          fmr100: pyeerPoint(r.pyeer.fmr100),
          fmr1000: pyeerPoint(r.pyeer.fmr1000),
          fmr20: pyeerPoint(r.pyeer.fmr20),
          fmr10: pyeerPoint(r.pyeer.fmr10),
          zero_fmr: pyeerPoint(r.pyeer.zeroFmr),
          zero_fnmr: { fmr: jsonNumber(r.pyeer.zeroFnmr.fmr), threshold: thr(r.pyeer.zeroFnmr.threshold) },
          eer: jsonNumber(r.pyeer.eer.eer),
          eer_low: jsonNumber(r.pyeer.eer.eerLow),
          eer_high: jsonNumber(r.pyeer.eer.eerHigh),
          eer_threshold: thr(r.pyeer.eer.threshold),
          auc: jsonNumber(r.pyeer.auc),
        },
        ...(r.folds
          ? {
              folds: r.folds.map((f) => ({
                fold: f.fold,
                genuine: f.genuine,
                impostor: f.impostor,
                tar_at_far: Object.fromEntries(f.tarAtFar.map((t) => [farKey(t.target), t.resolvable ? jsonNumber(t.tar) : null])),
                eer: jsonNumber(f.eer),
              })),
            }
          : {}),
        ...(options.curve && r.curve ? { curve: { far: r.curve.far, tar: r.curve.tar, threshold: r.curve.threshold.map(thr) } } : {}),
        ...(options.curve && r.histogram
          ? { histogram: { edges: [...r.histogram.edges].map((e) => jsonNumber(result.distance ? -e : e)), genuine: [...r.histogram.genuine], impostor: [...r.histogram.impostor] } }
          : {}),
        ...(options.curve && r.epc ? { epc: { cost: [...r.epc.cost], hter: [...r.epc.hter].map(jsonNumber), threshold: [...r.epc.threshold].map(thr) } } : {}),
      };
    }),
    warnings: result.warnings,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** A rate as a percentage, or '—' where it is withheld. */
function pct(rate: number, shown = true): string {
  return shown ? percent(rate) : '—';
}

function tarRows(result: ScoresResult): string[][] {
  const targets = result.results[0].tarAtFar.map((t) => farKey(t.target));
  return [
    ['set', 'genuine', 'impostor', ...targets, 'AUC', 'EER'],
    ...result.results.map((r) => [r.label, String(r.counts.genuine), String(r.counts.impostor), ...r.tarAtFar.map((t) => pct(t.tar, t.resolvable)), percent(r.auc), percent(r.eer)]),
  ];
}

function operatingRows(result: ScoresResult): string[][] {
  return [
    ['operating points (%)', 'FMR100', 'FMR1000', 'ZeroFMR', 'ZeroFNMR', "d'", 'min HTER'],
    ...result.results.map((r) => [
      r.label,
      pct(r.fmr100.fnmr, r.fmr100.resolvable),
      pct(r.fmr1000.fnmr, r.fmr1000.resolvable),
      percent(r.zeroFmr.fnmr),
      percent(r.zeroFnmr.fmr),
      Number.isNaN(r.dPrime) ? '—' : r.dPrime.toFixed(3),
      percent(r.minHter.hter),
    ]),
  ];
}

function decisionRows(result: ScoresResult): string[][] {
  const d0 = result.results[0].decision;
  const criterion = d0.criterion === 'far' ? `far ${d0.far}` : d0.criterion;
  const hasEval = result.results.some((r) => r.decision.evaluation);
  const cells = (d: Decision | undefined): string[] => (d ? [percent(d.fmr), percent(d.fnmr), percent(d.hter)] : ['', '', '']);
  return [
    [`threshold on dev (${criterion})`, 'threshold', 'FMR', 'FNMR', 'HTER', ...(hasEval ? ['eval FMR', 'eval FNMR', 'eval HTER'] : [])],
    ...result.results.map((r) => [
      r.label,
      formatThreshold(result, r.decision.threshold),
      ...cells(r.decision.dev),
      ...(hasEval ? cells(r.decision.evaluation) : []),
    ]),
  ];
}

function pyeerRows(result: ScoresResult): string[][] {
  return [
    ['as pyeer reports (%)', 'FMR100', 'FMR1000', 'ZeroFMR', 'ZeroFNMR', 'EER', 'AUC'],
    ...result.results.map((r) => {
      const p = r.pyeer;
      return [r.label, percent(p.fmr100.fnmr), percent(p.fmr1000.fnmr), percent(p.zeroFmr.fnmr), percent(p.zeroFnmr.fmr), percent(p.eer.eer), percent(p.auc)];
    }),
  ];
}

function formatThreshold(result: ScoresResult, t: number): string {
  const v = userThreshold(result, t);
  return v === null ? 'none' : Number(v.toPrecision(6)).toString();
}

function title(result: ScoresResult): string {
  const n = result.results.length;
  return `score-level verification: ${n} score set${n === 1 ? '' : 's'}, TAR (%) @ FAR, rule: ${result.rule}, ${result.distance ? 'distance scores (accept when distance <= threshold)' : 'similarity scores (accept when score >= threshold)'}`;
}

function foldLines(result: ScoresResult): string[] {
  const lines: string[] = [];
  for (const r of result.results) {
    if (!r.folds || r.folds.length === 0) continue;
    const eers = r.folds.map((f) => f.eer).filter((e) => !Number.isNaN(e));
    const mean = eers.reduce((a, b) => a + b, 0) / eers.length;
    const std = Math.sqrt(eers.reduce((a, b) => a + (b - mean) ** 2, 0) / eers.length);
    lines.push(`${r.label}: ${r.folds.length} folds, EER ${percent(mean)} ± ${percent(std)} % (mean ± population std over folds)`);
  }
  return lines;
}

export function scoresText(result: ScoresResult): string {
  const lines = [title(result), '', alignColumns(tarRows(result)), '', alignColumns(operatingRows(result)), '', alignColumns(decisionRows(result)), '', alignColumns(pyeerRows(result))];
  const folds = foldLines(result);
  if (folds.length) lines.push('', ...folds);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export function scoresMarkdown(result: ScoresResult): string {
  const tables = [tarRows(result), operatingRows(result), decisionRows(result), pyeerRows(result)].map(markdownTable);
  return `${title(result)}\n\n${tables.join('\n\n')}\n`;
}

/** Long format: one line per set × metric (`tar@1e-3`, `fmr100` …), with the threshold where there is one. */
export function scoresCsv(result: ScoresResult): string {
  const lines = [csvLine(['label', 'format', 'metric', 'value', 'threshold'])];
  const cell = (x: number | null): string | number => (x === null ? '' : x);
  for (const r of result.results) {
    const row = (metric: string, value: number | null, threshold?: number): void =>
      void lines.push(csvLine([r.label, r.format, metric, cell(value), threshold === undefined ? '' : cell(userThreshold(result, threshold))]));
    for (const t of r.tarAtFar) row(`tar@${farKey(t.target)}`, t.resolvable ? jsonNumber(t.tar) : null, t.threshold);
    row('auc', jsonNumber(r.auc));
    row('eer', jsonNumber(r.eer), r.eerThreshold);
    row('fmr100', r.fmr100.resolvable ? jsonNumber(r.fmr100.fnmr) : null, r.fmr100.threshold);
    row('fmr1000', r.fmr1000.resolvable ? jsonNumber(r.fmr1000.fnmr) : null, r.fmr1000.threshold);
    row('zero_fmr', jsonNumber(r.zeroFmr.fnmr), r.zeroFmr.threshold);
    row('zero_fnmr', jsonNumber(r.zeroFnmr.fmr), r.zeroFnmr.threshold);
    row('d_prime', jsonNumber(r.dPrime));
    row('min_hter', jsonNumber(r.minHter.hter), r.minHter.threshold);
    if (r.decision.evaluation) row('eval_hter', jsonNumber(r.decision.evaluation.hter), r.decision.threshold);
  }
  return lines.join('\n') + '\n';
}
