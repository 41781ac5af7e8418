/**
 * Kafka framing: every request and response on the wire is an int32 (big-endian) size followed
 * by that many bytes.
 *
 * Request frame layout as the network layer expects it from the codecs (see RequestFrame):
 *
 *   offset 0   int32  size            written by the connection (= buffer.length - 4)
 *   offset 4   int16  request_api_key          } request header, every header version
 *   offset 6   int16  request_api_version      }
 *   offset 8   int32  correlation_id  written by the connection
 *   offset 12  ...    rest of the header (client_id, tagged fields) and the body
 *
 * Response frames start (after the size) with int32 correlation_id.
 */
import { AuthenticationError, ProtocolError } from '../errors.js';

/** Bytes reserved at the front of every encoded request for the size prefix. */
export const SIZE_PREFIX_BYTES = 4;
/** Offset of request_api_key in a request frame (size prefix included). */
export const REQUEST_API_KEY_OFFSET = 4;
/** Offset of request_api_version in a request frame (size prefix included). */
export const REQUEST_API_VERSION_OFFSET = 6;
/** Offset of correlation_id in a request frame (size prefix included). */
export const REQUEST_CORRELATION_ID_OFFSET = 8;
/** Smallest valid request frame: size + api key + api version + correlation id. */
export const MIN_REQUEST_FRAME_BYTES = 12;
/** Smallest valid response body: the correlation id. */
export const MIN_RESPONSE_BYTES = 4;
/** Default cap on one incoming frame (a corrupt or hostile size would otherwise allocate it). */
export const DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024;
/** First allocation for a frame spread over chunks (it grows by doubling up to the frame's size). */
const INITIAL_PARTIAL_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

export function writeInt32BE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
}

export function readInt32BE(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) | 0;
}

export function readInt16BE(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 8) | buf[offset + 1]!) << 16 >> 16;
}

/**
 * Splits an incoming byte stream into frames. Feed it chunks as they arrive; it calls `onFrame`
 * with each complete frame body (the bytes after the size prefix), in order.
 *
 * Copying: a frame that lies wholly inside one chunk is passed on as a view of that chunk (no
 * copy). A frame spread over several chunks is assembled in a buffer that grows as bytes arrive
 * (doubling, from 64 KiB, never beyond the declared size; a frame of at most 64 KiB gets its
 * exact size at once): memory held for a partial frame is at most about twice what actually
 * arrived, never the declared size, so a broken or hostile peer announcing 100 MiB and sending
 * 10 bytes costs 64 KiB, not 100 MiB per connection. Each byte is copied about twice at most
 * (amortised), and a frame that filled its buffer exactly is passed on without another copy.
 *
 * A size below {@link MIN_RESPONSE_BYTES} or above `maxFrameBytes` throws ProtocolError; the
 * stream can't be resynchronised after that, so the owner must drop the connection.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #onFrame: (frame: Uint8Array) => void;
  /** The size prefix when it arrives split across chunks. */
  readonly #sizeBytes = new Uint8Array(4);
  #sizeFilled = 0;
  /** Declared size of the frame being assembled across chunks, or -1 between frames. */
  #partialSize = -1;
  /** The frame's bytes received so far, in [0, #partialFilled). */
  #partial: Uint8Array = EMPTY;
  #partialFilled = 0;
  #closed = false;

  constructor(onFrame: (frame: Uint8Array) => void, maxFrameBytes: number = DEFAULT_MAX_RESPONSE_BYTES) {
    this.#onFrame = onFrame;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet delivered as a frame (size prefix included). */
  get bufferedBytes(): number {
    return this.#partialSize >= 0 ? SIZE_PREFIX_BYTES + this.#partialFilled : this.#sizeFilled;
  }

  push(chunk: Uint8Array): void {
    const end = chunk.length;
    let offset = 0;
    while (offset < end && !this.#closed) {
      const partialSize = this.#partialSize;
      if (partialSize >= 0) {
        // Continue a frame started in an earlier chunk.
        const take = Math.min(partialSize - this.#partialFilled, end - offset);
        const needed = this.#partialFilled + take;
        if (needed > this.#partial.length) {
          const grown = new Uint8Array(Math.min(partialSize, Math.max(needed, 2 * this.#partial.length, INITIAL_PARTIAL_BYTES)));
          grown.set(this.#partial.subarray(0, this.#partialFilled));
          this.#partial = grown;
        }
        this.#partial.set(chunk.subarray(offset, offset + take), this.#partialFilled);
        this.#partialFilled = needed;
        offset += take;
        if (needed === partialSize) {
          const frame = this.#partial.length === partialSize ? this.#partial : this.#partial.slice(0, partialSize);
          this.#partialSize = -1;
          this.#partial = EMPTY;
          this.#partialFilled = 0;
          this.#onFrame(frame);
        }
        continue;
      }
      let size: number;
      if (this.#sizeFilled === 0 && end - offset >= SIZE_PREFIX_BYTES) {
        // Fast path: the size prefix is whole in this chunk.
        size = this.#checkSize(readInt32BE(chunk, offset));
        offset += SIZE_PREFIX_BYTES;
        if (end - offset >= size) {
          const frame = chunk.subarray(offset, offset + size);
          offset += size;
          this.#onFrame(frame);
          continue;
        }
      } else {
        // The size prefix itself is split across chunks.
        const take = Math.min(SIZE_PREFIX_BYTES - this.#sizeFilled, end - offset);
        this.#sizeBytes.set(chunk.subarray(offset, offset + take), this.#sizeFilled);
        this.#sizeFilled += take;
        offset += take;
        if (this.#sizeFilled < SIZE_PREFIX_BYTES) return;
        this.#sizeFilled = 0;
        size = this.#checkSize(readInt32BE(this.#sizeBytes, 0));
      }
      // Start assembling a frame of known size; the loop's first branch collects it.
      this.#partialSize = size;
      this.#partialFilled = 0;
    }
  }

  /** Drops any partial frame and ignores all further input, even the rest of the current chunk. */
  close(): void {
    this.#closed = true;
    this.#partialSize = -1;
    this.#partial = EMPTY;
    this.#partialFilled = 0;
    this.#sizeFilled = 0;
  }

  #checkSize(size: number): number {
    if (size < MIN_RESPONSE_BYTES || size > this.#maxFrameBytes) {
      this.close();
      if (looksLikeTlsRecord(size)) {
        // A TLS listener answering our plaintext bytes with an alert (or a handshake record):
        // retrying would fail the same way, so this is an authentication failure, named.
        throw new AuthenticationError(
          'SSL_AUTHENTICATION_FAILED',
          'the broker answered with a TLS record, not a Kafka response: this listener expects TLS; set security.protocol=SSL (or SASL_SSL)',
        );
      }
      throw new ProtocolError(
        `Invalid frame size ${size} (expected ${MIN_RESPONSE_BYTES}..${this.#maxFrameBytes} bytes)`,
      );
    }
    return size;
  }
}

/**
 * Whether a frame's 4 size bytes are the start of a TLS record instead: content type alert (21)
 * or handshake (22), then protocol version 3.x (SSL 3.0 to TLS 1.3 all write major 3).
 */
function looksLikeTlsRecord(size: number): boolean {
  const type = size >>> 24;
  return (type === 21 || type === 22) && ((size >>> 16) & 0xff) === 3 && ((size >>> 8) & 0xff) <= 4;
}
