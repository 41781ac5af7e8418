/**
 * kafka-wire/kafkajs's partitioners against KafkaJS 2.2.4's own code, loaded from node_modules:
 * LegacyPartitioner must put every key where KafkaJS's LegacyPartitioner does (its murmur2
 * variant computes in doubles, so this is checked on many keys of every length class, strings
 * and Buffers), DefaultPartitioner where KafkaJS's DefaultPartitioner and Java's murmur2 do;
 * explicit partitions win; keyless messages go round-robin over the partitions with a leader.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { DefaultPartitioner, LegacyPartitioner, Partitioners, legacyMurmur2, partitionMetadataOf } from '../../src/compat/kafkajs/partitioners.js';
import type { PartitionMetadata } from '../../src/compat/kafkajs/types.js';
import { murmur2, toPositive } from '../../src/index.js';
import { seededRandom } from '../helpers/fake-broker.js';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { Partitioners: Record<string, () => (args: unknown) => number> };
const kafkajsLegacyMurmur2 = require('kafkajs/src/producer/partitioners/legacy/murmur2.js') as (key: unknown) => number;
const kafkajsDefaultMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: unknown) => number;

const random = seededRandom(16);

function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

function randomString(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_:/ üéßø中文😀';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

/** Keys of every length 0..80 (every tail length, several blocks), bytes and strings, plus edge bytes. */
const KEYS: Array<Buffer | string> = [
  ...Array.from({ length: 81 }, (_, n) => randomBytes(n)),
  ...Array.from({ length: 400 }, () => randomBytes(1 + Math.floor(random() * 300))),
  ...Array.from({ length: 300 }, () => randomString(Math.floor(random() * 40))),
  Buffer.alloc(7, 0xff),
  Buffer.alloc(8, 0x80),
  Buffer.alloc(5, 0),
  '',
  'order-1',
  '12345',
];

function metadata(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: leaderless.includes(i) ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [] }));
}

describe('LegacyPartitioner is byte-compatible with KafkaJS 2.2.4', () => {
  test("legacyMurmur2 equals KafkaJS's legacy murmur2 on every key", () => {
    const differing = KEYS.filter((k) => legacyMurmur2(typeof k === 'string' ? Buffer.from(k) : k) !== kafkajsLegacyMurmur2(k));
    expect(differing).toEqual([]);
    // It is not Java's murmur2 (which is why KafkaJS 2 changed its default): most keys differ.
    const sameAsJava = KEYS.filter((k) => {
      const b = typeof k === 'string' ? Buffer.from(k) : k;
      return legacyMurmur2(b) === murmur2(b);
    });
    expect(sameAsJava.length).toBeLessThan(KEYS.length / 2);
  });

  test('keyed messages land on the partitions KafkaJS picks, for several partition counts', () => {
    for (const count of [1, 2, 3, 7, 12, 100]) {
      const ours = LegacyPartitioner();
      const theirs = kafkajs.Partitioners['LegacyPartitioner']!();
      const partitionMetadata = metadata(count);
      for (const key of KEYS) {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
        expect(ours(args), `key ${JSON.stringify(key)} over ${count} partitions`).toBe(theirs(args));
      }
    }
  });
});

describe('DefaultPartitioner', () => {
  test("keys land where KafkaJS's DefaultPartitioner and Java's murmur2 put them", () => {
    const ours = DefaultPartitioner();
    const theirs = kafkajs.Partitioners['DefaultPartitioner']!();
    const partitionMetadata = metadata(6);
    for (const key of KEYS) {
      const bytes = typeof key === 'string' ? Buffer.from(key) : key;
      expect(murmur2(bytes)).toBe(kafkajsDefaultMurmur2(key));
      const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
      expect(ours(args)).toBe(theirs(args));
      expect(ours(args)).toBe(toPositive(murmur2(bytes)) % 6);
    }
    expect(Partitioners.JavaCompatiblePartitioner).toBe(DefaultPartitioner);
  });
});

describe('both partitioners, as KafkaJS', () => {
  for (const [name, create] of [
    ['DefaultPartitioner', DefaultPartitioner],
    ['LegacyPartitioner', LegacyPartitioner],
  ] as const) {
    test(`${name}: an explicit partition wins over the key`, () => {
      const p = create();
      expect(p({ topic: 't', partitionMetadata: metadata(4), message: { key: 'k', value: 'v', partition: 3 } })).toBe(3);
      expect(p({ topic: 't', partitionMetadata: metadata(4), message: { key: null, value: 'v', partition: 0 } })).toBe(0);
    });

    test(`${name}: keyless messages go round-robin over the partitions that have a leader`, () => {
      const p = create();
      const partitionMetadata = metadata(5, [1, 3]);
      const picks = Array.from({ length: 9 }, () => p({ topic: 't', partitionMetadata, message: { value: 'v' } }));
      expect(new Set(picks)).toEqual(new Set([0, 2, 4]));
      // One after the other in the order of the available partitions, from a random start.
      const order = [0, 2, 4];
      for (let i = 1; i < picks.length; i++) expect(order.indexOf(picks[i]!)).toBe((order.indexOf(picks[i - 1]!) + 1) % 3);
      // With no leader anywhere, any partition.
      const none = metadata(3, [0, 1, 2]);
      const fallback = Array.from({ length: 6 }, () => p({ topic: 'u', partitionMetadata: none, message: { value: 'v' } }));
      expect(new Set(fallback)).toEqual(new Set([0, 1, 2]));
    });
  }
});

test("the engine's partition list becomes KafkaJS's PartitionMetadata", () => {
  expect(partitionMetadataOf([{ partition: 2, leader: 3, leaderEpoch: 7, replicas: [3, 1], isr: [3], errorCode: 0 }])).toEqual([
    { partitionErrorCode: 0, partitionId: 2, leader: 3, replicas: [3, 1], isr: [3], offlineReplicas: [] },
  ]);
});
