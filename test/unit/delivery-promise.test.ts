/**
 * The delivery promise under the faults an independent review reproduced (issue 11): each test
 * is one numbered scenario, on the in-process fake cluster (Kafka's idempotence rules, fake
 * clock), and counts what matters — lost, duplicated, reordered and never-settled records.
 *
 * For every error path the question is what the broker may already have written; the fake
 * broker is made to append and then fail, swallow, throttle, hide a leader or delete a topic.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { Tracker, advance, advanceUntil, auditLog, harness, seededRandom, settle, watch } from '../helpers/fake-broker.js';

/** Every tracked record settled exactly once. */
function expectEachSettledOnce(t: Tracker): void {
  expect(t.all().filter((o) => o.calls !== 1).map((o) => `${o.id}: ${o.calls} calls`)).toEqual([]);
}

describe('1. NOT_LEADER_OR_FOLLOWER after the broker appended', () => {
  test('retries exhausted: the batch is unresolved, not renumbered; later batches are deduplicated, one copy each', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, retries: 1, 'retry.backoff.ms': 100 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'b0' });
    await advanceUntil(clock, () => t.done);
    // Both batches in flight together; the broker appends each and answers NOT_LEADER (it was
    // waiting for replicas when leadership moved); b1's retry is answered the same way.
    cluster.delayNext(ApiKey.Produce, 10, { count: 2 });
    cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true, count: 3 });
    t.send({ topic: 't', value: 'b1' });
    await settle();
    t.send({ topic: 't', value: 'b2' });
    await advanceUntil(clock, () => t.done);
    await advance(clock, 5000);
    expectEachSettledOnce(t);
    const audit = auditLog(['b0', 'b1', 'b2'], cluster.values('t'));
    expect(audit).toEqual({ lost: [], duplicated: [], reordered: 0 });
    // b1 is in the log but reported failed (Java does the same: its outcome is unknown)
    expect(t.get('b1').error?.code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(t.get('b2').error).toBeNull();
    expect(t.get('b2').metadata!.offset).toBe(2n);
    // nothing was renumbered under a new epoch
    expect(cluster.batches('t').map((b) => `${b.producerEpoch}/${b.baseSequence}`)).toEqual(['0/0', '0/1', '0/2']);
  });

  test('the same through send() promises: b1 rejects with NOT_LEADER_OR_FOLLOWER (settled once, through its promise slot), b2 resolves with offset 2, one copy of each', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, retries: 1, 'retry.backoff.ms': 100 }, topics: { t: 1 } });
    const b0 = watch(producer.send({ topic: 't', value: 'b0' }));
    await advanceUntil(clock, () => b0.settled);
    cluster.delayNext(ApiKey.Produce, 10, { count: 2 });
    cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true, count: 3 });
    let b1Settlements = 0;
    const b1Promise = producer.send({ topic: 't', value: 'b1' });
    b1Promise.then(() => b1Settlements++, () => b1Settlements++);
    const b1 = watch(b1Promise);
    await settle();
    const b2 = watch(producer.send({ topic: 't', value: 'b2' }));
    await advanceUntil(clock, () => b1.settled && b2.settled);
    await advance(clock, 5000);
    expect(b1Settlements).toBe(1);
    expect((b1.error as { code?: string }).code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(b0.value!.offset).toBe(0n);
    expect(b2.error).toBeUndefined();
    expect(b2.value!.offset).toBe(2n);
    expect(auditLog(['b0', 'b1', 'b2'], cluster.values('t'))).toEqual({ lost: [], duplicated: [], reordered: 0 });
  });

  test('expired during retry backoff while a later written batch waits for its retry: no second copy of it', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'linger.ms': 0, 'retry.backoff.ms': 2000, 'retry.backoff.max.ms': 2000, 'delivery.timeout.ms': 3500, 'request.timeout.ms': 2000 },
      topics: { t: 1 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'b0' });
    await advanceUntil(clock, () => t.done);
    // b1 (sent at T, answer held until T+1000) and b2 (sent at T+900, in flight beside it) are
    // appended and answered NOT_LEADER; b1's retry at T+3000 (a duplicate) too. b1 expires in
    // its next backoff (T+3500) while b2 waits behind it for its retry (b2 expires at T+4400).
    cluster.delayNext(ApiKey.Produce, 1000);
    cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true, count: 3 });
    t.send({ topic: 't', value: 'b1' });
    await advance(clock, 900);
    t.send({ topic: 't', value: 'b2' });
    await advanceUntil(clock, () => t.done, 30_000);
    await advance(clock, 10_000);
    expectEachSettledOnce(t);
    expect(t.get('b1').error?.code).toBe('TIMEOUT');
    expect(t.get('b2').error).toBeNull();
    expect(auditLog(['b0', 'b1', 'b2'], cluster.values('t'))).toEqual({ lost: [], duplicated: [], reordered: 0 });
    // The next record goes on without a gap.
    t.send({ topic: 't', value: 'b3' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('b3').error).toBeNull();
    expect(auditLog(['b0', 'b1', 'b2', 'b3'], cluster.values('t'))).toEqual({ lost: [], duplicated: [], reordered: 0 });
  });
});

