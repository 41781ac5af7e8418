/**
 * The transactional producer's states and the moves allowed between them (Java's
 * TransactionManager.State and its isTransitionValid table, Kafka 4.x).
 *
 * Owns: the table only. The current state lives in TxnManager, which checks every move here, so
 * a call made out of order (commitTransaction() before beginTransaction(), send() before
 * initTransactions()) fails at once with an error naming the state the producer is in, instead of
 * sending anything.
 *
 *   UNINITIALIZED --initTransactions--> INITIALIZING --InitProducerId ok--> READY
 *   READY --beginTransaction--> IN_TRANSACTION --commitTransaction--> COMMITTING_TRANSACTION --EndTxn ok--> READY
 *   IN_TRANSACTION | ABORTABLE_ERROR --abortTransaction--> ABORTING_TRANSACTION --EndTxn ok--> READY
 *                                                     (or INITIALIZING when the epoch must be bumped first)
 *   IN_TRANSACTION | COMMITTING_TRANSACTION | INITIALIZING --abortable error--> ABORTABLE_ERROR
 *   anything --fatal error--> FATAL_ERROR (only close() is left)
 */
import { KafkaWireError } from '../errors.js';

export const TransactionState = {
  UNINITIALIZED: 'UNINITIALIZED',
  INITIALIZING: 'INITIALIZING',
  READY: 'READY',
  IN_TRANSACTION: 'IN_TRANSACTION',
  COMMITTING_TRANSACTION: 'COMMITTING_TRANSACTION',
  ABORTING_TRANSACTION: 'ABORTING_TRANSACTION',
  ABORTABLE_ERROR: 'ABORTABLE_ERROR',
  FATAL_ERROR: 'FATAL_ERROR',
} as const;

export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState];

const S = TransactionState;

/**
 * For each target state, the states it may be entered from (Java 4.x). FATAL_ERROR may be entered
 * from anywhere and left to nowhere.
 */
const ENTERED_FROM: Readonly<Record<TransactionState, readonly TransactionState[] | 'any'>> = {
  // Back to UNINITIALIZED: an idempotent-only reset in Java; kept for the table's completeness.
  [S.UNINITIALIZED]: [S.READY, S.ABORTABLE_ERROR],
  // ABORTING -> INITIALIZING: after an abort that needs an epoch bump (InitProducerId with the
  // current producer id and epoch, KIP-360).
  [S.INITIALIZING]: [S.UNINITIALIZED, S.ABORTING_TRANSACTION],
  [S.READY]: [S.INITIALIZING, S.COMMITTING_TRANSACTION, S.ABORTING_TRANSACTION],
  [S.IN_TRANSACTION]: [S.READY],
  [S.COMMITTING_TRANSACTION]: [S.IN_TRANSACTION],
  [S.ABORTING_TRANSACTION]: [S.IN_TRANSACTION, S.ABORTABLE_ERROR],
  // INITIALIZING -> ABORTABLE_ERROR: the epoch bump after an abort failed in a way the
  // application can retry (abort again).
  [S.ABORTABLE_ERROR]: [S.IN_TRANSACTION, S.COMMITTING_TRANSACTION, S.ABORTABLE_ERROR, S.INITIALIZING],
  [S.FATAL_ERROR]: 'any',
};

export function isTransitionValid(from: TransactionState, to: TransactionState): boolean {
  const allowed = ENTERED_FROM[to];
  return allowed === 'any' || allowed.includes(from);
}

/**
 * The error for a move the table forbids: Java's IllegalStateException text ("Invalid transition
 * attempted from state X to state Y"), with what the caller can do about it. Code ILLEGAL_STATE.
 */
export function invalidTransition(transactionalId: string, from: TransactionState, to: TransactionState, operation: string): KafkaWireError {
  return new KafkaWireError(
    'ILLEGAL_STATE',
    `TransactionalId ${transactionalId}: Invalid transition attempted from state ${from} to state ${to} (${operation} called in state ${from}${hint(from, operation)})`,
  );
}

function hint(from: TransactionState, operation: string): string {
  switch (from) {
    case S.UNINITIALIZED:
      return '; call initTransactions() first';
    case S.INITIALIZING:
      return '; initTransactions() has not completed yet: await it (or call it again after a timeout)';
    case S.READY:
      return operation === 'beginTransaction' ? '' : '; no transaction is open: call beginTransaction() first';
    case S.IN_TRANSACTION:
      return operation === 'beginTransaction' ? '; a transaction is already open: commit or abort it first' : '';
    case S.COMMITTING_TRANSACTION:
    case S.ABORTING_TRANSACTION:
      return '; the transaction is being completed: await that call (or repeat it after a timeout)';
    case S.ABORTABLE_ERROR:
      return '; the transaction failed: call abortTransaction(), then begin a new one';
    case S.FATAL_ERROR:
      return '; the producer hit a fatal error: close it';
  }
}
