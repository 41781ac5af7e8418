/**
 * The Producer's `trace` option on the fake cluster: one event per request and per response,
 * tapped at the connection (no Sender change), decoded, with record batches summarized and SASL
 * payloads redacted. The password of a SASL PLAIN exchange must not appear in any trace output,
 * in either text form. Time moves only through the fake clock.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { formatTraceEvent, type TraceEvent } from '../../src/observability/trace.js';
import { ConfigError } from '../../src/errors.js';
import { Tracker, advanceUntil, harness } from '../helpers/fake-broker.js';

const SECRET = 'pw-trace-5b1f-never-printed';
const sasl = {
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'PLAIN',
  'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${SECRET}";`,
};

/** Every string in a value, recursively (to look for leaked bytes in any field). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

async function tracedRun(config: Record<string, unknown>, records = 5) {
  const events: TraceEvent[] = [];
  const { clock, cluster, producer, logs } = harness({
    topics: { t: 2 },
    cluster: { brokers: 2, sasl: { users: { alice: SECRET } } },
    config: { ...sasl, 'linger.ms': 0, ...config, trace: (e: TraceEvent) => events.push(e) },
  });
  const t = new Tracker(producer, clock);
  for (let i = 0; i < records; i++) t.send({ topic: 't', partition: i % 2, key: `k${i}`, value: `value-${i}` });
  await advanceUntil(clock, () => t.done);
  expect(t.failed).toEqual([]);
  await producer.close();
  return { events, cluster, logs };
}

describe('Producer trace option', () => {
  test('one event per request and per response, in order, with correlation ids, sizes and decoded bodies', async () => {
    const { events, cluster } = await tracedRun({});
    const requests = events.filter((e) => e.type === 'request');
    const responses = events.filter((e) => e.type === 'response');
    // Every request the cluster received was traced, and every answer it sent.
    expect(requests.length).toBe(cluster.requests.length);
    expect(responses.length).toBe(requests.filter((e) => e.expectResponse !== false).length);
    // Per connection: a response follows its request with the same correlation id and API.
    for (const r of responses) {
      const req = requests.find((q) => q.broker === r.broker && q.correlationId === r.correlationId && q.apiKey === r.apiKey);
      expect(req, `request for ${r.api} #${r.correlationId} on ${r.broker}`).toBeDefined();
      expect(events.indexOf(req!)).toBeLessThan(events.indexOf(r));
      expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
    }
    const apis = new Set(events.map((e) => e.api));
    for (const api of ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate', 'Metadata', 'InitProducerId', 'Produce']) expect(apis).toContain(api);
    for (const e of events) {
      expect(e.decodeError).toBeUndefined();
      expect(e.bytes).toBeGreaterThan(8);
      expect(e.broker).toMatch(/^node -?\d+ \(/);
    }
    const produce = requests.find((e) => e.apiKey === ApiKey.Produce)!;
    const body = produce.body as { acks: number; topicData: { name: string; partitionData: { index: number; records: Record<string, unknown>[] }[] }[] };
    expect(body.acks).toBe(-1);
    const batch = body.topicData[0]!.partitionData[0]!.records[0]!;
    expect(batch).toMatchObject({ codec: 'none', crc: 'ok', baseSequence: 0, producerEpoch: 0, control: false, transactional: false });
    expect(batch['producerId']).toBeTypeOf('number');
    expect(batch['producerId']).not.toBe(-1);
    expect(batch['records']).toBeGreaterThan(0);
    expect(batch['uncompressedBytes']).toBe(batch['sizeBytes']);
    const answer = responses.find((e) => e.apiKey === ApiKey.Produce && e.correlationId === produce.correlationId && e.broker === produce.broker)!;
    const part = (answer.body as { responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[] }).responses[0]!.partitionResponses[0]!;
    expect(part.errorCode).toBe(0);
    expect(part.baseOffset).toBeTypeOf('number');
  });

  test('SASL payloads are redacted: the password appears in no event and in neither text form', async () => {
    const { events, logs } = await tracedRun({});
    const auth = events.filter((e) => e.apiKey === ApiKey.SaslAuthenticate);
    expect(auth.length).toBeGreaterThanOrEqual(4); // a request and a response per broker
    for (const e of auth) expect((e.body as { authBytes: string }).authBytes).toMatch(/^\[redacted \d+ bytes\]$/);
    const texts = events.flatMap((e) => [formatTraceEvent(e, 'json'), formatTraceEvent(e, 'pretty')]);
    for (const text of texts) expect(text).not.toContain(SECRET);
    for (const e of events) expect(strings(e).some((s) => s.includes(SECRET) || s.includes('alice\u0000'))).toBe(false);
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  test('compressed batches report compressed and uncompressed sizes (decompressed for the trace)', async () => {
    const { events } = await tracedRun({ 'compression.type': 'gzip' }, 40);
    const batches = events
      .filter((e) => e.type === 'request' && e.apiKey === ApiKey.Produce)
      .flatMap((e) => (e.body as { topicData: { partitionData: { records: Record<string, unknown>[] }[] }[] }).topicData.flatMap((t) => t.partitionData.flatMap((p) => p.records)));
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      expect(b['codec']).toBe('gzip');
      expect(b['crc']).toBe('ok');
      expect(b['uncompressedBytes']).toBeTypeOf('number');
      expect(b['uncompressedBytes'] as number).toBeGreaterThan(61);
    }
  });

  test('the pretty form names broker, API, version and correlation id; json is one parseable line', async () => {
    const { events } = await tracedRun({}, 2);
    const produce = events.find((e) => e.type === 'request' && e.apiKey === ApiKey.Produce)!;
    const pretty = formatTraceEvent(produce, 'pretty');
    expect(pretty.split('\n')[0]).toMatch(new RegExp(`-> node \\d+ \\(.*\\) Produce v${produce.apiVersion} #${produce.correlationId} `));
    expect(pretty).toMatch(/RecordBatch baseOffset=0 records=1 codec=none \d+ B producerId=\d+ epoch=0 baseSequence=0 crc=ok/);
    const json = formatTraceEvent(produce, 'json');
    expect(json).not.toContain('\n');
    expect(JSON.parse(json)).toEqual(produce);
  });

  test('a trace that is not a function is a ConfigError naming the option; a throwing one is logged and delivery goes on', async () => {
    expect(() => harness({ config: { trace: 'yes' as unknown as () => void } })).toThrow(ConfigError);
    const { clock, producer, logs } = harness({
      topics: { t: 1 },
      config: {
        'linger.ms': 0,
        trace: () => {
          throw new Error('tracer bug');
        },
      },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'v' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    await producer.close();
    expect(logs.some((l) => l.includes('tracer bug'))).toBe(true);
  });
});
