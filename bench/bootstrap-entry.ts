// Entry point bundled by bench/bootstrap-bench.mjs.
export { bootstrapParallel, defaultThreads } from '../src/protocols/bootstrap-parallel.js';
export { Xoshiro128 } from '../src/metrics/bootstrap.js';
export { percentile } from '../src/numeric/numpy.js';
export { splitByLabel } from '../src/metrics/roc.js';
