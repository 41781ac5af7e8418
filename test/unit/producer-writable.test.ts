/**
 * producer.writable(): a WHATWG WritableStream of records with backpressure from buffer.memory
 * (issue 15, item 4), on the in-process fake cluster under the fake clock.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import type { ProducerRecord } from '../../src/producer.js';
import { advance, advanceUntil, harness, settle, watch } from '../helpers/fake-broker.js';

type Harness = ReturnType<typeof harness>;

/** Writes 'ok' (delivered), then 'refused', which the broker answers with TOPIC_AUTHORIZATION_FAILED. */
async function writeOkThenOneRefusedByTheBroker(w: WritableStreamDefaultWriter<ProducerRecord>, clock: Harness['clock'], cluster: Harness['cluster']): Promise<void> {
  await w.write({ topic: 't', value: 'ok' });
  await advance(clock, 10);
  cluster.failProduce('t', 0, 'TOPIC_AUTHORIZATION_FAILED');
  await w.write({ topic: 't', value: 'refused' });
  await advance(clock, 10);
  await settle();
}

describe('producer.writable()', () => {
  test('writes resolve once the record is in a batch; while buffer.memory is exhausted the writer waits (backpressure), nothing piles up', async () => {
    const { clock, cluster, producer } = harness({
      config: { 'buffer.memory': 4096, 'batch.size': 1024, 'linger.ms': 0, 'max.block.ms': 60_000 },
      topics: { t: 1 },
    });
    const w = producer.writable().getWriter();
    await w.write({ topic: 't', value: 'warm' });
    await advance(clock, 10);
    cluster.delayNext(ApiKey.Produce, 1000, { count: 1000 });
    let written = 0;
    let maxWaiting = 0;
    const start = clock.now();
    const source = (async () => {
      for (let i = 0; i < 40; i++) {
        await w.ready;
        await w.write({ topic: 't', value: `${i}-${'v'.repeat(900)}` });
        written++;
      }
    })();
    const done = watch(source);
    for (let step = 0; step < 200 && !done.settled; step++) {
      await advance(clock, 100);
      maxWaiting = Math.max(maxWaiting, producer.metrics()['waiting-sends']!);
    }
    expect(done.settled).toBe(true);
    expect(written).toBe(40);
    // 4 one-record batches fit in buffer.memory and each answer takes 1 s: the source was held
    // back for ~10 s of clock time instead of handing over all 40 records at once
    expect(clock.now() - start).toBeGreaterThanOrEqual(5000);
    // one write at a time waits for memory: the source never got ahead of buffer.memory
    expect(maxWaiting).toBeLessThanOrEqual(1);
    const close = watch(w.close());
    await advanceUntil(clock, () => close.settled, 120_000);
    expect(close.error).toBeUndefined();
    expect(cluster.values('t')).toHaveLength(41);
    expect(producer.metrics()['waiting-sends']).toBe(0);
    expect(producer.metrics()['waiting-send-bytes']).toBe(0);
  });

  test('pipeTo from a ReadableStream delivers every record in order', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 5 }, topics: { t: 1 } });
    let i = 0;
    const source = new ReadableStream<ProducerRecord>({
      pull(c) {
        if (i < 500) c.enqueue({ topic: 't', key: `k${i}`, value: `v${i++}` });
        else c.close();
      },
    });
    const piped = watch(source.pipeTo(producer.writable({ highWaterMark: 16 })));
    await advanceUntil(clock, () => piped.settled, 60_000);
    expect(piped.error).toBeUndefined();
    expect(cluster.values('t')).toEqual(Array.from({ length: 500 }, (_, n) => `v${n}`));
  });

  test('a record that fails errors the stream with its KafkaWireError; close() rejects; earlier records still settle', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0 }, topics: { t: 1 } });
    const w = producer.writable().getWriter();
    await writeOkThenOneRefusedByTheBroker(w, clock, cluster);
    const next = watch(w.write({ topic: 't', value: 'after' }));
    await settle();
    expect(next.settled).toBe(true);
    expect((next.error as { code?: string }).code).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(cluster.values('t')).toEqual(['ok']);
  });

  test('onFailure: a failed record and a refused one are reported with their write index, the stream goes on and close() resolves', async () => {
    const { clock, cluster, producer } = harness({ config: { 'linger.ms': 0, 'max.request.size': 2048 }, topics: { t: 1 } });
    const failed: [string, number][] = [];
    const w = producer.writable({ onFailure: (e, index) => failed.push([e.code, index]) }).getWriter();
    await writeOkThenOneRefusedByTheBroker(w, clock, cluster);
    await w.write({ topic: 't', value: 'x'.repeat(4096) }); // larger than max.request.size: refused at once
    await w.write({ topic: 't', value: 'after' });
    const close = watch(w.close());
    await advanceUntil(clock, () => close.settled, 60_000);
    expect(close.error).toBeUndefined();
    expect(failed).toEqual([
      ['TOPIC_AUTHORIZATION_FAILED', 1],
      ['RECORD_TOO_LARGE', 2],
    ]);
    expect(cluster.values('t')).toEqual(['ok', 'after']);
  });

  test('bad input rejects that write at once with a typed error', async () => {
    const { producer } = harness({ topics: { t: 1 } });
    const w = producer.writable().getWriter();
    await expect(w.write({ topic: 'bad topic!', value: 'x' })).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
  });

  test('send() path: waiting sends and the bytes they hold are metrics', async () => {
    const { clock, producer } = harness({ config: { 'max.block.ms': 10_000 }, topics: {} });
    producer.send({ topic: 'missing', value: 'x'.repeat(1000) }, () => {});
    producer.send({ topic: 'missing', value: 'y'.repeat(1000) }, () => {});
    await settle();
    const m = producer.metrics();
    expect(m['waiting-sends']).toBe(2);
    expect(m['waiting-send-bytes']).toBeGreaterThanOrEqual(2000);
    await advance(clock, 10_000);
    expect(producer.metrics()['waiting-sends']).toBe(0);
    expect(producer.metrics()['waiting-send-bytes']).toBe(0);
  });
});
