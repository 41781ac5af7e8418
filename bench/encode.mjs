#!/usr/bin/env node
// Encode-only benchmark: how fast kafka-wire turns send() calls into sealed, CRC'd RecordBatch
// bytes with no network, next to a plain memory copy of the same bytes.
//
//   memcpy       per record: copy the key and value bytes into a 16 KiB (batch.size) buffer,
//                starting over when full (the floor: what moving the payload costs with no
//                encoding at all)
//   memcpy+crc   the same, plus one CRC32C pass over each filled buffer (the CRC32C the producer
//                uses: native when @node-rs/crc32 is installed): the floor of any encoder that
//                writes a valid RecordBatch, which must checksum every byte
//   accumulator  RecordAccumulator.append (record encoded in place into the pool's buffer) ->
//                drain (seal: header; lz4: compress) -> producer id/epoch/sequence written at
//                first drain (as the idempotent Sender does) -> batch.records() (the wire bytes
//                the Sender puts in a request: CRC32C over the batch) -> complete + deallocate.
//                The partition is precomputed per key.
//   producer     the public Producer: send(record, callback) -> serializers, partitioner (murmur2),
//                accumulator, Sender, Produce request bytes -> an in-process broker
//                (bench/lib/memory-broker.mjs, behind the Transport seam: no socket) -> response
//                decoding -> callbacks. Everything the client does except the kernel.
//
// Records: one random A-Z value (100 B; 10 KB for the 10 KB workload) and keys "0".."999", as in
// bench/run.mjs. MB/s counts key+value bytes (MiB). Runs are interleaved; medians reported.
//
//   npm run build && node bench/encode.mjs [--records N] [--runs R] [--quick] [--workloads 100B-none,100B-lz4,10KB-none]
// Writes bench/results/encode.md and encode.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ACKNOWLEDGED, RecordAccumulator } from '../dist/accumulator/index.js';
import { getCodec } from '../dist/compression/index.js';
import { crc32c, crc32cImplementation } from '../dist/protocol/crc32c.js';
import { installNativeCrc32c } from '../dist/runtime/node/crc32c.js';
import { Producer, murmur2, toPositive } from '../dist/index.js';
import { MemoryBroker } from './lib/memory-broker.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: {
    records: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string', default: '100B-none,100B-lz4,10KB-none' },
    out: { type: 'string', default: path.join(BENCH_DIR, 'results') },
  },
});
const RECORDS = Number(flags.records ?? process.env.BENCH_RECORDS ?? (flags.quick ? 200_000 : 1_000_000));
const RUNS = Number(flags.runs ?? (flags.quick ? 1 : 5));
const PARTITIONS = 3;
const KEYS = 1000;
const BATCH_SIZE = 16384;
const WORKLOADS = {
  '100B-none': { size: 100, compression: 'none', scale: 1 },
  '100B-lz4': { size: 100, compression: 'lz4', scale: 1 },
  '10KB-none': { size: 10240, compression: 'none', scale: 0.01, min: 10_000 },
};
const MiB = 1024 * 1024;
const log = (m) => process.stderr.write(`[encode] ${m}\n`);

function payload(size) {
  const p = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) p[i] = 65 + Math.floor(Math.random() * 26);
  return p;
}
const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(String(i)));
const keyBytes = (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += keys[i % KEYS].length;
  return s;
};
const partOf = keys.map((k) => toPositive(murmur2(k)) % PARTITIONS);

// --- memcpy baseline ------------------------------------------------------------------------

function memcpy(n, value, withCrc = false) {
  // Repeated until at least 250 ms have passed: one pass over the records can be too short to time.
  const dst = new Uint8Array(BATCH_SIZE + value.length + 16);
  let off = 0;
  let sink = 0;
  let done = 0;
  const t0 = performance.now();
  let ms = 0;
  do {
    for (let i = 0; i < n; i++) {
      const k = keys[i % KEYS];
      if (off + k.length + value.length > BATCH_SIZE) {
        sink ^= withCrc ? crc32c(dst, 0, off) : dst[off >> 1];
        off = 0;
      }
      dst.set(k, off);
      off += k.length;
      dst.set(value, off);
      off += value.length;
    }
    done += n;
    ms = performance.now() - t0;
  } while (ms < 250);
  if (sink === 0x1234567) console.log(''); // keep the copies observable
  return { ms: (ms * n) / done };
}

