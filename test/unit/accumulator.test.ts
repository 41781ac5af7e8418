import { describe, expect, test } from 'vitest';
import {
  ACKNOWLEDGED,
  FAILED_NOT_WRITTEN,
  BufferPool,
  RecordAccumulator,
  type AppendResult,
  type ClusterView,
  type ProducerBatch,
  type RecordAccumulatorOptions,
  type TopicPartition,
} from '../../src/accumulator/index.js';
import { ManualClock } from '../../src/common/clock.js';
import { KafkaWireError } from '../../src/errors.js';
import { seededRandomInt } from '../../src/partitioner/builtin-partitioner.js';
import { RECORD_BATCH_HEADER_SIZE, readRecordBatches } from '../../src/protocol/record-batch.js';
import { incrementSequence } from '../../src/protocol/sequence.js';

const dec = new TextDecoder();

/** A fixed cluster: `leaders[topic][p]` is the leader of partition p (-1 unknown). */
class FakeCluster implements ClusterView {
  private readonly views = new Map<string, { partitionCount: number; availablePartitions: number[] }>();
  constructor(readonly leaders: Record<string, number[]>) {
    for (const [t, ls] of Object.entries(leaders)) {
      this.views.set(t, {
        partitionCount: ls.length,
        availablePartitions: ls.flatMap((l, p) => (l >= 0 ? [p] : [])),
      });
    }
  }
  topic(topic: string) {
    return this.views.get(topic);
  }
  leaderFor(topic: string, partition: number): number {
    return this.leaders[topic]?.[partition] ?? -1;
  }
  partitionsForNode(nodeId: number): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, ls] of Object.entries(this.leaders)) ls.forEach((l, partition) => l === nodeId && out.push({ topic, partition }));
    return out;
  }
}

interface Completion {
  slot: unknown;
  error: Error | null;
  partition: number;
  offset: bigint;
  timestamp: number;
}

function setup(overrides: Partial<RecordAccumulatorOptions> = {}) {
  const clock = new ManualClock();
  const completions: Completion[] = [];
  const acc = new RecordAccumulator({
    batchSize: 1024,
    bufferMemory: 64 * 1024,
    lingerMs: 10,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    deliveryTimeoutMs: 120_000,
    maxRequestSize: 1024 * 1024,
    maxBlockMs: 60_000,
    clock,
    randomInt: seededRandomInt(7),
    random: () => 0.5, // jitter factor exactly 1
    complete: (slot, error, _topic, partition, offset, timestamp) => completions.push({ slot, error, partition, offset, timestamp }),
    ...overrides,
  });
  return { acc, clock, completions };
}

const value = (n: number, fill = 'x') => fill.repeat(n);

