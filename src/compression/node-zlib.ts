/**
 * Node adapter for gzip: the only `node:` import of the compression layer. Kafka's gzip is a
 * plain gzip stream (RFC 1952), what `zlib.gzipSync` writes; reading accepts concatenated members.
 * Other runtimes can supply their own {@link GzipAdapter} (see `CodecOptions.gzip`).
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';

export interface GzipAdapter {
  /** `level`: 1..9, or -1/undefined for zlib's default (6), like Java's Deflater. */
  gzip(data: Uint8Array, level?: number): Uint8Array;
  gunzip(data: Uint8Array): Uint8Array;
}

export const nodeGzip: GzipAdapter = {
  gzip(data, level) {
    return gzipSync(data, { level: level ?? constants.Z_DEFAULT_COMPRESSION });
  },
  gunzip(data) {
    return gunzipSync(data);
  },
};
