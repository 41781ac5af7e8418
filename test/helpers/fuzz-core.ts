/**
 * The decoder fuzzer's shared core: which decoders there are, the valid seeds each starts from,
 * and how inputs are derived from them. Used by the CI fuzz test (test/unit/fuzz.test.ts, a small
 * seeded run over the message decoders) and by `npm run fuzz` (tools/fuzz.mjs, every decoder,
 * millions of inputs, heap capped, allocations watched).
 *
 * Inputs, per decoder: random bytes, truncations, single- and multi-byte mutations, huge int32
 * lengths/counts and maximal or over-long varints planted at random offsets, truncate-and-flip,
 * trailing garbage — all derived from valid encodings (random messages from messages-arbitrary,
 * records built with RecordBatchBuilder, compressed streams of every codec) and from Java's
 * golden fixtures (fixtures/). RecordBatch decoders also get planted record/header counts, and
 * their CRC recomputed after the mutation for most inputs, so the mutation reaches the records
 * parser and the decompressor instead of stopping at the CRC check.
 *
 * A decoder may return a value or throw its accepted error: ProtocolError, or for the codecs
 * whose implementation is a native package or node:zlib, the plain Error those report corrupt
 * input with. Anything else (TypeError, RangeError, a hang, an allocation sized by an unchecked
 * count) is a bug in the decoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError } from '../../src/errors.js';
import { getCodec, snappyUncompress, type CompressionCodec, type CompressionName } from '../../src/compression/index.js';
import {
  MESSAGE_DEFS,
  RequestHeaderDef,
  ResponseHeaderDef,
  decodeApiVersionsResponse,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  encodeRequest,
  responseHeaderVersion,
  type MessageApiKey,
  type MessageDef,
} from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { RECORD_BATCH_HEADER_SIZE, RecordBatchBuilder, readRecordBatches, withCompressedRecords, writeCrc } from '../../src/protocol/record-batch.js';
import { Writer } from '../../src/protocol/writer.js';
import { Rand, randomMessage, versionsOf } from '../unit/messages-arbitrary.js';

export { Rand };

export interface Decoder {
  /** Unique, human-readable: `Metadata response v12`, `readRecordBatches (lz4, pure)`. */
  name: string;
  /** `messages`, `headers`, `frames`, `record-batch`, `compression`, `primitives`. */
  group: string;
  decode(bytes: Uint8Array): unknown;
  /** Valid encodings the inputs are derived from. */
  seeds: Uint8Array[];
  /** Derives an input from a seed (default: {@link mutate}). */
  derive?(rand: Rand, seed: Uint8Array): Uint8Array;
  /** The failures this decoder may report corrupt input with (default: ProtocolError only). */
  accepts?(e: unknown): boolean;
}

export const isProtocolError = (e: unknown): boolean => e instanceof ProtocolError;

/** True for the failure a decoder may report: ProtocolError, or the decoder's own accepted error. */
export function isAcceptedFailure(d: Decoder, e: unknown): boolean {
  return (d.accepts ?? isProtocolError)(e);
}

/** A short kind for a failure that is not accepted: `TypeError`, `RangeError`, `Error`, ... */
export function failureKind(e: unknown): string {
  if (e instanceof Error) return e.constructor?.name || e.name || 'Error';
  return `non-Error ${typeof e}`;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

export interface GoldenFixtures {
  /** Message bodies and headers by `apiKey/direction/version` or `RequestHeader/v`. */
  messages: Map<string, Uint8Array[]>;
  /** RecordBatch v2 files (Java's bytes), by compression name. */
  batches: Map<string, Uint8Array[]>;
}

/** Java's golden bytes from fixtures/ (empty maps when the manifest is absent). */
export function goldenFixtures(): GoldenFixtures {
  const messages = new Map<string, Uint8Array[]>();
  const batches = new Map<string, Uint8Array[]>();
  const root = join(import.meta.dirname, '..', '..', 'fixtures');
  const manifest = join(root, 'manifest.json');
  if (!existsSync(manifest)) return { messages, batches };
  const entries = JSON.parse(readFileSync(manifest, 'utf8')) as Array<{
    api: string;
    apiKey: number | null;
    version: number;
    direction: string;
    file: string;
    inputs?: { compression?: string };
  }>;
  const add = (m: Map<string, Uint8Array[]>, key: string, bytes: Uint8Array) => {
    const list = m.get(key) ?? [];
    list.push(bytes);
    m.set(key, list);
  };
  for (const e of entries) {
    const bytes = new Uint8Array(readFileSync(join(root, e.file)));
    if (e.api === 'RecordBatch') add(batches, e.inputs?.compression ?? 'none', bytes);
    else if (e.api === 'RequestHeader' || e.api === 'ResponseHeader') add(messages, `${e.api}/${e.version}`, bytes);
    else add(messages, `${e.apiKey}/${e.direction}/${e.version}`, bytes);
  }
  return { messages, batches };
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** Huge or impossible int32 lengths/counts to plant. */
export const HUGE_INT32 = [0x7fffffff, -2, 0x40000000, 65536, -1] as const;
/** Maximal, over-long and huge varints to plant. */
export const HUGE_VARINTS: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff],
  [0x80, 0x80, 0x80, 0x80, 0x01],
  [0xfe, 0xff, 0xff, 0xff, 0x0f], // zigzag 2^31-1
];

