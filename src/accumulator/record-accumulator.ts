/**
 * RecordAccumulator: per topic-partition queues of ProducerBatch between `send()` and the
 * Sender (Java's `RecordAccumulator`).
 *
 * Ownership:
 * - the accumulator owns the partition deques (a deque of batches per TopicPartition, the last
 *   one open for appends), the set of incomplete batches (created and not yet deallocated, for
 *   flush), the flush waiters, the per-node drain index, the muted partitions, the per-topic
 *   BuiltInPartitioner (sticky partition + load stats, as Java's TopicInfo) and the compression
 *   ratio estimates. The BufferPool owns the memory accounting; batches own their records and
 *   completion slots; the sender owns what is in flight and the producer state (through hooks).
 * - The producer calls `append` (and `beginFlush`/`awaitFlushCompletion`, `close`); the sender
 *   calls everything else (`ready`, `drain`, `reenqueue`, `splitAndReenqueue`, `expiredBatches`,
 *   `release`, `abortIncompleteBatches`, `mutePartition`...). Single-threaded: no locks.
 *   `release` is every batch's single exit (see BatchExit).
 *
 * `append` is synchronous when the record fits the partition's open batch or memory for a new
 * batch is available (no promise, no closure, a reused result object); only waiting for memory
 * (buffer.memory exhausted) returns a promise. While an append waits, later appends to the same
 * partition queue behind it, so records of a partition stay in send order.
 */
import type { Clock } from '../common/clock.js';
import { SystemClock } from '../common/clock.js';
import { KafkaWireError } from '../errors.js';
import { BuiltInPartitioner, defaultRandomInt, type RandomInt } from '../partitioner/builtin-partitioner.js';
import {
  RECORD_BATCH_HEADER_SIZE,
  estimateRecordSizeUpperBound,
  type RecordData,
  type RecordHeaderInput,
} from '../protocol/record-batch.js';
import { ExponentialBackoff } from '../common/backoff.js';
import { sequenceAfter } from '../protocol/sequence.js';
import { BufferPool } from './buffer-pool.js';
import type { ClusterView, TopicPartition, TopicPartitionsView } from './cluster-view.js';
import { COMPRESSION_RATE_ESTIMATION_FACTOR, CompressionRatioEstimator } from './compression-ratio.js';
import { ProducerBatch, type BatchContext, type CompressFn, type RecordCompletionHandler } from './producer-batch.js';

/** What `append` reports. The synchronous result object is reused: read it before the next append. */
export interface AppendResult {
  /** The partition the record went to (the sticky partitioner's choice when -1 was given). */
  partition: number;
  /** The partition's queue has a batch ready to send (full, or more than one batch): wake the sender. */
  batchIsFull: boolean;
  /** A new batch was opened for the record: wake the sender (linger timing starts). */
  newBatchCreated: boolean;
  /** Estimated bytes the record added to the partition (the sticky partitioner counts these). */
  appendedBytes: number;
}

export interface ReadyCheckResult {
  /** Leaders with at least one sendable partition. */
  readyNodes: Set<number>;
  /** When to check again for a partition that is not sendable yet (linger / backoff); Infinity if none. */
  nextReadyCheckDelayMs: number;
  /** Topics with queued batches whose partition has no known leader (refresh metadata). */
  unknownLeaderTopics: Set<string>;
}

/** What the sender plugs in (idempotence / transactions / wake-ups). All optional. */
export interface SenderHooks {
  /**
   * Java's `shouldStopDrainBatchesForPartition`: true to stop draining this node for now because
   * `batch` (the head of `tp`'s queue) must not be sent yet — e.g. no valid producer id, sequence
   * state unresolved, or a retried batch that is not the first in flight. Stops the whole node's
   * drain, as Java does.
   */
  shouldStopDrainBatchesForPartition?: (batch: ProducerBatch, tp: TopicPartition) => boolean;
  /**
   * Called when a batch without a sequence is drained: assign producer id, epoch and sequence
   * with `batch.setProducerState(...)` (the header and CRC are rewritten once) and track it as
   * in flight.
   */
  onFirstDrain?: (batch: ProducerBatch) => void;
  /** A transaction is committing/aborting: every partition is sendable (Java's `isCompleting`). */
  isTransactionCompleting?: () => boolean;
  /** A batch became sendable asynchronously (async compression finished) or failed: run the sender. */
  wakeup?: () => void;
  /**
   * A batch left the pipeline (its single exit, `release`): the producer state (sequences) it
   * was counted in must forget it. Called once per batch, before its memory is returned.
   */
  onBatchExit?: (batch: ProducerBatch, exit: BatchExit) => void;
}

/**
 * How a batch leaves the pipeline. Every batch has exactly one exit, taken through
 * `RecordAccumulator.release`, which updates the producer state, forgets the batch and returns
 * its memory in one place:
 * - acknowledged: the broker appended it (or reported it a duplicate of what it appended);
 * - failed: its records failed (error, delivery timeout, abort at close, failed compression);
 *   `outcomeUnknown` says whether the failing path knows the broker may have appended it anyway
 *   (its last attempt timed out, lost its connection, or was answered with an error Kafka can
 *   return after appending; or it was aborted after being drained). What earlier attempts left
 *   uncertain the producer state knows and adds itself (TransactionManager.handleFailed);
 * - split: MESSAGE_TOO_LARGE, its records moved to `parts`, which take its place.
 */
export type BatchExit =
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'failed'; readonly outcomeUnknown: boolean }
  | { readonly kind: 'split'; readonly parts: readonly ProducerBatch[] };

