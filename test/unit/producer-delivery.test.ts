/**
 * The Producer end to end against the in-memory fake cluster (test/helpers/fake-broker.ts):
 * delivery and offsets, acks, linger batching, flush, close, interceptors, callbacks, bad input,
 * configuration errors and buffer exhaustion. Time moves only through the fake clock.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, KafkaWireError } from '../../src/errors.js';
import { keyedPartition } from '../../src/partitioner/index.js';
import { Producer, type ProducerInterceptor, type RecordMetadata } from '../../src/producer.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { FakeCluster, TestClock, Tracker, advance, advanceUntil, harness, settle, watch } from '../helpers/fake-broker.js';

const T0 = 1_700_000_000_000;

/** Tracks a promise's state without awaiting it. */
describe('delivery', () => {
  test('records are delivered in order with consecutive offsets; metadata matches the log', async () => {
    const { clock, cluster, producer } = harness({ topics: { orders: 1 } });
    const results: RecordMetadata[] = [];
    const sends = ['a', 'b', 'c', 'd'].map((v) => producer.send({ topic: 'orders', key: `k-${v}`, value: v, headers: { h: v } }));
    for (const p of sends) void p.then((md) => results.push(md));
    await advanceUntil(clock, () => results.length === 4);
    expect(results.map((r) => [r.topic, r.partition, r.offset])).toEqual([
      ['orders', 0, 0n],
      ['orders', 0, 1n],
      ['orders', 0, 2n],
      ['orders', 0, 3n],
    ]);
    expect(results.every((r) => r.timestamp === T0)).toBe(true);
    const log = cluster.log('orders');
    expect(log.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual([
      [0n, 'k-a', 'a', [['h', 'a']]],
      [1n, 'k-b', 'b', [['h', 'b']]],
      [2n, 'k-c', 'c', [['h', 'c']]],
      [3n, 'k-d', 'd', [['h', 'd']]],
    ]);
    expect(log.every((r) => r.timestamp === BigInt(T0))).toBe(true);
    expect(cluster.violations).toEqual([]);
    await producer.close();
  });

  test('tombstones, Uint8Array data, repeated headers and every timestamp form reach the log as given', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', key: 'k', value: null }, 'tombstone');
    t.send({ topic: 't', key: new Uint8Array([104, 105]), value: new Uint8Array([0x6f, 0x6b]), headers: [['h', 'a'], ['h', null], ['h', new Uint8Array([98])]] }, 'bytes');
    t.send({ topic: 't', value: 'date', timestamp: new Date(1234) });
    t.send({ topic: 't', value: 'bigint', timestamp: 5678n });
    t.send({ topic: 't', value: 'zero', timestamp: 0 });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    const log = cluster.log('t');
    expect(log.map((r) => [r.key, r.value])).toEqual([
      ['k', null],
      ['hi', 'ok'],
      [null, 'date'],
      [null, 'bigint'],
      [null, 'zero'],
    ]);
    expect(log[1]!.headers).toEqual([
      ['h', 'a'],
      ['h', null],
      ['h', 'b'],
    ]);
    expect(log.slice(2).map((r) => r.timestamp)).toEqual([1234n, 5678n, 0n]);
    expect(['date', 'bigint', 'zero'].map((id) => t.get(id).metadata!.timestamp)).toEqual([1234, 5678, 0]);
  });

  test('keyless records: the sticky partition comes from the injected randomness (reproducible runs)', async () => {
    const choices: number[] = [];
    for (let run = 0; run < 8; run++) {
      const { clock, producer } = harness({ topics: { t: 3 }, random: () => 0.5 });
      const t = new Tracker(producer, clock);
      t.send({ topic: 't', value: 'v' });
      await advanceUntil(clock, () => t.done);
      choices.push(t.get('v').metadata!.partition);
    }
    expect(new Set(choices).size).toBe(1);
  });

  test('keyed records go to the murmur2 partition, each partition to its own leader', async () => {
    const { clock, cluster, producer } = harness({ cluster: { brokers: 3 }, topics: { t: 3 } });
    const t = new Tracker(producer, clock);
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    for (const k of keys) t.send({ topic: 't', key: k, value: `v-${k}` });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    const enc = new TextEncoder();
    for (let p = 0; p < 3; p++) {
      const expected = keys.filter((k) => keyedPartition(enc.encode(k), 3) === p).map((k) => `v-${k}`);
      expect(cluster.values('t', p)).toEqual(expected);
      // every batch of partition p was appended by its leader (node p + 1)
      expect(new Set(cluster.batches('t', p).map((b) => b.nodeId))).toEqual(new Set(expected.length ? [p + 1] : []));
    }
    for (const o of t.all()) expect(o.metadata!.partition).toBe(keyedPartition(enc.encode(o.id.slice(2)), 3));
    expect(cluster.violations).toEqual([]);
  });

  test('acks=0: every record completes with offset -1 once written, and the request carries acks=0', async () => {
    const { clock, cluster, producer } = harness({ config: { acks: '0', 'linger.ms': 10 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    for (const v of ['x', 'y', 'z']) t.send({ topic: 't', value: v });
    await advanceUntil(clock, () => t.done);
    expect(t.all().map((o) => [o.error, o.metadata?.offset])).toEqual([
      [null, -1n],
      [null, -1n],
      [null, -1n],
    ]);
    expect(cluster.values('t')).toEqual(['x', 'y', 'z']);
    const produce = cluster.produceRequests();
    expect(produce).toHaveLength(1);
    expect((produce[0]!.body as { acks: number }).acks).toBe(0);
    // acks=0 turns idempotence off (Java: not explicitly enabled, so it yields)
    expect(cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(0);
    expect(cluster.batches('t')[0]!.producerId).toBe(-1n);
  });

  test('acks=1 is sent as 1; idempotence is off without InitProducerId', async () => {
    const { clock, cluster, producer } = harness({ config: { acks: '1' }, topics: { t: 1 } });
    const md = watch(producer.send({ topic: 't', value: 'v' }));
    await advanceUntil(clock, () => md.settled);
    expect((md.value as RecordMetadata).offset).toBe(0n);
    expect((cluster.produceRequests()[0]!.body as { acks: number }).acks).toBe(1);
    expect(cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(0);
  });

  test('LogAppendTime topics: the record metadata carries the broker time', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: [1, { logAppendTime: true }] } });
    const md = watch(producer.send({ topic: 't', value: 'v', timestamp: 1000 }));
    await advance(clock, 50);
    expect(md.settled).toBe(true);
    const appendedAt = cluster.batches('t')[0]!.appendedAt;
    expect((md.value as RecordMetadata).timestamp).toBe(appendedAt);
    expect(appendedAt).toBeGreaterThan(1000);
  });
});

describe('linger.ms and batch.size', () => {
  test('records sent within linger.ms go out together in one request, at linger expiry', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 100 }, topics: { t: 1 } });
    // warm up: metadata and producer id, so the timing below is only linger
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    const start = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advance(clock, 40);
    t.send({ topic: 't', value: 'b' });
    await advance(clock, 59);
    expect(cluster.produceRequests()).toHaveLength(1); // only the warm-up
    t.send({ topic: 't', value: 'c' });
    await advance(clock, 1);
    const produce = cluster.produceRequests();
    expect(produce).toHaveLength(2);
    expect(produce[1]!.at).toBe(start + 100);
    expect(produce[1]!.batches!.map((b) => b.values)).toEqual([['a', 'b', 'c']]);
    expect(t.done).toBe(true);
    expect(t.all().map((o) => o.metadata!.offset)).toEqual([0n, 1n, 2n, 3n]);
  });

  test('a full batch is sent at once, without waiting for linger.ms', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 60_000, 'batch.size': 200 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    const value = 'x'.repeat(40);
    for (let i = 0; i < 6; i++) t.send({ topic: 't', value: `${i}${value}` });
    await advance(clock, 10);
    const produce = cluster.produceRequests();
    expect(produce.length).toBeGreaterThanOrEqual(1);
    expect(produce[0]!.at).toBeLessThan(clock.now());
    // the first batch holds what fit in 200 bytes; the rest waits for linger
    const sent = produce.flatMap((r) => r.batches!.flatMap((b) => b.values));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(6);
    for (const b of cluster.batches('t')) expect(b.batch.sizeInBytes).toBeLessThanOrEqual(200);
  });
});

