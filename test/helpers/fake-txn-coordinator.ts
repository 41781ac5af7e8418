/**
 * The fake cluster's transaction and group coordinators (test/helpers/fake-broker.ts delegates
 * FindCoordinator, InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn and the transactional checks of Produce here).
 *
 * Kafka's rules, kept small (TransactionCoordinator / TransactionMetadata / GroupCoordinator):
 * - Each transactional id has a producer id and epoch and a state: Empty, Ongoing (partitions and
 *   consumer groups added), CompleteCommit / CompleteAbort. Markers are written at once (no
 *   PrepareCommit phase visible to clients), so a retried EndTxn finds the transaction complete.
 * - InitProducerId(transactional id): a new id gets a producer id at epoch 0; an existing one is
 *   fenced: epoch + 1, and a transaction it left open is aborted first (answered
 *   CONCURRENT_TRANSACTIONS once, as Kafka does while it writes the abort markers). With the
 *   producer id and epoch given (KIP-360): the same epoch is bumped; the previous epoch is the
 *   retry of a bump already made; anything else is PRODUCER_FENCED. Epoch 32767 moves to a new
 *   producer id.
 * - Every coordinator request checks the producer id (INVALID_PRODUCER_ID_MAPPING) and epoch
 *   (older: PRODUCER_FENCED) and that the receiving broker is the coordinator (NOT_COORDINATOR).
 * - Transactions v1: a partition must be added with AddPartitionsToTxn before a transactional
 *   Produce to it (Kafka 3.6+ verifies: else INVALID_TXN_STATE); the group of TxnOffsetCommit
 *   with AddOffsetsToTxn. v2 (transactionVersion 2, finalized feature transaction.version=2):
 *   Produce v12+ and TxnOffsetCommit v5+ add them implicitly; EndTxn v5 bumps the epoch and
 *   returns it (a new producer id at 32767); the markers carry the bumped epoch, which fences
 *   the old one at the partitions too. Mixing the generations inside one transaction (v1's
 *   AddPartitionsToTxn then Produce v12, or EndTxn v5) is recorded as a violation.
 * - transaction.timeout.ms: an Ongoing transaction older than its timeout is aborted by the
 *   coordinator (on the cluster clock), which bumps the epoch: the producer's next request with
 *   the old epoch is fenced (INVALID_PRODUCER_EPOCH at a partition, PRODUCER_FENCED at the
 *   coordinator), except, with transactions v2 (EndTxn v5), the abort of that epoch, which Kafka
 *   4.4 accepts so the producer can go on (measured: Kafka 3.9.1 answers it PRODUCER_FENCED).
 * - Group offsets sent in a transaction become the group's committed offsets on commit and are
 *   dropped on abort. A group registered with registerGroup checks generation and member
 *   (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID).
 *
 * Record visibility (what a read_committed consumer sees) is computed from the partition logs by
 * the FakeCluster (readCommitted), from the markers written here.
 */
import type { Clock, TimerHandle } from '../../src/common/clock.js';
import { errorForName } from '../../src/protocol/error-codes.js';

const code = (name: string): number => errorForName(name)!.code;

const MAX_EPOCH = 32767;
/** Kafka's transaction.max.timeout.ms default. */
const MAX_TRANSACTION_TIMEOUT_MS = 900_000;

export type TxnStateName = 'Empty' | 'Ongoing' | 'CompleteCommit' | 'CompleteAbort';

export interface FakeTransaction {
  readonly transactionalId: string;
  producerId: bigint;
  epoch: number;
  state: TxnStateName;
  timeoutMs: number;
  /** Partitions in the transaction ("topic-partition" -> [topic, partition]). */
  readonly partitions: Map<string, [string, number]>;
  /** Consumer groups added (v1: AddOffsetsToTxn; v2: the first TxnOffsetCommit). */
  readonly groups: Set<string>;
  /** Offsets sent with TxnOffsetCommit, per group, applied at commit. */
  readonly pendingOffsets: Map<string, Map<string, bigint>>;
  /** The generation the transaction runs under, once something tells (AddPartitionsToTxn: 1). */
  generation: 1 | 2 | null;
  /** How the last transaction ended and the epoch it was ended with (for EndTxn retries). */
  lastEnd: { committed: boolean; epoch: number; producerId: bigint; answeredEpoch: number; answeredProducerId: bigint; byTimeout?: boolean } | null;
  /** The epoch the last InitProducerId bump came from (for its retry). */
  lastBumpFrom: number;
  timer: TimerHandle | null;
  /** Transactions aborted by the coordinator because transaction.timeout.ms passed. */
  timedOut: number;
  committed: number;
  aborted: number;
}

