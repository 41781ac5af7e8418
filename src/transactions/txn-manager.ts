/**
 * The transactional producer (Java's TransactionManager beyond idempotence; franz-go's txn.go):
 * the state machine, the partitions and offsets of the open transaction, and the queue of
 * transactional requests (Java's TxnRequestHandler and its subclasses).
 *
 * Owns: the TransactionState and the error that moved it to ABORTABLE_ERROR / FATAL_ERROR; the
 * protocol generation of the open transaction (v1, or v2 = KIP-890 part 2), fixed when it begins;
 * the partitions of the transaction (v1: new -> pending AddPartitionsToTxn -> added; v2: added at
 * the first send, Produce v12+ adds them implicitly); whether anything was added (EndTxn is
 * skipped otherwise); whether the producer epoch must be bumped before the next transaction; the
 * queued and in-flight transactional request (one at a time, as Java); the coordinators found
 * (CoordinatorCache); the result of the user call in progress (a call that timed out after
 * max.block.ms may be repeated and awaits the same result).
 * Does not own: the producer id and epoch and the sequences — the idempotent TransactionManager
 * (src/idempotence) stays their one owner; this class sets them from InitProducerId / EndTxn v5
 * and resets the sequences after an epoch bump. Nor the wire: the Sender sends each request this
 * class hands it through a TxnNetwork and hands the answer back (poll).
 *
 * How a transaction runs (Java's semantics):
 * - initTransactions: FindCoordinator(transaction, transactional.id), then
 *   InitProducerId(transactional.id, transaction.timeout.ms), which fences older producers of the
 *   same id and completes (or aborts) whatever transaction they left open.
 * - beginTransaction (no request); send: v1 queues AddPartitionsToTxn for a partition new in the
 *   transaction and holds the partition's batches until it is added; v2 sends at once.
 * - sendOffsetsToTransaction: v1 AddOffsetsToTxn to the transaction coordinator, then
 *   TxnOffsetCommit to the group coordinator; v2 TxnOffsetCommit only (v5+).
 * - commitTransaction / abortTransaction: EndTxn, sent only once no batch is incomplete and no
 *   send is still on its way to the accumulator; an abort first fails every batch not yet sent.
 *   v2's EndTxn (v5) returns the epoch (or a new producer id) for the next transaction; v1
 *   bumps the epoch with InitProducerId(producer id, epoch) after an abort that needs it (KIP-360).
 * - Errors (errors.ts): retriable and coordinator errors are retried here with backoff (a lookup
 *   first for the latter); abortable ones move to ABORTABLE_ERROR (abortTransaction() recovers),
 *   fatal ones to FATAL_ERROR (close() is left).
 * - Never switch generation inside a transaction: it is chosen in beginTransaction, from the
 *   broker's finalized feature transaction.version >= 2 (and the versions v2 needs).
 */
import type { TopicPartition } from '../accumulator/cluster-view.js';
import type { Clock } from '../common/clock.js';
import { KafkaWireError } from '../errors.js';
import type { TransactionManager } from '../idempotence/transaction-manager.js';
import type { Logger } from '../observability/logger.js';
import { ApiKey, TRANSACTIONS_V1_MAX_VERSION, TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES } from '../protocol/api-keys.js';
import { errorForCode } from '../protocol/error-codes.js';
import { CoordinatorCache, CoordinatorType, findCoordinatorRequest, readCoordinatorAnswer, type CoordinatorNode, type FindCoordinatorResponseView } from './coordinators.js';
import { AbortableTransactionError, FatalTransactionError, TRANSACTION_ABORTED, TransactionError, classifyTxnError, type TxnApi } from './errors.js';
import { TransactionState, invalidTransition, isTransitionValid } from './transaction-state.js';

const S = TransactionState;

/** Kafka API keys of the transactional requests. */
export const TxnApiKey = {
  FindCoordinator: ApiKey.FindCoordinator,
  InitProducerId: ApiKey.InitProducerId,
  AddPartitionsToTxn: ApiKey.AddPartitionsToTxn,
  AddOffsetsToTxn: ApiKey.AddOffsetsToTxn,
  EndTxn: ApiKey.EndTxn,
  TxnOffsetCommit: ApiKey.TxnOffsetCommit,
} as const;

/**
 * Version limits of the two generations. v1 must not send what v2 means: Produce v12+ and
 * TxnOffsetCommit v5+ add partitions implicitly, EndTxn v5+ bumps the epoch (KIP-890).
 * AddPartitionsToTxn v4+ is the brokers' batched verification API, not the client's.
 */
export const V1_MAX_PRODUCE_VERSION = 11;
const V1_MAX_TXN_OFFSET_COMMIT_VERSION = TRANSACTIONS_V1_MAX_VERSION;
const V1_MAX_END_TXN_VERSION = TRANSACTIONS_V1_MAX_VERSION;
const V2_MIN_VERSION = 5;
const CLIENT_MAX_ADD_PARTITIONS_VERSION = 3;
/** InitProducerId v3 carries the producer id and epoch to bump (KIP-360). */
const EPOCH_BUMP_MIN_INIT_PRODUCER_ID_VERSION = 3;
/**
 * Java's shorter backoff for the first AddPartitionsToTxn of a transaction answered
 * CONCURRENT_TRANSACTIONS: the previous transaction is still completing and will be done soon.
 */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;

/** One offset to commit with the transaction. `offset` is the next record to consume. */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: bigint | number;
  metadata?: string | null;
  leaderEpoch?: number;
}

/** The consumer group the offsets belong to (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

/** Where the Sender's wire meets the request queue (see poll). */
export interface TxnNetwork {
  /**
   * A channel to `nodeId` that can take a request now, or how long to wait; `failed`: the node
   * is unreachable (its last connection attempt failed), so a coordinator may have moved.
   */
  channel(nodeId: number, now: number): TxnChannel | { waitMs: number; failed: boolean };
  /** The least loaded broker with a channel ready now, or how long to wait. */
  leastLoaded(now: number): TxnChannel | { waitMs: number; failed: boolean };
  /** A coordinator FindCoordinator named (so the pool can connect to it). */
  addNode(node: CoordinatorNode): void;
  /** The version of `apiKey` to use with `nodeId` within [min, max], or null if none. */
  version(nodeId: number, apiKey: number, min?: number, max?: number): number | null;
  /** The Sender should run a pass (an answer arrived). */
  wakeup(): void;
}

