/**
 * The producer examples of KafkaJS's own documentation (kafka.js.org, "Producing Messages" and
 * "Transactions": keys, headers, compression, sending to several topics, a custom partitioner,
 * transactions with offsets), written once and run unchanged against KafkaJS 2.2.4 itself and
 * against `kafka-wire/kafkajs`, each into a fresh topic of the run's Kafka 4.4. Both topics are
 * then read back by a consumer nobody here wrote (kcat or Kafka's Java consumer; read_committed
 * for transactions), and must hold the same records: same keys, values, headers, timestamps,
 * partitions and offsets; the calls' RecordMetadata[] must be the same too, except the one
 * field the engine does not report (logStartOffset: '-1', docs/KAFKAJS.md).
 *
 * KafkaJS ships only a gzip codec; its documentation registers kafkajs-snappy / kafkajs-lz4 in
 * CompressionCodecs. Those packages are not installed here, so the example registers codecs
 * built on kafka-wire's own snappy and lz4 (Kafka's xerial and LZ4-frame formats); the facade
 * accepts the registration and uses its built-in codecs.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wire from '../../src/compat/kafkajs/index.js';
import { getCodec } from '../../src/compression/index.js';
import { murmur2, toPositive } from '../../src/partitioner/index.js';
import { createTopic, groupOffsets, kafkaBootstrap, readBack, skipAllIf, uniqueTopic, unavailable, type ReadRecord } from '../helpers/kafka.js';

type Lib = typeof wire;
const require = createRequire(import.meta.url);
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const LIBS: ReadonlyArray<readonly [string, Lib]> = [
  ['kafkajs 2.2.4', require('kafkajs') as Lib],
  ['kafka-wire/kafkajs', wire],
];

const PARTITIONS = 3;
const enc = new TextEncoder();

/** A read-back record in comparable form (Buffers as strings, offsets as strings). */
function plain(r: ReadRecord): unknown {
  return {
    partition: r.partition,
    offset: r.offset.toString(),
    key: r.key?.toString('utf8') ?? null,
    value: r.value?.toString('utf8') ?? null,
    headers: r.headers.map(([k, v]) => [k, v?.toString('utf8') ?? null]),
  };
}

/** What an example returns: the RecordMetadata[] of its calls, per topic it wrote to. */
type Written = Record<string, unknown[]>;

interface Example {
  name: string;
  topics: number;
  readCommitted?: boolean;
  /** Runs the documentation's code with `lib` (the import) against topics[]. */
  run(lib: Lib, brokers: string[], topics: string[]): Promise<{ results: unknown[]; expected: number[] }>;
  /** Extra checks on what was read back (the same for both libraries). */
  check?(read: ReadRecord[][], topics: string[]): void | Promise<void>;
}

const timestamp = '1700000000000';

