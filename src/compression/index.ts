/**
 * The codec registry: `compression.type` -> a codec that compresses a sealed batch's records
 * section once, and decompresses one (tests, tools, a future consumer).
 *
 * | name   | id | implementation                                                      | sync  |
 * |--------|----|---------------------------------------------------------------------|-------|
 * | none   | 0  | identity                                                            | yes   |
 * | gzip   | 1  | node:zlib behind `runtime/node/zlib.ts` (or an injected {@link GzipAdapter}) | yes   |
 * | snappy | 2  | xerial framing (TS) over raw Snappy: npm `snappy` or pure TS         | yes   |
 * | lz4    | 3  | LZ4 frame (TS, Kafka's layout) over blocks: npm `lz4-napi` or pure TS | yes   |
 * | zstd   | 4  | npm `@mongodb-js/zstd` 1.x only (no pure-TS fallback)               | no    |
 *
 * Everything is loaded lazily by {@link getCodec} (async: it may `import()` an optional
 * package or node:zlib). Call it once when the producer starts or before the first batch is
 * sealed; the codec object it returns is then used directly. When `codec.sync` is true,
 * compress/decompress return a Uint8Array (never a Promise) and the caller may skip the await.
 *
 * `implementation`: 'auto' (default) uses the native package when it is installed and falls back
 * to pure TypeScript otherwise (snappy, lz4); 'native' insists on the package; 'pure' never loads
 * it. A codec whose package cannot be loaded fails with KafkaWireError code
 * UNSUPPORTED_COMPRESSION_TYPE naming the npm package to install.
 */
import { KafkaWireError } from '../errors.js';
import {
  NATIVE_PACKAGES,
  compressionIdOf,
  compressionNameOf,
  type CompressionCodec,
  type CompressionName,
  type SyncCompressionCodec,
} from './codec.js';
import { lz4FrameCompress, lz4FrameDecompress } from './lz4.js';
import type { GzipAdapter } from './codec.js';
import { snappyCompress, snappyCompressInto, snappyMaxCompressedLength, snappyUncompress } from './snappy-raw.js';
import { xerialDecode, xerialEncodeInto, type RawSnappy } from './xerial.js';

export * from './codec.js';
export type { GzipAdapter } from './codec.js';
export { xxhash32 } from './xxhash32.js';
export {
  isXerialFramed,
  xerialDecode,
  xerialEncode,
  XERIAL_DEFAULT_BLOCK_SIZE,
  XERIAL_HEADER_SIZE,
  XERIAL_MAGIC,
  type RawSnappy,
} from './xerial.js';
export { snappyCompress, snappyUncompress, snappyMaxCompressedLength } from './snappy-raw.js';
export {
  lz4BlockBound,
  lz4CompressBlock,
  lz4DecompressBlockInto,
  lz4FrameCompress,
  lz4FrameDecompress,
  LZ4_FRAME_MAGIC,
  LZ4_KAFKA_BLOCK_SIZE,
} from './lz4.js';

/** Loads a module by specifier; the default is the runtime's dynamic `import()`. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface CodecOptions {
  /** See the file comment. Default 'auto'. 'pure' also keeps the Producer's CRC32C in TypeScript (Runtime.accelerateCrc32c). */
  implementation?: 'auto' | 'native' | 'pure';
  /** How optional packages are loaded (tests, bundlers). Codecs loaded through a custom loader are not cached. */
  loader?: ModuleLoader;
  /** gzip implementation for runtimes without node:zlib. Not cached. */
  gzip?: GzipAdapter;
}

// ---------------------------------------------------------------------------------------------
// codecs

const NONE: SyncCompressionCodec = Object.freeze({
  id: 0,
  name: 'none',
  implementation: 'builtin',
  sync: true,
  compress: (data: Uint8Array) => data,
  decompress: (data: Uint8Array) => data,
});

function gzipCodec(adapter: GzipAdapter): SyncCompressionCodec {
  return Object.freeze({
    id: 1,
    name: 'gzip',
    implementation: 'builtin',
    sync: true,
    compress: (data: Uint8Array, level?: number) => adapter.gzip(data, level === undefined || level === -1 ? undefined : level),
    decompress: (data: Uint8Array) => adapter.gunzip(data),
  } as const);
}

