import { describe, expect, it } from 'vitest';
import { KafkaWireError, ProtocolError } from '../../src/errors.js';
import {
  ApiKey,
  FETCH_MAX_VERSION_WITH_TOPIC_NAMES,
  SUPPORTED_VERSIONS,
  TRANSACTIONS_V1_MAX_VERSION,
  TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES,
  apiName,
  pickVersion,
} from '../../src/protocol/api-keys.js';
import {
  AddOffsetsToTxnRequestDef,
  AddOffsetsToTxnResponseDef,
  AddPartitionsToTxnRequestDef,
  AddPartitionsToTxnResponseDef,
  ApiVersionsRequestDef,
  ApiVersionsResponseDef,
  CoordinatorKeyType,
  CreateTopicsRequestDef,
  CreateTopicsResponseDef,
  DeleteTopicsRequestDef,
  DeleteTopicsResponseDef,
  EndTxnRequestDef,
  EndTxnResponseDef,
  FindCoordinatorRequestDef,
  FetchRequestDef,
  FetchResponseDef,
  FindCoordinatorResponseDef,
  ListOffsetsRequestDef,
  ListOffsetsResponseDef,
  ListOffsetsTimestamp,
  InitProducerIdRequestDef,
  MESSAGE_DEFS,
  MetadataRequestDef,
  ProduceRequestDef,
  ProduceResponseDef,
  RequestHeaderDef,
  ResponseHeaderDef,
  SaslAuthenticateRequestDef,
  SaslAuthenticateResponseDef,
  SaslHandshakeRequestDef,
  SaslHandshakeResponseDef,
  TxnOffsetCommitRequestDef,
  TxnOffsetCommitResponseDef,
  apiVersionsRetryVersion,
  decodeApiVersionsResponse,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  encodeProduceRequest,
  encodeRequest,
  encodeResponse,
  peekCorrelationId,
  requestHeaderVersion,
  responseHeaderVersion,
  sizeOfProduceRequest,
  uuidFromString,
  uuidToString,
  writeRequestHeader,
  type FastProduceRequest,
  type AddPartitionsToTxnResponse,
  type CreateTopicsResponse,
  type DeleteTopicsResponse,
  type EndTxnResponse,
  type FindCoordinatorResponse,
  type ListOffsetsResponse,
  type ProduceRequest,
  type SaslAuthenticateResponse,
  type TxnOffsetCommitResponse,
} from '../../src/protocol/messages/index.js';
import { Writer } from '../../src/protocol/writer.js';
import { Rand, assertSubset, randomMessage, versionsOf } from './messages-arbitrary.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('headers', () => {
  it('selects header versions like Java', () => {
    expect(requestHeaderVersion(0, 8)).toBe(1);
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(requestHeaderVersion(3, 9)).toBe(2);
    expect(requestHeaderVersion(22, 2)).toBe(2);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(responseHeaderVersion(0, 9)).toBe(1);
    expect(responseHeaderVersion(0, 8)).toBe(0);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(responseHeaderVersion(3, 13)).toBe(1);
  });

  it('writes request header v1/v2 with a classic client id string, same as the description', () => {
    for (const hv of [1, 2]) {
      for (const clientId of ['c', null, '', 'é日本']) {
        const w = new Writer();
        writeRequestHeader(w, 3, 12, hv, { correlationId: 0x01020304, clientId });
        const generic = encodeMessage(RequestHeaderDef, hv, {
          requestApiKey: 3,
          requestApiVersion: 12,
          correlationId: 0x01020304,
          clientId,
        });
        expect(hex(w.finish())).toBe(hex(generic));
      }
    }
    const w = new Writer();
    writeRequestHeader(w, 0, 9, 2, { correlationId: 7, clientId: 'c' });
    expect(hex(w.finish())).toBe('00000009' + '00000007' + '000163' + '00');
  });

  it('header v0 has no client id; response header v1 has tagged fields', () => {
    expect(hex(encodeMessage(RequestHeaderDef, 0, { requestApiKey: 7, requestApiVersion: 0, correlationId: 1 }))).toBe(
      '0007000000000001',
    );
    expect(hex(encodeMessage(ResponseHeaderDef, 0, { correlationId: 5 }))).toBe('00000005');
    expect(hex(encodeMessage(ResponseHeaderDef, 1, { correlationId: 5 }))).toBe('0000000500');
  });
});

describe('Produce request', () => {
  const body: ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: unhex('aabbcc') }] }],
  };

  it('v3 (classic) matches hand-computed bytes', () => {
    const bytes = encodeRequest(ApiKey.Produce, 3, { correlationId: 7, clientId: 'c' }, body);
    expect(hex(bytes)).toBe(
      '0000 0003 00000007 000163'.replace(/ /g, '') +
        'ffff' + 'ffff' + '00007530' + '00000001' + '000174' + '00000001' + '00000000' + '00000003aabbcc',
    );
  });

  it('v9 (flexible) matches hand-computed bytes', () => {
    const bytes = encodeRequest(ApiKey.Produce, 9, { correlationId: 7, clientId: 'c' }, body);
    expect(hex(bytes)).toBe(
      '0000000900000007000163' + '00' + '00' + 'ffff' + '00007530' + '02' + '0274' + '02' + '00000000' + '04aabbcc' + '00' + '00' + '00',
    );
  });

  it('v13 writes topic ids instead of names (the name is ignorable)', () => {
    const id = unhex('000102030405060708090a0b0c0d0e0f');
    const bytes = encodeMessage(ProduceRequestDef, 13, {
      ...body,
      topicData: [{ name: 'ignored', topicId: id, partitionData: [] }],
    });
    expect(hex(bytes)).toBe('00' + 'ffff' + '00007530' + '02' + hex(id) + '01' + '00' + '00');
    const back = decodeMessage<ProduceRequest>(ProduceRequestDef, 13, bytes);
    expect(back.topicData[0]!.name).toBe('');
    expect(hex(back.topicData[0]!.topicId!)).toBe(hex(id));
  });

  it('size prefix frames the request', () => {
    const framed = encodeRequest(ApiKey.Produce, 9, { correlationId: 7, clientId: 'c' }, body, { sizePrefix: true });
    const plain = encodeRequest(ApiKey.Produce, 9, { correlationId: 7, clientId: 'c' }, body);
    expect(new DataView(framed.buffer, framed.byteOffset).getInt32(0)).toBe(plain.length);
    expect(hex(framed.subarray(4))).toBe(hex(plain));
  });

  it('the request decodes back (decodeRequest reads the header first)', () => {
    for (const v of [3, 8, 9, 12]) {
      const bytes = encodeRequest(ApiKey.Produce, v, { correlationId: 42, clientId: 'me' }, body);
      const { header, body: back } = decodeRequest(bytes, { strict: true });
      expect(header).toMatchObject({ requestApiKey: 0, requestApiVersion: v, correlationId: 42, clientId: 'me' });
      assertSubset(back, body);
    }
  });
});

