/**
 * kafka-wire: a Kafka producer engine that speaks the Kafka wire protocol itself.
 * Importing this entry registers the Node runtime (sockets, TLS, zlib, diagnostics channels);
 * the API itself is src/api.ts, shared with the Workers entry (src/workers.ts).
 */
import './runtime/node/index.js';

export * from './api.js';
export { CHANNELS } from './runtime/node/index.js';
