#!/usr/bin/env node
// npm run journey: regenerates docs/JOURNEY.md — a record's journey from send() to its offset,
// told alongside a real trace of a small run against Apache Kafka 4.4 (started by lease through
// tools/broker, or KAFKA_BOOTSTRAP), each step linked to the file and function that does it.
// Reads the built package (the npm script builds first). test/unit/journey-doc.test.ts checks
// that the committed page has every step of STEPS, that each link resolves to a file defining
// the function it names, and that the trace excerpts are there.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const JOURNEY = path.join(ROOT, 'docs', 'JOURNEY.md');

/**
 * The journey, in order. `code`: [symbol, file] pairs (Class.method or function), linked from the
 * page; `trace`: which events of the run's trace the step shows, by API and direction (the first
 * of each, and the answer to the request shown).
 */
export const STEPS = [
  {
    title: 'send(): the record becomes bytes in a batch',
    code: [
      ['Producer.send', 'src/producer.ts'],
      ['choosePartition', 'src/partitioner/index.ts'],
      ['RecordAccumulator.append', 'src/accumulator/record-accumulator.ts'],
      ['RecordBatchBuilder.tryAppend', 'src/protocol/record-batch.ts'],
    ],
    text: [
      'The Producer runs the interceptors and serializers (none here), then picks the partition: an explicit one wins, then a custom partitioner, then murmur2 of the key modulo the partition count, as Java does. The topic is not known yet, so the send waits for metadata (up to max.block.ms) while send() has already returned its promise.',
      'Once the partition is known, the RecordAccumulator appends the record to the open ProducerBatch of that partition, and the batch\'s RecordBatchBuilder writes it once, in place, into a pooled buffer: length, attributes, timestamp and offset deltas as varints, key, value and headers. Nothing is sent yet: the batch waits for batch.size, linger.ms (5 ms by default) or a flush.',
    ],
    trace: [],
  },
  {
    title: 'A connection and ApiVersions: which versions both sides speak',
    code: [
      ['ConnectionPool.ready', 'src/network/connection-pool.ts'],
      ['Sender.handshake', 'src/sender/sender.ts'],
      ['decodeApiVersionsResponse', 'src/protocol/messages/index.ts'],
    ],
    text: [
      'The Sender wakes up, needs metadata and asks the pool for the least loaded node: the bootstrap address (node -1). The pool connects and runs the handshake before the connection counts as ready: ApiVersions at the highest version kafka-wire speaks. (A broker that does not know that version answers in the v0 layout with UNSUPPORTED_VERSION and its own range, KIP-511, and the handshake retries once.) From the ranges the Sender picks each API\'s version for this broker: the highest both speak.',
    ],
    trace: [['ApiVersions', 'request'], ['ApiVersions', 'response']],
  },
  {
    title: 'Metadata: who leads the partition',
    code: [
      ['Sender.maybeUpdateMetadata', 'src/sender/sender.ts'],
      ['Sender.applyMetadata', 'src/sender/sender.ts'],
      ['Metadata.update', 'src/cluster/metadata.ts'],
    ],
    text: [
      'The Metadata request names the topic. The answer lists the brokers (node id, host, port), and for each partition its leader and leader epoch; from v10 the topic id. Metadata keeps the snapshot; the send waiting for the topic now goes through the partitioner and into the accumulator.',
    ],
    trace: [['Metadata', 'request'], ['Metadata', 'response']],
  },
  {
    title: 'InitProducerId: an identity for idempotence',
    code: [
      ['Sender.maybeInitProducerId', 'src/sender/sender.ts'],
      ['TransactionManager.setProducerIdAndEpoch', 'src/idempotence/transaction-manager.ts'],
    ],
    text: [
      'enable.idempotence is on by default (Java\'s default too), so before the first Produce the Sender asks any broker for a producer id and epoch (no transactional id). Every batch will carry them, with a sequence number per partition: the broker keeps the last five batches of each producer per partition and answers a resent one with its first offset instead of appending it again.',
    ],
    trace: [['InitProducerId', 'request'], ['InitProducerId', 'response']],
  },
  {
    title: 'Drain: the batch gets its producer id, epoch and sequence',
    code: [
      ['RecordAccumulator.ready', 'src/accumulator/record-accumulator.ts'],
      ['RecordAccumulator.drain', 'src/accumulator/record-accumulator.ts'],
      ['TransactionManager.assignSequence', 'src/idempotence/transaction-manager.ts'],
      ['setProducerState', 'src/protocol/record-batch.ts'],
    ],
    text: [
      'linger.ms passes; ready() reports the partition\'s leader as having a sendable batch, and drain() takes at most one batch per partition for it, up to max.request.size. On its first drain the batch is sealed (compressed once, if configured) and the TransactionManager assigns its base sequence; setProducerState writes producer id, epoch and base sequence into the header and computes the CRC32C over attributes..end, once.',
    ],
    trace: [],
  },
  {
    title: 'The Produce request',
    code: [
      ['Sender.sendProduceRequest', 'src/sender/sender.ts'],
      ['encodeProduceRequestFrame', 'src/protocol/messages/produce.ts'],
      ['BrokerConnection.request', 'src/network/connection.ts'],
    ],
    text: [
      'The batch goes to the partition\'s leader (node 1, a connection of its own, with its own ApiVersions handshake and correlation ids). The hand-tuned encoder sizes the request, writes header, acks (-1: all), timeout, topic (from Produce v13 by topic id, so the name is empty) and partition into one buffer, and passes the batch\'s own bytes as a second chunk (no copy). The connection patches size and correlation id in place and writes both in one gather write. Below, the trace summarizes the batch from its header as it went on the wire: base offset 0 (the broker assigns offsets), record count, codec, sizes, producer id / epoch / base sequence, and the CRC checked again.',
    ],
    trace: [['Produce', 'request']],
  },
  {
    title: 'The answer, and the offset',
    code: [
      ['Sender.handleProduceResponse', 'src/sender/sender.ts'],
      ['Sender.completeBatch', 'src/sender/sender.ts'],
      ['ProducerBatch.done', 'src/accumulator/producer-batch.ts'],
      ['RecordAccumulator.release', 'src/accumulator/record-accumulator.ts'],
    ],
    text: [
      'The broker answers in request order on the connection; the connection matches the correlation id and hands the bytes to the Sender, which decodes the answer for the partition: error code NONE and the base offset the log gave the batch (LogAppendTime -1: the topic keeps CreateTime). completeBatch completes the batch: each record\'s offset is the base offset plus its index, its promise resolves with { topic, partition, offset, timestamp } in send order, and the batch leaves through its one exit, RecordAccumulator.release, which returns its memory.',
    ],
    trace: [['Produce', 'response']],
  },
];