/** One input derived from a valid encoding (see the file comment). */
export function mutate(rand: Rand, seed: Uint8Array): Uint8Array {
  const kind = rand.int(0, 7);
  switch (kind) {
    case 0:
      return rand.bytes(rand.int(0, 64));
    case 1:
      return seed.subarray(0, rand.int(0, Math.max(0, seed.length - 1)));
    case 2: {
      const b = seed.slice();
      if (b.length > 0) b[rand.int(0, b.length - 1)] = rand.int(0, 255);
      return b;
    }
    case 3: {
      const b = seed.slice();
      const n = rand.int(2, 8);
      for (let i = 0; i < n && b.length > 0; i++) b[rand.int(0, b.length - 1)] = rand.int(0, 255);
      return b;
    }
    case 4: {
      // A huge int32 length or count planted somewhere.
      const b = seed.slice();
      if (b.length >= 4) {
        const at = rand.int(0, b.length - 4);
        new DataView(b.buffer).setInt32(at, rand.pick(HUGE_INT32));
      }
      return b;
    }
    case 5: {
      // A maximal or over-long varint planted somewhere.
      const b = seed.slice();
      if (b.length >= 5) {
        const at = rand.int(0, b.length - 5);
        b.set(rand.pick(HUGE_VARINTS.slice(0, 3)), at);
      }
      return b;
    }
    case 6: {
      // Truncate and flip.
      const b = seed.slice(0, rand.int(0, seed.length));
      if (b.length > 0) {
        const at = rand.int(0, b.length - 1);
        b[at] = b[at]! ^ (1 << rand.int(0, 7));
      }
      return b;
    }
    default: {
      // Trailing garbage.
      const extra = rand.bytes(rand.int(1, 8));
      const b = new Uint8Array(seed.length + extra.length);
      b.set(seed);
      b.set(extra, seed.length);
      return b;
    }
  }
}

const OFFSET_ATTRIBUTES = 21;
const OFFSET_RECORD_COUNT = 57;

/**
 * An input for a RecordBatch reader: a {@link mutate} of the batch, or of its records section
 * only, or a planted record count / record-level varint count; then, for 7 inputs in 8 whose
 * header survived, the CRC recomputed so the reader gets past its CRC check.
 */
