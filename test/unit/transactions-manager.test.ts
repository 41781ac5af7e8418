/**
 * TxnManager (src/transactions/txn-manager.ts) against a scripted network: which transactional
 * requests go out in which order, with which bodies and versions, and what each answer does to
 * the state. No sockets, no Sender: the test plays the Sender's part (poll) and the brokers'.
 */
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { TransactionManager } from '../../src/idempotence/transaction-manager.js';
import { silentLogger } from '../../src/observability/logger.js';
import { errorForName } from '../../src/protocol/error-codes.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type MessageApiKey } from '../../src/protocol/messages/index.js';
import { AbortableTransactionError, FatalTransactionError } from '../../src/transactions/errors.js';
import { TxnApiKey, TxnManager, type TxnChannel, type TxnNetwork } from '../../src/transactions/txn-manager.js';

const API_NAMES: Record<number, string> = Object.fromEntries(Object.entries(TxnApiKey).map(([k, v]) => [v, k]));
const code = (name: string): number => errorForName(name)!.code;

interface Sent {
  api: string;
  nodeId: number;
  version: number;
  body: Record<string, unknown>;
}

/** Brokers 1..3 behind a TxnNetwork; `answer` decides each response (an error code or a body). */
class ScriptedNetwork implements TxnNetwork {
  readonly sent: Sent[] = [];
  /** Max versions every node advertises, per api key. */
  versions: Record<number, number> = { 10: 4, 22: 5, 24: 3, 25: 4, 26: 4, 28: 4 };
  unreachable = new Set<number>();
  wakeups = 0;
  /** Queued answers per api name: an error name, a body, or 'drop' (no answer). */
  readonly script = new Map<string, (string | Record<string, unknown>)[]>();
  coordinatorNode = 2;
  groupCoordinatorNode = 3;
  producerId = 4000n;
  epoch = 0;

  push(api: string, ...answers: (string | Record<string, unknown>)[]): void {
    this.script.set(api, [...(this.script.get(api) ?? []), ...answers]);
  }

  channel(nodeId: number): TxnChannel | { waitMs: number; failed: boolean } {
    if (this.unreachable.has(nodeId)) return { waitMs: 50, failed: true };
    return this.channelFor(nodeId);
  }

  leastLoaded(): TxnChannel {
    return this.channelFor(1);
  }

  addNode(): void {}

  version(_nodeId: number, apiKey: number, min?: number, max?: number): number | null {
    const v = Math.min(this.versions[apiKey] ?? -1, max ?? Infinity);
    return v >= (min ?? 0) ? v : null;
  }

  wakeup(): void {
    this.wakeups++;
  }

  private channelFor(nodeId: number): TxnChannel {
    return {
      nodeId,
      send: (apiKey, version, body) => {
        const api = API_NAMES[apiKey]!;
        // Both directions go through the real codecs: what TxnManager writes must encode at
        // that version (a field the version lacks would throw), and it reads decoded answers.
        const k = apiKey as Exclude<MessageApiKey, 0>;
        const frame = encodeRequest(k, version, { correlationId: 1, clientId: 'test' }, body as never);
        const decoded = decodeRequest(frame, { strict: true }).body as unknown as Record<string, unknown>;
        this.sent.push({ api, nodeId, version, body: decoded });
        const next = this.script.get(api)?.shift();
        if (next === 'drop') return Promise.reject(new Error('connection lost'));
        const answer = typeof next === 'object' ? next : this.defaultAnswer(api, version, decoded, next === undefined ? 0 : code(next));
        const bytes = encodeResponse(k, version, 1, answer as never);
        return Promise.resolve(decodeResponse(k, version, bytes, { strict: true }).body);
      },
    };
  }

