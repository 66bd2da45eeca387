/**
 * What plain Python computes where the reference scripts print a number or turn a rate into a list
 * index (docs/numerics.md). PURE.
 */

/**
 * Python's `'%.{digits}f' % x`: like toFixed, but an exact half (x's binary value lies exactly midway)
 * rounds to the even digit, as Python does, where toFixed rounds away from zero (0.015625 → '0.01562').
 */
export function pythonFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const rounded = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 80));
  const cut = exact.indexOf('.') + 1 + digits;
  if (!/^50*$/.test(exact.slice(cut))) return rounded;
  const truncated = exact.slice(0, digits === 0 ? cut - 1 : cut);
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? (x < 0 ? '-' : '') + truncated : rounded;
}

/**
 * insightface `ijb_evals.py` `evaluation_1N`: the index of the threshold into the non-mated top
 * scores sorted descending, `max(int(count * far) - 1, 0)` — Python's int() truncates the float64
 * product, exactly as Math.trunc does.
 */
export function ijbEvalsThresholdIndex(count: number, far: number): number {
  return Math.max(Math.trunc(count * far) - 1, 0);
}

/**
 * insightface `ijb_1n.py` `evaluation`: how many of the largest non-mated scores its "FAR" threshold
 * reaches down to, `math.ceil(query_num * far)` (float64 product, then ceil).
 */
export function ijb1nRequiredTopCount(queries: number, far: number): number {
  return Math.ceil(queries * far);
}
