/**
 * The regression gate's decision and its diff table. PURE: two validated result files and a policy
 * in, one check per aggregation × metric out.
 *
 * Policy (docs/ci.md):
 * - `max-drop` (default): a metric fails when it worsens by more than its allowed drop —
 *   `current < baseline − allowedDrop` for metrics where higher is better, `current > baseline +
 *   allowedDrop` for EER — in rate units (0.002 = 0.2 percentage points) with 1e-12 of slack for
 *   float64 rounding. Metrics not named in `--max-drop` get `defaultDrop` (0 unless `*=` is given).
 * - `ci-aware`: a metric fails when the current result's bootstrap interval lies entirely on the
 *   worse side of the baseline's point estimate (`ci_hi(current) < baseline`). The current file
 *   must carry an interval for every compared metric.
 * Which metrics: `selection.metrics` (report/metric-keys.ts; default: every TAR@FAR target of the
 * baseline, or accuracy for pairs-kfold) of the rows named in `selection.rows` (default: all). Every
 * selected metric of the baseline must be present in the current file (a metric that disappears is
 * an input error, not a pass). NaN / null on either side is an input error.
 */
import { DataError, UsageError } from '../errors.js';
import type { ResultFile, ResultMetric } from '../io/results-json.js';
import { alignColumns, percent } from './format.js';
import { defaultMetricNames, formatDelta, formatMetric, metricInfo, normaliseMetricName, selectMetrics, METRIC_NAMES_HELP } from './metric-keys.js';

export type GatePolicy = { kind: 'max-drop'; drops: Map<string, number>; defaultDrop: number } | { kind: 'ci-aware' };

/** What to gate: metric names as typed (`tar`, `tar@1e-4`, `auc` …) and row names; undefined = the default. */
export interface GateSelection {
  metrics?: string[];
  rows?: string[];
}

export interface GateCheck {
  /** Aggregation (ijb-1v1) or dataset (pairs-kfold). */
  row: string;
  metric: string;
  baseline: number;
  current: number;
  /** current − baseline. */
  delta: number;
  /** max-drop: the allowed drop; ci-aware: undefined. */
  allowedDrop?: number;
  currentCi?: [number, number];
  passed: boolean;
  /** One sentence: why it passed or failed. */
  reason: string;
}

const SLACK = 1e-12;

/** Throws DataError (exit 2) when the two files are not comparable. */
export function checkComparable(base: ResultFile, cur: ResultFile): void {
  const mismatch = (what: string, a: unknown, b: unknown): DataError =>
    new DataError(`${cur.file}: ${what} is ${String(b)} but the baseline ${base.file} has ${String(a)}: not comparable`);
  if (base.protocol !== cur.protocol) throw mismatch('protocol', base.protocol, cur.protocol);
  if (base.dataset !== cur.dataset) throw mismatch('dataset', base.dataset, cur.dataset);
  if (base.rule !== cur.rule) throw mismatch('the TAR@FAR rule', base.rule, cur.rule);
  for (const k of ['pairs', 'genuine', 'impostor', 'probes'] as const) {
    const a = base.counts?.[k];
    const b = cur.counts?.[k];
    if (a !== undefined && b !== undefined && a !== b) throw mismatch(`counts.${k}`, a, b);
  }
}

export interface GateOutcome {
  checks: GateCheck[];
  /** Metrics of the default selection that the baseline leaves null (an unresolvable FAR target): not gated. */
  skipped: string[];
}

