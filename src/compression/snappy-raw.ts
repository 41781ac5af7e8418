/**
 * Raw Snappy (the block format of google/snappy's format_description.txt) in pure TypeScript:
 * a compressor and a decompressor. Kafka wraps raw Snappy in xerial's framing (see xerial.ts);
 * this file knows nothing about that.
 *
 * Format: varint(uncompressed length), then elements, each starting with a tag byte whose low
 * two bits give its kind: 00 literal, 01 copy with 11-bit offset (length 4..11), 10 copy with
 * 16-bit offset (length 1..64), 11 copy with 32-bit offset (length 1..64).
 *
 * The compressor is the classic greedy one: input split in 64 KiB fragments compressed
 * independently, a hash table of 4-byte sequences, and a skip heuristic that speeds through
 * incompressible data. Output is valid Snappy, readable by any implementation; byte-identical
 * to google's only by accident.
 */
import { ProtocolError } from '../errors.js';

const FRAGMENT = 1 << 16;
const MAX_TABLE_BITS = 14;
const INPUT_MARGIN = 15; // don't start a match search in the last bytes of a fragment
// One hash table for all calls (single-threaded); cleared per fragment.
const table = new Int32Array(1 << MAX_TABLE_BITS);

/** Upper bound of the raw compressed size of `n` input bytes (google's MaxCompressedLength). */
export function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

const load32 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

function emitLiteral(src: Uint8Array, from: number, to: number, dst: Uint8Array, op: number): number {
  const n = to - from - 1;
  if (n < 60) {
    dst[op++] = n << 2;
  } else if (n < 0x100) {
    dst[op++] = 60 << 2;
    dst[op++] = n;
  } else if (n < 0x10000) {
    dst[op++] = 61 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    dst[op++] = 62 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = (n >>> 8) & 0xff;
    dst[op++] = n >>> 16;
  } else {
    dst[op++] = 63 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = (n >>> 8) & 0xff;
    dst[op++] = (n >>> 16) & 0xff;
    dst[op++] = n >>> 24;
  }
  const len = to - from;
  if (len < 16) {
    for (let i = 0; i < len; i++) dst[op + i] = src[from + i]!;
  } else {
    dst.set(src.subarray(from, to), op);
  }
  return op + len;
}

