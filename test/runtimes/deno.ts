/**
 * Running test/runtimes/deno-produce.mjs under the Deno binary the global setup fetched
 * (inject('denoBin'), or DENO_BIN), for the Deno suites (test/live/*runtime-deno*).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { fixtureOutput, type FixtureOutput } from './round-trip.js';

function injected<K extends 'denoBin' | 'denoUnavailable'>(key: K): string | null {
  try {
    return inject(key);
  } catch {
    return null;
  }
}

/** The Deno binary, or null. */
export function denoBinary(): string | null {
  return injected('denoBin') ?? process.env.DENO_BIN ?? null;
}

/** Why the Deno suites skip, or null when Deno is there. */
export function denoUnavailable(): string | null {
  return denoBinary() ? null : (injected('denoUnavailable') ?? 'no Deno binary (the global setup fetches one; or set DENO_BIN)');
}

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'test', 'runtimes', 'deno-produce.mjs');

/**
 * Runs the fixture from the repository root (so node_modules' optional codec packages resolve;
 * --no-lock: Deno writes no deno.lock there) and returns what it printed.
 */
export function runDeno(args: Record<string, unknown>): FixtureOutput & { implementation: string } {
  const r = spawnSync(denoBinary()!, ['run', '--allow-all', '--no-lock', SCRIPT, JSON.stringify(args)], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  expect(r.status, r.stderr).toBe(0);
  return fixtureOutput(r.stdout, r.stderr) as FixtureOutput & { implementation: string };
}