function sync(r: AppendResult | Promise<AppendResult>): AppendResult {
  if (r instanceof Promise) throw new Error('expected a synchronous append');
  return { ...r };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Completes and deallocates a drained batch as the sender would. */
function complete(acc: RecordAccumulator, batch: ProducerBatch, baseOffset = 0n): void {
  batch.done(baseOffset, -1, null);
  acc.release(batch, ACKNOWLEDGED);
}

describe('RecordAccumulator append', () => {
  test('batches seal at batch.size and a new batch opens', () => {
    const { acc, clock } = setup();
    const cluster = new FakeCluster({ t: [1] });
    const results: AppendResult[] = [];
    for (let i = 0; i < 30; i++) results.push(sync(acc.append('t', 0, clock.now(), null, value(100), null, i, cluster, clock.now())));
    expect(results[0]).toMatchObject({ partition: 0, newBatchCreated: true, batchIsFull: false });
    expect(results[1]).toMatchObject({ newBatchCreated: false, batchIsFull: false });
    const created = results.flatMap((r, i) => (r.newBatchCreated ? [i] : []));
    expect(created.length).toBeGreaterThan(2);
    const batches = acc.batches('t', 0);
    expect(batches.length).toBe(created.length);
    for (const b of batches.slice(0, -1)) {
      expect(b.isSealed).toBe(true);
      expect(b.isSendable).toBe(true);
      expect(b.sizeInBytes).toBeLessThanOrEqual(1024);
      expect(b.sizeInBytes).toBeGreaterThan(1024 - 110); // filled up to the last record that fit
    }
    expect(batches.at(-1)!.isSealed).toBe(false);
    // Once a second batch exists the partition has a full batch.
    expect(results[created[1]!]!.batchIsFull).toBe(true);
    expect(acc.pool.availableMemory).toBe(64 * 1024 - batches.length * 1024);
  });

  test('a record larger than batch.size gets a batch of its own, accounted to the pool', () => {
    const { acc, clock } = setup();
    const cluster = new FakeCluster({ t: [1] });
    sync(acc.append('t', 0, clock.now(), null, value(100), null, 0, cluster, clock.now()));
    const r = sync(acc.append('t', 0, clock.now(), 'k', value(3000), null, 1, cluster, clock.now()));
    expect(r.newBatchCreated).toBe(true);
    const r2 = sync(acc.append('t', 0, clock.now(), null, value(100), null, 2, cluster, clock.now()));
    expect(r2.newBatchCreated).toBe(true);
    const [first, big, third] = acc.batches('t', 0);
    expect(first!.recordCount).toBe(1);
    expect(big!.recordCount).toBe(1);
    expect(big!.capacity).toBeGreaterThanOrEqual(3000);
    expect(big!.initialCapacity).toBe(big!.buffer.length);
    expect(third!.capacity).toBe(1024);
    expect(acc.pool.availableMemory).toBe(64 * 1024 - 2048 - big!.initialCapacity);
  });

  test('RECORD_TOO_LARGE for records over max.request.size or buffer.memory, naming topic and size', () => {
    const { acc, clock } = setup({ maxRequestSize: 2048 });
    const cluster = new FakeCluster({ big: [1] });
    let err: KafkaWireError | undefined;
    try {
      acc.append('big', 0, clock.now(), null, value(3000), null, 0, cluster, clock.now());
    } catch (e) {
      err = e as KafkaWireError;
    }
    expect(err?.code).toBe('RECORD_TOO_LARGE');
    expect(err?.message).toMatch(/topic big is \d+ bytes/);
    expect(err?.message).toContain('max.request.size');

    const small = setup({ bufferMemory: 4096 });
    expect(() => small.acc.append('big', 0, clock.now(), null, value(5000), null, 0, cluster, clock.now())).toThrow(
      expect.objectContaining({ code: 'RECORD_TOO_LARGE', message: expect.stringContaining('buffer.memory') }),
    );
    // Nothing was queued or allocated.
    expect(small.acc.batches('big', 0)).toEqual([]);
    expect(small.acc.pool.availableMemory).toBe(4096);
  });

  test('partition -1 uses the sticky partitioner: one partition until a batch is full, then another', () => {
    const { acc, clock } = setup();
    const cluster = new FakeCluster({ t: [1, 1, 2, 2] });
    const parts: number[] = [];
    for (let i = 0; i < 200; i++) parts.push(sync(acc.append('t', -1, clock.now(), null, value(100), null, i, cluster, clock.now())).partition);
    // Runs of the same partition, each about a batch (1024 bytes ~ 9 records) long.
    const runs: number[] = [];
    let len = 1;
    for (let i = 1; i < parts.length; i++) {
      if (parts[i] === parts[i - 1]) len++;
      else {
        runs.push(len);
        len = 1;
      }
    }
    expect(new Set(parts).size).toBeGreaterThan(1);
    for (const r of runs) expect(r).toBeGreaterThanOrEqual(9);
    expect(() => acc.append('nope', -1, clock.now(), null, 'v', null, 0, cluster, clock.now())).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TOPIC_OR_PARTITION' }),
    );
  });

  test('appends after close throw PRODUCER_CLOSED', () => {
    const { acc, clock } = setup();
    const cluster = new FakeCluster({ t: [1] });
    sync(acc.append('t', 0, clock.now(), null, 'v', null, 0, cluster, clock.now()));
    acc.close();
    expect(acc.batches('t', 0)[0]!.isSealed).toBe(true);
    expect(() => acc.append('t', 0, clock.now(), null, 'v', null, 1, cluster, clock.now())).toThrow(
      expect.objectContaining({ code: 'PRODUCER_CLOSED' }),
    );
  });
});

describe('RecordAccumulator ready', () => {
  test('linger.ms: not ready before, ready after, with the right next check delay', () => {
    const { acc, clock } = setup({ lingerMs: 10 });
    const cluster = new FakeCluster({ t: [1, 2] });
    const t0 = clock.now();
    sync(acc.append('t', 0, t0, null, 'v', null, 0, cluster, t0));
    let r = acc.ready(cluster, t0);
    expect([...r.readyNodes]).toEqual([]);
    expect(r.nextReadyCheckDelayMs).toBe(10);
    clock.advance(4);
    r = acc.ready(cluster, clock.now());
    expect(r.nextReadyCheckDelayMs).toBe(6);
    clock.advance(6);
    r = acc.ready(cluster, clock.now());
    expect([...r.readyNodes]).toEqual([1]);
    expect(acc.batches('t', 0)[0]!.isSealed).toBe(false); // uncompressed: sealed by drain, not ready()
  });

  test('a full batch makes its leader ready at once; unknown leaders are reported; empty accumulator waits forever', () => {
    const { acc, clock } = setup({ lingerMs: 1000 });
    expect(acc.ready(new FakeCluster({}), clock.now()).nextReadyCheckDelayMs).toBe(Infinity);
    const cluster = new FakeCluster({ t: [1, 2], u: [-1] });
    for (let i = 0; i < 12; i++) sync(acc.append('t', 1, clock.now(), null, value(100), null, i, cluster, clock.now()));
    sync(acc.append('u', 0, clock.now(), null, 'v', null, 0, cluster, clock.now()));
    const r = acc.ready(cluster, clock.now());
    expect([...r.readyNodes]).toEqual([2]);
    expect([...r.unknownLeaderTopics]).toEqual(['u']);
  });

  test('flush and memory exhaustion make every partition sendable', async () => {
    const { acc, clock } = setup({ lingerMs: 1000, bufferMemory: 2048 });
    const cluster = new FakeCluster({ t: [1, 2, 3] });
    sync(acc.append('t', 0, clock.now(), null, 'a', null, 0, cluster, clock.now()));
    sync(acc.append('t', 1, clock.now(), null, 'b', null, 1, cluster, clock.now()));
    expect(acc.ready(cluster, clock.now()).readyNodes.size).toBe(0);
    // Memory exhausted: a third batch waits, so everything is sendable.
    const waiting = acc.append('t', 2, clock.now(), null, 'c', null, 2, cluster, clock.now());
    expect(waiting).toBeInstanceOf(Promise);
    expect([...acc.ready(cluster, clock.now()).readyNodes].sort()).toEqual([1, 2]);
    const drained = acc.drain(cluster, [1], 1024 * 1024, clock.now());
    complete(acc, drained.get(1)![0]!);
    const r = await waiting;
    expect(r).toMatchObject({ partition: 2, newBatchCreated: true });
    expect(acc.ready(cluster, clock.now()).readyNodes.size).toBe(0);
    const flushed = acc.flush();
    expect([...acc.ready(cluster, clock.now()).readyNodes].sort()).toEqual([2, 3]);
    for (const [, bs] of acc.drain(cluster, [2, 3], 1024 * 1024, clock.now())) for (const b of bs) complete(acc, b);
    await flushed;
    expect(acc.flushInProgress).toBe(false);
  });

  test('adaptive partitioning gets the queue sizes of partitions with a leader', () => {
    const { acc, clock } = setup({ lingerMs: 1000 });
    const cluster = new FakeCluster({ t: [1, 2] });
    for (let i = 0; i < 30; i++) sync(acc.append('t', 0, clock.now(), null, value(100), null, i, cluster, clock.now()));
    sync(acc.append('t', 1, clock.now(), null, 'v', null, 0, cluster, clock.now()));
    acc.ready(cluster, clock.now());
    // Partition 0 has 4 batches, partition 1 has 1: weights (4+1-4, 4+1-1) = (1, 4) -> CFT end 5.
    expect(acc.batches('t', 0).length).toBe(4);
    expect(acc.builtInPartitioner('t').loadStatsRangeEnd()).toBe(5);
  });
});