  private defaultAnswer(api: string, version: number, body: Record<string, unknown>, errorCode: number): Record<string, unknown> {
    switch (api) {
      case 'FindCoordinator': {
        const node = body.keyType === 1 ? this.coordinatorNode : this.groupCoordinatorNode;
        const keys = (body.coordinatorKeys as string[] | undefined) ?? [body.key as string];
        if (version >= 4) return { coordinators: keys.map((key) => ({ key, nodeId: node, host: `b${node}`, port: 9092, errorCode, errorMessage: null })) };
        return { errorCode, errorMessage: null, nodeId: node, host: `b${node}`, port: 9092 };
      }
      case 'InitProducerId':
        if (errorCode !== 0) return { errorCode, producerId: -1n, producerEpoch: -1 };
        if (body.producerId !== undefined && body.producerId !== -1n) this.epoch++;
        return { errorCode: 0, producerId: this.producerId, producerEpoch: this.epoch };
      case 'AddPartitionsToTxn':
        return {
          resultsByTopicV3AndBelow: (body.v3AndBelowTopics as { name: string; partitions: number[] }[]).map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorCode })),
          })),
        };
      case 'AddOffsetsToTxn':
        return { errorCode };
      case 'TxnOffsetCommit':
        return {
          topics: (body.topics as { name: string; partitions: { partitionIndex: number }[] }[]).map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
          })),
        };
      case 'EndTxn':
        if (errorCode === 0 && version >= 5) return { errorCode: 0, producerId: this.producerId, producerEpoch: ++this.epoch };
        return { errorCode, producerId: -1n, producerEpoch: -1 };
    }
    throw new Error(`no answer for ${api}`);
  }

  apis(): string[] {
    return this.sent.map((s) => s.api);
  }
}

function setup(options: { v2?: boolean; sendsInProgress?: () => boolean } = {}) {
  const clock = new ManualClock();
  const tm = new TransactionManager({ transactional: true });
  const net = new ScriptedNetwork();
  if (options.v2) net.versions = { 10: 6, 22: 5, 24: 5, 25: 4, 26: 5, 28: 5 };
  const txn = new TxnManager({
    transactionalId: 'tx-1',
    transactionTimeoutMs: 60000,
    retryBackoffMs: 100,
    idempotence: tm,
    clock,
    logger: silentLogger,
    transactionV2Available: () => options.v2 === true,
    ...(options.sendsInProgress ? { sendsInProgress: options.sendsInProgress } : {}),
  });
  let incomplete = false;
  /** Plays the Sender: polls until nothing is due, moving the clock over backoffs. */
  const drive = async (maxSteps = 100): Promise<void> => {
    for (let i = 0; i < maxSteps; i++) {
      const { holdProduce, delayMs } = txn.poll(clock.now(), net, incomplete);
      await new Promise((r) => setImmediate(r));
      if (holdProduce) continue;
      if (delayMs === Infinity) return;
      clock.advance(delayMs);
    }
    throw new Error('drive(): too many steps');
  };
  return {
    clock,
    tm,
    net,
    txn,
    drive,
    setIncomplete: (v: boolean) => {
      incomplete = v;
    },
  };
}

const tp = (topic: string, partition: number) => ({ topic, partition });

