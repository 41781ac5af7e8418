/**
 * An in-memory Kafka cluster behind a fake Transport, for deterministic tests of the Producer and
 * Sender (no sockets, no real time).
 *
 * - FakeCluster: N brokers (node id, host:port), topics with partitions, leaders and leader epochs.
 *   Every request frame a client writes is decoded with `decodeRequest` and answered with
 *   `encodeResponse` at the requested version. It speaks ApiVersions (configurable ranges per
 *   broker; KIP-511: a too-new ApiVersions request gets UNSUPPORTED_VERSION in the v0 layout),
 *   Metadata, InitProducerId and Produce.
 * - Produce keeps a real log per partition: record batches are read with `readRecordBatches`
 *   (CRC checked, decompressed), offsets are assigned, and Kafka's idempotent-producer rules are
 *   applied per partition and producer id (ProducerStateManager / ProducerAppendInfo): the last
 *   5 batches' sequences are retained and a duplicate gets its original offset back; a gap is
 *   OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch INVALID_PRODUCER_EPOCH; a newer epoch must start
 *   at sequence 0; dropped producer state answers UNKNOWN_PRODUCER_ID for a sequence other than 0
 *   (the pre-KIP-360 broker behaviour; switchable). acks=0 gets no response (and, as Kafka does,
 *   an error closes the connection).
 * - Fault injection: errors for the next N requests of an API (per partition for Produce), a
 *   broker that closes the connection instead of answering, delayed responses (on the injected
 *   clock), swallowed responses (the broker appends but never answers, and the connection stays
 *   muted as a real broker's would), leader moves with KIP-951 currentLeader hints, frozen (stale)
 *   metadata, brokers going down and up.
 * - Everything is recorded: requests (with the batches of Produce requests), connection attempts,
 *   protocol violations (anything a real broker would reject as malformed; tests assert none).
 *
 * Time only moves through the test: TestClock is the ManualClock plus `nextTimerAt()`, and
 * `advance(clock, ms)` steps from timer to timer, letting the event loop settle (the Sender runs
 * its passes on setImmediate) after each one.
 */
import { ManualClock, type Clock, type TimerHandle } from '../../src/common/clock.js';
import { getCodec, type CompressionCodec } from '../../src/compression/index.js';
import { NetworkError, type KafkaWireError } from '../../src/errors.js';
import type { Socketish, Transport, TransportConnectOptions } from '../../src/network/transport.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { errorForCode, errorForName } from '../../src/protocol/error-codes.js';
import {
  decodeRequest,
  encodeResponse,
  type ApiVersionsRequest,
  type EncodeInput,
  type InitProducerIdRequest,
  type MetadataRequest,
  type MetadataResponse,
  type PartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type SaslAuthenticateRequest,
  type SaslHandshakeRequest,
} from '../../src/protocol/messages/index.js';
import { FakeSasl, type FakeSaslOptions } from './fake-sasl.js';
import { FakeTxnCoordinator } from './fake-txn-coordinator.js';
import { readRecordBatches, type DecodedRecordBatch } from '../../src/protocol/record-batch.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { nodeRuntime } from '../../src/runtime/node/index.js';
import { Producer, type ProducerConfig, type ProducerRecord, type RecordMetadata } from '../../src/producer.js';

// ---------------------------------------------------------------------------------------------
// Time

/** ManualClock that also tells when its next timer is due (for `advance`). */
export class TestClock extends ManualClock {
  private readonly deadlines = new Map<number, number>();
  private nextId = 0;

  override setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.nextId;
    this.deadlines.set(id, this.now() + Math.max(0, ms));
    const inner = super.setTimer(() => {
      this.deadlines.delete(id);
      fn();
    }, ms);
    return {
      cancel: () => {
        this.deadlines.delete(id);
        inner.cancel();
      },
    };
  }

  /** When the earliest pending timer fires (Infinity when none). */
  nextTimerAt(): number {
    let min = Infinity;
    for (const at of this.deadlines.values()) if (at < min) min = at;
    return min;
  }
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function immediatesPending(): boolean {
  return process.getActiveResourcesInfo().includes('Immediate');
}

/**
 * Lets everything that is due run: microtasks and setImmediate callbacks (the Sender's passes),
 * until no immediate is pending for a few rounds in a row. Never advances the clock.
 */
export async function settle(maxRounds = 2000): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < maxRounds; i++) {
    await immediate();
    if (immediatesPending()) quiet = 0;
    else if (++quiet >= 3) return;
  }
}

/**
 * Moves the clock forward by `ms`, stopping at every timer deadline on the way and letting the
 * event loop settle after each, so timers armed by a pass run at their exact time.
 */
export async function advance(clock: TestClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  await settle();
  for (let guard = 0; ; guard++) {
    if (guard > 200_000) throw new Error('advance(): timers keep firing without time moving');
    const next = clock.nextTimerAt();
    if (next > target) break;
    clock.advance(Math.max(0, next - clock.now()));
    await settle();
  }
  clock.advance(target - clock.now());
  await settle();
}

/** Advances the clock in timer steps until `cond()` holds; returns the time it took (ms). */
export async function advanceUntil(clock: TestClock, cond: () => boolean, maxMs = 600_000): Promise<number> {
  const start = clock.now();
  await settle();
  for (let guard = 0; !cond(); guard++) {
    if (guard > 200_000) throw new Error('advanceUntil(): too many steps');
    const next = clock.nextTimerAt();
    if (next === Infinity || next - start > maxMs) throw new Error(`advanceUntil(): condition not met after ${clock.now() - start} ms (next timer ${next === Infinity ? 'none' : `at +${next - start} ms`})`);
    clock.advance(Math.max(0, next - clock.now()));
    await settle();
  }
  return clock.now() - start;
}

/**
 * Waits in real time (bounded) until `cond()` holds, settling the event loop without moving the
 * clock: for work done off the event loop (native codecs compress on libuv's thread pool).
 */