describe('2. close({ timeoutMs }) with a send waiting for buffer memory', () => {
  test('the waiting send fails with PRODUCER_CLOSED; every record settles once; nothing is appended after close', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'buffer.memory': 2048, 'batch.size': 1024, 'max.block.ms': 60_000, 'linger.ms': 0, 'request.timeout.ms': 30_000 },
      topics: { t: 2 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.swallowNext(ApiKey.Produce, { count: 10, process: false });
    t.send({ topic: 't', partition: 0, value: 'a'.repeat(900) }, 'a');
    t.send({ topic: 't', partition: 1, value: 'b'.repeat(900) }, 'b');
    await settle();
    t.send({ topic: 't', partition: 0, value: 'c'.repeat(900) }, 'c'); // waits for memory
    await advance(clock, 10);
    expect(t.get('c').calls).toBe(0);
    const closed = watch(producer.close({ timeoutMs: 500 }));
    await advance(clock, 500);
    expect(closed.settled).toBe(true);
    await advance(clock, 120_000);
    expectEachSettledOnce(t);
    for (const id of ['a', 'b', 'c']) expect(t.get(id).error?.code).toBe('PRODUCER_CLOSED');
    expect(cluster.openConnections()).toBe(0);
    expect(clock.nextTimerAt()).toBe(Infinity);
  });
});

describe('3. a leader id missing from the Metadata broker list', () => {
  test('is treated as "no leader": records to healthy brokers complete, the others expire with TIMEOUT', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'linger.ms': 0, 'delivery.timeout.ms': 5000, 'request.timeout.ms': 3000 },
      cluster: { brokers: 2 },
      topics: { t: [2, { leaders: [1, 2] }] },
    });
    cluster.hideFromMetadata(2);
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'to-1' });
    t.send({ topic: 't', partition: 1, value: 'to-2' });
    await advanceUntil(clock, () => t.done, 20_000);
    expectEachSettledOnce(t);
    expect(t.get('to-1').error).toBeNull();
    expect(t.get('to-2').error?.code).toBe('TIMEOUT');
    expect(t.get('to-2').error?.message).toMatch(/no known leader/);
    expect(cluster.values('t', 0)).toEqual(['to-1']);
  });
});

