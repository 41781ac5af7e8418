/**
 * The transactional Producer against the fake cluster's transaction coordinator
 * (test/helpers/fake-txn-coordinator.ts), both protocol generations: what goes on the wire in
 * which order, what a read_committed reader of the fake logs sees, and how every record ends.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import type { Producer } from '../../src/producer.js';
import { KAFKA_3_9, MODERN_BROKER, Tracker, advanceUntil, harness, watch, type Harness, type HarnessOptions } from '../helpers/fake-broker.js';

const TXN = { 'transactional.id': 'orders-writer-1', 'linger.ms': 0 };

function v1(options: HarnessOptions = {}): Harness {
  return harness({ ...options, config: { ...TXN, ...options.config }, cluster: { apiVersions: KAFKA_3_9, transactionVersion: 1, ...options.cluster }, topics: options.topics ?? { a: 3, b: 3 } });
}

function v2(options: HarnessOptions = {}): Harness {
  return harness({ ...options, config: { ...TXN, ...options.config }, cluster: { apiVersions: MODERN_BROKER, transactionVersion: 2, ...options.cluster }, topics: options.topics ?? { a: 3, b: 3 } });
}

/** Runs the clock until `p` settles; returns its watch. */
async function run<T>(h: Harness, p: Promise<T>): Promise<{ settled: boolean; value?: T; error?: unknown }> {
  const w = watch(p);
  await advanceUntil(h.clock, () => w.settled);
  return w;
}

async function ok<T>(h: Harness, p: Promise<T>): Promise<T> {
  const w = await run(h, p);
  if (w.error !== undefined) throw w.error;
  return w.value as T;
}

const apis = (h: Harness): string[] =>
  h.cluster.requests.map((r) => r.apiKey).filter((k) => k !== ApiKey.ApiVersions && k !== ApiKey.Metadata).map((k) => ({ 0: 'Produce', 10: 'FindCoordinator', 22: 'InitProducerId', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 28: 'TxnOffsetCommit' })[k] ?? String(k));

const committed = (h: Harness, topic: string, partitions = 3): string[] => Array.from({ length: partitions }, (_, p) => h.cluster.readCommitted(topic, p)).flat() as string[];

