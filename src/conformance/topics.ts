/**
 * A topic per check: created with CreateTopics (with the topic configs the check needs) and
 * waited for until every partition has a leader that answers for it, then deleted with
 * DeleteTopics. A broker without CreateTopics (librdkafka's mock) gets its topic auto-created by
 * a Metadata request instead, which only works for a check that needs no topic config: one that
 * does is skipped, saying so. A broker without DeleteTopics keeps its topics (noted).
 */
import { ApiKey } from '../protocol/api-keys.js';
import { errorForCode } from '../protocol/error-codes.js';
import { Err } from './kafka-errors.js';
import { zeroUuid } from '../protocol/messages/index.js';
import type { Clock } from '../network/index.js';
import type { ConformanceClient } from './client.js';
import { SkipCheck } from './check.js';
import { listOffset, type PartitionRef } from './reader.js';

export interface TopicSpec {
  /** Default 1. */
  readonly partitions?: number;
  /** Topic configs (Kafka's names: max.message.bytes, cleanup.policy, ...). */
  readonly configs?: Readonly<Record<string, string>>;
}

/** Errors that mean "not ready yet" while a new topic's partitions get their leaders. */
const NOT_READY: ReadonlySet<number> = new Set([
  Err.UNKNOWN_TOPIC_OR_PARTITION,
  Err.LEADER_NOT_AVAILABLE,
  Err.NOT_LEADER_OR_FOLLOWER,
  Err.REPLICA_NOT_AVAILABLE,
  Err.UNKNOWN_TOPIC_ID,
  Err.OFFSET_NOT_AVAILABLE,
  Err.NOT_COORDINATOR,
  Err.UNKNOWN_LEADER_EPOCH,
]);

const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((r) => clock.setTimer(r, ms));

/**
 * Where CreateTopics and DeleteTopics go: the controller Metadata names, as Java's AdminClient
 * sends them (a KRaft broker forwards them from any broker; ZooKeeper-era brokers and kfake
 * answer NOT_CONTROLLER elsewhere). Undefined: any broker (no controller known).
 */
export async function adminNode(client: ConformanceClient): Promise<number | undefined> {
  const md = await client.metadata([]);
  return md.controllerId >= 0 && md.brokers.some((b) => b.nodeId === md.controllerId) ? md.controllerId : undefined;
}

/**
 * Creates `name` and resolves once each partition has a leader that answers ListOffsets for it.
 * Throws SkipCheck when the broker cannot make such a topic, an Error when it refuses.
 */
export async function createTopic(client: ConformanceClient, clock: Clock, name: string, spec: TopicSpec, timeoutMs: number): Promise<PartitionRef[]> {
  const partitions = spec.partitions ?? 1;
  const configs = Object.entries(spec.configs ?? {});
  const version = client.version(ApiKey.CreateTopics);
  let expected = partitions;
  if (version === null) {
    if (configs.length > 0) throw new SkipCheck(`needs a topic with ${configs.map(([k, v]) => `${k}=${v}`).join(', ')}; the broker offers no CreateTopics`);
    const md = await client.metadata([name], { allowAutoTopicCreation: true });
    expected = 0; // as many as the broker's auto-creation makes
    const topic = md.topics.find((t) => t.name === name);
    const refusedAt4 = topic?.errorCode === Err.UNKNOWN_TOPIC_OR_PARTITION && (client.version(ApiKey.Metadata) ?? 0) >= 4; // asked to create, said no
    if (topic && topic.errorCode !== 0 && (refusedAt4 || !NOT_READY.has(topic.errorCode))) {
      throw new SkipCheck(`needs a topic of its own: the broker offers no CreateTopics, and auto-creating ${name} failed (${errorForCode(topic.errorCode).name})`);
    }
  } else {
    const node = await adminNode(client);
    const answer = await client.send(ApiKey.CreateTopics, version, {
      topics: [
        {
          name,
          numPartitions: partitions,
          replicationFactor: version >= 4 ? -1 : 1,
          assignments: [],
          configs: configs.map(([k, v]) => ({ name: k, value: v })),
        },
      ],
      timeoutMs: Math.min(timeoutMs, 15_000),
      validateOnly: false,
    }, node !== undefined ? { node } : {});
    const result = answer.topics.find((t) => t.name === name);
    if (result === undefined) throw new Error(`CreateTopics v${version} answered without topic ${name}`);
    if (result.errorCode !== 0 && result.errorCode !== Err.TOPIC_ALREADY_EXISTS) {
      const why = `${errorForCode(result.errorCode).name}${result.errorMessage ? `: ${result.errorMessage}` : ''}`;
      if (configs.length > 0 && (result.errorCode === Err.INVALID_CONFIG || result.errorCode === Err.POLICY_VIOLATION)) {
        throw new SkipCheck(`needs a topic with ${configs.map(([k, v]) => `${k}=${v}`).join(', ')}, which the broker refused (${why})`);
      }
      throw new Error(`setup: CreateTopics for ${name} answered ${why}`);
    }
  }

  const deadline = clock.now() + timeoutMs;
  let refs: PartitionRef[] = [];
  let last = 'no Metadata answer yet';
  for (;;) {
    if (clock.now() > deadline) throw new Error(`setup: topic ${name} got no leaders within ${timeoutMs} ms (${last})`);
    const md = await client.metadata([name]);
    const topic = md.topics.find((t) => t.name === name);
    if (topic !== undefined && topic.errorCode === 0 && topic.partitions.length >= Math.max(1, expected) && topic.partitions.every((p) => p.leaderId >= 0 && p.errorCode === 0)) {
      refs = [...topic.partitions]
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => ({ topic: name, ...(topic.topicId ? { topicId: topic.topicId } : {}), partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch }));
      break;
    }
    last = topic === undefined ? 'not in the answer' : topic.errorCode !== 0 ? errorForCode(topic.errorCode).name : 'partitions without a leader';
    await sleep(clock, 50);
  }
  // The leader named by metadata may not have the partition yet: wait until it answers for it.
  for (const ref of refs) {
    for (;;) {
      const answer = await listOffset(client, ref, -1n);
      if (answer.errorCode === 0) break;
      if (!NOT_READY.has(answer.errorCode)) throw new Error(`setup: ListOffsets on the new topic ${name} answered ${errorForCode(answer.errorCode).name}`);
      if (clock.now() > deadline) throw new Error(`setup: the leader of ${name}-${ref.partition} did not take it within ${timeoutMs} ms`);
      await sleep(clock, 50);
    }
  }
  return refs;
}

/** Deletes topics the run created; resolves with what could not be deleted (a note), or null. */
export async function deleteTopics(client: ConformanceClient, names: readonly string[]): Promise<string | null> {
  if (names.length === 0) return null;
  const version = client.version(ApiKey.DeleteTopics);
  if (version === null) return `left ${names.join(', ')} behind: the broker offers no DeleteTopics`;
  const node = await adminNode(client);
  const answer = await client.send(
    ApiKey.DeleteTopics,
    version,
    { ...(version >= 6 ? { topics: names.map((name) => ({ name, topicId: zeroUuid() })) } : { topicNames: [...names] }), timeoutMs: 10_000 },
    node !== undefined ? { node } : {},
  );
  const failed = answer.responses.filter((r) => r.errorCode !== 0 && r.errorCode !== Err.UNKNOWN_TOPIC_OR_PARTITION);
  return failed.length === 0 ? null : `could not delete ${failed.map((r) => `${r.name}: ${errorForCode(r.errorCode).name}`).join(', ')}`;
}