describe('4. a failed InitProducerId does not wedge a node', () => {
  test('INVALID_PRODUCER_EPOCH, then CLUSTER_AUTHORIZATION_FAILED on InitProducerId: the failed batches leave the producer state; later records on the broker flow', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'delivery.timeout.ms': 30_000, 'request.timeout.ms': 10_000 }, topics: { t: 2 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'INVALID_PRODUCER_EPOCH');
    cluster.failNext(ApiKey.InitProducerId, 'CLUSTER_AUTHORIZATION_FAILED');
    t.send({ topic: 't', partition: 0, value: 'fenced' });
    await advanceUntil(clock, () => t.get('fenced').calls > 0);
    expect(t.get('fenced').error?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    // The next InitProducerId succeeds; many batches to both partitions of the same broker.
    for (let i = 0; i < 12; i++) {
      t.send({ topic: 't', partition: 0, value: `p0-${i}` });
      t.send({ topic: 't', partition: 1, value: `p1-${i}` });
      await advance(clock, 5);
    }
    await advanceUntil(clock, () => t.done, 60_000);
    expectEachSettledOnce(t);
    const failed = t.failed.map((o) => o.id).filter((id) => id !== 'fenced');
    expect(failed).toEqual([]);
    expect(cluster.values('t', 0).slice(1)).toEqual(Array.from({ length: 12 }, (_, i) => `p0-${i}`));
    expect(cluster.values('t', 1)).toEqual(Array.from({ length: 12 }, (_, i) => `p1-${i}`));
  });
});

describe('5. max.block.ms bounds each send', () => {
  test('sends queued behind one waiting for memory fail at max.block.ms after their own send, not k x max.block.ms', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'buffer.memory': 2048, 'batch.size': 1024, 'max.block.ms': 500, 'linger.ms': 0, 'request.timeout.ms': 60_000, 'delivery.timeout.ms': 120_000 },
      topics: { t: 2 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.delayNext(ApiKey.Produce, 20_000, { count: 100 });
    t.send({ topic: 't', partition: 0, value: 'a'.repeat(900) }, 'a');
    t.send({ topic: 't', partition: 1, value: 'b'.repeat(900) }, 'b');
    await settle();
    const start = clock.now();
    for (const id of ['c', 'd', 'e']) t.send({ topic: 't', partition: 0, value: id.repeat(900) }, id);
    await advance(clock, 2000);
    for (const id of ['c', 'd', 'e']) {
      expect(t.get(id).error?.code).toBe('TIMEOUT');
      expect(t.get(id).at! - start).toBe(500);
    }
    await advanceUntil(clock, () => t.done, 60_000);
    expectEachSettledOnce(t);
  });
});

describe('6. flush() waits only for records sent before it', () => {
  test('a steady stream of later sends, each waiting for metadata, does not hold it', async () => {
    const topics = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`n${i}`, 1]));
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 5 }, topics: { t: 1, ...topics } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.delayNext(ApiKey.Metadata, 10, { count: 1000 });
    // 'before', and each later send, go to a topic whose metadata is not known yet: each waits
    // ~10 ms for it, so at any time some send is waiting
    t.send({ topic: 'n0', value: 'before' });
    const f = watch(producer.flush());
    let settledAfter = -1;
    for (let i = 1; i < 60; i++) {
      if (f.settled && settledAfter < 0) settledAfter = i;
      t.send({ topic: `n${i}`, value: `after-${i}` });
      await advance(clock, 2);
    }
    // 'before' needs metadata, one linger (5 ms) and a round trip: flush is done long before the stream is
    expect(settledAfter).toBeGreaterThanOrEqual(0);
    expect(settledAfter).toBeLessThan(20);
    expect(t.get('before').calls).toBe(1);
    await advanceUntil(clock, () => t.done);
    expectEachSettledOnce(t);
  });

  test('a later send to a topic that does not exist does not hold it', async () => {
    const { clock, producer } = harness({ config: { 'linger.ms': 5, 'max.block.ms': 60_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'before' });
    const f = watch(producer.flush());
    t.send({ topic: 'missing', value: 'after' });
    await advance(clock, 1000);
    expect(f.settled).toBe(true);
    expect(t.get('after').calls).toBe(0);
    await advanceUntil(clock, () => t.done, 120_000);
    expect(t.get('after').error?.code).toBe('TIMEOUT');
  });
});