// --- accumulator: append -> seal -> CRC -> producer state ------------------------------------

async function accumulator(n, value, compression) {
  const codec = compression === 'none' ? null : await getCodec(compression);
  const topic = 'encode';
  const view = { partitionCount: PARTITIONS, availablePartitions: [...Array(PARTITIONS).keys()] };
  const tps = Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p }));
  const cluster = { topic: (t) => (t === topic ? view : undefined), leaderFor: () => 1, partitionsForNode: () => tps };
  let completed = 0;
  const seq = new Int32Array(PARTITIONS);
  const acc = new RecordAccumulator({
    batchSize: BATCH_SIZE,
    bufferMemory: 32 * MiB,
    lingerMs: 5,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    deliveryTimeoutMs: 120_000,
    maxRequestSize: 1024 * 1024,
    maxBlockMs: 60_000,
    compression: codec ? codec.id : 0,
    ...(codec ? { compress: (_id, data) => codec.compress(data, 9) } : {}),
    complete: () => {
      completed++;
    },
    hooks: {
      // What the idempotent Sender does at first drain (TransactionManager.assignSequence).
      onFirstDrain: (b) => {
        const p = b.topicPartition.partition;
        b.setProducerState(4242n, 0, seq[p]);
        seq[p] += b.recordCount;
      },
    },
  });
  let wire = 0;
  let batches = 0;
  const finish = (drained) => {
    for (const list of drained.values()) {
      for (const b of list) {
        wire += b.records().length; // the wire bytes as the Sender takes them (CRC written if still pending)
        batches++;
        b.done(0n, -1, null);
        acc.release(b, ACKNOWLEDGED); // the batch's single exit: memory back to the pool
      }
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const now = Date.now();
    const r = acc.append(topic, partOf[i % KEYS], now, keys[i % KEYS], value, null, null, cluster, now);
    if (r instanceof Promise) throw new Error('accumulator ran out of memory: the bench drains too slowly');
    if (r.batchIsFull) {
      const ready = acc.ready(cluster, now);
      if (ready.readyNodes.size > 0) finish(acc.drain(cluster, ready.readyNodes, 1024 * 1024, now));
    }
  }
  acc.close();
  for (;;) {
    const now = Date.now();
    const ready = acc.ready(cluster, now);
    if (ready.readyNodes.size === 0) break;
    finish(acc.drain(cluster, ready.readyNodes, 1024 * 1024, now));
  }
  const ms = performance.now() - t0;
  if (completed !== n) throw new Error(`accumulator completed ${completed} of ${n}`);
  return { ms, wire, batches };
}

// --- producer with the in-memory broker ---------------------------------------------------------

async function producer(n, value, compression, verifyBatches) {
  const broker = new MemoryBroker({ partitions: PARTITIONS, verifyBatches });
  const p = new Producer(
    { 'bootstrap.servers': 'memory:9092', acks: 'all', 'enable.idempotence': true, 'linger.ms': 5, 'compression.type': compression },
    { transport: broker.transport() },
  );
  const topic = 'encode';
  await p.partitionsFor(topic); // metadata + connection before the clock starts
  const window = Math.max(256, Math.floor((8 * MiB) / (value.length + 16)));
  let outstanding = 0;
  let failed = 0;
  let wake = null;
  const cb = (err) => {
    outstanding--;
    if (err) failed++;
    if (wake !== null && outstanding <= window / 2) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    outstanding++;
    p.send({ topic, key: keys[i % KEYS], value }, cb);
    if (outstanding >= window) await new Promise((r) => (wake = r));
    else if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
  }
  await p.flush();
  const ms = performance.now() - t0;
  await p.close();
  if (failed > 0 || broker.records !== n) throw new Error(`producer: ${failed} failed, broker got ${broker.records} of ${n}`);
  return { ms, wire: broker.bytes, batches: broker.batches, requests: broker.requests, verified: broker.verified };
}

