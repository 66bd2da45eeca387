// Times the template bootstrap on an IJB-C-sized synthetic score set:
// 3,531 gallery × 19,593 probe templates, 19,557 probes with a mate, ~800 gallery templates per
// probe (not all pairs present) → ~15.66M pairs, ~19.6k genuine.
//
//   node bench/bootstrap-bench.mjs [--replicates 1000] [--rule nearest] [--seed 1] [--threads N]
//   FARS=1e-6,1e-4 node bench/bootstrap-bench.mjs      (other FAR targets; default 1e-6 … 1e-1)
//
// Bundles the bootstrap (src/protocols/bootstrap-parallel.ts and its worker) with esbuild (a dev
// dependency) into a temp folder, then imports it: the same code path as `ijb --bootstrap`.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: args } = parseArgs({
  options: { replicates: { type: 'string', default: '1000' }, rule: { type: 'string', default: 'nearest' }, seed: { type: 'string', default: '1' }, threads: { type: 'string' } },
});
const dir = mkdtempSync(join(tmpdir(), 'facebench-bench-'));
await build({
  entryPoints: { bench: 'bench/bootstrap-entry.ts', 'bootstrap-worker': 'src/protocols/bootstrap-worker.ts' },
  outdir: dir, outExtension: { '.js': '.js' }, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning',
});
const { bootstrapParallel, defaultThreads, percentile, splitByLabel, Xoshiro128 } = await import(pathToFileURL(join(dir, 'bench.js')).href);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const GALLERY = 3531;
const PROBES = 19593;
const MATED = 19557;
const PER_PROBE = 799; // impostor gallery templates per probe
const t0 = performance.now();
const rng = new Xoshiro128(2024);
const gauss = () => {
  const u = (rng.nextUint32() + 1) / 4294967297;
  const v = rng.nextUint32() / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const capacity = PROBES * (PER_PROBE + 1);
const first = new Int32Array(capacity);
const second = new Int32Array(capacity);
const labels = new Uint8Array(capacity);
const scores = new Float64Array(capacity);
const perm = Int32Array.from({ length: GALLERY }, (_, i) => i);
let n = 0;
for (let b = 0; b < PROBES; b++) {
  const mate = b < MATED ? b % GALLERY : -1;
  if (mate >= 0) {
    first[n] = mate;
    second[n] = GALLERY + b;
    labels[n] = 1;
    scores[n++] = Math.fround(0.55 + 0.15 * gauss());
  }
  // Partial Fisher–Yates: PER_PROBE distinct gallery templates other than the mate.
  let taken = 0;
  for (let k = 0; taken < PER_PROBE; k++) {
    const j = k + rng.nextIndex(GALLERY - k);
    const a = perm[j];
    perm[j] = perm[k];
    perm[k] = a;
    if (a === mate) continue;
    first[n] = a;
    second[n] = GALLERY + b;
    labels[n] = 0;
    scores[n++] = Math.fround(0.1 * gauss());
    taken++;
  }
}
const input = { first: first.subarray(0, n), second: second.subarray(0, n), labels: labels.subarray(0, n), scores: scores.subarray(0, n) };
let genuine = 0;
for (let p = 0; p < n; p++) genuine += input.labels[p];
const tGen = performance.now() - t0;
console.log(`synthetic: ${n} pairs (${genuine} genuine, ${n - genuine} impostor), ${GALLERY} gallery × ${PROBES} probe templates, generated in ${(tGen / 1000).toFixed(1)} s`);

const targets = (process.env.FARS ?? '1e-6,1e-5,1e-4,1e-3,1e-2,1e-1').split(',').map(Number);
const replicates = Number(args.replicates);
const opts = { replicates, seed: Number(args.seed), ci: 95, targets, rule: args.rule };
// ijb already has the sorted impostor scores (splitByLabel for the ROC); the bootstrap reuses them.
const threads = args.threads === undefined ? defaultThreads() : Number(args.threads);
const t1 = performance.now();
const sortedImpostorScores = splitByLabel(input.scores, input.labels).impostor;
const t2 = performance.now();
const cpu0 = process.cpuUsage();
const res = await bootstrapParallel({ ...input, sortedImpostorScores }, opts, threads);
const cpu = process.cpuUsage(cpu0);
const t4 = performance.now();
const values = res.values;
const s = (ms) => (ms / 1000).toFixed(1) + ' s';
console.log(`sort (shared with the ROC, not part of the bootstrap): ${s(t2 - t1)}`);
console.log(`bootstrap (${res.strata}): ${replicates} replicates, rule ${args.rule}, ${threads} thread(s): ${s(t4 - t2)} wall incl. preparation; process CPU (all threads) ${s((cpu.user + cpu.system) / 1000)}; ${((t4 - t2) / replicates).toFixed(1)} ms / replicate; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
console.log(`load average: ${(await import('node:os')).loadavg()[0].toFixed(2)} (other processes may share these CPUs)`);
for (let t = 0; t < targets.length; t++) {
  console.log(`  TAR@${targets[t].toExponential()}: 95% CI [${(percentile(values[t], 0.025) * 100).toFixed(2)}, ${(percentile(values[t], 0.975) * 100).toFixed(2)}] %`);
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs (${(await import('node:os')).cpus()[0].model})`);
