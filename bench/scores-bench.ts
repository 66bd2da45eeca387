/**
 * Score-level evaluation at IJB-C scale: a bob 4-column file of 15,658,489 lines (19,557 genuine) →
 * the `scores` report, timed per stage over a few runs; then pyeer on the same scores, read and
 * computed its own way (its `geteerinf` reading loop and `get_eer_stats`, loaded from a pyeer
 * repository at run time), for comparison.
 *
 *   node scripts/build.mjs && node dist/scores-bench.js [--runs 3] [--pyeer PYEER_REPO]
 *
 * The files are generated once into .bench/scores (≈ 0.8 GB, reused). Without --pyeer (a clone or
 * bare git directory of manuelaguadomtz/pyeer) the pyeer step is skipped.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, mulberry32 } from '../fixtures/fixture-utils.mjs';
import { evaluateScoreFiles, DEFAULT_SCORE_FARS } from '../src/protocols/scores.js';
import { scoresText } from '../src/report/scores-report.js';

const PAIRS = 15_658_489;
const GENUINE = 19_557;
const SEED = 14;
const dir = join(process.cwd(), '.bench', 'scores');
const bobFile = join(dir, 'ijbc-like.bob4.txt');
const genuineFile = join(dir, 'ijbc-like.genuine.txt');
const impostorFile = join(dir, 'ijbc-like.impostor.txt');
const stamp = join(dir, 'complete.json');

function arg(name: string, fallback?: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : fallback;
}

/**
 * IJB-C's shape: 3,531 gallery templates × probes, every 800th comparison genuine; cosine-like scores
 * with 6 decimals (genuine ~ N(0.45, 0.12), impostor ~ N(0.02, 0.07)), as a float32 scorer prints them.
 */
function generate(): void {
  mkdirSync(dir, { recursive: true });
  const rand = mulberry32(SEED);
  const gauss = gaussian(rand);
  const bob = openSync(bobFile, 'w');
  const gen = openSync(genuineFile, 'w');
  const imp = openSync(impostorFile, 'w');
  let bobLines: string[] = [];
  let impLines: string[] = [];
  const genLines: string[] = [];
  for (let k = 0; k < PAIRS; k++) {
    const genuine = k % 800 === 0 && k / 800 < GENUINE;
    const probe = 3531 + Math.floor(k / 3531);
    const gallery = k % 3531;
    const score = (genuine ? 0.45 + 0.12 * gauss() : 0.02 + 0.07 * gauss()).toFixed(6);
    bobLines.push(`t${genuine ? probe : gallery} t${probe} probe_${probe}/img_${k % 17}.jpg ${score}`);
    (genuine ? genLines : impLines).push(score);
    if (bobLines.length === 200_000) {
      writeSync(bob, bobLines.join('\n') + '\n');
      writeSync(imp, impLines.join('\n') + '\n');
      bobLines = [];
      impLines = [];
    }
  }
  writeSync(bob, bobLines.join('\n') + '\n');
  writeSync(imp, impLines.join('\n') + '\n');
  writeSync(gen, genLines.join('\n') + '\n');
  for (const fd of [bob, gen, imp]) closeSync(fd);
  writeFileSync(stamp, JSON.stringify({ seed: SEED, pairs: PAIRS, genuine: GENUINE }));
}

