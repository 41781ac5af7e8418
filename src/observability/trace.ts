/**
 * Trace: a producer's (or the conformance suite's) conversation with its brokers, one event per
 * request and per response, decoded for people who study the protocol.
 *
 * Owns: turning the frames a connection's tap sees (src/network/connection.ts, FrameTapEvent)
 * into TraceEvents — broker, API name and version, correlation id, bytes on the wire, time since
 * the request, and the decoded body in a JSON-safe form — and the two text forms of an event
 * (`json`: one object per line, for tools; `pretty`: indented, for people). Redaction happens
 * here and only here: SASL payloads (authBytes) and any field named like a password, secret or
 * token are replaced by their size before an event exists, so no output path can leak them.
 * Does not own: where events go (the Producer's `trace` option, the CLI's --trace-file).
 *
 * Record batches are summarized, never dumped: base offset, record count, codec, compressed and
 * uncompressed sizes, producer id / epoch / base sequence, and whether the CRC32C matches. The
 * uncompressed size needs the batch decompressed; with a `decompress` hook that may be
 * asynchronous (zstd), so events are delivered through an ordered queue: always in the order the
 * frames were seen, synchronously whenever nothing before them is still being decompressed.
 *
 * The tap's bytes belong to the connection's owner: every frame is copied before it is decoded.
 * Tracing costs that copy and the decoding; a producer without `trace` pays nothing (the
 * connection's tap is absent).
 */
import type { FrameTapEvent } from '../common/frame-tap.js';
import { apiName } from '../protocol/api-keys.js';
import { crc32c } from '../protocol/crc32c.js';
import { decodeRequest, decodeResponse, type MessageApiKey } from '../protocol/messages/index.js';
import { uuidToString } from '../protocol/messages/uuid.js';
import { ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_LOG_APPEND_TIME, ATTR_TRANSACTIONAL, RECORD_BATCH_HEADER_SIZE, type DecompressHook } from '../protocol/record-batch.js';

/** A JSON-safe value: what a decoded body becomes in an event. */
export type TraceValue = null | boolean | number | string | TraceValue[] | { [key: string]: TraceValue };

export interface TraceEvent {
  readonly type: 'request' | 'response';
  /** `node 1 (host:port)`; bootstrap addresses have negative node ids. */
  readonly broker: string;
  readonly nodeId: number;
  /** Kafka's API name: Produce, Metadata, ... */
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Bytes on the wire, the 4-byte size prefix included. */
  readonly bytes: number;
  /** When the frame was written or read (ms since the epoch, the producer's clock). */
  readonly timeMs: number;
  /** Responses: ms since the request was written. */
  readonly elapsedMs?: number;
  /** Requests: false when the broker does not answer (Produce with acks=0). */
  readonly expectResponse?: boolean;
  /** Requests: the header's client id. */
  readonly clientId?: string | null;
  /** The decoded body (JSON-safe; batches summarized, secrets redacted). */
  readonly body?: TraceValue;
  /** Why the body could not be decoded (then `body` is absent). */
  readonly decodeError?: string;
}

export type TraceListener = (event: TraceEvent) => void;

/** The frame a connection's tap hands over. */
export type TracedFrame = FrameTapEvent;

export interface FrameTracerOptions {
  /** Decompresses a batch's records section (codec id 1..4), for uncompressed sizes. Absent: those sizes are null. */
  readonly decompress?: DecompressHook;
  /** Called when the listener throws (the trace goes on). */
  readonly onListenerError?: (error: unknown) => void;
}

/** One RecordBatch, as a trace shows it. */
export interface RecordBatchSummary {
  readonly [key: string]: TraceValue;
  baseOffset: number | string;
  records: number;
  codec: string;
  timestampType: 'CreateTime' | 'LogAppendTime';
  transactional: boolean;
  control: boolean;
  /** The batch's bytes on the wire (compressed when it is). */
  sizeBytes: number;
  /** Header + records section after decompression; null when not computed. */
  uncompressedBytes: number | null;
  producerId: number | string;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  baseTimestamp: number | string;
  maxTimestamp: number | string;
  /** 'ok', or what the stored CRC32C and the bytes say. */
  crc: string;
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Field names whose values never appear in a trace (SASL payloads, anything like a credential). */
const SECRET_FIELD = /^(authBytes|.*password.*|.*secret.*|.*token.*)$/i;

/** Fields holding a topic id or another UUID (as 16 bytes). */
const UUID_FIELD = /Id$/;

/**
 * Turns tapped frames into TraceEvents for `listener`, in frame order. `tap` goes into
 * ConnectionPoolOptions.tap / BrokerConnectionOptions.tap; `flush()` resolves once every frame
 * seen so far has been delivered.
 */
export class FrameTracer {
  readonly #listener: TraceListener;
  readonly #decompress: DecompressHook | undefined;
  readonly #onListenerError: ((error: unknown) => void) | undefined;
  /** The delivery chain while some event waits for a decompression (null: deliver at once). */
  #pending: Promise<void> | null = null;

