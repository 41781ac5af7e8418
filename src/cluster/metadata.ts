/**
 * The producer's view of the cluster (Java's ProducerMetadata + Cluster): brokers, and for each
 * topic the producer uses, its partitions, leaders, leader epochs and topic id.
 *
 * Owns: the current snapshot, which topics are of interest (and when each was last used, for
 * metadata.max.idle.ms), whether a refresh is wanted, and the sends waiting for a topic to
 * appear (up to max.block.ms). Does not own: the requests (the Sender sends Metadata requests
 * and feeds the responses to `update`), the connections (the ConnectionPool, which the Sender
 * tells about brokers with `updateNodes` after each answer).
 *
 * It implements the accumulator's ClusterView, so the accumulator reads leaders from here.
 */
import type { ClusterView, TopicPartition, TopicPartitionsView } from '../accumulator/cluster-view.js';
import { ExponentialBackoff } from '../common/backoff.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import { KafkaWireError } from '../errors.js';
import { ErrorCode } from '../protocol/error-codes.js';

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  /** -1 when the partition has no leader right now. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly errorCode: number;
}

interface TopicState {
  readonly name: string;
  readonly topicId: Uint8Array | null;
  readonly partitions: readonly PartitionInfo[];
  readonly view: TopicPartitionsView;
}

/** Topic-level outcome of a metadata response, as the Sender decoded it. */
export interface TopicMetadata {
  readonly name: string;
  readonly errorCode: number;
  readonly topicId: Uint8Array | null;
  readonly partitions: readonly PartitionInfo[];
}

/** Topic errors that will not go away by waiting: the waiting sends fail at once. */
const FATAL_TOPIC_ERRORS: ReadonlyMap<number, string> = new Map([
  [ErrorCode.INVALID_TOPIC_EXCEPTION, 'INVALID_TOPIC_EXCEPTION'],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'TOPIC_AUTHORIZATION_FAILED'],
]);

interface Waiter {
  readonly topic: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  timer: TimerHandle | null;
}