export interface TxnClusterHost {
  readonly clock: Clock;
  readonly brokers: ReadonlyMap<number, { readonly nodeId: number; readonly host: string; readonly port: number; readonly down: boolean }>;
  readonly violations: string[];
  /** Writes a COMMIT or ABORT control batch for `producerId` at the end of the partition's log. */
  appendControlMarker(topic: string, partition: number, producerId: bigint, producerEpoch: number, commit: boolean): void;
  /** A new producer id (shared with idempotent InitProducerId). */
  allocateProducerId(): bigint;
}

export interface FakeGroup {
  generationId: number;
  members: Set<string>;
}

type Body = Record<string, unknown>;

export class FakeTxnCoordinator {
  /** The cluster's finalized transaction.version (2: KIP-890 transactions v2). */
  transactionVersion: 1 | 2 = 1;
  readonly transactions = new Map<string, FakeTransaction>();
  /** Committed offsets per group ("topic-partition" -> offset). */
  readonly committedOffsets = new Map<string, Map<string, bigint>>();
  readonly groups = new Map<string, FakeGroup>();
  /** Coordinator node per key (transactional id or group id); default: the lowest live broker. */
  private readonly coordinatorOf = new Map<string, number>();
  /** Every EndTxn that changed a transaction: (transactional id, committed), in order. */
  readonly endings: { transactionalId: string; committed: boolean; producerId: bigint; epoch: number; byTimeout: boolean }[] = [];

  constructor(private readonly host: TxnClusterHost) {}

  // --- test controls ----------------------------------------------------------------------------

  /** Moves the coordinator of a transactional id or group to `nodeId` (others answer NOT_COORDINATOR). */
  setCoordinator(key: string, nodeId: number): void {
    this.coordinatorOf.set(key, nodeId);
  }

  coordinatorFor(key: string): number {
    const set = this.coordinatorOf.get(key);
    if (set !== undefined) return set;
    const live = [...this.host.brokers.values()].filter((b) => !b.down).map((b) => b.nodeId);
    return live.length > 0 ? Math.min(...live) : -1;
  }

  registerGroup(groupId: string, generationId: number, members: string[]): void {
    this.groups.set(groupId, { generationId, members: new Set(members) });
  }

  transaction(transactionalId: string): FakeTransaction {
    const t = this.transactions.get(transactionalId);
    if (!t) throw new Error(`no transaction state for ${transactionalId}`);
    return t;
  }

  /** Transactions still open (a read_committed consumer stops at their first record). */
  openTransactions(): FakeTransaction[] {
    return [...this.transactions.values()].filter((t) => t.state === 'Ongoing');
  }

  // --- requests -----------------------------------------------------------------------------------

  findCoordinator(version: number, body: Body): Body {
    const keys = version >= 4 ? (body.coordinatorKeys as string[]) : [body.key as string];
    const answers = keys.map((key) => {
      const nodeId = this.coordinatorFor(key);
      const b = this.host.brokers.get(nodeId);
      if (!b || b.down) return { key, nodeId: -1, host: '', port: -1, errorCode: code('COORDINATOR_NOT_AVAILABLE'), errorMessage: 'fake: no coordinator' };
      return { key, nodeId: b.nodeId, host: b.host, port: b.port, errorCode: 0, errorMessage: null };
    });
    if (version >= 4) return { throttleTimeMs: 0, coordinators: answers };
    const a = answers[0]!;
    return { throttleTimeMs: 0, errorCode: a.errorCode, errorMessage: a.errorMessage, nodeId: a.nodeId, host: a.host, port: a.port };
  }

