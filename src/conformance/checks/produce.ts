/**
 * Produce checks: each codec stored and read back byte-exact, every advertised version, the
 * three acks, and the refusals Kafka's LogValidator makes (acks=2, a bad CRC, a batch too large,
 * timestamps out of the topic's bounds, an offset range that does not match the record count, a
 * record without a key on a compacted topic, a client's control batch), the response fields of
 * each version, an unknown topic, KIP-951's leader hints, and the public Producer end to end.
 */
import { KafkaWireError } from '../../errors.js';
import { Producer } from '../../index.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { isZeroUuid, uuidToString, zeroUuid } from '../../protocol/messages/index.js';
import { asControlBatch, buildBatch, recordsDiffer, sampleRecords, simpleRecords, withBadCrc, withLastOffsetDelta, type TestRecord } from '../batches.js';
import { SkipCheck, errorName, fail, pass, skip, type Check, type CheckContext, type Outcome } from '../check.js';
import { Err } from '../kafka-errors.js';

const group = 'Produce' as const;
const utf8 = new TextEncoder();

/** A record-producing batch, or SkipCheck when the codec is not installed here (not the broker's fault). */
async function batchOf(ctx: CheckContext, records: readonly TestRecord[], compression = 0): Promise<Uint8Array> {
  try {
    return await buildBatch(records, { compression, codecOptions: ctx.codecOptions });
  } catch (e) {
    if (e instanceof KafkaWireError && e.code === 'UNSUPPORTED_COMPRESSION_TYPE') throw new SkipCheck(`kafka-wire cannot compress here: ${e.message}`);
    throw e;
  }
}

const now = (ctx: CheckContext): number => Math.round(ctx.clock.wallClockMs?.() ?? ctx.clock.now());

/** A refusal check: the batch is answered `expected` (one of) and nothing is stored. */
async function refused(ctx: CheckContext, batch: Uint8Array, expected: readonly number[], options: { acks?: number; recordError?: number } = {}): Promise<Outcome> {
  const v = ctx.produceVersion();
  const answer = await ctx.produce(batch, { acks: options.acks ?? -1, version: v });
  const stored = await ctx.read();
  const names = expected.map(errorName).join(' or ');
  if (!expected.includes(answer.errorCode)) {
    return fail(`Produce v${v} answered ${errorName(answer.errorCode)}${answer.errorMessage ? ` (${answer.errorMessage})` : ''}, expected ${names}; ${stored.batches.length} batch(es) stored`);
  }
  if (stored.batches.length > 0) return fail(`answered ${errorName(answer.errorCode)}, but ${stored.batches.length} batch(es) were stored`);
  let detail = '';
  if (options.recordError !== undefined && v >= 8) {
    const indexes = answer.recordErrors.map((r) => r.batchIndex);
    if (!indexes.includes(options.recordError)) return fail(`answered ${errorName(answer.errorCode)} but record_errors names ${indexes.length ? `records ${indexes.join(',')}` : 'no record'}, expected record ${options.recordError}`);
    detail = `, record_errors [${indexes.join(',')}]`;
  }
  return pass(`Produce v${v}: ${errorName(answer.errorCode)}${detail}${answer.errorMessage ? ` ("${answer.errorMessage.slice(0, 80)}")` : ''}; nothing stored`);
}