if (!existsSync(stamp) || JSON.parse(readFileSync(stamp, 'utf8')).seed !== SEED) {
  process.stderr.write(`bench: writing ${bobFile} and the pyeer files …\n`);
  const t0 = performance.now();
  generate();
  process.stderr.write(`bench: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const runs = Number(arg('--runs', '3'));
const totals: number[] = [];
const cpus: number[] = [];
let table = '';
let last: ReturnType<typeof evaluateScoreFiles> | undefined;
let stages: [string, number][] = [];
for (let run = 0; run < runs; run++) {
  stages = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = evaluateScoreFiles({
    sets: [{ label: 'ijbc-like', input: { format: 'bob', file: bobFile } }],
    fars: DEFAULT_SCORE_FARS,
    rule: 'nearest',
    distance: false,
    criterion: 'eer',
    epcPoints: 0,
    histogramBins: 100,
    curves: false,
    onStage: (stage, ms) => stages.push([stage, ms]),
  });
  table = scoresText(result);
  last = result;
  totals.push((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  cpus.push((cpu.user + cpu.system) / 1e6);
  (globalThis as { gc?: () => void }).gc?.();
}
console.log(table);
for (const [stage, ms] of stages) console.log(`${stage.padEnd(24)} ${(ms / 1000).toFixed(2)} s   (last run)`);
const sorted = [...totals].sort((a, b) => a - b);
console.log(`files → report: ${totals.map((t) => t.toFixed(2)).join(', ')} s; best ${sorted[0].toFixed(2)} s, median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} s   [target ≤ 3 s]`);
// On a shared machine the wall time includes waiting for a core; the CPU time (user + system) does not.
console.log(`CPU time (user + system): ${cpus.map((t) => t.toFixed(2)).join(', ')} s; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
console.log(`peak RSS ${((process.resourceUsage().maxRSS * 1024) / 2 ** 30).toFixed(2)} GiB`);

const p = last!.results[0].pyeer;
const pc = (x: number): string => `${(x * 100).toFixed(4)}%`;
console.log(
  `facebench's pyeer block: FMR100 ${pc(p.fmr100.fnmr)}  FMR1000 ${pc(p.fmr1000.fnmr)}  ZeroFMR ${pc(p.zeroFmr.fnmr)}  ZeroFNMR ${pc(p.zeroFnmr.fmr)}  EER ${pc(p.eer.eer)}  AUC ${p.auc.toFixed(6)}  d' ${last!.results[0].dPrime.toFixed(4)}`,
);
const pyeerRepo = arg('--pyeer');
if (pyeerRepo) {
  // pyeer's own reading (eer_info.py's loop over `__get_score`) and `get_eer_stats`, loaded from the repository.
  const script = `
import ast, subprocess, sys, time, types
repo, gen_file, imp_file = sys.argv[1:4]
def show(path):
    return subprocess.run(["git", "-C", repo, "show", "HEAD:" + path], check=True, capture_output=True, text=True).stdout
mod = types.ModuleType("pyeer_eer_stats"); sys.modules[mod.__name__] = mod
exec(compile(show("pyeer/eer_stats.py"), "eer_stats.py", "exec"), mod.__dict__)
tree = ast.parse(show("pyeer/eer_info.py"))
keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("get_eer_stats", "__get_score")]
exec(compile(ast.Module(body=keep, type_ignores=[]), "eer_info.py", "exec"), mod.__dict__)
get_score = mod.__dict__["__get_score"]
t0 = time.perf_counter()
with open(gen_file) as tf: gen = [get_score(line) for line in tf]
with open(imp_file) as tf: imp = [get_score(line) for line in tf]
t1 = time.perf_counter()
st = mod.get_eer_stats(gen, imp)
t2 = time.perf_counter()
import resource
print("pyeer: read %.1f s, get_eer_stats %.1f s, total %.1f s, peak RSS %.2f GiB" % (t1 - t0, t2 - t1, t2 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20))
print("pyeer: FMR100 %.4f%%  FMR1000 %.4f%%  ZeroFMR %.4f%%  ZeroFNMR %.4f%%  EER %.4f%%  AUC %.6f  d' %.4f" % (
    st.fmr100 * 100, st.fmr1000 * 100, st.fmr0 * 100, st.fnmr0 * 100, st.eer * 100, st.auc, st.decidability))
`;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', ['-c', script, pyeerRepo, genuineFile, impostorFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  console.log(`pyeer process: ${((performance.now() - t0) / 1000).toFixed(1)} s wall (exit ${r.status})`);
}
