/**
 * Node adapter for gzip (the compression layer's only `node:` dependency, loaded lazily by it). Kafka's gzip is a
 * plain gzip stream (RFC 1952), what `zlib.gzipSync` writes; reading accepts concatenated members.
 * Other runtimes can supply their own {@link GzipAdapter} (see `CodecOptions.gzip`).
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { GzipAdapter } from '../../compression/codec.js';

export type { GzipAdapter };

export const nodeGzip: GzipAdapter = {
  gzip(data, level) {
    return gzipSync(data, { level: level ?? constants.Z_DEFAULT_COMPRESSION });
  },
  gunzip(data) {
    return gunzipSync(data);
  },
};
