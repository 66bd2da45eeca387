/**
 * The GPU benchmark's results → one markdown report (header lines, the table, notes). Pure.
 */
import type { ExecutionProvider } from '../../src/extract/session.js';
import { markdownTable } from '../../src/report/format.js';
import type { BareLoopResult, ExtractRunResult } from './measure.js';

/** IJB-C's face list: 469,375 faces, each run twice with --flip. */
export const IJBC_FACES = 469_375;
/** The share of the bare session.run rate extraction should reach. */
export const SHARE_TARGET = 0.9;

export type ModelDtype = 'fp32' | 'fp16';

export interface BenchConfig {
  provider: ExecutionProvider;
  dtype: ModelDtype;
  batch: number;
}

export type ConfigOutcome =
  | { config: BenchConfig; status: 'measured'; bare: BareLoopResult; extract: ExtractRunResult; gpuMemoryMiB?: number }
  | { config: BenchConfig; status: 'unavailable' | 'failed' | 'skipped'; reason: string };

/** 1234.5 s → '0:20:35'. */
export function hms(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Steady extraction rate as a fraction of the bare loop's rate (faces with their mirrors: two images each). */
export function shareOfBare(o: Extract<ConfigOutcome, { status: 'measured' }>): number {
  return o.extract.steadyFacesPerSecond / (o.bare.imagesPerSecond / 2);
}

const rate = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/**
 * Row i of the table = measured outcome i, in run order: provider, model dtype, batch, faces
 * extracted, seconds to the end of the first batch, whole-run and steady faces/s (a face = the face
 * and its mirror), the bare loop's faces/s, steady ÷ bare, the share of the run the model waited
 * for workers, the peak GPU memory rise, and IJB-C's 469,375 faces at the steady rate.
 */
export function benchTable(outcomes: readonly ConfigOutcome[]): string {
  const rows = [['provider', 'model', 'batch', 'faces', 'first batch s', 'extract faces/s', 'steady faces/s', 'session.run faces/s', 'share', 'model waited', 'GPU MiB', 'IJB-C (× 2 flip)']];
  for (const o of outcomes) {
    if (o.status !== 'measured') continue;
    const share = shareOfBare(o);
    rows.push([
      o.config.provider,
      o.config.dtype,
      String(o.config.batch),
      String(o.extract.faces),
      o.extract.firstBatchSeconds.toFixed(1),
      rate(o.extract.facesPerSecond),
      rate(o.extract.steadyFacesPerSecond),
      rate(o.bare.imagesPerSecond / 2),
      `${(100 * share).toFixed(0)} %${share < SHARE_TARGET ? ' ⚠' : ''}`,
      `${(100 * o.extract.waitShare).toFixed(0)} %`,
      o.gpuMemoryMiB === undefined ? '–' : String(Math.round(o.gpuMemoryMiB)),
      hms(IJBC_FACES / o.extract.steadyFacesPerSecond),
    ]);
  }
  return markdownTable(rows);
}

/** The notes under the table: what the columns mean, and every configuration that was not measured, with its reason. */
export function benchNotes(outcomes: readonly ConfigOutcome[]): string[] {
  const notes = [
    `faces/s count faces with their mirror (--flip: two model images each); steady = after the first batch (which carries the warm-up); share = steady ÷ the bare session.run loop on the same batch (target ≥ ${100 * SHARE_TARGET} %, ⚠ below); model waited = share of the run the model waited for prepared batches; GPU MiB = peak rise of nvidia-smi's memory.used during the configuration (both sessions); IJB-C = ${IJBC_FACES.toLocaleString('en-US')} faces at the steady rate.`,
  ];
  const unavailable = new Map<string, string>();
  const skipped: string[] = [];
  for (const o of outcomes) {
    const name = `${o.config.provider} ${o.config.dtype} batch ${o.config.batch}`;
    if (o.status === 'unavailable') unavailable.set(o.config.provider, o.reason);
    else if (o.status === 'failed') notes.push(`${name}: failed — ${o.reason}`);
    else if (o.status === 'skipped') skipped.push(name);
  }
  for (const [provider, reason] of unavailable) notes.push(`${provider}: not available — ${reason}`);
  const limit = outcomes.find((o) => o.status === 'skipped');
  if (limit && limit.status === 'skipped') notes.push(`not run (${limit.reason}): ${skipped.join(', ')}`);
  return notes;
}
