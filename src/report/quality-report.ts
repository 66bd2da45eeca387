/**
 * Quality result → JSON (protocol `quality`, schemaVersion 2), terminal table, markdown, CSV.
 * The table has one row per data set × quality source — FNMR of MagFace's ERC at 0 / 20 / 40 %
 * discarded, the ERC areas at each FMR target and the pAUC of both EDCs — so a paper can paste it.
 * Each serializer returns a string; warnings are the caller's to print (they are in the JSON).
 */
import type { EdcResult, QualityResult, QualitySetResult, QualitySourceResult } from '../protocols/quality.js';
import { alignColumns, csvLine, farKey, jsonNumber, markdownTable, percent } from './format.js';
import { RESULT_HEADER } from '../io/results-json.js';

/** Discard fractions of the table's FNMR columns. */
export const TABLE_DISCARDS = [0, 0.2, 0.4];

const numbers = (a: ArrayLike<number>): (number | null)[] => Array.from(a, jsonNumber);

function edcJson(e: EdcResult): Record<string, unknown> {
  return {
    discard: numbers(e.discard),
    error: numbers(e.error),
    threshold: jsonNumber(e.threshold),
    starting_error: e.startingError,
    starting_error_actual: jsonNumber(e.startingErrorActual),
    pauc: jsonNumber(e.pauc),
    pauc_theoretical_best: jsonNumber(e.theoreticalBest),
  };
}

function sourceJson(result: QualityResult, set: QualitySetResult, s: QualitySourceResult): Record<string, unknown> {
  const discard = numbers(result.discard);
  return {
    dataset: set.dataset,
    quality: s.quality,
    kind: s.kind,
    kept: { genuine: Array.from(s.keptGenuine), impostor: Array.from(s.keptImpostor) },
    magface_erc: { discard, fnmr: numbers(s.magfaceErc.fnmr), threshold: numbers(s.magfaceErc.threshold) },
    erc: {
      discard,
      fmr: Object.fromEntries(
        s.erc.map((c) => [farKey(c.target), { fnmr: numbers(c.fnmr), threshold: numbers(c.threshold), fmr_actual: numbers(c.fmr), auc: jsonNumber(c.auc) }]),
      ),
    },
    edc: { fnm: edcJson(s.edc.fnm), fm: edcJson(s.edc.fm) },
    ...(s.histogram ? { histogram: { edges: numbers(s.histogram.edges), genuine: Array.from(s.histogram.genuine), impostor: Array.from(s.histogram.impostor) } } : {}),
  };
}

function setJson(set: QualitySetResult): Record<string, unknown> {
  return {
    dataset: set.dataset,
    kind: set.kind,
    score: set.score,
    ...(set.aggregation ? { aggregation: set.aggregation } : {}),
    ...(set.templateQuality ? { template_quality: set.templateQuality } : {}),
    pairs: set.pairs,
    genuine: set.genuine,
    impostor: set.impostor,
    samples: set.samples,
    sample_kind: set.sampleKind,
    ...(set.averageFaces
      ? { average_faces: set.averageFaces.deciles.map((d) => ({ decile: d.decile, from: jsonNumber(d.from), to: jsonNumber(d.to), averaged: d.averaged, unreadable: d.unreadable })) }
      : {}),
  };
}

export function qualityJson(result: QualityResult): string {
  const doc = {
    ...RESULT_HEADER,
    protocol: result.protocol,
    fmrs: result.fmrs,
    discard: numbers(result.discard),
    starting_error: result.startingError,
    pauc_limit: result.paucLimit,
    random_seed: result.seed,
    datasets: result.sets.map(setJson),
    results: result.sets.flatMap((set) => set.sources.map((s) => sourceJson(result, set, s))),
    warnings: result.warnings,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The step of `discard` (np.arange values) nearest each table column's fraction. */
function tableSteps(result: QualityResult): number[] {
  return TABLE_DISCARDS.map((u) => {
    let best = 0;
    result.discard.forEach((x, k) => {
      if (Math.abs(x - u) < Math.abs(result.discard[best] - u)) best = k;
    });
    return best;
  });
}

const NULL = '—';
const pct = (x: number): string => (Number.isFinite(x) ? percent(x) : NULL);
const area = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : NULL);

function tableRows(result: QualityResult, forCsv: boolean): string[][] {
  const steps = tableSteps(result);
  const several = result.sets.length > 1;
  const head = [
    ...(several || forCsv ? ['dataset'] : []),
    'quality',
    ...TABLE_DISCARDS.map((u) => (forCsv ? `fnmr_${Math.round(u * 100)}` : `${Math.round(u * 100)}%`)),
    ...result.fmrs.map((f) => (forCsv ? `erc_auc_${farKey(f)}` : `AUC ${farKey(f)}`)),
    forCsv ? 'pauc_fnm_edc' : 'pAUC FNM',
    forCsv ? 'pauc_fm_edc' : 'pAUC FM',
  ];
  const rows = result.sets.flatMap((set) =>
    set.sources.map((s) => {
      const value = (x: number, f: (x: number) => string): string => (forCsv ? (Number.isFinite(x) ? String(x) : '') : f(x));
      return [
        ...(several || forCsv ? [set.dataset] : []),
        s.quality,
        ...steps.map((k) => value(s.magfaceErc.fnmr[k], pct)),
        ...s.erc.map((c) => value(c.auc, area)),
        value(s.edc.fnm.pauc, area),
        value(s.edc.fm.pauc, area),
      ];
    }),
  );
  return [head, ...rows];
}

function title(result: QualityResult): string {
  const sets = result.sets.map((s) => `${s.dataset} (${s.pairs} pairs: ${s.genuine} genuine, ${s.impostor} impostor; ${s.samples} ${s.sampleKind}s)`).join(', ');
  return (
    `Quality: FNMR (%) at FMR 1e-3 (MagFace ERC) with 0 / 20 / 40 % of the pairs discarded, ERC area (CR-FIQA) per FMR, ` +
    `EDC pAUC to ${result.paucLimit} (starting error ${result.startingError}, theoretical best subtracted; lower is better) — ${sets}`
  );
}

export function qualityText(result: QualityResult): string {
  return `${title(result)}\n\n${alignColumns(tableRows(result, false))}\n`;
}

export function qualityMarkdown(result: QualityResult): string {
  return `${title(result)}\n\n${markdownTable(tableRows(result, false))}\n`;
}

/** The table, one line per data set × quality source (empty cells for undefined values). */
export function qualityCsv(result: QualityResult): string {
  return tableRows(result, true).map(csvLine).join('\n') + '\n';
}
