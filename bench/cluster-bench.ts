/**
 * Clustering at IJB-B-1845 scale: `node scripts/build.mjs && node --expose-gc dist/cluster-bench.js`.
 *
 * Writes a synthetic set once into .bench/cluster-synthetic (68,000 faces × 512 float32 = 139 MB,
 * 1,845 identities, seeded: fixtures/cluster-synthetic.mjs), then times `runCluster` from files to
 * scores with FastHAC + kNN-DBSCAN + magnitude peaks + the magnitude–density check (all metrics,
 * with and without singletons), per stage, and its peak RSS against the feature file.
 *
 * REFERENCE=1 LEARN_TO_CLUSTER=<clone or git dir> also runs bench/reference_cluster.py on the same
 * data in the same run: learn-to-cluster `knn_dbscan` on an exact numpy kNN over all faces,
 * `fast_hierarchy` (fastcluster) on the first REFERENCE_FACES (12,000) faces — it is O(N²) in scalar
 * float64 — and compares the labels with facebench's.
 * SWEEP=1 adds the default threshold sweeps.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { syntheticClusterSet } from '../fixtures/cluster-synthetic.mjs';
import { encodeNpy, openNpyRows } from '../src/io/npy.js';
import { canonicalLabels } from '../src/metrics/cluster-labels.js';
import { runCluster, CLUSTER_DEFAULTS, type ClusterResult } from '../src/protocols/cluster.js';
import { clusterText } from '../src/report/cluster-report.js';

const SCALE = { seed: 1845, faces: 68_000, identities: 1_845, dim: 512, model: 2 };
const root = join(process.cwd(), '.bench', 'cluster-synthetic');
const stamp = join(root, 'complete.json');

function ensureSet(): void {
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(SCALE)) return;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const t0 = performance.now();
  const set = syntheticClusterSet(SCALE);
  writeFileSync(join(root, 'features.npy'), encodeNpy(set.features, [set.faces, set.dim]));
  writeFileSync(join(root, 'labels.meta'), Array.from(set.labels).join('\n') + '\n');
  writeFileSync(stamp, JSON.stringify(SCALE));
  process.stderr.write(`bench: wrote ${root} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

ensureSet();
const features = join(root, 'features.npy');
const featureBytes = statSync(features).size;
const sweep = process.env.SWEEP === '1';

/** The set's first n faces as features.npy + labels.meta in `dir`. */
function writeHead(n: number, dir: string): { features: string; labels: string } {
  mkdirSync(dir, { recursive: true });
  const reader = openNpyRows(features);
  const rows = new Float32Array(n * SCALE.dim);
  reader.read(0, n, rows);
  reader.close();
  const out = { features: join(dir, 'features.npy'), labels: join(dir, 'labels.meta') };
  writeFileSync(out.features, encodeNpy(rows, [n, SCALE.dim]));
  writeFileSync(out.labels, readFileSync(join(root, 'labels.meta'), 'utf8').split('\n').slice(0, n).join('\n') + '\n');
  return out;
}

const baselines = { distance: CLUSTER_DEFAULTS.distance, k: CLUSTER_DEFAULTS.k, eps: CLUSTER_DEFAULTS.eps, tau: CLUSTER_DEFAULTS.tau };

// Warm-up on a small slice: loads onnxruntime and compiles the hot loops before the timed run.
{
  const warm = writeHead(3000, join(root, 'warm'));
  await runCluster({
    features: { format: 'npy', file: warm.features }, truth: { format: 'labels', file: warm.labels },
    predicted: [], methods: ['fasthac', 'knn-dbscan'], ...baselines, sweep: false,
  });
}
(globalThis as { gc?: () => void }).gc?.();

