/**
 * The public Producer against live brokers, read back by consumers nobody here wrote (kcat,
 * i.e. librdkafka, with CRC checks): real Apache Kafka 4.4 and librdkafka's mock cluster (old
 * protocol versions), every codec; keys land on the partition Java's partitioner picks;
 * keyless records spread over partitions; headers, nulls and timestamps survive.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Producer, type RecordMetadata } from '../../src/index.js';
import { murmur2, toPositive } from '../../src/partitioner/index.js';
import { createTopic, kafkaBootstrap, mockBootstrap, readBack, uniqueTopic } from '../helpers/kafka.js';
import { MockCluster } from '../helpers/mock-cluster.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITIONS = 3;
const enc = new TextEncoder();

function javaPartition(key: string, n: number): number {
  return toPositive(murmur2(enc.encode(key))) % n;
}

interface Sent {
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp: number;
  md: RecordMetadata;
}

async function produceMix(bootstrap: string, topic: string, codec: string, count: number): Promise<Sent[]> {
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'compression.type': codec, 'client.id': `live-${codec}` });
  try {
    const base = 1_700_000_000_000;
    const pending: Promise<Sent>[] = [];
    for (let i = 0; i < count; i++) {
      const key = i % 7 === 0 ? null : `key-${i % 50}-ünï`;
      const value = i % 11 === 0 ? null : `value ${i} ${'x'.repeat(i % 300)}`;
      const headers: [string, string | null][] = i % 3 === 0 ? [['trace', `t${i}`], ['trace', null], ['ünicode', 'ü']] : [];
      const timestamp = base + i * 1000;
      pending.push(producer.send({ topic, key, value, headers, timestamp }).then((md) => ({ key, value, headers, timestamp, md })));
    }
    return await Promise.all(pending);
  } finally {
    await producer.close();
  }
}

function checkReadBack(sent: Sent[], read: Awaited<ReturnType<typeof readBack>>): void {
  expect(read.length).toBe(sent.length);
  const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  for (const s of sent) {
    const r = byPosition.get(`${s.md.partition}/${s.md.offset}`);
    expect(r, `record at ${s.md.partition}/${s.md.offset}`).toBeDefined();
    expect(r!.key === null ? null : r!.key.toString('utf8')).toBe(s.key);
    expect(r!.value === null ? null : r!.value.toString('utf8')).toBe(s.value);
    expect(r!.headers.map(([k, v]) => [k, v === null ? null : v.toString('utf8')])).toEqual(s.headers);
    expect(r!.timestamp).toBe(s.timestamp);
    expect(s.md.timestamp).toBe(s.timestamp);
    if (s.key !== null) expect(s.md.partition).toBe(javaPartition(s.key, PARTITIONS));
  }
}

describe.skipIf(!kafkaBootstrap())('Apache Kafka 4.4', () => {
  for (const codec of CODECS) {
    test(`compression ${codec}: 300 records read back identically by kcat`, async () => {
      const topic = uniqueTopic(`live-${codec}`);
      await createTopic(topic, { partitions: PARTITIONS });
      const sent = await produceMix(kafkaBootstrap()!, topic, codec, 300);
      checkReadBack(sent, await readBack(topic, { expectedCount: sent.length, timeoutMs: 30_000 }));
    });
  }

  test('keyless records spread across partitions (uniform sticky partitioner)', async () => {
    const topic = uniqueTopic('live-sticky');
    await createTopic(topic, { partitions: PARTITIONS });
    const producer = new Producer({ 'bootstrap.servers': kafkaBootstrap()!, 'batch.size': 1024, 'linger.ms': 0 });
    const counts = new Array<number>(PARTITIONS).fill(0);
    try {
      const mds = await Promise.all(Array.from({ length: 3000 }, (_, i) => producer.send({ topic, value: `keyless ${i} ${'y'.repeat(40)}` })));
      for (const md of mds) counts[md.partition]!++;
    } finally {
      await producer.close();
    }
    for (const c of counts) expect(c).toBeGreaterThan(300);
    const read = await readBack(topic, { expectedCount: 3000, timeoutMs: 30_000 });
    expect(read.length).toBe(3000);
  });

  test('acks=0 and acks=1 deliver; acks=0 reports offset -1', async () => {
    const topic = uniqueTopic('live-acks');
    await createTopic(topic, { partitions: 1 });
    for (const acks of ['0', '1']) {
      const producer = new Producer({ 'bootstrap.servers': kafkaBootstrap()!, acks });
      const mds = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, key: 'k', value: `${acks}-${i}` })));
      await producer.close();
      if (acks === '0') expect(mds.every((m) => m.offset === -1n)).toBe(true);
      else expect(mds.map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(100 + i)));
    }
    expect((await readBack(topic, { expectedCount: 200, timeoutMs: 30_000 })).length).toBe(200);
  });
});

describe.skipIf(!mockBootstrap())("librdkafka's mock cluster (Produce v7, Metadata v2)", () => {
  let mock: MockCluster;
  beforeAll(async () => {
    mock = await MockCluster.start({ brokers: 3 });
  });
  afterAll(async () => {
    await mock?.stop();
  });

  for (const codec of CODECS) {
    test(`compression ${codec}: records read back by kcat`, async () => {
      const topic = uniqueTopic(`mock-${codec}`);
      await mock.control.createTopic(topic, PARTITIONS, 1);
      const sent = await produceMix(mock.bootstrap, topic, codec, 200);
      const read = await readBack(topic, { bootstrap: mock.bootstrap, expectedCount: sent.length, timeoutMs: 30_000 });
      // The mock stamps its own LogAppendTime-like timestamp into responses; compare the records' CreateTime.
      expect(read.length).toBe(sent.length);
      const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
      for (const s of sent) {
        const r = byPosition.get(`${s.md.partition}/${s.md.offset}`)!;
        expect(r.value === null ? null : r.value.toString('utf8')).toBe(s.value);
        expect(r.key === null ? null : r.key.toString('utf8')).toBe(s.key);
        expect(r.timestamp).toBe(s.timestamp);
        if (s.key !== null) expect(s.md.partition).toBe(javaPartition(s.key, PARTITIONS));
      }
    });
  }
});
