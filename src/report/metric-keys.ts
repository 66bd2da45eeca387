/**
 * The one vocabulary of metrics that `compare` shows and `gate` checks, across protocols:
 *
 * | key | meaning | better |
 * |---|---|---|
 * | `tar@1e-4` | TAR at a FAR target (any target written like `1e-4`, `5e-2`) | higher |
 * | `auc` | area under the ROC | higher |
 * | `eer` | equal error rate | lower |
 * | `accuracy` | k-fold verification accuracy (LFW-style) | higher |
 * | `fmr100`, `fmr1000`, `zero_fmr` | FNMR at FMR 1 %, 0.1 %, 0 (score sets) | lower |
 * | `zero_fnmr` | FMR at FNMR 0 (score sets) | lower |
 * | `min_hter`, `eval_hter` | minimum HTER; HTER of the eval set at the dev threshold (score sets) | lower |
 * | `d_prime` | decidability d′ (score sets; not a rate) | higher |
 * | `pairwise_f`, `bcubed_f`, `nmi` (+ `_precision`, `_recall`, `nmi_geometric`) | clustering scores; each also `…_without_singletons` | higher |
 *
 * On the command line a bare FAR target (`1e-4`, `0.0001`) means `tar@1e-4`, and `tar` means every
 * TAR@FAR target a result has. PURE.
 */
import { DataError, UsageError } from '../errors.js';
import type { ResultFile, ResultMetric, ResultRow } from '../io/results-json.js';
import { farKey, percent } from './format.js';

export interface MetricInfo {
  /** Canonical key, e.g. `tar@1e-4`. */
  key: string;
  /** Column title in tables: `TAR@1e-4`, `AUC`, `EER`, `accuracy`. */
  title: string;
  higherIsBetter: boolean;
  /** A rate, printed in percent (differences in percentage points); else a plain number. */
  rate: boolean;
}

const NAMED: Record<string, Omit<MetricInfo, 'key'>> = {
  auc: { title: 'AUC', higherIsBetter: true, rate: true },
  eer: { title: 'EER', higherIsBetter: false, rate: true },
  accuracy: { title: 'accuracy', higherIsBetter: true, rate: true },
  fmr100: { title: 'FMR100', higherIsBetter: false, rate: true },
  fmr1000: { title: 'FMR1000', higherIsBetter: false, rate: true },
  zero_fmr: { title: 'ZeroFMR', higherIsBetter: false, rate: true },
  zero_fnmr: { title: 'ZeroFNMR', higherIsBetter: false, rate: true },
  min_hter: { title: 'min HTER', higherIsBetter: false, rate: true },
  eval_hter: { title: 'eval HTER', higherIsBetter: false, rate: true },
  d_prime: { title: "d'", higherIsBetter: true, rate: false },
  ...clusterMetrics(),
};

/** The clustering scores, and each again over the faces in non-singleton predicted clusters. */
function clusterMetrics(): Record<string, Omit<MetricInfo, 'key'>> {
  const base: Record<string, string> = {
    pairwise_precision: 'pairwise P', pairwise_recall: 'pairwise R', pairwise_f: 'pairwise F',
    bcubed_precision: 'BCubed P', bcubed_recall: 'BCubed R', bcubed_f: 'BCubed F',
    nmi: 'NMI', nmi_geometric: 'NMI (geometric)',
  };
  const out: Record<string, Omit<MetricInfo, 'key'>> = {};
  for (const [key, title] of Object.entries(base)) {
    out[key] = { title, higherIsBetter: true, rate: true };
    out[`${key}_without_singletons`] = { title: `${title} w/o singletons`, higherIsBetter: true, rate: true };
  }
  return out;
}

/** The metric a key names, or undefined when it is not one. */
export function metricInfo(key: string): MetricInfo | undefined {
  if (NAMED[key]) return { key, ...NAMED[key] };
  const far = tarTarget(key);
  return far === undefined ? undefined : { key, title: `TAR@${key.slice(4)}`, higherIsBetter: true, rate: true };
}