const stages: [string, number, number][] = [];
const rssBefore = process.memoryUsage().rss; // node + onnxruntime, loaded by the warm-up
const load0 = loadavg()[0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result: ClusterResult = await runCluster({
  features: { format: 'npy', file: features },
  truth: { format: 'labels', file: join(root, 'labels.meta') },
  predicted: [],
  methods: ['fasthac', 'knn-dbscan', 'magnitude-peaks'],
  ...baselines,
  sweep,
  keepLabels: true,
  onStage: (stage, ms) => stages.push([stage, ms, process.memoryUsage().rss]),
});
const total = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const rss = process.resourceUsage().maxRSS * 1024;

console.log(clusterText(result));
console.log(`load average (1 min) at the start ${load0.toFixed(2)}, at the end ${loadavg()[0].toFixed(2)} (2 cores, shared with other sessions)`);
for (const [stage, ms, rssAfter] of stages) console.log(`${stage.padEnd(22)} ${(ms / 1000).toFixed(2)} s   (RSS after: ${(rssAfter / 2 ** 20).toFixed(0)} MiB)`);
console.log(`${'total (files → scores)'.padEnd(22)} ${total.toFixed(2)} s   [target ≤ 30 s]`);
console.log(`${'CPU time (all threads)'.padEnd(22)} ${cpuSeconds.toFixed(2)} s   (wall on an idle 2-core machine ≥ half of it)`);
console.log(`peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB; features ${(featureBytes / 2 ** 20).toFixed(0)} MiB; ratio ${(rss / featureBytes).toFixed(2)}   [target ≤ 2]`);
console.log(`  of which node + onnxruntime before the run: ${(rssBefore / 2 ** 20).toFixed(0)} MiB; the run's own peak: ${((rss - rssBefore) / 2 ** 20).toFixed(0)} MiB = ${((rss - rssBefore) / featureBytes).toFixed(2)} × the features`);
const p = result.pass!;
console.log(`pass: ${p.pairs.toExponential(3)} pairs, ${p.screened} screened (float64 products), ${p.exactDistances} exact distances`);

if (process.env.REFERENCE === '1') {
  // The published code on the same data, in this run (bench/reference_cluster.py).
  const repo = process.env.LEARN_TO_CLUSTER;
  if (!repo) throw new Error('REFERENCE=1 needs LEARN_TO_CLUSTER=<learn-to-cluster clone or git dir>');
  const refFaces = Number(process.env.REFERENCE_FACES ?? 12000);
  const out = join(root, 'reference');
  mkdirSync(out, { recursive: true });
  // facebench's FastHAC on the first refFaces faces, the size the O(N²) reference is run on.
  const head = writeHead(refFaces, join(out, 'head'));
  const t1 = performance.now();
  const head64 = await runCluster({
    features: { format: 'npy', file: head.features }, truth: { format: 'labels', file: head.labels },
    predicted: [], methods: ['fasthac'], ...baselines, sweep: false, keepLabels: true,
  });
  const headSeconds = (performance.now() - t1) / 1000;

  const py = spawnSync('/usr/bin/python3', [join('bench', 'reference_cluster.py'), '--learn-to-cluster', repo, '--root', root, '--out', out, '--fasthac-faces', String(refFaces)], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`reference_cluster.py failed (exit ${py.status})`);
  const ref = JSON.parse(py.stdout) as { seconds: Record<string, number>; peak_rss_mib: number; knn_dbscan: { labels_file: string }; fasthac: { labels_file: string } };
  const readLabels = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map(Number);
  const ours = result.results.find((r) => r.method === 'knn-dbscan')!.labels!;
  const theirs = readLabels(ref.knn_dbscan.labels_file);
  let differ = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differ++;
  const s = ref.seconds;
  console.log(`\nreference (learn-to-cluster, Python; RSS ${ref.peak_rss_mib.toFixed(0)} MiB):`);
  console.log(`  knn_dbscan, ${SCALE.faces} faces: numpy float32 kNN ${s.knn.toFixed(1)} s + fast_knns2spmat/DBSCAN ${s.dbscan.toFixed(1)} s; labels ${differ === 0 ? 'identical to facebench' : `differ for ${differ} faces`}`);
  console.log(`  metrics (pairwise, bcubed, nmi): ${s.metrics.toFixed(1)} s`);
  const hacOurs = canonicalLabels(head64.results[0].labels!);
  const hacTheirs = canonicalLabels(readLabels(ref.fasthac.labels_file));
  const same = hacOurs.every((v, i) => v === hacTheirs[i]);
  console.log(`  fast_hierarchy (fastcluster + fcluster), first ${refFaces} faces: ${s.fasthac.toFixed(1)} s (facebench, same faces: ${headSeconds.toFixed(1)} s); partition ${same ? 'identical' : 'DIFFERS'}`);
}
