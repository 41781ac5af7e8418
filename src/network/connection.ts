/**
 * BrokerConnection: one open connection to one broker, dealing in whole request/response frames.
 *
 * Owns: the socket, the correlation-id counter, the in-flight requests (in send order), the
 * frame decoder, and one timer (request.timeout.ms deadlines and connections.max.idle.ms).
 * Does not own: when to send (the Sender checks canSend()), connecting and reconnect backoff
 * (ConnectionPool), or what the bytes mean (the protocol codecs).
 *
 * Requests: the caller encodes the whole frame into one buffer with 4 bytes reserved in front
 * (see {@link RequestFrame}); the connection fills in the size and correlation id in place and
 * hands the buffer to the socket in ONE write, so no copy and no second syscall.
 *
 * Responses: Kafka answers in request order on a connection, so the first response must carry
 * the correlation id of the oldest request awaiting one; anything else means the stream is
 * corrupt, and the connection is dropped.
 *
 * Failures: every failure of the connection (peer closed, socket error, corrupt stream, a
 * request timing out) closes it and fails every in-flight request with a retriable error, as
 * Kafka's Java client does; the owner retries on a new connection.
 *
 * Buffer lifetime (the rule the Sender's buffer reuse relies on, KAFKA-19012): a request's
 * promise settles only once no socket can read the request's bytes any more. It resolves after
 * its write completed (the write callback) AND its response arrived (a response that arrives
 * first waits for the write callback); it rejects only after the socket was destroyed, so
 * whatever was still queued is dropped, never sent later. Whoever owns `buffer`/`chunks` may
 * reuse them as soon as the promise settles, whichever way. Closing therefore destroys the
 * socket (TCP RST where the transport can) whenever anything is in flight or not yet written;
 * only an idle connection with nothing queued is closed gracefully (FIN after the queue).
 *
 * Tracing: an optional `tap` sees each request and response frame as it is written or read
 * (FrameTapEvent), so a trace needs no change in whoever sends; without one, the cost is one
 * `if` per frame.
 */
import { AuthenticationError, KafkaWireError, NetworkError, ProtocolError, RequestTimeoutError } from '../errors.js';
import { formatEndpoint } from './address.js';
import { SystemClock, type Clock, type TimerHandle } from '../common/clock.js';
import type { FrameTap, FrameTapEvent } from '../common/frame-tap.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  FrameDecoder,
  MIN_REQUEST_FRAME_BYTES,
  REQUEST_API_KEY_OFFSET,
  REQUEST_API_VERSION_OFFSET,
  REQUEST_CORRELATION_ID_OFFSET,
  SIZE_PREFIX_BYTES,
  readInt16BE,
  readInt32BE,
  writeInt32BE,
} from './framing.js';
import { describeError } from './describe-error.js';
import type { Socketish, Transport } from './transport.js';

/**
 * An encoded request, ready to go on the wire.
 *
 * `buffer` holds the whole frame:
 *   [0, 4)   size placeholder: the connection writes buffer.length - 4 here
 *   [4, 6)   request_api_key
 *   [6, 8)   request_api_version
 *   [8, 12)  correlation_id placeholder: the connection writes its own id here
 *   [12, ..) the rest of the request header, then the body
 *
 * The connection patches the two placeholders in place and passes `buffer` to one socket write;
 * the buffer belongs to the connection from then on (don't reuse or modify it).
 */
export interface RequestFrame {
  readonly buffer: Uint8Array;
  /**
   * More bytes of the same request, sent right after `buffer` in the same write (the Produce
   * encoder passes the record batches this way instead of copying them into `buffer`). The size
   * prefix counts them.
   */
  readonly chunks?: readonly Uint8Array[];
}

