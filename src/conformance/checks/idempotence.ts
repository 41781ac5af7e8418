/**
 * Idempotence checks (KIP-98, KIP-360): producer ids, a resent batch stored once and answered
 * with its first offset, sequence gaps and old epochs refused, a new epoch starting at 0, the
 * 5-batch deduplication window, sequences wrapping at 2^31-1, a missing sequence refused. The
 * batches carry producer state a good producer would not send this way, so they are built here
 * and sent raw.
 */
import { buildBatch, recordsDiffer, restamped, simpleRecords, type TestRecord } from '../batches.js';
import { errorName, fail, pass, type Check, type CheckContext } from '../check.js';
import { Err } from '../kafka-errors.js';

const group = 'Idempotence' as const;
const now = (ctx: CheckContext): number => Math.round(ctx.clock.wallClockMs?.() ?? ctx.clock.now());

/** A producer id for the check, and a batch builder stamped with it. */
async function producer(ctx: CheckContext) {
  const id = await ctx.initProducerId();
  const make = async (records: readonly TestRecord[], baseSequence: number, epoch = id.producerEpoch): Promise<Uint8Array> =>
    buildBatch(records, { producerId: id.producerId, producerEpoch: epoch, baseSequence });
  return { producerId: id.producerId, epoch: id.producerEpoch, make };
}