describe('initTransactions', () => {
  test('finds the transaction coordinator, then InitProducerId(transactional.id) there', async () => {
    const { txn, net, tm, drive } = setup();
    const r = txn.initTransactions();
    expect(txn.state).toBe('INITIALIZING');
    await drive();
    await r.promise;
    expect(net.apis()).toEqual(['FindCoordinator', 'InitProducerId']);
    expect(net.sent[0]!.body).toMatchObject({ keyType: 1, coordinatorKeys: ['tx-1'] });
    expect(net.sent[1]).toMatchObject({ nodeId: 2, body: { transactionalId: 'tx-1', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 } });
    expect(txn.state).toBe('READY');
    expect([tm.producerId, tm.producerEpoch]).toEqual([4000n, 0]);
  });

  test('FindCoordinator before v4 asks with a single key', async () => {
    const { txn, net, drive } = setup();
    net.versions[10] = 3;
    const r = txn.initTransactions();
    await drive();
    await r.promise;
    expect(net.sent[0]).toMatchObject({ api: 'FindCoordinator', version: 3, body: { key: 'tx-1', keyType: 1 } });
  });

  test('NOT_COORDINATOR and a lost answer: the coordinator is looked up again, then the request retried', async () => {
    const { txn, net, drive } = setup();
    net.push('InitProducerId', 'NOT_COORDINATOR', 'drop');
    const r = txn.initTransactions();
    await drive();
    await r.promise;
    expect(net.apis()).toEqual(['FindCoordinator', 'InitProducerId', 'FindCoordinator', 'InitProducerId', 'FindCoordinator', 'InitProducerId']);
  });

  test('COORDINATOR_LOAD_IN_PROGRESS is retried after retry.backoff.ms at the same coordinator', async () => {
    const { txn, net, drive, clock } = setup();
    net.push('InitProducerId', 'COORDINATOR_LOAD_IN_PROGRESS');
    const start = clock.now();
    const r = txn.initTransactions();
    await drive();
    await r.promise;
    expect(net.apis()).toEqual(['FindCoordinator', 'InitProducerId', 'InitProducerId']);
    expect(clock.now() - start).toBe(100);
  });

  test('an unreachable coordinator is looked up again', async () => {
    const { txn, net, drive } = setup();
    net.unreachable.add(2);
    const r = txn.initTransactions();
    const p = drive(3).catch(() => {});
    await p;
    net.unreachable.clear();
    await drive();
    await r.promise;
    expect(net.apis().filter((a) => a === 'FindCoordinator').length).toBeGreaterThan(1);
    expect(net.apis().at(-1)).toBe('InitProducerId');
  });

  test('PRODUCER_FENCED is fatal: every later call fails with it', async () => {
    const { txn, net, drive } = setup();
    net.push('InitProducerId', 'PRODUCER_FENCED');
    const r = txn.initTransactions();
    await drive();
    await expect(r.promise).rejects.toBeInstanceOf(FatalTransactionError);
    expect(txn.state).toBe('FATAL_ERROR');
    expect(() => txn.beginTransaction()).toThrow(/fenced by another producer/);
    expect(() => txn.checkSendAllowed()).toThrow(FatalTransactionError);
  });

  test('a repeated call after a timeout awaits the same result; another call meanwhile is refused', async () => {
    const { txn, net, drive } = setup();
    net.unreachable.add(2);
    const first = txn.initTransactions();
    await drive(2).catch(() => {});
    expect(txn.initTransactions()).toBe(first);
    expect(() => txn.beginTransaction()).toThrow(/previous call to `initTransactions` timed out and must be retried/);
    net.unreachable.clear();
    await drive();
    await first.promise;
    expect(net.apis().filter((a) => a === 'InitProducerId')).toHaveLength(1);
  });
});

describe('calls out of order fail at once, naming the state', () => {
  test('before initTransactions', () => {
    const { txn } = setup();
    expect(() => txn.beginTransaction()).toThrow(/from state UNINITIALIZED to state IN_TRANSACTION/);
    expect(() => txn.checkSendAllowed()).toThrow(/before initTransactions\(\) has completed \(state UNINITIALIZED\)/);
    expect(() => txn.beginCommit()).toThrow(/from state UNINITIALIZED to state COMMITTING_TRANSACTION/);
    expect(() => txn.beginAbort()).toThrow(/from state UNINITIALIZED to state ABORTING_TRANSACTION/);
  });

  test('outside a transaction', async () => {
    const { txn, drive } = setup();
    const r = txn.initTransactions();
    await drive();
    await r.promise;
    expect(() => txn.beginCommit()).toThrow(/from state READY to state COMMITTING_TRANSACTION/);
    expect(() => txn.checkSendAllowed()).toThrow(/while in state READY/);
    expect(() => txn.sendOffsetsToTransaction([], { groupId: 'g' })).toThrow(/currentState= READY/);
    txn.beginTransaction();
    expect(() => txn.beginTransaction()).toThrow(/from state IN_TRANSACTION to state IN_TRANSACTION.*already open/);
    expect(() => txn.initTransactions()).toThrow(/from state IN_TRANSACTION to state INITIALIZING/);
  });
});

