// `npm run demo`: runs facebench on the bundled fixtures and prints the tables. Results (JSON) go to
// a temporary folder whose path is printed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'facebench-demo-'));
const steps = [];

function facebench(title, args) {
  console.log(`\n$ facebench ${args.join(' ')}\n# ${title}`);
  const r = spawnSync(process.execPath, ['bin/facebench.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: step failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
  steps.push(title);
}

for (const ckpt of ['arcface-r18', 'magface-r18']) {
  facebench(`IJB-C-style 1:1 on the fixture set, checkpoint ${ckpt}: plain vs magnitude-weighted aggregation, plus the insightface and MagFace reference modes`, [
    'ijb',
    '--root', 'fixtures/ijb-demo',
    '--features', `fixtures/ijb-demo/${ckpt}/features.npy`,
    '--flip-features', `fixtures/ijb-demo/${ckpt}/features_flip.npy`,
    '--aggregate', 'plain,magnitude,insightface,magface,magface+',
    '--far', '1e-3,1e-2,1e-1',
    '--json', join(out, `ijb-${ckpt}.json`),
    '--scores', join(out, `scores-${ckpt}`),
    '--curve',
    '--bootstrap', '200',
    '--seed', '1',
    '--quiet',
  ]);
}
facebench('Paper table of both checkpoints (best per column marked, Δ vs the first row) with the published rows, ROC/DET plots and an HTML report', [
  'compare',
  join(out, 'ijb-arcface-r18.json'),
  join(out, 'ijb-magface-r18.json'),
  '--label', `arcface-r18=${join(out, 'ijb-arcface-r18.json')}`,
  '--label', `magface-r18=${join(out, 'ijb-magface-r18.json')}`,
  '--format', 'markdown',
  '--published',
  '--plot', join(out, 'roc.svg'),
  '--det', join(out, 'det.svg'),
  '--html', join(out, 'report.html'),
]);
facebench('Paired template bootstrap of ΔTAR between the two checkpoints (same template draws for both)', [
  'compare',
  '--paired',
  join(out, 'ijb-arcface-r18.json'),
  join(out, 'ijb-magface-r18.json'),
  '--scores-a', join(out, 'scores-arcface-r18'),
  '--scores-b', join(out, 'scores-magface-r18'),
  '--root', 'fixtures/ijb-demo',
  '--bootstrap', '200',
]);
facebench('CI gate: magface-r18 against arcface-r18 as the baseline, failing only on significant drops (exit 0 here)', [
  'gate',
  '--baseline', join(out, 'ijb-arcface-r18.json'),
  '--current', join(out, 'ijb-magface-r18.json'),
  '--ci-aware',
  '--junit', join(out, 'gate.xml'),
]);

facebench('Images → table: align the IJB-style fixture images, extract features with a tiny ONNX model on the CPU (with flip), evaluate', [
  'ijb',
  '--root', 'fixtures/ijb-images',
  '--model', 'fixtures/models/tiny-b64.onnx',
  '--flip',
  '--ep', 'cpu',
  '--store', join(out, 'store-tiny-b64'),
  '--aggregate', 'plain,magnitude,insightface',
  '--far', '1e-2,1e-1',
  '--json', join(out, 'ijb-tiny-b64.json'),
]);
facebench('Quality: does the feature magnitude predict errors? MagFace ERC, CR-FIQA ERC and EDC of the norm against a random baseline (curves and pictures into a folder)', [
  'quality',
  '--root', 'fixtures/ijb-demo',
  '--features', 'fixtures/ijb-demo/magface-r18/features.npy',
  '--fmr', '1e-2,1e-3',
  '--json', join(out, 'quality.json'),
  '--plots', join(out, 'quality-plots'),
  '--quiet',
]);
facebench('The average aligned faces per feature-magnitude decile (the MagFace figure) from the store extracted above', [
  'quality',
  '--root', 'fixtures/ijb-images',
  '--features', join(out, 'store-tiny-b64'),
  '--fmr', '1e-2',
  '--plots', join(out, 'quality-faces'),
  '--quiet',
]);
facebench('Clustering: the FastHAC and kNN-DBSCAN baselines (as learn-to-cluster computes them), magnitude density peaks and a clustering from another tool, with pairwise / BCubed F and NMI', [
  'cluster',
  '--features', 'fixtures/cluster-demo/features.npy',
  '--labels', 'fixtures/cluster-demo/labels.meta',
  '--predicted', 'fixtures/cluster-demo/pred_labels.txt',
  '--method', 'fasthac,knn-dbscan,magnitude-peaks',
  '--json', join(out, 'cluster.json'),
  '--plots', join(out, 'cluster-plots'),
  '--quiet',
]);
facebench('LFW-style 10-fold verification from pairs.txt (the 10 sets are the folds), as insightface verification.py computes it', [
  'lfw',
  '--pairs', 'fixtures/lfw-demo/pairs.txt',
  '--names', 'fixtures/lfw-demo/names.txt',
  '--features', 'fixtures/lfw-demo/features.npy',
  '--flip-features', 'fixtures/lfw-demo/features_flip.npy',
  '--far', '1e-2,1e-1',
  '--json', join(out, 'lfw.json'),
]);
facebench('The same protocol on an insightface .bin evaluation pack (features in the .bin image order)', [
  'lfw',
  '--bin', 'fixtures/lfw-demo/demo.bin',
  '--features', 'fixtures/lfw-demo/demo_features.npy',
  '--flip-features', 'fixtures/lfw-demo/demo_features_flip.npy',
  '--far', '1e-1',
]);
facebench('The .bin pack straight from a model: decode its images, run the tiny ONNX model on each and its mirror, evaluate', [
  'lfw',
  '--bin', 'fixtures/lfw-demo/demo.bin',
  '--model', 'fixtures/models/tiny-a32.onnx',
  '--ep', 'cpu',
  '--store', join(out, 'store-demo-bin'),
  '--far', '1e-1',
  '--quiet',
]);

facebench('Score files in: a bob dev / eval pair (scores of any toolkit) → TAR@FAR, FMR100/1000, d′, the dev threshold on eval, the probit DET', [
  'scores',
  '--bob', 'fixtures/scores-demo/dev.txt',
  '--eval', 'fixtures/scores-demo/eval.txt',
  '--far', '1e-3,1e-2,1e-1',
  '--json', join(out, 'scores.json'),
  '--plots', join(out, 'scores-plots'),
  '--quiet',
]);

console.log(`\ndemo: ${steps.length} steps passed; JSON results in ${out}`);
