/**
 * Transactions under faults on the fake cluster (test/helpers/fake-txn-coordinator.ts), both
 * protocol generations. Each scenario counts, against what a read_committed reader of the fake
 * logs sees: committed records lost or duplicated, aborted records visible, records whose
 * promise never settled or settled twice. All must be zero.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { Producer, type ProducerConfig } from '../../src/producer.js';
import { KAFKA_3_9, MODERN_BROKER, Tracker, advanceUntil, auditLog, harness, seededRandom, watch, type Harness } from '../helpers/fake-broker.js';

const ID = 'faulty-writer';
const TOPICS = { a: 3, b: 3 };

const generations = [
  ['v1', { apiVersions: KAFKA_3_9, transactionVersion: 1 as const }],
  ['v2', { apiVersions: MODERN_BROKER, transactionVersion: 2 as const }],
] as const;

function setup(cluster: (typeof generations)[number][1], config: Record<string, unknown> = {}, brokers = 3): Harness {
  return harness({ config: { 'transactional.id': ID, 'linger.ms': 0, ...config }, cluster: { ...cluster, brokers }, topics: TOPICS });
}

async function settleAll<T>(h: Harness, p: Promise<T>, maxMs = 600_000): Promise<{ value?: T; error?: unknown }> {
  const w = watch(p);
  await advanceUntil(h.clock, () => w.settled, maxMs);
  return w;
}

async function ok<T>(h: Harness, p: Promise<T>): Promise<T> {
  const w = await settleAll(h, p);
  if (w.error !== undefined) throw w.error;
  return w.value as T;
}

/** Everything a read_committed reader sees, per "topic-partition". */
function visible(h: Harness): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [topic, n] of Object.entries(TOPICS)) for (let p = 0; p < n; p++) out.set(`${topic}-${p}`, h.cluster.readCommitted(topic, p) as string[]);
  return out;
}

/**
 * Audits a run: `committed` values (per partition, in send order) must each be visible exactly
 * once and in order; `aborted` must be invisible; every tracked send settled exactly once.
 */
function audit(h: Harness, t: Tracker, committed: Map<string, string[]>, aborted: Set<string>) {
  const seen = visible(h);
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let abortedVisible = 0;
  for (const [tp, values] of seen) {
    const expected = committed.get(tp) ?? [];
    const a = auditLog(expected, values);
    lost += a.lost.length;
    duplicated += a.duplicated.length;
    reordered += a.reordered;
    abortedVisible += values.filter((v) => aborted.has(v)).length;
  }
  const neverSettled = t.all().filter((o) => o.calls === 0).length;
  const settledTwice = t.multiple.length;
  return { lost, duplicated, reordered, abortedVisible, neverSettled, settledTwice };
}

const ZERO = { lost: 0, duplicated: 0, reordered: 0, abortedVisible: 0, neverSettled: 0, settledTwice: 0 };