export interface TxnChannel {
  readonly nodeId: number;
  /** Sends one request; resolves with the decoded body, rejects on no answer. */
  send(apiKey: number, version: number, body: Record<string, unknown>): Promise<unknown>;
}

export interface TxnManagerOptions {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** min(retry.backoff.ms, retry.backoff.max.ms), Java's fixed transactional retry delay. */
  readonly retryBackoffMs: number;
  readonly idempotence: TransactionManager;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether the cluster has finalized transaction.version >= 2 and speaks what v2 needs. */
  readonly transactionV2Available?: () => boolean;
  /** Sends accepted but not yet in the accumulator (waiting for metadata or memory). */
  readonly sendsInProgress?: () => boolean;
}

/** A user call's outcome (Java's TransactionalRequestResult). Never an unhandled rejection. */
export class TxnResult {
  readonly promise: Promise<void>;
  completed = false;
  error: Error | null = null;
  private resolveFn!: () => void;
  private rejectFn!: (e: Error) => void;
  constructor(readonly operation: string) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.promise.catch(() => {});
  }
  done(): void {
    if (this.completed) return;
    this.completed = true;
    this.resolveFn();
  }
  fail(e: Error): void {
    if (this.completed) return;
    this.completed = true;
    this.error = e;
    this.rejectFn(e);
  }
}

/** Java's handler priorities: lower goes first. */
const Priority = { FIND_COORDINATOR: 0, INIT_PRODUCER_ID: 1, ADD_PARTITIONS_OR_OFFSETS: 2, END_TXN: 3, EPOCH_BUMP: 4 } as const;

