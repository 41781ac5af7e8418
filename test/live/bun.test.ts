/**
 * kafka-wire on Bun: the built package, driven by Bun (promise and callback forms, several
 * codecs), read back by an independent consumer (kcat, or Kafka's Java consumer) from the live
 * Kafka. Bun comes from the npm registry (@oven/bun-linux-x64): the global setup fetches it
 * once into ~/.cache/kafka-wire/bun (tools/broker/system-deps.mjs), or BUN_BIN names one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { createTopic, kafkaBootstrap, reader, readBack, skipAllIf, unavailable, uniqueTopic } from '../helpers/kafka.js';

function injected<K extends 'bunBin' | 'bunUnavailable'>(key: K): string | null {
  try {
    return inject(key);
  } catch {
    return null;
  }
}

const bun = injected('bunBin') ?? process.env.BUN_BIN ?? null;
const SCRIPT = join(import.meta.dirname, '..', 'bun', 'roundtrip.mjs');

describe('Bun runtime', () => {
  skipAllIf(unavailable('kafka') ?? (bun ? null : (injected('bunUnavailable') ?? 'no Bun binary (the global setup fetches one; or set BUN_BIN)')));
  for (const codec of ['none', 'gzip', 'lz4', 'snappy']) {
    test(`public API under Bun, compression ${codec}: ${reader()} reads back every record`, async () => {
      const topic = uniqueTopic(`bun-${codec}`);
      await createTopic(topic, { partitions: 3 });
      const r = spawnSync(bun!, [SCRIPT, kafkaBootstrap()!, topic, codec], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as { runtime: string; results: { i: number; partition: number; offset: string }[] };
      expect(out.runtime).toMatch(/^bun /);
      expect(out.results).toHaveLength(500);
      const read = await readBack(topic, { expectedCount: 500, timeoutMs: 30_000 });
      const at = new Map(read.map((x) => [`${x.partition}/${x.offset}`, x]));
      for (const { i, partition, offset } of out.results) {
        const rec = at.get(`${partition}/${offset}`)!;
        expect(rec.value!.toString()).toBe(`bun value ${i}`);
        expect(rec.key!.toString()).toBe(`key-${i % 17}`);
        expect(rec.headers.map(([k, v]) => [k, v!.toString()])).toEqual([['runtime', 'bun'], ['i', String(i)]]);
      }
    });
  }
});
