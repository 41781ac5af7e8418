/**
 * RecordBatch v2 against Apache Kafka's own MemoryRecords builder (fixtures/records, from
 * kafka-clients 3.9.1 and 4.4.0): uncompressed batches are byte-identical; Java's compressed
 * batches decode with our reader; our compressed batches (fixtures/ours) were decoded and CRC-
 * checked by Java's MemoryRecords (fixtures/ours/verify.json, written by `npm run fixtures`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readRecordBatches, type DecodedRecordBatch } from '../../src/protocol/record-batch.js';
import { FIXTURES_DIR, b64, decompress, encodeBatch, fixtureBytes, manifest, type BatchInputs } from '../helpers/fixtures.js';

const batches = manifest().filter((e) => e.api === 'RecordBatch');
const toB64 = (u: Uint8Array | null): string | null => (u === null ? null : Buffer.from(u).toString('base64'));

function describeBatch(b: DecodedRecordBatch) {
  return {
    baseOffset: String(b.baseOffset),
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    crc: b.crc,
    attributes: b.attributes,
    timestampType: b.timestampType,
    isTransactional: b.isTransactional,
    baseTimestamp: String(b.baseTimestamp),
    maxTimestamp: String(b.maxTimestamp),
    lastOffsetDelta: b.lastOffsetDelta,
    producerId: String(b.producerId),
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    recordCount: b.recordCount,
    records: b.records.map((r) => ({ offset: String(r.offset), timestamp: String(r.timestamp), key: toB64(r.key), value: toB64(r.value), headers: r.headers.map(([k, v]) => [k, toB64(v)]) })),
  };
}

function javaView(decoded: Record<string, unknown>) {
  const d = decoded as Record<string, never> & { records: Record<string, unknown>[] };
  return {
    baseOffset: d.baseOffset, partitionLeaderEpoch: d.partitionLeaderEpoch, crc: d.crc, attributes: d.attributes,
    timestampType: d.timestampType, isTransactional: d.isTransactional, baseTimestamp: d.baseTimestamp,
    maxTimestamp: d.maxTimestamp, lastOffsetDelta: d.lastOffsetDelta, producerId: d.producerId,
    producerEpoch: d.producerEpoch, baseSequence: d.baseSequence, recordCount: d.recordCount,
    records: d.records.map((r) => ({ offset: r['offset'], timestamp: r['timestamp'], key: r['key'], value: r['value'], headers: r['headers'] })),
  };
}

describe('RecordBatch v2 golden fixtures', () => {
  test('the manifest has uncompressed, idempotent, transactional, LogAppendTime and every codec', () => {
    const codecs = new Set(batches.map((b) => (b.inputs as unknown as BatchInputs).compression));
    expect([...codecs].sort()).toEqual(['gzip', 'lz4', 'none', 'snappy', 'zstd']);
    expect(batches.length).toBeGreaterThanOrEqual(12);
  });

  for (const entry of batches) {
    const inputs = entry.inputs as unknown as BatchInputs;
    test(`${entry.file}: our reader decodes Java's bytes exactly as Java does`, async () => {
      const [decoded, ...rest] = await readRecordBatches(fixtureBytes(entry.file), decompress);
      expect(rest).toEqual([]);
      expect(describeBatch(decoded!)).toEqual(javaView(entry.decoded!));
    });
    if (inputs.compression === 'none') {
      test(`${entry.file}: our writer produces Java's bytes`, async () => {
        expect(Buffer.from(await encodeBatch(inputs)).toString('hex')).toBe(Buffer.from(fixtureBytes(entry.file)).toString('hex'));
      });
    } else {
      test(`${entry.file}: our compressed batch round-trips to the same records`, async () => {
        const ours = await readRecordBatches(await encodeBatch(inputs), decompress);
        const theirs = await readRecordBatches(fixtureBytes(entry.file), decompress);
        expect(ours[0]!.records).toEqual(theirs[0]!.records);
        expect(ours[0]!.attributes).toBe(theirs[0]!.attributes);
      });
    }
  }

  test("Java decoded and CRC-checked every batch we compress (fixtures/ours)", async () => {
    const report = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ours', 'verify.json'), 'utf8')) as { file: string; ok: boolean; problems: string[] }[];
    const compressed = batches.filter((e) => (e.inputs as unknown as BatchInputs).compression !== 'none');
    for (const entry of compressed) {
      const name = entry.file.replace(/^records\//, '');
      const row = report.find((r) => r.file.endsWith(name));
      expect(row, name).toBeDefined();
      expect(row!.problems, name).toEqual([]);
      expect(row!.ok, name).toBe(true);
      // The verified file is still what our encoder writes for these inputs (records and header).
      const verified = await readRecordBatches(fixtureBytes(`ours/${name}`), decompress);
      const now = await readRecordBatches(await encodeBatch(entry.inputs as unknown as BatchInputs), decompress);
      expect(describeBatch(verified[0]!)).toEqual({ ...describeBatch(now[0]!), crc: verified[0]!.crc });
      void b64;
    }
  });
});
