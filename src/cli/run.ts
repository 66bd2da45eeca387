/**
 * One command line, start to end: finds the command, parses its flags into typed options, checks its
 * outputs, runs it, writes its report, and holds the single top-level catch. User errors print one
 * line (`facebench: <message> (hint)`) and give their exit code; anything else is a bug (70). All
 * writing goes through an `Io`, so that tests can run a command in-process.
 */
import { FacebenchError, INTERNAL_ERROR_EXIT_CODE, UsageError } from '../errors.js';
import { FACEBENCH_VERSION } from '../version.js';
import type { Command, Io, Ui } from './command.js';
import { allFlags, closest, parseArgs } from './flags.js';
import { commandHelp, topLevelHelp } from './help.js';
import { checkOutputs, StdoutClosed, writeStdout } from './outputs.js';
import { createProgress, createRateProgress } from './progress.js';
import { compareCommand } from './compare.js';
import { extractCommand } from './extract.js';
import { gateCommand } from './gate.js';
import { ijbCommand } from './ijb.js';
import { lfwCommand } from './lfw.js';
import { mergeCommand } from './merge.js';
import { clusterCommand } from './cluster.js';
import { qualityCommand } from './quality.js';
import { scoresCommand } from './scores.js';

export const COMMANDS: readonly Command[] = [ijbCommand, lfwCommand, scoresCommand, qualityCommand, clusterCommand, extractCommand, mergeCommand, compareCommand, gateCommand];

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

export const PROCESS_IO: Io = { stdout: writeStdout, stderr: (text) => void process.stderr.write(text), stderrIsTTY: Boolean(process.stderr.isTTY) };

/** Runs one command line; returns the exit code (0, or 1 from a gate's regression thrown as an error). */
async function runCommandLine(argv: string[], io: Io): Promise<number> {
  const started = performance.now();
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    io.stdout(topHelp());
    return 0;
  }
  if (first === '-V' || first === '--version') {
    if (rest.length) throw new UsageError(`${first} takes no arguments`);
    io.stdout(`${FACEBENCH_VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    if (rest.length > 1) throw new UsageError('facebench help takes one command name');
    io.stdout(rest.length ? commandHelp(findCommand(rest[0]).spec) : topHelp());
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown flag ${first}: name a command first`, 'run facebench help for the list of commands');
  const cmd = findCommand(first);
  const { args, help } = parseArgs(cmd.spec, rest, flagOwners(cmd.spec.name));
  if (help) {
    io.stdout(commandHelp(cmd.spec));
    return 0;
  }
  const options = cmd.parse(args);
  const files = cmd.files(options);
  checkOutputs(files.outputs, files.inputs);
  const quiet = cmd.quiet(options);
  const sink = { write: io.stderr, isTTY: io.stderrIsTTY };
  const ui: Ui = {
    info: (line) => !quiet && io.stderr(`facebench: ${line}\n`),
    progress: (total) => createProgress(total, quiet, sink),
    rateProgress: (total, unit, startAt = 0) => createRateProgress(total, quiet, unit, startAt, sink),
  };
  const result = await cmd.run(options, ui);
  const report = cmd.report(options, result);
  report.outputs.commit(io.stdout);
  for (const w of report.warnings) io.stderr(`facebench: warning: ${w}\n`);
  if (!quiet && (cmd.timed?.(options) ?? true)) {
    const seconds = (performance.now() - started) / 1000;
    const peak = process.resourceUsage().maxRSS * 1024;
    io.stderr(`facebench: ${cmd.spec.name} done in ${seconds.toFixed(2)} s, peak memory ${formatBytes(peak)}\n`);
  }
  if (report.failure) throw report.failure;
  return 0;
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** Runs a command line with the single top-level catch; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await runCommandLine(argv, io);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    if (e instanceof FacebenchError) {
      io.stderr(`facebench: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
      return e.exitCode;
    }
    io.stderr(`facebench: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    return INTERNAL_ERROR_EXIT_CODE;
  }
}
