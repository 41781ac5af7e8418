/**
 * Transactions while brokers die (kill -9) on a private 3-broker Kafka 4.4 (RF 3,
 * min.insync.replicas 2, the transaction log replicated 3 ways; test/helpers/faults.ts
 * PrivateKafka, so the run's shared broker is untouched):
 * - the transaction coordinator's broker is killed the moment EndTxn(commit) goes out: the
 *   transaction ends committed or aborted, never half, and the producer runs the next one;
 * - a partition leader is killed while a transaction writes to it: the records go to the new
 *   leader (deduplicated by their sequences) and the commit succeeds.
 * Read back by Kafka's Java consumer at read_committed: 0 duplicates, 0 lost, order kept.
 * Skipped when KAFKA_BOOTSTRAP names an external cluster.
 */
import { spawnSync } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Producer, type ProducerConfig } from '../../src/index.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { PrivateKafka } from '../helpers/faults.js';
import { clusterMetadata, createTopic, kafkaIsExternal, readBackJava, uniqueTopic, type ReadRecord } from '../helpers/kafka.js';

const haveJava = spawnSync('sh', ['-c', 'command -v java'], { stdio: 'ignore' }).status === 0;
const skip = kafkaIsExternal() || !haveJava || process.env.KAFKA_WIRE_LIVE === '0';

const str = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));

function byPartition(records: ReadRecord[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of records) out.set(r.partition, [...(out.get(r.partition) ?? []), str(r.value)]);
  return out;
}

describe.skipIf(skip)('transactions while brokers are killed (3 brokers, RF 3)', () => {
  let kafka: PrivateKafka;
  const producers: Producer[] = [];

  beforeAll(async () => {
    kafka = await PrivateKafka.start(3, (m) => console.log(`[transactions-kill] kafka: ${m}`));
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled(producers.map((p) => p.close({ timeoutMs: 10_000 })));
    if (kafka) {
      await kafka.stop();
      kafka.removeState();
    }
  }, 120_000);

  const make = (id: string): Producer => {
    const p = new Producer({ 'bootstrap.servers': kafka.bootstrap, 'transactional.id': id, 'client.id': id, 'max.block.ms': 120_000 } as ProducerConfig);
    producers.push(p);
    return p;
  };

  const topicRF3 = async (partitions: number): Promise<string> => {
    const topic = uniqueTopic('txn-kill');
    await createTopic(topic, { partitions, replicationFactor: 3, config: { 'min.insync.replicas': 2 }, bootstrap: kafka.bootstrap });
    return topic;
  };

  const read = (topic: string, expectedCount?: number) =>
    readBackJava(topic, { bootstrap: kafka.bootstrap, isolation: 'read_committed', timeoutMs: 90_000, ...(expectedCount !== undefined ? { expectedCount } : {}) });

  test('kill -9 of the transaction coordinator during commit: committed or aborted, never half; the next transaction commits', async () => {
    const topic = await topicRF3(3);
    const id = `txn-kill-coord-${Date.now()}`;
    const p = make(id);
    await p.initTransactions();
    p.beginTransaction();
    const first = Array.from({ length: 30 }, (_, i) => `first-${i}`);
    await Promise.all(first.map((value, i) => p.send({ topic, partition: i % 3, value })));
    // Kill the broker EndTxn goes to, as it goes.
    let killed: number | null = null;
    let launch: ReturnType<PrivateKafka['launchInfo']> | null = null;
    const listener = (m: unknown): void => {
      const r = m as { clientId: string; apiKey: number; nodeId: number };
      if (killed === null && r.clientId === id && r.apiKey === ApiKey.EndTxn) {
        killed = r.nodeId;
        launch = kafka.launchInfo(r.nodeId);
        kafka.kill(r.nodeId);
      }
    };
    diagnosticsChannel.subscribe('kafka-wire:request', listener);
    let commitError: { name: string; code: string } | null = null;
    try {
      await p.commitTransaction().catch((e: { name: string; code: string }) => (commitError = e));
    } finally {
      diagnosticsChannel.unsubscribe('kafka-wire:request', listener);
    }
    expect(killed).not.toBeNull();
    if (commitError !== null) {
      console.log(`[transactions-kill] commit after the coordinator died: ${(commitError as { name: string }).name} ${(commitError as { code: string }).code}`);
      expect((commitError as { name: string }).name).toBe('AbortableTransactionError');
      await p.abortTransaction();
    }
    p.beginTransaction();
    const second = Array.from({ length: 12 }, (_, i) => `second-${i}`);
    await Promise.all(second.map((value, i) => p.send({ topic, partition: i % 3, value })));
    await p.commitTransaction();
    await kafka.restart(killed!, launch!, 90_000);
    await read(topic, second.length);
    const got = await read(topic);
    const values = got.map((r) => str(r.value));
    const firstSeen = values.filter((v) => v.startsWith('first-'));
    // All or nothing of the first transaction; all of the second; nothing twice.
    expect(firstSeen.length === 0 || firstSeen.length === first.length).toBe(true);
    expect(values.filter((v) => v.startsWith('second-')).sort()).toEqual([...second].sort());
    expect(new Set(values).size).toBe(values.length);
    console.log(`[transactions-kill] coordinator node ${killed} killed during commit: first transaction ${firstSeen.length === 0 ? 'aborted' : 'committed'} (${commitError === null ? 'commit returned' : 'commit failed, aborted'}), second committed; read_committed ${values.length} records, 0 duplicates`);
  }, 240_000);

  test('kill -9 of a partition leader during a transaction: the records reach the new leader once, the commit succeeds', async () => {
    const topic = await topicRF3(1);
    const id = `txn-kill-leader-${Date.now()}`;
    const p = make(id);
    await p.initTransactions();
    const md = await clusterMetadata(kafka.bootstrap, { topic });
    const leader = md.topics.find((t) => t.topic === topic)!.partitions[0]!.leader;
    const launch = kafka.launchInfo(leader);
    p.beginTransaction();
    const values = Array.from({ length: 300 }, (_, i) => `v-${String(i).padStart(3, '0')}`);
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < values.length; i++) {
      acks.push(p.send({ topic, partition: 0, value: values[i]! }));
      if (i === 100) {
        await acks[50];
        kafka.kill(leader);
      }
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const outcomes = await Promise.allSettled(acks);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    let committed = true;
    if (failed.length > 0) {
      // Only if a record ran out of delivery.timeout.ms: then the transaction must be aborted.
      console.log(`[transactions-kill] ${failed.length} record(s) failed after the leader died: ${String((failed[0] as PromiseRejectedResult).reason)}`);
      await expect(p.commitTransaction()).rejects.toMatchObject({ name: 'AbortableTransactionError' });
      await p.abortTransaction();
      committed = false;
    } else await p.commitTransaction();
    await kafka.restart(leader, launch, 90_000);
    if (committed) await read(topic, values.length);
    const got = await read(topic);
    expect(byPartition(got).get(0) ?? []).toEqual(committed ? values : []);
    console.log(`[transactions-kill] leader node ${leader} killed mid-transaction: ${committed ? 'committed' : 'aborted'}; read_committed ${got.length} of ${values.length}, 0 duplicates, in order`);
  }, 240_000);
});
