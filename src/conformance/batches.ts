/**
 * The record batches the checks send: built with the producer's own RecordBatchBuilder (so the
 * bytes are what kafka-wire's producer writes), compressed by the codec registry, stamped with
 * whatever producer id / epoch / sequence a check needs, and, for the checks about refusals,
 * damaged on purpose (a flipped CRC, an offset range that does not match the record count, a
 * control bit). Plus the comparison that says whether what came back is what was sent.
 *
 * Owns: the sample records (every shape a record can take: key, value, null key, tombstone,
 * empty key and value, binary bytes, headers with repeated names and null values, distinct
 * CreateTimes out of order) and the byte-level comparison. Nothing here talks to a broker.
 */
import { getCodec, type CodecOptions } from '../compression/index.js';
import { RecordBatchBuilder, setProducerState, withCompressedRecords, writeCrc, ATTR_CONTROL, type DecodedRecord, type RecordHeaderInput } from '../protocol/record-batch.js';

/** A record as a check writes it; bytes only, so the comparison is byte-exact. */
export interface TestRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly (readonly [string, Uint8Array | null])[];
  /** CreateTime, ms. */
  readonly timestamp: number;
}

const utf8 = new TextEncoder();
const text = (s: string): Uint8Array => utf8.encode(s);

/**
 * One of every record shape, with CreateTimes in the past (a broker's default
 * log.message.timestamp.after.max.ms refuses the future) and not in order (each record's own
 * timestamp must survive, not the batch's).
 */
export function sampleRecords(now: number): TestRecord[] {
  const binary = new Uint8Array(256);
  for (let i = 0; i < 256; i++) binary[i] = i;
  const compressible = text('kafka-wire conformance '.repeat(120));
  return [
    { key: text('order-1'), value: text('{"total":3}'), headers: [['trace-id', text('abc')]], timestamp: now - 5_000 },
    { key: null, value: text('a record without a key'), headers: [], timestamp: now - 4_000 },
    { key: text('gone'), value: null, headers: [], timestamp: now - 4_500 },
    { key: new Uint8Array(0), value: new Uint8Array(0), headers: [], timestamp: now - 3_000 },
    {
      key: text('headers'),
      value: text('repeated header names, a null header value, non-ASCII'),
      headers: [
        ['dup', text('first')],
        ['dup', text('second')],
        ['dup', null],
        ['ключ', text('значение ✓')],
      ],
      timestamp: now - 2_000,
    },
    { key: binary, value: binary.slice().reverse(), headers: [['bin', binary.subarray(0, 17)]], timestamp: now - 2_500 },
    { key: text('big'), value: compressible, headers: [], timestamp: now - 1_000 },
  ];
}

/** `count` small records `prefix-0`, `prefix-1`, ... */
export function simpleRecords(count: number, prefix: string, now: number): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: text(`${prefix}-k${i}`), value: text(`${prefix}-v${i}`), headers: [], timestamp: now - count + i }));
}

export interface BatchOptions {
  /** Kafka codec id (0 none ... 4 zstd). */
  readonly compression?: number;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly transactional?: boolean;
  readonly codecOptions?: CodecOptions;
}

/** A closed RecordBatch v2 holding `records`, as the producer writes one (CRC computed). */
export async function buildBatch(records: readonly TestRecord[], options: BatchOptions = {}): Promise<Uint8Array> {
  let capacity = 61;
  for (const r of records) {
    capacity += 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [k, v] of r.headers) capacity += 32 + utf8.encode(k).length + (v?.length ?? 0);
  }
  const compression = options.compression ?? 0;
  const builder = new RecordBatchBuilder(new Uint8Array(capacity), { compression, transactional: options.transactional === true });
  for (const r of records) {
    if (!builder.tryAppend(r.timestamp, r.key, r.value, r.headers as readonly RecordHeaderInput[])) throw new RangeError('batch buffer too small (sizing bug)');
  }
  let batch: Uint8Array = builder.close().slice();
  if (compression !== 0) {
    const codec = await getCodec(compression, options.codecOptions ?? {});
    const compressed = await codec.compress(builder.recordsSection());
    batch = withCompressedRecords(batch, compressed);
  }
  if (options.producerId !== undefined) setProducerState(batch, options.producerId, options.producerEpoch ?? 0, options.baseSequence ?? 0);
  return batch;
}

/** A copy of `batch` with other producer fields (CRC recomputed). */
export function restamped(batch: Uint8Array, producerId: bigint, producerEpoch: number, baseSequence: number): Uint8Array {
  const copy = batch.slice();
  setProducerState(copy, producerId, producerEpoch, baseSequence);
  return copy;
}

/** A copy whose stored CRC no longer matches its bytes. */
export function withBadCrc(batch: Uint8Array): Uint8Array {
  const copy = batch.slice();
  copy[20] = copy[20]! ^ 0x01; // the CRC's lowest byte
  return copy;
}

/** A copy whose lastOffsetDelta says `delta` (CRC recomputed, so only the offset range is wrong). */
export function withLastOffsetDelta(batch: Uint8Array, delta: number): Uint8Array {
  const copy = batch.slice();
  new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setInt32(23, delta);
  writeCrc(copy);
  return copy;
}

/** A copy marked as a control batch (CRC recomputed): only a transaction coordinator writes those. */
export function asControlBatch(batch: Uint8Array): Uint8Array {
  const copy = batch.slice();
  const v = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  v.setInt16(21, v.getInt16(21) | ATTR_CONTROL);
  writeCrc(copy);
  return copy;
}

const hex = (b: Uint8Array | null): string => (b === null ? 'null' : b.length > 24 ? `${b.length} bytes ${toHex(b.subarray(0, 12))}…` : `"${toHex(b)}"`);

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The first difference between what was written and what was read back (key, value, each
 * header's name and bytes, the CreateTime), or null when every record came back byte for byte.
 * `logAppendTime`: the topic stamps its own time, so timestamps are not compared.
 */
export function recordsDiffer(sent: readonly TestRecord[], read: readonly DecodedRecord[], options: { logAppendTime?: boolean } = {}): string | null {
  if (sent.length !== read.length) return `${sent.length} records written, ${read.length} read back`;
  for (let i = 0; i < sent.length; i++) {
    const s = sent[i]!;
    const r = read[i]!;
    if (!sameBytes(s.key, r.key)) return `record ${i}: key ${hex(r.key)}, written ${hex(s.key)}`;
    if (!sameBytes(s.value, r.value)) return `record ${i}: value ${hex(r.value)}, written ${hex(s.value)}`;
    if (s.headers.length !== r.headers.length) return `record ${i}: ${r.headers.length} headers, written ${s.headers.length}`;
    for (let h = 0; h < s.headers.length; h++) {
      const [sk, sv] = s.headers[h]!;
      const [rk, rv] = r.headers[h]!;
      if (sk !== rk) return `record ${i}: header ${h} named ${JSON.stringify(rk)}, written ${JSON.stringify(sk)}`;
      if (!sameBytes(sv, rv)) return `record ${i}: header ${h} (${sk}) ${hex(rv)}, written ${hex(sv)}`;
    }
    if (!options.logAppendTime && BigInt(s.timestamp) !== r.timestamp) return `record ${i}: timestamp ${r.timestamp}, written ${s.timestamp}`;
  }
  return null;
}
