/**
 * The scenarios docs/INTERNALS.md walks through, each a replica of one deterministic unit test
 * (same harness, configuration, faults and sends, in the same order), run with a wire tap so the
 * doc can show what went over the wire. `check` repeats the test's key assertions: if a test
 * and its replica drift apart, generation fails instead of documenting something else.
 *
 * Owns: nothing at run time; each run builds its own harness (test/helpers/fake-broker.ts).
 */
import { ApiKey } from '../../src/protocol/api-keys.js';
import type { KafkaWireError } from '../../src/errors.js';
import type { ProducerRecord, RecordMetadata, SendCallback } from '../../src/producer.js';
import { Tracker, advance, advanceUntil, harness, settle, type Harness, type HarnessOptions } from '../../test/helpers/fake-broker.js';
import { tapWire, type Journal, type WireEvent } from './wire-tap.js';

/** A record's completion as the application saw it. */
export interface Completion {
  kind: 'completion';
  seq: number;
  id: string;
  /** ms since the scenario started. */
  at: number;
  offset: bigint | null;
  error: string | null;
}

/** A call to producer.send. */
export interface Send {
  kind: 'send';
  seq: number;
  id: string;
  at: number;
  topic: string;
  partition: number | undefined;
}

/** A batch in a partition's log at the end of the scenario. */
export interface LoggedBatch {
  baseOffset: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** ms since the scenario started. */
  appendedAt: number;
  values: (string | null)[];
}

export interface Trace {
  /** Wire events with `at` in ms since the scenario started. */
  events: WireEvent[];
  sends: Send[];
  completions: Completion[];
  /** Request batches the broker recognised as duplicates: see dupKey. */
  duplicates: Set<string>;
  /** Per partition (`t-0`), the log the broker ended with. */
  logs: Map<string, LoggedBatch[]>;
  config: Record<string, unknown>;
}

export interface Scenario {
  id: string;
  /** The test this scenario replicates: file, describe block and test name, verbatim. */
  file: string;
  describe: string;
  test: string;
  /** The Java class or KIP the behaviour mirrors. */
  mirrors: string;
  run(): Promise<Trace>;
}

export const dupKey = (at: number, topic: string, partition: number, epoch: number, seq: number): string => `${at}|${topic}-${partition}|${epoch}|${seq}`;

type SendFn = (record: { topic: string; partition?: number; key?: string; value: string; headers?: Record<string, string> }, id?: string) => void;

/**
 * Runs `body` against a tapped harness and collects the trace. `send` is the Tracker's callback
 * form (what the tests use); `h.producer.send` may also be called directly (promise form).
 */
async function traced(options: HarnessOptions, body: (h: Harness, t: Tracker, send: SendFn) => Promise<void>): Promise<Trace & { h: Harness; t: Tracker }> {
  const h = harness(options);
  const topics = Object.keys(options.topics ?? {});
  const journal: Journal = { next: 0 };
  const tap = tapWire(h, topics, journal);
  const t0 = h.clock.now();
  const sends: Send[] = [];
  const completions: Completion[] = [];
  // Journal every send and completion, whichever form the scenario uses.
  const producer = h.producer as unknown as { send: (record: ProducerRecord<unknown, unknown>, cb?: SendCallback) => Promise<RecordMetadata> | void };
  const original = producer.send.bind(producer);
  let nextId: string | undefined;
  producer.send = (record, cb) => {
    const id = nextId ?? String(record.value);
    nextId = undefined;
    sends.push({ kind: 'send', seq: journal.next++, id, at: h.clock.now() - t0, topic: record.topic, partition: record.partition });
    const done = (err: KafkaWireError | null, md: RecordMetadata | undefined): void => {
      completions.push({ kind: 'completion', seq: journal.next++, id, at: h.clock.now() - t0, offset: err ? null : (md?.offset ?? null), error: err ? err.code : null });
    };
    if (cb) {
      return original(record, (err, md) => {
        done(err, md);
        cb(err, md);
      });
    }
    const p = original(record) as Promise<RecordMetadata>;
    p.then((md) => done(null, md), (err: KafkaWireError) => done(err, undefined));
    return p;
  };
  const t = new Tracker(h.producer, h.clock);
  const send: SendFn = (record, id = record.value) => {
    nextId = id;
    t.send(record, id);
  };
  await body(h, t, send);
  await tap.flush();
  const events = tap.events.map((e) => ({ ...e, at: e.at - t0 }));
  const duplicates = new Set(h.cluster.produceOutcomes.filter((o) => o.duplicate).map((o) => dupKey(o.at - t0, o.topic, o.partition, o.producerEpoch, o.baseSequence)));
  const logs: Trace['logs'] = new Map();
  const dec = new TextDecoder();
  for (const topic of topics) {
    const spec = options.topics![topic]!;
    const n = typeof spec === 'number' ? spec : spec[0];
    for (let p = 0; p < n; p++) {
      logs.set(
        `${topic}-${p}`,
        h.cluster.batches(topic, p).map((b) => ({
          baseOffset: b.baseOffset,
          producerEpoch: b.producerEpoch,
          baseSequence: b.baseSequence,
          recordCount: b.recordCount,
          appendedAt: b.appendedAt - t0,
          values: b.batch.records.map((r) => (r.value === null ? null : dec.decode(r.value))),
        })),
      );
    }
  }
  return { events, sends, completions, duplicates, logs, config: { ...(options.config ?? {}) }, h, t };
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`scenario no longer matches its test: ${what}`);
}

