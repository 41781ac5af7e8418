/**
 * The conformance suite against real brokers: Apache Kafka 4.4 (the run's) must pass every MUST
 * check, and librdkafka's mock cluster must fail the deviations we know of — it appends a
 * resent idempotent batch again and accepts a sequence gap for a non-transactional producer — or
 * the suite proves nothing. Plus the command itself: JUnit report, exit code, and a JSON trace
 * file of the suite's conversation. Kafka 3.9.1 and kfake run in `npm run conformance:matrix`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import '../../src/index.js';
import { runConformanceCommand } from '../../src/cli/conformance.js';
import { runConformance, type ConformanceReport } from '../../src/conformance/index.js';
import type { TraceEvent } from '../../src/observability/trace.js';
import { kafkaBootstrap, mockBootstrap, skipAllIf, unavailable } from '../helpers/kafka.js';

const mustFailures = (r: ConformanceReport) => r.results.filter((x) => x.status === 'fail' && x.level === 'MUST').map((x) => `${x.id}: ${x.observed}`);

describe('conformance: Apache Kafka 4.4', () => {
  skipAllIf(unavailable('kafka'));

  test('every MUST check passes, and nearly all checks apply', async () => {
    const report = await runConformance({ bootstrap: kafkaBootstrap()! });
    expect(mustFailures(report)).toEqual([]);
    expect(report.summary.pass).toBeGreaterThanOrEqual(50);
    // What a plaintext single-broker cluster cannot show: the SASL listener checks, the leader hint.
    const mayNotApply = ['produce.leader-hint', 'sasl.before-authentication', 'sasl.mechanisms-offered', 'sasl.session-lifetime', 'sasl.wrong-password'];
    expect(report.results.filter((r) => r.status === 'skip' && !mayNotApply.includes(r.id)).map((r) => `${r.id}: ${r.observed}`)).toEqual([]);
    expect(report.results.find((r) => r.id === 'produce.codec.gzip')!.status).toBe('pass');
  }, 180_000);

  test('the command: JUnit to a file, exit code 0, a JSON-lines trace of the conversation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-conformance-'));
    const out = join(dir, 'report.xml');
    const traceFile = join(dir, 'trace.jsonl');
    const stderr: string[] = [];
    const code = await runConformanceCommand(
      ['--bootstrap-server', kafkaBootstrap()!, '--only', 'produce.codec.lz4,idempotence.duplicate', '--format', 'junit', '--out', out, '--trace-format', 'json', '--trace-file', traceFile],
      () => {},
      (l) => stderr.push(l),
    );
    expect(stderr.join('\n')).toMatch(/2 checks: 2 passed, 0 failed/);
    expect(code).toBe(0);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*tests="2" failures="0"/);
    const events = readFileSync(traceFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TraceEvent);
    const produce = events.filter((e) => e.api === 'Produce' && e.type === 'request');
    expect(produce.length).toBeGreaterThanOrEqual(3); // the lz4 batch, the idempotent batch and its resend
    const batches = produce.flatMap((e) => (e.body as { topicData: { partitionData: { records: Record<string, unknown>[] }[] }[] }).topicData[0]!.partitionData[0]!.records);
    expect(batches.some((b) => b['codec'] === 'lz4' && typeof b['uncompressedBytes'] === 'number' && b['crc'] === 'ok')).toBe(true);
    expect(events.some((e) => e.api === 'Fetch' && e.type === 'response')).toBe(true);
  }, 60_000);
});

describe("conformance: librdkafka's mock cluster", () => {
  skipAllIf(unavailable('mock'));

  test('the known deviations fail: duplicates of idempotent batches appended, sequence gaps accepted', async () => {
    const report = await runConformance({ bootstrap: mockBootstrap()! });
    const status = (id: string) => report.results.find((r) => r.id === id)?.status;
    expect(status('idempotence.duplicate')).toBe('fail');
    expect(report.results.find((r) => r.id === 'idempotence.duplicate')!.observed).toMatch(/the duplicate was appended/);
    expect(status('idempotence.sequence-gap')).toBe('fail');
    expect(report.results.find((r) => r.id === 'idempotence.sequence-gap')!.observed).toMatch(/answered NONE/);
    // What the mock does right still passes: it is the checks, not the run, that fail.
    expect(status('produce.codec.none')).toBe('pass');
    expect(status('produce.public-producer')).toBe('pass');
    expect(report.summary.mustFailed).toBeGreaterThan(0);
  }, 180_000);
});
