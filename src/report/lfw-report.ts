/**
 * Pair-verification (pairs-kfold) result → JSON (the versioned contract, schemaVersion 2: one object
 * per dataset under `results`), terminal text, markdown, CSV.
 */
import type { PairsKfoldDatasetResult, PairsKfoldResult } from '../protocols/pairs-kfold.js';
import { alignColumns, csvLine, farKey, jsonNumber, markdownTable, percent } from './format.js';
import { pythonFixed } from '../numeric/python.js';
import { RESULT_HEADER } from '../io/results-json.js';

const numbers = (a: ArrayLike<number>): (number | null)[] => Array.from(a, jsonNumber);

/** Schema 2: one object per dataset under `results`; no input paths (they change with the working folder). */
function datasetJson(r: PairsKfoldDatasetResult, rule: string): Record<string, unknown> {
  // Per FAR target; an unresolvable target (fewer impostors than 1/target) is null throughout.
  const byTarget = <T>(pick: (k: number) => T): Record<string, T | null> => Object.fromEntries(r.tarAtFar.map((t, k) => [farKey(t.target), t.resolvable ? pick(k) : null]));
  return {
    dataset: r.dataset,
    pair_format: r.format,
    folds: r.folds,
    fold_source: r.foldSource,
    features: { dim: r.featureDim, flip: r.flip, ...(r.featureSource ? { source: r.featureSource } : {}) },
    counts: { pairs: r.pairs, genuine: r.genuine, impostor: r.impostor },
    accuracy: {
      mean: jsonNumber(r.accuracy.mean),
      std: jsonNumber(r.accuracy.std),
      stderr: jsonNumber(r.accuracy.stderr),
      per_fold: numbers(r.accuracy.accuracy),
      threshold_per_fold: numbers(r.accuracy.threshold),
      fold_pairs: r.foldSizes,
    },
    xnorm: jsonNumber(r.xnorm),
    eer: jsonNumber(r.eer),
    eer_threshold: jsonNumber(r.eerThreshold),
    auc: jsonNumber(r.auc),
    rule,
    tar_at_far: byTarget((k) => jsonNumber(r.tarAtFar[k].tar)),
    far_actual: byTarget((k) => jsonNumber(r.tarAtFar[k].far)),
    false_accepts: byTarget((k) => r.tarAtFar[k].falseAccepts),
    true_accepts: byTarget((k) => r.tarAtFar[k].trueAccepts),
    threshold: byTarget((k) => jsonNumber(r.tarThresholds[k])),
    val_at_far: {
      [farKey(r.val.target)]: !r.valResolvable ? null : {
        mean: jsonNumber(r.val.valStats.mean),
        std: jsonNumber(r.val.valStats.std),
        stderr: jsonNumber(r.val.valStats.stderr),
        far: jsonNumber(r.val.farMean),
        per_fold: numbers(r.val.val),
        far_per_fold: numbers(r.val.far),
        threshold_per_fold: numbers(r.val.threshold),
      },
    },
  };
}

/** Every dataset's warnings, each prefixed with its dataset. */
export function lfwWarnings(result: PairsKfoldResult): string[] {
  return result.datasets.flatMap((r) => r.warnings.map((w) => `[${r.dataset}] ${w}`));
}