function codecCheck(name: string, id: number, minVersion: number, reference: string): Check {
  return {
    id: `produce.codec.${name}`,
    group,
    title: `A ${name === 'none' ? 'uncompressed' : name} batch is stored and read back byte-exact`,
    reference,
    level: 'MUST',
    expected: 'NONE; Fetch returns every record with its key, value (null and empty kept apart), headers (repeated names, null values) and CreateTime, byte for byte, at the offsets the answer gave',
    topic: {},
    async run(ctx) {
      const v = ctx.produceVersion();
      if (v < minVersion) return skip(`${name} needs Produce v${minVersion}+; the broker speaks up to v${v}`);
      const records = sampleRecords(now(ctx));
      const batch = await batchOf(ctx, records, id);
      const answer = await ctx.produce(batch, { version: v });
      if (answer.errorCode !== 0) return fail(`Produce v${v} answered ${errorName(answer.errorCode)}${answer.errorMessage ? ` (${answer.errorMessage})` : ''}`);
      const read = await ctx.read();
      const diff = recordsDiffer(records, read.records);
      if (diff) return fail(`read back (Fetch v${read.version}): ${diff}`);
      if (read.records[0]!.offset !== answer.baseOffset) return fail(`answered base offset ${answer.baseOffset}, the first record is at ${read.records[0]!.offset}`);
      const stored = read.batches[0]!;
      const kept = stored.batch.crc === new DataView(batch.buffer, batch.byteOffset).getUint32(17);
      if (stored.batch.compression !== id) ctx.note(`stored with codec ${stored.batch.compression}`);
      return pass(`Produce v${v}: ${records.length} records at offset ${answer.baseOffset}, read back byte for byte (Fetch v${read.version}); ${kept ? 'the batch was kept as written (same CRC)' : 'the broker re-encoded the batch'}`);
    },
  };
}

