/**
 * docs/INTERNALS.md stays true: its tables, sequence diagrams and hexdumps are regenerated here
 * (tools/docs: the scenarios replicate deterministic tests on the fake cluster, with a wire tap;
 * the hexdumps read the fixture bytes) and must appear in the doc verbatim. The tests it cites
 * must exist under those names, every section must say what demonstrates it and what it
 * mirrors, and the annotated bytes must agree with our decoders and Java's.
 *
 * When the code changes what a scenario does: `npx vite-node tools/docs/trace-scenarios.ts --write`,
 * then re-read the prose around the blocks that changed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { configDef } from '../../src/config.js';
import { decodeRequest, encodeRequest, type ProduceRequest } from '../../src/protocol/messages/index.js';
import { uuidFromString } from '../../src/protocol/messages/uuid.js';
import { readRecordBatches } from '../../src/protocol/record-batch.js';
import { blocksIn, HEXDUMP_CITATIONS, renderBlock, REQUIRED_BLOCKS, SCENARIOS, scenarioCitation } from '../../tools/docs/blocks.js';
import { annotateProduceFrameV13, annotateRecordBatch, BATCH_FIXTURE, batchManifestEntry, FRAME_INPUTS, produceFrame } from '../../tools/docs/hexdump.js';
import { fixtureBytes } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const doc = read('docs/INTERNALS.md');
const REGENERATE = 'run `npx vite-node tools/docs/trace-scenarios.ts --write` and re-read the prose around it';

describe('docs/INTERNALS.md', () => {
  test('carries every required generated block', () => {
    const present = new Set(blocksIn(doc).map((b) => b.id));
    expect(REQUIRED_BLOCKS.filter((id) => !present.has(id))).toEqual([]);
  });

  test('each generated block is what the scenarios and fixtures produce now', { timeout: 120_000 }, async () => {
    const stale: string[] = [];
    for (const { id, content } of blocksIn(doc)) {
      const now = await renderBlock(id);
      if (now !== content) stale.push(id);
      expect(content, `${id} is stale: ${REGENERATE}`).toBe(now);
    }
    expect(stale).toEqual([]);
  });

  test('every cited test exists in its file under that name', () => {
    const cites = [...SCENARIOS.map(scenarioCitation), ...Object.values(HEXDUMP_CITATIONS).flatMap((c) => c.cites)];
    for (const c of cites) expect(read(c.file), `${c.file} › ${c.name}`).toContain(c.literal);
    for (const s of SCENARIOS) expect(read(s.file), `${s.file}: describe ${s.describe}`).toContain(s.describe);
    // Tests cited in the prose are written `file` › “name”.
    const inProse = [...doc.matchAll(/`(test\/[^`]+\.test\.ts)` › “([^”]+)”/g)];
    expect(inProse.length).toBeGreaterThan(0);
    for (const [, file, name] of inProse) expect(read(file!), `${file} › ${name}`).toContain(name!.replace(/\s+/g, ' '));
  });

  test('every section says what demonstrates it and what it mirrors', () => {
    const sections = doc.split(/^## /m).slice(1);
    expect(sections.length).toBeGreaterThan(5);
    for (const s of sections) {
      const title = s.slice(0, s.indexOf('\n'));
      if (/^(Contents|Where the numbers come from)/.test(title)) continue;
      expect(s, title).toMatch(/Demonstrated by: /);
      expect(s, title).toMatch(/Mirrors: /);
    }
  });

  test('the defaults it explains are the configured ones', () => {
    expect(configDef('linger.ms')?.default).toBe(5);
    expect(configDef('batch.size')?.default).toBe(16384);
    expect(configDef('max.in.flight.requests.per.connection')?.default).toBe(5);
    expect(doc).toContain('linger.ms=5');
  });

  test('docs/ARCHITECTURE.md links it', () => {
    expect(read('docs/ARCHITECTURE.md')).toContain('(INTERNALS.md)');
  });
});

describe('annotated bytes', () => {
  test("the annotated RecordBatch agrees with our reader and with Java's decoding of it", async () => {
    const buf = fixtureBytes(BATCH_FIXTURE);
    const rows = new Map(annotateRecordBatch(buf).map((r) => [r.field, r.value]));
    const [ours] = await readRecordBatches(buf);
    const java = batchManifestEntry().decoded as Record<string, unknown>;
    expect(rows.get('producerId')).toBe(String(ours!.producerId));
    expect(rows.get('producerId')).toBe(java['producerId']);
    expect(Number(rows.get('producerEpoch'))).toBe(java['producerEpoch']);
    expect(Number(rows.get('baseSequence'))).toBe(java['baseSequence']);
    expect(Number(rows.get('batchLength'))).toBe(java['batchLength']);
    expect(Number(rows.get('crc'))).toBe(java['crc']);
    expect(Number(rows.get('crc'))).toBe(ours!.crc);
    expect(Number(rows.get('recordsCount'))).toBe(java['recordCount']);
    expect(rows.get('baseTimestamp')).toBe(java['baseTimestamp']);
    expect(rows.get('record[0].key')).toBe(JSON.stringify(new TextDecoder().decode(ours!.records[0]!.key!)));
    expect(rows.get('record[0].value')).toBe(JSON.stringify(new TextDecoder().decode(ours!.records[0]!.value!)));
  });

  test('the annotated Produce frame is what the generic engine encodes and decodeRequest reads', () => {
    const { frame, batch } = produceFrame();
    const i = FRAME_INPUTS;
    const body: ProduceRequest = { transactionalId: null, acks: i.acks, timeoutMs: i.timeoutMs, topicData: [{ topicId: uuidFromString(i.topicId), partitionData: [{ index: i.partition, records: batch }] }] } as unknown as ProduceRequest;
    const generic = encodeRequest(0, i.version, { correlationId: i.correlationId, clientId: i.clientId }, body, { sizePrefix: true });
    expect(Buffer.from(frame).toString('hex')).toBe(Buffer.from(generic).toString('hex'));
    const back = decodeRequest(frame.subarray(4), { strict: true });
    const rows = new Map(annotateProduceFrameV13(frame).map((r) => [r.field, r.value]));
    expect(Number(rows.get('request_api_version'))).toBe(back.header.requestApiVersion);
    expect(Number(rows.get('correlation_id'))).toBe(back.header.correlationId);
    expect(rows.get('client_id')).toBe(JSON.stringify(back.header.clientId));
    const req = back.body as ProduceRequest;
    expect(Number(rows.get('acks'))).toBe(req.acks);
    expect(Number(rows.get('timeout_ms'))).toBe(req.timeoutMs);
    expect(rows.get('topic[0].topic_id')).toBe(i.topicId);
    expect(Number(rows.get('topic[0].partition[0].index'))).toBe(req.topicData[0]!.partitionData[0]!.index);
    expect(Buffer.from(req.topicData[0]!.partitionData[0]!.records!).equals(Buffer.from(batch))).toBe(true);
  });
});
