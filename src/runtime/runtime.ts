/**
 * What the core needs from its host runtime, in one place: a socket transport, codec loading
 * options, a check that an optional codec package can be loaded (so a missing one is a
 * construction-time error), and diagnostics channels. The core (protocol, accumulator,
 * partitioner, sender, producer) imports nothing from `node:`; `src/runtime/node/` provides
 * Node's implementation and registers it when the package entry (src/index.ts) is imported.
 * Other runtimes (Bun runs the Node one; Deno, workers) can register their own.
 */
import type { CompressionName } from '../compression/codec.js';
import type { CodecOptions } from '../compression/index.js';
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
   * Runs `fn` on a macrotask soon, after pending I/O callbacks (the Sender's passes: appends made
   * in the same tick batch together). Node: setImmediate. Without it: setImmediate where the
   * runtime has one, else setTimeout(fn, 0) (Workers without Node compatibility). Tests can
   * inject one to step the Sender a pass at a time.
   */
  schedule?(fn: () => void): void;
}

/** The scheduler a runtime without `schedule` gets (see Runtime.schedule). */
export function defaultSchedule(fn: () => void): void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') g.setImmediate(fn);
  else setTimeout(fn, 0);
}

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
