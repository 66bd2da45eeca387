/**
 * Progress on stderr: a cli-progress bar on a terminal, plain lines elsewhere (CI logs), nothing
 * with --quiet. Results never go to stderr, so piping stdout stays clean.
 */
import { createRequire } from 'node:module';
import type cliProgressTypes from 'cli-progress';

// Loaded on a terminal only (it costs start-up time that plain lines do not need).
const loadCliProgress = (): typeof cliProgressTypes => createRequire(import.meta.url)('cli-progress');

export interface Progress {
  step(label: string, ms?: number): void;
  done(): void;
}

/** Where progress goes: plain lines through `write` off a terminal; a bar on process.stderr on one. */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}


/** `total` undefined: the number of stages is not known ahead (plain lines `[n]`, also on a terminal). */
export function createProgress(total: number | undefined, quiet: boolean, sink: ProgressSink): Progress {
  if (quiet) return { step() {}, done() {} };
  if (!sink.isTTY || total === undefined) {
    let n = 0;
    return {
      step(label, ms) {
        n++;
        sink.write(`facebench: [${total === undefined ? n : `${n}/${total}`}] ${label}${ms === undefined ? '' : ` (${(ms / 1000).toFixed(2)} s)`}\n`);
      },
      done() {},
    };
  }
  const cliProgress = loadCliProgress();
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

export interface RateProgress {
  /** Absolute count of items done. */
  update(done: number): void;
  done(): void;
}

/**
 * A count progress with rate and ETA (e.g. extraction: faces, images/s): a bar on a terminal,
 * a plain line every ~2 s elsewhere, nothing with --quiet. `startAt` items were already done
 * (a resumed run) and do not count towards the rate.
 */
export function createRateProgress(total: number, quiet: boolean, unit: string, startAt: number, sink: ProgressSink): RateProgress {
  if (quiet) return { update() {}, done() {} };
  const t0 = performance.now();
  const rate = (done: number) => (done - startAt) / Math.max((performance.now() - t0) / 1000, 1e-9);
  const eta = (done: number) => {
    const r = rate(done);
    return r > 0 ? `${Math.ceil((total - done) / r)} s` : '?';
  };
  if (!sink.isTTY) {
    let last = 0;
    const line = (done: number) =>
      sink.write(`facebench: ${done}/${total} ${unit} (${Math.round((100 * done) / Math.max(total, 1))}%), ${rate(done).toFixed(0)} ${unit}/s, ETA ${eta(done)}\n`);
    return {
      update(done) {
        const now = performance.now();
        if (now - last >= 2000 || done === total) {
          last = now;
          line(done);
        }
      },
      done() {},
    };
  }
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    { format: ` {bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, startAt, { rate: '-', eta: '?' });
  return {
    update(done) {
      bar.update(done, { rate: rate(done).toFixed(0), eta: eta(done) });
    },
    done() {
      bar.stop();
    },
  };
}
