/**
 * Producer metrics with Java's names and meanings (producer-metrics group). Windowed stats
 * follow Java's SampledStat: `metrics.num.samples` samples of `metrics.sample.window.ms` each;
 * a rate is the windowed sum divided by the elapsed window (Java's Rate.windowSize, which
 * counts at least num.samples - 1 full windows so a fresh producer does not report spikes).
 *
 * Recording is cheap (a few arithmetic operations, no allocation) because the sender records
 * per batch and per request on the hot path. Reading (`snapshot`) does the work.
 */
import type { Clock } from '../common/clock.js';

interface Sample {
  start: number;
  count: number;
  sum: number;
  max: number;
}

/** One windowed statistic: sum, count and max per sample. */
export class SampledStat {
  private readonly samples: Sample[];
  private current = 0;

  constructor(
    private readonly windowMs: number,
    numSamples: number,
    now: number,
  ) {
    this.samples = Array.from({ length: Math.max(2, numSamples) }, () => ({ start: now, count: 0, sum: 0, max: -Infinity }));
  }

  record(value: number, now: number): void {
    let s = this.samples[this.current]!;
    if (now - s.start >= this.windowMs) {
      this.current = (this.current + 1) % this.samples.length;
      s = this.samples[this.current]!;
      s.start = now;
      s.count = 0;
      s.sum = 0;
      s.max = -Infinity;
    }
    s.count++;
    s.sum += value;
    if (value > s.max) s.max = value;
  }

  /** Samples older than the whole window are stale and ignored (Java's purgeObsoleteSamples). */
  private live(now: number): Sample[] {
    const horizon = this.samples.length * this.windowMs;
    return this.samples.filter((s) => now - s.start < horizon);
  }

  sum(now: number): number {
    return this.live(now).reduce((a, s) => a + s.sum, 0);
  }

  count(now: number): number {
    return this.live(now).reduce((a, s) => a + s.count, 0);
  }

  avg(now: number): number {
    const live = this.live(now);
    const count = live.reduce((a, s) => a + s.count, 0);
    return count === 0 ? NaN : live.reduce((a, s) => a + s.sum, 0) / count;
  }

  max(now: number): number {
    const m = this.live(now).reduce((a, s) => Math.max(a, s.max), -Infinity);
    return m === -Infinity ? NaN : m;
  }

  /** Per-second rate of the recorded values' sum (Java's Rate over a SampledStat). */
  rate(now: number, createdAt: number): number {
    const live = this.live(now);
    const oldest = live.reduce((a, s) => Math.min(a, s.start), now);
    let elapsed = now - Math.max(oldest, createdAt);
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFull = this.samples.length - 1;
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.windowMs;
    return live.reduce((a, s) => a + s.sum, 0) / (elapsed / 1000);
  }
}

/** A named sensor: a windowed stat plus a cumulative total (Java's CumulativeSum). */
export class Sensor {
  private readonly stat: SampledStat;
  total = 0;

  constructor(
    windowMs: number,
    numSamples: number,
    private readonly clock: Clock,
    private readonly createdAt: number,
  ) {
    this.stat = new SampledStat(windowMs, numSamples, createdAt);
  }

  record(value = 1, now = this.clock.now()): void {
    this.stat.record(value, now);
    this.total += value;
  }

  rate(now: number): number {
    return this.stat.rate(now, this.createdAt);
  }

  avg(now: number): number {
    return this.stat.avg(now);
  }

  max(now: number): number {
    return this.stat.max(now);
  }
}

/** Gauges the producer reads at snapshot time (owned by the BufferPool, the Sender, metadata). */
export interface MetricGauges {
  bufferTotalBytes(): number;
  bufferAvailableBytes(): number;
  /** Sends currently waiting for buffer memory. */
  waitingThreads(): number;
  requestsInFlight(): number;
  /** Seconds since the last successful metadata update. */
  metadataAgeSeconds(): number;
  /** Sends accepted by send() but not in a batch yet (waiting for metadata or buffer memory). */
  waitingSends(): number;
  /** What those sends hold: their records' estimated serialized size (key, value, headers). */
  waitingSendBytes(): number;
}

/**
 * The producer's sensors. One instance per Producer, owned by it; the accumulator, sender and
 * buffer pool record into it.
 */
