/**
 * Partition choice for one record, in Kafka's order of precedence (Java's `KafkaProducer.partition`):
 *
 * 1. the record's explicit `partition`;
 * 2. a custom partitioner (`partitioner.class` in Java; here a function), if configured;
 * 3. the serialized key hashed with murmur2 (`toPositive(murmur2(key)) % partitionCount`),
 *    unless the key is null or `partitioner.ignore.keys=true`;
 * 4. otherwise {@link UNKNOWN_PARTITION} (-1): the RecordAccumulator resolves it with the topic's
 *    {@link BuiltInPartitioner} (uniform sticky, KIP-794), because the sticky choice depends on
 *    the accumulator's state (bytes appended, queue sizes).
 */
import { KafkaWireError } from '../errors.js';
import { keyedPartition } from './murmur2.js';
import type { TopicPartitionsView } from './builtin-partitioner.js';

export { murmur2, toPositive, keyedPartition } from './murmur2.js';
export {
  BuiltInPartitioner,
  defaultRandomInt,
  seededRandomInt,
  type RandomInt,
  type TopicPartitionsView,
} from './builtin-partitioner.js';

/** Java's `RecordMetadata.UNKNOWN_PARTITION`: "let the built-in sticky partitioner choose". */
export const UNKNOWN_PARTITION = -1;

/** What a custom partitioner is told about a record. Keys and values are already serialized. */
export interface PartitionerContext {
  readonly topic: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Partitions of the topic: valid results are 0 .. partitionCount - 1. */
  readonly partitionCount: number;
  /** Partitions whose leader is currently known. */
  readonly availablePartitions: readonly number[];
}

/**
 * A custom partitioner: returns the partition for a record, an integer in [0, partitionCount).
 * Called synchronously on the send path, once per record; it must not throw for ordinary input
 * (an exception fails that send).
 */
export type Partitioner = (ctx: PartitionerContext) => number;

/** Producer-level partitioning settings, built once from the configuration. */
export interface PartitioningOptions {
  /** Custom partitioner; null/undefined means Kafka's default partitioning. */
  readonly partitioner?: Partitioner | null | undefined;
  /** `partitioner.ignore.keys`: when true, keyed records also go to the sticky partitioner. */
  readonly ignoreKeys?: boolean | undefined;
}

/**
 * The partition for one record, or {@link UNKNOWN_PARTITION} when the accumulator's built-in
 * sticky partitioner must choose. `explicitPartition` is the record's `partition` field
 * (undefined/null when absent). Pure apart from calling the custom partitioner.
 *
 * The caller checks an explicit partition against metadata (Java waits up to max.block.ms for
 * metadata listing that partition before failing); here it must only be a non-negative integer.
 * A custom partitioner's result must lie in [0, partitionCount).
 */
export function choosePartition(
  topic: string,
  explicitPartition: number | null | undefined,
  key: Uint8Array | null,
  value: Uint8Array | null,
  cluster: TopicPartitionsView,
  options: PartitioningOptions = {},
): number {
  if (explicitPartition !== undefined && explicitPartition !== null) {
    if (!Number.isInteger(explicitPartition) || explicitPartition < 0) {
      throw new KafkaWireError('INVALID_PARTITION', `Invalid partition ${explicitPartition} given with record for topic ${topic}`);
    }
    return explicitPartition;
  }
  const custom = options.partitioner;
  if (custom) {
    const p = custom({
      topic,
      key,
      value,
      partitionCount: cluster.partitionCount,
      availablePartitions: cluster.availablePartitions,
    });
    if (!Number.isInteger(p) || p < 0 || p >= cluster.partitionCount) {
      throw new KafkaWireError(
        'INVALID_PARTITION',
        `Custom partitioner returned ${String(p)} for topic ${topic}, which has ${cluster.partitionCount} partitions`,
      );
    }
    return p;
  }
  if (key !== null && options.ignoreKeys !== true) {
    if (cluster.partitionCount < 1) {
      throw new KafkaWireError('INVALID_PARTITION', `Topic ${topic} has no partitions`);
    }
    return keyedPartition(key, cluster.partitionCount);
  }
  return UNKNOWN_PARTITION;
}

/**
 * Java's `RoundRobinPartitioner` in spirit: cycles through the available partitions (all
 * partitions when none is available), ignoring keys. Keeps a counter per topic.
 */
export function roundRobinPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return (ctx) => {
    const n = counters.get(ctx.topic) ?? 0;
    counters.set(ctx.topic, (n + 1) | 0);
    const available = ctx.availablePartitions;
    const i = n & 0x7fffffff;
    if (available.length > 0) return available[i % available.length]!;
    return i % ctx.partitionCount;
  };
}
