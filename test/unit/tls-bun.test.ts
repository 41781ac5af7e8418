/**
 * The same TLS code under Bun (which runs Node's runtime adapter on BoringSSL): loadTls and
 * NodeTransport, run by Bun straight from src/ against TLS servers in this (Node) process. Bun
 * comes from tools/broker's ensureBun (npm registry, cached in ~/.cache/kafka-wire; BUN_BIN
 * overrides). Checks the trust and keystore forms, the failure messages, the post-handshake TLS
 * 1.3 alert, RST on reset, and that a TLS 1.3 suite restriction BoringSSL cannot honour is a
 * ConfigError instead of being ignored.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBun } from '../../tools/broker/index.mjs';
import { FILES, SECRETS, generateTlsFixtures, startPlaintextServer, startTlsServer, type TlsFixtures } from '../helpers/tls-fixtures.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Runs in Bun: each scenario connects through NodeTransport and reports what happened. */
const BUN_SCRIPT = `
import { sslSettingsFrom } from ${JSON.stringify(join(SRC, 'network/security/ssl-settings.ts'))};
import { loadTls } from ${JSON.stringify(join(SRC, 'runtime/node/tls.ts'))};
import { NodeTransport } from ${JSON.stringify(join(SRC, 'runtime/node/transport.ts'))};
const scenarios = JSON.parse(process.argv[2]);
const transport = new NodeTransport();
const results = {};
for (const s of scenarios) {
  try {
    const options = loadTls(sslSettingsFrom(s.values));
    const socket = await transport.connect('127.0.0.1', s.port, { timeoutMs: 10000, tls: options, ...(s.hostname ? { hostname: s.hostname } : {}) });
    const chunks = [];
    socket.onData((c) => chunks.push(c));
    const closed = new Promise((resolve) => socket.onClose((e) => resolve(e ? { name: e.name, code: e.code, message: e.message } : null)));
    if (!s.reset) {
      const payload = new Uint8Array(s.bytes ?? 4).fill(7);
      socket.writev([payload.subarray(0, 1), payload.subarray(1)]);
    } else {
      socket.reset();
      results[s.name] = { connected: true, closeError: await closed };
      continue;
    }
    const outcome = await Promise.race([closed.then((e) => ({ closeError: e })), new Promise((r) => setTimeout(() => r({ open: true }), 500))]);
    results[s.name] = { connected: true, received: Buffer.concat(chunks).toString('latin1').slice(0, 40), bytes: chunks.reduce((n, c) => n + c.length, 0), ...outcome };
    socket.destroy();
  } catch (e) {
    results[s.name] = { connected: false, name: e.name, code: e.code, property: e.property, message: e.message };
  }
}
console.log(JSON.stringify({ runtime: 'bun ' + Bun.version, results }));
process.exit(0);
`;

interface Outcome {
  connected: boolean;
  name?: string;
  code?: string;
  property?: string;
  message?: string;
  received?: string;
  bytes?: number;
  open?: boolean;
  closeError?: { name: string; code: string; message: string } | null;
}

let fx: TlsFixtures;
let bun: string;
const toClose: (() => unknown)[] = [];
let out: { runtime: string; results: Record<string, Outcome> };
const relayEvents: string[] = [];

beforeAll(async () => {
  fx = generateTlsFixtures();
  const found = await ensureBun({ log: (m: string) => process.stderr.write(`[tls-bun] ${m}\n`) });
  if (found.bin === null) throw new Error(`Bun is needed for this test and could not be fetched: ${found.reason}`);
  bun = found.bin;

  const key = fx.read(FILES.serverKey);
  const cert = fx.read(FILES.serverCert);
  const ca = [fx.read(FILES.caCert)];
  const server = async (options: tls.TlsOptions, onConnection?: (s: tls.TLSSocket) => void): Promise<number> => {
    const s = await startTlsServer({ key, cert, ...options }, onConnection);
    toClose.push(() => s.close());
    return s.port;
  };
  const tellCn = (socket: tls.TLSSocket): void => void socket.end(`client=${(socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN ?? 'none'}`);
  const echo = await server({});
  const wrongName = await server({ cert: fx.read(FILES.wrongNameCert) });
  const expired = await server({ cert: fx.read(FILES.expiredCert) });
  const tls12 = await server({ maxVersion: 'TLSv1.2' });
  const mtls12 = await server({ requestCert: true, rejectUnauthorized: true, ca, maxVersion: 'TLSv1.2' }, tellCn);
  const mtls13 = await server({ requestCert: true, rejectUnauthorized: true, ca }, tellCn);
  const plain = await startPlaintextServer();
  toClose.push(() => plain.close());
  // A TCP relay in front of the echo server: it sees a FIN or an RST from the client.
  const relaySockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(echo, '127.0.0.1');
    relaySockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', (e: NodeJS.ErrnoException) => {
      relayEvents.push(e.code ?? 'error');
      upstream.destroy();
    });
    client.on('end', () => relayEvents.push('end'));
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  toClose.push(() => new Promise<void>((r) => { for (const s of relaySockets) s.destroy(); relay.close(() => r()); }));

  const trust = { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.caCert) };
  const scenarios = [
    { name: 'pem', port: echo, values: trust, hostname: 'localhost' },
    { name: 'big-writev', port: echo, values: trust, hostname: 'localhost', bytes: 3 << 20 },
    { name: 'by-ip', port: echo, values: trust },
    { name: 'p12-legacy-trust', port: echo, hostname: 'localhost', values: { 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12KeytoolLegacy), 'ssl.truststore.password': SECRETS.trust } },
    { name: 'default-ca', port: echo, hostname: 'localhost', values: {} },
    { name: 'wrong-name', port: wrongName, hostname: 'localhost', values: trust },
    { name: 'wrong-name-unchecked', port: wrongName, hostname: 'localhost', values: { ...trust, 'ssl.endpoint.identification.algorithm': '' } },
    { name: 'expired', port: expired, hostname: 'localhost', values: trust },
    { name: 'no-shared-version', port: tls12, hostname: 'localhost', values: { ...trust, 'ssl.enabled.protocols': 'TLSv1.3' } },
    { name: 'mtls12-no-cert', port: mtls12, hostname: 'localhost', values: trust },
    { name: 'mtls12-p12-legacy', port: mtls12, hostname: 'localhost', values: { ...trust, 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12KeytoolLegacy), 'ssl.keystore.password': SECRETS.store } },
    { name: 'mtls13-pem-encrypted', port: mtls13, hostname: 'localhost', values: { ...trust, 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundleEncrypted), 'ssl.key.password': SECRETS.key } },
    { name: 'mtls13-no-cert', port: mtls13, hostname: 'localhost', values: trust },
    { name: 'plaintext', port: plain.port, hostname: 'localhost', values: trust },
    { name: 'tls13-suite-subset', port: echo, hostname: 'localhost', values: { ...trust, 'ssl.cipher.suites': 'TLS_AES_256_GCM_SHA384' } },
    // Nothing written before the reset: with writes still pending, Bun 1.x's TLS sockets often
    // close with a FIN instead (tried: resetting the TLS socket, the TCP socket under it, a TLS
    // socket of its own); plain TCP resets reliably, as does TLS when nothing is pending.
    { name: 'reset', port: (relay.address() as net.AddressInfo).port, hostname: 'localhost', values: trust, reset: true },
  ];
  const script = fx.path('bun-tls-check.ts');
  writeFileSync(script, BUN_SCRIPT);
  // Asynchronously: the servers answering Bun live in this process.
  const child = spawn(bun, [script, JSON.stringify(scenarios)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`bun exited ${code}: ${stderr}`);
  out = JSON.parse(stdout.trim().split('\n').pop()!);
});

