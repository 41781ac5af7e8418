/**
 * The import rules of src/ (docs/ARCHITECTURE.md, "Layout"): the folders form an acyclic graph,
 * each folder imports only the folders it is allowed to, and only runtime/node/ and cli/ import
 * `node:` modules (test/unit/runtime.test.ts checks that one file by file). A new folder must be
 * given its place here, which is the point: where a feature lives is a decision, written down.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/**
 * What each part of src/ may import (besides itself). Top-level files count as their own part
 * (name without .ts). Lower layers first; the arrows point one way.
 */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  common: [], // the Clock and ExponentialBackoff (Java's common/utils Time and ExponentialBackoff)
  protocol: ['errors'],
  compression: ['errors', 'runtime'], // runtime: the lazy node:zlib fallback when no gzip adapter is injected
  partitioner: ['errors'],
  observability: ['common', 'protocol'], // protocol: the trace decodes the frames it is shown
  accumulator: ['errors', 'common', 'protocol', 'partitioner'],
  network: ['errors', 'common', 'protocol', 'observability'], // observability: the SASL login's logger (token refresh)
  cluster: ['errors', 'common', 'protocol', 'accumulator'],
  idempotence: ['protocol', 'accumulator'],
  // The transactional state machine (Java's TransactionManager beyond idempotence): it drives
  // coordinator requests through the network layer and owns the idempotent state it builds on.
  transactions: ['errors', 'common', 'protocol', 'accumulator', 'network', 'cluster', 'idempotence', 'observability'],
  sender: ['errors', 'common', 'protocol', 'accumulator', 'network', 'cluster', 'idempotence', 'transactions', 'observability', 'runtime'],
  runtime: ['errors', 'common', 'protocol', 'compression', 'network'], // protocol: Node's native CRC32C is installed into protocol/crc32c.ts
  'java-classes': ['errors', 'partitioner'],
  config: ['errors', 'java-classes', 'network', 'compression'],
  producer: ['errors', 'common', 'protocol', 'compression', 'partitioner', 'accumulator', 'network', 'cluster', 'idempotence', 'transactions', 'sender', 'observability', 'runtime', 'config', 'java-classes'],
  // The public API both entries export (no runtime registered here).
  api: ['errors', 'config', 'partitioner', 'producer', 'runtime', 'observability', 'network', 'cluster'],
  index: ['api', 'runtime'],
  // The kafka-wire/workers entry: the public API of index with the Workers runtime registered.
  workers: ['api', 'runtime'],
  cli: ['index', 'config', 'errors', 'conformance', 'observability'], // conformance: the conformance command; observability: --trace output
  // Round 2 homes: facades and tools that sit on the public API, never on the engine's insides.
  compat: ['index', 'errors', 'protocol', 'network', 'cluster'],
  // config: --producer.config resolved as the Producer resolves it (security.protocol, ssl.*, sasl.*);
  // observability: the trace of the suite's own connections (--trace).
  conformance: ['index', 'errors', 'protocol', 'network', 'cluster', 'compression', 'runtime', 'config', 'observability'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const part = (file: string): string => {
  const rel = relative(SRC, file).split('\\').join('/');
  const i = rel.indexOf('/');
  return i < 0 ? rel.replace(/\.ts$/, '') : rel.slice(0, i);
};

interface Edge {
  files: string[];
  /** Only `import()` behind it: not a load-time dependency. */
  lazy: boolean;
}

/** part -> part -> the edge (relative imports: static, side-effect and dynamic). */
function graph(): Map<string, Map<string, Edge>> {
  const g = new Map<string, Map<string, Edge>>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(from\s+|import\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const target = resolve(dirname(file), m[2]!).replace(/\.js$/, '.ts');
      const a = part(file);
      const b = part(target);
      if (a === b) continue;
      if (!g.has(a)) g.set(a, new Map());
      const edges = g.get(a)!;
      const lazy = m[1]!.startsWith('import(');
      const e = edges.get(b);
      if (e === undefined) edges.set(b, { files: [relative(SRC, file)], lazy });
      else {
        e.files.push(relative(SRC, file));
        e.lazy &&= lazy;
      }
    }
  }
  return g;
}

describe('src/ layout', () => {
  test('every part of src/ has a place in the rules', () => {
    const parts = new Set(sources(SRC).map(part));
    expect([...parts].filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  test('each part imports only what it may', () => {
    const bad: string[] = [];
    for (const [a, edges] of graph()) {
      for (const [b, e] of edges) if (!(ALLOWED[a] ?? []).includes(b)) bad.push(`${a} -> ${b} (${[...new Set(e.files)].join(', ')})`);
    }
    expect(bad).toEqual([]);
  });

  test('the parts form no cycle (static imports)', () => {
    const g = graph();
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 'visiting');
      for (const [m, e] of g.get(n) ?? []) if (!e.lazy) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of g.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
