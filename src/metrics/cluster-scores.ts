/**
 * Scores of a clustering against the true identities (REFERENCE.md §9), each as its reference
 * computes it, in the reference's order of operations:
 *
 * - pairwise precision / recall / F — learn-to-cluster `evaluation/metrics.py` `pairwise` (its
 *   `fowlkes_mallows_score`): over the contingency table n_ij (classes × clusters) with class sizes
 *   a_i, cluster sizes b_j and N faces, P = (Σn_ij² − N)/(Σb_j² − N), R = (Σn_ij² − N)/(Σa_i² − N),
 *   F = 2PR/(P + R). The sums are exact integers; only the divisions round. P is undefined (NaN)
 *   when every predicted cluster is a singleton, R when every class is.
 * - BCubed precision / recall / F — learn-to-cluster `bcubed`: P = Σ_ij n_ij²/b_j / N,
 *   R = Σ_ij n_ij²/a_i / N, summed per class (classes in order of first appearance, clusters by
 *   label within a class), the per-class sums added with numpy's pairwise sum.
 * - NMI — sklearn `normalized_mutual_info_score(pred, truth)` (learn-to-cluster's argument order):
 *   mutual information over the non-zero cells, normalised by the arithmetic mean of the two
 *   entropies (sklearn ≥ 0.22, `arithmetic`) or their geometric mean (sklearn < 0.22 and
 *   `average_method='geometric'`, `geometric`). Both labelings a single cluster → 1; MI = 0 → 0.
 *
 * Inputs are dense ids ranked by label value (cluster-labels.ts `rankLabels`). PURE.
 */
import { pairwiseSum } from '../numeric/numpy.js';
import { clusterSizes } from './cluster-labels.js';

export interface PrecisionRecallF {
  /** NaN when undefined (see the module comment). */
  precision: number;
  recall: number;
  f: number;
}

export interface ClusterScores {
  /** Faces scored. */
  items: number;
  /** Distinct predicted clusters. */
  clusters: number;
  /** Predicted clusters of one face. */
  singletons: number;
  /** Distinct true identities. */
  classes: number;
  pairwise: PrecisionRecallF;
  bcubed: PrecisionRecallF;
  nmi: { arithmetic: number; geometric: number };
}

/** Labels as dense ids: ids[i] in 0 … count − 1, ranked by the original label value. */
export interface DenseLabels {
  ids: Int32Array;
  count: number;
}

/**
 * The non-zero cells of the contingency table, ordered by predicted cluster then class (the order
 * of scipy's `sp.find` on sklearn's sparse contingency(pred, truth)).
 */
interface Contingency {
  /** Element c: the predicted cluster of cell c. */
  cluster: Int32Array;
  /** Element c: the class of cell c. */
  klass: Int32Array;
  /** Element c: the number of faces of class klass[c] in cluster cluster[c]. */
  count: Float64Array;
}

function contingency(truth: DenseLabels, pred: DenseLabels): Contingency {
  const n = truth.ids.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = pred.ids[i] * truth.count + truth.ids[i];
  keys.sort();
  let cells = 0;
  for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[i - 1]) cells++;
  const cluster = new Int32Array(cells);
  const klass = new Int32Array(cells);
  const count = new Float64Array(cells);
  let c = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || keys[i] !== keys[i - 1]) {
      c++;
      cluster[c] = Math.floor(keys[i] / truth.count);
      klass[c] = keys[i] - cluster[c] * truth.count;
    }
    count[c]++;
  }
  return { cluster, klass, count };
}

const fScore = (p: number, r: number): number => (2 * p * r) / (p + r);

function pairwiseScores(t: Contingency, items: number, classSizes: Int32Array, clusterSizes: Int32Array): PrecisionRecallF {
  let tk = -items, pk = -items, qk = -items;
  for (let c = 0; c < t.count.length; c++) tk += t.count[c] * t.count[c];
  for (let j = 0; j < clusterSizes.length; j++) pk += clusterSizes[j] * clusterSizes[j];
  for (let i = 0; i < classSizes.length; i++) qk += classSizes[i] * classSizes[i];
  // 0/0 → NaN, as numpy gives (with a warning); the reporters write null.
  const precision = tk / pk;
  const recall = tk / qk;
  return { precision, recall, f: fScore(precision, recall) };
}

function bcubedScores(t: Contingency, truth: DenseLabels, classSizes: Int32Array, clusterSizes: Int32Array): PrecisionRecallF {
  // Classes in order of first appearance (learn-to-cluster iterates its dict of class → faces).
  const order = new Int32Array(truth.count);
  const position = new Int32Array(truth.count).fill(-1);
  let next = 0;
  for (let i = 0; i < truth.ids.length; i++) {
    const k = truth.ids[i];
    if (position[k] < 0) {
      position[k] = next;
      order[next++] = k;
    }
  }
  const pre = new Float64Array(truth.count);
  const rec = new Float64Array(truth.count);
  // Cells come cluster-major; within one class they are met in ascending cluster order, as
  // np.unique(pred_labels[gt_idxs]) lists them.
  for (let c = 0; c < t.count.length; c++) {
    const k = position[t.klass[c]];
    const n2 = t.count[c] ** 2;
    pre[k] += n2 / clusterSizes[t.cluster[c]];
    rec[k] += n2 / classSizes[t.klass[c]];
  }
  const items = truth.ids.length;
  const precision = pairwiseSum(pre, 0, pre.length) / items;
  const recall = pairwiseSum(rec, 0, rec.length) / items;
  return { precision, recall, f: fScore(precision, recall) };
}

