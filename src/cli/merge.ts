/** `facebench merge`: joins the shard stores of `extract --shard K/N` into one store. */
import { UsageError } from '../errors.js';
import { mergeStores } from '../extract/merge.js';
import type { StoreMeta } from '../extract/store.js';
import type { Command } from './command.js';
import { QUIET_FLAG } from './flag-groups.js';
import type { CommandSpec } from './flags.js';
import { PendingOutputs } from './outputs.js';

const spec: CommandSpec = {
  name: 'merge',
  summary: 'join feature-store shards (extract --shard K/N) into one store',
  usage: ['merge SHARD_DIR... --out DIR'],
  description: 'Checks that the shards come from one extraction (model, preprocessing, flip, face list) and cover every face exactly once.',
  positionals: { name: 'SHARD_DIR...', describe: 'shard store folders, in any order', min: 1 },
  groups: [{ title: 'Output', flags: { out: { kind: 'value', value: 'DIR', describe: 'merged store folder to write (created; its parent must exist)' }, ...QUIET_FLAG } }],
  examples: [
    { what: 'Join eight shards', command: 'facebench merge stores/r100-1 stores/r100-2 stores/r100-3 stores/r100-4 stores/r100-5 stores/r100-6 stores/r100-7 stores/r100-8 --out stores/r100' },
    { what: 'The same with a shell glob, then evaluate the merged store', command: 'facebench merge stores/r100-? --out stores/r100 && facebench ijb --root IJB_release/IJBC --features stores/r100' },
  ],
};

export interface MergeCommandOptions {
  shards: string[];
  out: string;
  quiet: boolean;
}

export const mergeCommand: Command<MergeCommandOptions, StoreMeta> = {
  spec,
  parse(args) {
    const out = args.string('out');
    if (out === undefined) throw new UsageError('--out is required: the merged store folder', 'see facebench help merge');
    return { shards: args.positionals, out, quiet: args.switch('quiet') };
  },
  files: (o) => ({ outputs: [{ flag: '--out', path: o.out, kind: 'folder' }], inputs: o.shards.map((s) => ({ flag: 'SHARD_DIR', path: s })) }),
  quiet: (o) => o.quiet,
  // mergeStores makes --out, and removes what it made when the merge fails.
  run: async (o) => mergeStores(o.shards, o.out),
  report(o, meta) {
    const out = new PendingOutputs();
    out.print(`${o.out}: ${meta.rows} faces × ${meta.dim} from ${o.shards.length} shards${meta.badFaces.length ? ` (${meta.badFaces.length} unreadable faces listed)` : ''}\n`);
    return { outputs: out, warnings: [] };
  },
};
