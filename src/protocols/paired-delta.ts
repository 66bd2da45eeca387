/**
 * Paired bootstrap of ΔTAR between two checkpoints evaluated on the same IJB protocol: both score
 * vectors (`ijb --scores DIR`) are resampled with the SAME template multiplicities in each replicate
 * (replicate r draws from the stream (seed, r) and both runs share the pair file, hence the strata),
 * so ΔTAR_r = TAR_B,r − TAR_A,r keeps the correlation between the two checkpoints; the interval is
 * the percentile interval of ΔTAR_r. No printing.
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { ijbMetaPaths, readTemplatePairs, type IjbTarget } from '../io/ijb-meta.js';
import { readNpyScores } from '../io/npy.js';
import type { ResultFile } from '../io/results-json.js';
import type { BootstrapResult } from '../metrics/bootstrap.js';
import { percentile } from '../numeric/numpy.js';
import type { TarRule } from '../metrics/tar-at-far.js';
import { checkComparable } from '../report/gate.js';
import { farKey } from '../report/format.js';
import { tarKey, tarTarget } from '../report/metric-keys.js';
import { bootstrapParallel } from './bootstrap-parallel.js';
import { evaluateScores } from './ijb-1v1.js';

export interface PairedOptions {
  root: string;
  a: ResultFile;
  b: ResultFile;
  scoresA: string;
  scoresB: string;
  replicates: number;
  seed: number;
  ci: number;
  threads?: number;
  onStage?: (stage: string, ms: number) => void;
}

export interface PairedRow {
  aggregation: string;
  /** FAR target key, e.g. 1e-4. */
  target: string;
  tarA: number;
  tarB: number;
  /** tarB − tarA. */
  delta: number;
  /** Percentile interval of the paired replicate differences. */
  ci: [number, number];
  /** Each side's own interval (equal to `ijb --bootstrap` with the same seed and replicates). */
  ciA: [number, number];
  ciB: [number, number];
}

export interface PairedResult {
  rows: PairedRow[];
  replicates: number;
  seed: number;
  ci: number;
  strata: string;
}

/** The name of the file `ijb --scores DIR` writes for an aggregation (`:` and other specials become `_`). */
export function scoresFileName(aggregation: string): string {
  return `${aggregation.replace(/[^A-Za-z0-9+_-]/g, '_')}.npy`;
}

/** The file `ijb --scores DIR` writes for an aggregation. */
export function scoresFile(dir: string, aggregation: string): string {
  return join(dir, scoresFileName(aggregation));
}

