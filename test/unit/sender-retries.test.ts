/**
 * The Sender's error handling against the fake cluster: stale leaders (metadata refresh, KIP-951
 * hints), retriable errors with exponential backoff inside delivery.timeout.ms, non-retriable
 * errors, MESSAGE_TOO_LARGE splitting, disconnects, brokers going down, InitProducerId errors.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { Tracker, advance, advanceUntil, harness, seededRandom, settle } from '../helpers/fake-broker.js';

/** The Produce requests that carried `value`, as [node, time] pairs. */
function attemptsOf(cluster: ReturnType<typeof harness>['cluster'], value: string): { nodeId: number; at: number }[] {
  return cluster
    .produceRequests()
    .filter((r) => r.batches!.some((b) => b.values.includes(value)))
    .map((r) => ({ nodeId: r.nodeId, at: r.at }));
}

function deltas(xs: number[]): number[] {
  return xs.slice(1).map((x, i) => x - xs[i]!);
}

describe('stale leaders', () => {
  test('NOT_LEADER_OR_FOLLOWER: metadata is refreshed and the retry goes to the new leader', async () => {
    const { clock, cluster, producer } = harness({ cluster: { brokers: 2, leaderHints: false }, topics: { t: [1, { leaders: [1] }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.moveLeader('t', 0, 2);
    const mdBefore = cluster.requestsOf(ApiKey.Metadata).length;
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error).toBeNull();
    expect(attemptsOf(cluster, 'a').map((a) => a.nodeId)).toEqual([1, 2]);
    const md = cluster.requestsOf(ApiKey.Metadata).slice(mdBefore);
    expect(md.length).toBeGreaterThanOrEqual(1);
    const [first, retry] = attemptsOf(cluster, 'a');
    expect(md[0]!.at).toBeGreaterThanOrEqual(first!.at);
    expect(md[0]!.at).toBeLessThanOrEqual(retry!.at);
    expect(cluster.log('t').map((r) => r.value)).toEqual(['warm', 'a']);
    expect(cluster.batches('t')[1]!.nodeId).toBe(2);
  });

  test('KIP-951: the currentLeader hint is used before metadata catches up, and stale metadata does not undo it', async () => {
    const { clock, cluster, producer } = harness({ cluster: { brokers: 2 }, topics: { t: [1, { leaders: [1] }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.freezeMetadata(); // metadata keeps saying: leader 1, epoch 0
    cluster.moveLeader('t', 0, 2); // leader 2, epoch 1
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error).toBeNull();
    const [first, retry] = attemptsOf(cluster, 'a');
    expect([first!.nodeId, retry!.nodeId]).toEqual([1, 2]);
    // a new leader skips the retry backoff (KIP-951)
    expect(retry!.at - first!.at).toBeLessThan(100);
    // the refresh asked for after NOT_LEADER_OR_FOLLOWER answers with the older epoch: Java keeps
    // the newer leader it learned from the hint (Metadata.updateLatestMetadata ignores older epochs)
    await advance(clock, 1000);
    expect(cluster.requestsOf(ApiKey.Metadata).filter((r) => r.at > first!.at).length).toBeGreaterThanOrEqual(1);
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.get('b').calls > 0);
    expect(t.get('b').error).toBeNull();
    expect(attemptsOf(cluster, 'b').map((a) => a.nodeId)).toEqual([2]);
    expect(cluster.values('t')).toEqual(['warm', 'a', 'b']);
  });

  test('Produce v13: a topic recreated under a new id answers UNKNOWN_TOPIC_ID; metadata is refreshed and the retry uses the new id', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'old' });
    await advanceUntil(clock, () => t.done);
    const oldId = cluster.topicId('t');
    cluster.deleteTopic('t');
    cluster.createTopic('t', 1);
    t.send({ topic: 't', value: 'new' });
    await advanceUntil(clock, () => t.get('new').calls > 0, 10_000);
    expect(t.get('new').error).toBeNull();
    expect(cluster.values('t')).toEqual(['new']);
    expect(cluster.produceOutcomes.map((o) => o.errorCode)).toContain(100);
    const ids = cluster.produceRequests().map((r) => (r.body as { topicData: { topicId: Uint8Array }[] }).topicData[0]!.topicId);
    expect(ids.at(-1)).toEqual(cluster.topicId('t'));
    expect(ids.at(-1)).not.toEqual(oldId);
  });

  test('the leader broker goes down: metadata names a new leader and delivery continues there', async () => {
    const { clock, cluster, producer } = harness({ cluster: { brokers: 2, leaderHints: false }, topics: { t: [1, { leaders: [1] }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.stopBroker(1);
    cluster.moveLeader('t', 0, 2);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0, 30_000);
    expect(t.get('a').error).toBeNull();
    expect(cluster.batches('t').map((b) => b.nodeId)).toEqual([1, 2]);
  });
});

describe('retriable errors', () => {
  test('retries back off exponentially from retry.backoff.ms to retry.backoff.max.ms (no jitter)', async () => {
    const { clock, cluster, producer } = harness({ config: { 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 1000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS', { count: 6 });
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error).toBeNull();
    expect(t.get('a').metadata!.offset).toBe(1n);
    const at = attemptsOf(cluster, 'a').map((a) => a.at);
    expect(at).toHaveLength(7);
    // Java: ExponentialBackoff(100, 2, 1000, 0.2).backoff(attempts - 1), jitter factor 1 at random 0.5
    expect(deltas(at)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(cluster.values('t')).toEqual(['warm', 'a']);
  });

  test('retry backoff with jitter stays within Java bounds (+-20%, capped at the max)', async () => {
    const { clock, cluster, producer } = harness({ config: { 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 1000 }, topics: { t: 1 }, random: seededRandom(7) });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'REQUEST_TIMED_OUT', { count: 6 });
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    expect(t.get('a').error).toBeNull();
    const d = deltas(attemptsOf(cluster, 'a').map((a) => a.at));
    const bounds = [
      [80, 120],
      [160, 240],
      [320, 480],
      [640, 960],
      [800, 1000],
      [800, 1000],
    ];
    expect(d).toHaveLength(6);
    d.forEach((x, i) => {
      expect(x).toBeGreaterThanOrEqual(bounds[i]![0]!);
      expect(x).toBeLessThanOrEqual(bounds[i]![1]!);
    });
  });

  test('a retriable error until delivery.timeout.ms: the record fails with TIMEOUT at the deadline, not later', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'request.timeout.ms': 1000, 'delivery.timeout.ms': 3000, 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 1000 },
      topics: { t: 1 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS', { count: 1000 });
    const sentAt = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    const o = t.get('a');
    expect(o.error!.code).toBe('TIMEOUT');
    expect(o.error!.message).toMatch(/delivery\.timeout\.ms|has passed since batch creation/);
    expect(o.at! - sentAt).toBe(3000); // attempts at +5, 105, 305, 705, 1505, 2505; next would be 3505
    expect(attemptsOf(cluster, 'a')).toHaveLength(6);
    await advance(clock, 10_000);
    expect(o.calls).toBe(1);
    expect(cluster.values('t')).toEqual(['warm']);
  });

  test('a request that times out past delivery.timeout.ms fails the record with TIMEOUT, once', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'linger.ms': 0, 'request.timeout.ms': 1000, 'delivery.timeout.ms': 1500 },
      topics: { t: 1 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.swallowNext(ApiKey.Produce, { count: 2, process: false });
    const sentAt = clock.now();
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    const o = t.get('a');
    expect(o.error!.code).toBe('TIMEOUT');
    expect(o.at! - sentAt).toBeLessThanOrEqual(2100 + 1);
    await advance(clock, 10_000);
    expect(o.calls).toBe(1);
  });

  test('CORRUPT_MESSAGE is retriable (as in Java): the record is delivered on retry', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    cluster.failProduce('t', 0, 'CORRUPT_MESSAGE', { count: 2 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('a').error).toBeNull();
    expect(attemptsOf(cluster, 'a')).toHaveLength(3);
    expect(cluster.values('t')).toEqual(['a']);
  });

  test('retries=0 (no idempotence): a retriable error fails the record with that error', async () => {
    const { clock, cluster, producer } = harness({ config: { acks: '1', retries: 0 }, topics: { t: 1 } });
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS');
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('a').error!.code).toBe('NOT_ENOUGH_REPLICAS');
    expect(t.get('a').error!.retriable).toBe(true);
    expect(attemptsOf(cluster, 'a')).toHaveLength(1);
  });

  test('the connection drops after the broker appended: the retry is deduplicated, one copy, acknowledged once', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.disconnectOnNext(ApiKey.Produce, { process: true });
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.get('a').calls > 0);
    await advance(clock, 5000);
    expect(t.get('a').calls).toBe(1);
    expect(t.get('a').error).toBeNull();
    expect(t.get('a').metadata!.offset).toBe(1n);
    expect(attemptsOf(cluster, 'a')).toHaveLength(2);
    expect(cluster.values('t')).toEqual(['warm', 'a']);
    expect(cluster.produceOutcomes.filter((o) => o.duplicate)).toHaveLength(1);
  });

  test('the broker is down at first: connection attempts back off, and the record is delivered once it is up', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 60_000 }, topics: { t: 1 } });
    cluster.stopBroker(1);
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advance(clock, 3000);
    expect(t.get('a').calls).toBe(0);
    const refused = cluster.connects.filter((c) => !c.accepted);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeLessThanOrEqual(12); // reconnect.backoff.ms 50 -> 1000, not a hot loop
    cluster.startBroker(1);
    await advanceUntil(clock, () => t.done, 5000);
    expect(t.get('a').error).toBeNull();
    expect(cluster.values('t')).toEqual(['a']);
  });
});