/** A queued transactional request (Java's TxnRequestHandler). */
interface TxnRequest {
  readonly api: TxnApi;
  readonly apiKey: number;
  readonly priority: number;
  /** The coordinator it goes to; null: any broker (FindCoordinator). */
  readonly coordinator: { readonly type: CoordinatorType; readonly key: string } | null;
  readonly minVersion?: number;
  readonly maxVersion?: number;
  /** FindCoordinator: the coordinator it looks up. */
  readonly finds?: { readonly type: CoordinatorType; readonly key: string };
  /** EndTxn and the epoch bump go only once no batch is incomplete and no send is on its way. */
  readonly waitsForBatches: boolean;
  readonly result: TxnResult;
  /** Not sent before this clock time (retry backoff). */
  notBefore: number;
  /** Order of enqueueing (FIFO within a priority). */
  seq: number;
  retries: number;
  body(version: number): Record<string, unknown>;
  handle(body: unknown, version: number): void;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class TxnManager {
  readonly transactionalId: string;
  private readonly transactionTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly tm: TransactionManager;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly v2Available: () => boolean;
  private readonly sendsInProgress: () => boolean;

  private currentState: TransactionState = S.UNINITIALIZED;
  private lastError: TransactionError | null = null;
  /** The generation of the open (or last) transaction: 2 = KIP-890 part 2. */
  private generation: 1 | 2 = 1;
  /** v1: partitions to add with the next AddPartitionsToTxn. */
  private readonly newPartitions = new Map<string, TopicPartition>();
  /** v1: partitions in an AddPartitionsToTxn awaiting its answer. */
  private readonly pendingPartitions = new Map<string, TopicPartition>();
  /** Partitions of the transaction whose batches may be sent (v1: added; v2: sent to). */
  private readonly partitionsInTransaction = new Set<string>();
  /** Something (a partition, offsets) was added: EndTxn is needed to end the transaction. */
  private transactionStarted = false;
  /** The epoch must be bumped before the next transaction (after an abortable failure). */
  private epochBumpRequired = false;
  /** Whether the transaction coordinator speaks InitProducerId v3+ (KIP-360 epoch bumps). */
  private coordinatorSupportsBumpingEpoch = true;
  private readonly queue: TxnRequest[] = [];
  private inFlight: TxnRequest | null = null;
  private seq = 0;
  private pending: { operation: string; target: TransactionState; result: TxnResult } | null = null;
  /** The Sender's wire, as of the last poll (coordinators found are told to it). */
  private net: TxnNetwork | null = null;
  readonly coordinators = new CoordinatorCache();

  constructor(options: TxnManagerOptions) {
    this.transactionalId = options.transactionalId;
    this.transactionTimeoutMs = options.transactionTimeoutMs;
    this.retryBackoffMs = options.retryBackoffMs;
    this.tm = options.idempotence;
    this.clock = options.clock;
    this.logger = options.logger;
    this.v2Available = options.transactionV2Available ?? (() => false);
    this.sendsInProgress = options.sendsInProgress ?? (() => false);
  }

  // --- state ----------------------------------------------------------------------------------

  get state(): TransactionState {
    return this.currentState;
  }

  /** The protocol generation of the open transaction (2: KIP-890 transactions v2). */
  get transactionVersion(): 1 | 2 {
    return this.generation;
  }

  /** The error of ABORTABLE_ERROR / FATAL_ERROR (null otherwise). */
  get error(): TransactionError | null {
    return this.lastError;
  }

  get hasFatalError(): boolean {
    return this.currentState === S.FATAL_ERROR;
  }

  get hasAbortableError(): boolean {
    return this.currentState === S.ABORTABLE_ERROR;
  }

  get isAborting(): boolean {
    return this.currentState === S.ABORTING_TRANSACTION;
  }

  get isCompleting(): boolean {
    return this.currentState === S.COMMITTING_TRANSACTION || this.currentState === S.ABORTING_TRANSACTION;
  }

  /** A transaction is open: begun and not yet completed (or failed fatally). */
  get hasOngoingTransaction(): boolean {
    return this.currentState === S.IN_TRANSACTION || this.isCompleting || this.currentState === S.ABORTABLE_ERROR;
  }

  get hasPendingRequests(): boolean {
    return this.queue.length > 0 || this.inFlight !== null;
  }

  get hasInFlightRequest(): boolean {
    return this.inFlight !== null;
  }

  private transitionTo(target: TransactionState, operation: string, error?: TransactionError): void {
    if (!isTransitionValid(this.currentState, target)) throw invalidTransition(this.transactionalId, this.currentState, target, operation);
    if (target === S.FATAL_ERROR || target === S.ABORTABLE_ERROR) this.lastError = error ?? null;
    else this.lastError = null;
    this.logger.debug(`TransactionalId ${this.transactionalId}: ${this.currentState} -> ${target}${error ? ` (${error.code}: ${error.message})` : ''}`);
    this.currentState = target;
  }

  /** Java's maybeFailWithError: in an error state, every transactional call fails with it. */
  private maybeFailWithError(): void {
    const e = this.lastError;
    if (e === null || (this.currentState !== S.ABORTABLE_ERROR && this.currentState !== S.FATAL_ERROR)) return;
    const id = `TransactionalId ${this.transactionalId} (producer id ${this.tm.producerId}, epoch ${this.tm.producerEpoch})`;
    if (e.code === 'PRODUCER_FENCED') {
      throw new FatalTransactionError('PRODUCER_FENCED', `${id} has been fenced by another producer with the same transactional.id: close this producer`, { cause: e });
    }
    const Cls = e instanceof FatalTransactionError ? FatalTransactionError : AbortableTransactionError;
    const what = e instanceof FatalTransactionError ? 'close the producer' : 'call abortTransaction() and run the transaction again';
    throw new Cls(e.code, `${id}: cannot execute transactional method because we are in an error state (${e.code}: ${e.message}); ${what}`, { cause: e });
  }

  private throwIfPendingState(operation: string): void {
    if (this.pending === null) return;
    if (this.pending.result.completed) {
      this.pending = null;
      return;
    }
    throw new KafkaWireError('ILLEGAL_STATE', `Cannot attempt operation \`${operation}\` because the previous call to \`${this.pending.operation}\` timed out and must be retried`);
  }

  /**
   * Java's handleCachedTransactionRequestResult: a call repeated after its max.block.ms passed
   * gets the result of the first one instead of starting again; another call meanwhile fails.
   */
  private cached(operation: string, target: TransactionState, start: () => TxnResult): TxnResult {
    if (this.pending !== null) {
      if (this.pending.result.completed) this.pending = null;
      else if (this.pending.target !== target) {
        throw new KafkaWireError('ILLEGAL_STATE', `Cannot attempt operation \`${operation}\` because the previous call to \`${this.pending.operation}\` timed out and must be retried`);
      } else return this.pending.result;
    }
    const result = start();
    this.pending = { operation, target, result };
    return result;
  }

  transitionToAbortableError(error: TransactionError, epochBump: boolean): void {
    if (epochBump) this.epochBumpRequired = true;
    if (this.currentState === S.ABORTING_TRANSACTION || this.currentState === S.FATAL_ERROR) {
      this.logger.debug(`TransactionalId ${this.transactionalId}: ${error.code} while ${this.currentState}: ${error.message}`);
      return;
    }
    if (!isTransitionValid(this.currentState, S.ABORTABLE_ERROR)) {
      this.logger.warn(`TransactionalId ${this.transactionalId}: ${error.code} in state ${this.currentState} ignored: ${error.message}`);
      return;
    }
    this.logger.info(`TransactionalId ${this.transactionalId}: the transaction must be aborted: ${error.code}: ${error.message}`);
    this.transitionTo(S.ABORTABLE_ERROR, 'abortable error', error);
  }

  transitionToFatalError(error: TransactionError): void {
    this.logger.error(`TransactionalId ${this.transactionalId}: fatal error, only close() is left: ${error.code}: ${error.message}`);
    this.transitionTo(S.FATAL_ERROR, 'fatal error', error);
    this.pending?.result.fail(error);
    for (const r of this.queue) r.result.fail(error);
    this.queue.length = 0;
  }

  // --- user calls (the Producer maps its public methods here) ---------------------------------

  /** initTransactions(): FindCoordinator + InitProducerId. */
  initTransactions(): TxnResult {
    return this.cached('initTransactions', S.INITIALIZING, () => {
      this.maybeFailWithError();
      this.transitionTo(S.INITIALIZING, 'initTransactions');
      this.generation = this.v2Available() ? 2 : 1;
      this.logger.info(`TransactionalId ${this.transactionalId}: InitProducerId to acquire a producer id (transactions v${this.generation})`);
      return this.enqueue(this.initProducerIdRequest(false, new TxnResult('InitProducerId')));
    });
  }

  beginTransaction(): void {
    this.throwIfPendingState('beginTransaction');
    this.maybeFailWithError();
    this.transitionTo(S.IN_TRANSACTION, 'beginTransaction');
    // The generation is fixed for the whole transaction (KIP-890: never switch in the middle).
    const next = this.v2Available() ? 2 : 1;
    if (next !== this.generation) this.logger.info(`TransactionalId ${this.transactionalId}: transactions v${next} from this transaction on`);
    this.generation = next;
  }

  /**
   * send() inside a transaction: throws (the record fails at once) unless a transaction is open.
   * Called per record, so the common case is one comparison.
   */
  checkSendAllowed(): void {
    if (this.currentState === S.IN_TRANSACTION) return;
    this.maybeFailWithError();
    this.throwIfPendingState('send');
    if (this.currentState === S.UNINITIALIZED || this.currentState === S.INITIALIZING) {
      throw new KafkaWireError('ILLEGAL_STATE', `TransactionalId ${this.transactionalId}: cannot send before initTransactions() has completed (state ${this.currentState})`);
    }
    throw new KafkaWireError('ILLEGAL_STATE', `TransactionalId ${this.transactionalId}: cannot send while in state ${this.currentState}: records of a transactional producer must be sent inside a transaction (beginTransaction() first)`);
  }

  /**
   * A record of the transaction was appended to `topic`-`partition` (Java's maybeAddPartition,
   * after the partition is known). v2: the partition may be sent to at once; v1: it is added
   * with the next AddPartitionsToTxn, and its batches wait until then. Ignored once the
   * transaction is being aborted (those batches are failed, not sent).
   */
  addPartition(tp: TopicPartition): void {
    if (this.currentState !== S.IN_TRANSACTION && this.currentState !== S.COMMITTING_TRANSACTION) return;
    const k = tpKey(tp.topic, tp.partition);
    if (this.partitionsInTransaction.has(k)) return;
    if (this.generation === 2) {
      this.partitionsInTransaction.add(k);
      this.transactionStarted = true;
      return;
    }
    if (this.pendingPartitions.has(k) || this.newPartitions.has(k)) return;
    this.logger.debug(`TransactionalId ${this.transactionalId}: adding ${tp.topic}-${tp.partition} to the transaction`);
    this.newPartitions.set(k, tp);
  }

  /**
   * The accumulator's drain guard (Java's isSendToPartitionAllowed): a partition's batches wait
   * until the partition is in the transaction (v1), and nothing goes after a fatal error.
   */
  isSendToPartitionAllowed(tp: TopicPartition): boolean {
    if (this.currentState === S.FATAL_ERROR) return false;
    return this.partitionsInTransaction.has(tpKey(tp.topic, tp.partition));
  }

  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): TxnResult {
    this.throwIfPendingState('sendOffsetsToTransaction');
    this.maybeFailWithError();
    if (this.currentState !== S.IN_TRANSACTION) {
      throw new KafkaWireError('ILLEGAL_STATE', `TransactionalId ${this.transactionalId}: cannot send offsets if a transaction is not in progress (currentState= ${this.currentState})`);
    }
    const commits = normalizeOffsets(offsets);
    const meta = normalizeGroup(group);
    const result = new TxnResult('sendOffsetsToTransaction');
    if (commits.size === 0) {
      result.done();
      return result;
    }
    this.logger.debug(`TransactionalId ${this.transactionalId}: adding offsets of ${commits.size} partition(s) for group ${meta.groupId} (transactions v${this.generation})`);
    if (this.generation === 2) {
      // v2: TxnOffsetCommit v5 adds the group's offsets partition to the transaction itself.
      this.transactionStarted = true;
      return this.enqueue(this.txnOffsetCommitRequest(result, commits, meta));
    }
    return this.enqueue(this.addOffsetsRequest(result, commits, meta));
  }

