/**
 * RecordBatch v2 (magic 2), the on-disk and on-wire unit of Kafka records since 0.11.
 *
 *   baseOffset: int64            0
 *   batchLength: int32           8   bytes after this field
 *   partitionLeaderEpoch: int32 12
 *   magic: int8 (= 2)           16
 *   crc: uint32                 17   CRC32C over attributes..end
 *   attributes: int16           21   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *   lastOffsetDelta: int32      23
 *   baseTimestamp: int64        27
 *   maxTimestamp: int64         35
 *   producerId: int64           43
 *   producerEpoch: int16        51
 *   baseSequence: int32         53
 *   recordCount: int32          57
 *   records                     61   each: varint length, int8 attributes, varlong timestampDelta,
 *                                    varint offsetDelta, varint keyLen + key, varint valueLen + value,
 *                                    varint headerCount, headers (varint keyLen + key, varint valueLen + value)
 *
 * RecordBatchBuilder is the producer's hot path: each record is encoded once, in place, into
 * the batch's buffer (which the BufferPool owns), with no temporary buffer per record. The
 * producer state (id, epoch, base sequence) is written when the sender first drains the batch
 * and the CRC is computed then, once. Compression replaces the records section on seal.
 *
 * The reader (readRecordBatches) is for tests and tools: it validates lengths, magic and CRC
 * and decompresses through a hook.
 */
import { KafkaWireError, ProtocolError } from '../errors.js';
import { crc32c } from './crc32c.js';
import { sizeOfVarint, sizeOfVarlongNumber, zigzag64 } from './varint.js';

export const RECORD_BATCH_HEADER_SIZE = 61;
export const MAGIC_V2 = 2;

const OFFSET_BATCH_LENGTH = 8;
const OFFSET_LEADER_EPOCH = 12;
const OFFSET_MAGIC = 16;
const OFFSET_CRC = 17;
const OFFSET_ATTRIBUTES = 21;
const OFFSET_LAST_OFFSET_DELTA = 23;
const OFFSET_BASE_TIMESTAMP = 27;
const OFFSET_MAX_TIMESTAMP = 35;
const OFFSET_PRODUCER_ID = 43;
const OFFSET_PRODUCER_EPOCH = 51;
const OFFSET_BASE_SEQUENCE = 53;
const OFFSET_RECORD_COUNT = 57;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_LOG_APPEND_TIME = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/** What a record's key, value and header values may be when appended: strings are written as UTF-8. */
export type RecordData = Uint8Array | string | null;
/** A header as written: Kafka header keys are strings; values are bytes or null. */
export type RecordHeaderInput = readonly [key: string, value: RecordData];

// ---------------------------------------------------------------------------------------------
// Sizes. Computed before writing because a record's length prefix precedes it.

/**
 * UTF-8 length of a JavaScript string, exactly as TextEncoder encodes it (a lone surrogate
 * becomes U+FFFD, three bytes). Returns a negative value for pure-ASCII strings (-(length) - 1)
 * so the writer can take the byte-copy fast path without scanning twice.
 */
function utf8Length(s: string): number {
  const n = s.length;
  let bytes = 0;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else {
      ascii = false;
      if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          bytes += 4;
          i++;
        } else bytes += 3;
      } else bytes += 3;
    }
  }
  return ascii ? -bytes - 1 : bytes;
}

const textEncoder = new TextEncoder();
/** ASCII strings shorter than this are copied by a JavaScript loop (measured crossover ~50). */
const ASCII_LOOP_MAX = 48;
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Bytes `data` occupies when written (strings as UTF-8). */
export function byteLengthOf(data: RecordData): number {
  if (data === null) return -1;
  if (typeof data === 'string') {
    const n = utf8Length(data);
    return n < 0 ? -n - 1 : n;
  }
  return data.length;
}

function sizeOfField(len: number): number {
  return len < 0 ? 1 : sizeOfVarint(len) + len;
}