export async function waitOffLoop(cond: () => boolean, maxRealMs = 5000): Promise<void> {
  const deadline = Date.now() + maxRealMs;
  for (;;) {
    await settle();
    if (cond()) return;
    if (Date.now() > deadline) throw new Error(`waitOffLoop(): condition not met within ${maxRealMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Records how a promise settles, so a test can check it without awaiting it. */
export function watch<T>(p: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const w: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (v) => {
      w.settled = true;
      w.value = v;
    },
    (e: unknown) => {
      w.settled = true;
      w.error = e;
    },
  );
  return w;
}

/** Deterministic [0, 1) source (mulberry32). */
export function seededRandom(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Cluster model

export type ErrorSpec = number | string;

export function errorCode(e: ErrorSpec): number {
  if (typeof e === 'number') return e;
  const info = errorForName(e);
  if (!info) throw new Error(`unknown Kafka error name ${e}`);
  return info.code;
}

export type VersionRanges = Partial<Record<number, readonly [min: number, max: number]>>;

/** A modern broker (Kafka 4.x): Produce v3+ (v0-2 removed), topic ids in Produce v13. */
export const MODERN_BROKER: VersionRanges = {
  [ApiKey.Produce]: [3, 13],
  [ApiKey.Metadata]: [0, 13],
  [ApiKey.ApiVersions]: [0, 4],
  [ApiKey.InitProducerId]: [0, 5],
  // The transaction APIs (test/helpers/fake-txn-coordinator.ts), as Kafka 4.x lists them.
  [ApiKey.FindCoordinator]: [0, 6],
  [ApiKey.AddPartitionsToTxn]: [0, 5],
  [ApiKey.AddOffsetsToTxn]: [0, 4],
  [ApiKey.EndTxn]: [0, 5],
  [ApiKey.TxnOffsetCommit]: [0, 5],
};

/** A Kafka 3.9-like broker: transactions v1 only (Produce up to v11, EndTxn up to v4). */
export const KAFKA_3_9: VersionRanges = {
  [ApiKey.Produce]: [3, 11],
  [ApiKey.Metadata]: [0, 12],
  [ApiKey.ApiVersions]: [0, 4],
  [ApiKey.InitProducerId]: [0, 5],
  [ApiKey.FindCoordinator]: [0, 5],
  [ApiKey.AddPartitionsToTxn]: [0, 5],
  [ApiKey.AddOffsetsToTxn]: [0, 4],
  [ApiKey.EndTxn]: [0, 4],
  [ApiKey.TxnOffsetCommit]: [0, 4],
};

/** A Kafka 2.0-like broker: Produce up to v6 (no zstd), Metadata up to v6, ApiVersions up to v2. */
export const KAFKA_2_0: VersionRanges = {
  [ApiKey.Produce]: [0, 6],
  [ApiKey.Metadata]: [0, 6],
  [ApiKey.ApiVersions]: [0, 2],
  [ApiKey.InitProducerId]: [0, 1],
};

export interface StoredBatch {
  baseOffset: bigint;
  /** A transaction marker (control batch) written by the transaction coordinator. */
  control?: { commit: boolean };
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  compression: number;
  /** The broker the batch was appended on, and when. */
  nodeId: number;
  appendedAt: number;
  batch: DecodedRecordBatch;
}

export interface StoredRecord {
  offset: bigint;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  /** The record's own sequence (batch base sequence + index), -1 without idempotence. */
  sequence: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  /** The last 5 batches (Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN). */
  batches: { firstSeq: number; lastSeq: number; baseOffset: bigint }[];
}

class PartitionState {
  leaderEpoch = 0;
  readonly log: StoredBatch[] = [];
  nextOffset = 0n;
  readonly producers = new Map<bigint, ProducerEntry>();
  constructor(
    readonly index: number,
    public leader: number,
    public replicas: number[],
  ) {}
}

export interface TopicOptions {
  /** Leader of each partition (default: round-robin over the brokers). */
  leaders?: number[];
  /** max.message.bytes: larger batches get MESSAGE_TOO_LARGE. Default 1 MiB. */
  maxMessageBytes?: number;
  /** message.timestamp.type=LogAppendTime. */
  logAppendTime?: boolean;
}

class TopicState {
  readonly partitions: PartitionState[] = [];
  constructor(
    readonly name: string,
    readonly topicId: Uint8Array,
    public maxMessageBytes: number,
    public logAppendTime: boolean,
  ) {}
}

export interface RequestRecord {
  nodeId: number;
  connection: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  at: number;
  body: unknown;
  /** Produce only: the batches per partition, in request order. */
  batches?: ProduceBatchInfo[];
}

export interface ProduceBatchInfo {
  topic: string;
  partition: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  values: (string | null)[];
  /** Wire size of the batch. */
  bytes: number;
}

export interface ProduceOutcome {
  nodeId: number;
  at: number;
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: bigint;
  baseSequence: number;
  producerEpoch: number;
  duplicate: boolean;
}

interface Rule {
  apiKey: number;
  nodeId: number | undefined;
  remaining: number;
  /** Produce: only this partition. */
  topic?: string;
  partition?: number;
  kind: 'error' | 'swallow' | 'disconnect' | 'delay' | 'throttle' | 'garble' | 'rebootstrap' | 'omit';
  error?: number;
  /** error (Produce): append the batch anyway, then answer the error. swallow/disconnect: process the request first. */
  process?: boolean;
  delayMs?: number;
  /** throttle: the throttle_time_ms the response carries (KIP-219). */
  throttleMs?: number;
  /** error (Produce): per-record errors (record_errors) the partition response carries. */
  recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  /** Produce: only batches for which this holds. */
  where?: (batch: ProduceBatchInfo) => boolean;
}

/**
 * Codecs loaded up front: loading one the first time is real I/O (a dynamic import), which
 * would make the broker's answer depend on wall-clock time. Later getCodec calls (the
 * producer's too) resolve from the cache at once. zstd (native) may be missing: then it is not
 * preloaded.
 */
const CODECS = new Map<number, CompressionCodec>();
for (const id of [1, 2, 3, 4]) {
  try {
    CODECS.set(id, await getCodec(id));
  } catch {
    // optional native codec not installed
  }
}

async function decompress(codec: number, data: Uint8Array): Promise<Uint8Array> {
  const c = CODECS.get(codec) ?? (await getCodec(codec));
  return c.decompress(data);
}

const dec = new TextDecoder();
const str = (b: Uint8Array | null): string | null => (b === null ? null : dec.decode(b));

let topicIdSeq = 1;
function newTopicId(): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, topicIdSeq++);
  id[0] = 0x42;
  return id;
}

function sameId(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === 2147483647);
}

export interface FakeClusterOptions {
  /** Number of brokers (node ids 1..n) or explicit node ids. Default 1. */
  brokers?: number | number[];
  clock: Clock;
  /** Version ranges every broker advertises (per-broker: setApiVersions). */
  apiVersions?: VersionRanges;
  /** KIP-951: NOT_LEADER_OR_FOLLOWER answers (Produce v10+) carry the new leader. Default true. */
  leaderHints?: boolean;
  /** Dropped producer state + sequence != 0 -> UNKNOWN_PRODUCER_ID (pre-2.5 brokers). Default true. */
  unknownProducerIdOnLostState?: boolean;
  /** Metadata for an unknown topic creates it (auto.create.topics.enable). Default false. */
  autoCreateTopics?: boolean;
  /**
   * Kafka's idempotent-producer checks (dedup, gaps, epochs). false: append every batch as it
   * comes, as librdkafka's mock does for non-transactional producers. Default true.
   */
  enforceSequences?: boolean;
  /** SASL on every broker (test/helpers/fake-sasl.ts): connections must authenticate first. */
  sasl?: FakeSaslOptions;
  /** The finalized feature transaction.version (2: KIP-890 transactions v2). Default 1. */
  transactionVersion?: 1 | 2;
}

export class FakeBroker {
  down = false;
  /** Connection attempts never complete (a black-holed address): only the client's timeout ends them. */
  hangConnects = false;
  apiVersions: VersionRanges;
  readonly connections = new Set<ServerConnection>();
  constructor(
    readonly nodeId: number,
    readonly host: string,
    readonly port: number,
    ranges: VersionRanges,
  ) {
    this.apiVersions = { ...ranges };
  }
  range(apiKey: number): readonly [number, number] | undefined {
    return this.apiVersions[apiKey];
  }
}

export class FakeCluster {
  readonly clock: Clock;
  readonly brokers = new Map<number, FakeBroker>();
  private readonly topics = new Map<string, TopicState>();
  private rules: Rule[] = [];
  private frozen: Map<string, { leader: number; leaderEpoch: number }[]> | null = null;
  private readonly hiddenBrokers = new Set<number>();
  private nextProducerId = 1000n;
  private connectionSeq = 0;
  leaderHints: boolean;
  unknownProducerIdOnLostState: boolean;
  autoCreateTopics: boolean;
  enforceSequences: boolean;
  readonly clusterId = 'fake-cluster';
  /** SASL enforcement and its record (null: the brokers speak no SASL). */
  readonly sasl: FakeSasl | null;
  /** The transaction and group coordinators (test/helpers/fake-txn-coordinator.ts). */
  readonly txn: FakeTxnCoordinator;

  /** Every request received (decoded), in arrival order. */
  readonly requests: RequestRecord[] = [];
  /** Every Produce partition outcome, in processing order. */
  readonly produceOutcomes: ProduceOutcome[] = [];
  /** Connection attempts: host:port and time, and whether it was accepted. */
  readonly connects: { host: string; port: number; at: number; accepted: boolean }[] = [];
  /** What a real broker would reject as malformed (version out of range, bad CRC, ...). */
  readonly violations: string[] = [];
  /** The transport to give the Producer. */
  readonly transport: Transport;

  constructor(options: FakeClusterOptions) {
    this.clock = options.clock;
    this.leaderHints = options.leaderHints ?? true;
    this.unknownProducerIdOnLostState = options.unknownProducerIdOnLostState ?? true;
    this.autoCreateTopics = options.autoCreateTopics ?? false;
    this.enforceSequences = options.enforceSequences ?? true;
    const ids = typeof options.brokers === 'number' || options.brokers === undefined ? Array.from({ length: options.brokers ?? 1 }, (_, i) => i + 1) : options.brokers;
    this.sasl = options.sasl ? new FakeSasl(options.sasl, options.clock) : null;
    const ranges = options.apiVersions ?? MODERN_BROKER;
    const withSasl = this.sasl ? { ...ranges, [ApiKey.SaslHandshake]: [0, 1] as const, [ApiKey.SaslAuthenticate]: [0, 2] as const } : ranges;
    for (const id of ids) this.brokers.set(id, new FakeBroker(id, `broker${id}.test`, 9092, withSasl));
    this.transport = { connect: (host, port, o) => this.connect(host, port, o) };
    this.txn = new FakeTxnCoordinator(this);
    this.txn.transactionVersion = options.transactionVersion ?? 1;
  }

  /** A new producer id (idempotent or transactional). */
  allocateProducerId(): bigint {
    return this.nextProducerId++;
  }

  /**
   * Writes a transaction marker (a control batch: one offset, no data records) at the end of a
   * partition's log, as the coordinator's WriteTxnMarkers does; a marker with a newer epoch moves
   * the partition's state for that producer to it, fencing older epochs there.
   */
  appendControlMarker(topic: string, partition: number, producerId: bigint, producerEpoch: number, commit: boolean): void {
    const state = this.partitionState(topic, partition);
    const baseOffset = state.nextOffset;
    state.nextOffset += 1n;
    const batch: DecodedRecordBatch = {
      baseOffset,
      partitionLeaderEpoch: state.leaderEpoch,
      magic: 2,
      crc: 0,
      attributes: 0x30,
      compression: 0,
      timestampType: 'CreateTime',
      isTransactional: true,
      isControl: true,
      lastOffsetDelta: 0,
      baseTimestamp: BigInt(Math.floor(this.clock.now())),
      maxTimestamp: BigInt(Math.floor(this.clock.now())),
      producerId,
      producerEpoch,
      baseSequence: -1,
      recordCount: 1,
      records: [],
      sizeInBytes: 0,
    };
    state.log.push({ baseOffset, control: { commit }, producerId, producerEpoch, baseSequence: -1, recordCount: 1, compression: 0, nodeId: state.leader, appendedAt: this.clock.now(), batch });
    const entry = state.producers.get(producerId);
    if (entry && producerEpoch > entry.epoch) state.producers.set(producerId, { epoch: producerEpoch, lastSeq: -1, batches: [] });
  }

  /**
   * What a read_committed consumer reads from a partition: records outside transactions and
   * those of committed transactions, in offset order, up to the last stable offset (the first
   * record of a transaction still open).
   */
  readCommitted(topic: string, partition = 0): (string | null)[] {
    const log = this.partitionState(topic, partition).log;
    const out: (string | null)[] = [];
    for (let i = 0; i < log.length; i++) {
      const b = log[i]!;
      if (b.control) continue;
      if (!b.batch.isTransactional) {
        for (const r of b.batch.records) out.push(str(r.value));
        continue;
      }
      const marker = log.slice(i + 1).find((m) => m.control && m.producerId === b.producerId);
      if (marker === undefined) break; // the last stable offset: an open transaction
      if (marker.control!.commit) for (const r of b.batch.records) out.push(str(r.value));
    }
    return out;
  }

  /** Every record written to a partition, aborted ones included (read_uncommitted), with its fate. */
  readUncommitted(topic: string, partition = 0): { value: string | null; transactional: boolean; fate: 'committed' | 'aborted' | 'open' | 'plain' }[] {
    const log = this.partitionState(topic, partition).log;
    const out: { value: string | null; transactional: boolean; fate: 'committed' | 'aborted' | 'open' | 'plain' }[] = [];
    log.forEach((b, i) => {
      if (b.control) return;
      const marker = b.batch.isTransactional ? log.slice(i + 1).find((m) => m.control && m.producerId === b.producerId) : undefined;
      const fate = !b.batch.isTransactional ? 'plain' : marker === undefined ? 'open' : marker.control!.commit ? 'committed' : 'aborted';
      for (const r of b.batch.records) out.push({ value: str(r.value), transactional: b.batch.isTransactional, fate });
    });
    return out;
  }

  /** bootstrap.servers naming every broker. */
  get bootstrap(): string {
    return [...this.brokers.values()].map((b) => `${b.host}:${b.port}`).join(',');
  }

  /** Node's Runtime (diagnostics channels, codec checks) with this cluster's transport. */
  runtime(): Runtime {
    return { ...nodeRuntime, name: 'fake', transport: () => this.transport };
  }

  broker(nodeId: number): FakeBroker {
    const b = this.brokers.get(nodeId);
    if (!b) throw new Error(`no broker ${nodeId}`);
    return b;
  }

  setApiVersions(ranges: VersionRanges, nodeId?: number): void {
    for (const b of this.brokers.values()) if (nodeId === undefined || b.nodeId === nodeId) b.apiVersions = { ...ranges };
  }

  // --- topics --------------------------------------------------------------------------------

  createTopic(name: string, partitions = 1, options: TopicOptions = {}): void {
    const ids = [...this.brokers.keys()];
    const t = new TopicState(name, newTopicId(), options.maxMessageBytes ?? 1048588, options.logAppendTime ?? false);
    for (let p = 0; p < partitions; p++) {
      const leader = options.leaders?.[p] ?? ids[p % ids.length]!;
      t.partitions.push(new PartitionState(p, leader, ids));
    }
    this.topics.set(name, t);
  }

  deleteTopic(name: string): void {
    this.topics.delete(name);
  }

  setMaxMessageBytes(topic: string, bytes: number): void {
    this.topicState(topic).maxMessageBytes = bytes;
  }

  topicId(topic: string): Uint8Array {
    return this.topicState(topic).topicId;
  }

  private topicState(name: string): TopicState {
    const t = this.topics.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    return t;
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const p = this.topicState(topic).partitions[partition];
    if (!p) throw new Error(`no partition ${topic}-${partition}`);
    return p;
  }

  /** Moves a partition's leadership (leader epoch + 1). */
  moveLeader(topic: string, partition: number, leader: number): void {
    const p = this.partitionState(topic, partition);
    p.leader = leader;
    p.leaderEpoch++;
  }

  leaderOf(topic: string, partition: number): number {
    return this.partitionState(topic, partition).leader;
  }

  /** Metadata answers from a snapshot of the current leaders until `unfreezeMetadata`. */
  freezeMetadata(): void {
    this.frozen = new Map([...this.topics].map(([n, t]) => [n, t.partitions.map((p) => ({ leader: p.leader, leaderEpoch: p.leaderEpoch }))]));
  }

  unfreezeMetadata(): void {
    this.frozen = null;
  }

  /** Forgets every producer's state on a partition (retention deleted its batches). */
  dropProducerState(topic: string, partition: number): void {
    this.partitionState(topic, partition).producers.clear();
  }

  // --- reading the logs ------------------------------------------------------------------------

  batches(topic: string, partition = 0): StoredBatch[] {
    return [...this.partitionState(topic, partition).log];
  }

  log(topic: string, partition = 0): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const b of this.partitionState(topic, partition).log) {
      b.batch.records.forEach((r, i) => {
        out.push({
          offset: b.baseOffset + BigInt(i),
          key: str(r.key),
          value: str(r.value),
          headers: r.headers.map(([k, v]) => [k, str(v)]),
          timestamp: r.timestamp,
          producerId: b.producerId,
          producerEpoch: b.producerEpoch,
          sequence: b.baseSequence < 0 ? -1 : b.baseSequence + i,
        });
      });
    }
    return out;
  }

  /** The values in a partition's log, in offset order. */
  values(topic: string, partition = 0): (string | null)[] {
    return this.log(topic, partition).map((r) => r.value);
  }

  requestsOf(apiKey: number, nodeId?: number): RequestRecord[] {
    return this.requests.filter((r) => r.apiKey === apiKey && (nodeId === undefined || r.nodeId === nodeId));
  }

  produceRequests(nodeId?: number): RequestRecord[] {
    return this.requestsOf(ApiKey.Produce, nodeId);
  }

  openConnections(nodeId?: number): number {
    let n = 0;
    for (const b of this.brokers.values()) if (nodeId === undefined || b.nodeId === nodeId) for (const c of b.connections) if (!c.closed) n++;
    return n;
  }

  // --- fault injection -------------------------------------------------------------------------

  /** The next `count` requests of `apiKey` get `error` (Metadata: on every topic; Produce: every partition). */
  failNext(apiKey: number, error: ErrorSpec, options: { count?: number; nodeId?: number } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'error', error: errorCode(error) });
  }

  /**
   * The next `count` Produce requests carrying `topic`-`partition` answer `error` for it.
   * `append: true` appends the batch first (the write happened, the answer says otherwise).
   */
  failProduce(
    topic: string,
    partition: number,
    error: ErrorSpec,
    options: { count?: number; nodeId?: number; append?: boolean; recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[] } = {},
  ): void {
    this.rules.push({
      apiKey: ApiKey.Produce,
      nodeId: options.nodeId,
      remaining: options.count ?? 1,
      kind: 'error',
      error: errorCode(error),
      topic,
      partition,
      process: options.append ?? false,
      ...(options.recordErrors ? { recordErrors: options.recordErrors } : {}),
    });
  }

  /**
   * The broker processes the next `count` requests of `apiKey` (appends, for Produce) and answers
   * with a frame of the right size and correlation id whose body cannot be decoded.
   */
  garbleNext(apiKey: number, options: { count?: number; nodeId?: number } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'garble' });
  }

  /** The next `count` Produce answers handle `topic`-`partition` (append it) but leave it out of the response. */
  omitFromNextAnswer(topic: string, partition: number, options: { count?: number } = {}): void {
    this.rules.push({ apiKey: ApiKey.Produce, nodeId: undefined, remaining: options.count ?? 1, kind: 'omit', topic, partition });
  }

  /** The next `count` Metadata answers (v13+) are REBOOTSTRAP_REQUIRED (KIP-1102): a top-level error, no brokers, no topics. */
  rebootstrapRequiredNext(options: { count?: number; nodeId?: number } = {}): void {
    this.rules.push({ apiKey: ApiKey.Metadata, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'rebootstrap' });
  }

  /** The next `count` responses of `apiKey` carry throttle_time_ms = `ms` (KIP-219; the answer itself is not delayed). */
  throttleNext(apiKey: number, ms: number, options: { count?: number; nodeId?: number } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'throttle', throttleMs: ms });
  }

  /**
   * The broker stays up but Metadata responses leave it out of the broker list, while partitions
   * still name it as their leader (a lagging or inconsistent metadata view).
   */
  hideFromMetadata(nodeId: number, hidden = true): void {
    if (hidden) this.hiddenBrokers.add(nodeId);
    else this.hiddenBrokers.delete(nodeId);
  }

  /**
   * The next `count` Produce batches for which `where` holds (e.g. "carries value x") get
   * `error`; `append: true` appends them first.
   */
  failBatchesWhere(where: (batch: ProduceBatchInfo) => boolean, error: ErrorSpec, options: { count?: number; append?: boolean } = {}): void {
    this.rules.push({ apiKey: ApiKey.Produce, nodeId: undefined, remaining: options.count ?? 1, kind: 'error', error: errorCode(error), where, process: options.append ?? false });
  }

  /**
   * The broker processes the next `count` requests of `apiKey` (appends, for Produce) but never
   * answers; the connection stays open and muted (later requests on it are not read), as a stuck
   * real broker's. The client's request.timeout.ms closes it.
   */
  swallowNext(apiKey: number, options: { count?: number; nodeId?: number; process?: boolean } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'swallow', process: options.process ?? true });
  }

  /** The broker closes the connection instead of answering the next request of `apiKey`. */
  disconnectOnNext(apiKey: number, options: { count?: number; nodeId?: number; process?: boolean } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'disconnect', process: options.process ?? false });
  }

  /** The responses to the next `count` requests of `apiKey` are sent `ms` later (clock time). */
  delayNext(apiKey: number, ms: number, options: { count?: number; nodeId?: number } = {}): void {
    this.rules.push({ apiKey, nodeId: options.nodeId, remaining: options.count ?? 1, kind: 'delay', delayMs: ms });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Closes every connection of a broker (or all brokers) from the broker's side. */
  dropConnections(nodeId?: number): void {
    for (const b of this.brokers.values()) {
      if (nodeId !== undefined && b.nodeId !== nodeId) continue;
      for (const c of [...b.connections]) c.closeFromServer(new Error('connection reset by broker'));
    }
  }

  /** The broker goes down: connections drop, connects are refused, metadata leaves it out. */
  stopBroker(nodeId: number): void {
    this.broker(nodeId).down = true;
    this.dropConnections(nodeId);
  }

  startBroker(nodeId: number): void {
    this.broker(nodeId).down = false;
  }

  private takeRule(apiKey: number, nodeId: number, kinds: Rule['kind'][], scope?: { topic: string; partition: number; batch: ProduceBatchInfo | undefined }): Rule | undefined {
    for (const r of this.rules) {
      if (r.apiKey !== apiKey || !kinds.includes(r.kind) || r.remaining <= 0) continue;
      if (r.nodeId !== undefined && r.nodeId !== nodeId) continue;
      // Partition- and batch-scoped rules match only such a partition/batch; request-scoped ones only requests.
      const partitionScoped = r.topic !== undefined || r.where !== undefined;
      if (scope === undefined ? partitionScoped : !partitionScoped) continue;
      if (scope && r.topic !== undefined && (r.topic !== scope.topic || r.partition !== scope.partition)) continue;
      if (scope && r.where && !(scope.batch && r.where(scope.batch))) continue;
      r.remaining--;
      this.rules = this.rules.filter((x) => x.remaining > 0);
      return r;
    }
    return undefined;
  }

  // --- transport -------------------------------------------------------------------------------

  private connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish> {
    const broker = [...this.brokers.values()].find((b) => b.host === host && b.port === port);
    if (broker?.hangConnects && !broker.down) {
      // As the Transport contract says: reject after timeoutMs (on our clock) or when aborted.
      this.connects.push({ host, port, at: this.clock.now(), accepted: false });
      return new Promise<Socketish>((_, reject) => {
        const timer = this.clock.setTimer(() => reject(new NetworkError(`Connection to ${host}:${port} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
        options.signal?.addEventListener('abort', () => {
          timer.cancel();
          reject(new NetworkError(`Connection to ${host}:${port} aborted`));
        });
      });
    }
    const accepted = broker !== undefined && !broker.down && !options.signal?.aborted;
    this.connects.push({ host, port, at: this.clock.now(), accepted });
    if (!accepted) return Promise.reject(new NetworkError(`Connection to ${host}:${port} refused`));
    const conn = new ServerConnection(++this.connectionSeq, broker, this);
    broker.connections.add(conn);
    return Promise.resolve(conn.client);
  }

  // --- request handling (called by ServerConnection) --------------------------------------------

  /** Handles one request frame (no size prefix); returns what the connection must do. */
  async handle(conn: ServerConnection, frame: Uint8Array): Promise<Reply> {
    const broker = conn.broker;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
    const apiKey = view.getInt16(0);
    const version = view.getInt16(2);
    const correlationId = view.getInt32(4);
    const range = broker.range(apiKey);

    if (apiKey === ApiKey.ApiVersions && (range === undefined || version > range[1])) {
      // KIP-511: answer in the v0 layout with our ranges; the client retries at a version both know.
      this.requests.push({ nodeId: broker.nodeId, connection: conn.id, apiKey, apiVersion: version, correlationId, clientId: null, at: this.clock.now(), body: null });
      return { bytes: encodeResponse(ApiKey.ApiVersions, 0, correlationId, { errorCode: 35, apiKeys: this.apiKeysOf(broker) }, { sizePrefix: true }) };
    }
    if (range === undefined || version < range[0] || version > range[1]) {
      this.violations.push(`node ${broker.nodeId}: request for api ${apiKey} v${version}, outside the advertised range ${range ? `${range[0]}-${range[1]}` : '(none)'}`);
      return { close: true };
    }
    let decoded;
    try {
      decoded = decodeRequest(frame, { strict: true });
    } catch (e) {
      this.violations.push(`node ${broker.nodeId}: undecodable request api ${apiKey} v${version}: ${(e as Error).message}`);
      return { close: true };
    }
    const record: RequestRecord = {
      nodeId: broker.nodeId,
      connection: conn.id,
      apiKey,
      apiVersion: version,
      correlationId,
      clientId: decoded.header.clientId,
      at: this.clock.now(),
      body: decoded.body,
    };
    this.requests.push(record);
    if (this.sasl && !this.sasl.admits(conn.id, apiKey)) return { close: true };

    const special = this.takeRule(apiKey, broker.nodeId, ['swallow', 'disconnect']);
    const delay = this.takeRule(apiKey, broker.nodeId, ['delay']);
    const garble = this.takeRule(apiKey, broker.nodeId, ['garble']);
    if (special && !special.process) return special.kind === 'swallow' ? { swallow: true } : { close: true };

    let bytes: Uint8Array | null;
    switch (apiKey) {
      case ApiKey.ApiVersions:
        bytes = this.apiVersionsResponse(broker, version, correlationId, decoded.body as ApiVersionsRequest);
        break;
      case ApiKey.Metadata:
        bytes = this.metadataResponse(broker, version, correlationId, decoded.body as MetadataRequest);
        break;
      case ApiKey.InitProducerId:
        bytes = this.initProducerIdResponse(broker, version, correlationId, decoded.body as InitProducerIdRequest);
        break;
      case ApiKey.FindCoordinator:
      case ApiKey.AddPartitionsToTxn:
      case ApiKey.AddOffsetsToTxn:
      case ApiKey.TxnOffsetCommit:
      case ApiKey.EndTxn:
        bytes = this.transactionResponse(broker, apiKey, version, correlationId, decoded.body as unknown as Record<string, unknown>);
        break;
      case ApiKey.SaslHandshake:
      case ApiKey.SaslAuthenticate: {
        if (!this.sasl) return { close: true };
        const body =
          apiKey === ApiKey.SaslHandshake
            ? this.sasl.handshake(conn.id, decoded.body as SaslHandshakeRequest)
            : this.sasl.authenticate(conn.id, version, decoded.body as SaslAuthenticateRequest);
        bytes = encodeResponse(apiKey, version, correlationId, body, { sizePrefix: true });
        break;
      }
      case ApiKey.Produce: {
        const r = await this.produce(broker, version, correlationId, decoded.body as ProduceRequest, record);
        if (r === 'close') return { close: true };
        bytes = r;
        break;
      }
      default:
        this.violations.push(`node ${broker.nodeId}: unexpected api ${apiKey}`);
        return { close: true };
    }
    if (special) return special.kind === 'swallow' ? { swallow: true } : { close: true };
    if (bytes === null) return {};
    if (garble) {
      // size prefix + correlation id, then bytes no decoder accepts (an array count of 2^31 - 1)
      bytes = new Uint8Array(16);
      const v = new DataView(bytes.buffer);
      v.setInt32(0, 12);
      v.setInt32(4, correlationId);
      v.setInt32(8, 0x7fffffff);
      v.setInt32(12, 0x7fffffff);
    }
    return { bytes, ...(delay ? { delayMs: delay.delayMs! } : {}) };
  }

  private apiKeysOf(broker: FakeBroker): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return Object.entries(broker.apiVersions).map(([k, r]) => ({ apiKey: Number(k), minVersion: r![0], maxVersion: r![1] }));
  }

  private apiVersionsResponse(broker: FakeBroker, version: number, correlationId: number, _body: ApiVersionsRequest): Uint8Array {
    const rule = this.takeRule(ApiKey.ApiVersions, broker.nodeId, ['error']);
    return encodeResponse(
      ApiKey.ApiVersions,
      version,
      correlationId,
      {
        errorCode: rule?.error ?? 0,
        apiKeys: rule ? [] : this.apiKeysOf(broker),
        throttleTimeMs: 0,
        // v3+: the finalized transaction.version (transactions v2 at 2, KIP-890).
        ...(version >= 3
          ? {
              supportedFeatures: [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }],
              finalizedFeaturesEpoch: BigInt(this.txn.transactionVersion),
              finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: this.txn.transactionVersion, minVersionLevel: this.txn.transactionVersion }],
            }
          : {}),
      },
      { sizePrefix: true },
    );
  }

  private metadataResponse(broker: FakeBroker, version: number, correlationId: number, body: MetadataRequest): Uint8Array {
    if (version >= 13 && this.takeRule(ApiKey.Metadata, broker.nodeId, ['rebootstrap'])) {
      return encodeResponse(ApiKey.Metadata, version, correlationId, { throttleTimeMs: 0, brokers: [], clusterId: this.clusterId, controllerId: -1, topics: [], errorCode: 129 }, { sizePrefix: true });
    }
    const rule = this.takeRule(ApiKey.Metadata, broker.nodeId, ['error']);
    const all = body.topics === null || (version === 0 && body.topics.length === 0);
    const names = all ? [...this.topics.keys()] : body.topics!.map((t) => t.name ?? '');
    if (!all && this.autoCreateTopics && (version < 4 || body.allowAutoTopicCreation !== false)) {
      for (const n of names) if (!this.topics.has(n)) this.createTopic(n, 1);
    }
    const live = [...this.brokers.values()].filter((b) => !b.down && !this.hiddenBrokers.has(b.nodeId));
    const topics: EncodeInput<MetadataResponse['topics'][number]>[] = names.map((name) => {
      const t = this.topics.get(name);
      if (rule) return { errorCode: rule.error!, name, topicId: new Uint8Array(16), partitions: [] };
      if (!t) return { errorCode: 3, name, topicId: new Uint8Array(16), partitions: [] };
      const frozen = this.frozen?.get(name);
      return {
        errorCode: 0,
        name,
        topicId: t.topicId,
        isInternal: false,
        partitions: t.partitions.map((p) => {
          const leader = frozen?.[p.index]?.leader ?? p.leader;
          const leaderEpoch = frozen?.[p.index]?.leaderEpoch ?? p.leaderEpoch;
          const offline = this.brokers.get(leader)?.down ?? true;
          return {
            errorCode: offline ? 5 : 0,
            partitionIndex: p.index,
            leaderId: offline ? -1 : leader,
            leaderEpoch,
            replicaNodes: p.replicas,
            isrNodes: p.replicas.filter((r) => !this.brokers.get(r)?.down),
            offlineReplicas: [],
          };
        }),
      };
    });
    return encodeResponse(
      ApiKey.Metadata,
      version,
      correlationId,
      {
        throttleTimeMs: 0,
        brokers: live.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: null })),
        clusterId: this.clusterId,
        controllerId: live[0]?.nodeId ?? -1,
        topics,
      },
      { sizePrefix: true },
    );
  }

  /**
   * The coordinator APIs (test/helpers/fake-txn-coordinator.ts). An injected error (failNext)
   * answers instead, the request unprocessed: at the top level, or for every partition / key.
   */
  private transactionResponse(broker: FakeBroker, apiKey: number, version: number, correlationId: number, body: Record<string, unknown>): Uint8Array {
    const rule = this.takeRule(apiKey, broker.nodeId, ['error']);
    const c = this.txn;
    let answer: Record<string, unknown>;
    switch (apiKey) {
      case ApiKey.FindCoordinator:
        answer = c.findCoordinator(version, body);
        if (rule) {
          const list = answer.coordinators as { errorCode: number }[] | undefined;
          answer = version >= 4 ? { ...answer, coordinators: (list ?? []).map((x) => ({ ...x, errorCode: rule.error! })) } : { ...answer, errorCode: rule.error! };
        }
        break;
      case ApiKey.AddPartitionsToTxn: {
        if (rule) {
          const topics = body.v3AndBelowTopics as { name: string; partitions: number[] }[];
          answer = { throttleTimeMs: 0, resultsByTopicV3AndBelow: topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: rule.error! })) })) };
        } else answer = c.addPartitions(broker.nodeId, version, body);
        break;
      }
      case ApiKey.AddOffsetsToTxn:
        answer = rule ? { throttleTimeMs: 0, errorCode: rule.error! } : c.addOffsets(broker.nodeId, version, body);
        break;
      case ApiKey.TxnOffsetCommit: {
        if (rule) {
          const topics = body.topics as { name: string; partitions: { partitionIndex: number }[] }[];
          answer = { throttleTimeMs: 0, topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: rule.error! })) })) };
        } else answer = c.txnOffsetCommit(broker.nodeId, version, body);
        break;
      }
      default:
        answer = rule ? { throttleTimeMs: 0, errorCode: rule.error!, producerId: -1n, producerEpoch: -1 } : c.endTxn(broker.nodeId, version, body);
    }
    return encodeResponse(apiKey as 10, version, correlationId, answer as never, { sizePrefix: true });
  }

  private initProducerIdResponse(broker: FakeBroker, version: number, correlationId: number, body: InitProducerIdRequest): Uint8Array {
    const rule = this.takeRule(ApiKey.InitProducerId, broker.nodeId, ['error']);
    if (body.transactionalId !== null && !rule) {
      return encodeResponse(ApiKey.InitProducerId, version, correlationId, this.txn.initProducerId(broker.nodeId, version, body as unknown as Record<string, unknown>) as never, { sizePrefix: true });
    }
    if (rule) return encodeResponse(ApiKey.InitProducerId, version, correlationId, { errorCode: rule.error!, producerId: -1n, producerEpoch: -1 }, { sizePrefix: true });
    const producerId = this.nextProducerId++;
    return encodeResponse(ApiKey.InitProducerId, version, correlationId, { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 }, { sizePrefix: true });
  }

  /** The producer ids handed out so far. */
  get producerIdsIssued(): bigint[] {
    const out: bigint[] = [];
    for (let id = 1000n; id < this.nextProducerId; id++) out.push(id);
    return out;
  }

  private async produce(broker: FakeBroker, version: number, correlationId: number, body: ProduceRequest, record: RequestRecord): Promise<Uint8Array | null | 'close'> {
    const topicRule = this.takeRule(ApiKey.Produce, broker.nodeId, ['error']);
    const throttle = this.takeRule(ApiKey.Produce, broker.nodeId, ['throttle']);
    if (![-1, 0, 1].includes(body.acks)) this.violations.push(`Produce with acks=${body.acks}`);
    // A transactional id is checked per partition against the transaction coordinator.
    const endpoints = new Map<number, FakeBroker>();
    const responses: EncodeInput<ProduceResponse['responses'][number]>[] = [];
    record.batches = [];
    let anyError = false;
    for (const td of body.topicData) {
      const topic = version >= 13 ? [...this.topics.values()].find((t) => sameId(td.topicId, t.topicId)) : this.topics.get(td.name ?? '');
      const name = topic?.name ?? td.name ?? '';
      const partitionResponses: EncodeInput<PartitionProduceResponse>[] = [];
      for (const pd of td.partitionData) {
        const resp = await this.producePartition(broker, version, topic, name, pd.index, pd.records, topicRule?.error, record, endpoints);
        if (resp.errorCode !== 0) anyError = true;
        // A broker bug: the partition is handled (appended) but left out of the answer.
        if (!this.takeRule(ApiKey.Produce, broker.nodeId, ['omit'], { topic: name, partition: pd.index, batch: undefined })) partitionResponses.push(resp);
      }
      responses.push({ name: version >= 13 ? '' : name, topicId: topic?.topicId ?? td.topicId ?? new Uint8Array(16), partitionResponses });
    }
    if (body.acks === 0) return anyError ? 'close' : null; // Kafka closes the connection to signal an acks=0 error
    return encodeResponse(
      ApiKey.Produce,
      version,
      correlationId,
      {
        responses,
        throttleTimeMs: throttle?.throttleMs ?? 0,
        nodeEndpoints: [...endpoints.values()].map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: null })),
      },
      { sizePrefix: true },
    );
  }

  private async producePartition(
    broker: FakeBroker,
    version: number,
    topic: TopicState | undefined,
    name: string,
    index: number,
    records: Uint8Array | null,
    requestError: number | undefined,
    record: RequestRecord,
    endpoints: Map<number, FakeBroker>,
  ): Promise<EncodeInput<PartitionProduceResponse>> {
    const now = this.clock.now();
    let recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[] = [];
    const outcome = (errorCode: number, baseOffset = -1n, extra: Partial<ProduceOutcome> = {}): EncodeInput<PartitionProduceResponse> => {
      this.produceOutcomes.push({ nodeId: broker.nodeId, at: now, topic: name, partition: index, errorCode, baseOffset, baseSequence: -1, producerEpoch: -1, duplicate: false, ...extra });
      return {
        index,
        errorCode,
        baseOffset,
        logAppendTimeMs: errorCode === 0 && topic?.logAppendTime ? BigInt(now) : -1n,
        logStartOffset: errorCode === 0 ? 0n : -1n,
        recordErrors: errorCode === 0 ? [] : recordErrors,
        errorMessage: errorCode === 0 ? null : `fake broker: ${errorForCode(errorCode).name}`,
      };
    };
    const state = topic?.partitions[index];
    if (!topic || !state) return outcome(version >= 13 ? 100 : 3);
    // Decode first so the request log shows what was sent even when the answer is an error.
    let batches: DecodedRecordBatch[];
    try {
      if (records === null) throw new Error('null records');
      batches = await readRecordBatches(records, decompress);
    } catch (e) {
      this.violations.push(`${name}-${index}: unreadable records: ${(e as Error).message}`);
      return outcome(2);
    }
    for (const b of batches) {
      record.batches!.push({
        topic: name,
        partition: index,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        recordCount: b.recordCount,
        values: b.records.map((r) => str(r.value)),
        bytes: b.sizeInBytes,
      });
    }
    if (state.leader !== broker.nodeId) {
      const hint = this.leaderHints && version >= 10;
      const leader = this.brokers.get(state.leader);
      if (hint && leader) endpoints.set(leader.nodeId, leader);
      return { ...outcome(6), ...(hint ? { currentLeader: { leaderId: state.leader, leaderEpoch: state.leaderEpoch } } : {}) };
    }
    const rule = this.takeRule(ApiKey.Produce, broker.nodeId, ['error'], { topic: name, partition: index, batch: record.batches!.at(-1) });
    const injected = rule?.error ?? requestError;
    if (rule?.recordErrors) recordErrors = rule.recordErrors;
    if (injected !== undefined && !rule?.process) return outcome(injected);
    const transactionalId = (record.body as ProduceRequest).transactionalId;
    if (transactionalId) {
      for (const b of batches) {
        if (!b.isTransactional) this.violations.push(`${name}-${index}: a batch without the transactional bit in a Produce with transactional id ${transactionalId}`);
        const refused = this.txn.checkProduce(version, transactionalId, b.producerId, b.producerEpoch, name, index);
        if (refused !== 0) return outcome(refused, -1n, { baseSequence: b.baseSequence, producerEpoch: b.producerEpoch });
      }
    } else if (batches.some((b) => b.isTransactional)) this.violations.push(`${name}-${index}: a transactional batch in a Produce without a transactional id`);
    if (batches.length !== 1) {
      this.violations.push(`${name}-${index}: ${batches.length} batches in one partition's records (v3+ needs exactly one)`);
      return outcome(87);
    }
    const batch = batches[0]!;
    if (batch.records.length !== batch.recordCount || batch.lastOffsetDelta !== batch.recordCount - 1 || batch.records.some((r, i) => r.offset !== batch.baseOffset + BigInt(i))) {
      this.violations.push(`${name}-${index}: inconsistent batch (count ${batch.recordCount}, lastOffsetDelta ${batch.lastOffsetDelta})`);
      return outcome(87);
    }
    if (batch.sizeInBytes > topic.maxMessageBytes) return outcome(10);

    const seqInfo = { baseSequence: batch.baseSequence, producerEpoch: batch.producerEpoch };
    const lastSeq = batch.baseSequence + batch.recordCount - 1;
    let entry: ProducerEntry | undefined;
    if (batch.producerId >= 0n && this.enforceSequences) {
      entry = state.producers.get(batch.producerId);
      if (entry) {
        if (batch.producerEpoch < entry.epoch) return outcome(47, -1n, seqInfo);
        if (batch.producerEpoch === entry.epoch) {
          const dup = entry.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq);
          if (dup) return outcome(injected ?? 0, injected === undefined ? dup.baseOffset : -1n, { ...seqInfo, duplicate: true });
          if (!inSequence(entry.lastSeq, batch.baseSequence)) return outcome(45, -1n, seqInfo);
        } else if (batch.baseSequence !== 0) return outcome(45, -1n, seqInfo);
      } else if (batch.baseSequence !== 0 && this.unknownProducerIdOnLostState) {
        return outcome(59, -1n, seqInfo);
      }
    } else if (batch.baseSequence !== -1 || batch.producerEpoch !== -1) {
      this.violations.push(`${name}-${index}: sequence ${batch.baseSequence} without a producer id`);
    }

    const baseOffset = state.nextOffset;
    state.nextOffset += BigInt(batch.recordCount);
    state.log.push({
      baseOffset,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      recordCount: batch.recordCount,
      compression: batch.compression,
      nodeId: broker.nodeId,
      appendedAt: now,
      batch,
    });
    if (batch.producerId >= 0n) {
      if (!entry || entry.epoch !== batch.producerEpoch) {
        entry = { epoch: batch.producerEpoch, lastSeq: -1, batches: [] };
        state.producers.set(batch.producerId, entry);
      }
      entry.lastSeq = lastSeq;
      entry.batches.push({ firstSeq: batch.baseSequence, lastSeq, baseOffset });
      if (entry.batches.length > 5) entry.batches.shift();
    }
    if (injected !== undefined) return outcome(injected, -1n, seqInfo);
    return outcome(0, baseOffset, seqInfo);
  }
}