describe('RecordAccumulator drain', () => {
  function fourFullPartitions() {
    const env = setup({ lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1, 1, 1, 1] });
    for (let p = 0; p < 4; p++) {
      for (let i = 0; i < 8; i++) sync(env.acc.append('t', p, env.clock.now(), null, value(100), null, `${p}:${i}`, cluster, env.clock.now()));
    }
    return { ...env, cluster };
  }

  test('one batch per partition, bounded by max.request.size, round-robin from where the last drain stopped', () => {
    const { acc, clock, cluster } = fourFullPartitions();
    const size = acc.batches('t', 0)[0]!.estimatedSizeInBytes;
    const max = 2 * size + 10;
    const first = acc.drain(cluster, [1], max, clock.now()).get(1)!;
    expect(first.map((b) => b.topicPartition.partition)).toEqual([0, 1]);
    for (const b of first) {
      expect(b.isSealed).toBe(true);
      expect(b.drainedMs).toBe(clock.now());
    }
    const second = acc.drain(cluster, [1], max, clock.now()).get(1)!;
    expect(second.map((b) => b.topicPartition.partition)).toEqual([2, 3]);
    expect(acc.hasUndrained()).toBe(false);
    expect(acc.drain(cluster, [1], max, clock.now()).get(1)).toEqual([]);
  });

  test('always takes one batch even when it alone exceeds max.request.size', () => {
    const { acc, clock, cluster } = fourFullPartitions();
    const got = acc.drain(cluster, [1], 10, clock.now()).get(1)!;
    expect(got.length).toBe(1);
  });

  test('muted partitions and the shouldStopDrainBatchesForPartition hook hold batches back; onFirstDrain runs once per batch', () => {
    const { acc, clock, cluster } = fourFullPartitions();
    acc.mutePartition({ topic: 't', partition: 0 });
    const firstDrains: number[] = [];
    let seq = 0;
    acc.setHooks({
      shouldStopDrainBatchesForPartition: (b) => b.topicPartition.partition === 2,
      onFirstDrain: (b) => {
        firstDrains.push(b.topicPartition.partition);
        b.setProducerState(7n, 1, seq);
        seq += b.recordCount;
      },
    });
    const got = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    expect(got.map((b) => b.topicPartition.partition)).toEqual([1]); // 0 muted, stopped at 2
    expect(firstDrains).toEqual([1]);
    expect(got[0]!.baseSequence).toBe(0);
    acc.unmutePartition({ topic: 't', partition: 0 });
    acc.setHooks({ onFirstDrain: (b) => b.setProducerState(7n, 1, 100) });
    const rest = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    expect(rest.map((b) => b.topicPartition.partition).sort()).toEqual([0, 2, 3]);
  });

  test('idempotent producer state is written into the drained bytes', async () => {
    const { acc, clock, cluster } = fourFullPartitions();
    acc.setHooks({ onFirstDrain: (b) => b.setProducerState(42n, 3, 17) });
    const [b] = acc.drain(cluster, [1], 1, clock.now()).get(1)!;
    const [decoded] = await readRecordBatches(b!.records());
    expect(decoded).toMatchObject({ producerId: 42n, producerEpoch: 3, baseSequence: 17, recordCount: 8 });
  });
});

