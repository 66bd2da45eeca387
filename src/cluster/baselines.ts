/**
 * The training-free clusterings and the per-face density, from the neighbour pass's results
 * (neighbour-pass.ts). PURE.
 *
 * - `fasthacLabels`: FastHAC's clusters from the components at one cut (labels by first appearance;
 *   scipy's `fcluster` numbers clusters in tree order, so its labels equal these up to renaming).
 * - `knnDbscan`: learn-to-cluster `knn_dbscan` — `fast_knns2spmat(knns, k, th_sim, use_sim=False)`
 *   (directed kNN graph: entry i → j for each j ≠ i in i's list whose float32 distance
 *   1 − similarity is ≥ th_sim) given to sklearn `DBSCAN(eps, min_samples, metric='precomputed')`.
 *   sklearn adds each face to its own neighbourhood (`setdiag`), takes the listed entries with
 *   distance ≤ eps, and labels by depth-first expansion from faces in index order
 *   (`dbscan_inner`): a face takes the label of the first expansion that reaches it, so on a
 *   directed graph the partition depends on that order. Reproduced, labels included.
 * - `knnDensity`: learn-to-cluster `vegcn/confidence.py` `density(dists, radius)`: over the kNN
 *   list, Σ (1 − d) for the entries with distance d < radius, accumulated in float32 in list order
 *   (the face itself included).
 * - `magnitudePeaks` (facebench's own): each face links to the most similar face with a strictly
 *   larger magnitude among its k nearest (learn-to-cluster's `confidence_to_peaks` with
 *   max_conn = 1 and the magnitude as the confidence) when their cosine is ≥ tau; clusters are the
 *   trees of those links, each rooted at a local magnitude peak.
 */
import { UNCLUSTERED, canonicalLabels } from '../metrics/cluster-labels.js';
import type { KnnLists } from './knn-lists.js';

/** Element i: face i's FastHAC cluster (0, 1, … by first appearance). */
export function fasthacLabels(components: Int32Array): Int32Array {
  return canonicalLabels(components);
}

/** The float32 distance faiss-based code derives from a float32 similarity: float32(1 − s). */
const distanceOf = (similarity: number): number => Math.fround(1 - similarity);

export interface KnnDbscanParams {
  eps: number;
  /** sklearn's min_samples (the face itself counts); learn-to-cluster uses 1. */
  minSamples: number;
  /** Entries with distance < thSim are dropped (learn-to-cluster's th_sim with use_sim=False); ≥ 0. */
  thSim: number;
}

/**
 * Element i: face i's sklearn DBSCAN label (clusters numbered in the order their expansion
 * starts), or −1 for noise (never with minSamples = 1).
 */
export function knnDbscan(lists: KnnLists, params: KnnDbscanParams): Int32Array {
  const rows = lists.offsets.length - 1;
  // Neighbourhoods as sklearn's radius_neighbors returns them: i itself plus its kept entries.
  const kept = (i: number, e: number): boolean => {
    if (lists.neighbours[e] === i) return false;
    const d = distanceOf(lists.similarities[e]);
    return d >= params.thSim && d <= params.eps;
  };
  const start = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    let count = 1;
    for (let e = lists.offsets[i]; e < lists.offsets[i + 1]; e++) if (kept(i, e)) count++;
    start[i + 1] = start[i] + count;
  }
  const members = new Int32Array(start[rows]);
  for (let i = 0; i < rows; i++) {
    let m = start[i];
    members[m++] = i;
    for (let e = lists.offsets[i]; e < lists.offsets[i + 1]; e++) if (kept(i, e)) members[m++] = lists.neighbours[e];
  }
  const labels = new Int32Array(rows).fill(UNCLUSTERED);
  const isCore = (i: number) => start[i + 1] - start[i] >= params.minSamples;
  let label = 0;
  const stack: number[] = [];
  for (let seed = 0; seed < rows; seed++) {
    if (labels[seed] !== UNCLUSTERED || !isCore(seed)) continue;
    let i = seed;
    for (;;) {
      if (labels[i] === UNCLUSTERED) {
        labels[i] = label;
        if (isCore(i)) {
          for (let m = start[i]; m < start[i + 1]; m++) if (labels[members[m]] === UNCLUSTERED) stack.push(members[m]);
        }
      }
      if (stack.length === 0) break;
      i = stack.pop()!;
    }
    label++;
  }
  return labels;
}

/** Element i: face i's density Σ (1 − d) over its list entries with distance d < radius (float32). */
export function knnDensity(lists: KnnLists, radius: number): Float32Array {
  const rows = lists.offsets.length - 1;
  const density = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let e = lists.offsets[i]; e < lists.offsets[i + 1]; e++) {
      const d = distanceOf(lists.similarities[e]);
      if (d < radius) sum = Math.fround(sum + (1 - d));
    }
    density[i] = sum;
  }
  return density;
}

/**
 * Element i of `parent`: the face i links to, or −1 (no face with a larger magnitude among its
 * list, or the most similar such face has cosine < tau). `labels`: the trees, numbered by first
 * appearance.
 */
export function magnitudePeaks(lists: KnnLists, magnitudes: Float32Array, tau: number): { parent: Int32Array; labels: Int32Array } {
  const rows = lists.offsets.length - 1;
  const parent = new Int32Array(rows).fill(-1);
  for (let i = 0; i < rows; i++) {
    for (let e = lists.offsets[i]; e < lists.offsets[i + 1]; e++) {
      const j = lists.neighbours[e];
      if (j === i || magnitudes[j] <= magnitudes[i]) continue;
      if (lists.similarities[e] >= tau) parent[i] = j;
      break;
    }
  }
  // Links go to strictly larger magnitudes: no cycles; each face's root is its peak.
  const root = new Int32Array(rows).fill(-1);
  const path: number[] = [];
  for (let i = 0; i < rows; i++) {
    let r = i;
    while (root[r] < 0 && parent[r] >= 0) {
      path.push(r);
      r = parent[r];
    }
    const peak = root[r] >= 0 ? root[r] : r;
    root[r] = peak;
    for (const p of path) root[p] = peak;
    path.length = 0;
  }
  return { parent, labels: canonicalLabels(root) };
}