export function runGate(base: ResultFile, cur: ResultFile, policy: GatePolicy, selection: GateSelection = {}): GateOutcome {
  if (selection.rows && (base.protocol === 'pairs-kfold' || base.protocol === 'scores')) throw new UsageError(`--aggregation picks the rows of ijb (aggregations) and cluster (clusterings) results; ${base.protocol === 'scores' ? 'score' : 'lfw'} results have one row per data set`);
  checkComparable(base, cur);
  const pick = selectMetrics(base, selection.metrics ?? defaultMetricNames(base), '--metric');
  const rows = base.rows.filter((r) => !selection.rows || selection.rows.includes(r.name));
  for (const name of selection.rows ?? []) {
    if (!base.rows.some((r) => r.name === name)) throw new DataError(`--aggregation ${name}: ${base.file} has no such result (it has ${base.rows.map((r) => r.name).join(', ')})`);
  }
  if (policy.kind === 'max-drop') {
    const known = new Set(rows.flatMap((r) => pick(r).map((m) => m.key)));
    for (const key of policy.drops.keys()) {
      if (!known.has(key)) throw new DataError(`--max-drop names ${key}, which is not gated (gated: ${[...known].join(', ')})`);
    }
  }
  const checks: GateCheck[] = [];
  const skipped: string[] = [];
  for (const bRow of rows) {
    const cRow = cur.rows.find((r) => r.name === bRow.name);
    if (!cRow) throw new DataError(`${cur.file}: has no result for '${bRow.name}', which the baseline ${base.file} has`);
    for (const k of ['pairs', 'genuine', 'impostor'] as const) {
      const a = bRow.counts?.[k];
      const b = cRow.counts?.[k];
      if (a !== undefined && b !== undefined && a !== b) {
        throw new DataError(`${cur.file}: '${bRow.name}' has ${b} ${k} pairs but the baseline ${base.file} has ${a}: not comparable`);
      }
    }
    for (const bm of pick(bRow)) {
      const cm = cRow.metrics.find((m) => m.key === bm.key);
      if (!cm) throw new DataError(`${cur.file}: '${bRow.name}' has no ${bm.key}, which the baseline ${base.file} has`);
      if (Number.isNaN(bm.value) && selection.metrics === undefined) {
        skipped.push(`${bRow.name} ${bm.key}`);
        continue;
      }
      if (Number.isNaN(bm.value)) throw new DataError(`${base.file}: '${bRow.name}' ${bm.key} is null/NaN: cannot gate on it`);
      if (Number.isNaN(cm.value)) throw new DataError(`${cur.file}: '${bRow.name}' ${bm.key} is null/NaN: cannot gate on it`);
      checks.push(decide(bRow.name, bm, cm, policy, cur.file));
    }
  }
  if (checks.length === 0) throw new DataError(`${base.file}: no metric to gate (${skipped.length ? `${skipped.join(', ')} are null` : 'none selected'})`);
  return { checks, skipped };
}

function decide(row: string, bm: ResultMetric, cm: ResultMetric, policy: GatePolicy, curFile: string): GateCheck {
  const delta = cm.value - bm.value;
  const higher = metricInfo(bm.key)?.higherIsBetter ?? true;
  // `worsening` > 0 when the metric got worse: a drop, or a rise of EER.
  const worsening = higher ? -delta : delta;
  const base = { row, metric: bm.key, baseline: bm.value, current: cm.value, delta };
  if (policy.kind === 'ci-aware') {
    if (!cm.ci) throw new DataError(`${curFile}: '${row}' ${bm.key} has no bootstrap interval; --ci-aware needs one (run ijb with --bootstrap)`);
    const passed = higher ? !(cm.ci[1] < bm.value) : !(cm.ci[0] > bm.value);
    const side = higher ? 'below' : 'above';
    return {
      ...base,
      currentCi: cm.ci,
      passed,
      reason: passed
        ? `baseline ${fmt(bm.value)} is within or ${higher ? 'below' : 'above'} the current interval [${fmt(cm.ci[0])}, ${fmt(cm.ci[1])}]`
        : `current interval [${fmt(cm.ci[0])}, ${fmt(cm.ci[1])}] lies entirely ${side} the baseline ${fmt(bm.value)}`,
    };
  }
  const allowedDrop = policy.drops.get(bm.key) ?? policy.defaultDrop;
  const passed = !(worsening > allowedDrop + SLACK);
  const verb = higher ? 'dropped' : 'rose';
  // Rates in percentage points; d′ as it is.
  const amount = (x: number): string => (metricInfo(bm.key)?.rate === false ? `${x}` : `${pp(x)} pp`);
  return {
    ...base,
    allowedDrop,
    passed,
    reason: passed
      ? `change ${formatDelta(bm.key, delta)}${metricInfo(bm.key)?.rate === false ? '' : ' pp'} is within the allowed ${higher ? 'drop' : 'rise'} of ${amount(allowedDrop)}`
      : `${verb} ${amount(worsening)}, more than the allowed ${amount(allowedDrop)}`,
  };
}