describe('hand-tuned Produce encoder', () => {
  const rand = new Rand(1234);
  const names = ['orders', '', 'é日本😀', 'x'.repeat(130)];
  function randomBody(): FastProduceRequest {
    return {
      transactionalId: rand.pick([null, undefined, '', 'txn-1', 'y'.repeat(200)]),
      acks: rand.pick([-1, 0, 1]),
      timeoutMs: rand.int(0, 2 ** 31 - 1),
      topicData: Array.from({ length: rand.int(0, 3) }, () => ({
        name: rand.pick(names),
        topicId: rand.bytes(16),
        partitionData: Array.from({ length: rand.int(0, 4) }, () => {
          const kind = rand.int(0, 3);
          const records =
            kind === 0 ? null : kind === 1 ? rand.bytes(rand.int(0, 300)) : [rand.bytes(rand.int(0, 70)), rand.bytes(rand.int(0, 200))];
          return { index: rand.int(0, 1000), records };
        }),
      })),
    };
  }
  function concat(r: Uint8Array | readonly Uint8Array[] | null): Uint8Array | null {
    if (r === null || r instanceof Uint8Array) return r;
    const out = new Uint8Array(r.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of r) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  it('is byte-identical to the generic engine for v3-v13 (500 random requests)', () => {
    for (let i = 0; i < 500; i++) {
      const version = rand.int(3, 13);
      const fast = randomBody();
      const generic: ProduceRequest = {
        transactionalId: fast.transactionalId ?? null,
        acks: fast.acks,
        timeoutMs: fast.timeoutMs,
        topicData: fast.topicData.map((t) => ({
          name: t.name!,
          topicId: t.topicId!,
          partitionData: t.partitionData.map((p) => ({ index: p.index, records: concat(p.records) })),
        })),
      };
      const header = { correlationId: rand.int(-5, 1 << 30), clientId: rand.pick([null, 'producer-1', 'é']) };
      const expected = encodeRequest(ApiKey.Produce, version, header, generic);
      const got = encodeProduceRequest(version, header, fast);
      expect(hex(got)).toBe(hex(expected));
      const framed = encodeProduceRequest(version, header, fast, { sizePrefix: true });
      expect(framed.length).toBe(sizeOfProduceRequest(version, header.clientId, fast, true));
      expect(new DataView(framed.buffer, framed.byteOffset).getInt32(0)).toBe(expected.length);
      expect(hex(framed.subarray(4))).toBe(hex(expected));
    }
  });

  it('rejects versions outside v3-v13', () => {
    const b: FastProduceRequest = { acks: 1, timeoutMs: 1, topicData: [] };
    expect(() => encodeProduceRequest(2, { correlationId: 1, clientId: null }, b)).toThrow(KafkaWireError);
    expect(() => encodeProduceRequest(14, { correlationId: 1, clientId: null }, b)).toThrow(/v3-v13/);
  });
});

describe('Produce response', () => {
  it('v10 decodes tagged currentLeader and nodeEndpoints', () => {
    const frame = unhex(
      '0000002a 00' + // header v1: correlation id 42, no tags
        '02 0274 02 00000000 0006 ffffffffffffffff ffffffffffffffff 0000000000000005 01 00' +
        '01 00 09 00000002 00000005 00' + // partition tags: currentLeader (its own empty tag section)
        '00' + // topic tags
        '00000064' + // throttle 100
        '01 00 0d 02 00000002 0268 00002384 00 00', // body tags: nodeEndpoints
    );
    const { header, body } = decodeResponse(ApiKey.Produce, 10, frame, { strict: true });
    expect(header.correlationId).toBe(42);
    expect(body.throttleTimeMs).toBe(100);
    const p = body.responses[0]!.partitionResponses[0]!;
    expect(p).toMatchObject({ index: 0, errorCode: 6, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: 5n, recordErrors: [], errorMessage: null });
    expect(p.currentLeader).toEqual({ leaderId: 2, leaderEpoch: 5 });
    expect(body.nodeEndpoints).toEqual([{ nodeId: 2, host: 'h', port: 9092, rack: null }]);
    expect(hex(encodeResponse(ApiKey.Produce, 10, 42, body))).toBe(hex(frame));
  });

  it('omits default tagged fields and fills defaults for fields outside the version', () => {
    const bytes = encodeMessage(ProduceResponseDef, 10, {
      responses: [{ name: 't', partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 10n }] }],
    });
    // currentLeader at its default (-1/-1) is not written: the partition's tag section is empty.
    expect(hex(bytes)).toBe('02' + '0274' + '02' + '00000001' + '0000' + '000000000000000a' + 'ffffffffffffffff' + 'ffffffffffffffff' + '01' + '00' + '00' + '00' + '00000000' + '00');
    const v0 = decodeMessage<{ responses: Array<{ partitionResponses: Array<Record<string, unknown>> }> }>(
      ProduceResponseDef,
      0,
      unhex('00000001 0001 74 00000001 00000000 0000 0000000000000007'),
    );
    expect(v0.responses[0]!.partitionResponses[0]).toEqual({
      index: 0,
      errorCode: 0,
      baseOffset: 7n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
      errorMessage: null,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    });
  });
});

