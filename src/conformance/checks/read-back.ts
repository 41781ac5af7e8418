/**
 * Read-back and admin checks: the APIs the verification reader and the topic set-up rely on,
 * at every version the broker advertises — Fetch, ListOffsets (earliest, latest, by timestamp,
 * KIP-734's max timestamp), CreateTopics (an existing name, validate-only) and DeleteTopics (an
 * unknown name).
 */
import { ApiKey, FETCH_MAX_VERSION_WITH_TOPIC_NAMES } from '../../protocol/api-keys.js';
import { ListOffsetsTimestamp, isZeroUuid, zeroUuid } from '../../protocol/messages/index.js';
import { buildBatch, recordsDiffer, sampleRecords, simpleRecords, type TestRecord } from '../batches.js';
import { errorName, fail, pass, skip, type Check, type CheckContext } from '../check.js';
import { Err } from '../kafka-errors.js';
import { adminNode } from '../topics.js';

const group = 'Read-back' as const;
const now = (ctx: CheckContext): number => Math.round(ctx.clock.wallClockMs?.() ?? ctx.clock.now());

/** Send options addressing the controller (admin requests; see topics.ts adminNode). */
async function adminOptions(ctx: CheckContext): Promise<{ node?: number }> {
  const node = await adminNode(ctx.client);
  return node !== undefined ? { node } : {};
}

async function write(ctx: CheckContext, records: readonly TestRecord[], compression = 0): Promise<bigint> {
  const answer = await ctx.produce(await buildBatch(records, { compression, codecOptions: ctx.codecOptions }));
  if (answer.errorCode !== 0) throw new Error(`set-up Produce answered ${errorName(answer.errorCode)}`);
  return answer.baseOffset;
}

