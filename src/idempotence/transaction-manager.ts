/**
 * Idempotent producer state (Java's TransactionManager, without transactions): the producer id
 * and epoch, and per partition the sequence numbers and the batches in flight in sequence order.
 *
 * Owns: producer id/epoch, per-partition {epoch the sequences belong to, next sequence, last
 * acknowledged sequence, batches with a sequence that are not complete (in flight or back for a
 * retry) in sequence order, the "unresolved" marker}, which batches may have been written by an
 * attempt whose answer never came ("uncertain"), and whether an epoch bump is due.
 * Does not own: the batches (the accumulator and sender do), the requests (the Sender sends
 * InitProducerId and Produce and reports outcomes here), what is physically in flight (the
 * Sender passes an `inFlight(tp)` predicate).
 *
 * Rules (Kafka's, KIP-98 and KIP-360; Java's TransactionManager is the reference):
 * - A batch gets its sequence when first drained; sequences of one partition are contiguous, and
 *   a batch keeps its sequence across retries, so the broker can deduplicate a retry of a batch
 *   it already appended (that is what makes a retry after a timeout safe).
 * - Up to 5 batches of a partition may be in flight. If one fails retriably, the broker rejects
 *   the later ones (OUT_OF_ORDER_SEQUENCE_NUMBER), they come back too, and they are re-sent
 *   one at a time in sequence order: a retried batch is drained only when it is the first
 *   incomplete batch of its partition, so the broker never sees a gap.
 * - Outcomes: only an answer that Kafka gives before appending (the Sender's NOT_WRITTEN_ERRORS:
 *   validation, authorization, NOT_ENOUGH_REPLICAS, the producer-state checks) means "not
 *   written"; an attempt that timed out, lost its connection or was answered anything else
 *   (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, ...) may have
 *   been written: the batch becomes uncertain (until a later attempt succeeds or is rejected as
 *   out of order).
 * - Every batch with a sequence leaves the incomplete list exactly once, through handleExit
 *   (called from the accumulator's single exit, RecordAccumulator.release), whatever the path.
 * - A batch that fails for good leaves a gap in the sequences. If the broker rejected it, the
 *   partition's later batches are renumbered under a bumped epoch (Java's
 *   requestEpochBumpForPartition). If it was uncertain, nobody knows whether the gap is real:
 *   the partition is "unresolved" (Java's markSequenceUnresolved). Its later batches are still
 *   retried under their sequences (no fresh batch is drained meanwhile); once none is left,
 *   either everything up to the last sequence was acknowledged (no gap after all) or the epoch
 *   is bumped.
 * - The epoch is bumped locally, as KIP-360 allows the idempotent producer, and the affected
 *   partition's incomplete batches get sequences from 0 under the new epoch. Unlike Java, the
 *   bump waits until none of that partition's batches is in flight and its first incomplete
 *   batch is not uncertain (that one is retried under its old sequence first), so a batch the
 *   broker may already hold is never renumbered (a renumbered copy would be a duplicate).
 * - OUT_OF_ORDER_SEQUENCE_NUMBER for the batch right after the last acknowledged one (or right
 *   after an unresolved gap), or UNKNOWN_PRODUCER_ID, means the broker lost our state or the
 *   gap is real: the epoch is bumped. For a later batch it is the echo of an earlier batch's
 *   failure: retry in order.
 * - The broker recognises a retry as a duplicate only among the last 5 batches it appended for
 *   us (per partition). A batch whose earlier attempt was appended (its outcome unknown to us)
 *   can be overtaken by later batches that succeed; if more than 4 did before its retry lands,
 *   the broker would refuse the retry as out of order forever. So, beyond Java, at most 5
 *   batches of a partition are drained from its oldest incomplete batch on (the 5 in flight a
 *   connection allows in steady state).
 * - Other partitions adopt the new epoch (sequence 0) at their next fresh batch, once their own
 *   incomplete batches are done.
 *
 * Transactional producers (`transactional: true`; src/transactions/ builds on this class, which
 * stays the one owner of the producer id, epoch and sequences): the epoch is never bumped
 * locally. A gap in the sequences makes the transaction abortable instead, and the abort bumps
 * the epoch through the coordinator (InitProducerId with the current id and epoch, or EndTxn v5),
 * after which resetSequences() starts every partition at 0. So, as Java's canRetry for
 * transactions: a batch refused with INVALID_PRODUCER_EPOCH, PRODUCER_FENCED or
 * UNKNOWN_PRODUCER_ID fails, and OUT_OF_ORDER_SEQUENCE_NUMBER fails the partition's oldest
 * incomplete batch (the gap is real) while later ones, echoes of it, are retried in order.
 * requestEpochBump still marks the partition (its later batches are held back, and
 * isEpochBumpRequired tells the transactional layer); bumpEpochIfRequired is not called.
 */
