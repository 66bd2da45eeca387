/**
 * The command line's grammar: each command declares its flags once (`CommandSpec`), and `parseArgs`
 * turns argv into the values given — strictly. A flag given twice, a flag without its value, a value
 * given to a switch, an unknown flag or a stray argument is a UsageError naming the flag, before
 * anything slow starts. Typed options are built from `Args` by each command (`parse*Options`).
 *
 * Why not yargs: loading it costs ~100 ms (half of the start-up budget), and its parser reads
 * `--json -` as a positional, `--flip=yes` as false and cannot see a repeated switch.
 */
import { UsageError } from '../errors.js';

export interface FlagSpec {
  /** `value`: one value; `repeatable`: one value per occurrence; `switch`: no value (true when given). */
  kind: 'value' | 'repeatable' | 'switch';
  describe: string;
  /** Placeholder of the value in the help (FILE, DIR, N, LIST …). */
  value?: string;
  /** The default, as the help shows it; commands apply their defaults themselves. */
  default?: string;
  /** A switch that also accepts `--no-NAME` (then false). */
  negatable?: boolean;
  /** Accepted but not listed in the help (test hooks, old spellings). */
  hidden?: boolean;
}

export interface FlagGroup {
  title: string;
  flags: Record<string, FlagSpec>;
}

export interface CommandSpec {
  name: string;
  /** One line, shown in the command list. */
  summary: string;
  /** Usage lines without the leading `facebench `. */
  usage: string[];
  /** Paragraphs shown under the usage. */
  description?: string;
  /** Positional arguments: their name in the help and how many are allowed. */
  positionals?: { name: string; describe: string; min: number; max?: number };
  groups: FlagGroup[];
  /** Two or three real invocations, each with what it does. */
  examples: { command: string; what: string }[];
}

type Value = string | string[] | boolean;

/** The flags a user gave (by name) and the positional arguments, in order. */
export class Args {
  constructor(
    readonly command: string,
    private readonly values: Map<string, Value>,
    readonly positionals: string[],
  ) {}

  /** Was the flag given on the command line (as opposed to its default)? */
  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    return this.values.get(name) as string | undefined;
  }

  list(name: string): string[] {
    return (this.values.get(name) as string[] | undefined) ?? [];
  }

  switch(name: string, fallback = false): boolean {
    const v = this.values.get(name);
    return v === undefined ? fallback : (v as boolean);
  }
}

export function allFlags(spec: CommandSpec): Map<string, FlagSpec> {
  const out = new Map<string, FlagSpec>();
  for (const g of spec.groups) for (const [name, f] of Object.entries(g.flags)) out.set(name, f);
  return out;
}

/** `--name` (two dashes) or a single-dash option other than a lone `-` (stdout / stdin). */
function looksLikeFlag(token: string): boolean {
  return token.startsWith('--') || (token.startsWith('-') && token.length > 1 && !/^-\d|^-\.\d/.test(token));
}

/**
 * argv (after the command name) → the values given. `-h`/`--help` anywhere asks for the help; `--`
 * ends the flags. A value may start with one dash (`-` for stdout, `-1e-4`) but not with two.
 * `otherFlags` names flags of other commands, for a better message.
 */
export function parseArgs(spec: CommandSpec, argv: string[], otherFlags: Map<string, string> = new Map()): { args: Args; help: boolean } {
  const flags = allFlags(spec);
  const values = new Map<string, Value>();
  const positionals: string[] = [];
  let help = false;
  const set = (name: string, value: Value): void => {
    const f = flags.get(name)!;
    if (f.kind === 'repeatable') {
      values.set(name, [...((values.get(name) as string[] | undefined) ?? []), value as string]);
      return;
    }
    if (values.has(name)) {
      const before = values.get(name);
      const what = f.kind === 'switch' ? '' : ` ('${shorten(String(before), 160)}', then '${shorten(String(value), 160)}')`;
      throw new UsageError(`--${name} was given twice${what}: give it once${f.value === 'LIST' ? ' (it takes a comma list)' : ''}`);
    }
    values.set(name, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h' || token === '--help') {
      help = true;
      continue;
    }
    if (!looksLikeFlag(token)) {
      positionals.push(token);
      continue;
    }
    if (!token.startsWith('--')) throw unknownFlag(spec, token, flags, otherFlags);
    const eq = token.indexOf('=');
    const raw = eq < 0 ? token.slice(2) : token.slice(2, eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    let name = raw;
    let negated = false;
    if (!flags.has(name) && name.startsWith('no-') && flags.get(name.slice(3))?.negatable) {
      name = name.slice(3);
      negated = true;
    }
    const f = flags.get(name);
    if (!f) throw unknownFlag(spec, `--${raw}`, flags, otherFlags);
    if (f.kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`--${raw} is a switch and takes no value; got '--${raw}=${shorten(inline)}'${f.negatable ? ` (use --${name} or --no-${name})` : ''}`);
      set(name, !negated);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--') || next === '-h') throw missingValue(name, f);
      value = next;
      i++;
    }
    if (value === '') throw missingValue(name, f);
    set(name, value);
  }
  if (!help) {
    const p = spec.positionals;
    if (!p && positionals.length > 0) {
      throw new UsageError(`unexpected argument '${shorten(positionals[0])}': facebench ${spec.name} takes no positional arguments`, `see facebench help ${spec.name}`);
    }
    if (p && positionals.length < p.min) throw new UsageError(`facebench ${spec.name} needs ${p.min === 1 ? 'at least one' : `at least ${p.min}`} ${p.name}`, `see facebench help ${spec.name}`);
    if (p?.max !== undefined && positionals.length > p.max) throw new UsageError(`facebench ${spec.name} takes at most ${p.max} ${p.name}; got ${positionals.length}`);
  }
  return { args: new Args(spec.name, values, positionals), help };
}

function missingValue(name: string, f: FlagSpec): UsageError {
  return new UsageError(`--${name} needs a value (${f.value ?? 'VALUE'})`);
}

function unknownFlag(spec: CommandSpec, token: string, flags: Map<string, FlagSpec>, otherFlags: Map<string, string>): UsageError {
  const name = token.replace(/^-+/, '').replace(/=.*$/, '');
  const owner = otherFlags.get(name);
  if (name === 'version' || name === 'V') return new UsageError(`${token} is a top-level flag: facebench --version`);
  if (owner) return new UsageError(`--${name} is not a flag of facebench ${spec.name} (it belongs to facebench ${owner})`, `see facebench help ${spec.name}`);
  const suggestion = closest(name, [...flags.entries()].filter(([, f]) => !f.hidden).map(([n]) => n));
  return new UsageError(`unknown flag ${shorten(token)} for facebench ${spec.name}${suggestion ? `: did you mean --${suggestion}?` : ''}`, `see facebench help ${spec.name}`);
}

/** A token echoed in a message, cut to ~40 characters. */
export function shorten(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate nearest `word` (a prefix of it, or within a third of its length in edits), if any. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? Math.abs(c.length - word.length) * 0.5 : editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(word.length / 3)) ? best : undefined;
}
