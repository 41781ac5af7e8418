import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { Reader } from '../../src/protocol/reader.js';
import { sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong, sizeOfVarlongNumber } from '../../src/protocol/varint.js';
import { Writer } from '../../src/protocol/writer.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe('Writer/Reader fixed-width', () => {
  it('round-trips int8/16/32/64, uint32, float64, bool at their edges', () => {
    const w = new Writer(1);
    w.int8(-128).int8(127).int16(-32768).int16(32767).int32(-2147483648).int32(2147483647);
    w.uint32(0xffffffff).int64(-(2n ** 63n)).int64(2n ** 63n - 1n).float64(-1.5).bool(true).bool(false);
    const r = new Reader(w.finish());
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.int32(), r.int32(), r.uint32()]).toEqual([
      -128, 127, -32768, 32767, -2147483648, 2147483647, 0xffffffff,
    ]);
    expect(r.int64()).toBe(-(2n ** 63n));
    expect(r.int64()).toBe(2n ** 63n - 1n);
    expect(r.float64()).toBe(-1.5);
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    expect(r.remaining).toBe(0);
    expect(() => r.int8()).toThrow(ProtocolError);
  });

  it('is big-endian', () => {
    expect(hex(new Writer().int32(0x01020304).int16(0x0506).int64(0x0708090a0b0c0d0en).finish())).toBe(
      '0102030405060708090a0b0c0d0e',
    );
  });

  it('grows from a tiny initial capacity and patches reserved slots', () => {
    const w = new Writer(1);
    const at = w.reserve(4);
    for (let i = 0; i < 1000; i++) w.int32(i);
    w.patchInt32(at, w.length - 4);
    const r = new Reader(w.finish());
    expect(r.int32()).toBe(4000);
    for (let i = 0; i < 1000; i++) expect(r.int32()).toBe(i);
    expect(w.length).toBe(4004);
  });
});

