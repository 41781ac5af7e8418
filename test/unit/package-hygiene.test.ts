/**
 * What `npm pack` publishes: exactly the built JavaScript and its type declarations (dist/, as a
 * fresh build of src/ makes them: nothing stale, nothing missing), README.md, LICENSE and
 * package.json; no tests, fixtures, tools or source maps. Every entry point (`.`, `./kafkajs`,
 * `./workers`) is in `exports` with its types, and publint and @arethetypeswrong/cli (profile
 * esm-only: node16 from ESM, and bundlers) find nothing wrong. Needs dist/ (npm test builds it
 * first). The tarball installed into an empty project and used against Kafka:
 * test/live/runtime-package.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const posix = (p: string) => p.split(path.sep).join('/');

/** The files `npm pack` would put in the tarball. */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
}

/** dist/ files a build of src/ produces: one .js and one .d.ts per .ts (declaration files are not emitted). */
function expectedFromSources(): string[] {
  return walk(SRC)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .flatMap((f) => {
      const rel = posix(path.relative(SRC, f)).replace(/\.ts$/, '');
      return [`dist/${rel}.js`, `dist/${rel}.d.ts`];
    });
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
  files: string[];
};

describe('npm pack', () => {
  test('dist/ is built (npm run build) before these checks', () => {
    expect(fs.existsSync(path.join(ROOT, 'dist', 'index.js')), 'no dist/: run npm run build').toBe(true);
  });

  test('the tarball holds exactly dist/ as src/ builds it, README.md, LICENSE and package.json', () => {
    const packed = packedFiles();
    const expected = [...expectedFromSources(), 'LICENSE', 'README.md', 'package.json'].sort();
    // Stale output of a deleted source file would be published too: dist/ must match src/.
    expect(packed.filter((f) => !expected.includes(f)), 'in the tarball but not built from src/ (stale? rm -rf dist && npm run build)').toEqual([]);
    expect(expected.filter((f) => !packed.includes(f))).toEqual([]);
    expect(packed.filter((f) => /(^|\/)(test|tests|fixtures|tools|bench)\/|\.map$|\.tsbuildinfo$/.test(f))).toEqual([]);
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  test('every entry point is exported with its types and is in the tarball; the bin too', () => {
    const packed = new Set(packedFiles());
    const entries: Record<string, string> = { '.': 'index', './kafkajs': 'compat/kafkajs/index', './workers': 'workers' };
    for (const [subpath, src] of Object.entries(entries)) {
      expect(fs.existsSync(path.join(SRC, `${src}.ts`)), `src/${src}.ts`).toBe(true);
      expect(pkg.exports[subpath], subpath).toEqual({ types: `./dist/${src}.d.ts`, import: `./dist/${src}.js` });
      expect(packed.has(`dist/${src}.js`) && packed.has(`dist/${src}.d.ts`), subpath).toBe(true);
    }
    // Nothing else is reachable from outside: deep imports of internals are not part of the API.
    expect(Object.keys(pkg.exports).sort()).toEqual([...Object.keys(entries), './package.json'].sort());
    for (const bin of Object.values(pkg.bin)) {
      expect(packed.has(bin.replace(/^\.\//, ''))).toBe(true);
      expect(fs.readFileSync(path.join(ROOT, bin), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    }
  });

  test('publint --strict: no problem in package.json or the packed files', () => {
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'publint'), ['--strict'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('All good!');
  });

  test('@arethetypeswrong/cli: types resolve for every entry under node16 (ESM) and bundler resolution', () => {
    // Packed into a directory of our own: `attw --pack .` would write and delete the tarball in
    // the repository, racing any other run doing the same.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-attw-'));
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    const report = JSON.parse(r.stdout) as { analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> } };
    expect(r.status, r.stdout.slice(0, 4000)).toBe(0);
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './kafkajs', './package.json', './workers']);
    for (const name of ['.', './kafkajs', './workers']) {
      const res = report.analysis.entrypoints[name]!.resolutions;
      for (const kind of ['node16-esm', 'bundler']) expect(res[kind]?.resolution?.fileName, `${name} ${kind}`).toMatch(/\.d\.ts$/);
    }
    // Problems attw reports only for resolutions the esm-only profile ignores (node10, require from CJS).
    const problems = report.analysis.problems as { resolutionKind?: string; kind: string }[];
    expect(problems.filter((p) => p.resolutionKind !== undefined && !['node10', 'node16-cjs'].includes(p.resolutionKind))).toEqual([]);
  });
});