describe('RecordAccumulator retries, expiry and completion', () => {
  test('reenqueue puts a batch first and backs it off exponentially (retry.backoff.ms -> max)', () => {
    const { acc, clock } = setup({ lingerMs: 0, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const cluster = new FakeCluster({ t: [1] });
    sync(acc.append('t', 0, clock.now(), null, 'a', null, 0, cluster, clock.now()));
    const [b] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    sync(acc.append('t', 0, clock.now(), null, 'b', null, 1, cluster, clock.now()));
    acc.reenqueue(b!, clock.now());
    expect(acc.batches('t', 0)[0]).toBe(b);
    expect(b!.inRetry).toBe(true);
    let r = acc.ready(cluster, clock.now());
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(100);
    expect(acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)).toEqual([]); // backing off: not drained, nor the one behind it
    clock.advance(100);
    r = acc.ready(cluster, clock.now());
    expect([...r.readyNodes]).toEqual([1]);
    expect(acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)![0]).toBe(b);
    acc.reenqueue(b!, clock.now());
    expect(b!.retryBackoffMs).toBe(200);
    for (let i = 0; i < 5; i++) acc.reenqueue(acc.drain(cluster, [1], 1, clock.now() + 10_000).get(1)![0]!, clock.now());
    expect(b!.retryBackoffMs).toBe(1000); // capped at retry.backoff.max.ms
  });

  test('a retry to a new leader (higher leader epoch) skips the backoff', () => {
    const { acc, clock } = setup({ lingerMs: 0 });
    let epoch = 5;
    const base = new FakeCluster({ t: [1] });
    const cluster: ClusterView = {
      topic: (t) => base.topic(t),
      leaderFor: (t, p) => base.leaderFor(t, p),
      partitionsForNode: (n) => base.partitionsForNode(n),
      leaderEpochFor: () => epoch,
    };
    sync(acc.append('t', 0, clock.now(), null, 'a', null, 0, cluster, clock.now()));
    const [b] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    acc.reenqueue(b!, clock.now());
    expect(acc.ready(cluster, clock.now()).readyNodes.size).toBe(0);
    epoch = 6;
    expect([...acc.ready(cluster, clock.now()).readyNodes]).toEqual([1]);
  });

  test('reenqueued in-flight batches are ordered by sequence, ahead of never-sent batches', () => {
    const { acc, clock } = setup({ lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1] });
    let seq = 0;
    acc.setHooks({
      onFirstDrain: (b) => {
        b.setProducerState(1n, 0, seq);
        seq += b.recordCount;
      },
    });
    const sent: ProducerBatch[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 9; j++) sync(acc.append('t', 0, clock.now(), null, value(80), null, i * 10 + j, cluster, clock.now()));
      sent.push(acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)![0]!);
    }
    sync(acc.append('t', 0, clock.now(), null, 'fresh', null, 99, cluster, clock.now()));
    expect(sent.map((b) => b.baseSequence)).toEqual([0, 9, 18]);
    // Responses come back out of order: 18, then 0, then 9.
    acc.reenqueue(sent[2]!, clock.now());
    acc.reenqueue(sent[0]!, clock.now());
    acc.reenqueue(sent[1]!, clock.now());
    const q = acc.batches('t', 0);
    expect(q.map((b) => b.baseSequence)).toEqual([0, 9, 18, -1]);
  });

  test('delivery.timeout.ms expires batches still queued, head first', () => {
    const { acc, clock, completions } = setup({ deliveryTimeoutMs: 1000, lingerMs: 5000 });
    const cluster = new FakeCluster({ t: [1] });
    const t0 = clock.now();
    sync(acc.append('t', 0, t0, null, value(600), null, 'a', cluster, t0));
    clock.advance(500);
    sync(acc.append('t', 0, clock.now(), null, value(600), null, 'b', cluster, clock.now()));
    expect(acc.expiredBatches(t0 + 999)).toEqual([]);
    expect(acc.nextExpiryTimeMs()).toBe(t0 + 1000);
    const expired = acc.expiredBatches(t0 + 1000);
    expect(expired.length).toBe(1);
    expect(acc.batches('t', 0).length).toBe(1);
    expect(acc.nextExpiryTimeMs()).toBe(t0 + 1500);
    const err = new KafkaWireError('TIMEOUT', 'expired', { retriable: true });
    expired[0]!.done(-1n, -1, err);
    acc.release(expired[0]!, FAILED_NOT_WRITTEN);
    expect(completions).toEqual([{ slot: 'a', error: err, partition: 0, offset: -1n, timestamp: -1 }]);
    expect(acc.pool.availableMemory).toBe(64 * 1024 - 1024);
  });

  test('done completes each record once: offsets, CreateTime or LogAppendTime, then ignores failures after success', () => {
    const { acc, clock, completions } = setup({ lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1] });
    const t0 = clock.now();
    for (let i = 0; i < 3; i++) sync(acc.append('t', 0, t0 + i, null, 'v', null, i, cluster, t0));
    const [b] = acc.drain(cluster, [1], 1 << 20, t0).get(1)!;
    expect(b!.done(100n, -1, null)).toBe(true);
    expect(completions.map((c) => [c.slot, c.offset, c.timestamp])).toEqual([
      [0, 100n, t0],
      [1, 101n, t0 + 1],
      [2, 102n, t0 + 2],
    ]);
    expect(() => b!.done(-1n, -1, new Error('late failure'))).toThrow(/SUCCEEDED/);
    expect(completions.length).toBe(3);

    sync(acc.append('t', 0, t0, null, 'v', null, 'x', cluster, t0));
    const [c] = acc.drain(cluster, [1], 1 << 20, t0).get(1)!;
    expect(c!.done(5n, 1234n, null)).toBe(true); // LogAppendTime from the broker (int64)
    expect(completions.at(-1)).toMatchObject({ slot: 'x', offset: 5n, timestamp: 1234 });

    sync(acc.append('t', 0, t0, null, 'v', null, 'y', cluster, t0));
    const [d] = acc.drain(cluster, [1], 1 << 20, t0).get(1)!;
    expect(d!.done(-1n, -1, new Error('boom'))).toBe(true);
    expect(d!.done(7n, -1, null)).toBe(false); // a late success after a failure is ignored
    expect(completions.filter((x) => x.slot === 'y').length).toBe(1);
  });

  test('a throwing completion is reported and the other records still complete', () => {
    const reported: unknown[] = [];
    const seen: unknown[] = [];
    const { acc, clock } = setup({
      lingerMs: 0,
      complete: (slot) => {
        seen.push(slot);
        if (slot === 1) throw new Error('user callback bug');
      },
      onCallbackError: (e) => reported.push(e),
    });
    const cluster = new FakeCluster({ t: [1] });
    for (let i = 0; i < 3; i++) sync(acc.append('t', 0, clock.now(), null, 'v', null, i, cluster, clock.now()));
    const [b] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    b!.done(0n, -1, null);
    expect(seen).toEqual([0, 1, 2]);
    expect(reported.length).toBe(1);
  });

  test('abortIncompleteBatches fails queued and in-flight batches and returns all memory', () => {
    const { acc, clock, completions } = setup({ lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1, 1] });
    for (let i = 0; i < 20; i++) sync(acc.append('t', i % 2, clock.now(), null, value(100), null, i, cluster, clock.now()));
    const inflight = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    for (const b of inflight) b.bufferInUseByRequest = true;
    acc.close();
    const err = new KafkaWireError('PRODUCER_CLOSED', 'forced');
    acc.abortIncompleteBatches(err);
    expect(completions.length).toBe(20);
    expect(completions.every((c) => c.error === err)).toBe(true);
    expect(acc.hasIncomplete()).toBe(false);
    expect(acc.pool.availableMemory).toBe(64 * 1024);
  });
});