describe('varints', () => {
  const uvarintCases: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2097151, 'ffff7f'],
    [2097152, '80808001'],
    [268435455, 'ffffff7f'],
    [268435456, '8080808001'],
    [2147483647, 'ffffffff07'],
    [4294967295, 'ffffffff0f'],
  ];
  it.each(uvarintCases)('uvarint %d <-> %s', (v, h) => {
    const bytes = new Writer().uvarint(v).finish();
    expect(hex(bytes)).toBe(h);
    expect(sizeOfUnsignedVarint(v)).toBe(bytes.length);
    const r = new Reader(bytes);
    expect(r.uvarint()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  const varintCases: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [63, '7e'],
    [64, '8001'],
    [-65, '8101'],
    [127, 'fe01'],
    [128, '8002'],
    [8191, 'fe7f'],
    [8192, '808001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  it.each(varintCases)('varint %d <-> %s', (v, h) => {
    const bytes = new Writer().varint(v).finish();
    expect(hex(bytes)).toBe(h);
    expect(sizeOfVarint(v)).toBe(bytes.length);
    expect(new Reader(bytes).varint()).toBe(v);
  });

  const varlongCases: Array<[bigint, string]> = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [63n, '7e'],
    [64n, '8001'],
    [8191n, 'fe7f'],
    [8192n, '808001'],
    [134217727n, 'feffff7f'],
    [134217728n, '8080808001'],
    [2147483647n, 'feffffff0f'],
    [-2147483648n, 'ffffffff0f'],
    [2147483648n, '8080808010'],
    [1700000000000n, '80a0abfef962'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ];
  it.each(varlongCases)('varlong %s <-> %s', (v, h) => {
    const bytes = new Writer().varlong(v).finish();
    expect(hex(bytes)).toBe(h);
    expect(sizeOfVarlong(v)).toBe(bytes.length);
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(sizeOfVarlongNumber(Number(v))).toBe(bytes.length);
    }
    const r = new Reader(bytes);
    expect(r.varlong()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  it('round-trips many varlongs', () => {
    const w = new Writer();
    const vals: bigint[] = [];
    for (let i = 0; i < 64; i++) {
      vals.push(1n << BigInt(i), -(1n << BigInt(i)), (1n << BigInt(i)) - 1n);
    }
    const clamped = vals.map((v) => BigInt.asIntN(64, v));
    for (const v of clamped) w.varlong(v);
    const r = new Reader(w.finish());
    for (const v of clamped) expect(r.varlong()).toBe(v);
  });

  it('number variants of int64/varlong match the bigint ones', () => {
    const vals = [0, 1, -1, 63, -64, 64, 8191, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1700000000000, -1700000000000,
      2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 52, -(2 ** 52), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const v of vals) {
      const a = new Writer().varlongNumber(v).int64Number(v).finish();
      const b = new Writer().varlong(BigInt(v)).int64(BigInt(v)).finish();
      expect(hex(a)).toBe(hex(b));
      const r = new Reader(a);
      expect(r.varlongNumber()).toBe(v);
      expect(r.int64Number()).toBe(v);
      expect(sizeOfVarlongNumber(v)).toBe(sizeOfVarlong(BigInt(v)));
    }
    expect(() => new Writer().int64Number(2 ** 53)).toThrow(RangeError);
    expect(() => new Writer().varlongNumber(1.5)).toThrow(RangeError);
    expect(() => new Reader(new Writer().varlong(2n ** 60n).finish()).varlongNumber()).toThrow(/beyond 2\^53/);
    expect(() => new Reader(new Writer().int64(2n ** 60n).finish()).int64Number()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('8080')).varlongNumber()).toThrow(/truncated/);
  });

  it('rejects malformed and truncated varints', () => {
    expect(() => new Reader(unhex('ffffffff10')).uvarint()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('ffffffffff01')).uvarint()).toThrow(/malformed/);
    expect(() => new Reader(unhex('ffffffffff01')).varint()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('80')).uvarint()).toThrow(/truncated/);
    expect(() => new Reader(unhex('')).varint()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('ffffffffffffffffff02')).varlong()).toThrow(/malformed varlong/);
    expect(() => new Reader(unhex('ffffffffffffffffffff01')).varlong()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('ffffffffff')).varlong()).toThrow(/truncated varlong/);
  });
});

