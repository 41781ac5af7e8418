// Test helpers for the live suites: where the brokers are, topic creation with Kafka's own
// AdminClient, and reading records back with consumers nobody in this repository wrote: kcat
// (librdkafka, CRC checks on) when it is on the PATH, otherwise Kafka's own Java consumer (CRC
// checks on too). kcat is optional; KAFKA_WIRE_READER=java|kcat picks one explicitly.
//
// The Java side is tools/kafka/src/KafkaWireTool.java, run in one long-lived JVM per test
// process (javaService): Kafka 4.4's client against Kafka, kafka-clients 2.3.1 against
// librdkafka's mock (the only Java client the mock understands; chosen per bootstrap address by
// an ApiVersions probe).
//
// Addresses come from test/helpers/global-setup.ts via vitest's inject(), with env vars as the
// fallback (so these helpers also work from scripts run outside vitest).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { beforeEach, inject } from 'vitest';
import { javaService, probeApiVersions } from '../../tools/broker/index.mjs';

/** A record as a consumer saw it. key/value null = null on the wire (not empty). */
export interface ReadRecord {
  topic: string;
  partition: number;
  /** bigint, like the producer's RecordMetadata.offset, so the two compare with toBe. */
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** In wire order; names may repeat; a value may be null. */
  headers: [string, Buffer | null][];
  /** Milliseconds since the epoch (CreateTime unless the topic uses LogAppendTime). */
  timestamp: number;
}

export interface ReadBackOptions {
  /** Stop once this many records arrived (waiting for them up to timeoutMs). Without it: read
   * up to the end of every partition as it is now. */
  expectedCount?: number;
  timeoutMs?: number;
  /** Defaults to the run's Kafka. */
  bootstrap?: string;
  /**
   * A Java client properties file (security.protocol, ssl.*, sasl.*: the secured cluster's,
   * test/helpers/secure-cluster.ts) for the consumer; `bootstrap` still names the servers.
   * Always read with Kafka's Java consumer (kcat does not read Java's properties).
   */
  clientConfig?: string;
  /**
   * The consumer's isolation.level (Java reader only): read_committed skips aborted transactions
   * and stops at the last stable offset. Default read_uncommitted.
   */
  isolation?: 'read_committed' | 'read_uncommitted';
}

function injected<K extends 'kafkaBootstrap' | 'mockBootstrap'>(key: K): string | null {
  try {
    return inject(key);
  } catch {
    return null; // not inside a vitest worker
  }
}

/** bootstrap.servers of the run's Kafka (ours or KAFKA_BOOTSTRAP), or null if none is up. */
export function kafkaBootstrap(): string | null {
  return injected('kafkaBootstrap') || process.env.KAFKA_BOOTSTRAP || null;
}

/** True when the Kafka is an external one (KAFKA_BOOTSTRAP): tests must not stop/restart its brokers. */
export function kafkaIsExternal(): boolean {
  try {
    return inject('kafkaExternal');
  } catch {
    return process.env.KAFKA_WIRE_KAFKA_EXTERNAL === '1';
  }
}

/** bootstrap.servers of the shared mock cluster, or null if it is not available. */
export function mockBootstrap(): string | null {
  return injected('mockBootstrap') || process.env.KAFKA_WIRE_MOCK_BOOTSTRAP || null;
}

function injectedReason(key: 'mockUnavailable' | 'bunUnavailable'): string | null {
  try {
    return inject(key);
  } catch {
    return null;
  }
}

/**
 * Why a live suite cannot run here, or null when it can: the reason a skipped test reports.
 * 'kafka': no Kafka for this run; 'mock': the mock cluster is unavailable (the global setup says
 * why, e.g. librdkafka-dev missing and not root).
 */
export function unavailable(what: 'kafka' | 'mock'): string | null {
  if (what === 'kafka') {
    return kafkaBootstrap()
      ? null
      : process.env.KAFKA_WIRE_LIVE === '0'
        ? 'no Kafka: KAFKA_WIRE_LIVE=0'
        : 'no Kafka for this run (global setup did not start one)';
  }
  return mockBootstrap() ? null : (injectedReason('mockUnavailable') ?? 'no mock cluster for this run');
}

/**
 * Inside a describe: when `reason` is non-null, every test in it is skipped with that reason
 * as its note (printed by test/helpers/skip-reporter.ts). Guard beforeAll hooks with the same
 * reason: they still run.
 */
