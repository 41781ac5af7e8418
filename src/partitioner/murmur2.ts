/**
 * murmur2 exactly as Kafka's Java client computes it (`org.apache.kafka.common.utils.Utils.murmur2`),
 * so that a keyed record lands on the same partition whichever client produced it.
 *
 * Kafka's variant is MurmurHash2 (32 bit) with the fixed seed 0x9747b28c over the serialized key
 * bytes, returning a signed 32-bit integer. Keys are hashed as bytes: a string key must be UTF-8
 * encoded first. (The npm package `murmurhash-js` is not a substitute: it takes a string and
 * hashes the low byte of each UTF-16 code unit, `charCodeAt(i) & 0xff`, so any non-ASCII key
 * lands on a different partition than with Java, and it returns an unsigned result.)
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Java's `Utils.murmur2` over `bytes[offset, offset + length)`; the whole array by default.
 * Returns a signed 32-bit integer (like Java's `int`). Allocation free.
 */
export function murmur2(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  let h = (SEED ^ length) | 0;
  const end4 = offset + (length & ~3);
  let i = offset;
  for (; i < end4; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) | 0;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Tail: Java's switch falls through 3 -> 2 -> 1, then multiplies once.
  const tail = length & 3;
  if (tail !== 0) {
    if (tail === 3) h ^= bytes[i + 2]! << 16;
    if (tail >= 2) h ^= bytes[i + 1]! << 8;
    h ^= bytes[i]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioning gives a non-null key:
 * `toPositive(murmur2(keyBytes)) % numPartitions` (Java's `BuiltInPartitioner.partitionForKey`).
 * An empty key is a key (it hashes); only a null key goes to the sticky partitioner.
 */
export function keyedPartition(keyBytes: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(keyBytes)) % numPartitions;
}
