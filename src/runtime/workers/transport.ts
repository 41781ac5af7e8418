/**
 * The Cloudflare Workers Transport: TCP (and TLS, `secureTransport: 'on'`) through
 * `cloudflare:sockets` connect(), the runtime's only socket API (Workers have no `node:net`).
 * Owns one connection's read loop over Socket.readable and its writes into Socket.writable.
 *
 * What Workers sockets cannot do, and so this transport does not: resolve host names itself
 * (connect() takes the name; the runtime picks the address), set TCP keep-alive or no-delay,
 * reset a connection (close() is the only way down), or open TLS with anything but the
 * runtime's trusted CAs (see ./tls.ts).
 */
import { connect, type Socket } from 'cloudflare:sockets';
import { SystemClock } from '../../common/clock.js';
import { AuthenticationError, NetworkError } from '../../errors.js';
import { formatEndpoint } from '../../network/address.js';
import { describeError } from '../../network/describe-error.js';
import type { Socketish, Transport, TransportConnectOptions } from '../../network/transport.js';

/** write() returns false above this many queued bytes (Node's default writable high-water mark). */
const HIGH_WATER_MARK = 16 * 1024;

export class WorkersTransport implements Transport {
  connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish> {
    const hostname = options.hostname ?? host;
    const endpoint = formatEndpoint(hostname, port, host);
    return new Promise<Socketish>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        reject(new NetworkError(`Connection to ${endpoint} aborted`, { broker: endpoint }));
        return;
      }
      let socket: Socket;
      try {
        socket = connect({ hostname: host, port }, { secureTransport: options.tls === undefined ? 'off' : 'on', allowHalfOpen: false });
      } catch (error) {
        // connect() throws synchronously for addresses the runtime refuses outright.
        reject(new NetworkError(`Connection to ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint }));
        return;
      }
      let settled = false;
      const fail = (error: NetworkError | AuthenticationError): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        socket.close().catch(() => {});
        reject(error);
      };
      // socket.connection.setup.timeout.ms; with TLS it covers the handshake too, as Java's does.
      const timer = SystemClock.setTimer(
        () => fail(new NetworkError(`Connection setup to ${endpoint} timed out after ${options.timeoutMs} ms`, { broker: endpoint })),
        options.timeoutMs,
      );
      const onAbort = (): void => fail(new NetworkError(`Connection to ${endpoint} aborted`, { broker: endpoint }));
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.opened.then(
        () => {
          if (settled) return;
          settled = true;
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
          resolve(new WorkersSocket(socket));
        },
        (error: unknown) =>
          fail(
            options.tls !== undefined && isTlsFailure(error)
              ? // Not retried, as Java's SslAuthenticationException: the same handshake fails the same way.
                new AuthenticationError('SSL_AUTHENTICATION_FAILED', `TLS handshake with ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint })
              : new NetworkError(`Connection to ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint }),
          ),
      );
    });
  }
}

/** workerd reports a failed handshake as an error whose message names TLS or the certificate. */
function isTlsFailure(error: unknown): boolean {
  return /tls|ssl|certificate|handshake/i.test(describeError(error));
}

/** Adapts a connected Workers Socket to {@link Socketish}. */
class WorkersSocket implements Socketish {
  readonly #socket: Socket;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #queuedBytes = 0;
  #needDrain = false;
  #closed = false;
  #error: Error | undefined;
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  #onDrain: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#writer = socket.writable.getWriter();
    socket.closed.then(
      () => this.#finish(undefined),
      (error: unknown) => this.#finish(error instanceof Error ? error : new Error(describeError(error))),
    );
  }

  write(chunk: Uint8Array, onFlushed?: (error?: Error | null) => void): boolean {
    if (this.#closed) {
      if (onFlushed) queueMicrotask(() => onFlushed(new Error('socket closed')));
      return false;
    }
    const bytes = chunk.byteLength;
    this.#queuedBytes += bytes;
    // The stream queues writes in order; each promise settles once its chunk went to the runtime.
    this.#writer.write(chunk).then(
      () => {
        this.#queuedBytes -= bytes;
        onFlushed?.(null);
        if (this.#needDrain && this.#queuedBytes <= HIGH_WATER_MARK) {
          this.#needDrain = false;
          this.#onDrain?.();
        }
      },
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(describeError(error));
        onFlushed?.(e);
        this.#finish(e);
      },
    );
    if (this.#queuedBytes > HIGH_WATER_MARK) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  async #readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Each read yields a chunk of its own, never reused by the stream: handed over as is.
        if (value !== undefined && value.byteLength > 0) this.#onData?.(value);
      }
      this.#finish(undefined);
    } catch (error) {
      this.#finish(this.#closed ? undefined : error instanceof Error ? error : new Error(describeError(error)));
    }
  }

  /** Marks the stream closed once, closes the socket and fires onClose. */
  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#socket.close().catch(() => {});
    this.#onClose?.(error);
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.#onData = cb;
    // Reading starts with the first reader: the stream buffers until then, nothing is lost.
    if (this.#reader === undefined) {
      this.#reader = this.#socket.readable.getReader();
      void this.#readLoop(this.#reader);
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
    if (this.#closed) return;
    // Flush what the writer holds, then close both directions.
    this.#writer.close().then(
      () => this.#finish(undefined),
      () => this.#finish(undefined),
    );
  }

  destroy(): void {
    // Abort drops what the writable stream still queues; the runtime closes the socket.
    if (!this.#closed) this.#writer.abort().catch(() => {});
    this.#finish(undefined);
  }
}