/** Whether `source` defines `symbol` (`Class.member` or a top-level function/class/const). */
export function definesSymbol(source, symbol) {
  const [owner, member] = symbol.includes('.') ? symbol.split('.') : [null, symbol];
  if (owner !== null && !new RegExp(`\\b(class|interface)\\s+${owner}\\b`).test(source)) return false;
  const name = member.replace(/[$]/g, '\\$');
  const patterns = owner === null
    ? [new RegExp(`^export\\s+(async\\s+)?(function|class|const)\\s+${name}\\b`, 'm')]
    : [new RegExp(`^\\s+(public\\s+|private\\s+|protected\\s+)?(static\\s+)?(readonly\\s+)?(async\\s+)?${name}\\s*(<[^>]*>)?\\s*[(=]`, 'm')];
  return patterns.some((p) => p.test(source));
}

/** The events a step shows: the first request of each API it names, and that request's answer. */
function pick(events, step) {
  const out = [];
  for (const [api, type] of step.trace) {
    if (type === 'request') {
      const e = events.find((x) => x.api === api && x.type === 'request');
      if (e) out.push(e);
    } else {
      const req = events.find((x) => x.api === api && x.type === 'request');
      const e = req && events.find((x) => x.api === api && x.type === 'response' && x.correlationId === req.correlationId && x.broker === req.broker);
      if (e) out.push(e);
    }
  }
  return out;
}

