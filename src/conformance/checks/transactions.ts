/**
 * Transaction checks (KIP-98, KIP-890), spoken in the transactions v1 protocol every Kafka since
 * 0.11 accepts (FindCoordinator, InitProducerId with a transactional id, AddPartitionsToTxn,
 * transactional Produce at v11 or lower, EndTxn up to v4): the transaction.version feature,
 * the coordinator, fencing, what read_committed sees (aborted-transaction list, control
 * markers, the last stable offset), and KIP-890's partition verification.
 */
import { ApiKey, TRANSACTIONS_V1_MAX_VERSION } from '../../protocol/api-keys.js';
import { CoordinatorKeyType, ListOffsetsTimestamp } from '../../protocol/messages/index.js';
import { buildBatch, recordsDiffer, simpleRecords } from '../batches.js';
import { SkipCheck, errorName, fail, pass, skip, type Check, type CheckContext } from '../check.js';
import { Err } from '../kafka-errors.js';
import type { PartitionRef } from '../reader.js';

const group = 'Transactions' as const;
const TXN_TIMEOUT_MS = 45_000;
const now = (ctx: CheckContext): number => Math.round(ctx.clock.wallClockMs?.() ?? ctx.clock.now());

/** Errors a transactional request is retried on while the coordinator settles. */
const SETTLING = new Set([Err.COORDINATOR_NOT_AVAILABLE, Err.COORDINATOR_LOAD_IN_PROGRESS, Err.NOT_COORDINATOR, Err.CONCURRENT_TRANSACTIONS]);

async function settle<T>(ctx: CheckContext, what: string, attempt: () => Promise<T>, code: (t: T) => number): Promise<T> {
  const deadline = ctx.clock.now() + 30_000;
  for (;;) {
    const r = await attempt();
    if (!SETTLING.has(code(r)) || ctx.clock.now() > deadline) return r;
    await ctx.sleep(100);
  }
}

/** The transaction coordinator of `transactionalId` (a broker of the last metadata). */
async function coordinator(ctx: CheckContext, transactionalId: string): Promise<number> {
  const v = ctx.client.version(ApiKey.FindCoordinator);
  if (v === null || v < 1) throw new SkipCheck('the broker advertises no FindCoordinator v1+ (transaction coordinators)');
  const answer = await settle(
    ctx,
    'FindCoordinator',
    async () => {
      const r = await ctx.client.send(ApiKey.FindCoordinator, v, v >= 4 ? { keyType: CoordinatorKeyType.Transaction, coordinatorKeys: [transactionalId] } : { key: transactionalId, keyType: CoordinatorKeyType.Transaction });
      return v >= 4 ? (r.coordinators[0] ?? { errorCode: -1, nodeId: -1, errorMessage: 'no coordinator in the answer' }) : r;
    },
    (r) => r.errorCode,
  );
  if (answer.errorCode !== 0) throw new Error(`FindCoordinator v${v} for a transactional id answered ${errorName(answer.errorCode)}`);
  if (!ctx.client.brokers.some((b) => b.nodeId === answer.nodeId)) await ctx.client.metadata([]);
  return answer.nodeId;
}

interface Txn {
  readonly id: string;
  readonly coordinator: number;
  producerId: bigint;
  epoch: number;
  sequence: number;
}

async function initTransactions(ctx: CheckContext, label: string): Promise<Txn> {
  const id = ctx.uniqueName(label);
  const coord = await coordinator(ctx, id);
  const v = ctx.client.version(ApiKey.InitProducerId);
  if (v === null) throw new SkipCheck('no InitProducerId');
  const answer = await settle(ctx, 'InitProducerId', () => ctx.client.send(ApiKey.InitProducerId, v, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, { node: coord }), (r) => r.errorCode);
  if (answer.errorCode !== 0) throw new Error(`InitProducerId for a transactional id answered ${errorName(answer.errorCode)}`);
  return { id, coordinator: coord, producerId: answer.producerId, epoch: answer.producerEpoch, sequence: 0 };
}

