/**
 * `facebench gate`: compares a current result JSON against a baseline and fails (exit 1) on a
 * regression. Exit 2 for unusable input (unreadable file, schema / protocol / target / rule / pair
 * count mismatch, a missing metric, NaN or null values). The diff table goes to stdout; `--junit`
 * writes JUnit XML (also when the gate fails: that is when CI needs it).
 */
import type { Argv } from 'yargs';
import { RegressionError, UsageError } from '../errors.js';
import { readResultFile } from '../io/results-json.js';
import { gateText, parseMaxDrop, runGate, type GatePolicy } from '../report/gate.js';
import { gateJunit } from '../report/junit.js';
import { PendingOutputs } from './outputs.js';

export function gateCommand(y: Argv): Argv {
  return y.command(
    'gate',
    'Fail (exit 1) when a result regressed against a baseline result',
    (c) =>
      c
        .option('baseline', { type: 'string', demandOption: true, describe: 'baseline result JSON (e.g. committed in the repository)' })
        .option('current', { type: 'string', demandOption: true, describe: 'result JSON to check' })
        .option('max-drop', { type: 'string', describe: 'allowed drop per metric as rates, e.g. 1e-4=0.002,1e-5=0.003 (*=x for all others; default 0)' })
        .option('ci-aware', { type: 'boolean', default: false, describe: 'fail only when the current bootstrap CI upper bound is below the baseline value (needs ijb --bootstrap)' })
        .option('junit', { type: 'string', describe: 'write JUnit XML here (one test case per aggregation × metric)' }),
    async (argv) => {
      if (argv['ci-aware'] && argv['max-drop'] !== undefined) throw new UsageError('--max-drop and --ci-aware exclude each other: choose one policy');
      const policy: GatePolicy = argv['ci-aware'] ? { kind: 'ci-aware' } : { kind: 'max-drop', ...parseMaxDrop(argv['max-drop'] ?? '') };
      const base = readResultFile(argv.baseline);
      const cur = readResultFile(argv.current);
      const checks = runGate(base, cur, policy);
      const out = new PendingOutputs();
      out.add(argv.junit, () => gateJunit({ name: `facebench gate: ${argv.current} vs ${argv.baseline}`, checks }));
      out.print(gateText(base, cur, checks, policy));
      out.commit();
      const failed = checks.filter((c) => !c.passed);
      if (failed.length > 0) {
        throw new RegressionError(`${failed.length} of ${checks.length} metrics regressed: ${failed.map((c) => `${c.row} ${c.metric}`).join(', ')}`);
      }
    },
  );
}
