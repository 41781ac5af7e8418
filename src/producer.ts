/**
 * The public Producer (Java's KafkaProducer): configuration -> wiring, and the send path.
 *
 *   send(record)
 *     -> interceptors.onSend -> serializers -> partitioner -> RecordAccumulator.append
 *     -> (Sender drains, sends, completes) -> callback / promise, interceptors.onAcknowledgement
 *
 * Owns: the resolved configuration, the components it wires together (Metadata, RecordAccumulator,
 * TransactionManager, ConnectionPool, Sender, ProducerMetrics), the sends still waiting for
 * metadata or memory, and the producer's lifecycle: open -> closing -> closed. Everything else
 * lives in its component.
 *
 * Lifecycle (one owner, here): `close()` moves to closing (send() fails with PRODUCER_CLOSED from
 * then on), lets the sends already accepted reach the accumulator, closes the accumulator and
 * lets the Sender drain it; when that is done, or `timeoutMs` has passed, `shutdown` stops every
 * component in one order that leaves nothing behind: the accumulator first (no append or memory
 * wait can start a batch any more; waiting allocations fail), then metadata (waiting sends fail,
 * new waits are refused), then every incomplete batch is aborted through its single exit, then
 * the Sender's timers and the connections. close() resolves once every record has settled.
 *
 * The core imports nothing from `node:`; the transport, zlib, diagnostics channels and module
 * resolution come from a Runtime (src/runtime/node/ registers Node's when the package entry is
 * imported). Time and randomness are injectable for tests.
 */
import { BufferPool, RecordAccumulator, type AppendResult } from './accumulator/index.js';
import { SystemClock, type Clock } from './common/clock.js';
import { getCodec, isSyncCodec, type CompressionCodec } from './compression/index.js';
import { COMPRESSION_IDS, type CompressionName } from './compression/codec.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { AuthenticationError, ConfigError, KafkaWireError } from './errors.js';
import { prefixedLogger, type Logger, type UserLogger } from './observability/logger.js';
import { ProducerMetrics } from './observability/metrics.js';
import { FrameTracer, type TraceListener } from './observability/trace.js';
import { ConnectionPool } from './network/connection-pool.js';
import { channelSecurityFrom } from './network/channel-security.js';
import type { SaslAuthenticator } from './network/sasl/index.js';
import { ConnectionAuthenticator, type SaslRequest } from './network/sasl-authentication.js';
import type { Transport } from './network/transport.js';
import { UNKNOWN_PARTITION, choosePartition, murmur2, toPositive, type Partitioner, type PartitioningOptions, type TopicPartitionsView } from './partitioner/index.js';
import { RECORD_BATCH_HEADER_SIZE, estimateRecordSizeUpperBound, type RecordHeaderInput } from './protocol/record-batch.js';
import { currentRuntime, type Runtime } from './runtime/runtime.js';
import { Metadata, type PartitionInfo } from './cluster/metadata.js';
import { Sender } from './sender/sender.js';
import { TransactionManager } from './idempotence/transaction-manager.js';
import { TxnManager, type ConsumerGroupMetadata, type TransactionOffset, type TxnResult } from './transactions/txn-manager.js';
import { TransactionState } from './transactions/transaction-state.js';
import { TransactionError } from './transactions/errors.js';

export type { ConsumerGroupMetadata, TransactionOffset } from './transactions/txn-manager.js';
export { AbortableTransactionError, FatalTransactionError, TransactionError, TRANSACTION_ABORTED } from './transactions/errors.js';

/** Keys and values: strings are written as UTF-8; null value = tombstone. */
export type Data = string | Uint8Array | null;

export type Headers = Readonly<Record<string, Data>> | ReadonlyArray<readonly [string, Data]>;

export interface ProducerRecord<K = Data, V = Data> {
  topic: string;
  key?: K | null;
  value: V | null;
  headers?: Headers;
  /** Explicit partition: always wins over the key. */
  partition?: number;
  /** CreateTime in ms since the epoch (number, bigint or Date); default: now. */
  timestamp?: number | bigint | Date;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1n with acks=0. */
  offset: bigint;
  /** CreateTime, or the broker's LogAppendTime when the topic uses it. */
  timestamp: number;
}

export type SendCallback = (error: KafkaWireError | null, metadata?: RecordMetadata) => void;

export interface ProducerInterceptor {
  /** May return a replacement record. A throwing interceptor is logged and skipped. */
  onSend?(record: ProducerRecord<unknown, unknown>): ProducerRecord<unknown, unknown> | void;
  /** Called once per record with its metadata or error. Exceptions are logged and ignored. */
  onAcknowledgement?(metadata: RecordMetadata | null, error: KafkaWireError | null): void;
}

export type { Serializer } from './java-classes.js';
import type { Serializer } from './java-classes.js';

/** Kafka producer properties (Java's names) plus JavaScript-only options. */
export interface ProducerConfig {
  'bootstrap.servers': string | string[];
  'key.serializer'?: Serializer | null;
  'value.serializer'?: Serializer | null;
  'partitioner.class'?: Partitioner | null;
  interceptors?: ProducerInterceptor[];
  logger?: UserLogger;
  /** Receives one event per request and response on every connection (src/observability/trace.ts). */
  trace?: TraceListener;
  [property: string]: unknown;
}

/** Test and embedding hooks: everything is defaulted from the registered Runtime. */
export interface ProducerInternals {
  clock?: Clock;
  random?: () => number;
  transport?: Transport;
  runtime?: Runtime;
}

export interface CloseOptions {
  /** How long to keep sending what is queued before failing it with PRODUCER_CLOSED. Default: no limit. */
  timeoutMs?: number;
}

