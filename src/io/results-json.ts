/**
 * Reads and validates facebench result JSON files (`ijb --json` and `lfw --json`, schemaVersion 1 and
 * 2) into one protocol-neutral shape that `compare` and `gate` consume: rows (one per aggregation,
 * or one per dataset for pairs-kfold) of metrics named in the vocabulary of report/metric-keys.ts
 * (`tar@1e-4`, `auc`, `eer`, `accuracy`). Every error names the file and the JSON path that is wrong.
 *
 * Schema 2 renamed: ijb `target` → `dataset`; lfw `tar_threshold` → `threshold` (per FAR target, as
 * ijb), the per-fold thresholds → `accuracy.threshold_per_fold`, `pairs/genuine/impostor` →
 * `counts`, `dim/flip` → `features`, one dataset or `datasets` → always `results`; input paths are
 * gone. Version 1 files are still read.
 */
import { basename } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { memberKey, tarKey } from '../report/metric-keys.js';
import { readJsonInput } from './input-file.js';
import { FACEBENCH_VERSION } from '../version.js';

export const SCHEMA_VERSION = 2;
/** The first keys of every result document facebench writes. */
export const RESULT_HEADER = { schemaVersion: SCHEMA_VERSION, tool: { name: 'facebench', version: FACEBENCH_VERSION } } as const;
export const READABLE_SCHEMA_VERSIONS = [1, 2];
/** `ijb`: IJB 1:1 and/or 1:N (files of protocol ijb-1v1, ijb-1n, or both under `ijb`). */
export type ResultProtocol = 'ijb' | 'pairs-kfold' | 'scores' | 'cluster' | 'quality';

/** The ROC vertices stored by `ijb --curve` (thinned for plotting only). */
export interface StoredCurve {
  far: number[];
  tar: number[];
  /** null = +Infinity (the first vertex, which accepts nothing). */
  threshold: (number | null)[];
}

export interface ResultMetric {
  /** `tar@1e-4`, `auc`, `eer` or `accuracy` (report/metric-keys.ts). */
  key: string;
  /** NaN when the file holds null. */
  value: number;
  /** Percentile bootstrap interval when the file carries one. */
  ci?: [number, number];
  /** Population standard deviation over folds (pairs-kfold accuracy). */
  std?: number;
}

export interface ResultRow {
  /** The aggregation (ijb-1v1) or the dataset (pairs-kfold). */
  name: string;
  metrics: ResultMetric[];
  curve?: StoredCurve;
  /** pairs-kfold: the row's own dataset and pair counts (a file may hold several datasets). */
  dataset?: string;
  counts?: { pairs?: number; genuine?: number; impostor?: number };
}

export interface BootstrapInfo {
  replicates: number;
  seed: number;
  ci: number;
  unit: string;
}

export interface ResultFile {
  file: string;
  /** Display name: `--label name=file`, or the file name without `.json`. */
  label: string;
  protocol: ResultProtocol;
  /** IJBB / IJBC for ijb-1v1; the dataset name (lfw, cfp_fp …) for pairs-kfold. */
  dataset: string;
  /** TAR@FAR rule (ijb-1v1). */
  rule?: string;
  /** Pair (and 1:N probe) counts, when the file has them: gate refuses to compare different sets. */
  counts?: { pairs?: number; genuine?: number; impostor?: number; probes?: number };
  bootstrap?: BootstrapInfo;
  rows: ResultRow[];
  /** The parsed document itself (for what only some readers need: 1:N curves, quality curves). */
  doc?: unknown;
}

type Json = unknown;

function isObject(x: Json): x is Record<string, Json> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

