/**
 * Request/response framing for the APIs kafka-wire speaks: header-version selection, request
 * encoding, response decoding (with the KIP-511 ApiVersions fallback), plus the reverse
 * directions (decodeRequest / encodeResponse) for tests and mock brokers.
 *
 * Frames here exclude the 4-byte size prefix unless `sizePrefix: true` is passed; responses are
 * decoded from the bytes after the size prefix (header + body).
 */
import { KafkaWireError, ProtocolError } from '../../errors.js';
import { ApiKey, SUPPORTED_VERSIONS } from '../api-keys.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import {
  ApiVersionsResponseDef,
  MESSAGE_DEFS,
  RequestHeaderDef,
  ResponseHeaderDef,
} from './definitions.js';
import { isFlexible, readMessage, writeMessage } from './engine.js';
import { parseVersions, type MessageDef } from './schema.js';
import type {
  ApiVersionsResponse,
  EncodeInput,
  MessageApiKey,
  RequestBodies,
  RequestHeader,
  RequestHeaderInput,
  ResponseBodies,
  ResponseHeader,
} from './types.js';

export * from './types.js';
export * from './definitions.js';
export {
  encodeProduceRequest,
  encodeProduceRequestFrame,
  sizeOfProduceRequest,
  type FastProduceRequest,
  type ProduceRequestFrame,
  type RecordsInput,
} from './produce.js';
export {
  decodeMessage,
  encodeMessage,
  isFlexible,
  planFor,
  readMessage,
  writeMessage,
  UNKNOWN_TAGGED_FIELDS,
  type RawTaggedField,
  type StructPlan,
} from './engine.js';
export { inVersions, parseVersions, type FieldDef, type MessageDef, type PrimitiveType } from './schema.js';
export { isZeroUuid, uuidFromString, uuidToString, zeroUuid } from './uuid.js';

export interface FrameOptions {
  /** Prepend the int32 size of the frame (what goes on the socket). Default false. */
  sizePrefix?: boolean;
}

function defsFor(apiKey: number): { request: MessageDef; response: MessageDef } {
  const defs = MESSAGE_DEFS[apiKey];
  if (defs === undefined) throw new KafkaWireError('UNSUPPORTED_VERSION', `kafka-wire has no codec for API key ${apiKey}`);
  return defs;
}

/** Request header version for an API version: 2 when the API version is flexible, else 1. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexible(defsFor(apiKey).request, apiVersion) ? 2 : 1;
}

/**
 * Response header version for an API version: 1 when flexible, else 0. ApiVersions responses
 * always use v0 so that a client can read the header of any ApiVersions response (KIP-511).
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(defsFor(apiKey).response, apiVersion) ? 1 : 0;
}

const headerEncoder = new TextEncoder();

/** Writes a request header v1 or v2 (hand-written: it precedes every request). */
export function writeRequestHeader(w: Writer, apiKey: number, apiVersion: number, headerVersion: number, header: RequestHeaderInput): void {
  w.int16(apiKey).int16(apiVersion).int32(header.correlationId);
  if (headerVersion >= 1) {
    const id = header.clientId;
    if (id === null) w.int16(-1);
    else {
      const bytes = headerEncoder.encode(id);
      if (bytes.length > 0x7fff) throw new ProtocolError(`client id of ${bytes.length} bytes is too long`);
      w.int16(bytes.length).raw(bytes);
    }
  }
  if (headerVersion >= 2) w.uvarint(0);
}

/** Encode a request: header (v1/v2 by flexibility) then body. */
export function encodeRequest<K extends MessageApiKey>(
  apiKey: K,
  version: number,
  header: RequestHeaderInput,
  body: RequestBodies[K],
  options: FrameOptions = {},
): Uint8Array {
  const def = defsFor(apiKey).request;
  const w = new Writer(256);
  const sizeAt = options.sizePrefix ? w.reserve(4) : -1;
  writeRequestHeader(w, apiKey, version, isFlexible(def, version) ? 2 : 1, header);
  writeMessage(w, def, version, body);
  if (sizeAt >= 0) w.patchInt32(sizeAt, w.length - 4);
  return w.finish();
}

/** The correlation id at the start of a response frame (after the size prefix). */
export function peekCorrelationId(frame: Uint8Array): number {
  if (frame.length < 4) throw new ProtocolError(`response frame of ${frame.length} bytes has no correlation id`);
  return new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
}

export interface DecodedResponse<T> {
  header: ResponseHeader;
  body: T;
}

export interface DecodeOptions {
  /** Reject bytes left after the body (default false: Kafka's clients ignore them). */
  strict?: boolean;
}

/**
 * Decode a response frame (header + body, no size prefix) of `apiKey` at `version`.
 * ApiVersions responses go through decodeApiVersionsResponse (KIP-511 fallback).
 */
