/**
 * Java class names that a producer properties file may name, mapped to what kafka-wire does in
 * their place, so a Java producer's properties file works as written: Kafka's built-in
 * serializers (org.apache.kafka.common.serialization.*) and partitioners. A class kafka-wire
 * cannot stand in for is a ConfigError that says to pass a function instead.
 *
 * The serializers write exactly the bytes Java's do (big-endian numbers, UTF-8 strings).
 */
import { KafkaWireError } from './errors.js';
import { roundRobinPartitioner, type Partitioner } from './partitioner/index.js';

/** What a serializer returns: bytes, a string (written as UTF-8) or null. */
export type SerializedData = string | Uint8Array | null;
export type Serializer = (data: unknown, topic: string, headers: Array<[string, SerializedData]>) => SerializedData;

const SERIALIZATION = 'org.apache.kafka.common.serialization.';

function fail(serializer: string, data: unknown, topic: string, expected: string): never {
  throw new KafkaWireError('SERIALIZATION', `${serializer} cannot serialize ${typeof data} for topic ${topic}: expected ${expected}`);
}

function fixed(size: number, write: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(size);
  write(new DataView(out.buffer));
  return out;
}

function integral(name: string, data: unknown, topic: string, bits: number): number {
  const n = typeof data === 'bigint' ? Number(data) : data;
  const limit = 2 ** (bits - 1);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -limit || n >= limit) fail(name, data, topic, `an integer of ${bits} bits`);
  return n;
}

const SERIALIZERS: Readonly<Record<string, Serializer>> = {
  StringSerializer: (d, topic) => (d == null ? null : typeof d === 'string' ? d : fail('StringSerializer', d, topic, 'a string')),
  ByteArraySerializer: (d, topic) => (d == null ? null : d instanceof Uint8Array ? d : fail('ByteArraySerializer', d, topic, 'a Uint8Array')),
  ByteBufferSerializer: (d, topic) => (d == null ? null : d instanceof Uint8Array ? d : fail('ByteBufferSerializer', d, topic, 'a Uint8Array')),
  BytesSerializer: (d, topic) => (d == null ? null : d instanceof Uint8Array ? d : fail('BytesSerializer', d, topic, 'a Uint8Array')),
  UUIDSerializer: (d, topic) => (d == null ? null : typeof d === 'string' ? d : fail('UUIDSerializer', d, topic, 'a UUID string')),
  VoidSerializer: (d, topic) => (d == null ? null : fail('VoidSerializer', d, topic, 'null')),
  ShortSerializer: (d, topic) => (d == null ? null : fixed(2, (v) => v.setInt16(0, integral('ShortSerializer', d, topic, 16)))),
  IntegerSerializer: (d, topic) => (d == null ? null : fixed(4, (v) => v.setInt32(0, integral('IntegerSerializer', d, topic, 32)))),
  LongSerializer: (d, topic) => {
    if (d == null) return null;
    if (typeof d === 'number' && Number.isSafeInteger(d)) return fixed(8, (v) => v.setBigInt64(0, BigInt(d)));
    if (typeof d === 'bigint' && d >= -(2n ** 63n) && d < 2n ** 63n) return fixed(8, (v) => v.setBigInt64(0, d));
    return fail('LongSerializer', d, topic, 'a bigint or safe integer of 64 bits');
  },
  FloatSerializer: (d, topic) => (d == null ? null : typeof d === 'number' ? fixed(4, (v) => v.setFloat32(0, d)) : fail('FloatSerializer', d, topic, 'a number')),
  DoubleSerializer: (d, topic) => (d == null ? null : typeof d === 'number' ? fixed(8, (v) => v.setFloat64(0, d)) : fail('DoubleSerializer', d, topic, 'a number')),
};

/** Java partitioner classes: null means "Kafka's default partitioning". */
const PARTITIONERS: Readonly<Record<string, () => Partitioner | null>> = {
  'org.apache.kafka.clients.producer.RoundRobinPartitioner': roundRobinPartitioner,
  // Deprecated since Kafka 3.3: their behaviour is the built-in default (KIP-794).
  'org.apache.kafka.clients.producer.internals.DefaultPartitioner': () => null,
  'org.apache.kafka.clients.producer.UniformStickyPartitioner': () => null,
};

/**
 * The function standing in for Java class `className` named by `property`, or undefined when
 * kafka-wire has none (the caller reports it).
 */
export function javaClassFor(property: string, className: string): Serializer | Partitioner | null | undefined {
  const name = className.trim();
  if (property === 'key.serializer' || property === 'value.serializer') {
    return name.startsWith(SERIALIZATION) ? SERIALIZERS[name.slice(SERIALIZATION.length)] : undefined;
  }
  if (property === 'partitioner.class') return PARTITIONERS[name]?.();
  return undefined;
}
