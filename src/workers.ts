/**
 * kafka-wire for Cloudflare Workers (`import { Producer } from 'kafka-wire/workers'`): the same
 * public API as the package entry (src/api.ts), with the Workers runtime (src/runtime/workers/: sockets from
 * `cloudflare:sockets`) registered instead of Node's, so nothing from `node:` is loaded except
 * node:zlib for gzip (Workers' `nodejs_compat` flag provides it).
 *
 * Workers tie sockets to the request that opened them: create the Producer inside the request
 * handler and close it before the response is done (or in ctx.waitUntil), one per request.
 */
import { registerRuntime } from './runtime/runtime.js';
import { workersRuntime } from './runtime/workers/index.js';

registerRuntime(workersRuntime);

export * from './api.js';
export { workersRuntime, WorkersTransport } from './runtime/workers/index.js';