/** sklearn `entropy(labels)` from the label sizes (ascending label order). */
function entropy(sizes: Int32Array, items: number): number {
  if (items === 0) return 1;
  let kept = 0;
  for (let j = 0; j < sizes.length; j++) if (sizes[j] > 0) kept++;
  if (kept === 1) return 0;
  const terms = new Float64Array(kept);
  const logTotal = Math.log(items);
  let k = 0;
  for (let j = 0; j < sizes.length; j++) if (sizes[j] > 0) terms[k++] = (sizes[j] / items) * (Math.log(sizes[j]) - logTotal);
  return -pairwiseSum(terms, 0, kept);
}

const DOUBLE_EPS = 2 ** -52;

function nmiScores(t: Contingency, items: number, classSizes: Int32Array, clusterSizes: Int32Array): { arithmetic: number; geometric: number } {
  // normalized_mutual_info_score(labels_true = pred, labels_pred = truth)
  if (clusterSizes.length === classSizes.length && (classSizes.length === 1 || classSizes.length === 0)) return { arithmetic: 1, geometric: 1 };
  let mi = 0;
  if (clusterSizes.length > 1 && classSizes.length > 1) {
    const logN = Math.log(items);
    const terms = new Float64Array(t.count.length);
    for (let c = 0; c < t.count.length; c++) {
      const nm = t.count[c] / items;
      // −log(outer) + log(pi.sum()) + log(pj.sum()), both sums being N
      const logOuter = -Math.log(clusterSizes[t.cluster[c]] * classSizes[t.klass[c]]) + logN + logN;
      const term = nm * (Math.log(t.count[c]) - logN) + nm * logOuter;
      terms[c] = Math.abs(term) < DOUBLE_EPS ? 0 : term;
    }
    mi = Math.max(0, pairwiseSum(terms, 0, terms.length));
  }
  if (mi === 0) return { arithmetic: 0, geometric: 0 };
  const hPred = entropy(clusterSizes, items);
  const hTruth = entropy(classSizes, items);
  return { arithmetic: mi / ((hPred + hTruth) / 2), geometric: mi / Math.sqrt(hPred * hTruth) };
}

/**
 * Every score of `pred` against `truth` (same faces, same order). Undefined values are NaN.
 */
export function clusterScores(truth: DenseLabels, pred: DenseLabels): ClusterScores {
  const items = truth.ids.length;
  if (pred.ids.length !== items) throw new Error(`clusterScores: ${items} true labels but ${pred.ids.length} predicted`);
  const classSizes = clusterSizes(truth.ids, truth.count);
  const sizes = clusterSizes(pred.ids, pred.count);
  let singletons = 0;
  for (let j = 0; j < sizes.length; j++) if (sizes[j] === 1) singletons++;
  const table = contingency(truth, pred);
  return {
    items,
    clusters: pred.count,
    singletons,
    classes: truth.count,
    pairwise: pairwiseScores(table, items, classSizes, sizes),
    bcubed: items === 0 ? { precision: NaN, recall: NaN, f: NaN } : bcubedScores(table, truth, classSizes, sizes),
    nmi: nmiScores(table, items, classSizes, sizes),
  };
}

/**
 * The faces whose predicted cluster has more than one face (Wang et al. report scores "without
 * singletons"): element k of `keep` is the index of the k-th such face; the labels are re-ranked
 * over those faces.
 */
export function withoutSingletons(truth: DenseLabels, pred: DenseLabels): { keep: Int32Array; truth: DenseLabels; pred: DenseLabels } {
  const sizes = clusterSizes(pred.ids, pred.count);
  const keepList: number[] = [];
  for (let i = 0; i < pred.ids.length; i++) if (sizes[pred.ids[i]] > 1) keepList.push(i);
  const keep = Int32Array.from(keepList);
  return { keep, truth: reRank(truth, keep), pred: reRank(pred, keep) };
}

/** Dense ids of the kept faces, ranked again (order preserved, unused ids dropped). */
function reRank(labels: DenseLabels, keep: Int32Array): DenseLabels {
  const newId = new Int32Array(labels.count).fill(-1);
  const used = new Uint8Array(labels.count);
  for (let k = 0; k < keep.length; k++) used[labels.ids[keep[k]]] = 1;
  let count = 0;
  for (let id = 0; id < labels.count; id++) if (used[id]) newId[id] = count++;
  const ids = new Int32Array(keep.length);
  for (let k = 0; k < keep.length; k++) ids[k] = newId[labels.ids[keep[k]]];
  return { ids, count };
}