class Checker {
  /** `prefix`: the JSON path of the object being read inside the file (e.g. `protocols[0].`). */
  constructor(
    readonly file: string,
    readonly prefix = '',
  ) {}
  fail(path: string, what: string): DataError {
    return new DataError(`${this.file}: ${this.prefix}${path}: ${what}`);
  }
  object(x: Json, path: string): Record<string, Json> {
    if (!isObject(x)) throw this.fail(path, `expected an object, found ${describe(x)}`);
    return x;
  }
  string(x: Json, path: string): string {
    if (typeof x !== 'string' || x.length === 0) throw this.fail(path, `expected a non-empty string, found ${describe(x)}`);
    return x;
  }
  /** A rate in [0, 1] or null (null = NaN: JSON has no NaN). */
  rate(x: Json, path: string): number {
    if (x === null) return NaN;
    if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw this.fail(path, `expected a rate in [0, 1] or null, found ${describe(x)}`);
    return x;
  }
  count(x: Json, path: string): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw this.fail(path, `expected a count (an integer >= 0), found ${describe(x)}`);
    return x;
  }
  finite(x: Json, path: string): number {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw this.fail(path, `expected a finite number, found ${describe(x)}`);
    return x;
  }
  numberArray(x: Json, path: string, allowNull: boolean): (number | null)[] {
    if (!Array.isArray(x)) throw this.fail(path, `expected an array, found ${describe(x)}`);
    return x.map((v, i) => (allowNull && v === null ? null : this.finite(v, `${path}[${i}]`)));
  }
}

function describe(x: Json): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `'${x.length > 40 ? x.slice(0, 40) + '…' : x}'`;
  return typeof x === 'object' ? 'an object' : String(x);
}

/** `name=file` pairs of `--label`; a file without a label is named after itself. */
export function parseLabels(labels: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of labels) {
    const eq = l.indexOf('=');
    if (eq <= 0 || eq === l.length - 1) throw new UsageError(`--label '${l}': expected name=file`);
    out.set(l.slice(eq + 1), l.slice(0, eq));
  }
  return out;
}

export function defaultLabel(file: string): string {
  return basename(file).replace(/\.json$/i, '');
}


/** Largest result file read (a result JSON is a few MB even with curves). */

export function readResultFile(file: string, label?: string): ResultFile {
  // Regular files only, at most MAX_JSON_BYTES (a result with curves is a few MB), parse errors on one line.
  return parseResultDocument(readJsonInput(file), file, label ?? defaultLabel(file));
}

export function parseResultDocument(doc: Json, file: string, label: string): ResultFile {
  return { ...parseDocument(doc, file, label), doc };
}

function parseDocument(doc: Json, file: string, label: string): ResultFile {
  const c = new Checker(file);
  const root = c.object(doc, '$');
  const version = root.schemaVersion;
  if (!READABLE_SCHEMA_VERSIONS.includes(version as number)) {
    throw c.fail('schemaVersion', `expected ${READABLE_SCHEMA_VERSIONS.join(' or ')}, found ${describe(version)} (is this a facebench result JSON?)`);
  }
  const protocol = root.protocol;
  if (protocol === 'ijb-1v1') return parseIjb(root, c, label, version as number);
  if (protocol === 'ijb-1n' && version === 2) return parseIjb1n(root, c, label, '');
  if (protocol === 'ijb' && version === 2) return parseIjbRun(root, c, label);
  if (protocol === 'quality' && version === 2) return parseQuality(root, c, label);
  if (protocol === 'pairs-kfold') return parsePairsKfold(root, c, label, version as number);
  if (protocol === 'scores' && version === 2) return parseScores(root, c, label);
  if (protocol === 'cluster' && version === 2) return parseCluster(root, c, label);
  throw c.fail('protocol', `expected 'ijb-1v1', 'ijb-1n', 'ijb', 'pairs-kfold', 'scores', 'cluster' or 'quality', found ${describe(protocol)}`);
}

const FAR_KEY = /^[0-9.]+e-?[0-9]+$|^1$|^0?\.[0-9]+$/;

function parseCounts(x: Json, path: string, c: Checker): ResultRow['counts'] {
  const o = c.object(x, path);
  return { pairs: c.count(o.pairs, `${path}.pairs`), genuine: c.count(o.genuine, `${path}.genuine`), impostor: c.count(o.impostor, `${path}.impostor`) };
}

