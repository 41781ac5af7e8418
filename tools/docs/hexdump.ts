/**
 * Annotated hexdumps for docs/INTERNALS.md, computed from real bytes: a RecordBatch v2 written by
 * Kafka's Java MemoryRecordsBuilder (fixtures/records, see fixtures/manifest.json) and a Produce
 * request frame written by our encoder (src/protocol/messages/produce.ts) from fixed inputs,
 * carrying that same Java batch. Each field is read here with its own small reader, so the
 * table is an independent second reading of the bytes; test/unit/internals-doc.test.ts checks
 * the values against src/protocol's decoders and the manifest's Java-decoded view.
 */
import { crc32c } from '../../src/protocol/crc32c.js';
import { encodeProduceRequest } from '../../src/protocol/messages/produce.js';
import { uuidFromString } from '../../src/protocol/messages/uuid.js';
import { fixtureBytes, manifest } from '../../test/helpers/fixtures.js';

/** The Java-made batch the doc dissects. */
export const BATCH_FIXTURE = 'records/idempotent-single.bin';

/** Fixed inputs of the Produce frame (topic id and partition as in fixtures/produce/request-v13.bin). */
export const FRAME_INPUTS = {
  version: 13,
  correlationId: 7,
  clientId: 'orders',
  acks: -1,
  timeoutMs: 30_000,
  topicId: '3zhK6Xx3rTABYmqrAfLrKg',
  partition: 2,
} as const;

export interface Row {
  offset: number;
  length: number;
  field: string;
  value: string;
  meaning: string;
}

