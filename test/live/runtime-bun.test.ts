/**
 * The unit and golden suites under Bun as well as Node: the fetched Bun runs vitest itself
 * (`bun --bun vitest run --config test/runtimes/vitest.bun.config.ts`, so every test file, the
 * code under test and vitest run on Bun's runtime), and this test checks that every test passed
 * except the ones test/runtimes/bun-known-failures.json lists with the reason Bun differs. A test
 * that starts failing under Bun fails here; a listed one that starts passing is reported, so the
 * list can shrink. (It lives in test/live/ only so the global setup fetches Bun for it.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { skipAllIf } from '../helpers/kafka.js';

function injected<K extends 'bunBin' | 'bunUnavailable'>(key: K): string | null {
  try {
    return inject(key);
  } catch {
    return null;
  }
}

const bun = injected('bunBin') ?? process.env.BUN_BIN ?? null;
const ROOT = path.join(import.meta.dirname, '..', '..');

interface Known {
  failures: { file: string; test: string; why: string }[];
  excluded: { file: string; why: string }[];
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

describe('the unit suite under Bun', () => {
  skipAllIf(bun ? null : (injected('bunUnavailable') ?? 'no Bun binary (the global setup fetches one; or set BUN_BIN)'));

  test('bun runs test/unit and test/golden: everything passes but the listed Bun differences', { timeout: 900_000 }, async () => {
    const known = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'runtimes', 'bun-known-failures.json'), 'utf8')) as Known;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-bun-vitest-')), 'results.json');
    // A clean environment: the inner vitest must not think it is one of this run's workers.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('TINYPOOL') && k !== 'NODE_OPTIONS'));
    const t0 = Date.now();
    // Asynchronously: a worker blocked this long would miss vitest's own RPC deadlines.
    const r = await new Promise<{ status: number | null; output: string }>((resolve) => {
      const child = spawn(bun!, ['--bun', path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/runtimes/vitest.bun.config.ts', `--outputFile.json=${out}`], {
        cwd: ROOT,
        env: { ...env, KAFKA_WIRE_LIVE: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const keep = (d: Buffer): void => void (output = (output + d.toString('utf8')).slice(-8000));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), 850_000);
      child.once('close', (status) => {
        clearTimeout(timer);
        resolve({ status, output });
      });
    });
    expect(fs.existsSync(out), `bun vitest wrote no results (exit ${r.status}):\n${r.output}`).toBe(true);
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as VitestJson;
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
    const isKnown = (file: string, name: string) => known.failures.some((k) => k.file === file && k.test === name);
    const unexpected: string[] = [];
    const nowPassing: string[] = [];
    for (const f of results.testResults) {
      const file = rel(f.name);
      // A file that failed to load or whose hooks failed has no failed assertions to show.
      if (f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')) unexpected.push(`${file}: ${f.message ?? 'failed'}`);
      for (const a of f.assertionResults) {
        if (a.status === 'failed' && !isKnown(file, a.fullName)) unexpected.push(`${file} > ${a.fullName}: ${a.failureMessages.join('\n').slice(0, 600)}`);
        if (a.status === 'passed' && isKnown(file, a.fullName)) nowPassing.push(`${file} > ${a.fullName}`);
      }
    }
    process.stderr.write(
      `[bun] ${results.numPassedTests} passed, ${results.numFailedTests} failed (known Bun differences: ${known.failures.length}) of ${results.numTotalTests} in ${results.testResults.length} files, ${((Date.now() - t0) / 1000).toFixed(0)} s\n` +
        (nowPassing.length > 0 ? `[bun] listed as failing but passing now (shrink test/runtimes/bun-known-failures.json):\n  ${nowPassing.join('\n  ')}\n` : ''),
    );
    expect(unexpected).toEqual([]);
    expect(results.numPassedTests).toBeGreaterThan(1000);
    expect(results.testResults.map((f) => rel(f.name))).not.toContain(known.excluded[0]!.file);
  });
});
