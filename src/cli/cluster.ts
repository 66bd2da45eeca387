/**
 * `facebench cluster`: scores clusterings against the true identities (pairwise, BCubed, NMI — with
 * and without predicted singletons), runs learn-to-cluster's training-free baselines exactly
 * (FastHAC, kNN-DBSCAN) and facebench's magnitude density peaks, sweeps their thresholds, and checks
 * MagFace's claim that magnitude follows kNN density.
 */
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { formatLabelFile } from '../io/cluster-labels.js';
import { isFolder } from '../io/input-file.js';
import { CLUSTER_DEFAULTS, CLUSTER_METHODS, runCluster, validateClusterOptions, type ClusterFeatureSource, type ClusterMethod, type ClusterResult, type ClusterSettings, type ClusterTruth } from '../protocols/cluster.js';
import { clusterCsv, clusterJson, clusterMarkdown, clusterText } from '../report/cluster-report.js';
import { magnitudeDensitySvg } from '../report/plots-cluster.js';
import type { Command, Ui } from './command.js';
import { CACHE_FLAG, extractionGroup, fileOutputRequests, outputFlags, parseFileOutputs, parseSubset, type FileOutputs, parseModelFlags, refuseModelFlags, type ModelFlags } from './flag-groups.js';
import { clusterFeaturesOfModel, clusterFeaturesOfStore } from './feature-stores.js';
import { parseChoice, parseCommaList, parseNumber } from './flag-values.js';
import type { Args, CommandSpec } from './flags.js';
import { PendingOutputs, type InputRequest, type OutputRequest } from './outputs.js';
import type { RateProgress } from './progress.js';

const spec: CommandSpec = {
  name: 'cluster',
  summary: 'face clustering: pairwise / BCubed F and NMI of a clustering, the FastHAC and kNN-DBSCAN baselines exactly, magnitude density peaks',
  usage: [
    'cluster --features FILE (--labels FILE | --root DIR --subset N) [--predicted FILE …] [--method LIST] [flags]',
    'cluster --features FILE.bin --dim D --labels FILE [flags]',
    'cluster --root DIR --subset N (--model FILE [extraction flags] | --features STORE_DIR) [flags]',
  ],
  description:
    'Every metric for every clustering: the baselines computed here (equal to learn-to-cluster\'s published code, over an exact blocked pass: no N×N matrix) and any --predicted label files. With --model, the protocol\'s faces are aligned by their eyes and nose (or box) and extracted into a cached store first. docs/cluster.md explains pairwise vs BCubed vs NMI.',
  groups: [
    {
      title: 'Faces and truth',
      flags: {
        features: { kind: 'value', value: 'FILE|DIR', describe: 'features: .npy [faces, dim] (row i = face i), learn-to-cluster\'s raw float32 .bin with --dim, or (with --root) a store of the protocol\'s faces (facebench extract --dataset ijbb-clustering)' },
        model: { kind: 'value', value: 'FILE', describe: 'with --root: an ONNX model; the protocol\'s faces are aligned and extracted into a cached store, then clustered' },
        store: { kind: 'value', value: 'DIR', describe: 'with --model: the store folder to use (reused when it matches the model and preprocessing; refused otherwise)' },
        cache: CACHE_FLAG,
        dim: { kind: 'value', value: 'D', describe: 'with a .bin: the feature dimension' },
        labels: { kind: 'value', value: 'FILE', describe: 'true identity of each face: one integer per line (learn-to-cluster .meta)' },
        root: { kind: 'value', value: 'DIR', describe: 'an IJB-B release holding the clustering protocols (instead of --labels); with --model, the images at their FILENAME under it' },
        subset: { kind: 'value', value: 'N', describe: 'with --root: the protocol of N subjects (32, 64, …, 1845); features in its row order' },
        predicted: { kind: 'repeatable', value: 'FILE', describe: 'a clustering to score: one integer per line, -1 = unclustered (its own singleton)' },
      },
    },
    {
      title: 'Baselines',
      flags: {
        method: { kind: 'value', value: 'LIST', default: `${CLUSTER_METHODS.join(',')} (none when only --predicted is given)`, describe: 'baselines to run: fasthac, knn-dbscan, magnitude-peaks' },
        distance: { kind: 'value', value: 'T', default: String(CLUSTER_DEFAULTS.distance), describe: 'FastHAC cut: Euclidean distance of unit features' },
        k: { kind: 'value', value: 'N', default: String(CLUSTER_DEFAULTS.k), describe: 'neighbours per face (kNN-DBSCAN, magnitude peaks, density)' },
        eps: { kind: 'value', value: 'E', default: String(CLUSTER_DEFAULTS.eps), describe: 'kNN-DBSCAN radius in 1 − cosine' },
        tau: { kind: 'value', value: 'C', default: String(CLUSTER_DEFAULTS.tau), describe: 'magnitude peaks: lowest cosine of a link (facebench\'s own baseline)' },
        sweep: { kind: 'switch', describe: 'also score each method over a grid of its threshold (distance 0.50–0.90, eps 0.10–0.40, tau 0.40–0.80, step 0.02) and report the best' },
        'magnitude-check': { kind: 'switch', describe: 'Spearman(magnitude, kNN density) even when no kNN baseline runs (it runs whenever one does)' },
      },
    },
    extractionGroup({ flipByDefault: false, skipBad: false, noFlip: true, title: 'Extraction (with --model)' }),
    outputFlags(
      { json: 'write the JSON result here', csv: 'write a CSV (one line per clustering) here', markdown: 'write markdown tables here' },
      {
        'write-labels': { kind: 'value', value: 'DIR', describe: 'write each baseline\'s labels as DIR/<method>.txt (learn-to-cluster style; created, not its parents)' },
        plots: { kind: 'value', value: 'DIR', describe: 'write magnitude-density.svg (the MagFace check as a scatter) here' },
      },
    ),
  ],
  examples: [
    { what: 'All three baselines and a clustering from another tool on the fixture set', command: 'facebench cluster --features fixtures/cluster-demo/features.npy --labels fixtures/cluster-demo/labels.meta --predicted fixtures/cluster-demo/pred_labels.txt' },
    { what: 'The IJB-B-1845 protocol: FastHAC over a threshold sweep, labels written for other tools', command: 'facebench cluster --root IJB-B --subset 1845 --features ijbb1845.npy --method fasthac --sweep --write-labels labels/' },
    { what: 'The IJB-B-512 protocol straight from images: align (eyes + nose), extract with a model (cached), cluster', command: 'facebench cluster --root IJB-B --subset 512 --model r100.onnx' },
    { what: 'learn-to-cluster\'s raw features, kNN-DBSCAN with its published settings, JSON for compare / gate', command: 'facebench cluster --features part1_test.bin --dim 256 --labels part1_test.meta --method knn-dbscan --json knn.json' },
  ],
};