describe('non-retriable errors', () => {
  test.each(['INVALID_RECORD', 'RECORD_LIST_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED', 'INVALID_REQUIRED_ACKS'])(
    '%s fails the record at once with that error, no retry',
    async (code) => {
      const { clock, cluster, producer } = harness({ topics: { t: 1 } });
      const t = new Tracker(producer, clock);
      t.send({ topic: 't', value: 'warm' });
      await advanceUntil(clock, () => t.done);
      cluster.failProduce('t', 0, code);
      const at = clock.now();
      t.send({ topic: 't', value: 'a' });
      await advanceUntil(clock, () => t.get('a').calls > 0);
      expect(t.get('a').error!.code).toBe(code);
      expect(t.get('a').error!.retriable).toBe(false);
      expect(t.get('a').error!.message).toContain('t-0');
      expect(t.get('a').at! - at).toBeLessThanOrEqual(5); // linger only
      expect(attemptsOf(cluster, 'a')).toHaveLength(1);
    },
  );

  test('after a non-retriable failure, the next record on the partition is delivered (no sequence gap)', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'INVALID_RECORD');
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.get('b').calls > 0);
    expect(t.get('b').error!.code).toBe('INVALID_RECORD');
    t.send({ topic: 't', value: 'c' });
    await advanceUntil(clock, () => t.get('c').calls > 0);
    expect(t.get('c').error).toBeNull();
    expect(cluster.values('t')).toEqual(['a', 'c']);
    // Java adjusts the later sequences down (adjustSequencesDueToFailedBatch) or bumps the epoch;
    // either way the broker never sees a gap
    expect(cluster.produceOutcomes.filter((o) => o.errorCode === 45)).toEqual([]);
  });

  test('TOPIC_AUTHORIZATION_FAILED in metadata fails the send at once', async () => {
    const { clock, cluster, producer } = harness({ config: { 'max.block.ms': 60_000 }, topics: { t: 1 } });
    cluster.failNext(ApiKey.Metadata, 'TOPIC_AUTHORIZATION_FAILED', { count: 100 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advance(clock, 1000);
    expect(t.get('a').calls).toBe(1);
    expect(t.get('a').error!.code).toBe('TOPIC_AUTHORIZATION_FAILED');
  });
});

