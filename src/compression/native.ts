/**
 * Adapters for the optional native packages (Node only: they take and return Buffers).
 * Loaded lazily by the registry, and only when a native codec is asked for.
 *
 * - `snappy` (napi-rs): raw Snappy blocks; the xerial framing is ours (xerial.ts).
 * - `lz4-napi` (napi-rs, lz4_flex): raw LZ4 blocks for compression, framed in Kafka's layout by
 *   lz4.ts; its frame decoder for decompression.
 * - `@mongodb-js/zstd` 1.x (napi-rs): async compress/decompress of whole zstd frames.
 */
import { ProtocolError } from '../errors.js';
import { COMPRESSION_LEVELS, type CompressionCodec, type SyncCompressionCodec } from './codec.js';
import { lz4DecompressFrames, lz4FrameCompress } from './lz4.js';
import { snappyUncompressedLength } from './snappy-raw.js';
import { xerialDecode, xerialEncode, type RawSnappy } from './xerial.js';

/** A Node Buffer view of `data` without copying (native packages want Buffers). */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

type Fn = (...args: never[]) => unknown;

/** The named functions of a loaded CommonJS/ESM module (napi-rs packages are CommonJS). */
function pick<K extends string>(mod: unknown, pkg: string, names: readonly K[]): Record<K, Fn> {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default];
  for (const c of candidates) {
    if (c !== null && (typeof c === 'object' || typeof c === 'function') && names.every((n) => typeof (c as Record<string, unknown>)[n] === 'function')) {
      return c as Record<K, Fn>;
    }
  }
  throw new Error(`package ${pkg} does not export ${names.join(', ')}`);
}

interface NativeSnappy {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer, options: { asBuffer: true }): Buffer;
}
interface NativeLz4 {
  compressSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface NativeZstd {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

export function nativeSnappyCodec(mod: unknown): SyncCompressionCodec {
  const s = pick(mod, 'snappy', ['compressSync', 'uncompressSync'] as const) as unknown as NativeSnappy;
  const raw: RawSnappy = {
    compress: (block) => s.compressSync(asBuffer(block)),
    uncompress: (block) => {
      // snappy allocates (and zero-fills) the length the block's preamble claims before it
      // decodes anything: check it as the pure decoder does (one input byte yields <= 64 bytes).
      if (snappyUncompressedLength(block)[0] > block.length * 64) throw new ProtocolError('snappy: uncompressed length larger than possible');
      return s.uncompressSync(asBuffer(block), { asBuffer: true });
    },
  };
  return Object.freeze({
    id: 2,
    name: 'snappy',
    implementation: 'native',
    sync: true,
    compress: (data: Uint8Array) => xerialEncode(data, raw),
    decompress: (data: Uint8Array) => xerialDecode(data, raw),
  } as const);
}

export function nativeLz4Codec(mod: unknown): SyncCompressionCodec {
  const l = pick(mod, 'lz4-napi', ['compressSync', 'decompressFrameSync'] as const) as unknown as NativeLz4;
  // lz4-napi's frame writer picks its own block size (256 KiB for large inputs); the frame is
  // assembled here instead, in Kafka's layout, around lz4-napi's raw block compressor (whose
  // output is a 4-byte little-endian size prefix followed by the block).
  const compressBlockInto = (src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number => {
    const c = l.compressSync(asBuffer(src.subarray(start, end)));
    const n = c.length - 4;
    if (n >= end - start) return op + n; // incompressible: the frame writer stores the block raw
    dst.set(c.subarray(4), op);
    return op + n;
  };
  return Object.freeze({
    id: 3,
    name: 'lz4',
    implementation: 'native',
    sync: true,
    compress: (data: Uint8Array) => lz4FrameCompress(data, { compressBlockInto }),
    // decompressFrameSync reads the first frame only; Kafka's reader (and ours) reads them all.
    decompress: (data: Uint8Array) => lz4DecompressFrames(data, (frame) => l.decompressFrameSync(asBuffer(frame))),
  } as const);
}

/**
 * `mod` is '@mongodb-js/zstd'; `bindings` its napi-rs binding ('@mongodb-js/zstd/bindings.js'),
 * if it could be loaded: 1.x's JavaScript wrapper drops the level argument (it always compresses
 * at zstd's default, 3, which is also Kafka's default), the binding honours it.
 */
export function nativeZstdCodec(mod: unknown, bindings?: unknown): CompressionCodec {
  const z = pick(mod, '@mongodb-js/zstd', ['compress', 'decompress'] as const) as unknown as NativeZstd;
  let withLevel: NativeZstd | undefined;
  try {
    withLevel = bindings === undefined ? undefined : (pick(bindings, '@mongodb-js/zstd/bindings.js', ['compress'] as const) as unknown as NativeZstd);
  } catch {
    withLevel = undefined;
  }
  const compress = async (data: Uint8Array, level?: number): Promise<Uint8Array> => {
    if (withLevel === undefined || level === undefined || level === COMPRESSION_LEVELS.zstd.default) {
      return z.compress(asBuffer(data), level ?? COMPRESSION_LEVELS.zstd.default);
    }
    try {
      return await withLevel.compress(asBuffer(data), level);
    } catch (e) {
      throw new Error(`zstd: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return Object.freeze({
    id: 4,
    name: 'zstd',
    implementation: 'native',
    sync: false,
    compress,
    decompress: (data: Uint8Array) => z.decompress(asBuffer(data)),
  } as const);
}
