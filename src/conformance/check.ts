/**
 * What a conformance check is, and what it is given: the catalogue entry (id, title, the
 * reference it checks against, MUST / SHOULD / INFO, the expected behaviour) and a CheckContext
 * with the check's own client and topic and the few requests most checks make (Produce to the
 * partition's leader, InitProducerId, the verification reader).
 *
 * Levels: MUST = Apache Kafka always does this (a failure makes the run fail); SHOULD =
 * recommended or version-dependent (reported, the run does not fail); INFO = reported, never
 * judged (e.g. whether a broker auto-creates topics).
 *
 * A check returns an Outcome (pass / fail / skip with a reason / info) with the observed
 * behaviour in words. Throwing SkipCheck ends it as skipped (not applicable to this broker);
 * any other exception fails it, with the exception's message as the observation.
 */
import type { CodecOptions } from '../compression/index.js';
import type { ProducerConfig } from '../index.js';
import type { Clock } from '../network/index.js';
import { ApiKey, PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES } from '../protocol/api-keys.js';
import { errorForCode } from '../protocol/error-codes.js';
import { isZeroUuid, type InitProducerIdResponse, type PartitionProduceResponse, type ProduceResponse } from '../protocol/messages/index.js';
import type { ConformanceClient } from './client.js';
import { listOffset, readPartition, type PartitionRef, type ReadOptions, type ReadResult } from './reader.js';
import type { TopicSpec } from './topics.js';

export type Level = 'MUST' | 'SHOULD' | 'INFO';
export type Status = 'pass' | 'fail' | 'skip' | 'info';
export type CheckGroup = 'ApiVersions' | 'Metadata' | 'Produce' | 'Idempotence' | 'Transactions' | 'SASL' | 'Read-back';

export interface Outcome {
  readonly status: Status;
  /** What the broker did (pass, fail, info), or why the check does not apply (skip). */
  readonly observed: string;
}

export const pass = (observed: string): Outcome => ({ status: 'pass', observed });
export const fail = (observed: string): Outcome => ({ status: 'fail', observed });
export const skip = (reason: string): Outcome => ({ status: 'skip', observed: reason });
export const info = (observed: string): Outcome => ({ status: 'info', observed });

/** Thrown by a check (or its set-up) that does not apply to this broker. */
export class SkipCheck extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipCheck';
  }
}

export interface Check {
  /** Stable, dotted: `group.what` (for --only and CI history). */
  readonly id: string;
  readonly group: CheckGroup;
  readonly title: string;
  /** The KIP, or the field of Kafka's message JSON, the expectation comes from. */
  readonly reference: string;
  readonly level: Level;
  /** The behaviour Apache Kafka shows, in words. */
  readonly expected: string;
  /** The check's own topic (created before, deleted after); absent: no topic. */
  readonly topic?: TopicSpec;
  /** Overrides the run's per-check timeout (transactions need a coordinator to load). */
  readonly timeoutMs?: number;
  run(ctx: CheckContext): Promise<Outcome>;
}

/** Kafka's name for an error code: `INVALID_REQUIRED_ACKS (21)`. */
export function errorName(code: number): string {
  return code === 0 ? 'NONE (0)' : `${errorForCode(code).name} (${code})`;
}

export interface ProduceOptions {
  readonly acks?: number;
  readonly partition?: number;
  readonly version?: number;
  readonly transactionalId?: string | null;
  readonly timeoutMs?: number;
  /** Another topic than the check's own. */
  readonly target?: PartitionRef;
}

export interface ContextDeps {
  readonly client: ConformanceClient;
  readonly clock: Clock;
  readonly codecOptions: CodecOptions;
  /** The properties a check about the public Producer starts it with (bootstrap and security included). */
  readonly producerConfig: () => ProducerConfig;
  /** Creates a topic for the check (deleted with the check's own). */
  readonly createTopic: (name: string, spec: TopicSpec) => Promise<PartitionRef[]>;
  readonly uniqueName: (label: string) => string;
  /** Deletes `name` with the check's topics (one the broker may have created on its own). */
  readonly track: (name: string) => void;
}

/** What a check works with. Its topic (when the check asked for one) exists and has a leader. */
export class CheckContext {
  readonly client: ConformanceClient;
  readonly clock: Clock;
  readonly codecOptions: CodecOptions;
  readonly notes: string[] = [];
  readonly #deps: ContextDeps;
  #partitions: PartitionRef[] = [];

  constructor(deps: ContextDeps) {
    this.#deps = deps;
    this.client = deps.client;
    this.clock = deps.clock;
    this.codecOptions = deps.codecOptions;
  }

  /** @internal The runner sets the check's topic once created. */
  setTopic(partitions: PartitionRef[]): void {
    this.#partitions = partitions;
  }