export function skipAllIf(reason: string | null): void {
  beforeEach((ctx) => {
    if (reason) ctx.skip(reason);
  });
}

function requireKafka(bootstrap?: string): string {
  const bs = bootstrap ?? kafkaBootstrap();
  if (!bs) throw new Error('no Kafka for this run (live tests not selected, or KAFKA_WIRE_LIVE=0)');
  return bs;
}

let readerChoice: 'kcat' | 'java' | undefined;

/**
 * Which independent reader readBack, listBrokers and kcatProduce use: 'kcat' when it is on the
 * PATH, else 'java' (Kafka's Java client). KAFKA_WIRE_READER=java|kcat overrides.
 */
export function reader(): 'kcat' | 'java' {
  if (readerChoice) return readerChoice;
  const forced = process.env.KAFKA_WIRE_READER;
  if (forced === 'kcat' || forced === 'java') return (readerChoice = forced);
  const found = spawnSync('sh', ['-c', 'command -v kcat'], { stdio: 'ignore' }).status === 0;
  return (readerChoice = found ? 'kcat' : 'java');
}

const javaClients = new Map<string, 'kafka' | 'mock'>();

/**
 * The Java client that can talk to `bootstrap`: 'mock' (kafka-clients 2.3.1) when the broker's
 * ApiVersions stops below v3, as librdkafka's mock does; else 'kafka' (Kafka 4.4's client).
 */
async function javaClientFor(bootstrap: string): Promise<'kafka' | 'mock'> {
  const known = javaClients.get(bootstrap);
  if (known) return known;
  for (const hp of bootstrap.split(',')) {
    const i = hp.lastIndexOf(':');
    try {
      const versions = await probeApiVersions(hp.slice(0, i), Number(hp.slice(i + 1)), 3_000);
      const client = (versions.get(18)?.max ?? 0) < 3 ? 'mock' : 'kafka';
      javaClients.set(bootstrap, client);
      return client;
    } catch {
      /* that broker is down: ask the next one */
    }
  }
  return 'kafka';
}

/**
 * KafkaWireTool on the right Java client for `bootstrap` (which must be the --bootstrap arg).
 * With a client properties file the broker is a secured Kafka: Kafka 4.4's client, no probe (a
 * plaintext ApiVersions probe means nothing to a TLS listener).
 */
async function java(bootstrap: string, args: string[], input?: string, clientConfig?: string): Promise<Buffer> {
  if (clientConfig) return javaService([...args, '--client-config', clientConfig], { input, client: 'kafka' });
  return javaService(args, { input, client: await javaClientFor(bootstrap) });
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Create a topic with Kafka's AdminClient and wait until every partition has a leader.
 * An existing topic is fine (same name, same partition count). ~0.1-0.5 s (the first call of a
 * test process also starts its helper JVM, ~1-2 s).
 */
export async function createTopic(
  name: string,
  opts: { partitions?: number; replicationFactor?: number; config?: Record<string, string | number>; bootstrap?: string } = {},
): Promise<void> {
  const args = [
    'create-topic',
    '--bootstrap',
    requireKafka(opts.bootstrap),
    '--topic',
    name,
    '--partitions',
    String(opts.partitions ?? 1),
    '--replication-factor',
    String(opts.replicationFactor ?? 1),
  ];
  for (const [k, v] of Object.entries(opts.config ?? {})) args.push('--config', `${k}=${v}`);
  await javaService(args);
}

export async function deleteTopic(name: string, opts: { bootstrap?: string } = {}): Promise<void> {
  await javaService(['delete-topic', '--bootstrap', requireKafka(opts.bootstrap), '--topic', name]);
}

interface KcatJson {
  topic: string;
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: (string | null)[];
}

/*
 * kcat -J writes key/payload/header values as JSON strings built from the raw bytes: it escapes
 * '"', '\\' and control characters (< 0x20) and copies every other byte as is, valid UTF-8 or
 * not. Decoding its stdout as latin1 (one char per byte) before JSON.parse and re-encoding each
 * string as latin1 therefore gives back the exact bytes (checked with all 256 byte values).
 * Null is kept apart from empty: kcat prints null for a null key/value/header value.
 */
const bytes = (s: string | null | undefined): Buffer | null => (s == null ? null : Buffer.from(s, 'latin1'));

function fromKcat(line: string): ReadRecord {
  const j = JSON.parse(line) as KcatJson;
  const headers: [string, Buffer | null][] = [];
  const h = j.headers ?? [];
  for (let i = 0; i + 1 < h.length; i += 2) {
    headers.push([Buffer.from(h[i] ?? '', 'latin1').toString('utf8'), bytes(h[i + 1])]);
  }
  return {
    topic: Buffer.from(j.topic, 'latin1').toString('utf8'),
    partition: j.partition,
    offset: BigInt(j.offset),
    key: bytes(j.key),
    value: bytes(j.payload),
    headers,
    timestamp: j.ts,
  };
}

/** Sort by partition, then offset: the order a test compares against. */
const byPosition = (a: ReadRecord, b: ReadRecord) =>
  a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0);