// ---------------------------------------------------------------------------------------------
// Connections

interface Reply {
  bytes?: Uint8Array;
  delayMs?: number;
  close?: boolean;
  swallow?: boolean;
}

/** The client's end of a fake connection. */
export class ClientSocket implements Socketish {
  closed = false;
  private dataCb: ((chunk: Uint8Array) => void) | undefined;
  private closeCb: ((error?: Error) => void) | undefined;
  private closeFired = false;
  private closeError: Error | undefined;

  constructor(private readonly server: ServerConnection) {}

  write(chunk: Uint8Array, onFlushed?: (error?: Error | null) => void): boolean {
    if (this.closed) {
      if (onFlushed) queueMicrotask(() => onFlushed(new Error('socket closed')));
      return true;
    }
    this.server.receive(chunk.slice()); // the client may reuse its buffer once flushed
    if (onFlushed) queueMicrotask(() => onFlushed(null));
    return true;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
  }
  onClose(cb: (error?: Error) => void): void {
    this.closeCb = cb;
    if (this.closed) this.fireClose();
  }
  onDrain(_cb: () => void): void {}
  close(): void {
    this.shutdown(undefined, true);
  }
  destroy(): void {
    this.shutdown(undefined, true);
  }

  /** Server side. */
  deliver(bytes: Uint8Array): void {
    if (!this.closed) this.dataCb?.(bytes);
  }
  shutdown(error: Error | undefined, byClient: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    if (byClient) this.server.clientClosed();
    this.fireClose();
  }
  private fireClose(): void {
    if (this.closeFired || !this.closeCb) return;
    this.closeFired = true;
    const cb = this.closeCb;
    const err = this.closeError;
    queueMicrotask(() => cb(err));
  }
}

