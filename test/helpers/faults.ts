// Helpers for the fault suites (test/live/faults-*.test.ts): a steady producer loop that records
// every record's outcome, a checker that reads the topic back with an independent consumer and
// counts what happened, a recorder of the API versions the producer used, and a private
// multi-broker Kafka cluster that tests may kill, freeze and restart.
//
// Counting, per scenario:
//   sent        records handed to producer.send()
//   acked       callbacks with metadata            failed    callbacks with an error
//   missing     records without a callback yet     multi     records with more than one callback
//   readBack    distinct records found in the log
//   lost        acknowledged but not in the log (or not at the acknowledged partition/offset)
//   duplicated  extra copies in the log (same unique id read more than once)
//   reordered   per partition, acknowledged records whose offset order differs from send order
//   writtenButFailed  failed callbacks whose record is in the log anyway (an unknown outcome:
//               the broker appended it but the producer never learnt so before giving up)
//
// Each record's value is `<run>|<id>|<key or ->|<per-key sequence>`: `id` is global and grows in
// send order, so one partition's records must appear in the log with growing ids (records of one
// partition enter one queue in send order; that is all the ordering Kafka promises), and the
// per-key sequence makes a reordering of one key readable in a failure message.

import diagnosticsChannel from 'node:diagnostics_channel';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { KafkaWireError, Producer, RecordMetadata } from '../../src/index.js';
import { REPO_ROOT, kafkaClasspath, kafkaDown, kafkaPrepare, kafkaStatus, kafkaUp, stateDir, type KafkaState } from '../../tools/broker/index.mjs';
import { kcat, readBack, type ReadRecord } from './kafka.js';

// -------------------------------------------------------------------------------------------
// The steady producer loop

export interface SentRecord {
  readonly id: number;
  readonly key: string | null;
  /** Per-key send sequence (keyless records share the key '-'). */
  readonly keySeq: number;
  readonly sentAt: number;
  callbacks: number;
  error: KafkaWireError | null;
  metadata: RecordMetadata | null;
  doneAt: number;
}

export interface SteadyOptions {
  /** Records per second (default 400). */
  rate?: number;
  /** Distinct keys (default 12); keyed records cycle through k0..k(n-1). */
  keys?: number;
  /** Every n-th record is keyless (default 4): the sticky partitioner places those. */
  keylessEvery?: number;
  /** At most this many records without a callback (default 4000): a stalled producer stops the loop growing. */
  maxOutstanding?: number;
  /** Bytes of filler per value (default 40). */
  padding?: number;
  /** 'text' filler (compresses well) or 'random' bytes (does not compress). Default 'text'. */
  payload?: 'text' | 'random';
}

/**
 * Sends a steady stream of keyed and keyless records (callback form) until stop(), recording
 * every callback. The loop runs on a 5 ms interval and catches up with the wall clock, so the
 * rate holds even when the event loop is busy.
 */