describe('configuration', () => {
  test('transactional.id implies idempotence and acks=all; contradicting explicit settings name both', () => {
    const make = (config: Record<string, unknown>) => () => harness({ config: { 'transactional.id': 't', ...config } });
    expect(make({ 'enable.idempotence': false })).toThrow(/transactional\.id: Cannot set a transactional\.id without also enabling idempotence\. enable\.idempotence=false is set/);
    expect(make({ acks: '1' })).toThrow(/transactional\.id: .*acks=1 turns idempotence off \(it needs acks=all\)/);
    expect(make({ retries: 0 })).toThrow(/retries=0 turns idempotence off/);
    expect(make({ 'enable.idempotence': true, acks: '0' })).toThrow(/acks: Must set acks to all/);
    expect(make({ 'transaction.two.phase.commit.enable': true })).toThrow(/transaction\.two\.phase\.commit\.enable: is a Java producer property that kafka-wire does not support yet/);
    expect(() => harness({ config: { 'transactional.id': '' } })).toThrow(/transactional\.id: must not be empty/);
    const h = harness({ config: { 'transactional.id': 't' } });
    expect(h.producer.config.values['transaction.timeout.ms']).toBe(60000);
    expect(h.producer.config.bool('enable.idempotence')).toBe(true);
    expect(h.producer.config.str('acks')).toBe('all');
  });

  test('transactional calls on a non-transactional producer fail at once', async () => {
    const h = harness({ topics: { a: 1 } });
    expect(() => h.producer.beginTransaction()).toThrow(/non-transactional producer \(set transactional\.id\)/);
    await expect(h.producer.initTransactions()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
  });
});

describe('calls out of order', () => {
  test('each fails at once and names the state; a send outside a transaction fails', async () => {
    const h = v1();
    const p = h.producer;
    expect(() => p.beginTransaction()).toThrow(/state UNINITIALIZED to state IN_TRANSACTION/);
    await expect(p.commitTransaction()).rejects.toThrow(/state UNINITIALIZED/);
    const early = await run(h, p.send({ topic: 'a', value: 'x' }));
    expect(early.error).toMatchObject({ code: 'ILLEGAL_STATE', message: expect.stringMatching(/before initTransactions\(\)/) });
    await ok(h, p.initTransactions());
    const outside = await run(h, p.send({ topic: 'a', value: 'x' }));
    expect(outside.error).toMatchObject({ code: 'ILLEGAL_STATE', message: expect.stringMatching(/while in state READY/) });
    await expect(p.abortTransaction()).rejects.toThrow(/state READY to state ABORTING_TRANSACTION/);
    p.beginTransaction();
    expect(() => p.beginTransaction()).toThrow(/already open/);
    expect(h.cluster.violations).toEqual([]);
  });
});

describe('transactions v1 (Kafka 3.x: AddPartitionsToTxn, AddOffsetsToTxn)', () => {
  test('commit: partitions are added before their first Produce, Produce stays <= v11 and carries the transactional id', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    expect(apis(h)).toEqual(['FindCoordinator', 'InitProducerId']);
    p.beginTransaction();
    const sent = ['a0', 'a1', 'b2'].map((v, i) => p.send({ topic: v[0]!, partition: i, value: v }));
    await ok(h, p.commitTransaction());
    const mds = await Promise.all(sent);
    expect(mds.map((m) => m.partition)).toEqual([0, 1, 2]);
    expect(apis(h).slice(2)).toEqual(['AddPartitionsToTxn', ...apis(h).slice(3, -1).map(() => 'Produce'), 'EndTxn']);
    const produce = h.cluster.requestsOf(ApiKey.Produce);
    expect(produce.every((r) => r.apiVersion <= 11 && (r.body as { transactionalId: string }).transactionalId === 'orders-writer-1')).toBe(true);
    expect(h.cluster.readCommitted('a', 0)).toEqual(['a0']);
    expect(committed(h, 'a').concat(committed(h, 'b')).sort()).toEqual(['a0', 'a1', 'b2']);
    expect(h.cluster.txn.transaction('orders-writer-1')).toMatchObject({ committed: 1, aborted: 0, state: 'CompleteCommit' });
    expect(h.cluster.violations).toEqual([]);
  });

  test('a partition already in the transaction is not added again; the next transaction adds it again', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    for (let round = 0; round < 2; round++) {
      p.beginTransaction();
      for (let i = 0; i < 3; i++) p.send({ topic: 'a', partition: 0, value: `r${round}-${i}` });
      await ok(h, p.commitTransaction());
    }
    expect(apis(h).filter((a) => a === 'AddPartitionsToTxn')).toHaveLength(2);
    expect(h.cluster.readCommitted('a', 0)).toEqual(['r0-0', 'r0-1', 'r0-2', 'r1-0', 'r1-1', 'r1-2']);
  });

  test('abort: pending records fail with TRANSACTION_ABORTED, nothing is visible to read_committed, the data is marked aborted', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    const t = new Tracker(p, h.clock);
    for (let i = 0; i < 5; i++) t.send({ topic: 'a', partition: i % 3, value: `x${i}` });
    const abort = watch(p.abortTransaction());
    await advanceUntil(h.clock, () => abort.settled && t.done);
    expect(abort.error).toBeUndefined();
    expect(t.all().map((o) => o.error?.code)).toEqual(Array(5).fill('TRANSACTION_ABORTED'));
    expect(t.multiple).toEqual([]);
    expect(committed(h, 'a')).toEqual([]);
    // Then a committed one on the same producer.
    p.beginTransaction();
    const y = p.send({ topic: 'a', partition: 0, value: 'y' });
    await ok(h, p.commitTransaction());
    await y;
    expect(committed(h, 'a')).toEqual(['y']);
    expect(h.cluster.violations).toEqual([]);
  });

  test('abort with records in flight: they are written, then aborted; their promises reject', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    h.cluster.delayNext(ApiKey.Produce, 500);
    const t = new Tracker(p, h.clock);
    t.send({ topic: 'a', partition: 0, value: 'inflight' });
    await advanceUntil(h.clock, () => h.cluster.requestsOf(ApiKey.Produce).length === 1);
    const abort = watch(p.abortTransaction());
    await advanceUntil(h.clock, () => abort.settled && t.done);
    expect(abort.error).toBeUndefined();
    expect(t.get('inflight').error?.code).toBe('TRANSACTION_ABORTED');
    expect(h.cluster.readUncommitted('a', 0)).toEqual([{ value: 'inflight', transactional: true, fate: 'aborted' }]);
    // EndTxn went only after the Produce was answered.
    expect(apis(h).slice(-2)).toEqual(['Produce', 'EndTxn']);
  });

  test('offsets: AddOffsetsToTxn, FindCoordinator(group), TxnOffsetCommit; committed with the transaction, dropped on abort', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    p.send({ topic: 'a', partition: 0, value: 'out-1' });
    await ok(h, p.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42n }], { groupId: 'g1' }));
    expect(h.cluster.txn.committedOffsets.get('g1')).toBeUndefined();
    await ok(h, p.commitTransaction());
    expect(h.cluster.txn.committedOffsets.get('g1')).toEqual(new Map([['in-0', 42n]]));
    expect(apis(h)).toContain('AddOffsetsToTxn');
    p.beginTransaction();
    await ok(h, p.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 99n }], { groupId: 'g1' }));
    await ok(h, p.abortTransaction());
    expect(h.cluster.txn.committedOffsets.get('g1')).toEqual(new Map([['in-0', 42n]]));
    expect(h.cluster.violations).toEqual([]);
  });

  test('transaction(fn): commits what fn sends; aborts and rethrows when fn throws', async () => {
    const h = v1();
    const p = h.producer;
    await ok(h, p.initTransactions());
    const value = await ok(
      h,
      p.transaction(async () => {
        p.send({ topic: 'a', partition: 0, value: 'in-fn' });
        return 7;
      }),
    );
    expect(value).toBe(7);
    let never: Promise<unknown> | null = null;
    const failed = await run(
      h,
      p.transaction(async () => {
        never = p.send({ topic: 'a', partition: 0, value: 'never' });
        never.catch(() => {});
        throw new Error('boom');
      }),
    );
    expect((failed.error as Error).message).toBe('boom');
    await expect(never).rejects.toMatchObject({ code: 'TRANSACTION_ABORTED' });
    expect(h.cluster.readCommitted('a', 0)).toEqual(['in-fn']);
    // The aborted transaction had sent nothing: no EndTxn was needed for it.
    expect(h.cluster.txn.transaction('orders-writer-1')).toMatchObject({ committed: 1, aborted: 0, state: 'CompleteCommit' });
    await expect(h.producer.send({ topic: 'a', value: 'outside' })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
  });
});

