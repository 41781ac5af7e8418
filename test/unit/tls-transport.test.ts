/**
 * NodeTransport with `tls` against local TLS servers (node:tls, and `openssl s_server` where a
 * server must send the alert a Java broker sends for a refused client certificate): handshakes
 * for each trust source and each client-certificate form, every handshake failure mapped to an
 * AuthenticationError whose words say what to do, host name checking on and off, protocol and
 * cipher restrictions, a plaintext listener answered with a clear error instead of a hang, and
 * bytes arriving intact through write / writev / big writes / onDrain, with reset and abort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthenticationError, KafkaWireError, NetworkError } from '../../src/errors.js';
import type { Socketish } from '../../src/network/transport.js';
import { sslSettingsFrom } from '../../src/network/security/ssl-settings.js';
import type { TlsClientOptions } from '../../src/network/security/tls-client-options.js';
import { loadTls } from '../../src/runtime/node/tls.js';
import { classifyTlsError, type HandshakeContext } from '../../src/runtime/node/tls-errors.js';
import { NodeTransport } from '../../src/runtime/node/transport.js';
import { FILES, SECRETS, generateTlsFixtures, startPlaintextServer, startTlsServer, type TestTlsServer, type TlsFixtures } from '../helpers/tls-fixtures.js';

let fx: TlsFixtures;
const toClose: (() => unknown)[] = [];
beforeAll(() => {
  fx = generateTlsFixtures();
});
afterAll(async () => {
  for (const close of toClose.reverse()) await close();
  fx?.cleanup();
});

const transport = new NodeTransport();
const trustCa = (): Record<string, unknown> => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.caCert) });
const options = (values: Record<string, unknown>): TlsClientOptions => loadTls(sslSettingsFrom(values));

/** Every error message the tests saw: none may hold a password. */
const messages: string[] = [];

async function server(extra: tls.TlsOptions = {}, cert: string = FILES.serverCert, onConnection?: (s: tls.TLSSocket) => void): Promise<TestTlsServer> {
  const s = await startTlsServer({ key: fx.read(FILES.serverKey), cert: fx.read(cert), ...extra }, onConnection);
  toClose.push(() => s.close());
  return s;
}

/** A server that requires a client certificate signed by our CA, and writes back the CN it got. */
function mtlsServer(extra: tls.TlsOptions = {}): Promise<TestTlsServer> {
  return server({ requestCert: true, rejectUnauthorized: true, ca: [fx.read(FILES.caCert)], ...extra }, FILES.serverCert, (socket) => {
    const cn = (socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN ?? 'none';
    socket.end(`client=${cn}`);
  });
}

/** Connects to 127.0.0.1 as the broker `hostname` (null: by address, as for a broker advertised by IP). */
function connect(port: number, tlsOptions: TlsClientOptions, hostname: string | null = 'localhost', timeoutMs = 10_000, signal?: AbortSignal): Promise<Socketish> {
  return transport.connect('127.0.0.1', port, { timeoutMs, tls: tlsOptions, ...(hostname !== null ? { hostname } : {}), ...(signal ? { signal } : {}) });
}

/** Reads until the stream closes: the bytes, and the close error if any. */
function readAll(socket: Socketish): Promise<{ text: string; error: Error | undefined }> {
  const chunks: Uint8Array[] = [];
  socket.onData((c) => chunks.push(c));
  return new Promise((resolve) => socket.onClose((error) => resolve({ text: Buffer.concat(chunks).toString(), error })));
}

/** Writes `text`, waits for the echo of the same length, closes. */
async function echo(socket: Socketish, text: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  const got = new Promise<string>((resolve) =>
    socket.onData((c) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (all.length >= text.length) resolve(all.toString());
    }),
  );
  socket.write(new TextEncoder().encode(text));
  const answer = await got;
  socket.destroy();
  return answer;
}

async function rejection(promise: Promise<unknown>): Promise<KafkaWireError> {
  try {
    const s = (await promise) as Socketish;
    s.destroy();
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaWireError);
    messages.push((error as Error).message);
    return error as KafkaWireError;
  }
  throw new Error('the connection succeeded');
}

