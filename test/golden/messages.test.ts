/**
 * Golden tests against bytes written by Apache Kafka's own generated message classes
 * (fixtures/, made by fixtures/generator). For every message fixture:
 *   (a) encoding the manifest inputs gives exactly Java's bytes,
 *   (b) decoding Java's bytes gives the inputs (fields absent from the inputs hold defaults),
 *   (c) decode-then-encode is byte-identical,
 * plus the hand-tuned Produce encoder against every Produce request fixture, request/response
 * framing with the header fixtures, and the KIP-511 fallback on Java's v0-layout answers.
 *
 * Manifest conventions: int64 as decimal strings, bytes/records as base64, uuid as Kafka's
 * base64url Uuid string, `_unknownTaggedFields: [{tag, data: base64}]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS, apiName } from '../../src/protocol/api-keys.js';
import { assertSubset } from '../unit/messages-arbitrary.js';
import {
  ApiVersionsResponseDef,
  MESSAGE_DEFS,
  RequestHeaderDef,
  ResponseHeaderDef,
  decodeApiVersionsResponse,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  encodeProduceRequest,
  encodeRequest,
  inVersions,
  uuidFromString,
  writeRequestHeader,
  type FieldDef,
  type MessageApiKey,
  type MessageDef,
  type ProduceRequest,
} from '../../src/protocol/messages/index.js';
import { Writer } from '../../src/protocol/writer.js';

interface Fixture {
  api: string;
  apiKey: number | null;
  version: number;
  direction: string;
  variant?: string;
  file: string;
  source: string;
  inputs: Record<string, unknown>;
}

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures');
const MANIFEST = join(ROOT, 'manifest.json');
const hasFixtures = existsSync(MANIFEST);
const manifest: Fixture[] = hasFixtures ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Fixture[]) : [];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const load = (f: Fixture): Uint8Array => new Uint8Array(readFileSync(join(ROOT, f.file)));

function defFor(f: Fixture): MessageDef | null {
  if (f.api === 'RequestHeader') return RequestHeaderDef;
  if (f.api === 'ResponseHeader') return ResponseHeaderDef;
  if (f.apiKey === null) return null;
  const defs = MESSAGE_DEFS[f.apiKey];
  if (!defs) return null;
  return f.direction === 'request' ? defs.request : f.direction === 'response' ? defs.response : null;
}

/** Converts manifest JSON to kafka-wire's representation, following the description. */
function fromJson(fields: readonly FieldDef[], version: number, json: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [k, v] of Object.entries(json)) {
    if (k === '_unknownTaggedFields') {
      out[k] = (v as Array<{ tag: number; data: string }>).map((t) => ({ tag: t.tag, data: b64(t.data) }));
      continue;
    }
    const f = byName.get(k);
    if (!f) throw new Error(`${path}.${k}: not in kafka-wire's description`);
    if (!inVersions(f.versions, version)) throw new Error(`${path}.${k}: Java wrote a field outside version ${version}`);
    out[k] = convert(f, version, v, `${path}.${k}`);
  }
  return out;
}

function convert(f: FieldDef, version: number, v: unknown, path: string): unknown {
  if (v === null) return null;
  const isArray = f.type.startsWith('[]');
  const t = isArray ? f.type.slice(2) : f.type;
  if (f.fields) {
    if (isArray) return (v as Array<Record<string, unknown>>).map((e, i) => fromJson(f.fields!, version, e, `${path}[${i}]`));
    return fromJson(f.fields, version, v as Record<string, unknown>, path);
  }
  const one = (x: unknown): unknown => {
    switch (t) {
      case 'int64':
        return BigInt(String(x));
      case 'uuid':
        return uuidFromString(String(x));
      case 'bytes':
      case 'records':
        return b64(String(x));
      default:
        return x;
    }
  };
  return isArray ? (v as unknown[]).map(one) : one(v);
}


const messageFixtures = manifest.filter((f) => defFor(f) !== null);
const skipped = manifest.filter((f) => defFor(f) === null);

describe.skipIf(!hasFixtures)('golden messages (Java kafka-clients bytes)', () => {
  it('covers every API and direction kafka-wire has a codec for, at every version it speaks', () => {
    const seen = new Set(messageFixtures.map((f) => `${f.apiKey}/${f.direction}/${f.version}`));
    const missing: string[] = [];
    for (const [key, range] of Object.entries(SUPPORTED_VERSIONS)) {
      for (let v = range.min; v <= range.max; v++) {
        for (const d of ['request', 'response']) if (!seen.has(`${key}/${d}/${v}`)) missing.push(`${apiName(Number(key))} ${d} v${v}`);
      }
    }
    for (const key of Object.keys(MESSAGE_DEFS)) {
      for (const d of ['request', 'response']) {
        if (!messageFixtures.some((f) => f.apiKey === Number(key) && f.direction === d)) missing.push(`${apiName(Number(key))} ${d}`);
      }
    }
    expect(missing).toEqual([]);
    const apis = new Set(messageFixtures.map((f) => `${f.api}/${f.direction}`));
    expect(apis.has('RequestHeader/request')).toBe(true);
    expect(apis.has('ResponseHeader/response')).toBe(true);
    // Record batches are the RecordBatch codec's fixtures, tested with it.
    expect(skipped.every((f) => f.api === 'RecordBatch')).toBe(true);
  });

  for (const f of messageFixtures) {
    const name = `${f.api} ${f.direction} v${f.version}${f.variant ? ` (${f.variant})` : ''}`;
    it(name, () => {
      const def = defFor(f)!;
      const bytes = load(f);
      const value = fromJson(def.fields, f.version, f.inputs, '$');
      // (a) encode the inputs: Java's bytes.
      expect(hex(encodeMessage(def, f.version, value))).toBe(hex(bytes));
      // (b) decode Java's bytes: the inputs.
      const decoded = decodeMessage<Record<string, unknown>>(def, f.version, bytes);
      assertSubset(decoded, value);
      // (c) decode then encode: byte-identical.
      expect(hex(encodeMessage(def, f.version, decoded))).toBe(hex(bytes));
    });
  }
});

