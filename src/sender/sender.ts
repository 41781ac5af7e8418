/**
 * The Sender (Java's Sender + the producer half of NetworkClient): moves sealed batches from the
 * RecordAccumulator to partition leaders and completes them from the responses.
 *
 * Owns: the in-flight Produce requests and their batches, the per-broker negotiated API
 * versions, the metadata and InitProducerId requests, and the decision to retry, split or fail
 * a batch. Does not own: batches waiting to be sent (the accumulator), cluster state (Metadata),
 * sequence numbers (TransactionManager), sockets (ConnectionPool).
 *
 * It runs as an event-driven loop instead of Java's thread: `wakeup()` schedules one pass of
 * `runOnce()` (coalesced, on a macrotask so appends in the same tick batch together); a pass
 * refreshes metadata if due, (re)initializes the producer id, asks the accumulator which
 * leaders have sendable data, drains it into one Produce request per leader, expires batches
 * past delivery.timeout.ms, and arms one timer for the next time something becomes due.
 */
import type { ProducerBatch, RecordAccumulator } from '../accumulator/index.js';
import type { TopicPartition } from '../accumulator/cluster-view.js';
import type { Clock, TimerHandle } from '../clock.js';
import { KafkaWireError } from '../errors.js';
import type { ProducerMetrics } from '../metrics.js';
import type { BrokerConnection } from '../network/connection.js';
import type { ConnectionPool } from '../network/connection-pool.js';
import { ApiKey, PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES, SUPPORTED_VERSIONS, pickVersion } from '../protocol/api-keys.js';
import { errorForCode, errorForName, kafkaErrorFromCode } from '../protocol/error-codes.js';
import {
  apiVersionsRetryVersion,
  decodeApiVersionsResponse,
  decodeResponse,
  encodeProduceRequest,
  encodeRequest,
  isZeroUuid,
  type FastProduceRequest,
  type ProduceResponse,
} from '../protocol/messages/index.js';
import type { Logger } from '../logger.js';
import type { Metadata } from './metadata.js';
import { TransactionManager } from './transaction-manager.js';

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
}

export interface SenderDeps {
  readonly config: SenderConfig;
  readonly accumulator: RecordAccumulator;
  readonly metadata: Metadata;
  readonly pool: ConnectionPool;
  readonly transactionManager: TransactionManager | null;
  readonly metrics: ProducerMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  /** diagnostics_channel hooks (request/response); may be no-ops. */
  readonly onRequest?: (info: { nodeId: number; apiKey: number; apiVersion: number; bytes: number }) => void;
  readonly onResponse?: (info: { nodeId: number; apiKey: number; apiVersion: number; latencyMs: number; error?: Error }) => void;
}

type ApiRanges = Map<number, { min: number; max: number }>;

const ZSTD = 4;
const SOFTWARE_NAME = 'kafka-wire';
const SOFTWARE_VERSION = '0.1.0';

/** Produce errors that mean a batch's sequence numbering is off (KIP-360 handling). */
const SEQUENCE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Java's InvalidMetadataException family: the leader or topic we used is out of date. */
function staleMetadata(errorName: string): boolean {
  return errorForName(errorName)?.invalidMetadata ?? false;
}

export class Sender {
  private readonly apiVersions = new Map<number, ApiRanges>();
  /** Batches in Produce requests awaiting a response, per partition (for ordering and expiry). */
  private readonly inFlightBatches = new Map<TopicPartition, Set<ProducerBatch>>();
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

  constructor(private readonly d: SenderDeps) {
    this.tm = d.transactionManager;
    d.metadata.onUpdateRequested = () => this.wakeup();
  }

