/**
 * Shared codec types and constants (no implementation): names, Kafka attribute ids, levels, the
 * optional npm packages behind the native codecs.
 */
import { KafkaWireError } from '../errors.js';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * gzip as a runtime provides it (Node: node:zlib in runtime/node/zlib.ts; other runtimes bring
 * their own through `CodecOptions.gzip`). Kafka's gzip is a plain RFC 1952 stream.
 */
export interface GzipAdapter {
  /** `level`: 1..9, or -1/undefined for zlib's default (6), like Java's Deflater. */
  gzip(data: Uint8Array, level?: number): Uint8Array;
  gunzip(data: Uint8Array): Uint8Array;
}

/** Kafka's record batch attribute bits 0-2 for each codec. */
export const COMPRESSION_IDS: Readonly<Record<CompressionName, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
});

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Compression levels Kafka accepts (KIP-390: compression.gzip.level, compression.lz4.level,
 * compression.zstd.level) and Java's defaults. Snappy has no level.
 */
export const COMPRESSION_LEVELS = Object.freeze({
  gzip: Object.freeze({ min: 1, max: 9, default: -1 }), // -1: Deflater default (6)
  lz4: Object.freeze({ min: 1, max: 17, default: 9 }),
  zstd: Object.freeze({ min: -131072, max: 22, default: 3 }),
});

export type CodecImplementation = 'builtin' | 'native' | 'pure';

export interface CompressionCodec {
  /** Kafka attribute bits: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly id: number;
  readonly name: CompressionName;
  /** 'builtin' (none; gzip via the runtime's zlib), 'native' (an optional npm package), 'pure' (TypeScript). */
  readonly implementation: CodecImplementation;
  /** True when compress/decompress always return a Uint8Array, never a Promise. */
  readonly sync: boolean;
  /**
   * Compresses a whole batch records section. `level` follows Kafka's per-codec level property;
   * undefined means Java's default. Snappy ignores it; LZ4 always uses the fast compressor
   * (Java uses LZ4 HC for levels other than 9; the frame is valid either way).
   * The result may be a Node Buffer or a view into a larger buffer.
   */
  compress(data: Uint8Array, level?: number): Uint8Array | Promise<Uint8Array>;
  /** Inverse of compress; throws/rejects (ProtocolError for the pure-TS codecs) on corrupt input. */
  decompress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** A codec whose operations are synchronous (`sync: true`). */
export interface SyncCompressionCodec extends CompressionCodec {
  readonly sync: true;
  compress(data: Uint8Array, level?: number): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

export function isSyncCodec(codec: CompressionCodec): codec is SyncCompressionCodec {
  return codec.sync;
}

/** The npm package behind each native codec, and the version line tested here. */
export const NATIVE_PACKAGES = Object.freeze({
  snappy: { name: 'snappy', install: 'snappy@7' },
  lz4: { name: 'lz4-napi', install: 'lz4-napi@2' },
  // 2.x and later download prebuilt binaries from GitHub at install time; 1.x ships them on npm.
  zstd: { name: '@mongodb-js/zstd', install: '@mongodb-js/zstd@1' },
});

/** Kafka attribute id of a codec name; throws UNSUPPORTED_COMPRESSION_TYPE for an unknown name. */
export function compressionIdOf(name: string): number {
  const id = (COMPRESSION_IDS as Record<string, number | undefined>)[name];
  if (id === undefined || !Object.hasOwn(COMPRESSION_IDS, name)) {
    throw new KafkaWireError('UNSUPPORTED_COMPRESSION_TYPE', `Unknown compression type '${name}' (expected one of ${NAMES.join(', ')})`);
  }
  return id;
}

/** Codec name of a Kafka attribute id (0-4); throws UNSUPPORTED_COMPRESSION_TYPE otherwise. */
export function compressionNameOf(id: number): CompressionName {
  const name = NAMES[id];
  if (name === undefined || !Number.isInteger(id)) {
    throw new KafkaWireError('UNSUPPORTED_COMPRESSION_TYPE', `Unknown compression type id ${id}`);
  }
  return name;
}

