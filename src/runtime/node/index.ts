/**
 * Node's Runtime (also what Bun uses): node:net and node:tls sockets, TLS material loading
 * (ssl.* files and stores, ./tls.ts), node:diagnostics_channel events, and a synchronous check
 * that an optional native codec package resolves, so `compression.type=zstd` without
 * @mongodb-js/zstd fails in the Producer constructor rather than at the first batch, and the
 * optional native CRC32C (./crc32c.ts).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { NATIVE_PACKAGES, type CompressionName } from '../../compression/codec.js';
import { ConfigError } from '../../errors.js';
import { installNativeCrc32c } from './crc32c.js';
import { loadTls } from './tls.js';
import { NodeTransport, type NodeTransportOptions } from './transport.js';
import { registerRuntime, type Diagnostics, type Runtime } from '../runtime.js';

const require = createRequire(import.meta.url);

/** Channel names tracing tools subscribe to. */
export const CHANNELS = {
  send: 'kafka-wire:send',
  request: 'kafka-wire:request',
  response: 'kafka-wire:response',
  error: 'kafka-wire:error',
} as const;

const send = diagnosticsChannel.channel(CHANNELS.send);
const request = diagnosticsChannel.channel(CHANNELS.request);
const response = diagnosticsChannel.channel(CHANNELS.response);
const error = diagnosticsChannel.channel(CHANNELS.error);

const diagnostics: Diagnostics = {
  get sendActive() {
    return send.hasSubscribers;
  },
  send: (e) => send.publish(e),
  request: (e) => {
    if (request.hasSubscribers) request.publish(e);
  },
  response: (e) => {
    if (response.hasSubscribers) response.publish(e);
  },
  error: (e) => {
    if (error.hasSubscribers) error.publish(e);
  },
};

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Node's Runtime with transport options: `lookup` replaces dns.lookup (tests control name
 * resolution this way: `new Producer(config, { runtime: createNodeRuntime({ lookup }) })`),
 * `maxConcurrentLookups` bounds lookups on libuv's threadpool.
 */
export function createNodeRuntime(options: NodeTransportOptions = {}): Runtime {
  return { ...nodeRuntime, transport: () => new NodeTransport(options) };
}

export const nodeRuntime: Runtime = {
  name: typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? 'bun' : 'node',
  transport: () => new NodeTransport(),
  checkCodecAvailable(codec: CompressionName) {
    // snappy and lz4 fall back to built-in pure TypeScript codecs; zstd has no fallback.
    if (codec === 'zstd' && !resolvable(NATIVE_PACKAGES.zstd.name)) {
      throw new ConfigError('compression.type', `zstd needs the optional package ${NATIVE_PACKAGES.zstd.name}: npm install ${NATIVE_PACKAGES.zstd.install}`);
    }
  },
  diagnostics,
  loadTls,
  schedule: (fn) => void setImmediate(fn),
  accelerateCrc32c: () => void installNativeCrc32c(),
};

registerRuntime(nodeRuntime);
