/**
 * The Sender (Java's Sender + the producer half of NetworkClient): moves sealed batches from the
 * RecordAccumulator to partition leaders and completes them from the responses.
 *
 * Owns: the in-flight Produce requests and their batches (and the broker each partition's went
 * to), the per-broker negotiated API versions, the metadata and InitProducerId requests, the
 * decision to retry, split or fail a batch, the partitions it muted in the accumulator, and the
 * completions it holds back to keep send order. Does not own: batches waiting to be sent (the accumulator), cluster state (Metadata),
 * sequence numbers (TransactionManager), sockets (ConnectionPool).
 *
 * It runs as an event-driven loop instead of Java's thread: `wakeup()` schedules one pass of
 * `runOnce()` (coalesced, on a macrotask so appends in the same tick batch together); a pass
 * refreshes metadata if due, resolves sequences / bumps the epoch / (re)initializes the producer
 * id, mutes partitions that must not be drained now (ordering, below), asks the accumulator
 * which leaders have sendable data and drains it into one Produce request per leader (repeated
 * while connections have room, up to MAX_DRAIN_ROUNDS), expires batches past
 * delivery.timeout.ms (queued ones, and in-flight ones as Java does), and arms one timer for the
 * next time something becomes due.
 *
 * Completion: callbacks fire in send order per partition (the public contract); an outcome that arrives
 * while an earlier batch of the partition is still being retried is held by the batch until
 * that one is complete (ProducerBatch's completion chain).
 *
 * Ordering: with idempotence the broker keeps a partition's batches in order (it rejects a
 * sequence gap), and the TransactionManager re-sends retries one at a time in sequence order.
 * On top of that, as Java does, max.in.flight.requests.per.connection=1 mutes a partition while
 * one of its batches is in flight (Java's guaranteeMessageOrder), and — our addition — a
 * partition whose leader changed while batches were in flight to the old leader waits for their
 * answers before anything goes to the new leader, so a partition's batches are never in flight
 * to two brokers at once (with idempotence that costs nothing: the new leader could not append
 * a later batch before the earlier one anyway; without it, it keeps retries in order).
 * Also beyond Java: while a retried batch of a partition is in flight, the partition's later
 * batches wait for its answer. Java (and librdkafka until recently) lets the next fresh batch
 * follow the retry at once; if the retry fails again and the fresh batch succeeds, only the
 * broker's sequence check keeps order — a broker that does not enforce sequences (librdkafka's
 * mock, some Kafka-compatible brokers) reorders, and Kafka answers OUT_OF_ORDER_SEQUENCE_NUMBER,
 * which costs a round trip. Retries are rare, so holding costs nothing in steady state.
 *
 * Outcomes: an attempt that got no answer (request.timeout.ms, disconnect) or an answer that
 * does not prove the broker skipped the append (anything outside NOT_WRITTEN_ERRORS, e.g.
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND) has an unknown
 * outcome: the batch is retried with the same sequence so the broker can deduplicate it, and
 * the TransactionManager never renumbers it (see there).
 *
 * Exits: a batch leaves through RecordAccumulator.release exactly once (acknowledged, failed,
 * split), which updates the producer state and returns its memory; the Sender only decides
 * which exit and completes the records first.
 */
import { ACKNOWLEDGED, FAILED_NOT_WRITTEN, FAILED_OUTCOME_UNKNOWN, type ProducerBatch, type RecordAccumulator } from '../accumulator/index.js';
import type { TopicPartition } from '../accumulator/cluster-view.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import { AuthenticationError, KafkaWireError, ProtocolError } from '../errors.js';
import type { ProducerMetrics } from '../observability/metrics.js';
import type { BrokerConnection, RequestOptions } from '../network/connection.js';
import type { ConnectionAuthenticator, SaslRequest, SaslVersions } from '../network/sasl-authentication.js';
import type { ConnectionPool } from '../network/connection-pool.js';
import { ApiKey, PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES, SUPPORTED_VERSIONS, pickVersion } from '../protocol/api-keys.js';
import { ErrorCode, errorForCode, errorForName, kafkaErrorFromCode } from '../protocol/error-codes.js';
import {
  apiVersionsRetryVersion,
  decodeResponse,
  encodeProduceRequestFrame,
  encodeRequest,
  isZeroUuid,
  type FastProduceRequest,
  type MessageApiKey,
  type MetadataResponse,
  type ProduceResponse,
  type RequestBodies,
  type ResponseBodies,
} from '../protocol/messages/index.js';
import type { Logger } from '../observability/logger.js';
import { defaultSchedule } from '../runtime/runtime.js';
import type { Metadata } from '../cluster/metadata.js';
import { TransactionManager } from '../idempotence/transaction-manager.js';
import { V1_MAX_PRODUCE_VERSION, type TxnChannel, type TxnManager, type TxnNetwork } from '../transactions/txn-manager.js';

export interface SenderConfig {
  readonly clientId: string;
  /** -1 (all), 0 or 1. */
  readonly acks: number;
  readonly requestTimeoutMs: number;
  readonly maxRequestSize: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly deliveryTimeoutMs: number;
  /** Needed to tell the user when zstd is configured but the broker is too old. */
  readonly compression: number;
  /**
   * max.in.flight.requests.per.connection; 1 mutes a partition while a batch of it is in flight.
   * Optional: without it, the connections' own limit (BrokerConnection.maxInFlight) is used.
   */
  readonly maxInFlightRequestsPerConnection: number;
  /**
   * metadata.recovery.strategy=rebootstrap (Java 4.x's default; KIP-899): when every broker the
   * metadata named is unreachable, or no metadata arrived for rebootstrapTriggerMs while one was
   * wanted (metadata.recovery.rebootstrap.trigger.ms, KIP-1102), or a broker answers
   * REBOOTSTRAP_REQUIRED, go back to bootstrap.servers. false: strategy none.
   */
  readonly rebootstrap?: boolean;
  readonly rebootstrapTriggerMs?: number;
}

export interface SenderDeps {
  readonly config: SenderConfig;
  readonly accumulator: RecordAccumulator;
  readonly metadata: Metadata;
  readonly pool: ConnectionPool;
  readonly transactionManager: TransactionManager | null;
  /**
   * transactional.id: the transactional state machine and its request queue. The Sender sends
   * its requests (one at a time; no Produce meanwhile, as Java), the transactional id with every
   * Produce, and reports failed batches to it.
   */
  readonly transactions?: TxnManager | null;
  readonly metrics: ProducerMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  /** Runs a pass on a macrotask (the Runtime's schedule; Node: setImmediate). */
  readonly schedule?: (fn: () => void) => void;
  /**
   * SASL (security.protocol SASL_PLAINTEXT / SASL_SSL): each connection authenticates with it
   * after ApiVersions, before it counts as ready. Absent: no SASL.
   */
  readonly sasl?: ConnectionAuthenticator;
  /** diagnostics_channel hooks (request/response); may be no-ops. */
  readonly onRequest?: (info: { nodeId: number; apiKey: number; apiVersion: number; bytes: number }) => void;
  readonly onResponse?: (info: { nodeId: number; apiKey: number; apiVersion: number; latencyMs: number; error?: Error }) => void;
}

