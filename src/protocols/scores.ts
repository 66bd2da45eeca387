/**
 * Score-level evaluation: score files from anywhere (bob, pyeer, facebench's own `ijb --scores`, a
 * generic CSV) → everything `ijb` reports (TAR@FAR under a rule, AUC, EER) plus the operating points
 * bob.measure and pyeer users expect (FMR100, FMR1000, ZeroFMR, ZeroFNMR, d′, minimum HTER, bob's
 * dev → eval threshold transfer, EPC) and pyeer's own numbers beside them. No printing: returns a
 * result object; docs/scores.md says which definition each number follows.
 */
import { basename } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { readBobScores } from '../io/bob-scores.js';
import { readIjbScores } from '../io/ijb-scores.js';
import type { IjbTarget } from '../io/ijb-meta.js';
import { pyeerHistogramTopThreshold, readPyeerHistogram, readPyeerScores } from '../io/pyeer-scores.js';
import { readScoreCsv } from '../io/score-csv.js';
import type { LabelledScores } from '../io/score-text.js';
import { eerThreshold, expectedPerformanceCurve, minWeightedErrorThreshold, type ExpectedPerformanceCurve } from '../metrics/bob-thresholds.js';
import {
  decidability,
  decisionAt,
  fmrAtZeroFnmr,
  fnmrAtFmr,
  moments,
  type Decision,
  type ErrorRates,
  type FnmrAtFmr,
  type Moments,
} from '../metrics/operating-points.js';
import { pyeerAuc, pyeerEer, pyeerFmrOperatingPoint, type PyeerEer, type PyeerPoint, type TopVertex } from '../metrics/pyeer-stats.js';
import { areaUnderCurve, equalErrorRate, rocCurve, type RocCurve, type SortedScores } from '../metrics/roc.js';
import { scoreHistogram, type ScoreHistogram } from '../metrics/score-histogram.js';
import { sortScoresDescending } from '../metrics/decimal-sort.js';
import { tarAtFar, tarAtFarBob, unresolvableFarWarnings, type TarAtFar, type TarRule } from '../metrics/tar-at-far.js';
import { thinRocCurve, type ThinCurve } from '../metrics/thin-curve.js';
import { timed } from './stage-timer.js';

/** Where one score set comes from. */
export type ScoreInput =
  /** A bob score file: 4 or 5 columns (genuine when claimed_id = real_id) or bob.measure's 2 (`±1 score`). */
  | { format: 'bob'; file: string }
  /** pyeer's files: one score per line (last column). */
  | { format: 'pyeer'; genuine: string; impostor: string }
  /** pyeer's genuine file and its impostor histogram (line i = count of impostor score i). */
  | { format: 'pyeer-histogram'; genuine: string; impostorHistogram: string }
  /** `ijb --scores DIR` (.npy per aggregation) with the pair file of `root`: one set per aggregation. */
  | { format: 'ijb'; dir: string; root: string; target: IjbTarget; aggregations?: string[] }
  /** `score,label[,fold]` (label 1 genuine, 0 impostor). */
  | { format: 'csv'; file: string };

export interface ScoreSetSpec {
  input: ScoreInput;
  /** The set's name (--label); default: the file name (pyeer: the genuine file's, as pyeer does). An ijb input gives `label · aggregation`. */
  label?: string;
  /** bob's evaluation set (--eval): the decision threshold chosen on `input` is applied to it, and the EPC runs dev → eval. */
  evaluation?: ScoreInput;
}

/** bob `measure metrics --criterion`: how the decision threshold is chosen on the (dev) set. */
export type ThresholdCriterionName = 'eer' | 'min-hter' | 'far';

export interface ScoresOptions {
  sets: ScoreSetSpec[];
  /** TAR@FAR targets (rates in (0, 1]). */
  fars: number[];
  rule: TarRule;
  /** Scores are distances (lower = more similar): negated on reading; thresholds are reported back in distance units. */
  distance: boolean;
  criterion: ThresholdCriterionName;
  /** The FMR target of criterion `far` (bob's --far-value). */
  criterionFar?: number;
  /** Points of the EPC (bob's `epc`; O(points × scores) time); 0 = none. */
  epcPoints: number;
  /** Bins of the genuine / impostor score histograms (kept with `curves`). */
  histogramBins: number;
  /** Keep the thinned ROC and the histograms in the result (JSON `--curve`, plots). */
  curves: boolean;
  /** Called when a stage ends (`read <label>`, `evaluate <label>`), with its wall time; for progress lines and the bench. */
  onStage?: (stage: string, ms: number) => void;
}

