#!/usr/bin/env node
// `npm run fuzz -- --inputs N [--seed S] [--only REGEX] [--heap-mb MB]`: every decoder of
// kafka-wire (each message at each version, headers, frames, the ApiVersions fallback, Reader
// primitives, readRecordBatches with and without each codec, each codec's decompressor) gets
// N / decoders inputs derived from valid encodings and Java's golden fixtures
// (test/helpers/fuzz-core.ts, shared with the CI fuzz test test/unit/fuzz.test.ts).
//
// The run (tools/fuzz/main.ts) executes under vite-node (installed with vitest by `npm ci`; no
// build step) in a child process whose V8 heap is capped (--max-old-space-size, default 256 MiB),
// so an allocation sized by an unchecked count fails loudly; it also checks every allocation
// made while decoding against the input's size. This parent watches it: no progress line for
// --hang-s seconds (default 120) is a hang, and the child is killed and the decoder named.
//
// Last line: `fuzz: N inputs, D decoders, T s, crashes 0 (...), peak RSS X MiB (heap capped at H MiB)`.
// Exit status 0 when nothing but accepted errors was thrown, 1 otherwise.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    inputs: { type: 'string', default: '10000000' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    'heap-mb': { type: 'string', default: '256' },
    'hang-s': { type: 'string', default: '120' },
    'progress-ms': { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: npm run fuzz -- [--inputs N (10000000)] [--seed S (1)] [--only REGEX] [--heap-mb MB (256)] [--hang-s S (120)] [--progress-ms MS]');
  process.exit(0);
}

const require = createRequire(import.meta.url);
let viteNode;
try {
  viteNode = path.join(path.dirname(require.resolve('vite-node/package.json')), 'vite-node.mjs');
} catch {
  console.error('fuzz: vite-node is missing (it comes with vitest): run `npm ci` first');
  process.exit(2);
}

const heapMb = Number(opts['heap-mb']);
const childArgs = [
  `--max-old-space-size=${heapMb}`,
  '--expose-gc',
  viteNode,
  path.join(REPO, 'tools', 'fuzz', 'main.ts'),
  '--inputs',
  opts.inputs,
  '--seed',
  opts.seed,
  '--progress-ms',
  opts['progress-ms'],
  ...(opts.only ? ['--only', opts.only] : []),
];
const t0 = Date.now();
const child = spawn(process.execPath, childArgs, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
let result = null;
let lastLine = '';
let lastOutputAt = Date.now();
let stderr = '';
let pending = '';
let hung = false;

child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  lastOutputAt = Date.now();
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.startsWith('FUZZ-RESULT ')) result = JSON.parse(line.slice('FUZZ-RESULT '.length));
    else {
      console.log(line);
      if (line.startsWith('[fuzz] ')) lastLine = line;
    }
  }
});
child.stderr.setEncoding('utf8');
child.stderr.on('data', (d) => {
  stderr += d;
  if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
});

const hangMs = Number(opts['hang-s']) * 1000;
const watchdog = setInterval(() => {
  if (Date.now() - lastOutputAt > hangMs) {
    hung = true;
    console.log(`[fuzz] no progress for ${opts['hang-s']} s: killing the run (pid ${child.pid}); last progress: ${lastLine}`);
    child.kill('SIGKILL');
  }
}, 1000);

const onSignal = (sig) => {
  child.kill(sig);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

child.on('close', (code, signal) => {
  clearInterval(watchdog);
  const seconds = (Date.now() - t0) / 1000;
  if (!result) {
    const oom = /heap out of memory|Allocation failed|ERR_WORKER_OUT_OF_MEMORY|Array buffer allocation failed/i.test(stderr);
    const kind = hung ? 'hang' : oom ? 'out-of-memory' : `exit ${code ?? signal}`;
    console.log(stderr.trim().split('\n').slice(-30).join('\n'));
    console.log(`fuzz: run did not finish after ${seconds.toFixed(1)} s: crashes 1 (${kind}); last progress: ${lastLine || '(none)'}`);
    process.exit(1);
  }
  const crashes = Object.entries(result.findings);
  const total = crashes.reduce((a, [, n]) => a + n, 0);
  if (result.missingCodecs.length) console.log(`[fuzz] not fuzzed (codec not installed): ${result.missingCodecs.join('; ')}`);
  console.log(
    `fuzz: ${result.inputs.toLocaleString('en-US')} inputs, ${result.decoders} decoders (${Object.entries(result.groups)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ${result.seconds.toFixed(1)} s (+${result.setupSeconds.toFixed(1)} s setup), seed ${result.seed}, ` +
      `${result.rejected.toLocaleString('en-US')} rejected as corrupt, crashes ${total}${total ? ` (${crashes.map(([k, n]) => `${k} ${n}`).join(', ')})` : ' (TypeError 0, RangeError 0, other 0, alloc 0, slow 0, hang 0)'}, ` +
      `peak RSS ${result.peakRssMiB.toFixed(0)} MiB (baseline ${result.baselineRssMiB.toFixed(0)} MiB; heap capped at ${heapMb} MiB, peak heap used ${result.peakHeapUsedMiB.toFixed(0)} MiB, peak ArrayBuffers ${result.peakArrayBuffersMiB.toFixed(0)} MiB)`,
  );
  process.exit(total === 0 && code === 0 ? 0 : 1);
});
