/**
 * `kafka-wire perf`: Kafka 4.4's kafka-producer-perf-test (ProducerPerformance) for kafka-wire.
 * Same options and checks (test/unit/java-parity-cli.test.ts compares them with Java's own
 * ConfigPostProcessor), the same records: every payload byte and every random key comes from one
 * SplittableRandom(--random-seed), bit for bit Java's (src/cli/java-random.ts), so with the same
 * seed both tools send identical bytes, and compressed results compare. Same statistics (every
 * Nth latency sampled for percentiles, --reporting-interval windows, steady state after
 * --warmup-records) and output on stdout, Java's summary line(s) last before any metrics.
 *
 * Transactions as Java's tool runs them: --transactional-id, --transaction-duration-ms or a
 * transactional.id property turn them on (the id defaults to performance-producer-<uuid>, the
 * duration to 3000 ms); a transaction begins with the first record after a commit and commits
 * once the duration has passed at a send, and the last one commits at the end. Differences: a
 * failed record makes the exit code 1 (Java prints the stack trace and exits 0); --throughput 0
 * is an error (Java's tool would wait forever).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Producer, type ProducerConfig, type RecordMetadata } from '../index.js';
import { type FlagSpec, type ParsedArgs, UsageError, helpText, loadPropertiesFile, parseArgs } from './args.js';
import { TRACE_FLAGS, openTrace } from './trace-output.js';
import { SplittableRandom } from './java-random.js';

const BYTE_ARRAY_SERIALIZER = 'org.apache.kafka.common.serialization.ByteArraySerializer';
/** Java's ProducerPerformance.DEFAULT_TRANSACTION_ID_PREFIX and DEFAULT_TRANSACTION_DURATION_MS. */
const DEFAULT_TRANSACTION_ID_PREFIX = 'performance-producer-';
const DEFAULT_TRANSACTION_DURATION_MS = 3000;

export const PERF_FLAGS: readonly FlagSpec[] = [
  { name: '--bootstrap-server', arity: 'one', metavar: 'HOST:PORT[,...]', help: 'The server(s) to connect to; wins over bootstrap.servers in the properties.' },
  { name: '--topic', arity: 'one', required: true, metavar: 'TOPIC', help: 'Produce records to this topic.' },
  { name: '--num-records', arity: 'one', required: true, metavar: 'N', help: 'Number of records to produce.' },
  { name: '--record-size', arity: 'one', metavar: 'BYTES', help: 'Record size in bytes: fresh random A-Z bytes per record, as Java. Exactly one of --record-size, --payload-file, --payload-monotonic.' },
  { name: '--payload-file', arity: 'one', metavar: 'FILE', help: 'Payloads (UTF-8) split by --payload-delimiter; each record takes one at random.' },
  { name: '--payload-delimiter', arity: 'one', metavar: 'REGEX', help: 'Delimiter of --payload-file, a regular expression (default: newline).' },
  { name: '--payload-monotonic', arity: 'none', help: 'Payload is the record number (0, 1, 2, ...).' },
  { name: '--throughput', arity: 'one', required: true, metavar: 'RECORDS/SEC', help: 'Throttle to about this many records/sec (fractions allowed); -1 = unlimited.' },
  { name: '--command-property', arity: 'rest', metavar: 'K=V ...', help: 'Producer properties, e.g. linger.ms=10 batch.size=32768; win over --command-config.' },
  { name: '--producer-props', arity: 'rest', metavar: 'K=V ...', help: 'Deprecated name of --command-property.' },
  { name: '--command-config', arity: 'one', metavar: 'FILE', help: 'Producer properties file.' },
  { name: '--producer.config', arity: 'one', metavar: 'FILE', help: 'Deprecated name of --command-config.' },
  { name: '--warmup-records', arity: 'one', metavar: 'N', help: 'Records to treat as warm-up; a steady-state summary follows the total.' },
  { name: '--reporting-interval', arity: 'one', metavar: 'MS', help: 'Interval of the progress lines (default 5000).' },
  { name: '--record-key-range', arity: 'one', metavar: 'N', help: 'Keys are integers in [0, N); needs --key-distribution range or random.' },
  { name: '--key-distribution', arity: 'one', metavar: 'none|range|random', help: "'none' (null keys, default), 'range' (round robin) or 'random'." },
  { name: '--random-seed', arity: 'one', metavar: 'SEED', help: 'Seed of the random payloads and keys (default 0: the same records as Java with seed 0).' },
  { name: '--print-metrics', arity: 'none', help: 'Print the producer metrics at the end.' },
  { name: '--transactional-id', arity: 'one', metavar: 'ID', help: 'Transactional id (wins over a transactional.id property); turns transactions on. Default with --transaction-duration-ms: performance-producer-<random uuid>.' },
  { name: '--transaction-duration-ms', arity: 'one', metavar: 'MS', help: 'Commit each transaction once this long has passed (default 3000 when transactions are on); turns transactions on.' },
  ...TRACE_FLAGS,
  { name: '--help', arity: 'none', help: 'Show this help.' },
];

