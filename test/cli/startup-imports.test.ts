/**
 * Start-up stays small: `facebench --version` or a usage error must not load the native and
 * plotting libraries (sharp, onnxruntime, vega, resvg …), which cost ~0.4 s before the first line.
 * Those modules are imported where they are used (`await import(...)` or createRequire), so the
 * bundle's top level may import only node: built-ins.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('CLI bundle start-up', () => {
  it('imports no heavy package statically', () => {
    const bundle = readFileSync(join(__dirname, '../../dist/cli.js'), 'utf8');
    const staticImports = [...bundle.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
    expect(staticImports.length).toBeGreaterThan(0);
    const nonBuiltin = staticImports.filter((name) => !name.startsWith('node:'));
    expect(nonBuiltin).toEqual([]);
    // The heavy ones are still reachable, lazily.
    for (const name of ['sharp', 'onnxruntime-node', 'vega']) expect(bundle).toContain(`"${name}"`);
  });
});
