/**
 * The transactional scenarios (test/live/transactions-scenarios.ts) against franz-go's kfake, an
 * independent Kafka implementation that enforces transactional sequences and speaks KIP-890
 * (transactions v2): a private 3-broker kfake for this file, read back by Kafka's Java consumer
 * at read_committed.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { KfakeCluster } from '../helpers/kfake-cluster.js';
import { transactionSuite } from './transactions-scenarios.js';

const skip = process.env.KAFKA_WIRE_LIVE === '0' ? 'KAFKA_WIRE_LIVE=0' : null;

describe('kfake', () => {
  let kfake: KfakeCluster | null = null;
  beforeAll(async () => {
    if (!skip) kfake = await KfakeCluster.start({ brokers: 3 });
  }, 180_000);
  afterAll(async () => {
    await kfake?.stop();
  });
  transactionSuite('transactions on kfake (v2)', () => kfake?.bootstrap ?? null, () => skip, 2, {
    createTopic: (name, partitions) => kfake!.control.createTopic(name, partitions, 1),
    // kfake fences the abort of a transaction it timed out, as Kafka 3.9 does (Kafka 4.4 takes it).
    abortAfterTimeout: 'fenced',
  });
});
