/**
 * Flag values → typed values. Each failure is a UsageError naming the flag and echoing what the user
 * typed (`--bootstrap abc` → "got 'abc'", never NaN).
 */
import { UsageError } from '../errors.js';
import { shorten } from './flags.js';
import { decimalValue } from '../io/score-text.js';

export interface NumberRange {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The bounds themselves are not allowed. */
  exclusive?: boolean;
}

function rangeText(r: NumberRange): string {
  const kind = r.integer ? 'an integer' : 'a number';
  if (r.min !== undefined && r.max !== undefined) return `${kind} in ${r.exclusive ? '(' : '['}${r.min}, ${r.max}${r.exclusive ? ')' : ']'}`;
  if (r.min !== undefined) return `${kind} ${r.exclusive ? '>' : '>='} ${r.min}`;
  if (r.max !== undefined) return `${kind} ${r.exclusive ? '<' : '<='} ${r.max}`;
  return kind;
}

/** A decimal number as typed (`1e-4`, `0.5`, `12`); hex, `Infinity` and empty text are refused. */
export function parseNumber(text: string, flag: string, range: NumberRange = {}): number {
  const v = decimalValue(text.trim());
  const ok =
    Number.isFinite(v) &&
    (!range.integer || Number.isSafeInteger(v)) &&
    (range.min === undefined || (range.exclusive ? v > range.min : v >= range.min)) &&
    (range.max === undefined || (range.exclusive ? v < range.max : v <= range.max));
  if (!ok) throw new UsageError(`${flag} must be ${rangeText(range)}; got '${shorten(text)}'`);
  return v;
}

/** `a,b,c` → trimmed non-empty items; an empty item (`a,,b`) is refused. */
export function parseCommaList(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag}: '${shorten(text)}' has an empty item`);
  return items;
}

/** FAR / FMR / FPIR targets: rates in (0, 1], each once. */
export function parseRateList(text: string, flag: string): number[] {
  const rates = parseCommaList(text, flag).map((s) => {
    const v = decimalValue(s);
    if (!(v > 0 && v <= 1)) throw new UsageError(`${flag}: '${shorten(s)}' is not a rate in (0, 1]`);
    return v;
  });
  const twice = rates.find((v, i) => rates.indexOf(v) !== i);
  if (twice !== undefined) throw new UsageError(`${flag}: ${twice} is listed twice`);
  return rates;
}

export function parseChoice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got '${shorten(value)}'`);
}
