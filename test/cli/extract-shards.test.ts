import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers/cli.js';

describe('extract --shard', () => {
  it('refuses more shards than faces (a shard would be empty) before loading the model', async () => {
    const out = join(tempDir(), 'store');
    const r = await runCli(['extract', '--model', join(REPO, 'fixtures/models/tiny-a32.onnx'), '--dataset', 'ijb', '--root', join(REPO, 'fixtures/ijb-images'), '--out', out, '--ep', 'cpu', '--quiet', '--shard', '1/121']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard 1\/121: 120 faces make 121 shards too many/);
    expect(existsSync(out)).toBe(false);
  });
});
