import { describe, expect, test } from 'vitest';
import { KafkaWireError, NetworkError, ProtocolError, RequestTimeoutError } from '../../src/errors.js';
import {
  BrokerConnection,
  ConnectionPool,
  ExponentialBackoff,
  FrameDecoder,
  parseBootstrapServers,
  type BrokerConnectionOptions,
  type Clock,
  type TimerHandle,
  type Socketish,
  type Transport,
  type TransportConnectOptions,
} from '../../src/network/index.js';

// ---- fakes -------------------------------------------------------------------------------------

class FakeClock implements Clock {
  t = 1_000_000;
  setTimeoutCalls = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    this.setTimeoutCalls++;
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return { cancel: () => void this.#timers.delete(id) };
  }
  get pendingTimers(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing due timers in deadline order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && timer.at < nextAt) {
          nextAt = timer.at;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const timer = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.t = Math.max(this.t, timer.at);
      timer.fn();
    }
    this.t = end;
  }
}

class FakeSocket implements Socketish {
  /** Every chunk passed to write(), by reference (not copied). */
  readonly writes: Uint8Array[] = [];
  writeReturns = true;
  /** When true, write callbacks are called on the next microtask; else by flush(). */
  autoFlush = true;
  closedBy: 'close' | 'destroy' | 'remote' | undefined;
  #pendingFlush: Array<(error?: Error | null) => void> = [];
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  #onDrain: (() => void) | undefined;

  write(chunk: Uint8Array, onFlushed?: (error?: Error | null) => void): boolean {
    this.writes.push(chunk);
    if (onFlushed) {
      this.#pendingFlush.push(onFlushed);
      if (this.autoFlush) queueMicrotask(() => this.flush());
    }
    return this.writeReturns;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.#onData = cb;
  }
  onClose(cb: (error?: Error) => void): void {
    this.#onClose = cb;
  }
  onDrain(cb: () => void): void {
    this.#onDrain = cb;
  }
  close(): void {
    this.closedBy ??= 'close';
    queueMicrotask(() => this.#onClose?.());
  }
  destroy(): void {
    this.closedBy ??= 'destroy';
    queueMicrotask(() => this.#onClose?.());
  }
  // -- the broker's side --
  flush(error?: Error): void {
    const pending = this.#pendingFlush;
    this.#pendingFlush = [];
    for (const cb of pending) cb(error ?? null);
  }
  receive(bytes: Uint8Array): void {
    // A broker can only answer what it has read: with autoFlush, the writes completed first.
    if (this.autoFlush) this.flush();
    this.#onData!(bytes);
  }
  drain(): void {
    this.#onDrain!();
  }
  remoteClose(error?: Error): void {
    this.closedBy ??= 'remote';
    this.#onClose!(error);
  }
}

interface PendingConnect {
  host: string;
  port: number;
  options: TransportConnectOptions;
  resolve: (socket: Socketish) => void;
  reject: (error: Error) => void;
}

class FakeTransport implements Transport {
  readonly connects: PendingConnect[] = [];
  readonly sockets: FakeSocket[] = [];
  /** 'accept': connect resolves at once; 'refuse': rejects at once; 'manual': the test decides. */
  mode: 'accept' | 'refuse' | 'manual' = 'accept';
  ignoreAbort = false;
  connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish> {
    return new Promise<Socketish>((resolve, reject) => {
      this.connects.push({ host, port, options, resolve, reject });
      if (this.mode === 'accept') resolve(this.accept());
      else if (this.mode === 'refuse') reject(new NetworkError(`Connection to ${host}:${port} refused`));
      if (!this.ignoreAbort) options.signal?.addEventListener('abort', () => reject(new NetworkError('aborted')));
    });
  }
  accept(): FakeSocket {
    const socket = new FakeSocket();
    this.sockets.push(socket);
    return socket;
  }
}

// ---- helpers -----------------------------------------------------------------------------------

/** A request frame: 4 reserved bytes, apiKey, apiVersion, correlation placeholder, body. */
function requestFrame(apiKey: number, apiVersion: number, body: Uint8Array = new Uint8Array(0)): { buffer: Uint8Array } {
  const buffer = new Uint8Array(12 + body.length);
  const view = new DataView(buffer.buffer);
  view.setInt32(0, -1); // garbage the connection must overwrite
  view.setInt16(4, apiKey);
  view.setInt16(6, apiVersion);
  view.setInt32(8, -1);
  buffer.set(body, 12);
  return { buffer };
}

/** A response frame as a broker sends it: size, correlation id, payload. */
function responseFrame(correlationId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(8 + payload.length);
  const view = new DataView(frame.buffer);
  view.setInt32(0, 4 + payload.length);
  view.setInt32(4, correlationId);
  frame.set(payload, 8);
  return frame;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Byte equality without vitest's element-by-element deep diff (slow on megabytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function sameFrames(actual: Uint8Array[], expected: Uint8Array[]): boolean {
  return actual.length === expected.length && actual.every((f, i) => sameBytes(f, expected[i]!));
}

function int32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset);
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Lets pending promise callbacks and microtasks run (no time passes on the fake clock). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Observes a promise without letting its rejection go unhandled. */
function capture<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const result: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(result, { done: true, value }),
    (error: unknown) => Object.assign(result, { done: true, error }),
  );
  return result;
}

