/**
 * The conformance runner without a real broker: an in-memory broker that answers ApiVersions and
 * Metadata and ignores everything else, so a check that waits for anything else hangs. A hanging
 * check must fail that check (its connections closed) and the run must go on; every connection is
 * closed at the end; the trace sees the suite's own frames. Real brokers: test/live/conformance.
 */
import { describe, expect, test } from 'vitest';
import { CATALOGUE, exitCodeOf, runConformance, selectChecks } from '../../src/conformance/index.js';
import type { Socketish, Transport } from '../../src/network/transport.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeRequest, encodeResponse, type MetadataRequest } from '../../src/protocol/messages/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { TraceEvent } from '../../src/observability/trace.js';

/** A broker that knows ApiVersions (v0-3) and Metadata (v0-12) and never answers anything else. */
class SilentBroker implements Transport {
  open = 0;
  readonly seen: string[] = [];

  async connect(host: string, port: number): Promise<Socketish> {
    this.open++;
    let onData: (c: Uint8Array) => void = () => {};
    let onClose: (e?: Error) => void = () => {};
    let closed = false;
    let pending = new Uint8Array(0);
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.open--;
      queueMicrotask(() => onClose());
    };
    const answer = (frame: Uint8Array): void => {
      let req;
      try {
        req = decodeRequest(frame);
      } catch {
        this.seen.push('undecodable');
        return; // e.g. ApiVersions v127: no answer, ever
      }
      const { requestApiKey: key, requestApiVersion: v, correlationId } = req.header;
      this.seen.push(`${key}v${v}`);
      let out: Uint8Array | undefined;
      if (key === ApiKey.ApiVersions) {
        out = encodeResponse(ApiKey.ApiVersions, v, correlationId, { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }, { apiKey: 0, minVersion: 3, maxVersion: 9 }] }, { sizePrefix: true });
      } else if (key === ApiKey.Metadata) {
        const topics = ((req.body as MetadataRequest).topics ?? []).map((t) => ({ name: t.name, errorCode: 3, partitions: [] }));
        out = encodeResponse(ApiKey.Metadata, v, correlationId, { brokers: [{ nodeId: 1, host, port, rack: null }], clusterId: 'silent', controllerId: 1, topics }, { sizePrefix: true });
      }
      if (out) queueMicrotask(() => !closed && onData(out));
    };
    return {
      write(chunk, cb) {
        const joined = new Uint8Array(pending.length + chunk.length);
        joined.set(pending);
        joined.set(chunk, pending.length);
        pending = joined;
        while (pending.length >= 4) {
          const size = new DataView(pending.buffer, pending.byteOffset).getInt32(0);
          if (pending.length < 4 + size) break;
          answer(pending.slice(4, 4 + size));
          pending = pending.slice(4 + size);
        }
        if (cb) queueMicrotask(() => cb());
        return true;
      },
      onData: (cb) => void (onData = cb),
      onClose: (cb) => void (onClose = cb),
      onDrain: () => {},
      close,
      destroy: close,
    };
  }
}

function runtimeWith(transport: Transport): Runtime {
  return { name: 'test', transport: () => transport };
}

describe('conformance runner', () => {
  test('a check the broker never answers fails on its own timeout, and the run goes on; nothing stays open', async () => {
    const broker = new SilentBroker();
    const report = await runConformance({
      bootstrap: '127.0.0.1:9092',
      runtime: runtimeWith(broker),
      checkTimeoutMs: 300,
      only: ['apiversions.unknown-version', 'apiversions.ranges', 'metadata.unknown-topic', 'produce.acks-1'],
    });
    const status = Object.fromEntries(report.results.map((r) => [r.id, r.status]));
    expect(status).toEqual({ 'apiversions.unknown-version': 'fail', 'apiversions.ranges': 'pass', 'metadata.unknown-topic': 'pass', 'produce.acks-1': 'skip' });
    const hung = report.results.find((r) => r.id === 'apiversions.unknown-version')!;
    expect(hung.observed).toMatch(/no verdict within 300 ms/);
    // The topic check has no CreateTopics to use and no topic the silent broker would auto-create.
    expect(report.results.find((r) => r.id === 'produce.acks-1')!.observed).toMatch(/offers no CreateTopics, and auto-creating .* failed \(UNKNOWN_TOPIC_OR_PARTITION\)/);
    expect(report.summary.mustFailed).toBe(1);
    expect(exitCodeOf(report)).toBe(1);
    expect(report.cluster).toMatchObject({ clusterId: 'silent', brokers: 1 });
    expect(broker.seen).toContain('undecodable');
    expect(broker.open).toBe(0);
  });

  test('the trace option sees the suite\'s own requests and responses', async () => {
    const events: TraceEvent[] = [];
    await runConformance({ bootstrap: '127.0.0.1:9092', runtime: runtimeWith(new SilentBroker()), only: ['apiversions.ranges'], trace: (e) => events.push(e) });
    expect(events.some((e) => e.type === 'request' && e.api === 'ApiVersions')).toBe(true);
    expect(events.some((e) => e.type === 'response' && e.api === 'Metadata')).toBe(true);
  });

  test('a cluster that does not answer at all ends the run with one error naming it', async () => {
    const dead: Transport = { connect: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    await expect(
      runConformance({ bootstrap: '127.0.0.1:1', runtime: runtimeWith(dead), properties: { 'socket.connection.setup.timeout.ms': '200', 'request.timeout.ms': '200' } }),
    ).rejects.toThrow(/cannot run the conformance suite: 127\.0\.0\.1:1 did not answer/);
  });
});

describe('the catalogue', () => {
  test('at least 40 checks, unique dotted ids, each with a reference, a level and an expectation', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CATALOGUE.map((c) => c.id)).size).toBe(CATALOGUE.length);
    for (const c of CATALOGUE) {
      expect(c.id).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
      expect(c.reference.length).toBeGreaterThan(3);
      expect(c.expected.length).toBeGreaterThan(10);
      expect(['MUST', 'SHOULD', 'INFO']).toContain(c.level);
    }
    const groups = new Set(CATALOGUE.map((c) => c.group));
    for (const g of ['ApiVersions', 'Metadata', 'Produce', 'Idempotence', 'Transactions', 'SASL', 'Read-back']) expect(groups).toContain(g);
  });

  test('--only takes ids and prefixes, and refuses a name that selects nothing', () => {
    expect(selectChecks(['idempotence']).every((c) => c.id.startsWith('idempotence.'))).toBe(true);
    expect(selectChecks(['idempotence']).length).toBeGreaterThan(5);
    expect(selectChecks(['produce.acks-0', 'txn.fencing']).map((c) => c.id)).toEqual(['produce.acks-0', 'txn.fencing']);
    expect(selectChecks(undefined).length).toBe(CATALOGUE.length);
    expect(() => selectChecks(['produce.nope'])).toThrow(/no conformance check is named "produce.nope"/);
    expect(() => selectChecks(['idem'])).toThrow(/starts with "idem\."/);
  });
});
