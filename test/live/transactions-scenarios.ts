/**
 * The transactional proof scenarios of issue 13, shared by the live suites of both broker
 * generations (test/live/transactions.test.ts: Kafka 4.4, transactions v2; and
 * test/live/transactions-kafka39.test.ts: Kafka 3.9.1, transactions v1). Everything is read
 * back by Kafka's own Java consumer, at isolation.level=read_committed (and read_uncommitted to
 * see that aborted data is there but hidden), and the group offsets by Kafka's AdminClient.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Producer, type ProducerConfig } from '../../src/index.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { createTopic, groupOffsets, readBackJava, skipAllIf, uniqueTopic, type ReadRecord } from '../helpers/kafka.js';

interface WireRequest {
  clientId: string;
  apiKey: number;
  apiVersion: number;
}

/** Records kafka-wire's requests (the diagnostics channel) of the clients whose id starts with `prefix`. */
function wireTap(prefix: string): { requests: WireRequest[]; stop(): void } {
  const requests: WireRequest[] = [];
  const listener = (m: unknown): void => {
    const r = m as WireRequest;
    if (typeof r.clientId === 'string' && r.clientId.startsWith(prefix)) requests.push({ clientId: r.clientId, apiKey: r.apiKey, apiVersion: r.apiVersion });
  };
  diagnosticsChannel.subscribe('kafka-wire:request', listener);
  return { requests, stop: () => diagnosticsChannel.unsubscribe('kafka-wire:request', listener) };
}

const str = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
const byPartition = (records: ReadRecord[]): Map<number, string[]> => {
  const out = new Map<number, string[]>();
  for (const r of records) out.set(r.partition, [...(out.get(r.partition) ?? []), str(r.value)!]);
  return out;
};

export interface SuiteOptions {
  /** How topics are made (default: Kafka's AdminClient; kfake: its control channel). */
  createTopic?: (name: string, partitions: number) => Promise<void>;
  /**
   * What the coordinator answers the abort of a transaction it aborted at transaction.timeout.ms
   * (measured): Kafka 4.4 accepts it (v2), Kafka 3.9.1 and kfake fence it. Default by generation.
   */
  abortAfterTimeout?: 'accepted' | 'fenced';
}

