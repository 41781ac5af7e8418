import { describe, expect, it } from 'vitest';
import { KafkaWireError } from '../../src/errors.js';
import {
  BuiltInPartitioner,
  UNKNOWN_PARTITION,
  choosePartition,
  keyedPartition,
  roundRobinPartitioner,
  seededRandomInt,
  type Partitioner,
  type PartitionerContext,
  type TopicPartitionsView,
} from '../../src/partitioner/index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function cluster(partitionCount: number, availablePartitions?: number[]): TopicPartitionsView {
  return { partitionCount, availablePartitions: availablePartitions ?? Array.from({ length: partitionCount }, (_, i) => i) };
}

/** A random source that replays the given integers (then repeats the last one). */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

/**
 * Counts how often each partition is chosen over `switches` forced switches. Every append is a
 * full sticky batch, so every update switches exactly once.
 */
function countSwitches(bp: BuiltInPartitioner, c: TopicPartitionsView, switches: number): number[] {
  const counts = new Array<number>(c.partitionCount).fill(0);
  for (let i = 0; i < switches; i++) {
    const p = bp.peekCurrentPartition(c);
    counts[p]!++;
    if (!bp.updatePartitionInfo(p, bp.stickyBatchSize, c)) throw new Error('expected a switch');
  }
  return counts;
}

/** |observed - expected| within `sigmas` binomial standard deviations. */
function expectBinomial(observed: number, trials: number, p: number, sigmas = 5): void {
  const mean = trials * p;
  const sd = Math.sqrt(trials * p * (1 - p));
  expect(Math.abs(observed - mean), `observed ${observed}, expected ${mean.toFixed(1)} ± ${(sigmas * sd).toFixed(1)}`).toBeLessThanOrEqual(
    sigmas * sd,
  );
}

describe('BuiltInPartitioner: sticky switching rule', () => {
  it('rejects a sticky batch size < 1', () => {
    expect(() => new BuiltInPartitioner('t', 0)).toThrow(RangeError);
  });

  it('stays on one partition until batch.size bytes were produced, then switches', () => {
    const c = cluster(3);
    const bp = new BuiltInPartitioner('t', 100, sequence(0, 1, 2, 0));
    expect(bp.peekCurrentPartition(c)).toBe(0);
    expect(bp.peekCurrentPartition(c)).toBe(0); // peeking does not switch
    expect(bp.updatePartitionInfo(0, 60, c)).toBe(false);
    expect(bp.producedBytes).toBe(60);
    expect(bp.updatePartitionInfo(0, 39, c)).toBe(false); // 99 < 100
    expect(bp.peekCurrentPartition(c)).toBe(0);
    expect(bp.updatePartitionInfo(0, 1, c)).toBe(true); // 100 >= 100
    expect(bp.producedBytes).toBe(0);
    expect(bp.peekCurrentPartition(c)).toBe(1);
    expect(bp.updatePartitionInfo(1, 250, c)).toBe(true); // one big record switches at once
    expect(bp.peekCurrentPartition(c)).toBe(2);
  });

  it('with switching disabled (last batch not full) waits until 2x batch.size', () => {
    const c = cluster(2);
    const bp = new BuiltInPartitioner('t', 100, sequence(0, 1));
    expect(bp.peekCurrentPartition(c)).toBe(0);
    expect(bp.updatePartitionInfo(0, 100, c, false)).toBe(false); // 100: enough, but switch not enabled
    expect(bp.updatePartitionInfo(0, 99, c, false)).toBe(false); // 199
    expect(bp.peekCurrentPartition(c)).toBe(0);
    expect(bp.updatePartitionInfo(0, 1, c, false)).toBe(true); // 200 = 2x: switch regardless
    expect(bp.peekCurrentPartition(c)).toBe(1);
    // and an enabled switch after batch.size with a disabled one before it
    expect(bp.updatePartitionInfo(1, 150, c, false)).toBe(false);
    expect(bp.updatePartitionInfo(1, 1, c, true)).toBe(true);
  });

  it('ignores updates for a partition that is not the current sticky one', () => {
    const c = cluster(4);
    const bp = new BuiltInPartitioner('t', 10, sequence(2, 3));
    expect(bp.peekCurrentPartition(c)).toBe(2);
    expect(bp.updatePartitionInfo(1, 1000, c)).toBe(false);
    expect(bp.producedBytes).toBe(0);
    expect(bp.peekCurrentPartition(c)).toBe(2);
  });

  it('sends batch.size / record size records in a row to each partition (accumulator simulation)', () => {
    const c = cluster(5);
    const bp = new BuiltInPartitioner('t', 1000, seededRandomInt(42));
    const runs: Array<[number, number]> = [];
    for (let i = 0; i < 100; i++) {
      const p = bp.peekCurrentPartition(c);
      const last = runs[runs.length - 1];
      if (last && last[0] === p && last[1] < 10) last[1]++;
      else runs.push([p, 1]);
      bp.updatePartitionInfo(p, 100, c);
    }
    expect(runs.length).toBe(10);
    for (const [, n] of runs) expect(n).toBe(10);
  });

  it('picks uniformly among available partitions (Java: random % available.length)', () => {
    const c = cluster(6, [1, 3, 5]);
    const bp = new BuiltInPartitioner('t', 1, sequence(0, 1, 2, 3, 4, 5, 2147483647));
    const picks: number[] = [];
    for (let i = 0; i < 7; i++) {
      const p = bp.peekCurrentPartition(c);
      picks.push(p);
      bp.updatePartitionInfo(p, 1, c);
    }
    expect(picks).toEqual([1, 3, 5, 1, 3, 5, 3]); // 2147483647 % 3 = 1
  });

  it('picks among all partitions when none has a known leader', () => {
    const c = cluster(4, []);
    const bp = new BuiltInPartitioner('t', 1, sequence(6));
    expect(bp.peekCurrentPartition(c)).toBe(2);
  });

  it('re-picks when the sticky partition is no longer in the cluster', () => {
    const bp = new BuiltInPartitioner('t', 100, sequence(7, 1));
    expect(bp.peekCurrentPartition(cluster(8))).toBe(7);
    expect(bp.peekCurrentPartition(cluster(4))).toBe(1);
  });

  it('with equal chances each of n partitions gets ~1/n of the switches', () => {
    const n = 7;
    const switches = 70_000;
    const c = cluster(n);
    const counts = countSwitches(new BuiltInPartitioner('t', 16384, seededRandomInt(1)), c, switches);
    for (const k of counts) expectBinomial(k, switches, 1 / n);
    // the same holds with queue sizes all equal (stats are dropped as in Java)
    const bp = new BuiltInPartitioner('t', 16384, seededRandomInt(2));
    bp.updatePartitionLoadStats([2, 2, 2, 2, 2, 2, 2], [0, 1, 2, 3, 4, 5, 6], 7);
    expect(bp.loadStatsRangeEnd()).toBe(0);
    for (const k of countSwitches(bp, c, switches)) expectBinomial(k, switches, 1 / n);
  });
});