/** The broker's end: parses frames, handles them in order, answers in order. */
export class ServerConnection {
  readonly client: ClientSocket;
  closed = false;
  /** A swallowed request muted the connection: nothing more is read or answered. */
  muted = false;
  private pending = new Uint8Array(0);
  private chain: Promise<void> = Promise.resolve();
  private readonly out: { ready: boolean; bytes: Uint8Array }[] = [];

  constructor(
    readonly id: number,
    readonly broker: FakeBroker,
    private readonly cluster: FakeCluster,
  ) {
    this.client = new ClientSocket(this);
  }

  receive(chunk: Uint8Array): void {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = new DataView(buf.buffer, buf.byteOffset + pos, 4).getInt32(0);
      if (buf.length - pos - 4 < size) break;
      const frame = buf.slice(pos + 4, pos + 4 + size);
      pos += 4 + size;
      this.chain = this.chain.then(() => this.process(frame));
    }
    this.pending = buf.slice(pos);
  }

  private async process(frame: Uint8Array): Promise<void> {
    if (this.closed || this.muted) return;
    let reply: Reply;
    try {
      reply = await this.cluster.handle(this, frame);
    } catch (e) {
      this.cluster.violations.push(`fake broker failed: ${(e as Error).stack ?? String(e)}`);
      reply = { close: true };
    }
    if (this.closed) return;
    if (reply.swallow) {
      this.muted = true;
      return;
    }
    if (reply.close) {
      this.closeFromServer(new Error('connection closed by broker'));
      return;
    }
    if (!reply.bytes) return;
    const entry = { ready: reply.delayMs === undefined, bytes: reply.bytes };
    this.out.push(entry);
    if (reply.delayMs !== undefined) {
      this.cluster.clock.setTimer(() => {
        entry.ready = true;
        this.flush();
      }, reply.delayMs);
    } else this.flush();
  }

  private flush(): void {
    while (!this.closed && this.out.length > 0 && this.out[0]!.ready) this.client.deliver(this.out.shift()!.bytes);
  }

  clientClosed(): void {
    this.closed = true;
    this.broker.connections.delete(this);
  }

  closeFromServer(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.broker.connections.delete(this);
    this.client.shutdown(error, false);
  }
}