  /** The ConnectionPool's handshake hook: ApiVersions with the KIP-511 fallback. */
  readonly handshake = async (connection: BrokerConnection): Promise<void> => {
    let version = SUPPORTED_VERSIONS[ApiKey.ApiVersions].max;
    for (let attempt = 0; attempt < 2; attempt++) {
      const frame = encodeRequest(
        ApiKey.ApiVersions,
        version,
        { correlationId: 0, clientId: this.d.config.clientId },
        { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION },
        { sizePrefix: true },
      );
      const response = await connection.request({ buffer: frame });
      const { body } = decodeApiVersionsResponse(version, response);
      if (body.errorCode === 35 && attempt === 0) {
        version = apiVersionsRetryVersion(body); // KIP-511: retry at the highest common version
        continue;
      }
      if (body.errorCode !== 0) throw kafkaErrorFromCode(body.errorCode, `ApiVersions from ${connection.broker}`);
      const ranges: ApiRanges = new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      const produce = this.versionFrom(ranges, ApiKey.Produce);
      if (produce === null) {
        throw new KafkaWireError('UNSUPPORTED_VERSION', `${connection.broker} supports no Produce version kafka-wire speaks (v3+, RecordBatch v2)`);
      }
      if (this.d.config.compression === ZSTD && produce < 7) {
        throw new KafkaWireError('UNSUPPORTED_COMPRESSION_TYPE', `compression.type=zstd needs Produce v7 (Kafka 2.1+); ${connection.broker} supports up to v${produce}`);
      }
      this.apiVersions.set(connection.nodeId, ranges);
      this.d.logger.debug(`connected to ${connection.broker}: Produce v${produce}, Metadata v${this.versionFrom(ranges, ApiKey.Metadata)}`);
      return;
    }
  };

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

  // --- scheduling ---------------------------------------------------------------------------