describe('metadata', () => {
  test('an unknown topic waits for metadata, then fails after max.block.ms with TIMEOUT naming the topic', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 1000 }, topics: { other: 1 } });
    const p = watch(producer.send({ topic: 'missing', value: 'v' }));
    await advance(clock, 999);
    expect(p.settled).toBe(false);
    await advance(clock, 1);
    expect(p.settled).toBe(true);
    const err = p.error as KafkaWireError;
    expect(err).toBeInstanceOf(KafkaWireError);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('missing');
    expect(err.message).toContain('1000');
    // metadata was asked again while waiting, but not in a hot loop (retry.backoff.ms = 100)
    const md = cluster.requestsOf(ApiKey.Metadata);
    expect(md.length).toBeGreaterThan(2);
    expect(md.length).toBeLessThanOrEqual(12);
    for (let i = 1; i < md.length; i++) expect(md[i]!.at - md[i - 1]!.at).toBeGreaterThanOrEqual(100);
    expect(cluster.produceRequests()).toHaveLength(0);
  });

  test('a topic created while a send waits for it: the send completes', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 5000 } });
    const p = watch(producer.send({ topic: 'late', value: 'v' }));
    await advance(clock, 1000);
    expect(p.settled).toBe(false);
    cluster.createTopic('late', 1);
    // answers that do not change anything back off exponentially (Java's KIP-580 metadata
    // backoff): the next refresh comes at most retry.backoff.max.ms (1000) later
    await advance(clock, 1100);
    expect(p.settled).toBe(true);
    expect((p.value as RecordMetadata).offset).toBe(0n);
    expect(cluster.values('late')).toEqual(['v']);
  });
});