export const PERF_HELP = helpText(
  'Usage: kafka-wire perf --topic TOPIC --num-records N (--record-size BYTES | --payload-file FILE | --payload-monotonic) --throughput R [--bootstrap-server B] [--command-property k=v ...] [--command-config FILE]',
  'Produces N records as fast as allowed and prints Java kafka-producer-perf-test statistics.',
  PERF_FLAGS,
);

export type KeyDistribution = 'NONE' | 'RANGE' | 'RANDOM';

/** What Java's ConfigPostProcessor makes of the arguments. */
export interface PerfConfig {
  bootstrapServer: string | null;
  topicName: string;
  numRecords: number;
  warmupRecords: number;
  recordSize: number | null;
  throughput: number;
  payloadMonotonic: boolean;
  shouldPrintMetrics: boolean;
  reportingInterval: number;
  recordKeyRange: number | null;
  keyDistribution: KeyDistribution;
  randomSeed: bigint;
  producerProps: Record<string, string>;
  payloads: Uint8Array[];
  transactionsEnabled: boolean;
  /** Set when transactionsEnabled. */
  transactionDurationMs: number | null;
}

function javaNumber(flag: string, v: string | undefined, kind: 'int' | 'long' | 'double'): number | undefined {
  if (v === undefined) return undefined;
  const ok = kind === 'double' ? /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) : /^[+-]?\d+$/.test(v);
  const n = Number(v);
  const limit = kind === 'int' ? 2 ** 31 : 2 ** 63;
  if (!ok || !Number.isFinite(n) || (kind !== 'double' && (n >= limit || n < -limit))) {
    throw new UsageError(`argument ${flag}: could not convert '${v}' to ${kind === 'int' ? 'Integer' : kind === 'long' ? 'Long' : 'Double'} (${flag} expects ${kind === 'double' ? 'a number' : 'an integer'})`);
  }
  return n;
}

/** Java's Scanner over the file with the delimiter as a regex: empty payloads between delimiters are kept. */
function readPayloadFile(file: string, delimiter: string, out: (l: string) => void): Uint8Array[] {
  const path = resolve(file);
  out(`Reading payloads from: ${path}`);
  let size = -1;
  try {
    size = statSync(path).size;
  } catch {
    // missing
  }
  if (size <= 0) throw new UsageError('File does not exist or empty file provided.');
  const parts = readFileSync(path, 'utf8').split(new RegExp(delimiter, 'u'));
  if (parts[0] === '') parts.shift(); // Scanner skips delimiters before the first token
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // and after the last
  const enc = new TextEncoder();
  out(`Number of messages read: ${parts.length}`);
  return parts.map((s) => enc.encode(s));
}