/** Reads fields one by one and records a row for each. */
class Annotator {
  readonly rows: Row[] = [];
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private row(start: number, field: string, value: string, meaning: string): void {
    this.rows.push({ offset: start, length: this.pos - start, field, value, meaning });
  }
  int8(field: string, meaning: string | ((v: number) => string)): number {
    const s = this.pos;
    const v = this.view.getInt8(this.pos++);
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  int16(field: string, meaning: string | ((v: number) => string)): number {
    const s = this.pos;
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  int32(field: string, meaning: string | ((v: number) => string)): number {
    const s = this.pos;
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  uint32(field: string, meaning: string | ((v: number) => string), hex = false): number {
    const s = this.pos;
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    this.row(s, field, hex ? `0x${v.toString(16).padStart(8, '0')}` : String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  int64(field: string, meaning: string | ((v: bigint) => string)): bigint {
    const s = this.pos;
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  private rawUvarint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  }
  /** Unsigned varint (flexible versions' lengths and tagged-field counts). */
  uvarint(field: string, meaning: string | ((v: number) => string)): number {
    const s = this.pos;
    const v = Number(this.rawUvarint());
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  /** Zigzag varint / varlong (record fields). */
  varint(field: string, meaning: string | ((v: bigint) => string)): bigint {
    const s = this.pos;
    const u = this.rawUvarint();
    const v = (u >> 1n) ^ -(u & 1n);
    this.row(s, field, String(v), typeof meaning === 'string' ? meaning : meaning(v));
    return v;
  }
  raw(n: number, field: string, value: string, meaning: string): Uint8Array {
    const s = this.pos;
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.row(s, field, value, meaning);
    return b;
  }
}

const utf8 = new TextDecoder();
const quoted = (b: Uint8Array): string => JSON.stringify(utf8.decode(b));
const iso = (ms: bigint): string => new Date(Number(ms)).toISOString();

/** Annotates one RecordBatch v2 (uncompressed), starting at `buf[0]`. */
export function annotateRecordBatch(buf: Uint8Array): Row[] {
  const a = new Annotator(buf);
  a.int64('baseOffset', 'a producer writes 0; the leader assigns the real offset when it appends');
  const batchLength = a.int32('batchLength', (v) => `bytes after this field: ${v} + 12 = ${v + 12}, the whole batch`);
  a.int32('partitionLeaderEpoch', (v) => (v === -1 ? 'none (-1): the leader stamps its epoch on append' : `leader epoch ${v}`));
  a.int8('magic', (v) => (v === 2 ? 'RecordBatch v2, the format Produce v3 and later require' : `magic ${v}`));
  const crcAt = a.pos;
  const crc = a.uint32('crc', () => {
    const computed = crc32c(buf, crcAt + 4, 12 + batchLength);
    return `CRC-32C (Castagnoli) of bytes ${crcAt + 4}..${12 + batchLength - 1}, attributes to the end; computed here: 0x${computed.toString(16).padStart(8, '0')}`;
  }, true);
  void crc;
  a.int16('attributes', (v) => {
    const codec = ['none', 'gzip', 'snappy', 'lz4', 'zstd'][v & 7] ?? `codec ${v & 7}`;
    return `bits 0-2 compression = ${codec}, bit 3 timestamp type = ${v & 8 ? 'LogAppendTime' : 'CreateTime'}, bit 4 transactional = ${v & 16 ? 1 : 0}, bit 5 control = ${v & 32 ? 1 : 0}`;
  });
  a.int32('lastOffsetDelta', (v) => `offset of the last record relative to baseOffset: ${v + 1} record(s)`);
  const baseTimestamp = a.int64('baseTimestamp', (v) => `${iso(v)}, the first record's timestamp; records store deltas from it`);
  a.int64('maxTimestamp', (v) => `${iso(v)}, the largest timestamp in the batch`);
  a.int64('producerId', (v) => (v < 0n ? 'none (-1): not idempotent' : `from InitProducerId; above 2^53, so a JavaScript number would corrupt it (bigint here)`));
  a.int16('producerEpoch', (v) => (v < 0 ? 'none' : 'bumped (KIP-360) when sequences must restart; the broker fences older epochs'));
  const baseSequence = a.int32('baseSequence', (v) => (v < 0 ? 'none' : `sequence of the first record; record i has ${v} + i`));
  const count = a.int32('recordsCount', (v) => `${v} record(s) follow; with baseSequence the last sequence is ${baseSequence + v - 1}`);
  for (let i = 0; i < count; i++) {
    const p = `record[${i}].`;
    const len = a.varint(`${p}length`, (v) => `zigzag varint: ${v} bytes follow for this record`);
    void len;
    a.int8(`${p}attributes`, 'unused, always 0');
    a.varint(`${p}timestampDelta`, (v) => `zigzag varlong: timestamp = baseTimestamp + ${v} = ${iso(baseTimestamp + v)}`);
    a.varint(`${p}offsetDelta`, (v) => `zigzag varint: offset = baseOffset + ${v}`);
    const keyLen = Number(a.varint(`${p}keyLength`, (v) => (v < 0n ? 'null key (-1)' : `zigzag varint: ${v} key bytes`)));
    if (keyLen >= 0) a.raw(keyLen, `${p}key`, quoted(buf.subarray(a.pos, a.pos + keyLen)), 'UTF-8 bytes as the producer serialized them');
    const valueLen = Number(a.varint(`${p}valueLength`, (v) => (v < 0n ? 'null value (-1): a tombstone' : `zigzag varint: ${v} value bytes`)));
    if (valueLen >= 0) a.raw(valueLen, `${p}value`, quoted(buf.subarray(a.pos, a.pos + valueLen)), 'the value bytes');
    const headers = Number(a.varint(`${p}headersCount`, (v) => `zigzag varint: ${v} header(s)`));
    for (let h = 0; h < headers; h++) {
      const kl = Number(a.varint(`${p}header[${h}].keyLength`, 'zigzag varint'));
      a.raw(kl, `${p}header[${h}].key`, quoted(buf.subarray(a.pos, a.pos + kl)), 'header name (UTF-8)');
      const vl = Number(a.varint(`${p}header[${h}].valueLength`, 'zigzag varint (-1: null)'));
      if (vl >= 0) a.raw(vl, `${p}header[${h}].value`, quoted(buf.subarray(a.pos, a.pos + vl)), 'header value');
    }
  }
  if (a.pos !== buf.length) throw new Error(`annotateRecordBatch: ${buf.length - a.pos} bytes left over`);
  return a.rows;
}

/** The Produce frame of the doc: our encoder, FRAME_INPUTS, the Java batch as the records. */
export function produceFrame(): { frame: Uint8Array; batch: Uint8Array } {
  const batch = fixtureBytes(BATCH_FIXTURE);
  const i = FRAME_INPUTS;
  const frame = encodeProduceRequest(
    i.version,
    { correlationId: i.correlationId, clientId: i.clientId },
    { transactionalId: null, acks: i.acks, timeoutMs: i.timeoutMs, topicData: [{ topicId: uuidFromString(i.topicId), partitionData: [{ index: i.partition, records: batch }] }] },
    { sizePrefix: true },
  );
  return { frame, batch };
}

/** Annotates a Produce v13 request frame (size prefix, header v2, body) with one topic and one partition. */
export function annotateProduceFrameV13(frame: Uint8Array): Row[] {
  const a = new Annotator(frame);
  a.int32('size', (v) => `frame length after this field: ${v} + 4 = ${v + 4} bytes on the wire`);
  a.int16('request_api_key', (v) => (v === 0 ? 'Produce' : `api ${v}`));
  a.int16('request_api_version', (v) => `v${v}: flexible (compact strings/arrays, tagged fields) since v9, topic ids instead of names since v13`);
  a.int32('correlation_id', 'echoed in the response; matches it to this request on the connection');
  const idLen = a.int16('client_id length', 'int16 length: the header keeps a classic (non-compact) nullable string even in v2');
  a.raw(idLen, 'client_id', quoted(frame.subarray(a.pos, a.pos + idLen)), 'client.id');
  a.uvarint('header tagged fields', 'request header v2: number of tagged fields (none)');
  a.uvarint('transactional_id', (v) => (v === 0 ? 'compact nullable string: 0 = null (idempotent, not transactional)' : `length + 1 = ${v}`));
  a.int16('acks', (v) => (v === -1 ? 'all: the leader answers once every in-sync replica has the batch' : `acks=${v}`));
  a.int32('timeout_ms', 'how long the leader may wait for the in-sync replicas (request.timeout.ms)');
  const topics = a.uvarint('topic_data count', (v) => `compact array: length + 1, so ${v - 1} topic(s)`) - 1;
  for (let t = 0; t < topics; t++) {
    const id = frame.subarray(a.pos, a.pos + 16);
    a.raw(16, `topic[${t}].topic_id`, base64url(id), 'the topic id (UUID) from Metadata, printed as Kafka prints it');
    const parts = a.uvarint(`topic[${t}].partition_data count`, (v) => `compact array: ${v - 1} partition(s)`) - 1;
    for (let p = 0; p < parts; p++) {
      a.int32(`topic[${t}].partition[${p}].index`, 'partition number');
      const len = a.uvarint(`topic[${t}].partition[${p}].records length`, (v) => `compact bytes: length + 1, so ${v - 1} bytes of records`) - 1;
      a.raw(len, `topic[${t}].partition[${p}].records`, `${len} bytes`, `the RecordBatch above, byte for byte (our Sender writes a batch's own buffer here, no copy)`);
      a.uvarint(`topic[${t}].partition[${p}] tagged fields`, 'none');
    }
    a.uvarint(`topic[${t}] tagged fields`, 'none');
  }
  a.uvarint('request tagged fields', 'none');
  if (a.pos !== frame.length) throw new Error(`annotateProduceFrameV13: ${frame.length - a.pos} bytes left over`);
  return a.rows;
}

function base64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** A Markdown table of rows; fields longer than `maxBytes` show their first bytes and a length. */
export function rowsTable(buf: Uint8Array, rows: readonly Row[], maxBytes = 16): string {
  const out = ['| offset | bytes | field | value | meaning |', '|---:|---|---|---|---|'];
  for (const r of rows) {
    const b = buf.subarray(r.offset, r.offset + r.length);
    const shown = b.length > maxBytes ? `${hex(b.subarray(0, 8))} … (${b.length} bytes)` : hex(b);
    out.push(`| ${r.offset} | \`${shown}\` | ${r.field} | ${r.value.replace(/\|/g, '\\|')} | ${r.meaning} |`);
  }
  return out.join('\n');
}

/** A classic hexdump: offset, 16 bytes, printable ASCII. */
export function hexdump(buf: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i += 16) {
    const b = buf.subarray(i, i + 16);
    const ascii = [...b].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex(b).padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** The manifest entry of the dissected batch (what Java says it holds). */
export function batchManifestEntry(): { about: string; source: string; decoded: Record<string, unknown> } {
  const e = manifest().find((m) => m.file === BATCH_FIXTURE);
  if (!e || !e.decoded) throw new Error(`${BATCH_FIXTURE} missing from fixtures/manifest.json`);
  return { about: (e as unknown as { about: string }).about, source: e.source, decoded: e.decoded };
}