/**
 * The promise form's completion slot. It keeps only the promise's resolve function: a failure
 * resolves the promise with a {@link Rejection}, which rejects it. So a record waiting for its
 * acknowledgement holds its promise, one resolving function and this object — not the reject
 * function as well, nor an executor closure (a Deferred holding both, made by a closure per send,
 * was 4 % slower on 1M records against Kafka 4.4). What is left of the promise form's cost
 * (about 0.7x the callback form's throughput) is V8's: the promise, its resolving functions, the
 * `then` lookup on the metadata object when it resolves, and the reaction jobs.
 */
class PromiseSlot {
  constructor(readonly resolve: (value: RecordMetadata | PromiseLike<RecordMetadata>) => void) {}
}

/** A thenable that rejects with `error`: resolving a promise with it rejects that promise. */
class Rejection implements PromiseLike<never> {
  constructor(private readonly error: unknown) {}
  then<A = never, B = never>(_onFulfilled?: unknown, onRejected?: ((reason: unknown) => A | B | PromiseLike<A | B>) | null): PromiseLike<A | B> {
    onRejected?.(this.error);
    return this as unknown as PromiseLike<A | B>;
  }
}

// One executor for every send: it hands the resolve function out instead of closing over a slot.
let capturedResolve: PromiseSlot['resolve'] | null = null;
const captureResolve = (resolve: PromiseSlot['resolve']): void => {
  capturedResolve = resolve;
};

/**
 * The completion slot of a record written to a writable({ onFailure }) stream: the stream's
 * onFailure and the write's index. One small object per record, not a closure and its context (a
 * buffer.memory full of 100 B records holds ~290k of them).
 */
class IndexedSlot {
  constructor(
    readonly onFailure: (error: KafkaWireError, index: number) => void,
    readonly index: number,
  ) {}
}

/** A slot wrapped so interceptors see the acknowledgement (only when interceptors exist). */
class InterceptedSlot {
  constructor(readonly inner: PromiseSlot | SendCallback | IndexedSlot) {}
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const encoder = new TextEncoder();

function closedError(): KafkaWireError {
  return new KafkaWireError('PRODUCER_CLOSED', 'Cannot perform operation after producer has been closed');
}

function asData(what: string, v: unknown, topic: string): Data {
  if (v === null || typeof v === 'string' || v instanceof Uint8Array) return v;
  if (v === undefined) return null;
  throw new KafkaWireError('SERIALIZATION', `${what} of a record for topic ${topic} must be a string, Uint8Array or null (got ${typeof v}); configure ${what === 'key' ? 'key' : 'value'}.serializer for other types`);
}

export class Producer {
  readonly config: ResolvedConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly runtime: Runtime;
  private readonly metadata: Metadata;
  private readonly accumulator: RecordAccumulator;
  private readonly pool: ConnectionPool;
  private readonly sender: Sender;
  /** transactional.id: the transactional state machine (null for a non-transactional producer). */
  private readonly txn: TxnManager | null;
  private readonly metricsRegistry: ProducerMetrics;
  private readonly interceptors: readonly ProducerInterceptor[];
  private readonly keySerializer: Serializer | null;
  private readonly valueSerializer: Serializer | null;
  private readonly partitioner: Partitioner | null;
  private readonly ignoreKeys: boolean;
  private readonly partitioning: PartitioningOptions;
  private readonly maxBlockMs: number;
  private readonly acks: number;
  private readonly clientId: string;
  private codec: CompressionCodec | null = null;
  private codecLoad: Promise<CompressionCodec> | null = null;
  private readonly compressionLevel: number | undefined;
  /** Per topic, the last send still waiting for the topic's metadata (later sends queue behind it). */
  private readonly coldSends = new Map<string, Promise<void>>();
  /** Sends accepted but not yet in the accumulator (waiting for metadata or memory). */
  private readonly pendingSends = new Set<Promise<unknown>>();
  /** Estimated bytes the pending sends hold (their records), for the waiting-send-bytes metric. */
  private pendingSendBytes = 0;
  private state: 'open' | 'closing' | 'closed' = 'open';
  /** Topic names already checked against Kafka's rules. */
  private readonly validTopics = new Set<string>();
  private keyScratch = new Uint8Array(256);
  private closePromise: Promise<void> | null = null;
  /** SASL's shared state (credentials, the OAUTHBEARER token and its refresh timer); null without SASL. */
  private readonly saslAuthenticator: SaslAuthenticator | null;

