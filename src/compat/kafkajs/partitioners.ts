/**
 * KafkaJS's partitioners (`Partitioners.DefaultPartitioner`, `LegacyPartitioner`, and the
 * deprecated alias `JavaCompatiblePartitioner`) as KafkaJS-style factories:
 * `createPartitioner()` returns `({ topic, partitionMetadata, message }) => partition`.
 *
 * - DefaultPartitioner: the message's partition, else toPositive(murmur2(key)) % partitions with
 *   Java's murmur2 (the engine's, src/partitioner), else round-robin over the partitions that
 *   have a leader from a random start, as KafkaJS 2.x does. Given to `kafka.producer()`, it is
 *   not called at all: the engine's own partitioner does the same for keyed records and
 *   KIP-794's uniform sticky partitioning for keyless ones (whole batches instead of one record
 *   per partition in turn), see producer.ts.
 * - LegacyPartitioner: KafkaJS 1.x's default, kept byte-compatible: its murmur2 variant does its
 *   arithmetic in doubles rather than 32-bit integers and reads the last, partial block of the key
 *   once more as a whole block, so keys land on other partitions than Java's. Programs that
 *   chose it to keep their old key placement get exactly KafkaJS's partitions
 *   (test/unit/kafkajs-partitioners.test.ts checks it against KafkaJS's own code).
 *
 * Owns: the two algorithms and the conversion of the engine's partition list into KafkaJS's
 * PartitionMetadata. A key is hashed as KafkaJS hashes it: Uint8Array keys (Buffers) as their
 * bytes, anything else as the UTF-8 of String(key).
 */
import { murmur2, toPositive, type PartitionInfo } from '../../index.js';
import type { ICustomPartitioner, Message, PartitionMetadata, PartitionerArgs } from './types.js';

const encoder = new TextEncoder();

/** A key's bytes as KafkaJS's partitioners see them. */
export function keyBytes(key: unknown): Uint8Array {
  return key instanceof Uint8Array ? key : encoder.encode(String(key));
}

// KafkaJS 1.x's murmur2 constants (Kafka's: seed 0x9747b28c, m 0x5bd1e995, r 24).
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * KafkaJS's legacy murmur2, operation for operation: `*=` multiplies doubles (rounded beyond
 * 2^53), `^`, `>>>` and `<<` convert to 32-bit integers, and the block loop runs while
 * `i < length / 4` (not floored), so a key whose length is not a multiple of 4 has its last
 * block read once more, missing bytes as 0, before the tail bytes are mixed in. The result is a
 * signed 32-bit integer.
 */
export function legacyMurmur2(data: Uint8Array): number {
  const length = data.length;
  const byte = (i: number): number => (data[i] ?? 0) & 0xff;
  let h = SEED ^ length;
  const blocks = length / 4;
  for (let i = 0; i < blocks; i++) {
    const i4 = i * 4;
    let k = byte(i4) + (byte(i4 + 1) << 8) + (byte(i4 + 2) << 16) + (byte(i4 + 3) << 24);
    k *= M;
    k ^= k >>> R;
    k *= M;
    h *= M;
    h ^= k;
  }
  const tail = length & ~3;
  // The tail, as a switch falling through from 3 to 1.
  const rest = length % 4;
  if (rest === 3) h ^= byte(tail + 2) << 16;
  if (rest >= 2) h ^= byte(tail + 1) << 8;
  if (rest >= 1) {
    h ^= byte(tail);
    h *= M;
  }
  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return h;
}

/** A random unsigned 32-bit start for a topic's round-robin counter (KafkaJS: 4 random bytes). */
function randomStart(): number {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 0x100000000);
}

/**
 * KafkaJS's partitioner skeleton around a key hash: explicit partition, else hash(key) %
 * partitions, else round-robin over partitions with a leader (over all of them when none has).
 */
function hashingPartitioner(hash: (key: Uint8Array) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>();
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      let counter = counters.get(topic) ?? randomStart();
      const numPartitions = partitionMetadata.length;
      if (message.partition !== null && message.partition !== undefined) {
        counters.set(topic, counter);
        return message.partition;
      }
      if (message.key !== null && message.key !== undefined) {
        counters.set(topic, counter);
        return toPositive(hash(keyBytes(message.key))) % numPartitions;
      }
      counter += 1;
      counters.set(topic, counter);
      const available = partitionMetadata.filter((p) => p.leader >= 0);
      if (available.length > 0) return available[toPositive(counter) % available.length]!.partitionId;
      return toPositive(counter) % numPartitions;
    };
  };
}

/** Java-compatible keyed partitioning (murmur2 as Kafka's Utils.murmur2), round-robin otherwise. */
export const DefaultPartitioner: ICustomPartitioner = hashingPartitioner((key) => murmur2(key));

/** KafkaJS 1.x's partitioner, byte-compatible (see legacyMurmur2). */
export const LegacyPartitioner: ICustomPartitioner = hashingPartitioner(legacyMurmur2);

export const Partitioners: {
  readonly DefaultPartitioner: ICustomPartitioner;
  readonly LegacyPartitioner: ICustomPartitioner;
  /** @deprecated KafkaJS's old name of DefaultPartitioner. */
  readonly JavaCompatiblePartitioner: ICustomPartitioner;
} = Object.freeze({ DefaultPartitioner, LegacyPartitioner, JavaCompatiblePartitioner: DefaultPartitioner });

/** The engine's partition list as KafkaJS's PartitionMetadata (partitionId order). */
export function partitionMetadataOf(partitions: readonly PartitionInfo[]): PartitionMetadata[] {
  return partitions.map((p) => ({
    partitionErrorCode: p.errorCode,
    partitionId: p.partition,
    leader: p.leader,
    replicas: [...p.replicas],
    isr: [...p.isr],
    offlineReplicas: [],
  }));
}

/** A user partitioner's answer, checked: the engine refuses anything but a partition index. */
export function checkedPartition(partition: unknown, topic: string, message: Message): number {
  if (typeof partition === 'number' && Number.isInteger(partition) && partition >= 0) return partition;
  throw new TypeError(`the partitioner returned ${String(partition)} for a message to topic ${topic} (key ${String(message.key)}): a partition index is needed`);
}
