/**
 * ProducerBatch: the records for one partition that travel together (Java's `ProducerBatch`).
 *
 * Ownership:
 * - the batch owns its RecordBatchBuilder, which encodes every record once, in place, into a
 *   buffer the BufferPool lent to the RecordAccumulator (the accumulator gives it back through
 *   `RecordAccumulator.deallocate`; split batches own fresh buffers that are not pool memory);
 * - it owns the per-record completion slots (opaque values the producer stored: a user callback,
 *   a promise's resolvers...) and record timestamps, in arrays indexed by record order. Nothing
 *   is allocated per record here beyond the array slots, and no closure is created per record;
 *   the producer's single `RecordCompletionHandler` turns a slot into a callback or a promise
 *   settlement when the batch completes;
 * - its life-cycle state: open (accepting records) -> sealed (closed for appends; compression,
 *   if any, running) -> sendable (wire bytes ready) -> drained / retried (the sender's) ->
 *   completed exactly once (final state), then released through the accumulator's single exit
 *   (RecordAccumulator.release). The sender owns `bufferInUseByRequest`, the producer state
 *   written at first drain (pid, epoch, base sequence) and the retry counters it updates
 *   through the accumulator (`reenqueue`).
 *
 * Compression: records are written uncompressed; `seal()` compresses the records section once
 * (the codec may answer synchronously or with a promise) and the batch becomes sendable when
 * the compressed bytes are ready. The uncompressed section stays in the buffer so `split()` can
 * re-encode the records without decompressing. To fill batches to about batch.size *after*
 * compression, as Java does, the accumulator sizes the uncompressed buffer of a compressed topic
 * from a compression ratio estimate (see CompressionRatioEstimator).
 */
import type { KafkaWireError } from '../errors.js';
import {
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchBuilder,
  estimateRecordSizeUpperBound,
  setProducerState as writeProducerState,
  writeCrc,
  withCompressedRecords,
  type RecordData,
  type RecordHeaderInput,
} from '../protocol/record-batch.js';
import type { TopicPartition } from './cluster-view.js';
import { incrementSequence } from '../protocol/sequence.js';

/**
 * Completes one record. Called once per record, in record order, when its batch completes:
 * success -> `error` null with the record's offset and timestamp; failure -> `error` set,
 * `offset` -1n and `timestamp` -1. Must not throw (exceptions are reported and swallowed).
 */
export type RecordCompletionHandler = (
  slot: unknown,
  error: Error | null,
  topic: string,
  partition: number,
  offset: bigint,
  timestamp: number,
) => void;

/** Compresses a records section with a Kafka codec id (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export type CompressFn = (codec: number, data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * What every batch of one accumulator shares (one object, so batches hold no closures):
 * the completion handler, the compressor, and the accumulator's reactions to seal events.
 */
export interface BatchContext {
  readonly complete: RecordCompletionHandler;
  readonly compress: CompressFn | null;
  /** A user completion threw: report it (the batch carries on with the next record). */
  readonly reportCallbackError: (error: unknown, batch: ProducerBatch) => void;
  /** The batch's compressed bytes are ready (`async` when they arrived from a promise). */
  batchCompressed(batch: ProducerBatch, uncompressedSize: number, compressedSize: number, async: boolean): void;
  /** Compression failed: the accumulator fails and removes the batch. */
  compressionFailed(batch: ProducerBatch, error: unknown): void;
}

interface Outcome {
  readonly baseOffset: bigint;
  readonly logAppendTime: number;
  readonly error: Error | null;
  readonly recordError: ((index: number) => Error) | undefined;
}

export type FinalState = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'SPLIT';

const OPEN = 0;
const COMPRESSING = 1;
const SENDABLE = 2;
/** Closed without wire bytes: aborted or split before it was sealed. */
const DEAD = 3;

export interface ProducerBatchOptions {
  compression?: number;
  transactional?: boolean;
  /** Usable bytes of `buffer` (<= buffer.length): the batch is full at this size. */
  capacity?: number;
  /** Bytes accounted to the pool for this batch (defaults to buffer.length). */
  accountedSize?: number;
  isSplitBatch?: boolean;
  /** Multiplier turning uncompressed bytes into estimated wire bytes (compression ratio estimate). */
  sizeEstimateFactor?: number;
  /** Flush-tracking sequence number (the accumulator's). */
  creationSeq?: number;
}

