/**
 * What the core needs from its host runtime, in one place: a socket transport, codec loading
 * options, a check that an optional codec package can be loaded (so a missing one is a
 * construction-time error), TLS material loading (ssl.* files and stores -> what the transport
 * needs), and diagnostics channels. The core (protocol, accumulator,
 * partitioner, sender, producer) imports nothing from `node:`; `src/runtime/node/` provides
 * Node's implementation and registers it when the package entry (src/index.ts) is imported.
 * Other runtimes (Bun runs the Node one; Deno, workers) can register their own.
 */
import type { CompressionName } from '../compression/codec.js';
import type { CodecOptions } from '../compression/index.js';
import type { SslSettings } from '../network/security/ssl-settings.js';
import type { TlsClientOptions } from '../network/security/tls-client-options.js';
import type { Transport } from '../network/transport.js';

/** Events published for tracing tools (Node: node:diagnostics_channel `kafka-wire:*`). */
export interface Diagnostics {
  /** Whether anyone listens to per-record send events (checked before building the event). */
  readonly sendActive: boolean;
  send(event: { clientId: string; topic: string; partition: number }): void;
  request(event: { clientId: string; nodeId: number; apiKey: number; apiVersion: number; bytes: number }): void;
  response(event: { clientId: string; nodeId: number; apiKey: number; apiVersion: number; latencyMs: number; error?: Error }): void;
  error(event: { clientId: string; topic: string; error: Error }): void;
}

export interface Runtime {
  readonly name: string;
  transport(): Transport;
  readonly codecOptions?: CodecOptions;
  /** Throws a ConfigError naming the npm package when `codec` needs one that is not installed. */
  checkCodecAvailable?(codec: CompressionName): void;
  readonly diagnostics?: Diagnostics;
  /**
   * Loads what `settings` point at (trust and key store files, inline PEM) and returns what this
   * runtime's transport needs to open TLS connections (passed back as TransportConnectOptions.tls).
   * Synchronous, so the Producer constructor throws every problem: a ConfigError naming the
   * property and the file (missing, unreadable, not PEM/PKCS12, a JKS file, wrong password, key
   * not matching its certificate), never quoting key material or passwords. A runtime without it
   * cannot do TLS (security.protocol=SSL or SASL_SSL is then a ConfigError).
   */
  loadTls?(settings: SslSettings): TlsClientOptions;
  /**
   * Runs `fn` on a macrotask soon, after pending I/O callbacks (the Sender's passes: appends made
   * in the same tick batch together). Node: setImmediate. Without it: setImmediate where the
   * runtime has one, else setTimeout(fn, 0) (Workers without Node compatibility). Tests can
   * inject one to step the Sender a pass at a time.
   */
  schedule?(fn: () => void): void;
  /**
   * Installs a native CRC32C for the batch checksum when this runtime has one (Node: the optional
   * package @node-rs/crc32), once per process; the TypeScript one stays the fallback. The Producer
   * calls it when it is built, unless `codecOptions.implementation` is 'pure'.
   */
  accelerateCrc32c?(): void;
}

/** The scheduler a runtime without `schedule` gets (see Runtime.schedule). */
export function defaultSchedule(fn: () => void): void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') g.setImmediate(fn);
  else setTimeout(fn, 0);
}

// Defined beside the Transport seam that consumes it (the network layer may not import the
// runtime); re-exported here with the loadTls that produces it.
export type { TlsClientOptions } from '../network/security/tls-client-options.js';

let registered: Runtime | null = null;

export function registerRuntime(runtime: Runtime): void {
  registered = runtime;
}

export function currentRuntime(): Runtime {
  if (registered === null) {
    throw new Error('kafka-wire: no runtime registered; import the package entry ("kafka-wire") or pass { runtime } to the Producer');
  }
  return registered;
}
