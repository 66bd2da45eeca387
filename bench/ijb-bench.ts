/**
 * `npm run bench`: IJB-C-scale timing of `ijb` (files → table) for plain and magnitude in one run.
 * Generates the synthetic set once into .bench/ijbc-synthetic (≈2.3 GB, reused by later runs), then
 * runs the protocol twice (the first run warms the page cache) and reports per-stage wall times and
 * the peak RSS against the feature files' size. Then, unless BOOTSTRAP=0, the template bootstrap of
 * `plain` with 1,000 replicates (issue target: under a minute).
 *
 *   node --expose-gc dist/bench.js [aggregations] [scoring] [--protocol 1v1|1n|1v1,1n] [--reference INSIGHTFACE]
 *
 * `--protocol 1v1,1n` adds the 1:N protocol on the same templates (G1/G2/probe lists of IJB-C's
 * sizes); `--reference DIR` then runs the published scripts' 1:N path on the same data in the same
 * run (bench/reference_ijb1n.py, insightface loaded from DIR at run time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FARS } from '../src/protocols/ijb-1v1.js';
import { runIjb, type IjbProtocol } from '../src/protocols/ijb-pipeline.js';
import { ijbRunText } from '../src/report/ijb-report.js';
import { IJBC_SCALE, writeSyntheticIjbc } from './synthetic-ijbc.js';

const root = join(process.cwd(), '.bench', 'ijbc-synthetic');
const stamp = join(root, 'complete.json');
const seed = 4;
const wanted = JSON.stringify({ seed, ...IJBC_SCALE });
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
  rmSync(root, { recursive: true, force: true });
  const t0 = performance.now();
  process.stderr.write(`bench: writing the IJB-C-scale synthetic set to ${root} …\n`);
  writeSyntheticIjbc(root, seed);
  writeFileSync(stamp, wanted);
  process.stderr.write(`bench: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const flags = new Map<string, string>();
const positional: string[] = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) flags.set(process.argv[i].slice(2), process.argv[++i]);
  else positional.push(process.argv[i]);
}
const featureBytes = statSync(join(root, 'features.npy')).size + statSync(join(root, 'features_flip.npy')).size;
const aggregate = positional[0] ?? 'plain,magnitude';
const scoring = (positional[1] ?? 'auto') as 'auto' | 'exact' | 'simd' | 'gemm';
const protocols = (flags.get('protocol') ?? '1v1').split(',') as IjbProtocol[];
const common = { root, target: 'IJBC', features: join(root, 'features.npy'), flipFeatures: join(root, 'features_flip.npy'), fars: DEFAULT_FARS, rule: 'nearest', scoring } as const;

for (const run of ['warm-up', 'measured']) {
  const stages: [string, number][] = [];
  const cpuAt: number[] = [];
  let cpuPrev = process.cpuUsage();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await runIjb({
    ...common,
    aggregate,
    protocols,
    keepScores: false, // as `facebench ijb` without --scores
    onStage: (stage, ms) => { stages.push([stage, ms]); const c = process.cpuUsage(cpuPrev); cpuPrev = process.cpuUsage(); cpuAt.push((c.user + c.system) / 1e6); },
  });
  const table = ijbRunText(result);
  const total = (performance.now() - t0) / 1000;
  if (run === 'measured') {
    console.log(table);
    stages.forEach(([stage, ms], i) => console.log(`${stage.padEnd(22)} ${(ms / 1000).toFixed(2)} s   cpu ${cpuAt[i].toFixed(2)} s`));
    const oneToN = stages.filter(([stage]) => stage.startsWith('1:N')).reduce((s, [, ms]) => s + ms, 0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(`${'total (files → table)'.padEnd(22)} ${total.toFixed(2)} s   [target ≤ 5 s for plain + magnitude 1:1]`);
    // CPU time of this thread pool (main + helper threads): less sensitive than wall time to other load on a shared machine.
    console.log(`${'CPU time (user + sys)'.padEnd(22)} ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
    if (protocols.includes('1n')) console.log(`${'of which 1:N'.padEnd(22)} ${oneToN.toFixed(2)} s   [target: 1:N adds ≤ 1.5 s for two aggregations]`);
    const rss = process.resourceUsage().maxRSS * 1024;
    console.log(`peak RSS ${(rss / 2 ** 30).toFixed(2)} GiB; feature files ${(featureBytes / 2 ** 30).toFixed(2)} GiB; ratio ${(rss / featureBytes).toFixed(2)}   [target ≤ 1.3]`);
  } else {
    process.stderr.write(`bench: warm-up run ${total.toFixed(2)} s\n`);
  }
  (globalThis as { gc?: () => void }).gc?.();
}

if (flags.has('reference')) {
  console.log('\nThe published scripts on the same data (bench/reference_ijb1n.py):');
  const script = join(process.cwd(), 'bench', 'reference_ijb1n.py');
  const r = spawnSync('/usr/bin/python3', [script, '--insightface', flags.get('reference')!, '--root', root], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`reference script failed (exit ${r.status})`);
}

if (process.env.BOOTSTRAP !== '0') {
  const stages: [string, number][] = [];
  await runIjb({ ...common, aggregate: 'plain', bootstrap: { replicates: 1000, seed: 1, ci: 95 }, onStage: (stage, ms) => stages.push([stage, ms]) });
  const boot = stages.find(([stage]) => stage.startsWith('bootstrap'))!;
  console.log(`\n${boot[0].padEnd(22)} ${(boot[1] / 1000).toFixed(2)} s   [target < 60 s]`);
}