describe('transactions v2 (Kafka 4.x, KIP-890)', () => {
  test('no AddPartitionsToTxn: Produce v12+ adds the partitions; EndTxn v5 bumps the epoch every transaction', async () => {
    const h = v2();
    const p = h.producer;
    await ok(h, p.initTransactions());
    for (let round = 0; round < 3; round++) {
      p.beginTransaction();
      p.send({ topic: 'a', partition: round, value: `v${round}` });
      p.send({ topic: 'b', partition: 0, value: `w${round}` });
      await ok(h, p.commitTransaction());
    }
    expect(apis(h)).not.toContain('AddPartitionsToTxn');
    expect(h.cluster.requestsOf(ApiKey.Produce).every((r) => r.apiVersion >= 12)).toBe(true);
    expect(h.cluster.requestsOf(ApiKey.EndTxn).map((r) => [r.apiVersion, (r.body as { producerEpoch: number }).producerEpoch])).toEqual([
      [5, 0],
      [5, 1],
      [5, 2],
    ]);
    // Each transaction's batches carry its own epoch, sequences from 0.
    expect(h.cluster.batches('b', 0).filter((b) => !b.control).map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(committed(h, 'a').sort()).toEqual(['v0', 'v1', 'v2']);
    expect(h.cluster.violations).toEqual([]);
  });

  test('offsets: TxnOffsetCommit v5 only', async () => {
    const h = v2();
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    await ok(h, p.sendOffsetsToTransaction([{ topic: 'in', partition: 1, offset: 5n }], { groupId: 'g' }));
    await ok(h, p.commitTransaction());
    expect(apis(h).slice(2)).toEqual(['FindCoordinator', 'TxnOffsetCommit', 'EndTxn']);
    expect(h.cluster.requestsOf(ApiKey.TxnOffsetCommit)[0]!.apiVersion).toBe(5);
    expect(h.cluster.txn.committedOffsets.get('g')).toEqual(new Map([['in-1', 5n]]));
  });

  test('abort before anything was sent still ends the transaction (EndTxn v5 bumps the epoch)', async () => {
    const h = v2({ config: { 'linger.ms': 1000 } });
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    const r = watch(p.send({ topic: 'a', partition: 0, value: 'unsent' }));
    await ok(h, p.abortTransaction());
    await advanceUntil(h.clock, () => r.settled);
    expect(r.error).toMatchObject({ code: 'TRANSACTION_ABORTED' });
    expect(apis(h)).not.toContain('Produce');
    p.beginTransaction();
    p.send({ topic: 'a', partition: 0, value: 'next' });
    await ok(h, p.commitTransaction());
    expect(h.cluster.readCommitted('a', 0)).toEqual(['next']);
  });

  test('a cluster without transaction.version 2 gets v1 from a Kafka 4 broker', async () => {
    const h = harness({ config: TXN, cluster: { apiVersions: MODERN_BROKER, transactionVersion: 1 }, topics: { a: 1 } });
    const p = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    p.send({ topic: 'a', value: 'x' });
    await ok(h, p.commitTransaction());
    expect(apis(h)).toContain('AddPartitionsToTxn');
    expect(h.cluster.requestsOf(ApiKey.Produce).every((r) => r.apiVersion === 11)).toBe(true);
    expect(h.cluster.requestsOf(ApiKey.EndTxn)[0]!.apiVersion).toBe(4);
    expect(h.cluster.violations).toEqual([]);
  });
});

describe('close', () => {
  test('closing with an open transaction aborts it', async () => {
    const h = v1();
    const p: Producer = h.producer;
    await ok(h, p.initTransactions());
    p.beginTransaction();
    const r = watch(p.send({ topic: 'a', partition: 0, value: 'left-open' }));
    await ok(h, p.close());
    expect(r.settled).toBe(true);
    expect(h.cluster.readCommitted('a', 0)).toEqual([]);
    expect(h.cluster.txn.openTransactions()).toEqual([]);
  });
});