export interface RequestOptions {
  /**
   * false for requests the broker never answers (Produce with acks=0): the promise resolves, with
   * an empty array, once the bytes were flushed to the OS, and no response is awaited.
   * Default true.
   */
  readonly expectResponse?: boolean;
  /** Overrides the connection's requestTimeoutMs for this request. */
  readonly timeoutMs?: number;
  /**
   * A SASL request of a (re-)authentication (SaslHandshake, SaslAuthenticate): sent even while
   * sends are paused, and not held to maxInFlight (Java's authenticator writes these outside
   * NetworkClient's in-flight accounting, so a re-authentication never waits for a free slot).
   */
  readonly authentication?: boolean;
}

export type { FrameTap, FrameTapEvent } from '../common/frame-tap.js';

export interface BrokerConnectionOptions {
  /** Broker node id (negative for bootstrap addresses); used in error messages. */
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** The resolved IP address the socket connected to, when `host` is a name (error messages: `name/ip:port`). */
  readonly address?: string;
  /** max.in.flight.requests.per.connection. Default 5. */
  readonly maxInFlight?: number;
  /** request.timeout.ms: how long a request may wait for its response. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** connections.max.idle.ms: close after this long with nothing in flight; < 0 = never. Default 540000. */
  readonly connectionsMaxIdleMs?: number;
  /** Largest response frame accepted; bigger sizes are a ProtocolError. Default 100 MiB. */
  readonly maxResponseBytes?: number;
  readonly clock?: Clock;
  /**
   * Called once when the connection closes, after every in-flight request was failed. `reason`
   * is undefined for a close by the owner or an idle close, else what broke the connection
   * (NetworkError, RequestTimeoutError, ProtocolError).
   */
  readonly onClose?: (reason: KafkaWireError | undefined) => void;
  /** Called when canSend() may have turned true again: a response or flush freed a slot, or the socket drained. */
  readonly onWritable?: () => void;
  /** Sees every request and response frame (tracing). Absent: nothing is done per frame. */
  readonly tap?: FrameTap;
}

/** What `request(..., { expectResponse: false })` resolves with. */
const NO_RESPONSE = new Uint8Array(0);

