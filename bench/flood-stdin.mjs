#!/usr/bin/env node
// The flood-memory figure (issue 15, target 4): `kafka-wire produce` fed a multi-GB stream on
// stdin as fast as this process can write it. The CLI reads stdin through producer.writable(),
// whose writes wait while buffer.memory is full, so the pipe applies backpressure to the source
// and the producer's peak RSS should stay near buffer.memory + Node's own footprint whatever the
// stream's size. Measures the CLI's peak RSS and CPU with /usr/bin/time, then checks on the
// broker (high watermarks, KafkaJS admin: a client nobody here wrote) that the topic holds
// exactly the lines written.
//
//   npm run build && node bench/flood-stdin.mjs --bootstrap HOST:PORT [--gib 3 | --lines N] [--size 10240] [--buffer-memory 33554432]
//   (npm run bench runs it twice: 1,000,000 lines of 100 B, and 2 GiB of 10 KB lines)
//
// Prints a Markdown line and `RESULT {json}` last.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    gib: { type: 'string', default: '3' },
    lines: { type: 'string' }, // instead of --gib: this many lines
    size: { type: 'string', default: '10240' },
    'buffer-memory': { type: 'string', default: String(32 * 1024 * 1024) },
    'node-option': { type: 'string', multiple: true, default: [] },
  },
});
if (!flags.bootstrap) throw new Error('--bootstrap HOST:PORT is required');
const size = Number(flags.size);
const totalBytes = Math.round(Number(flags.gib) * 1024 ** 3);
const lines = flags.lines !== undefined ? Number(flags.lines) : Math.ceil(totalBytes / (size + 1));
const bufferMemory = Number(flags['buffer-memory']);
const topic = `flood-${Date.now().toString(36)}`;

const kafka = new kafkajs.Kafka({ brokers: flags.bootstrap.split(','), logLevel: kafkajs.logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

// One chunk of 256 lines (A-Z values), written again and again: generating the bytes must not be
// what limits the source.
const alphabet = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const line = Buffer.alloc(size + 1);
const rnd = randomBytes(size);
for (let i = 0; i < size; i++) line[i] = alphabet[rnd[i] % 26];
line[size] = 0x0a;
const perChunk = 256;
const chunk = Buffer.concat(Array.from({ length: perChunk }, () => line));

const started = Date.now();
const child = spawn(
  '/usr/bin/time',
  ['-f', 'TIME %e %U %S %M', process.execPath, ...flags['node-option'], path.join(REPO, 'dist/cli/main.js'), 'produce', '--bootstrap-server', flags.bootstrap, '--topic', topic, '--max-memory-bytes', String(bufferMemory), '--timeout', '5'],
  { stdio: ['pipe', 'inherit', 'pipe'] },
);
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

let written = 0;
while (written < lines) {
  const n = Math.min(perChunk, lines - written);
  const ok = child.stdin.write(n === perChunk ? chunk : chunk.subarray(0, n * (size + 1)));
  written += n;
  if (!ok) await new Promise((r) => child.stdin.once('drain', r));
}
child.stdin.end();
const code = await exited;
const wallS = (Date.now() - started) / 1000;
const m = /TIME (\S+) (\S+) (\S+) (\d+)/.exec(stderr);
if (code !== 0 || !m) throw new Error(`kafka-wire produce exited ${code}: ${stderr.slice(-2000)}`);
const [, , user, sys, maxKiB] = m;

const offsets = await admin.fetchTopicOffsets(topic);
const stored = offsets.reduce((s, p) => s + Number(p.high), 0);
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
if (stored !== lines) throw new Error(`the topic holds ${stored} records, ${lines} lines were written`);

const result = {
  bytes: lines * (size + 1),
  lines,
  recordBytes: size,
  bufferMemory,
  peakRssMiB: Number(maxKiB) / 1024,
  boundMiB: bufferMemory / 1024 ** 2 + 64,
  wallS,
  cpuS: Number(user) + Number(sys),
  mibPerS: (lines * (size + 1)) / 1024 ** 2 / wallS,
};
console.log(
  `| ${(result.bytes / 1024 ** 3).toFixed(2)} GiB | ${lines.toLocaleString('en-US')} x ${size} B | ${(bufferMemory / 1024 ** 2).toFixed(0)} MiB | ` +
    `${result.peakRssMiB.toFixed(1)} MiB (bound ${result.boundMiB} MiB) | ${wallS.toFixed(1)} s | ${result.mibPerS.toFixed(0)} MiB/s | ${result.cpuS.toFixed(1)} s |`,
);
console.log(`RESULT ${JSON.stringify(result)}`);