  /** Schedules a pass soon. Cheap and idempotent: called on every full batch, response, event. */
  wakeup(): void {
    if (this.scheduled || this.forceClosed) return;
    this.scheduled = true;
    setImmediate(this.runScheduled);
  }

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    try {
      this.runOnce();
    } catch (e) {
      this.d.logger.error(`sender pass failed: ${(e as Error).stack ?? String(e)}`);
      this.armTimer(this.d.config.retryBackoffMs);
    }
  };

  private armTimer(delayMs: number): void {
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

  private runOnce(): void {
    if (this.forceClosed) return;
    const { accumulator, metadata, pool, clock } = this.d;
    const now = clock.now();
    let nextDelay = Infinity;

    nextDelay = Math.min(nextDelay, this.maybeUpdateMetadata(now));

    if (this.tm) {
      if (!this.tm.bumpEpochIfRequired((tp) => (this.inFlightBatches.get(tp)?.size ?? 0) > 0)) {
        this.d.logger.info('producer epoch exhausted; requesting a new producer id');
      }
      if (this.tm.needsProducerId()) {
        nextDelay = Math.min(nextDelay, this.maybeInitProducerId(now));
      }
    }

    const result = accumulator.ready(metadata, now);
    if (result.unknownLeaderTopics.size > 0) {
      for (const t of result.unknownLeaderTopics) metadata.touch(t, now);
      metadata.requestUpdate();
    }
    nextDelay = Math.min(nextDelay, result.nextReadyCheckDelayMs);

    const sendable: number[] = [];
    for (const nodeId of result.readyNodes) {
      if (pool.ready(nodeId, now)) {
        const conn = pool.connection(nodeId);
        if (conn && conn.canSend()) sendable.push(nodeId);
      } else {
        nextDelay = Math.min(nextDelay, Math.max(1, pool.connectionDelay(nodeId, now)));
      }
    }

    if (sendable.length > 0) {
      const drained = accumulator.drain(metadata, sendable, this.d.config.maxRequestSize, now);
      for (const [nodeId, batches] of drained) if (batches.length > 0) this.sendProduceRequest(nodeId, batches, now);
    }

    this.failExpiredBatches(now);

    if (this.closing && !accumulator.hasIncomplete() && this.inFlightRequests === 0) this.notifyIdle();
    else if (this.closing && accumulator.hasUndrained()) nextDelay = Math.min(nextDelay, this.d.config.retryBackoffMs);
    if (this.idleWaiters.length > 0 && !accumulator.hasIncomplete() && this.inFlightRequests === 0) this.notifyIdle();
    this.armTimer(nextDelay);
  }

  // --- metadata -------------------------------------------------------------------------------

  private maybeUpdateMetadata(now: number): number {
    const { metadata, pool } = this.d;
    if (this.metadataInFlight) return Infinity;
    const wait = metadata.timeToNextUpdate(now);
    if (wait > 0) return wait;
    const topics = metadata.topicsOfInterest();
    const nodeId = pool.leastLoadedNode(now);
    if (nodeId === undefined) return this.d.config.retryBackoffMs;
    if (!pool.ready(nodeId, now)) return Math.max(1, pool.connectionDelay(nodeId, now));
    const conn = pool.connection(nodeId);
    if (!conn || !conn.canSend()) return this.d.config.retryBackoffMs;
    const version = this.apiVersion(nodeId, ApiKey.Metadata);
    if (version === null) {
      metadata.refreshFailed(now);
      return this.d.config.retryBackoffMs;
    }
    if (version === 0 && topics.length === 0) {
      // v0 has no way to ask for "no topics" (an empty list means all): nothing to refresh.
      metadata.markRefreshAttempt(now);
      metadata.update(metadata.allBrokers(), [], metadata.cluster, now);
      return 0;
    }
    metadata.markRefreshAttempt(now);
    this.metadataInFlight = true;
    const frame = encodeRequest(
      ApiKey.Metadata,
      version,
      { correlationId: 0, clientId: this.d.config.clientId },
      {
        topics: topics.map((name) => ({ name })),
        allowAutoTopicCreation: true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      { sizePrefix: true },
    );
    const started = now;
    this.track(nodeId, ApiKey.Metadata, version, frame.length);
    conn.request({ buffer: frame }).then(
      (bytes) => {
        this.metadataInFlight = false;
        this.responded(nodeId, ApiKey.Metadata, version, started);
        try {
          const { body } = decodeResponse(ApiKey.Metadata, version, bytes);
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
            if (t.errorCode !== 0 && t.name !== null) this.d.logger.debug(`metadata for ${t.name}: ${errorForCode(t.errorCode).name}`);
          }
        } catch (e) {
          this.d.logger.warn(`bad metadata response from node ${nodeId}: ${(e as Error).message}`);
          metadata.refreshFailed(this.d.clock.now());
        }
        this.wakeup();
      },
      (e: Error) => {
        this.metadataInFlight = false;
        this.responded(nodeId, ApiKey.Metadata, version, started, e);
        this.d.logger.debug(`metadata request to node ${nodeId} failed: ${e.message}`);
        metadata.refreshFailed(this.d.clock.now());
        this.wakeup();
      },
    );
    return Infinity;
  }

  // --- producer id ----------------------------------------------------------------------------

  private maybeInitProducerId(now: number): number {
    const { pool } = this.d;
    if (this.initProducerIdInFlight) return Infinity;
    if (now < this.initProducerIdBackoffUntil) return this.initProducerIdBackoffUntil - now;
    const nodeId = pool.leastLoadedNode(now);
    if (nodeId === undefined) return this.d.config.retryBackoffMs;
    if (!pool.ready(nodeId, now)) return Math.max(1, pool.connectionDelay(nodeId, now));
    const conn = pool.connection(nodeId);
    if (!conn || !conn.canSend()) return this.d.config.retryBackoffMs;
    const version = this.apiVersion(nodeId, ApiKey.InitProducerId);
    if (version === null) {
      this.failAll(new KafkaWireError('UNSUPPORTED_VERSION', `node ${nodeId} does not support InitProducerId; set enable.idempotence=false`));
      return Infinity;
    }
    this.initProducerIdInFlight = true;
    const frame = encodeRequest(
      ApiKey.InitProducerId,
      version,
      { correlationId: 0, clientId: this.d.config.clientId },
      { transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1n, producerEpoch: -1 },
      { sizePrefix: true },
    );
    const started = now;
    this.track(nodeId, ApiKey.InitProducerId, version, frame.length);
    const retryLater = (why: string): void => {
      this.d.logger.debug(`InitProducerId: ${why}; retrying`);
      this.initProducerIdBackoffUntil = this.d.clock.now() + this.d.config.retryBackoffMs;
    };
    conn.request({ buffer: frame }).then(
      (bytes) => {
        this.initProducerIdInFlight = false;
        this.responded(nodeId, ApiKey.InitProducerId, version, started);
        const { body } = decodeResponse(ApiKey.InitProducerId, version, bytes);
        if (body.errorCode === 0) {
          this.tm!.setProducerIdAndEpoch(body.producerId, body.producerEpoch);
          this.tm!.rewriteAfterNewProducerId();
          this.d.logger.info(`producer id ${body.producerId}, epoch ${body.producerEpoch}`);
        } else {
          const info = errorForCode(body.errorCode);
          if (info.retriable) retryLater(info.name);
          else this.failAll(kafkaErrorFromCode(body.errorCode, 'InitProducerId'));
        }
        this.wakeup();
      },
      (e: Error) => {
        this.initProducerIdInFlight = false;
        this.responded(nodeId, ApiKey.InitProducerId, version, started, e);
        retryLater(e.message);
        this.wakeup();
      },
    );
    return Infinity;
  }

  // --- produce --------------------------------------------------------------------------------

  private sendProduceRequest(nodeId: number, batches: ProducerBatch[], now: number): void {
    const { config, metadata, pool } = this.d;
    const conn = pool.connection(nodeId)!;
    // Produce v13 names topics by id; fall back to v12 if any topic's id is unknown.
    let version = this.apiVersion(nodeId, ApiKey.Produce)!;
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
      records += batch.recordCount;
      let set = this.inFlightBatches.get(tp);
      if (!set) this.inFlightBatches.set(tp, (set = new Set()));
      set.add(batch);
      this.d.metrics.batchSize.record(batch.sizeInBytes, now);
      this.d.metrics.recordQueueTime.record(now - batch.createdMs, now);
      if (batch.compressionRatio !== undefined) this.d.metrics.compressionRate.record(batch.compressionRatio, now);
    }
    const frame = encodeProduceRequest(
      version,
      { correlationId: 0, clientId: config.clientId },
      { transactionalId: null, acks: config.acks, timeoutMs: config.requestTimeoutMs, topicData: [...byTopic.values()] },
      { sizePrefix: true },
    );
    this.d.metrics.recordsPerRequest.record(records, now);
    this.track(nodeId, ApiKey.Produce, version, frame.length);
    this.inFlightRequests++;
    const expectResponse = config.acks !== 0;
    conn.request({ buffer: frame }, { expectResponse }).then(
      (bytes) => {
        this.inFlightRequests--;
        const at = this.d.clock.now();
        this.responded(nodeId, ApiKey.Produce, version, now);
        this.d.metrics.requestLatency.record(at - now, at);
        if (!expectResponse) {
          for (const b of batches) this.completeBatch(b, -1n, -1n, at);
        } else {
          let response: ProduceResponse;
          try {
            response = decodeResponse(ApiKey.Produce, version, bytes).body;
          } catch (e) {
            // Undecodable: treat as a failed request; the broker state is unknown, so retry.
            for (const b of batches) this.handleBatchError(b, e instanceof KafkaWireError ? e : new KafkaWireError('PROTOCOL', String(e)), at, nodeId);
            this.wakeup();
            return;
          }
          this.handleProduceResponse(nodeId, batches, response, at);
        }
        this.wakeup();
      },
      (e: Error) => {
        this.inFlightRequests--;
        const at = this.d.clock.now();
        this.responded(nodeId, ApiKey.Produce, version, now, e);
        const err = e instanceof KafkaWireError ? e : new KafkaWireError('NETWORK_EXCEPTION', e.message, { retriable: true, cause: e });
        // Disconnects and timeouts: the leader may have moved; refresh metadata (Java does too).
        this.d.metadata.requestUpdate();
        for (const b of batches) this.handleBatchError(b, err, at, nodeId);
        this.wakeup();
      },
    );
  }

  private handleProduceResponse(nodeId: number, batches: ProducerBatch[], response: ProduceResponse, now: number): void {
    const { metadata } = this.d;
    if (response.throttleTimeMs > 0) this.d.metrics.produceThrottleTime.record(response.throttleTimeMs, now);
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
        this.handleBatchError(batch, new KafkaWireError('UNKNOWN_SERVER_ERROR', `node ${nodeId} answered without ${tp.topic}-${tp.partition}`, { retriable: true }), now, nodeId);
        continue;
      }
      if (p.errorCode === 0) {
        this.completeBatch(batch, p.baseOffset, p.logAppendTimeMs, now);
        continue;
      }
      const info = errorForCode(p.errorCode);
      if (info.name === 'DUPLICATE_SEQUENCE_NUMBER') {
        // The broker already has this batch (a retry of an acknowledged request): success.
        this.completeBatch(batch, p.baseOffset, p.logAppendTimeMs, now);
        continue;
      }
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
      this.handleBatchError(batch, error, now, nodeId);
    }
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
    this.tm?.handleCompleted(batch);
    if (batch.done(baseOffset, logAppendTime, null)) {
      this.d.metrics.recordSend.record(batch.recordCount, now);
    }
    this.d.accumulator.deallocate(batch);
  }

  private failBatch(batch: ProducerBatch, error: KafkaWireError, now: number): void {
    this.untrack(batch);
    this.tm?.handleFailed(batch);
    if (batch.done(-1n, -1n, error)) this.d.metrics.recordError.record(batch.recordCount, now);
    this.d.accumulator.deallocate(batch);
  }

  /** Retry, split or fail one batch after `error` (Java's Sender.completeBatch error branch). */
  private handleBatchError(batch: ProducerBatch, error: KafkaWireError, now: number, nodeId: number): void {
    const { config, accumulator } = this.d;
    this.untrack(batch);
    if (error.code === 'MESSAGE_TOO_LARGE' && batch.recordCount > 1 && !batch.isDone) {
      // Java splits a too-large batch and resends its records in smaller batches.
      this.d.logger.warn(`${batch.topicPartition.topic}-${batch.topicPartition.partition}: batch of ${batch.recordCount} records too large for the broker; splitting`);
      this.tm?.handleFailed(batch);
      this.d.metrics.batchSplit.record(1, now);
      accumulator.splitAndReenqueue(batch);
      this.wakeup();
      return;
    }
    if (this.tm && SEQUENCE_ERRORS.has(error.code)) this.tm.handleSequenceError(batch, error.code);
    const retriable = error.retriable || (this.tm !== null && SEQUENCE_ERRORS.has(error.code));
    if (retriable && this.canRetry(batch, now)) {
      this.d.logger.debug(`retrying ${batch.topicPartition.topic}-${batch.topicPartition.partition} (attempt ${batch.attempts + 1}) after ${error.code} from node ${nodeId}`);
      if (staleMetadata(error.code) || error.code === 'NETWORK_EXCEPTION' || error.code === 'REQUEST_TIMED_OUT') this.d.metadata.requestUpdate();
      this.d.metrics.recordRetry.record(batch.recordCount, now);
      accumulator.reenqueue(batch, now);
      return;
    }
    if (staleMetadata(error.code)) this.d.metadata.requestUpdate();
    const final =
      retriable && batch.hasReachedDeliveryTimeout(config.deliveryTimeoutMs, now)
        ? new KafkaWireError('TIMEOUT', `Expiring ${batch.recordCount} record(s) for ${batch.topicPartition.topic}-${batch.topicPartition.partition}: ${now - batch.createdMs} ms has passed since batch creation (delivery.timeout.ms=${config.deliveryTimeoutMs}); last error: ${error.code}: ${error.message}`, { retriable: true, cause: error })
        : error;
    this.failBatch(batch, final, now);
  }

  private canRetry(batch: ProducerBatch, now: number): boolean {
    return batch.attempts < this.d.config.retries && !batch.hasReachedDeliveryTimeout(this.d.config.deliveryTimeoutMs, now) && !this.forceClosed;
  }

  /** delivery.timeout.ms: batches still in the accumulator past it fail with TIMEOUT. */
  private failExpiredBatches(now: number): void {
    for (const batch of this.d.accumulator.expiredBatches(now)) {
      const tp = batch.topicPartition;
      this.failBatch(
        batch,
        new KafkaWireError('TIMEOUT', `Expiring ${batch.recordCount} record(s) for ${tp.topic}-${tp.partition}: ${now - batch.createdMs} ms has passed since batch creation (delivery.timeout.ms=${this.d.config.deliveryTimeoutMs})`, { retriable: true }),
        now,
      );
    }
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
