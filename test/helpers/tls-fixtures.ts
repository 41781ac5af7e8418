/**
 * Certificates and key stores for the TLS tests, generated per run into a temp dir with
 * `openssl` and JDK 17's `keytool` (so PKCS12 files are exactly what those tools write, not what
 * we think they write), and a local node:tls server to handshake with.
 *
 * Everything is RSA 2048 and lives one run: two CAs, server certificates (right name, wrong
 * name, expired, signed by the other CA, self-signed), a client certificate for mTLS with its key
 * in every form Java reads (PKCS#8 PEM plain and encrypted, PKCS12 from openssl 3 default and
 * -legacy, from keytool default and keystore.pkcs12.legacy), truststores (PKCS12 by keytool and
 * openssl, JKS) and the passwords that open them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

/** Passwords used by the fixtures: tests search every error message for them. */
export const SECRETS = {
  store: 'store-Pa55word!',
  key: 'key-Pa55word!',
  trust: 'trust-Pa55word!',
} as const;

export interface TlsFixtures {
  readonly dir: string;
  /** path of a file in the fixture dir */
  path(name: string): string;
  /** text of a file in the fixture dir */
  read(name: string): string;
  /** Removes the directory. */
  cleanup(): void;
}

function run(cmd: string, args: readonly string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The file names generate() writes (documentation and a typo guard for tests). */
export const FILES = {
  caCert: 'ca.pem',
  ca2Cert: 'ca2.pem',
  expiredCaCert: 'expired-ca.pem',
  serverKey: 'server.key',
  serverCert: 'server.pem',
  wrongNameCert: 'wrongname.pem',
  expiredCert: 'expired.pem',
  otherCaServerCert: 'other-ca-server.pem',
  selfSignedKey: 'selfsigned.key',
  selfSignedCert: 'selfsigned.pem',
  clientKey: 'client.key', // PKCS#8, unencrypted
  clientKeyEncrypted: 'client-enc.key', // PKCS#8 encrypted (PBES2 AES-256-CBC), SECRETS.key
  clientKeyPkcs1: 'client-rsa.key', // "BEGIN RSA PRIVATE KEY" (traditional)
  clientCert: 'client.pem',
  clientChain: 'client-chain.pem', // client cert + CA cert
  clientBundle: 'client-bundle.pem', // key + cert + CA in one file (ssl.keystore.location PEM)
  clientBundleEncrypted: 'client-bundle-enc.pem', // encrypted key + chain
  otherKey: 'other.key', // a key that matches no certificate
  clientP12: 'client-openssl.p12', // openssl 3 default (AES-256-CBC, PBKDF2, HMAC-SHA256 MAC), SECRETS.store
  clientP12Legacy: 'client-openssl-legacy.p12', // openssl -legacy (RC2-40 certs, 3DES key, SHA1 MAC)
  clientP12Keytool: 'client-keytool.p12', // keytool (JDK 17) default
  clientP12KeytoolLegacy: 'client-keytool-legacy.p12', // keytool -J-Dkeystore.pkcs12.legacy
  clientJks: 'client.jks',
  trustP12Keytool: 'trust-keytool.p12', // SECRETS.trust
  trustP12KeytoolLegacy: 'trust-keytool-legacy.p12',
  trustP12Openssl: 'trust-openssl.p12',
  trustP12OpensslLegacy: 'trust-openssl-legacy.p12',
  trustJks: 'trust.jks',
  trustP12Plain: 'trust-plain.p12', // certificates unencrypted, no MAC: readable without a password
  caAndCa2: 'ca-and-ca2.pem',
  chainLeafLast: 'client-chain-leaf-last.pem', // CA first, then the client certificate
  notPem: 'not-pem.txt',
} as const;

/**
 * Generates every fixture (about 2 s, most of it keytool's JVM starts). Needs openssl 3 (with the
 * legacy provider for -legacy) and keytool on PATH.
 */
export function generateTlsFixtures(): TlsFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'kw-tls-'));
  const o = (...args: string[]): void => run('openssl', args, dir);
  const keytool = (...args: string[]): void => run('keytool', args, dir);
  const f = FILES;

  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  writeFileSync(join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  writeFileSync(join(dir, 'wrong.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:broker.wrong.example,DNS:*.wrong.example\n');
  writeFileSync(join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');

  const newKey = (name: string): void => o('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', name);
  const selfSignedCa = (key: string, cert: string, cn: string, days: string): void =>
    o('req', '-x509', '-new', '-key', key, '-out', cert, '-subj', `/CN=${cn}`, '-days', days, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = (key: string, cert: string, cn: string, caCert: string, caKey: string, ext: string, days = '30'): void => {
    o('req', '-new', '-key', key, '-out', `${cert}.csr`, '-subj', `/CN=${cn}`);
    o('x509', '-req', '-in', `${cert}.csr`, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', days, '-extfile', ext);
  };

  newKey('ca.key');
  selfSignedCa('ca.key', f.caCert, 'kafka-wire test CA', '30');
  newKey('ca2.key');
  selfSignedCa('ca2.key', f.ca2Cert, 'kafka-wire other CA', '30');
  newKey('expired-ca.key');
  // `req -x509` refuses -days -1; `x509 -req -signkey` self-signs with it (notAfter a day before now).
  o('req', '-new', '-key', 'expired-ca.key', '-out', 'expired-ca.csr', '-subj', '/CN=kafka-wire expired CA');
  o('x509', '-req', '-in', 'expired-ca.csr', '-signkey', 'expired-ca.key', '-out', f.expiredCaCert, '-days', '-1', '-extfile', 'ca.ext');

  newKey(f.serverKey);
  sign(f.serverKey, f.serverCert, 'localhost', f.caCert, 'ca.key', 'server.ext');
  sign(f.serverKey, f.wrongNameCert, 'broker.wrong.example', f.caCert, 'ca.key', 'wrong.ext');
  // -days -1: notAfter lies a day before notBefore (now), so the certificate has expired.
  sign(f.serverKey, f.expiredCert, 'localhost', f.caCert, 'ca.key', 'server.ext', '-1');
  sign(f.serverKey, f.otherCaServerCert, 'localhost', f.ca2Cert, 'ca2.key', 'server.ext');
  newKey(f.selfSignedKey);
  o('req', '-x509', '-new', '-key', f.selfSignedKey, '-out', f.selfSignedCert, '-subj', '/CN=localhost', '-days', '30', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');

  newKey(f.clientKey);
  sign(f.clientKey, f.clientCert, 'kafka-wire-client', f.caCert, 'ca.key', 'client.ext');
  o('pkcs8', '-topk8', '-in', f.clientKey, '-out', f.clientKeyEncrypted, '-v2', 'aes-256-cbc', '-passout', `pass:${SECRETS.key}`);
  o('pkey', '-in', f.clientKey, '-out', f.clientKeyPkcs1, '-traditional');
  newKey(f.otherKey);
  const text = (name: string): string => readFileSync(join(dir, name), 'utf8');
  writeFileSync(join(dir, f.clientChain), text(f.clientCert) + text(f.caCert));
  writeFileSync(join(dir, f.clientBundle), text(f.clientKey) + text(f.clientCert) + text(f.caCert));
  writeFileSync(join(dir, f.clientBundleEncrypted), text(f.clientKeyEncrypted) + text(f.clientCert) + text(f.caCert));
  writeFileSync(join(dir, f.notPem), 'this is not a certificate\n');
  writeFileSync(join(dir, f.caAndCa2), text(f.caCert) + text(f.ca2Cert));
  writeFileSync(join(dir, f.chainLeafLast), text(f.caCert) + text(f.clientCert));

  // Key stores: openssl's two defaults, then keytool rewriting the openssl one in its own formats.
  const p12 = (out: string, ...extra: string[]): void =>
    o('pkcs12', '-export', '-inkey', f.clientKey, '-in', f.clientCert, '-certfile', f.caCert, '-name', 'client', '-out', out, '-passout', `pass:${SECRETS.store}`, ...extra);
  p12(f.clientP12);
  p12(f.clientP12Legacy, '-legacy');
  const importStore = (out: string, type: string, ...jvm: string[]): void =>
    keytool(...jvm, '-importkeystore', '-noprompt', '-srckeystore', f.clientP12, '-srcstoretype', 'PKCS12', '-srcstorepass', SECRETS.store,
      '-destkeystore', out, '-deststoretype', type, '-deststorepass', SECRETS.store, '-destkeypass', SECRETS.store);
  importStore(f.clientP12Keytool, 'PKCS12');
  importStore(f.clientP12KeytoolLegacy, 'PKCS12', '-J-Dkeystore.pkcs12.legacy');
  importStore(f.clientJks, 'JKS');

  // Trust stores: certificates only.
  const trust = (out: string, type: string, ...jvm: string[]): void =>
    keytool(...jvm, '-importcert', '-noprompt', '-alias', 'ca', '-file', f.caCert, '-keystore', out, '-storetype', type, '-storepass', SECRETS.trust);
  trust(f.trustP12Keytool, 'PKCS12');
  trust(f.trustP12KeytoolLegacy, 'PKCS12', '-J-Dkeystore.pkcs12.legacy');
  trust(f.trustJks, 'JKS');
  o('pkcs12', '-export', '-nokeys', '-in', f.caCert, '-out', f.trustP12Openssl, '-passout', `pass:${SECRETS.trust}`);
  o('pkcs12', '-export', '-nokeys', '-in', f.caCert, '-out', f.trustP12OpensslLegacy, '-passout', `pass:${SECRETS.trust}`, '-legacy');
  o('pkcs12', '-export', '-nokeys', '-in', f.caCert, '-out', f.trustP12Plain, '-passout', 'pass:', '-certpbe', 'NONE', '-nomac');

  return {
    dir,
    path: (name) => join(dir, name),
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A local TLS server: it echoes what it reads unless `onConnection` takes the socket. */
export interface TestTlsServer {
  readonly port: number;
  /** Every handshake error the server saw (e.g. a client certificate it refused). */
  readonly clientErrors: Error[];
  close(): Promise<void>;
}

export async function startTlsServer(
  options: tls.TlsOptions,
  onConnection: (socket: tls.TLSSocket) => void = (socket) => socket.pipe(socket),
): Promise<TestTlsServer> {
  const clientErrors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(options, (socket) => {
    socket.on('error', () => {});
    onConnection(socket);
  });
  server.on('tlsClientError', (error) => clientErrors.push(error));
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    clientErrors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A plain TCP server that behaves as a Kafka PLAINTEXT listener does when a TLS ClientHello
 * arrives: it reads the first 4 bytes as a frame size (0x16030100-ish, far above
 * socket.request.max.bytes) and closes the connection.
 */
export async function startPlaintextServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