/** `tar_at_far` (+ `tar_ci`), `auc`, `eer` of one result object → metrics. */
function verificationMetrics(o: Record<string, Json>, p: string, c: Checker): ResultMetric[] {
  const tars = c.object(o.tar_at_far, `${p}tar_at_far`);
  const keys = Object.keys(tars);
  if (keys.length === 0) throw c.fail(`${p}tar_at_far`, 'is empty');
  const cis = o.tar_ci === undefined ? undefined : c.object(o.tar_ci, `${p}tar_ci`);
  const metrics = keys.map((key): ResultMetric => {
    if (!FAR_KEY.test(key) || !(Number(key) > 0 && Number(key) <= 1)) throw c.fail(`${p}tar_at_far`, `key '${key}' is not a FAR target like 1e-4`);
    const m: ResultMetric = { key: tarKey(Number(key)), value: c.rate(tars[key], `${p}tar_at_far["${key}"]`) };
    if (cis?.[key] !== undefined && cis[key] !== null) {
      const ci = c.numberArray(cis[key], `${p}tar_ci["${key}"]`, true);
      if (ci.length !== 2) throw c.fail(`${p}tar_ci["${key}"]`, `expected [lo, hi], found ${ci.length} values`);
      if (ci[0] !== null && ci[1] !== null) {
        const [lo, hi] = [c.rate(ci[0], `${p}tar_ci["${key}"][0]`), c.rate(ci[1], `${p}tar_ci["${key}"][1]`)];
        if (!(lo <= hi)) throw c.fail(`${p}tar_ci["${key}"]`, `expected [lo, hi] with lo <= hi, found [${lo}, ${hi}]`);
        m.ci = [lo, hi];
      }
    }
    return m;
  });
  if (new Set(metrics.map((m) => m.key)).size !== metrics.length) throw c.fail(`${p}tar_at_far`, 'names one FAR target twice');
  for (const k of ['auc', 'eer'] as const) if (o[k] !== undefined) metrics.push({ key: k, value: c.rate(o[k], `${p}${k}`) });
  return metrics;
}

function parseIjb(root: Record<string, Json>, c: Checker, label: string, version: number): ResultFile {
  const datasetField = version === 1 ? 'target' : 'dataset';
  const dataset = c.string(root[datasetField], datasetField);
  if (dataset !== 'IJBB' && dataset !== 'IJBC') throw c.fail(datasetField, `expected 'IJBB' or 'IJBC', found ${describe(dataset)}`);
  const rule = c.string(root.rule, 'rule');
  const counts = root.counts === undefined ? undefined : parseCounts(root.counts, 'counts', c);
  let bootstrap: BootstrapInfo | undefined;
  if (root.bootstrap !== undefined) {
    const o = c.object(root.bootstrap, 'bootstrap');
    bootstrap = { replicates: c.count(o.replicates, 'bootstrap.replicates'), seed: c.count(o.seed, 'bootstrap.seed'), ci: c.finite(o.ci, 'bootstrap.ci'), unit: c.string(o.unit, 'bootstrap.unit') };
  }
  if (!Array.isArray(root.results) || root.results.length === 0) throw c.fail('results', `expected a non-empty array, found ${describe(root.results)}`);
  const seen = new Set<string>();
  const rows = root.results.map((r, i): ResultRow => {
    const p = `results[${i}]`;
    const o = c.object(r, p);
    const name = c.string(o.aggregation, `${p}.aggregation`);
    if (seen.has(name)) throw c.fail(`${p}.aggregation`, `'${name}' appears twice`);
    seen.add(name);
    const row: ResultRow = { name, metrics: verificationMetrics(o, `${p}.`, c) };
    if (o.curve !== undefined) row.curve = parseCurve(o.curve, `${p}.curve`, c);
    return row;
  });
  return { file: c.file, label, protocol: 'ijb', dataset, rule, counts, bootstrap, rows };
}

/** An object of rates keyed like `1e-3` or `5` (null = NaN) → family members, with intervals from `cis`. */
function familyMetrics(o: Json, cis: Json, family: string, path: string, c: Checker): ResultMetric[] {
  const values = c.object(o, path);
  const intervals = cis === undefined ? undefined : c.object(cis, `${path}_ci`);
  return Object.keys(values).map((k): ResultMetric => {
    const p = Number(k);
    if (!(p > 0)) throw c.fail(path, `key '${k}' is not a ${family === 'rank' || family === 'closed_rank' ? 'rank' : 'target'}`);
    const m: ResultMetric = { key: memberKey(family, p), value: c.rate(values[k], `${path}["${k}"]`) };
    const ci = intervals?.[k];
    if (Array.isArray(ci) && ci.length === 2 && ci[0] !== null && ci[1] !== null) m.ci = [c.rate(ci[0], `${path}_ci["${k}"][0]`), c.rate(ci[1], `${path}_ci["${k}"][1]`)];
    return m;
  });
}

