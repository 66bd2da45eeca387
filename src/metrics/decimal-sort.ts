/**
 * Sorting score files' values, which are usually printed with a fixed, small number of decimals
 * ('%.6f': 15.6M IJB-C scores take about a million distinct values). PURE.
 *
 * Such values are k / 10^d for integers k in a short range, and k ↦ k / 10^d (correctly rounded, as
 * every decimal parser rounds) is increasing, so a counting sort over k orders them in two passes —
 * about twenty times faster here than the built-in sort of 15.6M float64. Anything else (more
 * decimals, a wide range) falls back to the built-in sort.
 */

/** At most this many decimals are tried. */
const MAX_DECIMALS = 9;

/** Sorts `values` in descending order, in place, and returns it (a −0 may come back as +0). Values must not be NaN. */
export function sortScoresDescending(values: Float64Array): Float64Array {
  return countingSortDescending(values) ?? values.sort().reverse();
}

/** The counting sort when every value is k / 10^d with k in a range of at most 2n + 2^20; else undefined (values untouched). */
function countingSortDescending(values: Float64Array): Float64Array | undefined {
  const n = values.length;
  if (n < 1024) return undefined;
  const decimals = decimalsOf(values);
  if (decimals === undefined) return undefined;
  const scale = 10 ** decimals;
  let kMin = Infinity;
  let kMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const k = Math.round(v * scale);
    if (k / scale !== v) return undefined;
    if (k < kMin) kMin = k;
    if (k > kMax) kMax = k;
  }
  const range = kMax - kMin + 1;
  if (range > 2 * n + (1 << 20)) return undefined;
  const counts = new Uint32Array(range);
  for (let i = 0; i < n; i++) counts[Math.round(values[i] * scale) - kMin]++;
  let p = 0;
  for (let k = range - 1; k >= 0; k--) {
    const c = counts[k];
    if (c > 0) {
      values.fill((k + kMin) / scale, p, p + c);
      p += c;
    }
  }
  return values;
}

/** The fewest decimals (<= MAX_DECIMALS) that write every one of the first values exactly; undefined if none. */
function decimalsOf(values: Float64Array): number | undefined {
  let decimals = 0;
  for (let i = 0; i < Math.min(values.length, 4096); i++) {
    const v = values[i];
    while (decimals <= MAX_DECIMALS && Math.round(v * 10 ** decimals) / 10 ** decimals !== v) decimals++;
    if (decimals > MAX_DECIMALS) return undefined;
  }
  return decimals;
}
