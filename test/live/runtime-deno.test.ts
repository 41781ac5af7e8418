/**
 * kafka-wire on Deno 2: the built package (dist/) run by Deno through its Node compatibility
 * (node:net sockets, node:zlib gzip, N-API codec packages), against the run's Kafka, every codec,
 * read back by an independent consumer. Deno is fetched by the global setup from the npm
 * registry (@deno/linux-x64-glibc, the binary npm's `deno` package installs) into
 * ~/.cache/kafka-wire/deno, or DENO_BIN names one. TLS and SASL under Deno:
 * secure-runtime-deno.test.ts. Why there is no Deno.connect adapter: test/runtimes/deno-bench.mjs.
 */
import { describe, expect, test } from 'vitest';
import { createTopic, kafkaBootstrap, reader, readBack, skipAllIf, unavailable, uniqueTopic } from '../helpers/kafka.js';
import { denoUnavailable, runDeno } from '../runtimes/deno.js';
import { expectRoundTrip } from '../runtimes/round-trip.js';

// [codec, implementation asked for, implementation expected to run]
const CASES: [string, 'auto' | 'pure', string][] = [
  ['none', 'auto', 'builtin'],
  ['gzip', 'auto', 'builtin'],
  ['lz4', 'auto', 'native'],
  ['lz4', 'pure', 'pure'],
  ['snappy', 'auto', 'native'],
  ['snappy', 'pure', 'pure'],
  ['zstd', 'auto', 'native'],
];

describe('Deno runtime', () => {
  skipAllIf(unavailable('kafka') ?? denoUnavailable());
  for (const [codec, asked, ran] of CASES) {
    test(`codec ${codec} ${ran}: 500 records from Deno, ${reader()} reads back each at its offset`, async () => {
      const topic = uniqueTopic(`deno-${codec}-${asked}`);
      await createTopic(topic, { partitions: 3 });
      const out = runDeno({ bootstrap: kafkaBootstrap(), topic, codec, implementation: asked });
      expect(out.runtime).toMatch(/^deno 2\./);
      expect(out.implementation).toBe(ran);
      const read = await readBack(topic, { expectedCount: 500, timeoutMs: 30_000 });
      expectRoundTrip('deno', out.results, read, 500);
    });
  }
});
