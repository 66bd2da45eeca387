/**
 * `facebench gate`: compares a current result JSON against a baseline and fails (exit 1) on a
 * regression. Exit 2 for unusable input (unreadable file, schema / protocol / dataset / rule / pair
 * count mismatch, a missing metric, NaN or null values). The diff table goes to stdout; `--junit`
 * writes JUnit XML (also when the gate fails: that is when CI needs it).
 */
import { RegressionError, UsageError } from '../errors.js';
import { readResultFile, type ResultFile } from '../io/results-json.js';
import { gateText, parseMaxDrop, runGate, type GateOutcome, type GatePolicy, type GateSelection } from '../report/gate.js';
import { gateJunit } from '../report/junit.js';
import { METRIC_NAMES_HELP } from '../report/metric-keys.js';
import type { Command } from './command.js';
import { QUIET_FLAG } from './flag-groups.js';
import { parseCommaList } from './flag-values.js';
import type { CommandSpec } from './flags.js';
import { PendingOutputs } from './outputs.js';

const spec: CommandSpec = {
  name: 'gate',
  summary: 'fail (exit 1) when a result regressed against a baseline result',
  usage: ['gate --baseline FILE --current FILE [--max-drop METRIC=DROP,… | --ci-aware] [--metric LIST] [--aggregation LIST] [--junit FILE]'],
  description: 'Exit 0: no regression; 1: a regression (the table says which); 2: the files cannot be compared (other protocol, dataset, rule or pair counts, a missing or null metric).',
  groups: [
    {
      title: 'Inputs',
      flags: {
        baseline: { kind: 'value', value: 'FILE', describe: 'baseline result JSON (e.g. committed in the repository)' },
        current: { kind: 'value', value: 'FILE', describe: 'result JSON to check' },
      },
    },
    {
      title: 'Policy',
      flags: {
        metric: { kind: 'value', value: 'LIST', default: 'tar (ijb), accuracy (lfw)', describe: `metrics to gate: ${METRIC_NAMES_HELP}` },
        aggregation: { kind: 'value', value: 'LIST', describe: 'gate only these rows of the baseline: ijb aggregations, cluster clusterings [default: all]' },
        'max-drop': { kind: 'value', value: 'LIST', describe: 'allowed worsening per metric in rates, e.g. 1e-4=0.002,eer=0.001 (*=x for all others) [default: 0: any drop fails]' },
        'ci-aware': { kind: 'switch', describe: 'fail only when the current bootstrap interval lies entirely on the worse side of the baseline value (needs ijb --bootstrap)' },
      },
    },
    { title: 'Outputs', flags: { junit: { kind: 'value', value: 'FILE', describe: 'write JUnit XML here (one test case per row × metric), also when the gate fails' }, ...QUIET_FLAG } },
  ],
  examples: [
    { what: 'Any TAR@FAR drop fails', command: 'facebench gate --baseline baseline.json --current new.json' },
    { what: 'Allow 0.2 pp at FAR 1e-4 and 0.3 pp at 1e-5, gate the plain aggregation only, JUnit for the CI report', command: 'facebench gate --baseline baseline.json --current new.json --max-drop 1e-4=0.002,1e-5=0.003 --aggregation plain --junit gate.xml' },
    { what: 'Fail only on significant drops of TAR@1e-4 and EER (run ijb with --bootstrap 1000)', command: 'facebench gate --baseline baseline.json --current new.json --ci-aware --metric 1e-4' },
  ],
};

export interface GateCommandOptions {
  baseline: string;
  current: string;
  policy: GatePolicy;
  selection: GateSelection;
  junit?: string;
  quiet: boolean;
}

export interface GateCommandResult extends GateOutcome {
  base: ResultFile;
  cur: ResultFile;
}

export const gateCommand: Command<GateCommandOptions, GateCommandResult> = {
  spec,
  parse(args) {
    const baseline = args.string('baseline');
    const current = args.string('current');
    if (baseline === undefined || current === undefined) throw new UsageError(`--${baseline === undefined ? 'baseline' : 'current'} is required`, 'see facebench help gate');
    if (args.switch('ci-aware') && args.has('max-drop')) throw new UsageError('--max-drop and --ci-aware exclude each other: choose one policy');
    const metric = args.string('metric');
    const aggregation = args.string('aggregation');
    return {
      baseline,
      current,
      policy: args.switch('ci-aware') ? { kind: 'ci-aware' } : { kind: 'max-drop', ...parseMaxDrop(args.string('max-drop') ?? '*=0') },
      selection: { metrics: metric === undefined ? undefined : parseCommaList(metric, '--metric'), rows: aggregation === undefined ? undefined : parseCommaList(aggregation, '--aggregation') },
      junit: args.string('junit'),
      quiet: args.switch('quiet'),
    };
  },
  files: (o) => ({
    outputs: o.junit === undefined ? [] : [{ flag: '--junit', path: o.junit }],
    inputs: [
      { flag: '--baseline', path: o.baseline },
      { flag: '--current', path: o.current },
    ],
  }),
  quiet: (o) => o.quiet,
  timed: () => false,
  async run(o) {
    const base = readResultFile(o.baseline);
    const cur = readResultFile(o.current);
    return { base, cur, ...runGate(base, cur, o.policy, o.selection) };
  },
  report(o, { base, cur, checks, skipped }) {
    const out = new PendingOutputs();
    out.add(o.junit, () => gateJunit({ name: `facebench gate: ${cur.label} vs ${base.label}`, checks }));
    out.print(gateText(base, cur, checks, o.policy));
    const failed = checks.filter((c) => !c.passed);
    const failure = failed.length > 0 ? new RegressionError(`${failed.length} of ${checks.length} metrics regressed: ${failed.map((c) => `${c.row} ${c.metric}`).join(', ')}`) : undefined;
    const warnings = skipped.length ? [`not gated: ${skipped.join(', ')} (null in the baseline: a FAR target its impostors cannot resolve)`] : [];
    return { outputs: out, warnings, failure };
  },
};