function expectAuthFailure(error: KafkaWireError, ...words: (string | RegExp)[]): void {
  expect(error).toBeInstanceOf(AuthenticationError);
  expect(error.code).toBe('SSL_AUTHENTICATION_FAILED');
  expect(error.retriable).toBe(false);
  expect(error.message).toMatch(/^SSL handshake with localhost\/127\.0\.0\.1:\d+ failed: /);
  for (const w of words) expect(error.message).toMatch(w);
}

/**
 * `openssl s_server` requiring a client certificate signed by `caFile`; it alerts when one is
 * refused. It serves one connection and exits (so even a crashed run leaves none behind).
 */
async function opensslServer(caFile: string, version: '-tls1_2' | '-tls1_3'): Promise<number> {
  const child: ChildProcess = spawn(
    'openssl',
    ['s_server', '-accept', '127.0.0.1:0', '-key', fx.path(FILES.serverKey), '-cert', fx.path(FILES.serverCert), '-Verify', '1', '-verify_return_error', '-CAfile', caFile, version, '-naccept', '1'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  toClose.push(() => child.kill());
  return new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`openssl s_server exited (${code}): ${out}`)));
  });
}

describe('trust sources: the handshake verifies the broker against each', () => {
  test.each([
    ['PEM file', () => trustCa()],
    ['inline PEM', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': fx.read(FILES.caCert) })],
    ['PKCS12 (keytool)', () => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12Keytool), 'ssl.truststore.password': SECRETS.trust })],
    ['PKCS12 (openssl -legacy)', () => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12OpensslLegacy), 'ssl.truststore.password': SECRETS.trust })],
  ])('%s', async (_, values) => {
    const s = await server();
    expect(await echo(await connect(s.port, options(values())), 'hello over TLS')).toBe('hello over TLS');
  });

  test('the broker\'s IP as its name: no SNI, the IP checked against the certificate\'s IP SAN', async () => {
    const s = await server();
    expect(await echo(await connect(s.port, options(trustCa()), null), 'by address')).toBe('by address');
  });
});

describe('client certificates (mTLS): the broker sees ours in each form', () => {
  test.each([
    ['PEM file (key + chain)', () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundle) })],
    ['PEM file, encrypted key', () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundleEncrypted), 'ssl.key.password': SECRETS.key })],
    ['inline chain + key', () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': fx.read(FILES.clientChain), 'ssl.keystore.key': fx.read(FILES.clientKey) })],
    ['PKCS12 (openssl)', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12), 'ssl.keystore.password': SECRETS.store })],
    ['PKCS12 (openssl -legacy)', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12Legacy), 'ssl.keystore.password': SECRETS.store })],
    ['PKCS12 (keytool)', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12Keytool), 'ssl.keystore.password': SECRETS.store })],
    ['PKCS12 (keytool, legacy algorithms)', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12KeytoolLegacy), 'ssl.keystore.password': SECRETS.store })],
  ])('%s', async (_, keystore) => {
    const s = await mtlsServer();
    const socket = await connect(s.port, options({ ...trustCa(), ...keystore() }));
    expect(await readAll(socket)).toEqual({ text: 'client=kafka-wire-client', error: undefined });
  });
});

