/**
 * The trace's batch summaries and text forms on hand-made frames: a cut-short batch at the end
 * of a Fetch answer, a CRC that does not match, uncompressed sizes from an asynchronous
 * decompressor delivered in frame order, and redaction of credential-like fields anywhere.
 */
import { describe, expect, test } from 'vitest';
import { FrameTracer, formatTraceEvent, summarizeRecordBatches, type TraceEvent, type TracedFrame } from '../../src/observability/trace.js';
import { buildBatch, simpleRecords, withBadCrc } from '../../src/conformance/batches.js';
import { encodeRequest, encodeResponse } from '../../src/protocol/messages/index.js';
import { ApiKey } from '../../src/protocol/api-keys.js';

const frame = (over: Partial<TracedFrame>): TracedFrame => ({
  direction: 'request',
  nodeId: 1,
  broker: 'node 1 (h:1)',
  apiKey: 0,
  apiVersion: 9,
  correlationId: 5,
  frame: new Uint8Array(0),
  expectResponse: true,
  atMs: 1_700_000_000_000,
  requestAtMs: 1_700_000_000_000,
  ...over,
});

describe('record batch summaries', () => {
  test('a batch cut short is reported as partial; a bad CRC as a mismatch', async () => {
    const good = await buildBatch(simpleRecords(3, 's', 1_000));
    const bad = withBadCrc(good);
    const data = new Uint8Array(good.length + bad.length + 30);
    data.set(good, 0);
    data.set(bad, good.length);
    data.set(good.subarray(0, 30), good.length + bad.length);
    const [a, b, c] = summarizeRecordBatches(data) as Record<string, unknown>[];
    expect(a).toMatchObject({ records: 3, codec: 'none', crc: 'ok', sizeBytes: good.length, producerId: -1 });
    expect(b!['crc']).toMatch(/^MISMATCH \(stored \d+, bytes give \d+\)$/);
    expect(c).toEqual({ partialBytes: 30 });
  });

  test('events are delivered in frame order even when an earlier one waits for a decompression', async () => {
    const events: TraceEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tracer = new FrameTracer((e) => events.push(e), { decompress: async (_id, data) => (await gate, new Uint8Array(data.length * 3)) });
    const compressed = await buildBatch(simpleRecords(20, 'z', 1_000), { compression: 1 });
    const produce = encodeRequest(ApiKey.Produce, 9, { correlationId: 5, clientId: 'c' }, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: compressed }] }] }, { sizePrefix: true });
    tracer.tap(frame({ frame: produce }));
    const metadata = encodeResponse(ApiKey.Metadata, 12, 6, { brokers: [], topics: [] });
    tracer.tap(frame({ direction: 'response', apiKey: 3, apiVersion: 12, correlationId: 6, frame: metadata }));
    expect(events).toEqual([]); // the Metadata answer waits behind the Produce request
    release();
    await tracer.flush();
    expect(events.map((e) => `${e.type} ${e.api}`)).toEqual(['request Produce', 'response Metadata']);
    const batch = ((events[0]!.body as { topicData: { partitionData: { records: Record<string, unknown>[] }[] }[] }).topicData[0]!.partitionData[0]!.records[0])!;
    expect(batch['codec']).toBe('gzip');
    expect(batch['uncompressedBytes']).toBe(61 + (compressed.length - 61) * 3);
  });

  test('SASL bytes and fields named like credentials are redacted in every form', () => {
    const events: TraceEvent[] = [];
    const tracer = new FrameTracer((e) => events.push(e));
    const secret = new TextEncoder().encode('\u0000alice\u0000hunter2-secret');
    tracer.tap(frame({ apiKey: 36, apiVersion: 2, frame: encodeRequest(ApiKey.SaslAuthenticate, 2, { correlationId: 1, clientId: 'c' }, { authBytes: secret }, { sizePrefix: true }) }));
    tracer.tap(frame({ direction: 'response', apiKey: 36, apiVersion: 2, frame: encodeResponse(ApiKey.SaslAuthenticate, 2, 1, { errorCode: 0, authBytes: secret, sessionLifetimeMs: 5n }) }));
    expect(events.length).toBe(2);
    for (const e of events) {
      expect((e.body as { authBytes: string }).authBytes).toBe(`[redacted ${secret.length} bytes]`);
      for (const form of ['json', 'pretty'] as const) expect(formatTraceEvent(e, form)).not.toContain('hunter2');
    }
    expect((events[1]!.body as { sessionLifetimeMs: number }).sessionLifetimeMs).toBe(5);
  });

  test('an undecodable frame becomes an event with the reason, not an exception', () => {
    const events: TraceEvent[] = [];
    new FrameTracer((e) => events.push(e)).tap(frame({ direction: 'response', apiKey: 3, apiVersion: 12, frame: new Uint8Array([0, 0, 0, 5, 1]) }));
    expect(events[0]!.decodeError).toMatch(/MetadataResponse|truncated|cannot decode/i);
    expect(formatTraceEvent(events[0]!, 'pretty')).toMatch(/\(not decoded: /);
  });
});
