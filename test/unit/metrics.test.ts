import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { ProducerMetrics, SampledStat } from '../../src/observability/metrics.js';

describe('metrics', () => {
  test("rates use Java's window size: at least (samples - 1) full windows", () => {
    const clock = new ManualClock(0);
    const m = new ProducerMetrics(clock, 30_000, 2);
    m.recordSend.record(300);
    clock.advance(1000);
    // Elapsed 1 s, but at least one full 30 s window counts: 300 / 31 s.
    expect(m.snapshot()['record-send-rate']).toBeCloseTo(300 / 31, 6);
    expect(m.snapshot()['record-send-total']).toBe(300);
  });

  test('avg and max over live samples; stale samples drop out', () => {
    const clock = new ManualClock(0);
    const s = new SampledStat(1000, 2, 0);
    s.record(10, 0);
    s.record(30, 500);
    expect(s.avg(500)).toBe(20);
    expect(s.max(500)).toBe(30);
    s.record(4, 1500);
    expect(s.max(1500)).toBe(30);
    expect(s.max(2600)).toBe(4); // the first sample (started at 0) is older than 2 windows
    expect(s.avg(5000)).toBeNaN();
    void clock;
  });

  test('snapshot carries Java names, gauges included', () => {
    const clock = new ManualClock(0);
    const m = new ProducerMetrics(clock);
    m.gauges = { bufferTotalBytes: () => 100, bufferAvailableBytes: () => 40, waitingThreads: () => 0, requestsInFlight: () => 2, metadataAgeSeconds: () => 1, waitingSends: () => 3, waitingSendBytes: () => 300 };
    m.requestLatency.record(12);
    m.requestLatency.record(30);
    const snap = m.snapshot();
    for (const name of ['record-send-rate', 'record-error-rate', 'record-retry-rate', 'request-latency-avg', 'request-latency-max', 'batch-size-avg', 'batch-size-max', 'records-per-request-avg', 'compression-rate-avg', 'record-queue-time-avg', 'record-queue-time-max', 'buffer-total-bytes', 'buffer-available-bytes', 'bufferpool-wait-ratio', 'produce-throttle-time-avg', 'produce-throttle-time-max', 'outgoing-byte-rate', 'requests-in-flight']) {
      expect(snap, name).toHaveProperty(name);
    }
    expect(snap['request-latency-avg']).toBe(21);
    expect(snap['request-latency-max']).toBe(30);
    expect(snap['buffer-available-bytes']).toBe(40);
  });
});