describe('handshake failures: an AuthenticationError that says what to do', () => {
  test('a certificate from another CA', async () => {
    const s = await server({}, FILES.otherCaServerCert);
    expectAuthFailure(await rejection(connect(s.port, options(trustCa()))), /not trusted/, /not in ssl\.truststore\.\*/);
  });

  test('a self-signed certificate', async () => {
    const s = await server({ key: fx.read(FILES.selfSignedKey), cert: fx.read(FILES.selfSignedCert) });
    expectAuthFailure(await rejection(connect(s.port, options(trustCa()))), /self-signed and not trusted/);
  });

  test('no truststore configured: the runtime\'s CA store does not know our CA', async () => {
    const s = await server();
    expectAuthFailure(await rejection(connect(s.port, options({}))), /not trusted/, /set ssl\.truststore\.type\/location \(or ssl\.truststore\.certificates\)/);
  });

  test('an expired certificate', async () => {
    const s = await server({}, FILES.expiredCert);
    expectAuthFailure(await rejection(connect(s.port, options(trustCa()))), /has expired/);
  });

  test('a host name mismatch names the host and the certificate\'s names; with the check off the same broker is accepted', async () => {
    const s = await server({}, FILES.wrongNameCert);
    expectAuthFailure(
      await rejection(connect(s.port, options(trustCa()))),
      /certificate is for DNS:broker\.wrong\.example, DNS:\*\.wrong\.example, not for localhost/,
      /ssl\.endpoint\.identification\.algorithm= \(empty\)/,
    );
    const ip = await rejection(connect(s.port, options(trustCa()), null));
    expect(ip.message).toMatch(/not for 127\.0\.0\.1/);
    // Off: no name check, but the chain is still verified (as Java).
    expect(await echo(await connect(s.port, options({ ...trustCa(), 'ssl.endpoint.identification.algorithm': '' })), 'unchecked name')).toBe('unchecked name');
    const other = await server({}, FILES.otherCaServerCert);
    expectAuthFailure(await rejection(connect(other.port, options({ ...trustCa(), 'ssl.endpoint.identification.algorithm': '' }))), /not trusted/);
  });

  test('TLS 1.2-only broker, TLSv1.3-only client (and the reverse, through ssl.protocol)', async () => {
    const old = await server({ maxVersion: 'TLSv1.2' });
    expectAuthFailure(await rejection(connect(old.port, options({ ...trustCa(), 'ssl.enabled.protocols': 'TLSv1.3' }))), /share no TLS version \(this client offers TLSv1\.3; see ssl\.enabled\.protocols and ssl\.protocol\)/);
    const modern = await server({ minVersion: 'TLSv1.3' });
    expectAuthFailure(await rejection(connect(modern.port, options({ ...trustCa(), 'ssl.protocol': 'TLSv1.2' }))), /share no TLS version \(this client offers TLSv1\.2;/);
  });

  test('no cipher suite in common', async () => {
    const s = await server({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' });
    expectAuthFailure(await rejection(connect(s.port, options({ ...trustCa(), 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }))), /share no cipher suite \(see ssl\.cipher\.suites/);
  });

  test('a broker that requires a client certificate, TLS 1.2: connect fails', async () => {
    const s = await mtlsServer({ maxVersion: 'TLSv1.2' });
    expectAuthFailure(await rejection(connect(s.port, options(trustCa()))), /requires a client certificate \(mTLS\): set ssl\.keystore\.type\/location/);
  });

  test('a broker that requires a client certificate, TLS 1.3: its alert after the handshake closes the stream with the same error', async () => {
    const s = await mtlsServer();
    const socket = await connect(s.port, options(trustCa()));
    const { error } = await readAll(socket);
    expectAuthFailure(error as KafkaWireError, /requires a client certificate \(mTLS\)/);
    messages.push(error!.message);
  });

  test('a broker that refuses our client certificate (openssl s_server, as a JSSE broker alerts), TLS 1.2 and 1.3', async () => {
    const client = { ...trustCa(), 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundle) };
    const port12 = await opensslServer(fx.path(FILES.ca2Cert), '-tls1_2');
    expectAuthFailure(await rejection(connect(port12, options(client))), /refused this client's certificate/, /broker's truststore must hold the CA that signed ssl\.keystore\.\*/);
    const port13 = await opensslServer(fx.path(FILES.ca2Cert), '-tls1_3');
    const { error } = await readAll(await connect(port13, options(client)));
    expectAuthFailure(error as KafkaWireError, /refused this client's certificate/);
  });

  test('a PLAINTEXT listener (closes on the ClientHello, as Kafka does): a clear, non-retriable error, not a hang', async () => {
    const plain = await startPlaintextServer();
    toClose.push(() => plain.close());
    expectAuthFailure(await rejection(connect(plain.port, options(trustCa()))), /closed the connection before the TLS handshake completed/, /PLAINTEXT listener/, /security\.protocol/);
  });

  test('no password appears in any message', () => {
    expect(messages.length).toBeGreaterThan(10);
    for (const m of messages) for (const secret of Object.values(SECRETS)) expect(m).not.toContain(secret);
  });
});

describe('what stays a NetworkError (retriable)', () => {
  const ctx: HandshakeContext = {
    endpoint: 'b1/10.0.0.1:9093',
    hostname: 'b1',
    sentClientCertificate: false,
    receivedServerCertificate: true,
    customTrust: true,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    afterHandshake: false,
  };
  const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  test('classification: ordinary socket errors are not TLS failures; after the handshake only the client-certificate verdict is', () => {
    expect(classifyTlsError(err('ECONNRESET', 'read ECONNRESET'), ctx)).toBeUndefined();
    expect(classifyTlsError(err('ETIMEDOUT'), ctx)).toBeUndefined();
    expect(classifyTlsError(err('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC'), { ...ctx, afterHandshake: true })).toBeUndefined();
    expect(classifyTlsError(err('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'), { ...ctx, afterHandshake: true })).toBeUndefined();
    expect(classifyTlsError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), { ...ctx, afterHandshake: true })?.message).toMatch(/requires a client certificate/);
    expect(classifyTlsError(err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), { ...ctx, afterHandshake: true, sentClientCertificate: true })?.message).toMatch(/refused this client's certificate/);
    // Before it, a reply that is not TLS at all (some other protocol on the port).
    expect(classifyTlsError(err('ERR_SSL_WRONG_VERSION_NUMBER'), ctx)?.message).toMatch(/^SSL handshake with b1\/10\.0\.0\.1:9093 failed: the broker did not answer in TLS: .*PLAINTEXT listener/);
    // A handshake_failure before the broker's certificate arrived: no common cipher.
    expect(classifyTlsError(err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), { ...ctx, receivedServerCertificate: false })?.message).toMatch(/share no cipher suite/);
  });

  test('connection refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const e = await rejection(connect(port, options(trustCa())));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.retriable).toBe(true);
  });

  test('a listener that never answers the ClientHello: the setup timeout', async () => {
    const silent = await silentServer();
    const e = await rejection(connect(silent.port, options(trustCa()), 'localhost', 300));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.message).toMatch(/Connection setup to localhost\/127\.0\.0\.1:\d+ timed out after 300 ms/);
    // The client let go of the connection: the listener sees it end.
    await until(() => silent.ended > 0);
  });

  test('abort during the handshake', async () => {
    const silent = await silentServer();
    const abort = new AbortController();
    silent.server.once('connection', () => setImmediate(() => abort.abort()));
    const e = await rejection(connect(silent.port, options(trustCa()), 'localhost', 10_000, abort.signal));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.message).toMatch(/aborted/);
    await until(() => silent.ended > 0);
  });
});