export function mutateBatch(rand: Rand, seed: Uint8Array): Uint8Array {
  let b: Uint8Array;
  const kind = rand.int(0, 9);
  if (kind < 5 || seed.length <= RECORD_BATCH_HEADER_SIZE) {
    b = mutate(rand, seed);
  } else if (kind < 7) {
    // Mutate the records section (for a compressed batch: the compressed stream) only.
    const section = mutate(rand, seed.subarray(RECORD_BATCH_HEADER_SIZE));
    b = new Uint8Array(RECORD_BATCH_HEADER_SIZE + section.length);
    b.set(seed.subarray(0, RECORD_BATCH_HEADER_SIZE));
    b.set(section, RECORD_BATCH_HEADER_SIZE);
    new DataView(b.buffer).setInt32(8, b.length - 12);
  } else if (kind === 7) {
    // A huge or negative record count in a small batch.
    b = seed.slice();
    new DataView(b.buffer).setInt32(OFFSET_RECORD_COUNT, rand.pick([0x7fffffff, 0x40000000, -1, -0x80000000, 1 << 20]));
  } else if (kind === 8) {
    // A huge varint (record length, key/value length, header count) planted in the records.
    b = seed.slice();
    if (b.length >= RECORD_BATCH_HEADER_SIZE + 5) b.set(rand.pick(HUGE_VARINTS), rand.int(RECORD_BATCH_HEADER_SIZE, b.length - 5));
  } else {
    // Another codec id in the attributes (including the unassigned 5..7).
    b = seed.slice();
    const v = new DataView(b.buffer);
    v.setInt16(OFFSET_ATTRIBUTES, (v.getInt16(OFFSET_ATTRIBUTES) & ~7) | rand.int(0, 7));
  }
  if (b.length >= RECORD_BATCH_HEADER_SIZE && rand.int(0, 7) !== 0) {
    // Keep the batch length consistent too, when the mutation left it impossible.
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const len = v.getInt32(8);
    if (len + 12 > b.length || len < RECORD_BATCH_HEADER_SIZE - 12) v.setInt32(8, b.length - 12);
    writeCrc(b.subarray(0, v.getInt32(8) + 12));
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Message decoders: every message at every version, headers, frames, the ApiVersions fallback

export function messageDecoders(rand: Rand, golden: GoldenFixtures = goldenFixtures()): Decoder[] {
  const decoders: Decoder[] = [];
  const bodySeeds = (def: MessageDef, v: number, goldenKey: string): Uint8Array[] => {
    const seeds = Array.from({ length: 6 }, () => encodeMessage(def, v, randomMessage(rand, def, v)));
    return [...seeds, ...(golden.messages.get(goldenKey) ?? [])];
  };
  for (const [key, defs] of Object.entries(MESSAGE_DEFS)) {
    for (const [direction, def] of [
      ['request', defs.request],
      ['response', defs.response],
    ] as const) {
      for (const v of versionsOf(def)) {
        decoders.push({
          name: `${def.name} v${v}`,
          group: 'messages',
          decode: (b) => decodeMessage(def, v, b),
          seeds: bodySeeds(def, v, `${key}/${direction}/${v}`),
        });
      }
    }
  }
  for (const v of [0, 1, 2]) {
    decoders.push({
      name: `RequestHeader v${v}`,
      group: 'headers',
      decode: (b) => decodeMessage(RequestHeaderDef, v, b, true),
      seeds: bodySeeds(RequestHeaderDef, v, `RequestHeader/${v}`),
    });
  }
  for (const v of [0, 1]) {
    decoders.push({
      name: `ResponseHeader v${v}`,
      group: 'headers',
      decode: (b) => decodeMessage(ResponseHeaderDef, v, b, true),
      seeds: bodySeeds(ResponseHeaderDef, v, `ResponseHeader/${v}`),
    });
  }
  // Whole frames: requests (header chooses the API), responses per API/version, ApiVersions fallback.
  const requestFrames: Uint8Array[] = [];
  for (const [key, defs] of Object.entries(MESSAGE_DEFS)) {
    const apiKey = Number(key) as MessageApiKey;
    for (const v of versionsOf(defs.request)) {
      if (apiKey === 0 && v < 3) continue;
      requestFrames.push(
        encodeRequest(apiKey, v, { correlationId: rand.int(0, 1000), clientId: rand.pick([null, 'c']) }, randomMessage(rand, defs.request, v) as never),
      );
    }
    for (const v of [versionsOf(defs.response)[0]!, versionsOf(defs.response).at(-1)!]) {
      const seeds = Array.from({ length: 4 }, () => {
        const body = encodeMessage(defs.response, v, randomMessage(rand, defs.response, v));
        const headerLen = responseHeaderVersion(apiKey, v) === 1 ? 5 : 4;
        const frame = new Uint8Array(headerLen + body.length);
        frame.set(body, headerLen);
        return frame;
      });
      decoders.push({
        name: `response frame ${defs.response.name} v${v}`,
        group: 'frames',
        decode: (b) => decodeResponse(apiKey, v, b),
        seeds,
      });
    }
  }
  decoders.push({ name: 'request frames (any API)', group: 'frames', decode: (b) => decodeRequest(b), seeds: requestFrames });
  const apiVersionsFrames = [0, 3, 5].map((v) => {
    const body = encodeMessage(MESSAGE_DEFS[18]!.response, v, randomMessage(rand, MESSAGE_DEFS[18]!.response, v));
    const frame = new Uint8Array(4 + body.length);
    frame.set(body, 4);
    return frame;
  });
  for (const v of [1, 3, 4, 5]) {
    decoders.push({
      name: `ApiVersions fallback decode at v${v}`,
      group: 'frames',
      decode: (b) => decodeApiVersionsResponse(v, b),
      seeds: apiVersionsFrames,
    });
  }
  return decoders;
}

// ---------------------------------------------------------------------------------------------
// Primitives (src/protocol/reader.ts)

type ReadOp = (r: Reader) => unknown;
const READ_OPS: Record<string, ReadOp> = {
  int8: (r) => r.int8(),
  int16: (r) => r.int16(),
  int32: (r) => r.int32(),
  int64: (r) => r.int64(),
  uvarint: (r) => r.uvarint(),
  varint: (r) => r.varint(),
  varlong: (r) => r.varlong(),
  varlongNumber: (r) => r.varlongNumber(),
  int64Number: (r) => r.int64Number(),
  string: (r) => r.string(),
  compactString: (r) => r.compactString(),
  bytes: (r) => r.bytes(),
  compactBytes: (r) => r.compactBytes(),
  uuid: (r) => r.uuid(),
  bool: (r) => r.bool(),
  float64: (r) => r.float64(),
  arrayLength: (r) => {
    // Consume the elements as int8s, as a decoder of an int8 array would.
    const n = r.arrayLength();
    for (let i = 0; i < n; i++) r.int8();
    return n;
  },
  compactArrayLength: (r) => {
    const n = r.compactArrayLength();
    for (let i = 0; i < n; i++) r.int8();
    return n;
  },
};

function writeOp(w: Writer, op: string, rand: Rand): void {
  const smallString = () => (rand.bool(0.1) ? null : rand.string());
  switch (op) {
    case 'int8':
    case 'bool':
      w.raw(rand.bytes(1));
      return;
    case 'int16':
      w.raw(rand.bytes(2));
      return;
    case 'int32':
      w.raw(rand.bytes(4));
      return;
    case 'int64':
    case 'float64':
      w.raw(rand.bytes(8));
      return;
    case 'int64Number':
      w.raw(new Uint8Array(new BigInt64Array([BigInt(rand.int(-1e9, 1e9))]).buffer).reverse());
      return;
    case 'uvarint':
      w.uvarint(rand.int(0, 0xffffffff));
      return;
    case 'varint':
      w.varint(rand.int(-0x80000000, 0x7fffffff));
      return;
    case 'varlong':
      w.varlong(BigInt.asIntN(64, (BigInt(rand.int(0, 0xffffffff)) << 32n) | BigInt(rand.int(0, 0xffffffff))));
      return;
    case 'varlongNumber':
      w.varlongNumber(rand.int(-(2 ** 40), 2 ** 40));
      return;
    case 'string':
      w.string(smallString());
      return;
    case 'compactString':
      w.compactString(smallString());
      return;
    case 'bytes':
      w.bytes(rand.bool(0.1) ? null : rand.bytes(rand.int(0, 40)));
      return;
    case 'compactBytes':
      w.compactBytes(rand.bool(0.1) ? null : rand.bytes(rand.int(0, 40)));
      return;
    case 'uuid':
      w.uuid(rand.bytes(16));
      return;
    case 'arrayLength': {
      const n = rand.int(-1, 20);
      w.raw(new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
      if (n > 0) w.raw(rand.bytes(n));
      return;
    }
    case 'compactArrayLength': {
      const n = rand.int(-1, 20);
      w.uvarint(n + 1);
      if (n > 0) w.raw(rand.bytes(n));
      return;
    }
  }
}

/**
 * One decoder per Reader primitive (reads it until the input is used up), plus one that reads a
 * mixed sequence of every primitive.
 */
export function primitiveDecoders(rand: Rand): Decoder[] {
  const decoders: Decoder[] = [];
  const names = Object.keys(READ_OPS);
  for (const op of names) {
    const read = READ_OPS[op]!;
    const seeds = Array.from({ length: 8 }, () => {
      const w = new Writer();
      const n = rand.int(1, 12);
      for (let i = 0; i < n; i++) writeOp(w, op, rand);
      return w.finish().slice();
    });
    decoders.push({
      name: `Reader.${op}`,
      group: 'primitives',
      decode: (b) => {
        const r = new Reader(b);
        let n = 0;
        while (r.remaining > 0) {
          read(r);
          n++;
        }
        return n;
      },
      seeds,
    });
  }
  // A fixed mixed layout per seed: the program is the first byte, so mutations change it too.
  const mixedSeeds = Array.from({ length: 12 }, () => {
    const w = new Writer();
    const program = rand.int(0, 255);
    w.raw(new Uint8Array([program]));
    for (let i = 0; i < 16; i++) writeOp(w, names[(program + i * 7) % names.length]!, rand);
    return w.finish().slice();
  });
  decoders.push({
    name: 'Reader (mixed primitives)',
    group: 'primitives',
    decode: (b) => {
      const r = new Reader(b);
      const program = r.int8() & 0xff;
      for (let i = 0; r.remaining > 0; i++) READ_OPS[names[(program + i * 7) % names.length]!]!(r);
      return program;
    },
    seeds: mixedSeeds,
  });
  return decoders;
}

// ---------------------------------------------------------------------------------------------
// Codecs and RecordBatch

export interface LoadedCodec {
  name: CompressionName;
  implementation: 'pure' | 'native' | 'builtin';
  codec: CompressionCodec;
}

/**
 * Every codec implementation that can be loaded here: gzip (node:zlib), snappy and lz4 pure and
 * (when the optional package is installed) native, zstd (native only). Missing ones are listed.
 */
export async function loadCodecs(): Promise<{ codecs: LoadedCodec[]; missing: string[] }> {
  const codecs: LoadedCodec[] = [];
  const missing: string[] = [];
  const tries: [CompressionName, 'pure' | 'native' | 'auto'][] = [
    ['gzip', 'auto'],
    ['snappy', 'pure'],
    ['snappy', 'native'],
    ['lz4', 'pure'],
    ['lz4', 'native'],
    ['zstd', 'native'],
  ];
  for (const [name, implementation] of tries) {
    try {
      const codec = await getCodec(name, { implementation });
      codecs.push({ name, implementation: codec.implementation, codec });
    } catch (e) {
      missing.push(`${name} (${implementation}): ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { codecs, missing };
}

/**
 * Native packages and node:zlib report corrupt input with a plain Error (napi-rs: code
 * GenericFailure; zlib: Z_DATA_ERROR, Z_BUF_ERROR, ...; @mongodb-js/zstd: "zstd: ..."). That is
 * their documented failure; TypeError, RangeError and friends are not accepted from them either.
 */
export function acceptsCodecError(c: LoadedCodec): (e: unknown) => boolean {
  if (c.implementation === 'pure') return isProtocolError;
  return (e) => e instanceof ProtocolError || (e instanceof Error && e.constructor === Error);
}

/** Records section contents worth compressing: text, repeats, random bytes, real records. */
function sampleData(rand: Rand, i: number): Uint8Array {
  switch (i % 5) {
    case 0:
      return new TextEncoder().encode(Array.from({ length: rand.int(1, 60) }, () => `{"order":${rand.int(0, 1e6)},"s":"${rand.string()}"}`).join('\n'));
    case 1:
      return new Uint8Array(rand.int(0, 3000)).fill(rand.int(0, 255));
    case 2:
      return rand.bytes(rand.int(0, 500));
    case 3:
      return new Uint8Array(0);
    default: {
      const b = new RecordBatchBuilder(new Uint8Array(70_000));
      const n = rand.int(1, 200);
      for (let k = 0; k < n; k++) b.tryAppend(1_700_000_000_000 + k, `key-${k % 7}`, 'value '.repeat(rand.int(0, 20)), k % 3 ? null : [['h', 'v']]);
      b.close();
      return b.recordsSection().slice();
    }
  }
}

/** A valid batch of random records, optionally compressed with `codec`. */
export async function randomBatch(rand: Rand, codec?: CompressionCodec): Promise<Uint8Array> {
  const b = new RecordBatchBuilder(new Uint8Array(20_000), {
    compression: codec?.id ?? 0,
    transactional: rand.bool(0.2),
    ...(rand.bool(0.2) ? { logAppendTime: 1_700_000_000_000 } : {}),
  });
  const n = rand.int(0, 30);
  for (let i = 0; i < n; i++) {
    const headers: [string, Uint8Array | string | null][] = [];
    for (let h = rand.int(0, 3); h > 0; h--) headers.push([rand.string(), rand.bool(0.2) ? null : rand.string()]);
    b.tryAppend(1_700_000_000_000 + rand.int(-1000, 1000), rand.bool(0.2) ? null : rand.string(), rand.bool(0.1) ? null : rand.string(), headers);
  }
  const closed = b.close();
  if (!codec || codec.id === 0) return closed.slice();
  return withCompressedRecords(closed, await codec.compress(b.recordsSection()));
}

/**
 * One decoder per codec implementation (its decompress on its own), plus raw Snappy (no xerial
 * framing). Seeds: streams compressed by that codec and the records sections of Java's batches.
 */
export async function compressionDecoders(rand: Rand, codecs: LoadedCodec[], golden: GoldenFixtures = goldenFixtures()): Promise<Decoder[]> {
  const decoders: Decoder[] = [];
  for (const c of codecs) {
    const seeds: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) seeds.push(new Uint8Array(await c.codec.compress(sampleData(rand, i))));
    for (const batch of golden.batches.get(c.name) ?? []) seeds.push(batch.slice(RECORD_BATCH_HEADER_SIZE));
    decoders.push({
      name: `${c.name} decompress (${c.implementation})`,
      group: 'compression',
      decode: (b) => c.codec.decompress(b),
      seeds,
      accepts: acceptsCodecError(c),
    });
  }
  const pureSnappy = codecs.find((c) => c.name === 'snappy' && c.implementation === 'pure');
  if (pureSnappy) {
    // Raw blocks: the xerial stream's blocks (after the 16-byte header and a 4-byte length).
    const seeds: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const x = new Uint8Array(await pureSnappy.codec.compress(sampleData(rand, i)));
      if (x.length > 20) seeds.push(x.slice(20));
    }
    decoders.push({ name: 'snappy raw block (pure)', group: 'compression', decode: (b) => snappyUncompress(b), seeds });
  }
  return decoders;
}

/**
 * readRecordBatches uncompressed, and once per codec implementation with that codec as its
 * decompress hook. Seeds: random batches (several concatenated too) and Java's batches.
 */
export async function recordBatchDecoders(rand: Rand, codecs: LoadedCodec[], golden: GoldenFixtures = goldenFixtures()): Promise<Decoder[]> {
  const decoders: Decoder[] = [];
  const variants: (LoadedCodec | undefined)[] = [undefined, ...codecs];
  for (const c of variants) {
    const seeds: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) seeds.push(await randomBatch(rand, c?.codec));
    const two = new Uint8Array(seeds[0]!.length + seeds[1]!.length);
    two.set(seeds[0]!);
    two.set(seeds[1]!, seeds[0]!.length);
    seeds.push(two);
    for (const b of golden.batches.get(c?.name ?? 'none') ?? []) seeds.push(b);
    // The hook decompresses this variant's codec; a batch whose attributes name another codec
    // is handed to that codec's default implementation (or fails as unsupported).
    const byId = new Map<number, CompressionCodec>();
    for (const o of codecs) if (!byId.has(o.codec.id)) byId.set(o.codec.id, o.codec);
    if (c) byId.set(c.codec.id, c.codec);
    const hook = (id: number, data: Uint8Array) => {
      const codec = byId.get(id);
      if (!codec) throw new ProtocolError(`no codec with id ${id}`);
      return codec.decompress(data);
    };
    decoders.push({
      name: c ? `readRecordBatches (${c.name}, ${c.implementation})` : 'readRecordBatches (uncompressed)',
      group: 'record-batch',
      decode: (b) => readRecordBatches(b, hook),
      seeds,
      derive: mutateBatch,
    });
  }
  return decoders;
}

/** Every decoder: messages, headers, frames, primitives, record batches, codecs. */
export async function allDecoders(rand: Rand): Promise<{ decoders: Decoder[]; missingCodecs: string[] }> {
  const golden = goldenFixtures();
  const { codecs, missing } = await loadCodecs();
  const decoders = [
    ...messageDecoders(rand, golden),
    ...primitiveDecoders(rand),
    ...(await recordBatchDecoders(rand, codecs, golden)),
    ...(await compressionDecoders(rand, codecs, golden)),
  ];
  return { decoders, missingCodecs: missing };
}
