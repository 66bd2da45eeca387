/**
 * `facebench scores`: score files in (bob 2/4/5 columns, pyeer genuine/impostor or histogram,
 * facebench's own `ijb --scores`, a generic CSV) → everything `ijb` reports plus bob.measure's and
 * pyeer's operating points, the dev → eval threshold transfer, probit DET / histogram / EPC plots.
 */
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseLabels } from '../io/results-json.js';
import { TAR_RULES } from '../metrics/tar-at-far.js';
import { DEFAULT_EPC_POINTS, DEFAULT_HISTOGRAM_BINS, DEFAULT_SCORE_FARS, evaluateScoreFiles, type ScoreInput, type ScoreSetSpec, type ScoresOptions, type ScoresResult } from '../protocols/scores.js';
import { farKey } from '../report/format.js';
import { renderSvg } from '../report/plots.js';
import { epcSpec, scoreHistogramSpec, scoresDetSpec } from '../report/scores-plots.js';
import { scoresCsv, scoresJson, scoresMarkdown, scoresText } from '../report/scores-report.js';
import type { Command, Ui } from './command.js';
import { fileOutputRequests, outputFlags, parseFileOutputs, type FileOutputs, parseIjbTarget } from './flag-groups.js';
import { parseChoice, parseCommaList, parseNumber, parseRateList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { PendingOutputs, type InputRequest, type OutputRequest } from './outputs.js';

const CRITERIA = ['eer', 'min-hter', 'far'] as const;

const spec: CommandSpec = {
  name: 'scores',
  summary: 'score files in (bob, pyeer, ijb --scores, CSV): TAR@FAR, EER, FMR100/1000, ZeroFMR/FNMR, d′, HTER, probit DET',
  usage: ['scores --bob FILE [--eval FILE] [flags]', 'scores --genuine FILE (--impostor FILE | --impostor-histogram FILE) [flags]', 'scores --ijb-scores DIR --root DIR [--aggregate LIST] [flags]', 'scores --score-csv FILE [flags]'],
  description: 'Several score sets in one run (any mix of the inputs, each repeatable), named by --label NAME=FILE. Where bob.measure, pyeer and facebench define a number differently, docs/scores.md says which definition each field follows.',
  groups: [
    {
      title: 'Inputs (each repeatable)',
      flags: {
        bob: { kind: 'repeatable', value: 'FILE', describe: 'bob score file: 4 columns (claimed_id real_id test_label score), 5 columns, or bob.measure\'s 2 (±1 score); genuine when the ids are equal' },
        eval: { kind: 'repeatable', value: 'FILE', describe: 'bob evaluation set of the k-th --bob (none, or one per --bob): the dev threshold is applied to it' },
        genuine: { kind: 'repeatable', value: 'FILE', describe: 'pyeer genuine scores (one per line, last column)' },
        impostor: { kind: 'repeatable', value: 'FILE', describe: 'pyeer impostor scores, one per --genuine' },
        'impostor-histogram': { kind: 'repeatable', value: 'FILE', describe: 'pyeer impostor histogram (line i = count of impostor score i), in place of --impostor' },
        'ijb-scores': { kind: 'repeatable', value: 'DIR', describe: 'an ijb --scores folder (<aggregation>.npy), with --root: one set per aggregation' },
        root: { kind: 'value', value: 'DIR', describe: 'with --ijb-scores: the IJB release folder whose pair file gives the labels' },
        target: { kind: 'value', value: 'IJBC|IJBB', default: 'IJBC', describe: 'with --ijb-scores: which pair file' },
        aggregate: { kind: 'value', value: 'LIST', describe: 'with --ijb-scores: only these aggregations [default: every .npy in the folder]' },
        'score-csv': { kind: 'repeatable', value: 'FILE', describe: 'CSV score,label[,fold] (label 1 genuine, 0 impostor; optional header)' },
        label: { kind: 'repeatable', value: 'NAME=FILE', describe: 'display name of the set read from FILE (the --bob, --genuine, --ijb-scores or --score-csv value) [default: the file name]' },
        distance: { kind: 'switch', describe: 'scores are distances (lower = more similar): negated on reading, thresholds reported in distance units' },
        'higher-is-better': { kind: 'switch', describe: 'scores are similarities (the default, spelled out)' },
      },
    },
    {
      title: 'Evaluation',
      flags: {
        far: { kind: 'value', value: 'LIST', default: DEFAULT_SCORE_FARS.map(farKey).join(','), describe: 'FAR targets; a target below 1/impostors is reported as unresolvable (null)' },
        rule: { kind: 'value', value: 'RULE', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR ≤ target), bob (bob.measure far_threshold)' },
        criterion: { kind: 'value', value: 'NAME', default: 'eer', describe: 'how the decision threshold is chosen on the dev set (bob metrics -c): eer, min-hter, far' },
        'criterion-far': { kind: 'value', value: 'RATE', describe: 'with --criterion far: its FMR (bob --far-value)' },
        epc: { kind: 'value', value: 'N', default: `0 (${DEFAULT_EPC_POINTS} with --plots)`, describe: 'points of the EPC (bob epc); time grows with N × scores' },
        bins: { kind: 'value', value: 'N', default: String(DEFAULT_HISTOGRAM_BINS), describe: 'bins of the score histograms' },
        curve: { kind: 'switch', describe: 'store the thinned ROC, the histograms and the EPC in the JSON' },
      },
    },
    outputFlags(
      { json: 'write the JSON result here', csv: 'write a CSV (one line per set × FAR target) here', markdown: 'write markdown tables here' },
      { plots: { kind: 'value', value: 'DIR', describe: 'write det.svg (probit axes, every set), hist-<label>.svg and, with an EPC, epc.svg here (created, not its parents)' } },
    ),
  ],
  examples: [
    { what: 'A bob dev / eval pair: TAR@FAR, FMR100, d′, HTER at the dev EER threshold applied to eval', command: 'facebench scores --bob dev.txt --eval eval.txt --far 1e-3,1e-2,1e-1' },
    { what: 'pyeer files, distances, with the probit DET and histograms', command: 'facebench scores --genuine gen.txt --impostor imp.txt --distance --plots plots/' },
    { what: 'Re-evaluate an ijb run under the bob rule, without the features', command: 'facebench scores --ijb-scores scores/ --root IJB_release/IJBC --rule bob --json rescored.json' },
  ],
};

export interface ScoresCommandOptions extends Pick<ScoresOptions, 'sets' | 'fars' | 'rule' | 'distance' | 'criterion' | 'criterionFar' | 'epcPoints'> {
  bins: number;
  curve: boolean;
  plots?: string;
  outputs: FileOutputs;
  quiet: boolean;
  inputs: InputRequest[];
}

/** Every input flag → one score set each (pyeer pairs by position), labelled by --label NAME=FILE. */
function scoreSets(args: Args): { sets: ScoreSetSpec[]; inputs: InputRequest[] } {
  const sets: ScoreSetSpec[] = [];
  const inputs: InputRequest[] = [];
  const labels = parseLabels(args.list('label'));
  const named = (file: string): string | undefined => labels.get(file);
  const bobs = args.list('bob');
  const evals = args.list('eval');
  if (evals.length && evals.length !== bobs.length) throw new UsageError(`${bobs.length} --bob but ${evals.length} --eval: give none, or one --eval per --bob (in the same order)`);
  bobs.forEach((file, k) => {
    sets.push({ input: { format: 'bob', file }, label: named(file), evaluation: evals[k] === undefined ? undefined : { format: 'bob', file: evals[k] } });
    inputs.push({ flag: '--bob', path: file }, ...(evals[k] ? [{ flag: '--eval', path: evals[k] }] : []));
  });
  const genuine = args.list('genuine');
  const impostor = args.list('impostor');
  const histograms = args.list('impostor-histogram');
  if (impostor.length + histograms.length !== genuine.length || (impostor.length && histograms.length)) {
    throw new UsageError(`${genuine.length} --genuine but ${impostor.length} --impostor and ${histograms.length} --impostor-histogram: give one --impostor (or, for all, one --impostor-histogram) per --genuine`);
  }
  genuine.forEach((g, k) => {
    const input: ScoreInput = impostor.length ? { format: 'pyeer', genuine: g, impostor: impostor[k] } : { format: 'pyeer-histogram', genuine: g, impostorHistogram: histograms[k] };
    sets.push({ input, label: named(g) });
    inputs.push({ flag: '--genuine', path: g }, { flag: impostor.length ? '--impostor' : '--impostor-histogram', path: impostor[k] ?? histograms[k] });
  });
  const ijbDirs = args.list('ijb-scores');
  const root = args.string('root');
  if (ijbDirs.length && root === undefined) throw new UsageError('--ijb-scores needs --root (the IJB release folder whose pair file gives the labels)');
  for (const f of ['root', 'target', 'aggregate']) if (!ijbDirs.length && args.has(f)) throw new UsageError(`--${f} only applies with --ijb-scores`);
  const target = parseIjbTarget(args);
  const aggregate = args.string('aggregate');
  for (const dir of ijbDirs) {
    sets.push({ input: { format: 'ijb', dir, root: root!, target, aggregations: aggregate === undefined ? undefined : parseCommaList(aggregate, '--aggregate') }, label: named(dir) });
    inputs.push({ flag: '--ijb-scores', path: dir });
  }
  for (const file of args.list('score-csv')) {
    sets.push({ input: { format: 'csv', file }, label: named(file) });
    inputs.push({ flag: '--score-csv', path: file });
  }
  if (sets.length === 0) throw new UsageError('give a score set: --bob, --genuine with --impostor, --ijb-scores with --root, or --score-csv', 'see facebench help scores');
  const inputFiles = new Set(inputs.map((i) => i.path));
  for (const f of labels.keys()) if (!inputFiles.has(f)) throw new UsageError(`--label names '${basename(f)}', which is not one of the inputs (give the path as in --bob / --genuine / --ijb-scores / --score-csv)`);
  return { sets, inputs };
}

export function parseScoresOptions(args: Args): ScoresCommandOptions {
  const { sets, inputs } = scoreSets(args);
  if (args.switch('distance') && args.switch('higher-is-better')) throw new UsageError('--distance and --higher-is-better exclude each other');
  const criterion = parseChoice(args.string('criterion') ?? 'eer', CRITERIA, '--criterion');
  const criterionFar = args.string('criterion-far');
  if (criterion === 'far' && criterionFar === undefined) throw new UsageError('--criterion far needs --criterion-far RATE');
  if (criterion !== 'far' && criterionFar !== undefined) throw new UsageError('--criterion-far only applies with --criterion far');
  const plots = args.string('plots');
  const epc = args.string('epc');
  return {
    sets,
    inputs,
    fars: parseRateList(args.string('far') ?? DEFAULT_SCORE_FARS.map(farKey).join(','), '--far'),
    rule: parseChoice(args.string('rule') ?? 'nearest', TAR_RULES, '--rule'),
    distance: args.switch('distance'),
    criterion,
    criterionFar: criterionFar === undefined ? undefined : parseRateList(criterionFar, '--criterion-far')[0],
    epcPoints: epc === undefined ? (plots !== undefined ? DEFAULT_EPC_POINTS : 0) : parseNumber(epc, '--epc', { integer: true, min: 0, max: 10_000 }),
    bins: parseNumber(args.string('bins') ?? String(DEFAULT_HISTOGRAM_BINS), '--bins', { integer: true, min: 2, max: 100_000 }),
    curve: args.switch('curve'),
    plots,
    outputs: parseFileOutputs(args),
    quiet: args.switch('quiet'),
  };
}

/** `hist-<label>.svg`, with characters a file name should not hold replaced. */
const histogramFile = (label: string): string => `hist-${label.replace(/[^A-Za-z0-9+._-]/g, '_')}.svg`;

export interface ScoresCommandResult {
  result: ScoresResult;
  svgs: { name: string; svg: string }[];
}

async function runScores(o: ScoresCommandOptions, ui: Ui): Promise<ScoresCommandResult> {
  // Stages: read each set (and its eval set), evaluate each set.
  const progress = ui.progress(o.sets.reduce((n, set) => n + (set.evaluation ? 3 : 2), 0));
  const result = evaluateScoreFiles({
    sets: o.sets,
    fars: o.fars,
    rule: o.rule,
    distance: o.distance,
    criterion: o.criterion,
    criterionFar: o.criterionFar,
    epcPoints: o.epcPoints,
    histogramBins: o.bins,
    curves: o.curve || o.plots !== undefined,
    onStage: (stage, ms) => progress.step(stage, ms),
  });
  progress.done();
  const svgs: ScoresCommandResult['svgs'] = [];
  if (o.plots !== undefined) {
    svgs.push({ name: 'det.svg', svg: await renderSvg(scoresDetSpec(result)) });
    for (const r of result.results) svgs.push({ name: histogramFile(r.label), svg: await renderSvg(scoreHistogramSpec(result, r)) });
    if (result.results.some((r) => r.epc)) svgs.push({ name: 'epc.svg', svg: await renderSvg(epcSpec(result)) });
  }
  return { result, svgs };
}

export const scoresCommand: Command<ScoresCommandOptions, ScoresCommandResult> = {
  spec,
  parse: parseScoresOptions,
  files(o) {
    const outputs: OutputRequest[] = fileOutputRequests(o.outputs);
    if (o.plots !== undefined) outputs.push({ flag: '--plots', path: o.plots, kind: 'folder', files: ['det.svg', 'epc.svg'] });
    return { outputs, inputs: o.inputs };
  },
  quiet: (o) => o.quiet,
  run: runScores,
  report(o, { result, svgs }) {
    const out = new PendingOutputs();
    out.add(o.outputs.json, () => scoresJson(result, { curve: o.curve }));
    out.add(o.outputs.csv, () => scoresCsv(result));
    out.add(o.outputs.markdown, () => scoresMarkdown(result));
    if (o.plots !== undefined) {
      out.addFolder(o.plots);
      const seen = new Set<string>();
      for (const s of svgs) {
        if (seen.has(s.name)) throw new UsageError(`two score sets would both be drawn as ${join(o.plots, s.name)}: give them distinct --label names`);
        seen.add(s.name);
        out.add(join(o.plots, s.name), () => s.svg);
      }
    }
    if (!out.printsToStdout) out.print(scoresText(result));
    return { outputs: out, warnings: result.warnings };
  },
};
