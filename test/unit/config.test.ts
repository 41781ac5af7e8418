import { describe, expect, test } from 'vitest';
import { CONFIG_DEFS, parseProperties, resolveConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const base = { 'bootstrap.servers': '127.0.0.1:9092' };
const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveConfig', () => {
  test("Java's defaults", () => {
    const c = resolveConfig(base);
    expect(c.str('acks')).toBe('all');
    expect(c.bool('enable.idempotence')).toBe(true);
    expect(c.int('linger.ms')).toBe(5);
    expect(c.int('batch.size')).toBe(16384);
    expect(c.int('buffer.memory')).toBe(32 * 1024 * 1024);
    expect(c.int('max.in.flight.requests.per.connection')).toBe(5);
    expect(c.int('delivery.timeout.ms')).toBe(120000);
    expect(c.list('bootstrap.servers')).toEqual(['127.0.0.1:9092']);
  });

  test('strings from properties files are parsed by type', () => {
    const c = resolveConfig({ ...base, 'linger.ms': '20', 'enable.idempotence': 'FALSE', 'bootstrap.servers': 'a:1, b:2' });
    expect(c.int('linger.ms')).toBe(20);
    expect(c.bool('enable.idempotence')).toBe(false);
    expect(c.list('bootstrap.servers')).toEqual(['a:1', 'b:2']);
  });

  test('wrong type, range and unknown values name the property', () => {
    expect(errorOf(() => resolveConfig({ ...base, 'linger.ms': 'soon' })).property).toBe('linger.ms');
    expect(errorOf(() => resolveConfig({ ...base, 'batch.size': -1 })).message).toMatch(/batch.size.*out of range/);
    expect(errorOf(() => resolveConfig({ ...base, 'batch.size': 2 ** 31 })).property).toBe('batch.size');
    expect(errorOf(() => resolveConfig({ ...base, acks: '2' })).message).toMatch(/acks.*one of all, -1, 0, 1/);
    expect(errorOf(() => resolveConfig({ ...base, 'compression.type': 'brotli' })).property).toBe('compression.type');
    expect(errorOf(() => resolveConfig({})).message).toMatch(/bootstrap.servers: is required/);
    expect(errorOf(() => resolveConfig({ 'bootstrap.servers': 'nohost' })).property).toBe('bootstrap.servers');
  });

  test('unknown names suggest the nearest; unsupported Java names say so', () => {
    expect(errorOf(() => resolveConfig({ ...base, 'linger.sm': 1 })).message).toMatch(/did you mean linger.ms\?/);
    expect(errorOf(() => resolveConfig({ ...base, 'batch_size': 1 })).message).toMatch(/did you mean batch.size\?/);
    expect(errorOf(() => resolveConfig({ ...base, 'transaction.two.phase.commit.enable': true })).message).toMatch(/does not support yet/);
    expect(errorOf(() => resolveConfig({ ...base, 'ssl.engine.factory.class': 'com.example.Engine' })).message).toMatch(/does not support yet/);
    expect(errorOf(() => resolveConfig({ ...base, 'sasl.kerberos.service.name': 'kafka' })).message).toMatch(/does not support yet/);
  });

  test("idempotence conflicts: errors when explicit, silently off by default (as Java)", () => {
    expect(errorOf(() => resolveConfig({ ...base, 'enable.idempotence': true, acks: '1' })).property).toBe('acks');
    expect(errorOf(() => resolveConfig({ ...base, 'enable.idempotence': true, 'max.in.flight.requests.per.connection': 6 })).property).toBe('max.in.flight.requests.per.connection');
    expect(errorOf(() => resolveConfig({ ...base, 'enable.idempotence': true, retries: 0 })).property).toBe('retries');
    expect(resolveConfig({ ...base, acks: '1' }).bool('enable.idempotence')).toBe(false);
    expect(resolveConfig({ ...base, acks: '-1' }).str('acks')).toBe('all');
  });

  test('delivery.timeout.ms >= linger.ms + request.timeout.ms', () => {
    expect(errorOf(() => resolveConfig({ ...base, 'delivery.timeout.ms': 1000, 'request.timeout.ms': 1000, 'linger.ms': 5 })).property).toBe('delivery.timeout.ms');
    // Not set explicitly: raised to the minimum, as Java does.
    expect(resolveConfig({ ...base, 'request.timeout.ms': 200000 }).int('delivery.timeout.ms')).toBe(200005);
  });

  test('every definition has documentation and a default of its type', () => {
    for (const d of CONFIG_DEFS) {
      expect(d.doc.length, d.name).toBeGreaterThan(10);
      if (d.default === undefined || d.default === null) continue;
      const t = { int: 'number', short: 'number', long: 'number', double: 'number', boolean: 'boolean', string: 'string', password: 'string', list: 'object', function: 'object' }[d.type];
      expect(typeof d.default, d.name).toBe(t);
    }
  });
});