/**
 * One kcat consumer run from the beginning of every partition. With `stopAt`, kcat streams and
 * is stopped once that many records arrived; without it, `-e` makes kcat exit at the end.
 */
function kcatConsume(
  bootstrap: string,
  topic: string,
  stopAt: number | undefined,
  timeoutMs: number,
): Promise<{ records: ReadRecord[]; exitCode: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // -u: unbuffered output. Without it kcat's stdout to a pipe is block-buffered, and a
    // streaming read (no -e) would see nothing until kcat exits.
    const args = ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-J', '-q', '-u', '-X', 'check.crcs=true'];
    if (stopAt === undefined) args.push('-e');
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const records: ReadRecord[] = [];
    let pending = '';
    let stderr = '';
    let done = false;
    const finish = (exitCode: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ records, exitCode, stderr });
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) records.push(fromKcat(line));
      }
      if (stopAt !== undefined && records.length >= stopAt) finish(0);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`kcat could not run (apt-get install kcat): ${e.message}`));
    });
    child.on('close', (code) => finish(code));
  });
}

/**
 * Read a topic back with an independent consumer (reader(): kcat, or Kafka's Java consumer when
 * kcat is not installed; CRCs checked either way), from the beginning of every partition.
 * With expectedCount it waits up to timeoutMs for that many records and fails with what it saw
 * if fewer arrive; records beyond expectedCount that were already read are returned too.
 * Sorted by partition, then offset.
 */