export function decodeResponse<K extends MessageApiKey>(
  apiKey: K,
  version: number,
  frame: Uint8Array,
  options: DecodeOptions = {},
): DecodedResponse<ResponseBodies[K]> {
  if (apiKey === ApiKey.ApiVersions) {
    const res = decodeApiVersionsResponse(version, frame, options);
    return { header: res.header, body: res.body as ResponseBodies[K] };
  }
  const def = defsFor(apiKey).response;
  const r = new Reader(frame);
  const header = readMessage<ResponseHeader>(r, ResponseHeaderDef, responseHeaderVersion(apiKey, version));
  const body = readMessage<ResponseBodies[K]>(r, def, version);
  checkTrailing(r, def, version, options);
  return { header, body };
}

function checkTrailing(r: Reader, def: MessageDef, version: number, options: DecodeOptions): void {
  if (options.strict && r.remaining !== 0) {
    throw new ProtocolError(`${def.name} v${version}: ${r.remaining} trailing bytes after the body`);
  }
}

export interface DecodedApiVersionsResponse extends DecodedResponse<ApiVersionsResponse> {
  /** The layout the body was read with: `version`, or 0 after the KIP-511 fallback. */
  layoutVersion: number;
}

/**
 * Decode an ApiVersions response (header v0 always). A broker that does not know the requested
 * ApiVersions version answers UNSUPPORTED_VERSION in the v0 layout with its own ranges
 * (KIP-511): when reading at `version` fails, the body is read again as v0. Use
 * apiVersionsRetryVersion() on the result to choose the version to retry with.
 */
export function decodeApiVersionsResponse(
  version: number,
  frame: Uint8Array,
  options: DecodeOptions = {},
): DecodedApiVersionsResponse {
  const r = new Reader(frame);
  const header = readMessage<ResponseHeader>(r, ResponseHeaderDef, 0);
  const bodyStart = r.pos;
  try {
    const body = readMessage<ApiVersionsResponse>(r, ApiVersionsResponseDef, version);
    checkTrailing(r, ApiVersionsResponseDef, version, options);
    return { header, body, layoutVersion: version };
  } catch (e) {
    if (version === 0 || !(e instanceof ProtocolError)) throw e;
    const r0 = new Reader(frame, bodyStart);
    let body: ApiVersionsResponse;
    try {
      body = readMessage<ApiVersionsResponse>(r0, ApiVersionsResponseDef, 0);
      checkTrailing(r0, ApiVersionsResponseDef, 0, options);
    } catch {
      throw e;
    }
    return { header, body, layoutVersion: 0 };
  }
}

/**
 * After an ApiVersions response with UNSUPPORTED_VERSION (35): the ApiVersions version to retry
 * with, the highest both sides support (0 when the broker did not list ApiVersions).
 */
export function apiVersionsRetryVersion(body: ApiVersionsResponse): number {
  const ours = SUPPORTED_VERSIONS[ApiKey.ApiVersions];
  const entry = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
  if (entry === undefined) return 0;
  return Math.max(0, Math.min(ours.max, entry.maxVersion));
}

export interface DecodedRequest {
  header: RequestHeader;
  body: RequestBodies[MessageApiKey];
}

/** Decode a request frame (no size prefix): the header says which API and version follow. */
export function decodeRequest(frame: Uint8Array, options: DecodeOptions = {}): DecodedRequest {
  if (frame.length < 4) throw new ProtocolError(`request frame of ${frame.length} bytes has no header`);
  const view = new DataView(frame.buffer, frame.byteOffset, 4);
  const apiKey = view.getInt16(0);
  const apiVersion = view.getInt16(2);
  const defs = MESSAGE_DEFS[apiKey];
  if (defs === undefined) throw new ProtocolError(`request for unknown API key ${apiKey}`);
  const valid = parseVersions(defs.request.validVersions);
  if (apiVersion < valid.min || apiVersion > valid.max) {
    throw new ProtocolError(`request for ${defs.request.name} v${apiVersion}, outside ${defs.request.validVersions}`);
  }
  const r = new Reader(frame);
  const header = readMessage<RequestHeader>(r, RequestHeaderDef, isFlexible(defs.request, apiVersion) ? 2 : 1);
  const body = readMessage<RequestBodies[MessageApiKey]>(r, defs.request, apiVersion);
  checkTrailing(r, defs.request, apiVersion, options);
  return { header, body };
}

/** Encode a response frame: header (v0/v1 by flexibility; v0 for ApiVersions) then body. */
export function encodeResponse<K extends MessageApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: EncodeInput<ResponseBodies[K]>,
  options: FrameOptions = {},
): Uint8Array {
  const def = defsFor(apiKey).response;
  const w = new Writer(256);
  const sizeAt = options.sizePrefix ? w.reserve(4) : -1;
  writeMessage(w, ResponseHeaderDef, responseHeaderVersion(apiKey, version), { correlationId });
  writeMessage(w, def, version, body as object);
  if (sizeAt >= 0) w.patchInt32(sizeAt, w.length - 4);
  return w.finish();
}
