/**
 * The gather-write form of the Produce request: head + chunks (the batches' own bytes, not
 * copies) concatenate to exactly the single-buffer encoding, for every version, and a
 * connection without a writev transport still sends the same bytes.
 */
import { describe, expect, test } from 'vitest';
import { encodeProduceRequest, encodeProduceRequestFrame, type FastProduceRequest } from '../../src/protocol/messages/index.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('encodeProduceRequestFrame', () => {
  const batchA = bytes(300, 1);
  const batchB = bytes(17, 2);
  const body: FastProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      { name: 'orders', topicId: bytes(16, 9), partitionData: [{ index: 0, records: batchA }, { index: 3, records: null }, { index: 1, records: [batchB, batchA] }] },
      { name: 'payments', topicId: bytes(16, 8), partitionData: [{ index: 2, records: batchB }] },
    ],
  };
  for (let version = 3; version <= 13; version++) {
    test(`v${version}: head + chunks equal the single-buffer request; batches are passed, not copied`, () => {
      const single = encodeProduceRequest(version, { correlationId: 5, clientId: 'c' }, body, { sizePrefix: true });
      const frame = encodeProduceRequestFrame(version, { correlationId: 5, clientId: 'c' }, body);
      const joined = Buffer.concat([frame.buffer, ...frame.chunks]);
      expect(joined.equals(Buffer.from(single))).toBe(true);
      expect(frame.size).toBe(single.length);
      expect(frame.chunks.filter((c) => c === batchA)).toHaveLength(2);
      expect(frame.chunks.filter((c) => c === batchB)).toHaveLength(2);
      expect(frame.buffer.length).toBeGreaterThanOrEqual(12);
    });
  }
});
