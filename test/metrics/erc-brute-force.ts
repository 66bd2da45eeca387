/**
 * The two published ERC rules applied literally to the kept pairs of one discard step (re-sorted
 * every time), for tests: MagFace eval_quality.py's index heuristic and CR-FIQA erc.py's ROC over
 * every distinct kept score with np.argmin's first-minimum rule. Scores are similarities (a
 * distance d enters as −d); "accepted" is score > threshold.
 */
/**
 * MagFace: neg distances ascending, threshold neg[idx] where idx = N−1 divided by 10 (int) three
 * times — the loop stops after idx reaches 0, so it gets there only with N ≥ 101 impostors.
 */
export function bruteMagface(gen: number[], imp: number[]): { fnmr: number; threshold: number } {
  if (gen.length === 0 || imp.length < 101) return { fnmr: NaN, threshold: NaN };
  const neg = imp.map((s) => -s).sort((a, b) => a - b);
  const th = neg[Math.floor(Math.floor(Math.floor((neg.length - 1) / 10) / 10) / 10)];
  const accepted = gen.filter((s) => -s < th).length;
  return { fnmr: (gen.length - accepted) / gen.length, threshold: -th };
}

/** CR-FIQA calculate_roc + get_fmr_op + `g < th` on the kept scores, literally. */
export function bruteCrfiqa(gen: number[], imp: number[], op: number): { fnmr: number; threshold: number; fmr: number } {
  if (gen.length === 0 || imp.length === 0) return { fnmr: NaN, threshold: NaN, fmr: NaN };
  const thresholds = [...new Set([...gen, ...imp])].sort((a, b) => a - b);
  let best = -1;
  let bestDistance = Infinity;
  thresholds.forEach((t, j) => {
    const fm = imp.filter((s) => s >= t).length;
    const d = Math.abs(fm / imp.length - op);
    if (d < bestDistance) {
      bestDistance = d;
      best = j;
    }
  });
  const t = thresholds[best];
  const accepted = gen.filter((s) => s > t).length;
  return { fnmr: 1 - accepted / gen.length, threshold: t, fmr: imp.filter((s) => s >= t).length / imp.length };
}