export const DEFAULT_SCORE_FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
export const DEFAULT_EPC_POINTS = 51;
export const DEFAULT_HISTOGRAM_BINS = 100;

export type ScoreFormat = 'bob-2' | 'bob-4' | 'bob-5' | 'pyeer' | 'pyeer-histogram' | 'ijb' | 'csv';

export interface ScoreCounts {
  genuine: number;
  impostor: number;
  /** Comparisons left out for a NaN score. */
  droppedNan: number;
}

/** pyeer's report for the set (pyeer-stats.ts), thresholds in pyeer's sense (its own scores). */
export interface PyeerReport {
  fmr100: PyeerPoint;
  fmr1000: PyeerPoint;
  /** FNMR at FMR 5 % (pyeer's FMR20) and 10 % (FMR10). */
  fmr20: PyeerPoint;
  fmr10: PyeerPoint;
  zeroFmr: PyeerPoint;
  zeroFnmr: ErrorRates;
  eer: PyeerEer;
  auc: number;
}

export interface ScoreSetResult {
  label: string;
  format: ScoreFormat;
  counts: ScoreCounts;
  /** Per target, under `rule` (`resolvable` false when target < 1 / impostors: the TAR is then withheld). */
  tarAtFar: TarAtFar[];
  auc: number;
  eer: number;
  eerThreshold: number;
  fmr100: FnmrAtFmr;
  fmr1000: FnmrAtFmr;
  zeroFmr: FnmrAtFmr;
  zeroFnmr: ErrorRates;
  genuineMoments: Moments;
  impostorMoments: Moments;
  dPrime: number;
  /** Rates at bob's `min_hter_threshold`. */
  minHter: ErrorRates;
  /** bob `measure metrics`: the threshold chosen on this set by the criterion, its rates here and on the evaluation set. */
  decision: { criterion: ThresholdCriterionName; far?: number; threshold: number; dev: Decision; evaluation?: Decision & { counts: ScoreCounts } };
  pyeer: PyeerReport;
  /** Per fold of a CSV with a fold column: TAR@FAR under `rule` and EER. */
  folds?: { fold: number; genuine: number; impostor: number; tarAtFar: TarAtFar[]; eer: number }[];
  curve?: ThinCurve;
  histogram?: ScoreHistogram;
  /** dev → eval with an evaluation set, else the set on itself. */
  epc?: ExpectedPerformanceCurve;
}

export interface ScoresResult {
  protocol: 'scores';
  rule: TarRule;
  distance: boolean;
  results: ScoreSetResult[];
  warnings: string[];
}

/** One loaded score set, before sorting. */
interface LoadedSet extends LabelledScores {
  label: string;
  format: ScoreFormat;
  /** Where it came from, for messages. */
  source: string;
  folds?: { fold: number; genuine: Float64Array; impostor: Float64Array }[];
  pyeerTop?: number;
}

export function evaluateScoreFiles(opts: ScoresOptions): ScoresResult {
  checkOptions(opts);
  const warnings: string[] = [];
  const results: ScoreSetResult[] = [];
  for (const spec of opts.sets) {
    const name = spec.label ?? describeInput(spec.input);
    const loaded = timed(`read ${name}`, opts.onStage, () => loadInput(spec.input, spec.label));
    const evaluation = spec.evaluation ? timed(`read ${name} (eval)`, opts.onStage, () => loadInput(spec.evaluation!, undefined)) : undefined;
    if (evaluation && (loaded.length !== 1 || evaluation.length !== 1)) {
      throw new UsageError(`an evaluation set needs one development set and one evaluation set (${loaded[0].source} gives ${loaded.length})`);
    }
    for (const set of loaded) results.push(timed(`evaluate ${set.label}`, opts.onStage, () => evaluateSet(set, evaluation?.[0], opts, warnings)));
  }
  const labels = results.map((r) => r.label);
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
  if (repeated !== undefined) throw new UsageError(`two score sets are named '${repeated}': name them with --label`);
  return { protocol: 'scores', rule: opts.rule, distance: opts.distance, results, warnings };
}