describe('7. KIP-219 throttling', () => {
  test('a Produce response with throttle_time_ms mutes the connection until the time has passed, and feeds the metrics', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.throttleNext(ApiKey.Produce, 5000);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    const answeredAt = clock.now();
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.done, 20_000);
    const produces = cluster.produceRequests();
    const bAt = produces.at(-1)!.at;
    expect(bAt - answeredAt).toBeGreaterThanOrEqual(5000);
    expect(bAt - answeredAt).toBeLessThan(5100);
    const m = producer.metrics();
    expect(m['produce-throttle-time-max']).toBe(5000);
    expect(m['produce-throttle-time-avg']).toBeGreaterThan(0);
  });
});

describe('8. a deleted topic', () => {
  test('loses its partitions: new sends wait for metadata and fail after max.block.ms, not delivery.timeout.ms', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'max.block.ms': 3000, 'metadata.max.age.ms': 1000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'before' });
    await advanceUntil(clock, () => t.done);
    cluster.deleteTopic('t');
    await advance(clock, 1500); // a periodic refresh sees UNKNOWN_TOPIC_OR_PARTITION
    const metadataBefore = cluster.requestsOf(ApiKey.Metadata).length;
    const start = clock.now();
    t.send({ topic: 't', value: 'after' });
    await advanceUntil(clock, () => t.done, 130_000);
    expect(t.get('after').error?.code).toBe('TIMEOUT');
    expect(t.get('after').at! - start).toBe(3000);
    expect(t.get('after').error?.message).toMatch(/not present in metadata after 3000 ms/);
    // refreshes back off exponentially instead of every retry.backoff.ms
    expect(cluster.requestsOf(ApiKey.Metadata).length - metadataBefore).toBeLessThan(15);
  });
});

describe('9. a second send waiting for an unknown topic', () => {
  test('fails with PRODUCER_CLOSED at close({ timeoutMs }), and no timer outlives close', async () => {
    const { clock, producer } = harness({ config: { 'max.block.ms': 60_000 }, topics: {} });
    const t = new Tracker(producer, clock);
    t.send({ topic: 'missing', value: 'one' });
    t.send({ topic: 'missing', value: 'two' });
    await advance(clock, 10);
    const closed = watch(producer.close({ timeoutMs: 100 }));
    await advance(clock, 100);
    expect(closed.settled).toBe(true);
    await settle();
    expectEachSettledOnce(t);
    expect(t.get('one').error?.code).toBe('PRODUCER_CLOSED');
    expect(t.get('two').error?.code).toBe('PRODUCER_CLOSED');
    expect(clock.nextTimerAt()).toBe(Infinity);
  });
});

describe('10. record_errors', () => {
  test('the records named in record_errors get their own message; the others the generic batch error', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 5 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'INVALID_RECORD', { recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: 'Compacted topic cannot accept message without key' }] });
    for (const v of ['r0', 'r1', 'r2']) t.send({ topic: 't', value: v });
    await advanceUntil(clock, () => t.done);
    expectEachSettledOnce(t);
    expect(t.get('r1').error?.code).toBe('INVALID_RECORD');
    expect(t.get('r1').error?.message).toMatch(/Compacted topic cannot accept message without key/);
    for (const id of ['r0', 'r2']) {
      expect(t.get(id).error?.code).toBe('INVALID_RECORD');
      expect(t.get(id).error?.message).toMatch(/part of a batch which had one or more invalid records/);
      expect(t.get(id).error?.message).not.toMatch(/Compacted/);
    }
    // the partition goes on
    t.send({ topic: 't', value: 'next' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('next').error).toBeNull();
  });
});

