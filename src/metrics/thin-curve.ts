/**
 * Thins a ROC curve to a few thousand vertices for plotting (never for metrics). PURE and
 * deterministic: it depends only on the curve.
 *
 * Vertex k is kept when it is the first or the last vertex, or when it enters a new cell of a
 * (log10 FAR) × (TAR) grid: `floor((log10(far) − LOG_FAR_MIN) / width)` over [1e-7, 1] in `bins`
 * cells, and `floor(tar × bins)`. Both cell indices never decrease along the curve, so at most
 * 2 × bins + 2 vertices survive (≈ 2,000 with the default 1,000 bins), spread evenly on a log-FAR
 * plot and along TAR. Vertices with FAR = 0 fall in one cell below the grid (only the first kept).
 */
import type { RocCurve } from './roc.js';

export interface ThinCurve {
  /** Element i: FAR of the i-th kept vertex (ascending). */
  far: number[];
  /** Element i: TAR of the i-th kept vertex (ascending). */
  tar: number[];
  /** Element i: its threshold (`score >= threshold` accepted); +Infinity for the first vertex. */
  threshold: number[];
}

const LOG_FAR_MIN = -7;

/** Thins a ROC curve — or any curve of that shape: the 1:N DIR (as tpr) against FPIR (as fpr). */
export function thinRocCurve(roc: Pick<RocCurve, 'fpr' | 'tpr' | 'thresholds'> | { fpr: number[]; tpr: number[]; thresholds: number[] }, bins = 1000): ThinCurve {
  const n = roc.fpr.length;
  const out: ThinCurve = { far: [], tar: [], threshold: [] };
  const keep = (k: number): void => {
    out.far.push(roc.fpr[k]);
    out.tar.push(roc.tpr[k]);
    out.threshold.push(roc.thresholds[k]);
  };
  const farCell = (f: number): number => (f <= 0 ? -1 : Math.max(0, Math.floor(((Math.log10(f) - LOG_FAR_MIN) / -LOG_FAR_MIN) * bins)));
  const tarCell = (t: number): number => Math.floor(t * bins);
  let lastFar = NaN;
  let lastTar = NaN;
  for (let k = 0; k < n; k++) {
    const fc = farCell(roc.fpr[k]);
    const tc = tarCell(roc.tpr[k]);
    if (k === 0 || k === n - 1 || fc !== lastFar || tc !== lastTar) {
      keep(k);
      lastFar = fc;
      lastTar = tc;
    }
  }
  return out;
}