export class SteadyStream {
  readonly records: SentRecord[] = [];
  readonly run = Math.random().toString(36).slice(2, 8);
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private outstanding = 0;
  private readonly keySeqs = new Map<string, number>();
  private readonly rate: number;
  private readonly keys: number;
  private readonly keylessEvery: number;
  private readonly maxOutstanding: number;
  /** Filler bytes per value and their kind; may be changed between phases. */
  padding: number;
  payload: 'text' | 'random';
  private settleWaiters: (() => void)[] = [];
  private sentAtStart = 0;

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    options: SteadyOptions = {},
  ) {
    this.rate = options.rate ?? 400;
    this.keys = options.keys ?? 12;
    this.keylessEvery = options.keylessEvery ?? 4;
    this.maxOutstanding = options.maxOutstanding ?? 4000;
    this.padding = options.padding ?? 40;
    this.payload = options.payload ?? 'text';
  }

  start(): this {
    if (this.timer) return this;
    this.startedAt = Date.now();
    this.sentAtStart = this.records.length;
    this.timer = setInterval(() => this.tick(), 5);
    return this;
  }

  /** Stops generating records (callbacks keep arriving). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends `n` records right now (outside the steady loop). */
  burst(n: number): void {
    for (let i = 0; i < n; i++) this.sendOne();
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.startedAt) * this.rate) / 1000) - (this.records.length - this.sentAtStart);
    for (let i = 0; i < due && this.outstanding < this.maxOutstanding; i++) this.sendOne();
  }

  private sendOne(): void {
    const id = this.records.length;
    const key = this.keylessEvery > 0 && id % this.keylessEvery === this.keylessEvery - 1 ? null : `k${id % this.keys}`;
    const k = key ?? '-';
    const keySeq = this.keySeqs.get(k) ?? 0;
    this.keySeqs.set(k, keySeq + 1);
    const rec: SentRecord = { id, key, keySeq, sentAt: Date.now(), callbacks: 0, error: null, metadata: null, doneAt: 0 };
    this.records.push(rec);
    this.outstanding++;
    const prefix = `${this.run}|${id}|${k}|${keySeq}|`;
    const value = this.payload === 'text' ? prefix + 'x'.repeat(this.padding) : Buffer.concat([Buffer.from(prefix, 'latin1'), randomBytes(this.padding)]);
    this.producer.send({ topic: this.topic, key, value }, (err, md) => {
      rec.callbacks++;
      if (rec.callbacks === 1) {
        this.outstanding--;
        rec.doneAt = Date.now();
      }
      if (err) rec.error = err;
      else rec.metadata = md ?? null;
      if (this.outstanding === 0) this.notifySettled();
    });
  }

  get acked(): number {
    return this.records.filter((r) => r.callbacks > 0 && r.error === null).length;
  }

  get pending(): number {
    return this.outstanding;
  }

  /** Resolves once every record sent so far has had its callback, or after timeoutMs (then `pending` > 0). */
  settle(timeoutMs: number): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.settleWaiters = self.settleWaiters.filter((w) => w !== done);
        resolve();
      }
      this.settleWaiters.push(done);
    });
  }

  private notifySettled(): void {
    for (const w of this.settleWaiters.slice()) w();
  }

  /** Resolves when `n` more records have been acknowledged (or after timeoutMs; false then). */
  async waitForAcks(n: number, timeoutMs: number): Promise<boolean> {
    const target = this.acked + n;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.acked >= target) return true;
      await sleep(20);
    }
    return this.acked >= target;
  }

  /** Records acknowledged after `since` (ms since the epoch), optionally on one partition only. */
  ackedAfter(since: number, partition?: number): number {
    let n = 0;
    for (const r of this.records) {
      if (r.metadata !== null && r.doneAt > since && (partition === undefined || r.metadata.partition === partition)) n++;
    }
    return n;
  }

  /** Parses a value this stream wrote, or null for a foreign record. */
  parse(value: Buffer | null): { id: number; key: string; keySeq: number } | null {
    if (value === null) return null;
    const [run, id, key, keySeq] = value.toString('latin1').split('|');
    if (run !== this.run || id === undefined || key === undefined || keySeq === undefined) return null;
    return { id: Number(id), key, keySeq: Number(keySeq) };
  }
}

// -------------------------------------------------------------------------------------------
// Counting

export interface Counts {
  sent: number;
  acked: number;
  failed: number;
  missing: number;
  multi: number;
  readBack: number;
  lost: number;
  duplicated: number;
  reordered: number;
  writtenButFailed: number;
  /** Error codes of the failed callbacks, with how many records got each. */
  errors: Record<string, number>;
}

export interface CountDetail {
  counts: Counts;
  /** A few examples per problem, for failure messages. */
  examples: { lost: string[]; duplicated: string[]; reordered: string[] };
}

