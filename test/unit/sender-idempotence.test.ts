/**
 * The idempotent producer against the fake cluster's broker-side sequence checks (per partition
 * and producer id: last 5 batches deduplicated, gaps refused, epoch bumps starting at 0): sequence
 * numbering, pipelining, ordered resends, deduplicated retries, KIP-360 epoch bumps, and a chaos
 * run counted as lost / duplicated / reordered = 0.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { Tracker, advance, advanceUntil, auditLog, harness, seededRandom, settle } from '../helpers/fake-broker.js';

type Cluster = ReturnType<typeof harness>['cluster'];

/** Sequences of a partition's log are contiguous per epoch, starting at 0 in each new epoch. */
function expectContiguousSequences(cluster: Cluster, topic: string, partition = 0): void {
  let epoch = -2;
  let next = 0;
  for (const b of cluster.batches(topic, partition)) {
    if (b.producerEpoch !== epoch) {
      expect(b.producerEpoch).toBeGreaterThan(epoch);
      epoch = b.producerEpoch;
      next = 0;
    }
    expect(b.baseSequence).toBe(next);
    next = b.baseSequence + b.recordCount;
  }
}

/**
 * Sends `values` to one partition, one batch and one request each: with linger.ms=0 each record's
 * batch is drained by the pass its send schedules, before the next record is appended.
 */
async function sendEach(t: Tracker, topic: string, values: string[], partition = 0): Promise<void> {
  for (const v of values) {
    t.send({ topic, partition, value: v });
    await settle();
  }
}

const one = { 'linger.ms': 0 };

describe('sequence numbers', () => {
  test('each partition starts at sequence 0 and its sequences are contiguous across batches', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 5 }, topics: { t: 3 } });
    const t = new Tracker(producer, clock);
    for (let round = 0; round < 4; round++) {
      for (let p = 0; p < 3; p++) for (let i = 0; i <= round; i++) t.send({ topic: 't', partition: p, value: `${p}-${round}-${i}` });
      await advance(clock, 20);
    }
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    for (let p = 0; p < 3; p++) {
      const batches = cluster.batches('t', p);
      expect(batches.map((b) => b.baseSequence)).toEqual([0, 1, 3, 6]);
      expect(batches.map((b) => b.recordCount)).toEqual([1, 2, 3, 4]);
      expect(new Set(batches.map((b) => `${b.producerId}/${b.producerEpoch}`))).toEqual(new Set(['1000/0']));
      expectContiguousSequences(cluster, 't', p);
    }
    expect(cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(1);
  });

  test('up to 5 requests in flight per connection; the 6th waits for an answer', async () => {
    // batch.size 100 and 80-byte values: one record per batch; all sent in the same tick
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'batch.size': 100 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.delayNext(ApiKey.Produce, 100, { count: 100 });
    const start = clock.now();
    const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((c) => c.repeat(80));
    for (const v of values) t.send({ topic: 't', value: v });
    await advance(clock, 50);
    const inFirstWindow = cluster.produceRequests().filter((r) => r.at >= start && r.at < start + 100 && !r.batches!.some((b) => b.values.includes('warm')));
    // Java keeps sending while a partition has ready batches (pollTimeout 0), up to 5 in flight
    expect(inFirstWindow).toHaveLength(5);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', ...values]);
    expect(cluster.batches('t').map((b) => b.recordCount)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expectContiguousSequences(cluster, 't');
  });
});

