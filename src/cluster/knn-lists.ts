/**
 * Exact k-nearest-neighbour lists by inner product, as faiss `IndexFlatIP.search(feats, k)` returns
 * them to learn-to-cluster (each face's own row included, usually first), but with facebench's
 * order-independent arithmetic (exact-products.ts `similarity32`) and a stated tie rule: higher
 * similarity first, equal similarities by lower face index.
 *
 * Every consumer (kNN-DBSCAN's eps, the density radius, magnitude peaks' tau) reads only the
 * entries with similarity ≥ some floor, so lists hold only those: row i lists its k best entries
 * that are ≥ `floor` — all of them when it has fewer than k. They are collected in one bounded heap
 * per face (k entries: memory rows·k·8 bytes, whatever the number of pairs). PURE.
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

/** Whether entry (s1, j1) ranks before (s2, j2): higher similarity, then lower index. */
export const ranksBefore = (s1: number, j1: number, s2: number, j2: number): boolean => s1 > s2 || (s1 === s2 && j1 < j2);

/**
 * One bounded heap per face holding its k best entries so far; the root of a full heap is its
 * worst entry (lowest similarity, then highest index).
 */
export class KnnHeaps {
  private readonly face: Int32Array;
  private readonly sim: Float32Array;
  private readonly size: Int32Array;

  constructor(
    readonly rows: number,
    readonly k: number,
  ) {
    this.face = new Int32Array(rows * k);
    this.sim = new Float32Array(rows * k);
    this.size = new Int32Array(rows);
  }

  /**
   * The similarity an entry must reach to enter row i's list: its worst entry's when the list is
   * full (an equal similarity enters only with a lower index), else −Infinity.
   */
  bar(i: number): number {
    return this.size[i] === this.k ? this.sim[i * this.k] : -Infinity;
  }

  /** Offers face j with similarity s to row i's list. */
  offer(i: number, j: number, s: number): void {
    const k = this.k, base = i * k, face = this.face, sim = this.sim;
    let n = this.size[i];
    if (n < k) {
      // Sift up from the new leaf: parents are worse than children.
      let c = n;
      this.size[i] = ++n;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!ranksBefore(sim[base + p], face[base + p], s, j)) break;
        face[base + c] = face[base + p];
        sim[base + c] = sim[base + p];
        c = p;
      }
      face[base + c] = j;
      sim[base + c] = s;
      return;
    }
    if (!ranksBefore(s, j, sim[base], face[base])) return;
    // Replace the root (the worst) and sift down.
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= k) break;
      if (c + 1 < k && ranksBefore(sim[base + c], face[base + c], sim[base + c + 1], face[base + c + 1])) c++;
      if (!ranksBefore(s, j, sim[base + c], face[base + c])) break;
      face[base + p] = face[base + c];
      sim[base + p] = sim[base + c];
      p = c;
    }
    face[base + p] = j;
    sim[base + p] = s;
  }

  /**
   * The lists, each sorted best first. Built in place: row i's sorted entries move to offsets[i],
   * which is never past its own heap, so the lists share the heaps' memory (the heaps are spent).
   */
  toLists(floor: number): KnnLists {
    const { rows, k, face, sim } = this;
    const offsets = new Int32Array(rows + 1);
    const order: number[] = [];
    const rowFace = new Int32Array(k), rowSim = new Float32Array(k);
    for (let i = 0; i < rows; i++) {
      const base = i * k, n = this.size[i];
      order.length = 0;
      for (let x = 0; x < n; x++) order.push(x);
      order.sort((x, y) => sim[base + y] - sim[base + x] || face[base + x] - face[base + y]);
      for (let x = 0; x < n; x++) {
        rowFace[x] = face[base + order[x]];
        rowSim[x] = sim[base + order[x]];
      }
      face.set(rowFace.subarray(0, n), offsets[i]);
      sim.set(rowSim.subarray(0, n), offsets[i]);
      offsets[i + 1] = offsets[i] + n;
    }
    return { k, floor, offsets, neighbours: face.subarray(0, offsets[rows]), similarities: sim.subarray(0, offsets[rows]) };
  }
}