// ---------------------------------------------------------------------------------------------
// Producer harness


export interface Harness {
  clock: TestClock;
  cluster: FakeCluster;
  producer: Producer;
  /** Every log line the producer wrote, as `level: message`. */
  logs: string[];
}

export interface HarnessOptions {
  /** Producer properties (bootstrap.servers is filled in). */
  config?: Partial<ProducerConfig>;
  cluster?: Omit<FakeClusterOptions, 'clock'>;
  /** Topics to create first: name -> partitions (or [partitions, options]). */
  topics?: Record<string, number | [number, TopicOptions]>;
  /** The producer's randomness (backoff jitter, least loaded node). Default: always 0.5 (no jitter). */
  random?: () => number;
}

export function harness(options: HarnessOptions = {}): Harness {
  const clock = new TestClock();
  const cluster = new FakeCluster({ clock, ...options.cluster });
  for (const [name, spec] of Object.entries(options.topics ?? {})) {
    if (typeof spec === 'number') cluster.createTopic(name, spec);
    else cluster.createTopic(name, spec[0], spec[1]);
  }
  const logs: string[] = [];
  const logger = {
    debug: (m: string) => logs.push(`debug: ${m}`),
    info: (m: string) => logs.push(`info: ${m}`),
    warn: (m: string) => logs.push(`warn: ${m}`),
    error: (m: string) => logs.push(`error: ${m}`),
  };
  const producer = new Producer(
    { 'bootstrap.servers': cluster.bootstrap, logger, ...options.config } as ProducerConfig,
    { clock, random: options.random ?? (() => 0.5), transport: cluster.transport, runtime: cluster.runtime() },
  );
  return { clock, cluster, producer, logs };
}