async function ready(options: Parameters<typeof setup>[0] = {}) {
  const s = setup(options);
  const r = s.txn.initTransactions();
  await s.drive();
  await r.promise;
  s.net.sent.length = 0;
  return s;
}

describe('transactions v1 (Kafka 3.x)', () => {
  test('a new partition is added with AddPartitionsToTxn before its batches may be sent', async () => {
    const { txn, net, drive } = await ready();
    txn.beginTransaction();
    txn.checkSendAllowed();
    txn.addPartition(tp('a', 0));
    txn.addPartition(tp('a', 1));
    txn.addPartition(tp('b', 0));
    txn.addPartition(tp('a', 0));
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(false);
    await drive();
    expect(net.apis()).toEqual(['AddPartitionsToTxn']);
    expect(net.sent[0]).toMatchObject({
      nodeId: 2,
      version: 3,
      body: { v3AndBelowTransactionalId: 'tx-1', v3AndBelowProducerId: 4000n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'a', partitions: [0, 1] }, { name: 'b', partitions: [0] }] },
    });
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(true);
    expect(txn.isSendToPartitionAllowed(tp('c', 0))).toBe(false);
    // Already in the transaction: no second AddPartitionsToTxn.
    txn.addPartition(tp('a', 1));
    await drive();
    expect(net.apis()).toEqual(['AddPartitionsToTxn']);
  });

  test('the transaction\'s first AddPartitionsToTxn answered CONCURRENT_TRANSACTIONS is retried after 20 ms', async () => {
    const { txn, net, drive, clock } = await ready();
    net.push('AddPartitionsToTxn', 'CONCURRENT_TRANSACTIONS', 'CONCURRENT_TRANSACTIONS');
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    const start = clock.now();
    await drive();
    expect(net.apis()).toEqual(['AddPartitionsToTxn', 'AddPartitionsToTxn', 'AddPartitionsToTxn']);
    expect(clock.now() - start).toBe(40);
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(true);
  });

  test('commit waits for incomplete batches and sends still on their way, then EndTxn v4 at most', async () => {
    let sending = true;
    const s = await ready({ sendsInProgress: () => sending });
    const { txn, net, drive } = s;
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    s.setIncomplete(true);
    const commit = txn.beginCommit();
    expect(txn.state).toBe('COMMITTING_TRANSACTION');
    await drive();
    expect(net.apis()).toEqual(['AddPartitionsToTxn']);
    s.setIncomplete(false);
    await drive();
    expect(net.apis()).toEqual(['AddPartitionsToTxn']);
    sending = false;
    await drive();
    await commit.promise;
    expect(net.sent.at(-1)).toMatchObject({ api: 'EndTxn', version: 4, body: { transactionalId: 'tx-1', producerId: 4000n, producerEpoch: 0, committed: true } });
    expect(txn.state).toBe('READY');
  });

  test('a transaction that added nothing ends without EndTxn', async () => {
    const { txn, net, drive } = await ready();
    txn.beginTransaction();
    const r = txn.beginCommit();
    await drive();
    await r.promise;
    expect(net.apis()).toEqual([]);
    expect(txn.state).toBe('READY');
  });

  test('offsets: AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group coordinator', async () => {
    const { txn, net, drive } = await ready();
    txn.beginTransaction();
    const r = txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42n }, { topic: 'in', partition: 1, offset: 7 }], { groupId: 'g1', generationId: 3, memberId: 'm-1' });
    await drive();
    await r.promise;
    expect(net.apis()).toEqual(['AddOffsetsToTxn', 'FindCoordinator', 'TxnOffsetCommit']);
    expect(net.sent[0]).toMatchObject({ nodeId: 2, body: { transactionalId: 'tx-1', producerId: 4000n, producerEpoch: 0, groupId: 'g1' } });
    expect(net.sent[1]!.body).toMatchObject({ keyType: 0, coordinatorKeys: ['g1'] });
    expect(net.sent[2]).toMatchObject({
      nodeId: 3,
      version: 4,
      body: {
        transactionalId: 'tx-1',
        groupId: 'g1',
        generationIdOrMemberEpoch: 3,
        memberId: 'm-1',
        groupInstanceId: null,
        topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: '' }, { partitionIndex: 1, committedOffset: 7n }] }],
      },
    });
    // The offsets count as something added: EndTxn goes.
    const c = txn.beginCommit();
    await drive();
    await c.promise;
    expect(net.apis().at(-1)).toBe('EndTxn');
  });

  test('TxnOffsetCommit retries only the partitions that failed retriably', async () => {
    const { txn, net, drive } = await ready();
    net.push('TxnOffsetCommit', {
      topics: [
        {
          name: 'in',
          partitions: [
            { partitionIndex: 0, errorCode: 0 },
            { partitionIndex: 1, errorCode: code('COORDINATOR_LOAD_IN_PROGRESS') },
          ],
        },
      ],
    });
    txn.beginTransaction();
    const r = txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }, { topic: 'in', partition: 1, offset: 2n }], { groupId: 'g1' });
    await drive();
    await r.promise;
    const commits = net.sent.filter((s) => s.api === 'TxnOffsetCommit');
    expect(commits).toHaveLength(2);
    expect((commits[1]!.body.topics as { partitions: { partitionIndex: number }[] }[])[0]!.partitions.map((p) => p.partitionIndex)).toEqual([1]);
  });

  test('a rebalanced group (ILLEGAL_GENERATION) makes the transaction abortable', async () => {
    const { txn, net, drive } = await ready();
    net.push('TxnOffsetCommit', 'ILLEGAL_GENERATION');
    txn.beginTransaction();
    const r = txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g1', generationId: 2, memberId: 'm' });
    await drive();
    await expect(r.promise).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION' });
    expect(txn.state).toBe('ABORTABLE_ERROR');
    expect(() => txn.beginCommit()).toThrow(AbortableTransactionError);
  });

  test('a failed batch: abortable; the abort fails unsent batches, ends the transaction, then bumps the epoch', async () => {
    const s = await ready();
    const { txn, net, drive, tm } = s;
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    await drive();
    const err = new (await import('../../src/errors.js')).KafkaWireError('NOT_ENOUGH_REPLICAS', 'a-0: not enough replicas');
    txn.handleFailedBatch(err);
    expect(txn.state).toBe('ABORTABLE_ERROR');
    expect(txn.undrainedBatchesError()).toMatchObject({ code: 'NOT_ENOUGH_REPLICAS' });
    expect(() => txn.checkSendAllowed()).toThrow(/abortTransaction\(\)/);
    const abort = txn.beginAbort();
    expect(txn.completionError()).toMatchObject({ code: 'TRANSACTION_ABORTED' });
    await drive();
    await abort.promise;
    expect(net.apis()).toEqual(['AddPartitionsToTxn', 'EndTxn', 'InitProducerId']);
    expect(net.sent[1]!.body).toMatchObject({ committed: false, producerEpoch: 0 });
    expect(net.sent[2]!.body).toMatchObject({ transactionalId: 'tx-1', producerId: 4000n, producerEpoch: 0 });
    expect([tm.producerId, tm.producerEpoch]).toEqual([4000n, 1]);
    expect(txn.state).toBe('READY');
  });

  test('PRODUCER_FENCED from EndTxn: the commit fails and only close() is left', async () => {
    const { txn, net, drive } = await ready();
    net.push('EndTxn', 'PRODUCER_FENCED');
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    const c = txn.beginCommit();
    await drive();
    await expect(c.promise).rejects.toMatchObject({ code: 'PRODUCER_FENCED', name: 'FatalTransactionError' });
    expect(txn.state).toBe('FATAL_ERROR');
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(false);
    expect(() => txn.beginAbort()).toThrow(/fenced/);
  });

  test('INVALID_PRODUCER_EPOCH from the coordinator means fenced (older coordinators)', async () => {
    const { txn, net, drive } = await ready();
    net.push('AddPartitionsToTxn', 'INVALID_PRODUCER_EPOCH');
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    await drive();
    expect(txn.state).toBe('FATAL_ERROR');
    expect(txn.error?.code).toBe('PRODUCER_FENCED');
  });

  test('CONCURRENT_TRANSACTIONS on EndTxn is retried until the coordinator is done', async () => {
    const { txn, net, drive } = await ready();
    net.push('EndTxn', 'CONCURRENT_TRANSACTIONS', 'CONCURRENT_TRANSACTIONS');
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    const c = txn.beginCommit();
    await drive();
    await c.promise;
    expect(net.apis()).toEqual(['AddPartitionsToTxn', 'EndTxn', 'EndTxn', 'EndTxn']);
  });
});