describe('BuiltInPartitioner: adaptive load stats (KIP-794)', () => {
  it("builds Java's cumulative frequency table: sizes 0 3 1 -> CFT 4 5 8", () => {
    const c = cluster(3);
    // r % 8: 0..3 -> first, 4 -> second, 5..7 -> third
    const draws = [0, 3, 4, 5, 7, 8, 12];
    const bp = new BuiltInPartitioner('t', 1, sequence(...draws));
    const sizes = [0, 3, 1];
    bp.updatePartitionLoadStats(sizes, [10, 11, 12], 3);
    expect(sizes).toEqual([0, 3, 1]); // the caller's arrays are left alone
    expect(bp.loadStatsRangeEnd()).toBe(8);
    const picks: number[] = [];
    for (let i = 0; i < draws.length; i++) {
      const p = bp.peekCurrentPartition({ partitionCount: 13, availablePartitions: [10, 11, 12] });
      picks.push(p);
      bp.updatePartitionInfo(p, 1, c);
    }
    expect(picks).toEqual([10, 10, 11, 12, 12, 10, 11]);
  });

  it('picks less loaded partitions proportionally more often', () => {
    const queueSizes = [0, 5, 1, 9, 3];
    const ids = [0, 1, 2, 3, 4];
    const maxPlus1 = 10;
    const weights = queueSizes.map((q) => maxPlus1 - q); // 10 5 9 1 7
    const total = weights.reduce((a, b) => a + b, 0);
    const bp = new BuiltInPartitioner('t', 100, seededRandomInt(7));
    bp.updatePartitionLoadStats(queueSizes, ids, 5);
    expect(bp.loadStatsRangeEnd()).toBe(total);
    const switches = 64_000;
    const counts = countSwitches(bp, cluster(5), switches);
    counts.forEach((k, i) => expectBinomial(k, switches, weights[i]! / total));
    // the least loaded partition gets the most, the most loaded the least
    expect(Math.max(...counts)).toBe(counts[0]);
    expect(Math.min(...counts)).toBe(counts[3]);
  });

  it('excludes partitions beyond `length` (partitioner.availability.timeout.ms), even if all equal', () => {
    // 4 partitions with leaders; the caller excluded one (partition 3), leaving 3 counted entries.
    const bp = new BuiltInPartitioner('t', 1, seededRandomInt(3));
    bp.updatePartitionLoadStats([1, 1, 1, 1], [0, 2, 1, 3], 3);
    expect(bp.loadStatsRangeEnd()).toBe(3);
    const counts = countSwitches(bp, cluster(4), 9_000);
    expect(counts[3]).toBe(0);
    for (const i of [0, 1, 2]) expectBinomial(counts[i]!, 9_000, 1 / 3);
  });

  it('keeps adaptive logic for a single non-excluded partition', () => {
    const bp = new BuiltInPartitioner('t', 1, seededRandomInt(4));
    bp.updatePartitionLoadStats([5, 0], [1, 0], 1);
    expect(countSwitches(bp, cluster(2), 100)).toEqual([0, 100]);
  });

  it('drops the stats like Java: null, length < 1, fewer than 2 partitions', () => {
    const bp = new BuiltInPartitioner('t', 1, seededRandomInt(5));
    bp.updatePartitionLoadStats([0, 3], [0, 1], 2);
    expect(bp.loadStatsRangeEnd()).toBe(5);
    bp.updatePartitionLoadStats(null, null, 0);
    expect(bp.loadStatsRangeEnd()).toBe(0);
    bp.updatePartitionLoadStats([0, 3], [0, 1], 0);
    expect(bp.loadStatsRangeEnd()).toBe(0);
    bp.updatePartitionLoadStats([4], [0], 1);
    expect(bp.loadStatsRangeEnd()).toBe(0);
    expect(() => bp.updatePartitionLoadStats([1, 2], [0], 1)).toThrow(RangeError);
  });

  it('reuses its tables across updates and handles growing partition counts', () => {
    const bp = new BuiltInPartitioner('t', 1, sequence(0, 2, 9));
    bp.updatePartitionLoadStats([0, 1], [0, 1], 2); // weights 2 1 -> CFT 2 3
    expect(bp.loadStatsRangeEnd()).toBe(3);
    bp.updatePartitionLoadStats([0, 1, 2, 0], [0, 1, 2, 3], 4); // weights 3 2 1 3 -> CFT 3 5 6 9
    expect(bp.loadStatsRangeEnd()).toBe(9);
    const c = cluster(4);
    expect(bp.peekCurrentPartition(c)).toBe(0); // 0 % 9 = 0 -> first
    bp.updatePartitionInfo(0, 1, c);
    expect(bp.peekCurrentPartition(c)).toBe(0); // 2 -> first
    bp.updatePartitionInfo(0, 1, c);
    expect(bp.peekCurrentPartition(c)).toBe(0); // 9 % 9 = 0 -> first
    bp.updatePartitionLoadStats([1, 0], [0, 1], 2); // shrink: CFT 1 3
    expect(bp.loadStatsRangeEnd()).toBe(3);
  });
});

