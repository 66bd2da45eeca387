/**
 * The regression gate's decision and its diff table. PURE: two validated result files and a policy
 * in, one check per aggregation × metric out.
 *
 * Policy (docs/ci.md):
 * - `max-drop` (default): a metric fails when `current < baseline − allowedDrop(metric)`, with the
 *   drop in rate units (0.002 = 0.2 percentage points) and 1e-12 of slack for float64 rounding.
 *   Metrics not named in `--max-drop` get `defaultDrop` (0 unless `*=` is given): any drop fails.
 * - `ci-aware`: a metric fails when the upper end of the current result's bootstrap interval is
 *   below the baseline's point estimate (`ci_hi(current) < baseline`), i.e. the baseline value lies
 *   outside the current interval on the low side. The current file must carry `tar_ci` for every
 *   compared metric.
 * Every metric of the baseline must be present in the current file (a metric that disappears is an
 * input error, not a pass); metrics only in the current file are ignored. NaN / null on either side
 * is an input error.
 */
import { DataError, UsageError } from '../errors.js';
import type { ResultFile, ResultMetric } from '../io/results-json.js';
import { alignColumns, percent } from './format.js';

export type GatePolicy = { kind: 'max-drop'; drops: Map<string, number>; defaultDrop: number } | { kind: 'ci-aware' };

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
  if (base.dataset !== cur.dataset) throw mismatch(base.protocol === 'ijb-1v1' ? 'target' : 'dataset', base.dataset, cur.dataset);
  if (base.rule !== cur.rule) throw mismatch('the TAR@FAR rule', base.rule, cur.rule);
  for (const k of ['pairs', 'genuine', 'impostor'] as const) {
    const a = base.counts?.[k];
    const b = cur.counts?.[k];
    if (a !== undefined && b !== undefined && a !== b) throw mismatch(`counts.${k}`, a, b);
  }
}

export function runGate(base: ResultFile, cur: ResultFile, policy: GatePolicy): GateCheck[] {
  checkComparable(base, cur);
  if (policy.kind === 'max-drop') {
    const known = new Set(base.rows.flatMap((r) => r.metrics.map((m) => m.key)));
    for (const key of policy.drops.keys()) {
      if (!known.has(key)) throw new DataError(`--max-drop names ${key}, which ${base.file} does not have (it has ${[...known].join(', ')})`);
    }
  }
  const checks: GateCheck[] = [];
  for (const bRow of base.rows) {
    const cRow = cur.rows.find((r) => r.name === bRow.name);
    if (!cRow) throw new DataError(`${cur.file}: has no result for '${bRow.name}', which the baseline ${base.file} has`);
    for (const k of ['pairs', 'genuine', 'impostor'] as const) {
      const a = bRow.counts?.[k];
      const b = cRow.counts?.[k];
      if (a !== undefined && b !== undefined && a !== b) {
        throw new DataError(`${cur.file}: '${bRow.name}' has ${b} ${k} pairs but the baseline ${base.file} has ${a}: not comparable`);
      }
    }
    for (const bm of bRow.metrics) {
      const cm = cRow.metrics.find((m) => m.key === bm.key);
      if (!cm) throw new DataError(`${cur.file}: '${bRow.name}' has no ${bm.key}, which the baseline ${base.file} has`);
      if (Number.isNaN(bm.value)) throw new DataError(`${base.file}: '${bRow.name}' ${bm.key} is null/NaN: cannot gate on it`);
      if (Number.isNaN(cm.value)) throw new DataError(`${cur.file}: '${bRow.name}' ${bm.key} is null/NaN: cannot gate on it`);
      checks.push(decide(bRow.name, bm, cm, policy, cur.file));
    }
  }
  return checks;
}