  constructor(config: ProducerConfig, internals: ProducerInternals = {}) {
    if (config === null || typeof config !== 'object') throw new ConfigError('config', 'the Producer needs a configuration object');
    const c = (this.config = resolveConfig(config));
    this.runtime = internals.runtime ?? currentRuntime();
    this.clock = internals.clock ?? SystemClock;
    const random = internals.random ?? Math.random;
    this.logger = prefixedLogger(config.logger, c.str('client.id'));
    this.interceptors = validateInterceptors(config.interceptors);
    this.keySerializer = (c.values['key.serializer'] as Serializer | null) ?? null;
    this.valueSerializer = (c.values['value.serializer'] as Serializer | null) ?? null;
    this.partitioner = (c.values['partitioner.class'] as Partitioner | null) ?? null;
    this.ignoreKeys = c.bool('partitioner.ignore.keys');
    this.partitioning = { partitioner: this.partitioner, ignoreKeys: this.ignoreKeys };
    this.maxBlockMs = c.int('max.block.ms');
    this.acks = c.str('acks') === 'all' ? -1 : Number(c.str('acks'));
    this.clientId = c.str('client.id');

    // The batch checksum passes over every byte sent: a native CRC32C where the runtime has one.
    if (this.runtime.codecOptions?.implementation !== 'pure') this.runtime.accelerateCrc32c?.();
    const compressionName = c.str('compression.type') as CompressionName;
    const compression = COMPRESSION_IDS[compressionName];
    this.compressionLevel = levelFor(c, compressionName);
    if (compression !== 0) {
      // A missing optional codec package is a construction-time error naming the package.
      this.runtime.checkCodecAvailable?.(compressionName);
      this.codecLoad = getCodec(compression, this.runtime.codecOptions ?? {}).then((codec) => (this.codec = codec));
      this.codecLoad.catch(() => {}); // surfaced when a batch is compressed
    }

    this.metricsRegistry = new ProducerMetrics(this.clock, c.int('metrics.sample.window.ms'), c.int('metrics.num.samples'));
    this.metadata = new Metadata(this.clock, c.int('metadata.max.age.ms'), c.int('metadata.max.idle.ms'), c.int('retry.backoff.ms'), c.int('retry.backoff.max.ms'), random);
    this.metadata.onMalformed = (what) => this.logger.warn(what);
    const transactionalId = c.values['transactional.id'] as string | null;
    // One owner of the producer id, epoch and sequences (idempotence); transactions build on it.
    const tm = c.bool('enable.idempotence') ? new TransactionManager({ transactional: transactionalId !== null }) : null;
    let sender: Sender | null = null;
    const txn = (this.txn =
      transactionalId !== null && tm !== null
        ? new TxnManager({
            transactionalId,
            transactionTimeoutMs: c.int('transaction.timeout.ms'),
            retryBackoffMs: Math.min(c.int('retry.backoff.ms'), c.int('retry.backoff.max.ms')),
            idempotence: tm,
            clock: this.clock,
            logger: this.logger,
            transactionV2Available: () => sender?.transactionV2Available() ?? false,
            sendsInProgress: () => this.pendingSends.size > 0,
          })
        : null);

    const metrics = this.metricsRegistry;
    this.accumulator = new RecordAccumulator({
      batchSize: c.int('batch.size'),
      // The producer builds the pool so waiting time and exhaustion feed Java's metrics.
      pool: new BufferPool(c.int('buffer.memory'), Math.max(c.int('batch.size'), RECORD_BATCH_HEADER_SIZE), {
        clock: this.clock,
        onWaitTime: (ms) => metrics.bufferPoolWaitTime.record(ms * 1e6),
        onExhausted: () => metrics.bufferExhausted.record(1),
      }),
      lingerMs: c.int('linger.ms'),
      transactional: txn !== null,
      retryBackoffMs: c.int('retry.backoff.ms'),
      retryBackoffMaxMs: c.int('retry.backoff.max.ms'),
      deliveryTimeoutMs: c.int('delivery.timeout.ms'),
      maxRequestSize: c.int('max.request.size'),
      maxBlockMs: this.maxBlockMs,
      compression,
      ...(compression !== 0 ? { compress: this.compress } : {}),
      adaptivePartitioning: c.bool('partitioner.adaptive.partitioning.enable'),
      partitionAvailabilityTimeoutMs: c.int('partitioner.availability.timeout.ms'),
      complete: this.complete,
      onCallbackError: (e) => this.logger.error(`error in a send callback: ${(e as Error)?.stack ?? String(e)}`),
      clock: this.clock,
      random,
      randomInt: () => Math.floor(random() * 0x80000000),
    });

    // TLS material and SASL credentials are checked (and files read) now: a bad path or a
    // malformed sasl.jaas.config is a ConfigError here, not a failure of the first record.
    const security = channelSecurityFrom(c.values, c.explicit, {
      runtimeName: this.runtime.name,
      ...(this.runtime.loadTls ? { loadTls: (settings) => this.runtime.loadTls!(settings) } : {}),
      clock: this.clock,
      logger: this.logger,
    });
    this.saslAuthenticator = security.sasl ?? null;
    const transport = internals.transport ?? this.runtime.transport();
    const trace = config.trace;
    if (trace !== undefined && typeof trace !== 'function') throw new ConfigError('trace', 'must be a function that receives each trace event');
    const decompress = (id: number, data: Uint8Array): Promise<Uint8Array> => getCodec(id, this.runtime.codecOptions ?? {}).then((codec) => codec.decompress(data));
    this.pool = new ConnectionPool({
      transport,
      clock: this.clock,
      random,
      reconnectBackoffMs: c.int('reconnect.backoff.ms'),
      reconnectBackoffMaxMs: c.int('reconnect.backoff.max.ms'),
      connectionSetupTimeoutMs: c.int('socket.connection.setup.timeout.ms'),
      connectionSetupTimeoutMaxMs: c.int('socket.connection.setup.timeout.max.ms'),
      maxInFlight: c.int('max.in.flight.requests.per.connection'),
      requestTimeoutMs: c.int('request.timeout.ms'),
      connectionsMaxIdleMs: c.int('connections.max.idle.ms'),
      ...(security.tls ? { tls: security.tls } : {}),
      ...(trace ? { tap: new FrameTracer(trace, { decompress, onListenerError: (e) => this.logger.error(`error in the trace function: ${String(e)}`) }).tap } : {}),
      onConnected: (conn) => sender!.handshake(conn),
      onReady: () => {
        this.metadata.clearFailure();
        sender?.wakeup();
      },
      onWritable: () => sender?.wakeup(),
      onDisconnect: (nodeId, reason) => {
        if (reason instanceof AuthenticationError) sender?.authenticationFailed(nodeId, reason);
        else if (reason) this.logger.debug(`node ${nodeId} disconnected: ${reason.message}`);
        sender?.wakeup();
      },
    });
    this.pool.addBootstrapServers(c.list('bootstrap.servers').join(','));

    const diagnostics = this.runtime.diagnostics;
    sender = this.sender = new Sender({
      config: {
        clientId: c.str('client.id'),
        acks: this.acks,
        requestTimeoutMs: c.int('request.timeout.ms'),
        maxInFlightRequestsPerConnection: c.int('max.in.flight.requests.per.connection'),
        maxRequestSize: c.int('max.request.size'),
        retries: c.int('retries'),
        retryBackoffMs: c.int('retry.backoff.ms'),
        retryBackoffMaxMs: c.int('retry.backoff.max.ms'),
        deliveryTimeoutMs: c.int('delivery.timeout.ms'),
        compression,
        rebootstrap: c.str('metadata.recovery.strategy').toLowerCase() === 'rebootstrap',
        rebootstrapTriggerMs: c.int('metadata.recovery.rebootstrap.trigger.ms'),
      },
      accumulator: this.accumulator,
      metadata: this.metadata,
      pool: this.pool,
      transactionManager: tm,
      transactions: txn,
      ...(security.sasl
        ? {
            sasl: new ConnectionAuthenticator({
              authenticator: security.sasl,
              request: ((conn, apiKey, version, body) => sender!.saslRequest(conn, apiKey, version, body)) as SaslRequest,
              clock: this.clock,
              logger: this.logger,
              random,
            }),
          }
        : {}),
      metrics: this.metricsRegistry,
      clock: this.clock,
      logger: this.logger,
      random,
      ...(this.runtime.schedule ? { schedule: (fn: () => void) => this.runtime.schedule!(fn) } : {}),
      ...(diagnostics
        ? {
            onRequest: (info) => diagnostics.request({ clientId: c.str('client.id'), ...info }),
            onResponse: (info) => diagnostics.response({ clientId: c.str('client.id'), ...info }),
          }
        : {}),
    });
    this.accumulator.setHooks({
      ...(tm
        ? {
            // A transaction's partition is drained only once it is in the transaction (v1:
            // AddPartitionsToTxn answered), and never after a fatal error.
            shouldStopDrainBatchesForPartition: txn
              ? (batch, tp) => !txn.isSendToPartitionAllowed(tp) || tm.shouldStopDrain(batch)
              : (batch) => tm.shouldStopDrain(batch),
            onFirstDrain: (batch) => tm.assignSequence(batch),
            onBatchExit: (batch, exit) => tm.handleExit(batch, exit),
          }
        : {}),
      // Committing or aborting: every batch is sendable now (Java's isCompleting), so EndTxn follows soon.
      ...(txn ? { isTransactionCompleting: () => txn.isCompleting } : {}),
      wakeup: () => sender!.wakeup(),
    });
    this.metricsRegistry.gauges = {
      bufferTotalBytes: () => this.accumulator.pool.totalMemory,
      bufferAvailableBytes: () => this.accumulator.pool.availableMemory,
      waitingThreads: () => this.accumulator.pool.queued,
      requestsInFlight: () => this.sender.requestsInFlight,
      metadataAgeSeconds: () => this.metadata.ageSeconds(),
      waitingSends: () => this.pendingSends.size,
      waitingSendBytes: () => this.pendingSendBytes,
    };
    this.sender.wakeup(); // bootstrap: fetch metadata and the producer id early, as Java does
    this.logger.info(`producer started (acks=${c.str('acks')}, idempotence=${c.bool('enable.idempotence')}, compression=${compressionName}${txn ? `, transactional.id=${txn.transactionalId}` : ''})`);
  }