/** Where the features come from: a file, a store of the protocol's faces, or a model run on them. */
export type ClusterFeatureInput =
  | { kind: 'file'; source: ClusterFeatureSource }
  | { kind: 'store'; dir: string }
  | ModelFlags;

export interface ClusterCommandOptions {
  /** The protocol options but the features, which `input` gives (a model's once extracted). */
  protocol: ClusterSettings;
  input: ClusterFeatureInput;
  writeLabels?: string;
  plots?: string;
  outputs: FileOutputs;
  quiet: boolean;
  inputs: InputRequest[];
}

function parseFeatures(args: Args, truth: ClusterTruth): ClusterFeatureInput {
  const file = args.string('features');
  const model = args.string('model');
  const dim = args.string('dim');
  if (model !== undefined) {
    if (file !== undefined) throw new UsageError('give either --model or --features, not both');
    if (truth.format !== 'ijbb') throw new UsageError('--model extracts the faces of an IJB-B clustering protocol: give --root DIR --subset N (for other faces: facebench extract, then --features)');
    if (dim !== undefined) throw new UsageError('--dim only applies to a raw .bin feature file');
    return parseModelFlags(args, model);
  }
  refuseModelFlags(args, 'only applies with --model (it sets how images are extracted); saved features are clustered as they are');
  if (file === undefined) throw new UsageError('give --features (saved features, or with --root a store folder) or, with --root, --model', 'see facebench help cluster');
  if (isFolder(file)) {
    if (truth.format !== 'ijbb') throw new UsageError(`--features ${file}: a store folder holds the faces of an IJB-B clustering protocol: give --root DIR --subset N (or its features.npy with --labels)`);
    if (dim !== undefined) throw new UsageError('--dim only applies to a raw .bin feature file');
    return { kind: 'store', dir: file };
  }
  if (file.toLowerCase().endsWith('.bin')) {
    if (dim === undefined) throw new UsageError(`--features ${file}: a raw .bin needs --dim D (values per face)`);
    return { kind: 'file', source: { format: 'bin', file, dim: parseNumber(dim, '--dim', { integer: true, min: 1, max: 65_536 }) } };
  }
  if (dim !== undefined) throw new UsageError('--dim only applies to a raw .bin feature file');
  return { kind: 'file', source: { format: 'npy', file } };
}

function parseTruth(args: Args): ClusterTruth {
  const labels = args.string('labels');
  const root = args.string('root');
  if ((labels === undefined) === (root === undefined)) throw new UsageError('give the true identities: --labels FILE, or an IJB-B protocol with --root DIR --subset N', 'see facebench help cluster');
  if (labels !== undefined) {
    if (args.has('subset')) throw new UsageError('--subset only applies with --root');
    return { format: 'labels', file: labels };
  }
  const subset = args.string('subset');
  if (subset === undefined) throw new UsageError('--root needs --subset N (the protocol of N subjects: 32, 64, …, 1845)');
  return { format: 'ijbb', root: root!, subset: parseSubset(subset) };
}

