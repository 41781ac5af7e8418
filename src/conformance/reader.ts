/**
 * The verification reader: what a check reads back to see what the broker stored. Fetch (from
 * the partition's leader, by topic id from v13) and ListOffsets, at versions the caller may
 * pin; every RecordBatch of the answer is cut out, its CRC32C checked and its records
 * decompressed and decoded (readRecordBatches). A batch cut short by the size limit (Fetch may
 * end with one) is left for the next Fetch.
 *
 * This is not a consumer: no group, no positions, no isolation filtering. It returns what the
 * broker answered — data batches, control batches, aborted-transaction list, high watermark,
 * last stable offset — and the checks judge it.
 */
import { getCodec, type CodecOptions } from '../compression/index.js';
import { KafkaWireError } from '../errors.js';
import { ApiKey, FETCH_MAX_VERSION_WITH_TOPIC_NAMES } from '../protocol/api-keys.js';
import { errorForCode } from '../protocol/error-codes.js';
import { isZeroUuid, type AbortedTransaction, type ListOffsetsPartitionResponse } from '../protocol/messages/index.js';
import { readRecordBatches, type DecodedRecord, type DecodedRecordBatch } from '../protocol/record-batch.js';
import type { ConformanceClient } from './client.js';

/** One partition, where to find it. */
export interface PartitionRef {
  readonly topic: string;
  /** Zero or absent when the broker reports none (Metadata < v10). */
  readonly topicId?: Uint8Array;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
}

export interface FetchedBatch {
  readonly batch: DecodedRecordBatch;
  /** The batch's bytes as the broker returned them. */
  readonly bytes: Uint8Array;
}

export interface ReadResult {
  readonly batches: FetchedBatch[];
  /** Records of the data (non-control) batches, in offset order. */
  readonly records: DecodedRecord[];
  readonly controlBatches: DecodedRecordBatch[];
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  /** From the last Fetch answer (read_committed only; null otherwise). */
  readonly abortedTransactions: AbortedTransaction[] | null;
  readonly version: number;
}

export interface ReadOptions {
  readonly fromOffset?: bigint;
  /** 0 read_uncommitted (default), 1 read_committed. */
  readonly isolation?: number;
  readonly version?: number;
  readonly codecOptions?: CodecOptions;
}

/** A read that found something wrong with what the broker returned (a failure of the check). */
export class ReadBackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadBackError';
  }
}

export function fetchVersion(client: ConformanceClient, ref: PartitionRef): number {
  const byId = ref.topicId !== undefined && !isZeroUuid(ref.topicId);
  const v = client.version(ApiKey.Fetch, { cap: byId ? Infinity : FETCH_MAX_VERSION_WITH_TOPIC_NAMES });
  if (v === null) throw new KafkaWireError('UNSUPPORTED_VERSION', 'the broker advertises no Fetch version kafka-wire reads (v4+)');
  return v;
}

/** Complete batches of a Fetch answer's records (a trailing partial batch is dropped). */
function splitBatches(records: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (records.length - pos >= 12) {
    const size = new DataView(records.buffer, records.byteOffset + pos, 12).getInt32(8) + 12;
    if (size < 12 || pos + size > records.length) break;
    out.push(records.slice(pos, pos + size));
    pos += size;
  }
  return out;
}

/** Reads from `fromOffset` to the end (the high watermark, or the last stable offset under read_committed). */
export async function readPartition(client: ConformanceClient, ref: PartitionRef, options: ReadOptions = {}): Promise<ReadResult> {
  const version = options.version ?? fetchVersion(client, ref);
  const isolation = options.isolation ?? 0;
  const codecOptions = options.codecOptions ?? {};
  const decompress = async (id: number, data: Uint8Array): Promise<Uint8Array> => (await getCodec(id, codecOptions)).decompress(data);
  let offset = options.fromOffset ?? 0n;
  const batches: FetchedBatch[] = [];
  let hw = -1n;
  let lso = -1n;
  let logStart = -1n;
  let aborted: AbortedTransaction[] | null = null;
  for (let round = 0; round < 100; round++) {
    const byId = version >= 13;
    const answer = await client.send(
      ApiKey.Fetch,
      version,
      {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 16 * 1024 * 1024,
        isolationLevel: isolation,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: ref.topic,
            ...(byId && ref.topicId ? { topicId: ref.topicId } : {}),
            partitions: [{ partition: ref.partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 8 * 1024 * 1024 }],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      },
      { node: ref.leader },
    );
    if (answer.errorCode !== 0) throw new ReadBackError(`Fetch v${version} answered ${errorForCode(answer.errorCode).name}`);
    const part = answer.responses[0]?.partitions.find((p) => p.partitionIndex === ref.partition);
    if (part === undefined) throw new ReadBackError(`Fetch v${version} answered without partition ${ref.partition}`);
    if (part.errorCode !== 0) throw new ReadBackError(`Fetch v${version} of ${ref.topic}-${ref.partition} answered ${errorForCode(part.errorCode).name}`);
    hw = part.highWatermark;
    lso = part.lastStableOffset;
    logStart = part.logStartOffset;
    if (isolation === 1) aborted = [...(aborted ?? []), ...(part.abortedTransactions ?? [])];
    const end = isolation === 1 && lso >= 0n ? lso : hw;
    let progressed = false;
    for (const bytes of splitBatches(part.records ?? new Uint8Array(0))) {
      let decoded: DecodedRecordBatch[];
      try {
        decoded = await readRecordBatches(bytes, decompress);
      } catch (e) {
        throw new ReadBackError(`the broker returned a batch it should not have stored: ${(e as Error).message}`);
      }
      const batch = decoded[0]!;
      const last = batch.baseOffset + BigInt(batch.lastOffsetDelta);
      if (last < offset) continue; // before the fetch offset (a compressed batch is returned whole)
      batches.push({ batch, bytes });
      offset = last + 1n;
      progressed = true;
    }
    if (offset >= end || !progressed) break;
  }
  const records: DecodedRecord[] = [];
  const controlBatches: DecodedRecordBatch[] = [];
  for (const { batch } of batches) {
    if (batch.isControl) controlBatches.push(batch);
    else for (const r of batch.records) if (r.offset >= (options.fromOffset ?? 0n)) records.push(r);
  }
  return { batches, records, controlBatches, highWatermark: hw, lastStableOffset: lso, logStartOffset: logStart, abortedTransactions: aborted, version };
}

/** ListOffsets for one partition and timestamp, at `version` or the highest common one. */
export async function listOffset(
  client: ConformanceClient,
  ref: PartitionRef,
  timestamp: bigint,
  options: { isolation?: number; version?: number } = {},
): Promise<ListOffsetsPartitionResponse & { version: number }> {
  const version = options.version ?? client.version(ApiKey.ListOffsets);
  if (version === null) throw new KafkaWireError('UNSUPPORTED_VERSION', 'the broker advertises no ListOffsets version kafka-wire speaks (v1+)');
  const answer = await client.send(
    ApiKey.ListOffsets,
    version,
    {
      replicaId: -1,
      isolationLevel: options.isolation ?? 0,
      topics: [{ name: ref.topic, partitions: [{ partitionIndex: ref.partition, currentLeaderEpoch: -1, timestamp }] }],
      timeoutMs: 10_000,
    },
    { node: ref.leader },
  );
  const part = answer.topics[0]?.partitions.find((p) => p.partitionIndex === ref.partition);
  if (part === undefined) throw new ReadBackError(`ListOffsets v${version} answered without partition ${ref.partition}`);
  return { ...part, version };
}
