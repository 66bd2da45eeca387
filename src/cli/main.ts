/**
 * Entry point: registers the commands and holds the single top-level catch. User errors print one
 * line (`facebench: <message>`, then a hint) and exit with their code; anything else is a bug (70).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FacebenchError, INTERNAL_ERROR_EXIT_CODE, UsageError } from '../errors.js';
import { FACEBENCH_VERSION } from '../version.js';
import { extractCommand } from './extract.js';
import { ijbCommand } from './ijb.js';
import { lfwCommand } from './lfw.js';
import { mergeCommand } from './merge.js';
import { gateCommand } from './gate.js';
import { compareCommand } from './compare.js';

export async function main(argv: string[]): Promise<number> {
  try {
    let cli = yargs(argv)
      .scriptName('facebench')
      .version(FACEBENCH_VERSION)
      .usage('$0 <command> [options]\n\nBenchmark face-recognition checkpoints on IJB-B/IJB-C and LFW-style protocols.')
      .strict()
      .demandCommand(1, 'name a command')
      .wrap(Math.min(120, process.stdout.columns ?? 120))
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      });
    cli = ijbCommand(cli);
    cli = lfwCommand(cli);
    cli = extractCommand(cli);
    cli = mergeCommand(cli);
    cli = compareCommand(cli);
    cli = gateCommand(cli);
    await cli.parseAsync();
    return 0;
  } catch (e) {
    if (e instanceof FacebenchError) {
      process.stderr.write(`facebench: ${e.message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      return e.exitCode;
    }
    process.stderr.write(`facebench: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    return INTERNAL_ERROR_EXIT_CODE;
  }
}

const exitCode = await main(hideBin(process.argv));
process.exitCode = exitCode;