/** A TCP listener that reads and never answers (counts the connections that ended). */
async function silentServer(): Promise<{ server: net.Server; port: number; ended: number }> {
  const sockets = new Set<net.Socket>();
  const state = { server: net.createServer(), port: 0, ended: 0 };
  state.server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => {
      sockets.delete(s);
      state.ended++;
    });
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.port = (state.server.address() as net.AddressInfo).port;
  toClose.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        state.server.close(() => r());
      }),
  );
  return state;
}

describe('protocol and cipher settings reach the handshake', () => {
  test('ssl.cipher.suites picks the TLS 1.3 suite; ssl.protocol=TLSv1.2 negotiates TLS 1.2 with a 1.3-capable broker', async () => {
    const seen: { protocol: string | null; cipher: string }[] = [];
    const s = await server({}, FILES.serverCert, (socket) => {
      seen.push({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.end('ok');
    });
    await readAll(await connect(s.port, options({ ...trustCa(), 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256' })));
    await readAll(await connect(s.port, options({ ...trustCa(), 'ssl.protocol': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' })));
    expect(seen).toEqual([
      { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
      { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' },
    ]);
  });
});

describe('the stream over TLS keeps the plain transport\'s behaviour', () => {
  test('write, writev and big writes arrive intact and in order; onFlushed fires for each; onDrain after a full buffer; chunks handed over unchanged', async () => {
    const s = await server(); // echoes
    const socket = await connect(s.port, options(trustCa()));
    const received: Uint8Array[] = [];
    let receivedBytes = 0;
    let total = 0;
    const sent = createHash('sha256');
    let flushed = 0;
    let writes = 0;
    const onFlushed = (error?: Error | null): void => {
      expect(error ?? undefined).toBeUndefined();
      flushed++;
    };
    const done = new Promise<void>((resolve) =>
      socket.onData((chunk) => {
        received.push(chunk);
        receivedBytes += chunk.length;
        if (total > 0 && receivedBytes === total) resolve();
      }),
    );
    const piece = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const queue: Uint8Array[][] = [];
    for (let i = 0; i < 40; i++) queue.push(i % 3 === 0 ? [piece(1 << 18, i)] : [piece(13, i), piece(70_000, i), piece(5, i)]);
    const planned = queue.reduce((n, chunks) => n + chunks.reduce((m, c) => m + c.length, 0), 0);
    let drains = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (queue.length > 0) {
          const chunks = queue.shift()!;
          for (const c of chunks) sent.update(c);
          writes++;
          const ok = chunks.length === 1 ? socket.write(chunks[0]!, onFlushed) : socket.writev!(chunks, onFlushed);
          if (!ok) return; // wait for onDrain
        }
        resolve();
      };
      socket.onDrain(() => {
        drains++;
        pump();
      });
      pump();
    });
    total = planned;
    if (receivedBytes < total) await done;
    const got = createHash('sha256');
    for (const c of received) got.update(c);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    expect(receivedBytes).toBe(planned);
    expect(drains).toBeGreaterThan(0);
    await new Promise<void>((r) => setImmediate(r));
    expect(flushed).toBe(writes);
    // Handed-over chunks are distinct buffers the transport no longer touches.
    expect(new Set(received.map((c) => c.buffer)).size).toBe(received.length);
    socket.destroy();
  });

  test('close() ends gracefully (FIN); reset() aborts the TCP connection under TLS (RST)', async () => {
    // A TCP relay in front of the TLS server sees what the client's TCP socket does.
    const tlsServer = await server();
    const seen: string[] = [];
    const relaySockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      relaySockets.add(client);
      const upstream = net.connect(tlsServer.port, '127.0.0.1');
      relaySockets.add(upstream);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', (e: NodeJS.ErrnoException) => {
        seen.push(e.code ?? 'error');
        upstream.destroy();
      });
      client.on('end', () => seen.push('end'));
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    toClose.push(() => new Promise<void>((r) => { for (const s of relaySockets) s.destroy(); relay.close(() => r()); }));
    const port = (relay.address() as net.AddressInfo).port;

    const graceful = await connect(port, options(trustCa()));
    const closed = new Promise<Error | undefined>((r) => graceful.onClose(r));
    graceful.close();
    expect(await closed).toBeUndefined();
    await until(() => seen.length > 0);
    expect(seen).toEqual(['end']);

    seen.length = 0;
    const aborted = await connect(port, options(trustCa()));
    const resetClosed = new Promise<Error | undefined>((r) => aborted.onClose(r));
    aborted.write(new Uint8Array(1 << 20)); // in flight when the request is given up
    aborted.reset!();
    aborted.destroy(); // the connection may destroy after a reset: harmless (and no crash)
    await resetClosed;
    await until(() => seen.length > 0);
    expect(seen).toEqual(['ECONNRESET']);
  });
});

/** Waits (event-loop turns, no timers asserted) until `cond` holds; fails after a generous bound. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