export async function readBack(topic: string, opts: ReadBackOptions = {}): Promise<ReadRecord[]> {
  if (reader() === 'java' || opts.clientConfig || opts.isolation) {
    try {
      return await readBackJava(topic, opts);
    } catch (e) {
      throw new Error(`readBack(${topic}) through Kafka's Java consumer (kcat is not installed): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const bootstrap = requireKafka(opts.bootstrap);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: { records: ReadRecord[]; exitCode: number | null; stderr: string } | undefined;
  // kcat exits at once if the topic does not exist yet, so retry until the deadline.
  while (Date.now() < deadline) {
    last = await kcatConsume(bootstrap, topic, opts.expectedCount, Math.max(1, deadline - Date.now()));
    if (opts.expectedCount === undefined ? last.exitCode === 0 : last.records.length >= opts.expectedCount) {
      return last.records.sort(byPosition);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `readBack(${topic}): got ${last?.records.length ?? 0} record(s)` +
      (opts.expectedCount !== undefined ? ` of ${opts.expectedCount}` : '') +
      ` within ${timeoutMs} ms; kcat said: ${last?.stderr.trim() || '(nothing)'}`,
  );
}

/**
 * Same as readBack, always through Kafka's own Java consumer (tools/kafka/src/KafkaWireTool.java;
 * kafka-clients 2.3.1 against librdkafka's mock): the reference client.
 */
export async function readBackJava(topic: string, opts: ReadBackOptions = {}): Promise<ReadRecord[]> {
  const bootstrap = requireKafka(opts.bootstrap);
  const read = (timeoutMs: number): Promise<Buffer> => {
    const args = ['read', '--bootstrap', bootstrap, '--topic', topic, '--timeout-ms', String(timeoutMs)];
    if (opts.expectedCount !== undefined) args.push('--expected', String(opts.expectedCount));
    if (opts.isolation !== undefined) args.push('--isolation', opts.isolation);
    return java(bootstrap, args, undefined, opts.clientConfig);
  };
  // The caller's time is shared: two thirds for the first read, the rest for a second one, so a
  // read that falls short reports within timeoutMs instead of running into the test's timeout.
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const firstMs = Math.ceil((timeoutMs * 2) / 3);
  let out: Buffer;
  try {
    out = await read(firstMs);
  } catch (e) {
    // A read that fell short within its time: the tool's message says, per partition, what was
    // read against what the log holds. On a loaded CI machine one consumer once read 2 of 3
    // partitions within 30 s; a fresh consumer reads again once, so a slow or stuck reader is
    // told apart from a log that really lacks records (then both attempts fail).
    const first = e instanceof Error ? e.message : String(e);
    if (opts.expectedCount === undefined || !/records from .* before the timeout/.test(first)) throw e;
    console.warn(`[readBackJava] ${topic}: first read fell short, reading again with a fresh consumer:\n${first}`);
    try {
      out = await read(Math.max(1, timeoutMs - firstMs));
    } catch (e2) {
      throw new Error(`${first}\nread again with a fresh consumer: ${e2 instanceof Error ? e2.message : String(e2)}`);
    }
  }
  const b64 = (s: string | null): Buffer | null => (s == null ? null : Buffer.from(s, 'base64'));
  return out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as {
        partition: number;
        offset: number;
        timestamp: number;
        key: string | null;
        value: string | null;
        headers: [string, string | null][];
      };
      return {
        topic,
        partition: j.partition,
        offset: BigInt(j.offset),
        key: b64(j.key),
        value: b64(j.value),
        headers: j.headers.map(([n, v]): [string, Buffer | null] => [n, b64(v)]),
        timestamp: j.timestamp,
      };
    })
    .sort(byPosition);
}

export interface ProduceInput {
  key?: string | Uint8Array | null;
  value: string | Uint8Array | null;
  headers?: [string, string | Uint8Array | null][];
  partition?: number;
  timestamp?: number;
}

/**
 * Produce records with Kafka's Java producer (binary-safe, nulls kept): the reference writer for
 * tests that compare kafka-wire against Java. Resolves each record's partition and offset.
 * `clientConfig`: a Java client properties file applied first (see ReadBackOptions.clientConfig).
 */
export async function produceJava(
  topic: string,
  records: ProduceInput[],
  opts: { bootstrap?: string; producerProps?: Record<string, string | number>; clientConfig?: string } = {},
): Promise<{ partition: number; offset: bigint; timestamp: number }[]> {
  const b64 = (v: string | Uint8Array | null | undefined) =>
    v == null ? null : Buffer.from(typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64');
  const input = records
    .map((r) =>
      JSON.stringify({
        key: b64(r.key),
        value: b64(r.value),
        headers: (r.headers ?? []).map(([n, v]) => [n, b64(v)]),
        partition: r.partition ?? null,
        timestamp: r.timestamp ?? null,
      }),
    )
    .join('\n');
  const bootstrap = requireKafka(opts.bootstrap);
  const args = ['produce', '--bootstrap', bootstrap, '--topic', topic];
  for (const [k, v] of Object.entries(opts.producerProps ?? {})) args.push('--producer-property', `${k}=${v}`);
  const out = await java(bootstrap, args, input + '\n', opts.clientConfig);
  return out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as { partition: number; offset: number; timestamp: number };
      return { partition: j.partition, offset: BigInt(j.offset), timestamp: j.timestamp };
    });
}

/** `kcat -L -J`'s shape, as kcat and KafkaWireTool's `metadata` both print it. */
export interface ClusterMetadata {
  brokers: { id: number; name: string }[];
  topics: {
    topic: string;
    error?: string;
    partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[];
  }[];
}

/** Cluster metadata (`kcat -L -J`, or Kafka's Java AdminClient + consumer when kcat is absent). */
export async function clusterMetadata(
  bootstrap: string,
  opts: { topic?: string; timeoutMs?: number } = {},
): Promise<ClusterMetadata> {
  if (reader() === 'kcat') {
    const args = ['-L', '-J', '-b', bootstrap, '-m', String(Math.ceil((opts.timeoutMs ?? 10_000) / 1000))];
    if (opts.topic) args.push('-t', opts.topic);
    return JSON.parse((await kcat(args)).toString('utf8')) as ClusterMetadata;
  }
  const args = ['metadata', '--bootstrap', bootstrap, '--timeout-ms', String(opts.timeoutMs ?? 10_000)];
  if (opts.topic) args.push('--topic', opts.topic);
  return JSON.parse((await java(bootstrap, args)).toString('utf8')) as ClusterMetadata;
}

/**
 * A consumer group's committed offsets ("topic-partition" -> offset), read with Kafka's Java
 * AdminClient (listConsumerGroupOffsets): what sendOffsetsToTransaction committed.
 */
export async function groupOffsets(group: string, opts: { bootstrap?: string } = {}): Promise<Map<string, bigint>> {
  const bootstrap = requireKafka(opts.bootstrap);
  const out = JSON.parse((await java(bootstrap, ['group-offsets', '--bootstrap', bootstrap, '--group', group])).toString('utf8')) as { offsets: { topic: string; partition: number; offset: number }[] };
  return new Map(out.offsets.map((o) => [`${o.topic}-${o.partition}`, BigInt(o.offset)]));
}

/**
 * Run kcat with arguments; resolves stdout (stdin from `input`), rejects on a non-zero exit.
 * Without kcat on the PATH, a metadata query (`-L [-J] -b B [-t T] [-m S]`) is answered by
 * clusterMetadata() in kcat's JSON shape (so callers written for kcat keep working); any other
 * use rejects, saying kcat is optional and what to use instead.
 */
export async function kcat(args: string[], input?: string | Uint8Array): Promise<Buffer> {
  if (reader() === 'java') {
    if (args.includes('-L')) {
      const at = (flag: string) => {
        const i = args.indexOf(flag);
        return i >= 0 ? args[i + 1] : undefined;
      };
      const bootstrap = at('-b') ?? requireKafka();
      const secs = at('-m');
      const md = await clusterMetadata(bootstrap, { topic: at('-t'), timeoutMs: secs ? Number(secs) * 1000 : undefined });
      return Buffer.from(JSON.stringify(md) + '\n', 'utf8');
    }
    throw new Error(
      `kcat ${args.join(' ')}: kcat is not installed (it is optional). Use readBack/kcatProduce/clusterMetadata ` +
        `from test/helpers/kafka.ts, which fall back to Kafka's Java client, or install kcat (apt-get install kcat).`,
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.on('error', (e) => reject(new Error(`kcat could not run (apt-get install kcat): ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`)),
    );
    // kcat may exit (bad topic, broker down, -L ignoring stdin) before reading its input: that
    // is reported by the exit code above, not as an EPIPE crash of the test worker.
    child.stdin.on('error', () => {});
    if (input === undefined) child.stdin.end();
    else child.stdin.end(input);
  });
}

/**
 * Produce text lines with an independent producer (one record per line; `key:value` lines when
 * keyDelimiter is given, split at its first occurrence): kcat, or Kafka's Java producer when
 * kcat is absent (acks=all, like kcat's default; `props` are passed to either as producer
 * properties). For quick fixtures and smoke tests; use produceJava for binary or null data.
 */
export async function kcatProduce(
  topic: string,
  lines: string[],
  opts: { bootstrap?: string; keyDelimiter?: string; partition?: number; props?: Record<string, string> } = {},
): Promise<void> {
  const bootstrap = opts.bootstrap ?? requireKafka();
  if (reader() === 'java') {
    const records = lines.map((line): ProduceInput => {
      const i = opts.keyDelimiter ? line.indexOf(opts.keyDelimiter) : -1;
      const rec: ProduceInput = i >= 0 ? { key: line.slice(0, i), value: line.slice(i + opts.keyDelimiter!.length) } : { value: line };
      if (opts.partition !== undefined) rec.partition = opts.partition;
      return rec;
    });
    await produceJava(topic, records, { bootstrap, producerProps: { acks: 'all', ...opts.props } });
    return;
  }
  const args = ['-P', '-b', bootstrap, '-t', topic];
  if (opts.keyDelimiter) args.push('-K', opts.keyDelimiter);
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  for (const [k, v] of Object.entries(opts.props ?? {})) args.push('-X', `${k}=${v}`);
  await kcat(args, lines.join('\n') + '\n');
}

/** Another name for kcatProduce, for callers that do not care which producer it is. */
export const produceLines = kcatProduce;

/** The brokers a bootstrap server reports (kcat -L, or Kafka's Java AdminClient). */
export async function listBrokers(bootstrap?: string): Promise<{ id: number; name: string }[]> {
  return (await clusterMetadata(bootstrap ?? requireKafka())).brokers;
}