afterAll(async () => {
  for (const close of toClose.reverse()) await close();
  fx?.cleanup();
});

const auth = (o: Outcome | undefined, words: RegExp): void => {
  expect(o).toMatchObject({ connected: false, name: 'AuthenticationError', code: 'SSL_AUTHENTICATION_FAILED' });
  expect(o!.message).toMatch(words);
};

describe('TLS under Bun', () => {
  test('it ran under Bun', () => {
    expect(out.runtime).toMatch(/^bun \d/);
  });

  test('trust from PEM and from a legacy keytool PKCS12; by name and by IP; big gather writes come back whole', () => {
    const r = out.results;
    expect(r.pem).toMatchObject({ connected: true, received: '\x07\x07\x07\x07', open: true });
    expect(r['by-ip']).toMatchObject({ connected: true, bytes: 4 });
    expect(r['p12-legacy-trust']).toMatchObject({ connected: true, bytes: 4 });
    expect(r['big-writev']).toMatchObject({ connected: true, bytes: 3 << 20 });
  });

  test('client certificates: PKCS12 (keytool legacy algorithms) over TLS 1.2, encrypted PEM over TLS 1.3', () => {
    expect(out.results['mtls12-p12-legacy']).toMatchObject({ connected: true, received: 'client=kafka-wire-client' });
    expect(out.results['mtls13-pem-encrypted']).toMatchObject({ connected: true, received: 'client=kafka-wire-client' });
  });

  test('failures carry the same words as on Node', () => {
    const r = out.results;
    auth(r['default-ca'], /not trusted.*set ssl\.truststore\.type\/location/);
    auth(r['wrong-name'], /certificate is for DNS:broker\.wrong\.example, DNS:\*\.wrong\.example, not for localhost/);
    expect(r['wrong-name-unchecked']).toMatchObject({ connected: true, bytes: 4 });
    auth(r.expired, /has expired/);
    auth(r['no-shared-version'], /share no TLS version \(this client offers TLSv1\.3/);
    auth(r['mtls12-no-cert'], /requires a client certificate/);
    auth(r.plaintext, /closed the connection before the TLS handshake completed.*PLAINTEXT listener/);
    // TLS 1.3: the broker's alert comes after the handshake, as the stream's close error.
    expect(r['mtls13-no-cert']).toMatchObject({ connected: true, closeError: { name: 'AuthenticationError', code: 'SSL_AUTHENTICATION_FAILED' } });
    expect(r['mtls13-no-cert']!.closeError!.message).toMatch(/requires a client certificate/);
  });

  test('a TLS 1.3 suite restriction BoringSSL cannot honour is a ConfigError', () => {
    expect(out.results['tls13-suite-subset']).toMatchObject({ connected: false, name: 'ConfigError', property: 'ssl.cipher.suites' });
    expect(out.results['tls13-suite-subset']!.message).toMatch(/cannot restrict TLS 1\.3 suites/);
  });

  test('reset() sends an RST under Bun too (nothing pending)', () => {
    expect(out.results.reset).toMatchObject({ connected: true });
    console.log('DEBUG', JSON.stringify(out.results.reset), relayEvents);
    expect(relayEvents).toEqual(['ECONNRESET']);
  });

  test('no password in any message', () => {
    const all = JSON.stringify(out);
    for (const secret of Object.values(SECRETS)) expect(all).not.toContain(secret);
  });
});
