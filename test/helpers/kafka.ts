// Test helpers for the live suites: where the brokers are, topic creation with Kafka's own
// AdminClient, and reading records back with consumers nobody in this repository wrote (kcat,
// i.e. librdkafka, with CRC checks on; or Kafka's Java consumer).
//
// Addresses come from test/helpers/global-setup.ts via vitest's inject(), with env vars as the
// fallback (so these helpers also work from scripts run outside vitest).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { javaTool } from '../../tools/broker/index.mjs';

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

function requireKafka(bootstrap?: string): string {
  const bs = bootstrap ?? kafkaBootstrap();
  if (!bs) throw new Error('no Kafka for this run (live tests not selected, or KAFKA_WIRE_LIVE=0)');
  return bs;
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Create a topic with Kafka's AdminClient and wait until every partition has a leader.
 * An existing topic is fine (same name, same partition count). ~1-2 s: a JVM start.
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
  await javaTool(args);
}

export async function deleteTopic(name: string, opts: { bootstrap?: string } = {}): Promise<void> {
  await javaTool(['delete-topic', '--bootstrap', requireKafka(opts.bootstrap), '--topic', name]);
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
 * Read a topic back with kcat (librdkafka, CRCs checked), from the beginning of every partition.
 * With expectedCount it waits up to timeoutMs for that many records and fails with what it saw
 * if fewer arrive; records beyond expectedCount that were already read are returned too.
 * Sorted by partition, then offset.
 */
export async function readBack(topic: string, opts: ReadBackOptions = {}): Promise<ReadRecord[]> {
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
 * Same as readBack, through Kafka's own Java consumer (tools/kafka/src/KafkaWireTool.java):
 * slower to start (a JVM), but it is the reference client, and it reports the timestamp type.
 */
export async function readBackJava(topic: string, opts: ReadBackOptions = {}): Promise<ReadRecord[]> {
  const args = ['read', '--bootstrap', requireKafka(opts.bootstrap), '--topic', topic, '--timeout-ms', String(opts.timeoutMs ?? 30_000)];
  if (opts.expectedCount !== undefined) args.push('--expected', String(opts.expectedCount));
  const out = await javaTool(args);
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
 */
export async function produceJava(
  topic: string,
  records: ProduceInput[],
  opts: { bootstrap?: string; producerProps?: Record<string, string | number> } = {},
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
  const args = ['produce', '--bootstrap', requireKafka(opts.bootstrap), '--topic', topic];
  for (const [k, v] of Object.entries(opts.producerProps ?? {})) args.push('--producer-property', `${k}=${v}`);
  const out = await javaTool(args, { input: input + '\n' });
  return out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as { partition: number; offset: number; timestamp: number };
      return { partition: j.partition, offset: BigInt(j.offset), timestamp: j.timestamp };
    });
}

/** Run kcat with arguments; resolves stdout (stdin from `input`), rejects on a non-zero exit. */
export function kcat(args: string[], input?: string | Uint8Array): Promise<Buffer> {
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
 * Produce text lines with kcat (one record per line; `key:value` lines when keyDelimiter is
 * given). For quick fixtures and smoke tests; use produceJava for binary or null data.
 */
export async function kcatProduce(
  topic: string,
  lines: string[],
  opts: { bootstrap?: string; keyDelimiter?: string; partition?: number; props?: Record<string, string> } = {},
): Promise<void> {
  const args = ['-P', '-b', opts.bootstrap ?? requireKafka(), '-t', topic];
  if (opts.keyDelimiter) args.push('-K', opts.keyDelimiter);
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  for (const [k, v] of Object.entries(opts.props ?? {})) args.push('-X', `${k}=${v}`);
  await kcat(args, lines.join('\n') + '\n');
}

/** The brokers a bootstrap server reports (kcat -L). */
export async function listBrokers(bootstrap?: string): Promise<{ id: number; name: string }[]> {
  const out = await kcat(['-L', '-J', '-b', bootstrap ?? requireKafka()]);
  return (JSON.parse(out.toString('utf8')) as { brokers: { id: number; name: string }[] }).brokers;
}