describe('MESSAGE_TOO_LARGE', () => {
  for (const idempotent of [true, false]) {
    test(`a multi-record batch is split and its records delivered in order (idempotence ${idempotent})`, async () => {
      const { clock, cluster, producer } = harness({
        config: { 'linger.ms': 50, 'batch.size': 400, 'enable.idempotence': idempotent, ...(idempotent ? {} : { acks: '1' }) },
        topics: { t: 1 },
      });
      const t = new Tracker(producer, clock);
      t.send({ topic: 't', value: 'warm' });
      await advanceUntil(clock, () => t.done);
      cluster.failProduce('t', 0, 'MESSAGE_TOO_LARGE');
      const values = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(40));
      for (const v of values) t.send({ topic: 't', value: v });
      await advanceUntil(clock, () => t.done, 10_000);
      expect(t.failed.map((o) => o.error!.code)).toEqual([]);
      expect(cluster.values('t')).toEqual(['warm', ...values]);
      expect(t.all().map((o) => o.metadata!.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
      if (idempotent) {
        const seqs = cluster.log('t').map((r) => r.sequence);
        expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6]);
      }
      expect(producer.metrics()['batch-split-rate']).toBeGreaterThan(0);
    });
  }

  test('a single record too large for the topic fails with MESSAGE_TOO_LARGE (no split possible)', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: [1, { maxMessageBytes: 500 }] } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'x'.repeat(1000) }, 'big');
    await advanceUntil(clock, () => t.done);
    expect(t.get('big').error!.code).toBe('MESSAGE_TOO_LARGE');
    expect(cluster.values('t')).toEqual([]);
  });

  test.each([true, false])('gzip: a batch whose compressed size exceeds the topic limit (optimistic ratio estimate) is split by batch.size and delivered (idempotence %s)', async (idempotent) => {
    const { clock, cluster, producer } = harness({
      config: { 'compression.type': 'gzip', 'linger.ms': 50, 'batch.size': 1000, 'enable.idempotence': idempotent, ...(idempotent ? {} : { acks: '1' }) },
      topics: { t: [1, { maxMessageBytes: 1200 }] },
    });
    const t = new Tracker(producer, clock);
    // 60 very compressible batches bring the ratio estimate down to ~0.7 (Java's 0.005 steps),
    // so the next batch takes ~1340 uncompressed bytes...
    for (let i = 0; i < 60; i++) {
      t.send({ topic: 't', key: `w${i}`, value: 'z'.repeat(900) }, `w${i}`);
      await advanceUntil(clock, () => t.done);
    }
    // ...of incompressible data: compressed, it is over the topic's 1200 bytes
    const random = seededRandom(3);
    const keys = Array.from({ length: 12 }, (_, i) => `r${i}`);
    for (const k of keys) t.send({ topic: 't', key: k, value: Uint8Array.from({ length: 100 }, () => Math.floor(random() * 256)) }, k);
    await advanceUntil(clock, () => t.done, 10_000);
    expect(t.failed.map((o) => [o.id, o.error!.code])).toEqual([]);
    expect(cluster.produceOutcomes.some((o) => o.errorCode === 10)).toBe(true); // the broker did refuse one
    expect(cluster.log('t').map((r) => r.key).slice(60)).toEqual(keys);
    for (const b of cluster.batches('t')) expect(b.batch.sizeInBytes).toBeLessThanOrEqual(1200);
    if (idempotent) {
      const seqs = cluster.log('t').map((r) => r.sequence);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
  });
});