describe('RecordAccumulator memory waits', () => {
  test('appends waiting for memory keep send order within a partition', async () => {
    const { acc, clock } = setup({ lingerMs: 0, bufferMemory: 2048 });
    const cluster = new FakeCluster({ t: [1, 1] });
    // Two full batches use all memory.
    for (let i = 0; i < 16; i++) sync(acc.append('t', 0, clock.now(), null, value(100), null, `a${i}`, cluster, clock.now()));
    expect(acc.pool.availableMemory).toBe(0);
    const p1 = acc.append('t', 0, clock.now(), null, value(100), null, 'w1', cluster, clock.now());
    expect(p1).toBeInstanceOf(Promise);
    // A later, smaller record for the same partition must not slip ahead of it.
    const p2 = acc.append('t', 0, clock.now(), null, 'tiny', null, 'w2', cluster, clock.now());
    expect(p2).toBeInstanceOf(Promise);
    expect(acc.pool.queued).toBe(1);
    const [b] = acc.drain(cluster, [1], 1, clock.now()).get(1)!;
    complete(acc, b!);
    await Promise.all([p1, p2]);
    const last = acc.batches('t', 0).at(-1)!;
    const [decoded] = await (async () => {
      last.seal();
      return readRecordBatches(last.records());
    })();
    expect(decoded!.records.map((r) => dec.decode(r.value!))).toEqual([value(100), 'tiny']);
  });

  test('an append waiting longer than max.block.ms fails with TIMEOUT; close fails the waiting ones', async () => {
    const { acc, clock } = setup({ lingerMs: 0, bufferMemory: 1024, maxBlockMs: 300 });
    const cluster = new FakeCluster({ t: [1, 1] });
    sync(acc.append('t', 0, clock.now(), null, value(900), null, 0, cluster, clock.now()));
    const p = acc.append('t', 1, clock.now(), null, 'v', null, 1, cluster, clock.now()) as Promise<AppendResult>;
    const failed = p.then(
      () => null,
      (e: unknown) => e as KafkaWireError,
    );
    clock.advance(300);
    expect((await failed)?.code).toBe('TIMEOUT');
    const q = (acc.append('t', 1, clock.now(), null, 'v', null, 2, cluster, clock.now()) as Promise<AppendResult>).then(
      () => null,
      (e: unknown) => e as KafkaWireError,
    );
    acc.close();
    expect((await q)?.code).toBe('PRODUCER_CLOSED');
  });

  test('flush waits for appends that were waiting for memory when it began', async () => {
    const { acc, clock } = setup({ lingerMs: 1000, bufferMemory: 2048 });
    const cluster = new FakeCluster({ t: [1, 1] });
    sync(acc.append('t', 0, clock.now(), null, value(1900), null, 0, cluster, clock.now()));
    const waiting = acc.append('t', 1, clock.now(), null, 'v', null, 1, cluster, clock.now());
    let flushed = false;
    const f = acc.flush().then(() => (flushed = true));
    const [b0] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    complete(acc, b0!);
    await waiting;
    await settle();
    expect(flushed).toBe(false); // the waiting record's batch is not done yet
    // A record appended after the flush began does not hold it up.
    expect(acc.ready(cluster, clock.now()).readyNodes.size).toBe(1);
    const [b1] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    sync(acc.append('t', 0, clock.now(), null, 'later', null, 2, cluster, clock.now()));
    complete(acc, b1!);
    await f;
    expect(flushed).toBe(true);
    expect(acc.hasIncomplete()).toBe(true); // the later record
  });
});

