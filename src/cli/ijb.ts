/**
 * `facebench ijb`: IJB-B / IJB-C 1:1 verification from saved features (a .npy / MagFace list, or a
 * feature store folder), or from a model (`--model`: extract into a cached store, then evaluate the
 * store's features.npy / features_flip.npy exactly as `--features` would).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { isFolder } from '../io/input-file.js';
import { parseAggregationList } from '../aggregate/spec.js';
import { TAR_RULES, type TarRule } from '../metrics/tar-at-far.js';
import { farKey } from '../report/format.js';
import type { Command, Ui } from './command.js';
import { BOOTSTRAP_GROUP, CACHE_FLAG, extractionGroup, fileOutputRequests, outputFlags, parseBootstrap, parseFileOutputs, type BootstrapSettings, type FileOutputs, type ModelFlags, parseIjbTarget, parseModelFlags, refuseModelFlags, STORE_FLIP_FEATURES } from './flag-groups.js';
import { parseChoice, parseCommaList, parseNumber, parseRateList } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { PendingOutputs, type InputRequest, type OutputRequest } from './outputs.js';
import { DEFAULT_FARS, scoresInPairFileOrder } from '../protocols/ijb-1v1.js';
import { SCORING_METHODS, type ScoringMethod } from '../scoring/pair-scores.js';
import { IJB_PROTOCOLS, runIjb, type IjbProtocol, type IjbRunResult } from '../protocols/ijb-pipeline.js';
import { DEFAULT_FPIRS, DEFAULT_RANKS, INSIGHTFACE_1N_FARS } from '../protocols/ijb-1n.js';
import { checkIjb1nListsExist, ijb1nListPaths } from '../io/ijb-1n-lists.js';
import { ijbCsv, ijbMarkdown, ijbRunJson, ijbRunText, ijbRunWarnings } from '../report/ijb-report.js';
import { ijb1nCsv, ijb1nMarkdown } from '../report/ijb-1n-report.js';
import { encodeNpy } from '../io/npy.js';
import { scoresFileName } from '../protocols/paired-delta.js';
import { featuresOfModel, featuresOfStore, type EvaluatedFeatures } from './feature-stores.js';


const spec: CommandSpec = {
  name: 'ijb',
  summary: 'IJB-B / IJB-C 1:1 verification (TAR@FAR) and 1:N identification (rank-k, TPIR@FPIR) from saved features or a model',
  usage: ['ijb --root DIR --features FILE [--flip-features FILE] [flags]', 'ijb --root DIR --features STORE_DIR [flags]', 'ijb --root DIR --model FILE [extraction flags] [flags]'],
  description: 'Every aggregation and protocol asked for is computed from one read of the features and reported side by side; the numbers equal insightface ijb_11.py, ijb_1n.py, ijb_evals.py and MagFace eval_ijb.py (see the README).',
  groups: [
    {
      title: 'Input',
      flags: {
        root: { kind: 'value', value: 'DIR', describe: 'IJB_release folder: meta/<t>_face_tid_mid.txt, <t>_template_pair_label.txt, <t>_name_5pts_score.txt (and loose_crop/ for --model)' },
        target: { kind: 'value', value: 'IJBC|IJBB', default: 'IJBC', describe: 'which meta files (ijbc_ / ijbb_)' },
        features: { kind: 'value', value: 'FILE|DIR', describe: 'face features: .npy [faces, dim] float16/32/64 (row i = face line i), a MagFace gen_feat.py list, or a feature store folder (facebench extract)' },
        'flip-features': { kind: 'value', value: 'FILE', describe: 'features of the horizontally flipped faces, same shape (not with a store folder, which holds its own)' },
        model: { kind: 'value', value: 'FILE', describe: 'ONNX model: extract features into a cached store, then evaluate them' },
        store: { kind: 'value', value: 'DIR', describe: 'with --model: the store folder to use (reused when it matches the model, preprocessing and flip; refused otherwise)' },
        cache: CACHE_FLAG,
      },
    },
    {
      title: 'Evaluation',
      flags: {
        protocol: { kind: 'value', value: 'LIST', default: '1v1', describe: '1v1 (verification), 1n (identification: meta/<t>_1N_gallery_G1/G2.csv and _1N_probe_mixed.csv; IJB-B: _S1/_S2), or 1v1,1n' },
        aggregate: { kind: 'value', value: 'LIST', default: 'plain,magnitude', describe: 'comma list of: plain, magnitude, insightface, insightface:N<0|1>D<0|1>F<0|1>, magface, magface+' },
        far: { kind: 'value', value: 'LIST', default: DEFAULT_FARS.map(farKey).join(','), describe: 'FAR targets, rates in (0, 1]; a target below 1/impostor pairs is reported as unresolvable (null)' },
        rule: { kind: 'value', value: 'RULE', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR ≤ target), bob (bob.measure far_threshold)' },
        scoring: { kind: 'value', value: 'METHOD', default: 'auto', describe: 'exact (float64 dot per pair, numpy order), simd (float32 dot per pair), gemm (float32 block products), auto (exact for small sets, else simd; gemm when the block is over half full)' },
        curve: { kind: 'switch', describe: 'store each ROC (1:N: DIR vs FPIR and CMC), thinned, in the JSON (for compare --plot/--det/--dir/--cmc/--html)' },
      },
    },
    {
      title: '1:N identification (with --protocol 1n)',
      flags: {
        rank: { kind: 'value', value: 'LIST', default: '1,5,10', describe: 'rank-k to report (open set per ijb_evals.py, closed set per ijb_1n.py)' },
        fpir: { kind: 'value', value: 'LIST', default: '1e-4,1e-3,1e-2,1e-1', describe: 'open-set FPIR targets (TPIR = mate at rank 1 and above the threshold); a target below 1/non-mated searches is unresolvable (null)' },
        'closed-set-far': { kind: 'value', value: 'LIST', default: '1e-2,1e-1', describe: 'ijb_1n.py\'s "FAR" targets (its own definition, not FPIR: see the README)' },
        published: { kind: 'switch', describe: 'print the published ArcFace R100 ijb_1n.py row under the closed-set table' },
      },
    },
    BOOTSTRAP_GROUP(),
    extractionGroup({ flipByDefault: false, skipBad: true, title: 'Extraction (with --model)' }),
    outputFlags(
      { json: 'write the JSON result here', csv: 'write a CSV (one line per aggregation × FAR target) here', markdown: 'write markdown tables here' },
      { scores: { kind: 'value', value: 'DIR', describe: "write each aggregation's pair scores as DIR/<aggregation>.npy (pair-file order; the folder is created, not its parents)" } },
    ),
  ],
  examples: [
    { what: 'Saved features with flip features: plain vs magnitude-weighted aggregation, TAR at the six standard FARs', command: 'facebench ijb --root IJB_release/IJBC --features feats.npy --flip-features feats_flip.npy' },
    { what: 'Every reference mode side by side, 1,000-replicate template bootstrap intervals, JSON for compare/gate', command: 'facebench ijb --root IJB_release/IJBC --features feats.npy --aggregate plain,magnitude,insightface,magface,magface+ --bootstrap 1000 --json r100.json' },
    { what: 'From images: align, extract with flip on the first provider that works (cached store), evaluate', command: 'facebench ijb --root IJB_release/IJBC --model r100.onnx --flip' },
    { what: '1:1 and 1:N from one read of the features, with the published 1:N row beside', command: 'facebench ijb --root IJB_release/IJBC --features feats.npy --flip-features feats_flip.npy --aggregate insightface --protocol 1v1,1n --published' },
  ],
};

type FeatureInput = { kind: 'files'; features: string; flipFeatures?: string } | { kind: 'store'; dir: string } | ModelFlags;

export interface IjbCommandOptions {
  root: string;
  target: 'IJBC' | 'IJBB';
  protocols: IjbProtocol[];
  identification: { ranks: number[]; fpirs: number[]; closedSetFars: number[]; published: boolean };
  input: FeatureInput;
  aggregate: string;
  aggregationNames: string[];
  fars: number[];
  rule: TarRule;
  scoring: ScoringMethod;
  curve: boolean;
  bootstrap?: BootstrapSettings;
  outputs: FileOutputs & { scores?: string };
  quiet: boolean;
}

function required(args: Args, name: string, why: string): string {
  const v = args.string(name);
  if (v === undefined) throw new UsageError(`--${name} is required: ${why}`, 'see facebench help ijb');
  return v;
}

function parseInput(args: Args): FeatureInput {
  const features = args.string('features');
  const model = args.string('model');
  if (model !== undefined) {
    if (features !== undefined || args.has('flip-features')) throw new UsageError('give either --model or --features, not both');
    return parseModelFlags(args, model);
  }
  refuseModelFlags(args, 'only applies with --model (it sets how images are extracted); saved features are evaluated as they are');
  if (features === undefined) throw new UsageError('give --features (saved features or a store folder) or --model', 'see facebench help ijb');
  if (isFolder(features)) {
    if (args.has('flip-features')) throw new UsageError(STORE_FLIP_FEATURES);
    return { kind: 'store', dir: features };
  }
  return { kind: 'files', features, flipFeatures: args.string('flip-features') };
}

/** --protocol and the 1:N flags (refused without 1n). */
function parseProtocols(args: Args): Pick<IjbCommandOptions, 'protocols' | 'identification'> {
  const protocols = parseCommaList(args.string('protocol') ?? '1v1', '--protocol').map((p) => parseChoice(p, IJB_PROTOCOLS, '--protocol'));
  if (new Set(protocols).size !== protocols.length) throw new UsageError(`--protocol: '${args.string('protocol')}' names a protocol twice`);
  const oneToN = protocols.includes('1n');
  if (!oneToN) {
    const stray = ['rank', 'fpir', 'closed-set-far', 'published'].find((f) => args.has(f));
    if (stray) throw new UsageError(`--${stray} only applies with --protocol 1n (or 1v1,1n)`);
  }
  if (!protocols.includes('1v1')) {
    const stray = ['far', 'rule', 'scores'].find((f) => args.has(f));
    if (stray) throw new UsageError(`--${stray} only applies to 1:1 verification (--protocol 1v1)`);
  }
  const ranks = parseCommaList(args.string('rank') ?? DEFAULT_RANKS.join(','), '--rank').map((r) => parseNumber(r, '--rank', { integer: true, min: 1, max: 1_000_000 }));
  if (new Set(ranks).size !== ranks.length) throw new UsageError(`--rank: '${args.string('rank')}' names a rank twice`);
  return {
    protocols,
    identification: {
      ranks: [...ranks].sort((a, b) => a - b),
      fpirs: parseRateList(args.string('fpir') ?? DEFAULT_FPIRS.map(farKey).join(','), '--fpir'),
      closedSetFars: parseRateList(args.string('closed-set-far') ?? INSIGHTFACE_1N_FARS.map(farKey).join(','), '--closed-set-far'),
      published: args.switch('published'),
    },
  };
}

