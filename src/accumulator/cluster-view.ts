/**
 * The part of the cluster metadata the RecordAccumulator reads. The sender's metadata cache
 * implements it; tests use a plain object. Everything here is a read of the current snapshot:
 * the accumulator never keeps what it gets across calls (it may keep the per-topic view object
 * for the duration of one call only).
 *
 * Ownership: the metadata (sender) owns this state; the accumulator only reads it in `append`
 * (partition count / available partitions for the sticky partitioner), `ready` (leader of each
 * partition with queued batches) and `drain` (the partitions a node leads).
 */
import type { TopicPartitionsView } from '../partitioner/builtin-partitioner.js';

export type { TopicPartitionsView };

/** A topic-partition. The accumulator creates one per partition deque and reuses it for every batch. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ClusterView {
  /**
   * Partition count and available (leader known) partitions of `topic`, or undefined when the
   * topic is not in the metadata. Implementations should return a cached object (called once
   * per unkeyed record).
   */
  topic(topic: string): TopicPartitionsView | undefined;
  /** Node id of the leader of the partition, or -1 when unknown. */
  leaderFor(topic: string, partition: number): number;
  /** The partitions `nodeId` leads, in a stable order (the drain round-robin walks this list). */
  partitionsForNode(nodeId: number): readonly TopicPartition[];
  /**
   * Leader epoch of the partition, or -1 when unknown (optional). When given, a retried batch
   * whose partition got a newer leader skips its retry backoff (Java's KIP-951 behaviour).
   */
  leaderEpochFor?(topic: string, partition: number): number;
}