export class Metadata implements ClusterView {
  private brokers = new Map<number, BrokerInfo>();
  private topics = new Map<string, TopicState>();
  private byNode = new Map<number, TopicPartition[]>();
  private readonly interest = new Map<string, number>(); // topic -> last used (ms)
  private lastTouchedTopic: string | null = null;
  private lastTouchedMs = 0;
  private readonly waiters = new Set<Waiter>();
  private needsUpdate = true;
  private lastRefreshMs = 0;
  private lastSuccessfulRefreshMs = 0;
  /** Failed refreshes since the last answer (Java's Metadata.attempts): exponential backoff. */
  private failedAttempts = 0;
  /**
   * Answers in a row that changed nothing we knew (Java's equivalentResponseCount): a refresh
   * asked for because something looks stale (a deleted topic, a leader that is not there yet)
   * backs off exponentially instead of every retry.backoff.ms. Reset by news, by a periodic
   * refresh and by a new topic.
   */
  private equivalentResponses = 0;
  private lastFingerprint = '';
  /** When the producer started or last re-bootstrapped (for msSinceLastAnswer). */
  private answerClockStartMs: number;
  private readonly refreshBackoff: ExponentialBackoff;
  private clusterId: string | null = null;
  /** Set by close(): awaitTopic refuses with it. */
  private closedWith: Error | null = null;
  /**
   * A failure every connection attempt meets (authentication): sends that start waiting for a
   * topic before `until` fail with it at once, instead of each waiting for the next attempt to
   * fail (a burst of sends would otherwise fail one reconnect backoff at a time).
   */
  private failingWith: { error: Error; until: number } | null = null;
  /** Called when a refresh becomes urgent (new topic, stale leader): the Sender wakes up. */
  onUpdateRequested: () => void = () => {};

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly maxIdleMs: number,
    refreshBackoffMs: number,
    refreshBackoffMaxMs: number = refreshBackoffMs,
    random: () => number = Math.random,
  ) {
    this.answerClockStartMs = clock.now();
    // Java: ExponentialBackoff(retry.backoff.ms, 2, retry.backoff.max.ms, 0.2) (KIP-580).
    this.refreshBackoff = new ExponentialBackoff(refreshBackoffMs, 2, refreshBackoffMaxMs, 0.2, random);
  }

  // --- ClusterView (read by the accumulator) -------------------------------------------------

  topic(topic: string): TopicPartitionsView | undefined {
    return this.topics.get(topic)?.view;
  }

  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  leaderEpochFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderEpoch ?? -1;
  }

  partitionsForNode(nodeId: number): readonly TopicPartition[] {
    return this.byNode.get(nodeId) ?? [];
  }

  // --- queries ----------------------------------------------------------------------------

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokers.get(nodeId);
  }

  allBrokers(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  partitions(topic: string): readonly PartitionInfo[] | undefined {
    return this.topics.get(topic)?.partitions;
  }

  topicId(topic: string): Uint8Array | null {
    return this.topics.get(topic)?.topicId ?? null;
  }

  get cluster(): string | null {
    return this.clusterId;
  }

  /** Topics a Metadata request should ask for. */
  topicsOfInterest(): string[] {
    return [...this.interest.keys()];
  }

  /** Seconds since the last successful refresh (metric metadata-age). */
  ageSeconds(): number {
    return this.lastSuccessfulRefreshMs === 0 ? NaN : (this.clock.now() - this.lastSuccessfulRefreshMs) / 1000;
  }

  // --- refresh scheduling --------------------------------------------------------------------

  /**
   * Asks for a refresh as soon as the backoff allows (stale leader, topic still missing, ...).
   * Answers that bring nothing new make the backoff grow (see equivalentResponses).
   */
  requestUpdate(): void {
    if (!this.needsUpdate) {
      this.needsUpdate = true;
      this.onUpdateRequested();
    }
  }

  /** A topic we knew nothing of is wanted: refresh at once (Java's requestUpdateForNewTopics). */
  private requestUpdateForNewTopic(): void {
    this.lastRefreshMs = 0;
    this.equivalentResponses = 0;
    this.needsUpdate = true;
    this.onUpdateRequested(); // even if a refresh was already wanted: it is due now
  }

  /** Milliseconds until a Metadata request is due (0 = now). Java's Metadata.timeToNextUpdate. */
  timeToNextUpdate(now: number): number {
    const sinceLast = now - this.lastRefreshMs;
    const forAttempts = Math.max(this.refreshBackoff.backoff(this.failedAttempts > 0 ? this.failedAttempts - 1 : 0) - sinceLast, 0);
    const expiresIn = Math.max(this.lastSuccessfulRefreshMs + this.maxAgeMs - now, 0);
    if (expiresIn === 0) this.equivalentResponses = 0; // a periodic refresh is not backed off
    const forEquivalent = this.equivalentResponses > 0 ? Math.max(this.refreshBackoff.backoff(this.equivalentResponses - 1) - sinceLast, 0) : 0;
    const allowedIn = Math.max(forAttempts, forEquivalent);
    return Math.max(this.needsUpdate ? 0 : expiresIn, allowedIn);
  }

  /** The Sender sent a Metadata request; further requests wait for the backoff. */
  markRefreshAttempt(now: number): void {
    this.lastRefreshMs = now;
    this.needsUpdate = false;
  }

  /**
   * Milliseconds since the last metadata answer (or since the producer started / last
   * re-bootstrapped), counted only while a refresh is wanted: the re-bootstrap trigger (KIP-1102).
   */
  msSinceLastAnswer(now: number): number {
    if (!this.needsUpdate) return 0;
    return now - Math.max(this.lastSuccessfulRefreshMs, this.answerClockStartMs);
  }

  /** The Sender went back to bootstrap.servers: ask at once, and restart the trigger's clock. */
  rebootstrapped(now: number): void {
    this.answerClockStartMs = now;
    this.failedAttempts = 0;
    this.lastRefreshMs = 0;
    this.needsUpdate = true;
    this.onUpdateRequested();
  }

  /** A refresh failed (network, error): try again after the (growing) backoff. */
  refreshFailed(now: number): void {
    this.lastRefreshMs = now;
    this.failedAttempts++;
    this.needsUpdate = true;
  }

  /** Marks `topic` as used now; a topic not known yet triggers a refresh. */
  touch(topic: string, now: number): void {
    // Called per record: a repeat of the last topic within a second needs no map update
    // (metadata.max.idle.ms is at least 5 s, so last-use times a second old are precise enough).
    if (topic === this.lastTouchedTopic && now - this.lastTouchedMs < 1000) return;
    const known = this.interest.has(topic);
    this.interest.set(topic, now);
    this.lastTouchedTopic = topic;
    this.lastTouchedMs = now;
    if (!known && !this.topics.has(topic)) this.requestUpdateForNewTopic();
  }

  /**
   * Resolves once `topic` has partitions in the metadata; rejects with TIMEOUT after `maxBlockMs`
   * (Java: "Topic X not present in metadata after N ms.") or at once on a fatal topic error.
   */
  awaitTopic(topic: string, maxBlockMs: number): Promise<void> {
    if (this.closedWith !== null) return Promise.reject(this.closedWith);
    const now = this.clock.now();
    this.touch(topic, now);
    if (this.topics.has(topic)) return Promise.resolve();
    if (this.failingWith !== null) {
      if (now < this.failingWith.until) return Promise.reject(this.failingWith.error);
      this.failingWith = null;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { topic, resolve, reject, timer: null };
      waiter.timer = this.clock.setTimer(() => {
        this.waiters.delete(waiter);
        reject(new KafkaWireError('TIMEOUT', `Topic ${topic} not present in metadata after ${maxBlockMs} ms.`, { retriable: true }));
      }, maxBlockMs);
      this.waiters.add(waiter);
      this.requestUpdate();
    });
  }

  /** The producer is shut down: waiting sends fail with `error`, and so does every later wait. */
  close(error: Error): void {
    this.closedWith ??= error;
    this.failWaiters(error);
  }

  /**
   * Fails every waiting send, and (`holdMs`) the sends that start waiting within the next
   * `holdMs`: no broker could be reached with the producer's credentials, and the next attempt
   * is at least that far away. A successful connection ends the hold early (clearFailure).
   */
  failWaitersFor(error: Error, holdMs: number): void {
    this.failingWith = { error, until: this.clock.now() + holdMs };
    this.failWaiters(error);
  }

  /** A broker connection works again: sends wait for metadata as usual. */
  clearFailure(): void {
    this.failingWith = null;
  }

  /** Fails every waiting send (producer shutting down, or a fatal producer error). */
  failWaiters(error: Error): void {
    for (const w of this.waiters) {
      w.timer?.cancel();
      w.reject(error);
    }
    this.waiters.clear();
  }

  // --- updates ------------------------------------------------------------------------------

  /**
   * Applies a Metadata response. Topics absent from the response keep their previous state
   * (a response for a subset of topics must not forget the others). A topic answered
   * UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID is forgotten (deleted: new sends wait for it
   * up to max.block.ms, as in Java, instead of being queued for partitions that are gone). A
   * partition whose leader is not among the response's brokers has no usable leader (Java's
   * Cluster leaves its leader null). A partition index outside 0..count-1 makes the topic's
   * answer malformed: it is ignored (never an array sized by a broker-sent index).
   */
  update(brokers: readonly BrokerInfo[], topics: readonly TopicMetadata[], clusterId: string | null, now: number): void {
    this.brokers = new Map(brokers.map((b) => [b.nodeId, b]));
    this.clusterId = clusterId;
    const fingerprint: string[] = [brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort().join(',')];
    for (const t of topics) {
      fingerprint.push(`${t.name}:${t.errorCode}`);
      const fatal = FATAL_TOPIC_ERRORS.get(t.errorCode);
      if (fatal) {
        this.topics.delete(t.name);
        this.rejectWaiters(t.name, new KafkaWireError(fatal, `Topic ${t.name}: ${fatal}`, { retriable: false }));
        continue;
      }
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.errorCode === ErrorCode.UNKNOWN_TOPIC_ID) {
        this.topics.delete(t.name);
        this.needsUpdate = this.needsUpdate || this.hasWaiter(t.name);
        continue;
      }
      if (t.errorCode !== 0 || t.partitions.length === 0) {
        // LEADER_NOT_AVAILABLE (being created) and the like: keep what we know, ask again.
        this.needsUpdate = true;
        continue;
      }
      const count = t.partitions.length;
      if (t.partitions.some((p) => !Number.isInteger(p.partition) || p.partition < 0 || p.partition >= count)) {
        this.onMalformed(`topic ${t.name}: partition index outside 0..${count - 1} in a metadata answer; ignored`);
        this.needsUpdate = true;
        continue;
      }
      // Partition ids are dense 0..n-1 in Kafka; index by id.
      const dense = new Array<PartitionInfo | undefined>(count);
      // Java's Metadata.updateLatestMetadata: a partition answered with an older leader epoch
      // than one we already know (a lagging broker's view, or a KIP-951 hint newer than the
      // metadata) keeps what we know. Only within the same topic (a recreated topic restarts).
      const prev = this.topics.get(t.name);
      const sameTopic = prev !== undefined && sameId(prev.topicId, t.topicId);
      for (const answered of t.partitions) {
        // A leader the response does not list cannot be connected to: no leader for now.
        const p = answered.leader >= 0 && !this.brokers.has(answered.leader) ? { ...answered, leader: -1 } : answered;
        const known = sameTopic ? prev.partitions[p.partition] : undefined;
        dense[p.partition] = known !== undefined && p.leaderEpoch >= 0 && known.leaderEpoch > p.leaderEpoch && this.brokers.has(known.leader) ? known : p;
      }
      const full: PartitionInfo[] = [];
      for (let i = 0; i < count; i++) full.push(dense[i] ?? { partition: i, leader: -1, leaderEpoch: -1, replicas: [], isr: [], errorCode: 5 });
      const available = full.filter((p) => p.leader >= 0).map((p) => p.partition);
      if (available.length < full.length) this.needsUpdate = true;
      for (const p of full) fingerprint.push(`${p.leader}/${p.leaderEpoch}`);
      this.topics.set(t.name, {
        name: t.name,
        topicId: t.topicId,
        partitions: full,
        view: { partitionCount: full.length, availablePartitions: available },
      });
      this.resolveWaiters(t.name);
    }
    const f = fingerprint.join(';');
    this.equivalentResponses = f === this.lastFingerprint ? this.equivalentResponses + 1 : 0;
    this.lastFingerprint = f;
    this.failedAttempts = 0;
    this.expireIdleTopics(now);
    this.rebuildNodeIndex();
    this.lastSuccessfulRefreshMs = now;
    this.lastRefreshMs = now;
  }

  /** Told about answers that are ignored as malformed (the Sender logs them). */
  onMalformed: (what: string) => void = () => {};

  private hasWaiter(topic: string): boolean {
    for (const w of this.waiters) if (w.topic === topic) return true;
    return false;
  }

  /**
   * KIP-951: a Produce response named the partition's new leader. Applies it if its epoch is
   * newer than what we know, so the retry goes to the right broker without waiting for metadata.
   */
  updateLeader(topic: string, partition: number, leader: number, leaderEpoch: number, broker?: BrokerInfo): boolean {
    const state = this.topics.get(topic);
    const current = state?.partitions[partition];
    if (!state || !current || leaderEpoch <= current.leaderEpoch) return false;
    if (broker) this.brokers.set(broker.nodeId, broker);
    if (!this.brokers.has(leader)) return false;
    const partitions = state.partitions.slice();
    partitions[partition] = { ...current, leader, leaderEpoch };
    const available = partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
    this.topics.set(topic, { ...state, partitions, view: { partitionCount: partitions.length, availablePartitions: available } });
    this.rebuildNodeIndex();
    return true;
  }

  private expireIdleTopics(now: number): void {
    for (const [topic, lastUsed] of this.interest) {
      if (now - lastUsed > this.maxIdleMs && ![...this.waiters].some((w) => w.topic === topic)) {
        this.interest.delete(topic);
        if (topic === this.lastTouchedTopic) this.lastTouchedTopic = null;
        this.topics.delete(topic);
      }
    }
  }

  private rebuildNodeIndex(): void {
    const byNode = new Map<number, TopicPartition[]>();
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        if (p.leader < 0) continue;
        let list = byNode.get(p.leader);
        if (!list) byNode.set(p.leader, (list = []));
        list.push(this.topicPartition(t.name, p.partition));
      }
    }
    this.byNode = byNode;
  }

  /** TopicPartition objects are interned so the accumulator can use them as map keys. */
  private readonly tpCache = new Map<string, TopicPartition[]>();
  topicPartition(topic: string, partition: number): TopicPartition {
    let list = this.tpCache.get(topic);
    if (!list) this.tpCache.set(topic, (list = []));
    return (list[partition] ??= { topic, partition });
  }

  private resolveWaiters(topic: string): void {
    for (const w of this.waiters) {
      if (w.topic !== topic) continue;
      w.timer?.cancel();
      this.waiters.delete(w);
      w.resolve();
    }
  }

  private rejectWaiters(topic: string, error: Error): void {
    for (const w of this.waiters) {
      if (w.topic !== topic) continue;
      w.timer?.cancel();
      this.waiters.delete(w);
      w.reject(error);
    }
  }
}

function sameId(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