describe.each(generations)('transactions %s under faults', (_name, cluster) => {
  test('the coordinator moves mid-transaction (NOT_COORDINATOR): looked up again, committed once', async () => {
    const h = setup(cluster);
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    await ok(h, p.initTransactions());
    const committed = new Map<string, string[]>();
    for (let round = 0; round < 4; round++) {
      p.beginTransaction();
      for (let i = 0; i < 6; i++) {
        const v = `r${round}-${i}`;
        const partition = i % 3;
        t.send({ topic: 'a', partition, value: v });
        committed.set(`a-${partition}`, [...(committed.get(`a-${partition}`) ?? []), v]);
      }
      // Move the coordinator while the transaction is open: the next coordinator request is
      // refused by the old one.
      h.cluster.txn.setCoordinator(ID, (round % 3) + 1 === h.cluster.txn.coordinatorFor(ID) ? ((round + 1) % 3) + 1 : (round % 3) + 1);
      await ok(h, p.commitTransaction());
    }
    await advanceUntil(h.clock, () => t.done);
    expect(audit(h, t, committed, new Set())).toEqual(ZERO);
    expect(t.failed).toEqual([]);
    expect(h.cluster.requestsOf(ApiKey.FindCoordinator).length).toBeGreaterThan(2);
    expect(h.cluster.txn.transaction(ID).committed).toBe(4);
    expect(h.cluster.violations).toEqual([]);
  });

  test('CONCURRENT_TRANSACTIONS and COORDINATOR_LOAD_IN_PROGRESS are retried with backoff', async () => {
    const h = setup(cluster);
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    h.cluster.failNext(ApiKey.InitProducerId, 'COORDINATOR_LOAD_IN_PROGRESS', { count: 2 });
    await ok(h, p.initTransactions());
    p.beginTransaction();
    h.cluster.failNext(ApiKey.AddPartitionsToTxn, 'CONCURRENT_TRANSACTIONS', { count: 3 });
    h.cluster.failNext(ApiKey.EndTxn, 'CONCURRENT_TRANSACTIONS', { count: 3 });
    t.send({ topic: 'b', partition: 1, value: 'x' });
    await ok(h, p.commitTransaction());
    await advanceUntil(h.clock, () => t.done);
    expect(audit(h, t, new Map([['b-1', ['x']]]), new Set())).toEqual(ZERO);
    expect(h.cluster.requestsOf(ApiKey.EndTxn)).toHaveLength(4);
    expect(h.cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(3);
  });

  test("EndTxn's answer is lost after the coordinator committed: the retry does not commit twice", async () => {
    const h = setup(cluster);
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    await ok(h, p.initTransactions());
    p.beginTransaction();
    for (let i = 0; i < 3; i++) t.send({ topic: 'a', partition: 0, value: `c${i}` });
    h.cluster.disconnectOnNext(ApiKey.EndTxn, { process: true });
    await ok(h, p.commitTransaction());
    await advanceUntil(h.clock, () => t.done);
    expect(h.cluster.requestsOf(ApiKey.EndTxn).length).toBeGreaterThanOrEqual(2);
    expect(h.cluster.txn.endings.filter((e) => e.transactionalId === ID)).toHaveLength(1);
    expect(audit(h, t, new Map([['a-0', ['c0', 'c1', 'c2']]]), new Set())).toEqual(ZERO);
    // And the producer goes on with the next transaction at the right epoch.
    p.beginTransaction();
    t.send({ topic: 'a', partition: 0, value: 'c3' });
    await ok(h, p.commitTransaction());
    await advanceUntil(h.clock, () => t.done);
    expect(h.cluster.readCommitted('a', 0)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(h.cluster.violations).toEqual([]);
  });

  test('PRODUCER_FENCED: a second producer with the same transactional.id fences the first; nothing the first sends afterwards is visible', async () => {
    const h = setup(cluster);
    const first = h.producer;
    const t = new Tracker(first, h.clock);
    await ok(h, first.initTransactions());
    first.beginTransaction();
    t.send({ topic: 'a', partition: 0, value: 'zombie-open' });
    await advanceUntil(h.clock, () => t.done);
    const second = new Producer({ 'bootstrap.servers': h.cluster.bootstrap, 'transactional.id': ID, 'linger.ms': 0 } as ProducerConfig, {
      clock: h.clock,
      random: () => 0.5,
      transport: h.cluster.transport,
      runtime: h.cluster.runtime(),
    });
    await ok(h, second.initTransactions());
    // The first's open transaction was aborted by the coordinator when the second initialized.
    expect(h.cluster.readCommitted('a', 0)).toEqual([]);
    t.send({ topic: 'a', partition: 0, value: 'zombie-late' });
    await advanceUntil(h.clock, () => t.done);
    const commit = await settleAll(h, first.commitTransaction());
    expect(commit.error).toBeDefined();
    const abort = await settleAll(h, first.abortTransaction());
    const fenced = [commit.error, abort.error].find((e) => (e as { code?: string })?.code === 'PRODUCER_FENCED');
    expect(fenced).toBeDefined();
    expect((fenced as Error).name).toBe('FatalTransactionError');
    await expect(first.initTransactions()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });
    second.beginTransaction();
    const s = new Tracker(second, h.clock);
    s.send({ topic: 'a', partition: 0, value: 'second' });
    await ok(h, second.commitTransaction());
    await advanceUntil(h.clock, () => s.done && t.done);
    expect(audit(h, t, new Map(), new Set(['zombie-open', 'zombie-late']))).toEqual(ZERO);
    expect(h.cluster.readCommitted('a', 0)).toEqual(['second']);
    await ok(h, first.close());
    await ok(h, second.close());
  });

  test('a batch that fails for good makes the transaction abortable; after the abort the next transaction commits', async () => {
    const h = setup(cluster, { 'delivery.timeout.ms': 3000, 'request.timeout.ms': 1000 });
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    await ok(h, p.initTransactions());
    p.beginTransaction();
    t.send({ topic: 'a', partition: 1, value: 'good' });
    await advanceUntil(h.clock, () => t.done);
    h.cluster.failProduce('a', 2, 'INVALID_RECORD');
    t.send({ topic: 'a', partition: 2, value: 'bad' });
    t.send({ topic: 'b', partition: 0, value: 'bystander' });
    const commit = await settleAll(h, p.commitTransaction());
    expect(commit.error).toMatchObject({ name: 'AbortableTransactionError' });
    await ok(h, p.abortTransaction());
    await advanceUntil(h.clock, () => t.done);
    expect(t.get('bad').error?.code).toBe('INVALID_RECORD');
    p.beginTransaction();
    t.send({ topic: 'a', partition: 2, value: 'after' });
    await ok(h, p.commitTransaction());
    await advanceUntil(h.clock, () => t.done);
    expect(audit(h, t, new Map([['a-2', ['after']]]), new Set(['good', 'bad', 'bystander']))).toEqual(ZERO);
    // The abort bumped the epoch: v1 with InitProducerId(producer id, epoch), v2 with EndTxn v5.
    expect(h.cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(cluster.transactionVersion === 1 ? 2 : 1);
    expect(h.cluster.violations).toEqual([]);
  });

  test('transaction.timeout.ms passes: the coordinator aborts, the producer reports it and recovers with an abort', async () => {
    const h = setup(cluster, { 'transaction.timeout.ms': 10_000 });
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    await ok(h, p.initTransactions());
    p.beginTransaction();
    t.send({ topic: 'a', partition: 0, value: 'slow-1' });
    await advanceUntil(h.clock, () => t.done);
    await advanceUntil(h.clock, () => h.cluster.txn.transaction(ID).timedOut === 1, 20_000);
    t.send({ topic: 'a', partition: 0, value: 'slow-2' });
    await advanceUntil(h.clock, () => t.done);
    expect(t.get('slow-2').error?.code).toBe('INVALID_PRODUCER_EPOCH');
    const commit = await settleAll(h, p.commitTransaction());
    expect(commit.error).toMatchObject({ name: 'AbortableTransactionError', code: 'INVALID_PRODUCER_EPOCH' });
    // As measured on Kafka: 4.4 (v2) takes the abort and the producer goes on; 3.9.1 (v1) fences
    // it, and a new producer with the same transactional.id takes over.
    const abort = await settleAll(h, p.abortTransaction());
    let next = p;
    let n = t;
    if (cluster.transactionVersion === 2) expect(abort.error).toBeUndefined();
    else {
      expect(abort.error).toMatchObject({ name: 'FatalTransactionError', code: 'PRODUCER_FENCED' });
      await ok(h, p.close());
      next = new Producer({ 'bootstrap.servers': h.cluster.bootstrap, 'transactional.id': ID, 'linger.ms': 0 } as ProducerConfig, { clock: h.clock, random: () => 0.5, transport: h.cluster.transport, runtime: h.cluster.runtime() });
      n = new Tracker(next, h.clock);
      await ok(h, next.initTransactions());
    }
    next.beginTransaction();
    n.send({ topic: 'a', partition: 0, value: 'fast' });
    await ok(h, next.commitTransaction());
    await advanceUntil(h.clock, () => t.done && n.done);
    expect(audit(h, t, new Map(), new Set(['slow-1', 'slow-2']))).toMatchObject({ abortedVisible: 0, neverSettled: 0, settledTwice: 0 });
    expect(h.cluster.readCommitted('a', 0)).toEqual(['fast']);
  });

  test('abort with many records in flight and queued: every one settles with an error, none visible', async () => {
    const h = setup(cluster, { 'linger.ms': 2, 'batch.size': 200 });
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    await ok(h, p.initTransactions());
    p.beginTransaction();
    h.cluster.delayNext(ApiKey.Produce, 300, { count: 3 });
    for (let i = 0; i < 200; i++) t.send({ topic: i % 2 ? 'a' : 'b', partition: i % 3, value: `in-flight-${i}` });
    await advanceUntil(h.clock, () => h.cluster.requestsOf(ApiKey.Produce).length >= 2);
    // Records acknowledged before the abort keep their success (they are in the log; the abort
    // marker hides them); every record still pending when abortTransaction() is called fails.
    const pending = t.all().filter((o) => o.calls === 0);
    expect(pending.length).toBeGreaterThan(50);
    const abort = watch(p.abortTransaction());
    await advanceUntil(h.clock, () => abort.settled && t.done);
    expect(abort.error).toBeUndefined();
    expect(pending.filter((o) => o.error?.code !== 'TRANSACTION_ABORTED').map((o) => `${o.id}: ${o.error?.code}`)).toEqual([]);
    const aborted = new Set(t.all().map((o) => o.id));
    expect(audit(h, t, new Map(), aborted)).toEqual(ZERO);
    expect(h.cluster.txn.openTransactions()).toEqual([]);
  });

  test('chaos: 100 transactions over 6 partitions of 2 topics, every 3rd aborted, with random faults', async () => {
    const h = setup(cluster, { 'linger.ms': 1, 'request.timeout.ms': 2000, 'delivery.timeout.ms': 30_000 });
    const p = h.producer;
    const t = new Tracker(p, h.clock);
    const rnd = seededRandom(cluster.transactionVersion * 7 + 3);
    await ok(h, p.initTransactions());
    const committed = new Map<string, string[]>();
    const aborted = new Set<string>();
    const acknowledgedThenAborted = new Set<string>();
    let abortableFailures = 0;
    for (let n = 0; n < 100; n++) {
      p.beginTransaction();
      const values: [string, string][] = [];
      const count = 1 + Math.floor(rnd() * 8);
      for (let i = 0; i < count; i++) {
        const topic = rnd() < 0.5 ? 'a' : 'b';
        const partition = Math.floor(rnd() * 3);
        const v = `t${n}-${i}`;
        values.push([`${topic}-${partition}`, v]);
        t.send({ topic, partition, value: v });
      }
      const dice = rnd();
      if (dice < 0.08) h.cluster.txn.setCoordinator(ID, 1 + Math.floor(rnd() * 3));
      else if (dice < 0.14) h.cluster.disconnectOnNext(ApiKey.EndTxn, { process: rnd() < 0.5 });
      else if (dice < 0.2) h.cluster.failNext(rnd() < 0.5 ? ApiKey.EndTxn : ApiKey.FindCoordinator, rnd() < 0.5 ? 'CONCURRENT_TRANSACTIONS' : 'COORDINATOR_NOT_AVAILABLE');
      else if (dice < 0.26) h.cluster.dropConnections(1 + Math.floor(rnd() * 3));
      else if (dice < 0.32) h.cluster.moveLeader('a', Math.floor(rnd() * 3), 1 + Math.floor(rnd() * 3));
      else if (dice < 0.38) h.cluster.delayNext(ApiKey.Produce, 50 + Math.floor(rnd() * 500));
      const abort = n % 3 === 2;
      // Half of the aborts come once the broker has the records (they must stay invisible), half
      // while they are still pending (they must fail).
      const late = abort && n % 6 === 5;
      if (late) await advanceUntil(h.clock, () => values.every(([, v]) => t.get(v).calls > 0));
      let done = false;
      if (!abort) {
        const c = await settleAll(h, p.commitTransaction());
        if (c.error === undefined) done = true;
        else {
          expect((c.error as Error).name).toBe('AbortableTransactionError');
          abortableFailures++;
        }
      }
      if (!done) await ok(h, p.abortTransaction());
      for (const [tp, v] of values) {
        if (done) committed.set(tp, [...(committed.get(tp) ?? []), v]);
        else aborted.add(v);
        if (late) acknowledgedThenAborted.add(v);
      }
    }
    await advanceUntil(h.clock, () => t.done);
    expect(audit(h, t, committed, aborted)).toEqual(ZERO);
    // Every record of a committed transaction succeeded; every record of an aborted one failed.
    for (const o of t.all()) expect(o.error === null, o.id).toBe(!aborted.has(o.id) || (acknowledgedThenAborted.has(o.id) && o.error === null));
    expect([...acknowledgedThenAborted].some((v) => t.get(v).error === null)).toBe(true);
    expect(h.cluster.txn.openTransactions()).toEqual([]);
    expect(h.cluster.violations).toEqual([]);
    expect(abortableFailures).toBeLessThan(20);
    // The faults did happen: coordinators were looked up again, EndTxn retried.
    const endings = h.cluster.txn.endings.filter((e) => e.transactionalId === ID);
    expect(endings.filter((e) => e.committed)).toHaveLength(67);
    expect(endings.filter((e) => !e.committed).length).toBeGreaterThan(10); // aborts with data in the log
    expect(h.cluster.requestsOf(ApiKey.FindCoordinator).length).toBeGreaterThan(10);
  }, 60_000);
});
