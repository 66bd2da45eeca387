/** The process entry (bin/facebench.js → dist/cli.js): runs the command line, sets the exit code. */
import { main, PROCESS_IO } from './run.js';

// A reader that went away (`| head`) ends the process quietly; errors on stderr are ignored.
process.stdout.on('error', () => process.exit(0));
process.stderr.on('error', () => {});
process.exitCode = await main(process.argv.slice(2), PROCESS_IO);