export const PRODUCE_CHECKS: readonly Check[] = [
  codecCheck('none', 0, 3, 'RecordBatch v2 (KIP-98): records, headers (KIP-82)'),
  codecCheck('gzip', 1, 3, 'RecordBatch v2 attributes bits 0-2 = 1 (gzip)'),
  codecCheck('snappy', 2, 3, 'RecordBatch v2 attributes = 2 (snappy, xerial framing)'),
  codecCheck('lz4', 3, 3, 'RecordBatch v2 attributes = 3 (LZ4 frame, KIP-57)'),
  codecCheck('zstd', 4, 7, 'KIP-110 (zstd, Produce v7+)'),
  {
    id: 'produce.every-version',
    group,
    title: 'Every advertised Produce version from v3 stores a batch',
    reference: 'ProduceRequest.json: validVersions (v3+: RecordBatch v2; v13: topic ids, KIP-516)',
    level: 'MUST',
    expected: 'NONE at each version, consecutive base offsets, everything read back in order',
    topic: {},
    async run(ctx) {
      const ref = ctx.partition();
      const byId = ref.topicId !== undefined && !isZeroUuid(ref.topicId);
      const versions = ctx.client.versions(ApiKey.Produce, { cap: byId ? 13 : 12 });
      if (versions.length === 0) return skip('no Produce version >= 3 advertised');
      const sent: TestRecord[] = [];
      let next = 0n;
      for (const v of versions) {
        const records = simpleRecords(2, `v${v}`, now(ctx));
        const answer = await ctx.produce(await batchOf(ctx, records), { version: v });
        if (answer.errorCode !== 0) return fail(`v${v} answered ${errorName(answer.errorCode)}`);
        if (answer.baseOffset !== next) return fail(`v${v} answered base offset ${answer.baseOffset}, expected ${next}`);
        next += 2n;
        sent.push(...records);
      }
      const read = await ctx.read();
      const diff = recordsDiffer(sent, read.records);
      return diff ? fail(`read back: ${diff}`) : pass(`v${versions[0]}-v${versions[versions.length - 1]}: each stored its batch; read back in order`);
    },
  },
  {
    id: 'produce.acks-0',
    group,
    title: 'acks=0 is not answered, and the records are stored',
    reference: 'ProduceRequest.json: Acks (0: no response)',
    level: 'MUST',
    expected: 'no response frame (the next request on the connection is answered normally), and the records appear in the log',
    topic: {},
    async run(ctx) {
      const records = simpleRecords(3, 'acks0', now(ctx));
      const ref = ctx.partition();
      await ctx.produceRequest(await batchOf(ctx, records), { acks: 0 });
      // A response to acks=0 would arrive where this request's belongs: the connection would drop.
      const md = await ctx.client.metadata([ref.topic], { node: ref.leader });
      if (!md.topics.some((t) => t.name === ref.topic)) return fail('the request after it was not answered properly');
      const read = await ctx.readUntil((r) => r.records.length >= records.length);
      const diff = recordsDiffer(records, read.records);
      return diff ? fail(`read back: ${diff}`) : pass('no response; the next request on the connection answered; 3 records stored');
    },
  },
  ...[1, -1].map(
    (acks): Check => ({
      id: `produce.acks-${acks === 1 ? '1' : 'all'}`,
      group,
      title: `acks=${acks === 1 ? '1' : 'all (-1)'} is answered once the records are stored`,
      reference: 'ProduceRequest.json: Acks',
      level: 'MUST',
      expected: 'NONE with the base offset; the records read back',
      topic: {},
      async run(ctx) {
        const records = simpleRecords(3, `acks${acks}`, now(ctx));
        const answer = await ctx.produce(await batchOf(ctx, records), { acks });
        if (answer.errorCode !== 0) return fail(`answered ${errorName(answer.errorCode)}`);
        const read = await ctx.read();
        const diff = recordsDiffer(records, read.records);
        return diff ? fail(`read back: ${diff}`) : pass(`NONE at base offset ${answer.baseOffset}; read back`);
      },
    }),
  ),
  {
    id: 'produce.invalid-required-acks',
    group,
    title: 'acks=2 is refused',
    reference: 'ProduceRequest.json: Acks (-1, 0, 1 only); Errors.INVALID_REQUIRED_ACKS',
    level: 'MUST',
    expected: 'INVALID_REQUIRED_ACKS (21); nothing stored',
    topic: {},
    async run(ctx) {
      return refused(ctx, await batchOf(ctx, simpleRecords(2, 'acks2', now(ctx))), [Err.INVALID_REQUIRED_ACKS], { acks: 2 });
    },
  },
  {
    id: 'produce.corrupt-crc',
    group,
    title: 'A batch whose CRC does not match its bytes is refused',
    reference: 'RecordBatch v2 CRC32C over attributes..end (KIP-98); Errors.CORRUPT_MESSAGE',
    level: 'MUST',
    expected: 'CORRUPT_MESSAGE (2); nothing stored',
    topic: {},
    async run(ctx) {
      return refused(ctx, withBadCrc(await batchOf(ctx, simpleRecords(2, 'crc', now(ctx)))), [Err.CORRUPT_MESSAGE]);
    },
  },
  {
    id: 'produce.message-too-large',
    group,
    title: "A batch larger than the topic's max.message.bytes is refused",
    reference: 'TopicConfig max.message.bytes; Errors.MESSAGE_TOO_LARGE',
    level: 'MUST',
    expected: 'MESSAGE_TOO_LARGE (10) for a 4 KiB batch on a topic with max.message.bytes=2048; nothing stored',
    topic: { configs: { 'max.message.bytes': '2048' } },
    async run(ctx) {
      const big: TestRecord = { key: utf8.encode('big'), value: new Uint8Array(4096).fill(7), headers: [], timestamp: now(ctx) };
      return refused(ctx, await batchOf(ctx, [big]), [Err.MESSAGE_TOO_LARGE]);
    },
  },
  {
    id: 'produce.timestamp-too-old',
    group,
    title: "A CreateTime older than the topic's bound is refused, naming the record",
    reference: 'KIP-937 message.timestamp.before.max.ms; ProduceResponse.json: RecordErrors (KIP-467, v8+)',
    level: 'MUST',
    expected: 'INVALID_TIMESTAMP (32) for a record 2 days old with message.timestamp.before.max.ms=3600000, record_errors naming record 1; nothing stored',
    topic: { configs: { 'message.timestamp.before.max.ms': '3600000' } },
    async run(ctx) {
      const records = simpleRecords(3, 'old', now(ctx)).map((r, i) => (i === 1 ? { ...r, timestamp: now(ctx) - 2 * 86_400_000 } : r));
      return refused(ctx, await batchOf(ctx, records), [Err.INVALID_TIMESTAMP], { recordError: 1 });
    },
  },
  {
    id: 'produce.timestamp-too-new',
    group,
    title: "A CreateTime further in the future than the topic's bound is refused",
    reference: 'KIP-937 message.timestamp.after.max.ms; ProduceResponse.json: RecordErrors',
    level: 'MUST',
    expected: 'INVALID_TIMESTAMP (32) for a record 2 days ahead with message.timestamp.after.max.ms=3600000, record_errors naming record 2; nothing stored',
    topic: { configs: { 'message.timestamp.after.max.ms': '3600000' } },
    async run(ctx) {
      const records = simpleRecords(3, 'future', now(ctx)).map((r, i) => (i === 2 ? { ...r, timestamp: now(ctx) + 2 * 86_400_000 } : r));
      return refused(ctx, await batchOf(ctx, records), [Err.INVALID_TIMESTAMP], { recordError: 2 });
    },
  },
  {
    id: 'produce.invalid-offset-range',
    group,
    title: 'A batch whose offset range does not match its record count is refused',
    reference: 'RecordBatch v2 lastOffsetDelta; LogValidator "Inconsistent batch offset range"; Errors.INVALID_RECORD',
    level: 'MUST',
    expected: 'INVALID_RECORD (87) for 3 records with lastOffsetDelta 7 (CRC valid); nothing stored',
    topic: {},
    async run(ctx) {
      return refused(ctx, withLastOffsetDelta(await batchOf(ctx, simpleRecords(3, 'delta', now(ctx))), 7), [Err.INVALID_RECORD]);
    },
  },
  {
    id: 'produce.compacted-null-key',
    group,
    title: 'A record without a key is refused on a compacted topic, naming the record',
    reference: 'cleanup.policy=compact; ProduceResponse.json: RecordErrors.BatchIndex (KIP-467, v8+)',
    level: 'MUST',
    expected: 'INVALID_RECORD (87) with record_errors naming record 1 (the one without a key); nothing stored',
    topic: { configs: { 'cleanup.policy': 'compact' } },
    async run(ctx) {
      const records = simpleRecords(3, 'compact', now(ctx)).map((r, i) => (i === 1 ? { ...r, key: null } : r));
      return refused(ctx, await batchOf(ctx, records), [Err.INVALID_RECORD], { recordError: 1 });
    },
  },
  {
    id: 'produce.control-batch-refused',
    group,
    title: 'A control batch from a client is refused',
    reference: 'RecordBatch v2 attributes bit 5 (control, KIP-98): written by the coordinator only',
    level: 'MUST',
    expected: 'INVALID_RECORD (87); nothing stored',
    topic: {},
    async run(ctx) {
      return refused(ctx, asControlBatch(await batchOf(ctx, simpleRecords(1, 'control', now(ctx)))), [Err.INVALID_RECORD]);
    },
  },
  {
    id: 'produce.log-append-time',
    group,
    title: "A LogAppendTime topic stamps the broker's time and reports it",
    reference: 'message.timestamp.type=LogAppendTime; ProduceResponse.json: LogAppendTimeMs (v2+)',
    level: 'MUST',
    expected: 'NONE with LogAppendTimeMs >= 0; the stored batch is LogAppendTime with that time as every record\'s timestamp; records otherwise unchanged',
    topic: { configs: { 'message.timestamp.type': 'LogAppendTime' } },
    async run(ctx) {
      const records = simpleRecords(3, 'lat', now(ctx) - 60_000);
      const answer = await ctx.produce(await batchOf(ctx, records));
      if (answer.errorCode !== 0) return fail(`answered ${errorName(answer.errorCode)}`);
      if (answer.logAppendTimeMs < 0n) return fail(`LogAppendTimeMs ${answer.logAppendTimeMs}`);
      const read = await ctx.read();
      const diff = recordsDiffer(records, read.records, { logAppendTime: true });
      if (diff) return fail(`read back: ${diff}`);
      const b = read.batches[0]!.batch;
      if (b.timestampType !== 'LogAppendTime') return fail(`stored as ${b.timestampType}`);
      if (b.maxTimestamp !== answer.logAppendTimeMs) return fail(`stored time ${b.maxTimestamp}, answered ${answer.logAppendTimeMs}`);
      return pass(`LogAppendTimeMs ${answer.logAppendTimeMs}, stored as the batch's time`);
    },
  },
  {
    id: 'produce.response-fields',
    group,
    title: 'The Produce answer carries the fields of its version',
    reference: 'ProduceResponse.json: LogAppendTimeMs (v2+), LogStartOffset (v5+), RecordErrors/ErrorMessage (v8+), flexible v9+',
    level: 'MUST',
    expected: 'decoded strictly; LogAppendTimeMs -1 on a CreateTime topic; LogStartOffset 0 (v5+); no record errors and a null ErrorMessage (v8+)',
    topic: {},
    async run(ctx) {
      const v = ctx.produceVersion();
      const ref = ctx.partition();
      const records = await batchOf(ctx, simpleRecords(2, 'fields', now(ctx)));
      const response = await ctx.client.send(
        ApiKey.Produce,
        v,
        { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: ref.topic, ...(ref.topicId ? { topicId: ref.topicId } : {}), partitionData: [{ index: ref.partition, records }] }] },
        { node: ref.leader, strict: true },
      );
      const p = response.responses[0]?.partitionResponses[0];
      if (p === undefined) return fail('no partition in the answer');
      const problems: string[] = [];
      if (p.errorCode !== 0) problems.push(`error ${errorName(p.errorCode)}`);
      if (p.logAppendTimeMs !== -1n) problems.push(`LogAppendTimeMs ${p.logAppendTimeMs}`);
      if (v >= 5 && p.logStartOffset !== 0n) problems.push(`LogStartOffset ${p.logStartOffset}`);
      if (v >= 8 && (p.recordErrors.length > 0 || p.errorMessage !== null)) problems.push(`record errors ${p.recordErrors.length}, message ${JSON.stringify(p.errorMessage)}`);
      if (response.throttleTimeMs < 0) problems.push(`throttle ${response.throttleTimeMs}`);
      if (v >= 13 && !isZeroUuid(response.responses[0]!.topicId) && ref.topicId && uuidToString(response.responses[0]!.topicId) !== uuidToString(ref.topicId)) problems.push('another topic id in the answer');
      return problems.length ? fail(`Produce v${v}: ${problems.join('; ')}`) : pass(`Produce v${v}: decoded strictly, fields as expected`);
    },
  },
  {
    id: 'produce.unknown-topic',
    group,
    title: 'Producing to a topic that does not exist is refused',
    reference: 'ProduceResponse.json: ErrorCode; Errors.UNKNOWN_TOPIC_OR_PARTITION (by name, v3-v12)',
    level: 'MUST',
    expected: 'UNKNOWN_TOPIC_OR_PARTITION (3) and no topic created',
    async run(ctx) {
      const name = ctx.uniqueName('no-such-topic');
      ctx.track(name);
      const md = await ctx.client.metadata([]);
      const node = md.brokers[0]?.nodeId;
      if (node === undefined) return fail('no broker in Metadata');
      const v = ctx.client.version(ApiKey.Produce, { cap: 12 });
      if (v === null) return skip('no Produce v3-v12');
      const target = { topic: name, topicId: zeroUuid(), partition: 0, leader: node, leaderEpoch: -1 };
      const answer = await ctx.produce(await batchOf(ctx, simpleRecords(1, 'unknown', now(ctx))), { target, version: v });
      if (answer.errorCode !== Err.UNKNOWN_TOPIC_OR_PARTITION) return fail(`Produce v${v} answered ${errorName(answer.errorCode)}`);
      return pass(`Produce v${v}: UNKNOWN_TOPIC_OR_PARTITION`);
    },
  },
  {
    id: 'produce.leader-hint',
    group,
    title: 'A broker that is not the leader says who is',
    reference: 'KIP-951 (ProduceResponse.json: CurrentLeader, NodeEndpoints, v10+)',
    level: 'SHOULD',
    expected: 'NOT_LEADER_OR_FOLLOWER (6) with CurrentLeader naming the leader and its epoch, and the leader among NodeEndpoints',
    topic: {},
    async run(ctx) {
      const ref = ctx.partition();
      const other = ctx.client.brokers.find((b) => b.nodeId !== ref.leader);
      if (other === undefined) return skip('a single broker: no broker that is not the leader');
      const v = ctx.produceVersion();
      if (v < 10) return skip(`Produce up to v${v}: leader hints need v10`);
      const answer = await ctx.produce(await batchOf(ctx, simpleRecords(1, 'hint', now(ctx))), { target: { ...ref, leader: other.nodeId } });
      if (answer.errorCode !== Err.NOT_LEADER_OR_FOLLOWER) return fail(`broker ${other.nodeId} answered ${errorName(answer.errorCode)}`);
      if (answer.currentLeader.leaderId !== ref.leader) return fail(`NOT_LEADER_OR_FOLLOWER, CurrentLeader ${answer.currentLeader.leaderId} (the leader is ${ref.leader})`);
      return pass(`NOT_LEADER_OR_FOLLOWER with CurrentLeader ${answer.currentLeader.leaderId} epoch ${answer.currentLeader.leaderEpoch}`);
    },
  },
  {
    id: 'produce.multi-partition',
    group,
    title: 'One request for several partitions answers each of them',
    reference: 'ProduceRequest.json: TopicData[].PartitionData[]',
    level: 'MUST',
    expected: "each partition answered once with NONE, and each partition holds its own records",
    topic: { partitions: 3 },
    async run(ctx) {
      const refs = [0, 1, 2].map((i) => ctx.partition(i));
      const sent = await Promise.all(refs.map((r) => Promise.resolve(simpleRecords(2, `p${r.partition}`, now(ctx)))));
      for (const leader of new Set(refs.map((r) => r.leader))) {
        const mine = refs.filter((r) => r.leader === leader);
        const ref = mine[0]!;
        const v = ctx.produceVersion(ref);
        const topicData = [{ name: ref.topic, ...(ref.topicId ? { topicId: ref.topicId } : {}), partitionData: await Promise.all(mine.map(async (r) => ({ index: r.partition, records: await batchOf(ctx, sent[r.partition]!) }))) }];
        const response = await ctx.client.send(ApiKey.Produce, v, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData }, { node: leader });
        const answers = response.responses.flatMap((t) => t.partitionResponses);
        for (const r of mine) {
          const hits = answers.filter((a) => a.index === r.partition);
          if (hits.length !== 1) return fail(`partition ${r.partition} answered ${hits.length} times`);
          if (hits[0]!.errorCode !== 0) return fail(`partition ${r.partition} answered ${errorName(hits[0]!.errorCode)}`);
        }
      }
      for (const r of refs) {
        const diff = recordsDiffer(sent[r.partition]!, (await ctx.read({ partitionIndex: r.partition })).records);
        if (diff) return fail(`partition ${r.partition}: ${diff}`);
      }
      return pass(`3 partitions on ${new Set(refs.map((r) => r.leader)).size} leader(s), each answered once and holding its records`);
    },
  },
  {
    id: 'produce.public-producer',
    group,
    title: "kafka-wire's Producer (idempotent, defaults) delivers every record shape",
    reference: "Java's KafkaProducer defaults (acks=all, enable.idempotence=true)",
    level: 'MUST',
    expected: 'every send resolves, offsets consecutive in send order, the records read back byte for byte',
    topic: {},
    async run(ctx) {
      const records = sampleRecords(now(ctx));
      const producer = new Producer({ ...ctx.producerConfig(), 'linger.ms': 5 });
      let offsets: bigint[];
      try {
        const mds = await Promise.all(records.map((r) => producer.send({ topic: ctx.topic, partition: 0, key: r.key, value: r.value, headers: r.headers.map(([k, v]) => [k, v] as [string, Uint8Array | null]), timestamp: r.timestamp })));
        offsets = mds.map((m) => m.offset);
      } finally {
        await producer.close({ timeoutMs: 5_000 });
      }
      if (offsets.some((o, i) => o !== BigInt(i))) return fail(`offsets ${offsets.join(',')}`);
      const read = await ctx.read();
      const diff = recordsDiffer(records, read.records);
      if (diff) return fail(`read back: ${diff}`);
      const b = read.batches[0]!.batch;
      return pass(`${records.length} records at offsets 0-${records.length - 1}, read back; producer id ${b.producerId}, epoch ${b.producerEpoch}`);
    },
  },
];
