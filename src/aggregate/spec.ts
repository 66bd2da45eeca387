/**
 * Aggregation names accepted by `--aggregate` and what each one computes.
 *
 * - `plain`: each face (orig + flip when given) L2-normalised; media mean; template = sum of media.
 * - `magnitude`: the same without the per-face normalisation, so each face's direction is weighted by
 *   its magnitude (the MagFace+ idea with insightface's media pooling).
 * - `insightface`: ijb_11.py's default (keep norm, detector score, flip added when flip features exist).
 * - `insightface:N<0|1>D<0|1>F<0|1>`: ijb_11.py's flags — N1 keep norm, D1 multiply by detector score,
 *   F1 add the flipped face's features. (insightface's later ijb_evals.py inverts the N name; we follow
 *   ijb_11.py.)
 * - `magface`, `magface+`: MagFace eval_ijb.py with --magface_qlt 0 / 1, scored 1 − acos(cos)/π in float32.
 */
import { UsageError } from '../errors.js';

export interface InsightfaceAggregation {
  name: string;
  kind: 'insightface';
  /** N1: keep each face's magnitude (do not L2-normalise faces). */
  keepNorm: boolean;
  /** D1: multiply each face by its detector score. */
  detectorScore: boolean;
  /** F1: face = f(img) + f(flipped img). */
  addFlip: boolean;
}

export interface MagfaceAggregation {
  name: string;
  kind: 'magface';
  /** magface_qlt 1 (MagFace+): keep each media feature's magnitude. */
  keepMediaNorm: boolean;
}

export type AggregationSpec = InsightfaceAggregation | MagfaceAggregation;

/** How pair scores are formed from templates. */
export type ScoreKind = 'cosine' | 'magface-angular';

export function scoreKindOf(spec: AggregationSpec): ScoreKind {
  return spec.kind === 'magface' ? 'magface-angular' : 'cosine';
}

export const AGGREGATION_NAMES = ['plain', 'magnitude', 'insightface', 'insightface:N<0|1>D<0|1>F<0|1>', 'magface', 'magface+'];

/** Parses one `--aggregate` item. `hasFlip`: whether flip features were given. */
export function parseAggregation(name: string, hasFlip: boolean): AggregationSpec {
  switch (name) {
    case 'plain':
      return { name, kind: 'insightface', keepNorm: false, detectorScore: false, addFlip: hasFlip };
    case 'magnitude':
      return { name, kind: 'insightface', keepNorm: true, detectorScore: false, addFlip: hasFlip };
    case 'insightface':
      return { name, kind: 'insightface', keepNorm: true, detectorScore: true, addFlip: hasFlip };
    case 'magface':
      return { name, kind: 'magface', keepMediaNorm: false };
    case 'magface+':
      return { name, kind: 'magface', keepMediaNorm: true };
  }
  const m = /^insightface:N([01])D([01])F([01])$/.exec(name);
  if (m) {
    if (m[3] === '1' && !hasFlip) {
      throw new UsageError(`aggregation '${name}' adds flip features (F1), but no --flip-features were given`);
    }
    return { name, kind: 'insightface', keepNorm: m[1] === '1', detectorScore: m[2] === '1', addFlip: m[3] === '1' };
  }
  throw new UsageError(`unknown aggregation '${name}'; expected one of ${AGGREGATION_NAMES.join(', ')}`);
}

/** Parses a comma-separated `--aggregate` list; duplicates are refused. */
export function parseAggregationList(list: string, hasFlip: boolean): AggregationSpec[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new UsageError('--aggregate needs at least one aggregation');
  const seen = new Set<string>();
  return names.map((n) => {
    if (seen.has(n)) throw new UsageError(`aggregation '${n}' is listed twice in --aggregate`);
    seen.add(n);
    return parseAggregation(n, hasFlip);
  });
}