describe('beyond Java: order that does not depend on the broker', () => {
  // A batch fails retriably (nothing written); while its retry is in flight, the partition's
  // next fresh batch must not follow it: if the retry fails again and the fresh batch succeeds,
  // only a broker that enforces sequences would keep the order.
  async function retryRace(enforceSequences: boolean) {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 100 }, cluster: { enforceSequences }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failBatchesWhere((b) => b.values.includes('a'), 'NOT_ENOUGH_REPLICAS', { count: 2 });
    cluster.delayNext(ApiKey.Produce, 5, { count: 10 });
    t.send({ topic: 't', value: 'a' });
    await advance(clock, 50); // a failed once, waits 100 ms for its retry
    for (const v of ['b', 'c', 'd']) t.send({ topic: 't', value: v });
    await advanceUntil(clock, () => t.done);
    expectEachSettledOnce(t);
    expect(t.failed).toEqual([]);
    return { cluster, audit: auditLog(['warm', 'a', 'b', 'c', 'd'], cluster.values('t')) };
  }

  test('a broker that does not enforce sequences: still in send order', async () => {
    const { audit } = await retryRace(false);
    expect(audit).toEqual({ lost: [], duplicated: [], reordered: 0 });
  });

  test('Kafka (sequences enforced): in order, and no OUT_OF_ORDER_SEQUENCE_NUMBER round trip', async () => {
    const { audit, cluster } = await retryRace(true);
    expect(audit).toEqual({ lost: [], duplicated: [], reordered: 0 });
    expect(cluster.produceOutcomes.filter((o) => o.errorCode === 45)).toHaveLength(0);
  });
});

describe('also checked', () => {
  test('a Metadata answer with a huge partition index is ignored for that topic, without allocating for it', async () => {
    const { Metadata } = await import('../../src/cluster/metadata.js');
    const { ManualClock } = await import('../../src/common/clock.js');
    const md = new Metadata(new ManualClock(), 300_000, 300_000, 100, 1000, () => 0.5);
    const warnings: string[] = [];
    md.onMalformed = (w) => warnings.push(w);
    const brokers = [{ nodeId: 1, host: 'h', port: 9092, rack: null }];
    const p = (partition: number) => ({ partition, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], errorCode: 0 });
    md.update(brokers, [{ name: 'good', errorCode: 0, topicId: null, partitions: [p(0), p(1)] }], 'c', 1);
    md.update(brokers, [{ name: 'evil', errorCode: 0, topicId: null, partitions: [p(0), p(2 ** 31 - 1)] }, { name: 'good', errorCode: 0, topicId: null, partitions: [p(0), p(1)] }], 'c', 2);
    // (before: a dense array filled up to index 2^31 - 1 — the test timed out or ran out of memory)
    expect(md.topic('evil')).toBeUndefined();
    expect(md.topic('good')?.partitionCount).toBe(2);
    expect(warnings.join()).toMatch(/evil.*partition index/);
  });
});

describe('found on the way', () => {
  test('an undecodable Produce response after the broker appended: retried as an unknown outcome, deduplicated, one copy, delivered', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.garbleNext(ApiKey.Produce);
    t.send({ topic: 't', value: 'a' });
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.done);
    expectEachSettledOnce(t);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b']);
    expect(t.get('a').metadata!.offset).toBe(1n);
  });

  test('a Produce answer that leaves out a partition the broker appended: retried under its sequence, deduplicated, one copy', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.omitFromNextAnswer('t', 0);
    t.send({ topic: 't', value: 'a' });
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.done);
    expectEachSettledOnce(t);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b']);
    expect(cluster.produceOutcomes.some((o) => o.duplicate)).toBe(true);
  });

  test('partitioner.availability.timeout.ms: a leader that has not drained for that long leaves the adaptive partitioner', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'linger.ms': 0, 'partitioner.availability.timeout.ms': 1000, 'delivery.timeout.ms': 30_000, 'request.timeout.ms': 10_000 },
      cluster: { brokers: 2 },
      topics: { t: [2, { leaders: [1, 2] }] },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm-0' });
    t.send({ topic: 't', partition: 1, value: 'warm-1' });
    await advanceUntil(clock, () => t.done);
    // partition 1's leader stays in metadata but cannot be reached: connects hang
    cluster.broker(2).hangConnects = true;
    cluster.dropConnections(2);
    t.send({ topic: 't', partition: 1, value: 'stuck' });
    const partitioner = (producer as unknown as { accumulator: { builtInPartitioner(t: string): { loadStatsRangeEnd(): number } } }).accumulator.builtInPartitioner('t');
    await advance(clock, 500);
    // both partitions in the load stats: queue sizes 0 and 1 -> weights 2 + 1
    expect(partitioner.loadStatsRangeEnd()).toBe(3);
    await advance(clock, 1000);
    // node 2 has had data it could not drain for over a second: partition 1 is left out
    for (let i = 0; i < 20; i++) {
      t.send({ topic: 't', value: `k-${i}-${'x'.repeat(100)}` }, `k${i}`);
      await advance(clock, 10);
    }
    const keyless = t.all().filter((o) => o.id.startsWith('k'));
    await advanceUntil(clock, () => keyless.every((o) => o.calls > 0), 20_000);
    expect(keyless.every((o) => o.error === null && o.metadata!.partition === 0)).toBe(true);
    // only partition 0 is left in the load stats (one weight of 1); with partition 1 still in
    // them the range would be 3, as above (before the fix: node latency was never reported)
    expect(partitioner.loadStatsRangeEnd()).toBe(1);
  });

});