function fmt(rate: number): string {
  return percent(rate);
}
function pp(rate: number): string {
  return (rate * 100).toFixed(3).replace(/\.?0+$/, '') || '0';
}

/**
 * `1e-4=0.002,auc=0.001,*=0.0005` (rates; a bare FAR target means its TAR; `*=x` sets the default for
 * metrics not named). A metric named twice is refused.
 */
export function parseMaxDrop(text: string): { drops: Map<string, number>; defaultDrop: number } {
  const drops = new Map<string, number>();
  let defaultDrop: number | undefined;
  for (const part of text.split(',').map((s) => s.trim())) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    const raw = eq > 0 ? part.slice(eq + 1).trim() : '';
    const value = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!key || !(value >= 0 && value <= 1)) {
      throw new UsageError(`--max-drop: '${part}' is not METRIC=DROP with DROP a rate in [0, 1] (e.g. 1e-4=0.002)`);
    }
    const norm = key === '*' ? '*' : normaliseMetricName(key);
    if (norm === undefined || norm === 'tar') throw new UsageError(`--max-drop: '${key}' is not one metric (${METRIC_NAMES_HELP.replace('tar (every TAR@FAR target), ', '')}) or '*'`);
    if (norm === '*' ? defaultDrop !== undefined : drops.has(norm)) throw new UsageError(`--max-drop: ${norm} is given twice`);
    if (norm === '*') defaultDrop = value;
    else drops.set(norm, value);
  }
  return { drops, defaultDrop: defaultDrop ?? 0 };
}

export function gateText(base: ResultFile, cur: ResultFile, checks: GateCheck[], policy: GatePolicy): string {
  const ciAware = policy.kind === 'ci-aware';
  const rows: string[][] = [
    ['result', 'metric', 'baseline', 'current', 'Δ', ciAware ? 'current CI' : 'allowed worsening', 'status'],
    ...checks.map((c) => [
      c.row,
      metricInfo(c.metric)?.title ?? c.metric,
      formatMetric(c.metric, c.baseline),
      formatMetric(c.metric, c.current),
      formatDelta(c.metric, c.delta),
      ciAware ? `[${formatMetric(c.metric, c.currentCi![0])}, ${formatMetric(c.metric, c.currentCi![1])}]` : metricInfo(c.metric)?.rate === false ? String(c.allowedDrop) : pp(c.allowedDrop!),
      c.passed ? 'ok' : 'REGRESSION',
    ]),
  ];
  const failed = checks.filter((c) => !c.passed).length;
  const rule = ciAware ? 'fail when the current CI lies entirely on the worse side of the baseline' : 'fail when a metric worsens by more than allowed (a drop; a rise for EER)';
  return [
    `gate: ${cur.label} (${cur.file}) vs baseline ${base.label} (${base.file}) — ${rule}; rates in %, Δ and allowances in percentage points`,
    '',
    alignColumns(rows),
    '',
    failed === 0 ? `gate passed: ${checks.length} metric${checks.length === 1 ? '' : 's'} checked` : `gate FAILED: ${failed} of ${checks.length} metrics regressed`,
    '',
  ].join('\n');
}