describe('tagged fields', () => {
  it('keeps unknown tags and writes them back in tag order around known ones', () => {
    // ApiVersionsResponse v3 body: error 0, one api key, throttle 0, tags: 1 (known), 5 and 9 (unknown).
    const bytes = unhex(
      '0000' + '02 0012 0000 0004 00' + '00000000' + '03' + '01 08 0000000000000007' + '05 02 abcd' + '09 00',
    );
    const decoded = decodeMessage<Record<string, unknown>>(ApiVersionsResponseDef, 3, bytes);
    expect(decoded.finalizedFeaturesEpoch).toBe(7n);
    expect(decoded._unknownTaggedFields).toEqual([
      { tag: 5, data: unhex('abcd') },
      { tag: 9, data: new Uint8Array(0) },
    ]);
    expect(hex(encodeMessage(ApiVersionsResponseDef, 3, decoded))).toBe(hex(bytes));
    // An unknown tag lower than a known one goes first.
    const mixed = encodeMessage(ApiVersionsResponseDef, 3, {
      errorCode: 0,
      apiKeys: [],
      zkMigrationReady: true,
      _unknownTaggedFields: [{ tag: 2, data: unhex('ff') }],
    });
    expect(hex(mixed)).toBe('0000' + '01' + '00000000' + '02' + '02 01 ff'.replace(/ /g, '') + '03 01 01'.replace(/ /g, ''));
  });

  it('rejects a known tagged field whose size does not match its value', () => {
    const bytes = unhex('0000' + '01' + '00000000' + '01' + '01 09 0000000000000007 00');
    expect(() => decodeMessage(ApiVersionsResponseDef, 3, bytes)).toThrow(/finalizedFeaturesEpoch|declared 9 bytes/);
  });
});