import type { TopicPartition } from '../accumulator/cluster-view.js';
import { incrementSequence, sequenceAfter } from '../protocol/sequence.js';

export { incrementSequence } from '../protocol/sequence.js';

/** How a batch left the pipeline (the accumulator's BatchExit, as the producer state sees it). */
export type SequencedBatchExit =
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'failed'; readonly outcomeUnknown: boolean }
  | { readonly kind: 'split'; readonly parts: readonly SequencedBatch[] };

/** What the TransactionManager needs of a batch. ProducerBatch provides it. */
export interface SequencedBatch {
  readonly topicPartition: TopicPartition;
  readonly recordCount: number;
  /** -1 until a sequence is assigned. */
  readonly baseSequence: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** Writes producer id, epoch and base sequence into the batch bytes (recomputes the CRC). */
  setProducerState(producerId: bigint, producerEpoch: number, baseSequence: number): void;
}

export const NO_PRODUCER_ID = -1n;
const MAX_EPOCH = 32767;
/**
 * The broker remembers the last 5 batches of each producer per partition (Kafka's
 * ProducerStateEntry.NUM_BATCHES_TO_RETAIN): a retry is recognised as a duplicate only within
 * them. So no partition ever has more than 5 batches drained from its oldest incomplete one on.
 */
const BROKER_DEDUP_WINDOW = 5;

/** What a sequence error means for the batch (see handleSequenceError). */
export type SequenceErrorVerdict = 'retry' | 'written' | 'fail';

interface PartitionSequences {
  producerId: bigint;
  producerEpoch: number;
  nextSequence: number;
  lastAckedSequence: number;
  /** Batches with a sequence that are not yet complete (sent, or back for retry), by sequence. */
  readonly incomplete: SequencedBatch[];
  /**
   * -1, or the sequence that follows a batch that failed for good with an unknown outcome: the
   * partition is unresolved until its remaining batches are done (Java's
   * partitionsWithUnresolvedSequences).
   */
  unresolvedNext: number;
  /** Batches assigned a sequence so far (their ordinals, for the dedup window). */
  assigned: number;
}

export class TransactionManager {
  producerId = NO_PRODUCER_ID;
  producerEpoch = -1;
  /** A transactional producer's state: epoch bumps go through the coordinator (see the class comment). */
  readonly transactional: boolean;
  /** The producer id must be (re)initialized with InitProducerId before anything is drained. */
  private idRequired = true;
  private epochBumpRequired = false;
  private readonly partitionsToRewrite = new Set<TopicPartition>();
  private readonly partitions = new Map<TopicPartition, PartitionSequences>();
  /** Batches an unanswered attempt may have written (see the class comment). */
  private uncertain = new WeakSet<SequencedBatch>();
  /** Each batch's ordinal within its partition, in drain order (split parts share their batch's). */
  private ordinals = new WeakMap<SequencedBatch, number>();

  constructor(options: { transactional?: boolean } = {}) {
    this.transactional = options.transactional ?? false;
  }

  /** An attempt of this batch may have been written (its answer never came). */
  isUncertain(batch: SequencedBatch): boolean {
    return this.uncertain.has(batch);
  }

  /** Whether a partition has batches with a sequence that are not complete. */
  hasIncomplete(tp: TopicPartition): boolean {
    return (this.partitions.get(tp)?.incomplete.length ?? 0) > 0;
  }