function checkOptions(opts: ScoresOptions): void {
  if (opts.sets.length === 0) throw new UsageError('no score set given');
  for (const far of opts.fars) if (!(far > 0 && far <= 1)) throw new UsageError(`FAR target ${far} is not in (0, 1]`);
  if (opts.criterion === 'far' && !(opts.criterionFar !== undefined && opts.criterionFar >= 0 && opts.criterionFar <= 1)) {
    throw new UsageError('criterion far needs an FMR value in [0, 1]');
  }
  if (opts.epcPoints !== 0 && !(Number.isInteger(opts.epcPoints) && opts.epcPoints >= 2)) throw new UsageError(`EPC points must be 0 or a whole number >= 2, got ${opts.epcPoints}`);
  if (!(Number.isInteger(opts.histogramBins) && opts.histogramBins >= 1)) throw new UsageError(`histogram bins must be a whole number >= 1, got ${opts.histogramBins}`);
}

function describeInput(input: ScoreInput): string {
  return input.format === 'pyeer' || input.format === 'pyeer-histogram' ? input.genuine : input.format === 'ijb' ? input.dir : input.file;
}

function stem(file: string): string {
  return basename(file).replace(/\.[^.]*$/, '');
}

function loadInput(input: ScoreInput, label: string | undefined): LoadedSet[] {
  switch (input.format) {
    case 'bob': {
      const s = readBobScores(input.file);
      return [{ ...s, label: label ?? stem(input.file), format: `bob-${s.columns}`, source: input.file }];
    }
    case 'pyeer': {
      const genuine = readPyeerScores(input.genuine);
      const impostor = readPyeerScores(input.impostor);
      return [{ genuine, impostor, droppedNan: 0, label: label ?? basename(input.genuine), format: 'pyeer', source: `${input.genuine} + ${input.impostor}` }];
    }
    case 'pyeer-histogram': {
      const genuine = readPyeerScores(input.genuine);
      const histogram = readPyeerHistogram(input.impostorHistogram);
      const pyeerTop = pyeerHistogramTopThreshold(genuine, histogram);
      return [{ genuine, impostor: histogram.impostor, droppedNan: 0, label: label ?? basename(input.genuine), format: 'pyeer-histogram', source: `${input.genuine} + ${input.impostorHistogram}`, pyeerTop }];
    }
    case 'ijb':
      return readIjbScores(input.dir, input.root, input.target, input.aggregations).map((s) => ({
        ...s,
        label: label ? `${label} · ${s.name}` : s.name,
        format: 'ijb',
        source: `${input.dir}/${s.name}.npy`,
      }));
    case 'csv': {
      const s = readScoreCsv(input.file);
      return [{ ...s, label: label ?? stem(input.file), format: 'csv', source: input.file }];
    }
  }
}

/**
 * The set's scores, negated when they are distances, sorted in descending order IN PLACE (the set's
 * file order is gone afterwards).
 */
function sortInPlace(set: Pick<LabelledScores, 'genuine' | 'impostor'>, distance: boolean): SortedScores {
  const prepare = (v: Float64Array): Float64Array => {
    if (distance) for (let i = 0; i < v.length; i++) v[i] = -v[i];
    return sortScoresDescending(v);
  };
  return { genuine: prepare(set.genuine), impostor: prepare(set.impostor) };
}

function requireBothSides(set: LoadedSet): void {
  if (set.genuine.length === 0) throw new DataError(`${set.source}: no genuine scores (set '${set.label}'): FNMR and TAR are undefined`);
  if (set.impostor.length === 0) throw new DataError(`${set.source}: no impostor scores (set '${set.label}'): FMR is undefined`);
}

