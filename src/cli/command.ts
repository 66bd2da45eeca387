/**
 * What a command is: its flags (`spec`), a parse of those flags into one typed options object
 * (everything checkable before work starts), the files it will read and write (checked for clashes
 * before work starts), the work itself (returns a result, prints nothing), and the report of that
 * result (files, stdout, warnings). `run.ts` runs these steps in that order and is the only place
 * that prints results and decides the exit code.
 */
import type { FacebenchError } from '../errors.js';
import type { Args, CommandSpec } from './flags.js';
import type { InputRequest, OutputRequest, PendingOutputs } from './outputs.js';
import type { Progress, RateProgress } from './progress.js';

/** Where a run writes: the process's stdout / stderr, or buffers when a test runs a command in-process. */
export interface Io {
  stdout(data: string | Uint8Array): void;
  stderr(text: string): void;
  stderrIsTTY: boolean;
}

/** Side channels of a running command: info lines and progress on stderr (not with --quiet). */
export interface Ui {
  /** `facebench: <line>` on stderr unless quiet. */
  info(line: string): void;
  /** Stage lines (`total` undefined when the stages are not known ahead). */
  progress(total?: number): Progress;
  rateProgress(total: number, unit: string, startAt?: number): RateProgress;
}

export interface Report {
  outputs: PendingOutputs;
  /** Printed as `facebench: warning: …` on stderr (the JSON carries them too). */
  warnings: string[];
  /** Raised after the outputs are written (a gate's regression: exit 1). */
  failure?: FacebenchError;
}

export interface Command<Options = any, Result = any> {
  spec: CommandSpec;
  parse(args: Args): Options;
  files(options: Options): { outputs: OutputRequest[]; inputs: InputRequest[] };
  run(options: Options, ui: Ui): Promise<Result>;
  report(options: Options, result: Result): Report;
  /** --quiet given: no progress, no info lines, no final time line. */
  quiet(options: Options): boolean;
  /** False for commands that only read small files (gate, compare): no final time line. */
  timed?(options: Options): boolean;
}
