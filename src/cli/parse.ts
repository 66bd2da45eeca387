/** Flag-value parsers shared by the commands; each failure is a UsageError naming the flag. */
import { UsageError } from '../errors.js';

export function parseFarList(text: string, flag = '--far'): number[] {
  const values = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (values.length === 0) throw new UsageError(`${flag} needs at least one value`);
  const rates = values.map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v <= 0 || v > 1) throw new UsageError(`${flag}: '${s}' is not a rate in (0, 1]`);
    return v;
  });
  const twice = rates.find((v, i) => rates.indexOf(v) !== i);
  if (twice !== undefined) throw new UsageError(`${flag}: ${twice} is listed twice`);
  return rates;
}

export function parseChoice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got '${value}'`);
}

/** An integer flag value in [min, max]. */
export function parseIntegerFlag(value: number, flag: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be an integer in [${min}, ${max}]; got '${value}'`);
  return value;
}
