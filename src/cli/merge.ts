/** `facebench merge`: joins the shard stores of `extract --shard K/N` into one store. */
import type { Argv } from 'yargs';
import { mkdirSync } from 'node:fs';
import { mergeStores } from '../extract/merge.js';

export function mergeCommand(y: Argv): Argv {
  return y.command(
    'merge <stores..>',
    'join feature-store shards (extract --shard K/N) into one store',
    (c) =>
      c
        .positional('stores', { type: 'string', array: true, demandOption: true, describe: 'shard store folders, any order' })
        .option('out', { type: 'string', demandOption: true, describe: 'merged store folder to write' }),
    async (argv) => {
      mkdirSync(argv.out, { recursive: true });
      const meta = mergeStores(argv.stores as string[], argv.out);
      process.stdout.write(`${argv.out}: ${meta.rows} faces × ${meta.dim} from ${(argv.stores as string[]).length} shards${meta.badFaces.length ? ` (${meta.badFaces.length} unreadable faces listed)` : ''}\n`);
    },
  );
}
