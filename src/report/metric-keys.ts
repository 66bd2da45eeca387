/**
 * The one vocabulary of metrics that `compare` shows and `gate` checks, across protocols:
 *
 * | key | meaning | better |
 * |---|---|---|
 * | `tar@1e-4` | TAR at a FAR target (any target written like `1e-4`, `5e-2`) | higher |
 * | `auc` | area under the ROC | higher |
 * | `eer` | equal error rate | lower |
 * | `rank@1` | IJB 1:N open set (ijb_evals.py): rank-k identification rate, G1 and G2 summed | higher |
 * | `tpir@1e-3` | IJB 1:N open set: TPIR at an FPIR target, mean of G1 and G2 | higher |
 * | `closed_rank@1`, `insightface_far@1e-2` | IJB 1:N closed set (ijb_1n.py): top-k; its "FAR" number | higher |
 * | `accuracy` | k-fold verification accuracy (LFW-style) | higher |
 * | `fmr100`, `fmr1000`, `zero_fmr` | FNMR at FMR 1 %, 0.1 %, 0 (score sets) | lower |
 * | `zero_fnmr` | FMR at FNMR 0 (score sets) | lower |
 * | `min_hter`, `eval_hter` | minimum HTER; HTER of the eval set at the dev threshold (score sets) | lower |
 * | `d_prime` | decidability d′ (score sets; not a rate) | higher |
 * | `pairwise_f`, `bcubed_f`, `nmi` (+ `_precision`, `_recall`, `nmi_geometric`) | clustering scores; each also `…_without_singletons` | higher |
 * | `fnmr_0`, `fnmr_20`, `fnmr_40` | quality: MagFace ERC FNMR with 0 / 20 / 40 % of the pairs discarded | lower |
 * | `erc_auc@1e-3`, `pauc_fnm`, `pauc_fm` | quality: CR-FIQA ERC area; EDC pAUC (not rates) | lower |
 *
 * A family name alone (`tar`, `tpir`, `rank`, `closed_rank`, `insightface_far`, `erc_auc`) selects
 * every member a result has; on the command line a bare FAR target (`1e-4`, `0.0001`) means
 * `tar@1e-4`. PURE.
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

type Info = Omit<MetricInfo, 'key'>;

const NAMED: Record<string, Info> = {
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
  fnmr_0: { title: 'FNMR 0%', higherIsBetter: false, rate: true },
  fnmr_20: { title: 'FNMR 20%', higherIsBetter: false, rate: true },
  fnmr_40: { title: 'FNMR 40%', higherIsBetter: false, rate: true },
  pauc_fnm: { title: 'pAUC FNM', higherIsBetter: false, rate: false },
  pauc_fm: { title: 'pAUC FM', higherIsBetter: false, rate: false },
};

/** The clustering scores, and each again over the faces in non-singleton predicted clusters. */
function clusterMetrics(): Record<string, Info> {
  const base: Record<string, string> = {
    pairwise_precision: 'pairwise P', pairwise_recall: 'pairwise R', pairwise_f: 'pairwise F',
    bcubed_precision: 'BCubed P', bcubed_recall: 'BCubed R', bcubed_f: 'BCubed F',
    nmi: 'NMI', nmi_geometric: 'NMI (geometric)',
  };
  const out: Record<string, Info> = {};
  for (const [key, title] of Object.entries(base)) {
    out[key] = { title, higherIsBetter: true, rate: true };
    out[`${key}_without_singletons`] = { title: `${title} w/o singletons`, higherIsBetter: true, rate: true };
  }
  return out;
}

/** Metrics with a parameter: a rate target (`tar@1e-4`) or a rank (`rank@5`). */
interface Family {
  parameter: 'rate' | 'rank';
  title: (p: string) => string;
  info: Omit<Info, 'title'>;
}

const FAMILIES: Record<string, Family> = {
  tar: { parameter: 'rate', title: (p) => `TAR@${p}`, info: { higherIsBetter: true, rate: true } },
  rank: { parameter: 'rank', title: (p) => `rank-${p}`, info: { higherIsBetter: true, rate: true } },
  tpir: { parameter: 'rate', title: (p) => `TPIR@${p}`, info: { higherIsBetter: true, rate: true } },
  closed_rank: { parameter: 'rank', title: (p) => `closed top-${p}`, info: { higherIsBetter: true, rate: true } },
  insightface_far: { parameter: 'rate', title: (p) => `ijb_1n "FAR"@${p}`, info: { higherIsBetter: true, rate: true } },
  erc_auc: { parameter: 'rate', title: (p) => `ERC AUC@${p}`, info: { higherIsBetter: false, rate: false } },
};
const FAMILY_ORDER = Object.keys(FAMILIES);

/** `tpir@1e-3` → ['tpir', 1e-3]; `rank@5` → ['rank', 5]; undefined for any other key. */
function familyMember(key: string): [string, number] | undefined {
  const at = key.indexOf('@');
  if (at < 0) return undefined;
  const family = FAMILIES[key.slice(0, at)];
  const text = key.slice(at + 1);
  const v = Number(text);
  if (!family) return undefined;
  if (family.parameter === 'rank') return Number.isSafeInteger(v) && v >= 1 && String(v) === text ? [key.slice(0, at), v] : undefined;
  return v > 0 && v <= 1 && farKey(v) === text ? [key.slice(0, at), v] : undefined;
}