/** `ijb-1n`: one row per aggregation, the open-set rank-k and TPIR@FPIR and the closed-set numbers. */
function parseIjb1n(root: Record<string, Json>, c: Checker, label: string, at: string): ResultFile {
  const dataset = c.string(root.dataset, `${at}dataset`);
  const counts = c.object(root.counts, `${at}counts`);
  if (!Array.isArray(root.results) || root.results.length === 0) throw c.fail(`${at}results`, `expected a non-empty array, found ${describe(root.results)}`);
  const rows = root.results.map((r, i): ResultRow => {
    const p = `${at}results[${i}]`;
    const o = c.object(r, p);
    const closed = c.object(o.closed_set, `${p}.closed_set`);
    return {
      name: c.string(o.aggregation, `${p}.aggregation`),
      metrics: [
        ...familyMetrics(o.rank, o.rank_ci, 'rank', `${p}.rank`, c),
        ...familyMetrics(o.tpir_at_fpir, o.tpir_ci, 'tpir', `${p}.tpir_at_fpir`, c),
        ...familyMetrics(closed.rank, closed.rank_ci, 'closed_rank', `${p}.closed_set.rank`, c),
        ...familyMetrics(closed.insightface_far, undefined, 'insightface_far', `${p}.closed_set.insightface_far`, c),
      ],
    };
  });
  return { file: c.file, label, protocol: 'ijb', dataset, counts: { probes: c.count(counts.probes, `${at}counts.probes`) }, rows };
}

/** `ijb` (both protocols of one run): the 1:1 and 1:N rows of each aggregation joined. */
function parseIjbRun(root: Record<string, Json>, c: Checker, label: string): ResultFile {
  if (!Array.isArray(root.protocols) || root.protocols.length !== 2) throw c.fail('protocols', `expected the 1:1 and 1:N objects, found ${describe(root.protocols)}`);
  const [one, n] = root.protocols.map((x, i) => c.object(x, `protocols[${i}]`));
  const a = parseIjb(one, new Checker(c.file, 'protocols[0].'), label, 2);
  const b = parseIjb1n(n, c, label, 'protocols[1].');
  if (a.dataset !== b.dataset) throw c.fail('protocols', `the 1:1 object is ${a.dataset} but the 1:N object ${b.dataset}`);
  const rows = a.rows.map((r) => ({ ...r, metrics: [...r.metrics, ...(b.rows.find((x) => x.name === r.name)?.metrics ?? [])] }));
  for (const r of b.rows) if (!rows.some((x) => x.name === r.name)) rows.push(r);
  return { ...a, counts: { ...a.counts, ...b.counts }, rows };
}

/**
 * `quality`: one row per data set × quality source (named by the source; its dataset is the set), the
 * numbers of the quality table: MagFace ERC FNMR at 0 / 20 / 40 % discarded, the CR-FIQA ERC areas,
 * the EDC pAUCs.
 */
function parseQuality(root: Record<string, Json>, c: Checker, label: string): ResultFile {
  const discard = c.numberArray(root.discard, 'discard', false) as number[];
  if (!Array.isArray(root.results) || root.results.length === 0) throw c.fail('results', `expected a non-empty array, found ${describe(root.results)}`);
  const rows = root.results.map((r, i): ResultRow => {
    const p = `results[${i}]`;
    const o = c.object(r, p);
    const dataset = c.string(o.dataset, `${p}.dataset`);
    const fnmr = c.numberArray(c.object(o.magface_erc, `${p}.magface_erc`).fnmr, `${p}.magface_erc.fnmr`, true);
    const metrics: ResultMetric[] = [0, 20, 40].flatMap((pct) => {
      const k = discard.findIndex((u) => Math.abs(u - pct / 100) < 1e-9);
      return k < 0 ? [] : [{ key: `fnmr_${pct}`, value: fnmr[k] === null ? NaN : c.rate(fnmr[k], `${p}.magface_erc.fnmr[${k}]`) }];
    });
    const erc = c.object(c.object(o.erc, `${p}.erc`).fmr, `${p}.erc.fmr`);
    for (const [k, v] of Object.entries(erc)) {
      const auc = c.object(v, `${p}.erc.fmr["${k}"]`).auc;
      metrics.push({ key: memberKey('erc_auc', Number(k)), value: auc === null ? NaN : c.finite(auc, `${p}.erc.fmr["${k}"].auc`) });
    }
    const edc = c.object(o.edc, `${p}.edc`);
    for (const side of ['fnm', 'fm'] as const) {
      const pauc = c.object(edc[side], `${p}.edc.${side}`).pauc;
      metrics.push({ key: `pauc_${side}`, value: pauc === null ? NaN : c.finite(pauc, `${p}.edc.${side}.pauc`) });
    }
    return { name: c.string(o.quality, `${p}.quality`), dataset, metrics };
  });
  return { file: c.file, label, protocol: 'quality', dataset: [...new Set(rows.map((r) => r.dataset!))].join('+'), rows };
}