  initProducerId(nodeId: number, _version: number, body: Body): Body {
    const fail = (name: string): Body => ({ throttleTimeMs: 0, errorCode: code(name), producerId: -1n, producerEpoch: -1 });
    const id = body.transactionalId as string;
    if (this.coordinatorFor(id) !== nodeId) return fail('NOT_COORDINATOR');
    const timeoutMs = body.transactionTimeoutMs as number;
    if (timeoutMs <= 0 || timeoutMs > MAX_TRANSACTION_TIMEOUT_MS) return fail('INVALID_TRANSACTION_TIMEOUT');
    const askedId = (body.producerId as bigint | undefined) ?? -1n;
    const askedEpoch = (body.producerEpoch as number | undefined) ?? -1;
    let t = this.transactions.get(id);
    if (t === undefined) {
      t = this.newTransaction(id, timeoutMs);
      this.transactions.set(id, t);
      return this.producerIdAnswer(t);
    }
    t.timeoutMs = timeoutMs;
    if (askedId !== -1n) {
      if (askedId !== t.producerId) return fail('INVALID_PRODUCER_ID_MAPPING');
      // The retry of a bump already made answers the same; the epoch a timeout abort bumped
      // from may bump too (KIP-588).
      if (askedEpoch === t.epoch - 1 && (t.lastBumpFrom === askedEpoch || t.lastEnd?.epoch === askedEpoch)) {
        if (t.lastBumpFrom === askedEpoch) return this.producerIdAnswer(t);
      } else if (askedEpoch !== t.epoch) return fail('PRODUCER_FENCED');
    }
    if (t.state === 'Ongoing') {
      // Kafka aborts what the previous producer left open and answers CONCURRENT_TRANSACTIONS
      // until the markers are written.
      this.complete(t, false, t.epoch + 1, false);
      t.epoch = Math.min(t.epoch + 1, MAX_EPOCH);
      return fail('CONCURRENT_TRANSACTIONS');
    }
    t.lastBumpFrom = askedId !== -1n ? askedEpoch : -1;
    this.bump(t);
    t.state = 'Empty';
    return this.producerIdAnswer(t);
  }

