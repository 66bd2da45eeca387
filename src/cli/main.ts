/**
 * Entry point: finds the command, parses its flags into typed options, checks its outputs, runs it,
 * writes its report, and holds the single top-level catch. User errors print one line
 * (`facebench: <message>`, then a hint) and exit with their code; anything else is a bug (70).
 */
import { FacebenchError, INTERNAL_ERROR_EXIT_CODE, UsageError } from '../errors.js';
import { FACEBENCH_VERSION } from '../version.js';
import type { Command, Ui } from './command.js';
import { allFlags, closest, parseArgs } from './flags.js';
import { commandHelp, topLevelHelp } from './help.js';
import { checkOutputs, StdoutClosed, writeStdout } from './outputs.js';
import { compareCommand } from './compare.js';
import { extractCommand } from './extract.js';
import { gateCommand } from './gate.js';
import { ijbCommand } from './ijb.js';
import { lfwCommand } from './lfw.js';
import { mergeCommand } from './merge.js';

export const COMMANDS: readonly Command[] = [ijbCommand, lfwCommand, extractCommand, mergeCommand, compareCommand, gateCommand];

function findCommand(name: string): Command {
  const cmd = COMMANDS.find((c) => c.spec.name === name);
  if (cmd) return cmd;
  const guess = closest(name, COMMANDS.map((c) => c.spec.name));
  throw new UsageError(`'${name}' is not a facebench command${guess ? `: did you mean '${guess}'?` : ''}`, 'run facebench help for the list of commands');
}

/** Flag name → the first command that has it (for "it belongs to facebench X"). */
function flagOwners(except: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const c of COMMANDS) {
    if (c.spec.name === except) continue;
    for (const name of allFlags(c.spec).keys()) if (!owners.has(name)) owners.set(name, c.spec.name);
  }
  return owners;
}

const topHelp = (): string => topLevelHelp(COMMANDS.map((c) => ({ name: c.spec.name, summary: c.spec.summary })));

/** Runs one command line; returns the exit code. */
export async function runCommandLine(argv: string[]): Promise<number> {
  const started = performance.now();
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    writeStdout(topHelp());
    return 0;
  }
  if (first === '-V' || first === '--version') {
    if (rest.length) throw new UsageError(`${first} takes no arguments`);
    writeStdout(`${FACEBENCH_VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    if (rest.length > 1) throw new UsageError('facebench help takes one command name');
    writeStdout(rest.length ? commandHelp(findCommand(rest[0]).spec) : topHelp());
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown flag ${first}: name a command first`, 'run facebench help for the list of commands');
  const cmd = findCommand(first);
  const { args, help } = parseArgs(cmd.spec, rest, flagOwners(cmd.spec.name));
  if (help) {
    writeStdout(commandHelp(cmd.spec));
    return 0;
  }
  const options = cmd.parse(args);
  const files = cmd.files(options);
  checkOutputs(files.outputs, files.inputs);
  const quiet = cmd.quiet(options);
  const ui: Ui = { quiet, info: (line) => !quiet && process.stderr.write(`facebench: ${line}\n`) };
  const result = await cmd.run(options, ui);
  const report = cmd.report(options, result);
  report.outputs.commit();
  for (const w of report.warnings) process.stderr.write(`facebench: warning: ${w}\n`);
  if (!quiet && (cmd.timed?.(options) ?? true)) {
    const seconds = (performance.now() - started) / 1000;
    const peak = process.resourceUsage().maxRSS * 1024;
    process.stderr.write(`facebench: ${cmd.spec.name} done in ${seconds.toFixed(2)} s, peak memory ${formatBytes(peak)}\n`);
  }
  if (report.failure) throw report.failure;
  return 0;
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

export async function main(argv: string[]): Promise<number> {
  // A reader that went away (`| head`) ends the process quietly; stderr errors are ignored.
  process.stdout.on('error', () => process.exit(0));
  process.stderr.on('error', () => {});
  try {
    return await runCommandLine(argv);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    if (e instanceof FacebenchError) {
      process.stderr.write(`facebench: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
      return e.exitCode;
    }
    process.stderr.write(`facebench: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    return INTERNAL_ERROR_EXIT_CODE;
  }
}

process.exitCode = await main(process.argv.slice(2));
