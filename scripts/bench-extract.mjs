// Extraction throughput on the fixture images (CPU): faces/s and the share of wall time the model
// thread waited for prepared batches, per model × workers. The 120 fixture faces are listed
// REPEAT times in a temporary face list so that start-up does not dominate.
// Run: npm run build && node scripts/bench-extract.mjs [REPEAT=20] [BATCH=128]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const repeat = Number(process.argv[2] ?? 20);
const batch = process.argv[3] ?? '128';
const tmp = mkdtempSync(join(tmpdir(), 'facebench-bench-'));
try {
  const root = join(tmp, 'ijb');
  mkdirSync(join(root, 'meta'), { recursive: true });
  symlinkSync(join(repo, 'fixtures', 'ijb-images', 'loose_crop'), join(root, 'loose_crop'));
  const lines = readFileSync(join(repo, 'fixtures', 'ijb-images', 'meta', 'ijbc_name_5pts_score.txt'), 'utf8').trim().split('\n');
  writeFileSync(join(root, 'meta', 'ijbc_name_5pts_score.txt'), Array.from({ length: repeat }, () => lines.join('\n')).join('\n') + '\n');
  const faces = lines.length * repeat;
  console.log(`# ${faces} faces (160×160 JPEG loose crops), batch ${batch}, --ep cpu, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log('| model | flip | workers | faces/s | wall s | model s | wait s | wait share | CPU ms/face |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const model of ['tiny-a32', 'tiny-b64']) {
    for (const flip of [false, true]) {
      for (const workers of (process.env.WORKERS ?? `0,1,2,${Math.max(1, availableParallelism() - 1)}`).split(',').map(Number).filter((w, i, a) => a.indexOf(w) === i)) {
        const out = join(tmp, `store-${model}-${flip}-${workers}`);
        const args = ['bin/facebench.js', 'extract', '--model', `fixtures/models/${model}.onnx`, '--root', root, '--out', out, '--ep', 'cpu', '--batch', batch, '--workers', String(workers), ...(flip ? ['--flip'] : [])];
        const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
        const m = /(\d+) faces in ([\d.]+) s \(([\d.]+) faces\/s\); model ([\d.]+) s, waiting for workers ([\d.]+) s \((\d+)%\), cpu ([\d.]+) s/.exec(r.stderr);
        if (r.status !== 0 || !m) throw new Error(`failed: node ${args.join(' ')}\n${r.stderr}`);
        console.log(`| ${model} | ${flip ? 'yes' : 'no'} | ${workers} | ${m[3]} | ${m[2]} | ${m[4]} | ${m[5]} | ${m[6]} % | ${((1000 * Number(m[7])) / Number(m[1])).toFixed(2)} |`);
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
