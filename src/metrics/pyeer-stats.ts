/**
 * pyeer's operating points (`get_eer_stats` of pyeer/eer_info.py), from the sorted scores — what a
 * pyeer user sees in `pyeer_report.csv`, so facebench can print it beside its own numbers. PURE.
 *
 * pyeer's curve has one vertex per distinct score t (FMR = impostors >= t / N, FNMR = genuine < t / P),
 * unlike sklearn's curve, with no vertex above the highest score unless its histogram input adds one
 * (`topVertex`). Its operating points pick the vertex whose FMR is NEAREST the target (it may lie
 * above it; on equal distance the larger FMR; among vertices of one FMR the lowest FNMR); its EER is
 * FVC2000's: the midpoint of FMR and FNMR at the vertex where the two curves cross.
 */
import type { RocCurve, SortedScores } from './roc.js';
import { allowedFalseAccepts, countAtLeast, countGreater } from './tar-at-far.js';

export interface PyeerPoint {
  fmr: number;
  fnmr: number;
  /** The vertex's threshold (accept `score >= threshold`); +Infinity for the top vertex. */
  threshold: number;
}

/** pyeer's optional vertex above every score (its histogram form adds one): its threshold. */
export type TopVertex = number | undefined;

/**
 * pyeer `get_fmr_op(fmr, fnmr, target)`: FMR100 (1e-2), FMR1000 (1e-3), FMR20 (5e-2), FMR10 (1e-1),
 * ZeroFMR (0). The FNMR of the vertex whose FMR is nearest the target.
 */
export function pyeerFmrOperatingPoint(sorted: SortedScores, target: number, topVertex: TopVertex = undefined): PyeerPoint {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const N = I.length;
  // The vertices' false-accept counts are the impostor tie-block boundaries. The nearest lie on either
  // side of the first impostor (in descending order) whose acceptance would pass the target.
  const blocked = allowedFalseAccepts(target, N);
  if (blocked >= N) return vertexWithFalseAccepts(sorted, N, topVertex);
  const above = countAtLeast(I, I[blocked]);
  const below = countGreater(I, I[blocked]);
  const belowExists = below > 0 || (G.length > 0 && G[0] > I[0]) || topVertex !== undefined;
  const chosen = belowExists && Math.abs(below / N - target) < Math.abs(above / N - target) ? below : above;
  return vertexWithFalseAccepts(sorted, chosen, topVertex);
}

/** The lowest-threshold vertex with `falseAccepts` false matches (the one with the lowest FNMR). */
function vertexWithFalseAccepts(sorted: SortedScores, falseAccepts: number, topVertex: TopVertex): PyeerPoint {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const P = G.length;
  const N = I.length;
  // Thresholds with exactly `falseAccepts` false matches lie above the next impostor I[falseAccepts].
  const matches = falseAccepts < N ? countGreater(G, I[falseAccepts]) : P;
  let threshold: number;
  if (falseAccepts >= N) threshold = Math.min(P ? G[P - 1] : Infinity, I[N - 1]);
  else threshold = Math.min(matches > 0 ? G[matches - 1] : Infinity, falseAccepts > 0 ? I[falseAccepts - 1] : Infinity);
  if (threshold === Infinity && topVertex !== undefined) threshold = topVertex;
  return { fmr: falseAccepts / N, fnmr: (P - matches) / P, threshold };
}

export interface PyeerEer {
  eer: number;
  /** FVC2000's interval [EERlow, EERhigh] around the crossing. */
  eerLow: number;
  eerHigh: number;
  threshold: number;
  /** False when FMR never drops to FNMR (pyeer warns and reports 1). */
  crossed: boolean;
}

/**
 * pyeer `get_eer_values`: walking the vertices by increasing threshold, t2 is the first with
 * FMR <= FNMR and t1 the one before (unless they are equal at t2); of the two, the one with the
 * smaller FMR + FNMR (t1 on a tie) gives EER = (FMR + FNMR) / 2 and EERlow, EERhigh = its two rates.
 */
export function pyeerEer(sorted: SortedScores, topVertex: TopVertex = undefined): PyeerEer {
  const G = sorted.genuine;
  const I = sorted.impostor;
  const P = G.length;
  const N = I.length;
  let below = { fmr: NaN, fnmr: NaN, threshold: NaN };
  let genuineBelow = 0;
  let impostorsBelow = 0;
  const visit = (fmr: number, fnmr: number, threshold: number, first: boolean): PyeerEer | undefined => {
    if (fmr - fnmr > 0) {
      below = { fmr, fnmr, threshold };
      return undefined;
    }
    const t1 = !first && fmr - fnmr !== 0 ? below : { fmr, fnmr, threshold };
    if (t1.fmr + t1.fnmr <= fmr + fnmr) return { eerLow: t1.fnmr, eerHigh: t1.fmr, eer: (t1.fnmr + t1.fmr) / 2, threshold: t1.threshold, crossed: true };
    return { eerLow: fmr, eerHigh: fnmr, eer: (fnmr + fmr) / 2, threshold, crossed: true };
  };
  let first = true;
  while (genuineBelow < P || impostorsBelow < N) {
    const g = genuineBelow < P ? G[P - 1 - genuineBelow] : Infinity;
    const i = impostorsBelow < N ? I[N - 1 - impostorsBelow] : Infinity;
    const t = Math.min(g, i);
    const found = visit((N - impostorsBelow) / N, genuineBelow / P, t, first);
    if (found) return found;
    first = false;
    while (genuineBelow < P && G[P - 1 - genuineBelow] === t) genuineBelow++;
    while (impostorsBelow < N && I[N - 1 - impostorsBelow] === t) impostorsBelow++;
  }
  if (topVertex !== undefined) {
    const found = visit(0, 1, topVertex, first);
    if (found) return found;
  }
  const lowest = Math.min(P ? G[P - 1] : Infinity, N ? I[N - 1] : Infinity);
  return { eer: 1, eerLow: 1, eerHigh: 1, threshold: lowest, crossed: false };
}

/**
 * pyeer `calculate_roc_auc`: the trapezoid over pyeer's vertices — sklearn's area without the segment
 * from (0, 0) to the highest score's vertex, which pyeer's curve lacks unless it has a top vertex.
 * `auc` is `areaUnderCurve(roc)`.
 */
export function pyeerAuc(roc: RocCurve, auc: number, topVertex: TopVertex = undefined): number {
  if (topVertex !== undefined || roc.fpr.length < 2) return auc;
  return auc - (roc.fpr[1] * roc.tpr[1]) / 2;
}