export function transactionSuite(name: string, bootstrapOf: () => string | null, unavailable: () => string | null, generation: 1 | 2, options: SuiteOptions = {}): void {
  describe(name, () => {
    const reason = unavailable();
    skipAllIf(reason);
    const bootstrap = (): string => bootstrapOf()!;
    const producers: Producer[] = [];
    const make = (config: Record<string, unknown>): Producer => {
      const p = new Producer({ 'bootstrap.servers': bootstrap(), ...config } as ProducerConfig);
      producers.push(p);
      return p;
    };
    const topics = { a: '', b: '', input: '' };
    const makeTopic = (topic: string, partitions: number): Promise<void> => (options.createTopic ? options.createTopic(topic, partitions) : createTopic(topic, { partitions, bootstrap: bootstrap() }));
    const read = (topic: string, isolation: 'read_committed' | 'read_uncommitted', expectedCount?: number) =>
      readBackJava(topic, { bootstrap: bootstrap(), isolation, timeoutMs: 60_000, ...(expectedCount !== undefined ? { expectedCount } : {}) });

    beforeAll(async () => {
      if (reason) return;
      topics.a = uniqueTopic('txn-a');
      topics.b = uniqueTopic('txn-b');
      topics.input = uniqueTopic('txn-in');
      await Promise.all([makeTopic(topics.a, 3), makeTopic(topics.b, 3), makeTopic(topics.input, 2)]);
    });

    afterAll(async () => {
      await Promise.allSettled(producers.map((p) => p.close({ timeoutMs: 10_000 })));
    });

    test('100 transactions over 6 partitions of 2 topics, every 3rd aborted: committed records exactly once and in order, aborted ones invisible but in the log', async () => {
      const clientId = `txn-mix-${generation}-${Date.now()}`;
      const tap = wireTap(clientId);
      const p = make({ 'transactional.id': `${clientId}-id`, 'client.id': clientId });
      const committed = new Map<string, Map<number, string[]>>([
        [topics.a, new Map()],
        [topics.b, new Map()],
      ]);
      const aborted = new Set<string>();
      const total = new Map<string, number>([
        [topics.a, 0],
        [topics.b, 0],
      ]);
      let failedSends = 0;
      try {
        await p.initTransactions();
        for (let n = 0; n < 100; n++) {
          p.beginTransaction();
          const sent: [string, number, string][] = [];
          const results: Promise<unknown>[] = [];
          for (let i = 0; i < 6; i++) {
            const topic = i % 2 === 0 ? topics.a : topics.b;
            const partition = (n + i) % 3;
            const value = `t${n}-r${i}`;
            sent.push([topic, partition, value]);
            results.push(p.send({ topic, partition, value }).catch(() => failedSends++));
            total.set(topic, total.get(topic)! + 1);
          }
          if (n % 3 === 2) {
            // Half of the aborts come once the broker has the records (they stay in the log,
            // marked aborted), half while they are still on their way (they fail unsent).
            if (n % 6 === 5) await Promise.all(results);
            await p.abortTransaction();
            for (const [, , v] of sent) aborted.add(v);
          } else {
            await p.commitTransaction();
            for (const [topic, partition, v] of sent) {
              const m = committed.get(topic)!;
              m.set(partition, [...(m.get(partition) ?? []), v]);
            }
          }
          await Promise.all(results);
        }
      } finally {
        tap.stop();
      }
      // Records of committed transactions never failed; those of aborted ones may have (still pending at the abort).
      expect(failedSends).toBeLessThanOrEqual(aborted.size);
      for (const topic of [topics.a, topics.b]) {
        const expected = committed.get(topic)!;
        const count = [...expected.values()].reduce((s, l) => s + l.length, 0);
        // Wait for the last markers (written after EndTxn answers), then read everything there is.
        await read(topic, 'read_committed', count);
        const got = await read(topic, 'read_committed');
        expect(byPartition(got)).toEqual(expected);
        expect(got.filter((r) => aborted.has(str(r.value)!))).toEqual([]);
        // read_uncommitted sees the aborted records too (those that reached the broker).
        const all = await read(topic, 'read_uncommitted');
        expect(all.length).toBeGreaterThan(count);
        expect(all.length).toBeLessThanOrEqual(total.get(topic)!);
        expect(new Set(all.map((r) => str(r.value))).size).toBe(all.length);
      }
      // On the wire: transactions v1 adds partitions with AddPartitionsToTxn and Produce <= v11;
      // v2 (KIP-890) sends none, Produce v12+ and EndTxn v5.
      const addPartitions = tap.requests.filter((r) => r.apiKey === ApiKey.AddPartitionsToTxn);
      const produce = tap.requests.filter((r) => r.apiKey === ApiKey.Produce);
      const endTxn = tap.requests.filter((r) => r.apiKey === ApiKey.EndTxn);
      expect(endTxn.length).toBeGreaterThanOrEqual(66);
      if (generation === 1) {
        expect(addPartitions.length).toBeGreaterThan(0);
        expect(produce.every((r) => r.apiVersion <= 11)).toBe(true);
        expect(endTxn.every((r) => r.apiVersion <= 4)).toBe(true);
      } else {
        expect(addPartitions).toEqual([]);
        expect(produce.every((r) => r.apiVersion >= 12)).toBe(true);
        expect(endTxn.every((r) => r.apiVersion === 5)).toBe(true);
      }
    }, 180_000);

    test('offsets sent to the transaction are the group\'s committed offsets after commit, absent after abort', async () => {
      const group = uniqueTopic('txn-group');
      const clientId = `txn-offsets-${generation}-${Date.now()}`;
      const tap = wireTap(clientId);
      const p = make({ 'transactional.id': `${clientId}-id`, 'client.id': clientId });
      try {
        await p.initTransactions();
        await p.transaction(async () => {
          await p.send({ topic: topics.a, partition: 0, value: 'processed-1' });
          await p.sendOffsetsToTransaction([{ topic: topics.input, partition: 0, offset: 10n }, { topic: topics.input, partition: 1, offset: 3n }], { groupId: group });
        });
        expect(await groupOffsets(group, { bootstrap: bootstrap() })).toEqual(new Map([[`${topics.input}-0`, 10n], [`${topics.input}-1`, 3n]]));
        p.beginTransaction();
        await p.sendOffsetsToTransaction([{ topic: topics.input, partition: 0, offset: 20n }], { groupId: group });
        await p.abortTransaction();
        expect(await groupOffsets(group, { bootstrap: bootstrap() })).toEqual(new Map([[`${topics.input}-0`, 10n], [`${topics.input}-1`, 3n]]));
      } finally {
        tap.stop();
      }
      const addOffsets = tap.requests.filter((r) => r.apiKey === ApiKey.AddOffsetsToTxn);
      const commits = tap.requests.filter((r) => r.apiKey === ApiKey.TxnOffsetCommit);
      if (generation === 1) {
        expect(addOffsets).toHaveLength(2);
        expect(commits.every((r) => r.apiVersion <= 4)).toBe(true);
      } else {
        expect(addOffsets).toEqual([]);
        expect(commits.every((r) => r.apiVersion === 5)).toBe(true);
      }
    }, 120_000);

    test('zombie fencing: a second producer with the same transactional.id fences the first, nothing the first sends afterwards becomes visible', async () => {
      const topic = uniqueTopic('txn-fence');
      await makeTopic(topic, 1);
      const id = `txn-fence-${generation}-${Date.now()}`;
      const first = make({ 'transactional.id': id, 'client.id': `${id}-1` });
      await first.initTransactions();
      first.beginTransaction();
      await first.send({ topic, value: 'zombie-before' });
      const second = make({ 'transactional.id': id, 'client.id': `${id}-2` });
      await second.initTransactions();
      // The first producer's next operations fail; at the latest its commit or abort is fenced.
      const errors: { code: string; name: string }[] = [];
      await first.send({ topic, value: 'zombie-after' }).catch((e: { code: string; name: string }) => errors.push(e));
      await first.commitTransaction().catch((e: { code: string; name: string }) => errors.push(e));
      await first.abortTransaction().catch((e: { code: string; name: string }) => errors.push(e));
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(errors.some((e) => e.code === 'PRODUCER_FENCED' && e.name === 'FatalTransactionError')).toBe(true);
      await expect(first.beginTransaction.bind(first)).toThrow(/fenced/);
      await second.transaction(async () => {
        await second.send({ topic, value: 'second' });
      });
      await read(topic, 'read_committed', 1);
      expect((await read(topic, 'read_committed')).map((r) => str(r.value))).toEqual(['second']);
      const everything = (await read(topic, 'read_uncommitted')).map((r) => str(r.value));
      expect(everything).toContain('zombie-before');
      expect(everything).not.toContain('zombie-after');
    }, 120_000);

    test('transaction.timeout.ms passes mid-transaction: the coordinator aborts it, the producer reports it and can run the next one', async () => {
      const topic = uniqueTopic('txn-timeout');
      await makeTopic(topic, 1);
      const id = `txn-timeout-${generation}-${Date.now()}`;
      const p = make({ 'transactional.id': id, 'client.id': id, 'transaction.timeout.ms': 2000 });
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic, value: 'too-slow-0' });
      // The coordinator checks for expired transactions every few seconds: probe until a send
      // fails (bounded), which is the producer learning that its transaction was aborted.
      let probeError: { code: string } | null = null;
      const deadline = Date.now() + 60_000;
      for (let i = 1; probeError === null && Date.now() < deadline; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await p.send({ topic, value: `too-slow-${i}` }).catch((e: { code: string }) => (probeError = e));
      }
      expect(probeError).not.toBeNull();
      const commit = await p.commitTransaction().then(
        () => null,
        (e: { name: string; code: string }) => e,
      );
      expect(commit).not.toBeNull();
      // Abortable (v2: the coordinator takes the abort of the epoch it bumped) or fatal (v1:
      // Kafka 3.9's coordinator fences the old epoch's EndTxn, as Java's producer finds too).
      let next = p;
      const abort = commit!.name === 'AbortableTransactionError' ? await p.abortTransaction().then(() => null, (e: { name: string; code: string }) => e) : commit;
      if (abort !== null) {
        expect(abort).toMatchObject({ name: 'FatalTransactionError' });
        await p.close();
        next = make({ 'transactional.id': id, 'client.id': `${id}-2` });
        await next.initTransactions();
      }
      // Measured: the commit is refused as INVALID_PRODUCER_EPOCH (abortable) on both; the abort
      // then succeeds on Kafka 4.4 and is fenced on Kafka 3.9.1.
      expect(commit).toMatchObject({ name: 'AbortableTransactionError', code: 'INVALID_PRODUCER_EPOCH' });
      if ((options.abortAfterTimeout ?? (generation === 2 ? 'accepted' : 'fenced')) === 'accepted') expect(abort).toBeNull();
      else expect(abort).toMatchObject({ name: 'FatalTransactionError', code: 'PRODUCER_FENCED' });
      await next.transaction(async () => {
        await next.send({ topic, value: 'in-time' });
      });
      await read(topic, 'read_committed', 1);
      expect((await read(topic, 'read_committed')).map((r) => str(r.value))).toEqual(['in-time']);
    }, 120_000);
  });
}
