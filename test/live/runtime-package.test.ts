/**
 * The packed tarball as a user gets it: `npm pack`, then `npm install <tarball>` into an empty
 * project (offline: kafka-wire has no dependencies, so none of the optional native codecs is
 * there and the pure ones run), and a send through each entry point, imported by package name,
 * against the run's Kafka, read back independently: `kafka-wire` under Node and under Deno,
 * `kafka-wire/kafkajs` under Node, `kafka-wire/workers` bundled from the installed package (its
 * `exports` resolved by esbuild as wrangler does) and served by workerd. The project also
 * type-checks a TypeScript file importing all three entries under `node16` and `bundler`
 * resolution. (Static checks of the package: test/unit/package-hygiene.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTopic, kafkaBootstrap, readBack, skipAllIf, unavailable, uniqueTopic } from '../helpers/kafka.js';
import { denoBinary, denoUnavailable } from '../runtimes/deno.js';
import { expectRoundTrip, fixtureOutput, type Landed } from '../runtimes/round-trip.js';
import { produceThroughWorker, startWorker, workerdUnavailable } from '../runtimes/workerd.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const skip = unavailable('kafka');

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('the packed tarball installed into an empty project', () => {
  skipAllIf(skip);
  let project = '';

  beforeAll(() => {
    if (skip) return;
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-package-'));
    // dist/ is what npm test's build made; --ignore-scripts: packing must not rebuild under other tests.
    const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], ROOT).trim().split('\n').pop()!;
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'kafka-wire-user', private: true, type: 'module' }, null, 2));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(project, tarball)], project);
    fs.copyFileSync(path.join(ROOT, 'test', 'runtimes', 'package-produce.mjs'), path.join(project, 'produce.mjs'));
  });
  afterAll(() => {
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  test('it installs only kafka-wire: no dependencies come along', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/kafka-wire']);
    const installed = fs.readdirSync(path.join(project, 'node_modules', 'kafka-wire')).sort();
    expect(installed).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
  });

  test('kafka-wire under Node: 100 records (lz4, the pure codec) read back at their offsets', async () => {
    const topic = uniqueTopic('package-node');
    await createTopic(topic, { partitions: 3 });
    const out = fixtureOutput(run('node', ['produce.mjs', JSON.stringify({ entry: 'kafka-wire', bootstrap: kafkaBootstrap(), topic, count: 100 })], project), '');
    expect(out.runtime).toMatch(/^node v/);
    expectRoundTrip('package', out.results, await readBack(topic, { expectedCount: 100, timeoutMs: 30_000 }), 100);
  });

  test('kafka-wire under Deno, resolved from the project node_modules', async (ctx) => {
    if (denoUnavailable()) ctx.skip(denoUnavailable()!);
    const topic = uniqueTopic('package-deno');
    await createTopic(topic, { partitions: 3 });
    const args = JSON.stringify({ entry: 'kafka-wire', bootstrap: kafkaBootstrap(), topic, count: 100 });
    const out = fixtureOutput(run(denoBinary()!, ['run', '--allow-all', '--no-lock', 'produce.mjs', args], project), '');
    expect(out.runtime).toMatch(/^deno 2\./);
    expectRoundTrip('package', out.results, await readBack(topic, { expectedCount: 100, timeoutMs: 30_000 }), 100);
  });

  test('kafka-wire/kafkajs under Node: KafkaJS-shaped send, every message read back', async () => {
    const topic = uniqueTopic('package-kafkajs');
    await createTopic(topic, { partitions: 3 });
    const stdout = run('node', ['produce.mjs', JSON.stringify({ entry: 'kafka-wire/kafkajs', bootstrap: kafkaBootstrap(), topic, count: 60 })], project);
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { metadata: { topicName: string; partition: number; errorCode: number; baseOffset: string }[] };
    expect(out.metadata.length).toBeGreaterThan(0);
    expect(out.metadata.every((m) => m.topicName === topic && m.errorCode === 0)).toBe(true);
    const read = await readBack(topic, { expectedCount: 60, timeoutMs: 30_000 });
    expect(read.map((r) => r.value!.toString()).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `package value ${i}`).sort());
    for (const r of read) {
      const i = r.value!.toString().split(' ').pop()!;
      expect(r.key!.toString()).toBe(`key-${Number(i) % 17}`);
      expect(r.headers.map(([k, v]) => [k, v!.toString()])).toEqual([['runtime', 'package'], ['i', i]]);
    }
    // KafkaJS's baseOffset: the first offset the call wrote in each partition.
    for (const m of out.metadata) expect(read.filter((r) => r.partition === m.partition).map((r) => r.offset)).toContain(BigInt(m.baseOffset));
  });

  test('kafka-wire/workers: a Worker bundled from the installed package, under workerd', async (ctx) => {
    if (workerdUnavailable()) ctx.skip(workerdUnavailable()!);
    const topic = uniqueTopic('package-workers');
    await createTopic(topic, { partitions: 3 });
    const worker = await startWorker({ entry: null, resolveDir: project });
    try {
      const { status, body } = await produceThroughWorker(worker, { bootstrap: kafkaBootstrap()!, topic, codec: 'snappy', count: 100 });
      expect(status, JSON.stringify(body)).toBe(200);
      expectRoundTrip('workers', body.results as Landed[], await readBack(topic, { expectedCount: 100, timeoutMs: 30_000 }), 100);
    } finally {
      await worker.stop();
    }
  });

  test('TypeScript users: the three entries type-check under node16 and bundler module resolution', () => {
    fs.writeFileSync(
      path.join(project, 'use.ts'),
      [
        "import { Producer, type RecordMetadata, KafkaWireError } from 'kafka-wire';",
        "import { Kafka, CompressionTypes } from 'kafka-wire/kafkajs';",
        "import { Producer as WorkersProducer } from 'kafka-wire/workers';",
        "const p = new Producer({ 'bootstrap.servers': 'b:9092' });",
        "const md: Promise<RecordMetadata> = p.send({ topic: 't', value: 'v' });",
        "const w: WorkersProducer = new WorkersProducer({ 'bootstrap.servers': 'b:9092' });",
        "const k = new Kafka({ brokers: ['b:9092'] }).producer();",
        'export { md, w, k, CompressionTypes, KafkaWireError };',
        '',
      ].join('\n'),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // skipLibCheck off: kafka-wire's declarations are checked too, without @types/node (a
    // Workers or browser project has none).
    const configs: [string, string][] = [
      ['node16', 'node16'],
      ['esnext', 'bundler'],
    ];
    for (const [module, moduleResolution] of configs) {
      const compilerOptions = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['es2022', 'dom'], module, moduleResolution };
      fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['use.ts'] }));
      run('node', [tsc, '-p', 'tsconfig.json'], project);
    }
  });
});
