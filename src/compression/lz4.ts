/**
 * LZ4 in pure TypeScript: the block format (compressor + decompressor) and the frame format
 * (lz4_Frame_format.md) that Kafka uses for `compression.type=lz4`.
 *
 * Frames are written the way Kafka's Java client writes them (`Lz4BlockOutputStream`, magic v2
 * batches): magic 0x184D2204, FLG = version 01 + block independence (0x60), BD = 64 KiB maximum
 * block size (0x40), header checksum = second byte of XXH32(FLG, BD); then blocks (int32 LE size,
 * high bit set when the block is stored uncompressed because compression did not shrink it),
 * then the 0 end mark. No block checksums, no content size, no content checksum (Kafka's reader
 * does not verify a content checksum the way the spec defines it, so none is ever written).
 *
 * The reader accepts any valid frame: 64 KiB to 4 MiB blocks, dependent or independent blocks,
 * block checksums, content size and content checksum (verified), skippable frames and
 * concatenated frames. Dictionaries (DictID) and the legacy format are rejected.
 */
import { ProtocolError } from '../errors.js';
import { xxhash32 } from './xxhash32.js';

export const LZ4_FRAME_MAGIC = 0x184d2204;
const BLOCK_UNCOMPRESSED_FLAG = 0x80000000;
/** Kafka's block size: BD value 4 = 64 KiB. */
export const LZ4_KAFKA_BLOCK_SIZE = 64 * 1024;

const MIN_MATCH = 4;
const LAST_LITERALS = 5; // the last 5 bytes of a block are always literals
const MF_LIMIT = 12; // no match may start within the last 12 bytes
const HASH_BITS = 13;
const MAX_OFFSET = 65535;
// One hash table for all calls (single-threaded); cleared per block.
const table = new Int32Array(1 << HASH_BITS);
// Decompression scratch for one block, grown to the largest block size seen (<= 4 MiB).
let scratch = new Uint8Array(LZ4_KAFKA_BLOCK_SIZE);

const load32 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

/** Upper bound of the compressed size of an `n`-byte block (LZ4_compressBound). */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(dst: Uint8Array, op: number, n: number): number {
  // n >= 15 was put in the token as 15; the rest follows as 255s and a final byte < 255.
  n -= 15;
  while (n >= 255) {
    dst[op++] = 255;
    n -= 255;
  }
  dst[op++] = n;
  return op;
}

function writeLiterals(src: Uint8Array, from: number, len: number, dst: Uint8Array, op: number): number {
  if (len < 16) {
    for (let i = 0; i < len; i++) dst[op + i] = src[from + i]!;
  } else {
    dst.set(src.subarray(from, from + len), op);
  }
  return op + len;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at `op` (which needs
 * `lz4BlockBound(end - start)` bytes free). Returns the new end of `dst`. Greedy, fast mode.
 */
export function lz4CompressBlockInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  const len = end - start;
  let anchor = start;
  if (len >= MF_LIMIT + 1) {
    table.fill(0);
    const shift = 32 - HASH_BITS;
    const mfLimit = end - MF_LIMIT; // last position a match may start at (inclusive)
    const matchLimit = end - LAST_LITERALS; // a match must end at or before this
    let ip = start;
    let searches = 1 << 6;
    while (ip <= mfLimit) {
      const seq = load32(src, ip);
      const h = Math.imul(seq, 0x9e3779b1) >>> shift;
      let ref = table[h]! - 1 + start; // entries hold position - start + 1
      table[h] = ip - start + 1;
      if (ref < start || ip - ref > MAX_OFFSET || load32(src, ref) !== seq) {
        ip += searches++ >>> 6;
        continue;
      }
      searches = 1 << 6;
      // extend backwards over literals
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let matchEnd = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (matchEnd + 4 <= matchLimit && load32(src, matchEnd) === load32(src, r)) {
        matchEnd += 4;
        r += 4;
      }
      while (matchEnd < matchLimit && src[matchEnd] === src[r]) {
        matchEnd++;
        r++;
      }
      const litLen = ip - anchor;
      const ml = matchEnd - ip - MIN_MATCH;
      const tokenPos = op++;
      dst[tokenPos] = ((litLen >= 15 ? 15 : litLen) << 4) | (ml >= 15 ? 15 : ml);
      if (litLen >= 15) op = writeLength(dst, op, litLen);
      op = writeLiterals(src, anchor, litLen, dst, op);
      const offset = ip - ref;
      dst[op++] = offset & 0xff;
      dst[op++] = offset >>> 8;
      if (ml >= 15) op = writeLength(dst, op, ml);
      ip = matchEnd;
      anchor = ip;
      if (ip <= mfLimit) {
        // remember a position inside the match to find the next one sooner
        table[Math.imul(load32(src, ip - 2), 0x9e3779b1) >>> shift] = ip - 2 - start + 1;
      }
    }
  }
  // last literals
  const litLen = end - anchor;
  dst[op++] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(dst, op, litLen);
  return writeLiterals(src, anchor, litLen, dst, op);
}

