import { zigzag32, zigzag64 } from './varint.js';

const textEncoder = new TextEncoder();

/**
 * A growable big-endian byte buffer with Kafka's primitive encodings. Values the protocol
 * cannot represent (a string over 32767 UTF-8 bytes, a uuid that is not 16 bytes, an int64
 * number beyond 2^53) throw RangeError.
 * `finish()` returns a view of the bytes written (no copy); the writer must not be reused
 * for a new message afterwards unless the caller no longer needs that view.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity | 0));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes written so far (== current position). */
  get length(): number {
    return this.pos;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  int8(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  /** Unsigned varint of a 32-bit value (the value is taken modulo 2^32). */
  uvarint(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    const buf = this.buf;
    while (x >= 0x80) {
      buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[this.pos++] = x;
    return this;
  }

  /** ZigZag varint of a signed 32-bit value. */
  varint(v: number): this {
    return this.uvarint(zigzag32(v | 0));
  }

  /** ZigZag varlong of a signed 64-bit value. */
  varlong(v: bigint): this {
    let x = zigzag64(v);
    if (x <= 0xffffffffn) return this.uvarint(Number(x));
    this.ensure(10);
    const buf = this.buf;
    while (x >= 0x80n) {
      buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    buf[this.pos++] = Number(x);
    return this;
  }

  /**
   * int64 from a safe-integer number (no bigint on the hot path: timestamps, offsets).
   * Throws RangeError for a number that is not a safe integer.
   */
  int64Number(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64Number needs a safe integer, got ${v}`);
    this.ensure(8);
    const hi = Math.floor(v / 0x100000000);
    this.view.setInt32(this.pos, hi);
    this.view.setUint32(this.pos + 4, v - hi * 0x100000000);
    this.pos += 8;
    return this;
  }

  /** ZigZag varlong from a safe-integer number, same bytes as varlong(BigInt(v)). */
  varlongNumber(v: number): this {
    if (v >= -0x40000000 && v < 0x40000000 && Number.isInteger(v)) return this.uvarint(zigzag32(v));
    if (!Number.isSafeInteger(v)) throw new RangeError(`varlongNumber needs a safe integer, got ${v}`);
    if (v >= 2 ** 52 || v <= -(2 ** 52)) return this.varlong(BigInt(v));
    let zz = v >= 0 ? v * 2 : -v * 2 - 1; // < 2^53: exact
    this.ensure(10);
    const buf = this.buf;
    while (zz >= 0x80) {
      buf[this.pos++] = (zz % 0x80) | 0x80;
      zz = Math.floor(zz / 0x80);
    }
    buf[this.pos++] = zz;
    return this;
  }

  /** Bytes with no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** int16 length + UTF-8; null => -1. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const start = this.reserve(2);
    const n = this.utf8(v);
    if (n > 0x7fff) {
      this.pos = start;
      throw new RangeError(`string of ${n} bytes is too long (max 32767)`);
    }
    this.view.setInt16(start, n);
    return this;
  }

  /** uvarint(length + 1) + UTF-8; null => 0. */
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    // Fast path for ASCII-ish short strings: length in bytes is unknown until encoded,
    // so encode once into a temporary only when it may not fit in a 1-byte prefix.
    if (v.length < 42) {
      // UTF-8 length <= 3 * 42 = 126 < 127, so the prefix takes exactly one byte.
      const at = this.reserve(1);
      const n = this.utf8(v);
      this.buf[at] = n + 1;
      return this;
    }
    const bytes = textEncoder.encode(v);
    if (bytes.length > 0x7fff) throw new RangeError(`string of ${bytes.length} bytes is too long (max 32767)`);
    return this.uvarint(bytes.length + 1).raw(bytes);
  }

  /** int32 length + bytes; null => -1. */
  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    return this.int32(v.length).raw(v);
  }

  /** uvarint(length + 1) + bytes; null => 0. */
  compactBytes(v: Uint8Array | null): this {
    if (v === null) return this.uvarint(0);
    return this.uvarint(v.length + 1).raw(v);
  }

  /** 16 raw bytes. */
  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new RangeError(`uuid must be 16 bytes, got ${v.length}`);
    return this.raw(v);
  }

  /** Skip `n` bytes and return their offset, to patch later. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  patchInt32(offset: number, v: number): void {
    this.view.setInt32(offset, v);
  }

  patchUint32(offset: number, v: number): void {
    this.view.setUint32(offset, v);
  }

  patchInt16(offset: number, v: number): void {
    this.view.setInt16(offset, v);
  }

  /** View of the bytes written so far (subarray of the internal buffer, no copy). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Reset the position to 0 to reuse the buffer (views returned by finish() become invalid). */
  reset(): void {
    this.pos = 0;
  }

  /** Encode `v` as UTF-8 at the current position; returns the byte count. */
  private utf8(v: string): number {
    // Worst case 3 bytes per UTF-16 code unit.
    this.ensure(v.length * 3);
    const { written } = textEncoder.encodeInto(v, this.buf.subarray(this.pos));
    this.pos += written;
    return written;
  }
}
