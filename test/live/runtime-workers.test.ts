/**
 * kafka-wire on Cloudflare Workers: `kafka-wire/workers` (src/workers.ts, sockets from
 * `cloudflare:sockets`) in a Worker (test/runtimes/worker.mjs) bundled as wrangler bundles one and
 * served by workerd, producing on each request against the run's Kafka; the records it reports
 * are read back by an independent consumer. workerd comes from the npm registry
 * (@cloudflare/workerd-linux-64, fetched by the global setup), or WORKERD_BIN names one. TLS and
 * SASL from a Worker: secure-runtime-workers.test.ts.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTopic, kafkaBootstrap, reader, readBack, skipAllIf, unavailable, uniqueTopic } from '../helpers/kafka.js';
import { expectRoundTrip, type Landed } from '../runtimes/round-trip.js';
import { produceThroughWorker, startWorker, workerdUnavailable, type RunningWorker } from '../runtimes/workerd.js';

const DIST_ENTRY = join(import.meta.dirname, '..', '..', 'dist', 'workers.js');
const skip = unavailable('kafka') ?? workerdUnavailable();

describe('Cloudflare Workers runtime (workerd)', () => {
  skipAllIf(skip);
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    if (!skip) worker = await startWorker({ entry: DIST_ENTRY });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  // Workers load no native package: lz4 and snappy run the pure TypeScript codecs; gzip is
  // node:zlib from the nodejs_compat flag.
  for (const codec of ['none', 'gzip', 'lz4', 'snappy']) {
    test(`codec ${codec}: a request produces 200 records and answers their metadata; ${reader()} reads back each`, async () => {
      const topic = uniqueTopic(`workers-${codec}`);
      await createTopic(topic, { partitions: 3 });
      const { status, body } = await produceThroughWorker(worker!, { bootstrap: kafkaBootstrap()!, topic, codec, count: 200 });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.runtime).toBe('workerd Cloudflare-Workers');
      const results = body.results as (Landed & { timestamp: number })[];
      expect(results.every((r) => Number.isInteger(r.timestamp) && r.timestamp > 0)).toBe(true);
      const read = await readBack(topic, { expectedCount: 200, timeoutMs: 30_000 });
      expectRoundTrip('workers', results, read, 200);
    });
  }

  test('two requests in a row each get their own producer and sockets (Workers tie I/O to a request)', async () => {
    const topic = uniqueTopic('workers-twice');
    await createTopic(topic, { partitions: 1 });
    const first = await produceThroughWorker(worker!, { bootstrap: kafkaBootstrap()!, topic, codec: 'lz4', count: 10 });
    const second = await produceThroughWorker(worker!, { bootstrap: kafkaBootstrap()!, topic, codec: 'lz4', count: 10 });
    expect([first.status, second.status]).toEqual([200, 200]);
    const offsets = [...(first.body.results as Landed[]), ...(second.body.results as Landed[])].map((r) => Number(r.offset)).sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await readBack(topic, { expectedCount: 20, timeoutMs: 30_000 })).toHaveLength(20);
  });

  test('backpressure: 4000 records of 2 KiB in one request (many batches, writes held until the socket drains)', async () => {
    const topic = uniqueTopic('workers-big');
    await createTopic(topic, { partitions: 3 });
    const pad = 2048;
    const { status, body } = await produceThroughWorker(worker!, { bootstrap: kafkaBootstrap()!, topic, codec: 'none', count: 4000, pad });
    expect(status, JSON.stringify(body).slice(0, 2000)).toBe(200);
    const read = await readBack(topic, { expectedCount: 4000, timeoutMs: 60_000 });
    expectRoundTrip('workers', body.results as Landed[], read, 4000, '.'.repeat(pad));
  });

  test('zstd (native only) is refused by the Producer constructor, naming the property', async () => {
    const { status, body } = await produceThroughWorker(worker!, { bootstrap: kafkaBootstrap()!, topic: uniqueTopic('workers-zstd'), codec: 'zstd', count: 1 });
    expect(status).toBe(500);
    expect(body.code).toBe('CONFIG');
    expect(String(body.error)).toMatch(/compression\.type: zstd needs the native package @mongodb-js\/zstd, which cannot load on Workers/);
  });
});