/** One copy element, 4 <= len <= 64, offset < 65536. */
function emitCopyUpTo64(offset: number, len: number, dst: Uint8Array, op: number): number {
  if (len < 12 && offset < 2048) {
    dst[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    dst[op++] = offset & 0xff;
  } else {
    dst[op++] = 2 | ((len - 1) << 2);
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(offset: number, len: number, dst: Uint8Array, op: number): number {
  // Long matches: 64-byte copies, keeping the remainder >= 4 so it stays encodable.
  while (len >= 68) {
    op = emitCopyUpTo64(offset, 64, dst, op);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyUpTo64(offset, 60, dst, op);
    len -= 60;
  }
  return emitCopyUpTo64(offset, len, dst, op);
}

function compressFragment(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  const len = end - start;
  let anchor = start;
  if (len >= INPUT_MARGIN) {
    let bits = 8;
    while (bits < MAX_TABLE_BITS && 1 << bits < len) bits++;
    const shift = 32 - bits;
    // Entries hold position - start + 1; 0 means empty.
    table.fill(0, 0, 1 << bits);
    const ipLimit = end - INPUT_MARGIN;
    let ip = start + 1;
    let skip = 32;
    while (ip <= ipLimit) {
      const seq = load32(src, ip);
      const h = Math.imul(seq, 0x1e35a7bd) >>> shift;
      const candidate = table[h]! - 1 + start;
      table[h] = ip - start + 1;
      if (candidate >= start && load32(src, candidate) === seq) {
        if (anchor < ip) op = emitLiteral(src, anchor, ip, dst, op);
        let matchLen = 4;
        while (ip + matchLen + 4 <= end && load32(src, candidate + matchLen) === load32(src, ip + matchLen)) matchLen += 4;
        while (ip + matchLen < end && src[candidate + matchLen] === src[ip + matchLen]) matchLen++;
        op = emitCopy(ip - candidate, matchLen, dst, op);
        ip += matchLen;
        anchor = ip;
        skip = 32;
        if (ip <= ipLimit) {
          // Remember the position just before the next search start, as google's does.
          table[Math.imul(load32(src, ip - 1), 0x1e35a7bd) >>> shift] = ip - 1 - start + 1;
        }
      } else {
        ip += skip++ >>> 5;
      }
    }
  }
  if (anchor < end) op = emitLiteral(src, anchor, end, dst, op);
  return op;
}

/**
 * Compresses `src[start, end)` into `dst` at `op` (which needs
 * `snappyMaxCompressedLength(end - start)` bytes free); returns the new end of `dst`.
 */
export function snappyCompressInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  let n = end - start;
  while (n >= 0x80) {
    dst[op++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  dst[op++] = n;
  for (let p = start; p < end; p += FRAGMENT) {
    op = compressFragment(src, p, Math.min(end, p + FRAGMENT), dst, op);
  }
  return op;
}

/** Raw Snappy compression of `src`. */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(snappyMaxCompressedLength(src.length));
  const n = snappyCompressInto(src, 0, src.length, dst, 0);
  return dst.slice(0, n);
}

/** Reads the uncompressed-length preamble of raw Snappy data: [length, bytes used]. */
export function snappyUncompressedLength(src: Uint8Array, start = 0, end = src.length): [number, number] {
  let result = 0;
  let shift = 0;
  let i = start;
  for (;;) {
    if (i >= end || shift > 28) throw new ProtocolError('snappy: bad uncompressed length preamble');
    const b = src[i++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (result > 0xffffffff) throw new ProtocolError('snappy: uncompressed length too large');
  return [result, i - start];
}

/**
 * Decompresses raw Snappy `src[start, end)` into `dst` at `op`; `dst` must have room for the
 * length in the preamble. Returns the number of bytes written. Throws ProtocolError on corrupt input.
 */
export function snappyUncompressInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  const [length, used] = snappyUncompressedLength(src, start, end);
  const outStart = op;
  const outEnd = op + length;
  if (outEnd > dst.length) throw new ProtocolError('snappy: output buffer too small');
  let ip = start + used;
  while (ip < end) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (ip + bytes > end) throw new ProtocolError('snappy: truncated literal length');
        n = src[ip]!;
        if (bytes > 1) n |= src[ip + 1]! << 8;
        if (bytes > 2) n |= src[ip + 2]! << 16;
        if (bytes > 3) n = (n | (src[ip + 3]! << 24)) >>> 0;
        ip += bytes;
      }
      n += 1;
      if (ip + n > end || op + n > outEnd) throw new ProtocolError('snappy: literal overruns input or output');
      if (n < 16) {
        for (let i = 0; i < n; i++) dst[op + i] = src[ip + i]!;
      } else {
        dst.set(src.subarray(ip, ip + n), op);
      }
      ip += n;
      op += n;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) throw new ProtocolError('snappy: truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else if (kind === 2) {
      if (ip + 2 > end) throw new ProtocolError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) throw new ProtocolError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op - outStart || op + len > outEnd) {
      throw new ProtocolError('snappy: copy offset or length out of range');
    }
    let from = op - offset;
    if (offset >= len && len >= 16) {
      dst.copyWithin(op, from, from + len);
      op += len;
    } else {
      const stop = op + len;
      while (op < stop) dst[op++] = dst[from++]!;
    }
  }
  if (op !== outEnd) throw new ProtocolError(`snappy: expected ${length} bytes, decoded ${op - outStart}`);
  return length;
}

/** Raw Snappy decompression of `src[start, end)`. */
export function snappyUncompress(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  const [length] = snappyUncompressedLength(src, start, end);
  // Each input byte yields at most 64 output bytes (a 2-byte copy of 64), so a larger claim is corrupt.
  if (length > (end - start) * 64) throw new ProtocolError('snappy: uncompressed length larger than possible');
  const dst = new Uint8Array(length);
  snappyUncompressInto(src, start, end, dst, 0);
  return dst;
}
