/**
 * The Cloudflare Workers Runtime: sockets through `cloudflare:sockets` (./transport.ts), TLS as
 * Workers allow it (./tls.ts), the Sender's passes on setTimeout(0) (Workers have no
 * setImmediate without Node compatibility), and the pure TypeScript codecs (no native packages
 * load there). gzip comes from node:zlib, which Workers provide with the `nodejs_compat`
 * compatibility flag; zstd has no pure path and is refused at construction. Registered by the
 * package entry `kafka-wire/workers` (src/workers.ts) instead of Node's.
 */
import type { CompressionName } from '../../compression/codec.js';
import { ConfigError } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import { loadWorkersTls } from './tls.js';
import { WorkersTransport } from './transport.js';

export { WorkersTransport } from './transport.js';

export const workersRuntime: Runtime = {
  name: 'workers',
  transport: () => new WorkersTransport(),
  codecOptions: { implementation: 'pure' },
  checkCodecAvailable(codec: CompressionName) {
    if (codec === 'zstd') {
      throw new ConfigError('compression.type', 'zstd needs the native package @mongodb-js/zstd, which cannot load on Workers: use lz4, snappy or gzip');
    }
  },
  loadTls: loadWorkersTls,
  schedule: (fn) => void setTimeout(fn, 0),
};