function parseCurve(x: Json, path: string, c: Checker): StoredCurve {
  const o = c.object(x, path);
  const far = c.numberArray(o.far, `${path}.far`, false) as number[];
  const tar = c.numberArray(o.tar, `${path}.tar`, false) as number[];
  const threshold = o.threshold === undefined ? far.map(() => null) : c.numberArray(o.threshold, `${path}.threshold`, true);
  if (tar.length !== far.length || threshold.length !== far.length) {
    throw c.fail(path, `far, tar and threshold must have the same length (found ${far.length}, ${tar.length}, ${threshold.length})`);
  }
  for (let k = 0; k < far.length; k++) {
    if (far[k] < 0 || far[k] > 1 || tar[k] < 0 || tar[k] > 1) throw c.fail(`${path}[${k}]`, `rates must lie in [0, 1], found far ${far[k]}, tar ${tar[k]}`);
    if (k > 0 && (far[k] < far[k - 1] || tar[k] < tar[k - 1])) throw c.fail(`${path}[${k}]`, 'far and tar must not decrease');
  }
  return { far, tar, threshold };
}

/**
 * Version 2: one object per dataset under `results`. Version 1: one dataset's object at the top level,
 * or several under `datasets`. One row per dataset, each with its own pair counts.
 */
function parsePairsKfold(root: Record<string, Json>, c: Checker, label: string, version: number): ResultFile {
  const list = version === 1 ? (Array.isArray(root.datasets) ? root.datasets : undefined) : root.results;
  if (version !== 1 && !Array.isArray(list)) throw c.fail('results', `expected an array, found ${describe(list)}`);
  const where = version === 1 ? 'datasets' : 'results';
  const entries: [Record<string, Json>, string][] = Array.isArray(list) ? list.map((d, i) => [c.object(d, `${where}[${i}]`), `${where}[${i}].`]) : [[root, '']];
  if (entries.length === 0) throw c.fail(where, 'is empty');
  const rule = root.rule ?? entries[0][0].rule;
  const seen = new Set<string>();
  const rows = entries.map(([o, p]): ResultRow => {
    const dataset = c.string(o.dataset, `${p}dataset`);
    if (seen.has(dataset)) throw c.fail(`${p}dataset`, `'${dataset}' appears twice`);
    seen.add(dataset);
    const acc = c.object(o.accuracy, `${p}accuracy`);
    const accuracy: ResultMetric = { key: 'accuracy', value: c.rate(acc.mean, `${p}accuracy.mean`) };
    if (acc.std !== undefined && acc.std !== null) accuracy.std = c.finite(acc.std, `${p}accuracy.std`);
    const metrics = [accuracy, ...(o.tar_at_far === undefined ? [] : verificationMetrics(o, p, c))];
    let counts: ResultRow['counts'];
    if (version === 1) {
      counts = {};
      for (const k of ['pairs', 'genuine', 'impostor'] as const) if (o[k] !== undefined) counts[k] = c.count(o[k], `${p}${k}`);
    } else counts = parseCounts(o.counts, `${p}counts`, c);
    return { name: dataset, dataset, counts, metrics };
  });
  const dataset = rows.map((r) => r.name).join('+');
  return { file: c.file, label, protocol: 'pairs-kfold', dataset, rule: typeof rule === 'string' ? rule : undefined, counts: rows.length === 1 ? rows[0].counts : undefined, rows };
}