export class ProducerBatch {
  readonly topicPartition: TopicPartition;
  readonly createdMs: number;
  readonly isSplitBatch: boolean;
  /** Kafka codec id of this batch (0 none). */
  readonly compression: number;
  readonly transactional: boolean;
  /** The whole buffer lent by the pool (the builder may use a prefix of it). */
  readonly buffer: Uint8Array;
  /** Bytes accounted to the pool for this batch. */
  readonly initialCapacity: number;
  /** Used by the accumulator's flush tracking. */
  readonly creationSeq: number;
  /** Uncompressed bytes x this = estimated wire bytes (1 when uncompressed). */
  readonly sizeEstimateFactor: number;

  private readonly ctx: BatchContext;
  private readonly builder: RecordBatchBuilder;
  private slots: unknown[] = [];
  private timestamps: number[] = [];
  private count = 0;
  private state = OPEN;
  private wire: Uint8Array | null = null;
  /** Completion chain of the partition (see fireInOrder). */
  private prevInOrder: ProducerBatch | null = null;
  private nextInOrder: ProducerBatch | null = null;
  /** After a split: the last part, which took this batch's place in the chain. */
  private chainSuccessor: ProducerBatch | null = null;
  /** The outcome, once known; the records complete when every earlier batch has. */
  private outcome: Outcome | null = null;
  private fired = false;
  /** The wire bytes changed since their CRC was computed (see records()). */
  private crcStale = false;
  private uncompressedRecordsSize = 0;
  private wireRecordsSize = 0;
  private final: FinalState | null = null;

  /** Largest encoded record in bytes (record-size-max). */
  maxRecordSize = 0;
  /** Times the batch was re-enqueued for a retry. */
  attempts = 0;
  /** When the batch was created or last re-enqueued (retry backoff and linger are measured from it). */
  lastAttemptMs: number;
  lastAppendMs: number;
  /** When the batch was last drained (0 before). */
  drainedMs = 0;
  /** Retry backoff chosen when the batch was last re-enqueued. */
  retryBackoffMs = 0;
  /** True once re-enqueued for a retry (Java's `inRetry`). */
  inRetry = false;
  /**
   * Set by the sender while a request carrying this batch is unsettled: its bytes may still be
   * read by a socket (the request is written straight from the batch's buffer), so the buffer
   * must not go back to the pool for reuse. Not the same as "in flight" (sent, awaiting an
   * answer: the Sender's inFlightBatches) nor "incomplete" (TransactionManager).
   */
  bufferInUseByRequest = false;
  /** Set by the accumulator when the pool got this batch's memory back. */
  bufferDeallocated = false;
  /** Left the pipeline through RecordAccumulator.release (its single exit). */
  released = false;

  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;

  /** Leader epoch this batch is being sent to (-1 unknown), and the attempt at which it last changed. */
  currentLeaderEpoch = -1;
  attemptsWhenLeaderLastChanged = 0;

