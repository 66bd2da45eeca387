/**
 * pyeer's score files (pyeer `geteerinf -g G -i I [-ht]`):
 *
 * - genuine / impostor files: one comparison per line, the score in the LAST space-separated column
 *   (pyeer's `__get_score`); blank lines are skipped (pyeer would stop on them);
 * - the impostor histogram form (`-ht`, for very large impostor sets of integer scores): line i
 *   (0-based) holds the number of impostor scores equal to i, again in the last column. Where a line
 *   has two columns (`score count`) the first must be that line index. The histogram is expanded into
 *   one impostor score per count.
 */
import { DataError } from '../errors.js';
import { GrowingArray, Tokens, estimateLines, forEachLine, lineError, parseDecimal } from './score-text.js';

/** More impostor scores than this in a histogram are refused (they would need > 4 GB as float64). */
const MAX_HISTOGRAM_SCORES = 500_000_000;

/** The scores of a pyeer genuine or impostor file, in file order. */
export function readPyeerScores(file: string): Float64Array {
  const tokens = new Tokens(64);
  const scores = new GrowingArray(estimateLines(file));
  forEachLine(file, (buf, start, end, line) => {
    const n = tokens.split(buf, start, end);
    if (n === 0) return;
    if (n > tokens.max) throw lineError(file, line, `expected a score in the last of at most ${tokens.max} columns, found more`);
    const score = parseDecimal(buf, tokens.starts[n - 1], tokens.ends[n - 1]);
    if (!Number.isFinite(score)) throw lineError(file, line, `expected a score (a finite number) in the last column, found '${tokens.echo(buf, n - 1)}'`);
    scores.push(score);
  });
  if (scores.length === 0) throw new DataError(`${file}: no scores`);
  return scores.values();
}

export interface PyeerHistogram {
  /** Element i: the number of impostor scores equal to i. */
  counts: Float64Array;
  /** The counts expanded: `counts[i]` copies of i, in ascending order. */
  impostor: Float64Array;
}

export function readPyeerHistogram(file: string): PyeerHistogram {
  const tokens = new Tokens(2);
  const counts = new GrowingArray();
  let total = 0;
  forEachLine(file, (buf, start, end, line) => {
    const n = tokens.split(buf, start, end);
    const index = counts.length;
    if (n === 0 || n > 2) throw lineError(file, line, `expected the count of impostor score ${index} ('count' or '${index} count'), found ${n === 0 ? 'a blank line' : `${n} columns`}`);
    if (n === 2 && parseDecimal(buf, tokens.starts[0], tokens.ends[0]) !== index) {
      throw lineError(file, line, `expected score ${index} in column 1 (line i of a pyeer histogram holds score i − 1), found '${tokens.echo(buf, 0)}'`);
    }
    const count = parseDecimal(buf, tokens.starts[n - 1], tokens.ends[n - 1]);
    if (!Number.isSafeInteger(count) || count < 0) throw lineError(file, line, `expected a count (a whole number >= 0), found '${tokens.echo(buf, n - 1)}'`);
    total += count;
    if (total > MAX_HISTOGRAM_SCORES) throw lineError(file, line, `the histogram holds more than ${MAX_HISTOGRAM_SCORES} impostor scores, more than facebench expands in memory`);
    counts.push(count);
  });
  if (counts.length === 0) throw new DataError(`${file}: no histogram lines`);
  const c = counts.values();
  const impostor = new Float64Array(total);
  let k = 0;
  for (let score = 0; score < c.length; score++) impostor.fill(score, k, (k += c[score]));
  return { counts: c, impostor };
}

/**
 * The threshold of the vertex above every score that pyeer's histogram curve has (FMR 0, FNMR 1):
 * pyeer tries every integer threshold up to max(max genuine, #genuine, max count, #bins); the first
 * above the highest score is that vertex. undefined when there is none.
 */
export function pyeerHistogramTopThreshold(genuine: Float64Array, histogram: PyeerHistogram): number | undefined {
  let maxGenuine = -Infinity;
  for (const g of genuine) maxGenuine = Math.max(maxGenuine, g);
  let maxCount = 0;
  let maxImpostor = -Infinity;
  histogram.counts.forEach((c, score) => {
    maxCount = Math.max(maxCount, c);
    if (c > 0) maxImpostor = score;
  });
  const lastThreshold = Math.max(maxGenuine, genuine.length, maxCount, histogram.counts.length);
  const top = Math.floor(Math.max(maxGenuine, maxImpostor)) + 1;
  return top <= lastThreshold ? top : undefined;
}
