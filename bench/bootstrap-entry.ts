// Entry point bundled by bench/bootstrap-bench.mjs.
export { bootstrapParallel, defaultThreads } from '../src/protocols/bootstrap-parallel.js';
export { percentile, Xoshiro128 } from '../src/metrics/bootstrap.js';
export { splitByLabel } from '../src/metrics/roc.js';