describe('version rules', () => {
  it('throws UNSUPPORTED_VERSION for a non-default, non-ignorable field outside the version', () => {
    const err = (() => {
      try {
        encodeMessage(MetadataRequestDef, 3, { topics: null, allowAutoTopicCreation: false });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(KafkaWireError);
    expect((err as KafkaWireError).code).toBe('UNSUPPORTED_VERSION');
    // The default is fine, and so is an ignorable field.
    expect(hex(encodeMessage(MetadataRequestDef, 3, { topics: null, allowAutoTopicCreation: true }))).toBe('ffffffff');
    expect(hex(encodeMessage(ApiVersionsRequestDef, 2, { clientSoftwareName: 'kw', clientSoftwareVersion: '1' }))).toBe('');
    expect(() => encodeMessage(InitProducerIdRequestDef, 2, { transactionalId: null, transactionTimeoutMs: 1, producerId: 5n })).toThrow(
      /non-default producerId/,
    );
  });

  it('rejects null for non-nullable fields in both directions', () => {
    expect(() => encodeMessage(MetadataRequestDef, 0, { topics: null })).toThrow(ProtocolError);
    expect(() => encodeMessage(MetadataRequestDef, 9, { topics: [{ name: null }] })).toThrow(/non-nullable/);
    expect(() => decodeMessage(MetadataRequestDef, 0, unhex('ffffffff'))).toThrow(/non-nullable field topics/);
  });

  it('rejects versions outside validVersions', () => {
    expect(() => encodeMessage(ProduceRequestDef, 14, { acks: 1, timeoutMs: 1, topicData: [] })).toThrow(/no version 14/);
  });

  it('names the field path in decode errors', () => {
    // Metadata response v1 with one broker whose host is truncated.
    const bad = unhex('00000001 00000001 0005 6162');
    expect(() => decodeMessage(MESSAGE_DEFS[3]!.response, 1, bad)).toThrow(/brokers\[0\]\.host/);
  });
});

describe('round trips of random messages', () => {
  const rand = new Rand(99);
  for (const [key, defs] of Object.entries(MESSAGE_DEFS)) {
    for (const def of [defs.request, defs.response]) {
      it(`${def.name} (key ${key}) every version`, () => {
        for (const v of versionsOf(def)) {
          for (let i = 0; i < 30; i++) {
            const msg = randomMessage(rand, def, v);
            const bytes = encodeMessage(def, v, msg);
            const back = decodeMessage(def, v, bytes);
            assertSubset(back, msg);
            expect(hex(encodeMessage(def, v, back))).toBe(hex(bytes));
          }
        }
      });
    }
  }
});

describe('every message: truncated and hostile input', () => {
  const rand = new Rand(2024);
  for (const [key, defs] of Object.entries(MESSAGE_DEFS)) {
    for (const def of [defs.request, defs.response]) {
      it(`${def.name} (key ${key}): every proper prefix is a ProtocolError; planted huge lengths decode or throw ProtocolError`, () => {
        for (const v of versionsOf(def)) {
          const bytes = encodeMessage(def, v, randomMessage(rand, def, v));
          // Decoding reads the same bytes in the same order as for the whole message, so any
          // prefix runs out: it must say so, not return a shorter message or a TypeError.
          for (let n = 0; n < bytes.length; n++) {
            expect(() => decodeMessage(def, v, bytes.subarray(0, n)), `v${v} prefix ${n}/${bytes.length}`).toThrow(ProtocolError);
          }
          for (let at = 0; at < bytes.length; at++) {
            for (const plant of [[0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff, 0x0f]]) {
              const bad = bytes.slice();
              bad.set(plant.slice(0, bad.length - at), at);
              try {
                decodeMessage(def, v, bad);
              } catch (e) {
                if (!(e instanceof ProtocolError)) throw new Error(`v${v} ${hex(bad)}: ${String(e)}`);
              }
            }
          }
        }
      });
    }
  }
});

describe('SaslHandshake and SaslAuthenticate', () => {
  it('SaslHandshake v0-1 (never flexible): hand-computed bytes both ways', () => {
    for (const v of [0, 1]) {
      expect(requestHeaderVersion(ApiKey.SaslHandshake, v)).toBe(1);
      expect(responseHeaderVersion(ApiKey.SaslHandshake, v)).toBe(0);
      expect(hex(encodeMessage(SaslHandshakeRequestDef, v, { mechanism: 'PLAIN' }))).toBe('0005' + hex(Buffer.from('PLAIN')));
      const res = unhex('0021 00000002 0005 504c41494e 0000');
      expect(decodeMessage(SaslHandshakeResponseDef, v, res)).toEqual({ errorCode: 33, mechanisms: ['PLAIN', ''] });
      expect(hex(encodeMessage(SaslHandshakeResponseDef, v, { errorCode: 33, mechanisms: ['PLAIN', ''] }))).toBe(hex(res));
    }
    const frame = encodeRequest(ApiKey.SaslHandshake, 1, { correlationId: 3, clientId: 'c' }, { mechanism: 'SCRAM-SHA-256' });
    expect(hex(frame)).toBe('0011' + '0001' + '00000003' + '000163' + '000d' + hex(Buffer.from('SCRAM-SHA-256')));
  });

  it('SaslAuthenticate: classic bytes in v0-1, compact bytes and tagged fields in v2; sessionLifetimeMs from v1', () => {
    const token = unhex('00616c69636500c3bc');
    expect(hex(encodeMessage(SaslAuthenticateRequestDef, 0, { authBytes: token }))).toBe('00000009' + hex(token));
    expect(hex(encodeMessage(SaslAuthenticateRequestDef, 1, { authBytes: token }))).toBe('00000009' + hex(token));
    expect(hex(encodeMessage(SaslAuthenticateRequestDef, 2, { authBytes: token }))).toBe('0a' + hex(token) + '00');
    expect(requestHeaderVersion(ApiKey.SaslAuthenticate, 2)).toBe(2);
    expect(responseHeaderVersion(ApiKey.SaslAuthenticate, 1)).toBe(0);
    expect(responseHeaderVersion(ApiKey.SaslAuthenticate, 2)).toBe(1);

    const lifetime = 2n ** 53n + 1n;
    const v2 = unhex('0000' + '00' + '03 7879' + '0020000000000001' + '00');
    const decoded = decodeMessage<SaslAuthenticateResponse>(SaslAuthenticateResponseDef, 2, v2);
    expect(decoded).toEqual({ errorCode: 0, errorMessage: null, authBytes: unhex('7879'), sessionLifetimeMs: lifetime });
    expect(hex(encodeMessage(SaslAuthenticateResponseDef, 2, decoded))).toBe(hex(v2));
    // v0 has no lifetime: it reads as the default 0, and writing one is dropped (ignorable).
    const v0 = unhex('003a' + '0003 626164' + '00000000');
    expect(decodeMessage(SaslAuthenticateResponseDef, 0, v0)).toEqual({ errorCode: 58, errorMessage: 'bad', authBytes: new Uint8Array(0), sessionLifetimeMs: 0n });
    expect(hex(encodeMessage(SaslAuthenticateResponseDef, 0, { errorCode: 58, errorMessage: 'bad', authBytes: new Uint8Array(0), sessionLifetimeMs: lifetime }))).toBe(hex(v0));
    // A frame through decodeResponse (header v1 in v2). A left-out errorMessage is Kafka's
    // default for it, the empty string (the definition gives it no "null" default).
    const frame = encodeResponse(ApiKey.SaslAuthenticate, 2, 9, { errorCode: 0, authBytes: unhex('01'), sessionLifetimeMs: 1000n });
    expect(hex(frame)).toBe('00000009' + '00' + '0000' + '01' + '0201' + '00000000000003e8' + '00');
    expect(decodeResponse(ApiKey.SaslAuthenticate, 2, frame, { strict: true }).body).toEqual({
      errorCode: 0, errorMessage: '', authBytes: unhex('01'), sessionLifetimeMs: 1000n,
    });
    // authBytes is not nullable.
    expect(() => encodeMessage(SaslAuthenticateRequestDef, 2, { authBytes: null })).toThrow(/non-nullable field authBytes/);
    expect(() => decodeMessage(SaslAuthenticateRequestDef, 2, unhex('0000'))).toThrow(/non-nullable field authBytes/);
    expect(() => decodeMessage(SaslAuthenticateRequestDef, 0, unhex('ffffffff'))).toThrow(/non-nullable field authBytes/);
  });

  it('negotiates SaslHandshake v1 only (v0 would leave the tokens unframed) and SaslAuthenticate v0-2', () => {
    expect(pickVersion(ApiKey.SaslHandshake, 0, 1)).toBe(1);
    expect(pickVersion(ApiKey.SaslHandshake, 0, 0)).toBeNull();
    expect(pickVersion(ApiKey.SaslAuthenticate, 0, 2)).toBe(2);
    expect(pickVersion(ApiKey.SaslAuthenticate, 0, 0)).toBe(0);
    expect(apiName(ApiKey.SaslHandshake)).toBe('SaslHandshake');
    expect(apiName(ApiKey.SaslAuthenticate)).toBe('SaslAuthenticate');
  });

  it('rejects hostile counts and lengths before allocating', () => {
    expect(() => decodeMessage(SaslHandshakeResponseDef, 1, unhex('0000 7fffffff 0001 41'))).toThrow(
      /mechanisms: array length 2147483647 at offset 2 exceeds the 3 remaining bytes/,
    );
    expect(() => decodeMessage(SaslHandshakeResponseDef, 1, unhex('0000 00000001 7fff 41'))).toThrow(/mechanisms\[0\]: truncated string/);
    expect(() => decodeMessage(SaslAuthenticateRequestDef, 0, unhex('7fffffff 0102'))).toThrow(/truncated bytes at offset 4: need 2147483647 bytes, 2 remaining/);
    expect(() => decodeMessage(SaslAuthenticateRequestDef, 2, unhex('ffffffff0f 00'))).toThrow(/need 4294967294 bytes, 1 remaining/);
    expect(() => decodeMessage(SaslAuthenticateResponseDef, 2, unhex('0000 ffffffff0f 01 0000000000000000 00'))).toThrow(/errorMessage.*exceeds 32767/);
  });
});

describe('transaction messages', () => {
  const utf8 = (t: string): string => hex(Buffer.from(t));
  const str16 = (t: string): string => hex(Buffer.from([0, Buffer.byteLength(t)])) + utf8(t);
  const compact = (t: string): string => hex(Buffer.from([Buffer.byteLength(t) + 1])) + utf8(t);

  it('FindCoordinator: one key up to v3, coordinatorKeys from v4; a transaction lookup needs v1+', () => {
    const txn = { key: 'tx', keyType: CoordinatorKeyType.Transaction };
    expect(hex(encodeMessage(FindCoordinatorRequestDef, 1, txn))).toBe(str16('tx') + '01');
    expect(hex(encodeMessage(FindCoordinatorRequestDef, 3, txn))).toBe(compact('tx') + '01' + '00');
    expect(hex(encodeMessage(FindCoordinatorRequestDef, 4, { keyType: 1, coordinatorKeys: ['a', 'é'] }))).toBe(
      '01' + '03' + compact('a') + compact('é') + '00',
    );
    // v0 knows only groups: a non-default key type is refused, as Java refuses to build it.
    expect(() => encodeMessage(FindCoordinatorRequestDef, 0, txn)).toThrow(/non-default keyType at version 0/);
    expect(hex(encodeMessage(FindCoordinatorRequestDef, 0, { key: 'g', keyType: CoordinatorKeyType.Group }))).toBe(str16('g'));
    // ... and the batched keys cannot go below v4, nor the single key above v3.
    expect(() => encodeMessage(FindCoordinatorRequestDef, 3, { key: 'a', keyType: 1, coordinatorKeys: ['a'] })).toThrow(/coordinatorKeys/);
    expect(() => encodeMessage(FindCoordinatorRequestDef, 4, { key: 'a', keyType: 1, coordinatorKeys: ['a'] })).toThrow(/non-default key at version 4/);

    const v4 = unhex('00000000' + '02' + compact('tx') + '00000003' + compact('h') + '00002384' + '0000' + '00' + '00' + '00');
    const res = decodeMessage<FindCoordinatorResponse>(FindCoordinatorResponseDef, 4, v4);
    expect(res.coordinators).toEqual([{ key: 'tx', nodeId: 3, host: 'h', port: 9092, errorCode: 0, errorMessage: null }]);
    expect(res).toMatchObject({ errorCode: 0, nodeId: 0, host: '', port: 0 });
    expect(hex(encodeMessage(FindCoordinatorResponseDef, 4, res))).toBe(hex(v4));
    const v0 = unhex('000f' + 'ffffffff' + '0000' + 'ffffffff');
    expect(decodeMessage(FindCoordinatorResponseDef, 0, v0)).toMatchObject({ throttleTimeMs: 0, errorCode: 15, nodeId: -1, host: '', port: -1, coordinators: [] });
  });

  it('AddPartitionsToTxn: the client form (v0-v3) and the broker form (v4+); the client speaks v0-v3', () => {
    expect(SUPPORTED_VERSIONS[ApiKey.AddPartitionsToTxn]).toEqual({ min: 0, max: 3 });
    const client = {
      v3AndBelowTransactionalId: 't',
      v3AndBelowProducerId: 2n ** 53n + 1n,
      v3AndBelowProducerEpoch: 7,
      v3AndBelowTopics: [{ name: 'o', partitions: [0, 5] }],
    };
    expect(hex(encodeMessage(AddPartitionsToTxnRequestDef, 2, client))).toBe(
      str16('t') + '0020000000000001' + '0007' + '00000001' + str16('o') + '00000002' + '00000000' + '00000005',
    );
    expect(hex(encodeMessage(AddPartitionsToTxnRequestDef, 3, client))).toBe(
      compact('t') + '0020000000000001' + '0007' + '02' + compact('o') + '03' + '00000000' + '00000005' + '00' + '00',
    );
    // The client form does not exist at v4: sending it there is an error, not a silent drop.
    expect(() => encodeMessage(AddPartitionsToTxnRequestDef, 4, client)).toThrow(/non-default v3AndBelowTransactionalId/);
    const broker = { transactions: [{ transactionalId: 't', producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [] }] };
    expect(hex(encodeMessage(AddPartitionsToTxnRequestDef, 4, broker))).toBe('02' + compact('t') + '0000000000000001' + '0000' + '01' + '01' + '00' + '00');

    const v3 = unhex('0000000a' + '02' + compact('o') + '02' + '00000001' + '0033' + '00' + '00' + '00');
    const res = decodeMessage<AddPartitionsToTxnResponse>(AddPartitionsToTxnResponseDef, 3, v3);
    expect(res.resultsByTopicV3AndBelow).toEqual([{ name: 'o', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 51 }] }]);
    expect(res.resultsByTransaction).toEqual([]);
    expect(hex(encodeMessage(AddPartitionsToTxnResponseDef, 3, res))).toBe(hex(v3));
  });

  it('AddOffsetsToTxn and EndTxn: fixed layouts; EndTxn v5 answers with the next producer id and epoch', () => {
    const add = { transactionalId: 't', producerId: -1n, producerEpoch: -1, groupId: 'g' };
    expect(hex(encodeMessage(AddOffsetsToTxnRequestDef, 0, add))).toBe(str16('t') + 'ffffffffffffffff' + 'ffff' + str16('g'));
    expect(hex(encodeMessage(AddOffsetsToTxnRequestDef, 3, add))).toBe(compact('t') + 'ffffffffffffffff' + 'ffff' + compact('g') + '00');
    expect(decodeMessage(AddOffsetsToTxnResponseDef, 4, unhex('00000064 0033 00'))).toEqual({ throttleTimeMs: 100, errorCode: 51 });

    const end = { transactionalId: 't', producerId: 2n ** 63n - 1n, producerEpoch: 5, committed: true };
    expect(hex(encodeMessage(EndTxnRequestDef, 2, end))).toBe(str16('t') + '7fffffffffffffff' + '0005' + '01');
    expect(hex(encodeMessage(EndTxnRequestDef, 5, { ...end, committed: false }))).toBe(compact('t') + '7fffffffffffffff' + '0005' + '00' + '00');
    const v5 = unhex('00000000' + '0000' + '0020000000000001' + '0006' + '00');
    expect(decodeMessage<EndTxnResponse>(EndTxnResponseDef, 5, v5)).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 2n ** 53n + 1n, producerEpoch: 6 });
    // Before v5 the response has no producer id: it reads as -1/-1, and writing one is dropped.
    expect(decodeMessage(EndTxnResponseDef, 4, unhex('00000000 0000 00'))).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 });
    expect(hex(encodeMessage(EndTxnResponseDef, 4, { throttleTimeMs: 0, errorCode: 0, producerId: 9n, producerEpoch: 1 }))).toBe('00000000' + '0000' + '00');
  });

  it('TxnOffsetCommit: group metadata from v3 (refused below), leader epoch from v2, topic ids from v6', () => {
    const body = {
      transactionalId: 't',
      groupId: 'g',
      producerId: 1n,
      producerEpoch: 0,
      topics: [{ name: 'o', topicId: unhex('000102030405060708090a0b0c0d0e0f'), partitions: [{ partitionIndex: 0, committedOffset: 2n ** 53n + 1n, committedLeaderEpoch: 9, committedMetadata: null }] }],
    };
    const head16 = str16('t') + str16('g') + '0000000000000001' + '0000';
    expect(hex(encodeMessage(TxnOffsetCommitRequestDef, 1, body))).toBe(head16 + '00000001' + str16('o') + '00000001' + '00000000' + '0020000000000001' + 'ffff');
    expect(hex(encodeMessage(TxnOffsetCommitRequestDef, 2, body))).toBe(head16 + '00000001' + str16('o') + '00000001' + '00000000' + '0020000000000001' + '00000009' + 'ffff');
    const meta = { generationIdOrMemberEpoch: 42, memberId: 'm', groupInstanceId: null };
    const headCompact = compact('t') + compact('g') + '0000000000000001' + '0000';
    expect(hex(encodeMessage(TxnOffsetCommitRequestDef, 3, { ...body, ...meta }))).toBe(
      headCompact + '0000002a' + compact('m') + '00' + '02' + compact('o') + '02' + '00000000' + '0020000000000001' + '00000009' + '00' + '00' + '00' + '00',
    );
    expect(hex(encodeMessage(TxnOffsetCommitRequestDef, 6, { ...body, ...meta }))).toBe(
      headCompact + '0000002a' + compact('m') + '00' + '02' + '000102030405060708090a0b0c0d0e0f' + '02' + '00000000' + '0020000000000001' + '00000009' + '00' + '00' + '00' + '00',
    );
    // Java refuses group metadata below v3 rather than drop it (it fences zombie producers).
    expect(() => encodeMessage(TxnOffsetCommitRequestDef, 2, { ...body, ...meta })).toThrow(/non-default generationIdOrMemberEpoch at version 2/);
    expect(() => encodeMessage(TxnOffsetCommitRequestDef, 2, { ...body, memberId: 'm' })).toThrow(/non-default memberId/);
    expect(() => encodeMessage(TxnOffsetCommitRequestDef, 2, { ...body, groupInstanceId: 'i' })).toThrow(/non-default groupInstanceId/);
    expect(TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES).toBe(5);
    expect(pickVersion(ApiKey.TxnOffsetCommit, 0, 6, TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES)).toBe(5);
    expect(pickVersion(ApiKey.EndTxn, 0, 5, TRANSACTIONS_V1_MAX_VERSION)).toBe(4);

    const res = unhex('00000005' + '02' + compact('o') + '03' + '00000000' + '0000' + '00' + '00000003' + '0016' + '00' + '00' + '00');
    const decoded = decodeMessage<TxnOffsetCommitResponse>(TxnOffsetCommitResponseDef, 3, res);
    expect(decoded.topics[0]!.partitions).toEqual([{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 3, errorCode: 22 }]);
    expect(hex(encodeMessage(TxnOffsetCommitResponseDef, 3, decoded))).toBe(hex(res));
  });

  it('rejects hostile counts before allocating', () => {
    expect(() => decodeMessage(FindCoordinatorRequestDef, 4, unhex('01 ffffffff0f 00'))).toThrow(/compact array length 4294967294 at offset 1 exceeds the 1 remaining bytes/);
    expect(() => decodeMessage(AddPartitionsToTxnRequestDef, 0, unhex('0001 74 0000000000000001 0000 7fffffff'))).toThrow(/v3AndBelowTopics: array length 2147483647/);
    expect(() => decodeMessage(TxnOffsetCommitRequestDef, 0, unhex('0001 74 0001 67 0000000000000001 0000 00000001 0001 6f 40000000 00'))).toThrow(
      /topics\[0\]\.partitions: array length 1073741824 at offset 23 exceeds the 1 remaining bytes/,
    );
  });
});

