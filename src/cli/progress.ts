/**
 * Progress on stderr: a cli-progress bar on a terminal, plain lines elsewhere (CI logs), nothing
 * with --quiet. Results never go to stderr, so piping stdout stays clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  step(label: string, ms?: number): void;
  done(): void;
}

export function createProgress(total: number, quiet: boolean): Progress {
  if (quiet) return { step() {}, done() {} };
  if (!process.stderr.isTTY) {
    let n = 0;
    return {
      step(label, ms) {
        n++;
        process.stderr.write(`facebench: [${n}/${total}] ${label}${ms === undefined ? '' : ` (${(ms / 1000).toFixed(2)} s)`}\n`);
      },
      done() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} {stage}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: '' });
  return {
    step(label) {
      bar.increment(1, { stage: label });
    },
    done() {
      bar.stop();
    },
  };
}