/** The encoded size of one record's body (without its own length prefix). */
function recordBodySize(
  offsetDelta: number,
  timestampDelta: number,
  keyLen: number,
  valueLen: number,
  headers: readonly RecordHeaderInput[] | null,
): number {
  let size = 1 + sizeOfVarlongNumber(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfField(keyLen) + sizeOfField(valueLen);
  const count = headers === null ? 0 : headers.length;
  size += sizeOfVarint(count);
  for (let i = 0; i < count; i++) {
    const h = headers![i]!;
    size += sizeOfField(byteLengthOf(h[0])) + sizeOfField(byteLengthOf(h[1]));
  }
  return size;
}

/**
 * An upper bound on the bytes one record adds to a batch, used to size a dedicated buffer for
 * a record larger than batch.size and to reject records larger than max.request.size early.
 */
export function estimateRecordSizeUpperBound(
  key: RecordData,
  value: RecordData,
  headers: readonly RecordHeaderInput[] | null,
): number {
  // Worst-case deltas: 10-byte varlong timestamp delta, 5-byte varint offset delta.
  const body = recordBodySize(0x7fffffff, Number.MAX_SAFE_INTEGER, byteLengthOf(key), byteLengthOf(value), headers);
  return body + 5;
}

// ---------------------------------------------------------------------------------------------
// Writer

export interface RecordBatchOptions {
  /** Kafka compression id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd); the records are compressed on seal. */
  compression?: number;
  /** Sets the transactional bit (attributes bit 4). */
  transactional?: boolean;
  /**
   * Writes a LogAppendTime batch whose maxTimestamp is this time (brokers do this; producers
   * write CreateTime). Readers then report it as every record's timestamp.
   */
  logAppendTime?: number;
  partitionLeaderEpoch?: number;
  baseOffset?: bigint;
}

/**
 * Encodes records in place into a caller-provided buffer (a BufferPool slice). `tryAppend`
 * returns false, writing nothing, when the record does not fit; the owner then seals this batch
 * and starts another. Not reusable after `close()`.
 */
export class RecordBatchBuilder {
  /** The buffer the records are written into; bytes [0, size) are the batch once closed. */
  readonly buffer: Uint8Array;
  private readonly view: DataView;
  private pos = RECORD_BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = -1;
  private readonly attributes: number;
  private readonly partitionLeaderEpoch: number;
  private readonly baseOffset: bigint;
  private readonly logAppendTime: number | undefined;
  private closedSize = -1;

  constructor(buffer: Uint8Array, options: RecordBatchOptions = {}) {
    if (buffer.length < RECORD_BATCH_HEADER_SIZE) throw new RangeError('RecordBatch buffer smaller than its header');
    this.buffer = buffer;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.attributes =
      ((options.compression ?? 0) & ATTR_COMPRESSION_MASK) |
      (options.logAppendTime !== undefined ? ATTR_LOG_APPEND_TIME : 0) |
      (options.transactional ? ATTR_TRANSACTIONAL : 0);
    this.partitionLeaderEpoch = options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH;
    this.baseOffset = options.baseOffset ?? 0n;
    this.logAppendTime = options.logAppendTime;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes used so far (header included, records uncompressed). */
  get sizeInBytes(): number {
    return this.pos;
  }

  get capacity(): number {
    return this.buffer.length;
  }

  get compression(): number {
    return this.attributes & ATTR_COMPRESSION_MASK;
  }

  get isClosed(): boolean {
    return this.closedSize >= 0;
  }

  /**
   * Appends one record; returns false (and writes nothing) if it does not fit in the buffer.
   * `timestamp` is milliseconds since the epoch (a safe integer).
   */
  tryAppend(timestamp: number, key: RecordData, value: RecordData, headers: readonly RecordHeaderInput[] | null): boolean {
    if (this.closedSize >= 0) throw new Error('RecordBatchBuilder is closed');
    // Deltas are exact only between safe integers: anything else would be written wrong.
    if (!Number.isSafeInteger(timestamp)) throw new KafkaWireError('INVALID_TIMESTAMP', `Invalid timestamp ${timestamp}: it must be an integer of ms within ±(2^53-1)`);
    if (this.count === 0) this.baseTimestamp = timestamp;
    const offsetDelta = this.count;
    const timestampDelta = timestamp - this.baseTimestamp;
    const keyLen = typeof key === 'string' ? utf8Length(key) : key === null ? -1 : key.length;
    const valueLen = typeof value === 'string' ? utf8Length(value) : value === null ? -1 : value.length;
    // utf8Length flags ASCII with a negative value; recover the byte length for sizing.
    const keyBytes = typeof key === 'string' && keyLen < 0 ? -keyLen - 1 : keyLen;
    const valueBytes = typeof value === 'string' && valueLen < 0 ? -valueLen - 1 : valueLen;
    const bodySize = recordBodySize(offsetDelta, timestampDelta, keyBytes, valueBytes, headers);
    const total = sizeOfVarint(bodySize) + bodySize;
    if (this.pos + total > this.buffer.length) return false;

    const buf = this.buffer;
    let p = this.writeVarint(this.pos, bodySize);
    buf[p++] = 0; // record attributes: unused
    p = this.writeVarlong(p, timestampDelta);
    p = this.writeVarint(p, offsetDelta);
    p = this.writeData(p, key, keyLen);
    p = this.writeData(p, value, valueLen);
    const headerCount = headers === null ? 0 : headers.length;
    p = this.writeVarint(p, headerCount);
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i]!;
      const hk = h[0];
      const hv = h[1];
      p = this.writeData(p, hk, utf8Length(hk));
      p = this.writeData(p, hv, typeof hv === 'string' ? utf8Length(hv) : hv === null ? -1 : hv.length);
    }
    this.pos = p;
    this.count++;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return true;
  }

  /**
   * Fills the header and returns the batch bytes (a view into the buffer). The producer fields
   * and CRC are written by `setProducerState`, which the sender calls when it first drains the
   * batch; until then the CRC is computed with "no producer" values. Compression, when
   * configured, is applied afterwards by `withCompressedRecords` to `recordsSection()`.
   */
  close(options: { crc?: boolean } = {}): Uint8Array {
    if (this.closedSize >= 0) return this.buffer.subarray(0, this.closedSize);
    const v = this.view;
    v.setBigInt64(0, this.baseOffset);
    v.setInt32(OFFSET_BATCH_LENGTH, this.pos - 12);
    v.setInt32(OFFSET_LEADER_EPOCH, this.partitionLeaderEpoch);
    v.setInt8(OFFSET_MAGIC, MAGIC_V2);
    v.setInt16(OFFSET_ATTRIBUTES, this.attributes);
    v.setInt32(OFFSET_LAST_OFFSET_DELTA, this.count - 1);
    v.setBigInt64(OFFSET_BASE_TIMESTAMP, BigInt(this.baseTimestamp));
    v.setBigInt64(OFFSET_MAX_TIMESTAMP, BigInt(this.logAppendTime ?? (this.count === 0 ? -1 : this.maxTimestamp)));
    v.setBigInt64(OFFSET_PRODUCER_ID, NO_PRODUCER_ID);
    v.setInt16(OFFSET_PRODUCER_EPOCH, NO_PRODUCER_EPOCH);
    v.setInt32(OFFSET_BASE_SEQUENCE, NO_SEQUENCE);
    v.setInt32(OFFSET_RECORD_COUNT, this.count);
    this.closedSize = this.pos;
    const bytes = this.buffer.subarray(0, this.pos);
    // The producer skips this (crc: false) and checksums once, when the batch is sent.
    if (options.crc !== false) writeCrc(bytes);
    return bytes;
  }

  /** The uncompressed records section (valid after close), for the compressor. */
  recordsSection(): Uint8Array {
    return this.buffer.subarray(RECORD_BATCH_HEADER_SIZE, this.pos);
  }

  private writeVarint(p: number, v: number): number {
    let z = ((v << 1) ^ (v >> 31)) >>> 0;
    const buf = this.buffer;
    while (z >= 0x80) {
      buf[p++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[p++] = z;
    return p;
  }

  private writeVarlong(p: number, v: number): number {
    if (v >= -0x40000000 && v < 0x40000000) return this.writeVarint(p, v);
    // Beyond ±2^52 the zigzag value (2|v|) is no longer exact in a double: use bigint there.
    if (v >= 2 ** 52 || v <= -(2 ** 52)) return this.writeVarlongBig(p, BigInt(v));
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    const buf = this.buffer;
    while (z >= 128) {
      buf[p++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    buf[p++] = z;
    return p;
  }

  private writeVarlongBig(p: number, v: bigint): number {
    let z = zigzag64(v);
    const buf = this.buffer;
    while (z >= 0x80n) {
      buf[p++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    buf[p++] = Number(z);
    return p;
  }

  /** Writes varint length + bytes; `len` is -1 for null, or utf8Length()'s result for strings. */
  private writeData(p: number, data: RecordData, len: number): number {
    if (data === null) return this.writeVarint(p, -1);
    const buf = this.buffer;
    if (typeof data === 'string') {
      if (len < 0) {
        const n = -len - 1;
        p = this.writeVarint(p, n);
        // Pure ASCII: short strings byte by byte (an encoder call costs more than the loop),
        // longer ones through the native encoder (several times faster past ~50 chars).
        if (n < ASCII_LOOP_MAX) for (let i = 0; i < n; i++) buf[p + i] = data.charCodeAt(i);
        else textEncoder.encodeInto(data, buf.subarray(p, p + n));
        return p + n;
      }
      p = this.writeVarint(p, len);
      textEncoder.encodeInto(data, buf.subarray(p, p + len));
      return p + len;
    }
    const n = data.length;
    p = this.writeVarint(p, n);
    // TypedArray.set has a fixed cost that dominates for short keys: copy those by hand.
    if (n < 16) for (let i = 0; i < n; i++) buf[p + i] = data[i]!;
    else buf.set(data, p);
    return p + n;
  }
}

/** Computes and stores the CRC32C of a complete batch (attributes..end). */
export function writeCrc(batch: Uint8Array): void {
  const crc = crc32c(batch, OFFSET_ATTRIBUTES, batch.length);
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setUint32(OFFSET_CRC, crc);
}

/**
 * Writes the idempotent/transactional producer fields into a closed batch and recomputes its
 * CRC. The sender calls this when it assigns sequence numbers (first drain, or after an epoch
 * bump under KIP-360), so the CRC is computed once per such assignment, never per record.
 */
export function setProducerState(batch: Uint8Array, producerId: bigint, producerEpoch: number, baseSequence: number, crc = true): void {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  v.setBigInt64(OFFSET_PRODUCER_ID, producerId);
  v.setInt16(OFFSET_PRODUCER_EPOCH, producerEpoch);
  v.setInt32(OFFSET_BASE_SEQUENCE, baseSequence);
  if (crc) writeCrc(batch);
}

/**
 * Builds the compressed form of a closed batch: same header (with batchLength, attributes kept)
 * followed by `compressedRecords`, written into `target` (or a new array). The CRC is recomputed.
 */
export function withCompressedRecords(closedBatch: Uint8Array, compressedRecords: Uint8Array, target?: Uint8Array, crc = true): Uint8Array {
  const size = RECORD_BATCH_HEADER_SIZE + compressedRecords.length;
  const out = target ? target.subarray(0, size) : new Uint8Array(size);
  out.set(closedBatch.subarray(0, RECORD_BATCH_HEADER_SIZE), 0);
  out.set(compressedRecords, RECORD_BATCH_HEADER_SIZE);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setInt32(OFFSET_BATCH_LENGTH, size - 12);
  if (crc) writeCrc(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reader (tests and tools)

export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: [string, Uint8Array | null][];
}

export interface DecodedRecordBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  records: DecodedRecord[];
  /** Bytes of this batch in the input. */
  sizeInBytes: number;
}

/** Decompresses a batch's records section; `compression` is the attribute's codec id (1..4). */
export type DecompressHook = (compression: number, data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * Reads every RecordBatch v2 in `data` (e.g. a Produce request's records field). Validates the
 * length, magic and CRC; a trailing partial batch is an error (producers never send one).
 */
export async function readRecordBatches(data: Uint8Array, decompress?: DecompressHook): Promise<DecodedRecordBatch[]> {
  const batches: DecodedRecordBatch[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < RECORD_BATCH_HEADER_SIZE) throw new ProtocolError(`RecordBatch header truncated at byte ${pos}`);
    const v = new DataView(data.buffer, data.byteOffset + pos, data.length - pos);
    const batchLength = v.getInt32(OFFSET_BATCH_LENGTH);
    const size = batchLength + 12;
    if (batchLength < RECORD_BATCH_HEADER_SIZE - 12 || size > data.length - pos) {
      throw new ProtocolError(`RecordBatch at byte ${pos} has invalid length ${batchLength} (${data.length - pos} bytes left)`);
    }
    const magic = v.getInt8(OFFSET_MAGIC);
    if (magic !== MAGIC_V2) throw new ProtocolError(`RecordBatch at byte ${pos} has magic ${magic}; only magic 2 is supported`);
    const bytes = data.subarray(pos, pos + size);
    const crc = v.getUint32(OFFSET_CRC);
    const actual = crc32c(bytes, OFFSET_ATTRIBUTES, size);
    if (crc !== actual) throw new ProtocolError(`RecordBatch at byte ${pos} has CRC ${crc} but its bytes give ${actual}`);
    const attributes = v.getInt16(OFFSET_ATTRIBUTES);
    const compression = attributes & ATTR_COMPRESSION_MASK;
    const baseOffset = v.getBigInt64(0);
    const baseTimestamp = v.getBigInt64(OFFSET_BASE_TIMESTAMP);
    const recordCount = v.getInt32(OFFSET_RECORD_COUNT);
    let section = bytes.subarray(RECORD_BATCH_HEADER_SIZE);
    if (compression !== 0) {
      if (compression > 4) throw new ProtocolError(`RecordBatch at byte ${pos} names unknown compression codec ${compression}`);
      if (!decompress) throw new ProtocolError(`RecordBatch at byte ${pos} is compressed (codec ${compression}) and no decompressor was given`);
      try {
        section = await decompress(compression, section);
      } catch (cause) {
        // Corrupt compressed data: native codecs and zlib throw plain Errors; report it as what it is.
        throw new ProtocolError(`RecordBatch at byte ${pos}: records section (codec ${compression}) does not decompress: ${(cause as Error)?.message ?? cause}`, { cause });
      }
    }
    if (recordCount < 0 || recordCount > section.length) {
      throw new ProtocolError(`RecordBatch at byte ${pos} claims ${recordCount} records in ${section.length} bytes`);
    }
    const maxTimestamp = v.getBigInt64(OFFSET_MAX_TIMESTAMP);
    // LogAppendTime: the broker's time (maxTimestamp) is every record's timestamp, as Java reads it.
    const logAppendTime = attributes & ATTR_LOG_APPEND_TIME ? maxTimestamp : null;
    const records = readRecords(section, recordCount, baseOffset, baseTimestamp, logAppendTime);
    batches.push({
      baseOffset,
      partitionLeaderEpoch: v.getInt32(OFFSET_LEADER_EPOCH),
      magic,
      crc,
      attributes,
      compression,
      timestampType: attributes & ATTR_LOG_APPEND_TIME ? 'LogAppendTime' : 'CreateTime',
      isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
      isControl: (attributes & ATTR_CONTROL) !== 0,
      lastOffsetDelta: v.getInt32(OFFSET_LAST_OFFSET_DELTA),
      baseTimestamp,
      maxTimestamp,
      producerId: v.getBigInt64(OFFSET_PRODUCER_ID),
      producerEpoch: v.getInt16(OFFSET_PRODUCER_EPOCH),
      baseSequence: v.getInt32(OFFSET_BASE_SEQUENCE),
      recordCount,
      records,
      sizeInBytes: size,
    });
    pos += size;
  }
  return batches;
}

/** A bounds-checked cursor over a records section. */
class RecordCursor {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new ProtocolError('record truncated');
    return this.buf[this.pos++]!;
  }

  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  varint(): number {
    let result = 0;
    for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >>> 1) ^ -(result & 1);
    }
    throw new ProtocolError('varint longer than 5 bytes');
  }

  /** varint length + bytes; -1 is null. */
  data(what: string): Uint8Array | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < -1 || len > this.buf.length - this.pos) throw new ProtocolError(`record ${what} length ${len} exceeds the ${this.buf.length - this.pos} bytes left`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

function readRecords(section: Uint8Array, count: number, baseOffset: bigint, baseTimestamp: bigint, logAppendTime: bigint | null): DecodedRecord[] {
  const cur = new RecordCursor(section);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = cur.varint();
    const start = cur.pos;
    if (length < 0 || length > section.length - start) throw new ProtocolError(`record ${i} length ${length} exceeds the section`);
    cur.byte(); // attributes
    const timestampDelta = cur.varlong();
    const offsetDelta = cur.varint();
    const key = cur.data('key');
    const value = cur.data('value');
    const headerCount = cur.varint();
    if (headerCount < 0 || headerCount > section.length - cur.pos) throw new ProtocolError(`record ${i} header count ${headerCount} is impossible`);
    const headers: [string, Uint8Array | null][] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = cur.data('header key');
      if (hk === null) throw new ProtocolError(`record ${i} has a null header key`);
      headers.push([textDecoder.decode(hk), cur.data('header value')]);
    }
    if (cur.pos - start !== length) throw new ProtocolError(`record ${i} declared ${length} bytes but used ${cur.pos - start}`);
    records.push({ offset: baseOffset + BigInt(offsetDelta), timestamp: logAppendTime ?? baseTimestamp + timestampDelta, key, value, headers });
  }
  if (cur.pos !== section.length) throw new ProtocolError(`records section has ${section.length - cur.pos} trailing bytes`);
  return records;
}