/** Counts outcomes from the stream's callbacks and the records read back from the log. */
export function countOutcomes(stream: SteadyStream, log: readonly ReadRecord[]): CountDetail {
  const recs = stream.records;
  const counts: Counts = {
    sent: recs.length,
    acked: 0,
    failed: 0,
    missing: 0,
    multi: 0,
    readBack: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    writtenButFailed: 0,
    errors: {},
  };
  const examples = { lost: [] as string[], duplicated: [] as string[], reordered: [] as string[] };
  const note = (list: string[], s: string) => {
    if (list.length < 5) list.push(s);
  };

  // Where each id sits in the log: every occurrence, in log order.
  const where = new Map<number, { partition: number; offset: bigint }[]>();
  for (const r of log) {
    const v = stream.parse(r.value);
    if (!v) continue;
    let list = where.get(v.id);
    if (!list) where.set(v.id, (list = []));
    list.push({ partition: r.partition, offset: r.offset });
  }
  counts.readBack = where.size;
  for (const [id, list] of where) {
    if (list.length > 1) {
      counts.duplicated += list.length - 1;
      note(examples.duplicated, `id ${id} x${list.length} at ${list.map((l) => `${l.partition}@${l.offset}`).join(', ')}`);
    }
  }

  const ackedByPartition = new Map<number, SentRecord[]>();
  for (const r of recs) {
    if (r.callbacks === 0) counts.missing++;
    if (r.callbacks > 1) counts.multi++;
    if (r.callbacks === 0) continue;
    if (r.error) {
      counts.failed++;
      counts.errors[r.error.code] = (counts.errors[r.error.code] ?? 0) + 1;
      if (where.has(r.id)) counts.writtenButFailed++;
      continue;
    }
    counts.acked++;
    const md = r.metadata!;
    const found = where.get(r.id);
    // The acknowledged position must hold this record (Kafka answers a deduplicated retry with
    // the first copy's offset; a broker that does not deduplicate, with the latest copy's).
    if (!found || !found.some((l) => l.partition === md.partition && l.offset === md.offset)) {
      counts.lost++;
      note(examples.lost, `id ${r.id} key ${r.key} acked at ${md.partition}@${md.offset}; log has ${found ? found.map((l) => `${l.partition}@${l.offset}`).join(', ') : 'nothing'}`);
    }
    let list = ackedByPartition.get(md.partition);
    if (!list) ackedByPartition.set(md.partition, (list = []));
    list.push(r);
  }

  // Reordering: in send (id) order, the acknowledged offsets of one partition must grow; and in
  // the log, the first copies of this stream's records must appear in id order.
  const reorderedIds = new Set<number>();
  for (const [partition, list] of ackedByPartition) {
    let maxOffset = -1n;
    let prev: SentRecord | null = null;
    for (const r of list) {
      const off = r.metadata!.offset;
      if (off <= maxOffset) {
        reorderedIds.add(r.id);
        note(examples.reordered, `partition ${partition}: id ${r.id} (key ${r.key} #${r.keySeq}) acked at ${off} after id ${prev?.id} at ${maxOffset}`);
      } else maxOffset = off;
      prev = r;
    }
  }
  const acked = new Set(recs.filter((r) => r.callbacks > 0 && !r.error).map((r) => r.id));
  const seen = new Set<number>();
  const maxIdByPartition = new Map<number, number>();
  for (const r of log) {
    const v = stream.parse(r.value);
    if (!v || seen.has(v.id)) continue;
    seen.add(v.id);
    const max = maxIdByPartition.get(r.partition) ?? -1;
    if (v.id < max) {
      if (acked.has(v.id) && !reorderedIds.has(v.id)) {
        reorderedIds.add(v.id);
        note(examples.reordered, `partition ${r.partition}: id ${v.id} (key ${v.key} #${v.keySeq}) at offset ${r.offset} after id ${max}`);
      }
    } else maxIdByPartition.set(r.partition, v.id);
  }
  counts.reordered = reorderedIds.size;
  return { counts, examples };
}

/** Reads the whole topic back (kcat, CRCs checked) and counts. */
export async function readAndCount(stream: SteadyStream, bootstrap: string, timeoutMs = 30_000): Promise<CountDetail> {
  const log = await readBack(stream.topic, { bootstrap, timeoutMs });
  return countOutcomes(stream, log);
}

/** One line for the report: `name: sent=.. acked=.. failed=.. ... wall=..s`. */
export function formatCounts(name: string, c: Counts, wallMs: number): string {
  const errs = Object.entries(c.errors)
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return (
    `[faults] ${name}: sent=${c.sent} acked=${c.acked} failed=${c.failed}${errs ? ` (${errs})` : ''} missing=${c.missing} multi=${c.multi} ` +
    `readBack=${c.readBack} lost=${c.lost} duplicated=${c.duplicated} reordered=${c.reordered} writtenButFailed=${c.writtenButFailed} ` +
    `wall=${(wallMs / 1000).toFixed(1)}s`
  );
}