  beginCommit(): TxnResult {
    return this.cached('commitTransaction', S.COMMITTING_TRANSACTION, () => {
      this.maybeFailWithError();
      this.transitionTo(S.COMMITTING_TRANSACTION, 'commitTransaction');
      return this.beginCompletingTransaction(true);
    });
  }

  beginAbort(): TxnResult {
    return this.cached('abortTransaction', S.ABORTING_TRANSACTION, () => {
      if (this.currentState !== S.ABORTABLE_ERROR) this.maybeFailWithError();
      this.transitionTo(S.ABORTING_TRANSACTION, 'abortTransaction');
      // Nothing more will be sent: no partition needs adding.
      this.newPartitions.clear();
      return this.beginCompletingTransaction(false);
    });
  }

  /**
   * The error an acknowledged batch's records get now instead of success (null: success): once
   * abortTransaction() was called, a record the broker appended is still part of an aborted
   * transaction, so it fails with TRANSACTION_ABORTED (read_committed consumers never see it);
   * after a fatal error, with that error. Before the abort (ABORTABLE_ERROR), an acknowledgement
   * stays a success, as in Java: it says the record is in the log, the commit says the rest.
   */
  completionError(): KafkaWireError | null {
    if (this.currentState === S.ABORTING_TRANSACTION) {
      return new TransactionError(TRANSACTION_ABORTED, `Failing the record since the transaction of ${this.transactionalId} was aborted (read_committed consumers never see it)`);
    }
    if (this.currentState === S.FATAL_ERROR) return this.lastError;
    return null;
  }

  /** Why undrained batches are failed now (abortable error or abort), or null. */
  undrainedBatchesError(): KafkaWireError | null {
    if (this.currentState === S.ABORTABLE_ERROR || this.currentState === S.ABORTING_TRANSACTION) {
      return this.lastError ?? new TransactionError(TRANSACTION_ABORTED, `Failing the record since the transaction of ${this.transactionalId} was aborted before it was sent`);
    }
    return null;
  }

  /**
   * A batch of the transaction failed for good with `error` (Java's handleFailedBatch /
   * maybeTransitionToErrorState). Failures the abort itself caused (TRANSACTION_ABORTED) change
   * nothing.
   */
  handleFailedBatch(error: KafkaWireError): void {
    if (error.code === TRANSACTION_ABORTED || this.currentState === S.FATAL_ERROR) return;
    const cls = classifyTxnError('Produce', error.code);
    const txnError = cls === 'fatal' ? new FatalTransactionError(error.code, error.message, { cause: error }) : new AbortableTransactionError(error.code, error.message, { cause: error });
    if (cls === 'fatal') this.transitionToFatalError(txnError);
    else this.abortableErrorIfPossible(txnError);
  }

  /**
   * Checks the idempotent state once per Sender pass: a partition whose sequences cannot be
   * resolved (a batch of unknown outcome, nothing left to learn it from) makes the transaction
   * abortable, and the abort bumps the epoch (Java's maybeResolveSequences for transactions).
   */
  maintain(): void {
    if (this.tm.isEpochBumpRequired && (this.currentState === S.IN_TRANSACTION || this.currentState === S.COMMITTING_TRANSACTION)) {
      this.abortableErrorIfPossible(
        new AbortableTransactionError('UNRESOLVED_SEQUENCES', "The client hasn't received acknowledgment for some previously sent messages and can no longer retry them. It is safe to abort the transaction and continue."),
      );
    }
  }

  /** Producer close: fail what is queued (Java's TransactionManager.close). */
  close(): void {
    const e = new KafkaWireError('PRODUCER_CLOSED', 'The producer closed forcefully');
    for (const r of this.queue) r.result.fail(e);
    this.queue.length = 0;
    this.pending?.result.fail(e);
  }

  private abortableErrorIfPossible(error: TransactionError): void {
    if (this.coordinatorSupportsBumpingEpoch) this.transitionToAbortableError(error, true);
    else this.transitionToFatalError(new FatalTransactionError(error.code, `${error.message} (the transaction coordinator cannot bump the producer epoch, InitProducerId < v3, so the producer cannot recover)`, { cause: error }));
  }

  private beginCompletingTransaction(commit: boolean): TxnResult {
    this.maybeQueueAddPartitions();
    const result = new TxnResult(commit ? 'commitTransaction' : 'abortTransaction');
    if (!commit && this.lastError?.code === 'INVALID_PRODUCER_ID_MAPPING') {
      // The coordinator does not know our producer id for this transactional id: it would
      // refuse EndTxn. Go straight to the epoch bump (Java does the same).
      this.epochBumpRequired = true;
      this.finishTransaction(false, result);
      return result;
    }
    return this.enqueue(this.endTxnRequest(commit, result));
  }