export function parseClusterOptions(args: Args): ClusterCommandOptions {
  const predicted = args.list('predicted');
  const method = args.string('method');
  const methods: ClusterMethod[] = method === undefined ? (predicted.length && !args.has('sweep') ? [] : [...CLUSTER_METHODS]) : parseCommaList(method, '--method').map((m) => parseChoice(m, CLUSTER_METHODS, '--method'));
  if (new Set(methods).size !== methods.length) throw new UsageError(`--method: '${method}' names a method twice`);
  if (methods.length === 0 && predicted.length === 0) throw new UsageError('nothing to score: give --predicted FILE or a --method');
  const number = (flag: string, fallback: number, integer = false): number => parseNumber(args.string(flag) ?? String(fallback), `--${flag}`, integer ? { integer: true, min: 1, max: 10_000 } : {});
  const truth = parseTruth(args);
  const input = parseFeatures(args, truth);
  const protocol: ClusterCommandOptions['protocol'] = {
    truth,
    predicted,
    methods,
    distance: number('distance', CLUSTER_DEFAULTS.distance),
    k: number('k', CLUSTER_DEFAULTS.k, true),
    eps: number('eps', CLUSTER_DEFAULTS.eps),
    tau: number('tau', CLUSTER_DEFAULTS.tau),
    sweep: args.switch('sweep'),
    magnitudeCheck: args.switch('magnitude-check') || undefined,
    keepLabels: args.has('write-labels'),
  };
  if (args.has('write-labels') && methods.length === 0) throw new UsageError('--write-labels writes the baselines\' labels: give a --method');
  validateClusterOptions(protocol);
  const inputs: InputRequest[] = [
    input.kind === 'file' ? { flag: '--features', path: input.source.file } : input.kind === 'store' ? { flag: '--features', path: input.dir } : { flag: '--model', path: input.model },
    ...(protocol.truth.format === 'labels' ? [{ flag: '--labels', path: protocol.truth.file }] : [{ flag: '--root', path: protocol.truth.root }]),
    ...predicted.map((p) => ({ flag: '--predicted', path: p })),
  ];
  return { protocol, input, writeLabels: args.string('write-labels'), plots: args.string('plots'), outputs: parseFileOutputs(args), quiet: args.switch('quiet'), inputs };
}

export interface ClusterCommandResult {
  result: ClusterResult;
  scatter?: string;
}

/** The features to cluster: the file given, or the features file of the protocol's store (a model's extracted first). */
async function featureSource(o: ClusterCommandOptions, ui: Ui): Promise<ClusterFeatureSource> {
  const input = o.input;
  if (input.kind === 'file') return input.source;
  const { root, subset } = o.protocol.truth as Extract<ClusterTruth, { format: 'ijbb' }>; // parseFeatures made sure
  if (input.kind === 'store') return { format: 'npy', file: clusterFeaturesOfStore(input.dir, root, subset) };
  return { format: 'npy', file: await clusterFeaturesOfModel({ ...input, root, subset }, ui) };
}

async function runClusterCommand(o: ClusterCommandOptions, ui: Ui): Promise<ClusterCommandResult> {
  const features = await featureSource(o, ui);
  const progress = ui.progress();
  let pass: RateProgress | undefined; // made once the pass knows its number of blocks
  const result = await runCluster({
    ...o.protocol,
    features,
    onStage: (stage, ms) => progress.step(stage, ms),
    onProgress: (done, total) => (pass ??= ui.rateProgress(total, 'blocks')).update(done),
  });
  pass?.done();
  progress.done();
  let scatter: string | undefined;
  if (o.plots !== undefined) {
    if (!result.magnitudeDensity) throw new UsageError('--plots draws magnitude against kNN density: run a kNN baseline (knn-dbscan, magnitude-peaks) or --magnitude-check');
    scatter = await magnitudeDensitySvg(result.magnitudeDensity, basename(features.file));
  }
  return { result, scatter };
}

export const clusterCommand: Command<ClusterCommandOptions, ClusterCommandResult> = {
  spec,
  parse: parseClusterOptions,
  files(o) {
    const outputs: OutputRequest[] = fileOutputRequests(o.outputs);
    if (o.writeLabels !== undefined) outputs.push({ flag: '--write-labels', path: o.writeLabels, kind: 'folder', files: o.protocol.methods.map((m) => `${m}.txt`) });
    if (o.plots !== undefined) outputs.push({ flag: '--plots', path: o.plots, kind: 'folder', files: ['magnitude-density.svg'] });
    return { outputs, inputs: o.inputs };
  },
  quiet: (o) => o.quiet,
  run: runClusterCommand,
  report(o, { result, scatter }) {
    const out = new PendingOutputs();
    out.add(o.outputs.json, () => clusterJson(result));
    out.add(o.outputs.csv, () => clusterCsv(result));
    out.add(o.outputs.markdown, () => clusterMarkdown(result));
    if (o.writeLabels !== undefined) {
      out.addFolder(o.writeLabels);
      for (const r of result.results) if (r.method !== 'predicted' && r.labels) out.add(join(o.writeLabels, `${r.method}.txt`), () => formatLabelFile(r.labels!));
    }
    if (o.plots !== undefined && scatter !== undefined) {
      out.addFolder(o.plots);
      out.add(join(o.plots, 'magnitude-density.svg'), () => scatter);
    }
    if (!out.printsToStdout) out.print(clusterText(result));
    return { outputs: out, warnings: result.warnings };
  },
};