describe('reading back: ListOffsets, Fetch, CreateTopics, DeleteTopics', () => {
  const compact = (t: string): string => hex(Buffer.from([Buffer.byteLength(t) + 1])) + hex(Buffer.from(t));
  const id = unhex('000102030405060708090a0b0c0d0e0f');

  it('ListOffsets: isolation level from v2 (refused in v1), leader epochs from v4, timeoutMs from v10', () => {
    const latest = { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: ListOffsetsTimestamp.Latest }] }] };
    expect(hex(encodeMessage(ListOffsetsRequestDef, 1, latest))).toBe('ffffffff' + '00000001' + '000174' + '00000001' + '00000000' + 'ffffffffffffffff');
    expect(() => encodeMessage(ListOffsetsRequestDef, 1, { ...latest, isolationLevel: 1 })).toThrow(/non-default isolationLevel at version 1/);
    const earliest = {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 17, timestamp: ListOffsetsTimestamp.Earliest }] }],
      timeoutMs: 30000,
    };
    expect(hex(encodeMessage(ListOffsetsRequestDef, 10, earliest))).toBe(
      'ffffffff' + '01' + '02' + compact('t') + '02' + '00000000' + '00000011' + 'fffffffffffffffe' + '00' + '00' + '00007530' + '00',
    );
    // v9 has no timeoutMs: it is ignorable, so it is dropped.
    expect(hex(encodeMessage(ListOffsetsRequestDef, 9, earliest))).toBe(
      'ffffffff' + '01' + '02' + compact('t') + '02' + '00000000' + '00000011' + 'fffffffffffffffe' + '00' + '00' + '00',
    );
    const res = unhex('00000000' + '00000001' + '000174' + '00000001' + '00000000' + '0000' + 'ffffffffffffffff' + '0020000000000001' + '00000011');
    const decoded = decodeMessage<ListOffsetsResponse>(ListOffsetsResponseDef, 4, res);
    expect(decoded.topics[0]!.partitions[0]).toEqual({ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 2n ** 53n + 1n, leaderEpoch: 17 });
    expect(hex(encodeMessage(ListOffsetsResponseDef, 4, decoded))).toBe(hex(res));
  });

  it('Fetch request: a consumer fetch at v4, sessions from v7, topic ids from v13 (names are dropped there)', () => {
    const body = {
      maxWaitMs: 500,
      minBytes: 1,
      topics: [{ topic: 't', topicId: id, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1048576 }] }],
    };
    expect(hex(encodeMessage(FetchRequestDef, 4, body))).toBe(
      'ffffffff' + '000001f4' + '00000001' + '7fffffff' + '00' + '00000001' + '000174' + '00000001' + '00000000' + '0000000000000000' + '00100000',
    );
    expect(hex(encodeMessage(FetchRequestDef, 13, body))).toBe(
      'ffffffff' + '000001f4' + '00000001' + '7fffffff' + '00' + '00000000' + 'ffffffff' +
        '02' + hex(id) + '02' + '00000000' + 'ffffffff' + '0000000000000000' + 'ffffffff' + 'ffffffffffffffff' + '00100000' + '00' + '00' +
        '01' + '01' + '00',
    );
    // v15 moved the replica id into the tagged replicaState: a consumer writes neither.
    const v15 = encodeMessage(FetchRequestDef, 15, body);
    expect(hex(v15.subarray(0, 4))).toBe('000001f4');
    expect(() => encodeMessage(FetchRequestDef, 6, { ...body, forgottenTopicsData: [{ topic: 't', partitions: [0] }] })).toThrow(/forgottenTopicsData/);
    expect(pickVersion(ApiKey.Fetch, 0, 17, FETCH_MAX_VERSION_WITH_TOPIC_NAMES)).toBe(12);
    expect(pickVersion(ApiKey.Fetch, 0, 3)).toBeNull();
  });

  it('Fetch response: records stay a view of the frame; tagged fields default when absent', () => {
    const records = unhex('00000000000000000000000c' + 'aabbccdd');
    const body = encodeMessage(FetchResponseDef, 12, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 7,
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 2n ** 63n - 1n, abortedTransactions: null, records }] }],
    });
    const frame = new Uint8Array([0, 0, 0, 9, 0, ...body]);
    const res = decodeResponse(ApiKey.Fetch, 12, frame, { strict: true }).body;
    const p = res.responses[0]!.partitions[0]!;
    expect(p.records).toEqual(records);
    expect(p.records!.buffer).toBe(frame.buffer);
    expect(p).toMatchObject({
      highWatermark: 2n ** 63n - 1n,
      lastStableOffset: -1n,
      logStartOffset: -1n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      divergingEpoch: { epoch: -1, endOffset: -1n },
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
      snapshotId: { endOffset: -1n, epoch: -1 },
    });
    expect(res.sessionId).toBe(7);
    expect(res.nodeEndpoints).toEqual([]);
    // A session id below v7 is not ignorable: Java refuses to drop it.
    expect(() => encodeMessage(FetchResponseDef, 6, { sessionId: 7, responses: [] })).toThrow(/non-default sessionId/);
    // v4: int32 lengths; a records length beyond the frame is a ProtocolError, not an allocation.
    const v4 = unhex('00000000' + '00000001' + '000174' + '00000001' + '00000000' + '0000' + '0000000000000005' + 'ffffffffffffffff' + 'ffffffff' + '7fffffff' + '01');
    expect(() => decodeMessage(FetchResponseDef, 4, v4)).toThrow(/records: truncated bytes at offset \d+: need 2147483647 bytes, 1 remaining/);
  });

  it('CreateTopics and DeleteTopics', () => {
    const create = {
      topics: [{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: null }] }],
      timeoutMs: 30000,
      validateOnly: true,
    };
    expect(hex(encodeMessage(CreateTopicsRequestDef, 4, create))).toBe(
      '00000001' + '000174' + 'ffffffff' + 'ffff' + '00000000' + '00000001' + '000c' + hex(Buffer.from('retention.ms')) + 'ffff' + '00007530' + '01',
    );
    const v5 = unhex('00000000' + '02' + compact('t') + '0024' + '00' + 'ffffffff' + 'ffff' + '00' + '01' + '00' + '02' + '001d' + '00');
    const created = decodeMessage<CreateTopicsResponse>(CreateTopicsResponseDef, 5, v5);
    expect(created.topics[0]).toMatchObject({ name: 't', errorCode: 36, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: null, topicConfigErrorCode: 29 });
    expect(hex(encodeMessage(CreateTopicsResponseDef, 5, created))).toBe(hex(v5));
    // Below v5 the configs do not exist: they read as the empty default.
    expect(decodeMessage<CreateTopicsResponse>(CreateTopicsResponseDef, 4, unhex('00000000 00000001 000174 0000 ffff')).topics[0]!.configs).toEqual([]);

    const byId = { topics: [{ name: null, topicId: id }], topicNames: ['ignored'], timeoutMs: 1000 };
    expect(hex(encodeMessage(DeleteTopicsRequestDef, 6, byId))).toBe('02' + '00' + hex(id) + '00' + '000003e8' + '00');
    expect(hex(encodeMessage(DeleteTopicsRequestDef, 5, { topicNames: ['a', 'é'], timeoutMs: 1000 }))).toBe('03' + compact('a') + compact('é') + '000003e8' + '00');
    expect(() => encodeMessage(DeleteTopicsRequestDef, 5, byId)).toThrow(/non-default topics at version 5/);
    const deleted = decodeMessage<DeleteTopicsResponse>(DeleteTopicsResponseDef, 6, unhex('00000000' + '02' + '00' + hex(id) + '0064' + '00' + '00' + '00'));
    expect(deleted.responses).toEqual([{ name: null, topicId: id, errorCode: 100, errorMessage: null }]);
    expect(() => decodeMessage(DeleteTopicsResponseDef, 5, unhex('00000000' + '02' + '00' + '0064' + '00' + '00' + '00'))).toThrow(/non-nullable field responses.name/);
  });
});

