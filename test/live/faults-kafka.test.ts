/**
 * Fault scenarios against real Apache Kafka 4.4: a private 3-broker KRaft cluster (its own state
 * directory, so the run's shared broker is untouched), topics with replication factor 3 and
 * min.insync.replicas=2, the producer with its defaults (acks=all, idempotence, 5 requests in
 * flight). A steady stream of keyed and keyless records flows while brokers are killed, frozen,
 * paused and restarted, and while leaders move (controlled shutdowns, preferred elections); every
 * outcome is counted (test/helpers/faults.ts) against what an independent consumer reads back
 * (kcat, or Kafka's Java consumer when kcat is not installed). Each scenario prints one count
 * line (`[faults] kafka <scenario>: sent=.. acked=.. failed=.. readBack=.. lost=.. duplicated=..
 * reordered=..`) and one line with the retries and failed Produce requests it caused.
 *
 * Unlike librdkafka's mock, Kafka checks and deduplicates idempotent sequences, so here we
 * require 0 duplicates and 0 reorderings with pipelined requests, and every acknowledged record
 * at its acknowledged offset.
 *
 * The nodes are combined broker+controller (tools/broker): with two of three down, the KRaft
 * quorum is lost, so nothing can shrink an ISR or elect a leader. A partition led by the
 * surviving node then appends and waits for its (dead) followers until the request times out,
 * instead of answering NOT_ENOUGH_REPLICAS (which needs the controller to shrink the ISR first);
 * the mock suite covers NOT_ENOUGH_REPLICAS until delivery.timeout.ms.
 *
 * Skipped when KAFKA_BOOTSTRAP names an external cluster (we must not kill its brokers).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import { CHANNELS, Producer, type ProducerConfig } from '../../src/index.js';
import { probeMetadata } from '../../tools/broker/index.mjs';
import { createTopic, kafkaIsExternal, uniqueTopic } from '../helpers/kafka.js';
import { ApiKey } from '../helpers/mock-cluster.js';
import {
  ClientEvents,
  KafkaAdmin,
  PrivateKafka,
  SteadyStream,
  brokerViews,
  clusterWhole,
  explain,
  readAndCount,
  report,
  sleep,
  terminateNode,
  waitFor,
  type BrokerView,
  type CountDetail,
} from '../helpers/faults.js';

// kcat is optional: without it, test/helpers/kafka.ts reads back and asks metadata through
// Kafka's Java client.
const haveJava = spawnSync('sh', ['-c', 'command -v java'], { stdio: 'ignore' }).status === 0;
const skip = kafkaIsExternal() || !haveJava || process.env.KAFKA_WIRE_LIVE === '0';

interface Ctx {
  producer: Producer;
  stream: SteadyStream;
  events: ClientEvents;
  topic: string;
  logs: string[];
  /** Batch retries the producer logged, by the error that caused them. */
  retries: Record<string, number>;
}

