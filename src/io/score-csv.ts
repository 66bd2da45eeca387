/**
 * The generic score CSV: `score,label[,fold]` per comparison — label 1 genuine, 0 impostor; fold an
 * optional whole number naming the comparison's fold. An optional header line names the columns
 * (`score,label` or `score,label,fold`, any case). Blank lines are skipped; every row has the first
 * row's column count.
 */
import { DataError } from '../errors.js';
import { GrowingArray, Tokens, estimateLines, forEachLine, isNanToken, lineError, parseDecimal, type LabelledScores } from './score-text.js';

export interface ScoreCsv extends LabelledScores {
  /** Per fold (ascending fold number): its genuine and impostor scores; absent without a fold column. */
  folds?: { fold: number; genuine: Float64Array; impostor: Float64Array }[];
}

export function readScoreCsv(file: string): ScoreCsv {
  const tokens = new Tokens(3);
  const lines = estimateLines(file);
  const genuine = new GrowingArray(lines);
  const impostor = new GrowingArray(lines);
  const foldOfGenuine = new GrowingArray();
  const foldOfImpostor = new GrowingArray();
  let columns = 0;
  let firstRow = 0;
  let droppedNan = 0;
  forEachLine(file, (buf, start, end, line) => {
    const n = tokens.split(buf, start, end, true);
    if (n === 0) return;
    if (columns === 0) {
      if (n !== 2 && n !== 3) throw lineError(file, line, `expected 2 or 3 columns (score,label[,fold]), found ${n > 3 ? 'more than 3' : n}`);
      columns = n;
      firstRow = line;
      const first = buf.toString('utf8', start, end).trim().toLowerCase().replace(/\s*,\s*/g, ',');
      if (Number.isNaN(parseDecimal(buf, tokens.starts[0], tokens.ends[0])) && !isNanToken(buf, tokens.starts[0], tokens.ends[0])) {
        if (first !== 'score,label' && first !== 'score,label,fold') throw lineError(file, line, `expected a header 'score,label' or 'score,label,fold' or a first row of numbers, found '${first.slice(0, 40)}'`);
        return;
      }
    } else if (n !== columns) {
      throw lineError(file, line, `expected ${columns} columns (score,label${columns === 3 ? ',fold' : ''}) as on line ${firstRow}, found ${n > 3 ? 'more than 3' : n}`);
    }
    const score = parseDecimal(buf, tokens.starts[0], tokens.ends[0]);
    const label = parseDecimal(buf, tokens.starts[1], tokens.ends[1]);
    if (label !== 0 && label !== 1) throw lineError(file, line, `expected a label 1 (genuine) or 0 (impostor) in column 2, found '${tokens.echo(buf, 1)}'`);
    let fold = 0;
    if (columns === 3) {
      fold = parseDecimal(buf, tokens.starts[2], tokens.ends[2]);
      if (!Number.isSafeInteger(fold)) throw lineError(file, line, `expected a fold (a whole number) in column 3, found '${tokens.echo(buf, 2)}'`);
    }
    if (!Number.isFinite(score)) {
      if (isNanToken(buf, tokens.starts[0], tokens.ends[0])) {
        droppedNan++;
        return;
      }
      throw lineError(file, line, `expected a score (a finite number) in column 1, found '${tokens.echo(buf, 0)}'`);
    }
    (label === 1 ? genuine : impostor).push(score);
    (label === 1 ? foldOfGenuine : foldOfImpostor).push(fold);
  });
  if (columns === 0) throw new DataError(`${file}: no score rows`);
  const result: ScoreCsv = { genuine: genuine.values(), impostor: impostor.values(), droppedNan };
  if (columns === 3) result.folds = splitFolds(result, foldOfGenuine.values(), foldOfImpostor.values());
  return result;
}

function splitFolds(all: LabelledScores, foldOfGenuine: Float64Array, foldOfImpostor: Float64Array): NonNullable<ScoreCsv['folds']> {
  const folds = [...new Set([...foldOfGenuine, ...foldOfImpostor])].sort((a, b) => a - b);
  const pick = (values: Float64Array, foldOf: Float64Array, fold: number): Float64Array => values.filter((_, i) => foldOf[i] === fold);
  return folds.map((fold) => ({ fold, genuine: pick(all.genuine, foldOfGenuine, fold), impostor: pick(all.impostor, foldOfImpostor, fold) }));
}
