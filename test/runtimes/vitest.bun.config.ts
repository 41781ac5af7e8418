/**
 * The unit and golden suites under Bun (test/live/runtime-bun.test.ts runs
 * `bun --bun vitest run --config test/runtimes/vitest.bun.config.ts`): the same files as under
 * Node, no brokers (no global setup), results as JSON for the test to compare with the list of
 * what Bun cannot run and why.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts', 'test/golden/**/*.test.ts'],
    // It starts Bun itself from the Node run (TLS under Bun against servers in the Node process).
    exclude: ['test/unit/tls-bun.test.ts'],
    setupFiles: ['test/runtimes/bun-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['dot', 'json'],
  },
});
