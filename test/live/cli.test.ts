/** The kafka-wire CLI against the embedded Kafka: output formats match the Kafka tools'. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createTopic, kafkaBootstrap, readBack, skipAllIf, unavailable, uniqueTopic } from '../helpers/kafka.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('kafka-wire CLI (no broker needed)', () => {
  test('--help for each command; bad flags are clear errors', async () => {
    expect((await run(['produce', '--help'])).stdout).toMatch(/--bootstrap-server/);
    expect((await run(['perf', '--help'])).stdout).toMatch(/--num-records/);
    const bad = await run(['perf', '--topic', 't', '--num-records', 'ten', '--throughput', '-1', '--record-size', '1', '--producer-props', 'bootstrap.servers=127.0.0.1:1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--num-records expects an integer/);
    const unknownProp = await run(['perf', '--topic', 't', '--num-records', '1', '--throughput', '-1', '--record-size', '1', '--producer-props', 'bootstrap.servers=127.0.0.1:1', 'linger.sm=5']);
    expect(unknownProp.code).toBe(1);
    expect(unknownProp.stderr).toMatch(/linger.sm: unknown producer property; did you mean linger.ms\?/);
  });
});

describe('kafka-wire CLI against Kafka', () => {
  skipAllIf(unavailable('kafka'));
  test('produce: keys, headers and values from stdin; a bad line stops the run with its number, as in Java', async () => {
    const topic = uniqueTopic('cli-produce');
    await createTopic(topic, { partitions: 1 });
    // (An empty header section is an error too in Java's LineMessageReader, so each line has one.)
    const input = 'h1:a,h1:b\tk1:v1\nh2:x\tk2:v2\nno-separators-here\nh3:y\tk3:v3\n';
    const r = await run(['produce', '--bootstrap-server', kafkaBootstrap()!, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:', '--property', 'parse.headers=true'], input);
    expect(r.stderr).toMatch(/No headers delimiter found on line number 3/);
    expect(r.code).toBe(1);
    // Java's LineMessageReader throws at the bad line: what came before it is sent, nothing after.
    const read = await readBack(topic, { expectedCount: 2, timeoutMs: 30_000 });
    expect(read.map((x) => [x.key?.toString(), x.value?.toString()])).toEqual([['k1', 'v1'], ['k2', 'v2']]);
    expect(read[0]!.headers.map(([k, v]) => [k, v?.toString()])).toEqual([['h1', 'a'], ['h1', 'b']]);
  });

  test("perf: Java's summary line is the last stdout line", async () => {
    const topic = uniqueTopic('cli-perf');
    await createTopic(topic, { partitions: 2 });
    const r = await run(['perf', '--topic', topic, '--num-records', '20000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${kafkaBootstrap()!}`, 'linger.ms=5']);
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split('\n').pop()!;
    expect(last).toMatch(/^20000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/);
    expect((await readBack(topic, { expectedCount: 20000, timeoutMs: 30_000 })).length).toBe(20000);
  });

  test('perf --transactional-id --transaction-duration-ms: every record committed, read back at read_committed', async () => {
    const topic = uniqueTopic('cli-perf-txn');
    await createTopic(topic, { partitions: 2 });
    const r = await run(['perf', '--topic', topic, '--num-records', '20000', '--record-size', '100', '--throughput', '-1', '--transactional-id', uniqueTopic('perf-txn'), '--transaction-duration-ms', '50', '--bootstrap-server', kafkaBootstrap()!]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()!).toMatch(/^20000 records sent, /);
    const read = await readBack(topic, { expectedCount: 20000, timeoutMs: 60_000, isolation: 'read_committed' });
    expect(read.length).toBe(20000);
  });
});

