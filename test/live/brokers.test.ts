// Smoke test of the test infrastructure itself: the brokers global-setup starts answer, and the
// independent readers (kcat when installed, Kafka's Java consumer) give back exactly what
// independent writers (kcat or Kafka's Java producer) wrote. If this file fails, no other live
// test means anything.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterMetadata,
  createTopic,
  kafkaBootstrap,
  kcatProduce,
  listBrokers,
  mockBootstrap,
  produceJava,
  reader,
  readBack,
  readBackJava,
  skipAllIf,
  unavailable,
  uniqueTopic,
} from '../helpers/kafka.js';
import { ApiKey, ErrorCode, MockCluster, mockControl } from '../helpers/mock-cluster.js';

const kafka = kafkaBootstrap();
const mock = mockBootstrap();

describe('real Kafka', () => {
  skipAllIf(unavailable('kafka'));
  const bs = kafka!;

  it(`answers metadata (${reader() === 'kcat' ? 'kcat -L' : "Kafka's AdminClient"})`, async () => {
    const brokers = await listBrokers(bs);
    expect(brokers.length).toBeGreaterThanOrEqual(1);
    expect(brokers.every((b) => /^[^:]+:\d+$/.test(b.name))).toBe(true);
  });

  it(`round-trips ${reader()}-produced records through readBack (${reader()})`, async () => {
    const topic = uniqueTopic('smoke');
    await createTopic(topic, { partitions: 1 });
    await kcatProduce(topic, ['k1:v1', 'k2:v2', 'k3:v3'], { keyDelimiter: ':' });
    const got = await readBack(topic, { expectedCount: 3 });
    expect(got.map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      [0n, 'k1', 'v1'],
      [1n, 'k2', 'v2'],
      [2n, 'k3', 'v3'],
    ]);
  });

  it(`keeps binary data, null vs empty and headers exact (Java producer -> ${reader()} and Java readers)`, async () => {
    const topic = uniqueTopic('smoke-bin');
    await createTopic(topic, { partitions: 1 });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await produceJava(topic, [
      { key: null, value: all, headers: [['h', 'a'], ['h', null], ['bin', all]] },
      { key: '', value: '' },
      { key: 'ké', value: null, timestamp: 1_700_000_000_000 },
    ]);
    for (const got of [await readBack(topic, { expectedCount: 3 }), await readBackJava(topic, { expectedCount: 3 })]) {
      expect(got).toHaveLength(3);
      const [a, b, c] = got;
      expect(a!.key).toBeNull();
      expect(a!.value).toEqual(all);
      expect(a!.headers).toEqual([
        ['h', Buffer.from('a')],
        ['h', null],
        ['bin', all],
      ]);
      expect(b!.key).toEqual(Buffer.alloc(0));
      expect(b!.value).toEqual(Buffer.alloc(0));
      expect(c!.key?.toString('utf8')).toBe('ké');
      expect(c!.value).toBeNull();
      expect(c!.timestamp).toBe(1_700_000_000_000);
    }
  });
});

describe('librdkafka mock cluster', () => {
  skipAllIf(unavailable('mock'));
  const bs = mock!;

  it('answers metadata and round-trips records', async () => {
    expect((await listBrokers(bs)).length).toBeGreaterThanOrEqual(1);
    const topic = uniqueTopic('mock-smoke');
    const ctl = (await mockControl())!;
    try {
      await ctl.createTopic(topic, 1, 1);
    } finally {
      ctl.close();
    }
    await kcatProduce(topic, ['a:1', 'b:2'], { bootstrap: bs, keyDelimiter: ':' });
    const got = await readBack(topic, { bootstrap: bs, expectedCount: 2 });
    expect(got.map((r) => `${r.key}=${r.value}`)).toEqual(['a=1', 'b=2']);
  });

  describe('control channel (private mock)', () => {
    let m: MockCluster;
    beforeAll(async () => {
      if (!unavailable('mock')) m = await MockCluster.start({ brokers: 3 });
    });
    afterAll(async () => {
      await m?.stop();
    });

    it('creates topics and moves leaders', async () => {
      await m.control.createTopic('ctl', 3, 3);
      await m.control.setLeader('ctl', 0, 3);
      const md = await clusterMetadata(m.bootstrap, { topic: 'ctl' });
      expect(md.brokers).toHaveLength(3);
      const parts = md.topics[0]!.partitions;
      expect(parts).toHaveLength(3);
      expect(parts.find((p) => p.partition === 0)!.leader).toBe(3);
    });

    it('fails the next Produce request with the pushed error, then recovers', async () => {
      await m.control.createTopic('faulty', 1, 1);
      await m.control.failRequests(ApiKey.Produce, 1, ErrorCode.MESSAGE_TOO_LARGE);
      // MESSAGE_TOO_LARGE is not retriable: kcat reports the failed delivery with exit code 1
      // ("Broker: Message size too large"), Java's producer a RecordTooLargeException.
      await expect(kcatProduce('faulty', ['lost'], { bootstrap: m.bootstrap })).rejects.toThrow(/size too large|RecordTooLargeException/i);
      await kcatProduce('faulty', ['kept'], { bootstrap: m.bootstrap });
      const got = await readBack('faulty', { bootstrap: m.bootstrap, expectedCount: 1 });
      expect(got.map((r) => r.value?.toString())).toEqual(['kept']);
    });

    it('answers unknown commands and bad arguments with ERR', async () => {
      await expect(m.control.command('NOPE')).rejects.toThrow(/unknown command/);
      await expect(m.control.setLeader('ctl', 0, 42)).rejects.toThrow(/ERR/);
      await m.control.ping(); // the channel survives errors
    });
  });
});
