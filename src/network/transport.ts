/**
 * The seam between kafka-wire and a runtime's sockets. Everything above this file deals in
 * bytes and callbacks; a Transport (Node's `net`, TLS, Bun, Deno, an in-memory fake in tests)
 * only has to open a byte stream to host:port.
 *
 * Contract for implementations:
 * - `connect` resolves once the stream is established (TCP handshake, and with `options.tls` the
 *   TLS handshake) and rejects with a retriable error (NetworkError) on failure, when
 *   `timeoutMs` (socket.connection.setup.timeout.ms) elapses first, or when `signal` aborts.
 *   A failed TLS handshake (untrusted or mismatched certificate, no shared protocol or cipher,
 *   a client certificate the broker wanted or refused, a plaintext listener) rejects with an
 *   AuthenticationError (SSL_AUTHENTICATION_FAILED, not retriable), as Java's
 *   SslAuthenticationException: the same handshake would fail the same way. A TLS alert that
 *   arrives after the handshake completed (TLS 1.3 servers judge the client certificate after
 *   the client finished) is reported the same way, through `onClose`.
 * - Chunks passed to the `onData` callback are handed over: the transport never reuses or
 *   mutates them afterwards, so the reader may keep views into them without copying.
 * - `onClose` fires exactly once, after the stream is closed for any reason (peer closed,
 *   error, local `close()`/`destroy()`), with the error if there was one. Registering it after
 *   the stream already closed fires it right away (asynchronously is fine).
 * - Each callback setter holds one callback; setting it again replaces the previous one.
 */
import type { TlsClientOptions } from './security/tls-client-options.js';

export interface Transport {
  /**
   * Opens a stream to `host:port`. The pool passes an IP address here when the transport can
   * `resolve`, with the broker's name in `options.hostname`; otherwise the name itself.
   */
  connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish>;
  /**
   * Optional: every address `host` resolves to, in the resolver's order (Java's
   * client.dns.lookup=use_all_dns_ips). With it the pool resolves once per connection attempt
   * and rotates through the addresses on successive attempts (Java's ClusterConnectionStates);
   * without it the pool connects by name and the runtime picks the address. Rejects with a
   * NetworkError when the name does not resolve; `signal` aborts a lookup not yet started.
   */
  resolve?(host: string, signal?: AbortSignal): Promise<readonly ResolvedAddress[]>;
}

/** One resolved address of a broker's host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** A host-name lookup, as a runtime offers it (Node: dns.lookup with { all: true }). */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface TransportConnectOptions {
  /** Give up (and reject) if the connection is not established within this many ms. */
  readonly timeoutMs: number;
  /** Aborting it gives up the attempt: the transport closes what it opened and rejects. */
  readonly signal?: AbortSignal;
  /**
   * The broker's host name when `host` is one of its resolved addresses: for error messages
   * (`name/ip:port`, as Java prints an InetSocketAddress) and, for TLS, SNI and certificate checks.
   */
  readonly hostname?: string;
  /**
   * Open a TLS connection with these options (from Runtime.loadTls): SNI and the host name check
   * use `hostname ?? host` (no SNI for an IP literal), and `connect` resolves only after the
   * handshake. Absent: plain TCP.
   */
  readonly tls?: TlsClientOptions;
}

/** An established, duplex byte stream. */
export interface Socketish {
  /**
   * Queue `chunk` for sending, as one write. The caller must not modify `chunk` afterwards.
   * Returns false when the runtime's send buffer is above its high-water mark: the bytes are
   * still queued, but the caller should hold further writes until `onDrain` fires.
   * `onFlushed`, if given, is called once the bytes were handed to the OS (or with an error
   * if they never will be, e.g. the stream was destroyed first).
   */
  write(chunk: Uint8Array, onFlushed?: (error?: Error | null) => void): boolean;
  /**
   * Optional gather write: queue `chunks` back to back as one write (one writev system call),
   * with `write`'s return value and callback semantics. Without it the connection copies the
   * chunks into one buffer and calls `write`.
   */
  writev?(chunks: readonly Uint8Array[], onFlushed?: (error?: Error | null) => void): boolean;
  /** Incoming bytes, in order, in arbitrary chunk sizes. */
  onData(cb: (chunk: Uint8Array) => void): void;
  /** The stream closed (once); `error` is set when it closed because of a failure. */
  onClose(cb: (error?: Error) => void): void;
  /** The send buffer drained below its high-water mark after `write` returned false. */
  onDrain(cb: () => void): void;
  /** Graceful close: flush what is queued, then close. Used only when nothing is queued or in flight. */
  close(): void;
  /**
   * Immediate close: drop what is queued. Synchronous as far as the caller's memory goes: once
   * it returns, the transport never reads any chunk passed to `write`/`writev` again (the
   * connection fails the requests right after, and their buffers may be reused).
   */
  destroy(): void;
  /**
   * Optional abortive close (TCP RST): as `destroy`, and also discard what the OS still holds in
   * its send buffer, so a failed request's bytes are not delivered after we reported it failed.
   */
  reset?(): void;
}