/** One request in flight: awaiting its response, or (acks=0) waiting for its bytes to flush. */
interface InFlightRequest {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly timeoutMs: number;
  readonly deadline: number;
  readonly expectResponse: boolean;
  /** The write callback fired: the socket no longer reads this request's bytes. */
  written: boolean;
  /** The response, when it arrived before the write callback (held until then). */
  response: Uint8Array | undefined;
  readonly resolve: (response: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

export class BrokerConnection {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** The IP address connected to, when known (`host` may be a name). */
  readonly address: string | undefined;
  /** `node 1 (host:port)`, or `node 1 (name/ip:port)` for a resolved name, as used in error messages. */
  readonly broker: string;
  readonly maxInFlight: number;

  readonly #socket: Socketish;
  readonly #clock: Clock;
  readonly #decoder: FrameDecoder;
  readonly #requestTimeoutMs: number;
  readonly #idleMs: number;
  readonly #onClose: ((reason: KafkaWireError | undefined) => void) | undefined;
  readonly #onWritable: (() => void) | undefined;
  readonly #tap: FrameTap | undefined;

  /** Requests awaiting a response, oldest first (= the order responses arrive in). */
  #awaiting: InFlightRequest[] = [];
  /** Requests whose write callback has not fired yet, in write order (= callback order). */
  #unwritten: InFlightRequest[] = [];
  /** Requests sent and not settled: awaiting a response, or their write callback, or both. */
  #pending = 0;
  #nextCorrelationId = 0;
  #closed = false;
  /** The socket's buffer is above its high-water mark: hold sends until it drains. */
  #needDrain = false;
  /** A re-authentication is running (KIP-368): no new request but its own until resumeSends(). */
  #paused = false;
  /** Called once when the connection closes (e.g. to cancel a re-authentication timer). */
  #closeListeners: Array<() => void> = [];
  #lastActivityMs: number;
  /** The single timer, armed for #timerAt: the earliest request deadline, or the idle deadline. */
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  /** Opens a socket through `transport` and wraps it. Rejects with a NetworkError on failure. */
  static async connect(
    transport: Transport,
    options: BrokerConnectionOptions & { readonly connectTimeoutMs?: number },
  ): Promise<BrokerConnection> {
    const socket = await transport.connect(options.host, options.port, { timeoutMs: options.connectTimeoutMs ?? 10_000 });
    return new BrokerConnection(socket, options);
  }

  /** Wraps an already connected socket. */
  constructor(socket: Socketish, options: BrokerConnectionOptions) {
    this.nodeId = options.nodeId;
    this.host = options.host;
    this.port = options.port;
    this.address = options.address;
    this.broker = `node ${options.nodeId} (${formatEndpoint(options.host, options.port, options.address)})`;
    this.maxInFlight = options.maxInFlight ?? 5;
    if (!(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1)) {
      throw new RangeError(`maxInFlight must be an integer >= 1, got ${this.maxInFlight}`);
    }
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const idle = options.connectionsMaxIdleMs ?? 540_000;
    this.#idleMs = idle < 0 ? Infinity : idle;
    this.#clock = options.clock ?? SystemClock;
    this.#onClose = options.onClose;
    this.#onWritable = options.onWritable;
    this.#tap = options.tap;
    this.#socket = socket;
    this.#decoder = new FrameDecoder(this.#onFrame, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    this.#lastActivityMs = this.#clock.now();

    socket.onData(this.#onData);
    socket.onDrain(this.#onDrain);
    socket.onClose(this.#onSocketClose);
    if (this.#idleMs !== Infinity) this.#armTimer(this.#lastActivityMs + this.#idleMs, this.#lastActivityMs);
  }

  /** Requests sent and not yet completed: awaiting a response, or (acks=0) not yet flushed. */
  get inFlightCount(): number {
    return this.#pending;
  }

  /** Requests whose bytes the socket has not finished writing (their buffers are still read). */
  get unwrittenCount(): number {
    return this.#unwritten.length;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Clock time of the last request written or response/flush completed. */
  get lastActivityMs(): number {
    return this.#lastActivityMs;
  }

  /**
   * True when a request may be sent now: open, fewer than maxInFlight in flight, and the socket
   * not backed up (like Java's, a connection takes no new request while the last one is still
   * stuck in the send buffer).
   */
  canSend(): boolean {
    return !this.#closed && !this.#needDrain && !this.#paused && this.#pending < this.maxInFlight;
  }

  /**
   * Holds new requests (canSend() turns false) while a re-authentication runs on this
   * connection; requests already in flight complete normally, their responses arrive in order
   * before the authentication's own.
   */
  pauseSends(): void {
    this.#paused = true;
  }

  /** Ends pauseSends(): the owner is told (onWritable) that it may send again. */
  resumeSends(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#notifyWritable();
  }

  /** Runs `listener` once when the connection closes (at once if it already has). */
  onClosed(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  /**
   * Sends one request. Resolves with the response frame body: the bytes after the size prefix,
   * starting with the (already verified) int32 correlation id, i.e. response header + body. The
   * array may be a view into a larger receive buffer; it is not reused by the connection.
   *
   * Throws (synchronously, a KafkaWireError with code ILLEGAL_STATE) when maxInFlight requests
   * are already in flight: the owner is expected to check canSend() first, nothing is queued
   * here. Sending while the socket is backed up (canSend() false only for that reason) is
   * allowed; the bytes queue in the socket.
   *
   * Rejects with NetworkError when the connection is or becomes closed, RequestTimeoutError when
   * no response came within the timeout (the connection is then closed too).
   */
  request(frame: RequestFrame, options?: RequestOptions): Promise<Uint8Array> {
    const buffer = frame.buffer;
    if (buffer.length < MIN_REQUEST_FRAME_BYTES) {
      throw new KafkaWireError('ILLEGAL_ARGUMENT', `A request frame needs at least ${MIN_REQUEST_FRAME_BYTES} bytes, got ${buffer.length}`);
    }
    if (this.#closed) {
      return Promise.reject(new NetworkError(`Connection to ${this.broker} is closed`, { broker: this.broker }));
    }
    if (this.#pending >= this.maxInFlight && options?.authentication !== true) {
      throw new KafkaWireError(
        'ILLEGAL_STATE',
        `${this.broker} already has ${this.maxInFlight} requests in flight (max.in.flight.requests.per.connection); check canSend() before request()`,
      );
    }
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff;
    const chunks = frame.chunks;
    let size = buffer.length - SIZE_PREFIX_BYTES;
    if (chunks !== undefined) for (let i = 0; i < chunks.length; i++) size += chunks[i]!.length;
    writeInt32BE(buffer, 0, size);
    writeInt32BE(buffer, REQUEST_CORRELATION_ID_OFFSET, correlationId);

    const now = this.#clock.now();
    const timeoutMs = options?.timeoutMs ?? this.#requestTimeoutMs;
    const expectResponse = options?.expectResponse ?? true;
    if (this.#tap !== undefined) this.#tapFrame('request', buffer, chunks, correlationId, readInt16BE(buffer, REQUEST_API_KEY_OFFSET), readInt16BE(buffer, REQUEST_API_VERSION_OFFSET), expectResponse, now, now);
    return new Promise<Uint8Array>((resolve, reject) => {
      const request: InFlightRequest = {
        correlationId,
        apiKey: readInt16BE(buffer, REQUEST_API_KEY_OFFSET),
        apiVersion: readInt16BE(buffer, REQUEST_API_VERSION_OFFSET),
        timeoutMs,
        deadline: now + timeoutMs,
        expectResponse,
        written: false,
        response: undefined,
        resolve,
        reject,
      };
      this.#lastActivityMs = now;
      let accepted: boolean;
      try {
        if (expectResponse) this.#awaiting.push(request);
        this.#unwritten.push(request);
        this.#pending++;
        const onWritten = this.#onWritten;
        accepted = chunks === undefined || chunks.length === 0 ? this.#socket.write(buffer, onWritten) : this.#writeGathered(buffer, chunks, onWritten);
      } catch (error) {
        // A transport that throws instead of reporting through onClose: same outcome.
        const message = error instanceof Error ? error.message : String(error);
        this.destroy(new NetworkError(`Failed to write to ${this.broker}: ${message}`, { broker: this.broker, cause: error }));
        return;
      }
      if (this.#closed) return; // the write itself closed the connection (and failed the request)
      if (!accepted) this.#needDrain = true;
      if (request.deadline < this.#timerAt) this.#armTimer(request.deadline, now);
    });
  }

  /** One write of `head` followed by `chunks`: a gather write when the transport has one. */
  #writeGathered(head: Uint8Array, chunks: readonly Uint8Array[], onFlushed?: (error?: Error | null) => void): boolean {
    if (this.#socket.writev !== undefined) return this.#socket.writev([head, ...chunks], onFlushed);
    let total = head.length;
    for (const c of chunks) total += c.length;
    const joined = new Uint8Array(total);
    joined.set(head, 0);
    let at = head.length;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    return this.#socket.write(joined, onFlushed);
  }

  /**
   * Closes the connection now. Requests still in flight fail with a retriable NetworkError, and
   * then the socket is destroyed (what is queued is dropped, see "Buffer lifetime" above); an idle
   * connection with nothing queued closes gracefully. Idempotent.
   */
  close(): void {
    const failWith = new NetworkError(`Connection to ${this.broker} was closed by the client`, { broker: this.broker });
    this.#shutdown(undefined, failWith, true);
  }

  /** Closes the connection now, as after a fatal error: queued bytes are dropped. Idempotent. */
  destroy(reason?: KafkaWireError): void {
    const failWith = new NetworkError(
      reason === undefined ? `Connection to ${this.broker} was destroyed` : `Disconnected from ${this.broker}: ${reason.message}`,
      { broker: this.broker, cause: reason },
    );
    this.#shutdown(reason, failWith, false);
  }

  // ---- incoming ------------------------------------------------------------------------------

  readonly #onData = (chunk: Uint8Array): void => {
    if (this.#closed) return;
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        // The decoder saw a TLS record where a Kafka frame belongs: name the broker.
        this.destroy(new AuthenticationError(error.code, `${this.broker}: ${error.message}`, { broker: this.broker }));
      } else if (error instanceof KafkaWireError) this.destroy(error);
      else this.destroy(new ProtocolError(`Failed to read a response from ${this.broker}`, { cause: error }));
    }
  };

  readonly #onFrame = (frame: Uint8Array): void => {
    if (this.#closed) return;
    const correlationId = readInt32BE(frame, 0);
    const request = this.#awaiting[0];
    if (request === undefined) {
      this.destroy(new ProtocolError(`${this.broker} sent a response (correlation id ${correlationId}) but no request is awaiting one`));
      return;
    }
    if (request.correlationId !== correlationId) {
      this.destroy(
        new ProtocolError(
          `Correlation id mismatch from ${this.broker}: expected ${request.correlationId} ` +
            `(apiKey ${request.apiKey} v${request.apiVersion}), got ${correlationId}`,
        ),
      );
      return;
    }
    this.#awaiting.shift();
    this.#lastActivityMs = this.#clock.now();
    if (this.#tap !== undefined) {
      this.#tapFrame('response', frame, undefined, correlationId, request.apiKey, request.apiVersion, true, this.#lastActivityMs, request.deadline - request.timeoutMs);
    }
    if (!request.written) {
      // Answered before its write callback (a peer that answers early): the socket may still be
      // reading the request's bytes, so the caller must not get its buffers back yet.
      request.response = frame;
      return;
    }
    this.#settle(request, frame);
  };

  /** The write callback shared by every request: Node calls write callbacks in write order. */
  readonly #onWritten = (error?: Error | null): void => {
    if (this.#closed) return; // already failed by the shutdown
    if (error) {
      // Fails this request and every other one, after dropping the socket.
      this.destroy(new NetworkError(`Failed to write to ${this.broker}: ${describeError(error)}`, { broker: this.broker, cause: error }));
      return;
    }
    const request = this.#unwritten.shift();
    if (request === undefined) return;
    request.written = true;
    if (!request.expectResponse) {
      this.#lastActivityMs = this.#clock.now();
      this.#settle(request, NO_RESPONSE);
    } else if (request.response !== undefined) {
      const response = request.response;
      request.response = undefined;
      this.#settle(request, response);
    }
  };

  #tapFrame(
    direction: 'request' | 'response',
    frame: Uint8Array,
    chunks: readonly Uint8Array[] | undefined,
    correlationId: number,
    apiKey: number,
    apiVersion: number,
    expectResponse: boolean,
    atMs: number,
    requestAtMs: number,
  ): void {
    try {
      this.#tap!({ direction, nodeId: this.nodeId, broker: this.broker, apiKey, apiVersion, correlationId, frame, chunks, expectResponse, atMs, requestAtMs });
    } catch {
      // A tracing bug must never break the connection.
    }
  }

  #settle(request: InFlightRequest, response: Uint8Array): void {
    const wasFull = this.#pending >= this.maxInFlight || this.#paused;
    this.#pending--;
    request.resolve(response);
    if (wasFull) this.#notifyWritable();
  }

  readonly #onDrain = (): void => {
    if (this.#closed || !this.#needDrain) return;
    this.#needDrain = false;
    this.#notifyWritable();
  };

  readonly #onSocketClose = (error?: Error): void => {
    if (this.#closed) return;
    if (error instanceof AuthenticationError) {
      // The transport recognised a TLS alert after the handshake (TLS 1.3 reports a missing
      // client certificate only then): not a network blip, so not retried.
      const reason = error.broker === undefined ? new AuthenticationError(error.code, `${this.broker}: ${error.message}`, { broker: this.broker, cause: error }) : error;
      this.#shutdown(reason, new NetworkError(`Disconnected from ${this.broker}: ${reason.message}`, { broker: this.broker, cause: reason }), false);
      return;
    }
    const inFlight = this.inFlightCount;
    const detail = error ? `: ${describeError(error)}` : '';
    const failWith = new NetworkError(
      `Disconnected from ${this.broker}${detail}${inFlight > 0 ? ` (${inFlight} request(s) in flight)` : ''}`,
      { broker: this.broker, cause: error },
    );
    this.#shutdown(failWith, failWith, false);
  };

  #notifyWritable(): void {
    if (this.#onWritable !== undefined && this.canSend()) this.#onWritable();
  }

  // ---- timer: request deadlines and idle expiry ------------------------------------------------

  #armTimer(at: number, now: number): void {
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(this.#onTimer, at - now); // the Clock clamps and chains long delays
  }

  /**
   * The timer is armed for the earliest deadline known when it was armed; responses don't disarm
   * it (no timer churn on the hot path). When it fires it looks at what is in flight now: fails an
   * expired request, closes an idle connection, or re-arms for the next deadline.
   */
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    const now = this.#clock.now();
    let next = Infinity;
    for (const list of [this.#awaiting, this.#unwritten]) {
      for (const request of list) {
        if (request.deadline <= now) {
          this.#timeOut(request);
          return;
        }
        if (request.deadline < next) next = request.deadline;
      }
    }
    if (this.#idleMs !== Infinity) {
      if (this.inFlightCount === 0) {
        const idleAt = this.#lastActivityMs + this.#idleMs;
        if (idleAt <= now) {
          this.#shutdown(undefined, new NetworkError(`Connection to ${this.broker} closed after being idle`, { broker: this.broker }), true);
          return;
        }
        next = Math.min(next, idleAt);
      } else {
        // Busy now, so it can't turn idle before now + idleMs: look again then at the latest
        // (matters only when request deadlines lie beyond the idle limit).
        next = Math.min(next, now + this.#idleMs);
      }
    }
    if (next !== Infinity) this.#armTimer(next, now);
  };

  #timeOut(request: InFlightRequest): void {
    const error = new RequestTimeoutError(
      `Request apiKey ${request.apiKey} v${request.apiVersion} (correlation id ${request.correlationId}) ` +
        `to ${this.broker} timed out after ${request.timeoutMs} ms (request.timeout.ms); closing the connection`,
      { broker: this.broker },
    );
    // The socket goes first, then every request fails (this one with its own error).
    const others = new NetworkError(`Disconnected from ${this.broker}: ${error.message}`, { broker: this.broker, cause: error });
    this.#shutdown(error, others, false, request, error);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Ends the connection. The socket goes first, so no byte of a failed request is written after
   * its promise rejects: a graceful close only when nothing is in flight or queued, else destroy
   * (reset where the transport can: the OS send buffer is dropped too). Then every request still
   * pending fails with `failWith` (`special` with `specialError`).
   */
  #shutdown(
    reason: KafkaWireError | undefined,
    failWith: KafkaWireError,
    graceful: boolean,
    special?: InFlightRequest,
    specialError?: KafkaWireError,
  ): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) {
      this.#timer.cancel();
      this.#timer = undefined;
    }
    this.#timerAt = Infinity;
    this.#decoder.close();
    const failed = new Set<InFlightRequest>(this.#awaiting);
    for (const request of this.#unwritten) failed.add(request);
    const busy = failed.size > 0 || this.#needDrain;
    this.#awaiting = [];
    this.#unwritten = [];
    this.#pending = 0;
    if (graceful && !busy) this.#socket.close();
    else if (busy && this.#socket.reset !== undefined) this.#socket.reset();
    else this.#socket.destroy();
    for (const request of failed) request.reject(request === special ? specialError! : failWith);
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const listener of listeners) listener();
    this.#onClose?.(reason);
  }
}