describe('ProducerBatch split', () => {
  test('split re-encodes the records into smaller batches and keeps every completion on its record', async () => {
    const { acc, clock, completions } = setup({ batchSize: 4096, lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1] });
    const t0 = clock.now();
    for (let i = 0; i < 20; i++) {
      const headers = i % 3 === 0 ? ([['h', `v${i}`], ['h', null]] as const) : null;
      sync(acc.append('t', 0, t0 + i * 7, `k${i}`, value(150, String.fromCharCode(97 + (i % 26))), headers, i, cluster, t0));
    }
    let seq = 40;
    acc.setHooks({ onFirstDrain: (b) => b.setProducerState(9n, 2, seq) });
    const [big] = acc.drain(cluster, [1], 1 << 20, t0).get(1)!;
    expect(big!.recordCount).toBe(20);
    acc.setHooks({});
    // Split into 1024-byte batches, as for MESSAGE_TOO_LARGE (splitAndReenqueue uses batch.size).
    const parts = big!.split(1024);
    expect(big!.finalState).toBe('SPLIT');
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.reduce((n, b) => n + b.recordCount, 0)).toBe(20);
    let expectedSeq = 40;
    let offset = 1000n;
    for (const part of parts) {
      expect(part.isSplitBatch).toBe(true);
      expect(part.createdMs).toBe(t0);
      expect(part.sizeInBytes).toBeLessThanOrEqual(1024);
      const [decoded] = await readRecordBatches(part.records());
      expect(decoded!.baseSequence).toBe(expectedSeq);
      expect(decoded!.producerId).toBe(9n);
      expectedSeq += part.recordCount;
      const before = completions.length;
      part.done(offset, -1, null);
      const mine = completions.slice(before);
      expect(mine.length).toBe(part.recordCount);
      decoded!.records.forEach((r, j) => {
        const slot = mine[j]!.slot as number;
        expect(dec.decode(r.key!)).toBe(`k${slot}`);
        expect(mine[j]!.timestamp).toBe(t0 + slot * 7);
        expect(Number(r.timestamp)).toBe(t0 + slot * 7);
        expect(mine[j]!.offset).toBe(offset + BigInt(j));
        if (slot % 3 === 0) expect(r.headers.map(([k, v]) => [k, v && dec.decode(v)])).toEqual([['h', `v${slot}`], ['h', null]]);
        else expect(r.headers).toEqual([]);
      });
      offset += 100n;
    }
    expect(completions.map((c) => c.slot)).toEqual([...Array(20).keys()]);
    expect(big!.done(0n, -1, null)).toBe(false); // the split batch completes nothing itself
  });

  test('split parts of a batch near 2^31 - 1 get wrapped sequences (Kafka: 2^31 - 1 is followed by 0), and re-queue in sequence order across the wrap', async () => {
    const { acc, clock } = setup({ batchSize: 4096, lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1] });
    const t0 = clock.now();
    for (let i = 0; i < 20; i++) sync(acc.append('t', 0, t0, `k${i}`, value(150), null, i, cluster, t0));
    const base = 2 ** 31 - 7;
    acc.setHooks({ onFirstDrain: (b) => b.setProducerState(9n, 0, base) });
    const [big] = acc.drain(cluster, [1], 1 << 20, t0).get(1)!;
    acc.setHooks({});
    const parts = big!.split(1024);
    expect(parts.length).toBeGreaterThan(3);
    let expected = base;
    const seen: number[] = [];
    for (const part of parts) {
      const [decoded] = await readRecordBatches(part.records());
      expect(decoded!.baseSequence).toBe(expected);
      expect(part.baseSequence).toBe(expected);
      seen.push(expected);
      expected = incrementSequence(expected, part.recordCount);
    }
    expect(seen.some((s) => s < 100)).toBe(true); // some part starts after the wrap
    expect(expected).toBe(incrementSequence(base, 20));
    // Back for retries in any order, they queue in sequence order across the wrap.
    acc.reenqueue(parts[1]!, t0);
    acc.reenqueue(parts.at(-1)!, t0);
    acc.reenqueue(parts[0]!, t0);
    expect(acc.batches('t', 0).map((b) => b.baseSequence)).toEqual([seen[0], seen[1], seen.at(-1)]);
  });

  test('splitAndReenqueue queues the pieces first, in sequence order, and the pool gets the big batch back', () => {
    const { acc, clock } = setup({ batchSize: 1024, lingerMs: 0 });
    const cluster = new FakeCluster({ t: [1] });
    // A batch bigger than batch.size: one made with a large batch.size in another accumulator is
    // not possible here, so put several records into an oversized batch via a large first record.
    sync(acc.append('t', 0, clock.now(), null, value(3000), null, 'big', cluster, clock.now()));
    const [big] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    sync(acc.append('t', 0, clock.now(), null, 'next', null, 'next', cluster, clock.now()));
    const pieces = acc.splitAndReenqueue(big!);
    expect(pieces.length).toBe(1); // a single record cannot be split further
    acc.release(big!, { kind: 'split', parts: pieces });
    const q = acc.batches('t', 0);
    expect(q[0]).toBe(pieces[0]);
    expect(q.length).toBe(2);
    expect(acc.pool.availableMemory).toBe(64 * 1024 - 1024);
  });
});