const noFailures = (t: Tracker, what: string): void => check(t.failed.length === 0 && t.multiple.length === 0, `${what}: every record delivered once`);

/** sender-idempotence.test.ts's sendEach: one batch (and one request) per record with linger.ms=0. */
async function sendEach(send: SendFn, topic: string, values: string[], partition = 0): Promise<void> {
  for (const v of values) {
    send({ topic, partition, value: v });
    await settle();
  }
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'happy-path',
    file: 'test/unit/producer-delivery.test.ts',
    describe: 'delivery',
    test: 'records are delivered in order with consecutive offsets; metadata matches the log',
    mirrors: "Java's KafkaProducer.doSend → RecordAccumulator.append → Sender.runOnce (sendProducerData) → Sender.completeBatch",
    async run() {
      // The test sends with the promise form; so does this replica.
      return traced({ topics: { orders: 1 } }, async ({ clock, producer, cluster }) => {
        const offsets: bigint[] = [];
        const ps = ['a', 'b', 'c', 'd'].map((v) => producer.send({ topic: 'orders', key: `k-${v}`, value: v, headers: { h: v } }));
        for (const p of ps) void p.then((md) => offsets.push(md.offset));
        await advanceUntil(clock, () => offsets.length === 4);
        check(offsets.join() === '0,1,2,3' && cluster.violations.length === 0, 'offsets 0..3');
      });
    },
  },
  {
    id: 'linger',
    file: 'test/unit/producer-delivery.test.ts',
    describe: 'linger.ms and batch.size',
    test: 'records sent within linger.ms go out together in one request, at linger expiry',
    mirrors: "KIP-1030 (linger.ms default 0 → 5 in Kafka 4.0); Java's RecordAccumulator.ready (a batch is sendable once it waited linger.ms) and append (records join the open batch)",
    async run() {
      const r = await traced({ config: { 'linger.ms': 100 }, topics: { t: 1 } }, async ({ clock }, t, send) => {
        send({ topic: 't', value: 'warm' });
        await advanceUntil(clock, () => t.done);
        send({ topic: 't', value: 'a' });
        await advance(clock, 40);
        send({ topic: 't', value: 'b' });
        await advance(clock, 59);
        send({ topic: 't', value: 'c' });
        await advance(clock, 1);
      });
      const produce = r.h.cluster.produceRequests();
      check(produce.length === 2 && produce[1]!.batches!.map((b) => b.values.join()).join('|') === 'a,b,c', 'a, b, c in one request');
      return r;
    },
  },
  {
    id: 'batch-full',
    file: 'test/unit/producer-delivery.test.ts',
    describe: 'linger.ms and batch.size',
    test: 'a full batch is sent at once, without waiting for linger.ms',
    mirrors: "Java's RecordAccumulator.ready (a full batch, or one that is not the last of its deque, is sendable at once)",
    async run() {
      const r = await traced({ config: { 'linger.ms': 60_000, 'batch.size': 200 }, topics: { t: 1 } }, async ({ clock }, _t, send) => {
        const value = 'x'.repeat(40);
        for (let i = 0; i < 6; i++) send({ topic: 't', value: `${i}${value}` }, String(i));
        await advance(clock, 10);
      });
      const sent = r.h.cluster.produceRequests().flatMap((q) => q.batches!.flatMap((b) => b.values));
      check(sent.length > 0 && sent.length < 6, 'part of the records sent before linger.ms');
      return r;
    },
  },
  {
    id: 'max-in-flight',
    file: 'test/unit/sender-idempotence.test.ts',
    describe: 'sequence numbers',
    test: 'up to 5 requests in flight per connection; the 6th waits for an answer',
    mirrors: "Java's NetworkClient/InFlightRequests (max.in.flight.requests.per.connection) and the broker's ProducerStateEntry.NUM_BATCHES_TO_RETAIN = 5",
    async run() {
      const r = await traced({ config: { 'linger.ms': 0, 'batch.size': 100 }, topics: { t: 1 } }, async ({ clock, cluster }, t, send) => {
        send({ topic: 't', value: 'warm' });
        await advanceUntil(clock, () => t.done);
        cluster.delayNext(ApiKey.Produce, 100, { count: 100 });
        const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((c) => c.repeat(80));
        for (const v of values) send({ topic: 't', value: v }, v[0]!);
        await advance(clock, 50);
        await advanceUntil(clock, () => t.done);
        noFailures(t, 'max-in-flight');
      });
      return r;
    },
  },
  {
    id: 'swallowed',
    file: 'test/unit/sender-idempotence.test.ts',
    describe: 'ordered resends',
    test: 'a swallowed response: request.timeout.ms, retry, the broker deduplicates; one copy, acknowledged once',
    mirrors: "KIP-98 (idempotent producer): the broker's ProducerStateManager deduplicates by producer id, epoch and sequence; Java's Sender retries with the batch's sequence",
    async run() {
      const r = await traced({ config: { 'request.timeout.ms': 1000, 'linger.ms': 0 }, topics: { t: 1 } }, async ({ clock, cluster }, t, send) => {
        send({ topic: 't', value: 'warm' });
        await advanceUntil(clock, () => t.done);
        cluster.swallowNext(ApiKey.Produce);
        send({ topic: 't', value: 'a' });
        await advanceUntil(clock, () => t.get('a').calls > 0);
        await advance(clock, 5000);
        check(t.get('a').metadata?.offset === 1n && cluster.produceOutcomes.filter((x) => x.duplicate).length === 1, 'a at offset 1, one duplicate');
      });
      return r;
    },
  },
  {
    id: 'five-in-flight',
    file: 'test/unit/sender-idempotence.test.ts',
    describe: 'ordered resends',
    test: 'a retriable failure of the first of 5 in-flight batches: resent in order, no gap, no duplicate',
    mirrors: "Java's TransactionManager (firstInFlightSequence, canRetry) and RecordAccumulator.insertInSequenceOrder; the broker's ProducerAppendInfo.checkSequence",
    async run() {
      const r = await traced({ config: { 'linger.ms': 0 }, topics: { t: 1 } }, async ({ clock, cluster }, t, send) => {
        send({ topic: 't', value: 'warm' });
        await advanceUntil(clock, () => t.done);
        cluster.delayNext(ApiKey.Produce, 10, { count: 5 });
        cluster.failProduce('t', 0, 'NOT_ENOUGH_REPLICAS');
        await sendEach(send, 't', ['a', 'b', 'c', 'd', 'e']);
        await advanceUntil(clock, () => t.done);
        noFailures(t, 'five-in-flight');
        check(cluster.values('t').join() === 'warm,a,b,c,d,e', 'log in send order');
      });
      return r;
    },
  },
  {
    id: 'retry-holds',
    file: 'test/unit/delivery-promise.test.ts',
    describe: 'beyond Java: order that does not depend on the broker',
    test: 'Kafka (sequences enforced): in order, and no OUT_OF_ORDER_SEQUENCE_NUMBER round trip',
    mirrors: "beyond Java's Sender: a retried batch in flight mutes its partition (Java mutes only with max.in.flight.requests.per.connection=1, guaranteeMessageOrder)",
    async run() {
      const r = await traced(
        { config: { 'linger.ms': 0, 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 100 }, cluster: { enforceSequences: true }, topics: { t: 1 } },
        async ({ clock, cluster }, t, send) => {
          send({ topic: 't', value: 'warm' });
          await advanceUntil(clock, () => t.done);
          cluster.failBatchesWhere((b) => b.values.includes('a'), 'NOT_ENOUGH_REPLICAS', { count: 2 });
          cluster.delayNext(ApiKey.Produce, 5, { count: 10 });
          send({ topic: 't', value: 'a' });
          await advance(clock, 50);
          for (const v of ['b', 'c', 'd']) send({ topic: 't', value: v });
          await advanceUntil(clock, () => t.done);
          noFailures(t, 'retry-holds');
          check(cluster.produceOutcomes.filter((o) => o.errorCode === 45).length === 0, 'no OUT_OF_ORDER_SEQUENCE_NUMBER');
        },
      );
      return r;
    },
  },
  {
    id: 'unknown-producer-id',
    file: 'test/unit/sender-idempotence.test.ts',
    describe: 'KIP-360 epoch bumps',
    test: 'UNKNOWN_PRODUCER_ID (broker dropped our state): the epoch is bumped, sequences restart at 0, nothing lost or duplicated',
    mirrors: "KIP-360; Java's TransactionManager.bumpIdempotentProducerEpoch / requestEpochBumpForPartition",
    async run() {
      const r = await traced({ config: { 'linger.ms': 0 }, topics: { t: 2 } }, async ({ clock, cluster }, t, send) => {
        await sendEach(send, 't', ['a', 'b', 'c'], 0);
        await sendEach(send, 't', ['x', 'y'], 1);
        await advanceUntil(clock, () => t.done);
        cluster.dropProducerState('t', 0);
        await sendEach(send, 't', ['d', 'e'], 0);
        await advanceUntil(clock, () => t.done);
        await sendEach(send, 't', ['z'], 1);
        await advanceUntil(clock, () => t.done);
        noFailures(t, 'unknown-producer-id');
        check(cluster.batches('t', 0).map((b) => `${b.producerEpoch}/${b.baseSequence}`).join() === '0/0,0/1,0/2,1/0,1/1', 'partition 0 renumbered under epoch 1');
        check(cluster.requestsOf(ApiKey.InitProducerId).length === 1, 'no new producer id');
      });
      return r;
    },
  },
  {
    id: 'oosn-next',
    file: 'test/unit/sender-idempotence.test.ts',
    describe: 'KIP-360 epoch bumps',
    test: 'OUT_OF_ORDER_SEQUENCE_NUMBER for the next expected batch: epoch bump, sequence 0, delivered once',
    mirrors: "KIP-360; Java's TransactionManager.canRetry (OutOfOrderSequenceException for the next expected sequence → requestEpochBumpForPartition)",
    async run() {
      const r = await traced({ config: { 'linger.ms': 0 }, topics: { t: 1 } }, async ({ clock, cluster }, t, send) => {
        await sendEach(send, 't', ['a', 'b']);
        await advanceUntil(clock, () => t.done);
        cluster.failProduce('t', 0, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
        await sendEach(send, 't', ['c']);
        await advanceUntil(clock, () => t.done);
        await sendEach(send, 't', ['d']);
        await advanceUntil(clock, () => t.done);
        noFailures(t, 'oosn-next');
        check(cluster.batches('t').map((b) => `${b.producerEpoch}/${b.baseSequence}`).join() === '0/0,0/1,1/0,1/1', 'epoch 1 from c on');
      });
      return r;
    },
  },
  {
    id: 'not-leader-after-append',
    file: 'test/unit/delivery-promise.test.ts',
    describe: '1. NOT_LEADER_OR_FOLLOWER after the broker appended',
    test: 'retries exhausted: the batch is unresolved, not renumbered; later batches are deduplicated, one copy each',
    mirrors: "Java's TransactionManager.markSequenceUnresolved / maybeResolveSequences; the broker's Partition.checkEnoughReplicasReachOffset (NOT_LEADER_OR_FOLLOWER from a delayed produce)",
    async run() {
      const r = await traced({ config: { 'linger.ms': 0, retries: 1, 'retry.backoff.ms': 100 }, topics: { t: 1 } }, async ({ clock, cluster }, t, send) => {
        send({ topic: 't', value: 'b0' });
        await advanceUntil(clock, () => t.done);
        cluster.delayNext(ApiKey.Produce, 10, { count: 2 });
        cluster.failProduce('t', 0, 'NOT_LEADER_OR_FOLLOWER', { append: true, count: 3 });
        send({ topic: 't', value: 'b1' });
        await settle();
        send({ topic: 't', value: 'b2' });
        await advanceUntil(clock, () => t.done);
        await advance(clock, 5000);
        check(t.get('b1').error?.code === 'NOT_LEADER_OR_FOLLOWER' && t.get('b2').metadata?.offset === 2n, 'b1 failed (in the log), b2 at offset 2');
        check(cluster.batches('t').map((b) => `${b.producerEpoch}/${b.baseSequence}`).join() === '0/0,0/1,0/2', 'nothing renumbered');
      });
      return r;
    },
  },
];

export function scenario(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}