/** Prints the line and appends it to $KAFKA_WIRE_FAULTS_REPORT when set (for reports). */
export function report(name: string, detail: CountDetail, wallMs: number): void {
  const line = formatCounts(name, detail.counts, wallMs);
  console.log(line);
  const file = process.env.KAFKA_WIRE_FAULTS_REPORT;
  if (file) fs.appendFileSync(file, line + '\n');
}

/** A failure message with examples, for expect(..., message). */
export function explain(detail: CountDetail): string {
  const e = detail.examples;
  return [
    JSON.stringify(detail.counts),
    e.lost.length ? `lost e.g. ${e.lost.join('; ')}` : '',
    e.duplicated.length ? `duplicated e.g. ${e.duplicated.join('; ')}` : '',
    e.reordered.length ? `reordered e.g. ${e.reordered.join('; ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

// -------------------------------------------------------------------------------------------
// What the producer sent and got (node:diagnostics_channel `kafka-wire:request` / `:response`)

interface RequestEvent {
  clientId: string;
  nodeId: number;
  apiKey: number;
  apiVersion: number;
  error?: Error & { code?: string };
}

/**
 * Records, for one producer (by client.id), the versions of each API it sent requests with, and
 * the errors its requests failed with (timeouts, disconnects) per API key, node and error code.
 */
export class ClientEvents {
  private readonly seen = new Map<number, Set<number>>();
  /** `apiKey/nodeId/code` -> count. */
  readonly failures = new Map<string, number>();
  private readonly onRequest = (message: unknown): void => {
    const e = message as RequestEvent;
    if (e.clientId !== this.clientId) return;
    let set = this.seen.get(e.apiKey);
    if (!set) this.seen.set(e.apiKey, (set = new Set()));
    set.add(e.apiVersion);
  };
  private readonly onResponse = (message: unknown): void => {
    const e = message as RequestEvent;
    if (e.clientId !== this.clientId || !e.error) return;
    const k = `${e.apiKey}/${e.nodeId}/${e.error.code ?? e.error.name}`;
    this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
  };

  constructor(
    private readonly channels: { request: string; response: string },
    private readonly clientId: string,
  ) {
    diagnosticsChannel.subscribe(channels.request, this.onRequest);
    diagnosticsChannel.subscribe(channels.response, this.onResponse);
  }

  versions(apiKey: number): number[] {
    return [...(this.seen.get(apiKey) ?? [])].sort((a, b) => a - b);
  }

  /** Failed requests of `apiKey` with error `code`, optionally only those to `nodeId`. */
  failed(apiKey: number, code: string, nodeId?: number): number {
    let n = 0;
    for (const [k, v] of this.failures) {
      const [a, node, c] = k.split('/');
      if (Number(a) === apiKey && c === code && (nodeId === undefined || Number(node) === nodeId)) n += v;
    }
    return n;
  }

  close(): void {
    diagnosticsChannel.unsubscribe(this.channels.request, this.onRequest);
    diagnosticsChannel.unsubscribe(this.channels.response, this.onResponse);
  }
}

// -------------------------------------------------------------------------------------------
// A private Kafka cluster

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * An N-broker Kafka (tools/broker) in its own state directory, so the run's shared broker is
 * untouched. Nodes can be killed (SIGKILL), frozen (SIGSTOP) / thawed (SIGCONT) and restarted
 * (the same command line again; the node keeps its data).
 *
 * The broker tool reads its state directory from KAFKA_WIRE_STATE_DIR at each call, so the
 * variable points at this cluster's directory while the cluster lives (test files run in
 * separate worker processes, so no other file sees it). The tool's caches (resolved classpath,
 * compiled helpers) are copied over so nothing is resolved or compiled again.
 */
export class PrivateKafka {
  private constructor(
    readonly dir: string,
    private readonly previousStateDir: string | undefined,
    private state: KafkaState,
  ) {}

  get bootstrap(): string {
    return this.state.bootstrap;
  }

  get nodeIds(): number[] {
    return this.state.nodes.map((n) => n.id);
  }

  static async start(brokers: number, log: (msg: string) => void = () => {}): Promise<PrivateKafka> {
    const shared = stateDir();
    const previous = process.env.KAFKA_WIRE_STATE_DIR;
    const dir = fs.mkdtempSync(path.join(shared, `faults-${process.pid}-`));
    fs.cpSync(path.join(shared, 'cache'), path.join(dir, 'cache'), { recursive: true, filter: (src) => !/\.(lock|tmp)$/.test(src) });
    process.env.KAFKA_WIRE_STATE_DIR = dir;
    try {
      const state = await kafkaUp({ brokers, log });
      return new PrivateKafka(dir, previous, state);
    } catch (e) {
      await kafkaDown().catch(() => {});
      restoreEnv(previous);
      throw e;
    }
  }

  async stop(): Promise<void> {
    try {
      for (const n of this.state.nodes) signal(n.pid, 'SIGCONT'); // a frozen JVM ignores SIGTERM until thawed
      await kafkaDown();
    } finally {
      restoreEnv(this.previousStateDir);
    }
  }

  /** Removes the state directory (logs included): call after a successful run. */
  removeState(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private node(id: number) {
    const n = this.state.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  pid(id: number): number {
    return this.node(id).pid;
  }

  kill(id: number): void {
    signal(this.node(id).pid, 'SIGKILL');
  }

  freeze(id: number): void {
    signal(this.node(id).pid, 'SIGSTOP');
  }

  thaw(id: number): void {
    signal(this.node(id).pid, 'SIGCONT');
  }

  /**
   * Starts a killed node again with its original command line, working directory and log, and
   * records the new pid in the tool's state file (so `down` stops it). Resolves once the node
   * answers metadata listing every broker.
   */
  async restart(id: number, { cmdline, cwd }: { cmdline: string[]; cwd: string }, timeoutMs = 60_000): Promise<void> {
    const n = this.node(id);
    const fd = fs.openSync(n.log, 'a');
    const child = spawn(cmdline[0]!, cmdline.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    child.unref();
    const pid = child.pid!;
    const file = path.join(this.dir, 'kafka.json');
    const st = JSON.parse(fs.readFileSync(file, 'utf8')) as KafkaState;
    for (const x of st.nodes) if (x.id === id) x.pid = pid;
    fs.writeFileSync(file, JSON.stringify(st, null, 2) + '\n');
    this.state = { ...this.state, nodes: this.state.nodes.map((x) => (x.id === id ? { ...x, pid } : x)) };
    await waitFor(
      `node ${id} back in the cluster`,
      async () => {
        const md = await this.metadata();
        return md.brokers.length === this.state.nodes.length;
      },
      timeoutMs,
      250,
    );
  }

  /** A node's command line and working directory (read before killing it, to restart it). */
  launchInfo(id: number): { cmdline: string[]; cwd: string } {
    const pid = this.node(id).pid;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    return { cmdline, cwd };
  }

  /** Cluster metadata through kcat (librdkafka), from any live broker. */
  async metadata(topic?: string): Promise<{ brokers: { id: number }[]; partitions: PartitionState[] }> {
    const args = ['-L', '-J', '-m', '3', '-b', this.bootstrap];
    if (topic) args.push('-t', topic);
    const md = JSON.parse((await kcat(args)).toString('utf8')) as {
      brokers: { id: number }[];
      topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
    };
    const t = topic ? md.topics.find((x) => x.topic === topic) : undefined;
    return {
      brokers: md.brokers,
      partitions: (t?.partitions ?? [])
        .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas.map((r) => r.id), isr: p.isrs.map((r) => r.id) }))
        .sort((a, b) => a.partition - b.partition),
    };
  }

  status(): KafkaState | null {
    return kafkaStatus();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function restoreEnv(previous: string | undefined): void {
  if (previous === undefined) delete process.env.KAFKA_WIRE_STATE_DIR;
  else process.env.KAFKA_WIRE_STATE_DIR = previous;
}

/** Wall time of `fn` in ms, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}

// -------------------------------------------------------------------------------------------
// Per-broker views, graceful stops and admin actions (rolling restarts, leader elections)
//
// kafka.metadata() asks one broker through kcat (or the Java fallback). Scenarios that move
// leaders or restart brokers need to know what *every* live broker believes, cheaply and many
// times a second: probeTopicMetadata sends a hand-encoded Metadata v1 request (which Kafka 4.x
// still answers) to one broker and decodes brokers, controller and the topic's partitions.
// Leader moves go through Kafka's own AdminClient (KafkaAdmin, one JVM for a whole scenario).

/** One broker's Metadata v1 answer for one topic. */
export interface BrokerView {
  /** The node that answered. */
  node: number;
  brokers: number[];
  controllerId: number;
  /** Kafka error code for the topic (0 = none). */
  topicError: number;
  partitions: PartitionState[];
}

/**
 * Metadata v1 for `topic` from the broker at host:port. The topic must exist (v1 requests
 * auto-creation when the broker allows it). Rejects on a connection error or after timeoutMs.
 */
export function probeTopicMetadata(host: string, port: number, topic: string, timeoutMs = 2_000): Promise<Omit<BrokerView, 'node'>> {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('kafka-wire-faults');
    const name = Buffer.from(topic, 'utf8');
    // header: api_key, api_version, correlation_id, client_id; body v1: topics ARRAY(STRING)
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 2 + name.length);
    let o = body.writeInt16BE(3, 0); // Metadata
    o = body.writeInt16BE(1, o); // v1
    o = body.writeInt32BE(7, o);
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    o = body.writeInt32BE(1, o);
    o = body.writeInt16BE(name.length, o);
    name.copy(body, o);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: Omit<BrokerView, 'node'>) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`metadata probe ${host}:${port} timed out`)), timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('error', (e) => done(e));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      try {
        let p = 8; // size + correlation id
        const int16 = () => ((p += 2), buf.readInt16BE(p - 2));
        const int32 = () => ((p += 4), buf.readInt32BE(p - 4));
        const str = () => {
          const n = int16();
          if (n < 0) return null;
          p += n;
          return buf.toString('utf8', p - n, p);
        };
        const ints = () => {
          const n = int32();
          const a: number[] = [];
          for (let i = 0; i < n; i++) a.push(int32());
          return a;
        };
        const brokers: number[] = [];
        for (let i = 0, n = int32(); i < n; i++) {
          brokers.push(int32());
          str(); // host
          int32(); // port
          str(); // rack
        }
        const controllerId = int32();
        let topicError = 3; // UNKNOWN_TOPIC_OR_PARTITION unless listed
        const partitions: PartitionState[] = [];
        for (let i = 0, n = int32(); i < n; i++) {
          const error = int16();
          const t = str();
          p += 1; // is_internal
          for (let j = 0, m = int32(); j < m; j++) {
            int16(); // partition error (LEADER_NOT_AVAILABLE etc.: leader -1 says enough)
            const partition = int32();
            const leader = int32();
            const replicas = ints();
            const isr = ints();
            if (t === topic) partitions.push({ partition, leader, replicas, isr });
          }
          if (t === topic) topicError = error;
        }
        partitions.sort((a, b) => a.partition - b.partition);
        done(null, { brokers: brokers.sort((a, b) => a - b), controllerId, topicError, partitions });
      } catch (e) {
        done(e as Error);
      }
    });
  });
}

/** The live nodes' views of `topic` (nodes that do not answer within timeoutMs are left out). */
export async function brokerViews(kafka: PrivateKafka, topic: string, timeoutMs = 1_500): Promise<BrokerView[]> {
  const nodes = kafka.status()?.nodes ?? [];
  const views = await Promise.all(
    nodes.map((n) =>
      probeTopicMetadata('127.0.0.1', n.port, topic, timeoutMs).then(
        (v): BrokerView => ({ node: n.id, ...v }),
        () => null,
      ),
    ),
  );
  return views.filter((v): v is BrokerView => v !== null);
}

/**
 * True when `want` live nodes answer, each lists `want` brokers, and in each view every
 * partition of the topic has a leader and a full ISR (all its replicas). Returns the first
 * view then (truthy), else null: for waitFor.
 */
export async function clusterWhole(kafka: PrivateKafka, topic: string, want = 3): Promise<BrokerView | null> {
  const views = await brokerViews(kafka, topic);
  if (views.length < want) return null;
  for (const v of views) {
    if (v.brokers.length < want || v.topicError !== 0 || v.partitions.length === 0) return null;
    for (const p of v.partitions) if (p.leader < 0 || p.isr.length < p.replicas.length) return null;
  }
  return views[0]!;
}

/**
 * Stops a node gracefully (SIGTERM: Kafka's controlled shutdown moves its leaderships away
 * first) and resolves the milliseconds it took to exit; rejects if it is still running after
 * timeoutMs (it is left running: the caller's cleanup stops the cluster).
 */
export async function terminateNode(kafka: PrivateKafka, id: number, timeoutMs = 30_000): Promise<number> {
  const pid = kafka.pid(id);
  const t0 = Date.now();
  signal(pid, 'SIGTERM');
  await waitFor(`node ${id} (pid ${pid}) to exit after SIGTERM`, () => !processAlive(pid), timeoutMs, 100);
  return Date.now() - t0;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Kafka's own AdminClient in one long-lived JVM (tools/kafka/src/KafkaWireAdmin.java): replica
 * reordering and leader elections (Admin.electLeaders, what the kafka-leader-election tool
 * runs) without a JVM start per action. Commands run one at a time, in order.
 */
export class KafkaAdmin {
  private buf = '';
  private stderr = '';
  private queue: { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }[] = [];
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line) as { ok: boolean; result?: unknown; error?: string };
        const w = this.queue.shift();
        if (!w) continue;
        if (msg.ok) w.resolve(msg.result ?? null);
        else w.reject(new Error(`KafkaWireAdmin ${w.cmd}: ${msg.error}`));
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-8000);
    });
    child.stdin!.on('error', () => {});
    child.on('exit', (code, sig) => {
      this.exited = new Error(`KafkaWireAdmin exited (${sig ?? code}): ${this.stderr.slice(-2000)}`);
      for (const w of this.queue.splice(0)) w.reject(this.exited);
    });
  }

  static async start(bootstrap: string): Promise<KafkaAdmin> {
    const { helpersJar } = await kafkaPrepare();
    const { cp } = await kafkaClasspath();
    const child = spawn(
      'java',
      [
        '-Xmx128m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j2.configurationFile=${path.join(REPO_ROOT, 'tools', 'kafka', 'log4j2-tools.properties')}`,
        '-cp',
        `${helpersJar}${path.delimiter}${cp}`,
        'KafkaWireAdmin',
        '--bootstrap',
        bootstrap,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const admin = new KafkaAdmin(child);
    await new Promise<unknown>((resolve, reject) => admin.queue.push({ resolve, reject, cmd: 'start' }));
    return admin;
  }

  private call<T>(words: (string | number)[]): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const cmd = words.join(' ');
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ resolve: resolve as (v: unknown) => void, reject, cmd });
      this.child.stdin!.write(cmd + '\n');
    });
  }

  /**
   * Sets the replica order of partitions (Admin.alterPartitionReassignments). The same replica
   * set in another order completes at once and moves no data; the first replica becomes the
   * partition's preferred leader.
   */
  reorder(topic: string, replicas: Map<number, number[]>): Promise<null> {
    return this.call(['reorder', topic, ...[...replicas].map(([p, r]) => `${p}=${r.join(',')}`)]);
  }

  /** Admin.electLeaders(PREFERRED | UNCLEAN, partitions): per partition 'elected', 'not needed' or the error. */
  elect(type: 'PREFERRED' | 'UNCLEAN', topic: string, partitions: number[]): Promise<Record<string, string>> {
    return this.call(['elect', type, topic, ...partitions]);
  }

  close(): void {
    this.child.stdin!.end();
    if (!this.exited) this.child.kill('SIGTERM');
  }
}
