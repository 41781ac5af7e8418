/**
 * The Node transport against a real TCP server on 127.0.0.1 (ephemeral port). The server echoes
 * each request body back as a response with the request's correlation id, except requests with
 * api version 99, which it leaves unanswered (like acks=0 Produce).
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { BrokerConnection, ConnectionPool, type Socketish, type Transport, type TransportConnectOptions } from '../../src/network/index.js';
import { NodeTransport } from '../../src/runtime/node/transport.js';

const NO_RESPONSE_VERSION = 99;

let server: net.Server;
let port: number;
const serverSockets = new Set<net.Socket>();
/** Every request frame body the server received, in order. */
const received: Buffer[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        const body = buffered.subarray(4, 4 + size);
        buffered = buffered.subarray(4 + size);
        received.push(Buffer.from(body));
        if (body.readInt16BE(0) === 666) {
          socket.destroy(); // "crash"
          return;
        }
        if (body.readInt16BE(2) === NO_RESPONSE_VERSION) continue;
        const payload = body.subarray(8);
        const response = Buffer.alloc(8 + payload.length);
        response.writeInt32BE(4 + payload.length, 0);
        response.writeInt32BE(body.readInt32BE(4), 4); // correlation id
        payload.copy(response, 8);
        socket.write(response);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const socket of serverSockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Counts Socketish.write calls. */
class CountingTransport implements Transport {
  writes = 0;
  readonly #inner = new NodeTransport();
  async connect(host: string, port: number, options: TransportConnectOptions): Promise<Socketish> {
    const socket = await this.#inner.connect(host, port, options);
    const write = socket.write.bind(socket);
    socket.write = (chunk, onFlushed) => {
      this.writes++;
      return write(chunk, onFlushed);
    };
    return socket;
  }
}

function requestFrame(apiKey: number, apiVersion: number, body: Uint8Array): { buffer: Uint8Array } {
  const buffer = Buffer.alloc(12 + body.length);
  buffer.writeInt16BE(apiKey, 4);
  buffer.writeInt16BE(apiVersion, 6);
  buffer.set(body, 12);
  return { buffer };
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe('NodeTransport + BrokerConnection over real TCP', () => {
  test('pipelined requests go out in one socket write each and come back matched', async () => {
    const transport = new CountingTransport();
    const writeSpy = vi.spyOn(net.Socket.prototype, 'write');
    try {
      const connection = await BrokerConnection.connect(transport, { nodeId: 0, host: '127.0.0.1', port, connectTimeoutMs: 5000 });
      const sizes = [0, 1, 1000, 3 * 1024 * 1024, 70_000];
      received.length = 0;
      const frames = sizes.map((n, i) => requestFrame(0, 9, pattern(n, i)));
      const responses = await Promise.all(frames.map((f) => connection.request(f)));
      expect(transport.writes).toBe(sizes.length);
      // and one net.Socket write each on the client side (the server's writes are its own sockets)
      const clientWrites = writeSpy.mock.contexts.filter((socket) => !serverSockets.has(socket as net.Socket));
      expect(clientWrites).toHaveLength(sizes.length);
      responses.forEach((response, i) => {
        expect(Buffer.from(response.buffer, response.byteOffset, 4).readInt32BE(0)).toBe(i); // correlation id
        expect(Buffer.compare(Buffer.from(response.subarray(4)), Buffer.from(pattern(sizes[i]!, i)))).toBe(0);
      });
      // the server saw exactly the frames we built, with size and correlation id filled in
      expect(received).toHaveLength(sizes.length);
      received.forEach((body, i) => expect(body.equals(Buffer.from(frames[i]!.buffer).subarray(4))).toBe(true));
      expect(connection.inFlightCount).toBe(0);

      // acks=0: resolves once flushed; the next request's response still matches
      const none = await connection.request(requestFrame(0, NO_RESPONSE_VERSION, pattern(10, 1)), { expectResponse: false });
      expect(none).toHaveLength(0);
      const after = await connection.request(requestFrame(3, 1, pattern(5, 2)));
      expect(Buffer.from(after.buffer, after.byteOffset, 4).readInt32BE(0)).toBe(sizes.length + 1);
      connection.close();
    } finally {
      writeSpy.mockRestore();
    }
  });

  test('a request with chunks goes out as one gather write (writev), the chunks uncopied and in order', async () => {
    const connection = await BrokerConnection.connect(new NodeTransport(), { nodeId: 0, host: '127.0.0.1', port, connectTimeoutMs: 5000 });
    const writevSpy = vi.spyOn(net.Socket.prototype, '_writev' as never);
    try {
      received.length = 0;
      const head = requestFrame(0, 9, pattern(3, 9)).buffer;
      const chunks = [pattern(100_000, 1), pattern(7, 2), pattern(20_000, 3)];
      const response = await connection.request({ buffer: head, chunks });
      const expected = Buffer.concat([Buffer.from(head).subarray(12), ...chunks.map((c) => Buffer.from(c))]);
      expect(received).toHaveLength(1);
      expect(received[0]!.subarray(8).equals(expected)).toBe(true); // size prefix covered the chunks
      expect(Buffer.from(response.subarray(4)).equals(expected)).toBe(true);
      expect(writevSpy.mock.calls.length).toBeLessThanOrEqual(1); // corked: one writev (0 if libuv took it in one write)
      connection.close();
    } finally {
      writevSpy.mockRestore();
    }
  });

  test('the broker dropping the connection fails in-flight requests retriably', async () => {
    const reasons: unknown[] = [];
    const connection = await BrokerConnection.connect(new NodeTransport(), {
      nodeId: 7,
      host: '127.0.0.1',
      port,
      onClose: (reason) => reasons.push(reason),
    });
    const pending = connection.request(requestFrame(0, NO_RESPONSE_VERSION, pattern(1, 1)));
    const crash = connection.request(requestFrame(666, 0, pattern(1, 1)));
    for (const p of [pending, crash]) {
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).retriable).toBe(true);
      expect((error as Error).message).toMatch(new RegExp(`Disconnected from node 7 \\(127\\.0\\.0\\.1:${port}\\)`));
    }
    expect(connection.isClosed).toBe(true);
    expect(reasons).toHaveLength(1);
  });

  test('a refused or aborted connect rejects with a retriable NetworkError', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const transport = new NodeTransport();
    const refused = await transport.connect('127.0.0.1', closedPort, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).retriable).toBe(true);
    expect((refused as Error).message).toMatch(/ECONNREFUSED/);

    const abort = new AbortController();
    const attempt = transport.connect('127.0.0.1', port, { timeoutMs: 5000, signal: abort.signal });
    abort.abort();
    await expect(attempt).rejects.toThrow(/aborted/);
  });

  test('ConnectionPool end to end: bootstrap, awaitReady, request, close', async () => {
    const pool = new ConnectionPool({ transport: new NodeTransport() });
    const [bootstrap] = pool.addBootstrapServers(`127.0.0.1:${port}`);
    const connection = await pool.awaitReady(bootstrap!, 5000);
    const response = await connection.request(requestFrame(18, 3, pattern(4, 4)));
    expect(response.subarray(4)).toEqual(pattern(4, 4));
    pool.close();
    expect(connection.isClosed).toBe(true);
    await vi.waitFor(() => expect(serverSockets.size).toBe(0), { timeout: 5000 });
  });
});