  addPartitions(nodeId: number, version: number, body: Body): Body {
    const id = body.v3AndBelowTransactionalId as string;
    const topics = body.v3AndBelowTopics as { name: string; partitions: number[] }[];
    const answer = (errorCode: number): Body => ({
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorCode })) })),
    });
    if (version > 3) this.host.violations.push(`AddPartitionsToTxn v${version} from a client (v4+ is the broker form)`);
    const check = this.check(nodeId, id, body.v3AndBelowProducerId as bigint, body.v3AndBelowProducerEpoch as number);
    if (check !== 0) return answer(check);
    const t = this.transaction(id);
    this.begin(t, 1);
    for (const tp of topics) for (const p of tp.partitions) t.partitions.set(`${tp.name}-${p}`, [tp.name, p]);
    return answer(0);
  }

  addOffsets(nodeId: number, _version: number, body: Body): Body {
    const id = body.transactionalId as string;
    const check = this.check(nodeId, id, body.producerId as bigint, body.producerEpoch as number);
    if (check !== 0) return { throttleTimeMs: 0, errorCode: check };
    const t = this.transaction(id);
    this.begin(t, 1);
    t.groups.add(body.groupId as string);
    return { throttleTimeMs: 0, errorCode: 0 };
  }

  txnOffsetCommit(nodeId: number, version: number, body: Body): Body {
    const groupId = body.groupId as string;
    const topics = body.topics as { name: string; partitions: { partitionIndex: number; committedOffset: bigint }[] }[];
    const answer = (errorCode: number): Body => ({
      throttleTimeMs: 0,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (this.coordinatorFor(groupId) !== nodeId) return answer(code('NOT_COORDINATOR'));
    const id = body.transactionalId as string;
    const t = this.transactions.get(id);
    if (!t || t.producerId !== body.producerId) return answer(code('INVALID_PRODUCER_ID_MAPPING'));
    if ((body.producerEpoch as number) < t.epoch) return answer(code('PRODUCER_FENCED'));
    const group = this.groups.get(groupId);
    if (group && version >= 3) {
      const generation = body.generationIdOrMemberEpoch as number;
      const member = body.memberId as string;
      if (member !== '' && !group.members.has(member)) return answer(code('UNKNOWN_MEMBER_ID'));
      if (generation !== -1 && generation !== group.generationId) return answer(code('ILLEGAL_GENERATION'));
    }
    if (version >= 5 && this.transactionVersion === 2) {
      this.begin(t, 2);
      t.groups.add(groupId);
    } else if (!t.groups.has(groupId) || t.state !== 'Ongoing') {
      if (version >= 5) this.host.violations.push(`${id}: TxnOffsetCommit v${version} while transaction.version=1`);
      return answer(code('INVALID_TXN_STATE'));
    }
    let pending = t.pendingOffsets.get(groupId);
    if (!pending) t.pendingOffsets.set(groupId, (pending = new Map()));
    for (const tp of topics) for (const p of tp.partitions) pending.set(`${tp.name}-${p.partitionIndex}`, p.committedOffset);
    return answer(0);
  }

  endTxn(nodeId: number, version: number, body: Body): Body {
    const id = body.transactionalId as string;
    const pid = body.producerId as bigint;
    const epoch = body.producerEpoch as number;
    const committed = body.committed as boolean;
    const answer = (errorCode: number, t?: FakeTransaction): Body => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: version >= 5 && errorCode === 0 && t ? t.producerId : -1n,
      producerEpoch: version >= 5 && errorCode === 0 && t ? t.epoch : -1,
    });
    if (this.coordinatorFor(id) !== nodeId) return answer(code('NOT_COORDINATOR'));
    const t = this.transactions.get(id);
    if (!t) return answer(code('INVALID_PRODUCER_ID_MAPPING'));
    const last = t.lastEnd;
    // A retry of the EndTxn that ended the last transaction (its answer was lost), or (v5,
    // transactions v2 only: Kafka 3.9 fences it) an abort of a transaction the coordinator
    // aborted at its timeout: the same answer again, nothing applied twice.
    if (last && last.producerId === pid && last.epoch === epoch && last.committed === committed && t.state !== 'Ongoing' && (!last.byTimeout || version >= 5)) {
      return { throttleTimeMs: 0, errorCode: 0, producerId: version >= 5 ? last.answeredProducerId : -1n, producerEpoch: version >= 5 ? last.answeredEpoch : -1 };
    }
    if (pid !== t.producerId) return answer(code('INVALID_PRODUCER_ID_MAPPING'));
    if (epoch < t.epoch) return answer(code(version >= 2 ? 'PRODUCER_FENCED' : 'INVALID_PRODUCER_EPOCH'));
    if (epoch > t.epoch) return answer(code('INVALID_PRODUCER_EPOCH'));
    if (version >= 5 && t.generation === 1) this.host.violations.push(`${id}: EndTxn v${version} ends a transaction begun with AddPartitionsToTxn/AddOffsetsToTxn (v1)`);
    if (version >= 5 && this.transactionVersion !== 2) this.host.violations.push(`${id}: EndTxn v${version} while transaction.version=1`);
    if (t.state !== 'Ongoing') {
      // Transactions v2 may abort an empty transaction (the producer appended but nothing was
      // sent): the epoch is bumped all the same.
      if (version >= 5 && !committed) {
        this.finishEnd(t, false, epoch, pid, version);
        return answer(0, t);
      }
      return answer(code('INVALID_TXN_STATE'));
    }
    const v2 = version >= 5;
    this.complete(t, committed, v2 ? t.epoch + 1 : t.epoch, false);
    this.finishEnd(t, committed, epoch, pid, version);
    return answer(0, t);
  }

  /**
   * The transactional checks of a Produce (Kafka's verification, KIP-890): 0 lets the batch be
   * appended. `version`: the Produce version (v12+ adds the partition when transactions v2 is on).
   */
  checkProduce(version: number, transactionalId: string, producerId: bigint, epoch: number, topic: string, partition: number): number {
    const t = this.transactions.get(transactionalId);
    if (!t || t.producerId !== producerId) return code('INVALID_PRODUCER_ID_MAPPING');
    if (epoch !== t.epoch) return code('INVALID_PRODUCER_EPOCH');
    const key = `${topic}-${partition}`;
    if (version >= 12 && this.transactionVersion === 2) {
      if (t.generation === 1 && t.state === 'Ongoing') this.host.violations.push(`${transactionalId}: Produce v${version} inside a transaction begun with AddPartitionsToTxn (v1)`);
      this.begin(t, 2);
      t.partitions.set(key, [topic, partition]);
      return 0;
    }
    if (version >= 12 && t.generation === 1) this.host.violations.push(`${transactionalId}: Produce v${version} inside a v1 transaction`);
    if (t.state !== 'Ongoing' || !t.partitions.has(key)) return code('INVALID_TXN_STATE');
    return 0;
  }

  // --- internals ------------------------------------------------------------------------------------

  private newTransaction(transactionalId: string, timeoutMs: number): FakeTransaction {
    return {
      transactionalId,
      producerId: this.host.allocateProducerId(),
      epoch: 0,
      state: 'Empty',
      timeoutMs,
      partitions: new Map(),
      groups: new Set(),
      pendingOffsets: new Map(),
      generation: null,
      lastEnd: null,
      lastBumpFrom: -1,
      timer: null,
      timedOut: 0,
      committed: 0,
      aborted: 0,
    };
  }

  private producerIdAnswer(t: FakeTransaction): Body {
    return { throttleTimeMs: 0, errorCode: 0, producerId: t.producerId, producerEpoch: t.epoch };
  }

  private bump(t: FakeTransaction): void {
    if (t.epoch >= MAX_EPOCH - 1) {
      t.producerId = this.host.allocateProducerId();
      t.epoch = 0;
    } else t.epoch++;
  }

  /** The coordinator checks every request of the transactional id makes; 0 when they pass. */
  private check(nodeId: number, transactionalId: string, producerId: bigint, epoch: number): number {
    if (this.coordinatorFor(transactionalId) !== nodeId) return code('NOT_COORDINATOR');
    const t = this.transactions.get(transactionalId);
    if (!t || t.producerId !== producerId) return code('INVALID_PRODUCER_ID_MAPPING');
    if (epoch < t.epoch) return code('PRODUCER_FENCED');
    if (epoch > t.epoch) return code('INVALID_PRODUCER_EPOCH');
    return 0;
  }

  /** A transaction starts (Empty/Complete -> Ongoing), with its timeout timer. */
  private begin(t: FakeTransaction, generation: 1 | 2): void {
    if (t.state === 'Ongoing') {
      if (t.generation !== generation && t.generation !== null) this.host.violations.push(`${t.transactionalId}: transaction began as v${t.generation}, continued as v${generation}`);
      return;
    }
    t.state = 'Ongoing';
    t.generation = generation;
    t.partitions.clear();
    t.groups.clear();
    t.pendingOffsets.clear();
    const startedEpoch = t.epoch;
    const startedId = t.producerId;
    t.timer?.cancel();
    t.timer = this.host.clock.setTimer(() => {
      t.timer = null;
      if (t.state === 'Ongoing' && t.epoch === startedEpoch && t.producerId === startedId) this.timeout(t);
    }, t.timeoutMs);
  }

  /** transaction.timeout.ms passed: the coordinator aborts, bumping the epoch (fencing the producer). */
  private timeout(t: FakeTransaction): void {
    const from = t.epoch;
    this.complete(t, false, from + 1, true);
    t.lastEnd = { committed: false, epoch: from, producerId: t.producerId, answeredEpoch: from + 1, answeredProducerId: t.producerId, byTimeout: true };
    t.epoch = from + 1;
    t.timedOut++;
  }

  /** Writes the markers, applies or drops the offsets, ends the transaction. */
  private complete(t: FakeTransaction, commit: boolean, markerEpoch: number, byTimeout: boolean): void {
    for (const [topic, partition] of t.partitions.values()) this.host.appendControlMarker(topic, partition, t.producerId, markerEpoch, commit);
    if (commit) {
      for (const [group, offsets] of t.pendingOffsets) {
        let committed = this.committedOffsets.get(group);
        if (!committed) this.committedOffsets.set(group, (committed = new Map()));
        for (const [tp, o] of offsets) committed.set(tp, o);
      }
    }
    this.endings.push({ transactionalId: t.transactionalId, committed: commit, producerId: t.producerId, epoch: t.epoch, byTimeout });
    if (commit) t.committed++;
    else t.aborted++;
    t.partitions.clear();
    t.groups.clear();
    t.pendingOffsets.clear();
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    t.timer?.cancel();
    t.timer = null;
  }

  private finishEnd(t: FakeTransaction, committed: boolean, epoch: number, pid: bigint, version: number): void {
    if (version >= 5) {
      this.bump(t);
      if (t.state !== 'CompleteCommit' && t.state !== 'CompleteAbort') t.state = committed ? 'CompleteCommit' : 'CompleteAbort';
    }
    t.lastEnd = { committed, epoch, producerId: pid, answeredEpoch: t.epoch, answeredProducerId: t.producerId };
  }
}