// --- main ------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// As a Producer would (the accumulator path builds no Producer): the native CRC32C when installed.
installNativeCrc32c();
const results = { records: RECORDS, runs: RUNS, node: process.version, date: new Date().toISOString(), crc32c: crc32cImplementation(), workloads: [] };
for (const id of flags.workloads.split(',')) {
  const w = WORKLOADS[id];
  if (!w) throw new Error(`unknown workload ${id}`);
  const n = Math.max(w.min ?? 1, Math.round(RECORDS * w.scale));
  const value = payload(w.size);
  const bytes = keyBytes(n) + n * w.size;
  // One unrecorded round so every path is JIT-compiled before it is timed.
  const warm = Math.min(n, Math.max(1000, Math.floor(n / 5)));
  memcpy(warm, value);
  memcpy(warm, value, true);
  await accumulator(warm, value, w.compression);
  await producer(warm, value, w.compression, 64);
  const t = { memcpy: [], 'memcpy+crc': [], accumulator: [], producer: [] };
  let acc0;
  let prod0;
  for (let r = 0; r < RUNS; r++) {
    t.memcpy.push(memcpy(n, value).ms);
    t['memcpy+crc'].push(memcpy(n, value, true).ms);
    const a = await accumulator(n, value, w.compression);
    t.accumulator.push(a.ms);
    acc0 ??= a;
    const p = await producer(n, value, w.compression, r === 0 ? 64 : 0);
    t.producer.push(p.ms);
    prod0 ??= p;
  }
  const row = { id, size: w.size, compression: w.compression, records: n, payloadBytes: bytes, paths: {} };
  for (const [k, list] of Object.entries(t)) {
    const ms = median(list);
    row.paths[k] = { ms, recordsPerSec: (n / ms) * 1000, mbPerSec: (bytes / MiB / ms) * 1000, runsMs: list };
  }
  row.paths.accumulator.wireBytes = acc0.wire;
  row.paths.accumulator.batches = acc0.batches;
  row.paths.producer.wireBytes = prod0.wire;
  row.paths.producer.batches = prod0.batches;
  row.paths.producer.requests = prod0.requests;
  row.paths.producer.crcVerifiedBatches = prod0.verified;
  results.workloads.push(row);
  const m = row.paths.memcpy.recordsPerSec;
  log(`${id} (${fmt(n)} records): memcpy ${fmt(m)} rec/s, accumulator ${fmt(row.paths.accumulator.recordsPerSec)} rec/s (1/${fmt(m / row.paths.accumulator.recordsPerSec, 1)} of memcpy), producer ${fmt(row.paths.producer.recordsPerSec)} rec/s (1/${fmt(m / row.paths.producer.recordsPerSec, 1)})`);
}

// --- report ----------------------------------------------------------------------------------

const L = [];
L.push('# kafka-wire encode-only benchmark');
L.push('');
L.push(`\`node bench/encode.mjs\` on ${results.date}, Node ${results.node}, ${RUNS} interleaved run(s) per path, medians, CRC32C: ${results.crc32c}. No network: see the header of bench/encode.mjs for what each path covers. MB/s counts key+value bytes (MiB); "× memcpy" is the path's throughput divided by the memory copy's (1.00 = as fast as copying the bytes).`);
L.push('');
L.push('| workload | records | path | records/s | MB/s | × memcpy | wire bytes/record |');
L.push('|---|---:|---|---:|---:|---:|---:|');
for (const row of results.workloads) {
  const m = row.paths.memcpy;
  for (const [k, v] of Object.entries(row.paths)) {
    const wire = v.wireBytes ? fmt(v.wireBytes / row.records, 1) : '—';
    L.push(`| ${row.id} | ${fmt(row.records)} | ${k} | ${fmt(v.recordsPerSec)} | ${fmt(v.mbPerSec, 1)} | ${fmt(v.recordsPerSec / m.recordsPerSec, 3)} | ${wire} |`);
  }
}
L.push('');
const verified = results.workloads.map((w) => w.paths.producer.crcVerifiedBatches).reduce((a, b) => a + b, 0);
L.push(`The in-memory broker checked the CRC32C of ${verified} batches (the first 64 of each workload's first run) and counted every record; all matched.`);
L.push('');
const md = L.join('\n');
fs.mkdirSync(flags.out, { recursive: true });
fs.writeFileSync(path.join(flags.out, 'encode.json'), JSON.stringify(results, null, 2));
fs.writeFileSync(path.join(flags.out, 'encode.md'), md);
process.stdout.write(md);