export function render(events, format, run) {
  const lines = [
    '# A record\'s journey: from send() to its offset',
    '',
    '<!-- Generated by tools/journey.mjs (npm run journey) from a real run; do not edit by hand. -->',
    '',
    `One record, sent with kafka-wire's default configuration to a one-partition topic on Apache Kafka ${run.kafkaVersion}, followed through the code, step by step, with the trace of the run beside it: the Producer's \`trace\` option (the same events as \`kafka-wire produce --trace\`), printed in the \`pretty\` form. Times are the run's; correlation ids count per connection.`,
    '',
    '```js',
    `const producer = new Producer({ 'bootstrap.servers': '${run.bootstrap}', 'client.id': 'journey', trace: (event) => console.log(formatTraceEvent(event, 'pretty')) });`,
    `const md = await producer.send({ topic: '${run.topic}', key: 'order-1', value: '{"total":3}', headers: { 'trace-id': 'abc' } });`,
    `// md: { topic: '${run.topic}', partition: ${run.metadata.partition}, offset: ${run.metadata.offset}n, timestamp: ${run.metadata.timestamp} }`,
    'await producer.close();',
    '```',
    '',
    `The whole conversation: ${events.length} events (${[...new Set(events.map((e) => e.api))].join(', ')}).`,
    '',
  ];
  STEPS.forEach((step, i) => {
    lines.push(`## ${i + 1}. ${step.title}`, '');
    lines.push(`Code: ${step.code.map(([symbol, file]) => `[\`${symbol}\`](../${file})`).join(', ')}.`, '');
    for (const p of step.text) lines.push(p, '');
    const shown = pick(events, step);
    if (shown.length > 0) {
      lines.push('```');
      for (const e of shown) lines.push(format(e));
      lines.push('```', '');
    }
  });
  lines.push('## Where to go from here', '');
  lines.push('- [ARCHITECTURE.md](ARCHITECTURE.md): who owns which state, and how retries, epochs and closing work.');
  lines.push('- [INTERNALS.md](INTERNALS.md): walk-throughs with bytes and sequence diagrams.');
  lines.push('- `kafka-wire produce --trace` or `kafka-wire conformance --trace --trace-format json`: the same events for any run.');
  lines.push('');
  return lines.join('\n');
}

async function main() {
  await import(path.join(ROOT, 'dist', 'index.js'));
  const { Producer } = await import(path.join(ROOT, 'dist', 'index.js'));
  const { formatTraceEvent } = await import(path.join(ROOT, 'dist', 'observability', 'trace.js'));
  const { ConformanceClient } = await import(path.join(ROOT, 'dist', 'conformance', 'client.js'));
  const { createTopic, deleteTopics } = await import(path.join(ROOT, 'dist', 'conformance', 'topics.js'));
  const { SystemClock } = await import(path.join(ROOT, 'dist', 'network', 'index.js'));
  const { currentRuntime } = await import(path.join(ROOT, 'dist', 'runtime', 'runtime.js'));
  const broker = await import(path.join(ROOT, 'tools', 'broker', 'index.mjs'));
  const log = (m) => process.stderr.write(`[journey] ${m}\n`);

  const external = process.env.KAFKA_BOOTSTRAP;
  const state = external ? { bootstrap: external, version: 'unknown' } : await broker.kafkaUp({ lease: true, log });
  const topic = `journey-${Date.now().toString(36)}`;
  const client = new ConformanceClient({ bootstrap: state.bootstrap, transport: currentRuntime().transport(), security: { protocol: 'PLAINTEXT' }, clock: SystemClock, clientId: 'journey-admin', requestTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
  try {
    await client.connect();
    await createTopic(client, SystemClock, topic, { partitions: 1 }, 20_000);
    const events = [];
    const producer = new Producer({ 'bootstrap.servers': state.bootstrap, 'client.id': 'journey', trace: (e) => events.push(e) });
    const md = await producer.send({ topic, key: 'order-1', value: '{"total":3}', headers: { 'trace-id': 'abc' } });
    await producer.close();
    const text = render(events, (e) => formatTraceEvent(e, 'pretty'), { bootstrap: state.bootstrap, topic, kafkaVersion: state.version ?? broker.DEFAULT_KAFKA_VERSION, metadata: md });
    writeFileSync(JOURNEY, text);
    log(`docs/JOURNEY.md written from ${events.length} events`);
    await deleteTopics(client, [topic]);
  } finally {
    client.close();
    if (!external) await broker.kafkaRelease();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