export const ACKNOWLEDGED: BatchExit = { kind: 'acknowledged' };
export const FAILED_NOT_WRITTEN: BatchExit = { kind: 'failed', outcomeUnknown: false };
export const FAILED_OUTCOME_UNKNOWN: BatchExit = { kind: 'failed', outcomeUnknown: true };

export interface RecordAccumulatorOptions {
  /** batch.size */
  batchSize: number;
  /** buffer.memory (ignored when `pool` is given). */
  bufferMemory?: number;
  /** A pool to use instead of creating one of `bufferMemory` bytes with poolable size `batchSize`. */
  pool?: BufferPool;
  /** linger.ms */
  lingerMs: number;
  /** retry.backoff.ms / retry.backoff.max.ms */
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** delivery.timeout.ms */
  deliveryTimeoutMs: number;
  /** max.request.size: larger records are refused (RECORD_TOO_LARGE). */
  maxRequestSize: number;
  /** max.block.ms: how long `append` waits for memory (may be overridden per call). */
  maxBlockMs: number;
  /** Kafka codec id of compression.type (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression?: number;
  /** The compressor for `compression` (required when it is not 0). */
  compress?: CompressFn;
  /** Set the transactional bit on batches. */
  transactional?: boolean;
  /** partitioner.adaptive.partitioning.enable (Java's default true). */
  adaptivePartitioning?: boolean;
  /** partitioner.availability.timeout.ms (Java's default 0: off). */
  partitionAvailabilityTimeoutMs?: number;
  /**
   * Largest uncompressed buffer a batch of a compressed topic may get (the compression ratio
   * estimate grows it beyond batch.size). Default min(max.request.size, 4 x batch.size).
   */
  maxUncompressedBatchSize?: number;
  /** Completes each record (see RecordCompletionHandler). */
  complete: RecordCompletionHandler;
  /** A record completion threw. Default: console.error. */
  onCallbackError?: (error: unknown, batch: ProducerBatch) => void;
  clock?: Clock;
  /** Randomness for the sticky partitioner ([0, 2^31)) and the retry backoff jitter ([0, 1)). */
  randomInt?: RandomInt;
  random?: () => number;
  hooks?: SenderHooks;
}

/** Java's CommonClientConfigs.RETRY_BACKOFF_EXP_BASE / RETRY_BACKOFF_JITTER. */
const RETRY_BACKOFF_EXP_BASE = 2;
const RETRY_BACKOFF_JITTER = 0.2;

const noop = (): void => {};

/** The queue of one partition. Batches in `items[head..]`; the last may be open for appends. */
class PartitionDeque {
  readonly tp: TopicPartition;
  private items: ProducerBatch[] = [];
  private head = 0;
  /** Appends accepted for this partition but not appended yet (waiting for memory or behind one that is). */
  pending = 0;
  /** Settles when the latest pending append has settled (appends chain on it to keep order). */
  tail: Promise<void> | null = null;
  muted = false;
  /** The newest batch created for this partition: the next one completes after it. */
  lastCreated: ProducerBatch | null = null;

  constructor(topic: string, partition: number) {
    this.tp = { topic, partition };
  }

