/**
 * Idempotent producer state (Java's TransactionManager, without transactions): the producer id
 * and epoch, and per partition the sequence numbers and the batches in flight in sequence order.
 *
 * Owns: producer id/epoch, per-partition {epoch the sequences belong to, next sequence, last
 * acknowledged sequence, in-flight batches by sequence}, and whether an epoch bump is due.
 * Does not own: the batches (the accumulator and sender do), the InitProducerId request (the
 * Sender sends it and calls `setProducerIdAndEpoch`).
 *
 * Rules (Kafka's, KIP-98 and KIP-360):
 * - A batch gets its sequence when first drained; sequences of one partition are contiguous.
 * - Up to 5 batches of a partition may be in flight. If one fails retriably, the broker rejects
 *   the later ones (OUT_OF_ORDER_SEQUENCE_NUMBER), they come back too, and they are re-sent
 *   one at a time in sequence order: a retried batch is drained only when it is the first
 *   in flight of its partition, so the broker never sees a gap.
 * - OUT_OF_ORDER_SEQUENCE_NUMBER for the batch right after the last acknowledged one, or
 *   UNKNOWN_PRODUCER_ID, means the broker lost our state: the epoch is bumped (locally, as
 *   KIP-360 allows the idempotent producer) and that partition's unacknowledged batches get
 *   sequences rewritten from 0 under the new epoch, once none of them is in flight.
 * - Other partitions adopt the new epoch (sequence 0) at their next fresh batch, once their own
 *   in-flight batches are done.
 */
import type { TopicPartition } from '../accumulator/cluster-view.js';

/** What the TransactionManager needs of a batch. ProducerBatch provides it. */
export interface SequencedBatch {
  readonly topicPartition: TopicPartition;
  readonly recordCount: number;
  /** -1 until a sequence is assigned. */
  readonly baseSequence: number;
  /** Writes producer id, epoch and base sequence into the batch bytes (recomputes the CRC). */
  setProducerState(producerId: bigint, producerEpoch: number, baseSequence: number): void;
}

export const NO_PRODUCER_ID = -1n;
const MAX_EPOCH = 32767;
const MAX_SEQUENCE = 2147483647;

interface PartitionSequences {
  producerId: bigint;
  producerEpoch: number;
  nextSequence: number;
  lastAckedSequence: number;
  /** Batches with a sequence that are not yet complete (sent, or back for retry), by sequence. */
  readonly inflight: SequencedBatch[];
}

export class TransactionManager {
  producerId = NO_PRODUCER_ID;
  producerEpoch = -1;
  /** The producer id must be (re)initialized with InitProducerId before anything is drained. */
  private idRequired = true;
  private epochBumpRequired = false;
  private readonly partitionsToRewrite = new Set<TopicPartition>();
  private readonly partitions = new Map<TopicPartition, PartitionSequences>();

  hasProducerId(): boolean {
    return this.producerId >= 0n && !this.idRequired;
  }

  /** The Sender should send InitProducerId (first start, or the id was lost). */
  needsProducerId(): boolean {
    return this.idRequired;
  }

  setProducerIdAndEpoch(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.idRequired = false;
  }

  /** Forget the producer id (fatal epoch errors): a new InitProducerId is needed. */
  resetProducerId(): void {
    this.idRequired = true;
    for (const [tp, p] of this.partitions) if (p.inflight.length > 0) this.partitionsToRewrite.add(tp);
  }

  private state(tp: TopicPartition): PartitionSequences {
    let s = this.partitions.get(tp);
    if (!s) {
      s = { producerId: this.producerId, producerEpoch: this.producerEpoch, nextSequence: 0, lastAckedSequence: -1, inflight: [] };
      this.partitions.set(tp, s);
    }
    return s;
  }

  /**
   * The accumulator's drain guard (Java's shouldStopDrainBatchesForPartition): true keeps the
   * partition's head batch queued for now.
   */
  shouldStopDrain(first: SequencedBatch): boolean {
    if (!this.hasProducerId() || this.epochBumpRequired) return true;
    const s = this.partitions.get(first.topicPartition);
    if (!s) return false;
    if (first.baseSequence >= 0) {
      // A retry: only the lowest unacknowledged sequence may go, and only under the current epoch.
      return s.inflight[0] !== first || this.partitionsToRewrite.has(first.topicPartition);
    }
    // A fresh batch: if the partition's sequences belong to an older epoch, wait until its
    // in-flight batches are done, then restart its sequences under the new epoch.
    if (s.producerId !== this.producerId || s.producerEpoch !== this.producerEpoch) return s.inflight.length > 0;
    return false;
  }

  /** Assigns producer id, epoch and the next sequence to a batch drained for the first time. */
  assignSequence(batch: SequencedBatch): void {
    const s = this.state(batch.topicPartition);
    if (s.producerId !== this.producerId || s.producerEpoch !== this.producerEpoch) {
      s.producerId = this.producerId;
      s.producerEpoch = this.producerEpoch;
      s.nextSequence = 0;
      s.lastAckedSequence = -1;
    }
    batch.setProducerState(this.producerId, this.producerEpoch, s.nextSequence);
    s.nextSequence = incrementSequence(s.nextSequence, batch.recordCount);
    s.inflight.push(batch);
  }