function newConnection(overrides: Partial<BrokerConnectionOptions> = {}) {
  const clock = new FakeClock();
  const socket = new FakeSocket();
  const events = { closed: [] as Array<KafkaWireError | undefined>, writable: 0 };
  const connection = new BrokerConnection(socket, {
    nodeId: 1,
    host: 'broker-1',
    port: 9092,
    clock,
    onClose: (reason) => events.closed.push(reason),
    onWritable: () => events.writable++,
    ...overrides,
  });
  return { clock, socket, connection, events };
}

// ---- framing -----------------------------------------------------------------------------------

describe('FrameDecoder', () => {
  function decodeAll(chunks: Uint8Array[], max?: number): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const decoder = new FrameDecoder((f) => frames.push(f), max);
    for (const c of chunks) decoder.push(c);
    return frames;
  }

  const payloads = [bytes(0), bytes(1, 2), bytes(7, 3), bytes(300, 4), bytes(70_000, 5)];
  const stream = concat(payloads.map((p, i) => responseFrame(i, p)));
  const expected = payloads.map((p, i) => responseFrame(i, p).subarray(4));

  test('several frames in one chunk are passed on as views of that chunk, without copying', () => {
    const views: Uint8Array[] = [];
    const decoder = new FrameDecoder((f) => views.push(f));
    decoder.push(stream);
    expect(sameFrames(views, expected)).toBe(true);
    for (const v of views) expect(v.buffer).toBe(stream.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('a stream split byte by byte yields the same frames', () => {
    const chunks = Array.from(stream, (b) => Uint8Array.of(b));
    expect(sameFrames(decodeAll(chunks), expected)).toBe(true);
  });

  test('arbitrary split points (size prefix split too) yield the same frames', () => {
    let x = 7;
    for (let round = 0; round < 50; round++) {
      const chunks: Uint8Array[] = [];
      for (let offset = 0; offset < stream.length; ) {
        x = (x * 48271) % 0x7fffffff;
        const n = 1 + (x % (round < 25 ? 9 : 40_000));
        chunks.push(stream.subarray(offset, offset + n));
        offset += n;
      }
      expect(sameFrames(decodeAll(chunks), expected)).toBe(true);
    }
  });

  test('a large frame in many chunks is assembled once, at its exact size', () => {
    const big = bytes(5 * 1024 * 1024, 9);
    const frame = responseFrame(42, big);
    const received: Uint8Array[] = [];
    const decoder = new FrameDecoder((f) => received.push(f));
    for (let offset = 0; offset < frame.length; offset += 65536) decoder.push(frame.subarray(offset, offset + 65536));
    expect(received).toHaveLength(1);
    expect(received[0]!.buffer.byteLength).toBe(4 + big.length); // one exact-size buffer, no growth
    expect(int32(received[0]!, 0)).toBe(42);
    expect(sameBytes(received[0]!.subarray(4), big)).toBe(true);
  });

  test('sizes below 4 or above the maximum are ProtocolErrors', () => {
    const tiny = Uint8Array.of(0, 0, 0, 3, 1, 2, 3);
    expect(() => decodeAll([tiny])).toThrow(ProtocolError);
    const negative = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
    expect(() => decodeAll([negative])).toThrow(ProtocolError);
    const tooBig = responseFrame(1, bytes(100));
    expect(() => decodeAll([tooBig], 64)).toThrow(/Invalid frame size 104/);
    expect(decodeAll([tooBig], 104)).toHaveLength(1);
  });
});

// ---- BrokerConnection --------------------------------------------------------------------------

describe('FrameDecoder memory', () => {
  test('a frame announcing 100 MiB costs what arrived, not 100 MiB (the buffer grows as bytes arrive)', () => {
    const frames: Uint8Array[] = [];
    const decoder = new FrameDecoder((f) => frames.push(f));
    const before = process.memoryUsage().arrayBuffers;
    const head = new Uint8Array(14);
    new DataView(head.buffer).setInt32(0, 100 * 1024 * 1024);
    decoder.push(head.subarray(0, 7));
    decoder.push(head.subarray(7));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
    expect(decoder.bufferedBytes).toBe(14);
    expect(frames).toHaveLength(0);
  });
});

describe('BrokerConnection', () => {
  test('patches size and correlation id in place and writes each request once, uncopied', () => {
    const { socket, connection } = newConnection();
    const a = requestFrame(0, 9, bytes(10));
    const b = requestFrame(3, 12, bytes(3));
    void capture(connection.request(a));
    void capture(connection.request(b));
    expect(socket.writes).toHaveLength(2);
    expect(socket.writes[0]).toBe(a.buffer);
    expect(socket.writes[1]).toBe(b.buffer);
    expect(int32(a.buffer, 0)).toBe(a.buffer.length - 4);
    expect(int32(a.buffer, 8)).toBe(0);
    expect(int32(b.buffer, 0)).toBe(b.buffer.length - 4);
    expect(int32(b.buffer, 8)).toBe(1);
    expect(connection.inFlightCount).toBe(2);
  });

  test('matches pipelined responses by correlation id; a response starts with its correlation id', async () => {
    const { socket, connection } = newConnection();
    const results = [0, 1, 2].map(() => capture(connection.request(requestFrame(0, 9))));
    // all three responses in one chunk, the last one split into the next chunk
    const stream = concat([responseFrame(0, bytes(5, 1)), responseFrame(1, bytes(6, 2)), responseFrame(2, bytes(7, 3))]);
    socket.receive(stream.subarray(0, stream.length - 3));
    await settle();
    expect(results.map((r) => r.done)).toEqual([true, true, false]);
    socket.receive(stream.subarray(stream.length - 3));
    await settle();
    results.forEach((r, i) => {
      const response = r.value as Uint8Array;
      expect(int32(response, 0)).toBe(i);
      expect(response.subarray(4)).toEqual(bytes(5 + i, 1 + i));
    });
    expect(connection.inFlightCount).toBe(0);
    expect(connection.isClosed).toBe(false);
  });

  test('a correlation id mismatch is a fatal ProtocolError: the connection closes, requests fail retriably', async () => {
    const { socket, connection, events } = newConnection();
    const a = capture(connection.request(requestFrame(0, 9)));
    const b = capture(connection.request(requestFrame(0, 9)));
    socket.receive(responseFrame(1));
    await settle();
    expect(connection.isClosed).toBe(true);
    expect(socket.closedBy).toBe('destroy');
    expect(events.closed).toHaveLength(1);
    expect(events.closed[0]).toBeInstanceOf(ProtocolError);
    expect(events.closed[0]!.message).toMatch(/expected 0 .*got 1/);
    for (const r of [a, b]) {
      expect(r.error).toBeInstanceOf(NetworkError);
      expect((r.error as NetworkError).retriable).toBe(true);
      expect((r.error as NetworkError).cause).toBe(events.closed[0]);
    }
  });

  test('a response nobody waits for, or a bad frame size, closes the connection', () => {
    const one = newConnection();
    one.socket.receive(responseFrame(0));
    expect(one.connection.isClosed).toBe(true);
    expect(one.events.closed[0]).toBeInstanceOf(ProtocolError);

    const two = newConnection({ maxResponseBytes: 1000 });
    const r = capture(two.connection.request(requestFrame(0, 9)));
    two.socket.receive(Uint8Array.of(0, 0, 0x10, 0)); // 4096 > 1000
    expect(two.connection.isClosed).toBe(true);
    expect(two.events.closed[0]!.message).toMatch(/Invalid frame size 4096/);
    return settle().then(() => expect(r.error).toBeInstanceOf(NetworkError));
  });

  test('maxInFlight: canSend() turns false at the limit, request() then throws; a response frees a slot', async () => {
    const { socket, connection, events } = newConnection({ maxInFlight: 2 });
    expect(connection.canSend()).toBe(true);
    void capture(connection.request(requestFrame(0, 9)));
    expect(connection.canSend()).toBe(true);
    void capture(connection.request(requestFrame(0, 9)));
    expect(connection.canSend()).toBe(false);
    expect(() => connection.request(requestFrame(0, 9))).toThrow(KafkaWireError);
    expect(() => connection.request(requestFrame(0, 9))).toThrow(/max\.in\.flight/);
    expect(socket.writes).toHaveLength(2); // nothing queued or written
    socket.receive(responseFrame(0));
    expect(connection.canSend()).toBe(true);
    expect(events.writable).toBe(1);
    void capture(connection.request(requestFrame(0, 9)));
    expect(int32(socket.writes[2]!, 8)).toBe(2);
  });

  test('backpressure: a write over the high-water mark blocks canSend() until drain', () => {
    const { socket, connection, events } = newConnection();
    socket.writeReturns = false;
    void capture(connection.request(requestFrame(0, 9)));
    expect(connection.canSend()).toBe(false);
    socket.writeReturns = true;
    socket.drain();
    expect(connection.canSend()).toBe(true);
    expect(events.writable).toBe(1);
  });

  test('acks=0: resolves once flushed, takes no correlation entry, counts in flight until flushed', async () => {
    const { socket, connection } = newConnection({ maxInFlight: 2 });
    socket.autoFlush = false;
    const fireAndForget = capture(connection.request(requestFrame(0, 9), { expectResponse: false }));
    const normal = capture(connection.request(requestFrame(0, 9)));
    expect(connection.inFlightCount).toBe(2);
    expect(connection.canSend()).toBe(false);
    await settle();
    expect(fireAndForget.done).toBe(false);
    socket.flush();
    await settle();
    expect(fireAndForget.value).toEqual(new Uint8Array(0));
    expect(connection.inFlightCount).toBe(1);
    // the broker answers only the second request (correlation id 1)
    socket.receive(responseFrame(1, bytes(3)));
    await settle();
    expect(int32(normal.value as Uint8Array, 0)).toBe(1);
    expect(connection.isClosed).toBe(false);
  });

  test('acks=0: a failed flush closes the connection', async () => {
    const { socket, connection } = newConnection();
    socket.autoFlush = false;
    const r = capture(connection.request(requestFrame(0, 9), { expectResponse: false }));
    socket.flush(new Error('EPIPE'));
    await settle();
    expect(connection.isClosed).toBe(true);
    expect(r.error).toBeInstanceOf(NetworkError);
    expect((r.error as Error).message).toMatch(/EPIPE/);
  });

  test('request timeout: fails that request with REQUEST_TIMED_OUT, closes, fails the others retriably', async () => {
    const { clock, socket, connection, events } = newConnection({ requestTimeoutMs: 30_000 });
    const first = capture(connection.request(requestFrame(0, 9)));
    clock.advance(10_000);
    await settle();
    socket.autoFlush = false; // the requests below stay stuck in the send buffer
    const second = capture(connection.request(requestFrame(1, 4)));
    const third = capture(connection.request(requestFrame(0, 9), { expectResponse: false }));
    clock.advance(19_999);
    await settle();
    expect(connection.isClosed).toBe(false);
    clock.advance(1);
    await settle();
    expect(connection.isClosed).toBe(true);
    expect(socket.closedBy).toBe('destroy');
    expect(first.error).toBeInstanceOf(RequestTimeoutError);
    expect((first.error as KafkaWireError).code).toBe('REQUEST_TIMED_OUT');
    expect((first.error as KafkaWireError).retriable).toBe(true);
    expect((first.error as Error).message).toMatch(/correlation id 0\).*node 1 \(broker-1:9092\).*30000 ms/);
    for (const r of [second, third]) {
      expect(r.error).toBeInstanceOf(NetworkError);
      expect((r.error as KafkaWireError).code).toBe('NETWORK_EXCEPTION');
      expect((r.error as KafkaWireError).retriable).toBe(true);
      expect((r.error as Error).cause).toBe(first.error);
    }
    expect(events.closed).toEqual([first.error]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a per-request timeout shorter than the armed one re-arms the timer', async () => {
    const { clock, connection } = newConnection({ requestTimeoutMs: 30_000 });
    const slow = capture(connection.request(requestFrame(0, 9)));
    const quick = capture(connection.request(requestFrame(18, 3), { timeoutMs: 500 }));
    clock.advance(500);
    await settle();
    expect(quick.error).toBeInstanceOf(RequestTimeoutError);
    expect(slow.error).toBeInstanceOf(NetworkError);
  });

  test('one timer serves all requests: the hot path does not churn timers', async () => {
    const { clock, socket, connection } = newConnection({ requestTimeoutMs: 30_000 });
    const before = clock.setTimeoutCalls; // the idle timer armed by the constructor
    for (let i = 0; i < 1000; i++) {
      void capture(connection.request(requestFrame(0, 9)));
      clock.advance(1);
      socket.receive(responseFrame(i));
    }
    // one re-arm for the first request deadline (earlier than the idle deadline), then nothing
    expect(clock.setTimeoutCalls - before).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(30_000); // the stale deadline fires, finds nothing expired, re-arms for idle
    expect(connection.isClosed).toBe(false);
    expect(clock.pendingTimers).toBe(1);
  });

  test('disconnect by the broker fails every in-flight request with a retriable error naming the broker', async () => {
    const { socket, connection, events } = newConnection();
    const a = capture(connection.request(requestFrame(0, 9)));
    const b = capture(connection.request(requestFrame(0, 9), { expectResponse: false }));
    socket.autoFlush = false;
    socket.remoteClose(new Error('ECONNRESET'));
    await settle();
    for (const r of [a, b]) {
      expect(r.error).toBeInstanceOf(NetworkError);
      expect((r.error as KafkaWireError).retriable).toBe(true);
      expect((r.error as Error).message).toMatch(/Disconnected from node 1 \(broker-1:9092\): ECONNRESET/);
      expect((r.error as NetworkError).broker).toBe('node 1 (broker-1:9092)');
    }
    expect(events.closed).toHaveLength(1);
    expect(events.closed[0]).toBeInstanceOf(NetworkError);
    const late = capture(connection.request(requestFrame(0, 9)));
    await settle();
    expect(late.error).toBeInstanceOf(NetworkError);
  });

  test('connections.max.idle.ms: closes after being idle that long; activity and in-flight requests keep it open', async () => {
    const { clock, socket, connection, events } = newConnection({ connectionsMaxIdleMs: 10_000, requestTimeoutMs: 60_000 });
    clock.advance(9_000);
    void capture(connection.request(requestFrame(0, 9)));
    clock.advance(9_000); // 18 s since open, 9 s since the request: in flight, never idle
    expect(connection.isClosed).toBe(false);
    clock.advance(9_000);
    socket.receive(responseFrame(0)); // last activity at 27 s
    clock.advance(9_999);
    expect(connection.isClosed).toBe(false);
    clock.advance(1);
    expect(connection.isClosed).toBe(true);
    expect(socket.closedBy).toBe('close'); // graceful
    expect(events.closed).toEqual([undefined]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('close() with a request in flight destroys the socket, then fails the request retriably; clears its timer, is idempotent', async () => {
    const { clock, socket, connection, events } = newConnection();
    const r = capture(connection.request(requestFrame(0, 9)));
    connection.close();
    connection.close();
    await settle();
    expect(r.error).toBeInstanceOf(NetworkError);
    expect(socket.closedBy).toBe('destroy'); // nothing of the failed request may be written later
    expect(events.closed).toEqual([undefined]);
    expect(clock.pendingTimers).toBe(0);
    expect(connection.canSend()).toBe(false);
  });

  test('close() of an idle connection with nothing queued is graceful', async () => {
    const { clock, socket, connection, events } = newConnection();
    const r = capture(connection.request(requestFrame(0, 9)));
    socket.receive(responseFrame(0));
    await settle();
    expect(r.done && r.error === undefined).toBe(true);
    connection.close();
    expect(socket.closedBy).toBe('close');
    expect(events.closed).toEqual([undefined]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('close() while a write is backed up (even with nothing awaiting an answer) destroys', () => {
    const { socket, connection } = newConnection();
    socket.autoFlush = false;
    const r = capture(connection.request(requestFrame(0, 9), { expectResponse: false }));
    connection.close();
    expect(socket.closedBy).toBe('destroy');
    void r;
  });

  test('a response that arrives before its write completed is held until the write callback (the buffer is still being read)', async () => {
    const { socket, connection } = newConnection();
    socket.autoFlush = false;
    const r = capture(connection.request(requestFrame(0, 9)));
    socket.receive(responseFrame(0)); // a peer answering before it read the whole request
    await settle();
    expect(r.done).toBe(false);
    expect(connection.inFlightCount).toBe(1);
    socket.flush();
    await settle();
    expect(r.done && r.error === undefined).toBe(true);
    expect(connection.inFlightCount).toBe(0);
  });

  test('a request frame too short to hold a header is rejected', () => {
    const { connection } = newConnection();
    expect(() => connection.request({ buffer: new Uint8Array(11) })).toThrow(/at least 12 bytes/);
  });
});

// ---- backoff -----------------------------------------------------------------------------------

describe('ExponentialBackoff (reconnect.backoff.ms)', () => {
  test('doubles from the initial value to the maximum, with +-20% jitter never above the maximum', () => {
    const low = new ExponentialBackoff(50, 2, 1000, 0.2, () => 0);
    const mid = new ExponentialBackoff(50, 2, 1000, 0.2, () => 0.5);
    const high = new ExponentialBackoff(50, 2, 1000, 0.2, () => 0.999999);
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => mid.backoff(n))).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 5].map((n) => low.backoff(n))).toEqual([40, 80, 160, 320, 640, 800]);
    expect([0, 1, 2, 3, 4, 5].map((n) => high.backoff(n))).toEqual([59, 119, 239, 479, 959, 1000]);
    const random = new ExponentialBackoff(50, 2, 1000, 0.2);
    for (let n = 0; n < 8; n++) {
      for (let i = 0; i < 50; i++) {
        const v = random.backoff(n);
        const term = Math.min(50 * 2 ** n, 1000);
        expect(v).toBeGreaterThanOrEqual(Math.floor(term * 0.8));
        expect(v).toBeLessThanOrEqual(Math.min(term * 1.2, 1000));
      }
    }
  });

  test('a maximum at or below the initial value gives a constant backoff', () => {
    expect(new ExponentialBackoff(100, 2, 100, 0.2, () => 0).backoff(5)).toBe(100);
    expect(new ExponentialBackoff(500, 2, 100, 0.2, () => 0).backoff(0)).toBe(100);
  });
});

// ---- ConnectionPool ----------------------------------------------------------------------------

function newPool(overrides: Partial<ConstructorParameters<typeof ConnectionPool>[0]> = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const events: string[] = [];
  const pool = new ConnectionPool({
    transport,
    clock,
    random: () => 0.5,
    onReady: (id) => events.push(`ready ${id}`),
    onDisconnect: (id, reason) => events.push(`disconnect ${id}${reason ? ` ${reason.code}` : ''}`),
    onWritable: (id) => events.push(`writable ${id}`),
    ...overrides,
  });
  return { clock, transport, pool, events };
}

describe('ConnectionPool', () => {
  test('bootstrap addresses get pseudo ids -1, -2, ...; bootstrap.servers parsing', () => {
    const { pool } = newPool();
    expect(pool.addBootstrapServers('a:9092, b:9093,[::1]:9094')).toEqual([-1, -2, -3]);
    expect(pool.node(-3)).toEqual({ nodeId: -3, host: '::1', port: 9094 });
    expect(pool.addBootstrapServers([{ host: 'c', port: 1 }])).toEqual([-4]);
    expect(() => parseBootstrapServers('a:9092,b')).toThrow(/bootstrap\.servers.*"b"/);
    expect(() => parseBootstrapServers('a:99999')).toThrow(/bootstrap\.servers/);
    expect(() => parseBootstrapServers(' , ')).toThrow(/no address/);
  });

  test('connects lazily on ready(); the connection is ready once connected', async () => {
    const { transport, pool, events } = newPool();
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    expect(transport.connects).toHaveLength(0);
    expect(pool.isReady(1)).toBe(false);
    expect(pool.connectionDelay(1)).toBe(0);
    expect(pool.ready(1)).toBe(false);
    expect(transport.connects).toHaveLength(1);
    expect(transport.connects[0]!.options.timeoutMs).toBe(10_000); // socket.connection.setup.timeout.ms (random 0.5: no jitter)
    expect(pool.ready(1)).toBe(false); // no second attempt while connecting
    expect(transport.connects).toHaveLength(1);
    await settle();
    expect(pool.state(1)).toBe('ready');
    expect(pool.isReady(1)).toBe(true);
    expect(pool.connectionDelay(1)).toBe(Infinity);
    expect(pool.connection(1)!.broker).toBe('node 1 (b1:9092)');
    expect(events).toEqual(['ready 1']);
    expect(() => pool.ready(7)).toThrow(/Unknown broker node id 7/);
  });

  test('onConnected runs a handshake request before the connection counts as ready', async () => {
    const handshakes: number[] = [];
    const { transport, pool, events } = newPool({
      onConnected: async (connection, node) => {
        handshakes.push(node.nodeId);
        const response = await connection.request(requestFrame(18, 3));
        if (response.length < 5) throw new KafkaWireError('UNSUPPORTED_VERSION', 'handshake said no');
      },
    });
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    pool.ready(1);
    await settle();
    expect(pool.state(1)).toBe('handshaking');
    expect(pool.isReady(1)).toBe(false);
    expect(pool.connection(1)).toBeUndefined();
    transport.sockets[0]!.receive(responseFrame(0, bytes(2)));
    await settle();
    expect(pool.state(1)).toBe('ready');
    expect(events).toEqual(['ready 1']);

    expect(handshakes).toEqual([1]);
    pool.disconnect(1);
    expect(pool.state(1)).toBe('disconnected');
    expect(events).toEqual(['ready 1', 'disconnect 1']);
  });

  test('a failed handshake closes the connection, reports its error, and backs off', async () => {
    const { clock, transport, pool, events } = newPool({
      onConnected: async (connection) => {
        await connection.request(requestFrame(18, 3));
        throw new KafkaWireError('UNSUPPORTED_VERSION', 'handshake said no');
      },
    });
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    pool.ready(1);
    await settle();
    transport.sockets[0]!.receive(responseFrame(0));
    await settle();
    expect(pool.state(1)).toBe('disconnected');
    expect(transport.sockets[0]!.closedBy).toBe('destroy');
    expect(events).toEqual(['disconnect 1 UNSUPPORTED_VERSION']);
    expect(pool.lastError(1)!.code).toBe('UNSUPPORTED_VERSION');
    expect(pool.connectionDelay(1)).toBe(50);
    expect(pool.ready(1)).toBe(false);
    expect(transport.connects).toHaveLength(1);
    clock.advance(50);
    pool.ready(1);
    expect(transport.connects).toHaveLength(2);
  });

  test('reconnect backoff grows exponentially within its jitter bounds, and resets once ready', async () => {
    const { clock, transport, pool } = newPool({ random: Math.random });
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    transport.mode = 'refuse';
    for (let attempt = 0; attempt < 8; attempt++) {
      expect(pool.ready(1)).toBe(false);
      await settle();
      expect(pool.state(1)).toBe('disconnected');
      const delay = pool.connectionDelay(1);
      const term = Math.min(50 * 2 ** attempt, 1000); // reconnect.backoff.ms * 2^failures, capped
      expect(delay).toBeGreaterThanOrEqual(Math.floor(term * 0.8));
      expect(delay).toBeLessThanOrEqual(Math.min(term * 1.2, 1000));
      expect(pool.isBlackedOut(1)).toBe(true);
      clock.advance(delay - 1);
      expect(pool.ready(1)).toBe(false); // still inside the backoff: no attempt
      expect(transport.connects).toHaveLength(attempt + 1);
      clock.advance(1);
      expect(pool.connectionDelay(1)).toBe(0);
    }
    // the setup timeout grew too (socket.connection.setup.timeout.ms doubling, capped at .max.ms)
    const timeouts = transport.connects.map((c) => c.options.timeoutMs);
    expect(timeouts[0]).toBeGreaterThanOrEqual(8_000); // 10 s +-20%
    expect(timeouts[0]).toBeLessThanOrEqual(12_000);
    expect(timeouts[1]).toBeGreaterThanOrEqual(16_000);
    expect(timeouts[1]).toBeLessThanOrEqual(24_000);
    expect(Math.max(...timeouts)).toBeLessThanOrEqual(30_000);

    transport.mode = 'accept';
    pool.ready(1);
    await settle();
    expect(pool.isReady(1)).toBe(true);
    transport.sockets[0]!.remoteClose();
    expect(pool.state(1)).toBe('disconnected');
    expect(pool.connectionDelay(1)).toBeLessThanOrEqual(60); // back to the first step
    expect(pool.connectionDelay(1)).toBeGreaterThanOrEqual(40);
    clock.advance(60);
    pool.ready(1);
    expect(transport.connects.at(-1)!.options.timeoutMs).toBeLessThanOrEqual(12_000); // setup timeout reset
  });

  test('reconnect backoff steps are exact at the jitter extremes', async () => {
    for (const [random, expected] of [
      [() => 0, [40, 80, 160, 320, 640, 800, 800]],
      [() => 0.9999999, [59, 119, 239, 479, 959, 1000, 1000]],
    ] as const) {
      const { clock, transport, pool } = newPool({ random });
      pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
      transport.mode = 'refuse';
      const delays: number[] = [];
      for (let attempt = 0; attempt < expected.length; attempt++) {
        pool.ready(1);
        await settle();
        delays.push(pool.connectionDelay(1));
        clock.advance(delays.at(-1)!);
      }
      expect(delays).toEqual(expected);
    }
  });

  test('a disconnect of a ready connection is reported, and the next connect waits out the backoff', async () => {
    const { clock, transport, pool, events } = newPool();
    pool.updateNodes([{ nodeId: 2, host: 'b2', port: 9092 }]);
    pool.ready(2);
    await settle();
    const connection = pool.connection(2)!;
    const inFlight = capture(connection.request(requestFrame(0, 9)));
    transport.sockets[0]!.remoteClose(new Error('ECONNRESET'));
    await settle();
    expect(inFlight.error).toBeInstanceOf(NetworkError);
    expect(events).toEqual(['ready 2', 'disconnect 2 NETWORK_EXCEPTION']);
    expect(pool.connectionDelay(2)).toBe(50);
    clock.advance(50);
    expect(pool.ready(2)).toBe(false);
    await settle();
    expect(pool.isReady(2)).toBe(true);
    expect(pool.connection(2)).not.toBe(connection);
  });

  test('onWritable tells the owner a full connection can take a request again', async () => {
    const { transport, pool, events } = newPool({ maxInFlight: 1 });
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    pool.ready(1);
    await settle();
    void capture(pool.connection(1)!.request(requestFrame(0, 9)));
    expect(pool.isReady(1)).toBe(false);
    expect(pool.ready(1)).toBe(false);
    expect(pool.inFlightCount(1)).toBe(1);
    transport.sockets[0]!.receive(responseFrame(0));
    expect(pool.isReady(1)).toBe(true);
    expect(events).toEqual(['ready 1', 'writable 1']);
  });

  test('leastLoadedNode prefers an idle ready node, then connecting, then connectable; skips blacked-out nodes', async () => {
    const { transport, pool } = newPool({ random: () => 0 });
    pool.addBootstrapServers('a:1,b:2,c:3');
    expect(pool.leastLoadedNode()).toBe(-1); // nothing tried yet: the first candidate
    transport.mode = 'refuse';
    pool.ready(-1);
    await settle();
    expect(pool.isBlackedOut(-1)).toBe(true);
    expect(pool.leastLoadedNode()).toBe(-2);
    transport.mode = 'manual';
    pool.ready(-2);
    expect(pool.leastLoadedNode()).toBe(-2); // connecting beats can-connect
    transport.mode = 'accept';
    pool.ready(-3);
    await settle();
    void capture(pool.connection(-3)!.request(requestFrame(3, 1)));
    expect(pool.leastLoadedNode()).toBe(-3); // ready (1 in flight) beats connecting
    // metadata replaces the bootstrap candidates
    pool.updateNodes([{ nodeId: 5, host: 'x', port: 1 }]);
    expect(pool.leastLoadedNode()).toBe(5);
  });

  test('updateNodes with a changed address closes the old connection', async () => {
    const { transport, pool } = newPool();
    pool.updateNodes([{ nodeId: 1, host: 'old', port: 9092 }]);
    pool.ready(1);
    await settle();
    const r = capture(pool.connection(1)!.request(requestFrame(0, 9)));
    pool.updateNodes([{ nodeId: 1, host: 'old', port: 9092 }]); // unchanged: kept
    expect(pool.isReady(1)).toBe(true);
    pool.updateNodes([{ nodeId: 1, host: 'new', port: 9092 }]);
    await settle();
    expect(r.error).toBeInstanceOf(NetworkError);
    expect(pool.state(1)).toBe('disconnected');
    expect(pool.connectionDelay(1)).toBe(0); // a new address starts without backoff
    pool.ready(1);
    expect(transport.connects.at(-1)!.host).toBe('new');
  });

  test('awaitReady connects (respecting backoff) and times out with a retriable TIMEOUT', async () => {
    const { clock, transport, pool } = newPool();
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    const ok = await pool.awaitReady(1, 1000);
    expect(ok).toBe(pool.connection(1));

    pool.updateNodes([{ nodeId: 2, host: 'b2', port: 9092 }]);
    transport.mode = 'refuse';
    const waiting = capture(pool.awaitReady(2, 1000));
    for (let i = 0; i < 20 && !waiting.done; i++) {
      await settle();
      clock.advance(100);
    }
    await settle();
    expect((waiting.error as KafkaWireError).code).toBe('TIMEOUT');
    expect((waiting.error as KafkaWireError).retriable).toBe(true);
    expect((waiting.error as Error).cause).toBeInstanceOf(NetworkError);
    expect(transport.connects.length).toBeGreaterThan(3); // retried with growing backoff
    expect(clock.pendingTimers).toBe(1); // connection 1's idle timer; the waits left none behind
  });

  test('close() closes connections, aborts connection attempts, rejects waiters and leaves no timers', async () => {
    const { clock, transport, pool, events } = newPool();
    pool.updateNodes([
      { nodeId: 1, host: 'b1', port: 9092 },
      { nodeId: 2, host: 'b2', port: 9092 },
    ]);
    pool.ready(1);
    await settle();
    const inFlight = capture(pool.connection(1)!.request(requestFrame(0, 9)));
    transport.mode = 'manual';
    const waiter = capture(pool.awaitReady(2, 5000));
    await settle();
    expect(transport.connects).toHaveLength(2);
    pool.close();
    pool.close();
    await settle();
    expect(inFlight.error).toBeInstanceOf(NetworkError);
    expect(waiter.error).toBeInstanceOf(NetworkError);
    expect(transport.connects[1]!.options.signal!.aborted).toBe(true);
    expect(transport.sockets[0]!.closedBy).toBe('destroy'); // a request was in flight
    expect(clock.pendingTimers).toBe(0);
    expect(pool.ready(1)).toBe(false);
    expect(transport.connects).toHaveLength(2);
    expect(events).toEqual(['ready 1']); // no disconnect noise during close
  });

  test('a socket connected after its attempt was abandoned is destroyed', async () => {
    const { transport, pool } = newPool();
    pool.updateNodes([{ nodeId: 1, host: 'b1', port: 9092 }]);
    transport.mode = 'manual';
    transport.ignoreAbort = true;
    pool.ready(1);
    const attempt = transport.connects[0]!;
    pool.close();
    const late = transport.accept();
    attempt.resolve(late); // as a transport that ignores the abort signal would
    await settle();
    expect(late.closedBy).toBe('destroy');
  });
});
