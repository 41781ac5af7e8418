// Shared by the Node client drivers (kafka-wire, KafkaJS, @platformatic/kafka). Each driver runs
// in its own process, started by bench/run.mjs under /usr/bin/time, so the CPU and peak RSS the
// runner records are that client's alone. A driver:
//   - reads its options from the command line (parseDriverArgs),
//   - sends the same records as every other client: value i is bytes [i*size, (i+1)*size) of the
//     --values file (bench/lib/values.mjs: the fresh random A-Z bytes Java's ProducerPerformance
//     sends per record), keys "0".."999" round-robin, as its --key-distribution range
//     --record-key-range 1000,
//   - runs `sendLoop` (bounded outstanding records, optional fixed rate with per-record latency),
//   - prints one `RESULT {json}` line last on stdout.
import fs from 'node:fs';
import { parseArgs } from 'node:util';

export function parseDriverArgs(extra = {}) {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string' },
      topic: { type: 'string' },
      records: { type: 'string', default: '100000' },
      size: { type: 'string', default: '100' },
      keys: { type: 'string', default: '1000' },
      compression: { type: 'string', default: 'none' },
      mode: { type: 'string' },
      rate: { type: 'string', default: '0' },
      window: { type: 'string', default: '0' },
      batch: { type: 'string', default: '0' },
      concurrency: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '0' },
      values: { type: 'string' },
      // batch.size in bytes for clients that have one (the equal-settings workloads); 0: default.
      'batch-size': { type: 'string', default: '0' },
      ...extra,
    },
  });
  if (!values.bootstrap || !values.topic) throw new Error('--bootstrap and --topic are required');
  const size = Number(values.size);
  const o = {
    ...values,
    records: Number(values.records),
    size,
    keys: Number(values.keys),
    rate: Number(values.rate),
    batch: Number(values.batch) || defaultBatch(size),
    concurrency: Number(values.concurrency),
    warmup: Number(values.warmup),
    batchSize: Number(values['batch-size']),
    // Records handed to the client but not complete yet. Default: 8 MiB of values (a quarter
    // of Java's buffer.memory), at least 256 records.
    window: Number(values.window) || defaultWindow(size),
  };
  return o;
}

/**
 * Records per call in the batch modes: 1000, or fewer when 1000 would not fit the broker's
 * default message.max.bytes (1 MiB per partition batch): about 768 KiB of values per call
 * (75 records of 10 KB).
 */
export function defaultBatch(size) {
  return Math.max(1, Math.min(1000, Math.floor((768 * 1024) / (size + 64))));
}

export function defaultWindow(size) {
  return Math.max(256, Math.floor((8 * 1024 * 1024) / (size + 16)));
}

/**
 * Value `i` of the run: `size` bytes at offset i*size of the `--values` file (bench/lib/values.mjs),
 * read sequentially in chunks of about 1 MiB (a fresh Buffer each, so values handed to a client
 * stay valid; memory stays small). Calls must come in increasing `i`, as the send loops make them.
 */
export function makeValues(o) {
  if (!o.values) throw new Error('--values FILE is required (bench/run.mjs writes it)');
  const size = Number(o.size);
  const fd = fs.openSync(o.values, 'r');
  const fileRecords = Math.floor(fs.fstatSync(fd).size / size);
  if (fileRecords < 1) throw new Error(`${o.values} holds no ${size}-byte value`);
  const perChunk = Math.max(1, Math.floor((1 << 20) / size));
  let first = -1;
  let chunk = Buffer.alloc(0);
  return (i) => {
    const k = i % fileRecords;
    if (first < 0 || k < first || k >= first + perChunk) {
      first = k - (k % perChunk);
      const n = Math.min(perChunk, fileRecords - first);
      chunk = Buffer.allocUnsafe(n * size);
      fs.readSync(fd, chunk, 0, chunk.length, first * size);
    }
    const off = (k - first) * size;
    return chunk.subarray(off, off + size);
  };
}

/** Keys "0".."n-1" as bytes (Java's range key distribution). */
export function makeKeys(n) {
  const keys = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = Buffer.from(String(i));
  return keys;
}

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const immediate = () => new Promise((r) => setImmediate(r));

/**
 * Sends `records` records in units of `step` records (1 = per-record send). `send(i, n, cb)`
 * sends records [i, i+n) and must call `cb(err)` once when they are all complete.
 * At most `window` records are outstanding; the loop yields to I/O every 1024 records.
 * `rate` > 0 paces sends to that many records/s and records each unit's latency (send call ->
 * completion, ms), leaving the first `warmup` records out of the statistics (connection set-up,
 * producer id, JIT); throughput runs pass one shared callback (no closure per record).
 */
export async function sendLoop({ records, step = 1, window, rate = 0, warmup = 0, send }) {
  let outstanding = 0;
  let completed = 0;
  let failed = 0;
  let firstError = null;
  let wake = null;
  const lowWater = Math.max(step, Math.floor(window / 2));
  const done = (err, n) => {
    outstanding -= n;
    completed += n;
    if (err) {
      failed += n;
      firstError ??= err;
    }
    if (wake !== null && (outstanding <= lowWater || outstanding === 0)) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const latencies = rate > 0 ? new Float64Array(Math.ceil(records / step)) : null;
  const doneStep = (err) => done(err, step); // shared: no closure per record in throughput runs
  const start = now();
  let units = 0;
  for (let i = 0; i < records; i += step) {
    const n = Math.min(step, records - i);
    if (rate > 0) {
      const due = start + (i * 1000) / rate;
      const ahead = due - now();
      if (ahead >= 1) await sleep(ahead);
    }
    outstanding += n;
    if (latencies !== null) {
      const u = units;
      const t0 = now();
      send(i, n, (err) => {
        latencies[u] = now() - t0;
        done(err, n);
      });
    } else send(i, n, n === step ? doneStep : (err) => done(err, n));
    units++;
    if (outstanding >= window) await new Promise((r) => (wake = r));
    else if (((i / step) & 1023) === 1023) await immediate();
  }
  while (outstanding > 0) await new Promise((r) => (wake = r));
  const elapsedMs = now() - start;
  const result = { records: completed, failed, elapsedMs, error: firstError ? String(firstError?.message ?? firstError) : null };
  if (latencies !== null) Object.assign(result, latencyStats(latencies.subarray(Math.min(units, Math.ceil(warmup / step)), units)));
  return result;
}

export function latencyStats(lat) {
  const s = Float64Array.from(lat).sort();
  const pct = (p) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * p))]);
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), avgLatency: sum / Math.max(1, s.length), maxLatency: s.length ? s[s.length - 1] : NaN };
}

export function printResult(r) {
  process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
}

/** Runs `main`, prints its result, and exits (non-zero on failure). */
export function runDriver(main) {
  main().then(
    (r) => {
      printResult(r);
      process.exit(r.failed > 0 ? 1 : 0);
    },
    (e) => {
      console.error(e?.stack ?? String(e));
      process.exit(2);
    },
  );
}