  /**
   * A new epoch from the transaction coordinator (after an abort, or every transaction with
   * transactions v2): every partition's sequences start at 0 and nothing pending is remembered.
   * Only called when no batch with a sequence is incomplete (EndTxn and the epoch bump wait for
   * that), so nothing is renumbered.
   */
  resetSequences(): void {
    this.partitions.clear();
    this.partitionsToRewrite.clear();
    this.epochBumpRequired = false;
    this.uncertain = new WeakSet();
    this.ordinals = new WeakMap();
  }

  hasProducerId(): boolean {
    return this.producerId >= 0n && !this.idRequired;
  }

  /** The Sender should send InitProducerId (first start, or the id was lost). */
  needsProducerId(): boolean {
    return this.idRequired;
  }

  /** True once a producer id was obtained at least once (a re-init waits for in-flight requests). */
  hadProducerId(): boolean {
    return this.producerId >= 0n;
  }

  setProducerIdAndEpoch(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.idRequired = false;
  }

  /** Forget the producer id (fatal epoch errors): a new InitProducerId is needed. */
  resetProducerId(): void {
    this.idRequired = true;
    for (const [tp, p] of this.partitions) if (p.incomplete.length > 0) this.partitionsToRewrite.add(tp);
  }

  private state(tp: TopicPartition): PartitionSequences {
    let s = this.partitions.get(tp);
    if (!s) {
      s = { producerId: this.producerId, producerEpoch: this.producerEpoch, nextSequence: 0, lastAckedSequence: -1, incomplete: [], unresolvedNext: -1, assigned: 0 };
      this.partitions.set(tp, s);
    }
    return s;
  }

  /** The batch carries the producer id and epoch the partition's sequences currently belong to. */
  private current(s: PartitionSequences, batch: SequencedBatch): boolean {
    return batch.producerId === s.producerId && batch.producerEpoch === s.producerEpoch;
  }

  /**
   * The accumulator's drain guard (Java's shouldStopDrainBatchesForPartition): true keeps the
   * partition's head batch queued for now.
   */
  shouldStopDrain(first: SequencedBatch): boolean {
    if (!this.hasProducerId()) return true;
    const tp = first.topicPartition;
    const s = this.partitions.get(tp);
    if (!s) return false;
    if (first.baseSequence >= 0) {
      // A retry: only the lowest incomplete sequence may go. While an epoch bump for this
      // partition is pending, only an uncertain head goes (under its old sequence, so the broker
      // can deduplicate it); anything else waits to be renumbered.
      if (s.incomplete[0] !== first) return true;
      if (this.partitionsToRewrite.has(tp)) return !this.uncertain.has(first);
      return false;
    }
    // A fresh batch waits while the partition is unresolved or due for renumbering, and, if the
    // partition's sequences belong to an older epoch, until its incomplete batches are done
    // (then its sequences restart at 0 under the new epoch).
    if (s.unresolvedNext >= 0 || this.partitionsToRewrite.has(tp)) return true;
    if (s.producerId !== this.producerId || s.producerEpoch !== this.producerEpoch) return s.incomplete.length > 0;
    // The dedup window: while the oldest incomplete batch may still need a retry, at most 4
    // later batches may be drained, or the broker would no longer recognise that retry as a
    // duplicate of what it appended (it would answer OUT_OF_ORDER_SEQUENCE_NUMBER forever).
    // In steady state this is the 5 requests in flight a connection allows anyway.
    const oldest = s.incomplete[0];
    if (oldest !== undefined && s.assigned - (this.ordinals.get(oldest) ?? s.assigned) >= BROKER_DEDUP_WINDOW) return true;
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
    s.incomplete.push(batch);
    this.ordinals.set(batch, s.assigned++);
  }

  /**
   * The batch left the pipeline (RecordAccumulator.release, its single exit): it leaves the
   * incomplete list it was counted in, whatever the path (answer, expiry, abort, split, failed
   * compression).
   */
  handleExit(batch: SequencedBatch, exit: SequencedBatchExit): void {
    if (exit.kind === 'acknowledged') this.handleCompleted(batch);
    else if (exit.kind === 'split') this.handleSplit(batch, exit.parts);
    else this.handleFailed(batch, exit.outcomeUnknown);
  }