type ApiRanges = Map<number, { min: number; max: number }>;

const ZSTD = 4;
const SOFTWARE_NAME = 'kafka-wire';
const SOFTWARE_VERSION = '0.1.0';

/** A Produce error that means a batch's sequence numbering is off (KIP-360 handling). */
const isSequenceError = (errorName: string): boolean => errorForName(errorName)?.sequenceError ?? false;

/**
 * Whether an attempt answered with `errorName` may still have been appended. Only the errors
 * Kafka returns before appending (the error table's `notWritten`) prove it was not; every other
 * error may come after an append: NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT from a delayed
 * produce that was waiting for replicas when leadership moved or time ran out
 * (Partition.checkEnoughReplicasReachOffset), NOT_ENOUGH_REPLICAS_AFTER_APPEND, storage and
 * unknown server errors, and any code we do not know. Only a proof of "not written" lets the
 * producer state renumber the batches after one that fails for good; anything else leaves its
 * sequences unresolved until the broker's answers to the later batches tell (TransactionManager).
 * Java decides by whether retries were exhausted instead; classifying by the error is stricter
 * where Kafka can append and then fail, and no looser elsewhere.
 */
export function mayHaveBeenWritten(errorName: string): boolean {
  return !(errorForName(errorName)?.notWritten ?? false);
}

/**
 * Java's generic error for the records of a batch that the broker refused because of other
 * records of it (record_errors names those; Sender.completeBatch, RecordBatchTooLarge...).
 */
const BATCH_FAILED_BY_OTHER_RECORDS = 'Failed to append record because it was part of a batch which had one or more invalid records';


/** Java's InvalidMetadataException family: the leader or topic we used is out of date. */
function staleMetadata(errorName: string): boolean {
  return errorForName(errorName)?.invalidMetadata ?? false;
}

/** Ready/drain rounds per pass: bounded so one pass never starves the event loop. */
const MAX_DRAIN_ROUNDS = 16;

export class Sender {
  private readonly apiVersions = new Map<number, ApiRanges>();
  /**
   * Batches in Produce requests awaiting a response, per partition (for ordering, epoch bumps and
   * expiry). A batch expired while in flight stays here until its request is answered.
   */
  private readonly inFlightBatches = new Map<TopicPartition, Set<ProducerBatch>>();
  /** The broker a partition's in-flight batches went to (one at a time, see the class comment). */
  private readonly inFlightNode = new Map<TopicPartition, number>();
  /** Partitions this Sender muted in the accumulator (ordering), to unmute when their batches return. */
  private readonly muted = new Set<TopicPartition>();
  /** max.in.flight.requests.per.connection=1: one batch per partition in flight (Java's guaranteeMessageOrder). */
  private readonly guaranteeMessageOrder: boolean;
  /** The last retriable error of a batch waiting for a retry (named when it expires). */
  private readonly lastErrors = new WeakMap<ProducerBatch, KafkaWireError>();
  /** KIP-219: brokers we must not send to before this time (clock ms). */
  private readonly throttledUntil = new Map<number, number>();
  private inFlightRequests = 0;
  private scheduled = false;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private metadataInFlight = false;
  private initProducerIdInFlight = false;
  private initProducerIdBackoffUntil = 0;
  private closing = false;
  private forceClosed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly tm: TransactionManager | null;
  private readonly txn: TxnManager | null;
  /**
   * The newest finalized features seen in an ApiVersions answer (v3+): their epoch and the
   * transaction.version level (2 enables transactions v2, KIP-890). Java's ApiVersions keeps the
   * highest-epoch set too.
   */
  private finalizedFeaturesEpoch = -1n;
  private transactionVersionLevel = 0;

  private readonly schedule: (fn: () => void) => void;
  /** Java's fixed retry delay where no attempt count applies: min(retry.backoff.ms, retry.backoff.max.ms). */
  private readonly staticBackoffMs: number;

  constructor(private readonly d: SenderDeps) {
    this.tm = d.transactionManager;
    this.txn = d.transactions ?? null;
    this.schedule = d.schedule ?? defaultSchedule;
    this.staticBackoffMs = Math.min(d.config.retryBackoffMs, d.config.retryBackoffMaxMs);
    this.guaranteeMessageOrder = d.config.maxInFlightRequestsPerConnection === 1;
    d.metadata.onUpdateRequested = () => this.wakeup();
  }

  /** The ConnectionPool's handshake hook: ApiVersions with the KIP-511 fallback, then SASL if configured. */
  readonly handshake = async (connection: BrokerConnection): Promise<void> => {
    let version = SUPPORTED_VERSIONS[ApiKey.ApiVersions].max;
    for (let attempt = 0; attempt < 2; attempt++) {
      const body = await this.controlRequest(connection, ApiKey.ApiVersions, version, { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION });
      if (body.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        version = apiVersionsRetryVersion(body); // KIP-511: retry at the highest common version
        continue;
      }
      if (body.errorCode !== 0) throw kafkaErrorFromCode(body.errorCode, `ApiVersions from ${connection.broker}`);
      const ranges: ApiRanges = new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      const produce = this.versionFrom(ranges, ApiKey.Produce);
      // A broker too old for our Produce (or for zstd) still answers Metadata; the batches sent
      // to it fail with the reason (sendProduceRequest), as Java fails them with
      // UnsupportedVersionException, instead of waiting for metadata that never comes.
      const problem = this.produceProblem(connection.broker, produce);
      if (problem) this.d.logger.warn(problem.message);
      this.apiVersions.set(connection.nodeId, ranges);
      if (body.finalizedFeaturesEpoch > this.finalizedFeaturesEpoch) {
        this.finalizedFeaturesEpoch = body.finalizedFeaturesEpoch;
        this.transactionVersionLevel = body.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0;
      }
      if (this.d.sasl) await this.d.sasl.authenticate(connection, this.saslVersions(connection, ranges));
      this.d.logger.debug(`connected to ${connection.broker}: Produce v${produce}, Metadata v${this.versionFrom(ranges, ApiKey.Metadata)}`);
      return;
    }
  };

  /** The SASL versions to use with a broker: SaslHandshake v1 (Kafka-framed tokens) is the least we speak. */
  private saslVersions(connection: BrokerConnection, ranges: ApiRanges): SaslVersions {
    const handshake = this.versionFrom(ranges, ApiKey.SaslHandshake);
    const authenticate = this.versionFrom(ranges, ApiKey.SaslAuthenticate);
    if (handshake === null || authenticate === null) {
      throw new AuthenticationError(
        'UNSUPPORTED_SASL_MECHANISM',
        `${connection.broker} does not offer SaslHandshake v1 and SaslAuthenticate (Kafka 1.0+), which SASL needs`,
        { broker: connection.broker },
      );
    }
    return { handshake, authenticate };
  }

  /** Why batches cannot be produced to a broker with Produce `version` (null: none we speak). */
  private produceProblem(broker: string, version: number | null): KafkaWireError | null {
    if (version === null) {
      return new KafkaWireError('UNSUPPORTED_VERSION', `${broker} supports no Produce version kafka-wire speaks (v3+, RecordBatch v2)`);
    }
    if (this.d.config.compression === ZSTD && version < 7) {
      return new KafkaWireError('UNSUPPORTED_COMPRESSION_TYPE', `compression.type=zstd needs Produce v7 (Kafka 2.1+); ${broker} supports up to v${version}`);
    }
    return null;
  }

