/**
 * `facebench compare`: several result JSONs → one table (text, markdown, LaTeX, CSV, JSON), optionally
 * the published reference rows, ROC / DET plots as SVG and a self-contained HTML report; or, with
 * `--paired`, the paired template bootstrap of ΔTAR between two runs.
 */
import { resolve } from 'node:path';
import { FacebenchError, UsageError } from '../errors.js';
import { defaultLabel, parseLabels, readResultFile, type ResultFile } from '../io/results-json.js';
import { runPairedDelta, type PairedResult } from '../protocols/paired-delta.js';
import { buildCompareTable, compareCsv, compareJson, compareLatex, compareMarkdown, compareText, pairedCsv, pairedJson, pairedMarkdown, pairedText, type CompareTable, type PairedTableInput } from '../report/compare-table.js';
import { compareHtml, type HtmlFigure } from '../report/html.js';
import { cmcSpec, dirFpirSpec, identificationSeries } from '../report/plots-1n.js';
import { edcSpec, ercSpec } from '../report/plots-quality.js';
import { qualityResultFromJson } from '../io/quality-json.js';
import type { TopLevelSpec } from 'vega-lite';
import { METRIC_NAMES_HELP } from '../report/metric-keys.js';
import { detSpec, renderSvg, rocSpec } from '../report/plots.js';
import type { Command, Ui } from './command.js';
import { BOOTSTRAP_GROUP, parseBootstrap, QUIET_FLAG, type BootstrapSettings } from './flag-groups.js';
import { parseChoice, parseCommaList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { PendingOutputs, type OutputRequest } from './outputs.js';

const FORMATS = ['table', 'markdown', 'latex', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

const PAIRED_FLAGS = ['scores-a', 'scores-b', 'root', 'bootstrap', 'seed', 'ci', 'bootstrap-threads'];

const spec: CommandSpec = {
  name: 'compare',
  summary: 'compare result JSONs: paper-style table, ROC/DET plots, HTML report, paired ΔTAR intervals',
  usage: ['compare RESULT.json... [--label NAME=FILE …] [--format FORMAT] [--metric LIST] [--published] [--plot FILE] [--det FILE] [--html FILE] [--out FILE]', 'compare --paired A.json B.json --scores-a DIR --scores-b DIR --root DIR [--bootstrap N]'],
  description: 'One row per checkpoint × aggregation (ijb), × dataset (lfw, scores), × clustering (cluster) or × quality source (quality); the best value per column marked; Δ against the first row.',
  positionals: { name: 'RESULT.json...', describe: 'result files of ijb, lfw, scores, quality or cluster --json (the first is the baseline row)', min: 1 },
  groups: [
    {
      title: 'Table',
      flags: {
        label: { kind: 'repeatable', value: 'NAME=FILE', describe: 'display name of a result file [default: the file name without .json]' },
        format: { kind: 'value', value: 'FORMAT', default: 'table', describe: 'table, markdown, latex (booktabs), csv or json' },
        metric: { kind: 'value', value: 'LIST', default: 'tar (ijb), accuracy (lfw)', describe: `columns: ${METRIC_NAMES_HELP}` },
        published: { kind: 'switch', describe: 'add the published ResNet-100 rows (MagFace, ArcFace) for the datasets present' },
      },
    },
    {
      title: 'Outputs',
      flags: {
        out: { kind: 'value', value: 'FILE', describe: 'write the table here instead of stdout' },
        plot: { kind: 'value', value: 'FILE', describe: 'write the ROC curves (TAR vs log FAR) of all inputs as one SVG (inputs need ijb --curve)' },
        det: { kind: 'value', value: 'FILE', describe: 'write the DET curves (FNMR vs FMR on probit axes) as one SVG' },
        dir: { kind: 'value', value: 'FILE', describe: 'write the 1:N DIR-vs-FPIR curves (log FPIR) as one SVG (inputs need ijb --protocol 1n --curve)' },
        cmc: { kind: 'value', value: 'FILE', describe: 'write the 1:N CMC curves (open and closed set) as one SVG' },
        html: { kind: 'value', value: 'FILE', describe: 'write a self-contained HTML report: the table and every picture the inputs can give (ROC/DET, DIR/CMC, ERC/EDC)' },
        ...QUIET_FLAG,
      },
    },
    {
      title: 'Paired bootstrap (--paired)',
      flags: {
        paired: { kind: 'switch', describe: 'paired template bootstrap of ΔTAR between exactly two ijb results (needs --scores-a, --scores-b, --root)' },
        'scores-a': { kind: 'value', value: 'DIR', describe: 'the ijb --scores folder of the first result' },
        'scores-b': { kind: 'value', value: 'DIR', describe: 'the ijb --scores folder of the second result' },
        root: { kind: 'value', value: 'DIR', describe: 'the IJB release folder both results were computed on (for the pair file)' },
      },
    },
    { ...BOOTSTRAP_GROUP(1000), title: 'Paired bootstrap intervals (--paired)' },
  ],
  examples: [
    { what: 'A paper table of two checkpoints with the published rows, in markdown', command: 'facebench compare arcface.json magface.json --label ArcFace=arcface.json --label MagFace=magface.json --format markdown --published' },
    { what: 'ROC and DET plots and a self-contained HTML report (the inputs were made with ijb --curve)', command: 'facebench compare a.json b.json --plot roc.svg --det det.svg --html report.html' },
    { what: 'Is B better than A? Paired bootstrap of ΔTAR from both runs\' --scores', command: 'facebench compare --paired a.json b.json --scores-a scores-a/ --scores-b scores-b/ --root IJB_release/IJBC --bootstrap 1000' },
  ],
};

interface TableOptions {
  kind: 'table';
  labels: string[];
  metrics?: string[];
  published: boolean;
  plot?: string;
  det?: string;
  dir?: string;
  cmc?: string;
  html?: string;
}

interface PairedOptions {
  kind: 'paired';
  labels: string[];
  scoresA: string;
  scoresB: string;
  root: string;
  bootstrap: BootstrapSettings;
}

export interface CompareCommandOptions {
  results: string[];
  mode: TableOptions | PairedOptions;
  format: Format;
  out?: string;
  quiet: boolean;
}

function parseMode(args: Args, format: Format): TableOptions | PairedOptions {
  const labels = args.list('label');
  if (!args.switch('paired')) {
    const stray = PAIRED_FLAGS.find((f) => args.has(f));
    if (stray) throw new UsageError(`--${stray} only applies with --paired`);
    const metric = args.string('metric');
    return {
      kind: 'table',
      labels,
      metrics: metric === undefined ? undefined : parseCommaList(metric, '--metric'),
      published: args.switch('published'),
      plot: args.string('plot'),
      det: args.string('det'),
      dir: args.string('dir'),
      cmc: args.string('cmc'),
      html: args.string('html'),
    };
  }
  if (args.positionals.length !== 2) throw new UsageError(`--paired compares exactly two results; got ${args.positionals.length}`);
  for (const f of ['plot', 'det', 'dir', 'cmc', 'html', 'published', 'metric']) if (args.has(f)) throw new UsageError(`--${f} is not available with --paired`);
  if (format === 'latex') throw new UsageError('--paired writes table, markdown, csv or json');
  const need = (f: string): string => {
    const v = args.string(f);
    if (v === undefined) throw new UsageError(`--paired needs --${f}`);
    return v;
  };
  return { kind: 'paired', labels, scoresA: need('scores-a'), scoresB: need('scores-b'), root: need('root'), bootstrap: parseBootstrap(args, 1000)! };
}

export function parseCompareOptions(args: Args): CompareCommandOptions {
  const format = parseChoice(args.string('format') ?? 'table', FORMATS, '--format');
  return { results: args.positionals, mode: parseMode(args, format), format, out: args.string('out'), quiet: args.switch('quiet') };
}

function compareFiles(o: CompareCommandOptions): { outputs: OutputRequest[]; inputs: { flag: string; path: string }[] } {
  // Without --out the table itself goes to stdout, and nothing else may.
  const outputs: OutputRequest[] = [o.out === undefined ? { flag: 'the table (no --out)', path: '-' } : { flag: '--out', path: o.out }];
  if (o.mode.kind === 'table') {
    for (const f of ['plot', 'det', 'dir', 'cmc', 'html'] as const) if (o.mode[f] !== undefined) outputs.push({ flag: `--${f}`, path: o.mode[f]! });
  }
  const inputs = o.results.map((path) => ({ flag: 'RESULT', path }));
  if (o.mode.kind === 'paired') inputs.push({ flag: '--scores-a', path: o.mode.scoresA }, { flag: '--scores-b', path: o.mode.scoresB }, { flag: '--root', path: o.mode.root });
  return { outputs, inputs };
}

/** Reads every input, applying `--label name=file`; labels must be unique. */
export function loadResults(paths: string[], labels: string[]): ResultFile[] {
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

const TABLE_SERIALISERS: Record<Format, (t: CompareTable) => string> = { table: compareText, markdown: compareMarkdown, latex: compareLatex, csv: compareCsv, json: compareJson };
const PAIRED_SERIALISERS: Record<Exclude<Format, 'latex'>, (p: PairedTableInput) => string> = { table: pairedText, markdown: pairedMarkdown, csv: pairedCsv, json: pairedJson };

type CompareResult = { kind: 'table'; text: string; svg: { path: string; svg: string }[]; html?: string; warnings: string[] } | { kind: 'paired'; text: string };

/**
 * The pictures of the inputs: ROC and DET (every input IJB 1:1 with --curve), DIR-vs-FPIR and CMC
 * (every input with IJB 1:N curves), ERC and EDC of each quality result. `want` names the ones asked
 * for by file flags (an error when the inputs cannot give them); the HTML report takes what it can and
 * says what it could not.
 */
async function figures(files: ResultFile[], want: { roc?: boolean; det?: boolean; dir?: boolean; cmc?: boolean; all?: boolean }): Promise<{ figures: HtmlFigure[]; notes: string[] }> {
  const out: HtmlFigure[] = [];
  const notes: string[] = [];
  /** Builds the specs (which validate the inputs) when asked for; with `all` only, a failure is a note. */
  const attempt = async (needed: boolean | undefined, what: string, make: () => { id: string; title: string; spec: TopLevelSpec }[]): Promise<void> => {
    if (!needed && !want.all) return;
    let made: { id: string; title: string; spec: TopLevelSpec }[];
    try {
      made = make();
    } catch (e) {
      if (needed || !(e instanceof FacebenchError)) throw e;
      notes.push(`No ${what}: ${e.message}.`);
      return;
    }
    for (const f of made) out.push({ id: f.id, title: f.title, svg: await renderSvg(f.spec) });
  };
  const ijb = files.filter((f) => f.protocol === 'ijb');
  const oneToOne = ijb.filter((f) => f.rule !== undefined);
  if (oneToOne.length === files.length || want.roc || want.det) {
    await attempt(want.roc, 'ROC', () => [{ id: 'roc', title: 'ROC', spec: rocSpec(files) }]);
    await attempt(want.det, 'DET', () => [{ id: 'det', title: 'DET', spec: detSpec(files) }]);
  }
  if (ijb.length === files.length && ijb.some((f) => f.rows.some((r) => r.metrics.some((m) => m.key.startsWith('tpir@')))) || want.dir || want.cmc) {
    const series = (): ReturnType<typeof identificationSeries> => identificationSeries(files.map((f) => ({ label: f.label, file: f.file, doc: f.doc })));
    const targets = [...new Set(files.flatMap((f) => f.rows.flatMap((r) => r.metrics.filter((m) => m.key.startsWith('tpir@')).map((m) => Number(m.key.slice(5))))))].sort((a, b) => a - b);
    await attempt(want.dir, 'DIR-vs-FPIR plot', () => [{ id: 'dir', title: '1:N — DIR vs FPIR', spec: dirFpirSpec(series().dirFpir, targets) }]);
    await attempt(want.cmc, 'CMC plot', () => [{ id: 'cmc', title: '1:N — CMC', spec: cmcSpec(series().cmc) }]);
  }
  for (const f of files.filter((x) => x.protocol === 'quality')) {
    const result = qualityResultFromJson(f.doc, f.file);
    await attempt(false, `quality curves of ${f.label}`, () => [
      { id: `erc-${f.label}`, title: `${f.label}: error versus reject`, spec: ercSpec(result) },
      { id: `edc-${f.label}`, title: `${f.label}: error versus discard (EDC)`, spec: edcSpec(result) },
    ]);
  }
  return { figures: out, notes };
}

async function runTable(o: CompareCommandOptions, m: TableOptions): Promise<CompareResult> {
  const files = loadResults(o.results, m.labels);
  const table = buildCompareTable(files, { published: m.published, metrics: m.metrics });
  // Each chart rendered once: the ones asked for as files, and with --html all the others too.
  const rendered = await figures(files, { roc: m.plot !== undefined, det: m.det !== undefined, dir: m.dir !== undefined, cmc: m.cmc !== undefined, all: m.html !== undefined });
  const pick = (id: string): string => rendered.figures.find((f) => f.id === id)!.svg;
  const svg = (['plot', 'det', 'dir', 'cmc'] as const).filter((k) => m[k] !== undefined).map((k) => ({ path: m[k]!, svg: pick(k === 'plot' ? 'roc' : k) }));
  const html = m.html === undefined ? undefined : compareHtml({ files, table, ...rendered });
  return { kind: 'table', text: TABLE_SERIALISERS[o.format](table), svg, html, warnings: comparabilityWarnings(files) };
}

async function runPaired(o: CompareCommandOptions, m: PairedOptions, ui: Ui): Promise<CompareResult> {
  const [a, b] = loadResults(o.results, m.labels);
  const progress = ui.progress(2 * a.rows.length);
  const b0 = m.bootstrap;
  const result: PairedResult = await runPairedDelta({ root: m.root, a, b, scoresA: m.scoresA, scoresB: m.scoresB, replicates: b0.replicates, seed: b0.seed, ci: b0.ci, threads: b0.threads, onStage: (s, ms) => progress.step(s, ms) });
  progress.done();
  const input = { labelA: a.label, labelB: b.label, replicates: b0.replicates, seed: b0.seed, ci: b0.ci, rows: result.rows };
  return { kind: 'paired', text: PAIRED_SERIALISERS[o.format as Exclude<Format, 'latex'>](input) };
}

export const compareCommand: Command<CompareCommandOptions, CompareResult> = {
  spec,
  parse: parseCompareOptions,
  files: compareFiles,
  quiet: (o) => o.quiet,
  timed: (o) => o.mode.kind === 'paired',
  run: (o, ui) => (o.mode.kind === 'table' ? runTable(o, o.mode) : runPaired(o, o.mode, ui)),
  report(o, r) {
    const out = new PendingOutputs();
    out.add(o.out ?? '-', () => r.text);
    if (r.kind === 'table') {
      for (const s of r.svg) out.add(s.path, () => s.svg);
      if (o.mode.kind === 'table') out.add(o.mode.html, () => r.html!);
    }
    return { outputs: out, warnings: r.kind === 'table' ? r.warnings : [] };
  },
};
