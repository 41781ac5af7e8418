/**
 * Node's loadTls against real files written by openssl and keytool (JDK 17): every trust source,
 * every keystore form, and every file problem as a ConfigError naming the property and the path,
 * never a password or key material. Also the pieces under it: RC2 (RFC 2268 vectors) and the
 * PKCS#12 reader on a damaged file.
 */
import * as crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { sslSettingsFrom } from '../../src/network/security/ssl-settings.js';
import type { TlsClientOptions } from '../../src/network/security/tls-client-options.js';
import { readPkcs12 } from '../../src/runtime/node/pkcs12.js';
import { rc2DecryptBlock } from '../../src/runtime/node/rc2.js';
import { sha1Iterate } from '../../src/runtime/node/sha1-iterate.js';
import { loadTls } from '../../src/runtime/node/tls.js';
import { FILES, SECRETS, generateTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

let fx: TlsFixtures;
beforeAll(() => {
  fx = generateTlsFixtures();
});
afterAll(() => fx?.cleanup());

const load = (values: Record<string, unknown>): TlsClientOptions => loadTls(sslSettingsFrom(values));

/** The DER of every certificate in a PEM text (to compare certificates, not their line breaks). */
const ders = (pem: string | readonly string[]): string[] =>
  [pem]
    .flat()
    .join('')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!
    .map((b) => new crypto.X509Certificate(b).raw.toString('hex'));

const subjects = (pem: string): string[] => ders(pem).map((d) => new crypto.X509Certificate(Buffer.from(d, 'hex')).subject);

/** Everything a message must never contain: the passwords, and any run of key/certificate base64. */
function expectNoSecrets(message: string): void {
  for (const s of Object.values(SECRETS)) expect(message).not.toContain(s);
  expect(message).not.toMatch(/[A-Za-z0-9+/]{40,}/);
  expect(message).not.toMatch(/-----\s*[A-Za-z0-9+/]{8}/); // a PEM line followed by its contents
}

function loadError(values: Record<string, unknown>): ConfigError {
  try {
    load(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expectNoSecrets((error as Error).message);
    return error as ConfigError;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(values)}`);
}

/** The private key in options.key belongs to the leaf of options.cert. */
function expectKeyMatchesLeaf(options: TlsClientOptions): void {
  const key = crypto.createPrivateKey({ key: options.key!, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) });
  const leaf = new crypto.X509Certificate(options.cert!);
  expect(leaf.checkPrivateKey(key)).toBe(true);
  expect(leaf.subject).toBe('CN=kafka-wire-client');
}

describe('trust sources', () => {
  test('no truststore: the runtime default (no ca), and the settings carried over', () => {
    const options = load({ 'ssl.endpoint.identification.algorithm': '', 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256' });
    expect(options).toEqual({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphersuites: 'TLS_AES_128_GCM_SHA256', checkServerIdentity: false });
  });

  test('PEM file with one and with two certificates', () => {
    expect(ders(load({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.caCert) }).ca!)).toEqual(ders(fx.read(FILES.caCert)));
    const two = load({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.caAndCa2) }).ca!;
    expect(two).toHaveLength(2);
    expect(ders(two)).toEqual(ders(fx.read(FILES.caAndCa2)));
  });

  test('inline PEM (ssl.truststore.certificates)', () => {
    const options = load({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': fx.read(FILES.caCert) });
    expect(ders(options.ca!)).toEqual(ders(fx.read(FILES.caCert)));
  });

  test.each([FILES.trustP12Keytool, FILES.trustP12KeytoolLegacy, FILES.trustP12Openssl, FILES.trustP12OpensslLegacy])('PKCS12 truststore %s', (file) => {
    const options = load({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(file), 'ssl.truststore.password': SECRETS.trust });
    expect(ders(options.ca!)).toEqual(ders(fx.read(FILES.caCert)));
  });

  test('a PKCS12 file with the default type JKS is read as PKCS12 (as Java 9+ does)', () => {
    const options = load({ 'ssl.truststore.location': fx.path(FILES.trustP12Keytool), 'ssl.truststore.password': SECRETS.trust });
    expect(ders(options.ca!)).toEqual(ders(fx.read(FILES.caCert)));
  });

  test('a PKCS12 truststore without a password: unencrypted ones load (no integrity check, as Java); encrypted ones need it', () => {
    expect(ders(load({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12Plain) }).ca!)).toEqual(ders(fx.read(FILES.caCert)));
    const e = loadError({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12Keytool) });
    expect(e.property).toBe('ssl.truststore.password');
    expect(e.message).toContain(`is required to read ${fx.path(FILES.trustP12Keytool)}: the certificates are encrypted`);
  });

  test('an expired CA is not a configuration error (the handshake judges validity, as in Java)', () => {
    expect(load({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.expiredCaCert) }).ca).toHaveLength(1);
  });
});

/** [what, config values, the property named, words of the message] */
type Problem = [string, () => Record<string, unknown>, string, () => string];

describe('truststore problems', () => {
  test.each<Problem>([
    ['missing file', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path('nope.pem') }), 'ssl.truststore.location', () => `${fx.path('nope.pem')}: file not found`],
    ['a directory', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.dir }), 'ssl.truststore.location', () => `${fx.dir}: is a directory`],
    ['not PEM', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.notPem) }), 'ssl.truststore.location', () => `no certificate (-----BEGIN CERTIFICATE-----) in ${fx.path(FILES.notPem)}`],
    ['inline not PEM', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': 'garbage' }), 'ssl.truststore.certificates', () => 'no certificate (-----BEGIN CERTIFICATE-----) in ssl.truststore.certificates'],
    ['PEM named PKCS12', () => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.caCert), 'ssl.truststore.password': SECRETS.trust }), 'ssl.truststore.type', () => `${fx.path(FILES.caCert)} is a PEM file: set ssl.truststore.type=PEM and remove ssl.truststore.password`],
    ['PKCS12 named PEM', () => ({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path(FILES.trustP12Openssl) }), 'ssl.truststore.type', () => `is binary (a PKCS12 store?): set ssl.truststore.type=PKCS12`],
    ['wrong password', () => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.trustP12Keytool), 'ssl.truststore.password': 'wrong' }), 'ssl.truststore.password', () => `does not open ${fx.path(FILES.trustP12Keytool)}: the password is wrong`],
    ['a key store holding no certificate text', () => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path(FILES.notPem) }), 'ssl.truststore.location', () => 'is not a PKCS12 key store (nor JKS or PEM)'],
  ])('%s', (_, values, property, message) => {
    const e = loadError(values());
    expect(e.property).toBe(property);
    expect(e.message).toContain(message());
  });

  test('a broken certificate in a PEM file', () => {
    const broken = fx.read(FILES.caCert).replace(/(-----BEGIN CERTIFICATE-----\n)(.{20})/, '$1AAAAAAAAAAAAAAAAAAAA');
    writeFileSync(fx.path('broken.pem'), broken);
    const e = loadError({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': fx.path('broken.pem') });
    expect(e.message).toContain(`certificate 1 in ${fx.path('broken.pem')} is not a valid X.509 certificate`);
  });

  test('a damaged PKCS12 file: not DER, or a byte changed (the MAC says so)', () => {
    const bytes = readFileSync(fx.path(FILES.trustP12Keytool));
    writeFileSync(fx.path('truncated.p12'), bytes.subarray(0, 100));
    expect(loadError({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path('truncated.p12'), 'ssl.truststore.password': SECRETS.trust }).message).toMatch(
      /truncated.p12 is not a valid PKCS12 file \(PFX: length \d+ runs past the end of the data\)/,
    );
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 200]! ^= 0xff;
    writeFileSync(fx.path('flipped.p12'), flipped);
    expect(loadError({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': fx.path('flipped.p12'), 'ssl.truststore.password': SECRETS.trust }).message).toContain('or the file is damaged');
  });

  test.each([
    ['type JKS (the default)', {}],
    ['type PKCS12', { 'ssl.truststore.type': 'PKCS12' }],
  ])('a JKS truststore, %s: the keytool conversion, and PEM as the other way', (_, extra) => {
    const path = fx.path(FILES.trustJks);
    const e = loadError({ 'ssl.truststore.location': path, 'ssl.truststore.password': SECRETS.trust, ...extra });
    expect(e.property).toBe('ssl.truststore.location');
    expect(e.message).toContain(`${path} is a JKS key store, which only Java reads`);
    expect(e.message).toContain(`keytool -importkeystore -srckeystore ${path} -destkeystore ${path.replace(/\.jks$/, '.p12')} -deststoretype PKCS12`);
    expect(e.message).toContain('ssl.truststore.type=PKCS12');
    expect(e.message).toContain('ssl.truststore.type=PEM');
  });
});

describe('keystore forms (mTLS)', () => {
  test('PEM file with key, certificate and CA: the chain leaf first, the key as given', () => {
    const options = load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundle) });
    expect(subjects(options.cert!)).toEqual(['CN=kafka-wire-client', 'CN=kafka-wire test CA']);
    expect(options.passphrase).toBeUndefined();
    expectKeyMatchesLeaf(options);
  });

  test('PEM file with an encrypted PKCS#8 key and ssl.key.password: the key stays encrypted, the passphrase goes along', () => {
    const options = load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientBundleEncrypted), 'ssl.key.password': SECRETS.key });
    expect(options.key).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(options.passphrase).toBe(SECRETS.key);
    expectKeyMatchesLeaf(options);
  });

  test('inline chain + key, plain and encrypted, and a traditional RSA key', () => {
    const chain = fx.read(FILES.clientChain);
    expectKeyMatchesLeaf(load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': chain, 'ssl.keystore.key': fx.read(FILES.clientKey) }));
    expectKeyMatchesLeaf(load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': chain, 'ssl.keystore.key': fx.read(FILES.clientKeyEncrypted), 'ssl.key.password': SECRETS.key }));
    expectKeyMatchesLeaf(load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': chain, 'ssl.keystore.key': fx.read(FILES.clientKeyPkcs1) }));
  });

  test('a chain that lists the CA first is sent leaf first', () => {
    const options = load({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': fx.read(FILES.chainLeafLast), 'ssl.keystore.key': fx.read(FILES.clientKey) });
    expect(subjects(options.cert!)).toEqual(['CN=kafka-wire-client', 'CN=kafka-wire test CA']);
  });

  test.each([FILES.clientP12, FILES.clientP12Legacy, FILES.clientP12Keytool, FILES.clientP12KeytoolLegacy])('PKCS12 keystore %s', (file) => {
    const options = load({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(file), 'ssl.keystore.password': SECRETS.store });
    expect(subjects(options.cert!)).toEqual(['CN=kafka-wire-client', 'CN=kafka-wire test CA']);
    expectKeyMatchesLeaf(options);
  });

  test('PKCS12 keystore with ssl.key.password equal to the store password (Java passes both)', () => {
    expectKeyMatchesLeaf(load({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12Keytool), 'ssl.keystore.password': SECRETS.store, 'ssl.key.password': SECRETS.store }));
  });
});

describe('keystore problems', () => {
  const pem = (extra: Record<string, unknown>): Record<string, unknown> => ({ 'ssl.keystore.type': 'PEM', ...extra });
  test.each<Problem>([
    ['encrypted key without ssl.key.password', () => pem({ 'ssl.keystore.location': fx.path(FILES.clientBundleEncrypted) }), 'ssl.key.password', () => `is required: the private key in ${fx.path(FILES.clientBundleEncrypted)} is encrypted`],
    ['encrypted key, wrong ssl.key.password', () => pem({ 'ssl.keystore.location': fx.path(FILES.clientBundleEncrypted), 'ssl.key.password': 'wrong' }), 'ssl.key.password', () => `does not decrypt the private key in ${fx.path(FILES.clientBundleEncrypted)} (wrong password)`],
    ['inline key of another certificate', () => pem({ 'ssl.keystore.certificate.chain': fx.read(FILES.clientChain), 'ssl.keystore.key': fx.read(FILES.otherKey) }), 'ssl.keystore.key', () => 'does not belong to the certificate (CN=kafka-wire-client)'],
    ['a PEM file with no key', () => pem({ 'ssl.keystore.location': fx.path(FILES.clientChain) }), 'ssl.keystore.location', () => `no private key (-----BEGIN PRIVATE KEY----- or ENCRYPTED PRIVATE KEY) in ${fx.path(FILES.clientChain)}`],
    ['inline chain that is not PEM', () => pem({ 'ssl.keystore.certificate.chain': 'nope', 'ssl.keystore.key': fx.read(FILES.clientKey) }), 'ssl.keystore.certificate.chain', () => 'no certificate (-----BEGIN CERTIFICATE-----) in ssl.keystore.certificate.chain'],
    ['missing PKCS12 file', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path('nope.p12'), 'ssl.keystore.password': SECRETS.store }), 'ssl.keystore.location', () => `${fx.path('nope.p12')}: file not found`],
    ['PKCS12, wrong store password', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12), 'ssl.keystore.password': 'wrong' }), 'ssl.keystore.password', () => `does not open ${fx.path(FILES.clientP12)}: the password is wrong`],
    ['PKCS12, wrong ssl.key.password', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.clientP12Keytool), 'ssl.keystore.password': SECRETS.store, 'ssl.key.password': 'wrong' }), 'ssl.key.password', () => `does not open the private key in ${fx.path(FILES.clientP12Keytool)}`],
    ['PKCS12 truststore given as keystore', () => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': fx.path(FILES.trustP12Openssl), 'ssl.keystore.password': SECRETS.trust }), 'ssl.keystore.location', () => 'holds no private key'],
    ['JKS keystore', () => ({ 'ssl.keystore.location': fx.path(FILES.clientJks), 'ssl.keystore.password': SECRETS.store }), 'ssl.keystore.location', () => `keytool -importkeystore -srckeystore ${fx.path(FILES.clientJks)}`],
  ])('%s', (_, values, property, message) => {
    const e = loadError(values());
    expect(e.property).toBe(property);
    expect(e.message).toContain(message());
  });

  test('two private keys in one PEM file', () => {
    writeFileSync(fx.path('two-keys.pem'), fx.read(FILES.clientKey) + fx.read(FILES.otherKey) + fx.read(FILES.clientCert));
    const e = loadError({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path('two-keys.pem') });
    expect(e.message).toContain(`2 private keys in ${fx.path('two-keys.pem')}; expected exactly one`);
  });

  test('a PEM key file that is binary is named for what it is', () => {
    const e = loadError({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': fx.path(FILES.clientP12) });
    expect(e.property).toBe('ssl.keystore.type');
    expect(e.message).toContain(`is PEM, but ${fx.path(FILES.clientP12)} is binary (a PKCS12 store?)`);
  });
});

describe('the pieces underneath', () => {
  test('RC2 decrypts the RFC 2268 test vectors', () => {
    const h = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
    const vectors: [string, number, string, string][] = [
      ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
      ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
      ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
      ['88', 64, '0000000000000000', '61a8a244adacccf0'],
      ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
      ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
      ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ];
    for (const [key, bits, plain, cipher] of vectors) expect(Buffer.from(rc2DecryptBlock(h(key), bits, h(cipher))).toString('hex')).toBe(plain);
  });

  test('the iterated SHA-1 of the PKCS#12 key derivation equals node:crypto\'s, for 0..n iterations', () => {
    for (const times of [0, 1, 2, 3, 64, 1000]) {
      const start = crypto.randomBytes(20);
      let expected: Uint8Array = start;
      for (let i = 0; i < times; i++) expected = crypto.createHash('sha1').update(expected).digest();
      expect(Buffer.from(sha1Iterate(start, times)).toString('hex'), `${times} iterations`).toBe(Buffer.from(expected).toString('hex'));
    }
  });

  test('the PKCS#12 reader pairs a key store\'s key with its certificate by localKeyId', () => {
    const contents = readPkcs12(readFileSync(fx.path(FILES.clientP12Keytool)), { password: SECRETS.store, keys: true });
    expect(contents.keys).toHaveLength(1);
    expect(contents.certificates).toHaveLength(2);
    const id = Buffer.from(contents.keys[0]!.localKeyId!);
    const paired = contents.certificates.filter((c) => c.localKeyId !== undefined && Buffer.from(c.localKeyId).equals(id));
    expect(paired.map((c) => new crypto.X509Certificate(c.der).subject)).toEqual(['CN=kafka-wire-client']);
  });
});
