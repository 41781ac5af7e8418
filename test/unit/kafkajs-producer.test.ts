/**
 * The KafkaJS facade's behaviour on the in-memory cluster (test/helpers/fake-broker.ts, made the
 * registered runtime so the facade's engine producers talk to it): KafkaJS's connection status
 * rules and per-call checks, the RecordMetadata[] of a call (one entry per partition, the call's
 * first offset there; [] with acks=0), messages as KafkaJS encodes them, one engine producer per
 * (acks, compression, timeout), partitioners, error classes of a failed send, transactions,
 * instrumentation events and the logger.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import * as kafkajs from '../../src/compat/kafkajs/index.js';
import type { InstrumentationEvent, LogEntry, RequestEventPayload } from '../../src/compat/kafkajs/index.js';
import { registerRuntime } from '../../src/index.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { nodeRuntime } from '../../src/runtime/node/index.js';
import { FakeCluster, TestClock } from '../helpers/fake-broker.js';

const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;
const require = createRequire(import.meta.url);
const theirLegacy = (require('kafkajs') as { Partitioners: { LegacyPartitioner: () => (a: unknown) => number } }).Partitioners.LegacyPartitioner;

let cluster: FakeCluster;
const logs: LogEntry[] = [];
const open: kafkajs.Producer[] = [];

beforeAll(() => {
  cluster = new FakeCluster({ clock: new TestClock(), brokers: 2 });
  cluster.createTopic('orders', 3);
  cluster.createTopic('audit', 2);
  registerRuntime(cluster.runtime());
});

afterAll(() => registerRuntime(nodeRuntime));

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.disconnect()));
});

function kafka(extra: Partial<kafkajs.KafkaConfig> = {}): kafkajs.Kafka {
  return new Kafka({ clientId: 'unit', brokers: cluster.bootstrap.split(','), logLevel: logLevel.DEBUG, logCreator: () => (e) => void logs.push(e), ...extra });
}

function producer(config: kafkajs.ProducerConfig = {}, client: Partial<kafkajs.KafkaConfig> = {}): kafkajs.Producer {
  const p = kafka(client).producer(config);
  open.push(p);
  return p;
}

/** Produce requests' acks and the record batch codec (attributes & 7) of each partition they carried. */
function produceRequestsSince(n: number): { acks: number; codecs: number[]; topics: string[] }[] {
  return cluster
    .produceRequests()
    .slice(n)
    .map((r) => {
      const body = r.body as { acks: number; topicData: { name: string; partitionData: { records: Uint8Array }[] }[] };
      return {
        acks: body.acks,
        codecs: body.topicData.flatMap((t) => t.partitionData.map((p) => new DataView(p.records.buffer, p.records.byteOffset).getInt16(21) & 7)),
        topics: body.topicData.map((t) => t.name),
      };
    });
}