  constructor(listener: TraceListener, options: FrameTracerOptions = {}) {
    this.#listener = listener;
    this.#decompress = options.decompress;
    this.#onListenerError = options.onListenerError;
  }

  readonly tap = (frame: TracedFrame): void => {
    const copy = frameBytes(frame);
    const build = (): TraceEvent | Promise<TraceEvent> => buildEvent(frame, copy, this.#decompress);
    if (this.#pending === null) {
      const event = build();
      if (!(event instanceof Promise)) {
        this.#deliver(event);
        return;
      }
      this.#enqueue(event);
      return;
    }
    const before = this.#pending;
    this.#enqueue(before.then(build));
  };

  /** Resolves once every event of the frames seen so far has reached the listener. */
  async flush(): Promise<void> {
    while (this.#pending !== null) await this.#pending;
  }

  #enqueue(event: Promise<TraceEvent>): void {
    const chained: Promise<void> = (this.#pending ?? Promise.resolve()).then(
      () => event.then((e) => this.#deliver(e)),
    );
    const tail = chained.then(
      () => {
        if (this.#pending === tail) this.#pending = null;
      },
      () => {
        if (this.#pending === tail) this.#pending = null;
      },
    );
    this.#pending = tail;
  }

  #deliver(event: TraceEvent): void {
    try {
      this.#listener(event);
    } catch (error) {
      this.#onListenerError?.(error);
    }
  }
}

/** The frame's bytes without the size prefix, copied (requests: buffer and chunks joined). */
function frameBytes(frame: TracedFrame): Uint8Array {
  if (frame.direction === 'response') return frame.frame.slice();
  const chunks = frame.chunks ?? [];
  let size = frame.frame.length - 4;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(Math.max(0, size));
  out.set(frame.frame.subarray(4), 0);
  let at = frame.frame.length - 4;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function buildEvent(frame: TracedFrame, bytes: Uint8Array, decompress: DecompressHook | undefined): TraceEvent | Promise<TraceEvent> {
  const base = {
    type: frame.direction,
    broker: frame.broker,
    nodeId: frame.nodeId,
    api: apiName(frame.apiKey),
    apiKey: frame.apiKey,
    apiVersion: frame.apiVersion,
    correlationId: frame.correlationId,
    bytes: bytes.length + 4,
    timeMs: Math.round(frame.atMs),
  };
  let extra: { clientId?: string | null; expectResponse?: boolean; elapsedMs?: number };
  let decoded: unknown;
  try {
    if (frame.direction === 'request') {
      const request = decodeRequest(bytes);
      extra = { clientId: request.header.clientId, expectResponse: frame.expectResponse };
      decoded = request.body;
    } else {
      extra = { elapsedMs: Math.round((frame.atMs - frame.requestAtMs) * 10) / 10 };
      decoded = decodeResponse(frame.apiKey as MessageApiKey, frame.apiVersion, bytes).body;
    }
  } catch (error) {
    const more = frame.direction === 'request' ? { expectResponse: frame.expectResponse } : { elapsedMs: Math.round((frame.atMs - frame.requestAtMs) * 10) / 10 };
    return { ...base, ...more, decodeError: error instanceof Error ? error.message : String(error) };
  }
  const waits: Promise<void>[] = [];
  const body = toTraceValue(decoded, '', waits, decompress);
  const event: TraceEvent = { ...base, ...extra, body };
  if (waits.length === 0) return event;
  return Promise.all(waits).then(() => event);
}

/** A decoded message as JSON-safe values: bigints as numbers (strings beyond 2^53), bytes summarized. */
function toTraceValue(value: unknown, field: string, waits: Promise<void>[], decompress: DecompressHook | undefined): TraceValue {
  if (value === null || value === undefined) return null;
  if (SECRET_FIELD.test(field)) {
    if (value instanceof Uint8Array) return `[redacted ${value.length} bytes]`;
    return '[redacted]';
  }
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
      return value;
    case 'bigint':
      return bigintValue(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    if (field === 'records') return summarizeRecordBatches(value, waits, decompress);
    if (value.length === 16 && UUID_FIELD.test(field)) return uuidToString(value);
    return `[${value.length} bytes]`;
  }
  if (Array.isArray(value)) return value.map((v) => toTraceValue(v, field, waits, decompress));
  const out: { [key: string]: TraceValue } = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === '_unknownTaggedFields') {
      if (Array.isArray(v) && v.length > 0) out['unknownTaggedFields'] = v.length;
      continue;
    }
    out[k] = toTraceValue(v, k, waits, decompress);
  }
  return out;
}

function bigintValue(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * The RecordBatches in a records field, summarized from their headers (no record is decoded).
 * A Fetch response may end with a batch cut short by its size limit: it is reported as such.
 * Uncompressed sizes are filled in by `waits` when a decompressor is given.
 */
export function summarizeRecordBatches(data: Uint8Array, waits: Promise<void>[] = [], decompress?: DecompressHook): TraceValue[] {
  const out: TraceValue[] = [];
  let pos = 0;
  while (pos < data.length) {
    const left = data.length - pos;
    const v = new DataView(data.buffer, data.byteOffset + pos, left);
    if (left < RECORD_BATCH_HEADER_SIZE) {
      out.push({ partialBytes: left });
      break;
    }
    const size = v.getInt32(8) + 12;
    if (size < RECORD_BATCH_HEADER_SIZE || size > left) {
      out.push({ partialBytes: left, declaredBytes: size });
      break;
    }
    const magic = v.getInt8(16);
    if (magic !== 2) {
      out.push({ magic, sizeBytes: size, note: 'not a RecordBatch v2' });
      pos += size;
      continue;
    }
    const attributes = v.getInt16(21);
    const codecId = attributes & ATTR_COMPRESSION_MASK;
    const storedCrc = v.getUint32(17);
    const actualCrc = crc32c(data, pos + 21, pos + size);
    const summary: RecordBatchSummary = {
      baseOffset: bigintValue(v.getBigInt64(0)),
      records: v.getInt32(57),
      codec: CODECS[codecId] ?? `codec ${codecId}`,
      timestampType: attributes & ATTR_LOG_APPEND_TIME ? 'LogAppendTime' : 'CreateTime',
      transactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
      control: (attributes & ATTR_CONTROL) !== 0,
      sizeBytes: size,
      uncompressedBytes: codecId === 0 ? size : null,
      producerId: bigintValue(v.getBigInt64(43)),
      producerEpoch: v.getInt16(51),
      baseSequence: v.getInt32(53),
      lastOffsetDelta: v.getInt32(23),
      partitionLeaderEpoch: v.getInt32(12),
      baseTimestamp: bigintValue(v.getBigInt64(27)),
      maxTimestamp: bigintValue(v.getBigInt64(35)),
      crc: storedCrc === actualCrc ? 'ok' : `MISMATCH (stored ${storedCrc}, bytes give ${actualCrc})`,
    };
    if (codecId !== 0 && decompress !== undefined) {
      const section = data.subarray(pos + RECORD_BATCH_HEADER_SIZE, pos + size);
      const fill = (records: Uint8Array): void => {
        summary.uncompressedBytes = RECORD_BATCH_HEADER_SIZE + records.length;
      };
      try {
        const result = decompress(codecId, section);
        if (result instanceof Promise) waits.push(result.then(fill, () => undefined));
        else fill(result);
      } catch {
        // Corrupt or unloadable: the size stays unknown (null); the CRC tells the rest.
      }
    }
    out.push(summary);
    pos += size;
  }
  return out;
}

// ---- text forms ------------------------------------------------------------------------------

export type TraceFormat = 'json' | 'pretty';

/** One event as text: `json` is one line (no newline), `pretty` several. */
export function formatTraceEvent(event: TraceEvent, format: TraceFormat): string {
  return format === 'json' ? JSON.stringify(event) : prettyEvent(event);
}

function prettyEvent(e: TraceEvent): string {
  const arrow = e.type === 'request' ? '->' : '<-';
  const time = new Date(e.timeMs).toISOString().slice(11, 23);
  const facts = [`#${e.correlationId}`, `${e.bytes} B`];
  if (e.type === 'response' && e.elapsedMs !== undefined) facts.push(`${e.elapsedMs} ms`);
  if (e.type === 'request' && e.expectResponse === false) facts.push('no response expected');
  const head = `${time} ${arrow} ${e.broker} ${e.api} v${e.apiVersion} ${facts.join('  ')}`;
  if (e.decodeError !== undefined) return `${head}\n    (not decoded: ${e.decodeError})`;
  const lines: string[] = [];
  if (e.body !== undefined) prettyValue(e.body, 2, lines);
  return lines.length > 0 ? `${head}\n${lines.join('\n')}` : head;
}

/** Indented YAML-like lines; a record batch summary stays on one line. */
function prettyValue(value: TraceValue, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  if (value === null || typeof value !== 'object') {
    lines.push(`${pad}${scalar(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        if (isBatchSummary(item)) {
          lines.push(`${pad}- ${batchLine(item)}`);
          continue;
        }
        const flat = flatLine(item);
        if (flat !== null && pad.length + flat.length <= 110) {
          lines.push(`${pad}- ${flat}`);
          continue;
        }
        const sub: string[] = [];
        prettyObject(item, depth + 1, sub);
        if (sub.length === 0) lines.push(`${pad}- {}`);
        else lines.push(`${pad}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
      } else if (Array.isArray(item)) {
        lines.push(`${pad}-`);
        prettyValue(item, depth + 1, lines);
      } else lines.push(`${pad}- ${scalar(item)}`);
    }
    return;
  }
  prettyObject(value, depth, lines);
}

function prettyObject(value: { [key: string]: TraceValue }, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object') {
      if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
        lines.push(`${pad}${k}: [${v.map(scalar).join(', ')}]`);
        continue;
      }
      if (!Array.isArray(v) && isBatchSummary(v)) {
        lines.push(`${pad}${k}: ${batchLine(v)}`);
        continue;
      }
      lines.push(`${pad}${k}:`);
      prettyValue(v, depth + 1, lines);
    } else lines.push(`${pad}${k}: ${fieldScalar(k, v)}`);
  }
}