describe('choosePartition precedence', () => {
  const c = cluster(6);
  const key = utf8('order-1');
  const value = utf8('v');

  it('explicit partition wins over everything', () => {
    const custom: Partitioner = () => 5;
    expect(choosePartition('t', 2, key, value, c, { partitioner: custom })).toBe(2);
    expect(choosePartition('t', 0, key, value, c)).toBe(0);
  });

  it('rejects a negative or non-integer explicit partition', () => {
    expect(() => choosePartition('t', -1, null, value, c)).toThrow(KafkaWireError);
    expect(() => choosePartition('t', 1.5, null, value, c)).toThrow(/Invalid partition/);
  });

  it('custom partitioner wins over the key and is told everything', () => {
    const seen: PartitionerContext[] = [];
    const custom: Partitioner = (ctx) => {
      seen.push(ctx);
      return 4;
    };
    expect(choosePartition('orders', undefined, key, value, c, { partitioner: custom })).toBe(4);
    expect(choosePartition('orders', null, null, null, c, { partitioner: custom })).toBe(4);
    expect(seen[0]).toEqual({ topic: 'orders', key, value, partitionCount: 6, availablePartitions: [0, 1, 2, 3, 4, 5] });
    expect(seen[1]!.key).toBeNull();
  });

  it('rejects a custom partitioner result outside [0, partitionCount)', () => {
    for (const bad of [-1, 6, 2.5, Number.NaN]) {
      try {
        choosePartition('t', undefined, key, value, c, { partitioner: () => bad });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(KafkaWireError);
        expect((e as KafkaWireError).code).toBe('INVALID_PARTITION');
      }
    }
  });

  it('hashes a non-null key with murmur2, including an empty key', () => {
    expect(choosePartition('t', undefined, key, value, c)).toBe(keyedPartition(key, 6));
    expect(choosePartition('t', undefined, new Uint8Array(0), value, c)).toBe(275646681 % 6);
  });

  it('leaves null keys, and all keys with partitioner.ignore.keys, to the built-in partitioner', () => {
    expect(choosePartition('t', undefined, null, value, c)).toBe(UNKNOWN_PARTITION);
    expect(choosePartition('t', undefined, key, value, c, { ignoreKeys: true })).toBe(UNKNOWN_PARTITION);
    expect(UNKNOWN_PARTITION).toBe(-1);
  });

  it('roundRobinPartitioner cycles over available partitions per topic', () => {
    const rr = roundRobinPartitioner();
    const ctx = (topic: string, available: number[]): PartitionerContext => ({
      topic,
      key: null,
      value: null,
      partitionCount: 4,
      availablePartitions: available,
    });
    expect([0, 1, 2, 3, 4].map(() => rr(ctx('a', [0, 2, 3])))).toEqual([0, 2, 3, 0, 2]);
    expect([0, 1, 2].map(() => rr(ctx('b', [])))).toEqual([0, 1, 2]);
  });
});
