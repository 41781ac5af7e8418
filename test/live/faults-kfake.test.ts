/**
 * Fault injection against franz-go's kfake (a private 3-broker cluster per test, see
 * test/helpers/kfake-cluster.ts and tools/kfake/main.go), with the steady stream of keyed and
 * keyless records of the other fault suites and every outcome counted (test/helpers/faults.ts):
 * sent, acknowledged, failed, read back (independent consumer), lost, duplicated, reordered.
 *
 * Why a third broker: kfake is an independent Kafka implementation that checks idempotent
 * sequences as Kafka does (OUT_OF_ORDER_SEQUENCE_NUMBER on a gap, a retry of one of the last 5
 * batches answered with the first copy's offset), unlike librdkafka's mock, which appends any
 * sequence of a non-transactional producer. So here, unlike on the mock:
 * - the producer runs with its defaults (5 requests in flight, idempotence, acks=all) in every
 *   scenario, and
 * - every scenario requires 0 duplicated: an appended request whose answer was lost, late or an
 *   error must be retried under its own sequences and deduplicated, never renumbered.
 *
 * Faults kfake applies *after* appending (what makes it stricter than the mock): REQUEST_TIMED_OUT
 * and NOT_ENOUGH_REPLICAS_AFTER_APPEND pushed on Produce (kfake's Fault semantics), afterAppend()
 * (any error code, e.g. NOT_LEADER_OR_FOLLOWER as Kafka answers when leadership moves while it
 * waits for replicas, or a dropped connection), delay() (answered after request.timeout.ms).
 *
 * Each scenario prints one `[faults] kfake <scenario>: sent=.. acked=.. ...` line.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CHANNELS, Producer, type ProducerConfig } from '../../src/index.js';
import { readBack, uniqueTopic } from '../helpers/kafka.js';
import { ALL_BROKERS, ApiKey, ErrorCode, KfakeCluster } from '../helpers/kfake-cluster.js';
import { buildKfake } from '../../tools/broker/index.mjs';
import { ClientEvents, SteadyStream, countOutcomes, explain, readAndCount, report, sleep, type CountDetail } from '../helpers/faults.js';

const PARTITIONS = 6;

interface Ctx {
  kfake: KfakeCluster;
  producer: Producer;
  stream: SteadyStream;
  events: ClientEvents;
  topic: string;
  logs: string[];
  retries: Record<string, number>;
}

const open: Ctx[] = [];

/** A private 3-broker kfake, a topic with leaders spread over the brokers, a producer and a stream. */
async function setup(name: string, config: Partial<ProducerConfig> = {}, streamRate = 400): Promise<Ctx> {
  const kfake = await KfakeCluster.start({ brokers: 3 });
  const topic = uniqueTopic(`faults-${name}`);
  await kfake.control.createTopic(topic, PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) await kfake.control.setLeader(topic, p, p % 3);
  const clientId = `faults-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const logs: string[] = [];
  const retries: Record<string, number> = {};
  const keep = (level: string) => (m: string) => {
    const r = /\bretrying \S+ \(attempt \d+\) after (\S+) from node/.exec(m);
    if (r) retries[r[1]!] = (retries[r[1]!] ?? 0) + 1;
    logs.push(`${new Date().toISOString().slice(11, 23)} ${level} ${m}`);
    if (logs.length > 4000) logs.splice(0, 1000);
  };
  const events = new ClientEvents(CHANNELS, clientId);
  const producer = new Producer({
    'bootstrap.servers': kfake.bootstrap,
    'client.id': clientId,
    'linger.ms': 5,
    'retry.backoff.ms': 20,
    'retry.backoff.max.ms': 200,
    'reconnect.backoff.max.ms': 200,
    'request.timeout.ms': 3000,
    'delivery.timeout.ms': 30000,
    logger: { debug: keep('D'), info: keep('I'), warn: keep('W'), error: keep('E') },
    ...config,
  });
  const stream = new SteadyStream(producer, topic, { rate: streamRate });
  const ctx = { kfake, producer, stream, events, topic, logs, retries };
  open.push(ctx);
  return ctx;
}

/** Stops the stream, waits for every callback, reads the topic back and counts. */
async function finish(ctx: Ctx, name: string, t0: number, settleMs = 30_000): Promise<CountDetail> {
  ctx.stream.stop();
  await ctx.stream.settle(settleMs);
  const detail = await readAndCount(ctx.stream, ctx.kfake.bootstrap);
  report(`kfake ${name}`, detail, Date.now() - t0);
  logRequests(ctx, name);
  return detail;
}

function logRequests(ctx: Ctx, name: string): void {
  const failures = Object.fromEntries([...ctx.events.failures].filter(([k]) => k.startsWith(`${ApiKey.Produce}/`)));
  console.log(`[faults] kfake ${name}: retries by error ${JSON.stringify(ctx.retries)}; failed Produce requests (api/node/error) ${JSON.stringify(failures)}; Produce versions ${ctx.events.versions(ApiKey.Produce).join(',')}`);
}

function why(ctx: Ctx, d: CountDetail): string {
  return `${explain(d)}\n--- producer log (last lines) ---\n${ctx.logs.slice(-80).join('\n')}`;
}

/** Everything delivered exactly once, in order, at its acknowledged offset; one callback each. */
function expectExactlyOnceInOrder(ctx: Ctx, d: CountDetail): void {
  const c = d.counts;
  const w = why(ctx, d);
  expect(c.sent, w).toBeGreaterThan(500);
  expect(c.missing, w).toBe(0);
  expect(c.multi, w).toBe(0);
  expect(c.failed, w).toBe(0);
  expect(c.acked, w).toBe(c.sent);
  expect(c.readBack, w).toBe(c.sent);
  expect(c.lost, w).toBe(0);
  expect(c.duplicated, w).toBe(0);
  expect(c.reordered, w).toBe(0);
}

// KAFKA_WIRE_LIVE=0 means no brokers at all; otherwise kfake is built (go build, cached) before
// the first test. A missing Go is the skip reason of every test (and .ci/run fails on skips).
let unavailable: string | null = process.env.KAFKA_WIRE_LIVE === '0' ? 'no brokers: KAFKA_WIRE_LIVE=0' : null;

describe('faults against kfake (franz-go; 3 brokers, Kafka\'s idempotent sequence checks)', () => {
  let suiteStart = 0;
  beforeAll(async () => {
    suiteStart = Date.now();
    if (unavailable) return;
    try {
      await buildKfake({ log: (m) => console.log(`[faults] kfake: ${m}`) });
    } catch (e) {
      unavailable = `kfake unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }, 600_000);
  beforeEach((ctx) => {
    if (unavailable) ctx.skip(unavailable);
  });
  afterEach(async () => {
    for (const ctx of open.splice(0)) {
      ctx.stream.stop();
      ctx.events.close();
      await ctx.producer.close({ timeoutMs: 2000 }).catch(() => {});
      await ctx.kfake.stop();
    }
  });
  afterAll(() => {
    console.log(`[faults] kfake suite wall time ${((Date.now() - suiteStart) / 1000).toFixed(1)}s`);
  });

  test('bursts of retriable Produce and Metadata errors, some after appending, 5 in flight: every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('bursts');
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    const produceErrors = [
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      ErrorCode.LEADER_NOT_AVAILABLE,
      ErrorCode.REQUEST_TIMED_OUT, // kfake appends, then answers this
      ErrorCode.NOT_ENOUGH_REPLICAS,
      ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, // appended too
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.KAFKA_STORAGE_ERROR,
      ErrorCode.NETWORK_EXCEPTION,
      ErrorCode.CORRUPT_MESSAGE,
    ];
    for (let round = 0; round < 4; round++) {
      await control.pushRequestErrors(ApiKey.Produce, ...produceErrors.slice(round % 3, (round % 3) + 5));
      await control.failRequests(ApiKey.Produce, 4, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      await control.pushRequestErrors(ApiKey.Metadata, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.TRANSPORT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      // Per broker, some held before they are answered (within request.timeout.ms).
      await control.brokerPushRequestErrors(round % 3, ApiKey.Produce, [
        { error: ErrorCode.NOT_ENOUGH_REPLICAS, holdMs: 200 },
        { error: ErrorCode.REQUEST_TIMED_OUT, holdMs: 50 },
      ]);
      await sleep(700);
    }
    expect(await ctx.stream.waitForAcks(200, 10_000)).toBe(true);
    const d = await finish(ctx, 'bursts of retriable errors (5 in flight)', t0);
    expectExactlyOnceInOrder(ctx, d);
    expect(ctx.producer.metrics()['record-retry-total']).toBeGreaterThan(0);
  }, 90_000);

  test('partition leaders moving (one by one, then all shuffled at once): every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('leaders');
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    for (let move = 1; move <= 6; move++) {
      for (let p = 0; p < PARTITIONS; p++) await control.setLeader(ctx.topic, p, (p + move) % 3);
      await sleep(400);
    }
    for (let i = 0; i < 4; i++) {
      await control.shuffleLeaders();
      await sleep(400);
    }
    expect(await ctx.stream.waitForAcks(200, 10_000)).toBe(true);
    const d = await finish(ctx, 'leaders moving', t0);
    expectExactlyOnceInOrder(ctx, d);
  }, 90_000);

  test('NOT_LEADER_OR_FOLLOWER after append (leadership moving meanwhile), retried: every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('nl-after-append');
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    for (let round = 0; round < 6; round++) {
      // The next Produce requests are appended, then answered NOT_LEADER_OR_FOLLOWER, and the
      // leaders of two partitions move: the retries (to the new leaders) must be recognised as
      // duplicates of what is already in the log.
      await control.afterAppend(ALL_BROKERS, 3, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      await sleep(150);
      await control.setLeader(ctx.topic, round % PARTITIONS, (round + 1) % 3);
      await control.setLeader(ctx.topic, (round + 3) % PARTITIONS, (round + 2) % 3);
      await sleep(500);
    }
    expect(await ctx.stream.waitForAcks(200, 10_000)).toBe(true);
    const d = await finish(ctx, 'NOT_LEADER_OR_FOLLOWER after append', t0);
    expectExactlyOnceInOrder(ctx, d);
    expect(ctx.retries['NOT_LEADER_OR_FOLLOWER'] ?? 0, why(ctx, d)).toBeGreaterThan(0);
  }, 90_000);

  test('dropped connections (before and after appending) and a broker down then up: every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('drops');
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    // Closed instead of handled (nothing appended) ...
    await control.pushRequestErrors(ApiKey.Produce, ErrorCode.TRANSPORT, ErrorCode.TRANSPORT);
    await sleep(500);
    // ... closed after appending (the answer is lost: the retry must be deduplicated) ...
    await control.afterAppend(ALL_BROKERS, 3, ErrorCode.TRANSPORT);
    await sleep(500);
    await control.pushRequestErrors(ApiKey.Metadata, ErrorCode.TRANSPORT, ErrorCode.TRANSPORT);
    await control.disconnect(ALL_BROKERS);
    await sleep(700);
    // ... a broker refusing connections for a while (its partitions wait; kfake moves no leader).
    await control.brokerDown(1);
    await sleep(1500);
    await control.brokerUp(1);
    await sleep(500);
    await control.disconnect(2);
    expect(await ctx.stream.waitForAcks(300, 15_000)).toBe(true);
    const d = await finish(ctx, 'dropped connections, broker down/up', t0);
    expectExactlyOnceInOrder(ctx, d);
  }, 90_000);

  test('a broker slowed but answering within request.timeout.ms: every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('slow', { 'request.timeout.ms': 3000 });
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    await ctx.kfake.control.setRtt(0, 800);
    await ctx.kfake.control.setRtt(1, 300);
    await sleep(3000);
    await ctx.kfake.control.setRtt(0, 0);
    await ctx.kfake.control.setRtt(1, 0);
    expect(await ctx.stream.waitForAcks(200, 10_000)).toBe(true);
    const d = await finish(ctx, 'slow broker within request.timeout.ms', t0);
    expectExactlyOnceInOrder(ctx, d);
  }, 90_000);

  test('a produce answered after request.timeout.ms (appended, client gave up, retried): every record delivered once, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('timeouts', { 'request.timeout.ms': 700, 'delivery.timeout.ms': 30000 });
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    // Broker 0 appends its next Produce requests at once but answers them 1.2 s later: each times
    // out on the client, which closes the connection (failing what else it had in flight there)
    // and retries under the same sequences; kfake answers the retry of an appended batch with the
    // first copy's offset.
    await control.delay(0, ApiKey.Produce, 8, 1200);
    await sleep(2000);
    // Then every answer of broker 0 (handshakes included) comes 1.2 s late for a while.
    await control.setRtt(0, 1200);
    await sleep(2000);
    await control.setRtt(0, 0);
    expect(await ctx.stream.waitForAcks(300, 15_000)).toBe(true);
    const d = await finish(ctx, 'produce answered after request.timeout.ms', t0);
    const timedOut = ctx.events.failed(ApiKey.Produce, 'REQUEST_TIMED_OUT', 0);
    console.log(`[faults] kfake timeouts: ${timedOut} Produce requests to node 0 timed out on the client`);
    expectExactlyOnceInOrder(ctx, d);
    // The scenario did what it claims.
    expect(timedOut, why(ctx, d)).toBeGreaterThan(0);
  }, 90_000);

  test('NOT_ENOUGH_REPLICAS until delivery.timeout.ms: each record fails once with TIMEOUT; the producer recovers, in order', async () => {
    const t0 = Date.now();
    const ctx = await setup('enr', { 'request.timeout.ms': 1000, 'delivery.timeout.ms': 3000 });
    const { control } = ctx.kfake;
    await control.failRequests(ApiKey.Produce, 100000, ErrorCode.NOT_ENOUGH_REPLICAS);
    ctx.stream.start();
    await sleep(1000);
    ctx.stream.stop();
    const firstWave = ctx.stream.records.length;
    await ctx.stream.settle(10_000);
    const wave1 = ctx.stream.records.slice(0, firstWave);
    expect(wave1.length).toBeGreaterThan(200);
    expect(wave1.filter((r) => r.callbacks !== 1)).toEqual([]);
    expect([...new Set(wave1.map((r) => r.error?.code))]).toEqual(['TIMEOUT']);

    // The brokers recover: later records are delivered, in order (kfake checks that the
    // producer's next sequences fit what it holds: nothing of the first wave was appended).
    await control.clearRequestErrors(ApiKey.Produce);
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(500, 10_000)).toBe(true);
    ctx.stream.stop();
    await ctx.stream.settle(10_000);
    const d = countOutcomes(ctx.stream, await readBack(ctx.topic, { bootstrap: ctx.kfake.bootstrap }));
    report('kfake NOT_ENOUGH_REPLICAS past delivery.timeout.ms', d, Date.now() - t0);
    logRequests(ctx, 'NOT_ENOUGH_REPLICAS past delivery.timeout.ms');
    const c = d.counts;
    expect(c.failed, why(ctx, d)).toBe(firstWave);
    expect(c.acked, why(ctx, d)).toBe(c.sent - firstWave);
    expect(c.missing + c.multi + c.lost + c.reordered + c.duplicated + c.writtenButFailed, why(ctx, d)).toBe(0);
  }, 90_000);

  test('NOT_LEADER_OR_FOLLOWER after append until delivery.timeout.ms: what expires fails once, nothing written twice, the rest in order', async () => {
    // Issue 11 bug 1's shape: batches the broker appended are answered NOT_LEADER_OR_FOLLOWER
    // until the oldest expire. Their outcome is unknown (they are in the log: writtenButFailed),
    // so the producer must not renumber the later batches of the partition from a new epoch or
    // sequence 0 as if nothing had been written: kfake would store those a second time.
    const t0 = Date.now();
    const ctx = await setup('nl-expire', { 'request.timeout.ms': 1000, 'delivery.timeout.ms': 3000 });
    const { control } = ctx.kfake;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(100, 10_000)).toBe(true);
    await control.afterAppend(ALL_BROKERS, 100000, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await sleep(3500);
    await control.clearRequestErrors(ApiKey.Produce);
    expect(await ctx.stream.waitForAcks(500, 15_000)).toBe(true);
    ctx.stream.stop();
    await ctx.stream.settle(30_000);
    const log = await readBack(ctx.topic, { bootstrap: ctx.kfake.bootstrap });
    const d = countOutcomes(ctx.stream, log);
    report('kfake NOT_LEADER_OR_FOLLOWER after append past delivery.timeout.ms', d, Date.now() - t0);
    logRequests(ctx, 'NOT_LEADER_OR_FOLLOWER after append past delivery.timeout.ms');
    // Whose copies: records acknowledged or failed (TIMEOUT), and how many producer ids and epoch
    // bumps the producer went through.
    const copies = new Map<number, number>();
    for (const r of log) {
      const v = ctx.stream.parse(r.value);
      if (v) copies.set(v.id, (copies.get(v.id) ?? 0) + 1);
    }
    let dupOfAcked = 0;
    let dupOfFailed = 0;
    for (const [id, n] of copies) {
      if (n < 2) continue;
      if (ctx.stream.records[id]!.error) dupOfFailed += n - 1;
      else dupOfAcked += n - 1;
    }
    const pids = ctx.logs.filter((l) => /\bproducer id \d+, epoch/.test(l)).length;
    const bumps = ctx.logs.filter((l) => /bumped the producer epoch/.test(l)).length;
    console.log(`[faults] kfake nl-expire: extra copies of acknowledged records ${dupOfAcked}, of failed records ${dupOfFailed}; producer ids obtained ${pids}, epoch bumps ${bumps}`);
    const c = d.counts;
    const w = why(ctx, d);
    expect(c.missing, w).toBe(0);
    expect(c.multi, w).toBe(0);
    expect(c.lost, w).toBe(0);
    expect(c.duplicated, w).toBe(0);
    expect(c.reordered, w).toBe(0);
    // The scenario exhausts delivery.timeout.ms: some records fail with TIMEOUT. kfake keeps one
    // producer epoch per producer id (Kafka keeps it per partition), so once one partition's
    // sequences moved to a bumped epoch, kfake fences the retries of the others' older-epoch
    // batches with INVALID_PRODUCER_EPOCH; those batches may be in the log, so they fail
    // (outcome unknown) instead of being resent under the new epoch, which would write them twice.
    expect(c.failed, w).toBeGreaterThan(0);
    expect(Object.keys(c.errors).filter((e) => e !== 'TIMEOUT' && e !== 'INVALID_PRODUCER_EPOCH'), w).toEqual([]);
    expect(c.errors['TIMEOUT'] ?? 0, w).toBeGreaterThan(0);
    expect(c.acked + c.failed, w).toBe(c.sent);
  }, 90_000);
});