  private versionFrom(ranges: ApiRanges | undefined, apiKey: ApiKey, ourMax?: number): number | null {
    const r = ranges?.get(apiKey);
    return r ? pickVersion(apiKey, r.min, r.max, ourMax) : null;
  }

  /** The version of `apiKey` to use with `nodeId` (negotiated during the handshake). */
  apiVersion(nodeId: number, apiKey: ApiKey, ourMax?: number): number | null {
    return this.versionFrom(this.apiVersions.get(nodeId), apiKey, ourMax);
  }

  get requestsInFlight(): number {
    return this.inFlightRequests;
  }

  /**
   * Transactions v2 (KIP-890 part 2) can be used: the cluster finalized transaction.version >= 2
   * and every broker we know speaks what v2 needs (Produce v12, EndTxn v5, TxnOffsetCommit v5).
   * Asked when a transaction begins; it never changes one that is open.
   */
  transactionV2Available(): boolean {
    if (this.transactionVersionLevel < 2 || this.apiVersions.size === 0) return false;
    for (const ranges of this.apiVersions.values()) {
      if ((ranges.get(ApiKey.Produce)?.max ?? -1) < 12) return false;
      if ((ranges.get(ApiKey.EndTxn)?.max ?? -1) < 5) return false;
      if ((ranges.get(ApiKey.TxnOffsetCommit)?.max ?? -1) < 5) return false;
    }
    return true;
  }

  // --- scheduling ---------------------------------------------------------------------------

