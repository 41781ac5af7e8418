/**
 * Transactions against the run's Kafka 4.4 (transactions v2, KIP-890: no AddPartitionsToTxn,
 * EndTxn v5), read back by Kafka's Java consumer at read_committed. The scenarios are in
 * test/live/transactions-scenarios.ts, shared with the Kafka 3.9.1 suite.
 */
import { kafkaBootstrap, unavailable } from '../helpers/kafka.js';
import { transactionSuite } from './transactions-scenarios.js';

transactionSuite('transactions on Kafka 4.4 (v2)', kafkaBootstrap, () => unavailable('kafka'), 2);