  /** A batch was acknowledged (or reported as a duplicate of an acknowledged one). */
  handleCompleted(batch: SequencedBatch): void {
    const s = this.partitions.get(batch.topicPartition);
    if (!s) return;
    this.remove(s, batch);
    const last = incrementSequence(batch.baseSequence, batch.recordCount - 1);
    if (s.lastAckedSequence < 0 || sequenceAfter(last, s.lastAckedSequence)) s.lastAckedSequence = last;
  }

  /** A batch failed for good: it leaves the in-flight list; its partition needs new sequences. */
  handleFailed(batch: SequencedBatch): void {
    const s = this.partitions.get(batch.topicPartition);
    if (!s || !this.remove(s, batch)) return;
    // Later batches were numbered after this one: the broker would see a gap. Renumber them
    // under a bumped epoch (Java does the same through requestEpochBumpForPartition).
    if (s.inflight.length > 0) this.requestEpochBump(batch.topicPartition);
  }

  /**
   * Whether a batch rejected with a sequence error may simply be retried (Java's canRetry).
   * OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the next after the last acknowledged
   * one is the echo of an earlier batch's failure: retry in order. Otherwise the broker lost our
   * state: bump the epoch and renumber (and the batch is retried under the new epoch).
   */
  handleSequenceError(batch: SequencedBatch, errorName: string): void {
    const s = this.partitions.get(batch.topicPartition);
    if (!s) return;
    const isNext = batch.baseSequence === incrementSequence(s.lastAckedSequence, 1) || (s.lastAckedSequence < 0 && batch.baseSequence === 0);
    if (errorName === 'OUT_OF_ORDER_SEQUENCE_NUMBER' && !isNext) return;
    if (errorName === 'INVALID_PRODUCER_EPOCH' || errorName === 'PRODUCER_FENCED') this.resetProducerId();
    else this.requestEpochBump(batch.topicPartition);
  }

  requestEpochBump(tp: TopicPartition): void {
    this.epochBumpRequired = true;
    this.partitionsToRewrite.add(tp);
  }

  get isEpochBumpRequired(): boolean {
    return this.epochBumpRequired;
  }

  /**
   * Bumps the epoch (locally, KIP-360) and renumbers the unacknowledged batches of the affected
   * partitions from 0. The Sender calls it when no request is in flight for those partitions,
   * so no batch changes its sequence while the broker may still be reading the old one.
   * Returns false when the epoch is exhausted and a new producer id is needed instead.
   */
  bumpEpochIfRequired(inFlight: (tp: TopicPartition) => boolean): boolean {
    if (!this.epochBumpRequired) return true;
    for (const tp of this.partitionsToRewrite) if (inFlight(tp)) return true; // wait
    if (this.producerEpoch >= MAX_EPOCH) {
      this.resetProducerId();
      this.epochBumpRequired = false;
      return false;
    }
    this.producerEpoch++;
    this.epochBumpRequired = false;
    this.rewriteSequences();
    return true;
  }

  /** After a new producer id (InitProducerId), renumber what is pending under it. */
  rewriteAfterNewProducerId(): void {
    this.epochBumpRequired = false;
    this.rewriteSequences();
  }

  private rewriteSequences(): void {
    for (const tp of this.partitionsToRewrite) {
      const s = this.partitions.get(tp);
      if (!s) continue;
      s.producerId = this.producerId;
      s.producerEpoch = this.producerEpoch;
      s.lastAckedSequence = -1;
      let seq = 0;
      for (const b of s.inflight) {
        b.setProducerState(this.producerId, this.producerEpoch, seq);
        seq = incrementSequence(seq, b.recordCount);
      }
      s.nextSequence = seq;
    }
    this.partitionsToRewrite.clear();
  }

  /** Batches of `tp` with sequences that are not complete yet, lowest first (tests, reenqueue). */
  inflightBatches(tp: TopicPartition): readonly SequencedBatch[] {
    return this.partitions.get(tp)?.inflight ?? [];
  }

  private remove(s: PartitionSequences, batch: SequencedBatch): boolean {
    const i = s.inflight.indexOf(batch);
    if (i < 0) return false;
    s.inflight.splice(i, 1);
    return true;
  }
}

/** Sequences wrap from 2^31 - 1 to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > MAX_SEQUENCE - increment ? increment - (MAX_SEQUENCE - sequence) - 1 : sequence + increment;
}

function sequenceAfter(a: number, b: number): boolean {
  // Within a window far smaller than 2^31, "after" accounts for wrap-around.
  const d = (a - b + 2 ** 31) % 2 ** 31;
  return d > 0 && d < 2 ** 30;
}