describe('re-bootstrap (KIP-899, KIP-1102; metadata.recovery.strategy=rebootstrap, Java 4.x default)', () => {
  /**
   * The producer bootstraps through broker 3 (say, a load-balanced name), whose metadata names
   * brokers 1 and 2. Then 1 and 2 go away for good and the cluster lives on behind the bootstrap
   * address (broker 3 leads now).
   */
  async function replacedCluster(extra: Record<string, unknown> = {}) {
    const h = harness({
      config: { 'bootstrap.servers': 'broker3.test:9092', 'linger.ms': 0, 'delivery.timeout.ms': 60_000, 'request.timeout.ms': 5000, ...extra },
      cluster: { brokers: 3 },
      topics: { t: [2, { leaders: [1, 2] }] },
    });
    h.cluster.hideFromMetadata(3);
    const t = new Tracker(h.producer, h.clock);
    t.send({ topic: 't', partition: 0, value: 'before-0' });
    t.send({ topic: 't', partition: 1, value: 'before-1' });
    await advanceUntil(h.clock, () => t.done);
    h.cluster.stopBroker(1);
    h.cluster.stopBroker(2);
    h.cluster.moveLeader('t', 0, 3);
    h.cluster.moveLeader('t', 1, 3);
    h.cluster.hideFromMetadata(3, false);
    return { ...h, t };
  }

  test('every broker the metadata named is unreachable: back to bootstrap.servers, records delivered', async () => {
    const { clock, cluster, t, logs } = await replacedCluster();
    t.send({ topic: 't', partition: 0, value: 'after-0' });
    t.send({ topic: 't', partition: 1, value: 'after-1' });
    await advanceUntil(clock, () => t.done, 60_000);
    expectEachSettledOnce(t);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t', 0)).toEqual(['before-0', 'after-0']);
    expect(cluster.values('t', 1)).toEqual(['before-1', 'after-1']);
    expect(logs.some((l) => /rebootstrapping with bootstrap.servers/.test(l))).toBe(true);
  });

  test('metadata.recovery.strategy=none: no re-bootstrap; the records expire at delivery.timeout.ms', async () => {
    const { clock, t, logs } = await replacedCluster({ 'metadata.recovery.strategy': 'none', 'delivery.timeout.ms': 20_000 });
    t.send({ topic: 't', partition: 0, value: 'after-0' });
    await advanceUntil(clock, () => t.done, 60_000);
    expect(t.get('after-0').error?.code).toBe('TIMEOUT');
    expect(logs.some((l) => /rebootstrapping/.test(l))).toBe(false);
  });

  test('metadata.recovery.rebootstrap.trigger.ms: known brokers that never answer metadata trigger a re-bootstrap after that long', async () => {
    const h = harness({
      config: { 'bootstrap.servers': 'broker3.test:9092', 'linger.ms': 0, 'request.timeout.ms': 2000, 'metadata.recovery.rebootstrap.trigger.ms': 10_000, 'delivery.timeout.ms': 60_000 },
      cluster: { brokers: 3 },
      topics: { t: [1, { leaders: [1] }] },
    });
    h.cluster.hideFromMetadata(3);
    const t = new Tracker(h.producer, h.clock);
    t.send({ topic: 't', value: 'before' });
    await advanceUntil(h.clock, () => t.done);
    // brokers 1 and 2 stay reachable but stop answering metadata and produce; broker 3 takes over
    h.cluster.swallowNext(ApiKey.Metadata, { count: 10_000, nodeId: 1, process: false });
    h.cluster.swallowNext(ApiKey.Metadata, { count: 10_000, nodeId: 2, process: false });
    h.cluster.swallowNext(ApiKey.Produce, { count: 10_000, nodeId: 1, process: false });
    h.cluster.moveLeader('t', 0, 3);
    h.cluster.hideFromMetadata(3, false);
    const start = h.clock.now();
    t.send({ topic: 't', value: 'after' });
    await advanceUntil(h.clock, () => t.done, 60_000);
    expect(t.get('after').error).toBeNull();
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(10_000);
    expect(h.logs.some((l) => /rebootstrapping with bootstrap.servers: no metadata answer for 10000 ms/.test(l))).toBe(true);
    expect(h.cluster.values('t')).toEqual(['before', 'after']);
  });

  test('a broker answering REBOOTSTRAP_REQUIRED (Metadata v13): the producer re-bootstraps and a send to a new topic succeeds', async () => {
    const { clock, cluster, producer, logs } = harness({ config: { 'linger.ms': 0, 'max.block.ms': 10_000 }, cluster: { brokers: 2 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.createTopic('fresh', 1);
    cluster.rebootstrapRequiredNext();
    t.send({ topic: 'fresh', value: 'new-topic' });
    await advanceUntil(clock, () => t.done, 20_000);
    expect(t.get('new-topic').error).toBeNull();
    expect(logs.some((l) => /REBOOTSTRAP_REQUIRED/.test(l))).toBe(true);
  });
});

describe('the retry policy lives in the error table', () => {
  test('notWritten: only pre-append rejections; sequenceError: the KIP-360 trio', async () => {
    const { errorForName, errorForCode } = await import('../../src/protocol/error-codes.js');
    const notWritten = (n: string) => errorForName(n)!.notWritten;
    for (const n of ['NOT_ENOUGH_REPLICAS', 'INVALID_RECORD', 'MESSAGE_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'CORRUPT_MESSAGE']) expect(notWritten(n), n).toBe(true);
    for (const n of ['NOT_LEADER_OR_FOLLOWER', 'REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'KAFKA_STORAGE_ERROR', 'UNKNOWN_SERVER_ERROR', 'NETWORK_EXCEPTION', 'LEADER_NOT_AVAILABLE']) expect(notWritten(n), n).toBe(false);
    expect(errorForCode(9999).notWritten).toBe(false); // a code we do not know proves nothing
    expect(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'].every((n) => errorForName(n)!.sequenceError)).toBe(true);
    expect(errorForName('NOT_LEADER_OR_FOLLOWER')!.sequenceError).toBe(false);
  });
});

describe('clocks', () => {
  test('a record without a timestamp gets wall-clock CreateTime; a backward wall-clock step does not delay delivery timeouts', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'delivery.timeout.ms': 5000, 'request.timeout.ms': 3000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    clock.stepWallClock(-3_600_000); // NTP stepped the wall clock back an hour
    t.send({ topic: 't', value: 'stamped' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('stamped').metadata!.timestamp).toBe(clock.wallClockMs());
    expect(cluster.log('t')[0]!.timestamp).toBe(BigInt(clock.wallClockMs()));
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS', { count: 1000 });
    const start = clock.now();
    t.send({ topic: 't', value: 'doomed' });
    clock.stepWallClock(-3_600_000);
    await advanceUntil(clock, () => t.get('doomed').calls > 0, 20_000);
    expect(t.get('doomed').error?.code).toBe('TIMEOUT');
    expect(t.get('doomed').at! - start).toBeLessThanOrEqual(5000 + 1000);
  });
});

describe('a batch that may be written is never renumbered under a new producer id', () => {
  test('INVALID_PRODUCER_EPOCH for the retry of a batch the broker appended: it fails (outcome unknown), nothing is written twice', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'retry.backoff.ms': 50 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true }); // b1 written, answer says otherwise
    t.send({ topic: 't', value: 'b1' });
    await advance(clock, 10);
    cluster.failProduce('t', 0, 'INVALID_PRODUCER_EPOCH'); // its retry: fenced
    await advanceUntil(clock, () => t.get('b1').calls > 0, 20_000);
    t.send({ topic: 't', value: 'b2' });
    await advanceUntil(clock, () => t.done, 20_000);
    await advance(clock, 1000);
    expectEachSettledOnce(t);
    expect(t.get('b1').error?.code).toBe('INVALID_PRODUCER_EPOCH');
    expect(t.get('b2').error).toBeNull();
    expect(auditLog(['warm', 'b1', 'b2'], cluster.values('t'))).toEqual({ lost: [], duplicated: [], reordered: 0 });
    expect(cluster.producerIdsIssued.length).toBe(2);
  });

  test('a new producer id (fenced epoch on another partition) while a batch the broker appended waits for its retry: that batch fails, the rest are renumbered, nothing twice', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'retry.backoff.ms': 1000, 'retry.backoff.max.ms': 1000 }, topics: { t: 2 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm-0' });
    t.send({ topic: 't', partition: 1, value: 'warm-1' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true }); // a: written, waits 1 s for its retry
    cluster.failProduce('t', 1, 'INVALID_PRODUCER_EPOCH'); // c: our current epoch fenced -> new producer id
    t.send({ topic: 't', partition: 0, value: 'a' });
    t.send({ topic: 't', partition: 1, value: 'c' });
    await advance(clock, 10);
    t.send({ topic: 't', partition: 0, value: 'b' }); // queued behind a
    await advanceUntil(clock, () => t.done, 20_000);
    await advance(clock, 2000);
    expectEachSettledOnce(t);
    expect(t.get('a').error?.code).toBe('INVALID_PRODUCER_EPOCH');
    expect(t.get('a').error?.message).toMatch(/may have been written/);
    expect(t.get('b').error).toBeNull();
    expect(t.get('c').error).toBeNull();
    expect(auditLog(['warm-0', 'a', 'b'], cluster.values('t', 0))).toEqual({ lost: [], duplicated: [], reordered: 0 });
    expect(auditLog(['warm-1', 'c'], cluster.values('t', 1))).toEqual({ lost: [], duplicated: [], reordered: 0 });
  });
});

describe('epoch bumps', () => {
  test('a partition whose batches carry an older epoch adopts the current one instead of bumping again (one bump for several partitions)', async () => {
    const { clock, cluster, producer, logs } = harness({ config: { 'linger.ms': 0 }, cluster: { brokers: 2 }, topics: { t: [2, { leaders: [1, 2] }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm-0' });
    t.send({ topic: 't', partition: 1, value: 'warm-1' });
    await advanceUntil(clock, () => t.done);
    // p1's next answer (broker 2) is held 50 ms; meanwhile p0 loses its producer state and bumps the epoch
    cluster.delayNext(ApiKey.Produce, 50, { nodeId: cluster.leaderOf('t', 1) });
    cluster.failProduce('t', 1, 'UNKNOWN_PRODUCER_ID');
    t.send({ topic: 't', partition: 1, value: 'b' });
    await advance(clock, 5);
    cluster.failProduce('t', 0, 'UNKNOWN_PRODUCER_ID');
    t.send({ topic: 't', partition: 0, value: 'a' });
    await advanceUntil(clock, () => t.done, 10_000);
    expectEachSettledOnce(t);
    expect(t.failed).toEqual([]);
    expect(logs.filter((l) => /bumped the producer epoch/.test(l))).toHaveLength(1);
    expect(cluster.batches('t', 0).map((b) => `${b.producerEpoch}/${b.baseSequence}`)).toEqual(['0/0', '1/0']);
    expect(cluster.batches('t', 1).map((b) => `${b.producerEpoch}/${b.baseSequence}`)).toEqual(['0/0', '1/0']);
  });
});
