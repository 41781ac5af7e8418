/**
 * `kafka-wire perf`: kafka-producer-perf-test (Java's ProducerPerformance) for kafka-wire.
 * Same flags, same statistics (every Nth latency sampled for percentiles, 5 s windows), progress
 * on stderr, and Java's own summary line as the last line on stdout so results compare directly.
 */
import { readFileSync } from 'node:fs';
import { Producer, type ProducerConfig, type RecordMetadata } from '../index.js';
import { type FlagSpec, UsageError, helpText, intFlag, parseArgs, producerProperties } from './args.js';

export const PERF_FLAGS: readonly FlagSpec[] = [
  { name: '--topic', arity: 'one', required: true, metavar: 'TOPIC', help: 'Topic to produce to.' },
  { name: '--num-records', arity: 'one', required: true, metavar: 'N', help: 'Number of records to produce.' },
  { name: '--record-size', arity: 'one', metavar: 'BYTES', help: 'Size of each record in bytes (random A-Z payload, as Java). Either this or --payload-file.' },
  { name: '--payload-file', arity: 'one', metavar: 'FILE', help: 'Records are picked at random from this file, split by --payload-delimiter.' },
  { name: '--payload-delimiter', arity: 'one', metavar: 'DELIM', help: 'Delimiter of --payload-file (default: newline).' },
  { name: '--throughput', arity: 'one', required: true, metavar: 'RECORDS/SEC', help: 'Throttle to about this many records/sec; -1 = unlimited.' },
  { name: '--producer-props', arity: 'rest', metavar: 'K=V ...', help: 'Producer properties, e.g. bootstrap.servers=127.0.0.1:9092 acks=all.' },
  { name: '--producer.config', arity: 'one', metavar: 'FILE', help: 'Producer properties file.' },
  { name: '--print-metrics', arity: 'none', help: 'Print the producer metrics at the end.' },
  { name: '--help', arity: 'none', help: 'Show this help.' },
];

export const PERF_HELP = helpText(
  'Usage: kafka-wire perf --topic TOPIC --num-records N (--record-size BYTES | --payload-file FILE) --throughput R [--producer-props k=v ...] [--producer.config FILE]',
  'Produces N records as fast as allowed and prints Java kafka-producer-perf-test statistics.',
  PERF_FLAGS,
);

/** Java's Stats: totals, 5 s windows, and every `sampling`-th latency kept for percentiles. */
class Stats {
  private readonly start = performance.now();
  private windowStart = this.start;
  private readonly latencies: Int32Array;
  private samples = 0;
  private readonly sampling: number;
  count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;

  constructor(numRecords: number, private readonly report: (line: string) => void) {
    this.sampling = Math.max(1, Math.floor(numRecords / Math.min(numRecords, 500_000)));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  record(iteration: number, latencyMs: number, bytes: number, now: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latencyMs;
    if (latencyMs > this.windowMaxLatency) this.windowMaxLatency = latencyMs;
    if (iteration % this.sampling === 0 && this.samples < this.latencies.length) this.latencies[this.samples++] = latencyMs;
    if (now - this.windowStart >= 5000) {
      this.printWindow(now);
      this.windowStart = now;
      this.windowCount = this.windowBytes = this.windowTotalLatency = this.windowMaxLatency = 0;
    }
  }

  private printWindow(now: number): void {
    const elapsed = now - this.windowStart;
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    this.report(`${this.windowCount} records sent, ${recsPerSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.windowTotalLatency / this.windowCount).toFixed(1)} ms avg latency, ${this.windowMaxLatency.toFixed(1)} ms max latency.`);
  }

  /** Java's printTotal format, character for character (%f prints six decimals). */
  total(): string {
    const elapsed = performance.now() - this.start;
    const recsPerSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / (1024 * 1024);
    const sorted = this.latencies.slice(0, this.samples).sort();
    const pct = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length * p)]!);
    return `${this.count} records sent, ${recsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.totalLatency / Math.max(1, this.count)).toFixed(2)} ms avg latency, ${this.maxLatency.toFixed(2)} ms max latency, ${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.`;
  }
}

export function perfProducerConfig(args: ReturnType<typeof parseArgs>): Record<string, string> {
  const props = producerProperties(args, '--producer-props');
  if (props['bootstrap.servers'] === undefined) throw new UsageError('bootstrap.servers must be given in --producer-props or --producer.config');
  return props;
}

function payloads(args: ReturnType<typeof parseArgs>): Uint8Array[] {
  const size = intFlag('--record-size', args.one('--record-size'), { min: 0 });
  const file = args.one('--payload-file');
  if ((size === undefined) === (file === undefined)) throw new UsageError('give exactly one of --record-size and --payload-file');
  if (size !== undefined) {
    const p = new Uint8Array(size);
    for (let i = 0; i < size; i++) p[i] = 65 + Math.floor(Math.random() * 26);
    return [p];
  }
  const delimiter = (args.one('--payload-delimiter') ?? '\n').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  const enc = new TextEncoder();
  const list = readFileSync(file!, 'utf8').split(delimiter).filter((s) => s !== '').map((s) => enc.encode(s));
  if (list.length === 0) throw new UsageError(`--payload-file ${file} has no payloads`);
  return list;
}

export async function runPerf(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, PERF_FLAGS);
  if (args.has('--help')) {
    out(PERF_HELP);
    return 0;
  }
  const topic = args.one('--topic')!;
  const numRecords = intFlag('--num-records', args.one('--num-records'), { min: 0 })!;
  const throughput = intFlag('--throughput', args.one('--throughput'), { min: -1 })!;
  const list = payloads(args);
  const producer = new Producer(perfProducerConfig(args) as ProducerConfig);
  const stats = new Stats(numRecords, err);
  const bufferMemory = Number(producer.config.values['buffer.memory']);
  const avgSize = list.reduce((a, p) => a + p.length, 0) / list.length;
  // Bound the records handed to send() but not yet complete, so a full buffer makes this loop
  // wait rather than queue millions of records in memory (Java's send blocks the thread instead).
  const maxOutstanding = Math.max(1000, Math.floor(bufferMemory / Math.max(64, avgSize + 64)));
  let outstanding = 0;
  let failed = 0;
  let firstError: unknown;
  let wake: (() => void) | null = null;
  const start = performance.now();

  for (let i = 0; i < numRecords; i++) {
    const payload = list.length === 1 ? list[0]! : list[Math.floor(Math.random() * list.length)]!;
    const sendStart = performance.now();
    const iteration = i;
    outstanding++;
    producer.send({ topic, value: payload }, (e: Error | null, _md?: RecordMetadata) => {
      outstanding--;
      const now = performance.now();
      if (e) {
        failed++;
        firstError ??= e;
      } else stats.record(iteration, Math.round(now - sendStart), payload.length, now);
      if (wake !== null && outstanding <= maxOutstanding / 2) {
        const w = wake;
        wake = null;
        w();
      }
    });
    if (throughput > 0) {
      const due = start + ((i + 1) * 1000) / throughput;
      const ahead = due - performance.now();
      if (ahead >= 2) await new Promise((r) => setTimeout(r, ahead));
    }
    if (outstanding >= maxOutstanding) await new Promise<void>((r) => (wake = r));
    else if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r)); // let I/O run
  }
  await producer.flush();
  if (args.has('--print-metrics')) {
    for (const [k, v] of Object.entries(producer.metrics()).sort()) out(`producer-metrics:${k} : ${v}`);
  }
  await producer.close();
  if (failed > 0) err(`${failed} records failed; first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  out(stats.total());
  return failed > 0 ? 1 : 0;
}
