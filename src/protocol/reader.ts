import { ProtocolError } from '../errors.js';

const textDecoder = new TextDecoder('utf-8');

/**
 * A bounds-checked big-endian reader over a Uint8Array with Kafka's primitive encodings.
 * Every read past `end`, malformed varint or impossible length throws ProtocolError, and no
 * allocation is made from a length that has not been checked against the remaining bytes.
 * Byte results (`raw`, `bytes`, `compactBytes`, `uuid`) are subarrays of the input (no copy).
 */
export class Reader {
  pos: number;
  readonly end: number;
  private readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new ProtocolError(`invalid reader bounds [${offset}, ${end}) over ${buf.length} bytes`);
    }
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) {
      throw new ProtocolError(
        `truncated ${what} at offset ${at}: need ${n} bytes, ${this.end - at} remaining`,
      );
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.view.getInt8(this.need(1, 'int8'));
  }

  int16(): number {
    return this.view.getInt16(this.need(2, 'int16'));
  }

  uint16(): number {
    return this.view.getUint16(this.need(2, 'uint16'));
  }

  int32(): number {
    return this.view.getInt32(this.need(4, 'int32'));
  }

  uint32(): number {
    return this.view.getUint32(this.need(4, 'uint32'));
  }

  int64(): bigint {
    return this.view.getBigInt64(this.need(8, 'int64'));
  }

  float64(): number {
    return this.view.getFloat64(this.need(8, 'float64'));
  }

  /** Any non-zero byte is true (as Java's ByteBuffer readers do). */
  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  /** Unsigned varint, at most 5 bytes; returns a value in [0, 2^32). */
  uvarint(what = 'unsigned varint'): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) {
        throw new ProtocolError(`truncated ${what} at offset ${this.pos}`);
      }
      const b = buf[pos++]!;
      if (shift === 28) {
        // The 5th byte may carry only 4 significant bits and must be the last one.
        if (b > 0x0f) throw new ProtocolError(`malformed ${what} at offset ${this.pos}: more than 5 bytes or over 32 bits`);
        result = (result + b * 0x10000000) >>> 0;
        this.pos = pos;
        return result;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    /* c8 ignore next */
    throw new ProtocolError(`malformed ${what} at offset ${this.pos}`);
  }

  /** ZigZag varint (signed 32-bit). */
  varint(): number {
    const u = this.uvarint('varint');
    return (u >>> 1) ^ -(u & 1);
  }

  /** ZigZag varlong (signed 64-bit), at most 10 bytes. */
  varlong(): bigint {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    // Fast path: up to 4 bytes (28 bits) fit a number exactly.
    let small = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new ProtocolError(`truncated varlong at offset ${this.pos}`);
      const b = buf[pos++]!;
      small |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return BigInt((small >>> 1) ^ -(small & 1));
      }
    }
    let result = BigInt(small);
    for (let shift = 28n; shift < 70n; shift += 7n) {
      if (pos >= end) throw new ProtocolError(`truncated varlong at offset ${this.pos}`);
      const b = buf[pos++]!;
      if (shift === 63n && b > 1) {
        throw new ProtocolError(`malformed varlong at offset ${this.pos}: more than 10 bytes or over 64 bits`);
      }
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return (result >> 1n) ^ -(result & 1n);
      }
    }
    throw new ProtocolError(`malformed varlong at offset ${this.pos}: more than 10 bytes`);
  }

  /** int64 as a number; a value outside the safe-integer range throws ProtocolError. */
  int64Number(): number {
    const at = this.need(8, 'int64');
    const v = this.view.getInt32(at) * 0x100000000 + this.view.getUint32(at + 4);
    if (!Number.isSafeInteger(v)) throw new ProtocolError(`int64 at offset ${at} is beyond 2^53`);
    return v;
  }

  /** ZigZag varlong as a number; a value outside the safe-integer range throws ProtocolError. */
  varlongNumber(): number {
    const start = this.pos;
    const buf = this.buf;
    const end = this.end;
    let pos = start;
    let small = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new ProtocolError(`truncated varlong at offset ${start}`);
      const b = buf[pos++]!;
      small |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return (small >>> 1) ^ -(small & 1);
      }
    }
    const big = this.varlong();
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ProtocolError(`varlong at offset ${start} is beyond 2^53`);
    }
    return Number(big);
  }

  /** `n` bytes as a subarray (no copy). */
  raw(n: number, what = 'raw bytes'): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new ProtocolError(`invalid length ${n} for ${what} at offset ${this.pos}`);
    const at = this.need(n, what);
    return this.buf.subarray(at, at + n);
  }

  private utf8(n: number, what: string): string {
    const at = this.need(n, what);
    return n === 0 ? '' : textDecoder.decode(this.buf.subarray(at, at + n));
  }

  /** int16 length + UTF-8; -1 => null. */
  string(): string | null {
    const start = this.pos;
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`negative string length ${n} at offset ${start}`);
    return this.utf8(n, 'string');
  }

  /** uvarint(length + 1) + UTF-8; 0 => null. */
  compactString(): string | null {
    const start = this.pos;
    const n = this.uvarint('compact string length');
    if (n === 0) return null;
    if (n - 1 > 0x7fff) throw new ProtocolError(`compact string length ${n - 1} at offset ${start} exceeds 32767`);
    return this.utf8(n - 1, 'compact string');
  }

  /** int32 length + bytes (subarray); -1 => null. */
  bytes(): Uint8Array | null {
    const start = this.pos;
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`negative bytes length ${n} at offset ${start}`);
    return this.raw(n, 'bytes');
  }

  /** uvarint(length + 1) + bytes (subarray); 0 => null. */
  compactBytes(): Uint8Array | null {
    const n = this.uvarint('compact bytes length');
    if (n === 0) return null;
    return this.raw(n - 1, 'compact bytes');
  }

  /** 16 bytes (subarray). */
  uuid(): Uint8Array {
    return this.raw(16, 'uuid');
  }

  /**
   * int32 element count; -1 => -1 (null array). A count that cannot fit in the remaining
   * bytes (every element takes at least one byte) is rejected before anything is allocated.
   */
  arrayLength(): number {
    const start = this.pos;
    const n = this.int32();
    if (n === -1) return -1;
    if (n < 0) throw new ProtocolError(`negative array length ${n} at offset ${start}`);
    if (n > this.end - this.pos) {
      throw new ProtocolError(`array length ${n} at offset ${start} exceeds the ${this.end - this.pos} remaining bytes`);
    }
    return n;
  }

  /** uvarint(count + 1); 0 => -1 (null array). Same check as arrayLength. */
  compactArrayLength(): number {
    const start = this.pos;
    const n = this.uvarint('compact array length');
    if (n === 0) return -1;
    if (n - 1 > this.end - this.pos) {
      throw new ProtocolError(
        `compact array length ${n - 1} at offset ${start} exceeds the ${this.end - this.pos} remaining bytes`,
      );
    }
    return n - 1;
  }

  skip(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ProtocolError(`invalid skip of ${n} bytes at offset ${this.pos}`);
    this.need(n, 'skipped bytes');
  }
}
