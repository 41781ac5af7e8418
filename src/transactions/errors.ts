/**
 * What an error means for a transaction (KIP-1050, as Java's 4.x TransactionManager handles each
 * response), in one table, and the errors the transactional API reports.
 *
 * Owns: the classification of every error code a transactional request (FindCoordinator,
 * InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) or a Produce
 * inside a transaction can return, and the TransactionError classes. Does not own: what to do
 * next (TxnManager acts on the class).
 *
 * The classes:
 * - retriable: the same request again after retry.backoff.ms, inside max.block.ms
 *   (COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS, any error Kafka marks retriable);
 * - coordinator: the coordinator moved or is not up yet (NOT_COORDINATOR,
 *   COORDINATOR_NOT_AVAILABLE; REQUEST_TIMED_OUT too for TxnOffsetCommit): look it up again with
 *   FindCoordinator, then retry;
 * - abortable: this transaction cannot commit; the application calls abortTransaction() and may
 *   run the transaction again (TRANSACTION_ABORTABLE, TOPIC_/GROUP_AUTHORIZATION_FAILED, a consumer
 *   group generation that moved on, any failed Produce inside the transaction);
 * - abortable-epoch-bump: abortable, and the producer id's epoch must be bumped before the next
 *   transaction (UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_ID_MAPPING): the abort bumps it with
 *   InitProducerId (transactions v1) or EndTxn v5 (v2). Fatal when the coordinator cannot bump
 *   (InitProducerId < v3);
 * - fatal: only close() is left (PRODUCER_FENCED, and INVALID_PRODUCER_EPOCH from a coordinator,
 *   which older coordinators send for the same thing; TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 *   CLUSTER_AUTHORIZATION_FAILED, INVALID_TXN_STATE, UNSUPPORTED_VERSION, anything unexpected).
 */
import { KafkaWireError } from '../errors.js';
import { errorForName } from '../protocol/error-codes.js';

export type TxnErrorClass = 'retriable' | 'coordinator' | 'abortable' | 'abortable-epoch-bump' | 'fatal';

/** The requests whose answers are classified (Produce: a batch of the transaction failed). */
export type TxnApi = 'FindCoordinator' | 'InitProducerId' | 'AddPartitionsToTxn' | 'AddOffsetsToTxn' | 'TxnOffsetCommit' | 'EndTxn' | 'Produce';

/** Errors every coordinator request treats alike. */
const COMMON: Readonly<Record<string, TxnErrorClass>> = {
  NOT_COORDINATOR: 'coordinator',
  COORDINATOR_NOT_AVAILABLE: 'coordinator',
  // Older coordinators answer INVALID_PRODUCER_EPOCH where newer ones say PRODUCER_FENCED
  // (KIP-588): both mean another producer took the transactional id over.
  PRODUCER_FENCED: 'fatal',
  INVALID_PRODUCER_EPOCH: 'fatal',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'fatal',
  TRANSACTION_ABORTABLE: 'abortable',
};

/** Per request, what differs from COMMON (Java's handler of that response). */
const BY_API: Readonly<Record<TxnApi, Readonly<Record<string, TxnErrorClass>>>> = {
  FindCoordinator: {
    NOT_COORDINATOR: 'retriable',
    COORDINATOR_NOT_AVAILABLE: 'retriable',
    GROUP_AUTHORIZATION_FAILED: 'abortable',
  },
  InitProducerId: {
    CLUSTER_AUTHORIZATION_FAILED: 'fatal',
  },
  AddPartitionsToTxn: {
    INVALID_TXN_STATE: 'fatal',
    TOPIC_AUTHORIZATION_FAILED: 'abortable',
    // Kafka did not try this partition because another one of the request failed.
    OPERATION_NOT_ATTEMPTED: 'abortable',
    UNKNOWN_PRODUCER_ID: 'abortable-epoch-bump',
    INVALID_PRODUCER_ID_MAPPING: 'abortable-epoch-bump',
  },
  AddOffsetsToTxn: {
    INVALID_TXN_STATE: 'fatal',
    GROUP_AUTHORIZATION_FAILED: 'abortable',
    UNKNOWN_PRODUCER_ID: 'abortable-epoch-bump',
    INVALID_PRODUCER_ID_MAPPING: 'abortable-epoch-bump',
  },
  TxnOffsetCommit: {
    // The group coordinator timed out writing the offsets: it may have moved.
    REQUEST_TIMED_OUT: 'coordinator',
    GROUP_AUTHORIZATION_FAILED: 'abortable',
    FENCED_INSTANCE_ID: 'abortable',
    // The consumer's group generation moved on (a rebalance): the offsets are not the member's
    // to commit any more (Java's CommitFailedException).
    UNKNOWN_MEMBER_ID: 'abortable',
    ILLEGAL_GENERATION: 'abortable',
    UNSUPPORTED_FOR_MESSAGE_FORMAT: 'fatal',
  },
  EndTxn: {
    INVALID_TXN_STATE: 'fatal',
    UNKNOWN_PRODUCER_ID: 'abortable-epoch-bump',
    INVALID_PRODUCER_ID_MAPPING: 'abortable-epoch-bump',
  },
  // A batch of the transaction failed for good (Java's maybeTransitionToErrorState): only these
  // are fatal; every other failure makes the transaction abortable, and the abort bumps the
  // epoch so the sequence gap the batch left cannot matter.
  Produce: {
    PRODUCER_FENCED: 'fatal',
    TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'fatal',
    CLUSTER_AUTHORIZATION_FAILED: 'fatal',
    UNSUPPORTED_VERSION: 'fatal',
  },
};

/**
 * How a transactional request's answer `errorName` (Kafka's error name) is handled. Unknown and
 * unexpected errors are fatal for coordinator requests (Java: "Unexpected error in ...
 * Response"), except AddPartitionsToTxn, whose per-partition failures Java reports as abortable.
 */
export function classifyTxnError(api: TxnApi, errorName: string): TxnErrorClass {
  const specific = BY_API[api][errorName];
  if (specific !== undefined) return specific;
  if (api === 'Produce') return 'abortable-epoch-bump';
  const common = COMMON[errorName];
  if (common !== undefined) return common;
  if (errorForName(errorName)?.retriable) return 'retriable';
  return api === 'AddPartitionsToTxn' ? 'abortable' : 'fatal';
}

/**
 * An error from a transactional operation, or the reason a record of a transaction failed.
 * `code` is Kafka's error name (PRODUCER_FENCED, TRANSACTION_ABORTABLE, ...) or a local one
 * (TRANSACTION_ABORTED, TIMEOUT, ILLEGAL_STATE). What to do:
 * - AbortableTransactionError: call abortTransaction(), then run the transaction again;
 * - FatalTransactionError: close() the producer (a new one with the same transactional.id
 *   fences this one and recovers the transaction).
 */
export class TransactionError extends KafkaWireError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retriable: false, ...options });
    this.name = 'TransactionError';
  }
}

export class AbortableTransactionError extends TransactionError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'AbortableTransactionError';
  }
}

export class FatalTransactionError extends TransactionError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'FatalTransactionError';
  }
}

/** The code records of an aborted transaction fail with (Java's TransactionAbortedException). */
export const TRANSACTION_ABORTED = 'TRANSACTION_ABORTED';