export function parseIjbOptions(args: Args): IjbCommandOptions {
  const input = parseInput(args);
  const hasFlip = input.kind === 'model' ? input.extraction.flip : input.kind === 'store' || input.flipFeatures !== undefined;
  const aggregate = args.string('aggregate') ?? 'plain,magnitude';
  const aggregationNames = parseAggregationList(aggregate, hasFlip).map((s) => s.name);
  const names = aggregationNames.map(scoresFileName);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash && args.has('scores')) throw new UsageError(`--aggregate: two aggregations would both write ${clash} under --scores`);
  return {
    root: required(args, 'root', 'the IJB_release folder'),
    target: parseIjbTarget(args),
    ...parseProtocols(args),
    input,
    aggregate,
    aggregationNames,
    fars: parseRateList(args.string('far') ?? DEFAULT_FARS.map(farKey).join(','), '--far'),
    rule: parseChoice(args.string('rule') ?? 'nearest', TAR_RULES, '--rule'),
    scoring: parseChoice(args.string('scoring') ?? 'auto', SCORING_METHODS, '--scoring'),
    curve: args.switch('curve'),
    bootstrap: parseBootstrap(args),
    outputs: { ...parseFileOutputs(args), scores: args.string('scores') },
    quiet: args.switch('quiet'),
  };
}