  /**
   * The transaction ended (EndTxn answered, or nothing needed ending): READY, or — after an abort
   * that left a sequence gap or a failed batch behind, and no EndTxn v5 gave a new epoch —
   * INITIALIZING while InitProducerId(producer id, epoch) bumps the epoch (KIP-360); `result`
   * completes when that is done.
   */
  private finishTransaction(commit: boolean, result: TxnResult): void {
    const bump = !commit && (this.epochBumpRequired || this.tm.isEpochBumpRequired);
    this.transactionStarted = false;
    this.newPartitions.clear();
    this.pendingPartitions.clear();
    this.partitionsInTransaction.clear();
    this.epochBumpRequired = false;
    if (!bump) {
      this.transitionTo(S.READY, commit ? 'commitTransaction' : 'abortTransaction');
      result.done();
      return;
    }
    if (!this.coordinatorSupportsBumpingEpoch) {
      const e = new FatalTransactionError('UNRESOLVED_SEQUENCES', `TransactionalId ${this.transactionalId}: the aborted transaction left a sequence gap and the transaction coordinator cannot bump the producer epoch (InitProducerId < v3): close the producer`);
      result.fail(e);
      this.transitionToFatalError(e);
      return;
    }
    this.transitionTo(S.INITIALIZING, 'abortTransaction');
    this.logger.info(`TransactionalId ${this.transactionalId}: bumping the epoch of producer id ${this.tm.producerId} (epoch ${this.tm.producerEpoch}) after the abort`);
    this.enqueue(this.initProducerIdRequest(true, result));
  }

  // --- the request queue ----------------------------------------------------------------------

  private enqueue(r: TxnRequest): TxnResult {
    r.seq = this.seq++;
    this.queue.push(r);
    this.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    return r.result;
  }

  private retry(r: TxnRequest, backoffMs = this.retryBackoffMs): void {
    r.retries++;
    r.notBefore = this.clock.now() + backoffMs;
    this.enqueue(r);
  }

  /** Looks the coordinator up again before the next request that needs it (Java's lookupCoordinator). */
  lookupCoordinator(type: CoordinatorType, key: string): void {
    this.coordinators.invalidate(type, key);
    if (this.queue.some((r) => r.finds?.type === type && r.finds.key === key)) return;
    this.enqueue(this.findCoordinatorRequest(type, key));
  }

  /**
   * Java's nextRequest: AddPartitionsToTxn for new partitions first; EndTxn waits until no batch
   * is incomplete and no send is on its way; in an error state queued requests fail with the
   * error (except FindCoordinator while abortable); an EndTxn for a transaction that added
   * nothing completes without a request.
   */
  private nextRequest(hasIncompleteBatches: boolean): TxnRequest | null {
    if (this.currentState !== S.ABORTING_TRANSACTION) this.maybeQueueAddPartitions();
    for (;;) {
      const next = this.queue[0];
      if (next === undefined) return null;
      if (next.waitsForBatches && (hasIncompleteBatches || this.sendsInProgress())) return null;
      this.queue.shift();
      if (this.maybeTerminateWithError(next)) continue;
      if (next.api === 'AddPartitionsToTxn' && this.pendingPartitions.size === 0) {
        next.result.done(); // an earlier request already carried its partitions
        continue;
      }
      if (next.api === 'EndTxn' && !this.transactionStarted) {
        this.logger.debug(`TransactionalId ${this.transactionalId}: no EndTxn needed: nothing was added to the transaction`);
        this.finishTransaction(this.currentState === S.COMMITTING_TRANSACTION, next.result);
        continue;
      }
      return next;
    }
  }

  private maybeTerminateWithError(r: TxnRequest): boolean {
    if (this.currentState !== S.ABORTABLE_ERROR && this.currentState !== S.FATAL_ERROR) return false;
    if (this.currentState === S.ABORTABLE_ERROR && r.api === 'FindCoordinator') return false;
    r.result.fail(this.lastError!);
    return true;
  }