const PURE_RAW_SNAPPY: RawSnappy = { compress: snappyCompress, uncompress: (b) => snappyUncompress(b) };

const PURE_SNAPPY: SyncCompressionCodec = Object.freeze({
  id: 2,
  name: 'snappy',
  implementation: 'pure',
  sync: true,
  compress: (data: Uint8Array) => xerialEncodeInto(data, snappyMaxCompressedLength, snappyCompressInto),
  decompress: (data: Uint8Array) => xerialDecode(data, PURE_RAW_SNAPPY),
});

const PURE_LZ4: SyncCompressionCodec = Object.freeze({
  id: 3,
  name: 'lz4',
  implementation: 'pure',
  sync: true,
  compress: (data: Uint8Array) => lz4FrameCompress(data),
  decompress: (data: Uint8Array) => lz4FrameDecompress(data),
});

// ---------------------------------------------------------------------------------------------
// registry

const defaultLoader: ModuleLoader = (specifier) => import(specifier);
const cache = new Map<string, Promise<CompressionCodec>>();

async function loadNative(kind: 'snappy' | 'lz4' | 'zstd', loader: ModuleLoader): Promise<CompressionCodec> {
  const pkg = NATIVE_PACKAGES[kind];
  try {
    const mod = await loader(pkg.name);
    const native = await import('./native.js');
    if (kind === 'snappy') return native.nativeSnappyCodec(mod);
    if (kind === 'lz4') return native.nativeLz4Codec(mod);
    // 1.x's wrapper ignores the level; its binding honours it (optional: default level otherwise)
    const bindings = await loader(`${pkg.name}/bindings.js`).catch(() => undefined);
    return native.nativeZstdCodec(mod, bindings);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new KafkaWireError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `compression.type=${kind} needs the optional npm package '${pkg.name}' (npm install ${pkg.install}); loading it failed: ${why}`,
      { cause },
    );
  }
}

async function load(name: CompressionName, implementation: 'auto' | 'native' | 'pure', loader: ModuleLoader, gzip?: GzipAdapter): Promise<CompressionCodec> {
  switch (name) {
    case 'none':
      return NONE;
    case 'gzip':
      // No adapter injected: Node's, loaded lazily (the one lazy edge from the core to runtime/).
      return gzipCodec(gzip ?? (await import('../runtime/node/zlib.js')).nodeGzip);
    case 'snappy':
    case 'lz4': {
      const pure = name === 'snappy' ? PURE_SNAPPY : PURE_LZ4;
      if (implementation === 'pure') return pure;
      if (implementation === 'native') return loadNative(name, loader);
      return loadNative(name, loader).catch(() => pure);
    }
    case 'zstd':
      if (implementation === 'pure') {
        throw new KafkaWireError(
          'UNSUPPORTED_COMPRESSION_TYPE',
          `compression.type=zstd has no pure TypeScript implementation; install ${NATIVE_PACKAGES.zstd.install}`,
        );
      }
      return loadNative('zstd', loader);
  }
}

/**
 * The codec for a `compression.type` name or a Kafka attribute id (0-4), loading what it needs.
 * Results are cached per (codec, implementation) unless a custom loader or gzip adapter is given.
 * Rejects with KafkaWireError UNSUPPORTED_COMPRESSION_TYPE for an unknown codec or a missing package.
 */
export function getCodec(nameOrId: CompressionName | number, options: CodecOptions = {}): Promise<CompressionCodec> {
  let name: CompressionName;
  try {
    name = typeof nameOrId === 'number' ? compressionNameOf(nameOrId) : compressionNameOf(compressionIdOf(nameOrId));
  } catch (e) {
    return Promise.reject(e);
  }
  const implementation = options.implementation ?? 'auto';
  if (options.loader !== undefined || options.gzip !== undefined) {
    return load(name, implementation, options.loader ?? defaultLoader, options.gzip);
  }
  const key = `${name}:${implementation}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = load(name, implementation, defaultLoader);
    cache.set(key, p);
    // don't cache failures: installing the package later should work without a restart
    p.catch(() => cache.delete(key));
  }
  return p;
}
