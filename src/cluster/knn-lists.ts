/**
 * Exact k-nearest-neighbour lists by inner product, as faiss `IndexFlatIP.search(feats, k)` returns
 * them to learn-to-cluster (each face's own row included, usually first), but with facebench's
 * order-independent arithmetic (exact-products.ts `similarity32`) and a stated tie rule: higher
 * similarity first, equal similarities by lower face index.
 *
 * Every consumer (kNN-DBSCAN's eps, the density radius, magnitude peaks' tau) reads only the
 * entries with similarity ≥ some floor, so lists hold only those: row i lists its k best entries
 * that are ≥ `floor` — all of them when it has fewer than k. PURE.
 */

export interface KnnLists {
  /** List length asked for (faiss's k: the face itself counts). */
  k: number;
  /** No entry below this similarity is listed (lists may be shorter than k). */
  floor: number;
  /** Row i's entries are offsets[i] … offsets[i + 1] − 1 (length rows + 1). */
  offsets: Int32Array;
  /** Element e: the face of entry e. */
  neighbours: Int32Array;
  /** Element e: float32 inner product of the row's face with neighbours[e]; decreasing along a row. */
  similarities: Float32Array;
}

/** Unordered pairs {a, b} with their similarity, as collected by the neighbour pass. */
export interface PairList {
  a: Int32Array;
  b: Int32Array;
  similarity: Float32Array;
  count: number;
}

/** Whether entry (s1, j1) ranks before (s2, j2): higher similarity, then lower index. */
export const ranksBefore = (s1: number, j1: number, s2: number, j2: number): boolean => s1 > s2 || (s1 === s2 && j1 < j2);

/**
 * Builds every row's list from the pairs (each pair serves both of its faces) plus each face's own
 * entry (`selfSimilarity[i]`), sorted, cut at k. `keepPair`, when given, receives for each pair
 * whether it made at least one of its two faces' lists.
 */
export function buildKnnLists(rows: number, k: number, floor: number, pairs: PairList, selfSimilarity: Float32Array, keepPair?: Uint8Array): KnnLists {
  const counts = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) counts[i + 1] = 1;
  for (let p = 0; p < pairs.count; p++) {
    counts[pairs.a[p] + 1]++;
    counts[pairs.b[p] + 1]++;
  }
  for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
  const total = counts[rows];
  const face = new Int32Array(total);
  const sim = new Float32Array(total);
  const pairOf = new Int32Array(total); // −1 for the face's own entry
  const fill = counts.slice(0, rows);
  for (let i = 0; i < rows; i++) {
    const e = fill[i]++;
    face[e] = i;
    sim[e] = selfSimilarity[i];
    pairOf[e] = -1;
  }
  for (let p = 0; p < pairs.count; p++) {
    const a = pairs.a[p], b = pairs.b[p], s = pairs.similarity[p];
    let e = fill[a]++;
    face[e] = b; sim[e] = s; pairOf[e] = p;
    e = fill[b]++;
    face[e] = a; sim[e] = s; pairOf[e] = p;
  }
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i] + Math.min(k, counts[i + 1] - counts[i]);
  const neighbours = new Int32Array(offsets[rows]);
  const similarities = new Float32Array(offsets[rows]);
  for (let i = 0; i < rows; i++) {
    const start = counts[i], end = counts[i + 1];
    sortRow(face, sim, pairOf, start, end);
    const kept = Math.min(k, end - start);
    neighbours.set(face.subarray(start, start + kept), offsets[i]);
    similarities.set(sim.subarray(start, start + kept), offsets[i]);
    if (keepPair) for (let e = start; e < start + kept; e++) if (pairOf[e] >= 0) keepPair[pairOf[e]] = 1;
  }
  return { k, floor, offsets, neighbours, similarities };
}

/** Sorts one row's entries by `ranksBefore`: insertion sort for short rows (the usual case). */
function sortRow(face: Int32Array, sim: Float32Array, pairOf: Int32Array, start: number, end: number): void {
  if (end - start > 64) {
    const order = Array.from({ length: end - start }, (_, x) => start + x).sort((x, y) => sim[y] - sim[x] || face[x] - face[y]);
    const f = order.map((e) => face[e]), s = order.map((e) => sim[e]), p = order.map((e) => pairOf[e]);
    face.set(f, start); sim.set(s, start); pairOf.set(p, start);
    return;
  }
  for (let x = start + 1; x < end; x++) {
    const f = face[x], s = sim[x], p = pairOf[x];
    let y = x - 1;
    while (y >= start && ranksBefore(s, f, sim[y], face[y])) {
      face[y + 1] = face[y]; sim[y + 1] = sim[y]; pairOf[y + 1] = pairOf[y];
      y--;
    }
    face[y + 1] = f; sim[y + 1] = s; pairOf[y + 1] = p;
  }
}

/** Element i: the similarity of row i's k-th entry when its list is full, else −Infinity. */
export function listFloors(lists: KnnLists): Float64Array {
  const rows = lists.offsets.length - 1;
  const floors = new Float64Array(rows).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    const end = lists.offsets[i + 1];
    if (end - lists.offsets[i] === lists.k) floors[i] = lists.similarities[end - 1];
  }
  return floors;
}