describe('ordered resends', () => {
  test('a retriable failure of the first of 5 in-flight batches: resent in order, no gap, no duplicate', async () => {
    const { clock, cluster, producer } = harness({ config: one, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.delayNext(ApiKey.Produce, 10, { count: 5 }); // keep all five in flight together
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS');
    const values = ['a', 'b', 'c', 'd', 'e'];
    await sendEach(t, 't', values);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    // the broker refused b..e (gap after the refused a), then accepted all in order
    expect(cluster.produceOutcomes.filter((o) => o.errorCode === 45).length).toBeGreaterThan(0);
    const audit = auditLog(['warm', ...values], cluster.values('t'));
    expect(audit).toEqual({ lost: [], duplicated: [], reordered: 0 });
    expect(cluster.values('t')).toEqual(['warm', ...values]);
    expect(t.all().map((o) => o.metadata!.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    expectContiguousSequences(cluster, 't');
    expect(t.multiple).toEqual([]);
  });

  test('a swallowed response: request.timeout.ms, retry, the broker deduplicates; one copy, acknowledged once', async () => {
    const { clock, cluster, producer } = harness({ config: { 'request.timeout.ms': 1000, 'linger.ms': 0 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.swallowNext(ApiKey.Produce); // appended, never answered
    const sentAt = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    await advance(clock, 5000);
    const o = t.get('a');
    expect(o.calls).toBe(1);
    expect(o.error).toBeNull();
    expect(o.metadata!.offset).toBe(1n);
    expect(o.at! - sentAt).toBeGreaterThanOrEqual(1000);
    expect(cluster.values('t')).toEqual(['warm', 'a']);
    expect(cluster.produceOutcomes.filter((x) => x.duplicate)).toHaveLength(1);
  });

  test('a swallowed response with later batches behind it on the muted connection: all retried in order, each once', async () => {
    const { clock, cluster, producer } = harness({ config: { ...one, 'request.timeout.ms': 1000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.swallowNext(ApiKey.Produce);
    await sendEach(t, 't', ['a', 'b', 'c']);
    await advanceUntil(clock, () => t.done);
    await advance(clock, 5000);
    expect(t.failed).toEqual([]);
    expect(t.multiple).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b', 'c']);
    expect(t.all().map((o) => o.metadata!.offset)).toEqual([0n, 1n, 2n, 3n]);
    expectContiguousSequences(cluster, 't');
  });

  test('NOT_ENOUGH_REPLICAS_AFTER_APPEND (written, then refused): the retry is a duplicate, one copy', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', { append: true });
    t.send({ topic: 't', value: 'a' });
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b']);
    expect(t.get('b').metadata!.offset).toBe(2n);
  });
});

describe('compressed batches', () => {
  test.each(['gzip', 'snappy', 'lz4'])('%s batches carry contiguous sequences and are delivered', async (codec) => {
    const { clock, cluster, producer } = harness({ config: { 'compression.type': codec, 'linger.ms': 5 }, topics: { t: 2 } });
    const t = new Tracker(producer, clock);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) t.send({ topic: 't', partition: i % 2, value: `${round}-${i}-${'c'.repeat(50)}` }, `${round}-${i}`);
      await advance(clock, 10);
    }
    await advanceUntil(clock, () => t.done, 10_000);
    expect(t.failed).toEqual([]);
    for (let p = 0; p < 2; p++) {
      expect(cluster.batches('t', p).every((b) => b.compression !== 0)).toBe(true);
      expectContiguousSequences(cluster, 't', p);
      expect(cluster.values('t', p)).toHaveLength(6);
    }
  });
});

describe('completion order', () => {
  test('a batch written but answered with NOT_ENOUGH_REPLICAS_AFTER_APPEND while the next one succeeds: callbacks still in send order', async () => {
    // DESIGN.md: completions come in send order per partition. The broker appended both; the
    // first answer is an error (retried, then deduplicated), the second a success.
    const { clock, cluster, producer } = harness({ config: one, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.delayNext(ApiKey.Produce, 10, { count: 2 }); // both in flight before either answer
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', { append: true });
    await sendEach(t, 't', ['a', 'b']);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b']);
    expect(t.get('a').metadata!.offset).toBe(1n);
    expect(t.get('b').metadata!.offset).toBe(2n);
    expect(t.get('a').order!).toBeLessThan(t.get('b').order!);
  });
});

describe("the broker's 5-batch deduplication window", () => {
  test('a written batch whose retries keep failing must not fall out of the window while later batches are appended', async () => {
    // Kafka deduplicates a retry only against the producer's last 5 batches of the partition. Here
    // batch "a" is written but answered NOT_ENOUGH_REPLICAS_AFTER_APPEND, and its next 5 retries
    // are refused (NOT_ENOUGH_REPLICAS, checked before the duplicate check, as Kafka does). If later
    // batches are appended meanwhile, past 5 of them the retry of "a" is no longer recognized:
    // OUT_OF_ORDER_SEQUENCE_NUMBER for ever, and "a" (which IS in the log) is reported as failed.
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'batch.size': 100 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    const carriesA = (b: { values: (string | null)[] }) => b.values.includes('a'.repeat(80));
    cluster.failBatchesWhere(carriesA, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', { append: true });
    cluster.failBatchesWhere(carriesA, 'NOT_ENOUGH_REPLICAS', { count: 5 });
    const values = 'abcdefghijkl'.split('').map((c) => c.repeat(80));
    for (const v of values) {
      t.send({ topic: 't', value: v }, v[0]);
      await advance(clock, 30);
    }
    await advanceUntil(clock, () => t.done);
    expect(cluster.values('t')).toEqual(['warm', ...values]);
    expect(t.failed.map((o) => `${o.id}: ${o.error!.code}`)).toEqual([]);
    expect(t.get('a').metadata!.offset).toBe(1n);
  });
});

describe('KIP-360 epoch bumps', () => {
  test('UNKNOWN_PRODUCER_ID (broker dropped our state): the epoch is bumped, sequences restart at 0, nothing lost or duplicated', async () => {
    const { clock, cluster, producer } = harness({ config: one, topics: { t: 2 } });
    const t = new Tracker(producer, clock);
    await sendEach(t, 't', ['a', 'b', 'c'], 0);
    await sendEach(t, 't', ['x', 'y'], 1);
    await advanceUntil(clock, () => t.done);
    cluster.dropProducerState('t', 0);
    await sendEach(t, 't', ['d', 'e'], 0);
    await advanceUntil(clock, () => t.done);
    await sendEach(t, 't', ['z'], 1);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.produceOutcomes.some((o) => o.errorCode === 59)).toBe(true);
    expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(cluster.values('t', 1)).toEqual(['x', 'y', 'z']);
    const p0 = cluster.batches('t', 0);
    expect(p0.map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
    ]);
    // the other partition adopts the new epoch at its next batch, from sequence 0
    expect(cluster.batches('t', 1).map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    // the idempotent producer bumps locally: no new producer id
    expect(cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(1);
    expect(new Set(cluster.batches('t', 0).map((b) => b.producerId))).toEqual(new Set([1000n]));
  });

  test('UNKNOWN_PRODUCER_ID for several in-flight batches: all renumbered from 0 under the new epoch, in order', async () => {
    const { clock, cluster, producer } = harness({ config: one, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    await sendEach(t, 't', ['a', 'b']);
    await advanceUntil(clock, () => t.done);
    cluster.dropProducerState('t', 0);
    cluster.delayNext(ApiKey.Produce, 10, { count: 4 });
    await sendEach(t, 't', ['c', 'd', 'e', 'f']);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expectContiguousSequences(cluster, 't');
    expect(cluster.batches('t').slice(2).every((b) => b.producerEpoch === 1)).toBe(true);
  });

  test('OUT_OF_ORDER_SEQUENCE_NUMBER for the next expected batch: epoch bump, sequence 0, delivered once', async () => {
    const { clock, cluster, producer } = harness({ config: one, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    await sendEach(t, 't', ['a', 'b']);
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    await sendEach(t, 't', ['c']);
    await advanceUntil(clock, () => t.done);
    await sendEach(t, 't', ['d']);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['a', 'b', 'c', 'd']);
    expect(cluster.batches('t').map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('chaos', () => {
  test.each([99, 1, 2, 3, 4])('random faults on 3 partitions over 2 brokers (seed %i): every record completes once; lost = duplicated = reordered = 0', async (seed) => {
    const { clock, cluster, producer } = harness({
      config: { 'linger.ms': 2, 'batch.size': 120, 'request.timeout.ms': 500, 'delivery.timeout.ms': 600_000 },
      cluster: { brokers: 2 },
      topics: { t: 3 },
      random: seededRandom(seed + 11),
    });
    const rnd = seededRandom(seed);
    const t = new Tracker(producer, clock);
    const sent: string[][] = [[], [], []];
    for (let i = 0; i < 300; i++) {
      const p = Math.floor(rnd() * 3);
      const v = `p${p}-${String(i).padStart(3, '0')}`;
      sent[p]!.push(v);
      t.send({ topic: 't', partition: p, value: v });
      const dice = rnd();
      if (dice < 0.04) cluster.failProduce('t', Math.floor(rnd() * 3), 'NOT_ENOUGH_REPLICAS');
      else if (dice < 0.07) cluster.failProduce('t', Math.floor(rnd() * 3), 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', { append: true });
      else if (dice < 0.09) cluster.swallowNext(ApiKey.Produce);
      else if (dice < 0.11) cluster.disconnectOnNext(ApiKey.Produce, { process: rnd() < 0.5 });
      else if (dice < 0.12) cluster.dropConnections();
      else if (dice < 0.13) {
        const p2 = Math.floor(rnd() * 3);
        cluster.moveLeader('t', p2, cluster.leaderOf('t', p2) === 1 ? 2 : 1);
      } else if (dice < 0.15) cluster.delayNext(ApiKey.Produce, Math.floor(rnd() * 200));

      await advance(clock, Math.floor(rnd() * 20));
      if (i % 100 === 99) {
        // the broker forgets a producer's state only when nothing of it is in doubt (retention
        // removed its batches while it was idle): wait for quiet, then drop one partition's state
        await advanceUntil(clock, () => t.done);
        cluster.dropProducerState('t', Math.floor(rnd() * 3));
      }
    }
    await advanceUntil(clock, () => t.done);
    await advance(clock, 10_000);
    // Invariants Java's idempotent producer keeps: each callback once; the log has no duplicate,
    // no reordering, contiguous sequences; no record reported delivered is missing.
    expect(t.multiple).toEqual([]);
    for (let p = 0; p < 3; p++) {
      const logged = new Set(cluster.values('t', p));
      expect(auditLog(sent[p]!, cluster.values('t', p)).duplicated).toEqual([]);
      expect(auditLog(sent[p]!, cluster.values('t', p)).reordered).toBe(0);
      expect(sent[p]!.filter((v) => t.get(v).error === null && !logged.has(v))).toEqual([]);
      expectContiguousSequences(cluster, 't', p);
    }
    // And with delivery.timeout.ms = 10 min, nothing may fail or be missing (see the 5-batch
    // window test above for the way a written record can still end up reported as failed).
    expect(t.failed.map((o) => `${o.id}: ${o.error!.code}`)).toEqual([]);
    for (let p = 0; p < 3; p++) expect(auditLog(sent[p]!, cluster.values('t', p)).lost).toEqual([]);
    // each record's reported offset is where the log has it
    for (const o of t.all()) {
      const md = o.metadata!;
      expect(cluster.log('t', md.partition).find((r) => r.offset === md.offset)?.value).toBe(o.id);
    }
    expect(cluster.violations).toEqual([]);
  });
});
