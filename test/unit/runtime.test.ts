/**
 * Runtime boundaries and observability hooks: the core imports nothing from `node:` outside the
 * adapters, and node:diagnostics_channel receives send, request, response and error events.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CHANNELS } from '../../src/index.js';
import { TestClock, advanceUntil, harness, Tracker } from '../helpers/fake-broker.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('runtime boundaries', () => {
  test("the core imports nothing from node: outside the runtime adapters and the CLI", () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      // The only places allowed to import `node:` modules: the Node runtime adapter and the CLI.
      if (rel.startsWith('runtime/node/') || rel.startsWith('cli/')) continue;
      if (/from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/.test(readFileSync(file, 'utf8'))) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });
});

describe('diagnostics channels', () => {
  test('send, request, response and error events are published with the client id', async () => {
    const seen: Record<string, unknown[]> = { send: [], request: [], response: [], error: [] };
    const subs = (Object.keys(CHANNELS) as (keyof typeof CHANNELS)[]).map((k) => {
      const fn = (m: unknown) => void seen[k]!.push(m);
      diagnosticsChannel.subscribe(CHANNELS[k], fn);
      return () => diagnosticsChannel.unsubscribe(CHANNELS[k], fn);
    });
    try {
      const { clock, producer } = harness({ config: { 'client.id': 'traced' }, topics: { t: 2 } });
      const t = new Tracker(producer, clock as TestClock);
      t.send({ topic: 't', key: 'k', value: 'v' });
      t.send({ topic: 'bad topic name', value: 'v' }, 'bad');
      await advanceUntil(clock, () => t.done);
      expect(seen.send).toContainEqual({ clientId: 'traced', topic: 't', partition: expect.any(Number) });
      const apiKeys = (seen.request as { apiKey: number; clientId: string }[]).map((e) => e.apiKey);
      expect(apiKeys).toEqual(expect.arrayContaining([18, 3, 22, 0])); // ApiVersions, Metadata, InitProducerId, Produce
      expect((seen.request as { clientId: string }[]).every((e) => e.clientId === 'traced')).toBe(true);
      expect((seen.response as { apiKey: number; latencyMs: number }[]).some((e) => e.apiKey === 0 && e.latencyMs >= 0)).toBe(true);
      expect(seen.error).toContainEqual(expect.objectContaining({ clientId: 'traced', topic: 'bad topic name' }));
    } finally {
      for (const u of subs) u();
    }
  });
});

describe('scheduling goes through the Runtime', () => {
  test('an injected schedule steps the Sender one pass at a time (no setImmediate needed, as in Workers)', async () => {
    const { FakeCluster } = await import('../helpers/fake-broker.js');
    const { Producer } = await import('../../src/producer.js');
    const clock = new TestClock();
    const cluster = new FakeCluster({ clock });
    cluster.createTopic('t', 1);
    const passes: (() => void)[] = [];
    const runtime = { ...cluster.runtime(), schedule: (fn: () => void) => void passes.push(fn) };
    const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 }, { clock, runtime, transport: cluster.transport, random: () => 0.5 });
    let done = false;
    producer.send({ topic: 't', value: 'v' }, () => (done = true));
    const settleIo = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    let steps = 0;
    while (!done && steps < 200) {
      await settleIo();
      const pass = passes.shift();
      if (pass) {
        pass();
        steps++;
      } else clock.advance(Math.max(1, Math.min(100, clock.nextTimerAt() - clock.now())));
    }
    expect(done).toBe(true);
    expect(steps).toBeGreaterThan(1); // metadata, producer id, produce: several passes, each one we ran
    expect(cluster.values('t')).toEqual(['v']);
    const close = producer.close();
    for (let i = 0; i < 50 && passes.length > 0; i++) passes.shift()!();
    await close;
  });
});