const EXAMPLES: Example[] = [
  {
    name: 'keys (Producing Messages: producer.send)',
    topics: 1,
    async run({ Kafka, logLevel }, brokers, [topic]) {
      const kafka = new Kafka({ clientId: 'my-app', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer();
      await producer.connect();
      const results = [
        await producer.send({
          topic: topic!,
          messages: [
            { key: 'key1', value: 'hello world' },
            { key: 'key2', value: 'hey hey!' },
          ],
        }),
        await producer.send({ topic: topic!, messages: Array.from({ length: 60 }, (_, i) => ({ key: `order-${i % 17}`, value: `event ${i}`, timestamp })) }),
      ];
      await producer.disconnect();
      return { results, expected: [62] };
    },
    check([read]) {
      // DefaultPartitioner: Java's murmur2, as Kafka's Java producer places keys.
      for (const r of read!) expect(r.partition).toBe(toPositive(murmur2(enc.encode(r.key!.toString()))) % PARTITIONS);
      expect(read!.filter((r) => r.value!.toString().startsWith('event')).every((r) => r.timestamp === Number(timestamp))).toBe(true);
    },
  },
  {
    name: 'message headers',
    topics: 1,
    async run({ Kafka, logLevel }, brokers, [topic]) {
      const kafka = new Kafka({ clientId: 'my-app', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer();
      await producer.connect();
      const results = [
        await producer.send({
          topic: topic!,
          messages: [
            {
              key: 'key1',
              value: 'hello world',
              headers: {
                'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67',
                'system-id': 'my-system',
              },
            },
            { key: 'key2', value: Buffer.from('binary \u0000\u00ff'), headers: { 'system-ids': ['a', Buffer.from('b')] } },
            { key: 'key3', value: null },
          ],
        }),
      ];
      await producer.disconnect();
      return { results, expected: [3] };
    },
    check([read]) {
      const byKey = new Map(read!.map((r) => [r.key!.toString(), r]));
      expect(byKey.get('key1')!.headers.map(([k, v]) => [k, v!.toString()])).toEqual([
        ['correlation-id', '2bfb68bb-893a-423b-a7fa-7b568cad5b67'],
        ['system-id', 'my-system'],
      ]);
      expect(byKey.get('key2')!.headers.map(([k, v]) => [k, v!.toString()])).toEqual([
        ['system-ids', 'a'],
        ['system-ids', 'b'],
      ]);
      expect(byKey.get('key3')!.value).toBeNull();
    },
  },
  {
    name: 'compression (GZIP, and Snappy / LZ4 through registered codecs)',
    topics: 1,
    async run({ Kafka, logLevel, CompressionTypes, CompressionCodecs }, brokers, [topic]) {
      // The documentation's registration, with codecs on kafka-wire's snappy and lz4 (see above).
      for (const [type, name] of [
        [CompressionTypes.Snappy, 'snappy'],
        [CompressionTypes.LZ4, 'lz4'],
      ] as const) {
        const codec = await getCodec(name);
        CompressionCodecs[type] = () => ({
          compress: async (encoder: { buffer: Uint8Array }) => Buffer.from(await codec.compress(encoder.buffer)),
          decompress: async (buffer: Uint8Array) => Buffer.from(await codec.decompress(buffer)),
        });
      }
      const kafka = new Kafka({ clientId: 'my-app', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer();
      await producer.connect();
      const results = [];
      for (const compression of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4]) {
        results.push(
          await producer.send({
            topic: topic!,
            compression,
            messages: Array.from({ length: 20 }, (_, i) => ({ key: `key${i % 4}`, value: `hello world ${compression} ${i} ${'z'.repeat(100)}` })),
          }),
        );
      }
      await producer.disconnect();
      return { results, expected: [60] };
    },
  },
  {
    name: 'producing to multiple topics (sendBatch)',
    topics: 3,
    async run({ Kafka, logLevel }, brokers, [a, b, c]) {
      const kafka = new Kafka({ clientId: 'my-app', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer();
      await producer.connect();
      const topicMessages = [
        { topic: a!, messages: [{ key: 'key', value: 'hello topic-a' }] },
        { topic: b!, messages: [{ key: 'key', value: 'hello topic-b' }] },
        { topic: c!, messages: [{ key: 'key', value: 'hello topic-c', headers: { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67' } }] },
        { topic: a!, messages: [{ key: 'other', value: 'again topic-a' }] },
      ];
      const results = [await producer.sendBatch({ topicMessages })];
      await producer.disconnect();
      return { results, expected: [2, 1, 1] };
    },
  },
  {
    name: 'a custom partitioner, and LegacyPartitioner (KafkaJS 1.x key placement)',
    topics: 2,
    async run({ Kafka, logLevel, Partitioners }, brokers, [custom, legacy]) {
      const kafka = new Kafka({ clientId: 'my-app', brokers, logLevel: logLevel.ERROR });
      const MyPartitioner = () => {
        return ({ partitionMetadata, message }: { partitionMetadata: { partitionId: number }[]; message: { key?: unknown } }) =>
          String(message.key).length % partitionMetadata.length;
      };
      const p1 = kafka.producer({ createPartitioner: MyPartitioner as never });
      const p2 = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner });
      await Promise.all([p1.connect(), p2.connect()]);
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${'x'.repeat(i % 5)}-${i}`, value: `v${i}` }));
      const results = [await p1.send({ topic: custom!, messages }), await p2.send({ topic: legacy!, messages })];
      await Promise.all([p1.disconnect(), p2.disconnect()]);
      return { results, expected: [30, 30] };
    },
    check([custom]) {
      for (const r of custom!) expect(r.partition).toBe(r.key!.toString().length % PARTITIONS);
    },
  },
  {
    name: 'transactions (commit, abort, sendOffsets)',
    topics: 1,
    readCommitted: true,
    async run({ Kafka, logLevel }, brokers, [topic]) {
      const client = new Kafka({ clientId: 'transactional-client', brokers, logLevel: logLevel.NOTHING });
      const producer = client.producer({ transactionalId: `my-transactional-producer-${topic}`, maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      const results = [];
      for (const outcome of ['commit', 'abort', 'commit'] as const) {
        const transaction = await producer.transaction();
        try {
          results.push(await transaction.send({ topic: topic!, messages: [{ key: 'key', value: `${outcome} 1` }, { key: 'other', value: `${outcome} 2` }] }));
          await transaction.sendOffsets({ consumerGroupId: `group-${topic}`, topics: [{ topic: topic!, partitions: [{ partition: 0, offset: outcome === 'commit' ? `${results.length * 10}` : '999' }] }] });
          if (outcome === 'abort') throw new Error('the example aborts this one');
          await transaction.commit();
        } catch (e) {
          await transaction.abort();
        }
      }
      await producer.disconnect();
      return { results, expected: [4] };
    },
    async check([read], [topic]) {
      expect(read!.map((r) => r.value!.toString()).sort()).toEqual(['commit 1', 'commit 1', 'commit 2', 'commit 2']);
      // The last committed transaction's offset: 3 sends made, so '30'.
      expect((await groupOffsets(`group-${topic}`)).get(`${topic}-0`)).toBe(30n);
    },
  },
];

describe('KafkaJS documentation examples: KafkaJS 2.2.4 and kafka-wire/kafkajs on the same Kafka', () => {
  skipAllIf(unavailable('kafka'));
  const brokers = (kafkaBootstrap() ?? '').split(',');

  // A fresh broker creates __transaction_state and __consumer_offsets on the first transaction;
  // KafkaJS 2.2.4 meets CONCURRENT_TRANSACTIONS and coordinator errors then, and its records
  // were not readable at read_committed within the test's time (seen on a just-started Kafka).
  // One kafka-wire transaction with offsets first, so both libraries meet a warm broker.
  beforeAll(async () => {
    if (unavailable('kafka')) return;
    const topic = uniqueTopic('kjs-warmup');
    await createTopic(topic, { partitions: 1 });
    const producer = new wire.Kafka({ clientId: 'warmup', brokers, logLevel: wire.logLevel.NOTHING }).producer({ transactionalId: `warmup-${topic}` });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ value: 'warm-up' }] });
    await transaction.sendOffsets({ consumerGroupId: `warmup-${topic}`, topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] });
    await transaction.commit();
    await producer.disconnect();
  }, 120_000);

  for (const example of EXAMPLES) {
    test(example.name, async () => {
      const runs: { lib: string; topics: string[]; results: unknown[]; read: ReadRecord[][] }[] = [];
      for (const [name, lib] of LIBS) {
        const theirs = name.startsWith('kafkajs');
        let topics: string[];
        let results: unknown[];
        let read: ReadRecord[][];
        for (let attempt = 1; ; attempt++) {
          topics = Array.from({ length: example.topics }, (_, i) => uniqueTopic(`kjs-${theirs ? 'theirs' : 'ours'}-${i}`));
          for (const t of topics) await createTopic(t, { partitions: PARTITIONS });
          const ran = await example.run(lib, brokers, topics);
          results = ran.results;
          const expected = ran.expected;
          read = await Promise.all(
            topics.map((t, i) => readBack(t, { expectedCount: expected[i]!, timeoutMs: 60_000, ...(example.readCommitted ? { isolation: 'read_committed' as const } : {}) })),
          );
          // KafkaJS (not idempotent by default) resends a whole request after NOT_LEADER on a
          // just-created topic and can store a record twice (seen in CI: 4 records for 3). That is
          // KafkaJS's behaviour, not the facade's: its side gets one more try; ours never does.
          const duplicated = read.some((records, i) => records.length > expected[i]!);
          if (theirs && duplicated && attempt === 1) {
            process.stderr.write(`[kafkajs] ${example.name}: KafkaJS 2.2.4 stored duplicates (${read.map((r) => r.length).join(', ')} for ${expected.join(', ')}); running its side once more\n`);
            continue;
          }
          read.forEach((records, i) => expect(records, `${name}: ${topics[i]}`).toHaveLength(expected[i]!));
          break;
        }
        await example.check?.(read, topics);
        runs.push({ lib: name, topics, results, read });
      }
      const [theirs, ours] = runs as [(typeof runs)[0], (typeof runs)[0]];
      // The same records, in the same partitions at the same offsets.
      expect(ours.read.map((rs) => rs.map(plain))).toEqual(theirs.read.map((rs) => rs.map(plain)));
      // The same RecordMetadata[] per call, topics renamed, logStartOffset aside, sorted: KafkaJS
      // lists them in the order of the broker's answer, which Kafka 4 builds from a hash map.
      const normalize = (run: (typeof runs)[0]) =>
        (JSON.parse(JSON.stringify(run.results), (k, v: unknown) => (k === 'topicName' ? run.topics.indexOf(v as string) : k === 'logStartOffset' ? undefined : v)) as { topicName: number; partition: number }[][]).map(
          (call) => [...call].sort((a, b) => a.topicName - b.topicName || a.partition - b.partition),
        );
      expect(normalize(ours)).toEqual(normalize(theirs));
      for (const md of (theirs.results as { logStartOffset: string }[][]).flat()) expect(md.logStartOffset).toBe('0');
      for (const md of (ours.results as { logStartOffset: string }[][]).flat()) expect(md.logStartOffset).toBe('-1');
    });
  }

  test('acks: 0 and 1, and the errors KafkaJS programs check for', async () => {
    for (const [name, lib] of LIBS) {
      const topic = uniqueTopic('kjs-acks');
      await createTopic(topic, { partitions: PARTITIONS });
      const kafka = new lib.Kafka({ clientId: 'my-app', brokers, logLevel: lib.logLevel.NOTHING });
      const producer = kafka.producer();
      const early = await producer.send({ topic, messages: [{ value: 'x' }] }).catch((e: unknown) => e);
      expect(early, name).toBeInstanceOf(lib.KafkaJSError);
      expect((early as Error).message, name).toBe('The producer is disconnected');
      await producer.connect();
      expect(await producer.send({ topic, acks: 0, messages: [{ key: 'a', value: 'zero' }] }), name).toEqual([]);
      const one = await producer.send({ topic, acks: 1, messages: [{ key: 'a', value: 'one' }] });
      expect(one.map((m) => m.partition), name).toEqual([toPositive(murmur2(enc.encode('a'))) % PARTITIONS]);
      await expect(producer.send({ topic: '', messages: [] }), name).rejects.toBeInstanceOf(lib.KafkaJSNonRetriableError);
      await producer.disconnect();
      const idempotent = kafka.producer({ idempotent: true });
      await idempotent.connect();
      const refused = await idempotent.send({ topic, acks: 1, messages: [{ value: 'x' }] }).catch((e: unknown) => e);
      expect(refused, name).toBeInstanceOf(lib.KafkaJSNonRetriableError);
      await idempotent.disconnect();
      // Two records, two libraries, one 60 s test: a read that falls short must report in time.
      const read = await readBack(topic, { expectedCount: 2, timeoutMs: 20_000 });
      expect(read.map((r) => r.value!.toString()).sort(), name).toEqual(['one', 'zero']);
    }
  });

  test('instrumentation: producer.connect, producer.network.request, producer.disconnect', async () => {
    const seen: Record<string, { types: string[]; produce: Record<string, unknown>[] }> = {};
    for (const [name, lib] of LIBS) {
      const topic = uniqueTopic('kjs-events');
      await createTopic(topic, { partitions: 1 });
      const producer = new lib.Kafka({ clientId: 'instrumented', brokers, logLevel: lib.logLevel.NOTHING }).producer();
      const types: string[] = [];
      const produce: Record<string, unknown>[] = [];
      const { CONNECT, DISCONNECT, REQUEST } = producer.events;
      for (const e of [CONNECT, DISCONNECT, REQUEST]) {
        producer.on(e, (event) => {
          const payload = event.payload as Record<string, unknown>;
          types.push(event.type === REQUEST ? `${event.type}:${String(payload.apiName)}` : event.type);
          if (event.type === REQUEST && payload.apiName === 'Produce') produce.push(payload);
        });
      }
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'observed' }] });
      await producer.disconnect();
      seen[name] = { types, produce };
    }
    for (const { types, produce } of Object.values(seen)) {
      // KafkaJS's connect() talks to a broker before emitting producer.connect; ours does not wait.
      expect(types.indexOf('producer.connect')).toBeGreaterThanOrEqual(0);
      expect(types.indexOf('producer.connect')).toBeLessThan(types.indexOf('producer.network.request:Produce'));
      expect(types.at(-1)).toBe('producer.disconnect');
      expect(produce).toHaveLength(1);
      expect(produce[0]).toMatchObject({ apiKey: 0, apiName: 'Produce', broker: brokers[0], clientId: 'instrumented' });
    }
    const keys = (name: string) => Object.keys(seen[name]!.produce[0]!).sort();
    expect(keys('kafka-wire/kafkajs')).toEqual(keys('kafkajs 2.2.4'));
  });
});

afterAll(() => {
  delete process.env.KAFKAJS_NO_PARTITIONER_WARNING;
});