  /**
   * One step of the queue, run by the Sender at the start of each pass (Java's
   * maybeSendAndPollTransactionalRequest). Returns whether Produce requests must wait this pass
   * (a transactional request is in flight: Java sends nothing else meanwhile, which keeps an
   * AddPartitionsToTxn ahead of its partitions' batches) and when to run again.
   */
  poll(now: number, net: TxnNetwork, hasIncompleteBatches: boolean): { holdProduce: boolean; delayMs: number } {
    this.net = net;
    if (this.inFlight !== null) return { holdProduce: true, delayMs: Infinity };
    for (let guard = 0; guard < 8; guard++) {
      const r = this.nextRequest(hasIncompleteBatches);
      if (r === null) return { holdProduce: false, delayMs: Infinity };
      if (r.notBefore > now) {
        this.enqueue(r);
        return { holdProduce: false, delayMs: r.notBefore - now };
      }
      let target: TxnChannel | { waitMs: number; failed: boolean };
      if (r.coordinator !== null) {
        const node = this.coordinators.get(r.coordinator.type, r.coordinator.key);
        if (node === undefined) {
          this.enqueue(r);
          this.lookupCoordinator(r.coordinator.type, r.coordinator.key);
          continue; // FindCoordinator goes first
        }
        target = net.channel(node.nodeId, now);
      } else target = net.leastLoaded(now);
      if (!('send' in target)) {
        if (target.failed && r.coordinator !== null) {
          // The coordinator cannot be reached: it may have moved (Java: awaitNodeReady failed).
          this.lookupCoordinator(r.coordinator.type, r.coordinator.key);
          this.retry(r);
          return { holdProduce: false, delayMs: this.retryBackoffMs };
        }
        this.enqueue(r);
        return { holdProduce: false, delayMs: Math.max(1, target.waitMs) };
      }
      const version = net.version(target.nodeId, r.apiKey, r.minVersion, r.maxVersion);
      if (version === null) {
        this.transitionToFatalError(
          new FatalTransactionError('UNSUPPORTED_VERSION', `node ${target.nodeId} supports no ${r.api} version kafka-wire can use here${r.minVersion !== undefined ? ` (v${r.minVersion}+ needed by transactions v2)` : ''}${r.maxVersion !== undefined ? ` (at most v${r.maxVersion})` : ''}`),
        );
        return { holdProduce: false, delayMs: Infinity };
      }
      if (r.coordinator?.type === CoordinatorType.TRANSACTION) {
        const init = net.version(target.nodeId, TxnApiKey.InitProducerId);
        this.coordinatorSupportsBumpingEpoch = init !== null && init >= EPOCH_BUMP_MIN_INIT_PRODUCER_ID_VERSION;
      }
      let body: Record<string, unknown>;
      try {
        body = r.body(version);
      } catch (e) {
        r.result.fail(e as Error);
        this.transitionToFatalError(e instanceof TransactionError ? e : new FatalTransactionError('UNSUPPORTED_VERSION', (e as Error).message, { cause: e }));
        return { holdProduce: false, delayMs: Infinity };
      }
      this.inFlight = r;
      const nodeId = target.nodeId;
      target.send(r.apiKey, version, body).then(
        (answer) => {
          this.inFlight = null;
          try {
            if (this.currentState === S.FATAL_ERROR) r.result.fail(this.lastError!);
            else r.handle(answer, version);
          } catch (e) {
            this.transitionToFatalError(new FatalTransactionError('UNKNOWN', `handling the ${r.api} answer from node ${nodeId} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
          }
          net.wakeup();
        },
        (e: Error) => {
          this.inFlight = null;
          this.logger.debug(`TransactionalId ${this.transactionalId}: ${r.api} to node ${nodeId} got no answer (${e.message}); retrying`);
          if (r.coordinator !== null) this.lookupCoordinator(r.coordinator.type, r.coordinator.key);
          this.retry(r);
          net.wakeup();
        },
      );
      return { holdProduce: true, delayMs: Infinity };
    }
    return { holdProduce: false, delayMs: 0 };
  }

  // --- the requests (Java's TxnRequestHandler subclasses) --------------------------------------

  private request(
    api: TxnApi,
    apiKey: number,
    priority: number,
    coordinator: TxnRequest['coordinator'],
    result: TxnResult,
    body: TxnRequest['body'],
    handle: TxnRequest['handle'],
    extra: { min?: number; max?: number; finds?: TxnRequest['finds']; waitsForBatches?: boolean } = {},
  ): TxnRequest {
    return {
      api,
      apiKey,
      priority,
      coordinator,
      result,
      notBefore: 0,
      seq: 0,
      retries: 0,
      body,
      handle,
      waitsForBatches: extra.waitsForBatches ?? false,
      ...(extra.min !== undefined ? { minVersion: extra.min } : {}),
      ...(extra.max !== undefined ? { maxVersion: extra.max } : {}),
      ...(extra.finds !== undefined ? { finds: extra.finds } : {}),
    };
  }

  /** The common part of each handler: an error code classified for `api` (errors.ts). */
  private handleError(r: TxnRequest, api: TxnApi, errorCode: number, context: string, backoffMs?: number): void {
    const name = errorForCode(errorCode).name;
    const cls = classifyTxnError(api, name);
    const message = `${api} ${context}: ${name}: ${errorForCode(errorCode).message}`;
    switch (cls) {
      case 'coordinator':
        if (r.coordinator !== null) this.lookupCoordinator(r.coordinator.type, r.coordinator.key);
        this.retry(r);
        return;
      case 'retriable':
        this.logger.debug(`TransactionalId ${this.transactionalId}: ${message}; retrying`);
        this.retry(r, backoffMs);
        return;
      case 'abortable':
      case 'abortable-epoch-bump': {
        if (this.currentState === S.ABORTING_TRANSACTION && r.api === 'EndTxn' && cls === 'abortable-epoch-bump' && this.coordinatorSupportsBumpingEpoch) {
          // The coordinator has no transaction of our producer id to abort
          // (UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_ID_MAPPING): the abort is done once the epoch
          // is bumped.
          this.epochBumpRequired = true;
          this.finishTransaction(false, r.result);
          return;
        }
        const e = new AbortableTransactionError(name, message);
        r.result.fail(e);
        if (this.currentState === S.ABORTING_TRANSACTION) {
          // Nothing can abort the abort: Java stays in ABORTING_TRANSACTION for good here.
          this.transitionToFatalError(new FatalTransactionError(name, `${message} (while aborting the transaction: close the producer)`, { cause: e }));
        } else if (cls === 'abortable') this.transitionToAbortableError(e, false);
        else this.abortableErrorIfPossible(e);
        return;
      }
      case 'fatal': {
        // INVALID_PRODUCER_EPOCH from a coordinator is an older coordinator's PRODUCER_FENCED.
        const fenced = name === 'INVALID_PRODUCER_EPOCH' || name === 'PRODUCER_FENCED';
        const e = fenced
          ? new FatalTransactionError('PRODUCER_FENCED', `${api} ${context}: ${name}: another producer with transactional.id ${this.transactionalId} fenced this one (producer id ${this.tm.producerId}, epoch ${this.tm.producerEpoch})`)
          : new FatalTransactionError(name, message);
        r.result.fail(e);
        this.transitionToFatalError(e);
      }
    }
  }

  private findCoordinatorRequest(type: CoordinatorType, key: string): TxnRequest {
    const what = type === CoordinatorType.TRANSACTION ? 'transaction' : 'group';
    const r: TxnRequest = this.request(
      'FindCoordinator',
      TxnApiKey.FindCoordinator,
      Priority.FIND_COORDINATOR,
      null,
      new TxnResult('FindCoordinator'),
      (version) => {
        if (version === 0 && type !== CoordinatorType.GROUP) throw new FatalTransactionError('UNSUPPORTED_VERSION', 'FindCoordinator v0 cannot find a transaction coordinator (Kafka 0.11+ needed)');
        return findCoordinatorRequest(type, key, version);
      },
      (body, version) => {
        const answer = readCoordinatorAnswer(body as FindCoordinatorResponseView, key, version);
        if (answer === null) {
          this.retry(r);
          return;
        }
        if (answer.errorCode === 0 && answer.node !== null) {
          this.coordinators.set(type, key, answer.node);
          this.net?.addNode(answer.node);
          this.logger.info(`TransactionalId ${this.transactionalId}: discovered ${what} coordinator for ${key}: node ${answer.node.nodeId} (${answer.node.host}:${answer.node.port})`);
          r.result.done();
          return;
        }
        this.handleError(r, 'FindCoordinator', answer.errorCode, `for the ${what} coordinator of ${key}`);
      },
      { finds: { type, key } },
    );
    return r;
  }

  private initProducerIdRequest(isEpochBump: boolean, result: TxnResult): TxnRequest {
    const r: TxnRequest = this.request(
      'InitProducerId',
      TxnApiKey.InitProducerId,
      isEpochBump ? Priority.EPOCH_BUMP : Priority.INIT_PRODUCER_ID,
      { type: CoordinatorType.TRANSACTION, key: this.transactionalId },
      result,
      (version) => {
        const bump = isEpochBump && version >= EPOCH_BUMP_MIN_INIT_PRODUCER_ID_VERSION;
        return {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.transactionTimeoutMs,
          ...(version >= EPOCH_BUMP_MIN_INIT_PRODUCER_ID_VERSION ? { producerId: bump ? this.tm.producerId : -1n, producerEpoch: bump ? this.tm.producerEpoch : -1 } : {}),
        };
      },
      (body) => {
        const b = body as { errorCode: number; producerId: bigint; producerEpoch: number };
        if (b.errorCode !== 0) {
          this.handleError(r, 'InitProducerId', b.errorCode, `for ${this.transactionalId}`);
          return;
        }
        this.tm.setProducerIdAndEpoch(b.producerId, b.producerEpoch);
        // A new epoch: every partition's sequences start at 0 (nothing is incomplete now).
        this.tm.resetSequences();
        this.transitionTo(S.READY, 'InitProducerId');
        this.logger.info(`TransactionalId ${this.transactionalId}: producer id ${b.producerId}, epoch ${b.producerEpoch}`);
        r.result.done();
      },
      { waitsForBatches: isEpochBump },
    );
    return r;
  }

  /**
   * New partitions become pending and go with the next AddPartitionsToTxn: a queued one (a
   * retry) takes them along, else a new one is queued.
   */
  private maybeQueueAddPartitions(): void {
    if (this.newPartitions.size === 0) return;
    for (const [k, tp] of this.newPartitions) this.pendingPartitions.set(k, tp);
    this.newPartitions.clear();
    if (!this.queue.some((r) => r.api === 'AddPartitionsToTxn')) this.enqueue(this.addPartitionsRequest());
  }

  private addPartitionsRequest(): TxnRequest {
    // Every partition still pending at send time goes (a retry carries those that joined since).
    let sent: TopicPartition[] = [];
    const r: TxnRequest = this.request(
      'AddPartitionsToTxn',
      TxnApiKey.AddPartitionsToTxn,
      Priority.ADD_PARTITIONS_OR_OFFSETS,
      { type: CoordinatorType.TRANSACTION, key: this.transactionalId },
      new TxnResult('AddPartitionsToTxn'),
      () => {
        sent = [...this.pendingPartitions.values()];
        const byTopic = new Map<string, number[]>();
        for (const tp of sent) {
          let list = byTopic.get(tp.topic);
          if (list === undefined) byTopic.set(tp.topic, (list = []));
          list.push(tp.partition);
        }
        return {
          v3AndBelowTransactionalId: this.transactionalId,
          v3AndBelowProducerId: this.tm.producerId,
          v3AndBelowProducerEpoch: this.tm.producerEpoch,
          v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        };
      },
      (body) => {
        const b = body as { resultsByTopicV3AndBelow: readonly { name: string; resultsByPartition: readonly { partitionIndex: number; partitionErrorCode: number }[] }[] };
        const failed: string[] = [];
        let unauthorized = false;
        for (const t of b.resultsByTopicV3AndBelow) {
          for (const p of t.resultsByPartition) {
            if (p.partitionErrorCode === 0) continue;
            const name = errorForCode(p.partitionErrorCode).name;
            const cls = classifyTxnError('AddPartitionsToTxn', name);
            const context = `for ${t.name}-${p.partitionIndex}`;
            if (cls === 'abortable') {
              // Every partition's error is collected first, as Java does, then the call fails once.
              if (name === 'TOPIC_AUTHORIZATION_FAILED') unauthorized = true;
              failed.push(`${t.name}-${p.partitionIndex}: ${name}`);
              continue;
            }
            if (cls === 'retriable' || cls === 'coordinator') {
              // CONCURRENT_TRANSACTIONS on the transaction's first add: the previous
              // transaction is still completing; retry sooner than retry.backoff.ms (Java).
              const soon = name === 'CONCURRENT_TRANSACTIONS' && this.partitionsInTransaction.size === 0;
              this.handleError(r, 'AddPartitionsToTxn', p.partitionErrorCode, context, soon ? Math.min(this.retryBackoffMs, ADD_PARTITIONS_RETRY_BACKOFF_MS) : undefined);
              return; // the partitions stay pending and go with the retry
            }
            this.pendingPartitions.clear();
            this.handleError(r, 'AddPartitionsToTxn', p.partitionErrorCode, context);
            return;
          }
        }
        for (const tp of sent) this.pendingPartitions.delete(tpKey(tp.topic, tp.partition));
        if (failed.length > 0) {
          const e = new AbortableTransactionError(unauthorized ? 'TOPIC_AUTHORIZATION_FAILED' : 'ADD_PARTITIONS_FAILED', `Could not add partitions to the transaction: ${failed.join(', ')}`);
          r.result.fail(e);
          this.transitionToAbortableError(e, false);
          return;
        }
        for (const tp of sent) this.partitionsInTransaction.add(tpKey(tp.topic, tp.partition));
        this.transactionStarted = true;
        this.logger.debug(`TransactionalId ${this.transactionalId}: added ${sent.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')} to the transaction`);
        r.result.done();
      },
      { max: CLIENT_MAX_ADD_PARTITIONS_VERSION },
    );
    return r;
  }

  private addOffsetsRequest(result: TxnResult, commits: Map<string, PendingOffset>, group: Required<ConsumerGroupMetadata>): TxnRequest {
    const r: TxnRequest = this.request(
      'AddOffsetsToTxn',
      TxnApiKey.AddOffsetsToTxn,
      Priority.ADD_PARTITIONS_OR_OFFSETS,
      { type: CoordinatorType.TRANSACTION, key: this.transactionalId },
      result,
      () => ({ transactionalId: this.transactionalId, producerId: this.tm.producerId, producerEpoch: this.tm.producerEpoch, groupId: group.groupId }),
      (body) => {
        const b = body as { errorCode: number };
        if (b.errorCode !== 0) {
          this.handleError(r, 'AddOffsetsToTxn', b.errorCode, `for group ${group.groupId}`);
          return;
        }
        // The result completes when the TxnOffsetCommit does.
        this.transactionStarted = true;
        this.enqueue(this.txnOffsetCommitRequest(result, commits, group));
      },
      { max: 4 },
    );
    return r;
  }

  private txnOffsetCommitRequest(result: TxnResult, commits: Map<string, PendingOffset>, group: Required<ConsumerGroupMetadata>): TxnRequest {
    const v2 = this.generation === 2;
    const r: TxnRequest = this.request(
      'TxnOffsetCommit',
      TxnApiKey.TxnOffsetCommit,
      Priority.ADD_PARTITIONS_OR_OFFSETS,
      { type: CoordinatorType.GROUP, key: group.groupId },
      result,
      (version) => {
        const byTopic = new Map<string, Record<string, unknown>[]>();
        for (const c of commits.values()) {
          let list = byTopic.get(c.topic);
          if (list === undefined) byTopic.set(c.topic, (list = []));
          list.push({ partitionIndex: c.partition, committedOffset: c.offset, ...(version >= 2 ? { committedLeaderEpoch: c.leaderEpoch } : {}), committedMetadata: c.metadata });
        }
        const groupFields = group.generationId !== -1 || group.memberId !== '' || group.groupInstanceId !== null;
        if (version < 3 && groupFields) {
          throw new FatalTransactionError('UNSUPPORTED_VERSION', `The group coordinator speaks TxnOffsetCommit v${version}: consumer group metadata (generationId, memberId, groupInstanceId) needs v3+ (Kafka 2.5+)`);
        }
        return {
          transactionalId: this.transactionalId,
          groupId: group.groupId,
          producerId: this.tm.producerId,
          producerEpoch: this.tm.producerEpoch,
          ...(version >= 3 ? { generationIdOrMemberEpoch: group.generationId, memberId: group.memberId, groupInstanceId: group.groupInstanceId } : {}),
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        };
      },
      (body) => {
        const b = body as { topics: readonly { name: string; partitions: readonly { partitionIndex: number; errorCode: number }[] }[] };
        let lookedUp = false;
        let retry = false;
        for (const t of b.topics) {
          for (const p of t.partitions) {
            const k = tpKey(t.name, p.partitionIndex);
            if (p.errorCode === 0) {
              commits.delete(k);
              continue;
            }
            const name = errorForCode(p.errorCode).name;
            const cls = classifyTxnError('TxnOffsetCommit', name);
            if (cls === 'coordinator') {
              if (!lookedUp) this.lookupCoordinator(CoordinatorType.GROUP, group.groupId);
              lookedUp = true;
              retry = true;
              continue;
            }
            if (cls === 'retriable') {
              retry = true;
              continue;
            }
            this.handleError(r, 'TxnOffsetCommit', p.errorCode, `for group ${group.groupId}, ${t.name}-${p.partitionIndex}`);
            return;
          }
        }
        if (commits.size === 0) r.result.done();
        else if (retry) this.retry(r); // only the offsets not yet committed go again
        else r.result.done();
      },
      // v6 names topics by id, which the offsets given here do not carry.
      v2 ? { min: V2_MIN_VERSION, max: TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES } : { max: V1_MAX_TXN_OFFSET_COMMIT_VERSION },
    );
    return r;
  }

  private endTxnRequest(commit: boolean, result: TxnResult): TxnRequest {
    const v2 = this.generation === 2;
    const r: TxnRequest = this.request(
      'EndTxn',
      TxnApiKey.EndTxn,
      Priority.END_TXN,
      { type: CoordinatorType.TRANSACTION, key: this.transactionalId },
      result,
      () => ({ transactionalId: this.transactionalId, producerId: this.tm.producerId, producerEpoch: this.tm.producerEpoch, committed: commit }),
      (body, version) => {
        const b = body as { errorCode: number; producerId?: bigint; producerEpoch?: number };
        if (b.errorCode !== 0) {
          this.handleError(r, 'EndTxn', b.errorCode, `(${commit ? 'commit' : 'abort'}) for ${this.transactionalId}`);
          return;
        }
        // EndTxn v5 (transactions v2) bumps the epoch at every transaction end and says what it
        // is now; on exhaustion it is a new producer id with epoch 0.
        if (version >= V2_MIN_VERSION && b.producerId !== undefined && b.producerId >= 0n && b.producerEpoch !== undefined) {
          this.tm.setProducerIdAndEpoch(b.producerId, b.producerEpoch);
          this.tm.resetSequences();
          this.epochBumpRequired = false;
        }
        this.logger.debug(`TransactionalId ${this.transactionalId}: transaction ${commit ? 'committed' : 'aborted'}`);
        this.finishTransaction(commit, r.result);
      },
      { waitsForBatches: true, ...(v2 ? { min: V2_MIN_VERSION } : { max: V1_MAX_END_TXN_VERSION }) },
    );
    return r;
  }
}

interface PendingOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
  leaderEpoch: number;
}

function normalizeOffsets(offsets: readonly TransactionOffset[]): Map<string, PendingOffset> {
  if (!Array.isArray(offsets)) throw new KafkaWireError('INVALID_REQUEST', 'sendOffsetsToTransaction(offsets, group): offsets must be an array of { topic, partition, offset }');
  const out = new Map<string, PendingOffset>();
  for (const o of offsets) {
    if (o === null || typeof o !== 'object' || typeof o.topic !== 'string' || !Number.isInteger(o.partition) || o.partition < 0) {
      throw new KafkaWireError('INVALID_REQUEST', `sendOffsetsToTransaction: each offset needs { topic: string, partition: integer >= 0, offset } (got ${JSON.stringify(o, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))})`);
    }
    const offset = typeof o.offset === 'bigint' ? o.offset : Number.isSafeInteger(o.offset) ? BigInt(o.offset) : null;
    if (offset === null || offset < 0n) throw new KafkaWireError('INVALID_REQUEST', `sendOffsetsToTransaction: the offset of ${o.topic}-${o.partition} must be a non-negative integer (got ${String(o.offset)})`);
    out.set(tpKey(o.topic, o.partition), { topic: o.topic, partition: o.partition, offset, metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch ?? -1 });
  }
  return out;
}

function normalizeGroup(group: ConsumerGroupMetadata): Required<ConsumerGroupMetadata> {
  if (group === null || typeof group !== 'object' || typeof group.groupId !== 'string' || group.groupId === '') {
    throw new KafkaWireError('INVALID_REQUEST', 'sendOffsetsToTransaction(offsets, group): group must be { groupId: non-empty string, generationId?, memberId?, groupInstanceId? }');
  }
  return { groupId: group.groupId, generationId: group.generationId ?? -1, memberId: group.memberId ?? '', groupInstanceId: group.groupInstanceId ?? null };
}