describe('send order across the metadata wait', () => {
  test('a send made right after the metadata arrives does not overtake one that waited for it', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 5000 } });
    const a = watch(producer.send({ topic: 'late', partition: 0, value: 'a' }));
    await advance(clock, 200);
    cluster.createTopic('late', 1);
    // The moment the producer learns the topic, before the waiting send's continuation runs:
    // exactly where a later send could slip in ahead of it.
    const metadata = (producer as unknown as { metadata: { update: (...args: unknown[]) => void } }).metadata;
    const update = metadata.update.bind(metadata);
    let b: ReturnType<typeof watch> | undefined;
    metadata.update = (...args: unknown[]) => {
      update(...args);
      b ??= watch(producer.send({ topic: 'late', partition: 0, value: 'b' }));
    };
    await advanceUntil(clock, () => a.settled && b !== undefined && b.settled);
    expect(cluster.values('late')).toEqual(['a', 'b']);
    expect((a.value as RecordMetadata).offset).toBe(0n);
    expect((b!.value as RecordMetadata).offset).toBe(1n);
  });
});

describe('partition without a leader', () => {
  test('records wait while the partition has no leader and are delivered once it has one', async () => {
    // partition 1 has no leader (metadata: LEADER_NOT_AVAILABLE, leader -1)
    const { clock, cluster, producer } = harness({ cluster: { brokers: 2, leaderHints: false }, topics: { t: [2, { leaders: [1, -1] }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 1, value: 'a' });
    t.send({ topic: 't', partition: 0, value: 'b' });
    await advance(clock, 5000);
    expect(t.get('b').error).toBeNull(); // the other partition is not held up
    expect(t.get('a').calls).toBe(0);
    const md = cluster.requestsOf(ApiKey.Metadata);
    expect(md.length).toBeGreaterThan(3); // asking for the leader, with backoff
    expect(md.length).toBeLessThan(60);
    cluster.moveLeader('t', 1, 2);
    await advanceUntil(clock, () => t.done, 5000);
    expect(t.get('a').error).toBeNull();
    expect(cluster.batches('t', 1).map((b) => b.nodeId)).toEqual([2]);
  });

  test('records for a partition that never gets a leader expire with TIMEOUT at delivery.timeout.ms', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'delivery.timeout.ms': 10_000, 'request.timeout.ms': 5000 },
      topics: { t: [1, { leaders: [-1] }] },
    });
    const t = new Tracker(producer, clock);
    const sentAt = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error!.code).toBe('TIMEOUT');
    expect(t.get('a').at! - sentAt).toBeGreaterThanOrEqual(10_000);
    expect(t.get('a').at! - sentAt).toBeLessThanOrEqual(10_000 + 100);
    expect(cluster.produceRequests()).toEqual([]);
  });

  test('records for a partition whose leader went down expire with TIMEOUT at delivery.timeout.ms', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'delivery.timeout.ms': 10_000, 'request.timeout.ms': 5000 },
      cluster: { brokers: 2 },
      topics: { t: [1, { leaders: [1] }] },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.stopBroker(1);
    const sentAt = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error!.code).toBe('TIMEOUT');
    expect(t.get('a').at! - sentAt).toBeGreaterThanOrEqual(10_000);
    expect(t.get('a').at! - sentAt).toBeLessThanOrEqual(10_000 + 100);
  });
});

