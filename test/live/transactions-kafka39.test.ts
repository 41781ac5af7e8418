/**
 * Transactions against Kafka 3.9.1 (transactions v1: AddPartitionsToTxn before a partition's
 * first Produce, AddOffsetsToTxn + TxnOffsetCommit, EndTxn <= v4, Produce <= v11), read back by
 * Kafka's Java consumer at read_committed. The global setup starts Kafka 3.9.1 for this file
 * (its name matches *kafka39*). Scenarios: test/live/transactions-scenarios.ts.
 */
import { kafka39Bootstrap, kafka39Unavailable } from '../helpers/kafka39.js';
import { transactionSuite } from './transactions-scenarios.js';

transactionSuite('transactions on Kafka 3.9.1 (v1)', kafka39Bootstrap, kafka39Unavailable, 1);