describe('compression', () => {
  /** A stand-in codec: "compresses" by keeping every other byte (good enough to size batches). */
  const halve = (_codec: number, data: Uint8Array) => data.filter((_, i) => i % 2 === 0);

  test('sealed batches are compressed once; the ratio estimate grows later batches toward batch.size compressed', () => {
    const calls: number[] = [];
    const { acc, clock } = setup({
      compression: 3,
      compress: (c, d) => {
        calls.push(d.length);
        return halve(c, d);
      },
      lingerMs: 0,
    });
    const cluster = new FakeCluster({ t: [1] });
    for (let i = 0; i < 200; i++) sync(acc.append('t', 0, clock.now(), null, value(100), null, i, cluster, clock.now()));
    const batches = acc.batches('t', 0);
    const sealed = batches.filter((b) => b.isSealed);
    expect(calls.length).toBe(sealed.length);
    expect(sealed[0]!.capacity).toBeLessThan(1024); // estimate 1.0 x 1.05: ~batch.size / 1.05 uncompressed
    expect(sealed[0]!.compressionRatio).toBeCloseTo(0.5, 1);
    // The estimate improves by 0.005 per batch, so later batches take more uncompressed bytes.
    expect(sealed.at(-1)!.capacity).toBeGreaterThan(sealed[0]!.capacity);
    expect(acc.estimator.estimation('t', 3)).toBeLessThan(1);
    for (const b of sealed) expect(b.sizeInBytes).toBeLessThanOrEqual(1024);
    expect(batches[0]!.records()[22]! & 0x07).toBe(3); // attributes (int16 at 21): lz4
  });

  test('async compression: the batch becomes drainable when its bytes are ready, and the sender is woken', async () => {
    let wakeups = 0;
    const pending: (() => void)[] = [];
    const { acc, clock } = setup({
      compression: 4,
      compress: (c, d) => new Promise<Uint8Array>((resolve) => pending.push(() => resolve(halve(c, d)))),
      lingerMs: 0,
      hooks: { wakeup: () => wakeups++ },
    });
    const cluster = new FakeCluster({ t: [1] });
    sync(acc.append('t', 0, clock.now(), null, value(100), null, 0, cluster, clock.now()));
    expect(acc.ready(cluster, clock.now()).readyNodes.size).toBe(0); // sealed, compressing
    expect(acc.batches('t', 0)[0]!.isSealed).toBe(true);
    expect(acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)).toEqual([]);
    expect(pending.length).toBe(1);
    pending[0]!();
    await settle();
    expect(wakeups).toBe(1);
    expect([...acc.ready(cluster, clock.now()).readyNodes]).toEqual([1]);
    const [b] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    expect(b!.records().length).toBeLessThan(RECORD_BATCH_HEADER_SIZE + 60); // ~109 record bytes halved
  });

  test('a compression failure fails the batch records and frees its memory', async () => {
    const { acc, clock, completions } = setup({
      compression: 1,
      compress: () => Promise.reject(new Error('codec crashed')),
      lingerMs: 0,
    });
    const cluster = new FakeCluster({ t: [1] });
    sync(acc.append('t', 0, clock.now(), null, 'v', null, 'r', cluster, clock.now()));
    acc.ready(cluster, clock.now());
    await settle();
    expect(completions).toMatchObject([{ slot: 'r', error: expect.objectContaining({ code: 'COMPRESSION_FAILED' }) }]);
    expect(acc.batches('t', 0)).toEqual([]);
    expect(acc.hasIncomplete()).toBe(false);
    expect(acc.pool.availableMemory).toBe(64 * 1024);
  });
});

describe('a batch leaves through one exit', () => {
  test('an async compression failure of a split part: its records fail once, it leaves the producer state (onBatchExit), its siblings carry on', async () => {
    let calls = 0;
    const { acc, clock, completions } = setup({
      batchSize: 4096,
      compression: 4,
      // the big batch compresses fine; the second split part fails asynchronously
      compress: (_c, d) => (++calls === 3 ? Promise.reject(new Error('zstd crashed')) : Promise.resolve(d.slice(0, Math.ceil(d.length / 3)))),
      lingerMs: 0,
    });
    const exits: { seq: number; kind: string; unknown?: boolean }[] = [];
    const cluster = new FakeCluster({ t: [1] });
    acc.estimator.setEstimation('t', 4, 0.3);
    for (let i = 0; i < 40; i++) sync(acc.append('t', 0, clock.now(), `k${i}`, value(200), null, i, cluster, clock.now()));
    acc.ready(cluster, clock.now());
    await settle();
    acc.setHooks({
      onFirstDrain: (b) => b.setProducerState(9n, 0, 100),
      onBatchExit: (b, exit) => exits.push({ seq: b.baseSequence, kind: exit.kind, ...(exit.kind === 'failed' ? { unknown: exit.outcomeUnknown } : {}) }),
    });
    const [big] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    expect(big!.recordCount).toBe(40);
    const parts = acc.splitAndReenqueue(big!);
    acc.release(big!, { kind: 'split', parts });
    acc.ready(cluster, clock.now());
    await settle();
    expect(calls).toBeGreaterThanOrEqual(3);
    const failedPart = parts[1]!;
    expect(exits).toEqual([
      { seq: 100, kind: 'split' },
      { seq: failedPart.baseSequence, kind: 'failed', unknown: false },
    ]);
    // the other parts are still queued, in sequence order, and complete normally
    expect(acc.batches('t', 0).map((b) => b.baseSequence)).not.toContain(failedPart.baseSequence);
    for (const p of parts) if (p !== failedPart) {
      p.done(0n, -1, null);
      acc.release(p, ACKNOWLEDGED);
    }
    // every record completed once, in send order (the failed part's after the part before it)
    expect(completions.map((c) => c.slot)).toEqual([...Array(40).keys()]);
    const failed = completions.filter((c) => c.error !== null);
    expect(failed).toHaveLength(failedPart.recordCount);
    expect(failed.every((c) => (c.error as { code?: string }).code === 'COMPRESSION_FAILED')).toBe(true);
    expect(acc.hasIncomplete()).toBe(false);
    expect(acc.pool.availableMemory).toBe(64 * 1024);
  });
});