  // --- send ---------------------------------------------------------------------------------

  /** Sends a record; resolves with its metadata once the broker acknowledged it (per `acks`). */
  send(record: ProducerRecord<unknown, unknown>): Promise<RecordMetadata>;
  /** Callback form: no promise is created; `callback` runs once with an error or the metadata. */
  send(record: ProducerRecord<unknown, unknown>, callback: SendCallback): void;
  send(record: ProducerRecord<unknown, unknown>, callback?: SendCallback): Promise<RecordMetadata> | void {
    let slot: PromiseSlot | SendCallback;
    let promise: Promise<RecordMetadata> | undefined;
    if (callback === undefined) {
      promise = new Promise<RecordMetadata>(captureResolve);
      slot = new PromiseSlot(capturedResolve!);
      capturedResolve = null;
    } else if (typeof callback === 'function') slot = callback;
    else throw new TypeError('send(record, callback): callback must be a function');
    const outer = this.interceptors.length > 0 ? new InterceptedSlot(slot) : slot;
    try {
      this.doSend(record, outer);
    } catch (e) {
      this.complete(outer, asWireError(e), record?.topic ?? '', -1, -1n, -1);
    }
    return promise;
  }

  /** Returns a promise only when the record has to wait (metadata, memory): it settles once the record is in a batch (or failed). */
  private doSend(input: ProducerRecord<unknown, unknown>, slot: unknown): Promise<void> | undefined {
    if (this.state !== 'open') throw closedError();
    // A transactional producer sends only inside a transaction (the record fails at once otherwise).
    if (this.txn !== null) this.txn.checkSendAllowed();
    let record = input;
    if (record === null || typeof record !== 'object') throw new KafkaWireError('INVALID_RECORD', 'send() needs a record object { topic, key?, value, headers?, partition?, timestamp? }');
    for (const interceptor of this.interceptors) {
      if (!interceptor.onSend) continue;
      try {
        record = interceptor.onSend(record) ?? record;
      } catch (e) {
        this.logger.warn(`interceptor onSend threw; skipping it: ${(e as Error)?.message ?? String(e)}`);
      }
    }
    const topic = record.topic;
    if (!this.validTopics.has(topic)) this.validateTopic(topic);
    if (!('value' in record)) throw new KafkaWireError('INVALID_RECORD', `A record for topic ${topic} needs a value (use null for a tombstone)`);
    let headers = normalizeHeaders(record.headers, topic);
    // Serializers may add headers (as Java's do): give them an array of their own.
    if (headers === NO_HEADERS && (this.keySerializer !== null || this.valueSerializer !== null)) headers = [];
    const key = this.keySerializer ? asData('key', this.keySerializer(record.key ?? null, topic, headers), topic) : asData('key', record.key, topic);
    const value = this.valueSerializer ? asData('value', this.valueSerializer(record.value, topic, headers), topic) : asData('value', record.value, topic);
    const now = this.clock.now();
    // CreateTime is wall-clock time; deadlines use the monotonic now().
    const given = record.timestamp;
    const timestamp = given === undefined || given === null ? this.wallClockAt(now) : normalizeTimestamp(given, topic);
    const explicit = record.partition;
    if (explicit !== undefined && explicit !== null && (!Number.isInteger(explicit) || explicit < 0)) {
      throw new KafkaWireError('INVALID_PARTITION', `Invalid partition ${String(explicit)} given with a record for topic ${topic}`);
    }
    this.metadata.touch(topic, now);
    const view = this.metadata.topic(topic);
    const earlier = this.coldSends.get(topic);
    if (view !== undefined && earlier === undefined) {
      return this.append(topic, view, explicit, key, value, headers, timestamp, slot, now, this.maxBlockMs);
    }
    // Cold path: wait (up to max.block.ms) for the topic's metadata, then append. Sends to the
    // topic that come meanwhile queue behind this one, so none overtakes an earlier one (Java's
    // send blocks the caller instead). No state check: close() lets sends that returned arrive
    // (or fails them with PRODUCER_CLOSED when it times out: metadata and accumulator refuse).
    this.sender.wakeup();
    const ready = earlier === undefined ? this.metadata.awaitTopic(topic, this.maxBlockMs) : earlier.then(() => this.metadata.awaitTopic(topic, Math.max(0, this.maxBlockMs - (this.clock.now() - now))));
    const pending = ready.then(() => {
      const at = this.clock.now();
      return this.append(topic, this.metadata.topic(topic)!, explicit, key, value, headers, timestamp, slot, at, Math.max(0, this.maxBlockMs - (at - now)));
    });
    const tail = pending.then(
      () => undefined,
      () => undefined,
    );
    this.coldSends.set(topic, tail);
    void tail.then(() => {
      if (this.coldSends.get(topic) === tail) this.coldSends.delete(topic);
    });
    return this.trackPending(pending, slot, topic, estimateRecordSizeUpperBound(key, value, headers));
  }

