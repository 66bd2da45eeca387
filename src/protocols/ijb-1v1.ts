/**
 * IJB-B / IJB-C 1:1 verification from saved features: `runIjb1v1`, the 1:1-only run of the IJB
 * pipeline (ijb-pipeline.ts: load meta → aggregate → evaluate 1:1 → evaluate 1:N), and the 1:1
 * types (ijb-types.ts) where callers have always found them. No printing: returns a result object
 * (and the scores, for --scores).
 */
import { runIjb } from './ijb-pipeline.js';
import type { IjbOptions, IjbResult } from './ijb-types.js';

export { DEFAULT_FARS, scoresInPairFileOrder, type FeatureSource, type IjbAggregationResult, type IjbCounts, type IjbOptions, type IjbResult } from './ijb-types.js';
export { evaluateScores } from './ijb-verify.js';

/** The 1:1 protocol alone (`runIjb` with protocols ['1v1']). */
export async function runIjb1v1(opts: IjbOptions): Promise<IjbResult> {
  return (await runIjb({ ...opts, protocols: ['1v1'] })).oneToOne!;
}