export function lfwJson(result: PairsKfoldResult): string {
  const doc = {
    ...RESULT_HEADER,
    protocol: result.protocol,
    rule: result.rule,
    results: result.datasets.map((r) => datasetJson(r, result.rule)),
    warnings: lfwWarnings(result),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** insightface's log line: `[lfw] Accuracy-Flip: 0.99817+-0.00229` (`%1.5f+-%1.5f`). */
export function accuracyLine(r: PairsKfoldDatasetResult): string {
  return `[${r.dataset}] Accuracy${r.flip ? '-Flip' : ''}: ${pythonFixed(r.accuracy.mean, 5)}+-${pythonFixed(r.accuracy.std, 5)}`;
}

function summaryRows(result: PairsKfoldResult): string[][] {
  const fars = result.datasets[0].tarAtFar.map((t) => farKey(t.target));
  return [
    ['dataset', 'pairs', 'folds', 'accuracy %', 'std %', 'stderr %', 'XNorm', 'EER %', ...fars.map((f) => `TAR@${f} %`), `VAL@${farKey(result.datasets[0].val.target)} %`],
    ...result.datasets.map((r) => [
      r.dataset,
      String(r.pairs),
      String(r.folds),
      percent(r.accuracy.mean),
      percent(r.accuracy.std),
      percent(r.accuracy.stderr),
      r.xnorm.toFixed(4),
      percent(r.eer),
      ...r.tarAtFar.map((t) => (t.resolvable ? percent(t.tar) : '—')),
      r.valResolvable ? percent(r.val.valStats.mean) : '—',
    ]),
  ];
}

function foldRows(r: PairsKfoldDatasetResult): string[][] {
  return [
    [`${r.dataset} fold`, 'pairs', 'threshold', 'accuracy'],
    ...Array.from(r.accuracy.accuracy, (acc, f) => [String(f + 1), String(r.foldSizes[f]), r.accuracy.threshold[f].toFixed(2), pythonFixed(acc, 5)]),
  ];
}

function title(result: PairsKfoldResult): string {
  const r = result.datasets[0];
  return `Pair verification (insightface verification.py protocol): k-fold accuracy, TAR (%) @ FAR (rule: ${result.rule}), dim ${r.featureDim}`;
}

export function lfwText(result: PairsKfoldResult): string {
  const lines: string[] = [];
  for (const r of result.datasets) lines.push(`[${r.dataset}] XNorm: ${r.xnorm.toFixed(6)}`, accuracyLine(r));
  lines.push('', title(result));
  const src = result.datasets[0].featureSource;
  if (src) {
    const p = src.preprocessing;
    lines.push(`features: model sha256 ${src.model_sha256.slice(0, 12)}…, ${src.provider}, ${src.dtype}, onnxruntime ${src.ort_version}, preset ${p.preset} (${p.channels}), ${p.input_size}×${p.input_size}${src.flip ? ', flip' : ''}`);
  }
  lines.push('', alignColumns(summaryRows(result)));
  if (result.datasets.length === 1) lines.push('', alignColumns(foldRows(result.datasets[0])));
  return lines.join('\n') + '\n';
}

export function lfwMarkdown(result: PairsKfoldResult): string {
  const parts = [title(result), markdownTable(summaryRows(result))];
  for (const r of result.datasets) parts.push(markdownTable(foldRows(r)));
  return parts.join('\n\n') + '\n';
}

/** Wide format: one line per dataset. */
export function lfwCsv(result: PairsKfoldResult): string {
  const fars = result.datasets[0].tarAtFar.map((t) => farKey(t.target));
  const valKey = farKey(result.datasets[0].val.target);
  const lines = [
    csvLine([
      'dataset', 'folds', 'flip', 'pairs', 'genuine', 'impostor', 'accuracy_mean', 'accuracy_std', 'accuracy_stderr', 'xnorm', 'eer', 'auc',
      ...fars.map((f) => `tar_at_far_${f}`), `val_at_far_${valKey}`, `val_std_${valKey}`, `val_far_${valKey}`, 'rule',
    ]),
  ];
  for (const r of result.datasets) {
    lines.push(
      csvLine([
        r.dataset, r.folds, String(r.flip), r.pairs, r.genuine, r.impostor, r.accuracy.mean, r.accuracy.std, r.accuracy.stderr, r.xnorm, r.eer, r.auc,
        ...r.tarAtFar.map((t) => (t.resolvable ? t.tar : '')), ...(r.valResolvable ? [r.val.valStats.mean, r.val.valStats.std, r.val.farMean] : ['', '', '']), result.rule,
      ]),
    );
  }
  return lines.join('\n') + '\n';
}