/** ConfigPostProcessor: parses and checks the arguments in Java's order, with Java's messages. */
export function perfConfig(args: ParsedArgs, out: (l: string) => void = () => {}, warn: (l: string) => void = () => {}): PerfConfig {
  const payloadOptions = ['--record-size', '--payload-file', '--payload-monotonic'].filter((f) => args.has(f));
  if (payloadOptions.length === 0) throw new UsageError('one of the arguments --record-size --payload-file --payload-monotonic is required');
  if (payloadOptions.length > 1) throw new UsageError(`argument ${payloadOptions[1]}: not allowed with argument ${payloadOptions[0]}`);
  const dist = args.one('--key-distribution') ?? 'none';
  if (!['none', 'range', 'random'].includes(dist)) throw new UsageError(`argument --key-distribution: invalid choice: '${dist}' (choose from {none,range,random})`);
  const numRecords = javaNumber('--num-records', args.one('--num-records'), 'long')!;
  const warmupRecords = Math.max(javaNumber('--warmup-records', args.one('--warmup-records'), 'long') ?? 0, 0);
  const recordSize = javaNumber('--record-size', args.one('--record-size'), 'int') ?? null;
  const throughput = javaNumber('--throughput', args.one('--throughput'), 'double')!;
  const reportingInterval = javaNumber('--reporting-interval', args.one('--reporting-interval'), 'long') ?? 5000;
  const seedText = args.one('--random-seed') ?? '0';
  javaNumber('--random-seed', seedText, 'long');
  const bootstrapServer = args.one('--bootstrap-server') ?? null;
  if (numRecords <= 0) throw new UsageError('--num-records should be greater than zero.');
  if (warmupRecords >= numRecords) throw new UsageError('The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.');
  if (recordSize !== null && recordSize <= 0) throw new UsageError('--record-size should be greater than zero.');
  const sources = ['--command-property', '--producer-props', '--producer.config', '--command-config'].filter((f) => args.has(f));
  if (bootstrapServer === null && sources.length === 0) {
    throw new UsageError('At least one of --bootstrap-server, --command-property, --producer-props, --producer.config or --command-config must be specified.');
  }
  if (args.has('--command-property') && args.has('--producer-props')) throw new UsageError('--command-property and --producer-props cannot be specified together.');
  if (args.has('--command-config') && args.has('--producer.config')) throw new UsageError('--command-config and --producer.config cannot be specified together.');
  if (reportingInterval <= 0) throw new UsageError('--reporting-interval should be greater than zero.');
  const transactionDurationArg = javaNumber('--transaction-duration-ms', args.one('--transaction-duration-ms'), 'long') ?? null;
  if (transactionDurationArg !== null && transactionDurationArg <= 0) throw new UsageError('--transaction-duration-ms should be greater than zero.');
  const recordKeyRange = javaNumber('--record-key-range', args.one('--record-key-range'), 'int') ?? null;
  if (recordKeyRange !== null && recordKeyRange <= 0) throw new UsageError('--record-key-range should be greater than zero.');
  const keyDistribution = dist.toUpperCase() as KeyDistribution;
  if (keyDistribution !== 'NONE' && recordKeyRange === null) throw new UsageError("--record-key-range is required when --key-distribution is 'range' or 'random'.");
  if (keyDistribution === 'NONE' && recordKeyRange !== null) throw new UsageError("--key-distribution must be 'range' or 'random' when --record-key-range is specified.");
  if (throughput === 0) throw new UsageError('--throughput 0 would never send a record (Java waits forever); use -1 for no limit');
  if (args.has('--producer-props')) warn('Warning: --producer-props is deprecated and will be removed in a future version. Use --command-property instead.');
  if (args.has('--producer.config')) warn('Warning: --producer.config is deprecated and will be removed in a future version. Use --command-config instead.');

  const payloads = args.has('--payload-file') ? readPayloadFile(args.one('--payload-file')!, (args.one('--payload-delimiter') ?? '\\n') === '\\n' ? '\n' : args.one('--payload-delimiter')!, out) : [];
  // readProps: the file, then the k=v pairs (exactly one '=' each), then Java's fixed settings.
  const producerProps: Record<string, string> = {};
  const file = args.one('--command-config') ?? args.one('--producer.config');
  if (file !== undefined) Object.assign(producerProps, loadPropertiesFile(file));
  for (const prop of [...args.many('--command-property'), ...args.many('--producer-props')]) {
    const pieces = prop.split('=');
    if (pieces.length !== 2) throw new UsageError(`Invalid property: ${prop}`);
    producerProps[pieces[0]!] = pieces[1]!;
  }
  producerProps['key.serializer'] = BYTE_ARRAY_SERIALIZER;
  producerProps['value.serializer'] = BYTE_ARRAY_SERIALIZER;
  producerProps['client.id'] ??= 'perf-producer-client';
  if (bootstrapServer !== null) producerProps['bootstrap.servers'] = bootstrapServer;
  // Java's order: the flag, then the property, then a fresh id; the duration defaults to 3 s.
  const transactionalIdArg = args.one('--transactional-id');
  const transactionsEnabled = transactionDurationArg !== null || transactionalIdArg !== undefined || producerProps['transactional.id'] !== undefined;
  if (transactionsEnabled) producerProps['transactional.id'] = transactionalIdArg ?? producerProps['transactional.id'] ?? `${DEFAULT_TRANSACTION_ID_PREFIX}${globalThis.crypto.randomUUID()}`;
  return {
    bootstrapServer,
    topicName: args.one('--topic')!,
    numRecords,
    warmupRecords,
    recordSize,
    throughput,
    payloadMonotonic: args.has('--payload-monotonic'),
    shouldPrintMetrics: args.has('--print-metrics'),
    reportingInterval,
    recordKeyRange,
    keyDistribution,
    randomSeed: BigInt(seedText.trim()),
    producerProps,
    payloads,
    transactionsEnabled,
    transactionDurationMs: transactionsEnabled ? (transactionDurationArg ?? DEFAULT_TRANSACTION_DURATION_MS) : null,
  };
}