/** One independent LZ4 block (no frame, no size prefix). */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(lz4BlockBound(src.length));
  return dst.slice(0, lz4CompressBlockInto(src, 0, src.length, dst, 0));
}

/**
 * Decompresses the LZ4 block `src[start, end)` into `dst` at `op`, writing at most up to
 * `limit`. Matches may reach back to `windowStart` (the block's own start for independent
 * blocks, earlier output for dependent ones). Returns the new end of `dst`.
 */
export function lz4DecompressBlockInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  op: number,
  limit = dst.length,
  windowStart = op,
): number {
  let ip = start;
  for (;;) {
    if (ip >= end) throw new ProtocolError('lz4: truncated block');
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) throw new ProtocolError('lz4: truncated literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end || op + lit > limit) throw new ProtocolError('lz4: literals overrun input or output');
    if (lit < 16) {
      for (let i = 0; i < lit; i++) dst[op + i] = src[ip + i]!;
    } else {
      dst.set(src.subarray(ip, ip + lit), op);
    }
    ip += lit;
    op += lit;
    if (ip === end) return op; // the last sequence has literals only
    if (ip + 2 > end) throw new ProtocolError('lz4: truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) throw new ProtocolError('lz4: match offset out of range');
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (ip >= end) throw new ProtocolError('lz4: truncated match length');
        b = src[ip++]!;
        ml += b;
      } while (b === 255);
    }
    ml += MIN_MATCH;
    if (op + ml > limit) throw new ProtocolError('lz4: match overruns output');
    let from = op - offset;
    if (offset >= ml && ml >= 32) {
      dst.copyWithin(op, from, from + ml);
      op += ml;
    } else {
      const stop = op + ml;
      while (op < stop) dst[op++] = dst[from++]!;
    }
  }
}

/** Options for writing a frame. Defaults reproduce Kafka's Java writer. */
export interface Lz4FrameOptions {
  /** Compresses one block into `dst` at `op`, returns the new end; defaults to the pure-TS compressor. */
  compressBlockInto?: (src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number) => number;
  /** Add an XXH32 of each stored block (Kafka: no). */
  blockChecksum?: boolean;
}

/** Compresses `data` into one LZ4 frame the way Kafka's Java client does (see file comment). */
export function lz4FrameCompress(data: Uint8Array, options: Lz4FrameOptions = {}): Uint8Array {
  const compressInto = options.compressBlockInto ?? lz4CompressBlockInto;
  const blockChecksum = options.blockChecksum === true;
  const blockSize = LZ4_KAFKA_BLOCK_SIZE;
  const blocks = Math.ceil(data.length / blockSize);
  // header 7 + per block (size 4 + data + checksum 4) + end mark 4
  const last = data.length - Math.max(0, blocks - 1) * blockSize;
  const bound = 7 + blocks * 8 + Math.max(0, blocks - 1) * lz4BlockBound(blockSize) + (blocks > 0 ? lz4BlockBound(last) : 0) + 4;
  const out = new Uint8Array(bound);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, LZ4_FRAME_MAGIC, true);
  out[4] = 0x40 | 0x20 | (blockChecksum ? 0x10 : 0); // version 01, block independence, [block checksum]
  out[5] = 0x40; // BD: max block size 64 KiB
  out[6] = (xxhash32(out, 4, 6) >>> 8) & 0xff;
  let op = 7;
  for (let p = 0; p < data.length; p += blockSize) {
    const end = Math.min(data.length, p + blockSize);
    const n = end - p;
    const dataStart = op + 4;
    const cEnd = compressInto(data, p, end, out, dataStart);
    let stored = cEnd - dataStart;
    if (stored >= n) {
      // incompressible: store the block as is
      out.set(data.subarray(p, end), dataStart);
      stored = n;
      view.setUint32(op, (n | BLOCK_UNCOMPRESSED_FLAG) >>> 0, true);
    } else {
      view.setUint32(op, stored, true);
    }
    op = dataStart + stored;
    if (blockChecksum) {
      view.setUint32(op, xxhash32(out, dataStart, op), true);
      op += 4;
    }
  }
  view.setUint32(op, 0, true); // end mark
  op += 4;
  return out.subarray(0, op);
}