  /** Partition `index` of the check's topic. */
  partition(index = 0): PartitionRef {
    const p = this.#partitions[index];
    if (p === undefined) throw new Error(`the check has no topic partition ${index} (its catalogue entry asks for ${this.#partitions.length})`);
    return p;
  }

  /** Partitions the check's topic has (a broker that auto-creates topics picks its own number). */
  get partitionCount(): number {
    return this.#partitions.length;
  }

  get topic(): string {
    return this.partition(0).topic;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  uniqueName(label: string): string {
    return this.#deps.uniqueName(label);
  }

  /** Deletes `name` after the check (a topic the broker may have auto-created). */
  track(name: string): void {
    this.#deps.track(name);
  }

  producerConfig(): ProducerConfig {
    return this.#deps.producerConfig();
  }

  createTopic(name: string, spec: TopicSpec): Promise<PartitionRef[]> {
    return this.#deps.createTopic(name, spec);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(resolve, ms));
  }

  /** The highest Produce version for `ref` (v13 only with a topic id), or SkipCheck when there is none ≥ 3. */
  produceVersion(ref: PartitionRef = this.partition(0), cap?: number): number {
    const byId = ref.topicId !== undefined && !isZeroUuid(ref.topicId);
    const v = this.client.version(ApiKey.Produce, { cap: Math.min(cap ?? Infinity, byId ? Infinity : PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES) });
    if (v === null) throw new SkipCheck('the broker advertises no Produce version >= 3 (RecordBatch v2)');
    return v;
  }

  /** Sends `batches` in one Produce request to the partition's leader; resolves with the whole response (undefined for acks=0). */
  async produceRequest(batches: Uint8Array | readonly Uint8Array[], options: ProduceOptions = {}): Promise<ProduceResponse | undefined> {
    const ref = options.target ?? this.partition(options.partition ?? 0);
    const version = options.version ?? this.produceVersion(ref);
    const list = batches instanceof Uint8Array ? [batches] : batches;
    let size = 0;
    for (const b of list) size += b.length;
    const records = new Uint8Array(size);
    let at = 0;
    for (const b of list) {
      records.set(b, at);
      at += b.length;
    }
    const acks = options.acks ?? -1;
    return this.client.send(
      ApiKey.Produce,
      version,
      {
        transactionalId: options.transactionalId ?? null,
        acks,
        timeoutMs: options.timeoutMs ?? 10_000,
        topicData: [{ name: ref.topic, ...(ref.topicId ? { topicId: ref.topicId } : {}), partitionData: [{ index: ref.partition, records }] }],
      },
      { node: ref.leader, ...(acks === 0 ? { expectResponse: false } : {}) },
    );
  }

  /** As produceRequest, the answer for the one partition (acks != 0). */
  async produce(batches: Uint8Array | readonly Uint8Array[], options: ProduceOptions = {}): Promise<PartitionProduceResponse> {
    const ref = options.target ?? this.partition(options.partition ?? 0);
    const response = await this.produceRequest(batches, { ...options, target: ref });
    const answer = response?.responses[0]?.partitionResponses.find((p) => p.index === ref.partition);
    if (answer === undefined) throw new Error(`the Produce response has no answer for partition ${ref.partition}`);
    return answer;
  }

  /** An idempotent producer id (InitProducerId with no transactional id). */
  async initProducerId(transactionalId: string | null = null, node?: number): Promise<InitProducerIdResponse> {
    const v = this.client.version(ApiKey.InitProducerId);
    if (v === null) throw new SkipCheck('the broker advertises no InitProducerId');
    const answer = await this.client.send(ApiKey.InitProducerId, v, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, node !== undefined ? { node } : {});
    if (answer.errorCode !== 0) throw new Error(`InitProducerId answered ${errorName(answer.errorCode)}`);
    return answer;
  }

  /** Reads the partition back (Fetch), CRCs checked, batches decompressed. */
  read(options: ReadOptions & { target?: PartitionRef; partitionIndex?: number } = {}): Promise<ReadResult> {
    const ref = options.target ?? this.partition(options.partitionIndex ?? 0);
    return readPartition(this.client, ref, { codecOptions: this.codecOptions, ...options });
  }

  /** ListOffsets for one timestamp (ListOffsetsTimestamp or ms). */
  listOffset(timestamp: bigint, options: { isolation?: number; version?: number; target?: PartitionRef } = {}): ReturnType<typeof listOffset> {
    return listOffset(this.client, options.target ?? this.partition(0), timestamp, options);
  }

  /** Polls `read` until `done` says so or `timeoutMs` passes (markers and acks=0 records land asynchronously). */
  async readUntil(done: (r: ReadResult) => boolean, options: ReadOptions & { target?: PartitionRef; timeoutMs?: number } = {}): Promise<ReadResult> {
    const deadline = this.clock.now() + (options.timeoutMs ?? 5_000);
    for (;;) {
      const r = await this.read(options);
      if (done(r) || this.clock.now() >= deadline) return r;
      await this.sleep(50);
    }
  }
}