/** An object of scalars on one line (`apiKey: 0 (Produce), minVersion: 0, ...`), or null. */
function flatLine(v: { [key: string]: TraceValue }): string | null {
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x === 'object') return null;
    parts.push(`${k}: ${fieldScalar(k, x)}`);
  }
  return parts.join(', ');
}

/** A scalar, with the API's name after an `apiKey` number. */
function fieldScalar(key: string, v: TraceValue): string {
  return key === 'apiKey' && typeof v === 'number' ? `${v} (${apiName(v)})` : scalar(v);
}

function isBatchSummary(v: { [key: string]: TraceValue }): boolean {
  return 'baseOffset' in v && 'codec' in v && 'crc' in v;
}

function batchLine(b: { [key: string]: TraceValue }): string {
  const sizes = b['codec'] === 'none' ? `${b['sizeBytes']} B` : `${b['sizeBytes']} B (${b['uncompressedBytes'] === null ? '?' : b['uncompressedBytes']} B uncompressed)`;
  const producer = b['producerId'] === -1 ? 'no producer id' : `producerId=${b['producerId']} epoch=${b['producerEpoch']} baseSequence=${b['baseSequence']}`;
  const flags = [b['transactional'] ? 'transactional' : '', b['control'] ? 'control' : '', b['timestampType'] === 'LogAppendTime' ? 'LogAppendTime' : ''].filter((f) => f !== '');
  return `RecordBatch baseOffset=${b['baseOffset']} records=${b['records']} codec=${b['codec']} ${sizes} ${producer}${flags.length ? ` ${flags.join(' ')}` : ''} crc=${b['crc']}`;
}

function scalar(v: TraceValue): string {
  if (typeof v === 'string') return /^[\w.:/\-[\] ]*$/.test(v) && v !== '' && v.trim() === v ? v : JSON.stringify(v);
  return String(v);
}