/** `scores`: one row per score set (named by its label, which is also its dataset: sets are compared by name). */
function parseScores(root: Record<string, Json>, c: Checker, label: string): ResultFile {
  if (!Array.isArray(root.results) || root.results.length === 0) throw c.fail('results', `expected a non-empty array, found ${describe(root.results)}`);
  const seen = new Set<string>();
  const rows = root.results.map((r, i): ResultRow => {
    const p = `results[${i}].`;
    const o = c.object(r, `results[${i}]`);
    const name = c.string(o.label, `${p}label`);
    if (seen.has(name)) throw c.fail(`${p}label`, `'${name}' appears twice`);
    seen.add(name);
    const metrics = verificationMetrics(o, p, c);
    for (const k of ['fmr100', 'fmr1000', 'zero_fmr', 'zero_fnmr', 'min_hter'] as const) if (o[k] !== undefined) metrics.push({ key: k, value: c.rate(o[k], `${p}${k}`) });
    if (o.d_prime !== undefined) metrics.push({ key: 'd_prime', value: o.d_prime === null ? NaN : c.finite(o.d_prime, `${p}d_prime`) });
    const evaluation = o.decision === undefined ? undefined : c.object(o.decision, `${p}decision`).eval;
    if (evaluation !== undefined) metrics.push({ key: 'eval_hter', value: c.rate(c.object(evaluation, `${p}decision.eval`).hter, `${p}decision.eval.hter`) });
    return { name, dataset: name, counts: parseCounts(o.counts, `${p}counts`, c), metrics };
  });
  return { file: c.file, label, protocol: 'scores', dataset: rows.map((r) => r.name).join('+'), rule: c.string(root.rule, 'rule'), rows };
}

/**
 * `cluster`: one row per clustering (a baseline's method, or a predicted file's name); the dataset is
 * the faces and identities scored (`IJB-B-1845`, or `600 faces / 40 identities`), so that gate refuses
 * clusterings of other face sets.
 */
function parseCluster(root: Record<string, Json>, c: Checker, label: string): ResultFile {
  const faces = c.count(root.faces, 'faces');
  const classes = c.count(root.classes, 'classes');
  const truth = c.object(root.truth, 'truth');
  const dataset = truth.subset !== undefined ? `IJB-B-${c.count(truth.subset, 'truth.subset')}` : `${faces} faces / ${classes} identities`;
  if (!Array.isArray(root.results) || root.results.length === 0) throw c.fail('results', `expected a non-empty array, found ${describe(root.results)}`);
  const scoreMetrics = (o: Record<string, Json>, p: string, suffix: string): ResultMetric[] => {
    const out: ResultMetric[] = [];
    for (const [group, key] of [['pairwise', 'pairwise'], ['bcubed', 'bcubed']] as const) {
      const g = c.object(o[group], `${p}${group}`);
      for (const part of ['precision', 'recall', 'f'] as const) out.push({ key: `${key}_${part}${suffix}`, value: c.rate(g[part], `${p}${group}.${part}`) });
    }
    const nmi = c.object(o.nmi, `${p}nmi`);
    out.push({ key: `nmi${suffix}`, value: c.rate(nmi.arithmetic, `${p}nmi.arithmetic`) }, { key: `nmi_geometric${suffix}`, value: c.rate(nmi.geometric, `${p}nmi.geometric`) });
    return out;
  };
  const seen = new Set<string>();
  const rows = root.results.map((r, i): ResultRow => {
    const p = `results[${i}].`;
    const o = c.object(r, `results[${i}]`);
    const name = o.method === 'predicted' ? c.string(o.name, `${p}name`) : c.string(o.method, `${p}method`);
    if (seen.has(name)) throw c.fail(`${p}method`, `'${name}' appears twice`);
    seen.add(name);
    const metrics = scoreMetrics(o, p, '');
    if (o.without_singletons !== null && o.without_singletons !== undefined) metrics.push(...scoreMetrics(c.object(o.without_singletons, `${p}without_singletons`), `${p}without_singletons.`, '_without_singletons'));
    return { name, dataset, metrics };
  });
  return { file: c.file, label, protocol: 'cluster', dataset, rows };
}

/** Human name of a dataset: IJBC → IJB-C. */
export function datasetName(dataset: string): string {
  if (dataset === 'IJBC') return 'IJB-C';
  if (dataset === 'IJBB') return 'IJB-B';
  return /^[a-z_0-9]+$/.test(dataset) ? dataset.toUpperCase() : dataset; // lfw, cfp_fp → LFW, CFP_FP
}