export const IDEMPOTENCE_CHECKS: readonly Check[] = [
  {
    id: 'idempotence.init-producer-id',
    group,
    title: 'InitProducerId without a transactional id hands out a new producer id',
    reference: 'InitProducerIdRequest.json (TransactionalId null); KIP-98',
    level: 'MUST',
    expected: 'NONE, ProducerId >= 0, ProducerEpoch >= 0; a second call gives another producer id',
    async run(ctx) {
      const a = await ctx.initProducerId();
      const b = await ctx.initProducerId();
      if (a.producerId < 0n || a.producerEpoch < 0) return fail(`producer id ${a.producerId}, epoch ${a.producerEpoch}`);
      if (a.producerId === b.producerId) return fail(`two calls gave the same producer id ${a.producerId}`);
      return pass(`producer ids ${a.producerId} and ${b.producerId}, epoch ${a.producerEpoch}`);
    },
  },
  {
    id: 'idempotence.duplicate',
    group,
    title: 'A resent batch (same producer id, epoch, sequence) is stored once',
    reference: 'KIP-98 (idempotent producer: duplicate detection)',
    level: 'MUST',
    expected: 'the resend answered NONE with the first base offset; the log holds the records once',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const records = simpleRecords(3, 'dup', now(ctx));
      const batch = await p.make(records, 0);
      const first = await ctx.produce(batch);
      if (first.errorCode !== 0) return fail(`the first send answered ${errorName(first.errorCode)}`);
      const again = await ctx.produce(batch);
      const read = await ctx.read();
      if (read.records.length !== records.length) return fail(`the resend answered ${errorName(again.errorCode)} at offset ${again.baseOffset}; the log holds ${read.records.length} records (written ${records.length}): the duplicate was appended`);
      if (again.errorCode !== 0 && again.errorCode !== Err.DUPLICATE_SEQUENCE_NUMBER) return fail(`the resend answered ${errorName(again.errorCode)}`);
      if (again.baseOffset !== first.baseOffset && again.errorCode === 0) return fail(`the resend answered offset ${again.baseOffset}, the first ${first.baseOffset}`);
      return pass(`resend answered ${errorName(again.errorCode)} with base offset ${again.baseOffset}; stored once`);
    },
  },
  {
    id: 'idempotence.sequence-gap',
    group,
    title: 'A sequence gap is refused',
    reference: 'KIP-98; Errors.OUT_OF_ORDER_SEQUENCE_NUMBER',
    level: 'MUST',
    expected: 'after sequences 0-1, a batch at sequence 5: OUT_OF_ORDER_SEQUENCE_NUMBER (45), not stored',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const first = await ctx.produce(await p.make(simpleRecords(2, 'gap-a', now(ctx)), 0));
      if (first.errorCode !== 0) return fail(`sequence 0 answered ${errorName(first.errorCode)}`);
      const gap = await ctx.produce(await p.make(simpleRecords(2, 'gap-b', now(ctx)), 5));
      const read = await ctx.read();
      if (gap.errorCode !== Err.OUT_OF_ORDER_SEQUENCE_NUMBER) return fail(`sequence 5 after 0-1 answered ${errorName(gap.errorCode)}; the log holds ${read.records.length} records`);
      if (read.records.length !== 2) return fail(`OUT_OF_ORDER_SEQUENCE_NUMBER, but the log holds ${read.records.length} records`);
      return pass('OUT_OF_ORDER_SEQUENCE_NUMBER; not stored');
    },
  },
  {
    id: 'idempotence.old-epoch',
    group,
    title: 'A batch with an older producer epoch is refused',
    reference: 'KIP-360 (client-side epoch bump); Errors.INVALID_PRODUCER_EPOCH / PRODUCER_FENCED',
    level: 'MUST',
    expected: 'after epoch E+1 wrote, a batch at epoch E: INVALID_PRODUCER_EPOCH (47) or PRODUCER_FENCED (90), not stored',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const a = await ctx.produce(await p.make(simpleRecords(1, 'e0', now(ctx)), 0));
      const b = await ctx.produce(await p.make(simpleRecords(1, 'e1', now(ctx)), 0, p.epoch + 1));
      if (a.errorCode !== 0 || b.errorCode !== 0) return fail(`epoch ${p.epoch} answered ${errorName(a.errorCode)}, the bumped epoch ${p.epoch + 1} (sequence 0) ${errorName(b.errorCode)}`);
      const old = await ctx.produce(await p.make(simpleRecords(1, 'e0-late', now(ctx)), 1));
      const read = await ctx.read();
      if (old.errorCode !== Err.INVALID_PRODUCER_EPOCH && old.errorCode !== Err.PRODUCER_FENCED) return fail(`epoch ${p.epoch} after ${p.epoch + 1} answered ${errorName(old.errorCode)}; the log holds ${read.records.length} records`);
      if (read.records.length !== 2) return fail(`refused, but the log holds ${read.records.length} records`);
      return pass(`${errorName(old.errorCode)}; not stored`);
    },
  },
  {
    id: 'idempotence.new-epoch-sequence',
    group,
    title: 'A new producer epoch must start at sequence 0',
    reference: 'KIP-360; ProducerStateManager: "Invalid sequence number for new epoch"',
    level: 'MUST',
    expected: 'after epoch E wrote, epoch E+1 at sequence 3: OUT_OF_ORDER_SEQUENCE_NUMBER (45), not stored',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const a = await ctx.produce(await p.make(simpleRecords(2, 'ne', now(ctx)), 0));
      if (a.errorCode !== 0) return fail(`epoch ${p.epoch} answered ${errorName(a.errorCode)}`);
      const b = await ctx.produce(await p.make(simpleRecords(1, 'ne1', now(ctx)), 3, p.epoch + 1));
      const read = await ctx.read();
      if (b.errorCode !== Err.OUT_OF_ORDER_SEQUENCE_NUMBER) return fail(`epoch ${p.epoch + 1} at sequence 3 answered ${errorName(b.errorCode)}; the log holds ${read.records.length} records`);
      return read.records.length === 2 ? pass('OUT_OF_ORDER_SEQUENCE_NUMBER; not stored') : fail(`refused, but the log holds ${read.records.length} records`);
    },
  },
  {
    id: 'idempotence.dedup-window',
    group,
    title: 'Each of the last 5 batches is recognized when resent',
    reference: 'KIP-98; ProducerStateEntry NUM_BATCHES_TO_RETAIN = 5 (max.in.flight.requests.per.connection <= 5)',
    level: 'MUST',
    expected: 'five batches sent, then each resent: every resend answered with its original base offset, nothing stored twice',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const batches: Uint8Array[] = [];
      const offsets: bigint[] = [];
      for (let i = 0; i < 5; i++) {
        const batch = await p.make(simpleRecords(2, `w${i}`, now(ctx)), i * 2);
        const answer = await ctx.produce(batch);
        if (answer.errorCode !== 0) return fail(`batch ${i} answered ${errorName(answer.errorCode)}`);
        batches.push(batch);
        offsets.push(answer.baseOffset);
      }
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) {
        const again = await ctx.produce(batches[i]!);
        answers.push(`${errorName(again.errorCode)}@${again.baseOffset}`);
        if ((again.errorCode !== 0 && again.errorCode !== Err.DUPLICATE_SEQUENCE_NUMBER) || (again.errorCode === 0 && again.baseOffset !== offsets[i])) {
          const read = await ctx.read();
          return fail(`resend of batch ${i} (offset ${offsets[i]}) answered ${answers[i]}; the log holds ${read.records.length} records (written 10)`);
        }
      }
      const read = await ctx.read();
      if (read.records.length !== 10) return fail(`every resend answered as a duplicate, but the log holds ${read.records.length} records (written 10)`);
      return pass(`all 5 resends answered with their original offsets (${offsets.join(',')}); 10 records stored`);
    },
  },
  {
    id: 'idempotence.outside-window',
    group,
    title: 'A resend older than the 5-batch window is refused, not appended',
    reference: 'KIP-98; ProducerStateEntry keeps 5 batches',
    level: 'SHOULD',
    expected: 'after 6 batches, the first resent: OUT_OF_ORDER_SEQUENCE_NUMBER (45) or DUPLICATE_SEQUENCE_NUMBER (46), and not stored again',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      let first: Uint8Array | undefined;
      for (let i = 0; i < 6; i++) {
        const batch = await p.make(simpleRecords(1, `o${i}`, now(ctx)), i);
        first ??= batch;
        const answer = await ctx.produce(batch);
        if (answer.errorCode !== 0) return fail(`batch ${i} answered ${errorName(answer.errorCode)}`);
      }
      const again = await ctx.produce(first!);
      const read = await ctx.read();
      if (read.records.length !== 6) return fail(`the resend answered ${errorName(again.errorCode)}; the log holds ${read.records.length} records (written 6)`);
      if (again.errorCode !== Err.OUT_OF_ORDER_SEQUENCE_NUMBER && again.errorCode !== Err.DUPLICATE_SEQUENCE_NUMBER) {
        return fail(`the resend answered ${errorName(again.errorCode)} at offset ${again.baseOffset} without storing it`);
      }
      return pass(`${errorName(again.errorCode)}; not stored`);
    },
  },
  {
    id: 'idempotence.sequence-wrap',
    group,
    title: 'Sequence numbers wrap from 2^31-1 to 0',
    reference: 'KIP-98 (DefaultRecordBatch.incrementSequence; ProducerStateManager inSequence)',
    level: 'MUST',
    expected: 'a new producer id starting at 2147483646 with 3 records (2147483646, 2147483647, 0) — a producer the partition has no state for may start at any sequence (KIP-360) — then a batch at 1: both NONE; resending the second is a duplicate; 5 records stored',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      // A producer id the partition has not seen may start at any sequence (no state to continue).
      const a = await ctx.produce(await p.make(simpleRecords(3, 'wrap-a', now(ctx)), 2147483646));
      if (a.errorCode !== 0) return fail(`the batch at 2147483646 answered ${errorName(a.errorCode)}`);
      const second = await p.make(simpleRecords(2, 'wrap-b', now(ctx)), 1);
      const b = await ctx.produce(second);
      if (b.errorCode !== 0) return fail(`the batch at 1 after the wrap answered ${errorName(b.errorCode)}`);
      const again = await ctx.produce(second);
      const read = await ctx.read();
      if (read.records.length !== 5) return fail(`the resend after the wrap answered ${errorName(again.errorCode)}; the log holds ${read.records.length} records (written 5)`);
      return pass(`both batches stored across the wrap; the resend answered ${errorName(again.errorCode)} at offset ${again.baseOffset}`);
    },
  },
  {
    id: 'idempotence.negative-sequence',
    group,
    title: 'A batch with a producer id but no sequence is refused',
    reference: 'LogValidator: "Invalid sequence number" for hasProducerId() && baseSequence < 0; Errors.INVALID_RECORD',
    level: 'MUST',
    expected: 'INVALID_RECORD (87); nothing stored',
    topic: {},
    async run(ctx) {
      const p = await producer(ctx);
      const batch = restamped(await p.make(simpleRecords(2, 'noseq', now(ctx)), 0), p.producerId, p.epoch, -1);
      const answer = await ctx.produce(batch);
      const read = await ctx.read();
      if (answer.errorCode !== Err.INVALID_RECORD) return fail(`answered ${errorName(answer.errorCode)}; the log holds ${read.records.length} records`);
      if (read.records.length !== 0) return fail(`INVALID_RECORD, but ${read.records.length} records stored`);
      const diff = recordsDiffer([], read.records);
      return diff ? fail(diff) : pass('INVALID_RECORD; nothing stored');
    },
  },
];
