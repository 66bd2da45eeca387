/**
 * IJB-C-scale timing of the quality curves: 15.7M pairs, 20 discard fractions, three FMR targets,
 * MagFace's ERC, FNM-/FM-EDC, one quality source (`norm`, template quality = mean face norm) plus
 * the random baseline that always runs. Target: ≤ 3 s beyond the 1:1 run.
 *
 *   node scripts/build.mjs && node --expose-gc dist/quality-bench.js
 *
 * (scripts/build.mjs bundles it into dist/, where the kernels find dist/kernel-worker.js).
 * Generates the synthetic set of bench/synthetic-ijbc.ts once into .bench/ijbc-synthetic (≈2.3 GB,
 * shared with `npm run bench`).
 * Then, in one process on the same data:
 *   1. the 1:1 run alone (runIjb1v1, `plain`), after a warm-up run;
 *   2. runQuality (which makes the same 1:1 run inside): total and stages; the difference is the
 *      cost of the curves; 1 and 2 alternate for ROUNDS rounds (default 3), medians reported;
 *   3. the published scripts' way on the same scores and qualities: np.argsort of every pair's
 *      quality, then at each discard step the kept genuine and impostor scores re-sorted (MagFace:
 *      `np.sort(neg_dists)` and its index; CR-FIQA: the ROC over every distinct kept score and
 *      np.argmin) — written here in TypeScript with typed-array sorts, so it is the algorithm that
 *      is compared, not Python against JavaScript. Its FNMRs must equal runQuality's.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIjb1v1 } from '../src/protocols/ijb-1v1.js';
import { openFeatures } from '../src/protocols/ijb-templates.js';
import { runQuality } from '../src/protocols/quality.js';
import { ijbMetaPaths, readFaceTemplateMedia, readTemplatePairs } from '../src/io/ijb-meta.js';
import { groupFacesByTemplate, templateIndexLookup } from '../src/aggregate/template-grouping.js';
import { featureNorms, templateQualities } from '../src/metrics/quality-scores.js';
import { numpyArgsort } from '../src/numeric/numpy-argsort.js';
import { ERC_DISCARD_FRACTIONS, discardCounts } from '../src/metrics/error-reject.js';
import { IJBC_SCALE, writeSyntheticIjbc } from './synthetic-ijbc.js';

const root = join(process.cwd(), '.bench', 'ijbc-synthetic');
const stamp = join(root, 'complete.json');
const seed = 4;
const FMRS = [1e-2, 1e-3, 1e-4];
if (!existsSync(stamp) || JSON.parse(readFileSync(stamp, 'utf8')).seed !== seed) {
  rmSync(root, { recursive: true, force: true });
  const t0 = performance.now();
  process.stderr.write(`bench: writing the IJB-C-scale synthetic set to ${root} …\n`);
  writeSyntheticIjbc(root, seed);
  writeFileSync(stamp, JSON.stringify({ seed, ...IJBC_SCALE }));
  process.stderr.write(`bench: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
const features = join(root, 'features.npy');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** CPU seconds of this process (all threads) since `from`: on a shared machine, steadier than wall time. */
const cpuSince = (from: NodeJS.CpuUsage): string => {
  const u = process.cpuUsage(from);
  return `${((u.user + u.system) / 1e6).toFixed(2)} s CPU`;
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const oneToOne = () => runIjb1v1({ root, target: 'IJBC', features, aggregate: 'plain', fars: [1e-3], rule: 'nearest', scoring: 'auto', keepScores: true });

// 1 and 2, alternating, ROUNDS times after a warm-up (page cache, JIT): the 1:1 run alone, then
// runQuality (its own 1:1 run inside). On a shared machine one pair of runs can be seconds apart;
// the medians of the rounds are reported. Each stage's CPU time = CPU since the previous stage
// ended (stages run one after another; an enclosing stage is reported after the ones inside it).
const ROUNDS = Number(process.env.ROUNDS ?? 3);
await oneToOne();
gc();
type Round = { oneToOneMs: number; oneToOneCpu: number; qualityMs: number; qualityCpu: number; stages: [string, number, number][] };
const rounds: Round[] = [];
let run!: Awaited<ReturnType<typeof oneToOne>>;
let result!: Awaited<ReturnType<typeof runQuality>>;
const cpu = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
for (let round = 0; round < ROUNDS; round++) {
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  run = await oneToOne();
  const oneToOneMs = performance.now() - t0;
  const oneToOneCpu = cpu(process.cpuUsage(c0));
  gc();
  const stages: [string, number, number][] = [];
  t0 = performance.now();
  c0 = process.cpuUsage();
  let lastCpu = c0;
  result = await runQuality({
    sets: [{ kind: 'ijb', root, target: 'IJBC', features, templateQuality: 'mean' }],
    norm: true,
    fmrs: FMRS,
    startingError: 0.05,
    paucLimit: 0.2,
    seed: 0,
    onStage: (stage, ms) => {
      const now = process.cpuUsage();
      stages.push([stage, ms, (now.user - lastCpu.user + now.system - lastCpu.system) / 1000]);
      lastCpu = now;
    },
  });
  rounds.push({ oneToOneMs, oneToOneCpu, qualityMs: performance.now() - t0, qualityCpu: cpu(process.cpuUsage(c0)), stages });
  gc();
}
const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = (f: (r: Round) => number): number => median(rounds.map(f));

// 3. The scripts' way, on the 1:1 run's scores and the same qualities.
const scores = run.results[0].scores!;
const paths = ijbMetaPaths(root, 'IJBC');
const faces = readFaceTemplateMedia(paths.faceTemplateMedia);
const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
const pairs = readTemplatePairs(paths.pairs, templateIndexLookup(grouping.templateIds), grouping.templateIds.length);
const faceNorms = new Float64Array(faces.names.length);
const opened = openFeatures(features);
opened.source.forEachBlock((start, count, orig) => faceNorms.set(featureNorms(orig, count, opened.source.cols), start));
opened.close();
const templateFaceOffsets = Int32Array.from(grouping.templateMediaOffsets, (m) => grouping.mediaOffsets[m]);
const tq = templateQualities(faceNorms, grouping.faceOrder, templateFaceOffsets, 'mean');
const pairQuality = Float64Array.from({ length: pairs.labels.length }, (_, p) => Math.min(tq[pairs.first[p]], tq[pairs.second[p]]));
let t0 = performance.now();
const c0 = process.cpuUsage();
const order = numpyArgsort(pairQuality);
const argsortMs = performance.now() - t0;
const magface: number[] = [];
const crfiqa: number[][] = FMRS.map(() => []);
for (const cut of discardCounts(ERC_DISCARD_FRACTIONS, order.length)) {
  let g = 0;
  let i = 0;
  for (let k = cut; k < order.length; k++) (pairs.labels[order[k]] ? g++ : i++);
  const gen = new Float64Array(g);
  const imp = new Float64Array(i);
  g = i = 0;
  for (let k = cut; k < order.length; k++) {
    const p = order[k];
    if (pairs.labels[p]) gen[g++] = scores[p];
    else imp[i++] = scores[p];
  }
  gen.sort();
  imp.sort(); // ascending similarity = descending distance
  const accepted = (t: number): number => {
    let lo = 0;
    let hi = gen.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gen[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return gen.length - lo;
  };
  const t = imp[imp.length - 1 - Math.floor((imp.length - 1) / 1000)];
  magface.push(imp.length >= 1000 ? (gen.length - accepted(t)) / gen.length : NaN);
  // CR-FIQA: every distinct kept score is a threshold; false matches = impostors ≥ it; first argmin.
  FMRS.forEach((op, f) => {
    let best = Infinity;
    let bestT = NaN;
    let gi = 0;
    let ii = 0;
    while (gi < gen.length || ii < imp.length) {
      const v = ii < imp.length && (gi >= gen.length || imp[ii] <= gen[gi]) ? imp[ii] : gen[gi];
      const d = Math.abs((imp.length - ii) / imp.length - op);
      if (d < best) {
        best = d;
        bestT = v;
      }
      while (gi < gen.length && gen[gi] === v) gi++;
      while (ii < imp.length && imp[ii] === v) ii++;
    }
    crfiqa[f].push(imp.length * op >= 1 ? 1 - accepted(bestT) / gen.length : NaN);
  });
}
const scriptsMs = performance.now() - t0;
const scriptsCpu = cpuSince(c0);

const norm = result.sets[0].sources[0];
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Array.from(a).every((x, k) => Object.is(x, b[k]));
const agree = same(norm.magfaceErc.fnmr, magface) && FMRS.every((_, f) => same(norm.erc[f].fnmr, crfiqa[f]));

console.log(`IJB-C-scale synthetic set: ${result.sets[0].pairs} pairs (${result.sets[0].genuine} genuine), ${result.sets[0].samples} templates; medians of ${ROUNDS} alternating rounds`);
console.log(`1:1 run alone (plain, ${run.scoring})        ${secs(med((r) => r.oneToOneMs))}   (${secs(med((r) => r.oneToOneCpu))} CPU)`);
console.log(`runQuality (1:1 run + curves, norm + random) ${secs(med((r) => r.qualityMs))}   (${secs(med((r) => r.qualityCpu))} CPU)`);
rounds[0].stages.forEach(([stage], i) => console.log(`  ${stage.padEnd(40)} ${secs(med((r) => r.stages[i][1])).padStart(8)}   ${secs(med((r) => r.stages[i][2])).padStart(8)} CPU`));
console.log(`beyond the 1:1 run (median of the rounds' differences) ${secs(med((r) => r.qualityMs - r.oneToOneMs))}   (${secs(med((r) => r.qualityCpu - r.oneToOneCpu))} CPU)   [target ≤ 3 s]; rounds: ${rounds.map((r) => secs(r.qualityMs - r.oneToOneMs)).join(', ')}`);
console.log(`scripts' way (np.argsort + re-sort per step, one source): ${secs(scriptsMs)}, ${scriptsCpu} (of which np.argsort ${secs(argsortMs)}); FNMRs ${agree ? 'identical' : 'DIFFER'}`);
console.log(`load average during the run: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
console.log(`MagFace ERC (norm), FNMR at 0/20/40 %: ${[0, 4, 8].map((k) => (norm.magfaceErc.fnmr[k] * 100).toFixed(2)).join(' / ')}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`);
if (!agree) process.exitCode = 1;
