/**
 * Metadata checks: every advertised version decodes strictly, topic ids (KIP-516), leader
 * epochs (KIP-320), an unknown topic, what auto-creation does (reported, not judged), brokers
 * and leaders that agree with each other, the cluster id, the all-topics form.
 */
import { ApiKey } from '../../protocol/api-keys.js';
import { isZeroUuid, uuidToString } from '../../protocol/messages/index.js';
import { errorName, fail, info, pass, skip, type Check } from '../check.js';
import { Err } from '../kafka-errors.js';

const group = 'Metadata' as const;

export const METADATA_CHECKS: readonly Check[] = [
  {
    id: 'metadata.every-version',
    group,
    title: 'Every advertised Metadata version decodes and describes the topic',
    reference: 'MetadataRequest.json / MetadataResponse.json: validVersions, flexibleVersions 9+',
    level: 'MUST',
    expected: 'at each version both sides speak: the answer decodes strictly, the topic with all its partitions (2 where the check creates it), each with a leader, and at least one broker',
    topic: { partitions: 2 },
    async run(ctx) {
      const versions = ctx.client.versions(ApiKey.Metadata);
      for (const v of versions) {
        const md = await ctx.client.metadata([ctx.topic], { version: v, strict: true });
        const t = md.topics.find((x) => x.name === ctx.topic);
        if (md.brokers.length === 0) return fail(`v${v}: no brokers`);
        if (t === undefined) return fail(`v${v}: the topic is not in the answer`);
        if (t.errorCode !== 0) return fail(`v${v}: the topic answered ${errorName(t.errorCode)}`);
        if (t.partitions.length !== ctx.partitionCount || t.partitions.some((p) => p.leaderId < 0)) {
          return fail(`v${v}: ${t.partitions.length} partitions (the topic has ${ctx.partitionCount}), leaders ${t.partitions.map((p) => p.leaderId).join(',')}`);
        }
      }
      return pass(`v${versions[0]}-v${versions[versions.length - 1]} decoded strictly, topic and leaders present`);
    },
  },
  {
    id: 'metadata.topic-id',
    group,
    title: 'Topics have a stable, non-zero topic id',
    reference: 'KIP-516 (MetadataResponse.json: TopicId, v10+)',
    level: 'MUST',
    expected: 'v10+: a non-zero TopicId, the same in every answer',
    topic: {},
    async run(ctx) {
      const v = ctx.client.version(ApiKey.Metadata);
      if (v === null || v < 10) return skip(`the broker speaks Metadata up to v${ctx.client.range(ApiKey.Metadata)?.max} (topic ids need v10)`);
      const a = (await ctx.client.metadata([ctx.topic])).topics.find((t) => t.name === ctx.topic);
      const b = (await ctx.client.metadata([ctx.topic])).topics.find((t) => t.name === ctx.topic);
      if (!a || !b) return fail('the topic is missing from an answer');
      if (isZeroUuid(a.topicId)) return fail(`v${v}: the zero topic id`);
      if (uuidToString(a.topicId) !== uuidToString(b.topicId)) return fail(`two answers give two ids: ${uuidToString(a.topicId)}, ${uuidToString(b.topicId)}`);
      return pass(`topic id ${uuidToString(a.topicId)} (Metadata v${v})`);
    },
  },
  {
    id: 'metadata.lookup-by-id',
    group,
    title: 'A topic can be looked up by its id',
    reference: 'KIP-516 (MetadataRequest.json: TopicId, Name nullable, v12+)',
    level: 'SHOULD',
    expected: 'v12+: a request naming only the topic id answers with the topic and its name',
    topic: {},
    async run(ctx) {
      const v = ctx.client.version(ApiKey.Metadata);
      const id = ctx.partition().topicId;
      if (v === null || v < 12 || id === undefined || isZeroUuid(id)) return skip('needs Metadata v12+ and a topic id');
      const md = await ctx.client.send(ApiKey.Metadata, v, { topics: [{ topicId: id, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      const t = md.topics[0];
      if (t === undefined) return fail('no topic in the answer');
      if (t.errorCode !== 0) return fail(`answered ${errorName(t.errorCode)}`);
      if (t.name !== ctx.topic) return fail(`answered name ${JSON.stringify(t.name)}`);
      return pass(`v${v}: found by id, named ${t.name}`);
    },
  },
  {
    id: 'metadata.leader-epoch',
    group,
    title: 'Partitions carry their leader epoch',
    reference: 'KIP-320 (MetadataResponse.json: LeaderEpoch, v7+)',
    level: 'MUST',
    expected: 'v7+: LeaderEpoch >= 0 for every partition with a leader',
    topic: { partitions: 3 },
    async run(ctx) {
      const v = ctx.client.version(ApiKey.Metadata);
      if (v === null || v < 7) return skip(`the broker speaks Metadata up to v${ctx.client.range(ApiKey.Metadata)?.max} (leader epochs need v7)`);
      const t = (await ctx.client.metadata([ctx.topic])).topics.find((x) => x.name === ctx.topic)!;
      const bad = t.partitions.filter((p) => p.leaderEpoch < 0);
      if (bad.length) return fail(`partitions ${bad.map((p) => p.partitionIndex).join(',')} have leader epoch -1`);
      return pass(`leader epochs ${t.partitions.map((p) => p.leaderEpoch).join(',')} (Metadata v${v})`);
    },
  },
  {
    id: 'metadata.unknown-topic',
    group,
    title: 'An unknown topic is reported, and not created when creation is not allowed',
    reference: 'MetadataRequest.json: AllowAutoTopicCreation (v4+); MetadataResponse ErrorCode',
    level: 'MUST',
    expected: 'UNKNOWN_TOPIC_OR_PARTITION (3) with AllowAutoTopicCreation=false, and the topic still does not exist',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.Metadata);
      if (v === null || v < 4) return skip(`Metadata up to v${ctx.client.range(ApiKey.Metadata)?.max}: before v4 a request cannot forbid auto-creation`);
      const name = ctx.uniqueName('unknown');
      ctx.track(name);
      const first = (await ctx.client.metadata([name], { allowAutoTopicCreation: false })).topics.find((t) => t.name === name);
      if (first === undefined) return fail('the topic is not in the answer at all');
      if (first.errorCode !== Err.UNKNOWN_TOPIC_OR_PARTITION) return fail(`answered ${errorName(first.errorCode)}`);
      const again = (await ctx.client.metadata([name], { allowAutoTopicCreation: false })).topics.find((t) => t.name === name);
      if (again && again.errorCode === 0) return fail('UNKNOWN_TOPIC_OR_PARTITION, but the topic exists afterwards');
      return pass(`UNKNOWN_TOPIC_OR_PARTITION (Metadata v${v}); not created`);
    },
  },
  {
    id: 'metadata.auto-create',
    group,
    title: 'What a Metadata request allowing auto-creation does to an unknown topic',
    reference: 'MetadataRequest.json: AllowAutoTopicCreation; broker auto.create.topics.enable',
    level: 'INFO',
    expected: 'either created (LEADER_NOT_AVAILABLE or NONE, then the topic exists) or UNKNOWN_TOPIC_OR_PARTITION when the broker disables it: reported, not judged',
    async run(ctx) {
      const name = ctx.uniqueName('auto');
      ctx.track(name);
      const t = (await ctx.client.metadata([name], { allowAutoTopicCreation: true })).topics.find((x) => x.name === name);
      if (t === undefined) return info('the topic is not in the answer');
      let created = t.errorCode === 0;
      for (let i = 0; i < 20 && !created && t.errorCode !== Err.UNKNOWN_TOPIC_OR_PARTITION; i++) {
        await ctx.sleep(100);
        const again = (await ctx.client.metadata([name], { allowAutoTopicCreation: false, version: Math.min(ctx.client.version(ApiKey.Metadata) ?? 0, 12) })).topics.find((x) => x.name === name);
        created = again?.errorCode === 0;
      }
      return info(`first answer ${errorName(t.errorCode)}; ${created ? `created, ${t.partitions.length || 'its'} partition(s)` : 'not created'}`);
    },
  },
  {
    id: 'metadata.brokers-and-leaders',
    group,
    title: 'Leaders, replicas and the controller are brokers of the answer',
    reference: 'MetadataResponse.json: Brokers, ControllerId (v1+), LeaderId, ReplicaNodes, IsrNodes',
    level: 'MUST',
    expected: 'unique node ids with a host and a port; every leader is a listed broker, a replica and in the ISR; the controller id is a listed broker or -1',
    topic: { partitions: 3 },
    async run(ctx) {
      const md = await ctx.client.metadata([ctx.topic]);
      const ids = new Set(md.brokers.map((b) => b.nodeId));
      const problems: string[] = [];
      if (ids.size !== md.brokers.length) problems.push('a node id is listed twice');
      for (const b of md.brokers) if (b.host === '' || b.port <= 0 || b.port > 65535) problems.push(`broker ${b.nodeId} at ${b.host}:${b.port}`);
      const t = md.topics.find((x) => x.name === ctx.topic)!;
      for (const p of t.partitions) {
        if (!ids.has(p.leaderId)) problems.push(`partition ${p.partitionIndex}: leader ${p.leaderId} is not a listed broker`);
        if (!p.replicaNodes.includes(p.leaderId)) problems.push(`partition ${p.partitionIndex}: leader not among replicas ${p.replicaNodes.join(',')}`);
        if (!p.isrNodes.includes(p.leaderId)) problems.push(`partition ${p.partitionIndex}: leader not in ISR ${p.isrNodes.join(',')}`);
      }
      const v = ctx.client.version(ApiKey.Metadata) ?? 0;
      if (v >= 1 && md.controllerId !== -1 && !ids.has(md.controllerId)) problems.push(`controller ${md.controllerId} is not a listed broker`);
      return problems.length ? fail(problems.join('; ')) : pass(`${md.brokers.length} broker(s) [${[...ids].join(',')}], leaders ${t.partitions.map((p) => p.leaderId).join(',')}, controller ${md.controllerId}`);
    },
  },
  {
    id: 'metadata.cluster-id',
    group,
    title: 'The cluster id is reported',
    reference: 'KIP-78 (MetadataResponse.json: ClusterId, v2+)',
    level: 'SHOULD',
    expected: 'v2+: a non-empty ClusterId',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.Metadata);
      if (v === null || v < 2) return skip('Metadata v2+ needed');
      const md = await ctx.client.metadata([]);
      return md.clusterId ? pass(`cluster id ${md.clusterId}`) : fail(`ClusterId ${JSON.stringify(md.clusterId)}`);
    },
  },
  {
    id: 'metadata.all-topics',
    group,
    title: 'A request for all topics lists the topic',
    reference: 'MetadataRequest.json: Topics null = all topics (v1+; an empty array at v0)',
    level: 'MUST',
    expected: 'the check topic among the topics of an all-topics answer',
    topic: {},
    async run(ctx) {
      const md = await ctx.client.metadata(null);
      const t = md.topics.find((x) => x.name === ctx.topic);
      return t ? pass(`listed among ${md.topics.length} topic(s)`) : fail(`not among the ${md.topics.length} topics listed`);
    },
  },
];
