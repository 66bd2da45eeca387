/** `facebench ijb`: IJB-B / IJB-C 1:1 verification from saved features. */
import type { Argv } from 'yargs';
import { join } from 'node:path';
import { encodeNpy } from '../io/npy.js';
import { parseTarget } from '../io/ijb-meta.js';
import { DEFAULT_FARS, runIjb1v1 } from '../protocols/ijb-1v1.js';
import { TAR_RULES } from '../metrics/tar-at-far.js';
import { SCORING_METHODS } from '../scoring/pair-scores.js';
import { ijbCsv, ijbJson, ijbMarkdown, ijbText } from '../report/ijb-report.js';
import { farKey } from '../report/format.js';
import { PendingOutputs } from './outputs.js';
import { parseChoice, parseFarList, parseIntegerFlag } from './parse.js';
import { UsageError } from '../errors.js';
import { createProgress } from './progress.js';

export function ijbCommand(y: Argv): Argv {
  return y.command(
    'ijb',
    'IJB-B / IJB-C 1:1 verification (TAR@FAR) from saved features',
    (c) =>
      c
        .option('root', { type: 'string', demandOption: true, describe: 'IJB_release folder holding meta/<t>_face_tid_mid.txt, <t>_template_pair_label.txt, <t>_name_5pts_score.txt' })
        .option('target', { type: 'string', default: 'IJBC', describe: 'IJBC or IJBB (picks the meta file prefix ijbc_/ijbb_)' })
        .option('features', { type: 'string', demandOption: true, describe: 'face features: .npy [faces, dim] float16/32/64 (row i = face line i), or a MagFace gen_feat.py list (path v1 … vD)' })
        .option('flip-features', { type: 'string', describe: 'features of the horizontally flipped faces, same shape' })
        .option('aggregate', { type: 'string', default: 'plain,magnitude', describe: 'comma list of: plain, magnitude, insightface, insightface:N<0|1>D<0|1>F<0|1>, magface, magface+' })
        .option('far', { type: 'string', default: DEFAULT_FARS.map(farKey).join(','), describe: 'FAR targets' })
        .option('rule', { type: 'string', default: 'nearest', describe: 'TAR@FAR rule: nearest (ijb_11.py), le (best TAR with FAR <= target), bob (bob.measure far_threshold)' })
        .option('scoring', { type: 'string', default: 'auto', describe: 'pair scoring: exact (float64 dot per pair), gemm (float32 matrix product over the gallery × probe block), auto' })
        .option('json', { type: 'string', describe: 'write the JSON result here (- for stdout)' })
        .option('csv', { type: 'string', describe: 'write a CSV (one line per aggregation × FAR) here' })
        .option('markdown', { type: 'string', describe: 'write a markdown table here' })
        .option('scores', { type: 'string', describe: 'folder for each aggregation\'s pair scores as <aggregation>.npy (float64, pair-file order)' })
        .option('curve', { type: 'boolean', default: false, describe: 'store each ROC, thinned to ~2,000 vertices, in the JSON (for compare --plot/--det/--html)' })
        .option('bootstrap', { type: 'number', describe: 'bootstrap TAR@FAR intervals with this many replicates, resampling templates (e.g. 1000)' })
        .option('seed', { type: 'number', default: 1, describe: 'seed of the bootstrap (integer in [0, 2^32))' })
        .option('ci', { type: 'number', default: 95, describe: 'bootstrap confidence level in percent' })
        .option('threads', { type: 'number', describe: 'threads for the bootstrap (default: the number of CPUs); results do not depend on it' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' }),
    async (argv) => {
      const aggregateCount = String(argv.aggregate).split(',').filter((s) => s.trim()).length;
      let bootstrap: { replicates: number; seed: number; ci: number; threads?: number } | undefined;
      if (argv.bootstrap !== undefined) {
        const ci = argv.ci;
        if (!(Number.isFinite(ci) && ci > 0 && ci < 100)) throw new UsageError(`--ci must be a confidence level in percent, in (0, 100); got '${ci}'`);
        bootstrap = {
          replicates: parseIntegerFlag(argv.bootstrap, '--bootstrap', 1, 1_000_000),
          seed: parseIntegerFlag(argv.seed, '--seed', 0, 2 ** 32 - 1),
          ci,
          threads: argv.threads === undefined ? undefined : parseIntegerFlag(argv.threads, '--threads', 1, 256),
        };
      }
      const progress = createProgress(1 + (bootstrap ? 4 : 3) * aggregateCount, argv.quiet);
      const result = await runIjb1v1({
        root: argv.root,
        target: parseTarget(argv.target),
        features: argv.features,
        flipFeatures: argv['flip-features'],
        aggregate: argv.aggregate,
        fars: parseFarList(argv.far),
        rule: parseChoice(argv.rule, TAR_RULES, '--rule'),
        scoring: parseChoice(argv.scoring, SCORING_METHODS, '--scoring'),
        bootstrap,
        onStage: (stage, ms) => progress.step(stage, ms),
      });
      progress.done();
      const out = new PendingOutputs();
      out.add(argv.json, () => ijbJson(result, { curve: argv.curve }));
      out.add(argv.csv, () => ijbCsv(result));
      out.add(argv.markdown, () => ijbMarkdown(result));
      if (argv.scores !== undefined) {
        for (const r of result.results) {
          out.add(join(argv.scores, `${r.aggregation.replace(/[^A-Za-z0-9+_-]/g, '_')}.npy`), () => encodeNpy(r.scores, [r.scores.length]));
        }
      }
      if (argv.json !== '-') process.stdout.write(ijbText(result));
      out.commit();
    },
  );
}
