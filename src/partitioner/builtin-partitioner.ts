/**
 * Kafka's built-in uniform sticky partitioner (KIP-794), modelled on Java's
 * `org.apache.kafka.clients.producer.internals.BuiltInPartitioner`.
 *
 * Ownership: one instance per topic, owned by the RecordAccumulator, which is its only caller.
 * It is used only for records without an explicit partition, without a custom partitioner and
 * without a key (or with `partitioner.ignore.keys=true`). It holds two pieces of state:
 *
 * - the current sticky partition and how many bytes were appended to it since it was chosen;
 *   records stick to that partition until `stickyBatchSize` (= `batch.size`) bytes were produced
 *   to it, then the next one is picked;
 * - the partition load statistics (adaptive partitioning, `partitioner.adaptive.partitioning.enable`):
 *   a cumulative frequency table built from the number of queued batches per partition, so that
 *   partitions whose leaders drain slowly are picked less often. Partitions whose leader has not
 *   accepted data for `partitioner.availability.timeout.ms` are left out of the table by the
 *   caller (see {@link BuiltInPartitioner.updatePartitionLoadStats}).
 *
 * Workflow for the accumulator, per record placed by this partitioner (Java's steps 1-5 without
 * the locking, which single-threaded JavaScript does not need):
 *
 * 1. `p = peekCurrentPartition(cluster)`
 * 2. append the record to partition `p`'s batch deque (creating a batch if needed)
 * 3. `updatePartitionInfo(p, appendedBytes, cluster, enableSwitch)` where `appendedBytes` is how much
 *    the batch grew (including a new batch's header) and `enableSwitch` is Java's
 *    `allBatchesFull(deque)`: true when the deque's last batch is full (or the deque is empty).
 *
 * And, in the accumulator's `ready()` pass, once per topic: `updatePartitionLoadStats(...)`.
 *
 * Randomness is injected (`randomInt`, a source of integers in [0, 2^31) like Java's
 * `Utils.toPositive(ThreadLocalRandom.nextInt())`) so tests are deterministic.
 */

/** The part of the cluster metadata for one topic the partitioner needs. */
export interface TopicPartitionsView {
  /** Number of partitions of the topic (ids 0 .. partitionCount - 1). */
  readonly partitionCount: number;
  /** Partitions whose leader is known (Java's `availablePartitionsForTopic`). */
  readonly availablePartitions: readonly number[];
}

/** A source of uniformly distributed integers in [0, 2^31). */
export type RandomInt = () => number;

/** `Math.random` based default, uniform over [0, 2^31). */
export const defaultRandomInt: RandomInt = () => Math.floor(Math.random() * 0x80000000);

/** Small seedable generator (mulberry32) for tests and reproducible runs; returns [0, 2^31). */
export function seededRandomInt(seed: number): RandomInt {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) >>> 1;
  };
}

export class BuiltInPartitioner {
  readonly topic: string;
  /** How many bytes to produce to a partition before switching (Java: `batch.size`). */
  readonly stickyBatchSize: number;
  private readonly randomInt: RandomInt;

  /** Current sticky partition, -1 until the first peek. */
  private current = -1;
  /** Bytes appended to `current` since it was chosen. */
  private produced = 0;

  /**
   * Load stats (null when adaptive partitioning is off or not useful): `cft[0..length)` is the
   * cumulative frequency table, `ids[i]` the partition of entry i. Owned by this object (copied
   * from the caller's arrays), reused across updates.
   */
  private cft: Int32Array | null = null;
  private ids: Int32Array = new Int32Array(0);
  private statsLength = 0;

  constructor(topic: string, stickyBatchSize: number, randomInt: RandomInt = defaultRandomInt) {
    if (!Number.isInteger(stickyBatchSize) || stickyBatchSize < 1) {
      throw new RangeError(`stickyBatchSize must be an integer >= 1 but got ${stickyBatchSize}`);
    }
    this.topic = topic;
    this.stickyBatchSize = stickyBatchSize;
    this.randomInt = randomInt;
  }

  /**
   * The partition the next unkeyed record goes to; picks one if there is none yet (or if the
   * current one no longer exists in `cluster`). Does not change the byte count.
   */
  peekCurrentPartition(cluster: TopicPartitionsView): number {
    if (this.current < 0 || this.current >= cluster.partitionCount) {
      this.current = this.nextPartition(cluster);
      this.produced = 0;
    }
    return this.current;
  }

  /** Bytes produced to the current sticky partition since it was chosen (for tests/metrics). */
  get producedBytes(): number {
    return this.produced;
  }