function evaluateSet(set: LoadedSet, evaluation: LoadedSet | undefined, opts: ScoresOptions, warnings: string[]): ScoreSetResult {
  requireBothSides(set);
  const warn = (what: string): void => void warnings.push(`${set.label}: ${what}`);
  if (set.droppedNan > 0) warn(`${set.droppedNan} comparisons with a NaN score left out (bob: failure to acquire; ijb: pair of an emptied template)`);
  // Moments first, in file order (numpy's pairwise sums depend on it); the distance sign does not change |Δμ| or σ.
  const genuineMoments = moments(set.genuine);
  const impostorMoments = moments(set.impostor);
  const dPrime = decidability(genuineMoments, impostorMoments);
  if (Number.isNaN(dPrime)) warn("d' is undefined: both score distributions have zero spread (pyeer prints 1)");
  const sorted = sortInPlace(set, opts.distance);
  const N = sorted.impostor.length;
  const roc = rocCurve(sorted);
  const eer = equalErrorRate(roc);
  const auc = areaUnderCurve(roc);
  for (const w of unresolvableFarWarnings(opts.fars, N, 'impostor scores')) warn(w);
  const fmr100 = fnmrAtFmr(sorted, 1e-2);
  const fmr1000 = fnmrAtFmr(sorted, 1e-3);
  for (const point of [fmr100, fmr1000]) if (!point.resolvable) warn(`FNMR at FMR ${point.target} withheld: ${N} impostor scores cannot resolve it`);
  const minHterThreshold = minWeightedErrorThreshold(sorted, 0.5);
  const threshold = opts.criterion === 'eer' ? eerThreshold(sorted) : opts.criterion === 'min-hter' ? minHterThreshold : tarAtFarBob(sorted, opts.criterionFar!).threshold;
  let evaluationDecision: ScoreSetResult['decision']['evaluation'];
  let evaluationSorted: SortedScores | undefined;
  if (evaluation) {
    requireBothSides(evaluation);
    if (evaluation.droppedNan > 0) warn(`evaluation set: ${evaluation.droppedNan} comparisons with a NaN score left out`);
    evaluationSorted = sortInPlace(evaluation, opts.distance);
    const counts = { genuine: evaluation.genuine.length, impostor: evaluation.impostor.length, droppedNan: evaluation.droppedNan };
    evaluationDecision = { ...decisionAt(evaluationSorted, threshold), counts };
  }
  const result: ScoreSetResult = {
    label: set.label,
    format: set.format,
    counts: { genuine: set.genuine.length, impostor: N, droppedNan: set.droppedNan },
    tarAtFar: opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far)),
    auc,
    eer: eer.eer,
    eerThreshold: eer.threshold,
    fmr100,
    fmr1000,
    zeroFmr: fnmrAtFmr(sorted, 0),
    zeroFnmr: fmrAtZeroFnmr(sorted),
    genuineMoments,
    impostorMoments,
    dPrime,
    minHter: decisionAt(sorted, minHterThreshold),
    decision: { criterion: opts.criterion, ...(opts.criterion === 'far' ? { far: opts.criterionFar } : {}), threshold, dev: decisionAt(sorted, threshold), ...(evaluationDecision ? { evaluation: evaluationDecision } : {}) },
    pyeer: pyeerReport(sorted, auc, roc, set.pyeerTop, opts.distance),
  };
  if (!result.pyeer.eer.crossed) warn('pyeer EER: FMR never falls to FNMR (pyeer reports 1 and asks whether the scores are distances)');
  if (set.folds) {
    result.folds = set.folds.map((f) => evaluateFold(f, opts));
    for (const f of result.folds) if (f.genuine === 0 || f.impostor === 0) warn(`fold ${f.fold} has no ${f.genuine === 0 ? 'genuine' : 'impostor'} scores: its TAR@FAR and EER are undefined`);
  }
  if (opts.curves) {
    result.curve = thinRocCurve(roc);
    result.histogram = scoreHistogram(sorted, opts.histogramBins);
  }
  if (opts.epcPoints > 0) result.epc = expectedPerformanceCurve(sorted, evaluationSorted ?? sorted, opts.epcPoints);
  return result;
}

function pyeerReport(sorted: SortedScores, auc: number, roc: RocCurve, pyeerTop: number | undefined, distance: boolean): PyeerReport {
  // pyeer's histogram form with distances (-ht -ds) counts an impostor at the threshold as rejected but a
  // genuine as accepted; facebench does not follow that, so its top vertex is kept for similarities only.
  const top: TopVertex = distance ? undefined : pyeerTop;
  const point = (target: number): PyeerPoint => pyeerFmrOperatingPoint(sorted, target, top);
  return {
    fmr100: point(1e-2),
    fmr1000: point(1e-3),
    fmr20: point(5e-2),
    fmr10: point(1e-1),
    zeroFmr: point(0),
    zeroFnmr: fmrAtZeroFnmr(sorted),
    eer: pyeerEer(sorted, top),
    auc: pyeerAuc(roc, auc, top),
  };
}

function evaluateFold(fold: { fold: number; genuine: Float64Array; impostor: Float64Array }, opts: ScoresOptions): NonNullable<ScoreSetResult['folds']>[number] {
  if (fold.genuine.length === 0 || fold.impostor.length === 0) {
    return { fold: fold.fold, genuine: fold.genuine.length, impostor: fold.impostor.length, tarAtFar: [], eer: NaN };
  }
  const sorted = sortInPlace(fold, opts.distance);
  const roc = rocCurve(sorted);
  return {
    fold: fold.fold,
    genuine: fold.genuine.length,
    impostor: fold.impostor.length,
    tarAtFar: opts.fars.map((far) => tarAtFar(opts.rule, roc, sorted, far)),
    eer: equalErrorRate(roc).eer,
  };
}