  get partition(): number {
    return this.tp.partition;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  peekFirst(): ProducerBatch | undefined {
    return this.items[this.head];
  }

  peekLast(): ProducerBatch | undefined {
    return this.items.length > this.head ? this.items[this.items.length - 1] : undefined;
  }

  at(i: number): ProducerBatch | undefined {
    return this.items[this.head + i];
  }

  pollFirst(): ProducerBatch | undefined {
    if (this.head >= this.items.length) return undefined;
    const b = this.items[this.head];
    this.items[this.head++] = undefined as unknown as ProducerBatch;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  addLast(b: ProducerBatch): void {
    this.items.push(b);
  }

  addFirst(b: ProducerBatch): void {
    if (this.head > 0) this.items[--this.head] = b;
    else this.items.unshift(b);
  }

  /** Inserts so that it becomes element `i` (0 = first). */
  insertAt(i: number, b: ProducerBatch): void {
    if (i === 0) this.addFirst(b);
    else this.items.splice(this.head + i, 0, b);
  }

  remove(b: ProducerBatch): boolean {
    const i = this.items.indexOf(b, this.head);
    if (i < 0) return false;
    if (i === this.head) this.pollFirst();
    else this.items.splice(i, 1);
    return true;
  }

  toArray(): ProducerBatch[] {
    return this.items.slice(this.head);
  }
}

/** Java's RecordAccumulator.TopicInfo: the deques of a topic and its built-in partitioner. */
class TopicInfo {
  readonly deques: (PartitionDeque | undefined)[] = [];
  /** Deques in creation order (iteration in ready / expiry). */
  readonly dequeList: PartitionDeque[] = [];
  /** Scratch arrays for the load stats, sized to dequeList (the partitioner copies them). */
  queueSizes = new Int32Array(0);
  partitionIds = new Int32Array(0);

  constructor(
    readonly topic: string,
    readonly partitioner: BuiltInPartitioner,
  ) {}

  deque(partition: number): PartitionDeque {
    let dq = this.deques[partition];
    if (dq === undefined) {
      dq = new PartitionDeque(this.topic, partition);
      this.deques[partition] = dq;
      this.dequeList.push(dq);
    }
    return dq;
  }
}

interface FlushWaiter {
  barrier: number;
  remaining: number;
  resolve: () => void;
}

interface NodeLatencyStats {
  readyTimeMs: number;
  drainTimeMs: number;
}

function allBatchesFull(dq: PartitionDeque): boolean {
  const last = dq.peekLast();
  return last === undefined || last.isFull;
}

export class RecordAccumulator {
  readonly pool: BufferPool;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly deliveryTimeoutMs: number;
  readonly maxRequestSize: number;
  readonly maxBlockMs: number;
  readonly compression: number;
  readonly estimator = new CompressionRatioEstimator();

  private readonly retryBackoffMs: number;
  private readonly retryBackoffMaxMs: number;
  private readonly backoff: ExponentialBackoff;
  private readonly transactional: boolean;
  private readonly adaptive: boolean;
  private readonly partitionAvailabilityTimeoutMs: number;
  private readonly maxUncompressedBatchSize: number;
  /** Records up to this size always fit max.request.size and buffer.memory. */
  private readonly recordSizeLimit: number;
  private readonly clock: Clock;
  private readonly randomInt: RandomInt;
  private hooks: SenderHooks;
  private readonly ctx: BatchContext;

  private readonly topics = new Map<string, TopicInfo>();
  private readonly incomplete = new Set<ProducerBatch>();
  private readonly pendingDeques = new Set<PartitionDeque>();
  private readonly nodesDrainIndex = new Map<number, number>();
  private readonly nodeStats = new Map<number, NodeLatencyStats>();
  private flushWaiters: FlushWaiter[] = [];
  private flushesInProgress = 0;
  private nextBatchSeq = 0;
  private nextBatchExpiryTimeMs = Infinity;
  private closed = false;
  /** Reused by synchronous appends (see AppendResult). */
  private readonly result: AppendResult = { partition: -1, batchIsFull: false, newBatchCreated: false, appendedBytes: 0 };

  constructor(options: RecordAccumulatorOptions) {
    this.batchSize = options.batchSize;
    this.clock = options.clock ?? SystemClock;
    this.pool =
      options.pool ??
      new BufferPool(options.bufferMemory ?? 32 * 1024 * 1024, Math.max(options.batchSize, RECORD_BATCH_HEADER_SIZE), { clock: this.clock });
    this.lingerMs = options.lingerMs;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs;
    this.maxRequestSize = options.maxRequestSize;
    this.maxBlockMs = options.maxBlockMs;
    this.compression = options.compression ?? 0;
    this.transactional = options.transactional ?? false;
    this.adaptive = options.adaptivePartitioning ?? true;
    this.partitionAvailabilityTimeoutMs = options.partitionAvailabilityTimeoutMs ?? 0;
    this.retryBackoffMaxMs = options.retryBackoffMaxMs;
    this.retryBackoffMs = Math.min(options.retryBackoffMs, options.retryBackoffMaxMs);
    this.maxUncompressedBatchSize = Math.max(
      this.batchSize,
      options.maxUncompressedBatchSize ?? Math.min(this.maxRequestSize, 4 * this.batchSize),
    );
    this.recordSizeLimit = Math.min(this.maxRequestSize, this.pool.totalMemory);
    this.randomInt = options.randomInt ?? defaultRandomInt;
    this.backoff = new ExponentialBackoff(this.retryBackoffMs, RETRY_BACKOFF_EXP_BASE, this.retryBackoffMaxMs, RETRY_BACKOFF_JITTER, options.random ?? Math.random);
    this.hooks = options.hooks ?? {};
    if (this.compression !== 0 && !options.compress) {
      throw new RangeError(`compression codec ${this.compression} configured without a compressor`);
    }
    const onCallbackError =
      options.onCallbackError ??
      ((error: unknown, batch: ProducerBatch) => {
        console.error(`kafka-wire: a record completion for ${batch.topicPartition.topic}-${batch.topicPartition.partition} threw`, error);
      });
    this.ctx = {
      complete: options.complete,
      compress: options.compress ?? null,
      reportCallbackError: onCallbackError,
      batchCompressed: (batch, uncompressed, compressed, async) => {
        if (uncompressed > 0) this.estimator.updateEstimation(batch.topicPartition.topic, batch.compression, compressed / uncompressed);
        if (async) this.hooks.wakeup?.();
      },
      compressionFailed: (batch, error) => this.failCompressedBatch(batch, error),
    };
  }

  /** Late binding of the sender's hooks (the sender is usually built after the accumulator). */
  setHooks(hooks: SenderHooks): void {
    this.hooks = hooks;
  }

  // -------------------------------------------------------------------------------------------
  // Append (producer)

  /**
   * Appends a record to its partition's open batch, or opens a new batch (memory from the pool:
   * max(batch.size, the record's upper bound), so a record larger than batch.size gets a batch of
   * its own). `partition` -1 lets the topic's built-in sticky partitioner choose. `slot` is what
   * the completion handler gets for this record.
   *
   * Returns the (reused) result synchronously, or a promise when it has to wait for memory (up
   * to `maxBlockMs`, default max.block.ms; fails with TIMEOUT) or queue behind such an append.
   * Throws synchronously RECORD_TOO_LARGE (record over max.request.size or buffer.memory),
   * PRODUCER_CLOSED, or UNKNOWN_TOPIC_OR_PARTITION (partition -1 and the topic is not in `cluster`).
   */
  append(
    topic: string,
    partition: number,
    timestamp: number,
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
    slot: unknown,
    cluster: ClusterView,
    nowMs: number,
    maxBlockMs: number = this.maxBlockMs,
  ): AppendResult | Promise<AppendResult> {
    if (this.closed) throw closedError();
    let info = this.topics.get(topic);
    if (info === undefined) info = this.createTopicInfo(topic);
    let dq: PartitionDeque;
    const sticky = partition < 0;
    if (sticky) {
      const view = cluster.topic(topic);
      if (view === undefined || view.partitionCount < 1) {
        throw new KafkaWireError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${topic} not present in metadata`, { retriable: true });
      }
      for (;;) {
        dq = info.deque(info.partitioner.peekCurrentPartition(view));
        // Complete a switch held back earlier because the last batch was not full (Java's partitionChanged).
        if (dq.pending === 0 && allBatchesFull(dq) && info.partitioner.updatePartitionInfo(dq.partition, 0, view, true)) continue;
        break;
      }
    } else dq = info.deque(partition);

    if (dq.pending > 0) {
      const tail = dq.tail!;
      const i = info;
      const d = dq;
      // max.block.ms bounds this send from now: the time spent queued behind others counts.
      const deadline = nowMs + maxBlockMs;
      return this.trackPending(
        d,
        tail.then(() => {
          const at = this.clock.now();
          return this.appendTo(i, d, sticky, timestamp, key, value, headers, slot, cluster, at, Math.max(0, deadline - at), true);
        }),
      );
    }
    const r = this.appendTo(info, dq, sticky, timestamp, key, value, headers, slot, cluster, nowMs, maxBlockMs, false);
    return r instanceof Promise ? this.trackPending(dq, r) : r;
  }

  private appendTo(
    info: TopicInfo,
    dq: PartitionDeque,
    sticky: boolean,
    timestamp: number,
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
    slot: unknown,
    cluster: ClusterView,
    nowMs: number,
    maxBlockMs: number,
    fresh: boolean,
  ): AppendResult | Promise<AppendResult> {
    if (this.closed) throw closedError();
    const last = dq.peekLast();
    if (last !== undefined && !last.isSealed) {
      // A record that fits a batch no larger than the limits is within them: skip the size check.
      if (last.capacity > this.recordSizeLimit) this.ensureValidRecordSize(info.topic, key, value, headers);
      const before = last.estimatedSizeInBytes;
      if (last.tryAppend(timestamp, key, value, headers, slot, nowMs)) {
        return this.appended(info, dq, sticky, cluster, last.estimatedSizeInBytes - before, false, last, fresh);
      }
      // Java's closeForRecordAppends: a record did not fit, later ones must not slip in before it.
      last.seal();
    }
    const needed = this.ensureValidRecordSize(info.topic, key, value, headers);
    let capacity = this.batchCapacity(info.topic);
    let size = Math.max(capacity, this.batchSize);
    if (needed > capacity) {
      capacity = needed;
      if (needed > size) size = needed;
    }
    const buffer = this.pool.allocate(size, maxBlockMs);
    if (buffer instanceof Uint8Array) {
      return this.appendNewBatch(info, dq, sticky, timestamp, key, value, headers, slot, cluster, nowMs, buffer, capacity, fresh);
    }
    return buffer.then((buf) =>
      this.appendNewBatch(info, dq, sticky, timestamp, key, value, headers, slot, cluster, this.clock.now(), buf, capacity, true),
    );
  }

  private appendNewBatch(
    info: TopicInfo,
    dq: PartitionDeque,
    sticky: boolean,
    timestamp: number,
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
    slot: unknown,
    cluster: ClusterView,
    nowMs: number,
    buffer: Uint8Array,
    capacity: number,
    fresh: boolean,
  ): AppendResult {
    if (this.closed) {
      this.pool.deallocate(buffer);
      throw closedError();
    }
    const last = dq.peekLast();
    if (last !== undefined && !last.isSealed) {
      // Somebody opened a batch while we waited for memory: use it and give the buffer back.
      const before = last.estimatedSizeInBytes;
      if (last.tryAppend(timestamp, key, value, headers, slot, nowMs)) {
        this.pool.deallocate(buffer);
        return this.appended(info, dq, sticky, cluster, last.estimatedSizeInBytes - before, false, last, fresh);
      }
      last.seal();
    }
    const factor = this.compression === 0 ? 1 : this.estimator.estimation(info.topic, this.compression) * COMPRESSION_RATE_ESTIMATION_FACTOR;
    const batch = new ProducerBatch(dq.tp, buffer, nowMs, this.ctx, {
      compression: this.compression,
      transactional: this.transactional,
      capacity,
      accountedSize: buffer.length,
      sizeEstimateFactor: factor,
      creationSeq: this.nextBatchSeq++,
    });
    if (!batch.tryAppend(timestamp, key, value, headers, slot, nowMs)) {
      // Cannot happen: the buffer was sized by the record's upper bound.
      this.pool.deallocate(buffer);
      throw new KafkaWireError('RECORD_TOO_LARGE', `Record for ${info.topic} does not fit a ${capacity}-byte batch sized for it`);
    }
    batch.linkAfter(dq.lastCreated?.chainTail ?? null);
    dq.lastCreated = batch;
    dq.addLast(batch);
    this.incompleteAdd(batch);
    return this.appended(info, dq, sticky, cluster, batch.estimatedSizeInBytes, true, batch, fresh);
  }

  private appended(
    info: TopicInfo,
    dq: PartitionDeque,
    sticky: boolean,
    cluster: ClusterView,
    appendedBytes: number,
    newBatch: boolean,
    batch: ProducerBatch,
    fresh: boolean,
  ): AppendResult {
    if (sticky) {
      const view = cluster.topic(info.topic);
      // If the queue has an incomplete batch, switching is held back (Java's enableSwitch).
      if (view !== undefined) info.partitioner.updatePartitionInfo(dq.partition, appendedBytes, view, allBatchesFull(dq));
    }
    const r = fresh ? { partition: 0, batchIsFull: false, newBatchCreated: false, appendedBytes: 0 } : this.result;
    r.partition = dq.partition;
    r.batchIsFull = dq.size > 1 || batch.isFull;
    r.newBatchCreated = newBatch;
    r.appendedBytes = appendedBytes;
    return r;
  }

  /** Registers a pending append on `dq`: later appends to it chain behind `p`. */
  private trackPending(dq: PartitionDeque, p: Promise<AppendResult>): Promise<AppendResult> {
    if (dq.pending++ === 0) this.pendingDeques.add(dq);
    const settled = p.then(noop, noop).then(() => {
      if (--dq.pending === 0) {
        dq.tail = null;
        this.pendingDeques.delete(dq);
      }
    });
    dq.tail = settled;
    return p;
  }

  /**
   * The size a record needs in a batch of its own (batch header included, an upper bound); throws
   * RECORD_TOO_LARGE when that exceeds max.request.size or buffer.memory (Java's ensureValidRecordSize).
   */
  private ensureValidRecordSize(
    topic: string,
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
  ): number {
    const size = RECORD_BATCH_HEADER_SIZE + estimateRecordSizeUpperBound(key, value, headers);
    if (size > this.maxRequestSize) {
      throw new KafkaWireError(
        'RECORD_TOO_LARGE',
        `The message for topic ${topic} is ${size} bytes when serialized which is larger than ${this.maxRequestSize}, which is the value of the max.request.size configuration.`,
      );
    }
    if (size > this.pool.totalMemory) {
      throw new KafkaWireError(
        'RECORD_TOO_LARGE',
        `The message for topic ${topic} is ${size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration (${this.pool.totalMemory}).`,
      );
    }
    return size;
  }

  /**
   * Usable (uncompressed) bytes of a new batch. Uncompressed: batch.size. Compressed: enough
   * uncompressed bytes to reach about batch.size after compression by the topic's ratio estimate
   * (x1.05, Java's estimation factor), capped by maxUncompressedBatchSize.
   */
  private batchCapacity(topic: string): number {
    if (this.compression === 0) return this.batchSize;
    const ratio = this.estimator.estimation(topic, this.compression) * COMPRESSION_RATE_ESTIMATION_FACTOR;
    const records = Math.max(0, this.batchSize - RECORD_BATCH_HEADER_SIZE);
    const capacity = RECORD_BATCH_HEADER_SIZE + Math.floor(records / Math.max(ratio, 1e-3));
    return Math.min(Math.max(capacity, RECORD_BATCH_HEADER_SIZE + 1), this.maxUncompressedBatchSize);
  }

  private createTopicInfo(topic: string): TopicInfo {
    const info = new TopicInfo(topic, new BuiltInPartitioner(topic, Math.max(1, this.batchSize), this.randomInt));
    this.topics.set(topic, info);
    return info;
  }

  private getOrCreateDeque(tp: TopicPartition): PartitionDeque {
    const info = this.topics.get(tp.topic) ?? this.createTopicInfo(tp.topic);
    return info.deque(tp.partition);
  }

  private getDeque(topic: string, partition: number): PartitionDeque | undefined {
    return this.topics.get(topic)?.deques[partition];
  }

  // -------------------------------------------------------------------------------------------
  // Ready / drain (sender)

  /**
   * The leaders that have a sendable partition, when to check again, and topics whose leader is
   * unknown. A partition is sendable when its first batch is not in retry backoff and: it is full
   * (or not alone in the queue), or linger.ms elapsed since it was created, or memory is
   * exhausted (allocations waiting), or a flush is in progress, or the accumulator is closing,
   * or a transaction is completing. Sendable batches of a compressed topic are sealed here so
   * their compression starts; one whose compression is still running does not make its leader
   * ready (the `wakeup` hook fires when it finishes). Uncompressed batches are sealed by `drain`. Also feeds the adaptive partitioner's load stats (queue sizes per
   * partition with a leader; a leader that has not drained for partitioner.availability.timeout.ms
   * leaves its partitions out).
   */
  ready(cluster: ClusterView, nowMs: number): ReadyCheckResult {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let next = Infinity;
    const forceSend =
      this.pool.queued > 0 || this.closed || this.flushesInProgress > 0 || (this.hooks.isTransactionCompleting?.() ?? false);
    for (const info of this.topics.values()) {
      next = this.partitionReady(cluster, nowMs, info, next, readyNodes, unknownLeaderTopics, forceSend);
    }
    return { readyNodes, nextReadyCheckDelayMs: next, unknownLeaderTopics };
  }

  private partitionReady(
    cluster: ClusterView,
    nowMs: number,
    info: TopicInfo,
    nextReadyCheckDelayMs: number,
    readyNodes: Set<number>,
    unknownLeaderTopics: Set<string>,
    forceSend: boolean,
  ): number {
    const topic = info.topic;
    const deques = info.dequeList;
    const n = deques.length;
    let queueSizes: Int32Array | null = null;
    let partitionIds: Int32Array | null = null;
    if (this.adaptive) {
      const view = cluster.topic(topic);
      // Like Java: adaptive only once every partition of the topic has a queue (else uniform).
      if (view !== undefined && n >= view.partitionCount) {
        if (info.queueSizes.length !== n) {
          info.queueSizes = new Int32Array(n);
          info.partitionIds = new Int32Array(n);
        }
        queueSizes = info.queueSizes;
        partitionIds = info.partitionIds;
      }
    }
    const leaderEpochFor = cluster.leaderEpochFor;
    let qi = -1;
    for (let i = 0; i < n; i++) {
      const dq = deques[i]!;
      const partition = dq.partition;
      const leader = cluster.leaderFor(topic, partition);
      if (leader >= 0 && queueSizes !== null) {
        qi++;
        partitionIds![qi] = partition;
        queueSizes[qi] = 0;
      }
      const first = dq.peekFirst();
      if (first === undefined) continue;
      if (leaderEpochFor !== undefined) first.maybeUpdateLeaderEpoch(leaderEpochFor.call(cluster, topic, partition));
      const waited = first.waitedTimeMs(nowMs);
      const backingOff = this.shouldBackoff(first, waited);
      const dequeSize = dq.size;
      const full = dequeSize > 1 || first.isFull;
      if (leader < 0) {
        unknownLeaderTopics.add(topic);
        continue;
      }
      if (queueSizes !== null) queueSizes[qi] = dequeSize;
      if (this.partitionAvailabilityTimeoutMs > 0) {
        const stats = this.nodeStats.get(leader);
        if (stats !== undefined && stats.readyTimeMs - stats.drainTimeMs > this.partitionAvailabilityTimeoutMs) qi--;
      }
      if (!readyNodes.has(leader) && !dq.muted) {
        const timeToWait = backingOff ? first.retryBackoffMs : this.lingerMs;
        const sendable = full || waited >= timeToWait || forceSend;
        if (sendable && !backingOff) {
          // Uncompressed batches stay open until drained (as Java); a compressed one is sealed
          // now so its compression runs before the drain, and counts once its bytes are ready.
          if (first.compression === 0) readyNodes.add(leader);
          else {
            if (!first.isSealed) first.seal();
            if (first.isSendable) readyNodes.add(leader);
          }
        } else {
          const left = Math.max(timeToWait - waited, 0);
          if (left < nextReadyCheckDelayMs) nextReadyCheckDelayMs = left;
        }
      }
    }
    info.partitioner.updatePartitionLoadStats(queueSizes, partitionIds, qi + 1);
    return nextReadyCheckDelayMs;
  }

  /** In retry backoff: re-enqueued, and less than its backoff ago, unless the leader changed since. */
  private shouldBackoff(batch: ProducerBatch, waitedTimeMs: number): boolean {
    return batch.attempts > 0 && waitedTimeMs < batch.retryBackoffMs && !batch.hasLeaderChangedForTheOngoingRetry;
  }

  /** Java's ExponentialBackoff(retry.backoff.ms, 2, retry.backoff.max.ms, 0.2).backoff(attempts). */
  retryBackoff(attempts: number): number {
    return this.backoff.backoff(attempts);
  }

  /**
   * For each node, the batches to send in one request: at most one per partition the node
   * leads, round-robin from where the previous drain of that node stopped, stopping before the
   * total would exceed `maxSize` (max.request.size; at least one batch is always taken). Skips
   * muted partitions, partitions in retry backoff and batches still compressing; stops the node
   * when the `shouldStopDrainBatchesForPartition` hook says so; calls `onFirstDrain` for a batch
   * without a sequence. Drained batches are sealed and removed from their queue.
   */
  drain(cluster: ClusterView, nodeIds: Iterable<number>, maxSize: number, nowMs: number): Map<number, ProducerBatch[]> {
    const out = new Map<number, ProducerBatch[]>();
    for (const node of nodeIds) out.set(node, this.drainBatchesForOneNode(cluster, node, maxSize, nowMs));
    return out;
  }

  private drainBatchesForOneNode(cluster: ClusterView, node: number, maxSize: number, nowMs: number): ProducerBatch[] {
    const ready: ProducerBatch[] = [];
    const parts = cluster.partitionsForNode(node);
    const n = parts.length;
    if (n === 0) return ready;
    const { shouldStopDrainBatchesForPartition, onFirstDrain } = this.hooks;
    const leaderEpochFor = cluster.leaderEpochFor;
    let size = 0;
    let drainIndex = (this.nodesDrainIndex.get(node) ?? 0) % n;
    const start = drainIndex;
    do {
      const tp = parts[drainIndex]!;
      this.nodesDrainIndex.set(node, drainIndex);
      drainIndex = (drainIndex + 1) % n;
      const dq = this.getDeque(tp.topic, tp.partition);
      if (dq === undefined || dq.muted) continue;
      const first = dq.peekFirst();
      if (first === undefined) continue;
      if (leaderEpochFor !== undefined) first.maybeUpdateLeaderEpoch(leaderEpochFor.call(cluster, tp.topic, tp.partition));
      if (this.shouldBackoff(first, first.waitedTimeMs(nowMs))) continue;
      if (!first.isSealed) first.seal();
      if (!first.isSendable) continue; // compressing (or failed and removed)
      if (size + first.sizeInBytes > maxSize && ready.length > 0) break;
      if (shouldStopDrainBatchesForPartition !== undefined && shouldStopDrainBatchesForPartition(first, dq.tp)) break;
      dq.pollFirst();
      if (onFirstDrain !== undefined && !first.hasSequence) onFirstDrain(first);
      size += first.sizeInBytes;
      ready.push(first);
      first.drained(nowMs);
    } while (drainIndex !== start);
    return ready;
  }

  /**
   * Adaptive partitioning input (Java's updateNodeLatencyStats): the sender reports each node
   * that had data ready, and whether it could drain it. Only used when
   * partitioner.availability.timeout.ms > 0.
   */
  updateNodeLatencyStats(nodeId: number, nowMs: number, canDrain: boolean): void {
    if (this.partitionAvailabilityTimeoutMs <= 0) return;
    let stats = this.nodeStats.get(nodeId);
    if (stats === undefined) {
      stats = { readyTimeMs: nowMs, drainTimeMs: nowMs };
      this.nodeStats.set(nodeId, stats);
    }
    if (canDrain) stats.drainTimeMs = nowMs;
    stats.readyTimeMs = nowMs;
  }

  /** Any batch still queued (not drained)? */
  hasUndrained(): boolean {
    for (const info of this.topics.values()) for (const dq of info.dequeList) if (dq.size > 0) return true;
    return this.pendingDeques.size > 0;
  }

  /** Partitions the sender keeps to one batch in flight (max.in.flight.requests.per.connection=1 ordering). */
  mutePartition(tp: TopicPartition): void {
    this.getOrCreateDeque(tp).muted = true;
  }

  unmutePartition(tp: TopicPartition): void {
    const dq = this.getDeque(tp.topic, tp.partition);
    if (dq !== undefined) dq.muted = false;
  }

  // -------------------------------------------------------------------------------------------
  // Retries, expiry, completion (sender)

  /**
   * Puts a batch back for a retry: at the front of its queue, or, when it has a sequence, before
   * the first queued batch with a higher sequence (Java's insertInSequenceOrder, for when several
   * in-flight batches of a partition come back). Its retry backoff is chosen now, from its
   * attempt count (exponential from retry.backoff.ms to retry.backoff.max.ms, jitter 20%).
   */
  reenqueue(batch: ProducerBatch, nowMs: number): void {
    batch.reenqueued(nowMs, this.retryBackoff(batch.attempts));
    const dq = this.getOrCreateDeque(batch.topicPartition);
    if (batch.hasSequence) this.insertInSequenceOrder(dq, batch);
    else dq.addFirst(batch);
  }

  private insertInSequenceOrder(dq: PartitionDeque, batch: ProducerBatch): void {
    let i = 0;
    const n = dq.size;
    while (i < n) {
      const b = dq.at(i)!;
      if (!b.hasSequence || !sequenceAfter(batch.baseSequence, b.baseSequence)) break; // across the wrap
      i++;
    }
    dq.insertAt(i, batch);
  }

  /**
   * Splits a batch the broker refused as too large (MESSAGE_TOO_LARGE) into batch.size pieces
   * and queues them at the front of the partition, in order; resets the topic's compression
   * ratio estimate to max(1, the batch's ratio) (Java's choice). Returns the new batches (the
   * sender registers them as in flight when they carry sequences). The sender then releases
   * the big batch, whose records now belong to the new ones.
   */
  splitAndReenqueue(bigBatch: ProducerBatch): ProducerBatch[] {
    if (bigBatch.compression !== 0) {
      this.estimator.setEstimation(bigBatch.topicPartition.topic, bigBatch.compression, Math.max(1, bigBatch.compressionRatio));
    }
    const batches = bigBatch.split(this.batchSize);
    const dq = this.getOrCreateDeque(bigBatch.topicPartition);
    for (let i = batches.length - 1; i >= 0; i--) {
      const b = batches[i]!;
      this.incompleteAdd(b);
      if (b.hasSequence) this.insertInSequenceOrder(dq, b);
      else dq.addFirst(b);
    }
    return batches;
  }

  /**
   * Batches that reached delivery.timeout.ms while still queued, removed from their queues (head
   * batches only, in send order, as Java). The sender fails them (`batch.done(-1n, -1, error)`)
   * and releases them.
   */
  expiredBatches(nowMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    let nextExpiry = Infinity;
    for (const info of this.topics.values()) {
      for (const dq of info.dequeList) {
        for (;;) {
          const first = dq.peekFirst();
          if (first === undefined) break;
          if (first.hasReachedDeliveryTimeout(this.deliveryTimeoutMs, nowMs)) {
            dq.pollFirst();
            first.abortRecordAppends();
            expired.push(first);
          } else {
            const at = first.createdMs + this.deliveryTimeoutMs;
            if (at < nextExpiry) nextExpiry = at;
            break;
          }
        }
      }
    }
    this.nextBatchExpiryTimeMs = nextExpiry;
    return expired;
  }

  /** The earliest time a queued batch will expire, as of the last `expiredBatches` (Infinity if none). */
  nextExpiryTimeMs(): number {
    return this.nextBatchExpiryTimeMs;
  }

  /**
   * The single exit of a batch (see BatchExit): whoever finished it (the sender after an answer,
   * an expiry or a split; the accumulator after a failed compression or an abort) calls this once,
   * after completing its records. It takes the batch out of its queue if it is still there, tells
   * the producer state (hook `onBatchExit`), forgets it for flush, and returns its memory (split
   * batches own no pool memory; a batch whose bytes may still be read — in flight uncompressed, or
   * compressing — returns its accounting but not the buffer). A second call is ignored.
   */
  release(batch: ProducerBatch, exit: BatchExit): void {
    if (batch.released) return;
    batch.released = true;
    this.getDeque(batch.topicPartition.topic, batch.topicPartition.partition)?.remove(batch);
    this.hooks.onBatchExit?.(batch, exit);
    this.incompleteRemove(batch);
    if (batch.isSplitBatch || batch.bufferDeallocated) return;
    batch.bufferDeallocated = true;
    if ((batch.bufferInUseByRequest && batch.compression === 0) || batch.isCompressing) this.pool.release(batch.initialCapacity);
    else this.pool.deallocate(batch.buffer, batch.initialCapacity);
  }

  private failCompressedBatch(batch: ProducerBatch, error: unknown): void {
    const err =
      error instanceof KafkaWireError
        ? error
        : new KafkaWireError('COMPRESSION_FAILED', `Compressing a batch for ${batch.topicPartition.topic}-${batch.topicPartition.partition} failed: ${String(error)}`, {
            cause: error,
          });
    batch.abort(err);
    // Never sent in this form; its sequences (a split part's) were not written by it.
    this.release(batch, FAILED_NOT_WRITTEN);
    this.hooks.wakeup?.();
  }

  /**
   * Fails every incomplete batch (queued or in flight) with `error` and releases it: for a
   * forced close (call `close()` first so no new batch appears) or a fatal producer error.
   * In-flight batches are failed too (outcome unknown: they may be written); a late broker
   * answer for them is then ignored (their final state is set).
   */
  abortIncompleteBatches(error: Error): void {
    for (const batch of [...this.incomplete]) {
      batch.abortRecordAppends();
      batch.abort(error);
      this.release(batch, batch.wasDrained ? FAILED_OUTCOME_UNKNOWN : FAILED_NOT_WRITTEN);
    }
  }

  /**
   * Takes every queued batch (never drained, or back for a retry) of the partitions `select`
   * picks out of their queues, in send order, for the Sender to fail (an authentication failure:
   * Sender.authenticationFailed). In-flight batches stay where they are.
   */
  removeQueuedBatches(select: (tp: TopicPartition) => boolean): ProducerBatch[] {
    const removed: ProducerBatch[] = [];
    for (const info of this.topics.values()) {
      for (const dq of info.dequeList) {
        const first = dq.peekFirst();
        if (first === undefined || !select(first.topicPartition)) continue;
        for (let batch = dq.pollFirst(); batch !== undefined; batch = dq.pollFirst()) {
          batch.abortRecordAppends();
          removed.push(batch);
        }
      }
    }
    return removed;
  }

  /**
   * Fails the batches that are queued and were never drained (transaction abort), leaving
   * in-flight ones alone. `alsoSequenced`: a queued batch that has a sequence (back for a retry)
   * is failed too when this says so — for a transaction being aborted, a retry whose attempts
   * were all refused (none can be in the log); by default such batches stay, as in Java.
   */
  abortUndrainedBatches(error: Error, alsoSequenced?: (batch: ProducerBatch) => boolean): void {
    for (const batch of [...this.incomplete]) {
      if ((batch.wasDrained || batch.hasSequence) && !(batch.hasSequence && alsoSequenced?.(batch) === true)) continue;
      const dq = this.getDeque(batch.topicPartition.topic, batch.topicPartition.partition);
      if (dq === undefined || !dq.remove(batch)) continue;
      batch.abortRecordAppends();
      batch.abort(error);
      this.release(batch, FAILED_NOT_WRITTEN);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Flush and close (producer)

  /** Makes every partition sendable until the matching `awaitFlushCompletion` resolves. */
  beginFlush(): void {
    this.flushesInProgress++;
  }

  get flushInProgress(): boolean {
    return this.flushesInProgress > 0;
  }

  /**
   * Resolves when every batch that exists now — plus those that appends waiting for memory now
   * will create — is complete (deallocated by the sender), then ends the flush begun by `beginFlush`.
   */
  awaitFlushCompletion(): Promise<void> {
    const done = (): void => {
      this.flushesInProgress = Math.max(0, this.flushesInProgress - 1);
    };
    let p: Promise<void>;
    if (this.pendingDeques.size > 0) {
      const tails: Promise<void>[] = [];
      for (const dq of this.pendingDeques) if (dq.tail !== null) tails.push(dq.tail);
      p = Promise.all(tails).then(() => this.waitForIncomplete());
    } else p = this.waitForIncomplete();
    return p.then(done, (e: unknown) => {
      done();
      throw e;
    });
  }

  /** `beginFlush()` + `awaitFlushCompletion()`. */
  flush(): Promise<void> {
    this.beginFlush();
    return this.awaitFlushCompletion();
  }

  private waitForIncomplete(): Promise<void> {
    if (this.incomplete.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ barrier: this.nextBatchSeq, remaining: this.incomplete.size, resolve });
    });
  }

  private incompleteAdd(batch: ProducerBatch): void {
    if (this.incomplete.has(batch)) return;
    this.incomplete.add(batch);
    for (const w of this.flushWaiters) if (batch.creationSeq < w.barrier) w.remaining++;
  }

  private incompleteRemove(batch: ProducerBatch): void {
    if (!this.incomplete.delete(batch)) return;
    if (this.flushWaiters.length === 0) return;
    let finished = false;
    for (const w of this.flushWaiters) {
      if (batch.creationSeq < w.barrier && --w.remaining === 0) {
        finished = true;
        w.resolve();
      }
    }
    if (finished) this.flushWaiters = this.flushWaiters.filter((w) => w.remaining > 0);
  }

  /** Batches created and not yet deallocated (queued or in flight)? */
  hasIncomplete(): boolean {
    return this.incomplete.size > 0 || this.pendingDeques.size > 0;
  }

  /** Number of incomplete batches (tests, metrics). */
  get incompleteCount(): number {
    return this.incomplete.size;
  }

  /**
   * Stops accepting records: appends throw PRODUCER_CLOSED, appends waiting for memory fail with
   * it (the pool is closed), and every open batch is sealed so that `ready` sends everything.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    for (const info of this.topics.values()) {
      for (const dq of info.dequeList) {
        const last = dq.peekLast();
        if (last !== undefined && !last.isSealed) last.seal();
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // -------------------------------------------------------------------------------------------
  // Introspection (tests, metrics)

  /** The queued batches of a partition, first to last (a copy). */
  batches(topic: string, partition: number): ProducerBatch[] {
    return this.getDeque(topic, partition)?.toArray() ?? [];
  }

  /** The topic's built-in partitioner (created on first use). */
  builtInPartitioner(topic: string): BuiltInPartitioner {
    return (this.topics.get(topic) ?? this.createTopicInfo(topic)).partitioner;
  }

  /** Topics with queues. */
  topicNames(): IterableIterator<string> {
    return this.topics.keys();
  }
}

function closedError(): KafkaWireError {
  return new KafkaWireError('PRODUCER_CLOSED', 'Producer closed while send in progress');
}

export type { TopicPartitionsView };
