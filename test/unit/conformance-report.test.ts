/**
 * The conformance report forms and the batch tools the checks rely on: JUnit XML that fails CI
 * only for a failed MUST (as the exit code does), escaped; the table; and the damaged batches
 * (bad CRC, wrong offset range, control bit) and the byte-exact comparison the verdicts rest on.
 */
import { describe, expect, test } from 'vitest';
import { exitCodeOf, formatReport, type CheckResult, type ConformanceReport } from '../../src/conformance/index.js';
import { asControlBatch, buildBatch, recordsDiffer, sampleRecords, withBadCrc, withLastOffsetDelta } from '../../src/conformance/batches.js';
import { readRecordBatches } from '../../src/protocol/record-batch.js';
import { ProtocolError } from '../../src/errors.js';

const result = (id: string, level: CheckResult['level'], status: CheckResult['status'], observed: string): CheckResult => ({
  id,
  group: 'Produce',
  title: `title of ${id}`,
  reference: 'KIP-0',
  level,
  expected: 'what Kafka does',
  status,
  observed,
  notes: [],
  durationMs: 12,
});

function report(results: CheckResult[]): ConformanceReport {
  const n = (s: string) => results.filter((r) => r.status === s).length;
  return {
    cluster: { bootstrap: 'b:1', securityProtocol: 'PLAINTEXT', clusterId: 'c', brokers: 1, apis: 'Produce v3-13', features: {} },
    startedAt: '2026-01-01T00:00:00.000Z',
    results,
    summary: {
      pass: n('pass'),
      fail: n('fail'),
      skip: n('skip'),
      info: n('info'),
      mustFailed: results.filter((r) => r.status === 'fail' && r.level === 'MUST').length,
      shouldFailed: results.filter((r) => r.status === 'fail' && r.level === 'SHOULD').length,
    },
  };
}

describe('report forms', () => {
  const r = report([
    result('a.must-fails', 'MUST', 'fail', 'answered NONE <&> "quoted"'),
    result('a.should-fails', 'SHOULD', 'fail', 'not quite'),
    result('a.skipped', 'MUST', 'skip', 'not applicable'),
    result('a.passes', 'MUST', 'pass', 'fine'),
    result('a.info', 'INFO', 'info', 'reported'),
  ]);

  test('JUnit: only the failed MUST is a <failure>; SHOULD in the output; skips skipped; text escaped', () => {
    const xml = formatReport(r, 'junit');
    expect(xml.match(/<failure /g)?.length).toBe(1);
    expect(xml).toContain('<failure message="answered NONE &lt;&amp;&gt; &quot;quoted&quot;" type="MUST">');
    expect(xml).toMatch(/name="a\.should-fails: title of a\.should-fails"[^]*?<system-out>SHOULD not met/);
    expect(xml).toContain('<skipped message="not applicable"/>');
    expect(xml).toMatch(/<testsuites [^>]*tests="5" failures="1" skipped="1"/);
  });

  test('exit code 1 only when a MUST failed', () => {
    expect(exitCodeOf(r)).toBe(1);
    expect(exitCodeOf(report([result('x.y', 'SHOULD', 'fail', 'no'), result('x.z', 'MUST', 'skip', 'n/a')]))).toBe(0);
  });

  test('table: one line per check, the expectation under a failure, the summary last', () => {
    const lines = formatReport(r, 'table').trimEnd().split('\n');
    expect(lines.filter((l) => /^a\./.test(l)).length).toBe(5);
    expect(lines[lines.indexOf(lines.find((l) => l.startsWith('a.must-fails'))!) + 1]).toMatch(/^\s+expected: what Kafka does$/);
    expect(lines.at(-1)).toBe('5 checks: 1 passed, 2 failed (1 MUST, 1 SHOULD), 1 skipped, 1 reported; 1 MUST check(s) failed');
  });

  test('json round-trips', () => {
    expect(JSON.parse(formatReport(r, 'json'))).toEqual(r);
  });
});

describe('batches the checks send', () => {
  const records = sampleRecords(1_700_000_000_000);

  test('a built batch reads back byte-exact; any changed byte of a record is named', async () => {
    const batch = await buildBatch(records, { producerId: 7n, producerEpoch: 1, baseSequence: 40 });
    const [decoded] = await readRecordBatches(batch);
    expect(decoded!.producerId).toBe(7n);
    expect(decoded!.baseSequence).toBe(40);
    expect(recordsDiffer(records, decoded!.records)).toBeNull();
    const changed = decoded!.records.map((x, i) => (i === 4 ? { ...x, headers: x.headers.map(([k, v], h) => [k, h === 1 ? new Uint8Array([1]) : v] as [string, Uint8Array | null]) } : x));
    expect(recordsDiffer(records, changed)).toMatch(/^record 4: header 1 \(dup\)/);
    const nulled = decoded!.records.map((x, i) => (i === 3 ? { ...x, key: null } : x));
    expect(recordsDiffer(records, nulled)).toMatch(/^record 3: key null, written ""/); // empty is not null
    expect(recordsDiffer(records, decoded!.records.slice(1))).toBe(`${records.length} records written, ${records.length - 1} read back`);
  });

  test('withBadCrc breaks only the CRC; withLastOffsetDelta and asControlBatch keep it valid', async () => {
    const batch = await buildBatch(records.slice(0, 3));
    await expect(readRecordBatches(withBadCrc(batch))).rejects.toThrow(ProtocolError);
    const delta = await readRecordBatches(withLastOffsetDelta(batch, 7));
    expect(delta[0]!.lastOffsetDelta).toBe(7);
    expect(delta[0]!.recordCount).toBe(3);
    const control = await readRecordBatches(asControlBatch(batch));
    expect(control[0]!.isControl).toBe(true);
    expect(batch[20]).toBe(withBadCrc(batch).slice()[20]! ^ 1); // the original is untouched
  });
});