async function addPartition(ctx: CheckContext, txn: Txn, ref: PartitionRef, epoch = txn.epoch): Promise<number> {
  const v = ctx.client.version(ApiKey.AddPartitionsToTxn, { cap: 3 });
  if (v === null) throw new SkipCheck('no AddPartitionsToTxn v0-3');
  const answer = await settle(
    ctx,
    'AddPartitionsToTxn',
    () =>
      ctx.client.send(
        ApiKey.AddPartitionsToTxn,
        v,
        { v3AndBelowTransactionalId: txn.id, v3AndBelowProducerId: txn.producerId, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: ref.topic, partitions: [ref.partition] }] },
        { node: txn.coordinator },
      ),
    (r) => r.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode ?? -1,
  );
  return answer.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode ?? -1;
}

/** A transactional batch of `count` records; resolves with its base offset. */
async function produceIn(ctx: CheckContext, txn: Txn, ref: PartitionRef, count: number, label: string): Promise<{ baseOffset: bigint; errorCode: number }> {
  const batch = await buildBatch(simpleRecords(count, label, now(ctx)), { producerId: txn.producerId, producerEpoch: txn.epoch, baseSequence: txn.sequence, transactional: true });
  const answer = await ctx.produce(batch, { target: ref, transactionalId: txn.id, version: ctx.produceVersion(ref, 11) });
  if (answer.errorCode === 0) txn.sequence += count;
  return { baseOffset: answer.baseOffset, errorCode: answer.errorCode };
}

async function endTxn(ctx: CheckContext, txn: Txn, commit: boolean): Promise<void> {
  const v = ctx.client.version(ApiKey.EndTxn, { cap: TRANSACTIONS_V1_MAX_VERSION });
  if (v === null) throw new SkipCheck('no EndTxn');
  const answer = await settle(ctx, 'EndTxn', () => ctx.client.send(ApiKey.EndTxn, v, { transactionalId: txn.id, producerId: txn.producerId, producerEpoch: txn.epoch, committed: commit }, { node: txn.coordinator }), (r) => r.errorCode);
  if (answer.errorCode !== 0) throw new Error(`EndTxn (${commit ? 'commit' : 'abort'}) answered ${errorName(answer.errorCode)}`);
}

/** A transaction's data: added, written; throws with the reason when the broker refuses a step. */
async function writeInTxn(ctx: CheckContext, txn: Txn, ref: PartitionRef, count: number, label: string): Promise<bigint> {
  const added = await addPartition(ctx, txn, ref);
  if (added !== 0) throw new Error(`AddPartitionsToTxn answered ${errorName(added)}`);
  const written = await produceIn(ctx, txn, ref, count, label);
  if (written.errorCode !== 0) throw new Error(`transactional Produce answered ${errorName(written.errorCode)}`);
  return written.baseOffset;
}

/** The control record type of a marker batch: 0 ABORT, 1 COMMIT (key: int16 version, int16 type). */
function markerType(batch: { records: { key: Uint8Array | null }[] }): number {
  const key = batch.records[0]?.key;
  if (!key || key.length < 4) return -1;
  return new DataView(key.buffer, key.byteOffset, 4).getInt16(2);
}