function ijbFiles(o: IjbCommandOptions): { outputs: OutputRequest[]; inputs: InputRequest[] } {
  const outputs = fileOutputRequests(o.outputs);
  if (o.outputs.scores !== undefined) outputs.push({ flag: '--scores', path: o.outputs.scores, kind: 'folder', files: o.aggregationNames.map(scoresFileName) });
  const inputs: InputRequest[] = [{ flag: '--root', path: o.root }];
  if (o.input.kind === 'files') {
    inputs.push({ flag: '--features', path: o.input.features });
    if (o.input.flipFeatures) inputs.push({ flag: '--flip-features', path: o.input.flipFeatures });
  } else if (o.input.kind === 'store') inputs.push({ flag: '--features', path: o.input.dir });
  else inputs.push({ flag: '--model', path: o.input.model });
  return { outputs, inputs };
}

export interface IjbCommandResult {
  run: IjbRunResult;
  features: EvaluatedFeatures;
}

export async function runIjbCommand(o: IjbCommandOptions, ui: Ui): Promise<IjbCommandResult> {
  // 1:N's lists are checked before an extraction can start (it may take hours).
  if (o.protocols.includes('1n')) checkIjb1nListsExist(ijb1nListPaths(o.root, o.target));
  const features: EvaluatedFeatures =
    o.input.kind === 'files'
      ? { features: o.input.features, flipFeatures: o.input.flipFeatures, excludedFaces: [] }
      : o.input.kind === 'store'
        ? await featuresOfStore(o.input.dir, o.root, o.target)
        : await featuresOfModel({ ...o.input, root: o.root, target: o.target }, ui);
  const perAggregation = (o.protocols.includes('1v1') ? (o.bootstrap ? 3 : 2) : 0) + (o.protocols.includes('1n') ? 2 : 0);
  const progress = ui.progress(2 + perAggregation * o.aggregationNames.length);
  const run = await runIjb({
    root: o.root,
    target: o.target,
    features: features.features,
    flipFeatures: features.flipFeatures,
    excludedFaces: features.excludedFaces,
    aggregate: o.aggregate,
    fars: o.fars,
    rule: o.rule,
    scoring: o.scoring,
    bootstrap: o.bootstrap,
    keepScores: o.outputs.scores !== undefined,
    protocols: o.protocols,
    ranks: o.identification.ranks,
    fpirs: o.identification.fpirs,
    closedSetFars: o.identification.closedSetFars,
    onStage: (stage, ms) => progress.step(stage, ms),
  });
  progress.done();
  if (features.source) for (const r of [run.oneToOne, run.oneToN]) if (r) r.featureSource = features.source;
  return { run, features };
}

