/**
 * `np.argsort(values)` with NumPy's default kind ('quicksort') for float64, reproduced exactly —
 * including the order it gives to equal values. That order is an artefact of the algorithm (an
 * introsort: median-of-three quicksort, insertion sort below 17 elements, heapsort when a partition
 * taken from the stack has used up its depth budget), but MagFace `eval_quality.py` and CR-FIQA
 * `ERC/erc.py` discard pairs by `np.argsort(qualities)[int(u·N):]`: when the cut falls inside a run
 * of equal qualities, which of the tied pairs go is decided by it. Reproducing it makes the
 * error-versus-reject curves equal the published scripts' on tied qualities, not just close.
 *
 * A port of NumPy 1.x `aquicksort_` / `aheapsort_` (numpy/core/src/npysort; NumPy ≥ 1.25 may
 * dispatch argsort to AVX-512 code on some CPUs, whose tie order differs). Two changes that leave
 * every comparison and every swap as they were:
 * - the values are replaced by their dense ranks (equal values, equal ranks), which compare the same;
 * - the keys are sorted in place, each index moved with its key in a second array, so comparisons
 *   read memory in order instead of chasing `values[index]` across the array.
 *
 * `numpyArgsortCuts` stops early: the error-versus-reject curves only need, for a few cut positions
 * c, *which* pairs end up at positions ≥ c. A partition that holds no cut inside it already has its
 * final set of elements, so it is left unsorted; partitions holding a cut are sorted exactly as NumPy
 * sorts them (each partition's fate depends only on its contents and its depth budget). PURE.
 */

const SMALL_QUICKSORT = 15;

/** Dense ranks: element i = the index of values[i] among the sorted distinct values (ties share a rank). */
export function denseRanks(values: Float64Array): { ranks: Int32Array; distinct: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[count - 1]) sorted[count++] = sorted[i];
  const distinct = sorted.slice(0, count);
  const ranks = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new Error('denseRanks: NaN value');
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo;
  }
  return { ranks, distinct };
}

/** Indices that sort `values` ascending, in exactly the order `np.argsort(values)` returns. */
export function numpyArgsort(values: Float64Array): Int32Array {
  return introsort(denseRanks(values).ranks, () => true, new Int32Array(values.length));
}

/**
 * A permutation `p` of 0 … n−1 such that for every cut c in `cuts`, the indices p[c], p[c+1], … are
 * exactly the indices `np.argsort(values)[c:]` holds, where `ranks` are dense ranks of `values`
 * (see `denseRanks`). Order within the stretches between cuts is unspecified.
 *
 * The ranks are sorted in place (pass a copy to keep them) and the permutation is written into
 * `order`: the caller can reuse both buffers, as faulting fresh pages in costs more than the sort.
 */
export function numpyArgsortCuts(ranks: Int32Array, cuts: ArrayLike<number>, order: Int32Array = new Int32Array(ranks.length)): Int32Array {
  const inner = Int32Array.from(cuts).filter((c) => c > 0 && c < ranks.length).sort();
  // Is there a cut c with lo < c ≤ hi, i.e. a boundary strictly inside positions lo … hi?
  const holdsCut = (lo: number, hi: number): boolean => {
    let a = 0;
    let b = inner.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (inner[mid] <= lo) a = mid + 1;
      else b = mid;
    }
    return a < inner.length && inner[a] <= hi;
  };
  return introsort(ranks, holdsCut, order);
}

/** NumPy's `npy_get_msb`: floor(log2(n)) for n ≥ 1. */
function mostSignificantBit(n: number): number {
  let bits = 0;
  while ((n = Math.floor(n / 2)) > 0) bits++;
  return bits;
}

/**
 * aquicksort_ on `keys` (sorted in place) with their indices in `idx` (n elements, overwritten);
 * partitions for which `needed(lo, hi)` is false are left as they are. Returns `idx`: the indices in
 * their final order.
 */
function introsort(keys: Int32Array, needed: (lo: number, hi: number) => boolean, idx: Int32Array): Int32Array {
  const n = keys.length;
  if (idx.length !== n) throw new Error(`numpy argsort: an index buffer of ${idx.length} elements for ${n} keys`);
  for (let i = 0; i < n; i++) idx[i] = i;
  let t = 0;
  const swap = (p: number, q: number): void => {
    t = keys[p];
    keys[p] = keys[q];
    keys[q] = t;
    t = idx[p];
    idx[p] = idx[q];
    idx[q] = t;
  };
  // The C code's explicit stack: (lo, hi, depth budget) of partitions still to sort.
  const stack: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let cdepth = 2 * mostSignificantBit(Math.max(n, 1));
  let sortThis = n > 1 && needed(pl, pr);
  for (;;) {
    if (sortThis && cdepth < 0) {
      heapsort(keys, idx, pl, pr - pl + 1);
    } else if (sortThis) {
      // As in the C code, the smaller side is partitioned on without a depth check; only partitions
      // taken from the stack can fall back to heapsort.
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (keys[pm] < keys[pl]) swap(pm, pl);
        if (keys[pr] < keys[pm]) swap(pr, pm);
        if (keys[pm] < keys[pl]) swap(pm, pl);
        const vp = keys[pm];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do pi++;
          while (keys[pi] < vp);
          do pj--;
          while (vp < keys[pj]);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        cdepth--;
        if (pi - pl < pr - pi) {
          if (needed(pi + 1, pr)) stack.push(pi + 1, pr, cdepth);
          pr = pi - 1;
        } else {
          if (needed(pl, pi - 1)) stack.push(pl, pi - 1, cdepth);
          pl = pi + 1;
        }
        if (!needed(pl, pr)) {
          sortThis = false;
          break;
        }
      }
      if (sortThis) insertionSort(keys, idx, pl, pr);
    }
    if (stack.length === 0) break;
    cdepth = stack.pop()!;
    pr = stack.pop()!;
    pl = stack.pop()!;
    sortThis = true;
  }
  return idx;
}

function insertionSort(keys: Int32Array, idx: Int32Array, pl: number, pr: number): void {
  for (let pi = pl + 1; pi <= pr; pi++) {
    const vk = keys[pi];
    const vi = idx[pi];
    let pj = pi;
    while (pj > pl && vk < keys[pj - 1]) {
      keys[pj] = keys[pj - 1];
      idx[pj] = idx[pj - 1];
      pj--;
    }
    keys[pj] = vk;
    idx[pj] = vi;
  }
}

/** aheapsort_ on positions start … start+n−1, with its 1-based heap indexing (node i = position start+i−1). */
function heapsort(keys: Int32Array, idx: Int32Array, start: number, n: number): void {
  const at = start - 1;
  const siftDown = (from: number, size: number, k: number, index: number): void => {
    let i = from;
    for (let j = from << 1; j <= size; ) {
      if (j < size && keys[at + j] < keys[at + j + 1]) j += 1;
      if (k < keys[at + j]) {
        keys[at + i] = keys[at + j];
        idx[at + i] = idx[at + j];
        i = j;
        j += j;
      } else break;
    }
    keys[at + i] = k;
    idx[at + i] = index;
  };
  for (let l = n >> 1; l > 0; --l) siftDown(l, n, keys[at + l], idx[at + l]);
  for (; n > 1; ) {
    const k = keys[at + n];
    const index = idx[at + n];
    keys[at + n] = keys[at + 1];
    idx[at + n] = idx[at + 1];
    n -= 1;
    siftDown(1, n, k, index);
  }
}
