// A Transport on Deno's own sockets (Deno.connect, Deno.startTls), the candidate native adapter
// that test/runtimes/deno-bench.mjs measured against Deno's node:net compatibility (what the
// package's Node runtime uses under Deno). It did not measure better, so it is not part of the
// package: this fixture keeps the measurement repeatable. deno-produce.mjs passes it to the
// Producer as `{ runtime: { name: 'deno', transport: () => new DenoTransport() } }`.
//
// Semantics as src/network/transport.ts asks: reading starts with the first onData, chunks are
// handed over (a short read is copied out of the reused read buffer), writes queue and what
// queued meanwhile goes out in one Deno write, write() returns false above Node's 16 KiB
// high-water mark and onDrain follows, onClose fires once.
import { AuthenticationError, NetworkError } from '../../dist/index.js';

const describeError = (e) => (e instanceof Error ? e.message || e.name : String(e));

/** Reads land in a buffer this large; a short read is copied out so the buffer is reused. */
const READ_SIZE = 64 * 1024;
const COPY_BELOW = 8 * 1024;
/** write() returns false above this many queued bytes (Node's default writable high-water mark). */
const HIGH_WATER_MARK = 16 * 1024;

export class DenoTransport {
  connect(host, port, options) {
    const endpoint = `${options.hostname ?? host}:${port}`;
    const hostname = options.hostname ?? host;
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      let settled = false;
      let opened;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        try {
          opened?.close();
        } catch {
          // already closed
        }
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new NetworkError(`Connection setup to ${endpoint} timed out after ${options.timeoutMs} ms`, { broker: endpoint })),
        options.timeoutMs,
      );
      const onAbort = () => fail(new NetworkError(`Connection to ${endpoint} aborted`, { broker: endpoint }));
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const open = async () => {
        const tcp = await Deno.connect({ hostname: host, port, transport: 'tcp' });
        opened = tcp;
        tcp.setNoDelay?.(true); // whole frames are written at once: never wait for Nagle
        tcp.setKeepAlive?.(true); // as Java's client (SO_KEEPALIVE)
        if (options.tls === undefined) return tcp;
        const secure = await startTls(tcp, options.tls, hostname, endpoint);
        opened = secure;
        return secure;
      };
      open().then(
        (conn) => {
          if (settled) {
            conn.close();
            return;
          }
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(new DenoSocket(conn));
        },
        (error) =>
          fail(
            error instanceof AuthenticationError
              ? error
              : new NetworkError(`Connection to ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint }),
          ),
      );
    });
  }
}

/**
 * TLS over the connected TCP connection, checked against `hostname`. Deno's TLS (rustls) always
 * checks the host name and takes only trusted CAs here: settings it cannot honour are refused
 * rather than silently weakened or ignored.
 */
async function startTls(tcp, tls, hostname, endpoint) {
  if (tls.cert !== undefined || !tls.checkServerIdentity || tls.ciphers !== undefined || tls.ciphersuites !== undefined) {
    throw new AuthenticationError(
      'SSL_AUTHENTICATION_FAILED',
      `TLS to ${endpoint}: Deno.startTls cannot present a client certificate, skip the host name check or restrict ciphers; use the Node runtime under Deno for these settings`,
      { broker: endpoint },
    );
  }
  const conn = await Deno.startTls(tcp, { hostname, ...(tls.ca !== undefined ? { caCerts: [...tls.ca] } : {}) });
  try {
    await conn.handshake?.();
  } catch (error) {
    throw new AuthenticationError('SSL_AUTHENTICATION_FAILED', `TLS handshake with ${endpoint} failed: ${describeError(error)}`, { cause: error, broker: endpoint });
  }
  return conn;
}


/** Adapts a Deno connection to {@link Socketish}: one read loop, one write loop. */
class DenoSocket {
  #conn;
  #queue = [];
  #queuedBytes = 0;
  /** The chunks of the write in progress (their callbacks fire when it completes or fails). */
  #inFlight;
  #writing = false;
  #closing = false;
  #closed = false;
  #error;
  #onData;
  #onClose;
  #onDrain;
  #needDrain = false;

  constructor(conn) {
    this.#conn = conn;
  }

  write(chunk, onFlushed) {
    if (this.#closed || this.#closing) {
      if (onFlushed) queueMicrotask(() => onFlushed(new Error('socket closed')));
      return false;
    }
    this.#queue.push({ chunk, onFlushed });
    this.#queuedBytes += chunk.byteLength;
    if (!this.#writing) void this.#writeLoop();
    if (this.#queuedBytes > HIGH_WATER_MARK) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  async #writeLoop() {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        // Each Deno write is one trip into the runtime: what queued meanwhile goes in one write.
        const batch = this.#queue.splice(0, this.#queue.length);
        let bytes = 0;
        for (const p of batch) bytes += p.chunk.byteLength;
        let data;
        if (batch.length === 1) data = batch[0].chunk;
        else {
          data = new Uint8Array(bytes);
          let at = 0;
          for (const p of batch) {
            data.set(p.chunk, at);
            at += p.chunk.byteLength;
          }
        }
        this.#inFlight = batch;
        let off = 0;
        while (off < data.byteLength) off += await this.#conn.write(off === 0 ? data : data.subarray(off));
        this.#inFlight = undefined;
        this.#queuedBytes -= bytes;
        for (const p of batch) p.onFlushed?.(null);
        if (this.#needDrain && this.#queuedBytes <= HIGH_WATER_MARK) {
          this.#needDrain = false;
          this.#onDrain?.();
        }
      }
    } catch (error) {
      this.#finish(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      this.#writing = false;
    }
    if (this.#closing) this.#finish(undefined);
  }

  async #readLoop() {
    let buf = new Uint8Array(READ_SIZE);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        if (n < COPY_BELOW) this.#onData?.(buf.slice(0, n));
        else {
          // Handed over: the reader may keep views into it, so it is never written again.
          this.#onData?.(buf.subarray(0, n));
          buf = new Uint8Array(READ_SIZE);
        }
      }
      this.#finish(undefined);
    } catch (error) {
      this.#finish(this.#closed ? undefined : error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Closes the connection once; fails what is queued; fires onClose. */
  #finish(error) {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    const dropped = [...(this.#inFlight ?? []), ...this.#queue.splice(0)];
    this.#inFlight = undefined;
    this.#queuedBytes = 0;
    for (const p of dropped) p.onFlushed?.(error ?? new Error('socket closed'));
    this.#onClose?.(error);
  }

  onData(cb) {
    const first = this.#onData === undefined;
    this.#onData = cb;
    // Reading starts with the first reader: nothing is lost between connect and its arrival.
    if (first) void this.#readLoop();
  }

  onClose(cb) {
    this.#onClose = cb;
    if (this.#closed) queueMicrotask(() => cb(this.#error));
  }

  onDrain(cb) {
    this.#onDrain = cb;
  }

  close() {
    if (this.#closed) return;
    this.#closing = true;
    if (!this.#writing) this.#finish(undefined);
  }

  destroy() {
    // Closing the resource cancels a write in progress; its chunk is not read again by us.
    this.#finish(undefined);
  }
}