/** The key of a family member: `memberKey('tpir', 1e-3)` = `tpir@1e-3`, `memberKey('rank', 5)` = `rank@5`. */
export function memberKey(family: string, parameter: number): string {
  return `${family}@${FAMILIES[family].parameter === 'rank' ? String(parameter) : farKey(parameter)}`;
}

export const tarKey = (far: number): string => memberKey('tar', far);

/** The metric a key names, or undefined when it is not one. */
export function metricInfo(key: string): MetricInfo | undefined {
  if (NAMED[key]) return { key, ...NAMED[key] };
  const m = familyMember(key);
  if (!m) return undefined;
  const f = FAMILIES[m[0]];
  return { key, title: f.title(key.slice(m[0].length + 1)), ...f.info };
}

/** `tar@1e-4` → 1e-4; undefined for other keys. */
export function tarTarget(key: string): number | undefined {
  const m = familyMember(key);
  return m && m[0] === 'tar' ? m[1] : undefined;
}

/** A value as tables print it: a rate in percent with two decimals, other numbers with three (four below 0.1). */
export function formatMetric(key: string, value: number): string {
  if (metricInfo(key)?.rate !== false) return percent(value);
  return Number.isNaN(value) ? 'NaN' : value.toFixed(Math.abs(value) < 0.1 ? 4 : 3);
}

/** A difference: percentage points for rates (2 decimals), plain for the rest (3); `zero` (e.g. ±) when it rounds to 0. */
export function formatDelta(key: string, delta: number, zero = ''): string {
  const rate = metricInfo(key)?.rate !== false;
  const s = rate ? (delta * 100).toFixed(2) : delta.toFixed(3);
  if (/^-?0\.0+$/.test(s)) return `${zero}${s.replace('-', '')}`;
  return delta > 0 ? `+${s}` : s;
}

/**
 * What the user typed → canonical key: `1e-4` / `0.0001` / `TAR@1E-4` → `tar@1e-4`; `AUC` → `auc`;
 * `TPIR@0.001` → `tpir@1e-3`; a family alone (`tar`, `rank` …) stays itself (all its members).
 * Undefined when it names no metric.
 */
export function normaliseMetricName(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (NAMED[t] || FAMILIES[t]) return t;
  const at = t.indexOf('@');
  const family = at < 0 ? 'tar' : t.slice(0, at);
  const f = FAMILIES[family];
  const p = at < 0 ? t : t.slice(at + 1);
  if (!f) return undefined;
  const v = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(p) ? Number(p) : NaN;
  if (f.parameter === 'rank') return Number.isSafeInteger(v) && v >= 1 ? memberKey(family, v) : undefined;
  return v > 0 && v <= 1 ? memberKey(family, v) : undefined;
}

/** Sort order of table columns: families (by parameter) in their order, then the named metrics. */
export function compareMetricKeys(a: string, b: string): number {
  const fa = familyMember(a);
  const fb = familyMember(b);
  if (fa && fb) return fa[0] === fb[0] ? fa[1] - fb[1] : FAMILY_ORDER.indexOf(fa[0]) - FAMILY_ORDER.indexOf(fb[0]);
  if (fa) return -1;
  if (fb) return 1;
  const order = Object.keys(NAMED);
  return order.indexOf(a) - order.indexOf(b);
}

export const METRIC_NAMES_HELP =
  'tar (every TAR@FAR target), tar@1e-4 (or just 1e-4), auc, eer; for IJB 1:N rank, rank@1, tpir, tpir@1e-3, closed_rank@1, insightface_far@1e-2; accuracy (lfw); for score sets fmr100, fmr1000, zero_fmr, zero_fnmr, min_hter, eval_hter, d_prime; for clusterings pairwise_f, bcubed_f, nmi, their _precision/_recall, nmi_geometric, each also _without_singletons; for quality fnmr_0, fnmr_20, fnmr_40, erc_auc@1e-3, pauc_fnm, pauc_fm';

/** The default metrics of a result: TAR@FAR (and, with 1:N, rank and TPIR); accuracy (lfw); F and NMI (clusterings); the quality table's. */
export function defaultMetricNames(f: ResultFile): string[] {
  if (f.protocol === 'pairs-kfold') return ['accuracy'];
  if (f.protocol === 'cluster') return ['pairwise_f', 'bcubed_f', 'nmi'];
  if (f.protocol === 'quality') return ['fnmr_0', 'fnmr_20', 'fnmr_40', 'pauc_fnm'];
  const has = (family: string): boolean => f.rows.some((r) => r.metrics.some((m) => familyMember(m.key)?.[0] === family));
  return ['tar', 'rank', 'tpir'].filter(has);
}

/**
 * The metrics of `row` that `names` select (a family name: all its members). A name that selects
 * nothing in any row of the file is an error naming what the file has.
 */
export function selectMetrics(f: ResultFile, names: string[], flag: string): (row: ResultRow) => ResultMetric[] {
  const keys = names.map((n) => {
    const k = normaliseMetricName(n);
    if (k === undefined) throw new UsageError(`${flag}: '${n}' is not a metric (${METRIC_NAMES_HELP})`);
    return k;
  });
  const selected = (key: string): boolean => keys.includes(key) || keys.includes(familyMember(key)?.[0] ?? '');
  const has = new Set(f.rows.flatMap((r) => r.metrics.map((m) => m.key)));
  for (const k of keys) {
    if (![...has].some((h) => h === k || familyMember(h)?.[0] === k)) throw new DataError(`${flag} ${k}: ${f.file} has no such metric (it has ${[...has].join(', ')})`);
  }
  return (row) => row.metrics.filter((m) => selected(m.key));
}