describe('ApiVersions and KIP-511', () => {
  it('decodes a v3 response with header v0', () => {
    const frame = encodeResponse(ApiKey.ApiVersions, 3, 9, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 12 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 3n,
    });
    expect(hex(frame.subarray(0, 5))).toBe('0000000900'); // header v0 then error code 00 00
    const res = decodeApiVersionsResponse(3, frame);
    expect(res.layoutVersion).toBe(3);
    expect(res.body.apiKeys).toEqual([{ apiKey: 0, minVersion: 0, maxVersion: 12 }]);
    expect(res.body.finalizedFeaturesEpoch).toBe(3n);
  });

  it('falls back to the v0 layout when the broker answers UNSUPPORTED_VERSION with its ranges', () => {
    // An old broker (ApiVersions v0-2) answers a v4 request: v0 layout, error 35.
    const v0Frame = encodeResponse(ApiKey.ApiVersions, 0, 11, {
      errorCode: 35,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 8 },
        { apiKey: 18, minVersion: 0, maxVersion: 2 },
      ],
    });
    for (const requested of [1, 2, 3, 4]) {
      const res = decodeApiVersionsResponse(requested, v0Frame);
      expect(res.layoutVersion).toBe(0);
      expect(res.header.correlationId).toBe(11);
      expect(res.body.errorCode).toBe(35);
      expect(apiVersionsRetryVersion(res.body)).toBe(2);
      // decodeResponse routes ApiVersions through the same fallback.
      expect(decodeResponse(ApiKey.ApiVersions, requested, v0Frame).body.errorCode).toBe(35);
    }
    expect(apiVersionsRetryVersion({ ...decodeApiVersionsResponse(4, v0Frame).body, apiKeys: [] })).toBe(0);
  });

  it('rethrows the original error when neither layout decodes', () => {
    expect(() => decodeApiVersionsResponse(3, unhex('00000001 0000 05'))).toThrow(ProtocolError);
    expect(() => decodeApiVersionsResponse(0, unhex('00000001 00'))).toThrow(ProtocolError);
  });

  it('peeks the correlation id', () => {
    expect(peekCorrelationId(unhex('0000002aff'))).toBe(42);
    expect(() => peekCorrelationId(unhex('0000'))).toThrow(ProtocolError);
  });
});

