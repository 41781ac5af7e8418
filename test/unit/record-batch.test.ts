import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c, crc32cBytewise } from '../../src/protocol/crc32c.js';
import {
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchBuilder,
  estimateRecordSizeUpperBound,
  readRecordBatches,
  setProducerState,
  withCompressedRecords,
} from '../../src/protocol/record-batch.js';
import { ProtocolError } from '../../src/errors.js';
import { sizeOfVarlongNumber as sizeOfVarlong } from '../../src/protocol/varint.js';

const enc = new TextEncoder();

describe('crc32c', () => {
  test('matches the published check value and the bytewise reference at every alignment', () => {
    expect(crc32c(enc.encode('123456789'))).toBe(0xe3069283);
    const big = new Uint8Array(4099);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    for (let start = 0; start < 8; start++) {
      for (const end of [start, start + 1, start + 15, start + 16, start + 17, big.length]) {
        expect(crc32c(big, start, end)).toBe(crc32cBytewise(big, start, end));
      }
    }
  });

  test('can be computed in pieces', () => {
    const data = enc.encode('the quick brown fox jumps over the lazy dog, twice over for length');
    expect(crc32c(data, 20, data.length, crc32c(data, 0, 20))).toBe(crc32c(data));
  });
});

describe('RecordBatchBuilder', () => {
  test('round-trips keys, values, nulls, headers with repeated names and timestamps', async () => {
    const b = new RecordBatchBuilder(new Uint8Array(4096));
    const ts = 1_700_000_000_000;
    expect(b.tryAppend(ts, 'k1', 'v1', null)).toBe(true);
    expect(b.tryAppend(ts - 5000, null, enc.encode('bytes'), [['h', 'a'], ['h', null], ['ünï', enc.encode('x')]])).toBe(true);
    expect(b.tryAppend(ts + 2 ** 40, 'ключ', null, [])).toBe(true);
    expect(b.tryAppend(ts, '😀 pair \ud800 lone', '', null)).toBe(true);
    const bytes = b.close();
    const [batch] = await readRecordBatches(bytes);
    expect(batch!.recordCount).toBe(4);
    expect(batch!.lastOffsetDelta).toBe(3);
    expect(batch!.baseTimestamp).toBe(BigInt(ts));
    expect(batch!.maxTimestamp).toBe(BigInt(ts + 2 ** 40));
    expect(batch!.producerId).toBe(-1n);
    expect(batch!.baseSequence).toBe(-1);
    const r = batch!.records;
    const dec = (u: Uint8Array | null) => (u === null ? null : new TextDecoder().decode(u));
    expect(r.map((x) => dec(x.key))).toEqual(['k1', null, 'ключ', '😀 pair \ufffd lone']);
    expect(r.map((x) => dec(x.value))).toEqual(['v1', 'bytes', null, '']);
    expect(r.map((x) => x.timestamp)).toEqual([ts, ts - 5000, ts + 2 ** 40, ts].map(BigInt));
    expect(r.map((x) => x.offset)).toEqual([0n, 1n, 2n, 3n]);
    expect(r[1]!.headers.map(([k, v]) => [k, dec(v)])).toEqual([['h', 'a'], ['h', null], ['ünï', 'x']]);
  });

  test("timestamp deltas beyond ±2^52 are exact: byte-for-byte Java's MemoryRecordsBuilder, read back as Java reads them", async () => {
    // fixtures/java-parity/timestamps.json: Kafka 4.4.0 built these batches (value "v", no key)
    // and read every timestamp back with a valid CRC.
    const cases: { timestamps: string[]; hex: string; readBack: string[] }[] = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'fixtures', 'java-parity', 'timestamps.json'), 'utf8'),
    );
    expect(cases.some((c) => c.timestamps.includes('9007199254740991'))).toBe(true);
    for (const c of cases) {
      const b = new RecordBatchBuilder(new Uint8Array(4096));
      for (const ts of c.timestamps) expect(b.tryAppend(Number(ts), null, 'v', null)).toBe(true);
      const bytes = b.close();
      expect(Buffer.from(bytes).toString('hex')).toBe(c.hex);
      const [batch] = await readRecordBatches(bytes);
      expect(batch!.records.map((r) => String(r.timestamp))).toEqual(c.readBack);
    }
  });

  test('a timestamp that is not a safe integer is INVALID_TIMESTAMP, never a wrong value', () => {
    const b = new RecordBatchBuilder(new Uint8Array(4096));
    expect(b.tryAppend(0, null, 'v', null)).toBe(true);
    for (const ts of [2 ** 53, 2 ** 60, 1.5, NaN]) {
      expect(() => b.tryAppend(ts, null, 'v', null)).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP' }));
    }
  });

  test('a string and its UTF-8 bytes encode identically', () => {
    const s = 'héllo wörld ✓ 😀';
    const a = new RecordBatchBuilder(new Uint8Array(512));
    const b = new RecordBatchBuilder(new Uint8Array(512));
    a.tryAppend(1, s, s, [[s, s]]);
    b.tryAppend(1, enc.encode(s), enc.encode(s), [[s, enc.encode(s)]]);
    expect(a.close()).toEqual(b.close());
  });

  test('ASCII strings on both sides of the loop/encoder crossover encode as their bytes', () => {
    for (const n of [0, 1, 47, 48, 49, 200, 5000]) {
      const s = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(200).slice(0, n);
      const a = new RecordBatchBuilder(new Uint8Array(16384));
      const b = new RecordBatchBuilder(new Uint8Array(16384));
      a.tryAppend(1, s, s, null);
      b.tryAppend(1, enc.encode(s), enc.encode(s), null);
      expect(a.close()).toEqual(b.close());
    }
  });

  test('tryAppend refuses a record that does not fit and writes nothing', async () => {
    const b = new RecordBatchBuilder(new Uint8Array(RECORD_BATCH_HEADER_SIZE + 30));
    expect(b.tryAppend(0, 'k', 'small', null)).toBe(true);
    const before = b.sizeInBytes;
    expect(b.tryAppend(0, 'k', 'x'.repeat(100), null)).toBe(false);
    expect(b.sizeInBytes).toBe(before);
    expect((await readRecordBatches(b.close()))[0]!.recordCount).toBe(1);
  });

  test('the size upper bound covers the encoded size', () => {
    for (const value of ['', 'x'.repeat(127), 'x'.repeat(128), 'x'.repeat(20000)]) {
      const b = new RecordBatchBuilder(new Uint8Array(30000));
      b.tryAppend(2 ** 45, 'key', value, [['a', 'b']]);
      expect(b.sizeInBytes - RECORD_BATCH_HEADER_SIZE).toBeLessThanOrEqual(estimateRecordSizeUpperBound('key', value, [['a', 'b']]));
    }
  });

  test('varlong sizes at the 32-bit boundary', () => {
    expect(sizeOfVarlong(0)).toBe(1);
    expect(sizeOfVarlong(-1)).toBe(1);
    expect(sizeOfVarlong(63)).toBe(1);
    expect(sizeOfVarlong(64)).toBe(2);
    expect(sizeOfVarlong(2 ** 31)).toBe(5);
    expect(sizeOfVarlong(2 ** 35)).toBe(6);
    expect(sizeOfVarlong(-(2 ** 35))).toBe(6);
  });

  test('setProducerState writes id, epoch, sequence and a valid CRC', async () => {
    const b = new RecordBatchBuilder(new Uint8Array(256), { transactional: true });
    b.tryAppend(10, 'a', 'b', null);
    const bytes = b.close();
    setProducerState(bytes, 123456789012345n, 7, 42);
    const [batch] = await readRecordBatches(bytes);
    expect(batch!.producerId).toBe(123456789012345n);
    expect(batch!.producerEpoch).toBe(7);
    expect(batch!.baseSequence).toBe(42);
    expect(batch!.isTransactional).toBe(true);
  });

  test('compressed records go through the decompress hook', async () => {
    const b = new RecordBatchBuilder(new Uint8Array(256), { compression: 1 });
    b.tryAppend(10, 'a', 'b', null);
    b.close();
    const fakeCompressed = b.recordsSection().slice().reverse();
    const out = withCompressedRecords(b.close(), fakeCompressed);
    const [batch] = await readRecordBatches(out, (codec, data) => {
      expect(codec).toBe(1);
      return data.slice().reverse();
    });
    expect(batch!.compression).toBe(1);
    expect(new TextDecoder().decode(batch!.records[0]!.value!)).toBe('b');
    await expect(readRecordBatches(out)).rejects.toThrow(ProtocolError);
  });

  test('the reader rejects a bad CRC, bad magic and truncation with ProtocolError', async () => {
    const b = new RecordBatchBuilder(new Uint8Array(256));
    b.tryAppend(10, 'a', 'b', null);
    const good = b.close().slice();
    const badCrc = good.slice();
    badCrc[good.length - 1]! ^= 1;
    await expect(readRecordBatches(badCrc)).rejects.toThrow(/CRC/);
    const badMagic = good.slice();
    badMagic[16] = 1;
    await expect(readRecordBatches(badMagic)).rejects.toThrow(/magic/);
    for (let cut = 1; cut < good.length; cut++) {
      await expect(readRecordBatches(good.subarray(0, cut))).rejects.toThrow(ProtocolError);
    }
  });
});
