/**
 * Cluster labels as the metrics take them: dense ids ranked by label value (id 0 = the smallest
 * label), so that "sorted by label" — the order numpy's `np.unique` gives and in which sklearn and
 * learn-to-cluster sum their terms — is simply ascending id. PURE.
 */

import { denseRanks } from '../numeric/numpy-argsort.js';

/** The label learn-to-cluster's `write_meta` and facebench give a face left unclustered. */
export const UNCLUSTERED = -1;

/**
 * Element i: the rank of values[i] among the distinct values (0 = smallest). `count` is the number
 * of distinct values.
 */
export function rankLabels(values: ArrayLike<number>): { ids: Int32Array; count: number } {
  const { ranks, distinct } = denseRanks(Float64Array.from(values));
  return { ids: ranks, count: distinct.length };
}

/**
 * Every face labelled −1 becomes a cluster of its own (as learn-to-cluster's `write_meta` writes
 * them): element i is values[i], or, for the k-th −1 in file order, (largest label) + 1 + k.
 */
export function unclusteredToSingletons(values: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] !== UNCLUSTERED && values[i] > max) max = values[i];
  let next = Number.isFinite(max) ? max + 1 : 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] === UNCLUSTERED ? next++ : values[i];
  return out;
}

/**
 * Relabels a clustering by first appearance: element i is the number of distinct clusters met
 * before face i's cluster first appears (face 0 is in cluster 0). Two labelings of the same
 * partition give the same result; −1 (noise) stays −1.
 */
export function canonicalLabels(labels: ArrayLike<number>): Int32Array {
  const out = new Int32Array(labels.length);
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === UNCLUSTERED) {
      out[i] = UNCLUSTERED;
      continue;
    }
    let id = seen.get(v);
    if (id === undefined) seen.set(v, (id = seen.size));
    out[i] = id;
  }
  return out;
}

/** Element c: the number of faces with id c (ids 0 … count − 1). */
export function clusterSizes(ids: Int32Array, count: number): Int32Array {
  const sizes = new Int32Array(count);
  for (let i = 0; i < ids.length; i++) sizes[ids[i]]++;
  return sizes;
}
