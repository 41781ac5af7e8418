// Memory bound of the RecordAccumulator: pushes 2 GiB of 1 KiB records through a 32 MiB
// buffer.memory to a simulated slow broker (a drain loop limited to BROKER_MBPS that completes
// each batch LATENCY_MS after draining it), and reports the process's peak RSS. The accumulator
// must hold the producer back (append waits for memory) so the peak stays bounded.
//
// Run: npx tsc -p tsconfig.build.json && node bench/accumulator-memory.mjs [GiB] [MB/s]
// (a measurement, not a test; it imports the built dist/).
import { readFileSync } from 'node:fs';
import { RecordAccumulator } from '../dist/accumulator/index.js';

const TOTAL_BYTES = Number(process.argv[2] ?? 2) * 1024 ** 3;
const BROKER_MBPS = Number(process.argv[3] ?? 400);
const VALUE_SIZE = 1024;
const BUFFER_MEMORY = 32 * 1024 * 1024;
const BATCH_SIZE = 16384;
const LATENCY_MS = 20;
const MAX_REQUEST_SIZE = 1024 * 1024;

const NODES = [1, 2];
const PARTITIONS = 8;
const topic = 'bench';
const partitionsOf = new Map(NODES.map((n) => [n, []]));
for (let p = 0; p < PARTITIONS; p++) partitionsOf.get(NODES[p % NODES.length]).push({ topic, partition: p });
const view = { partitionCount: PARTITIONS, availablePartitions: [...Array(PARTITIONS).keys()] };
const cluster = {
  topic: (t) => (t === topic ? view : undefined),
  leaderFor: (_t, p) => NODES[p % NODES.length],
  partitionsForNode: (n) => partitionsOf.get(n) ?? [],
};

let completed = 0;
let failed = 0;
const acc = new RecordAccumulator({
  batchSize: BATCH_SIZE,
  bufferMemory: BUFFER_MEMORY,
  lingerMs: 5,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  deliveryTimeoutMs: 120_000,
  maxRequestSize: MAX_REQUEST_SIZE,
  maxBlockMs: 60_000,
  complete: (_slot, error) => {
    if (error) failed++;
    else completed++;
  },
});

// --- memory sampling -----------------------------------------------------------------------
const rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
let heapPeak = 0;
let arrayBuffersPeak = 0;
let poolUsedPeak = 0;
function sample() {
  const m = process.memoryUsage();
  if (m.rss > rssPeak) rssPeak = m.rss;
  if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
  if (m.arrayBuffers > arrayBuffersPeak) arrayBuffersPeak = m.arrayBuffers;
}
const sampler = setInterval(sample, 20);
function vmHWM() {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// --- simulated slow broker -------------------------------------------------------------------
const bytesPerMs = (BROKER_MBPS * 1024 * 1024) / 1000;
let tokens = 0;
let lastTick = Date.now();
let offset = 0n;
let done = false;
let requests = 0;
let batchesSent = 0;
const inflight = []; // FIFO of { batch, at }
let head = 0;
function brokerTick() {
  const now = Date.now();
  while (head < inflight.length && inflight[head].at <= now) {
    const { batch } = inflight[head];
    inflight[head++] = undefined;
    batch.inflight = false;
    batch.done(offset, -1, null);
    offset += BigInt(batch.recordCount);
    acc.deallocate(batch);
  }
  if (head > 4096) {
    inflight.splice(0, head);
    head = 0;
  }
  tokens = Math.min(bytesPerMs * 50, tokens + (now - lastTick) * bytesPerMs);
  lastTick = now;
  // Up to 5 requests per node per tick (max.in.flight.requests.per.connection), while the rate allows.
  for (let round = 0; round < 5 && tokens > 0; round++) {
    const ready = acc.ready(cluster, now);
    if (ready.readyNodes.size === 0) break;
    {
      for (const [, batches] of acc.drain(cluster, ready.readyNodes, MAX_REQUEST_SIZE, now)) {
        if (batches.length === 0) continue;
        requests++;
        for (const b of batches) {
          b.inflight = true;
          tokens -= b.sizeInBytes;
          batchesSent++;
          inflight.push({ batch: b, at: now + LATENCY_MS });
        }
      }
    }
  }
  const used = acc.pool.usedMemory;
  if (used > poolUsedPeak) poolUsedPeak = used;
  if (!done) setTimeout(brokerTick, 1);
}

// --- producer ---------------------------------------------------------------------------------
const value = new Uint8Array(VALUE_SIZE);
for (let i = 0; i < VALUE_SIZE; i++) value[i] = (i * 31) & 0xff;
const records = Math.floor(TOTAL_BYTES / VALUE_SIZE);
const t0 = Date.now();
brokerTick();
let waits = 0;
for (let i = 0; i < records; i++) {
  const r = acc.append(topic, -1, Date.now(), null, value, null, null, cluster, Date.now());
  if (r instanceof Promise) {
    waits++;
    await r;
  } else if ((i & 4095) === 0) {
    await new Promise((resolve) => setImmediate(resolve)); // let the broker loop run now and then
  }
}
await acc.flush();
done = true;
const elapsed = (Date.now() - t0) / 1000;
clearInterval(sampler);
sample();

const MiB = 1024 * 1024;
const fmt = (b) => `${(b / MiB).toFixed(1)} MiB`;
console.log(`records: ${records} x ${VALUE_SIZE} B = ${fmt(records * VALUE_SIZE)} in ${elapsed.toFixed(1)} s (${(records * VALUE_SIZE / MiB / elapsed).toFixed(0)} MiB/s; broker limit ${BROKER_MBPS} MiB/s, ${LATENCY_MS} ms latency)`);
console.log(`completed: ${completed}, failed: ${failed}, batches: ${batchesSent}, requests: ${requests}, appends that waited for memory: ${waits}`);
console.log(`buffer.memory: ${fmt(BUFFER_MEMORY)}; pool peak in use: ${fmt(poolUsedPeak)}; pool wait total: ${acc.pool.waitTimeMsTotal} ms; free list: ${acc.pool.freeListSize} buffers`);
console.log(`RSS: start ${fmt(rssStart)}, peak sampled ${fmt(rssPeak)}, VmHWM ${fmt(vmHWM())}; heapUsed peak ${fmt(heapPeak)}; arrayBuffers peak ${fmt(arrayBuffersPeak)}`);
if (completed !== records || failed !== 0) {
  console.error('records lost or failed');
  process.exitCode = 1;
}