export interface Outcome {
  id: string;
  /** How many times the callback ran (must end at exactly 1). */
  calls: number;
  metadata: RecordMetadata | undefined;
  error: KafkaWireError | null | undefined;
  /** Clock time of the (first) completion. */
  at: number | undefined;
  /** Order in which completions happened, across all tracked sends. */
  order: number | undefined;
}

/** Sends records with the callback form and records each completion (count, result, time). */
export class Tracker {
  readonly outcomes = new Map<string, Outcome>();
  private seq = 0;
  constructor(
    private readonly producer: Producer,
    private readonly clock: Clock,
  ) {}

  send(record: ProducerRecord<unknown, unknown>, id: string = String(record.value)): Outcome {
    const o: Outcome = { id, calls: 0, metadata: undefined, error: undefined, at: undefined, order: undefined };
    if (this.outcomes.has(id)) throw new Error(`duplicate tracker id ${id}`);
    this.outcomes.set(id, o);
    this.producer.send(record, (err, md) => {
      o.calls++;
      if (o.calls === 1) {
        o.error = err;
        o.metadata = md;
        o.at = this.clock.now();
        o.order = this.seq++;
      }
    });
    return o;
  }

  get(id: string): Outcome {
    const o = this.outcomes.get(id);
    if (!o) throw new Error(`no tracked send ${id}`);
    return o;
  }

  all(): Outcome[] {
    return [...this.outcomes.values()];
  }

  /** Every tracked send completed (at least once). */
  get done(): boolean {
    return this.all().every((o) => o.calls > 0);
  }

  /** Sends completed more than once (must be empty). */
  get multiple(): Outcome[] {
    return this.all().filter((o) => o.calls > 1);
  }

  get failed(): Outcome[] {
    return this.all().filter((o) => o.calls > 0 && o.error);
  }
}

/** Counts of what a partition's log holds against what was sent: lost, duplicated, reordered. */
export function auditLog(sent: readonly string[], logged: readonly (string | null)[]): { lost: string[]; duplicated: string[]; reordered: number } {
  const seen = new Map<string, number>();
  for (const v of logged) if (v !== null) seen.set(v, (seen.get(v) ?? 0) + 1);
  const lost = sent.filter((v) => !seen.has(v));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
  const position = new Map(sent.map((v, i) => [v, i]));
  let reordered = 0;
  let last = -1;
  for (const v of logged) {
    const p = v === null ? undefined : position.get(v);
    if (p === undefined) continue;
    if (p < last) reordered++;
    last = Math.max(last, p);
  }
  return { lost, duplicated, reordered };
}
