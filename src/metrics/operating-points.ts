/**
 * Biometric operating points of one score set (ISO/IEC 19795-1 and FVC names), on the sorted genuine
 * and impostor scores of roc.ts. PURE.
 *
 * Conventions (those of bob.measure `farfrr` and of roc.ts): higher score = more similar; a
 * comparison is accepted when `score >= threshold`, so an impostor exactly at the threshold is a
 * false match and a genuine exactly at it is a match. FMR = false matches / impostors, FNMR = false
 * non-matches / genuine, both counts / totals in float64.
 */
import { numpyMeanStd } from '../numeric/numpy.js';
import type { SortedScores } from './roc.js';
import { countAtLeast, isResolvableFar, tarAtFarLe } from './tar-at-far.js';

export interface ErrorRates {
  /** Accept when `score >= threshold`; +Infinity accepts nothing. */
  threshold: number;
  /** False match rate: impostors with `score >= threshold` / impostors. */
  fmr: number;
  /** False non-match rate: genuine with `score < threshold` / genuine. */
  fnmr: number;
  /** Half total error rate (fmr + fnmr) / 2. */
  hter: number;
  falseAccepts: number;
  falseRejects: number;
}

/** FMR, FNMR and HTER at a threshold: bob.measure `farfrr` and bob's HTER (`(far + frr) / 2`). */
export function errorRatesAt(sorted: SortedScores, threshold: number): ErrorRates {
  const P = sorted.genuine.length;
  const N = sorted.impostor.length;
  const falseAccepts = countAtLeast(sorted.impostor, threshold);
  const falseRejects = P - countAtLeast(sorted.genuine, threshold);
  const fmr = falseAccepts / N;
  const fnmr = falseRejects / P;
  return { threshold, fmr, fnmr, hter: (fmr + fnmr) / 2, falseAccepts, falseRejects };
}

export interface Decision extends ErrorRates {
  /** bob.measure `precision_recall`: true matches / all matches (1 as denominator when nothing matches). */
  precision: number;
  /** True matches / genuine (= 1 − fnmr). */
  recall: number;
  /** bob.measure `f_score` with weight 1: 2·precision·recall / (precision + recall), 0 when both are 0. */
  f1: number;
}

/** What bob's `measure metrics` prints for a threshold: FMR, FNMR, HTER, precision, recall, F1. */
export function decisionAt(sorted: SortedScores, threshold: number): Decision {
  const rates = errorRatesAt(sorted, threshold);
  const P = sorted.genuine.length;
  const trueAccepts = P - rates.falseRejects;
  const precision = trueAccepts / (trueAccepts + rates.falseAccepts || 1);
  const recall = trueAccepts / P;
  const f1 = precision === 0 && recall === 0 ? 0 : ((1 + 1) * (precision * recall)) / (precision + recall);
  return { ...rates, precision, recall, f1 };
}

export interface FnmrAtFmr extends ErrorRates {
  /** The requested FMR. */
  target: number;
  /**
   * False when the impostors cannot resolve the target (0 < target < 1 / impostors): any threshold
   * then gives FMR 0 or FMR above the target, so the number says nothing about that operating point.
   */
  resolvable: boolean;
}

/**
 * FMR100 (target 1e-2), FMR1000 (1e-3), ZeroFMR (0): the lowest FNMR among thresholds with
 * FMR <= target (the FVC2000 / ISO definition). Its false matches are bob.measure `far_threshold`'s
 * (the largest tie-block boundary within the target); its threshold is the lowest score that keeps
 * them — just above the first impostor that must be rejected — where bob's sits on the last accepted
 * impostor, so genuine scores in between count as matches here and as non-matches in bob.
 */
export function fnmrAtFmr(sorted: SortedScores, target: number): FnmrAtFmr {
  const point = tarAtFarLe(sorted, target);
  const N = sorted.impostor.length;
  return { ...errorRatesAt(sorted, point.threshold), target, resolvable: target === 0 || isResolvableFar(target, N) };
}

/** ZeroFNMR: the lowest FMR with no false non-match — the threshold is the lowest genuine score. */
export function fmrAtZeroFnmr(sorted: SortedScores): ErrorRates {
  const G = sorted.genuine;
  return errorRatesAt(sorted, G.length ? G[G.length - 1] : Infinity);
}

/** Mean and population standard deviation (numpy `mean`, `std` with ddof 0). */
export interface Moments {
  mean: number;
  std: number;
}

/** numpy's `mean(x)` and `std(x)` (numeric/numpy.ts): they round as pyeer's do when `values` is in the file's order. */
export function moments(values: Float64Array): Moments {
  return numpyMeanStd(values);
}

/**
 * Sensitivity index (decidability) d′ = |μ_genuine − μ_impostor| / sqrt((σ²_genuine + σ²_impostor) / 2)
 * with population standard deviations, as pyeer `get_decidability_value` (NICE:II). NaN when both
 * standard deviations are 0 (pyeer returns 1 there).
 */
export function decidability(genuine: Moments, impostor: Moments): number {
  if (genuine.std === 0 && impostor.std === 0) return NaN;
  return Math.abs(genuine.mean - impostor.mean) / Math.sqrt(0.5 * (genuine.std ** 2 + impostor.std ** 2));
}