  /**
   * A batch was acknowledged (or reported as a duplicate of an acknowledged one) — at its exit,
   * or late, for a batch that expired while in flight (then only the last acknowledged sequence
   * moves).
   */
  handleCompleted(batch: SequencedBatch): void {
    const s = this.partitions.get(batch.topicPartition);
    this.uncertain.delete(batch);
    if (!s) return;
    this.remove(s, batch);
    if (!this.current(s, batch) || batch.baseSequence < 0) return;
    const last = incrementSequence(batch.baseSequence, batch.recordCount - 1);
    if (s.lastAckedSequence < 0 || sequenceAfter(last, s.lastAckedSequence)) s.lastAckedSequence = last;
  }

  /**
   * A batch goes back for a retry after an attempt. `outcomeUnknown`: the attempt got no answer
   * from the broker (timeout, disconnect) or an answer that does not rule out an append.
   */
  handleRetry(batch: SequencedBatch, outcomeUnknown: boolean): void {
    if (outcomeUnknown && batch.baseSequence >= 0) this.uncertain.add(batch);
  }


  /**
   * A batch failed for good (error, expiry). It leaves the incomplete list; the gap it leaves is
   * closed by an epoch bump (the broker rejected it) or marked unresolved (it may be written).
   */
  handleFailed(batch: SequencedBatch, outcomeUnknown: boolean): void {
    const s = this.partitions.get(batch.topicPartition);
    const unknown = outcomeUnknown || this.uncertain.has(batch);
    this.uncertain.delete(batch);
    if (!s || !this.remove(s, batch) || !this.current(s, batch)) return;
    if (unknown) {
      const next = incrementSequence(batch.baseSequence, batch.recordCount);
      if (s.unresolvedNext < 0 || sequenceAfter(next, s.unresolvedNext)) s.unresolvedNext = next;
    } else {
      this.requestEpochBump(batch.topicPartition);
    }
  }

  /**
   * A batch the broker refused as too large was split (MESSAGE_TOO_LARGE): the parts carry the
   * big batch's sequence range (ProducerBatch.split numbers them from its base sequence) and take
   * its place, so later batches keep their sequences and nothing is renumbered.
   */
  handleSplit(big: SequencedBatch, parts: readonly SequencedBatch[]): void {
    const s = this.partitions.get(big.topicPartition);
    this.uncertain.delete(big);
    if (!s) return;
    const i = s.incomplete.indexOf(big);
    if (i < 0) return;
    const sequenced = parts.filter((p) => p.baseSequence >= 0);
    if (sequenced.length === parts.length && this.current(s, big)) {
      s.incomplete.splice(i, 1, ...sequenced);
      const ordinal = this.ordinals.get(big);
      if (ordinal !== undefined) for (const p of sequenced) this.ordinals.set(p, ordinal);
    } else {
      // Parts without sequences (should not happen): treat the big batch as rejected.
      s.incomplete.splice(i, 1);
      this.requestEpochBump(big.topicPartition);
    }
  }