  constructor(tp: TopicPartition, buffer: Uint8Array, createdMs: number, ctx: BatchContext, options: ProducerBatchOptions = {}) {
    this.topicPartition = tp;
    this.createdMs = createdMs;
    this.lastAttemptMs = createdMs;
    this.lastAppendMs = createdMs;
    this.buffer = buffer;
    this.ctx = ctx;
    this.compression = options.compression ?? 0;
    this.transactional = options.transactional ?? false;
    this.isSplitBatch = options.isSplitBatch ?? false;
    this.initialCapacity = options.accountedSize ?? buffer.length;
    this.sizeEstimateFactor = this.compression === 0 ? 1 : (options.sizeEstimateFactor ?? 1);
    this.creationSeq = options.creationSeq ?? 0;
    const capacity = Math.min(options.capacity ?? buffer.length, buffer.length);
    this.builder = new RecordBatchBuilder(capacity === buffer.length ? buffer : buffer.subarray(0, capacity), {
      compression: this.compression,
      transactional: this.transactional,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Appending

  /**
   * Appends one record and stores its completion slot; false (nothing written) when the batch
   * is sealed or the record does not fit.
   */
  tryAppend(
    timestamp: number,
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
    slot: unknown,
    nowMs: number,
  ): boolean {
    if (this.state !== OPEN) return false;
    const before = this.builder.sizeInBytes;
    if (!this.builder.tryAppend(timestamp, key, value, headers)) return false;
    const size = this.builder.sizeInBytes - before;
    if (size > this.maxRecordSize) this.maxRecordSize = size;
    this.slots.push(slot);
    this.timestamps.push(timestamp);
    this.count++;
    this.lastAppendMs = nowMs;
    return true;
  }

  /** Records appended (unchanged by completion). */
  get recordCount(): number {
    return this.count;
  }

  /** Usable bytes of the builder's buffer. */
  get capacity(): number {
    return this.builder.capacity;
  }

  /** Uncompressed bytes written so far (header included). */
  get uncompressedSizeInBytes(): number {
    return this.builder.sizeInBytes;
  }

  /** Wire bytes once sendable, else an estimate (uncompressed size x compression ratio estimate). */
  get estimatedSizeInBytes(): number {
    if (this.wire !== null) return this.wire.length;
    const records = this.builder.sizeInBytes - RECORD_BATCH_HEADER_SIZE;
    return RECORD_BATCH_HEADER_SIZE + Math.ceil(records * this.sizeEstimateFactor);
  }

  /** Sealed, or no room left for anything (Java's `isFull`). */
  get isFull(): boolean {
    return this.state !== OPEN || (this.count > 0 && this.builder.sizeInBytes >= this.builder.capacity);
  }

  /** Closed for appends (Java's `isClosed` once `close()` ran; here sealing is one step). */
  get isSealed(): boolean {
    return this.state !== OPEN;
  }

  /** Compression is running (the codec may still be reading the buffer). */
  get isCompressing(): boolean {
    return this.state === COMPRESSING;
  }

  /**
   * Closes the batch for appends without building anything (Java's `abortRecordAppends`), for a
   * batch about to be failed: expired in the queue, or aborted.
   */
  abortRecordAppends(): void {
    if (this.state === OPEN) this.state = DEAD;
  }

  /** Sealed and its wire bytes (compressed if configured) are ready: the accumulator may drain it. */
  get isSendable(): boolean {
    return this.state === SENDABLE;
  }

  /** Compressed / uncompressed size of the records section (1 before compression or when uncompressed). */
  get compressionRatio(): number {
    return this.uncompressedRecordsSize > 0 ? this.wireRecordsSize / this.uncompressedRecordsSize : 1;
  }

  // -------------------------------------------------------------------------------------------
  // Sealing

  /**
   * Closes the batch for appends and builds its wire bytes: the header and CRC, then, for a
   * compressed batch, the compressed records (possibly asynchronously). Idempotent.
   */
  seal(): void {
    if (this.state !== OPEN) return;
    const closed = this.builder.close({ crc: false });
    this.uncompressedRecordsSize = closed.length - RECORD_BATCH_HEADER_SIZE;
    const compress = this.ctx.compress;
    if (this.compression === 0 || this.count === 0 || compress === null) {
      if (this.compression !== 0 && compress === null && this.count > 0) {
        this.state = COMPRESSING;
        this.ctx.compressionFailed(this, new Error(`no compressor configured for codec ${this.compression}`));
        return;
      }
      this.wireRecordsSize = this.uncompressedRecordsSize;
      this.setWire(closed);
      return;
    }
    this.state = COMPRESSING;
    let out: Uint8Array | Promise<Uint8Array>;
    try {
      out = compress(this.compression, this.builder.recordsSection());
    } catch (e) {
      this.ctx.compressionFailed(this, e);
      return;
    }
    if (out instanceof Uint8Array) this.compressed(out, false);
    else
      out.then(
        (c) => this.compressed(c, true),
        (e: unknown) => this.ctx.compressionFailed(this, e),
      );
  }

  private compressed(records: Uint8Array, async: boolean): void {
    if (this.state !== COMPRESSING) return;
    this.wireRecordsSize = records.length;
    this.setWire(withCompressedRecords(this.builder.close({ crc: false }), records, undefined, false));
    this.ctx.batchCompressed(this, this.uncompressedRecordsSize, records.length, async);
  }

  private setWire(bytes: Uint8Array): void {
    this.wire = bytes;
    this.state = SENDABLE;
    this.crcStale = true;
    if (this.producerId !== -1n || this.baseSequence !== -1) {
      writeProducerState(bytes, this.producerId, this.producerEpoch, this.baseSequence, false);
    }
  }

  /**
   * The batch as sent: a RecordBatch v2 (compressed if configured), with the producer state
   * written by `setProducerState`. Only valid once `isSendable`.
   */
  records(): Uint8Array {
    if (this.wire === null) throw new Error(`batch for ${this.topicPartition.topic}-${this.topicPartition.partition} is not sealed yet`);
    // The CRC covers the producer state, which changes at first drain (and on epoch bumps):
    // compute it here, when the bytes are about to be sent, so it is computed once per send.
    if (this.crcStale) {
      writeCrc(this.wire);
      this.crcStale = false;
    }
    return this.wire;
  }

  /** Alias of `records()`. */
  bytes(): Uint8Array {
    return this.records();
  }

  /** Wire size once sendable (Java's `records().sizeInBytes()`), else the estimate. */
  get sizeInBytes(): number {
    return this.wire !== null ? this.wire.length : this.estimatedSizeInBytes;
  }

  // -------------------------------------------------------------------------------------------
  // Producer state (idempotence / transactions)

  /**
   * Sets the producer id, epoch and base sequence: written into the header at once when the wire
   * bytes exist (else when they are built); the CRC, which covers them, is recomputed lazily in
   * `records()`, once per send. The TransactionManager calls it at first drain and on renumbering.
   */
  setProducerState(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    if (this.wire !== null) {
      writeProducerState(this.wire, producerId, producerEpoch, baseSequence, false);
      this.crcStale = true;
    }
  }

  get hasSequence(): boolean {
    return this.baseSequence !== -1;
  }

  // -------------------------------------------------------------------------------------------
  // Timing and retries

  /** Time since creation or the last retry (linger and retry backoff are measured against it). */
  waitedTimeMs(nowMs: number): number {
    return Math.max(0, nowMs - this.lastAttemptMs);
  }

  hasReachedDeliveryTimeout(deliveryTimeoutMs: number, nowMs: number): boolean {
    return deliveryTimeoutMs <= nowMs - this.createdMs;
  }

  /** Marks a retry: the accumulator calls it from `reenqueue` with the backoff it chose. */
  reenqueued(nowMs: number, retryBackoffMs: number): void {
    this.attempts++;
    this.lastAttemptMs = Math.max(this.lastAppendMs, nowMs);
    this.lastAppendMs = Math.max(this.lastAppendMs, nowMs);
    this.retryBackoffMs = retryBackoffMs;
    this.inRetry = true;
  }

  drained(nowMs: number): void {
    this.drainedMs = Math.max(this.drainedMs, nowMs);
    this.wasDrained = true;
  }

  /** True once the accumulator handed the batch to the sender at least once. */
  wasDrained = false;

  /** Time from creation to the last drain (record-queue-time). */
  get queueTimeMs(): number {
    return this.drainedMs - this.createdMs;
  }

  /** Records a newer leader epoch for the partition; a retry to a new leader skips the backoff. */
  maybeUpdateLeaderEpoch(leaderEpoch: number): void {
    if (leaderEpoch >= 0 && (this.currentLeaderEpoch < 0 || this.currentLeaderEpoch < leaderEpoch)) {
      this.attemptsWhenLeaderLastChanged = this.attempts;
      this.currentLeaderEpoch = leaderEpoch;
    }
  }

  get hasLeaderChangedForTheOngoingRetry(): boolean {
    return this.attempts >= 1 && this.attempts === this.attemptsWhenLeaderLastChanged;
  }

  // -------------------------------------------------------------------------------------------
  // Completion

  get finalState(): FinalState | null {
    return this.final;
  }

  get isDone(): boolean {
    return this.final !== null;
  }

  /**
   * Completes every record, exactly once over the batch's life: on success record i gets offset
   * `baseOffset + i` and timestamp `logAppendTime` (when not -1) or its own CreateTime; on
   * failure every record gets `error` (or `recordError(i)` when given, for per-record errors).
   * Returns true when this call completed the batch. Like Java: FAILED/ABORTED followed by any
   * outcome is ignored (false); anything after SUCCEEDED throws (a logic error in the caller).
   */
  done(baseOffset: bigint, logAppendTime: number | bigint, error: Error | null, recordError?: (index: number) => Error): boolean {
    if (this.final !== null) {
      if (this.final === 'SUCCEEDED') {
        throw new Error(`A SUCCEEDED batch for ${this.topicPartition.topic}-${this.topicPartition.partition} must not be completed again`);
      }
      return false;
    }
    this.final = error === null ? 'SUCCEEDED' : 'FAILED';
    this.outcome = { baseOffset, logAppendTime: typeof logAppendTime === 'bigint' ? Number(logAppendTime) : logAppendTime, error, recordError };
    this.fireInOrder();
    return true;
  }

  /** Fails every record with `error` (final state ABORTED); false if the batch was already complete. */
  abort(error: Error | KafkaWireError): boolean {
    if (this.final !== null) return false;
    this.final = 'ABORTED';
    if (this.state === OPEN) this.state = DEAD; // no appends after an abort
    this.outcome = { baseOffset: -1n, logAppendTime: -1, error, recordError: undefined };
    this.fireInOrder();
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Completion order. Records of one partition complete in send order even when their batches'
  // outcomes arrive out of order (a retried batch answered after the next one succeeded): the
  // batches of a partition form a chain in creation order, and a batch whose outcome is known
  // fires only once every earlier batch of its partition has fired.

  /** Appends this batch to its partition's completion chain, after `previous` (the last one created). */
  linkAfter(previous: ProducerBatch | null): void {
    if (previous !== null && !previous.fired) {
      this.prevInOrder = previous;
      previous.nextInOrder = this;
    }
  }

  /** Puts `parts` in this batch's place in the chain (split). */
  private replaceInChain(parts: ProducerBatch[]): void {
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    for (let i = 1; i < parts.length; i++) {
      parts[i]!.prevInOrder = parts[i - 1]!;
      parts[i - 1]!.nextInOrder = parts[i]!;
    }
    first.prevInOrder = this.prevInOrder;
    if (this.prevInOrder !== null) this.prevInOrder.nextInOrder = first;
    last.nextInOrder = this.nextInOrder;
    if (this.nextInOrder !== null) this.nextInOrder.prevInOrder = last;
    this.prevInOrder = this.nextInOrder = null;
    this.chainSuccessor = last;
  }

  /** The batch that now stands last for this one in the chain (itself unless split). */
  get chainTail(): ProducerBatch {
    let b: ProducerBatch = this;
    while (b.chainSuccessor !== null) b = b.chainSuccessor;
    return b;
  }

  private fireInOrder(): void {
    if (this.prevInOrder !== null) return; // an earlier batch is still open: it fires us
    let b: ProducerBatch | null = this;
    while (b !== null && b.outcome !== null && !b.fired) {
      const o: Outcome = b.outcome;
      b.fired = true;
      b.fire(o.baseOffset, o.logAppendTime, o.error, o.recordError);
      const next: ProducerBatch | null = b.nextInOrder;
      b.nextInOrder = null;
      if (next !== null) next.prevInOrder = null;
      b = next;
    }
  }

  private fire(baseOffset: bigint, logAppendTime: number, error: Error | null, recordError?: (index: number) => Error): void {
    const slots = this.slots;
    const timestamps = this.timestamps;
    const { topic, partition } = this.topicPartition;
    const complete = this.ctx.complete;
    // Release the user's objects whatever happens below.
    this.slots = [];
    this.timestamps = [];
    const n = slots.length;
    // acks=0: the broker reports no offset (-1), and neither does any record (as Java). Offsets
    // are counted up rather than computed as base + BigInt(i): one bigint per record, not two.
    const known = baseOffset >= 0n;
    let offset = known ? baseOffset : -1n;
    for (let i = 0; i < n; i++) {
      const recordOffset = offset;
      if (known) offset++; // before the call: a throwing callback must not shift later offsets
      try {
        if (error === null) {
          complete(slots[i], null, topic, partition, recordOffset, logAppendTime !== -1 ? logAppendTime : timestamps[i]!);
        } else {
          complete(slots[i], recordError ? recordError(i) : error, topic, partition, -1n, -1);
        }
      } catch (e) {
        this.ctx.reportCallbackError(e, this);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Split (MESSAGE_TOO_LARGE)

  /**
   * Re-encodes this batch's records into batches of at most `splitBatchSize` bytes (a record
   * larger than that gets a batch of its own), moving each record's completion slot to the
   * batch that now carries it, in order. The new batches are sealed (compression started),
   * keep this batch's creation time, own fresh buffers (not pool memory) and, when this batch
   * had a sequence, get consecutive sequences from it (Java's `split`). This batch then has
   * final state SPLIT: it completes nothing itself.
   */
  split(splitBatchSize: number): ProducerBatch[] {
    if (this.final !== null) throw new Error(`cannot split a completed batch (${this.final})`);
    const n = this.slots.length;
    if (n === 0) throw new Error('Cannot split an empty producer batch.');
    const section = this.builder.buffer.subarray(RECORD_BATCH_HEADER_SIZE, this.builder.sizeInBytes);
    const cursor = new SplitCursor(section);
    const batches: ProducerBatch[] = [];
    let batch: ProducerBatch | null = null;
    for (let i = 0; i < n; i++) {
      cursor.next();
      const key = cursor.key;
      const value = cursor.value;
      const headers = cursor.headers;
      const ts = this.timestamps[i]!;
      const slot = this.slots[i];
      if (batch === null || !batch.tryAppend(ts, key, value, headers, slot, this.lastAppendMs)) {
        if (batch !== null) batches.push(batch);
        batch = this.newSplitBatch(key, value, headers, splitBatchSize);
        if (!batch.tryAppend(ts, key, value, headers, slot, this.lastAppendMs)) {
          throw new Error('split: a record does not fit a batch sized for it'); // impossible: sized by the upper bound
        }
      }
    }
    batches.push(batch!);
    this.replaceInChain(batches);
    this.final = 'SPLIT';
    if (this.state === OPEN) this.state = DEAD;
    this.slots = [];
    this.timestamps = [];
    let sequence = this.baseSequence;
    for (const b of batches) {
      if (this.hasSequence) {
        b.setProducerState(this.producerId, this.producerEpoch, sequence);
        sequence = incrementSequence(sequence, b.recordCount); // may wrap past 2^31 - 1
      }
      b.seal();
    }
    return batches;
  }

  private newSplitBatch(
    key: RecordData,
    value: RecordData,
    headers: readonly RecordHeaderInput[] | null,
    splitBatchSize: number,
  ): ProducerBatch {
    const size = Math.max(splitBatchSize, RECORD_BATCH_HEADER_SIZE + estimateRecordSizeUpperBound(key, value, headers));
    return new ProducerBatch(this.topicPartition, new Uint8Array(size), this.createdMs, this.ctx, {
      compression: this.compression,
      transactional: this.transactional,
      isSplitBatch: true,
      sizeEstimateFactor: this.sizeEstimateFactor,
      creationSeq: this.creationSeq,
    });
  }

  toString(): string {
    return `ProducerBatch(topicPartition=${this.topicPartition.topic}-${this.topicPartition.partition}, recordCount=${this.recordCount})`;
  }
}

const headerKeyDecoder = new TextDecoder();

/**
 * Reads back the records this batch wrote (uncompressed, trusted: our own encoding), returning
 * views into the buffer. Only `split` uses it, so it favours simplicity.
 */
class SplitCursor {
  private pos = 0;
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  headers: RecordHeaderInput[] | null = null;

  constructor(private readonly buf: Uint8Array) {}

  next(): void {
    const length = this.varint();
    const end = this.pos + length;
    this.pos++; // attributes
    this.skipVarint(); // timestamp delta (varlong): the batch kept each record's timestamp
    this.skipVarint(); // offset delta
    this.key = this.bytes();
    this.value = this.bytes();
    const count = this.varint();
    let headers: RecordHeaderInput[] | null = null;
    if (count > 0) {
      headers = [];
      for (let h = 0; h < count; h++) {
        const k = this.bytes();
        headers.push([k === null ? '' : headerKeyDecoder.decode(k), this.bytes()]);
      }
    }
    this.headers = headers;
    this.pos = end;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return (result >>> 1) ^ -(result & 1);
  }

  private skipVarint(): void {
    while ((this.buf[this.pos++]! & 0x80) !== 0);
  }

  private bytes(): Uint8Array | null {
    const len = this.varint();
    if (len < 0) return null;
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}
