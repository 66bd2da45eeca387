/**
 * `facebench compare`: several result JSONs → one table (text, markdown, LaTeX, CSV), optionally the
 * published reference rows, ROC / DET plots as SVG and a self-contained HTML report.
 */
import type { Argv } from 'yargs';
import { resolve } from 'node:path';
import { FacebenchError, UsageError } from '../errors.js';
import { defaultLabel, parseLabels, readResultFile, type ResultFile } from '../io/results-json.js';
import { runPairedDelta } from '../protocols/paired-delta.js';
import { buildCompareTable, compareCsv, compareLatex, compareMarkdown, compareText, pairedCsv, pairedMarkdown, pairedText } from '../report/compare-table.js';
import { compareHtml } from '../report/html.js';
import { curveSeries, detSpec, renderSvg, rocSpec } from '../report/plots.js';
import { PendingOutputs } from './outputs.js';
import { parseChoice, parseIntegerFlag } from './parse.js';
import { createProgress } from './progress.js';

const FORMATS = ['table', 'markdown', 'latex', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export function compareCommand(y: Argv): Argv {
  return y.command(
    'compare <results..>',
    'Compare result JSONs: paper-style table, ROC/DET plots, HTML report',
    (c) =>
      c
        .positional('results', { type: 'string', array: true, describe: 'result JSON files (ijb --json; the first is the baseline row)' })
        .option('label', { type: 'string', array: true, default: [] as string[], describe: 'name=file: display name of a result file (default: the file name without .json)' })
        .option('format', { type: 'string', default: 'table', describe: 'table, markdown, latex (booktabs) or csv' })
        .option('out', { type: 'string', describe: 'write the table here instead of stdout' })
        .option('plot', { type: 'string', describe: 'write the ROC curves (TAR vs log FAR) of all inputs as one SVG (inputs need ijb --curve)' })
        .option('det', { type: 'string', describe: 'write the DET curves (FNMR vs FAR, log–log) as one SVG' })
        .option('html', { type: 'string', describe: 'write a self-contained HTML report (table + inline ROC/DET plots when the inputs have curves)' })
        .option('paired', { type: 'boolean', default: false, describe: 'paired template bootstrap of ΔTAR between exactly two results (needs --scores-a, --scores-b, --root)' })
        .option('scores-a', { type: 'string', describe: '--paired: the ijb --scores folder of the first result' })
        .option('scores-b', { type: 'string', describe: '--paired: the ijb --scores folder of the second result' })
        .option('root', { type: 'string', describe: '--paired: the IJB release folder both results were computed on (for the pair file)' })
        .option('bootstrap', { type: 'number', default: 1000, describe: '--paired: bootstrap replicates' })
        .option('seed', { type: 'number', default: 1, describe: '--paired: bootstrap seed' })
        .option('ci', { type: 'number', default: 95, describe: '--paired: confidence level in percent' })
        .option('threads', { type: 'number', describe: '--paired: bootstrap threads (default: the number of CPUs)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
        .option('published', { type: 'boolean', default: false, describe: 'add the published ResNet-100 rows (MagFace, ArcFace) for the datasets present' }),
    async (argv) => {
      const format = parseChoice(argv.format, FORMATS, '--format');
      if (argv.paired) return comparePaired(argv, format);
      for (const f of ['scores-a', 'scores-b', 'root'] as const) {
        if (argv[f] !== undefined) throw new UsageError(`--${f} is only used with --paired`);
      }
      const files = loadResults((argv.results ?? []) as string[], argv.label as string[]);
      for (const w of comparabilityWarnings(files)) process.stderr.write(`facebench: warning: ${w}\n`);
      const table = buildCompareTable(files, { published: argv.published });
      const out = new PendingOutputs();
      const text = serialise(format, table);
      out.add(argv.out, () => text);
      // Build the specs first (they validate the curves), then render.
      const roc = argv.plot !== undefined ? rocSpec(files) : undefined;
      const det = argv.det !== undefined ? detSpec(files) : undefined;
      if (roc) {
        const svg = await renderSvg(roc);
        out.add(argv.plot, () => svg);
      }
      if (det) {
        const svg = await renderSvg(det);
        out.add(argv.det, () => svg);
      }
      if (argv.html !== undefined) {
        let plotNote: string | undefined;
        try {
          curveSeries(files);
        } catch (e) {
          if (!(e instanceof FacebenchError)) throw e;
          plotNote = `No plots: ${e.message}.`;
        }
        const rocSvg = plotNote ? undefined : await renderSvg(rocSpec(files));
        const detSvg = plotNote ? undefined : await renderSvg(detSpec(files));
        const html = compareHtml({ files, table, rocSvg, detSvg, plotNote });
        out.add(argv.html, () => html);
      }
      if (argv.out === undefined) out.print(text);
      out.commit();
    },
  );
}

function serialise(format: Format, table: ReturnType<typeof buildCompareTable>): string {
  if (format === 'markdown') return compareMarkdown(table);
  if (format === 'latex') return compareLatex(table);
  if (format === 'csv') return compareCsv(table);
  return compareText(table);
}

/** Reads every input, applying `--label name=file`; labels must be unique. */
export function loadResults(paths: string[], labels: string[]): ResultFile[] {
  if (paths.length === 0) throw new UsageError('compare needs at least one result JSON');
  const byFile = parseLabels(labels);
  const known = new Set(paths.map((p) => resolve(p)));
  for (const f of byFile.keys()) {
    if (!known.has(resolve(f))) throw new UsageError(`--label names '${f}', which is not one of the inputs`);
  }
  const labelOf = (p: string): string => {
    for (const [f, name] of byFile) if (resolve(f) === resolve(p)) return name;
    return defaultLabel(p);
  };
  const files = paths.map((p) => readResultFile(p, labelOf(p)));
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.label);
    if (other !== undefined) throw new UsageError(`${f.file} and ${other} are both labelled '${f.label}': give one a --label name=file`);
    seen.set(f.label, f.file);
  }
  return files;
}

interface PairedArgs {
  results?: string[];
  label: string[];
  out?: string;
  plot?: string;
  det?: string;
  html?: string;
  published: boolean;
  'scores-a'?: string;
  'scores-b'?: string;
  root?: string;
  bootstrap: number;
  seed: number;
  ci: number;
  threads?: number;
  quiet: boolean;
}

async function comparePaired(argv: PairedArgs, format: Format): Promise<void> {
  const paths = (argv.results ?? []) as string[];
  if (paths.length !== 2) throw new UsageError(`--paired compares exactly two results; got ${paths.length}`);
  for (const f of ['plot', 'det', 'html'] as const) if (argv[f] !== undefined) throw new UsageError(`--${f} is not available with --paired`);
  if (argv.published) throw new UsageError('--published is not available with --paired');
  if (format === 'latex') throw new UsageError('--paired writes table, markdown or csv');
  for (const f of ['scores-a', 'scores-b', 'root'] as const) if (argv[f] === undefined) throw new UsageError(`--paired needs --${f}`);
  if (!(Number.isFinite(argv.ci) && argv.ci > 0 && argv.ci < 100)) throw new UsageError(`--ci must be a confidence level in percent, in (0, 100); got '${argv.ci}'`);
  const replicates = parseIntegerFlag(argv.bootstrap, '--bootstrap', 1, 1_000_000);
  const seed = parseIntegerFlag(argv.seed, '--seed', 0, 2 ** 32 - 1);
  const threads = argv.threads === undefined ? undefined : parseIntegerFlag(argv.threads, '--threads', 1, 256);
  const [a, b] = loadResults(paths, argv.label);
  const progress = createProgress(2 * a.rows.length, argv.quiet);
  const result = await runPairedDelta({ root: argv.root!, a, b, scoresA: argv['scores-a']!, scoresB: argv['scores-b']!, replicates, seed, ci: argv.ci, threads, onStage: (s, ms) => progress.step(s, ms) });
  progress.done();
  const input = { labelA: a.label, labelB: b.label, replicates, seed, ci: argv.ci, rows: result.rows };
  const text = format === 'markdown' ? pairedMarkdown(input) : format === 'csv' ? pairedCsv(input) : pairedText(input);
  const out = new PendingOutputs();
  out.add(argv.out, () => text);
  if (argv.out === undefined) out.print(text);
  out.commit();
}

/**
 * Rows of one dataset are ranked against each other (best marks, Δ): say so when they were computed
 * under different TAR@FAR rules or on different pair sets, which makes those marks meaningless.
 */
export function comparabilityWarnings(files: ResultFile[]): string[] {
  const warnings: string[] = [];
  const byDataset = new Map<string, ResultFile[]>();
  for (const f of files) byDataset.set(f.dataset, [...(byDataset.get(f.dataset) ?? []), f]);
  for (const [dataset, group] of byDataset) {
    const rules = [...new Set(group.map((f) => f.rule).filter((r) => r !== undefined))];
    if (rules.length > 1) warnings.push(`${dataset} results use different TAR@FAR rules (${rules.join(', ')}): their best marks and Δ compare unlike numbers`);
    const pairs = [...new Set(group.map((f) => f.counts?.pairs).filter((n) => n !== undefined))];
    if (pairs.length > 1) warnings.push(`${dataset} results were computed on different pair sets (${pairs.join(' vs ')} pairs): their best marks and Δ compare unlike numbers`);
  }
  return warnings;
}