describe('transactions v2 (KIP-890, Kafka 4.x)', () => {
  test('no AddPartitionsToTxn; EndTxn v5 returns the next epoch, and sequences restart', async () => {
    const { txn, net, drive, tm } = await ready({ v2: true });
    expect(txn.transactionVersion).toBe(2);
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(true);
    const c = txn.beginCommit();
    await drive();
    await c.promise;
    expect(net.apis()).toEqual(['EndTxn']);
    expect(net.sent[0]!.version).toBe(5);
    expect([tm.producerId, tm.producerEpoch]).toEqual([4000n, 1]);
  });

  test('offsets go with TxnOffsetCommit v5 only (no AddOffsetsToTxn)', async () => {
    const { txn, net, drive } = await ready({ v2: true });
    txn.beginTransaction();
    const r = txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5n }], { groupId: 'g1' });
    await drive();
    await r.promise;
    expect(net.apis()).toEqual(['FindCoordinator', 'TxnOffsetCommit']);
    expect(net.sent[1]!.version).toBe(5);
  });

  test('an abort after a failed batch needs no InitProducerId: EndTxn v5 bumps the epoch', async () => {
    const { txn, net, drive, tm } = await ready({ v2: true });
    txn.beginTransaction();
    txn.addPartition(tp('a', 0));
    txn.handleFailedBatch(new (await import('../../src/errors.js')).KafkaWireError('INVALID_PRODUCER_EPOCH', 'x'));
    const a = txn.beginAbort();
    await drive();
    await a.promise;
    expect(net.apis()).toEqual(['EndTxn']);
    expect(tm.producerEpoch).toBe(1);
    expect(txn.state).toBe('READY');
  });

  test('the generation is fixed while a transaction is open', async () => {
    let v2 = false;
    const clock = new ManualClock();
    const tm = new TransactionManager({ transactional: true });
    const net = new ScriptedNetwork();
    net.versions = { 10: 6, 22: 5, 24: 5, 25: 4, 26: 5, 28: 5 };
    const txn = new TxnManager({ transactionalId: 't', transactionTimeoutMs: 1000, retryBackoffMs: 10, idempotence: tm, clock, logger: silentLogger, transactionV2Available: () => v2 });
    const init = txn.initTransactions();
    for (let i = 0; i < 5; i++) {
      txn.poll(clock.now(), net, false);
      await new Promise((r) => setImmediate(r));
    }
    await init.promise;
    txn.beginTransaction();
    expect(txn.transactionVersion).toBe(1);
    v2 = true; // the cluster finalizes transaction.version 2 mid-transaction
    txn.addPartition(tp('a', 0));
    expect(txn.isSendToPartitionAllowed(tp('a', 0))).toBe(false); // still v1: AddPartitionsToTxn first
    const c = txn.beginCommit();
    for (let i = 0; i < 10; i++) {
      txn.poll(clock.now(), net, false);
      await new Promise((r) => setImmediate(r));
    }
    await c.promise;
    expect(net.apis().slice(-2)).toEqual(['AddPartitionsToTxn', 'EndTxn']);
    expect(net.sent.at(-1)!.version).toBe(4);
    txn.beginTransaction();
    expect(txn.transactionVersion).toBe(2);
  });
});