  private append(
    topic: string,
    view: TopicPartitionsView,
    explicit: number | undefined,
    key: Data,
    value: Data,
    headers: Array<[string, Data]>,
    timestamp: number,
    slot: unknown,
    now: number,
    maxBlockMs: number,
  ): Promise<void> | undefined {
    let partition: number;
    if (explicit !== undefined && explicit !== null) {
      if (explicit >= view.partitionCount) {
        throw new KafkaWireError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${explicit} of topic ${topic} with partition count ${view.partitionCount} is not present in metadata`);
      }
      partition = explicit;
    } else if (this.partitioner === null && view.partitionCount > 0) {
      // Kafka's default partitioning, inline (this runs per record): murmur2 of the key's bytes,
      // or -1 for the accumulator's sticky partitioner. A string key is hashed from its UTF-8
      // in a reused scratch buffer (the accumulator writes the string itself into the batch).
      if (key === null || this.ignoreKeys) partition = UNKNOWN_PARTITION;
      else if (typeof key === 'string') partition = toPositive(murmur2(this.keyScratch, 0, this.utf8Scratch(key))) % view.partitionCount;
      else partition = toPositive(murmur2(key)) % view.partitionCount;
    } else {
      const keyBytes = key === null ? null : typeof key === 'string' ? encoder.encode(key) : key;
      const valueBytes = this.partitioner && value !== null ? (typeof value === 'string' ? encoder.encode(value) : value) : null;
      partition = choosePartition(topic, null, keyBytes, valueBytes, view, this.partitioning);
    }
    const result = this.accumulator.append(topic, partition, timestamp, key, value, headers.length === 0 ? null : (headers as RecordHeaderInput[]), slot, this.metadata, now, maxBlockMs);
    const diagnostics = this.runtime.diagnostics;
    if (diagnostics?.sendActive) {
      diagnostics.send({ clientId: this.clientId, topic, partition: result instanceof Promise ? partition : result.partition });
    }
    if (result instanceof Promise) {
      this.sender.wakeup(); // memory is short: make sure the sender is draining
      return this.trackPending(
        result.then((r) => {
          this.txn?.addPartition({ topic, partition: r.partition });
          this.afterAppend(r, this.clock.now());
        }),
        slot,
        topic,
        estimateRecordSizeUpperBound(key, value, headers.length === 0 ? null : (headers as RecordHeaderInput[])),
      );
    }
    // The partition joins the transaction (v1: AddPartitionsToTxn before its first batch goes).
    if (this.txn !== null) this.txn.addPartition({ topic, partition: result.partition });
    this.afterAppend(result, now);
    return undefined;
  }

  private afterAppend(result: AppendResult, now: number): void {
    if (result.batchIsFull || result.newBatchCreated) this.sender.wakeup();
    this.metricsRegistry.recordSize.record(result.appendedBytes, now);
  }

  /** CreateTime of a record sent at monotonic `now`: the wall clock (Clock.wallClockAt where the clock has it). */
  private wallClockAt(now: number): number {
    const clock = this.clock;
    return Math.floor(clock.wallClockAt !== undefined ? clock.wallClockAt(now) : (clock.wallClockMs?.() ?? now));
  }

  /** UTF-8 of `s` into the reused key scratch buffer; returns its length. */
  private utf8Scratch(s: string): number {
    if (this.keyScratch.length < s.length * 3) this.keyScratch = new Uint8Array(s.length * 3);
    return encoder.encodeInto(s, this.keyScratch).written;
  }

  /** Kafka's topic name rules, checked once per name (the result is cached). */
  private validateTopic(topic: unknown): asserts topic is string {
    if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
      throw new KafkaWireError('INVALID_TOPIC_EXCEPTION', `Invalid topic name ${JSON.stringify(topic)}: use 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'`);
    }
    if (this.validTopics.size > 10_000) this.validTopics.clear();
    this.validTopics.add(topic);
  }

  /**
   * Tracks a send that waits (metadata or memory); a failure completes its slot. The returned
   * promise never rejects: it settles when the record is in a batch or has failed. While it
   * waits, the send holds its record (`bytes`, estimated), counted in waiting-send-bytes.
   */
  private trackPending(p: Promise<unknown>, slot: unknown, topic: string, bytes: number): Promise<void> {
    const tracked = p.then(
      () => undefined,
      (e: unknown) => this.complete(slot, asWireError(e), topic, -1, -1n, -1),
    );
    this.pendingSends.add(tracked);
    this.pendingSendBytes += bytes;
    void tracked.finally(() => {
      this.pendingSends.delete(tracked);
      this.pendingSendBytes -= bytes;
    });
    return tracked;
  }

  /** The accumulator's completion handler: one call per record, in record order. */
  private readonly complete = (slot: unknown, error: Error | null, topic: string, partition: number, offset: bigint, timestamp: number): void => {
    const md: RecordMetadata | null = error === null ? { topic, partition, offset, timestamp } : null;
    const err = error === null ? null : asWireError(error);
    let target = slot;
    if (target instanceof InterceptedSlot) {
      for (const interceptor of this.interceptors) {
        if (!interceptor.onAcknowledgement) continue;
        try {
          interceptor.onAcknowledgement(md, err);
        } catch (e) {
          this.logger.warn(`interceptor onAcknowledgement threw: ${(e as Error)?.message ?? String(e)}`);
        }
      }
      target = target.inner;
    }
    if (err !== null) this.runtime.diagnostics?.error({ clientId: this.clientId, topic, error: err });
    if (target instanceof PromiseSlot) {
      target.resolve(err === null ? md! : new Rejection(err));
    } else if (target instanceof IndexedSlot) {
      if (err !== null) {
        try {
          target.onFailure(err, target.index);
        } catch (e) {
          this.logger.error(`a writable's onFailure threw: ${(e as Error)?.stack ?? String(e)}`);
        }
      }
    } else if (typeof target === 'function') {
      try {
        (target as SendCallback)(err, md ?? undefined);
      } catch (e) {
        this.logger.error(`a send callback threw: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
  };

  private readonly compress = (codecId: number, data: Uint8Array): Uint8Array | Promise<Uint8Array> => {
    const codec = this.codec;
    if (codec !== null) return isSyncCodec(codec) ? codec.compress(data, this.compressionLevel) : codec.compress(data, this.compressionLevel);
    return this.codecLoad!.then((c) => c.compress(data, this.compressionLevel));
  };

  /**
   * A WHATWG WritableStream of records into this producer, with backpressure from buffer.memory:
   * a write resolves once its record is in a batch — at once while memory is free, later while
   * buffer.memory is exhausted or the topic's metadata is awaited — so a source piped into it
   * (`readable.pipeTo(producer.writable())`) is paused instead of piling up waiting sends.
   * Delivery is not awaited per write (that would allow one batch in flight): a record that fails
   * errors the stream with its KafkaWireError (later writes reject with it; records already
   * written still settle). close() flushes and rejects if any record written through the stream
   * failed. The producer stays open; close it yourself. One shared callback, no promise per record.
   *
   * `onFailure`: a record that fails is reported to it with its error and its write's index (0 for
   * the stream's first record) instead, and the stream goes on (as Java's callback: a console
   * producer reports the line and keeps reading); close() then resolves. The index, not the
   * record, so that a record in a batch is not kept alive for the report: that mode holds one
   * small object (onFailure, index) per record until it settles.
   */
  writable(
    options: { highWaterMark?: number; onFailure?: (error: KafkaWireError, index: number) => void } = {},
  ): WritableStream<ProducerRecord<unknown, unknown>> {
    const highWaterMark = options.highWaterMark ?? 1;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 0) throw new TypeError('writable({ highWaterMark }): a non-negative integer');
    const onFailure = options.onFailure;
    if (onFailure !== undefined && typeof onFailure !== 'function') throw new TypeError('writable({ onFailure }): a function');
    let failure: KafkaWireError | null = null;
    let controller: WritableStreamDefaultController | null = null;
    const delivered: SendCallback = (err) => {
      if (err !== null && failure === null) {
        failure = err;
        controller?.error(err);
      }
    };
    const intercepted = this.interceptors.length > 0;
    const shared = intercepted ? new InterceptedSlot(delivered) : delivered;
    let written = 0;
    const slotFor = (index: number): SendCallback | IndexedSlot | InterceptedSlot => {
      if (onFailure === undefined) return shared;
      const indexed = new IndexedSlot(onFailure, index);
      return intercepted ? new InterceptedSlot(indexed) : indexed;
    };
    return new WritableStream<ProducerRecord<unknown, unknown>>(
      {
        start: (c) => {
          controller = c;
        },
        write: (record) => {
          if (failure !== null) throw failure;
          // A record refused at once (bad input, closed producer) rejects this write; with
          // onFailure, a refused record is reported like a failed one (Java's send() hands an
          // ApiException to the callback), and only a closed producer ends the stream.
          const index = written++;
          try {
            return this.doSend(record, slotFor(index));
          } catch (e) {
            const error = asWireError(e);
            if (onFailure === undefined || error.code === 'PRODUCER_CLOSED') throw error;
            onFailure(error, index);
            return undefined;
          }
        },
        close: async () => {
          await this.flush();
          if (failure !== null) throw failure;
        },
      },
      { highWaterMark, size: () => 1 },
    );
  }

  // --- transactions (transactional.id; docs/TRANSACTIONS.md) ----------------------------------

  /**
   * Java's initTransactions(): finds the transaction coordinator and gets the producer id and
   * epoch for transactional.id, which fences any older producer with the same id and completes
   * or aborts the transaction it left open. Call once, before the first transaction. Waits up to
   * max.block.ms; after a TIMEOUT the call may be repeated (it awaits the same request).
   */
  async initTransactions(): Promise<void> {
    const txn = this.transactional('initTransactions');
    await this.awaitTransactional(txn.initTransactions(), 'initTransactions');
  }

  /** Java's beginTransaction(): opens a transaction (no request is sent). */
  beginTransaction(): void {
    this.transactional('beginTransaction').beginTransaction();
  }

  /**
   * Java's sendOffsetsToTransaction(offsets, groupMetadata): the consumer offsets commit with the
   * transaction (read-process-write). `offset` is the next record to read, as Java's
   * OffsetAndMetadata. Transactions v1: AddOffsetsToTxn, then TxnOffsetCommit to the group
   * coordinator; v2: TxnOffsetCommit only. Pass generationId / memberId / groupInstanceId from
   * the consumer so a zombie member's offsets are refused (KIP-447).
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const txn = this.transactional('sendOffsetsToTransaction');
    await this.awaitTransactional(txn.sendOffsetsToTransaction(offsets, group), 'sendOffsetsToTransaction');
  }

  /**
   * Java's commitTransaction(): every record sent in the transaction is delivered first (a
   * failed one fails the commit with an AbortableTransactionError: abort, then retry the
   * transaction), then EndTxn(commit). Waits up to max.block.ms; after a TIMEOUT repeat it.
   */
  async commitTransaction(): Promise<void> {
    const txn = this.transactional('commitTransaction');
    await this.awaitTransactional(txn.beginCommit(), 'commitTransaction');
  }

  /**
   * Java's abortTransaction(): records not yet sent fail with TRANSACTION_ABORTED at once, the
   * ones in flight when answered (every pending record of the transaction completes with an
   * error), then EndTxn(abort). Also the way out of an AbortableTransactionError.
   */
  async abortTransaction(): Promise<void> {
    const txn = this.transactional('abortTransaction');
    await this.awaitTransactional(txn.beginAbort(), 'abortTransaction');
  }

  /**
   * Runs `fn` in a transaction: begin, `await fn()`, commit. If `fn` throws, or the commit fails
   * with an abortable error, the transaction is aborted and the error rethrown. A fatal error
   * (e.g. PRODUCER_FENCED) is rethrown as it is: close the producer.
   */
  async transaction<T>(fn: () => T | Promise<T>): Promise<T> {
    const txn = this.transactional('transaction');
    txn.beginTransaction();
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      await this.abortAfter(txn, e);
      throw e;
    }
    try {
      await this.commitTransaction();
    } catch (e) {
      await this.abortAfter(txn, e);
      throw e;
    }
    return result;
  }

  /** After `cause` ended a transaction early: abort it if that is still possible. */
  private async abortAfter(txn: TxnManager, cause: unknown): Promise<void> {
    if (txn.state !== TransactionState.IN_TRANSACTION && txn.state !== TransactionState.ABORTABLE_ERROR) return;
    try {
      await this.abortTransaction();
    } catch (e) {
      this.logger.warn(`aborting the transaction after ${(cause as Error)?.message ?? String(cause)} failed too: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private transactional(operation: string): TxnManager {
    if (this.txn === null) {
      throw new KafkaWireError('ILLEGAL_STATE', `${operation}(): transactional method invoked on a non-transactional producer (set transactional.id)`);
    }
    if (this.state !== 'open') throw closedError();
    return this.txn;
  }

  /** Awaits a transactional call's result for at most max.block.ms (Java's result.await). */
  private async awaitTransactional(result: TxnResult, operation: string): Promise<void> {
    this.sender.wakeup();
    if (result.completed) return result.promise;
    let timer: { cancel(): void } | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimer(
        () => reject(new TransactionError('TIMEOUT', `Timeout expired after ${this.maxBlockMs} ms (max.block.ms) while awaiting ${result.operation}; call ${operation}() again to keep waiting for it`)),
        this.maxBlockMs,
      );
    });
    try {
      await Promise.race([result.promise, timeout]);
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
    }
  }

  // --- flush / close ------------------------------------------------------------------------

  /**
   * Resolves when every record sent before this call is complete (delivered or failed). Sends
   * made after it do not hold it: it waits for the sends still on their way to the accumulator
   * now (metadata, memory) and then for the batches that exist at that point (later records may
   * have joined those batches; nothing created later is waited for). Java's flush().
   */
  async flush(): Promise<void> {
    const earlier = [...this.pendingSends];
    this.accumulator.beginFlush(); // every partition is sendable now, which also frees memory
    this.sender.wakeup();
    if (earlier.length > 0) await Promise.all(earlier);
    await this.accumulator.awaitFlushCompletion();
  }

  /**
   * Sends what is queued (up to `timeoutMs`), then fails whatever is left with PRODUCER_CLOSED
   * and releases sockets and timers. send() afterwards fails at once. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closePromise ??= this.doClose(options.timeoutMs ?? Infinity);
    return this.closePromise;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    const deadline = this.clock.now() + timeoutMs;
    const graceful = (async () => {
      // No send is accepted any more, so this ends: each pending send appends or fails.
      while (this.pendingSends.size > 0) await Promise.all([...this.pendingSends]);
      // An open transaction is aborted, as Java's Sender does at close.
      const txn = this.txn;
      if (txn !== null && (txn.state === TransactionState.IN_TRANSACTION || txn.state === TransactionState.ABORTABLE_ERROR)) {
        this.logger.info('aborting the open transaction at close');
        txn.beginAbort().promise.catch(() => {});
      }
      this.accumulator.close(); // every batch becomes sendable now
      this.sender.initiateClose();
      await this.sender.awaitIdle();
    })();
    if (Number.isFinite(timeoutMs)) {
      let timer: { cancel(): void } | null = null;
      const expired = new Promise<void>((resolve) => {
        timer = this.clock.setTimer(resolve, Math.max(0, deadline - this.clock.now()));
      });
      await Promise.race([graceful, expired]);
      (timer as { cancel(): void } | null)?.cancel();
    } else await graceful;
    this.shutdown(new KafkaWireError('PRODUCER_CLOSED', 'Producer is closed forcefully: the record was not delivered before close() timed out'));
    // Everything refuses now, so the sends still pending settle at once (PRODUCER_CLOSED).
    while (this.pendingSends.size > 0) await Promise.all([...this.pendingSends]);
    this.state = 'closed';
    this.logger.info('producer closed');
  }

  /** Stops every component, in the order the class comment explains. Idempotent. */
  private shutdown(error: KafkaWireError): void {
    this.txn?.close();
    this.accumulator.close();
    this.metadata.close(error);
    this.accumulator.abortIncompleteBatches(error);
    this.sender.forceClose();
    this.pool.close();
    this.saslAuthenticator?.close();
  }

  // --- introspection ------------------------------------------------------------------------

  /** Java's producer metrics by name. */
  metrics(): Record<string, number> {
    return this.metricsRegistry.snapshot();
  }

  /** The partitions of `topic` (waits up to max.block.ms for metadata). */
  async partitionsFor(topic: string): Promise<PartitionInfo[]> {
    if (this.state !== 'open') throw closedError();
    if (typeof topic !== 'string' || !TOPIC_NAME.test(topic)) throw new KafkaWireError('INVALID_TOPIC_EXCEPTION', `Invalid topic name ${JSON.stringify(topic)}`);
    this.sender.wakeup();
    await this.metadata.awaitTopic(topic, this.maxBlockMs);
    return [...(this.metadata.partitions(topic) ?? [])];
  }
}

function levelFor(c: ResolvedConfig, name: CompressionName): number | undefined {
  switch (name) {
    case 'gzip': {
      const l = c.int('compression.gzip.level');
      return l === -1 ? undefined : l;
    }
    case 'lz4':
      return c.int('compression.lz4.level');
    case 'zstd':
      return c.int('compression.zstd.level');
    default:
      return undefined;
  }
}

function validateInterceptors(list: unknown): ProducerInterceptor[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ConfigError('interceptors', 'must be an array of { onSend?, onAcknowledgement? } objects');
  list.forEach((i, n) => {
    if (i === null || typeof i !== 'object') throw new ConfigError('interceptors', `entry ${n} must be an object with onSend and/or onAcknowledgement`);
  });
  return list as ProducerInterceptor[];
}

const NO_HEADERS: Array<[string, Data]> = [];

function normalizeHeaders(headers: Headers | undefined, topic: string): Array<[string, Data]> {
  if (headers === undefined || headers === null) return NO_HEADERS;
  const out: Array<[string, Data]> = [];
  const check = (name: unknown, value: unknown): void => {
    if (typeof name !== 'string') throw new KafkaWireError('INVALID_RECORD', `Header names must be strings (record for topic ${topic})`);
    if (value !== null && typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new KafkaWireError('INVALID_RECORD', `Header ${JSON.stringify(name)} of a record for topic ${topic} must be a string, Uint8Array or null`);
    }
    out.push([name, value as Data]);
  };
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, Data]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new KafkaWireError('INVALID_RECORD', `Headers given as an array must be [name, value] pairs (record for topic ${topic})`);
      check(pair[0], pair[1]);
    }
  } else if (typeof headers === 'object') {
    for (const name of Object.keys(headers)) check(name, (headers as Record<string, Data>)[name]);
  } else throw new KafkaWireError('INVALID_RECORD', `Headers must be an object or an array of [name, value] pairs (record for topic ${topic})`);
  return out;
}

function normalizeTimestamp(ts: number | bigint | Date, topic: string): number {
  const n = ts instanceof Date ? ts.getTime() : typeof ts === 'bigint' ? Number(ts) : ts;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new KafkaWireError('INVALID_TIMESTAMP', `Invalid timestamp ${String(ts)} for a record for topic ${topic}: it should be a non-negative integer of ms since the epoch`);
  }
  return n;
}

function asWireError(e: unknown): KafkaWireError {
  if (e instanceof KafkaWireError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  return new KafkaWireError('UNKNOWN', err.message, { cause: err });
}