const ASCII_DIGITS = new TextEncoder();
/** Up to this --record-key-range, range keys are encoded once and reused. */
const RANGE_KEY_CACHE = 1 << 16;

/**
 * The records ProducerPerformance.start() sends, in its order of random draws: per record the
 * payload (generateRandomPayload: a payload-file entry at random, or `recordSize` fresh random
 * A-Z bytes, or the record number), then the key (generateKey). A payload is a new array per call; a range key is shared by the records with that key.
 */
export class PerfRecordSource {
  readonly #random: SplittableRandom;
  readonly #rangeKeys: Uint8Array[] = [];
  constructor(private readonly c: Pick<PerfConfig, 'recordSize' | 'payloads' | 'payloadMonotonic' | 'keyDistribution' | 'recordKeyRange' | 'randomSeed'>) {
    this.#random = new SplittableRandom(c.randomSeed);
  }

  payload(i: number): Uint8Array {
    const { payloads, recordSize } = this.c;
    if (payloads.length > 0) return payloads[this.#random.nextIntBounded(payloads.length)]!;
    if (recordSize !== null) {
      // From Node's Buffer pool below 4 KiB: a fresh array per record (a waiting send holds its
      // record) without a backing-store allocation each (Java refills one array instead).
      const p = Buffer.allocUnsafe(recordSize);
      this.#random.fillBounded(p, 26, 65);
      return p;
    }
    if (this.c.payloadMonotonic) return ASCII_DIGITS.encode(String(i));
    throw new Error('No payload file, record size or payload-monotonic option provided.');
  }

  key(i: number): Uint8Array | null {
    const range = this.c.recordKeyRange;
    if (this.c.keyDistribution === 'RANGE') {
      // The same few keys again and again: encoded once each (keys are never written to).
      const k = i % range!;
      if (range! > RANGE_KEY_CACHE) return ASCII_DIGITS.encode(String(k));
      return (this.#rangeKeys[k] ??= ASCII_DIGITS.encode(String(k)));
    }
    if (this.c.keyDistribution === 'RANDOM') return ASCII_DIGITS.encode(String(this.#random.nextIntBounded(range!)));
    return null;
  }
}

/** Java's ProducerPerformance.Stats: totals, windows every `reportingInterval` ms, every `sampling`-th latency kept. */
class Stats {
  private readonly start = Date.now();
  private windowStart = this.start;
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private iteration = 0;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private suppressed = false;

  constructor(numRecords: number, private readonly reportingInterval: number, private readonly steadyState: boolean, private readonly print: (line: string) => void) {
    this.sampling = Math.floor(numRecords / Math.min(numRecords, 500_000));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  suppressPrinting(): void {
    this.suppressed = true;
  }

  record(latency: number, bytes: number, time: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    if (latency > this.maxLatency) this.maxLatency = latency;
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    if (latency > this.windowMaxLatency) this.windowMaxLatency = latency;
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latency;
    if (time - this.windowStart >= this.reportingInterval) {
      if (this.steadyState && this.count === this.windowCount) this.print('In steady state.');
      if (!this.suppressed) this.printWindow();
      this.windowStart = Date.now();
      this.windowCount = this.windowBytes = this.windowTotalLatency = this.windowMaxLatency = 0;
    }
    this.iteration++;
  }

  private printWindow(): void {
    const elapsed = Date.now() - this.windowStart;
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    this.print(`${this.windowCount} records sent, ${recsPerSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.windowTotalLatency / this.windowCount).toFixed(1)} ms avg latency, ${this.windowMaxLatency.toFixed(1)} ms max latency.`);
  }

  /** Java's printTotal format, character for character (%f prints six decimals). */
  total(): string {
    const elapsed = Date.now() - this.start;
    const recsPerSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / (1024 * 1024);
    const sorted = this.latencies.slice(0, this.index).sort();
    const pct = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.floor(p * sorted.length)]!);
    return `${this.count}${this.steadyState ? ' steady state' : ''} records sent, ${recsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.totalLatency / Math.max(1, this.count)).toFixed(2)} ms avg latency, ${this.maxLatency.toFixed(2)} ms max latency, ${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.`;
  }
}

export async function runPerf(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, PERF_FLAGS);
  if (args.has('--help')) {
    out(PERF_HELP);
    return 0;
  }
  const c = perfConfig(args, out, err);
  const source = new PerfRecordSource(c);
  const trace = openTrace(args, err);
  const producer = new Producer({ ...c.producerProps, ...(trace.listener ? { trace: trace.listener } : {}) } as ProducerConfig);
  if (c.warmupRecords > 0) out(`Warmup first ${c.warmupRecords} records. Steady state results will print after the complete test summary.`);
  const stats = new Stats(c.numRecords, c.reportingInterval, false, out);
  let steady: Stats | null = null;
  const bufferMemory = Number(producer.config.values['buffer.memory']);
  const avgSize = c.recordSize ?? (c.payloads.length > 0 ? c.payloads.reduce((a, p) => a + p.length, 0) / c.payloads.length : 16);
  // Bound the records handed to send() but not yet complete, so a full buffer makes this loop
  // wait rather than queue millions of records in memory (Java's send blocks the thread instead).
  const maxOutstanding = Math.max(1000, Math.floor(bufferMemory / Math.max(64, avgSize + 64)));
  let outstanding = 0;
  let failed = 0;
  let firstError: unknown;
  let wake: (() => void) | null = null;
  if (c.transactionsEnabled) await producer.initTransactions();
  let currentTransactionSize = 0;
  let transactionStart = 0;
  const start = performance.now();

  for (let i = 0; i < c.numRecords; i++) {
    const value = source.payload(i);
    const key = source.key(i);
    const sendStart = Date.now();
    if (c.transactionsEnabled && currentTransactionSize === 0) {
      producer.beginTransaction();
      transactionStart = Date.now();
    }
    if (c.warmupRecords > 0 && i === c.warmupRecords) {
      steady = new Stats(c.numRecords - c.warmupRecords, c.reportingInterval, true, out);
      stats.suppressPrinting();
    }
    const steadyStats = steady;
    outstanding++;
    producer.send({ topic: c.topicName, key, value }, (e: Error | null, _md?: RecordMetadata) => {
      outstanding--;
      const now = Date.now();
      if (e) {
        failed++;
        firstError ??= e;
      } else {
        stats.record(now - sendStart, value.length, now);
        steadyStats?.record(now - sendStart, value.length, now);
      }
      if (wake !== null && outstanding <= maxOutstanding / 2) {
        const w = wake;
        wake = null;
        w();
      }
    });
    currentTransactionSize++;
    if (c.transactionsEnabled && c.transactionDurationMs! <= sendStart - transactionStart) {
      await producer.commitTransaction(); // flushes, as Java's commitTransaction does
      currentTransactionSize = 0;
    }
    if (c.throughput > 0) {
      const due = start + ((i + 1) * 1000) / c.throughput;
      const ahead = due - performance.now();
      if (ahead >= 2) await new Promise((r) => setTimeout(r, ahead));
    }
    if (outstanding >= maxOutstanding) await new Promise<void>((r) => (wake = r));
    else if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r)); // let I/O run
  }
  if (c.transactionsEnabled && currentTransactionSize !== 0) await producer.commitTransaction();
  await producer.flush();
  if (failed > 0) err(`${failed} records failed; first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  out(stats.total());
  if (steady !== null) out(steady.total());
  if (c.shouldPrintMetrics) {
    for (const [k, v] of Object.entries(producer.metrics()).sort()) out(`producer-metrics:${k} : ${v}`);
  }
  await producer.close();
  await trace.close();
  return failed > 0 ? 1 : 0;
}
