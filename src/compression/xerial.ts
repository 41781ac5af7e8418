/**
 * The xerial snappy-java stream framing, which Kafka's Java client writes for
 * `compression.type=snappy` (it wraps the batch in `org.xerial.snappy.SnappyOutputStream`):
 *
 *   header  : 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 BE version = 1, int32 BE compatible version = 1
 *   blocks  : int32 BE compressed length, then that many bytes of raw Snappy (each block holds at
 *             most `blockSize` uncompressed bytes; snappy-java and Kafka default to 32 KiB)
 *
 * Reading follows `SnappyInputStream`, which is what Kafka (and so the broker) uses: input that
 * does not start with the xerial magic (or is shorter than the 16-byte header) is taken as one
 * raw Snappy block; a repeated header inside the stream (concatenated streams) is skipped.
 */
import { ProtocolError } from '../errors.js';

export const XERIAL_MAGIC: readonly number[] = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
export const XERIAL_HEADER_SIZE = 16;
export const XERIAL_DEFAULT_BLOCK_SIZE = 32 * 1024;

/** The raw (unframed) Snappy operations the framing needs. */
export interface RawSnappy {
  compress(block: Uint8Array): Uint8Array;
  /** Decompresses one complete raw block. */
  uncompress(block: Uint8Array): Uint8Array;
}

function hasMagicAt(data: Uint8Array, at: number): boolean {
  if (at + XERIAL_HEADER_SIZE > data.length) return false;
  for (let i = 0; i < 8; i++) if (data[at + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** True if `data` starts with a complete xerial header. */
export function isXerialFramed(data: Uint8Array): boolean {
  return hasMagicAt(data, 0);
}

function writeHeader(out: Uint8Array): void {
  out.set(XERIAL_MAGIC, 0);
  out[11] = 1; // version 1 (big endian int32 at 8)
  out[15] = 1; // compatible version 1 (big endian int32 at 12)
}

/** Frames `data` the way snappy-java's SnappyOutputStream does. Empty input gives just the header. */
export function xerialEncode(data: Uint8Array, raw: RawSnappy, blockSize = XERIAL_DEFAULT_BLOCK_SIZE): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let p = 0; p < data.length; p += blockSize) {
    const c = raw.compress(data.subarray(p, Math.min(data.length, p + blockSize)));
    blocks.push(c);
    total += 4 + c.length;
  }
  const out = new Uint8Array(total);
  writeHeader(out);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let op = XERIAL_HEADER_SIZE;
  for (const c of blocks) {
    view.setInt32(op, c.length);
    out.set(c, op + 4);
    op += 4 + c.length;
  }
  return out;
}

/**
 * Like {@link xerialEncode}, compressing each block straight into one output buffer (no
 * per-block allocation) with a compressor that writes in place.
 */
export function xerialEncodeInto(
  data: Uint8Array,
  maxCompressedLength: (n: number) => number,
  compressInto: (src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number) => number,
  blockSize = XERIAL_DEFAULT_BLOCK_SIZE,
): Uint8Array {
  const blockCount = Math.ceil(data.length / blockSize);
  const lastBlock = data.length - Math.max(0, blockCount - 1) * blockSize;
  const bound =
    XERIAL_HEADER_SIZE + blockCount * 4 + Math.max(0, blockCount - 1) * maxCompressedLength(blockSize) + (blockCount > 0 ? maxCompressedLength(lastBlock) : 0);
  const out = new Uint8Array(bound);
  writeHeader(out);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let op = XERIAL_HEADER_SIZE;
  for (let p = 0; p < data.length; p += blockSize) {
    const end = compressInto(data, p, Math.min(data.length, p + blockSize), out, op + 4);
    view.setInt32(op, end - op - 4);
    op = end;
  }
  return out.subarray(0, op);
}

/**
 * Decodes xerial-framed Snappy, or raw Snappy when there is no xerial header (as
 * SnappyInputStream does). Throws ProtocolError on truncated or corrupt input.
 */
export function xerialDecode(data: Uint8Array, raw: RawSnappy): Uint8Array {
  if (!isXerialFramed(data)) return raw.uncompress(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getInt32(8);
  if (version < 1) throw new ProtocolError(`snappy: xerial stream version ${version} is not supported`);
  const parts: Uint8Array[] = [];
  let total = 0;
  let ip = XERIAL_HEADER_SIZE;
  while (ip < data.length) {
    // A concatenated stream starts with another header (its first int32 is negative: 0x82...).
    if (data[ip] === XERIAL_MAGIC[0] && hasMagicAt(data, ip)) {
      ip += XERIAL_HEADER_SIZE;
      continue;
    }
    if (ip + 4 > data.length) throw new ProtocolError('snappy: truncated xerial block length');
    const len = view.getInt32(ip);
    ip += 4;
    if (len < 0 || ip + len > data.length) throw new ProtocolError(`snappy: xerial block of ${len} bytes overruns the input`);
    const block = raw.uncompress(data.subarray(ip, ip + len));
    parts.push(block);
    total += block.length;
    ip += len;
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
