import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Live suites share one broker started once per run (see test/helpers/global-setup.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The JSON summary lets .ci/run print a plain "N passed, N failed" closing line; the skip
    // reporter lists every skipped test with its reason and ends the run with `SKIPPED: ...`.
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }], './test/helpers/skip-reporter.ts'],
  },
});