export const TRANSACTION_CHECKS: readonly Check[] = [
  {
    id: 'txn.transaction-version',
    group,
    title: 'The transaction.version feature matches the APIs advertised',
    reference: 'KIP-890 part 2, KIP-1022 (finalized feature transaction.version)',
    level: 'SHOULD',
    expected: 'transaction.version reported; at level 2 (transactions v2): Produce v12+, EndTxn v5+ and TxnOffsetCommit v5+ advertised',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.ApiVersions);
      if (v === null || v < 3) return skip('ApiVersions v3+ needed for features');
      const f = ctx.client.apiVersions.finalizedFeatures.find((x) => x.name === 'transaction.version');
      const s = ctx.client.apiVersions.supportedFeatures.find((x) => x.name === 'transaction.version');
      const level = f?.maxVersionLevel ?? 0;
      const supported = s ? `supported ${s.minVersion}-${s.maxVersion}` : 'not among the supported features';
      if (level < 2) return pass(`transaction.version ${f ? `finalized at ${level}` : 'not finalized'} (${supported}): transactions v1`);
      const lacking = [
        ['Produce', ApiKey.Produce, 12],
        ['EndTxn', ApiKey.EndTxn, 5],
        ['TxnOffsetCommit', ApiKey.TxnOffsetCommit, 5],
      ].filter(([, key, min]) => (ctx.client.range(key as number)?.max ?? -1) < (min as number));
      if (lacking.length) return fail(`transaction.version=${level} but ${lacking.map(([n, , m]) => `${n} v${m}`).join(', ')} not advertised`);
      return pass(`transaction.version=${level} (${supported}); Produce v${ctx.client.range(ApiKey.Produce)!.max}, EndTxn v${ctx.client.range(ApiKey.EndTxn)!.max}: transactions v2 available`);
    },
  },
  {
    id: 'txn.find-coordinator',
    group,
    title: 'A transactional id has a coordinator among the brokers',
    reference: 'FindCoordinatorRequest.json: KeyType 1 (transaction), CoordinatorKeys (v4+)',
    level: 'MUST',
    expected: 'NONE and a node id listed in Metadata',
    timeoutMs: TXN_TIMEOUT_MS,
    async run(ctx) {
      const id = ctx.uniqueName('txn-coordinator');
      await ctx.client.metadata([]);
      const node = await coordinator(ctx, id);
      return ctx.client.brokers.some((b) => b.nodeId === node) ? pass(`coordinator ${node}`) : fail(`coordinator ${node} is not a listed broker`);
    },
  },
  {
    id: 'txn.fencing',
    group,
    title: 'A second InitProducerId for the same transactional id fences the first',
    reference: 'KIP-98 (zombie fencing); Errors.PRODUCER_FENCED / INVALID_PRODUCER_EPOCH',
    level: 'MUST',
    expected: 'the second InitProducerId gives a higher epoch (or a new producer id); AddPartitionsToTxn with the old epoch: PRODUCER_FENCED (90) or INVALID_PRODUCER_EPOCH (47)',
    topic: {},
    timeoutMs: TXN_TIMEOUT_MS,
    async run(ctx) {
      const first = await initTransactions(ctx, 'txn-fence');
      const v = ctx.client.version(ApiKey.InitProducerId)!;
      const second = await settle(ctx, 'InitProducerId', () => ctx.client.send(ApiKey.InitProducerId, v, { transactionalId: first.id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, { node: first.coordinator }), (r) => r.errorCode);
      if (second.errorCode !== 0) return fail(`the second InitProducerId answered ${errorName(second.errorCode)}`);
      if (second.producerId === first.producerId && second.producerEpoch <= first.epoch) return fail(`the second InitProducerId kept epoch ${second.producerEpoch} (first ${first.epoch})`);
      const old = await addPartition(ctx, first, ctx.partition(), first.epoch);
      if (old !== Err.PRODUCER_FENCED && old !== Err.INVALID_PRODUCER_EPOCH) return fail(`AddPartitionsToTxn with the old epoch answered ${errorName(old)}`);
      return pass(`epoch ${first.epoch} -> ${second.producerEpoch}${second.producerId !== first.producerId ? ` (new producer id ${second.producerId})` : ''}; the old epoch got ${errorName(old)}`);
    },
  },
  {
    id: 'txn.read-committed',
    group,
    title: 'read_committed sees committed records and the aborted-transaction list',
    reference: 'KIP-98 (FetchResponse.json: AbortedTransactions, v4+; control records)',
    level: 'MUST',
    expected: 'after an aborted and a committed transaction: Fetch read_committed lists the aborted one (producer id, first offset), an ABORT and a COMMIT marker follow the data, and skipping the aborted records leaves exactly the committed ones',
    topic: {},
    timeoutMs: TXN_TIMEOUT_MS,
    async run(ctx) {
      const ref = ctx.partition();
      const txn = await initTransactions(ctx, 'txn-rc');
      const abortedAt = await writeInTxn(ctx, txn, ref, 2, 'aborted');
      await endTxn(ctx, txn, false);
      const committedAt = await writeInTxn(ctx, txn, ref, 3, 'committed');
      await endTxn(ctx, txn, true);
      const read = await ctx.readUntil((r) => r.controlBatches.length >= 2 && r.lastStableOffset === r.highWatermark, { isolation: 1, timeoutMs: 10_000 });
      if (read.controlBatches.length < 2) return fail(`${read.controlBatches.length} control batch(es) after 10 s (LSO ${read.lastStableOffset}, HW ${read.highWatermark})`);
      const types = read.controlBatches.map(markerType);
      if (types[0] !== 0 || types[1] !== 1) return fail(`markers ${types.join(',')} (expected ABORT=0 then COMMIT=1)`);
      const listed = (read.abortedTransactions ?? []).find((a) => a.producerId === txn.producerId);
      if (listed === undefined) return fail(`the aborted transaction is not in AbortedTransactions (${JSON.stringify((read.abortedTransactions ?? []).map((a) => `${a.producerId}@${a.firstOffset}`))})`);
      if (listed.firstOffset !== abortedAt) return fail(`aborted transaction listed at ${listed.firstOffset}, its first record is at ${abortedAt}`);
      const abortMarker = read.controlBatches[0]!.baseOffset;
      const visible = read.records.filter((r) => !(r.offset >= listed.firstOffset && r.offset < abortMarker));
      const expected = simpleRecords(3, 'committed', 0);
      const diff = recordsDiffer(expected, visible, { logAppendTime: true });
      if (diff) return fail(`what read_committed leaves: ${diff}`);
      if (visible[0]!.offset !== committedAt) return fail(`committed records start at ${visible[0]!.offset}, written at ${committedAt}`);
      return pass(`aborted transaction listed at offset ${listed.firstOffset}; ABORT and COMMIT markers; 3 committed records visible (Fetch v${read.version})`);
    },
  },
  {
    id: 'txn.last-stable-offset',
    group,
    title: 'An open transaction holds back the last stable offset',
    reference: 'KIP-98 (FetchResponse.json: LastStableOffset, v4+; ListOffsets IsolationLevel, v2+)',
    level: 'MUST',
    expected: 'with a transaction open from offset 0: LSO 0 and no records for read_committed, ListOffsets latest 0 under read_committed and 2 under read_uncommitted; after the commit the LSO passes the marker',
    topic: {},
    timeoutMs: TXN_TIMEOUT_MS,
    async run(ctx) {
      const ref = ctx.partition();
      const txn = await initTransactions(ctx, 'txn-lso');
      const first = await writeInTxn(ctx, txn, ref, 2, 'open');
      const open = await ctx.read({ isolation: 1 });
      const lo = ctx.client.version(ApiKey.ListOffsets) ?? 0;
      const committed = lo >= 2 ? await ctx.listOffset(ListOffsetsTimestamp.Latest, { isolation: 1 }) : undefined;
      const uncommitted = await ctx.listOffset(ListOffsetsTimestamp.Latest, { isolation: 0 });
      await endTxn(ctx, txn, true);
      const after = await ctx.readUntil((r) => r.lastStableOffset >= 3n, { isolation: 1 });
      const problems: string[] = [];
      if (open.lastStableOffset !== first) problems.push(`LSO ${open.lastStableOffset} while open (first offset ${first})`);
      if (open.records.length !== 0) problems.push(`read_committed returned ${open.records.length} records of the open transaction`);
      if (committed && committed.offset !== first) problems.push(`ListOffsets read_committed latest ${committed.offset}`);
      if (uncommitted.offset !== 2n) problems.push(`ListOffsets read_uncommitted latest ${uncommitted.offset}`);
      if (after.lastStableOffset !== 3n || after.records.length !== 2) problems.push(`after the commit: LSO ${after.lastStableOffset}, ${after.records.length} records`);
      return problems.length ? fail(problems.join('; ')) : pass(`LSO ${open.lastStableOffset} while open${committed ? `, ListOffsets ${committed.offset}/${uncommitted.offset}` : ''}; LSO ${after.lastStableOffset} after the commit`);
    },
  },
  {
    id: 'txn.partition-not-added',
    group,
    title: 'A transactional write to a partition not added to the transaction is refused',
    reference: 'KIP-890 part 1 (transaction.partition.verification.enable, Kafka 3.6+)',
    level: 'SHOULD',
    expected: 'INVALID_TXN_STATE (48) (or TRANSACTION_ABORTABLE) for Produce v11 or lower without AddPartitionsToTxn; nothing stored',
    topic: {},
    timeoutMs: TXN_TIMEOUT_MS,
    async run(ctx) {
      const txn = await initTransactions(ctx, 'txn-verify');
      const answer = await produceIn(ctx, txn, ctx.partition(), 1, 'unadded');
      const read = await ctx.read();
      if (answer.errorCode !== Err.INVALID_TXN_STATE && answer.errorCode !== Err.TRANSACTION_ABORTABLE) return fail(`answered ${errorName(answer.errorCode)}; ${read.records.length} record(s) stored`);
      return read.records.length === 0 ? pass(`${errorName(answer.errorCode)}; nothing stored`) : fail(`refused, but ${read.records.length} record(s) stored`);
    },
  },
];