export const READ_BACK_CHECKS: readonly Check[] = [
  {
    id: 'fetch.every-version',
    group,
    title: 'Every advertised Fetch version from v4 returns what was written',
    reference: 'FetchRequest.json / FetchResponse.json: validVersions (v4+), topic ids from v13 (KIP-516), flexible v12+',
    level: 'MUST',
    expected: 'at each version: NONE, the high watermark, and the records byte for byte (two batches, one gzip)',
    topic: {},
    async run(ctx) {
      const a = sampleRecords(now(ctx));
      const b = simpleRecords(3, 'fetch', now(ctx));
      await write(ctx, a);
      await write(ctx, b, 1);
      const ref = ctx.partition();
      const byId = ref.topicId !== undefined && !isZeroUuid(ref.topicId);
      const versions = ctx.client.versions(ApiKey.Fetch, { cap: byId ? Infinity : FETCH_MAX_VERSION_WITH_TOPIC_NAMES });
      if (versions.length === 0) return skip('no Fetch v4+');
      for (const v of versions) {
        const read = await ctx.read({ version: v });
        const diff = recordsDiffer([...a, ...b], read.records);
        if (diff) return fail(`Fetch v${v}: ${diff}`);
        if (read.highWatermark !== BigInt(a.length + b.length)) return fail(`Fetch v${v}: high watermark ${read.highWatermark}`);
      }
      return pass(`v${versions[0]}-v${versions[versions.length - 1]} each returned the ${a.length + b.length} records`);
    },
  },
  {
    id: 'listoffsets.every-version',
    group,
    title: 'Every advertised ListOffsets version gives the earliest and latest offsets',
    reference: 'ListOffsetsRequest.json: Timestamp -2 (earliest), -1 (latest); validVersions v1+',
    level: 'MUST',
    expected: 'after 3 records: earliest 0 and latest 3 at each version',
    topic: {},
    async run(ctx) {
      await write(ctx, simpleRecords(3, 'lo', now(ctx)));
      const versions = ctx.client.versions(ApiKey.ListOffsets);
      if (versions.length === 0) return skip('no ListOffsets v1+');
      for (const v of versions) {
        const early = await ctx.listOffset(ListOffsetsTimestamp.Earliest, { version: v });
        const late = await ctx.listOffset(ListOffsetsTimestamp.Latest, { version: v });
        if (early.errorCode !== 0 || late.errorCode !== 0) return fail(`v${v} answered ${errorName(early.errorCode)} / ${errorName(late.errorCode)}`);
        if (early.offset !== 0n || late.offset !== 3n) return fail(`v${v}: earliest ${early.offset}, latest ${late.offset}`);
      }
      return pass(`v${versions[0]}-v${versions[versions.length - 1]}: earliest 0, latest 3`);
    },
  },
  {
    id: 'listoffsets.by-timestamp',
    group,
    title: 'ListOffsets by timestamp finds the first record at or after it',
    reference: 'ListOffsetsRequest.json: Timestamp (ms); KIP-79',
    level: 'MUST',
    expected: 'records at t, t+1000, t+2000: a lookup for t+500 gives offset 1 and timestamp t+1000',
    topic: {},
    async run(ctx) {
      const t = now(ctx) - 10_000;
      const records = simpleRecords(3, 'ts', t).map((r, i) => ({ ...r, timestamp: t + i * 1000 }));
      await write(ctx, records);
      const found = await ctx.listOffset(BigInt(t + 500));
      if (found.errorCode !== 0) return fail(`answered ${errorName(found.errorCode)}`);
      if (found.offset !== 1n || found.timestamp !== BigInt(t + 1000)) return fail(`offset ${found.offset}, timestamp ${found.timestamp} (expected 1 at ${t + 1000})`);
      return pass(`offset 1, timestamp t+1000 (ListOffsets v${found.version})`);
    },
  },
  {
    id: 'listoffsets.max-timestamp',
    group,
    title: 'ListOffsets finds the record with the largest timestamp',
    reference: 'KIP-734 (ListOffsets Timestamp -3, v7+)',
    level: 'SHOULD',
    expected: 'records at t, t+5000, t+1000: MaxTimestamp gives offset 1 and timestamp t+5000',
    topic: {},
    async run(ctx) {
      if ((ctx.client.version(ApiKey.ListOffsets) ?? 0) < 7) return skip(`ListOffsets up to v${ctx.client.range(ApiKey.ListOffsets)?.max ?? '-'}: max timestamp needs v7`);
      const t = now(ctx) - 10_000;
      const stamps = [t, t + 5000, t + 1000];
      await write(ctx, simpleRecords(3, 'max', t).map((r, i) => ({ ...r, timestamp: stamps[i]! })));
      const found = await ctx.listOffset(ListOffsetsTimestamp.MaxTimestamp);
      if (found.errorCode !== 0) return fail(`answered ${errorName(found.errorCode)}`);
      if (found.offset !== 1n || found.timestamp !== BigInt(t + 5000)) return fail(`offset ${found.offset}, timestamp ${found.timestamp} (expected 1 at ${t + 5000})`);
      return pass(`offset 1 at t+5000 (ListOffsets v${found.version})`);
    },
  },
  {
    id: 'createtopics.already-exists',
    group,
    title: 'Creating a topic that exists is refused',
    reference: 'CreateTopicsResponse.json: ErrorCode; Errors.TOPIC_ALREADY_EXISTS',
    level: 'MUST',
    expected: 'TOPIC_ALREADY_EXISTS (36)',
    topic: {},
    async run(ctx) {
      const v = ctx.client.version(ApiKey.CreateTopics);
      if (v === null) return skip('the broker offers no CreateTopics');
      const answer = await ctx.client.send(ApiKey.CreateTopics, v, { topics: [{ name: ctx.topic, numPartitions: 1, replicationFactor: v >= 4 ? -1 : 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }, await adminOptions(ctx));
      const r = answer.topics[0];
      if (r === undefined) return fail('no topic in the answer');
      return r.errorCode === Err.TOPIC_ALREADY_EXISTS ? pass(`TOPIC_ALREADY_EXISTS (CreateTopics v${v})`) : fail(`answered ${errorName(r.errorCode)}`);
    },
  },
  {
    id: 'createtopics.validate-only',
    group,
    title: 'A validate-only creation creates nothing',
    reference: 'CreateTopicsRequest.json: ValidateOnly (v1+)',
    level: 'SHOULD',
    expected: 'NONE, and afterwards Metadata does not know the topic',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.CreateTopics);
      const mv = ctx.client.version(ApiKey.Metadata);
      if (v === null) return skip('the broker offers no CreateTopics');
      if (mv === null || mv < 4) return skip('Metadata v4+ needed to look without auto-creating');
      const name = ctx.uniqueName('validate-only');
      ctx.track(name);
      const answer = await ctx.client.send(ApiKey.CreateTopics, v, { topics: [{ name, numPartitions: 1, replicationFactor: v >= 4 ? -1 : 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: true }, await adminOptions(ctx));
      const r = answer.topics[0];
      if (r === undefined || r.errorCode !== 0) return fail(`answered ${r ? errorName(r.errorCode) : 'no topic'}`);
      await ctx.sleep(200);
      const t = (await ctx.client.metadata([name], { allowAutoTopicCreation: false })).topics.find((x) => x.name === name);
      return t && t.errorCode === 0 ? fail('the topic exists afterwards') : pass(`NONE; not created (CreateTopics v${v})`);
    },
  },
  {
    id: 'deletetopics.unknown',
    group,
    title: 'Deleting a topic that does not exist is refused',
    reference: 'DeleteTopicsResponse.json: ErrorCode; Errors.UNKNOWN_TOPIC_OR_PARTITION',
    level: 'MUST',
    expected: 'UNKNOWN_TOPIC_OR_PARTITION (3)',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.DeleteTopics);
      if (v === null) return skip('the broker offers no DeleteTopics');
      const name = ctx.uniqueName('never-created');
      const answer = await ctx.client.send(ApiKey.DeleteTopics, v, { ...(v >= 6 ? { topics: [{ name, topicId: zeroUuid() }] } : { topicNames: [name] }), timeoutMs: 10_000 }, await adminOptions(ctx));
      const r = answer.responses[0];
      if (r === undefined) return fail('no topic in the answer');
      return r.errorCode === Err.UNKNOWN_TOPIC_OR_PARTITION ? pass(`UNKNOWN_TOPIC_OR_PARTITION (DeleteTopics v${v})`) : fail(`answered ${errorName(r.errorCode)}`);
    },
  },
];