describe('API table', () => {
  it('picks the highest common version and never Produce below v3', () => {
    expect(pickVersion(ApiKey.Produce, 0, 12)).toBe(12);
    expect(pickVersion(ApiKey.Produce, 0, 2)).toBeNull();
    expect(pickVersion(ApiKey.Produce, 0, 13, 12)).toBe(12);
    expect(pickVersion(ApiKey.Metadata, 0, 2)).toBe(2);
    expect(pickVersion(ApiKey.ApiVersions, 0, 4)).toBe(4);
    expect(pickVersion(ApiKey.InitProducerId, 0, 6)).toBe(SUPPORTED_VERSIONS[ApiKey.InitProducerId].max);
    expect(apiName(0)).toBe('Produce');
    expect(apiName(22)).toBe('InitProducerId');
    expect(apiName(500)).toBe('Api500');
  });

  it('every supported version has a codec', () => {
    for (const [key, range] of Object.entries(SUPPORTED_VERSIONS)) {
      const defs = MESSAGE_DEFS[Number(key)]!;
      for (let v = range.min; v <= range.max; v++) {
        expect(() => encodeMessage(defs.request, v, randomMessage(new Rand(v), defs.request, v))).not.toThrow();
      }
    }
  });
});

describe('uuid strings', () => {
  it("matches Kafka's base64url form", () => {
    const one = new Uint8Array(16);
    one[15] = 1;
    expect(uuidToString(one)).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
    expect(uuidFromString('AAAAAAAAAAAAAAAAAAAAAQ')).toEqual(one);
    const rand = new Rand(5);
    for (let i = 0; i < 200; i++) {
      const id = rand.bytes(16);
      const s = uuidToString(id);
      expect(s).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(s).toBe(Buffer.from(id).toString('base64url'));
      expect(uuidFromString(s)).toEqual(id);
    }
    expect(() => uuidFromString('short')).toThrow(ProtocolError);
    expect(() => uuidFromString('AAAAAAAAAAAAAAAAAAAAA!')).toThrow(ProtocolError);
    expect(() => uuidFromString('AAAAAAAAAAAAAAAAAAAAAB')).toThrow(/trailing bits/);
  });
});