export async function runPairedDelta(opts: PairedOptions): Promise<PairedResult> {
  const { a, b } = opts;
  if (a.protocol !== 'ijb-1v1') throw new DataError(`${a.file}: --paired needs ijb-1v1 results, found ${a.protocol}`);
  checkComparable(a, b);
  const paths = ijbMetaPaths(opts.root, a.dataset as IjbTarget);
  const ids = new Map<number, number>();
  // Templates are numbered as they appear (count unknown yet: 32-bit indices).
  const pairs = readTemplatePairs(
    paths.pairs,
    (id) => {
      let k = ids.get(id);
      if (k === undefined) ids.set(id, (k = ids.size));
      return k;
    },
    Number.POSITIVE_INFINITY,
  );
  // Number templates by ascending id, as ijb does: the same seed then draws the same templates, and
  // each side's interval equals the one `ijb --bootstrap` reports.
  const rank = new Int32Array(ids.size);
  [...ids.entries()].sort((x, y) => x[0] - y[0]).forEach(([, k], r) => (rank[k] = r));
  for (let p = 0; p < pairs.first.length; p++) {
    pairs.first[p] = rank[pairs.first[p]];
    pairs.second[p] = rank[pairs.second[p]];
  }
  if (a.counts?.pairs !== undefined && a.counts.pairs !== pairs.labels.length) {
    throw new DataError(`${paths.pairs}: has ${pairs.labels.length} pairs but ${a.file} was computed on ${a.counts.pairs}: wrong --root, or pairs dropped with unreadable faces (--paired needs every pair scored)?`);
  }
  const aggregations = a.rows.map((r) => r.name).filter((n) => b.rows.some((r) => r.name === n));
  if (aggregations.length === 0) throw new DataError(`${a.file} and ${b.file} have no aggregation in common`);
  const rows: PairedRow[] = [];
  let strata = '';
  for (const agg of aggregations) {
    const rowA = a.rows.find((r) => r.name === agg)!;
    const rowB = b.rows.find((r) => r.name === agg)!;
    // A null TAR is a FAR target the data cannot resolve: nothing to compare there.
    const tarsA = rowA.metrics.filter((m) => tarTarget(m.key) !== undefined && !Number.isNaN(m.value));
    for (const m of tarsA) if (!rowB.metrics.some((x) => x.key === m.key)) throw new DataError(`${b.file}: '${agg}' has no ${m.key}, which ${a.file} has`);
    const fars = tarsA.map((m) => tarTarget(m.key)!);
    const rule = a.rule as TarRule;
    const sides = [
      { file: a, row: rowA, dir: opts.scoresA, flag: '--scores-a' },
      { file: b, row: rowB, dir: opts.scoresB, flag: '--scores-b' },
    ].map((side) => {
      const stored = (far: number): number => side.row.metrics.find((m) => m.key === tarKey(far))!.value;
      const file = scoresFile(side.dir, agg);
      const scores = readNpyScores(file);
      if (scores.length !== pairs.labels.length) throw new DataError(`${file}: has ${scores.length} scores for ${pairs.labels.length} pairs in ${paths.pairs}`);
      for (let p = 0; p < scores.length; p++) {
        if (Number.isNaN(scores[p])) throw new DataError(`${file}: score ${p} is NaN (a pair dropped with faces the feature store could not read): --paired needs every pair scored`);
      }
      // The scores must reproduce the result they claim to belong to.
      let sortedImpostorScores: Float64Array | Float32Array | undefined;
      const check = evaluateScores(agg, scores, pairs.labels, { fars, rule }, (s) => (sortedImpostorScores = s.impostor));
      for (const t of check.tarAtFar) {
        if (t.tar !== stored(t.target)) {
          throw new DataError(`${file}: these scores give TAR@${farKey(t.target)} = ${t.tar} for '${agg}', but ${side.file.file} says ${stored(t.target)} (${side.flag} points at another run?)`);
        }
      }
      return { scores, sortedImpostorScores, tar: check.tarAtFar.map((t) => t.tar) };
    });
    const boot: BootstrapResult[] = [];
    for (const [k, side] of sides.entries()) {
      const t0 = performance.now();
      boot.push(
        await bootstrapParallel(
          { first: pairs.first, second: pairs.second, labels: pairs.labels, scores: side.scores, sortedImpostorScores: side.sortedImpostorScores },
          { replicates: opts.replicates, seed: opts.seed, ci: opts.ci, targets: fars, rule },
          opts.threads,
        ),
      );
      opts.onStage?.(`bootstrap ${agg} (${k === 0 ? 'A' : 'B'}, ${opts.replicates} replicates)`, performance.now() - t0);
    }
    strata = boot[0].strata;
    const lo = (100 - opts.ci) / 200;
    const hi = (100 + opts.ci) / 200;
    fars.forEach((far, t) => {
      const d = boot[1].values[t].map((v, r) => v - boot[0].values[t][r]);
      rows.push({
        aggregation: agg,
        target: farKey(far),
        tarA: sides[0].tar[t],
        tarB: sides[1].tar[t],
        delta: sides[1].tar[t] - sides[0].tar[t],
        ci: [percentile(d, lo), percentile(d, hi)],
        ciA: boot[0].intervals[t],
        ciB: boot[1].intervals[t],
      });
    });
  }
  return { rows, replicates: opts.replicates, seed: opts.seed, ci: opts.ci, strata };
}