describe('parseProperties', () => {
  test('Java properties syntax', () => {
    expect(parseProperties('# c\n! c\nacks=1\nlinger.ms : 7\nclient.id  spaced\nlong=a\\\n  b\nempty=\n')).toEqual({
      acks: '1', 'linger.ms': '7', 'client.id': 'spaced', long: 'ab', empty: '',
    });
  });
});

describe('Java class names from a properties file', () => {
  const S = 'org.apache.kafka.common.serialization.';
  type Ser = (d: unknown, topic: string, headers: never[]) => unknown;
  const ser = (name: string): Ser => resolveConfig({ ...base, 'value.serializer': S + name }).values['value.serializer'] as Ser;
  const hex = (u: unknown) => Buffer.from(u as Uint8Array).toString('hex');

  test("Kafka's serializers write Java's bytes", () => {
    expect(ser('StringSerializer')('héllo', 't', [])).toBe('héllo');
    expect(hex(ser('IntegerSerializer')(-2, 't', []))).toBe('fffffffe');
    expect(hex(ser('LongSerializer')(2n ** 40n + 1n, 't', []))).toBe('0000010000000001');
    expect(hex(ser('ShortSerializer')(258, 't', []))).toBe('0102');
    expect(hex(ser('DoubleSerializer')(1.5, 't', []))).toBe('3ff8000000000000');
    expect(hex(ser('FloatSerializer')(1.5, 't', []))).toBe('3fc00000');
    expect(ser('ByteArraySerializer')(null, 't', [])).toBeNull();
    expect(() => ser('IntegerSerializer')(2 ** 31, 't', [])).toThrow(/IntegerSerializer cannot serialize number for topic t/);
    expect(() => ser('StringSerializer')(42, 't', [])).toThrow(/expected a string/);
  });

  test('partitioner classes map to built-ins; unknown classes are clear errors', () => {
    expect(typeof resolveConfig({ ...base, 'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner' }).values['partitioner.class']).toBe('function');
    expect(resolveConfig({ ...base, 'partitioner.class': 'org.apache.kafka.clients.producer.UniformStickyPartitioner' }).values['partitioner.class']).toBeNull();
    expect(errorOf(() => resolveConfig({ ...base, 'value.serializer': 'io.confluent.kafka.serializers.KafkaAvroSerializer' })).message).toMatch(/value.serializer: Java class .* has no kafka-wire equivalent/);
  });

  test('a typical Java producer.properties file is accepted as written', () => {
    const props = parseProperties(`bootstrap.servers=127.0.0.1:9092
key.serializer=org.apache.kafka.common.serialization.StringSerializer
value.serializer=org.apache.kafka.common.serialization.ByteArraySerializer
acks=all
linger.ms=20
compression.type=lz4
enable.idempotence=true
max.in.flight.requests.per.connection=5
`);
    const c = resolveConfig(props);
    expect(c.int('linger.ms')).toBe(20);
    expect(c.str('compression.type')).toBe('lz4');
    expect(typeof c.values['key.serializer']).toBe('function');
  });
});