describe('shared pool', () => {
  test('an accumulator can use a pool it is given', () => {
    const clock = new ManualClock();
    const pool = new BufferPool(8192, 1024, { clock });
    const { acc } = setup({ pool });
    expect(acc.pool).toBe(pool);
  });
});

describe('memory bound', () => {
  test('property: under random appends, drains, completions and timeouts, batch memory stays within buffer.memory', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rnd = seededRandomInt(seed);
      const total = 8 * 1024;
      const { acc, clock, completions } = setup({ batchSize: 1024, bufferMemory: total, lingerMs: 3, maxBlockMs: 40 });
      const cluster = new FakeCluster({ t: [1, 1, 2, 2] });
      const inflight: ProducerBatch[] = [];
      const pending: Promise<unknown>[] = [];
      let sent = 0;
      let rejectedAsync = 0;
      const held = () => {
        let sum = 0;
        for (let p = 0; p < 4; p++) for (const b of acc.batches('t', p)) sum += b.initialCapacity;
        for (const b of inflight) sum += b.initialCapacity;
        return sum;
      };
      for (let step = 0; step < 300; step++) {
        const op = rnd() % 10;
        if (op < 6) {
          const size = rnd() % 8 === 0 ? 1024 + (rnd() % 3000) : 1 + (rnd() % 300);
          const partition = rnd() % 5 === 4 ? -1 : rnd() % 4;
          try {
            const r = acc.append('t', partition, clock.now(), null, value(size), null, step, cluster, clock.now());
            sent++;
            if (r instanceof Promise) pending.push(r.catch(() => rejectedAsync++));
          } catch {
            // synchronous failures (none expected here: every size fits max.request.size and buffer.memory)
          }
        } else if (op < 8) {
          const ready = acc.ready(cluster, clock.now());
          for (const bs of acc.drain(cluster, ready.readyNodes, 2048, clock.now()).values()) inflight.push(...bs);
        } else if (op < 9) {
          const n = rnd() % (inflight.length + 1);
          for (const b of inflight.splice(0, n)) complete(acc, b);
        } else {
          clock.advance(rnd() % 30);
        }
        await settle();
        expect(held()).toBeLessThanOrEqual(total);
        expect(acc.pool.usedMemory).toBeLessThanOrEqual(total);
      }
      // Drain everything; every record sent completes exactly once (or its append failed).
      for (let i = 0; i < 200 && (acc.hasIncomplete() || inflight.length > 0); i++) {
        acc.beginFlush();
        const ready = acc.ready(cluster, clock.now());
        for (const bs of acc.drain(cluster, ready.readyNodes, 1 << 20, clock.now()).values()) inflight.push(...bs);
        for (const b of inflight.splice(0)) complete(acc, b);
        await settle();
      }
      await Promise.all(pending);
      expect(acc.hasIncomplete()).toBe(false);
      expect(completions.length).toBe(sent - rejectedAsync);
      expect(new Set(completions.map((c) => c.slot)).size).toBe(completions.length);
      expect(acc.pool.availableMemory).toBe(total);
    }
  });

  test('split works on a compressed batch (from the uncompressed records it keeps)', async () => {
    const { acc, clock, completions } = setup({
      batchSize: 4096,
      compression: 2,
      compress: (_c, d) => d.slice(0, Math.ceil(d.length / 3)),
      lingerMs: 0,
    });
    const cluster = new FakeCluster({ t: [1] });
    // A good ratio estimate lets the batch take ~3x batch.size of uncompressed records.
    acc.estimator.setEstimation('t', 2, 0.3);
    for (let i = 0; i < 40; i++) sync(acc.append('t', 0, clock.now(), `k${i}`, value(200), null, i, cluster, clock.now()));
    const [big] = acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!;
    expect(big!.recordCount).toBe(40);
    expect(big!.uncompressedSizeInBytes).toBeGreaterThan(2 * 4096);
    expect(big!.compressionRatio).toBeLessThan(0.5);
    const pieces = acc.splitAndReenqueue(big!);
    acc.release(big!, { kind: 'split', parts: pieces });
    expect(acc.estimator.estimation('t', 2)).toBeGreaterThan(0.98); // reset to max(1, ratio), then the pieces' own updates
    expect(pieces.length).toBeGreaterThan(1);
    let n = 0;
    for (const p of acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!) {
      expect(p.isSendable).toBe(true);
      n += p.recordCount;
    }
    // Pieces drain one per request (one batch per partition per drain).
    while (n < 40) for (const p of acc.drain(cluster, [1], 1 << 20, clock.now()).get(1)!) n += p.recordCount;
    for (const p of pieces) p.done(0n, -1, null);
    expect(completions.map((c) => c.slot)).toEqual([...Array(40).keys()]);
  });
});