describe('connection status and checks, as KafkaJS', () => {
  test('send before connect: KafkaJSError (retriable); after disconnect the same; connect again works', async () => {
    const p = producer();
    const before = await p.send({ topic: 'orders', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(kafkajs.KafkaJSError);
    expect(before).not.toBeInstanceOf(kafkajs.KafkaJSNonRetriableError);
    expect((before as kafkajs.KafkaJSError).message).toBe('The producer is disconnected');
    await p.connect();
    expect(await p.send({ topic: 'orders', messages: [{ value: 'x' }] })).toHaveLength(1);
    await p.disconnect();
    await expect(p.send({ topic: 'orders', messages: [{ value: 'x' }] })).rejects.toThrow('The producer is disconnected');
    await p.connect();
    expect(await p.send({ topic: 'orders', messages: [{ value: 'again' }] })).toHaveLength(1);
  });

  test("KafkaJS's message checks come first, connected or not", async () => {
    const p = producer();
    await expect(p.send({ topic: '', messages: [{ value: 'x' }] })).rejects.toThrow(kafkajs.KafkaJSNonRetriableError);
    await expect(p.send({ topic: 'orders', messages: undefined as never })).rejects.toThrow('Invalid messages array');
    await expect(p.send({ topic: 'orders', messages: [{ key: 'k' } as never] })).rejects.toThrow('Invalid message without value for topic "orders"');
    const idem = producer({ idempotent: true });
    await idem.connect();
    await expect(idem.send({ topic: 'orders', acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(/idempotent producer's EoS/);
  });
});

describe('send / sendBatch', () => {
  test('one RecordMetadata per partition: the offset of the call’s first record there, topics in call order, partitions ascending', async () => {
    const p = producer();
    await p.connect();
    const before = new Map([0, 1, 2].map((i) => [i, cluster.log('orders', i).length]));
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const md = await p.send({ topic: 'orders', messages: keys.map((key) => ({ key, value: `v-${key}` })) });
    expect(md.map((m) => m.partition)).toEqual([...md.map((m) => m.partition)].sort());
    for (const m of md) {
      expect(Object.keys(m)).toEqual(['topicName', 'partition', 'errorCode', 'baseOffset', 'logAppendTime', 'logStartOffset']);
      expect(m).toMatchObject({ topicName: 'orders', errorCode: 0, logAppendTime: '-1', logStartOffset: '-1' });
      const first = cluster.log('orders', m.partition)[before.get(m.partition)!]!;
      expect(m.baseOffset).toBe(first.offset.toString());
      expect(first.key).toBe(keys.find((k) => `v-${k}` === first.value));
    }
    expect(new Set(md.map((m) => m.partition)).size).toBe(md.length);

    const batch = await p.sendBatch({
      topicMessages: [
        { topic: 'orders', messages: [{ value: 'a', partition: 2 }] },
        { topic: 'audit', messages: [{ value: 'b', partition: 1 }, { value: 'c', partition: 0 }] },
        { topic: 'orders', messages: [{ value: 'd', partition: 0 }] },
      ],
    });
    expect(batch.map((m) => [m.topicName, m.partition])).toEqual([
      ['orders', 0],
      ['orders', 2],
      ['audit', 0],
      ['audit', 1],
    ]);
  });

  test('keys, values and headers as KafkaJS encodes them; timestamps; tombstones', async () => {
    const p = producer();
    await p.connect();
    const from = cluster.log('audit', 0).length;
    await p.send({
      topic: 'audit',
      messages: [
        { key: Buffer.from('bin-key'), value: 'v1', partition: 0, headers: { 'correlation-id': '2bfb', multi: ['a', Buffer.from('b')], none: undefined }, timestamp: '1700000000123' },
        { key: 42 as never, value: 7 as never, partition: 0, timestamp: 1700000000456 },
        { key: 'gone', value: null, partition: 0 },
      ],
    });
    const [a, b, c] = cluster.log('audit', 0).slice(from);
    expect(a).toMatchObject({ key: 'bin-key', value: 'v1', timestamp: 1700000000123n, headers: [['correlation-id', '2bfb'], ['multi', 'a'], ['multi', 'b'], ['none', null]] });
    expect(b).toMatchObject({ key: '42', value: '7', timestamp: 1700000000456n, headers: [] });
    expect(c).toMatchObject({ key: 'gone', value: null });
    expect(Math.abs(Number(c!.timestamp) - Date.now())).toBeLessThan(60_000); // stamped at send
  });

  test('acks=0 resolves with []; acks, compression and timeout choose an engine producer each, reused', async () => {
    const p = producer();
    await p.connect();
    const n = cluster.produceRequests().length;
    expect(await p.send({ topic: 'orders', acks: 0, messages: [{ value: 'zero', partition: 0 }] })).toEqual([]);
    await p.send({ topic: 'orders', acks: 1, compression: CompressionTypes.GZIP, messages: [{ value: 'one-gzip', partition: 0 }] });
    await p.send({ topic: 'orders', compression: CompressionTypes.LZ4, messages: [{ value: 'all-lz4', partition: 0 }] });
    await p.send({ topic: 'orders', compression: CompressionTypes.Snappy, messages: [{ value: 'all-snappy', partition: 0 }] });
    await p.send({ topic: 'orders', messages: [{ value: 'all-none', partition: 0 }] });
    await p.send({ topic: 'orders', acks: 1, compression: CompressionTypes.GZIP, timeout: 30000, messages: [{ value: 'one-gzip-again', partition: 0 }] });
    expect(produceRequestsSince(n).map((r) => [r.acks, r.codecs[0]])).toEqual([
      [0, 0],
      [1, 1],
      [-1, 3],
      [-1, 2],
      [-1, 0],
      [1, 1],
    ]);
    // Five engine producers: acks=0, acks=1+gzip (reused by the last send: timeout 30000 is the
    // default), lz4, snappy and the default one created at connect(); one connection each.
    const clientConnections = new Set(cluster.produceRequests().slice(n).map((r) => r.connection));
    expect(clientConnections.size).toBe(5);
  });

  test('a failed send rejects with the KafkaJS error: a Kafka error code as KafkaJSProtocolError', async () => {
    const p = producer();
    await p.connect();
    await p.send({ topic: 'orders', messages: [{ value: 'warm', partition: 1 }] });
    cluster.failProduce('orders', 1, 'TOPIC_AUTHORIZATION_FAILED');
    const e = (await p.send({ topic: 'orders', messages: [{ value: 'ok', partition: 0 }, { value: 'refused', partition: 1 }] }).catch((x: unknown) => x)) as kafkajs.KafkaJSProtocolError;
    expect(e).toBeInstanceOf(kafkajs.KafkaJSProtocolError);
    expect([e.type, e.code, e.retriable]).toEqual(['TOPIC_AUTHORIZATION_FAILED', 29, false]);
    // An explicit partition the topic does not have: refused by the engine (UNKNOWN_TOPIC_OR_PARTITION).
    const missing = (await p.send({ topic: 'orders', messages: [{ value: 'x', partition: 9 }] }).catch((x: unknown) => x)) as kafkajs.KafkaJSProtocolError;
    expect(missing.type).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('partitioners', () => {
  test("LegacyPartitioner puts keys where KafkaJS's LegacyPartitioner does", async () => {
    const p = producer({ createPartitioner: Partitioners.LegacyPartitioner });
    await p.connect();
    const theirs = theirLegacy();
    const partitionMetadata = [0, 1, 2].map((i) => ({ partitionId: i, leader: 1 }));
    const keys = Array.from({ length: 40 }, (_, i) => `legacy-${i}-${'x'.repeat(i % 7)}`);
    const from = [0, 1, 2].map((i) => cluster.log('orders', i).length);
    await p.send({ topic: 'orders', messages: keys.map((key) => ({ key, value: key })) });
    for (const i of [0, 1, 2]) {
      for (const r of cluster.log('orders', i).slice(from[i])) expect(theirs({ topic: 'orders', partitionMetadata, message: { key: r.key } }), r.key!).toBe(i);
    }
  });

  test('a custom partitioner gets KafkaJS’s arguments and decides for every message', async () => {
    const seen: kafkajs.PartitionerArgs[] = [];
    const p = producer({
      createPartitioner: () => (args) => {
        seen.push(args);
        return args.partitionMetadata.length - 1;
      },
    });
    await p.connect();
    const md = await p.send({ topic: 'audit', messages: [{ key: 'k', value: 'v', partition: 0, headers: { h: 'x' } }] });
    expect(md.map((m) => m.partition)).toEqual([1]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.topic).toBe('audit');
    expect(seen[0]!.message).toEqual({ key: 'k', value: 'v', partition: 0, headers: { h: 'x' } });
    expect(seen[0]!.partitionMetadata.map((m) => [m.partitionId, m.partitionErrorCode])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    const bad = producer({ createPartitioner: () => () => -1 });
    await bad.connect();
    await expect(bad.send({ topic: 'audit', messages: [{ value: 'v' }] })).rejects.toThrow(TypeError);
  });
});

describe('transactions', () => {
  test('commit, abort, sendOffsets; only the transaction’s sends are transactional; one transaction at a time', async () => {
    const id = `unit-tx-${Date.now()}`;
    const p = producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
    await expect(producer().transaction()).rejects.toThrow('Must provide transactional id');
    await p.connect();
    const from = cluster.log('audit', 1).length;

    const t1 = await p.transaction();
    await expect(p.transaction()).rejects.toThrow('There is already an ongoing transaction');
    const md = await t1.send({ topic: 'audit', messages: [{ value: 'committed', partition: 1 }] });
    expect(md).toHaveLength(1);
    await t1.sendOffsets({ consumerGroupId: 'unit-group', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '42' }] }] });
    expect(t1.isActive()).toBe(true);
    await t1.commit();
    expect(t1.isActive()).toBe(false);
    await expect(t1.send({ topic: 'audit', messages: [{ value: 'late' }] })).rejects.toThrow('Cannot continue to use transaction once ended');

    await p.send({ topic: 'audit', messages: [{ value: 'plain', partition: 1 }] });

    const t2 = await p.transaction();
    await t2.sendBatch({ topicMessages: [{ topic: 'audit', messages: [{ value: 'aborted', partition: 1 }] }] });
    await expect(t2.send({ topic: 'audit', acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(/EoS/);
    await t2.abort();

    const values = cluster.readUncommitted('audit', 1).slice(from);
    expect(values.map((v) => [v.value, v.fate])).toEqual([
      ['committed', 'committed'],
      ['plain', 'plain'],
      ['aborted', 'aborted'],
    ]);
    expect(cluster.txn.committedOffsets.get('unit-group')?.get('orders-0')).toBe(42n);
    expect(cluster.txn.endings.filter((e) => e.transactionalId === id).map((e) => e.committed)).toEqual([true, false]);
  });
});

describe('events and logging', () => {
  test('producer.connect / disconnect / network.request, with KafkaJS’s event and payload shape', async () => {
    const p = producer();
    const events: InstrumentationEvent<unknown>[] = [];
    for (const name of Object.values(p.events)) p.on(name, (e) => void events.push(e));
    expect(() => p.on('producer.crash' as never, () => {})).toThrow(/Event name should be one of producer.events.CONNECT/);
    await p.connect();
    await p.send({ topic: 'orders', messages: [{ value: 'traced', partition: 0 }] });
    await p.send({ topic: 'orders', acks: 0, messages: [{ value: 'traced-acks0', partition: 0 }] });
    await p.disconnect();
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('producer.connect');
    expect(types.at(-1)).toBe('producer.disconnect');
    const requests = events.filter((e) => e.type === 'producer.network.request').map((e) => e.payload as RequestEventPayload);
    const apis = requests.map((r) => r.apiName);
    expect(apis).toContain('ApiVersions');
    expect(apis).toContain('Metadata');
    expect(apis.filter((a) => a === 'Produce')).toHaveLength(2);
    const produce = requests.find((r) => r.apiName === 'Produce')!;
    expect(Object.keys(produce).sort()).toEqual(['apiKey', 'apiName', 'apiVersion', 'broker', 'clientId', 'correlationId', 'createdAt', 'duration', 'pendingDuration', 'sentAt', 'size'].sort());
    expect(produce).toMatchObject({ apiKey: ApiKey.Produce, clientId: 'unit', pendingDuration: 0 });
    expect(produce.broker).toMatch(/^broker[12]\.test:9092$/);
    for (const e of events) expect(Object.keys(e)).toEqual(['id', 'type', 'timestamp', 'payload']);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('a listener that throws is logged, and the send goes on', async () => {
    const p = producer();
    p.on(p.events.CONNECT, () => {
      throw new Error('listener bug');
    });
    await p.connect();
    expect(logs.some((l) => l.label === 'ERROR' && l.log.message.includes('listener bug'))).toBe(true);
    expect(await p.send({ topic: 'orders', messages: [{ value: 'fine' }] })).toHaveLength(1);
  });

  test("the engine's log lines reach the logCreator as KafkaJS entries; logLevel filters", async () => {
    const entries: LogEntry[] = [];
    const p = producer({}, { logLevel: logLevel.INFO, logCreator: () => (e) => void entries.push(e), clientId: 'log-check' });
    await p.connect();
    await p.send({ topic: 'orders', messages: [{ value: 'logged' }] });
    const started = entries.find((e) => e.log.message.startsWith('producer started'));
    expect(started).toMatchObject({ namespace: 'Producer', level: logLevel.INFO, label: 'INFO', log: { logger: 'kafkajs', clientId: 'log-check' } });
    expect(entries.every((e) => e.level <= logLevel.INFO)).toBe(true);
    expect(p.logger().namespace).toBeTypeOf('function');
  });

  test('options without an equivalent are warned at producer()', () => {
    const entries: LogEntry[] = [];
    kafka({ logCreator: () => (e) => void entries.push(e), ssl: { rejectUnauthorized: false } }).producer({ allowAutoTopicCreation: false });
    expect(entries.filter((e) => e.label === 'WARN').map((e) => e.log.message.split(' ')[0])).toEqual(['ssl.rejectUnauthorized=false', 'allowAutoTopicCreation=false']);
  });

  test('consumer() and admin() say this is a producer', () => {
    expect(() => kafka().consumer()).toThrow(kafkajs.KafkaJSNotImplemented);
    expect(() => kafka().admin()).toThrow(kafkajs.KafkaJSNotImplemented);
  });
});