describe('producer id', () => {
  test('InitProducerId with a retriable error is retried after retry.backoff.ms', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    cluster.failNext(ApiKey.InitProducerId, 'COORDINATOR_NOT_AVAILABLE', { count: 2 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('a').error).toBeNull();
    const at = cluster.requestsOf(ApiKey.InitProducerId).map((r) => r.at);
    expect(at).toHaveLength(3);
    for (const d of deltas(at)) expect(d).toBeGreaterThanOrEqual(100);
    expect(cluster.batches('t')[0]!.producerId).toBe(1000n); // the first id the broker handed out
  });

  test('InitProducerId with a fatal error fails the records with it', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    cluster.failNext(ApiKey.InitProducerId, 'CLUSTER_AUTHORIZATION_FAILED', { count: 100 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('a').error!.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(cluster.produceRequests()).toEqual([]);
    await settle();
  });
});

describe('requests, connections and metadata upkeep', () => {
  test('drained batches respect max.request.size (one batch may exceed it alone), round-robin over partitions', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 20, 'max.request.size': 2000 }, topics: { t: 8 } });
    const t = new Tracker(producer, clock);
    for (let p = 0; p < 8; p++) for (let i = 0; i < 4; i++) t.send({ topic: 't', partition: p, value: `${p}-${i}-${'x'.repeat(100)}` }, `${p}-${i}`);
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    const produce = cluster.produceRequests();
    expect(produce.length).toBeGreaterThan(1);
    for (const r of produce) {
      const total = r.batches!.reduce((n, b) => n + b.bytes, 0);
      if (r.batches!.length > 1) expect(total).toBeLessThanOrEqual(2000);
      // at most one batch per partition in a request
      expect(new Set(r.batches!.map((b) => b.partition)).size).toBe(r.batches!.length);
    }
    for (let p = 0; p < 8; p++) expect(cluster.values('t', p).map((v) => v!.slice(0, 3))).toEqual([0, 1, 2, 3].map((i) => `${p}-${i}`));
  });

  test('client.id is sent in every request header', async () => {
    const { clock, cluster, producer } = harness({ config: { 'client.id': 'orders-svc' }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(new Set(cluster.requests.filter((r) => r.body !== null).map((r) => r.clientId))).toEqual(new Set(['orders-svc']));
  });

  test('metadata is refreshed every metadata.max.age.ms', async () => {
    const { clock, cluster, producer } = harness({ config: { 'metadata.max.age.ms': 1000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    const before = cluster.requestsOf(ApiKey.Metadata).length;
    await advance(clock, 5000);
    const md = cluster.requestsOf(ApiKey.Metadata).slice(before);
    expect(md.length).toBeGreaterThanOrEqual(4);
    expect(md.length).toBeLessThanOrEqual(6);
  });

  test.each([
    ['Metadata', 'request.timeout.ms, then metadata is fetched again and the record delivered', ApiKey.Metadata],
    ['ApiVersions', 'the handshake times out after request.timeout.ms and is retried', ApiKey.ApiVersions],
  ] as const)('a swallowed %s response: %s', async (_name, _what, apiKey) => {
    const { clock, cluster, producer } = harness({ config: { 'request.timeout.ms': 1000 }, topics: { t: 1 } });
    cluster.swallowNext(apiKey, { process: false });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    const took = await advanceUntil(clock, () => t.done);
    expect(t.get('v').error).toBeNull();
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
  });

  test('a swallowed InitProducerId response: retried after request.timeout.ms, records delivered under the id', async () => {
    const { clock, cluster, producer } = harness({ config: { 'request.timeout.ms': 1000 }, topics: { t: 1 } });
    cluster.swallowNext(ApiKey.InitProducerId, { process: false });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    const took = await advanceUntil(clock, () => t.done);
    expect(t.get('v').error).toBeNull();
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
    expect(cluster.requestsOf(ApiKey.InitProducerId)).toHaveLength(2);
    expect(cluster.batches('t')[0]!.producerId).toBe(1000n);
  });

  test('an idle connection is closed after connections.max.idle.ms, and the next record reconnects', async () => {
    const { clock, cluster, producer } = harness({ config: { 'connections.max.idle.ms': 10_000, 'metadata.max.age.ms': 600_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'a' });
    await advanceUntil(clock, () => t.done);
    expect(cluster.openConnections()).toBeGreaterThan(0);
    await advance(clock, 11_000);
    expect(cluster.openConnections()).toBe(0);
    t.send({ topic: 't', value: 'b' });
    await advanceUntil(clock, () => t.done);
    expect(t.get('b').error).toBeNull();
    expect(cluster.values('t')).toEqual(['a', 'b']);
  });

  test('a broker whose address black-holes connects: the attempt times out after socket.connection.setup.timeout.ms and the other broker serves', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'socket.connection.setup.timeout.ms': 2000, 'socket.connection.setup.timeout.max.ms': 8000 },
      cluster: { brokers: 2 },
      topics: { t: [1, { leaders: [2] }] },
      random: () => 0, // the first bootstrap address (broker 1) is tried first
    });
    cluster.broker(1).hangConnects = true;
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    const took = await advanceUntil(clock, () => t.done, 30_000);
    expect(t.get('v').error).toBeNull();
    expect(cluster.connects[0]).toMatchObject({ host: 'broker1.test', accepted: false });
    expect(took).toBeGreaterThanOrEqual(2000 * 0.8);
    expect(took).toBeLessThanOrEqual(2000 * 1.2 + 200);
    expect(cluster.values('t')).toEqual(['v']);
  });


  test('max.in.flight.requests.per.connection=1 without idempotence: a retried batch keeps its place', async () => {
    const { clock, cluster, producer } = harness({
      config: { acks: '1', 'enable.idempotence': false, 'max.in.flight.requests.per.connection': 1, 'linger.ms': 0, 'batch.size': 100 },
      topics: { t: 1 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'warm' });
    await advanceUntil(clock, () => t.done);
    cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS', { count: 2 });
    const values = ['a', 'b', 'c', 'd'].map((c) => c.repeat(80));
    for (const v of values) t.send({ topic: 't', value: v });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.values('t')).toEqual(['warm', ...values]);
  });
});
