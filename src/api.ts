/**
 * The public API, once: what both package entries export (src/index.ts with Node's runtime,
 * src/workers.ts with Cloudflare Workers'). Importing this file registers no runtime — each
 * entry registers its own before re-exporting this, so the two can never drift apart.
 */
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
export { AbortableTransactionError, FatalTransactionError, TransactionError, TRANSACTION_ABORTED } from './producer.js';
export type { ConsumerGroupMetadata, TransactionOffset } from './producer.js';
export { CONFIG_DEFS, type ConfigDef, parseProperties, parsePropertiesFile } from './config.js';
export { registerRuntime, type Runtime, type Diagnostics } from './runtime/runtime.js';
export type { TlsClientOptions } from './network/security/tls-client-options.js';
export type { KeySource, SslSettings, TlsVersion, TrustSource } from './network/security/ssl-settings.js';
export { Password } from './network/security/password.js';
export type { PartitionInfo } from './cluster/metadata.js';
export type { Partitioner, PartitionerContext } from './partitioner/index.js';
export { murmur2, toPositive } from './partitioner/index.js';
export { FrameTracer, formatTraceEvent, type TraceEvent, type TraceFormat, type TraceListener } from './observability/trace.js';
