/**
 * Fuzzing every decoder: each message at each version (requests and responses), both headers,
 * full request/response frames and the ApiVersions fallback. Inputs: random bytes, truncations
 * of valid encodings (random messages and, when present, Java's golden fixtures), single- and
 * multi-byte mutations, and huge lengths/counts planted at random offsets. A decoder may return a
 * value or throw ProtocolError; anything else (RangeError, TypeError, ...) fails the test.
 * Seeded, so every run tries the same inputs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import {
  MESSAGE_DEFS,
  MetadataResponseDef,
  ProduceResponseDef,
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
import { Rand, randomMessage, versionsOf } from './messages-arbitrary.js';

const PER_DECODER = 2500;
let totalInputs = 0;

interface Decoder {
  name: string;
  decode(bytes: Uint8Array): unknown;
  seeds: Uint8Array[];
}

function fixtureSeeds(): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  const root = join(import.meta.dirname, '..', '..', 'fixtures');
  const manifest = join(root, 'manifest.json');
  if (!existsSync(manifest)) return out;
  const entries = JSON.parse(readFileSync(manifest, 'utf8')) as Array<{ api: string; apiKey: number | null; version: number; direction: string; file: string }>;
  for (const e of entries) {
    const key = e.api === 'RequestHeader' || e.api === 'ResponseHeader' ? `${e.api}/${e.version}` : `${e.apiKey}/${e.direction}/${e.version}`;
    const list = out.get(key) ?? [];
    list.push(new Uint8Array(readFileSync(join(root, e.file))));
    out.set(key, list);
  }
  return out;
}

function mutate(rand: Rand, seed: Uint8Array): Uint8Array {
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
        new DataView(b.buffer).setInt32(at, rand.pick([0x7fffffff, -2, 0x40000000, 65536, -1]));
      }
      return b;
    }
    case 5: {
      // A maximal or over-long varint planted somewhere.
      const b = seed.slice();
      if (b.length >= 5) {
        const at = rand.int(0, b.length - 5);
        b.set(rand.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff], [0x80, 0x80, 0x80, 0x80, 0x01]]), at);
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

function buildDecoders(rand: Rand): Decoder[] {
  const golden = fixtureSeeds();
  const decoders: Decoder[] = [];
  const bodySeeds = (def: MessageDef, v: number, goldenKey: string): Uint8Array[] => {
    const seeds = Array.from({ length: 6 }, () => encodeMessage(def, v, randomMessage(rand, def, v)));
    return [...seeds, ...(golden.get(goldenKey) ?? [])];
  };
  for (const [key, defs] of Object.entries(MESSAGE_DEFS)) {
    for (const [direction, def] of [
      ['request', defs.request],
      ['response', defs.response],
    ] as const) {
      for (const v of versionsOf(def)) {
        decoders.push({
          name: `${def.name} v${v}`,
          decode: (b) => decodeMessage(def, v, b),
          seeds: bodySeeds(def, v, `${key}/${direction}/${v}`),
        });
      }
    }
  }
  for (const v of [0, 1, 2]) {
    decoders.push({
      name: `RequestHeader v${v}`,
      decode: (b) => decodeMessage(RequestHeaderDef, v, b, true),
      seeds: bodySeeds(RequestHeaderDef, v, `RequestHeader/${v}`),
    });
  }
  for (const v of [0, 1]) {
    decoders.push({
      name: `ResponseHeader v${v}`,
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
        decode: (b) => decodeResponse(apiKey, v, b),
        seeds,
      });
    }
  }
  decoders.push({ name: 'request frames (any API)', decode: (b) => decodeRequest(b), seeds: requestFrames });
  const apiVersionsFrames = [0, 3, 5].map((v) => {
    const body = encodeMessage(MESSAGE_DEFS[18]!.response, v, randomMessage(rand, MESSAGE_DEFS[18]!.response, v));
    const frame = new Uint8Array(4 + body.length);
    frame.set(body, 4);
    return frame;
  });
  for (const v of [1, 3, 4, 5]) {
    decoders.push({
      name: `ApiVersions fallback decode at v${v}`,
      decode: (b) => decodeApiVersionsResponse(v, b),
      seeds: apiVersionsFrames,
    });
  }
  return decoders;
}

describe('fuzz: decoders throw only ProtocolError', () => {
  const rand = new Rand(0x5eed);
  const decoders = buildDecoders(rand);

  it(`runs ${PER_DECODER} inputs through each decoder`, () => {
    const started = Date.now();
    let rejected = 0;
    for (const d of decoders) {
      for (let i = 0; i < PER_DECODER; i++) {
        const input = mutate(rand, rand.pick(d.seeds));
        totalInputs++;
        try {
          d.decode(input);
        } catch (e) {
          if (!(e instanceof ProtocolError)) {
            throw new Error(`${d.name} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${Buffer.from(input).toString('hex')}`);
          }
          rejected++;
        }
      }
    }
    const ms = Date.now() - started;
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${totalInputs} inputs through ${decoders.length} decoders in ${ms} ms (${rejected} rejected with ProtocolError)`);
    expect(totalInputs).toBe(decoders.length * PER_DECODER);
  });

  it('every valid seed decodes', () => {
    for (const d of decoders) {
      // The fallback decoders get other versions' layouts on purpose.
      if (d.name.startsWith('ApiVersions fallback')) continue;
      for (const s of d.seeds) expect(() => d.decode(s)).not.toThrow();
    }
  });
});

describe('fuzz: impossible lengths are rejected before allocating', () => {
  it('an array count of 2^31-1 in a 20-byte frame', () => {
    const frame = new Uint8Array(20);
    new DataView(frame.buffer).setInt32(0, 0x7fffffff); // Metadata v0 brokers count
    expect(() => decodeMessage(MetadataResponseDef, 0, frame)).toThrow(/array length 2147483647 at offset 0 exceeds the 16 remaining bytes/);
    // Flexible: compact array count 2^32-2 as a 5-byte uvarint.
    const flex = new Uint8Array(20);
    flex.set([0xff, 0xff, 0xff, 0xff, 0x0f], 4);
    expect(() => decodeMessage(MetadataResponseDef, 9, flex)).toThrow(ProtocolError);
  });

  it('a bytes length of 2^31-1 and a tagged-field count of 2^32-1', () => {
    const r = new Reader(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(() => r.bytes()).toThrow(ProtocolError);
    // ProduceResponse v9 with zero topics then a huge tag count.
    const bytes = new Uint8Array([0x01, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeMessage(ProduceResponseDef, 9, bytes)).toThrow(/tagged field count/);
  });
});