/**
 * The end offset of the LZ4 frame (or skippable frame) starting at `start`, found by walking the
 * frame header and block sizes without decoding anything. Lets a decoder that reads one frame at
 * a time (lz4-napi's decompressFrameSync) read every frame of concatenated input.
 */
export function lz4FrameEnd(src: Uint8Array, start: number): number {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let ip = start;
  if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated frame magic');
  const magic = view.getUint32(ip, true);
  ip += 4;
  if ((magic & 0xfffffff0) === 0x184d2a50) {
    if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated skippable frame');
    const end = ip + 4 + view.getUint32(ip, true);
    if (end > src.length) throw new ProtocolError('lz4: truncated skippable frame');
    return end;
  }
  if (magic !== LZ4_FRAME_MAGIC) throw new ProtocolError(`lz4: unsupported frame magic 0x${magic.toString(16)} (only the LZ4 frame format is supported)`);
  if (ip + 3 > src.length) throw new ProtocolError('lz4: truncated frame descriptor');
  const flg = src[ip]!;
  ip += 2 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
  const blockChecksum = (flg & 0x10) !== 0 ? 4 : 0;
  for (;;) {
    if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated block size');
    const word = view.getUint32(ip, true);
    ip += 4;
    if (word === 0) break;
    ip += (word & 0x7fffffff) + blockChecksum;
    if (ip > src.length) throw new ProtocolError('lz4: truncated block');
  }
  ip += (flg & 0x04) !== 0 ? 4 : 0;
  if (ip > src.length) throw new ProtocolError('lz4: truncated content checksum');
  return ip;
}

/**
 * Decompresses every frame of `src` with `decodeFrame`, a decoder of exactly one frame (skippable
 * frames are skipped), and joins the results. One frame: a single call, no copy.
 */
export function lz4DecompressFrames(src: Uint8Array, decodeFrame: (frame: Uint8Array) => Uint8Array): Uint8Array {
  if (src.length < 4) throw new ProtocolError('lz4: input too short for a frame');
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let ip = 0; ip < src.length; ) {
    const end = lz4FrameEnd(src, ip);
    const magic = new DataView(src.buffer, src.byteOffset + ip, 4).getUint32(0, true);
    if (magic === LZ4_FRAME_MAGIC) {
      const part = decodeFrame(ip === 0 && end === src.length ? src : src.subarray(ip, end));
      parts.push(part);
      total += part.length;
    }
    ip = end;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let op = 0;
  for (const p of parts) {
    out.set(p, op);
    op += p.length;
  }
  return out;
}

/** Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). */
export function lz4FrameDecompress(src: Uint8Array): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let out = new Uint8Array(Math.max(256, src.length * 4));
  let op = 0;
  let ip = 0;
  const ensure = (extra: number): void => {
    if (op + extra <= out.length) return;
    let cap = out.length * 2;
    while (cap < op + extra) cap *= 2;
    const bigger = new Uint8Array(cap);
    bigger.set(out.subarray(0, op));
    out = bigger;
  };
  if (src.length < 4) throw new ProtocolError('lz4: input too short for a frame');
  while (ip < src.length) {
    if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated frame magic');
    const magic = view.getUint32(ip, true);
    ip += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame
      if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated skippable frame');
      const size = view.getUint32(ip, true);
      ip += 4 + size;
      if (ip > src.length) throw new ProtocolError('lz4: truncated skippable frame');
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) {
      throw new ProtocolError(`lz4: unsupported frame magic 0x${magic.toString(16)} (only the LZ4 frame format is supported)`);
    }
    if (ip + 3 > src.length) throw new ProtocolError('lz4: truncated frame descriptor');
    const descStart = ip;
    const flg = src[ip++]!;
    const bd = src[ip++]!;
    if (flg >>> 6 !== 1) throw new ProtocolError(`lz4: unsupported frame version ${flg >>> 6}`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new ProtocolError('lz4: reserved frame descriptor bits set');
    const independent = (flg & 0x20) !== 0;
    const hasBlockChecksum = (flg & 0x10) !== 0;
    const hasContentSize = (flg & 0x08) !== 0;
    const hasContentChecksum = (flg & 0x04) !== 0;
    if ((flg & 0x01) !== 0) throw new ProtocolError('lz4: frames with a dictionary id are not supported');
    const bsid = (bd >>> 4) & 7;
    if (bsid < 4) throw new ProtocolError(`lz4: invalid block maximum size id ${bsid}`);
    const maxBlock = 1 << (2 * bsid + 8);
    let contentSize = -1;
    if (hasContentSize) {
      if (ip + 8 > src.length) throw new ProtocolError('lz4: truncated content size');
      contentSize = view.getUint32(ip, true) + view.getUint32(ip + 4, true) * 2 ** 32;
      ip += 8;
    }
    if (ip >= src.length) throw new ProtocolError('lz4: truncated frame descriptor');
    const hc = (xxhash32(src, descStart, ip) >>> 8) & 0xff;
    if (src[ip++] !== hc) throw new ProtocolError('lz4: frame descriptor checksum mismatch');
    const frameStart = op;
    if (contentSize > 0) ensure(Math.min(contentSize, (src.length - ip) * 256));
    for (;;) {
      if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated block size');
      const word = view.getUint32(ip, true);
      ip += 4;
      if (word === 0) break; // end mark
      const stored = (word & BLOCK_UNCOMPRESSED_FLAG) !== 0;
      const size = word & 0x7fffffff;
      if (size > maxBlock) throw new ProtocolError(`lz4: block of ${size} bytes exceeds the frame maximum ${maxBlock}`);
      if (ip + size > src.length) throw new ProtocolError('lz4: truncated block');
      if (hasBlockChecksum) {
        if (ip + size + 4 > src.length) throw new ProtocolError('lz4: truncated block checksum');
        if (xxhash32(src, ip, ip + size) !== view.getUint32(ip + size, true)) {
          throw new ProtocolError('lz4: block checksum mismatch');
        }
      }
      if (stored) {
        ensure(size);
        out.set(src.subarray(ip, ip + size), op);
        op += size;
      } else if (independent) {
        // decode into a scratch block, then copy: the output grows only by what was decoded
        if (scratch.length < maxBlock) scratch = new Uint8Array(maxBlock);
        const n = lz4DecompressBlockInto(src, ip, ip + size, scratch, 0, maxBlock, 0);
        ensure(n);
        out.set(n === scratch.length ? scratch : scratch.subarray(0, n), op);
        op += n;
      } else {
        // dependent blocks may refer back into earlier output of the frame: decode in place
        ensure(maxBlock);
        op = lz4DecompressBlockInto(src, ip, ip + size, out, op, op + maxBlock, frameStart);
      }
      ip += size + (hasBlockChecksum ? 4 : 0);
    }
    if (hasContentChecksum) {
      if (ip + 4 > src.length) throw new ProtocolError('lz4: truncated content checksum');
      if (xxhash32(out, frameStart, op) !== view.getUint32(ip, true)) throw new ProtocolError('lz4: content checksum mismatch');
      ip += 4;
    }
    if (contentSize >= 0 && op - frameStart !== contentSize) {
      throw new ProtocolError(`lz4: frame declares ${contentSize} bytes but holds ${op - frameStart}`);
    }
  }
  return out.subarray(0, op);
}