export const ijbCommand: Command<IjbCommandOptions, IjbCommandResult> = {
  spec,
  parse: parseIjbOptions,
  files: ijbFiles,
  run: runIjbCommand,
  quiet: (o) => o.quiet,
  report(o, { run }) {
    const out = new PendingOutputs();
    const result = run.oneToOne;
    const textOptions = { published: o.identification.published };
    out.add(o.outputs.json, () => ijbRunJson(run, { curve: o.curve }));
    out.add(o.outputs.csv, () => [result && ijbCsv(result), run.oneToN && ijb1nCsv(run.oneToN)].filter(Boolean).join('\n'));
    out.add(o.outputs.markdown, () => [result && ijbMarkdown(result), run.oneToN && ijb1nMarkdown(run.oneToN, textOptions)].filter(Boolean).join('\n'));
    if (o.outputs.scores !== undefined && result) {
      out.addFolder(o.outputs.scores);
      for (const r of result.results) {
        out.add(join(o.outputs.scores, scoresFileName(r.aggregation)), () => {
          const scores = scoresInPairFileOrder(result, r);
          return encodeNpy(scores, [scores.length]);
        });
      }
    }
    if (!out.printsToStdout) out.print(ijbRunText(run, textOptions));
    return { outputs: out, warnings: ijbRunWarnings(run) };
  },
};
