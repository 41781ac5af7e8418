// The clients the benchmark compares: how to start each one for a run, and how to read its
// result. Every client sends the same records (one random A-Z value of the workload's size, keys
// "0".."999" round-robin) with acks=all, idempotence on where it is safe, linger 5 ms where the
// client has a linger, and the workload's compression. The equal-settings workloads (`-eq`) also
// give every client that has one batch.size=65536 (EQUAL_SETTINGS), each in its own spelling.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJavaSummary, parseResultLine } from './proc.mjs';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');
const DRIVERS = path.join(BENCH_DIR, 'drivers');
export const VENV_PYTHON = path.join(BENCH_DIR, '.venv', 'bin', 'python');

/** kafka-producer-perf-test.sh's JVM settings (KAFKA_HEAP_OPTS and kafka-run-class.sh's defaults). */
export const JAVA_FLAGS = [
  '-Xmx512M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${path.join(REPO_ROOT, 'tools', 'kafka', 'log4j2-tools.properties')}`,
];

function nodeDriver(file, mode) {
  return (o) => ({
    cmd: process.execPath,
    args: [
      path.join(DRIVERS, file),
      '--bootstrap', o.bootstrap,
      '--topic', o.topic,
      '--records', String(o.records),
      '--size', String(o.size),
      '--keys', String(o.keys),
      '--compression', o.compression,
      '--mode', mode,
      '--rate', String(o.rate ?? 0),
      '--warmup', String(o.warmup ?? 0),
      ...(o.values ? ['--values', o.values] : []),
      ...(o.window ? ['--window', String(o.window)] : []),
      ...(o.batchSize ? ['--batch-size', String(o.batchSize)] : []),
      ...(o.nodeArgs ?? []),
    ],
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
}

function driverResult(res) {
  const r = parseResultLine(res.stdout);
  if (r === null) throw new Error(`no RESULT line (exit ${res.code})\n${tailText(res.stderr)}`);
  return r;
}

export function tailText(s, n = 15) {
  return s.split('\n').slice(-n).join('\n');
}

/** batch.size and linger.ms every client runs with in the `-eq` workloads. */
export const EQUAL_SETTINGS = { batchSize: 65536, lingerMs: 5 };

// How the clients that have two modes receive EQUAL_SETTINGS (the same for both modes).
const kafkaWireEqual = (s) => ({ applied: true, how: `Producer config \`'batch.size': ${s.batchSize}, 'linger.ms': ${s.lingerMs}\`` });
const kafkajsEqual = () => ({ applied: false, how: 'KafkaJS has no batch.size and no linger (one send() call is one Produce request): runs as at its defaults' });
const platformaticEqual = () => ({
  applied: false,
  how: 'no batch size for Producer.send() in 1.35.0 (only its producer streams batch: batchSize counts messages, batchTime ms; the driver uses send(), one call = one Produce request): runs as at its defaults',
});

/**
 * id -> client. `slow`: per-record clients that send one Produce request per record; they run
 * with --slow-records (default a tenth of the workload) so a full run stays in the hour.
 * `latency`: whether the client can report per-record latency at a fixed rate.
 * `equal(s)`: how the client receives EQUAL_SETTINGS `s` (`applied` false: it has no batch size
 * and runs as at its defaults), shown in latest.md's equal-settings section.
 */
export const CLIENTS = [
  {
    id: 'kafka-wire:callback',
    label: 'kafka-wire send(r, cb)',
    family: 'kafka-wire',
    latency: true,
    start: nodeDriver('kafka-wire.mjs', 'callback'),
    parse: driverResult,
    equal: kafkaWireEqual,
  },
  {
    id: 'kafka-wire:promise',
    label: 'kafka-wire send(r) promise',
    family: 'kafka-wire',
    latency: true,
    start: nodeDriver('kafka-wire.mjs', 'promise'),
    parse: driverResult,
    equal: kafkaWireEqual,
  },
  {
    id: 'java',
    label: 'Java ProducerPerformance',
    family: 'java',
    latency: true,
    transactional: true,
    start: (o) => ({ cmd: 'java', args: [...JAVA_FLAGS, `@${o.javaClasspathArgFile}`, 'org.apache.kafka.tools.ProducerPerformance', ...perfArgs(o, 'bench-java')] }),
    parse: parsePerfSummary,
    equal: (s) => ({ applied: true, how: `ProducerPerformance \`--command-property batch.size=${s.batchSize} linger.ms=${s.lingerMs}\` (the new name of --producer-props)` }),
  },
  {
    // kafka-wire's port of the same tool (src/cli/perf.ts), for the transactional workload only.
    id: 'kafka-wire:perf',
    label: 'kafka-wire perf (ProducerPerformance)',
    family: 'kafka-wire',
    latency: true,
    transactional: true,
    onlyTransactional: true,
    start: (o) => ({ cmd: process.execPath, args: [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'perf', ...perfArgs(o, 'bench-kafka-wire-perf')] }),
    parse: parsePerfSummary,
    equal: (s) => ({ applied: true, how: `kafka-wire perf \`--command-property batch.size=${s.batchSize} linger.ms=${s.lingerMs}\`` }),
  },
  {
    id: 'kcat',
    label: 'kcat -P (librdkafka)',
    family: 'librdkafka',
    latency: false,
    start: (o) => ({
      cmd: 'kcat',
      args: [
        '-P', '-b', o.bootstrap, '-t', o.topic, '-K', '\t',
        '-X', 'client.id=bench-kcat',
        '-X', 'acks=all',
        '-X', 'enable.idempotence=true',
        '-X', 'linger.ms=5',
        '-X', `compression.codec=${o.compression}`,
        ...(o.batchSize ? ['-X', `batch.size=${o.batchSize}`] : []),
      ],
      stdinFile: o.kcatInput,
    }),
    // kcat prints no statistics: the process's wall time (start, connect, read stdin, deliver all).
    parse: (res) => {
      if (res.code !== 0) throw new Error(`kcat exited ${res.code}\n${tailText(res.stderr)}`);
      return { records: NaN, elapsedMs: res.wallS * 1000, failed: 0 };
    },
    equal: (s) => ({ applied: true, how: `\`-X batch.size=${s.batchSize} -X linger.ms=${s.lingerMs}\` (librdkafka: bytes of one partition's MessageSet, framing included; batch.num.messages 10000 still caps it)` }),
  },
  {
    id: 'confluent-kafka',
    label: 'confluent-kafka (Python)',
    family: 'librdkafka',
    latency: true,
    available: () => fs.existsSync(VENV_PYTHON),
    start: (o) => ({
      cmd: VENV_PYTHON,
      args: [
        path.join(DRIVERS, 'confluent_kafka_driver.py'),
        '--bootstrap', o.bootstrap,
        '--topic', o.topic,
        '--records', String(o.records),
        '--size', String(o.size),
        '--keys', String(o.keys),
        '--compression', o.compression,
        '--rate', String(o.rate ?? 0),
        '--warmup', String(o.warmup ?? 0),
        ...(o.values ? ['--values', o.values] : []),
        ...(o.batchSize ? ['--batch-size', String(o.batchSize)] : []),
      ],
    }),
    parse: driverResult,
    equal: (s) => ({ applied: true, how: `Producer config \`"batch.size": ${s.batchSize}, "linger.ms": ${s.lingerMs}\` (librdkafka, as kcat)` }),
  },
  {
    id: 'kafkajs:batch',
    label: 'KafkaJS send(1000 msgs) ×5',
    family: 'kafkajs',
    latency: false,
    start: nodeDriver('kafkajs.mjs', 'batch'),
    parse: driverResult,
    equal: kafkajsEqual,
  },
  {
    id: 'kafkajs:per-record',
    label: 'KafkaJS send per record',
    family: 'kafkajs',
    latency: true,
    slow: true,
    start: nodeDriver('kafkajs.mjs', 'per-record'),
    parse: driverResult,
    equal: kafkajsEqual,
  },
  {
    id: 'platformatic:batch',
    label: '@platformatic/kafka send(1000) ×5',
    family: 'platformatic',
    latency: false,
    start: nodeDriver('platformatic.mjs', 'batch'),
    parse: driverResult,
    equal: platformaticEqual,
  },
  {
    id: 'platformatic:per-record',
    label: '@platformatic/kafka per record',
    family: 'platformatic',
    latency: true,
    slow: true,
    start: nodeDriver('platformatic.mjs', 'per-record'),
    parse: driverResult,
    equal: platformaticEqual,
  },
];

export const WORKLOADS = {
  '100B-none': { id: '100B-none', size: 100, compression: 'none', scale: 1, label: '100 B records, no compression' },
  '100B-lz4': { id: '100B-lz4', size: 100, compression: 'lz4', scale: 1, label: '100 B records, lz4' },
  '10KB-none': { id: '10KB-none', size: 10240, compression: 'none', scale: 0.01, label: '10 KB records, no compression' },
  // Java's ProducerPerformance with --transactional-id and kafka-wire's perf, the same tool: a
  // transaction commits at the first send 100 ms after it began. Only clients with
  // `transactional` run it (the others have no equivalent of its loop).
  '100B-txn': { id: '100B-txn', size: 100, compression: 'none', scale: 1, transactional: true, transactionDurationMs: 100, label: '100 B records, transactions committed every 100 ms' },
};

// Equal settings: the same records as the workload named in `base`, every client with
// EQUAL_SETTINGS (batch.size 65536, linger.ms 5) where it has them. `targets`: issue #15's
// bounds for kafka-wire against kcat (wall time and client CPU per record at most 1.5x kcat's;
// 10 KB: at least half kcat's MB/s), judged in latest.md.
for (const [base, targets] of [
  ['100B-none', { wallX: 1.5, cpuX: 1.5 }],
  ['100B-lz4', { wallX: 1.5, cpuX: 1.5 }],
  ['10KB-none', { mbpsX: 0.5, cpuX: 1.5 }],
]) {
  const id = `${base}-eq`;
  WORKLOADS[id] = { ...WORKLOADS[base], id, base, equal: EQUAL_SETTINGS, targets, label: `${WORKLOADS[base].label}, equal settings` };
}

/** ProducerPerformance's arguments, shared by Java's tool and kafka-wire's perf (the same flags). */
function perfArgs(o, clientId) {
  return [
    '--topic', o.topic,
    '--num-records', String(o.records),
    '--record-size', String(o.size),
    '--throughput', String(o.rate > 0 ? o.rate : -1),
    ...(o.warmup > 0 ? ['--warmup-records', String(o.warmup)] : []),
    '--record-key-range', String(o.keys),
    '--key-distribution', 'range',
    ...(o.transactional ? ['--transactional-id', `${clientId}-${o.topic}`, '--transaction-duration-ms', String(o.transactionDurationMs)] : []),
    '--command-property',
    `bootstrap.servers=${o.bootstrap}`,
    `client.id=${clientId}`,
    'acks=all',
    'enable.idempotence=true',
    'linger.ms=5',
    `compression.type=${o.compression}`,
    ...(o.batchSize ? [`batch.size=${o.batchSize}`] : []),
  ];
}

function parsePerfSummary(res) {
  const r = parseJavaSummary(res.stdout);
  if (r === null) throw new Error(`no ProducerPerformance summary line (exit ${res.code})\n${tailText(res.stderr)}`);
  return { ...r, failed: res.code === 0 ? 0 : NaN };
}