  /**
   * Handles a sequence error from the broker for `batch` (Java's canRetry for the idempotent
   * producer) and decides whether an epoch bump is needed. 'retry': retry the batch. 'written':
   * a later sequence was acknowledged, so the broker holds this batch (it appends only
   * contiguous sequences) but no longer remembers it as a duplicate; the caller completes it
   * without an offset. The dedup window in shouldStopDrain keeps that from happening.
   */
  handleSequenceError(batch: SequencedBatch, errorName: string): SequenceErrorVerdict {
    const tp = batch.topicPartition;
    const s = this.partitions.get(tp);
    if (!s || !this.current(s, batch)) return 'retry';
    if (this.transactional) return this.handleTransactionalSequenceError(s, batch, errorName);
    if (errorName === 'INVALID_PRODUCER_EPOCH' || errorName === 'PRODUCER_FENCED') {
      // A batch numbered under an epoch we have bumped since: the broker moved this partition's
      // producer state to a newer epoch (Kafka keeps epochs per partition, some brokers per
      // producer id). The partition adopts the current epoch; no new bump or producer id needed.
      // Otherwise our current epoch is fenced: a new producer id is needed.
      if (batch.producerId === this.producerId && batch.producerEpoch < this.producerEpoch) this.partitionsToRewrite.add(tp);
      else this.resetProducerId();
      // A batch an earlier attempt may have written under the old epoch cannot be resent under
      // a new one (that could write it twice), nor under the old one (fenced): it fails, its
      // outcome unknown.
      return this.uncertain.has(batch) ? 'fail' : 'retry';
    }
    if (errorName === 'UNKNOWN_PRODUCER_ID') {
      // The broker keeps nothing of ours for this partition: had an earlier attempt been
      // appended (and still be in the log), it would know us. Safe to renumber.
      this.uncertain.delete(batch);
      this.requestEpochBump(tp);
      return 'retry';
    }
    if (errorName !== 'OUT_OF_ORDER_SEQUENCE_NUMBER') return 'retry';
    const last = incrementSequence(batch.baseSequence, batch.recordCount - 1);
    if (s.lastAckedSequence >= 0 && !sequenceAfter(last, s.lastAckedSequence)) return 'written';
    // The broker has our state and this batch is not in it: whatever an earlier attempt did, it
    // did not write this batch.
    this.uncertain.delete(batch);
    if (s.unresolvedNext >= 0) {
      // Right after a batch of unknown outcome: that one was not written, the gap is real.
      if (batch.baseSequence === s.unresolvedNext) this.requestEpochBump(tp);
      return 'retry';
    }
    const isNext = s.lastAckedSequence < 0 ? batch.baseSequence === 0 : batch.baseSequence === incrementSequence(s.lastAckedSequence, 1);
    if (isNext && s.incomplete[0] === batch) this.requestEpochBump(tp);
    return 'retry';
  }

  /**
   * Java's canRetry for a transactional producer: the transaction will be aborted and the epoch
   * bumped by the coordinator, so nothing is renumbered here. A batch the broker reports as
   * written (a later sequence was acknowledged) completes; a real gap (the oldest incomplete
   * batch refused as out of order), a fenced or unknown producer fail the batch; a later batch
   * refused as out of order is the echo of an earlier one and is retried after it.
   */
  private handleTransactionalSequenceError(s: PartitionSequences, batch: SequencedBatch, errorName: string): SequenceErrorVerdict {
    if (errorName !== 'OUT_OF_ORDER_SEQUENCE_NUMBER') {
      // The broker keeps nothing of ours at this epoch: an earlier attempt is not in its state.
      this.uncertain.delete(batch);
      return 'fail';
    }
    const last = incrementSequence(batch.baseSequence, batch.recordCount - 1);
    if (s.lastAckedSequence >= 0 && !sequenceAfter(last, s.lastAckedSequence)) return 'written';
    this.uncertain.delete(batch);
    return s.incomplete[0] === batch ? 'fail' : 'retry';
  }

  /**
   * The partition's sequences must restart at 0 under a newer epoch. If the producer's epoch is
   * already newer than the one the partition's batches carry (another partition's bump), the
   * partition just adopts it; only a partition already on the current epoch needs a bump. So
   * several partitions failing at about the same time cost one bump, not one each.
   */
  requestEpochBump(tp: TopicPartition): void {
    const s = this.partitions.get(tp);
    if (s === undefined || (s.producerId === this.producerId && s.producerEpoch === this.producerEpoch)) this.epochBumpRequired = true;
    this.partitionsToRewrite.add(tp);
  }

  get isEpochBumpRequired(): boolean {
    return this.epochBumpRequired;
  }

  /**
   * Java's maybeResolveSequences: an unresolved partition with nothing left incomplete or in
   * flight is resolved — fine if every sequence up to the last one assigned was acknowledged
   * (the batch of unknown outcome was written after all), else by an epoch bump.
   */
  resolveSequences(inFlight: (tp: TopicPartition) => boolean): void {
    for (const [tp, s] of this.partitions) {
      if (s.unresolvedNext < 0 || s.incomplete.length > 0 || inFlight(tp)) continue;
      const acked = s.lastAckedSequence >= 0 && incrementSequence(s.lastAckedSequence, 1) === s.nextSequence;
      s.unresolvedNext = -1;
      if (!acked) this.requestEpochBump(tp);
    }
  }