describe.skipIf(skip)('faults against a 3-broker Kafka (RF 3, min.insync.replicas 2, acks=all)', () => {
  let kafka: PrivateKafka;
  let suiteStart = 0;
  let failures = 0;
  const open: Ctx[] = [];
  /** Each node's command line, to start it again if a failed scenario left it down. */
  let launches = new Map<number, { cmdline: string[]; cwd: string }>();

  beforeAll(async () => {
    suiteStart = Date.now();
    kafka = await PrivateKafka.start(3, (m) => console.log(`[faults] kafka: ${m}`));
    console.log(`[faults] 3-broker Kafka up in ${((Date.now() - suiteStart) / 1000).toFixed(1)}s at ${kafka.bootstrap}`);
    launches = new Map(kafka.nodeIds.map((id) => [id, kafka.launchInfo(id)]));
  }, 240_000);

  afterAll(async () => {
    for (const ctx of open.splice(0)) await closeCtx(ctx);
    if (kafka) {
      await kafka.stop();
      if (failures === 0) kafka.removeState();
      else console.log(`[faults] broker logs kept in ${kafka.dir}/logs`);
    }
    console.log(`[faults] kafka suite wall time ${((Date.now() - suiteStart) / 1000).toFixed(1)}s (cluster start included)`);
  }, 60_000);

  beforeEach(async (testCtx) => {
    testCtx.onTestFailed(() => {
      failures++;
    });
    // A scenario that failed half-way may have left a node stopped or frozen: start or thaw it,
    // so one failure does not fail every scenario after it.
    for (const n of kafka.status()?.nodes ?? []) {
      kafka.thaw(n.id);
      if (!n.alive) {
        console.log(`[faults] node ${n.id} was left down by an earlier scenario; starting it again`);
        await kafka.restart(n.id, launches.get(n.id)!, 90_000);
      }
    }
    // Every scenario starts from a whole cluster: each of the three nodes answers and lists all
    // three brokers (registered and unfenced).
    await waitFor(
      '3 brokers in the cluster, as every node sees it',
      async () => {
        const views = await Promise.all((kafka.status()?.nodes ?? []).map((n) => probeMetadata('127.0.0.1', n.port, 1_500).catch(() => null)));
        return views.length === 3 && views.every((v) => v !== null && v.brokers.length === 3);
      },
      60_000,
      250,
    );
  });

  async function closeCtx(ctx: Ctx): Promise<void> {
    ctx.stream.stop();
    ctx.events.close();
    await ctx.producer.close({ timeoutMs: 5000 }).catch(() => {});
  }

  async function setup(
    name: string,
    config: Partial<ProducerConfig> = {},
    topicConfig: Record<string, string | number> = {},
    partitions = 3,
    rate = 400,
  ): Promise<Ctx> {
    const topic = uniqueTopic(`faults-${name}`);
    await createTopic(topic, {
      partitions,
      replicationFactor: 3,
      config: { 'min.insync.replicas': 2, ...topicConfig },
      bootstrap: kafka.bootstrap,
    });
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
      'bootstrap.servers': kafka.bootstrap,
      'client.id': clientId,
      'linger.ms': 5,
      'retry.backoff.ms': 50,
      'retry.backoff.max.ms': 500,
      'reconnect.backoff.max.ms': 500,
      logger: { debug: keep('D'), info: keep('I'), warn: keep('W'), error: keep('E') },
      ...config,
    });
    const stream = new SteadyStream(producer, topic, { rate });
    const ctx = { producer, stream, events, topic, logs, retries };
    open.push(ctx);
    return ctx;
  }

  async function finish(ctx: Ctx, name: string, t0: number, settleMs = 30_000): Promise<CountDetail> {
    ctx.stream.stop();
    await ctx.stream.settle(settleMs);
    const detail = await readAndCount(ctx.stream, kafka.bootstrap);
    report(`kafka ${name}`, detail, Date.now() - t0);
    const requestFailures = Object.fromEntries([...ctx.events.failures].filter(([k]) => k.startsWith(`${ApiKey.Produce}/`)));
    console.log(`[faults] kafka ${name}: retries by error ${JSON.stringify(ctx.retries)}; failed Produce requests (api/node/error) ${JSON.stringify(requestFailures)}`);
    open.splice(open.indexOf(ctx), 1);
    await closeCtx(ctx);
    return detail;
  }

  function why(ctx: Ctx, d: CountDetail): string {
    return `${explain(d)}\n--- producer log (last lines) ---\n${ctx.logs.slice(-80).join('\n')}`;
  }

  /** Everything delivered exactly once, in order, at its acknowledged offset. */
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

  test('kill -9 of a partition leader mid-stream, then restart: 0 lost, 0 duplicated, 0 reordered, 0 failed (Produce v13)', async () => {
    const t0 = Date.now();
    const ctx = await setup('kill');
    const victim = (await kafka.metadata(ctx.topic)).partitions[0]!.leader;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(300, 20_000)).toBe(true);
    const launch = kafka.launchInfo(victim);
    kafka.kill(victim);
    const killedAt = Date.now();
    // Start it again at once (a JVM takes seconds to come up): the controller fences the dead
    // incarnation (session timeout, or the new incarnation registering) and elects new leaders
    // from the ISR; the producer learns them from metadata and delivers what waited.
    const back = kafka.restart(victim, launch);
    back.catch(() => {}); // awaited below
    await waitFor('records of partition 0 acknowledged by its new leader', () => ctx.stream.ackedAfter(killedAt + 100, 0) >= 30, 40_000, 100);
    const failoverMs = Date.now() - killedAt;
    await back;
    const backMs = Date.now() - killedAt;
    expect(await ctx.stream.waitForAcks(400, 20_000)).toBe(true);
    const d = await finish(ctx, 'leader killed (kill -9) and restarted', t0);
    console.log(`[faults] kafka kill: node ${victim} killed; partition 0 acknowledged again after ${failoverMs} ms; node back after ${backMs} ms`);
    expectExactlyOnceInOrder(ctx, d);
    expect(ctx.events.versions(ApiKey.Produce)).toEqual([13]);
  }, 120_000);

  test('requests the broker appended but answered after request.timeout.ms are retried and deduplicated: 0 duplicated', async () => {
    const t0 = Date.now();
    const ctx = await setup('timeout', { 'request.timeout.ms': 1500, 'delivery.timeout.ms': 60_000 });
    const md = (await kafka.metadata(ctx.topic)).partitions;
    const leader0 = md[0]!.leader;
    // Freeze a follower of partition 0 (SIGSTOP): it stays in the ISR until the controller fences
    // it (~6 s), and meanwhile the leaders append each acks=all request and wait for it. The
    // producer times out after 1.5 s, closes the connection and retries with the same sequences;
    // the leader recognises the retries as duplicates of what it appended.
    const frozen = md[0]!.replicas.find((r) => r !== leader0)!;
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(300, 20_000)).toBe(true);
    kafka.freeze(frozen);
    const frozenAt = Date.now();
    try {
      await waitFor(`node ${frozen} out of every ISR`, async () => (await kafka.metadata(ctx.topic)).partitions.every((p) => !p.isr.includes(frozen)), 40_000, 300);
      expect(await ctx.stream.waitForAcks(300, 30_000)).toBe(true);
    } finally {
      kafka.thaw(frozen);
    }
    const frozenMs = Date.now() - frozenAt;
    await waitFor(`node ${frozen} back`, async () => (await kafka.metadata()).brokers.length === 3, 40_000, 300);
    expect(await ctx.stream.waitForAcks(200, 20_000)).toBe(true);
    const d = await finish(ctx, 'acks=all requests timing out while a follower is frozen', t0);
    const timeouts = kafka.nodeIds.filter((n) => n !== frozen).reduce((sum, n) => sum + ctx.events.failed(ApiKey.Produce, 'REQUEST_TIMED_OUT', n), 0);
    const timeoutsFrozen = ctx.events.failed(ApiKey.Produce, 'REQUEST_TIMED_OUT', frozen);
    console.log(`[faults] kafka timeout: node ${frozen} frozen ${frozenMs} ms; Produce requests timed out: ${timeouts} to live leaders, ${timeoutsFrozen} to the frozen node`);
    expectExactlyOnceInOrder(ctx, d);
    // The scenario did what it claims: live leaders held requests past request.timeout.ms.
    expect(timeouts, why(ctx, d)).toBeGreaterThan(0);
  }, 120_000);

  test('two of three brokers down: retried until delivery.timeout.ms, then exactly one TIMEOUT callback per record; delivery resumes after recovery', async () => {
    const t0 = Date.now();
    const ctx = await setup('two-down', { 'request.timeout.ms': 2000, 'delivery.timeout.ms': 8000 });
    const leader0 = (await kafka.metadata(ctx.topic)).partitions[0]!.leader;
    const [killed, frozen] = kafka.nodeIds.filter((n) => n !== leader0) as [number, number];
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(300, 20_000)).toBe(true);
    const launch = kafka.launchInfo(killed);
    kafka.kill(killed);
    kafka.freeze(frozen);
    const downAt = Date.now();
    let wave1End = 0;
    try {
      await sleep(2500);
      ctx.stream.stop();
      wave1End = ctx.stream.records.length;
      // delivery.timeout.ms (8 s) from the last batch's creation, plus a request in flight.
      await ctx.stream.settle(8000 + 2000 + 5000);
    } finally {
      kafka.thaw(frozen);
    }
    const wave1 = ctx.stream.records.slice(0, wave1End);
    const settledMs = Date.now() - downAt;
    expect(wave1.filter((r) => r.callbacks !== 1).map((r) => r.id)).toEqual([]);
    const failed = wave1.filter((r) => r.error !== null);
    // Every record sent once both brokers were gone failed; nothing else did.
    const afterDown = wave1.filter((r) => r.sentAt > downAt + 200);
    expect(afterDown.length).toBeGreaterThan(500);
    expect(afterDown.filter((r) => r.error === null).map((r) => r.id)).toEqual([]);
    expect(new Set(failed.map((r) => r.error!.code))).toEqual(new Set(['TIMEOUT']));
    for (const r of failed) expect(r.error!.message).toMatch(/^Expiring \d+ record\(s\) for faults-two-down-[^ ]+-\d+: \d+ ms has passed since batch creation \(delivery\.timeout\.ms=8000\)/);
    const lastErrors = new Map<string, number>();
    for (const r of failed) {
      const m = /last error: ([A-Z_]+)|(unreachable)|(no known leader)/.exec(r.error!.message);
      const k = m?.[1] ?? m?.[2] ?? m?.[3] ?? '(queued behind an earlier batch)';
      lastErrors.set(k, (lastErrors.get(k) ?? 0) + 1);
    }
    console.log(`[faults] kafka two-down: ${failed.length} records failed with TIMEOUT within ${settledMs} ms; last errors: ${JSON.stringify(Object.fromEntries(lastErrors))}`);

    // Recovery: the frozen node resumes, the killed one restarts; the quorum and the ISRs come
    // back, and new records are delivered (the producer resolved the sequences it lost track
    // of, bumping its epoch where needed).
    await kafka.restart(killed, launch);
    // Writable again once every partition has a leader and 2 in-sync replicas (min.insync.replicas):
    // the second wave runs with the same 8 s delivery.timeout.ms and must not wait on recovery.
    await waitFor(
      'every partition writable',
      async () => (await kafka.metadata(ctx.topic)).partitions.every((p) => p.leader >= 0 && p.isr.length >= 2),
      60_000,
      250,
    );
    const wave2At = Date.now();
    ctx.stream.start();
    await waitFor('delivery after recovery', () => ctx.stream.ackedAfter(wave2At) >= 600, 40_000, 100);
    const d = await finish(ctx, 'two of three brokers down, then back', t0);
    const c = d.counts;
    const w = why(ctx, d);
    expect(c.missing, w).toBe(0);
    expect(c.multi, w).toBe(0);
    expect(c.acked + c.failed, w).toBe(c.sent);
    expect(
      ctx.stream.records
        .slice(wave1End)
        .filter((r) => r.error !== null)
        .slice(0, 5)
        .map((r) => `${r.id}: ${r.error!.message}`),
      w,
    ).toEqual([]);
    expect(c.failed, w).toBe(failed.length);
    expect(c.lost, w).toBe(0);
    expect(c.duplicated, w).toBe(0);
    expect(c.reordered, w).toBe(0);
    // writtenButFailed: records the surviving leader had appended (waiting for its followers)
    // when the producer gave up on them; once the followers were back they were committed. Java
    // reports the same TimeoutException for them: the outcome of an expired batch is unknown.
  }, 150_000);

  test('MESSAGE_TOO_LARGE with idempotence: the batch is split, its parts keep its sequences, nothing is renumbered', async () => {
    const t0 = Date.now();
    // gzip sizes batches by the compression ratio estimate; after compressible records the
    // estimate is low, so a batch of incompressible records compresses past the topic's
    // max.message.bytes and the broker refuses it: the producer splits it by batch.size.
    const ctx = await setup('split', { 'compression.type': 'gzip', 'linger.ms': 20 }, { 'max.message.bytes': 20000 }, 1);
    ctx.stream.padding = 200;
    ctx.stream.burst(5000);
    await ctx.stream.settle(30_000);
    expect(ctx.stream.acked).toBe(5000);
    ctx.stream.payload = 'random';
    ctx.stream.burst(1500);
    const d = await finish(ctx, 'MESSAGE_TOO_LARGE split (gzip, 1 partition)', t0);
    expectExactlyOnceInOrder(ctx, d);
    expect(ctx.producer.metrics()['batch-split-total'], why(ctx, d)).toBeGreaterThan(0);
  }, 120_000);

  /** Leader of each partition, as one broker sees it. */
  const leaders = (v: BrokerView) => new Map(v.partitions.map((p) => [p.partition, p.leader]));

  test('rolling restart of all three brokers under load (SIGTERM, start, ISR whole again, next): 0 lost, 0 duplicated, 0 reordered, 0 failed', async () => {
    const t0 = Date.now();
    const ctx = await setup('rolling', {}, {}, 3, 150);
    let view = await waitFor('every partition with a full ISR', () => clusterWhole(kafka, ctx.topic), 30_000, 250);
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(200, 20_000)).toBe(true);
    const steps: string[] = [];
    let leaderMoves = 0;
    for (const id of kafka.nodeIds) {
      const before = leaders(view);
      const launch = kafka.launchInfo(id);
      // The node comes back with the JIT's C1 tier only: on 2 shared cores a broker start then
      // takes about half the CPU (it is still the same Kafka; this load needs no C2 code).
      if (!launch.cmdline.includes('-XX:TieredStopAtLevel=1')) launch.cmdline.splice(1, 0, '-XX:TieredStopAtLevel=1');
      const stopAt = Date.now();
      // Graceful: Kafka's controlled shutdown moves the node's leaderships to other replicas
      // before the process exits; in-flight Produce requests to it fail or are answered with
      // NOT_LEADER_OR_FOLLOWER, and the producer follows the new leaders.
      const stopMs = await terminateNode(kafka, id, 45_000);
      await kafka.restart(id, launch, 90_000);
      const registeredMs = Date.now() - stopAt;
      // Rejoined = the node itself answers with all three brokers, and every broker sees every
      // partition with all its replicas in the ISR (the restarted node caught up).
      view = await waitFor(
        `node ${id} rejoined and every ISR whole`,
        async () => {
          const v = await clusterWhole(kafka, ctx.topic);
          return v && (await brokerViews(kafka, ctx.topic)).some((x) => x.node === id) ? v : null;
        },
        90_000,
        250,
      );
      const backMs = Date.now() - stopAt;
      const after = leaders(view);
      for (const [p, l] of before) if (after.get(p) !== l) leaderMoves++;
      // Delivery continues before the next node goes.
      const ackedBefore = ctx.stream.acked;
      expect(await ctx.stream.waitForAcks(200, 30_000), `records acknowledged after node ${id} came back`).toBe(true);
      steps.push(`node ${id}: exited ${stopMs} ms after SIGTERM, registered again at ${registeredMs} ms, full ISRs at ${backMs} ms (acked so far ${ackedBefore})`);
    }
    const d = await finish(ctx, 'rolling restart of 3 brokers', t0);
    console.log(`[faults] kafka rolling: ${steps.join('; ')}; partitions whose leader changed across restarts: ${leaderMoves}`);
    expectExactlyOnceInOrder(ctx, d);
    expect(ctx.events.versions(ApiKey.Produce)).toEqual([13]);
  }, 420_000);

  test('preferred leader election in a loop under load (replica order rotated, then Admin.electLeaders(PREFERRED)): every partition changes leader each round; 0 lost, 0 duplicated, 0 reordered, 0 failed', async () => {
    const t0 = Date.now();
    const partitions = 6;
    const ctx = await setup('elect', {}, {}, partitions, 300);
    const admin = await KafkaAdmin.start(kafka.bootstrap);
    onTestFinished(() => admin.close());
    let view = await waitFor('every partition with a full ISR', () => clusterWhole(kafka, ctx.topic), 30_000, 250);
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(300, 20_000)).toBe(true);
    const rounds = 5;
    let moved = 0;
    let movedByReassignment = 0;
    const steps: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const roundAt = Date.now();
      const before = leaders(view);
      // Rotate each partition's replica list: its first replica, the preferred leader, is now a
      // follower. Same replica set, so the reassignment completes at once and moves no data.
      const target = new Map(view.partitions.map((p) => [p.partition, [...p.replicas.slice(1), p.replicas[0]!]]));
      await admin.reorder(ctx.topic, target);
      view = await waitFor(
        'the new replica order on every broker',
        async () => {
          const views = await brokerViews(kafka, ctx.topic);
          const ok = views.length === 3 && views.every((v) => v.partitions.every((p) => p.replicas.join() === target.get(p.partition)!.join()));
          return ok ? views[0]! : null;
        },
        30_000,
        200,
      );
      movedByReassignment += [...leaders(view)].filter(([p, l]) => before.get(p) !== l).length;
      const reorderedAt = Date.now();
      const elected = await admin.elect('PREFERRED', ctx.topic, [...target.keys()]);
      const outcomes = new Set(Object.values(elected));
      view = await waitFor(
        'every partition led by its preferred replica on every broker',
        async () => {
          const views = await brokerViews(kafka, ctx.topic);
          const ok = views.length === 3 && views.every((v) => v.partitions.every((p) => p.leader === target.get(p.partition)![0]));
          return ok ? views[0]! : null;
        },
        30_000,
        200,
      );
      const electedAt = Date.now();
      // Every partition was moved by the election itself (none was already on its preferred replica).
      expect(elected, `election round ${round + 1}`).toEqual(Object.fromEntries([...target.keys()].map((p) => [String(p), 'elected'])));
      const changed = [...leaders(view)].filter(([p, l]) => before.get(p) !== l).length;
      moved += changed;
      // Records keep being acknowledged by the new leaders before the next round.
      await waitFor(`records acknowledged after election round ${round + 1}`, () => ctx.stream.ackedAfter(electedAt) >= 200, 30_000, 50);
      steps.push(`round ${round + 1}: ${changed}/${partitions} leaders moved (reorder ${reorderedAt - roundAt} ms, election ${electedAt - reorderedAt} ms: ${[...outcomes].join(',')})`);
    }
    const d = await finish(ctx, `preferred leader election x${rounds} (${partitions} partitions)`, t0);
    console.log(`[faults] kafka elect: ${steps.join('; ')}; leader moves ${moved} (by the reassignment itself: ${movedByReassignment})`);
    expectExactlyOnceInOrder(ctx, d);
    // The elections did move leaders under load.
    expect(moved).toBe(rounds * partitions);
    expect(ctx.events.versions(ApiKey.Produce)).toEqual([13]);
  }, 300_000);

  test('a leader paused (SIGSTOP) past request.timeout.ms, then resumed: it appends what it had received after the producer gave up; the retries are deduplicated: 0 duplicated', async () => {
    const t0 = Date.now();
    const ctx = await setup('pause', { 'request.timeout.ms': 1000, 'delivery.timeout.ms': 60_000 });
    const view = await waitFor('every partition with a full ISR', () => clusterWhole(kafka, ctx.topic), 30_000, 250);
    // The node leading most partitions (any, if tied), as long as it is not the KRaft active controller
    // when another choice exists (pausing the controller adds a quorum election to the fault).
    const counts = new Map<number, number>();
    for (const p of view.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    const ranked = [...counts].sort((a, b) => b[1] - a[1]).map(([n]) => n);
    const victim = ranked.find((n) => n !== view.controllerId) ?? ranked[0]!;
    const led = view.partitions.filter((p) => p.leader === victim).map((p) => p.partition);
    ctx.stream.start();
    expect(await ctx.stream.waitForAcks(300, 20_000)).toBe(true);
    // The scenario 'requests the broker appended but answered after request.timeout.ms' covers a
    // leader that appends at once and answers late (it waits for a frozen follower); here the
    // leader itself stops, so it appends only after the producer gave up and retried.
    // Paused for 3.5 s: well past request.timeout.ms (1 s), below broker.session.timeout.ms
    // (6 s), so the controller keeps it registered and leading. Requests the producer wrote
    // before and during the pause sit in the socket; the producer times them out, closes the
    // connection, reconnects (the kernel still accepts) and writes them again with the same
    // sequences. Resumed, the leader reads the old requests first, appends them and answers a
    // closed socket; the retries are answered as duplicates (or, if one overtakes, with
    // OUT_OF_ORDER_SEQUENCE_NUMBER and retried again).
    kafka.freeze(victim);
    const pausedAt = Date.now();
    try {
      await waitFor(`a Produce request to the paused node ${victim} timed out`, () => ctx.events.failed(ApiKey.Produce, 'REQUEST_TIMED_OUT', victim) > 0, 10_000, 50);
      const left = pausedAt + 3500 - Date.now();
      if (left > 0) await sleep(left); // holds the fault; nothing is asserted on time
    } finally {
      kafka.thaw(victim);
    }
    const thawedAt = Date.now();
    const pausedMs = thawedAt - pausedAt;
    await waitFor(
      `records of partitions ${led.join(',')} acknowledged after node ${victim} resumed`,
      () => led.every((p) => ctx.stream.ackedAfter(thawedAt, p) >= 20),
      30_000,
      50,
    );
    const after = await waitFor('every partition with a full ISR', () => clusterWhole(kafka, ctx.topic), 40_000, 250);
    expect(await ctx.stream.waitForAcks(200, 20_000)).toBe(true);
    const d = await finish(ctx, 'leader paused past request.timeout.ms, then resumed', t0);
    const timeouts = ctx.events.failed(ApiKey.Produce, 'REQUEST_TIMED_OUT', victim);
    const stillLeading = led.filter((p) => after.partitions.find((x) => x.partition === p)?.leader === victim);
    console.log(
      `[faults] kafka pause: node ${victim} (leader of ${led.join(',')}) paused ${pausedMs} ms; ${timeouts} Produce requests to it timed out; ` +
        `still its leader afterwards: ${stillLeading.join(',') || 'none'}`,
    );
    expectExactlyOnceInOrder(ctx, d);
    expect(timeouts, why(ctx, d)).toBeGreaterThan(0);
  }, 120_000);
});
