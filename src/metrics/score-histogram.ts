/**
 * Histograms of genuine and impostor scores on one shared set of equal-width bins. PURE.
 */
import type { SortedScores } from './roc.js';

export interface ScoreHistogram {
  /** bins + 1 increasing edges; bin i holds scores in [edges[i], edges[i+1]) — the last bin also its right edge. */
  edges: Float64Array;
  /** Element i: genuine scores in bin i. */
  genuine: Float64Array;
  /** Element i: impostor scores in bin i. */
  impostor: Float64Array;
}

/** `bins` equal-width bins from the lowest to the highest score of either side. */
export function scoreHistogram(sorted: SortedScores, bins: number): ScoreHistogram {
  const { genuine: G, impostor: I } = sorted;
  const lo = Math.min(G.length ? G[G.length - 1] : Infinity, I.length ? I[I.length - 1] : Infinity);
  const hi = Math.max(G.length ? G[0] : -Infinity, I.length ? I[0] : -Infinity);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => (i === bins ? Math.max(hi, lo + width * bins) : lo + i * width));
  const count = (values: Float64Array | Float32Array): Float64Array => {
    const out = new Float64Array(bins);
    for (let k = 0; k < values.length; k++) out[Math.min(bins - 1, Math.floor((values[k] - lo) / width))]++;
    return out;
  };
  return { edges, genuine: count(G), impostor: count(I) };
}