/** A value as tables print it: a rate in percent with two decimals, d′ with three. */
export function formatMetric(key: string, value: number): string {
  return metricInfo(key)?.rate === false ? (Number.isNaN(value) ? 'NaN' : value.toFixed(3)) : percent(value);
}

/** `tar@1e-4` → 1e-4; undefined for other keys. */
export function tarTarget(key: string): number | undefined {
  if (!key.startsWith('tar@')) return undefined;
  const v = Number(key.slice(4));
  return v > 0 && v <= 1 && farKey(v) === key.slice(4) ? v : undefined;
}

export const tarKey = (far: number): string => `tar@${farKey(far)}`;

/**
 * What the user typed → canonical key: `1e-4` / `0.0001` / `TAR@1E-4` → `tar@1e-4`; `AUC` → `auc`;
 * `tar` stays `tar` (all targets). Undefined when it names no metric.
 */
export function normaliseMetricName(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'tar' || NAMED[t]) return t;
  const bare = t.startsWith('tar@') ? t.slice(4) : t;
  const v = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(bare) ? Number(bare) : NaN;
  return v > 0 && v <= 1 ? tarKey(v) : undefined;
}

/** A difference: percentage points for rates (2 decimals), plain for d′ (3); `zero` (e.g. ±) when it rounds to 0. */
export function formatDelta(key: string, delta: number, zero = ''): string {
  const rate = metricInfo(key)?.rate !== false;
  const s = rate ? (delta * 100).toFixed(2) : delta.toFixed(3);
  if (/^-?0\.0+$/.test(s)) return `${zero}${s.replace('-', '')}`;
  return delta > 0 ? `+${s}` : s;
}

/** Sort order of table columns: TAR@FAR ascending by target, then the named metrics. */
export function compareMetricKeys(a: string, b: string): number {
  const fa = tarTarget(a);
  const fb = tarTarget(b);
  if (fa !== undefined && fb !== undefined) return fa - fb;
  if (fa !== undefined) return -1;
  if (fb !== undefined) return 1;
  const order = Object.keys(NAMED);
  return order.indexOf(a) - order.indexOf(b);
}

export const METRIC_NAMES_HELP = 'tar (every TAR@FAR target), tar@1e-4 (or just 1e-4), auc, eer, accuracy; for score sets also fmr100, fmr1000, zero_fmr, zero_fnmr, min_hter, eval_hter, d_prime; for clusterings pairwise_f, bcubed_f, nmi, their _precision/_recall, nmi_geometric, each also _without_singletons';

/** The default metrics of a result: its TAR@FAR targets; accuracy for pairs-kfold; F and NMI for clusterings. */
export function defaultMetricNames(f: ResultFile): string[] {
  if (f.protocol === 'pairs-kfold') return ['accuracy'];
  if (f.protocol === 'cluster') return ['pairwise_f', 'bcubed_f', 'nmi'];
  return ['tar'];
}

/**
 * The metrics of `row` that `names` select (`tar` = every TAR@FAR target). A name that selects
 * nothing in any row of the file is an error naming what the file has.
 */
export function selectMetrics(f: ResultFile, names: string[], flag: string): (row: ResultRow) => ResultMetric[] {
  const keys = names.map((n) => {
    const k = normaliseMetricName(n);
    if (k === undefined) throw new UsageError(`${flag}: '${n}' is not a metric (${METRIC_NAMES_HELP})`);
    return k;
  });
  const has = new Set(f.rows.flatMap((r) => r.metrics.map((m) => m.key)));
  for (const k of keys) {
    if (k === 'tar' ? ![...has].some((h) => tarTarget(h) !== undefined) : !has.has(k)) {
      throw new DataError(`${flag} ${k}: ${f.file} has no such metric (it has ${[...has].join(', ')})`);
    }
  }
  return (row) => row.metrics.filter((m) => keys.includes(m.key) || (keys.includes('tar') && tarTarget(m.key) !== undefined));
}