  /**
   * Record that `appendedBytes` were appended to `partition` (the value {@link peekCurrentPartition}
   * returned) and switch to a new partition once enough was produced:
   *
   * - at least `stickyBatchSize` bytes and `enableSwitch` (the deque's last batch is full), or
   * - at least `2 * stickyBatchSize` bytes whatever `enableSwitch` says (caps the bytes a
   *   partition gets when switching was held back to avoid leaving a fractional batch behind).
   *
   * A call for a partition that is not the current sticky one is ignored (Java passes a null
   * partition info for records the built-in partitioner did not place). Returns true when it
   * switched partitions.
   */
  updatePartitionInfo(partition: number, appendedBytes: number, cluster: TopicPartitionsView, enableSwitch = true): boolean {
    if (partition !== this.current || partition < 0) return false;
    const produced = (this.produced += appendedBytes);
    if ((produced >= this.stickyBatchSize && enableSwitch) || produced >= this.stickyBatchSize * 2) {
      this.current = this.nextPartition(cluster);
      this.produced = 0;
      return true;
    }
    return false;
  }

  /**
   * Update the load stats from the queue sizes (number of batches queued) of each partition,
   * Java's `updatePartitionLoadStats(int[] queueSizes, int[] partitionIds, int length)`:
   *
   * - both arrays are sized to the topic's partition count (Java: one slot per partition deque);
   * - the first `length` entries are the partitions that have a leader and were not excluded,
   *   in any order: `queueSizes[i]` is the number of batches queued for partition
   *   `partitionIds[i]` (0 for an empty deque). A partition whose leader has not drained for
   *   `partitioner.availability.timeout.ms` is excluded by not counting it (Java decrements its
   *   index so that the next partition overwrites the slot);
   * - `null` (adaptive partitioning disabled, or, as in Java's `RecordAccumulator.partitionReady`,
   *   not every partition of the topic has a deque yet) clears the stats: the next partition is
   *   then picked uniformly among available partitions.
   *
   * Stats are dropped, as in Java, when the topic has fewer than 2 partitions with a leader,
   * when `length < 1`, or when all queue sizes are equal and none was excluded (uniform choice
   * is then the same thing, and cheaper). The caller's arrays are not modified (Java inverts
   * them in place; here they are copied into arrays this object owns).
   */
  updatePartitionLoadStats(
    queueSizes: ArrayLike<number> | null,
    partitionIds: ArrayLike<number> | null,
    length: number,
  ): void {
    if (queueSizes === null || partitionIds === null) {
      this.cft = null;
      return;
    }
    if (queueSizes.length !== partitionIds.length || length > queueSizes.length) {
      throw new RangeError('queueSizes and partitionIds must have the same length, >= length');
    }
    if (length < 1 || queueSizes.length < 2) {
      this.cft = null;
      return;
    }
    // max queue size + 1, and whether all counted sizes are equal
    let maxSizePlus1 = queueSizes[0]!;
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      const q = queueSizes[i]!;
      if (q !== maxSizePlus1) allEqual = false;
      if (q > maxSizePlus1) maxSizePlus1 = q;
    }
    maxSizePlus1++;
    if (allEqual && length === queueSizes.length) {
      this.cft = null;
      return;
    }
    let cft = this.cft;
    if (cft === null || cft.length < length) {
      // Keep the larger of the two arrays so repeated updates stop allocating.
      cft = new Int32Array(Math.max(length, queueSizes.length));
      this.ids = new Int32Array(cft.length);
    }
    // Invert (bigger queue -> smaller weight, every weight >= 1) and fold into a running sum.
    // Example: sizes 0 3 1 -> weights 4 1 3 -> CFT 4 5 8; a random r in [0, 8) picks the first
    // entry strictly greater than r: 0..3 -> first, 4 -> second, 5..7 -> third.
    let sum = 0;
    for (let i = 0; i < length; i++) {
      sum += maxSizePlus1 - queueSizes[i]!;
      cft[i] = sum;
      this.ids[i] = partitionIds[i]!;
    }
    this.cft = cft;
    this.statsLength = length;
  }

  /** End of the random range when load stats are in use (Java's test hook); 0 when they are not. */
  loadStatsRangeEnd(): number {
    return this.cft === null ? 0 : this.cft[this.statsLength - 1]!;
  }

  /** Java's `nextPartition`: weighted by the load stats if any, else uniform over available partitions. */
  private nextPartition(cluster: TopicPartitionsView): number {
    const random = this.randomInt();
    const cft = this.cft;
    if (cft === null) {
      const available = cluster.availablePartitions;
      if (available.length > 0) return available[random % available.length]!;
      // No partition has a known leader: pick among all partitions.
      if (cluster.partitionCount < 1) throw new RangeError(`topic ${this.topic} has no partitions`);
      return random % cluster.partitionCount;
    }
    const length = this.statsLength;
    const weighted = random % cft[length - 1]!;
    // First index whose CFT value is strictly greater than `weighted` (upper bound).
    let lo = 0;
    let hi = length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cft[mid]! > weighted) hi = mid;
      else lo = mid + 1;
    }
    return this.ids[lo]!;
  }
}
