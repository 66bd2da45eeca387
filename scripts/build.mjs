// Bundles the TypeScript sources with esbuild (dependencies stay external). Run by `npm ci`
// (prepare), `npm test` (pretest) and `npm run bench`.
import { build } from 'esbuild';

await import('./build-wasm.mjs');

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };
await build({
  ...common,
  entryPoints: {
    cli: 'src/cli/main.ts',
    'extract-worker': 'src/extract/worker.ts',
    'bootstrap-worker': 'src/protocols/bootstrap-worker.ts',
    'kernel-worker': 'src/wasm/kernel-worker.ts',
    bench: 'bench/ijb-bench.ts',
    'scores-bench': 'bench/scores-bench.ts',
    'quality-bench': 'bench/quality-bench.ts',
    'cluster-bench': 'bench/cluster-bench.ts',
    'gpu-bench': 'bench/gpu/gpu-bench.ts',
  },
  outdir: 'dist',
});
