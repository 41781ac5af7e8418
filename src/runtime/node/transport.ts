/**
 * The Node.js Transport (Bun runs it too): TCP through `node:net`, and TLS through `node:tls`
 * over that same TCP socket when the connect options carry `tls` (so keep-alive, no-delay, the
 * setup timeout, abort and reset behave the same either way). This is the only file in
 * kafka-wire that opens sockets; everything else talks to the {@link Transport} interface.
 * Handshake failures are classified by ./tls-errors.ts.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SystemClock } from '../../common/clock.js';
import { NetworkError, type KafkaWireError } from '../../errors.js';
import type { TlsClientOptions } from '../../network/security/tls-client-options.js';
import { formatEndpoint } from '../../network/address.js';
import { LookupLimiter } from '../../network/lookup.js';
import { describeError } from '../../network/describe-error.js';
import type { ResolvedAddress, Resolver, Socketish, Transport, TransportConnectOptions } from '../../network/transport.js';
import { secureContextOptions } from './tls.js';
import { classifyTlsError, type HandshakeContext } from './tls-errors.js';

export interface NodeTransportOptions {
  /** Initial delay before TCP keep-alive probes, ms (0 = the OS default). Keep-alive is always on. */
  readonly keepAliveInitialDelayMs?: number;
  /** Host-name lookup; default `dns.lookup(host, { all: true })` (getaddrinfo on libuv's threadpool). */
  readonly lookup?: Resolver;
  /**
   * Most lookups running at once (default 1), so slow DNS can't take more than that many of
   * libuv's 4 threadpool threads from the application's fs/crypto/zlib work; lookups of the same
   * name share one.
   */
  readonly maxConcurrentLookups?: number;
}

/** getaddrinfo through libuv, every address in the system resolver's order. */
const systemLookup: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

export class NodeTransport implements Transport {
  readonly #keepAliveInitialDelayMs: number;
  readonly #lookups: LookupLimiter;

  constructor(options: NodeTransportOptions = {}) {
    this.#keepAliveInitialDelayMs = options.keepAliveInitialDelayMs ?? 0;
    this.#lookups = new LookupLimiter(options.lookup ?? systemLookup, options.maxConcurrentLookups ?? 1);
  }

  resolve(host: string, signal?: AbortSignal): Promise<readonly ResolvedAddress[]> {
    return this.#lookups.lookup(host, signal);
  }

  connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish> {
    const endpoint = formatEndpoint(options.hostname ?? host, port, host);
    return new Promise<Socketish>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        reject(new NetworkError(`Connection to ${endpoint} aborted`, { broker: endpoint }));
        return;
      }
      const socket = net.connect({
        host,
        port,
        noDelay: true, // Kafka requests are whole frames written at once: never wait for Nagle
        keepAlive: true, // as Java's client (SO_KEEPALIVE)
        keepAliveInitialDelay: this.#keepAliveInitialDelayMs,
      });
      let settled = false;
      // The socket to tear down on failure: the TCP one, then the TLS one wrapping it.
      let current: net.Socket = socket;
      const fail = (error: KafkaWireError): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        current.destroy();
        if (current !== socket) socket.destroy();
        reject(error);
      };
      const established = (stream: Socketish): void => {
        if (settled) {
          stream.destroy();
          return;
        }
        settled = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(stream);
      };
      // socket.connection.setup.timeout.ms, through the Clock (which clamps delays above 2^31-1 ms);
      // with TLS it covers the handshake too, as Java's covers the connection until it is ready.
      const timer = SystemClock.setTimer(
        () => fail(new NetworkError(`Connection setup to ${endpoint} timed out after ${options.timeoutMs} ms`, { broker: endpoint })),
        options.timeoutMs,
      );
      const onAbort = (): void => fail(new NetworkError(`Connection to ${endpoint} aborted`, { broker: endpoint }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const onError = (error: Error): void =>
        fail(new NetworkError(`Connection to ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint }));
      socket.once('error', onError);
      socket.once('connect', () => {
        if (settled) return;
        socket.removeListener('error', onError);
        socket.setNoDelay(true);
        if (options.tls === undefined) {
          established(new NodeSocket(socket));
          return;
        }
        // Errors of the TCP socket surface on the TLS socket from here on; keep one listener so
        // none is ever unhandled.
        socket.on('error', () => {});
        current = startTls(socket, options.tls, options.hostname ?? host, endpoint, established, fail);
      });
    });
  }
}

/**
 * The TLS handshake over the connected TCP `socket`: SNI and the host name check use `hostname`
 * (no SNI for an IP literal, as RFC 6066 wants); the chain is always verified. Calls
 * `established` on 'secureConnect', `fail` with an AuthenticationError (or a NetworkError for an
 * ordinary network failure) otherwise.
 */
function startTls(
  socket: net.Socket,
  options: TlsClientOptions,
  hostname: string,
  endpoint: string,
  established: (stream: Socketish) => void,
  fail: (error: KafkaWireError) => void,
): tls.TLSSocket {
  const secure = tls.connect({
    socket,
    ...secureContextOptions(options),
    ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
    rejectUnauthorized: true,
    // Node's check with our name: the pool connects to a resolved address and passes the
    // broker's name apart, so Node's default (servername or host) would check the wrong one.
    checkServerIdentity: options.checkServerIdentity ? (_name, cert) => tls.checkServerIdentity(hostname, cert) : () => undefined,
  });
  const context = (afterHandshake: boolean): HandshakeContext => {
    let peer: unknown;
    try {
      peer = secure.getPeerCertificate();
    } catch {
      peer = undefined;
    }
    return {
      endpoint,
      hostname,
      sentClientCertificate: options.cert !== undefined,
      receivedServerCertificate: typeof peer === 'object' && peer !== null && Object.keys(peer).length > 0,
      customTrust: options.ca !== undefined,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      afterHandshake,
    };
  };
  const onError = (error: Error): void =>
    fail(
      classifyTlsError(error, context(false)) ??
        new NetworkError(`Connection to ${endpoint} failed during the TLS handshake: ${describeError(error)}`, { cause: error, broker: endpoint }),
    );
  secure.once('error', onError);
  secure.once('secureConnect', () => {
    secure.removeListener('error', onError);
    established(
      new NodeSocket(secure, {
        // A TLS 1.3 broker judges the client certificate after our Finished: its alert arrives
        // as the first thing read, and is reported as the handshake failure it is.
        mapError: (error) => classifyTlsError(error, context(true)) ?? error,
        reset: () => resetTls(secure, socket),
      }),
    );
  });
  return secure;
}

/**
 * An abortive close (RST) of a TLS connection. Bun's TLS socket resets itself (resetting the TCP
 * socket under it instead races with pending writes there and often ends in a FIN). Node's
 * refuses (ERR_INVALID_HANDLE_TYPE: its handle is the TLS layer, not TCP) before doing anything,
 * and the TCP socket under it resets, after which the TLS socket closes by itself; destroying
 * the TLS socket as well, in the same tick, crashes Node 20 (both close the one TCP handle), so
 * the caller never touches it again.
 */
function resetTls(secure: tls.TLSSocket, socket: net.Socket): void {
  if (typeof secure.resetAndDestroy === 'function') {
    try {
      secure.resetAndDestroy();
      return;
    } catch {
      // Node: not a TCP handle; reset the one underneath.
    }
  }
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else secure.destroy();
}

interface NodeSocketHooks {
  /** Turns a stream error into the one reported through onClose. */
  readonly mapError?: (error: Error) => Error;
  /** Replaces the abortive close (TLS: reset the TCP socket underneath). */
  readonly reset?: () => void;
}

/** Adapts a connected `net.Socket` to {@link Socketish}. */
class NodeSocket implements Socketish {
  readonly #socket: net.Socket;
  readonly #hooks: NodeSocketHooks;
  #error: Error | undefined;
  #closed = false;
  #onClose: ((error?: Error) => void) | undefined;
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #onDrain: (() => void) | undefined;
  /** reset() ran through the hook: the socket closes by itself and must not be closed again. */
  #resetByHook = false;

  constructor(socket: net.Socket, hooks: NodeSocketHooks = {}) {
    this.#socket = socket;
    this.#hooks = hooks;
    // Always listen for 'error' (an unhandled one would crash the process); report it on close.
    socket.on('error', (error) => {
      this.#error ??= hooks.mapError?.(error) ?? error;
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#onClose?.(this.#error);
    });
    socket.on('drain', () => this.#onDrain?.());
  }

  write(chunk: Uint8Array, onFlushed?: (error?: Error | null) => void): boolean {
    return this.#socket.write(chunk, onFlushed);
  }

  writev(chunks: readonly Uint8Array[], onFlushed?: (error?: Error | null) => void): boolean {
    // cork/uncork hands the corked writes to libuv together: one writev, no copy.
    this.#socket.cork();
    let accepted = true;
    const last = chunks.length - 1;
    for (let i = 0; i <= last; i++) accepted = this.#socket.write(chunks[i]!, i === last ? onFlushed : undefined);
    this.#socket.uncork();
    return accepted;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    // Node allocates a fresh Buffer for every read, so handing it over needs no copy.
    // The 'data' listener is attached on first use: until then the socket stays paused and
    // buffers, so nothing is lost between connect and the reader's arrival.
    const first = this.#onData === undefined;
    this.#onData = cb;
    // Chunks are re-viewed as plain Uint8Arrays (no copy) so the core never sees Buffer's
    // differing semantics (Buffer#slice is a view, Uint8Array#slice a copy).
    if (first) {
      this.#socket.on('data', (chunk: Buffer) => this.#onData?.(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    }
  }

  onClose(cb: (error?: Error) => void): void {
    this.#onClose = cb;
    if (this.#closed) queueMicrotask(() => cb(this.#error));
  }

  onDrain(cb: () => void): void {
    this.#onDrain = cb;
  }

  close(): void {
    if (this.#resetByHook) return;
    // end() then destroy once everything queued is written.
    this.#socket.destroySoon();
  }

  destroy(): void {
    if (this.#resetByHook) return;
    // Closes the handle synchronously (uv_close): libuv cancels the queued writes and never reads
    // their buffers again; Node's own write queue is dropped. (TLS: cleartext was encrypted into
    // the TLS layer's own buffers when written, so it is not read again either.)
    this.#socket.destroy();
  }

  reset(): void {
    if (this.#hooks.reset !== undefined) {
      if (this.#resetByHook) return;
      this.#resetByHook = true;
      this.#hooks.reset();
      return;
    }
    // SO_LINGER 0 + close: the kernel's send buffer is discarded too and the peer gets an RST.
    if (typeof this.#socket.resetAndDestroy === 'function' && !this.#socket.destroyed) this.#socket.resetAndDestroy();
    else this.#socket.destroy();
  }
}