describe('strings and bytes', () => {
  it('encodes classic and compact strings, null and empty', () => {
    expect(hex(new Writer().string('abc').finish())).toBe('0003616263');
    expect(hex(new Writer().string(null).finish())).toBe('ffff');
    expect(hex(new Writer().string('').finish())).toBe('0000');
    expect(hex(new Writer().compactString('abc').finish())).toBe('04616263');
    expect(hex(new Writer().compactString(null).finish())).toBe('00');
    expect(hex(new Writer().compactString('').finish())).toBe('01');
    const r = new Reader(unhex('0003616263ffff000004616263' + '0001'));
    expect(r.string()).toBe('abc');
    expect(r.string()).toBeNull();
    expect(r.string()).toBe('');
    expect(r.compactString()).toBe('abc');
    expect(r.compactString()).toBeNull();
    expect(r.compactString()).toBe('');
  });

  it('counts UTF-8 bytes, not UTF-16 units, for both prefix kinds', () => {
    for (const s of ['é', '日本語', '😀', 'x'.repeat(41), '日'.repeat(41), '😀'.repeat(30), 'é'.repeat(200), 'a'.repeat(5000)]) {
      const utf8 = new TextEncoder().encode(s);
      const w = new Writer(4).string(s).compactString(s);
      const r = new Reader(w.finish());
      expect(r.int16()).toBe(utf8.length);
      r.pos = 0;
      expect(r.string()).toBe(s);
      const lenAt = r.pos;
      expect(r.uvarint()).toBe(utf8.length + 1);
      r.pos = lenAt;
      expect(r.compactString()).toBe(s);
      expect(r.remaining).toBe(0);
    }
  });

  it('refuses strings over 32767 UTF-8 bytes', () => {
    expect(() => new Writer().string('a'.repeat(32768))).toThrow(RangeError);
    expect(() => new Writer().compactString('é'.repeat(16384))).toThrow(RangeError);
    expect(new Writer().string('a'.repeat(32767)).length).toBe(32769);
  });

  it('encodes bytes and compact bytes as views', () => {
    const payload = unhex('deadbeef');
    const w = new Writer().bytes(payload).bytes(null).compactBytes(payload).compactBytes(null).compactBytes(new Uint8Array(0));
    expect(hex(w.finish())).toBe('00000004deadbeefffffffff05deadbeef0001');
    const buf = w.finish();
    const r = new Reader(buf);
    const b = r.bytes()!;
    expect(hex(b)).toBe('deadbeef');
    expect(b.buffer).toBe(buf.buffer);
    expect(r.bytes()).toBeNull();
    expect(hex(r.compactBytes()!)).toBe('deadbeef');
    expect(r.compactBytes()).toBeNull();
    expect(r.compactBytes()!.length).toBe(0);
  });

  it('rejects negative and oversized lengths without allocating', () => {
    expect(() => new Reader(unhex('fffe')).string()).toThrow(/negative string length/);
    expect(() => new Reader(unhex('0005616263')).string()).toThrow(/truncated string/);
    expect(() => new Reader(unhex('fffffffe')).bytes()).toThrow(/negative bytes length/);
    expect(() => new Reader(unhex('7fffffff00')).bytes()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('ffffffff0f')).compactBytes()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('ffff03')).compactString()).toThrow(/exceeds 32767/);
    expect(() => new Reader(unhex('05616263')).compactString()).toThrow(/truncated compact string/);
  });

  it('uuid is 16 raw bytes', () => {
    const id = unhex('000102030405060708090a0b0c0d0e0f');
    const r = new Reader(new Writer().uuid(id).finish());
    expect(hex(r.uuid())).toBe(hex(id));
    expect(() => new Writer().uuid(new Uint8Array(3))).toThrow(RangeError);
    expect(() => new Reader(new Uint8Array(15)).uuid()).toThrow(ProtocolError);
  });
});

describe('array lengths', () => {
  it('reads counts, null, and rejects impossible counts before allocating', () => {
    expect(new Reader(unhex('00000002aabb')).arrayLength()).toBe(2);
    expect(new Reader(unhex('ffffffff')).arrayLength()).toBe(-1);
    expect(() => new Reader(unhex('fffffffe')).arrayLength()).toThrow(/negative array length/);
    // 2^31 - 1 elements announced in a 20-byte frame.
    const frame = new Uint8Array(20);
    frame.set(unhex('7fffffff'));
    expect(() => new Reader(frame).arrayLength()).toThrow(/exceeds the 16 remaining bytes/);
    expect(new Reader(unhex('03aabb')).compactArrayLength()).toBe(2);
    expect(new Reader(unhex('00')).compactArrayLength()).toBe(-1);
    expect(() => new Reader(unhex('ffffffff0f00')).compactArrayLength()).toThrow(ProtocolError);
    expect(() => new Reader(unhex('04aabb')).compactArrayLength()).toThrow(ProtocolError);
  });

  it('honours offset/end windows and skip', () => {
    const r = new Reader(unhex('00112233445566'), 1, 4);
    expect(r.remaining).toBe(3);
    r.skip(1);
    expect(r.int16()).toBe(0x2233);
    expect(() => r.int8()).toThrow(ProtocolError);
    expect(() => r.skip(-1)).toThrow(ProtocolError);
    expect(() => new Reader(new Uint8Array(2), 1, 3)).toThrow(ProtocolError);
    expect(() => new Reader(new Uint8Array(4)).raw(5)).toThrow(/truncated raw bytes/);
  });
});
