import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// At least two workers even on 2 cores: many tests wait on child processes (the real CLI, Chromium),
// and vitest's default (cores − 1) leaves one core idle there. `isolate: false` reuses a worker's
// module graph across files instead of starting a process per file — the suite's tests keep no
// global state between files (temp folders are removed by test/setup.ts after each file).
const workers = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    isolate: false,
    minWorkers: workers,
    maxWorkers: workers,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