  /**
   * Bumps the epoch (locally, KIP-360) and renumbers the incomplete batches of the affected
   * partitions from 0, once none of them is in flight and none of them leads with an uncertain
   * batch (see the class comment). Returns false when the epoch is exhausted and a new producer
   * id is needed instead.
   */
  bumpEpochIfRequired(inFlight: (tp: TopicPartition) => boolean): boolean {
    if (this.idRequired) return true; // a new producer id renumbers instead (rewriteAfterNewProducerId)
    if (!this.epochBumpRequired) {
      this.adoptCurrentEpoch(inFlight);
      return true;
    }
    for (const tp of this.partitionsToRewrite) {
      if (inFlight(tp)) return true; // wait for the answers
      const head = this.partitions.get(tp)?.incomplete[0];
      if (head !== undefined && this.uncertain.has(head)) return true; // retried first
    }
    if (this.producerEpoch >= MAX_EPOCH) {
      this.resetProducerId();
      this.epochBumpRequired = false;
      return false;
    }
    this.producerEpoch++;
    this.epochBumpRequired = false;
    for (const tp of this.partitionsToRewrite) this.rewritePartition(tp);
    this.partitionsToRewrite.clear();
    return true;
  }

  /**
   * Partitions whose broker-side state moved to a newer epoch than their batches carry (see
   * handleSequenceError) are renumbered under the current epoch, without another bump, once
   * nothing of theirs is in flight and their head is not a batch that may be written.
   */
  private adoptCurrentEpoch(inFlight: (tp: TopicPartition) => boolean): void {
    for (const tp of [...this.partitionsToRewrite]) {
      if (inFlight(tp)) continue;
      const head = this.partitions.get(tp)?.incomplete[0];
      if (head !== undefined && this.uncertain.has(head)) continue;
      this.rewritePartition(tp);
      this.partitionsToRewrite.delete(tp);
    }
  }

  /**
   * Before a new producer id renumbers the pending batches: those an attempt may have written
   * under the old id. They must not be renumbered (the broker would store them a second time
   * under the new id) and cannot be retried under the old one; the Sender fails them, outcome
   * unknown. The others were not written (never sent, or refused), so renumbering them is safe.
   */
  uncertainBatchesToRewrite(): SequencedBatch[] {
    const out: SequencedBatch[] = [];
    for (const tp of this.partitionsToRewrite) for (const b of this.partitions.get(tp)?.incomplete ?? []) if (this.uncertain.has(b)) out.push(b);
    return out;
  }

  /** After a new producer id (InitProducerId), renumber what is pending under it. */
  rewriteAfterNewProducerId(): void {
    this.epochBumpRequired = false;
    for (const tp of this.partitionsToRewrite) this.rewritePartition(tp);
    this.partitionsToRewrite.clear();
  }

  /**
   * Renumbers a partition's incomplete batches from 0 under the current producer id and epoch.
   * Callers make sure none of them may have been written (see bumpEpochIfRequired,
   * uncertainBatchesToRewrite): the broker only appends contiguous sequences, so once the first
   * is known unwritten, so are the rest.
   */
  private rewritePartition(tp: TopicPartition): void {
    const s = this.partitions.get(tp);
    if (!s) return;
    s.producerId = this.producerId;
    s.producerEpoch = this.producerEpoch;
    s.lastAckedSequence = -1;
    s.unresolvedNext = -1;
    let seq = 0;
    for (const b of s.incomplete) {
      this.uncertain.delete(b);
      b.setProducerState(this.producerId, this.producerEpoch, seq);
      seq = incrementSequence(seq, b.recordCount);
    }
    s.nextSequence = seq;
  }

  private remove(s: PartitionSequences, batch: SequencedBatch): boolean {
    const i = s.incomplete.indexOf(batch);
    if (i < 0) return false;
    s.incomplete.splice(i, 1);
    return true;
  }
}