describe('flush and close', () => {
  test('flush() resolves only once every record sent before it completed', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 60_000 }, topics: { t: 2 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'a' });
    t.send({ topic: 't', partition: 1, value: 'b' });
    await settle();
    cluster.delayNext(ApiKey.Produce, 300, { count: 10 });
    const f = watch(producer.flush());
    let completedAtFlush = -1;
    void producer.flush().then(() => (completedAtFlush = t.all().filter((o) => o.calls > 0).length));
    await advance(clock, 299);
    expect(f.settled).toBe(false);
    expect(t.done).toBe(false);
    await advance(clock, 1);
    expect(f.settled).toBe(true);
    expect(f.error).toBeUndefined();
    expect(completedAtFlush).toBe(2);
    expect(t.failed).toEqual([]);
    // flush ignores linger: the records did not wait 60 s
    expect(cluster.produceRequests().every((r) => r.at < T0 + 1000)).toBe(true);
  });

  test('flush() does not wait for records sent after it was called', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 60_000 }, cluster: { brokers: 2 }, topics: { t: [2, { leaders: [1, 2] }] } });
    const t = new Tracker(producer, clock);
    const known = watch(producer.partitionsFor('t'));
    await advanceUntil(clock, () => known.settled);
    cluster.delayNext(ApiKey.Produce, 10_000, { nodeId: 2, count: 10 });
    t.send({ topic: 't', partition: 0, value: 'before' });
    const f = watch(producer.flush());
    t.send({ topic: 't', partition: 1, value: 'after' });
    await advance(clock, 100);
    expect(t.get('before').calls).toBe(1);
    expect(f.settled).toBe(true);
    expect(t.get('after').calls).toBe(0);
  });

  test('flush() waits for a send that is still waiting for its topic metadata', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 10_000 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 'late', value: 'v' });
    const f = watch(producer.flush());
    await advance(clock, 500);
    expect(f.settled).toBe(false);
    cluster.createTopic('late', 1);
    await advance(clock, 1100); // the metadata backoff has grown meanwhile (at most retry.backoff.max.ms)
    expect(t.done).toBe(true);
    expect(f.settled).toBe(true);
    expect(t.get('v').metadata!.offset).toBe(0n);
  });

  test('close() flushes what is queued (topic metadata already known), then closes every connection', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 60_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    const known = watch(producer.partitionsFor('t'));
    await advanceUntil(clock, () => known.settled);
    for (const v of ['a', 'b', 'c']) t.send({ topic: 't', value: v });
    const c = watch(producer.close());
    await advance(clock, 100);
    expect(c.settled).toBe(true);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['a', 'b', 'c']);
    expect(cluster.openConnections()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  test('close() right after the first sends (still waiting for topic metadata) delivers them', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 60_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    for (const v of ['a', 'b', 'c']) t.send({ topic: 't', value: v });
    const c = watch(producer.close());
    await advance(clock, 100);
    expect(c.settled).toBe(true);
    expect(t.done).toBe(true);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['a', 'b', 'c']);
    expect(cluster.openConnections()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  test('close({ timeoutMs }) fails what could not be sent in time with PRODUCER_CLOSED', async () => {
    const { clock, cluster, producer } = harness({ config: { 'request.timeout.ms': 30_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'ok' });
    await advanceUntil(clock, () => t.done);
    cluster.swallowNext(ApiKey.Produce, { process: false });
    t.send({ topic: 't', value: 'stuck' });
    await advance(clock, 10);
    const c = watch(producer.close({ timeoutMs: 1000 }));
    await advance(clock, 999);
    expect(c.settled).toBe(false);
    expect(t.get('stuck').calls).toBe(0);
    await advance(clock, 1);
    expect(c.settled).toBe(true);
    expect(t.get('stuck').calls).toBe(1);
    expect(t.get('stuck').error!.code).toBe('PRODUCER_CLOSED');
    await advance(clock, 60_000);
    expect(t.multiple).toEqual([]);
    expect(cluster.openConnections()).toBe(0);
  });

  test('send() after close() fails at once with PRODUCER_CLOSED (promise and callback)', async () => {
    const { producer } = harness({ topics: { t: 1 } });
    await producer.close();
    const p = watch(producer.send({ topic: 't', value: 'late' }));
    let cbError: KafkaWireError | null | undefined;
    let calls = 0;
    producer.send({ topic: 't', value: 'late' }, (e) => {
      calls++;
      cbError = e;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(p.settled).toBe(true);
    expect((p.error as KafkaWireError).code).toBe('PRODUCER_CLOSED');
    expect(calls).toBe(1);
    expect(cbError!.code).toBe('PRODUCER_CLOSED');
    await expect(producer.flush()).resolves.toBeUndefined();
    await expect(producer.close()).resolves.toBeUndefined(); // idempotent
  });
});

describe('interceptors and callbacks', () => {
  test('onSend may replace the record; a throwing interceptor is skipped and logged; onAcknowledgement runs once per record', async () => {
    const acks: [RecordMetadata | null, string | null][] = [];
    const interceptors: ProducerInterceptor[] = [
      {
        onSend: () => {
          throw new Error('boom');
        },
      },
      {
        onSend: (r) => ({ ...r, value: `${String(r.value)}!`, headers: { via: 'interceptor' } }),
        onAcknowledgement: (md, err) => acks.push([md, err?.code ?? null]),
      },
    ];
    const { clock, cluster, producer, logs } = harness({ config: { interceptors }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    t.send({ topic: 't', value: 'b' });
    t.send({ topic: 'bad topic', value: 'c' });
    await advanceUntil(clock, () => t.done);
    expect(cluster.log('t').map((r) => [r.value, r.headers])).toEqual([
      ['a!', [['via', 'interceptor']]],
      ['b!', [['via', 'interceptor']]],
    ]);
    expect(logs.some((l) => l.startsWith('warn:') && l.includes('boom'))).toBe(true);
    expect(acks).toHaveLength(3);
    expect(acks.filter(([md]) => md !== null).map(([md]) => md!.offset)).toEqual([0n, 1n]);
    expect(acks.filter(([, e]) => e !== null).map(([, e]) => e)).toEqual(['INVALID_TOPIC_EXCEPTION']);
    expect(t.get('c').error!.code).toBe('INVALID_TOPIC_EXCEPTION');
  });

  test('a callback that throws does not affect other records or the producer', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    let second = 0;
    producer.send({ topic: 't', value: 'a' }, () => {
      throw new Error('user bug');
    });
    producer.send({ topic: 't', value: 'b' }, () => second++);
    await advanceUntil(clock, () => second > 0);
    await advance(clock, 100);
    expect(second).toBe(1);
    expect(cluster.values('t')).toEqual(['a', 'b']);
  });
});

describe('bad input is reported at once and names the problem', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['invalid topic name', { topic: 'has space', value: 'v' }, 'INVALID_TOPIC_EXCEPTION', /has space/],
    ['empty topic name', { topic: '', value: 'v' }, 'INVALID_TOPIC_EXCEPTION', /""/],
    ['topic name too long', { topic: 'x'.repeat(250), value: 'v' }, 'INVALID_TOPIC_EXCEPTION', /249/],
    ['topic "."', { topic: '.', value: 'v' }, 'INVALID_TOPIC_EXCEPTION', /"\."/],
    ['header value of a wrong type', { topic: 't', value: 'v', headers: { h: 42 } }, 'INVALID_RECORD', /Header "h".*topic t/],
    ['header pair of a wrong shape', { topic: 't', value: 'v', headers: [['only-name']] }, 'INVALID_RECORD', /\[name, value\].*topic t/],
    ['negative timestamp', { topic: 't', value: 'v', timestamp: -5 }, 'INVALID_TIMESTAMP', /-5.*topic t/],
    ['fractional partition', { topic: 't', value: 'v', partition: 1.5 }, 'INVALID_PARTITION', /1\.5.*topic t/],
    ['negative partition', { topic: 't', value: 'v', partition: -1 }, 'INVALID_PARTITION', /-1.*topic t/],
    ['value of a wrong type', { topic: 't', value: 42 }, 'SERIALIZATION', /value.*topic t/],
    ['missing value', { topic: 't' }, 'INVALID_RECORD', /topic t needs a value/],
  ];
  test.each(cases)('%s', async (_name, record, code, message) => {
    const { producer, cluster } = harness({ topics: { t: 1 } });
    const p = watch(producer.send(record as never));
    await Promise.resolve();
    await Promise.resolve();
    expect(p.settled).toBe(true);
    const err = p.error as KafkaWireError;
    expect(err).toBeInstanceOf(KafkaWireError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    await settle();
    expect(cluster.produceRequests()).toHaveLength(0);
  });

  test('a null record fails with INVALID_RECORD', async () => {
    const { producer } = harness({ topics: { t: 1 } });
    const p = watch(producer.send(null as never));
    await Promise.resolve();
    await Promise.resolve();
    expect((p.error as KafkaWireError).code).toBe('INVALID_RECORD');
  });

  test('an explicit partition beyond the partition count fails with UNKNOWN_TOPIC_OR_PARTITION naming both', async () => {
    const { clock, producer, cluster } = harness({ topics: { t: 3 } });
    const p = watch(producer.send({ topic: 't', value: 'v', partition: 3 }));
    await advance(clock, 0);
    expect(p.settled).toBe(true);
    const err = p.error as KafkaWireError;
    expect(err.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(err.message).toMatch(/Partition 3 of topic t/);
    expect(cluster.produceRequests()).toHaveLength(0);
  });

  test('a record larger than max.request.size fails with RECORD_TOO_LARGE', async () => {
    const { clock, producer } = harness({ config: { 'max.request.size': 1000 }, topics: { t: 1 } });
    const p = watch(producer.send({ topic: 't', value: 'x'.repeat(2000) }));
    await advance(clock, 0);
    expect((p.error as KafkaWireError).code).toBe('RECORD_TOO_LARGE');
    expect((p.error as KafkaWireError).message).toMatch(/max\.request\.size/);
  });
});

describe('configuration errors come from the constructor and name the property', () => {
  const clock = new TestClock();
  const cluster = new FakeCluster({ clock });
  const make = (config: Record<string, unknown>) => () =>
    new Producer({ 'bootstrap.servers': cluster.bootstrap, ...config } as never, { clock, transport: cluster.transport, runtime: cluster.runtime() });
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown property with a suggestion', { 'lingr.ms': 5 }, 'lingr.ms', /did you mean linger\.ms/],
    ['wrong type', { 'batch.size': 'big' }, 'batch.size', /integer/],
    ['out of range', { 'max.in.flight.requests.per.connection': 0 }, 'max.in.flight.requests.per.connection', /range/],
    ['explicit idempotence with acks=1', { 'enable.idempotence': true, acks: '1' }, 'acks', /acks/],
    ['explicit idempotence with 6 in flight', { 'enable.idempotence': true, 'max.in.flight.requests.per.connection': 6 }, 'max.in.flight.requests.per.connection', /at most 5/],
    ['delivery.timeout.ms below linger + request timeout', { 'delivery.timeout.ms': 1000, 'request.timeout.ms': 30000 }, 'delivery.timeout.ms', /linger\.ms \+ request\.timeout\.ms/],
    ['unsupported Java property', { 'transaction.two.phase.commit.enable': true }, 'transaction.two.phase.commit.enable', /not support/],
    ['bad acks', { acks: '2' }, 'acks', /one of/],
    ['interceptors not an array', { interceptors: {} }, 'interceptors', /array/],
  ];
  test.each(cases)('%s', (_name, config, property, message) => {
    let error: unknown;
    try {
      make(config)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).property).toBe(property);
    expect((error as ConfigError).message).toMatch(message);
  });

  test('bad bootstrap.servers', () => {
    expect(() => new Producer({ 'bootstrap.servers': 'nohostport' }, { clock, transport: cluster.transport, runtime: cluster.runtime() })).toThrow(/bootstrap\.servers/);
  });

  test('idempotence yields silently to acks=1 when not set explicitly', async () => {
    const h = harness({ config: { acks: '1' }, topics: { t: 1 } });
    const md = watch(h.producer.send({ topic: 't', value: 'v' }));
    await advanceUntil(h.clock, () => md.settled);
    expect(h.producer.config.bool('enable.idempotence')).toBe(false);
    expect(h.cluster.batches('t')[0]!.producerId).toBe(-1n);
  });
});

describe('buffer.memory exhaustion', () => {
  test('send waits for memory, then fails after max.block.ms with TIMEOUT', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'buffer.memory': 2048, 'batch.size': 1024, 'max.block.ms': 500, 'linger.ms': 0, 'request.timeout.ms': 60_000, 'delivery.timeout.ms': 120_000 },
      topics: { t: 2 },
    });
    // warm up (metadata, producer id), then make the broker hold every Produce response
    const warm = new Tracker(producer, clock);
    warm.send({ topic: 't', partition: 0, value: 'warm' });
    await advanceUntil(clock, () => warm.done);
    cluster.delayNext(ApiKey.Produce, 10_000, { count: 100 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'a'.repeat(900) }, 'a');
    t.send({ topic: 't', partition: 1, value: 'b'.repeat(900) }, 'b');
    await settle();
    const start = clock.now();
    t.send({ topic: 't', partition: 0, value: 'c'.repeat(900) }, 'c');
    await advance(clock, 499);
    expect(t.get('c').calls).toBe(0);
    await advance(clock, 1);
    expect(t.get('c').calls).toBe(1);
    expect(t.get('c').error!.code).toBe('TIMEOUT');
    expect(t.get('c').at).toBe(start + 500);
    // the others are still in flight and complete when the broker answers
    await advance(clock, 10_000);
    expect(t.get('a').error).toBeNull();
    expect(t.get('b').error).toBeNull();
    expect(cluster.values('t', 0)).toEqual(['warm', 'a'.repeat(900)]);
    // Java's buffer metrics saw the wait and the exhaustion.
    const m = producer.metrics();
    expect(m['buffer-exhausted-total']).toBe(1);
    expect(m['bufferpool-wait-time-ns-total']).toBe(500 * 1e6);
    expect(m['bufferpool-wait-ratio']).toBeGreaterThan(0);
    expect(m['buffer-total-bytes']).toBe(2048);
  });

  test('send waiting for memory proceeds as soon as a batch completes', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'buffer.memory': 2048, 'batch.size': 1024, 'max.block.ms': 5000, 'linger.ms': 0 },
      topics: { t: 2 },
    });
    const warm = new Tracker(producer, clock);
    warm.send({ topic: 't', partition: 0, value: 'warm' });
    await advanceUntil(clock, () => warm.done);
    cluster.delayNext(ApiKey.Produce, 300, { count: 1 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'a'.repeat(900) }, 'a');
    t.send({ topic: 't', partition: 1, value: 'b'.repeat(900) }, 'b');
    t.send({ topic: 't', partition: 0, value: 'c'.repeat(900) }, 'c');
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(t.get('c').at! - t.get('a').at!).toBeLessThan(50);
    expect(cluster.values('t', 0).map((v) => v![0])).toEqual(['w', 'a', 'c']);
  });
});