function decide(row: string, bm: ResultMetric, cm: ResultMetric, policy: GatePolicy, curFile: string): GateCheck {
  const delta = cm.value - bm.value;
  const base = { row, metric: bm.key, baseline: bm.value, current: cm.value, delta };
  if (policy.kind === 'ci-aware') {
    if (!cm.ci) throw new DataError(`${curFile}: '${row}' ${bm.key} has no bootstrap interval (tar_ci); --ci-aware needs one (run ijb with --bootstrap)`);
    const passed = !(cm.ci[1] < bm.value);
    return {
      ...base,
      currentCi: cm.ci,
      passed,
      reason: passed
        ? `baseline ${fmt(bm.value)} is within or below the current interval [${fmt(cm.ci[0])}, ${fmt(cm.ci[1])}]`
        : `current interval [${fmt(cm.ci[0])}, ${fmt(cm.ci[1])}] lies entirely below the baseline ${fmt(bm.value)}`,
    };
  }
  const allowedDrop = policy.drops.get(bm.key) ?? policy.defaultDrop;
  const passed = !(cm.value < bm.value - allowedDrop - SLACK);
  return {
    ...base,
    allowedDrop,
    passed,
    reason: passed
      ? `change ${signedPp(delta)} pp is within the allowed drop of ${pp(allowedDrop)} pp`
      : `dropped ${pp(-delta)} pp, more than the allowed ${pp(allowedDrop)} pp`,
  };
}

function fmt(rate: number): string {
  return percent(rate);
}
function pp(rate: number): string {
  return (rate * 100).toFixed(3).replace(/\.?0+$/, '') || '0';
}
function signedPp(rate: number): string {
  const s = (rate * 100).toFixed(2);
  return s === '0.00' || s === '-0.00' ? '0.00' : rate > 0 ? `+${s}` : s;
}

/** `1e-4=0.002,1e-5=0.003` (rates; `*=x` sets the default for unnamed metrics). */
export function parseMaxDrop(text: string): { drops: Map<string, number>; defaultDrop: number } {
  const drops = new Map<string, number>();
  let defaultDrop = 0;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    const value = Number(eq > 0 ? part.slice(eq + 1) : NaN);
    if (!key || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new UsageError(`--max-drop: '${part}' is not METRIC=DROP with DROP a rate in [0, 1] (e.g. 1e-4=0.002)`);
    }
    const norm = key === '*' || key === 'accuracy' ? key : normaliseFarKey(key);
    if (norm === undefined) throw new UsageError(`--max-drop: '${key}' is not a FAR target (1e-4), 'accuracy' or '*'`);
    if (norm === '*') defaultDrop = value;
    else drops.set(norm, value);
  }
  return { drops, defaultDrop };
}

/** 1e-4, 0.0001, 1E-04 → the JSON key `1e-4`. */
function normaliseFarKey(key: string): string | undefined {
  const v = Number(key);
  if (!Number.isFinite(v) || v <= 0 || v > 1) return undefined;
  return v.toExponential().replace('e+', 'e');
}

export function gateText(base: ResultFile, cur: ResultFile, checks: GateCheck[], policy: GatePolicy): string {
  const ciAware = policy.kind === 'ci-aware';
  const rows: string[][] = [
    ['result', 'metric', 'baseline %', 'current %', 'Δ pp', ciAware ? 'current CI %' : 'allowed drop pp', 'status'],
    ...checks.map((c) => [
      c.row,
      c.metric,
      percent(c.baseline),
      percent(c.current),
      signedPp(c.delta),
      ciAware ? `[${percent(c.currentCi![0])}, ${percent(c.currentCi![1])}]` : pp(c.allowedDrop!),
      c.passed ? 'ok' : 'REGRESSION',
    ]),
  ];
  const failed = checks.filter((c) => !c.passed).length;
  const rule = ciAware ? 'fail when the current CI upper bound < baseline' : 'fail when current < baseline − allowed drop';
  return [
    `gate: ${cur.label} (${cur.file}) vs baseline ${base.label} (${base.file}) — ${rule}`,
    '',
    alignColumns(rows),
    '',
    failed === 0 ? `gate passed: ${checks.length} metric${checks.length === 1 ? '' : 's'} checked` : `gate FAILED: ${failed} of ${checks.length} metrics regressed`,
    '',
  ].join('\n');
}