export class ProducerMetrics {
  readonly recordSend: Sensor;
  readonly recordError: Sensor;
  readonly recordRetry: Sensor;
  readonly recordSize: Sensor;
  readonly recordQueueTime: Sensor;
  readonly batchSize: Sensor;
  readonly batchSplit: Sensor;
  readonly compressionRate: Sensor;
  readonly recordsPerRequest: Sensor;
  readonly requestLatency: Sensor;
  readonly request: Sensor;
  readonly response: Sensor;
  readonly outgoingBytes: Sensor;
  readonly incomingBytes: Sensor;
  readonly produceThrottleTime: Sensor;
  /** Nanoseconds spent waiting for buffer memory (Java's bufferpool-wait-time). */
  readonly bufferPoolWaitTime: Sensor;
  /** Sends that failed because buffer memory stayed full for max.block.ms. */
  readonly bufferExhausted: Sensor;
  gauges: MetricGauges | null = null;

  constructor(
    private readonly clock: Clock,
    windowMs = 30_000,
    numSamples = 2,
  ) {
    const now = clock.now();
    const s = (): Sensor => new Sensor(windowMs, numSamples, clock, now);
    this.recordSend = s();
    this.recordError = s();
    this.recordRetry = s();
    this.recordSize = s();
    this.recordQueueTime = s();
    this.batchSize = s();
    this.batchSplit = s();
    this.compressionRate = s();
    this.recordsPerRequest = s();
    this.requestLatency = s();
    this.request = s();
    this.response = s();
    this.outgoingBytes = s();
    this.incomingBytes = s();
    this.produceThrottleTime = s();
    this.bufferPoolWaitTime = s();
    this.bufferExhausted = s();
  }

  /** Java's producer-metrics, by name. Averages and maxima of empty windows are NaN, as in Java. */
  snapshot(): Record<string, number> {
    const now = this.clock.now();
    const g = this.gauges;
    return {
      'record-send-rate': this.recordSend.rate(now),
      'record-send-total': this.recordSend.total,
      'record-error-rate': this.recordError.rate(now),
      'record-error-total': this.recordError.total,
      'record-retry-rate': this.recordRetry.rate(now),
      'record-retry-total': this.recordRetry.total,
      'record-size-avg': this.recordSize.avg(now),
      'record-size-max': this.recordSize.max(now),
      'record-queue-time-avg': this.recordQueueTime.avg(now),
      'record-queue-time-max': this.recordQueueTime.max(now),
      'batch-size-avg': this.batchSize.avg(now),
      'batch-size-max': this.batchSize.max(now),
      'batch-split-rate': this.batchSplit.rate(now),
      'batch-split-total': this.batchSplit.total,
      'compression-rate-avg': this.compressionRate.avg(now),
      'records-per-request-avg': this.recordsPerRequest.avg(now),
      'request-latency-avg': this.requestLatency.avg(now),
      'request-latency-max': this.requestLatency.max(now),
      'request-rate': this.request.rate(now),
      'request-total': this.request.total,
      'response-rate': this.response.rate(now),
      'response-total': this.response.total,
      'outgoing-byte-rate': this.outgoingBytes.rate(now),
      'outgoing-byte-total': this.outgoingBytes.total,
      'incoming-byte-rate': this.incomingBytes.rate(now),
      'incoming-byte-total': this.incomingBytes.total,
      'produce-throttle-time-avg': this.produceThrottleTime.avg(now),
      'produce-throttle-time-max': this.produceThrottleTime.max(now),
      // Fraction of wall time spent waiting for buffer memory (Java records ns per second).
      'bufferpool-wait-ratio': this.bufferPoolWaitTime.rate(now) / 1e9,
      'bufferpool-wait-time-ns-total': this.bufferPoolWaitTime.total,
      'buffer-exhausted-rate': this.bufferExhausted.rate(now),
      'buffer-exhausted-total': this.bufferExhausted.total,
      'buffer-total-bytes': g ? g.bufferTotalBytes() : NaN,
      'buffer-available-bytes': g ? g.bufferAvailableBytes() : NaN,
      'waiting-threads': g ? g.waitingThreads() : NaN,
      'requests-in-flight': g ? g.requestsInFlight() : NaN,
      'metadata-age': g ? g.metadataAgeSeconds() : NaN,
      // kafka-wire's own (send() never blocks the caller, so accepted sends can wait): records
      // accepted but not yet in a batch, and the bytes they hold until they are.
      'waiting-sends': g ? g.waitingSends() : NaN,
      'waiting-send-bytes': g ? g.waitingSendBytes() : NaN,
    };
  }
}
