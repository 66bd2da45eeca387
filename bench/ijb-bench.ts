/**
 * `npm run bench`: IJB-C-scale timing of `ijb` (files → table) for plain and magnitude in one run.
 * Generates the synthetic set once into .bench/ijbc-synthetic (≈2.3 GB, reused by later runs), then
 * runs the protocol twice (the first run warms the page cache) and reports per-stage wall times and
 * the peak RSS against the feature files' size. Then, unless BOOTSTRAP=0, the template bootstrap of
 * `plain` with 1,000 replicates (issue target: under a minute).
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIjb1v1 } from '../src/protocols/ijb-1v1.js';
import { DEFAULT_FARS } from '../src/protocols/ijb-1v1.js';
import { ijbText } from '../src/report/ijb-report.js';
import { IJBC_SCALE, writeSyntheticIjbc } from './synthetic-ijbc.js';

const root = join(process.cwd(), '.bench', 'ijbc-synthetic');
const stamp = join(root, 'complete.json');
const seed = 4;
if (!existsSync(stamp) || JSON.parse(String(await import('node:fs').then((fs) => fs.readFileSync(stamp)))).seed !== seed) {
  rmSync(root, { recursive: true, force: true });
  const t0 = performance.now();
  process.stderr.write(`bench: writing the IJB-C-scale synthetic set to ${root} …\n`);
  writeSyntheticIjbc(root, seed);
  writeFileSync(stamp, JSON.stringify({ seed, ...IJBC_SCALE }));
  process.stderr.write(`bench: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const featureBytes = statSync(join(root, 'features.npy')).size + statSync(join(root, 'features_flip.npy')).size;
const aggregate = process.argv[2] ?? 'plain,magnitude';
const scoring = (process.argv[3] ?? 'auto') as 'auto' | 'exact' | 'gemm';

for (const run of ['warm-up', 'measured']) {
  const stages: [string, number][] = [];
  const t0 = performance.now();
  const result = await runIjb1v1({
    root,
    target: 'IJBC',
    features: join(root, 'features.npy'),
    flipFeatures: join(root, 'features_flip.npy'),
    aggregate,
    fars: DEFAULT_FARS,
    rule: 'nearest',
    scoring,
    keepScores: false, // as `facebench ijb` without --scores
    onStage: (stage, ms) => stages.push([stage, ms]),
  });
  const table = ijbText(result);
  const total = (performance.now() - t0) / 1000;
  if (run === 'measured') {
    console.log(table);
    for (const [stage, ms] of stages) console.log(`${stage.padEnd(22)} ${(ms / 1000).toFixed(2)} s`);
    console.log(`${'total (files → table)'.padEnd(22)} ${total.toFixed(2)} s   [target ≤ 5 s for plain + magnitude]`);
    const rss = process.resourceUsage().maxRSS * 1024;
    console.log(`peak RSS ${(rss / 2 ** 30).toFixed(2)} GiB; feature files ${(featureBytes / 2 ** 30).toFixed(2)} GiB; ratio ${(rss / featureBytes).toFixed(2)}   [target ≤ 1.3]`);
  } else {
    process.stderr.write(`bench: warm-up run ${total.toFixed(2)} s\n`);
  }
  (globalThis as { gc?: () => void }).gc?.();
}

if (process.env.BOOTSTRAP !== '0') {
  const stages: [string, number][] = [];
  await runIjb1v1({
    root,
    target: 'IJBC',
    features: join(root, 'features.npy'),
    flipFeatures: join(root, 'features_flip.npy'),
    aggregate: 'plain',
    fars: DEFAULT_FARS,
    rule: 'nearest',
    scoring,
    bootstrap: { replicates: 1000, seed: 1, ci: 95 },
    onStage: (stage, ms) => stages.push([stage, ms]),
  });
  const boot = stages.find(([stage]) => stage.startsWith('bootstrap'))!;
  console.log(`\n${boot[0].padEnd(22)} ${(boot[1] / 1000).toFixed(2)} s   [target < 60 s]`);
}
