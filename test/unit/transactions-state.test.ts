/**
 * The transactional state machine's table (Java 4.x TransactionManager.State.isTransitionValid)
 * and the KIP-1050 error classification, checked without any network.
 */
import { describe, expect, test } from 'vitest';
import { TransactionState, invalidTransition, isTransitionValid } from '../../src/transactions/transaction-state.js';
import { classifyTxnError, type TxnApi } from '../../src/transactions/errors.js';

const S = TransactionState;
const ALL = Object.values(S);

describe('transition table', () => {
  // Java's table, written out as the set of allowed (from -> to) pairs; everything else is refused.
  const allowed = new Set([
    'READY>UNINITIALIZED',
    'ABORTABLE_ERROR>UNINITIALIZED',
    'UNINITIALIZED>INITIALIZING',
    'ABORTING_TRANSACTION>INITIALIZING',
    'INITIALIZING>READY',
    'COMMITTING_TRANSACTION>READY',
    'ABORTING_TRANSACTION>READY',
    'READY>IN_TRANSACTION',
    'IN_TRANSACTION>COMMITTING_TRANSACTION',
    'IN_TRANSACTION>ABORTING_TRANSACTION',
    'ABORTABLE_ERROR>ABORTING_TRANSACTION',
    'IN_TRANSACTION>ABORTABLE_ERROR',
    'COMMITTING_TRANSACTION>ABORTABLE_ERROR',
    'ABORTABLE_ERROR>ABORTABLE_ERROR',
    'INITIALIZING>ABORTABLE_ERROR',
    ...ALL.map((from) => `${from}>FATAL_ERROR`),
  ]);

  test.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    expect(isTransitionValid(from, to)).toBe(allowed.has(`${from}>${to}`));
  });

  test('FATAL_ERROR is left to nowhere but itself', () => {
    expect(ALL.filter((to) => isTransitionValid(S.FATAL_ERROR, to))).toEqual([S.FATAL_ERROR]);
  });

  test('an invalid move names the current state, the target and what to do', () => {
    const e = invalidTransition('tx-1', S.READY, S.COMMITTING_TRANSACTION, 'commitTransaction');
    expect(e.code).toBe('ILLEGAL_STATE');
    expect(e.message).toContain('TransactionalId tx-1: Invalid transition attempted from state READY to state COMMITTING_TRANSACTION');
    expect(e.message).toContain('beginTransaction() first');
    expect(invalidTransition('tx-1', S.UNINITIALIZED, S.IN_TRANSACTION, 'beginTransaction').message).toContain('initTransactions() first');
    expect(invalidTransition('tx-1', S.ABORTABLE_ERROR, S.COMMITTING_TRANSACTION, 'commitTransaction').message).toContain('abortTransaction()');
  });
});

describe('KIP-1050 error classification', () => {
  const coordinatorApis: TxnApi[] = ['InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn'];

  test.each(coordinatorApis)('%s: fenced and authorization errors are fatal, coordinator moves are looked up again', (api) => {
    expect(classifyTxnError(api, 'PRODUCER_FENCED')).toBe('fatal');
    // Older coordinators' word for PRODUCER_FENCED.
    expect(classifyTxnError(api, 'INVALID_PRODUCER_EPOCH')).toBe('fatal');
    expect(classifyTxnError(api, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')).toBe('fatal');
    expect(classifyTxnError(api, 'NOT_COORDINATOR')).toBe('coordinator');
    expect(classifyTxnError(api, 'COORDINATOR_NOT_AVAILABLE')).toBe('coordinator');
    expect(classifyTxnError(api, 'COORDINATOR_LOAD_IN_PROGRESS')).toBe('retriable');
    expect(classifyTxnError(api, 'CONCURRENT_TRANSACTIONS')).toBe('retriable');
    expect(classifyTxnError(api, 'TRANSACTION_ABORTABLE')).toBe('abortable');
  });

  test('producer-id errors need an epoch bump with the abort', () => {
    for (const api of ['AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn'] as const) {
      expect(classifyTxnError(api, 'UNKNOWN_PRODUCER_ID')).toBe('abortable-epoch-bump');
      expect(classifyTxnError(api, 'INVALID_PRODUCER_ID_MAPPING')).toBe('abortable-epoch-bump');
    }
  });

  test('per request, what Java does differently', () => {
    expect(classifyTxnError('AddPartitionsToTxn', 'TOPIC_AUTHORIZATION_FAILED')).toBe('abortable');
    expect(classifyTxnError('AddPartitionsToTxn', 'OPERATION_NOT_ATTEMPTED')).toBe('abortable');
    expect(classifyTxnError('AddPartitionsToTxn', 'INVALID_TXN_STATE')).toBe('fatal');
    expect(classifyTxnError('AddPartitionsToTxn', 'UNKNOWN_SERVER_ERROR')).toBe('abortable');
    expect(classifyTxnError('EndTxn', 'INVALID_TXN_STATE')).toBe('fatal');
    expect(classifyTxnError('EndTxn', 'UNKNOWN_SERVER_ERROR')).toBe('fatal');
    expect(classifyTxnError('AddOffsetsToTxn', 'GROUP_AUTHORIZATION_FAILED')).toBe('abortable');
    expect(classifyTxnError('TxnOffsetCommit', 'GROUP_AUTHORIZATION_FAILED')).toBe('abortable');
    expect(classifyTxnError('TxnOffsetCommit', 'UNKNOWN_MEMBER_ID')).toBe('abortable');
    expect(classifyTxnError('TxnOffsetCommit', 'ILLEGAL_GENERATION')).toBe('abortable');
    expect(classifyTxnError('TxnOffsetCommit', 'FENCED_INSTANCE_ID')).toBe('abortable');
    expect(classifyTxnError('TxnOffsetCommit', 'REQUEST_TIMED_OUT')).toBe('coordinator');
    expect(classifyTxnError('TxnOffsetCommit', 'UNKNOWN_TOPIC_OR_PARTITION')).toBe('retriable');
    expect(classifyTxnError('InitProducerId', 'CLUSTER_AUTHORIZATION_FAILED')).toBe('fatal');
    // FindCoordinator: the coordinator is not up yet, ask again (no coordinator to look up).
    expect(classifyTxnError('FindCoordinator', 'COORDINATOR_NOT_AVAILABLE')).toBe('retriable');
    expect(classifyTxnError('FindCoordinator', 'GROUP_AUTHORIZATION_FAILED')).toBe('abortable');
    expect(classifyTxnError('FindCoordinator', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')).toBe('fatal');
  });

  test('a failed batch makes the transaction abortable (with an epoch bump) unless it is fenced or unauthorized', () => {
    for (const e of ['PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'UNSUPPORTED_VERSION']) {
      expect(classifyTxnError('Produce', e)).toBe('fatal');
    }
    for (const e of ['INVALID_PRODUCER_EPOCH', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'TIMEOUT', 'TOPIC_AUTHORIZATION_FAILED', 'TRANSACTION_ABORTABLE', 'MESSAGE_TOO_LARGE']) {
      expect(classifyTxnError('Produce', e)).toBe('abortable-epoch-bump');
    }
  });
});
