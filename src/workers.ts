/**
 * kafka-wire for Cloudflare Workers (`import { Producer } from 'kafka-wire/workers'`): the same
 * public API as the package entry, with the Workers runtime (src/runtime/workers/: sockets from
 * `cloudflare:sockets`) registered instead of Node's, so nothing from `node:` is loaded except
 * node:zlib for gzip (Workers' `nodejs_compat` flag provides it).
 *
 * Workers tie sockets to the request that opened them: create the Producer inside the request
 * handler and close it before the response is done (or in ctx.waitUntil), one per request.
 */
import { registerRuntime } from './runtime/runtime.js';
import { workersRuntime } from './runtime/workers/index.js';

registerRuntime(workersRuntime);

export { Producer } from './producer.js';
export type {
  CloseOptions,
  Data,
  Headers,
  ProducerConfig,
  ProducerInterceptor,
  ProducerInternals,
  ProducerRecord,
  RecordMetadata,
  SendCallback,
  Serializer,
} from './producer.js';
export * from './errors.js';
export { CONFIG_DEFS, type ConfigDef, parseProperties, parsePropertiesFile } from './config.js';
export { registerRuntime, type Runtime, type Diagnostics } from './runtime/runtime.js';
export { workersRuntime, WorkersTransport } from './runtime/workers/index.js';
export type { PartitionInfo } from './cluster/metadata.js';
export type { Partitioner, PartitionerContext } from './partitioner/index.js';
export { murmur2, toPositive } from './partitioner/index.js';
