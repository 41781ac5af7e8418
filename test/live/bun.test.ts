/**
 * kafka-wire on Bun: the built package, driven by Bun (promise and callback forms, several
 * codecs), read back by kcat from the live Kafka. Bun comes from npm (@oven/bun-linux-x64,
 * unpacked by .ci/run into ~/.cache/kafka-wire/bun); without it the test skips outside CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createTopic, kafkaBootstrap, readBack, uniqueTopic } from '../helpers/kafka.js';

function findBun(): string | null {
  const candidates = [process.env.BUN_BIN, join(homedir(), '.cache', 'kafka-wire', 'bun', 'package', 'bin', 'bun')].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v bun'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

const bun = findBun();
const SCRIPT = join(import.meta.dirname, '..', 'bun', 'roundtrip.mjs');

describe.skipIf(!kafkaBootstrap() || (!bun && !process.env.CI))('Bun runtime', () => {
  for (const codec of ['none', 'gzip', 'lz4', 'snappy']) {
    test(`public API under Bun, compression ${codec}: kcat reads back every record`, async () => {
      expect(bun, 'bun binary (set BUN_BIN or run .ci/run)').not.toBeNull();
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