describe.skipIf(!hasFixtures)('golden framing', () => {
  const headers = manifest.filter((f) => f.api === 'RequestHeader' && f.version >= 1);
  it('the hand-written request header writer matches Java', () => {
    expect(headers.length).toBeGreaterThan(0);
    for (const f of headers) {
      const w = new Writer();
      const i = f.inputs as { requestApiKey: number; requestApiVersion: number; correlationId: number; clientId: string | null };
      writeRequestHeader(w, i.requestApiKey, i.requestApiVersion, f.version, i);
      expect(hex(w.finish())).toBe(hex(load(f)));
    }
  });

  const produceRequests = manifest.filter((f) => f.api === 'Produce' && f.direction === 'request');
  it('the hand-tuned Produce encoder matches Java for every Produce request fixture', () => {
    expect(produceRequests.length).toBeGreaterThan(0);
    for (const f of produceRequests) {
      const body = fromJson(MESSAGE_DEFS[0]!.request.fields, f.version, f.inputs, '$') as unknown as ProduceRequest;
      const header = { correlationId: 123, clientId: 'producer-1' };
      const w = new Writer();
      writeRequestHeader(w, 0, f.version, f.version >= 9 ? 2 : 1, header);
      const headerLen = w.length;
      const fast = encodeProduceRequest(f.version, header, body);
      expect(hex(fast.subarray(headerLen))).toBe(hex(load(f)));
      expect(hex(fast.subarray(0, headerLen))).toBe(hex(w.finish()));
      // The generic full-frame path gives the same frame, and decodeRequest reads it back.
      expect(hex(encodeRequest(0, f.version, header, body))).toBe(hex(fast));
      const back = decodeRequest(fast, { strict: true });
      expect(back.header.requestApiVersion).toBe(f.version);
      assertSubset(back.body, body);
    }
  });

  it('decodes full response frames (header v0/v1 chosen by version) around Java bodies', () => {
    const responses = manifest.filter((f) => f.direction === 'response' && f.apiKey !== null && !f.variant?.startsWith('unsupported'));
    expect(responses.length).toBeGreaterThan(0);
    for (const f of responses) {
      const body = load(f);
      const flexible = inVersions(MESSAGE_DEFS[f.apiKey!]!.response.flexibleVersions, f.version);
      const headerBytes = f.apiKey === 18 || !flexible ? [0, 0, 0, 77] : [0, 0, 0, 77, 0];
      const frame = new Uint8Array([...headerBytes, ...body]);
      const res = decodeResponse(f.apiKey as MessageApiKey, f.version, frame, { strict: true });
      expect(res.header.correlationId).toBe(77);
      assertSubset(res.body, fromJson(MESSAGE_DEFS[f.apiKey!]!.response.fields, f.version, f.inputs, '$'));
    }
  });

  it("KIP-511: Java's v0-layout UNSUPPORTED_VERSION answers decode at any requested version", () => {
    const unsupported = manifest.filter((f) => f.api === 'ApiVersions' && f.variant?.startsWith('unsupported'));
    expect(unsupported.length).toBeGreaterThan(0);
    for (const f of unsupported) {
      const frame = new Uint8Array([0, 0, 0, 5, ...load(f)]);
      for (let requested = 0; requested <= 5; requested++) {
        const res = decodeApiVersionsResponse(requested, frame, { strict: true });
        expect(res.body.errorCode).toBe(35);
        assertSubset(res.body, fromJson(ApiVersionsResponseDef.fields, 0, f.inputs, '$'));
      }
    }
  });
});

describe('golden fixture summary', () => {
  it('reports what ran', () => {
    // eslint-disable-next-line no-console
    console.log(
      hasFixtures
        ? `golden: ${messageFixtures.length} message fixtures from ${[...new Set(manifest.map((f) => f.source))].join(', ')}; ${skipped.length} record-batch fixtures left to the RecordBatch tests`
        : 'golden: fixtures/manifest.json not found, golden message tests skipped',
    );
    expect(true).toBe(true);
  });
});
