/** `--help` text of a command, and the top-level usage with the command list. */
import type { CommandSpec, FlagSpec } from './flags.js';
import { FACEBENCH_VERSION } from '../version.js';

function width(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return Math.max(60, Math.min(120, columns ?? 100));
}

/** Greedy word wrap of `text` to `room` characters; continuation lines indented by `indent`. */
function wrap(text: string, room: number, indent: string): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > room) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join(`\n${indent}`);
}

function flagLabel(name: string, f: FlagSpec): string {
  const base = f.kind === 'switch' ? `--${name}` : `--${name} ${f.value ?? 'VALUE'}`;
  return f.negatable ? `${base}, --no-${name}` : base;
}

function flagText(f: FlagSpec): string {
  const notes: string[] = [];
  if (f.kind === 'repeatable') notes.push('repeatable');
  if (f.default !== undefined) notes.push(`default: ${f.default}`);
  return notes.length ? `${f.describe} [${notes.join('; ')}]` : f.describe;
}

export function commandHelp(spec: CommandSpec): string {
  const w = width();
  const lines: string[] = [`facebench ${spec.name} — ${spec.summary}`, '', 'Usage:'];
  for (const u of spec.usage) lines.push(`  facebench ${u}`);
  if (spec.description) lines.push('', wrap(spec.description, w, ''));
  if (spec.positionals) lines.push('', 'Arguments:', `  ${spec.positionals.name}  ${wrap(spec.positionals.describe, w - spec.positionals.name.length - 4, ' '.repeat(spec.positionals.name.length + 4))}`);
  const labels = spec.groups.flatMap((g) => Object.entries(g.flags).filter(([, f]) => !f.hidden).map(([n, f]) => flagLabel(n, f)));
  const col = Math.min(34, Math.max(...labels.map((l) => l.length), 10) + 4);
  for (const g of spec.groups) {
    const entries = Object.entries(g.flags).filter(([, f]) => !f.hidden);
    if (entries.length === 0) continue;
    lines.push('', `${g.title}:`);
    for (const [name, f] of entries) {
      const label = `  ${flagLabel(name, f)}`;
      const text = wrap(flagText(f), w - col, ' '.repeat(col));
      lines.push(label.length + 2 > col ? `${label}\n${' '.repeat(col)}${text}` : `${label.padEnd(col)}${text}`);
    }
  }
  lines.push('', 'Examples:');
  for (const e of spec.examples) lines.push(`  # ${wrap(e.what, w - 4, '  # ')}`, `  ${e.command}`, '');
  return lines.join('\n');
}

export function topLevelHelp(commands: { name: string; summary: string }[]): string {
  const w = width();
  const col = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `facebench ${FACEBENCH_VERSION} — benchmark face-recognition checkpoints with the numbers of the published reference code`,
    '',
    'Usage:',
    '  facebench <command> [flags]',
    '  facebench help <command>',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(col)}${wrap(c.summary, w - col - 2, ' '.repeat(col + 2))}`),
    '',
    'Flags:',
    '  -h, --help        show this help (or a command\'s: facebench <command> --help)',
    '  -V, --version     print the version',
    '',
    'Examples:',
    '  facebench ijb --root IJB_release/IJBC --features feats.npy --flip-features feats_flip.npy',
    '  facebench lfw --bin lfw.bin --bin cfp_fp.bin --model r100.onnx',
    '  facebench gate --baseline base.json --current new.json --max-drop 1e-4=0.002',
    '',
    "Exit codes: 0 ok, 1 a gate found a regression, 2 bad input or flags, 70 a bug (please report).",
    '',
  ].join('\n');
}
