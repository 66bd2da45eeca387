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
 * - each key travels with its index (interleaved [key, index] pairs), so comparisons read memory in
 *   order instead of chasing `values[index]` across the array.
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
  return introsort(denseRanks(values).ranks, () => true);
}

/**
 * A permutation `p` of 0 … n−1 such that for every cut c in `cuts`, the indices p[c], p[c+1], … are
 * exactly the indices `np.argsort(values)[c:]` holds, where `ranks` are dense ranks of `values`
 * (see `denseRanks`). Order within the stretches between cuts is unspecified.
 */
export function numpyArgsortCuts(ranks: Int32Array, cuts: ArrayLike<number>): Int32Array {
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
  return introsort(ranks, holdsCut);
}

/** NumPy's `npy_get_msb`: floor(log2(n)) for n ≥ 1. */
function mostSignificantBit(n: number): number {
  let bits = 0;
  while ((n = Math.floor(n / 2)) > 0) bits++;
  return bits;
}

/**
 * aquicksort_ on interleaved [rank, index] pairs; partitions for which `needed(lo, hi)` is false are
 * left as they are. Returns the indices in their final order.
 */
function introsort(ranks: Int32Array, needed: (lo: number, hi: number) => boolean): Int32Array {
  const n = ranks.length;
  const a = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    a[2 * i] = ranks[i];
    a[2 * i + 1] = i;
  }
  // Element positions below are pair positions; a[2p] is the key of position p, a[2p+1] its index.
  let t = 0;
  const swap = (p: number, q: number): void => {
    p *= 2;
    q *= 2;
    t = a[p];
    a[p] = a[q];
    a[q] = t;
    t = a[p + 1];
    a[p + 1] = a[q + 1];
    a[q + 1] = t;
  };
  // The C code's explicit stack: (lo, hi, depth budget) of partitions still to sort.
  const stack: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let cdepth = 2 * mostSignificantBit(Math.max(n, 1));
  let sortThis = n > 1 && needed(pl, pr);
  for (;;) {
    if (sortThis && cdepth < 0) {
      heapsort(a, pl, pr - pl + 1);
    } else if (sortThis) {
      // As in the C code, the smaller side is partitioned on without a depth check; only partitions
      // taken from the stack can fall back to heapsort.
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (a[2 * pm] < a[2 * pl]) swap(pm, pl);
        if (a[2 * pr] < a[2 * pm]) swap(pr, pm);
        if (a[2 * pm] < a[2 * pl]) swap(pm, pl);
        const vp = a[2 * pm];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do pi++;
          while (a[2 * pi] < vp);
          do pj--;
          while (vp < a[2 * pj]);
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
      if (sortThis) insertionSort(a, pl, pr);
    }
    if (stack.length === 0) break;
    cdepth = stack.pop()!;
    pr = stack.pop()!;
    pl = stack.pop()!;
    sortThis = true;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = a[2 * i + 1];
  return order;
}

function insertionSort(a: Int32Array, pl: number, pr: number): void {
  for (let pi = pl + 1; pi <= pr; pi++) {
    const vk = a[2 * pi];
    const vi = a[2 * pi + 1];
    let pj = pi;
    while (pj > pl && vk < a[2 * pj - 2]) {
      a[2 * pj] = a[2 * pj - 2];
      a[2 * pj + 1] = a[2 * pj - 1];
      pj--;
    }
    a[2 * pj] = vk;
    a[2 * pj + 1] = vi;
  }
}

/** aheapsort_ on positions start … start+n−1, with its 1-based heap indexing (node i = position start+i−1). */
function heapsort(a: Int32Array, start: number, n: number): void {
  const key = (node: number): number => a[2 * (start + node - 1)];
  const move = (to: number, from: number): void => {
    a[2 * (start + to - 1)] = a[2 * (start + from - 1)];
    a[2 * (start + to - 1) + 1] = a[2 * (start + from - 1) + 1];
  };
  const put = (node: number, k: number, index: number): void => {
    a[2 * (start + node - 1)] = k;
    a[2 * (start + node - 1) + 1] = index;
  };
  const siftDown = (from: number, size: number, k: number, index: number): void => {
    let i = from;
    for (let j = from << 1; j <= size; ) {
      if (j < size && key(j) < key(j + 1)) j += 1;
      if (k < key(j)) {
        move(i, j);
        i = j;
        j += j;
      } else break;
    }
    put(i, k, index);
  };
  for (let l = n >> 1; l > 0; --l) siftDown(l, n, key(l), a[2 * (start + l - 1) + 1]);
  for (; n > 1; ) {
    const k = key(n);
    const index = a[2 * (start + n - 1) + 1];
    move(n, 1);
    n -= 1;
    siftDown(1, n, k, index);
  }
}
