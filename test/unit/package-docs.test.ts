/**
 * `npm run docs` (TypeDoc, configured by package.json typedocOptions) builds the API reference
 * from the TSDoc comments of the three entry points without errors; here into a temporary
 * directory (the reference itself is never committed: .kafka-wire/api-docs by default).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

test('TypeDoc builds the API reference of kafka-wire, kafka-wire/workers and kafka-wire/kafkajs', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-api-docs-'));
  try {
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'typedoc'), ['--out', out, '--logLevel', 'Error'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const module of ['index', 'workers', 'compat/kafkajs']) expect(index).toContain(module);
    const pages = fs.readdirSync(out, { recursive: true }).map(String);
    expect(pages.some((p) => /classes[\\/].*Producer\.html$/.test(p))).toBe(true);
    expect(pages.some((p) => /classes[\\/].*Kafka\.html$/.test(p))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