  /** Schedules a pass soon. Cheap and idempotent: called on every full batch, response, event. */
  wakeup(): void {
    if (this.scheduled || this.forceClosed) return;
    this.scheduled = true;
    this.schedule(this.runScheduled);
  }

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    try {
      this.runOnce();
    } catch (e) {
      this.d.logger.error(`sender pass failed: ${(e as Error).stack ?? String(e)}`);
      this.armTimer(this.staticBackoffMs);
    }
  };

  private armTimer(delayMs: number): void {
    // NaN or Infinity: nothing is due (an event will wake the loop); never hand them to a timer.
    if (this.forceClosed || !Number.isFinite(delayMs)) return;
    const at = this.d.clock.now() + Math.max(0, delayMs);
    if (this.timer !== null && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.d.clock.setTimer(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.wakeup();
    }, Math.max(1, delayMs));
  }

  // --- one pass -------------------------------------------------------------------------------

  /**
   * One pass. Each stage runs guarded: an exception in one (a bug, or a state nobody foresaw)
   * is logged and must not keep the others from running — other nodes are still drained,
   * batches still expire, and the next pass is still scheduled.
   */
  private runOnce(): void {
    if (this.forceClosed) return;
    const { accumulator, metadata, clock } = this.d;
    const now = clock.now();
    let nextDelay = Infinity;
    let failed = false;
    const guard = <T>(what: string, fallback: T, fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        failed = true;
        this.d.logger.error(`sender: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
        return fallback;
      }
    };

    nextDelay = Math.min(nextDelay, guard('metadata refresh', Infinity, () => this.maybeUpdateMetadata(now)));
    if (this.tm) nextDelay = Math.min(nextDelay, guard('producer id / epoch', Infinity, () => this.maintainProducerState(now)));
    // Transactions: one transactional request at a time, and no Produce while it is in flight.
    let holdProduce = false;
    if (this.txn) {
      const step = guard('transactional requests', null, () => this.maybeSendTransactionalRequest(now));
      if (step !== null) {
        holdProduce = step.holdProduce;
        nextDelay = Math.min(nextDelay, step.delayMs);
      }
    }

    // Like Java's Sender loop, go straight back to ready/drain while connections have room:
    // a drain takes one batch per partition, so a busy partition needs several requests in
    // flight at once to keep the pipe full (up to max.in.flight.requests.per.connection).
    for (let round = 0; !holdProduce && round < MAX_DRAIN_ROUNDS; round++) {
      const result = guard('ready check', null, () => {
        this.updateMutes();
        return accumulator.ready(metadata, now);
      });
      if (result === null) break;
      if (result.unknownLeaderTopics.size > 0) {
        for (const t of result.unknownLeaderTopics) metadata.touch(t, now);
        metadata.requestUpdate();
      }
      nextDelay = Math.min(nextDelay, result.nextReadyCheckDelayMs);
      let sentAny = false;
      for (const nodeId of result.readyNodes) {
        const sent = guard(`sending to node ${nodeId}`, false, () => {
          const wait = this.sendableIn(nodeId, now);
          // Adaptive partitioning (partitioner.availability.timeout.ms): a leader with data
          // that cannot be drained for that long gets no new sticky batches (Java's Sender
          // reports every ready node the same way).
          accumulator.updateNodeLatencyStats(nodeId, now, wait === 0);
          if (wait > 0) {
            nextDelay = Math.min(nextDelay, wait);
            return false;
          }
          const batches = accumulator.drain(metadata, [nodeId], this.d.config.maxRequestSize, now).get(nodeId) ?? [];
          if (batches.length === 0) return false;
          this.sendProduceRequest(nodeId, batches, now);
          return true;
        });
        sentAny ||= sent;
      }
      if (!sentAny) break;
    }

    nextDelay = Math.min(nextDelay, guard('delivery timeouts', now + this.staticBackoffMs, () => this.failExpiredBatches(now)) - now);

    if (this.closing && this.isIdle()) this.notifyIdle();
    else if (this.closing && accumulator.hasUndrained()) nextDelay = Math.min(nextDelay, this.staticBackoffMs);
    if (this.idleWaiters.length > 0 && this.isIdle()) this.notifyIdle();
    if (failed) nextDelay = Math.min(nextDelay, this.staticBackoffMs);
    this.armTimer(nextDelay);
  }

  /** Nothing queued or in flight, transactional requests included. */
  private isIdle(): boolean {
    return !this.d.accumulator.hasIncomplete() && this.inFlightRequests === 0 && !(this.txn?.hasPendingRequests ?? false);
  }

  /** Sequences to resolve, an epoch to bump, a producer id to (re)initialize. Returns the next delay. */
  private maintainProducerState(now: number): number {
    const tm = this.tm!;
    tm.resolveSequences(this.hasInFlight);
    if (this.txn) {
      // The transactional producer's epoch moves only through the coordinator (TxnManager):
      // an unresolved gap makes the transaction abortable instead of bumping here.
      this.txn.maintain();
      return Infinity;
    }
    const epoch = tm.producerEpoch;
    if (!tm.bumpEpochIfRequired(this.hasInFlight)) {
      this.d.logger.info('producer epoch exhausted; requesting a new producer id');
    } else if (tm.producerEpoch !== epoch) {
      this.d.logger.info(`bumped the producer epoch to ${tm.producerEpoch} (KIP-360): sequences restart at 0`);
    }
    // A re-initialization waits for the answers to what is in flight under the old id.
    if (tm.needsProducerId() && !(tm.hadProducerId() && this.inFlightRequests > 0)) return this.maybeInitProducerId(now);
    return Infinity;
  }

  /**
   * 0 if a Produce request can go to `nodeId` now, else how long to wait: throttled (KIP-219),
   * connecting or backing off after a failure, or its connection has no room.
   */
  private sendableIn(nodeId: number, now: number): number {
    const { pool, metadata } = this.d;
    const throttledFor = this.throttledFor(nodeId, now);
    if (throttledFor > 0) return throttledFor;
    if (pool.ready(nodeId, now)) {
      const conn = pool.connection(nodeId);
      return conn && conn.canSend() ? 0 : Infinity; // a response or a writable socket wakes us
    }
    // The leader is unreachable (connection refused or dropped): it may have moved; ask
    // (Java's NetworkClient refreshes metadata on every disconnect).
    if (pool.state(nodeId) === 'disconnected' && pool.lastError(nodeId) !== undefined) metadata.requestUpdate();
    return Math.max(1, pool.connectionDelay(nodeId, now));
  }

  // --- metadata -------------------------------------------------------------------------------

  private maybeUpdateMetadata(now: number): number {
    const { metadata } = this.d;
    if (this.metadataInFlight) return Infinity;
    const wait = metadata.timeToNextUpdate(now);
    if (wait > 0) return wait;
    const trigger = this.d.config.rebootstrapTriggerMs ?? 300_000;
    if (metadata.msSinceLastAnswer(now) > trigger) this.maybeRebootstrap(`no metadata answer for ${trigger} ms (metadata.recovery.rebootstrap.trigger.ms)`);
    const topics = metadata.topicsOfInterest();
    const target = this.leastLoadedSendable(now);
    if (typeof target === 'number') return target;
    const { nodeId, conn } = target;
    const version = this.apiVersion(nodeId, ApiKey.Metadata);
    if (version === null) {
      metadata.refreshFailed(now);
      return this.staticBackoffMs;
    }
    if (version === 0 && topics.length === 0) {
      // v0 has no way to ask for "no topics" (an empty list means all): nothing to refresh.
      metadata.markRefreshAttempt(now);
      metadata.update(metadata.allBrokers(), [], metadata.cluster, now);
      return 0;
    }
    metadata.markRefreshAttempt(now);
    this.metadataInFlight = true;
    const request = { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    this.controlRequest(conn, ApiKey.Metadata, version, request).then(
      (body) => {
        this.metadataInFlight = false;
        try {
          this.applyMetadata(nodeId, body);
        } catch (e) {
          this.d.logger.warn(`bad metadata response from node ${nodeId}: ${(e as Error).message}`);
          metadata.refreshFailed(this.d.clock.now());
        }
        this.wakeup();
      },
      (e: Error) => {
        this.metadataInFlight = false;
        this.d.logger.debug(`metadata request to node ${nodeId} failed: ${e.message}`);
        metadata.refreshFailed(this.d.clock.now());
        this.wakeup();
      },
    );
    return Infinity;
  }

  /**
   * Goes back to bootstrap.servers (see SenderConfig.rebootstrap), unless the strategy is none or
   * the pool already picks from them. Returns whether it did.
   */
  private maybeRebootstrap(why: string): boolean {
    const { pool, metadata } = this.d;
    if (this.d.config.rebootstrap === false || pool.usingBootstrapServers) return false;
    this.d.logger.info(`rebootstrapping with bootstrap.servers: ${why}`);
    pool.rebootstrap();
    metadata.rebootstrapped(this.d.clock.now());
    return true;
  }

  private applyMetadata(nodeId: number, body: MetadataResponse): void {
    const { metadata, pool } = this.d;
    if (body.errorCode === ErrorCode.REBOOTSTRAP_REQUIRED) {
      // KIP-1102: the broker says our view of the cluster is unusable; its answer carries none.
      if (!this.maybeRebootstrap(`node ${nodeId} answered REBOOTSTRAP_REQUIRED`)) metadata.refreshFailed(this.d.clock.now());
      metadata.requestUpdate();
      return;
    }
    if (body.errorCode !== 0) {
      this.d.logger.warn(`metadata from node ${nodeId}: ${errorForCode(body.errorCode).name}; asking again`);
      metadata.refreshFailed(this.d.clock.now());
      return;
    }
    const brokers = body.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    pool.updateNodes(brokers);
    metadata.update(
      brokers,
      body.topics
        .filter((t) => t.name !== null)
        .map((t) => ({
          name: t.name!,
          errorCode: t.errorCode,
          topicId: isZeroUuid(t.topicId) ? null : t.topicId,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionIndex,
            leader: p.errorCode === 0 || p.leaderId >= 0 ? p.leaderId : -1,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            errorCode: p.errorCode,
          })),
        })),
      body.clusterId,
      this.d.clock.now(),
    );
    for (const t of body.topics) {
      if (t.errorCode !== 0 && t.name !== null) this.d.logger.debug(`metadata for ${t.name} from node ${nodeId}: ${errorForCode(t.errorCode).name}`);
    }
  }

  /**
   * The one way to make a control request (ApiVersions, Metadata, InitProducerId; the
   * transactional and SASL requests will go the same way): encode at `version`, count it for
   * metrics and diagnostics, send it on `conn` (which applies request.timeout.ms), decode the
   * answer. Resolves with the body; rejects with the network error, or with a ProtocolError for
   * an answer that does not decode. Error codes inside the body are the caller's to judge.
   * Produce has its own hand-tuned path (sendProduceRequest).
   */
  private async controlRequest<K extends Exclude<MessageApiKey, 0>>(
    conn: BrokerConnection,
    apiKey: K,
    version: number,
    body: RequestBodies[K],
    options?: RequestOptions,
  ): Promise<ResponseBodies[K]> {
    const frame = encodeRequest(apiKey, version, { correlationId: 0, clientId: this.d.config.clientId }, body, { sizePrefix: true });
    const started = this.d.clock.now();
    this.track(conn.nodeId, apiKey, version, frame.length);
    let bytes: Uint8Array;
    try {
      bytes = await conn.request({ buffer: frame }, options);
    } catch (e) {
      this.responded(conn.nodeId, apiKey, version, started, e as Error);
      throw e;
    }
    this.responded(conn.nodeId, apiKey, version, started);
    return decodeResponse(apiKey, version, bytes).body;
  }

  // --- producer id ----------------------------------------------------------------------------

  /**
   * The least loaded broker whose connection can take a request now (for Metadata and
   * InitProducerId, which any broker answers), or how long to wait before asking again.
   */
  private leastLoadedSendable(now: number): { nodeId: number; conn: BrokerConnection } | number {
    const { pool } = this.d;
    let nodeId = pool.leastLoadedNode(now);
    if (nodeId === undefined && this.maybeRebootstrap('every broker the metadata named is unreachable')) nodeId = pool.leastLoadedNode(now);
    if (nodeId === undefined) return this.staticBackoffMs;
    const throttledFor = this.throttledFor(nodeId, now);
    if (throttledFor > 0) return throttledFor;
    if (!pool.ready(nodeId, now)) return Math.max(1, pool.connectionDelay(nodeId, now));
    const conn = pool.connection(nodeId);
    if (!conn || !conn.canSend()) return this.staticBackoffMs;
    return { nodeId, conn };
  }

  private maybeInitProducerId(now: number): number {
    if (this.initProducerIdInFlight) return Infinity;
    if (now < this.initProducerIdBackoffUntil) return this.initProducerIdBackoffUntil - now;
    const target = this.leastLoadedSendable(now);
    if (typeof target === 'number') return target;
    const { nodeId, conn } = target;
    const version = this.apiVersion(nodeId, ApiKey.InitProducerId);
    if (version === null) {
      this.failAll(new KafkaWireError('UNSUPPORTED_VERSION', `node ${nodeId} does not support InitProducerId; set enable.idempotence=false`));
      return Infinity;
    }
    this.initProducerIdInFlight = true;
    const retryLater = (why: string): void => {
      this.d.logger.debug(`InitProducerId: ${why}; retrying`);
      this.initProducerIdBackoffUntil = this.d.clock.now() + this.staticBackoffMs;
    };
    const request = { transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1n, producerEpoch: -1 };
    this.controlRequest(conn, ApiKey.InitProducerId, version, request).then(
      (body) => {
        this.initProducerIdInFlight = false;
        if (body.errorCode === 0) {
          // Batches that may be in the log under the old id are not renumbered under the new one.
          const at = this.d.clock.now();
          for (const b of this.tm!.uncertainBatchesToRewrite()) {
            const reason = new KafkaWireError('INVALID_PRODUCER_EPOCH', `the producer id was replaced while ${b.topicPartition.topic}-${b.topicPartition.partition}'s batch (sequence ${b.baseSequence}) had an unknown outcome: it may have been written, and resending it under the new id could write it twice`);
            this.failBatch(b as ProducerBatch, reason, at, true);
          }
          this.tm!.setProducerIdAndEpoch(body.producerId, body.producerEpoch);
          this.tm!.rewriteAfterNewProducerId();
          this.d.logger.info(`producer id ${body.producerId}, epoch ${body.producerEpoch}`);
        } else {
          const info = errorForCode(body.errorCode);
          if (info.retriable) retryLater(info.name);
          else {
            // Fatal for the records waiting now; asked again only after the longest backoff, so
            // a refused producer does not hammer the broker (and recovers once an ACL is granted).
            this.initProducerIdBackoffUntil = this.d.clock.now() + Math.max(this.d.config.retryBackoffMaxMs, this.staticBackoffMs);
            const error =
              body.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED
                ? new KafkaWireError(
                    'CLUSTER_AUTHORIZATION_FAILED',
                    `InitProducerId refused by node ${nodeId}: CLUSTER_AUTHORIZATION_FAILED; the idempotent producer needs IDEMPOTENT_WRITE on the cluster (or set enable.idempotence=false)`,
                  )
                : kafkaErrorFromCode(body.errorCode, 'InitProducerId');
            this.d.logger.error(error.message);
            this.failAll(error);
          }
        }
        this.wakeup();
      },
      (e: Error) => {
        this.initProducerIdInFlight = false;
        retryLater(e instanceof ProtocolError ? `bad InitProducerId response from node ${nodeId}: ${e.message}` : e.message);
        this.wakeup();
      },
    );
    return Infinity;
  }

  // --- transactions ---------------------------------------------------------------------------

  /**
   * Java's maybeSendAndPollTransactionalRequest: after a fatal error every incomplete batch
   * fails and nothing more is sent; while the transaction must be aborted, batches not yet sent
   * fail at once (retries whose attempts were all refused too; one that may be in the log is
   * retried so its outcome is learned before EndTxn); then the next transactional request goes.
   */
  private maybeSendTransactionalRequest(now: number): { holdProduce: boolean; delayMs: number } {
    const txn = this.txn!;
    const { accumulator } = this.d;
    if (txn.hasFatalError) {
      if (accumulator.hasIncomplete()) accumulator.abortIncompleteBatches(txn.error!);
      return { holdProduce: true, delayMs: Infinity };
    }
    const abortError = txn.undrainedBatchesError();
    if (abortError !== null && accumulator.hasIncomplete()) accumulator.abortUndrainedBatches(abortError, (b) => !this.tm!.isUncertain(b));
    return txn.poll(now, this.txnNetwork, accumulator.hasIncomplete());
  }

  /** The wire as TxnManager sees it: coordinator channels, versions, the least loaded broker. */
  private readonly txnNetwork: TxnNetwork = {
    channel: (nodeId, now) => {
      const { pool } = this.d;
      if (pool.node(nodeId) === undefined) return { waitMs: this.staticBackoffMs, failed: true };
      const throttledFor = this.throttledFor(nodeId, now);
      if (throttledFor > 0) return { waitMs: throttledFor, failed: false };
      if (pool.ready(nodeId, now)) {
        const conn = pool.connection(nodeId);
        return conn && conn.canSend() ? this.txnChannel(conn) : { waitMs: this.staticBackoffMs, failed: false };
      }
      const failed = pool.state(nodeId) === 'disconnected' && pool.lastError(nodeId) !== undefined;
      return { waitMs: Math.max(1, pool.connectionDelay(nodeId, now)), failed };
    },
    leastLoaded: (now) => {
      const target = this.leastLoadedSendable(now);
      return typeof target === 'number' ? { waitMs: target, failed: false } : this.txnChannel(target.conn);
    },
    addNode: (node) => {
      // A coordinator the metadata did not name yet: the pool must know it to connect.
      if (this.d.pool.node(node.nodeId) === undefined) this.d.pool.updateNodes([...this.d.metadata.allBrokers(), { ...node, rack: null }]);
    },
    version: (nodeId, apiKey, min, max) => {
      const v = this.apiVersion(nodeId, apiKey as ApiKey, max);
      return v === null || (min !== undefined && v < min) ? null : v;
    },
    wakeup: () => this.wakeup(),
  };

  private txnChannel(conn: BrokerConnection): TxnChannel {
    return {
      nodeId: conn.nodeId,
      send: (apiKey, version, body) => this.controlRequest(conn, apiKey as Exclude<MessageApiKey, 0>, version, body as never),
    };
  }

  // --- produce --------------------------------------------------------------------------------

  /**
   * KIP-219 (Java's NetworkClient.maybeThrottle): a broker that answered with throttle_time_ms
   * gets no request from us until that time has passed (the connection is muted, not closed).
   */
  private throttle(nodeId: number, throttleTimeMs: number, now: number): void {
    const until = now + throttleTimeMs;
    if (until > (this.throttledUntil.get(nodeId) ?? 0)) this.throttledUntil.set(nodeId, until);
    this.armTimer(throttleTimeMs);
  }

  /** Milliseconds `nodeId` stays throttled (0: not throttled). */
  private throttledFor(nodeId: number, now: number): number {
    const until = this.throttledUntil.get(nodeId);
    if (until === undefined) return 0;
    if (until <= now) {
      this.throttledUntil.delete(nodeId);
      return 0;
    }
    return until - now;
  }

  private readonly hasInFlight = (tp: TopicPartition): boolean => (this.inFlightBatches.get(tp)?.size ?? 0) > 0;

  /**
   * Mutes the partitions that must not be drained now and unmutes the others we muted (see the
   * class comment on ordering): one in flight at a time with max.in.flight=1, and no batch to a
   * new leader while batches are in flight to the old one.
   */
  private updateMutes(): void {
    const { accumulator, metadata } = this.d;
    for (const tp of this.muted) {
      if (this.hasInFlight(tp)) continue;
      this.muted.delete(tp);
      accumulator.unmutePartition(tp);
    }
    for (const [tp, set] of this.inFlightBatches) {
      if (set.size === 0) continue;
      const mute =
        this.guaranteeMessageOrder || metadata.leaderFor(tp.topic, tp.partition) !== this.inFlightNode.get(tp) || this.retryInFlight(set);
      if (mute && !this.muted.has(tp)) {
        this.muted.add(tp);
        accumulator.mutePartition(tp);
      } else if (!mute && this.muted.has(tp)) {
        this.muted.delete(tp);
        accumulator.unmutePartition(tp);
      }
    }
  }

  /** Whether one of a partition's in-flight batches is a retry (see the class comment on ordering). */
  private retryInFlight(set: Set<ProducerBatch>): boolean {
    for (const b of set) if (b.attempts > 0 && !b.released) return true;
    return false;
  }

  private sendProduceRequest(nodeId: number, batches: ProducerBatch[], now: number): void {
    const { config, metadata, pool } = this.d;
    const conn = pool.connection(nodeId)!;
    const negotiated = this.apiVersion(nodeId, ApiKey.Produce);
    const problem = this.produceProblem(conn.broker, negotiated);
    if (problem !== null) {
      for (const b of batches) this.failBatch(b, problem, now, false);
      return;
    }
    // Produce v13 names topics by id; fall back to v12 if any topic's id is unknown.
    let version = negotiated!;
    // Inside a transactions-v1 transaction never Produce v12+: it would add the partitions
    // implicitly (KIP-890), which a v1 transaction does with AddPartitionsToTxn.
    if (this.txn !== null && this.txn.transactionVersion === 1) version = Math.min(version, V1_MAX_PRODUCE_VERSION);
    if (version > PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES && batches.some((b) => metadata.topicId(b.topicPartition.topic) === null)) {
      version = PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES;
    }
    const byTopic = new Map<string, FastProduceRequest['topicData'][number] & { partitionData: { index: number; records: Uint8Array }[] }>();
    let records = 0;
    for (const batch of batches) {
      const tp = batch.topicPartition;
      let topic = byTopic.get(tp.topic);
      if (!topic) {
        const topicId = metadata.topicId(tp.topic);
        topic = { name: tp.topic, ...(topicId ? { topicId } : {}), partitionData: [] };
        byTopic.set(tp.topic, topic);
      }
      topic.partitionData.push({ index: tp.partition, records: batch.bytes() });
      // The request is written straight from the batch's buffer: until it settles, a batch that
      // completes early (in-flight expiry) must not hand its buffer back for reuse.
      batch.bufferInUseByRequest = true;
      records += batch.recordCount;
      let set = this.inFlightBatches.get(tp);
      if (!set) this.inFlightBatches.set(tp, (set = new Set()));
      set.add(batch);
      this.inFlightNode.set(tp, nodeId);
      if (this.guaranteeMessageOrder && !this.muted.has(tp)) {
        this.muted.add(tp);
        this.d.accumulator.mutePartition(tp);
      }
      this.d.metrics.batchSize.record(batch.sizeInBytes, now);
      this.d.metrics.recordQueueTime.record(now - batch.createdMs, now);
      if (batch.compressionRatio !== undefined) this.d.metrics.compressionRate.record(batch.compressionRatio, now);
    }
    // The batches' bytes go out as they are, after the request head, in one gather write.
    const frame = encodeProduceRequestFrame(
      version,
      { correlationId: 0, clientId: config.clientId },
      { transactionalId: this.txn?.transactionalId ?? null, acks: config.acks, timeoutMs: config.requestTimeoutMs, topicData: [...byTopic.values()] },
    );
    this.d.metrics.recordsPerRequest.record(records, now);
    this.track(nodeId, ApiKey.Produce, version, frame.size);
    this.inFlightRequests++;
    const expectResponse = config.acks !== 0;
    conn.request(frame, { expectResponse }).then(
      (bytes) => {
        this.inFlightRequests--;
        for (const b of batches) b.bufferInUseByRequest = false;
        const at = this.d.clock.now();
        this.responded(nodeId, ApiKey.Produce, version, now);
        this.d.metrics.requestLatency.record(at - now, at);
        try {
          if (!expectResponse) {
            for (const b of batches) this.completeBatch(b, -1n, -1n, at);
          } else {
            let response: ProduceResponse | null = null;
            try {
              response = decodeResponse(ApiKey.Produce, version, bytes).body;
            } catch (e) {
              // Undecodable: the broker may have appended any of these batches; retry them
              // (with their sequences) as after a lost answer, and reconnect.
              const err = new KafkaWireError('NETWORK_EXCEPTION', `undecodable Produce v${version} response from node ${nodeId}: ${(e as Error)?.message ?? String(e)}`, { retriable: true, cause: e });
              this.d.pool.disconnect(nodeId);
              for (const b of batches) this.handleBatchError(b, err, at, nodeId, true);
            }
            if (response !== null) this.handleProduceResponse(nodeId, version, batches, response, at);
          }
        } catch (e) {
          this.d.logger.error(`handling a Produce response from node ${nodeId} failed: ${(e as Error).stack ?? String(e)}`);
        }
        this.wakeup();
      },
      (e: Error) => {
        this.inFlightRequests--;
        for (const b of batches) b.bufferInUseByRequest = false;
        const at = this.d.clock.now();
        this.responded(nodeId, ApiKey.Produce, version, now, e);
        const err = e instanceof KafkaWireError ? e : new KafkaWireError('NETWORK_EXCEPTION', e.message, { retriable: true, cause: e });
        try {
          // Disconnects and timeouts: the leader may have moved; refresh metadata (Java does too).
          // The broker may have appended any of these batches: their outcome is unknown.
          this.d.metadata.requestUpdate();
          for (const b of batches) this.handleBatchError(b, err, at, nodeId, true);
        } catch (e2) {
          this.d.logger.error(`handling a failed Produce request to node ${nodeId} failed: ${(e2 as Error).stack ?? String(e2)}`);
        }
        this.wakeup();
      },
    );
  }

  private handleProduceResponse(nodeId: number, version: number, batches: ProducerBatch[], response: ProduceResponse, now: number): void {
    const { metadata } = this.d;
    if (response.throttleTimeMs > 0) {
      this.d.metrics.produceThrottleTime.record(response.throttleTimeMs, now);
      // KIP-219: from Produce v6 on the broker answers at once and expects the client to hold
      // off for throttle_time_ms (before v6 it delayed the answer itself).
      if (version >= 6) this.throttle(nodeId, response.throttleTimeMs, now);
    }
    const endpoints = new Map(response.nodeEndpoints.map((n) => [n.nodeId, n]));
    const byTp = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of response.responses) {
      const name = t.name !== '' ? t.name : this.topicNameForId(t.topicId, batches);
      for (const p of t.partitionResponses) byTp.set(`${name}\u0000${p.index}`, p);
    }
    for (const batch of batches) {
      const tp = batch.topicPartition;
      const p = byTp.get(`${tp.topic}\u0000${tp.partition}`);
      if (!p) {
        // A broker bug: the answer leaves this partition out. Whatever happened to the batch,
        // its retry (same sequence) settles it; not UNKNOWN_SERVER_ERROR, which Kafka reports
        // as not retriable.
        this.handleBatchError(batch, new KafkaWireError('NETWORK_EXCEPTION', `node ${nodeId} answered a Produce request without ${tp.topic}-${tp.partition}`, { retriable: true }), now, nodeId, true);
        continue;
      }
      // DUPLICATE_SEQUENCE_NUMBER: the broker already has this batch (a retry of an appended one).
      if (p.errorCode === 0 || p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.completeBatch(batch, p.baseOffset, p.logAppendTimeMs, now);
        continue;
      }
      const info = errorForCode(p.errorCode);
      // KIP-951: the response may name the new leader; use it before metadata catches up.
      if (p.currentLeader.leaderId >= 0 && p.currentLeader.leaderEpoch >= 0) {
        const ep = endpoints.get(p.currentLeader.leaderId);
        const moved = metadata.updateLeader(
          tp.topic,
          tp.partition,
          p.currentLeader.leaderId,
          p.currentLeader.leaderEpoch,
          ep ? { nodeId: ep.nodeId, host: ep.host, port: ep.port, rack: ep.rack } : undefined,
        );
        if (moved && ep) this.d.pool.updateNodes(metadata.allBrokers());
      }
      const detail = p.errorMessage ?? p.recordErrors.map((r) => r.batchIndexErrorMessage).filter(Boolean).join('; ');
      const error = kafkaErrorFromCode(p.errorCode, `${tp.topic}-${tp.partition}`, detail || null);
      const recordErrors = p.recordErrors.length > 0 ? this.recordErrors(tp, error, p.recordErrors) : undefined;
      this.handleBatchError(batch, error, now, nodeId, mayHaveBeenWritten(info.name), recordErrors);
    }
  }

  /**
   * KIP-467: the records named in record_errors fail with the error and their own message; the
   * others with Java's generic "part of a batch which had invalid records" (same code).
   */
  private recordErrors(
    tp: TopicPartition,
    error: KafkaWireError,
    list: readonly { batchIndex: number; batchIndexErrorMessage: string | null }[],
  ): (index: number) => KafkaWireError {
    const byIndex = new Map<number, KafkaWireError>();
    for (const r of list) {
      byIndex.set(r.batchIndex, new KafkaWireError(error.code, `${error.code} (${tp.topic}-${tp.partition}, record ${r.batchIndex}): ${r.batchIndexErrorMessage ?? error.message}`, { retriable: error.retriable }));
    }
    let generic: KafkaWireError | null = null;
    return (index) => byIndex.get(index) ?? (generic ??= new KafkaWireError(error.code, `${error.code} (${tp.topic}-${tp.partition}): ${BATCH_FAILED_BY_OTHER_RECORDS}`, { retriable: error.retriable }));
  }

  private topicNameForId(topicId: Uint8Array, batches: ProducerBatch[]): string {
    for (const b of batches) {
      const id = this.d.metadata.topicId(b.topicPartition.topic);
      if (id && id.every((x, i) => x === topicId[i])) return b.topicPartition.topic;
    }
    return '';
  }

  private untrack(batch: ProducerBatch): void {
    this.inFlightBatches.get(batch.topicPartition)?.delete(batch);
  }

  private completeBatch(batch: ProducerBatch, baseOffset: bigint, logAppendTime: bigint, now: number): void {
    this.untrack(batch);
    if (batch.released) {
      // Expired while in flight: the user has its TIMEOUT already; the acknowledgement only
      // tells the TransactionManager that the sequence was written.
      this.tm?.handleCompleted(batch);
      return;
    }
    // The broker has it, but its transaction is being aborted (or the producer failed fatally):
    // the records fail (read_committed consumers never see them); the sequence still counts.
    const aborted = this.txn?.completionError() ?? null;
    if (batch.done(baseOffset, logAppendTime, aborted)) (aborted === null ? this.d.metrics.recordSend : this.d.metrics.recordError).record(batch.recordCount, now);
    this.d.accumulator.release(batch, ACKNOWLEDGED);
  }

  /**
   * Fails a batch for good: its records' callbacks, then its single exit (memory, producer
   * state). `outcomeUnknown`: an attempt may have been written (the producer state then leaves
   * its sequences unresolved instead of renumbering what follows). Send order per partition is
   * kept by the batches themselves (ProducerBatch's completion chain). A batch expired while in
   * flight stays tracked as in flight (untracked when its request is answered).
   */
  private failBatch(batch: ProducerBatch, error: KafkaWireError, now: number, outcomeUnknown: boolean, recordError?: (index: number) => KafkaWireError): void {
    if (batch.released) return;
    // A failed batch makes its transaction abortable (or fatal: fenced, unauthorized).
    this.txn?.handleFailedBatch(error);
    if (batch.done(-1n, -1n, error, recordError)) this.d.metrics.recordError.record(batch.recordCount, now);
    // Earlier attempts of unknown outcome are the TransactionManager's to add (handleFailed).
    this.d.accumulator.release(batch, outcomeUnknown ? FAILED_OUTCOME_UNKNOWN : FAILED_NOT_WRITTEN);
  }

  /**
   * Retry, split or fail one batch after `error` (Java's Sender.completeBatch error branch).
   * `outcomeUnknown`: this attempt may have been appended (see NOT_WRITTEN_ERRORS).
   */
  private handleBatchError(
    batch: ProducerBatch,
    error: KafkaWireError,
    now: number,
    nodeId: number,
    outcomeUnknown: boolean,
    recordError?: (index: number) => KafkaWireError,
  ): void {
    const { config, accumulator } = this.d;
    this.untrack(batch);
    if (batch.released) return; // expired while in flight: already failed, nothing to retry
    const tp = batch.topicPartition;
    if (error.code === 'MESSAGE_TOO_LARGE' && batch.recordCount > 1) {
      // Java splits a too-large batch and resends its records in smaller batches. The parts
      // take over the batch's sequence range, so later batches keep their sequences.
      this.d.logger.warn(`${tp.topic}-${tp.partition}: batch of ${batch.recordCount} records too large for the broker; splitting`);
      this.d.metrics.batchSplit.record(1, now);
      const parts = accumulator.splitAndReenqueue(batch);
      accumulator.release(batch, { kind: 'split', parts });
      return;
    }
    const verdict = this.tm && isSequenceError(error.code) ? this.tm.handleSequenceError(batch, error.code) : 'retry';
    if (verdict === 'written') {
      // A later sequence was acknowledged: the broker holds this batch but forgot it as a
      // duplicate. Complete it without an offset rather than retry forever.
      this.d.logger.warn(`${tp.topic}-${tp.partition}: batch with sequence ${batch.baseSequence} is in the log (a later sequence was acknowledged); completing it without an offset`);
      this.completeBatch(batch, -1n, -1n, now);
      return;
    }
    if (verdict === 'fail' && this.tm!.transactional) {
      // A transaction's batch refused for its producer state: the transaction is aborted and the
      // coordinator bumps the epoch (TxnManager), nothing is renumbered here.
      this.failBatch(batch, error, now, outcomeUnknown, recordError);
      return;
    }
    if (verdict === 'fail') {
      // Fenced while an earlier attempt may have written it: resending under a new epoch or id
      // could store it twice (see TransactionManager.handleSequenceError).
      this.failBatch(batch, new KafkaWireError(error.code, `${error.message} (the batch may have been written by an earlier attempt, so it is not resent under a new producer epoch)`, { retriable: false, cause: error }), now, true);
      return;
    }
    const retriable = error.retriable || (this.tm !== null && isSequenceError(error.code));
    if (staleMetadata(error.code) || error.code === 'REQUEST_TIMED_OUT') this.d.metadata.requestUpdate();
    if (retriable && this.canRetry(batch, now)) {
      this.d.logger.debug(`retrying ${tp.topic}-${tp.partition} (attempt ${batch.attempts + 1}) after ${error.code} from node ${nodeId}`);
      this.d.metrics.recordRetry.record(batch.recordCount, now);
      this.lastErrors.set(batch, error);
      this.tm?.handleRetry(batch, outcomeUnknown);
      accumulator.reenqueue(batch, now);
      return;
    }
    const final =
      retriable && batch.hasReachedDeliveryTimeout(config.deliveryTimeoutMs, now)
        ? this.timeoutError(batch, now, error)
        : error;
    this.failBatch(batch, final, now, outcomeUnknown, final === error ? recordError : undefined);
  }

  private canRetry(batch: ProducerBatch, now: number): boolean {
    return batch.attempts < this.d.config.retries && !batch.hasReachedDeliveryTimeout(this.d.config.deliveryTimeoutMs, now) && !this.forceClosed;
  }

  /**
   * Java's TimeoutException text for an expired batch, plus why: the last error it was retried
   * for, or, for a batch never sent, what kept its partition from being sent to.
   */
  private timeoutError(batch: ProducerBatch, now: number, last: KafkaWireError | undefined): KafkaWireError {
    const tp = batch.topicPartition;
    let why = '';
    if (last) why = `; last error: ${last.code}: ${last.message}`;
    else {
      const leader = this.d.metadata.leaderFor(tp.topic, tp.partition);
      const unreachable = leader >= 0 ? this.d.pool.lastError(leader) : undefined;
      if (leader < 0) why = '; the partition has no known leader';
      else if (unreachable && this.d.pool.state(leader) !== 'ready') why = `; its leader, node ${leader}, is unreachable: ${unreachable.message}`;
    }
    return new KafkaWireError(
      'TIMEOUT',
      `Expiring ${batch.recordCount} record(s) for ${tp.topic}-${tp.partition}: ${Math.floor(now - batch.createdMs)} ms has passed since batch creation ` +
        `(delivery.timeout.ms=${this.d.config.deliveryTimeoutMs})${why}`,
      { retriable: true, ...(last ? { cause: last } : {}) },
    );
  }

  /**
   * delivery.timeout.ms: batches past it fail with TIMEOUT — queued ones (the accumulator's
   * expiredBatches) and, as Java's getExpiredInflightBatches, in-flight ones, whose outcome is
   * unknown (they stay tracked as in flight until their request is answered). Returns the time
   * the next batch expires (Infinity if none).
   */
  private failExpiredBatches(now: number): number {
    const deliveryTimeoutMs = this.d.config.deliveryTimeoutMs;
    for (const batch of this.d.accumulator.expiredBatches(now)) {
      // Never sent, or back in the queue after attempts that the producer state judged.
      this.failBatch(batch, this.timeoutError(batch, now, this.lastErrors.get(batch)), now, false);
    }
    let next = this.d.accumulator.nextExpiryTimeMs();
    for (const set of this.inFlightBatches.values()) {
      for (const batch of set) {
        if (batch.released) continue;
        if (batch.hasReachedDeliveryTimeout(deliveryTimeoutMs, now)) {
          this.failBatch(batch, this.timeoutError(batch, now, this.lastErrors.get(batch)), now, true);
        } else next = Math.min(next, batch.createdMs + deliveryTimeoutMs);
      }
    }
    return next;
  }

  /** The SASL requests of an authentication: the control-request path, exempt from the pause and the in-flight limit. */
  readonly saslRequest: SaslRequest = (conn, apiKey, version, body) => this.controlRequest(conn, apiKey, version, body, { authentication: true });

  /**
   * A connection to `nodeId` failed to authenticate (SASL, or the TLS handshake). The same
   * credentials fail the same way, so nothing waits for delivery.timeout.ms: the batches queued
   * for any broker that has no working connection fail now with `error`, and so do the sends
   * waiting for metadata when no broker is reachable at all; brokers that did authenticate keep
   * their batches. Later sends try again (after the reconnect backoff), so fixed credentials or
   * certificates recover without a new producer.
   *
   * Java differs: NetworkClient makes it a fatal metadata error, so the next send() throws it,
   * while batches already queued wait for delivery.timeout.ms (its Sender has no path that fails
   * them); we fail those records too, because a record that waits two minutes for an answer
   * that is already known is the wait the issue tracker keeps reporting.
   */
  authenticationFailed(nodeId: number, error: AuthenticationError): void {
    const { pool, metadata, accumulator, clock, logger } = this.d;
    logger.error(error.message);
    const now = clock.now();
    const failed = accumulator.removeQueuedBatches((tp) => {
      const leader = metadata.leaderFor(tp.topic, tp.partition);
      return leader < 0 || leader === nodeId || !pool.isConnected(leader);
    });
    for (const batch of failed) this.failBatch(batch, error, now, false);
    if (!pool.hasReadyConnection()) metadata.failWaitersFor(error, Math.max(this.d.config.retryBackoffMaxMs, this.staticBackoffMs));
    this.wakeup();
  }

  private failAll(error: KafkaWireError): void {
    this.d.accumulator.abortIncompleteBatches(error);
    this.d.metadata.failWaiters(error);
  }

  // --- observability helpers ------------------------------------------------------------------

  private track(nodeId: number, apiKey: number, apiVersion: number, bytes: number): void {
    const now = this.d.clock.now();
    this.d.metrics.request.record(1, now);
    this.d.metrics.outgoingBytes.record(bytes, now);
    this.d.onRequest?.({ nodeId, apiKey, apiVersion, bytes });
  }

  private responded(nodeId: number, apiKey: number, apiVersion: number, started: number, error?: Error): void {
    const now = this.d.clock.now();
    if (!error) this.d.metrics.response.record(1, now);
    this.d.onResponse?.({ nodeId, apiKey, apiVersion, latencyMs: now - started, ...(error ? { error } : {}) });
  }

  // --- closing --------------------------------------------------------------------------------

  /** Resolves when nothing is queued or in flight (graceful close, flush helpers). */
  awaitIdle(): Promise<void> {
    if (!this.d.accumulator.hasIncomplete() && this.inFlightRequests === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wakeup();
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Graceful: keep sending until everything queued is complete. */
  initiateClose(): void {
    this.closing = true;
    this.wakeup();
  }

  /** Stops the loop: no more passes, timers released. Incomplete batches are the caller's. */
  forceClose(): void {
    this.forceClosed = true;
    this.timer?.cancel();
    this.timer = null;
    this.notifyIdle();
  }
}
