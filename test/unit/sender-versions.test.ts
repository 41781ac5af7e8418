/**
 * ApiVersions negotiation against fake brokers advertising different version ranges: the highest
 * common version per API, the KIP-511 retry, Produce never below v3, zstd needing Produce v7.
 */
import { describe, expect, test } from 'vitest';
import type { KafkaWireError } from '../../src/errors.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { KAFKA_2_0, MODERN_BROKER, Tracker, advance, advanceUntil, harness, waitOffLoop, type VersionRanges } from '../helpers/fake-broker.js';

function versionsUsed(cluster: ReturnType<typeof harness>['cluster'], apiKey: number): number[] {
  return [...new Set(cluster.requestsOf(apiKey).map((r) => r.apiVersion))];
}

describe('ApiVersions negotiation', () => {
  test('a modern broker: the highest version both sides speak for every API', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(versionsUsed(cluster, ApiKey.ApiVersions)).toEqual([4]);
    expect(versionsUsed(cluster, ApiKey.Metadata)).toEqual([13]);
    expect(versionsUsed(cluster, ApiKey.InitProducerId)).toEqual([5]);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([13]); // topic ids known from Metadata v13
    expect(cluster.violations).toEqual([]);
  });

  test('a broker capped below our maximum: its maximum is used', async () => {
    const ranges: VersionRanges = { ...MODERN_BROKER, [ApiKey.Produce]: [0, 9], [ApiKey.Metadata]: [0, 8], [ApiKey.InitProducerId]: [0, 2] };
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: ranges }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([9]);
    expect(versionsUsed(cluster, ApiKey.Metadata)).toEqual([8]);
    expect(versionsUsed(cluster, ApiKey.InitProducerId)).toEqual([2]);
    expect(cluster.violations).toEqual([]);
  });

  test('KIP-511: a broker that does not know ApiVersions v4 answers in the v0 layout; the client retries at v2', async () => {
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: KAFKA_2_0 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    // per connection: v4 (refused), then v2
    const byConn = new Map<number, number[]>();
    for (const r of cluster.requestsOf(ApiKey.ApiVersions)) byConn.set(r.connection, [...(byConn.get(r.connection) ?? []), r.apiVersion]);
    expect([...byConn.values()].every((vs) => vs.join() === '4,2')).toBe(true);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([6]);
    expect(versionsUsed(cluster, ApiKey.Metadata)).toEqual([6]);
    expect(versionsUsed(cluster, ApiKey.InitProducerId)).toEqual([1]);
    expect(cluster.values('t')).toEqual(['v']);
    expect(cluster.violations).toEqual([]);
  });

  test('a broker with ApiVersions v0 only and Metadata v0 (librdkafka-mock-like): still delivers', async () => {
    const ranges: VersionRanges = { [ApiKey.Produce]: [0, 3], [ApiKey.Metadata]: [0, 0], [ApiKey.ApiVersions]: [0, 0], [ApiKey.InitProducerId]: [0, 0] };
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: ranges }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([3]);
    expect(versionsUsed(cluster, ApiKey.Metadata)).toEqual([0]);
    expect(cluster.violations).toEqual([]);
  });

  test('Produce is never sent below v3: a broker with Produce v0-v2 only fails the record with UNSUPPORTED_VERSION', async () => {
    const ranges: VersionRanges = { ...KAFKA_2_0, [ApiKey.Produce]: [0, 2] };
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: ranges }, config: { 'max.block.ms': 60_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done, 200_000);
    expect(cluster.produceRequests()).toEqual([]); // nothing below v3 on the wire
    expect(cluster.violations).toEqual([]);
    const err = t.get('v').error as KafkaWireError;
    // Java fails the batch with UnsupportedVersionException; a metadata TIMEOUT hides the cause
    expect(err.code).toBe('UNSUPPORTED_VERSION');
    expect(err.message).toMatch(/Produce/);
  });

  test('compression.type=zstd against a broker without Produce v7 fails the record with a clear error', async () => {
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: KAFKA_2_0 }, config: { 'compression.type': 'zstd', 'max.block.ms': 60_000 }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advance(clock, 5); // linger
    // zstd compresses on libuv's thread pool (real time): let it finish before fake time runs
    // on, or delivery.timeout.ms would expire the batch before it could be drained.
    await waitOffLoop(() => t.done);
    expect(cluster.produceRequests()).toEqual([]);
    const err = t.get('v').error as KafkaWireError;
    expect(err.code).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect(err.message).toMatch(/zstd/);
    expect(err.message).toMatch(/v7/);
  });

  test('compression.type=zstd against a modern broker: zstd batches at Produce v7+', async () => {
    const { clock, cluster, producer } = harness({ config: { 'compression.type': 'zstd' }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    for (const v of ['a', 'b']) t.send({ topic: 't', value: v.repeat(100) });
    await advance(clock, 5); // linger
    await waitOffLoop(() => t.done); // zstd compresses on libuv's thread pool
    expect(t.failed).toEqual([]);
    expect(cluster.batches('t').every((b) => b.compression === 4)).toBe(true);
    expect(cluster.values('t')).toEqual(['a'.repeat(100), 'b'.repeat(100)]);
  });

  test('ApiVersions answered with an error: the connection is retried after the reconnect backoff', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    cluster.failNext(ApiKey.ApiVersions, 'UNKNOWN_SERVER_ERROR', { count: 2 });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.requestsOf(ApiKey.ApiVersions).length).toBeGreaterThanOrEqual(3);
    // reconnects were spaced by the reconnect backoff (50 ms, x2, jitter 0 with random=0.5)
    const at = cluster.connects.map((c) => c.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(40);
  });
});

describe('version-dependent behaviour', () => {
  test('Produce v12 (topic names) when the broker has no v13', async () => {
    const ranges: VersionRanges = { ...MODERN_BROKER, [ApiKey.Produce]: [3, 12] };
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: ranges }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([12]);
    expect((cluster.produceRequests()[0]!.body as { topicData: { name: string }[] }).topicData[0]!.name).toBe('t');
  });

  test('Produce v13 falls back to v12 when Metadata gave no topic id (Metadata < v10)', async () => {
    const ranges: VersionRanges = { ...MODERN_BROKER, [ApiKey.Metadata]: [0, 9] };
    const { clock, cluster, producer } = harness({ cluster: { apiVersions: ranges }, topics: { t: 1 } });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advance(clock, 100);
    expect(t.done).toBe(true);
    expect(t.failed).toEqual([]);
    expect(versionsUsed(cluster, ApiKey.Produce)).toEqual([12]);
  });
});
