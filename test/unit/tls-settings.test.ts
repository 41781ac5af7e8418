/**
 * sslSettingsFrom: Java's ssl.* rules (DefaultSslEngineFactory.createKeystore/createTruststore,
 * SslConfigs' ssl.protocol cap) as typed settings, and every ConfigError with the property it
 * names; the IANA -> OpenSSL cipher table checked against OpenSSL itself; Password never prints.
 */
import { execFileSync } from 'node:child_process';
import * as tls from 'node:tls';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { TLS12_CIPHER_SUITES, TLS13_CIPHER_SUITES, translateCipherSuite } from '../../src/network/security/cipher-suites.js';
import { Password } from '../../src/network/security/password.js';
import { sslSettingsFrom, type SslSettings } from '../../src/network/security/ssl-settings.js';

/** The ConfigError sslSettingsFrom throws for `values`. */
function configError(values: Record<string, unknown>): ConfigError {
  try {
    sslSettingsFrom(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(values)}`);
}

const SECRET = 'Sup3r-secret';

describe('defaults (Java: JKS types, https, TLSv1.2+TLSv1.3, TLSv1.3 context)', () => {
  test('nothing set: default trust, no client certificate, host name checked, 1.2..1.3, library ciphers', () => {
    expect(sslSettingsFrom({})).toEqual<SslSettings>({
      trust: { kind: 'default' },
      keystore: { kind: 'none' },
      verifyHostname: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      tls12Ciphers: null,
      tls13Ciphersuites: null,
    });
  });

  test('the config table\'s own defaults (strings, lists, nulls) mean the same', () => {
    const table = {
      'ssl.protocol': 'TLSv1.3',
      'ssl.enabled.protocols': ['TLSv1.2', 'TLSv1.3'],
      'ssl.cipher.suites': [],
      'ssl.endpoint.identification.algorithm': 'https',
      'ssl.truststore.type': 'JKS',
      'ssl.truststore.location': null,
      'ssl.truststore.password': null,
      'ssl.truststore.certificates': null,
      'ssl.keystore.type': 'JKS',
      'ssl.keystore.location': null,
      'ssl.keystore.password': null,
      'ssl.keystore.key': null,
      'ssl.keystore.certificate.chain': null,
      'ssl.key.password': null,
    };
    expect(sslSettingsFrom(table)).toEqual(sslSettingsFrom({}));
  });
});

describe('trust sources', () => {
  test('PEM file, inline PEM, PKCS12 with and without password, JKS (left to the runtime to sniff)', () => {
    expect(sslSettingsFrom({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': '/ca.pem' }).trust).toEqual({ kind: 'pem-file', location: '/ca.pem' });
    const inline = sslSettingsFrom({ 'ssl.truststore.type': 'pem', 'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----' }).trust;
    expect(inline.kind).toBe('pem-inline');
    expect(inline.kind === 'pem-inline' && inline.certificates.value()).toBe('-----BEGIN CERTIFICATE-----');
    const p12 = sslSettingsFrom({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/t.p12', 'ssl.truststore.password': SECRET }).trust;
    expect(p12).toMatchObject({ kind: 'store-file', type: 'PKCS12', location: '/t.p12' });
    expect(p12.kind === 'store-file' && p12.password?.value()).toBe(SECRET);
    // Java: without a password the store is read with integrity checking disabled.
    expect(sslSettingsFrom({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/t.p12' }).trust).toMatchObject({ kind: 'store-file', password: null });
    // No type: Java's default JKS (the runtime answers a real JKS file with the keytool conversion).
    expect(sslSettingsFrom({ 'ssl.truststore.location': '/t.jks', 'ssl.truststore.password': SECRET }).trust).toMatchObject({ kind: 'store-file', type: 'JKS' });
  });

  test.each([
    [{ 'ssl.truststore.certificates': 'x' }, 'ssl.truststore.type', /only with ssl.truststore.type=PEM, but the type is JKS/],
    [{ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.certificates': 'x' }, 'ssl.truststore.type', /only with ssl.truststore.type=PEM/],
    [{ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': 'x', 'ssl.truststore.location': '/ca.pem' }, 'ssl.truststore.location', /together with ssl.truststore.certificates/],
    [{ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': 'x', 'ssl.truststore.password': SECRET }, 'ssl.truststore.password', /not supported for PEM/],
    [{ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': '/ca.pem', 'ssl.truststore.password': SECRET }, 'ssl.truststore.password', /not supported for PEM/],
    [{ 'ssl.truststore.password': SECRET }, 'ssl.truststore.password', /ssl.truststore.location is not/],
    [{ 'ssl.truststore.type': 'JCEKS', 'ssl.truststore.location': '/t.jceks' }, 'ssl.truststore.type', /JCEKS.*not supported.*PEM and PKCS12.*keytool -importkeystore/],
  ])('%j -> %s', (values, property, message) => {
    const e = configError(values);
    expect(e.property).toBe(property);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(SECRET);
  });
});

describe('keystore sources (mTLS)', () => {
  test('PEM file with ssl.key.password, inline chain + key, PKCS12 with store and key passwords', () => {
    const file = sslSettingsFrom({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/c.pem', 'ssl.key.password': SECRET }).keystore;
    expect(file).toMatchObject({ kind: 'pem-file', location: '/c.pem' });
    expect(file.kind === 'pem-file' && file.keyPassword?.value()).toBe(SECRET);
    const inline = sslSettingsFrom({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': 'chain', 'ssl.keystore.key': 'key' }).keystore;
    expect(inline).toMatchObject({ kind: 'pem-inline', keyPassword: null });
    expect(inline.kind === 'pem-inline' && [inline.certificateChain.value(), inline.key.value()]).toEqual(['chain', 'key']);
    const p12 = sslSettingsFrom({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/k.p12', 'ssl.keystore.password': SECRET, 'ssl.key.password': 'other' }).keystore;
    expect(p12).toMatchObject({ kind: 'store-file', type: 'PKCS12', location: '/k.p12' });
    expect(p12.kind === 'store-file' && [p12.password.value(), p12.keyPassword?.value()]).toEqual([SECRET, 'other']);
  });

  test.each([
    [{ 'ssl.keystore.key': 'k', 'ssl.keystore.certificate.chain': 'c' }, 'ssl.keystore.type', /only with ssl.keystore.type=PEM, but the type is JKS/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'k' }, 'ssl.keystore.certificate.chain', /is required with ssl.keystore.key/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': 'c' }, 'ssl.keystore.key', /is required with ssl.keystore.certificate.chain/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'k', 'ssl.keystore.certificate.chain': 'c', 'ssl.keystore.location': '/x' }, 'ssl.keystore.location', /together with ssl.keystore.key/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'k', 'ssl.keystore.certificate.chain': 'c', 'ssl.keystore.password': SECRET }, 'ssl.keystore.password', /not supported for PEM keys.*ssl.key.password/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/c.pem', 'ssl.keystore.password': SECRET }, 'ssl.keystore.password', /not supported for PEM/],
    [{ 'ssl.keystore.password': SECRET }, 'ssl.keystore.password', /ssl.keystore.location is not/],
    [{ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/k.p12' }, 'ssl.keystore.password', /is required with ssl.keystore.location/],
    [{ 'ssl.keystore.location': '/k.jks' }, 'ssl.keystore.password', /is required.*JKS/],
    [{ 'ssl.keystore.type': 'BCFKS', 'ssl.keystore.location': '/k', 'ssl.keystore.password': SECRET }, 'ssl.keystore.type', /BCFKS.*not supported/],
  ])('%j -> %s', (values, property, message) => {
    const e = configError(values);
    expect(e.property).toBe(property);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(SECRET);
  });

  test('an empty location is no location (Java keeps "" for a STRING)', () => {
    expect(sslSettingsFrom({ 'ssl.keystore.location': '', 'ssl.truststore.location': '' })).toMatchObject({ keystore: { kind: 'none' }, trust: { kind: 'default' } });
  });
});

describe('host name verification', () => {
  test('https (any case) on; empty or null off, as in Java', () => {
    expect(sslSettingsFrom({ 'ssl.endpoint.identification.algorithm': 'HTTPS' }).verifyHostname).toBe(true);
    expect(sslSettingsFrom({ 'ssl.endpoint.identification.algorithm': '' }).verifyHostname).toBe(false);
    expect(sslSettingsFrom({ 'ssl.endpoint.identification.algorithm': '  ' }).verifyHostname).toBe(false);
    expect(sslSettingsFrom({ 'ssl.endpoint.identification.algorithm': null }).verifyHostname).toBe(false);
  });

  test('another algorithm is a ConfigError', () => {
    const e = configError({ 'ssl.endpoint.identification.algorithm': 'ldaps' });
    expect(e.property).toBe('ssl.endpoint.identification.algorithm');
    expect(e.message).toMatch(/"ldaps" is not supported; use https .* or an empty value/);
  });
});

describe('protocols: ssl.enabled.protocols capped by ssl.protocol', () => {
  test.each([
    [{}, 'TLSv1.2', 'TLSv1.3'],
    [{ 'ssl.protocol': 'TLSv1.2' }, 'TLSv1.2', 'TLSv1.2'], // SslConfigs: no TLSv1.3 even when enabled
    [{ 'ssl.protocol': 'TLS' }, 'TLSv1.2', 'TLSv1.3'],
    [{ 'ssl.protocol': 'tlsv1.3' }, 'TLSv1.2', 'TLSv1.3'],
    [{ 'ssl.enabled.protocols': 'TLSv1.3' }, 'TLSv1.3', 'TLSv1.3'],
    [{ 'ssl.enabled.protocols': ['TLSv1.2'] }, 'TLSv1.2', 'TLSv1.2'],
    [{ 'ssl.enabled.protocols': 'TLSv1,TLSv1.1,TLSv1.2' }, 'TLSv1.2', 'TLSv1.2'], // old ones dropped, as current JVMs drop them
    [{ 'ssl.enabled.protocols': [] }, 'TLSv1.2', 'TLSv1.3'], // empty: the context's defaults
    [{ 'ssl.enabled.protocols': [], 'ssl.protocol': 'TLSv1.2' }, 'TLSv1.2', 'TLSv1.2'],
  ])('%j -> %s..%s', (values, min, max) => {
    expect(sslSettingsFrom(values)).toMatchObject({ minVersion: min, maxVersion: max });
  });

  test.each([
    [{ 'ssl.protocol': 'TLSv1.2', 'ssl.enabled.protocols': 'TLSv1.3' }, 'ssl.enabled.protocols', /TLSv1.3 is above ssl.protocol=TLSv1.2/],
    [{ 'ssl.enabled.protocols': 'TLSv1.1' }, 'ssl.enabled.protocols', /leaves no protocol/],
    [{ 'ssl.enabled.protocols': 'TLSv1.4' }, 'ssl.enabled.protocols', /unknown protocol "TLSv1.4"/],
    [{ 'ssl.protocol': 'TLSv1.1' }, 'ssl.protocol', /older than TLSv1.2/],
    [{ 'ssl.protocol': 'SSLv3' }, 'ssl.protocol', /older than TLSv1.2/],
    [{ 'ssl.protocol': 'DTLS' }, 'ssl.protocol', /unknown protocol "DTLS"/],
  ])('%j -> %s', (values, property, message) => {
    const e = configError(values);
    expect(e.property).toBe(property);
    expect(e.message).toMatch(message);
  });
});

describe('cipher suites', () => {
  test('IANA names split into the TLS 1.2 list (OpenSSL names) and the TLS 1.3 list; the versions follow the suites', () => {
    const both = sslSettingsFrom({ 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256' });
    expect(both).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', tls13Ciphersuites: 'TLS_AES_128_GCM_SHA256', tls12Ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305' });
    // Only TLS 1.3 suites: TLS 1.2 could negotiate nothing, so it is not offered (Java's engine neither).
    expect(sslSettingsFrom({ 'ssl.cipher.suites': ['TLS_AES_256_GCM_SHA384'] })).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', tls12Ciphers: null, tls13Ciphersuites: 'TLS_AES_256_GCM_SHA384' });
    expect(sslSettingsFrom({ 'ssl.cipher.suites': ['TLS_RSA_WITH_AES_128_GCM_SHA256'] })).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', tls12Ciphers: 'AES128-GCM-SHA256', tls13Ciphersuites: null });
  });

  test('Java\'s SSL_ spellings, its renegotiation SCSV, and OpenSSL names are understood', () => {
    expect(translateCipherSuite('SSL_RSA_WITH_AES_128_CBC_SHA')).toEqual({ version: 'TLSv1.2', openssl: 'AES128-SHA' });
    expect(translateCipherSuite('TLS_EMPTY_RENEGOTIATION_INFO_SCSV')).toEqual({ version: 'none' });
    expect(translateCipherSuite('ECDHE-RSA-AES256-GCM-SHA384')).toEqual({ version: 'TLSv1.2', openssl: 'ECDHE-RSA-AES256-GCM-SHA384' });
    expect(sslSettingsFrom({ 'ssl.cipher.suites': 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV,TLS_AES_128_GCM_SHA256' })).toMatchObject({ tls13Ciphersuites: 'TLS_AES_128_GCM_SHA256' });
  });

  test.each([
    [{ 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256,TLS_FOO_WITH_BAR' }, /unknown or unsupported cipher suite "TLS_FOO_WITH_BAR"/],
    [{ 'ssl.cipher.suites': 'TLS_DH_anon_WITH_AES_128_GCM_SHA256' }, /unknown or unsupported cipher suite "TLS_DH_anon/], // anonymous: never
    [{ 'ssl.cipher.suites': 'TLS_RSA_WITH_NULL_SHA256' }, /unknown or unsupported/],
    [{ 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256', 'ssl.protocol': 'TLSv1.2' }, /only TLS 1.3 suites, but the enabled protocols are TLSv1.2/],
    [{ 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ssl.enabled.protocols': 'TLSv1.3' }, /only TLS 1.2 suites, but the enabled protocols are TLSv1.3/],
    [{ 'ssl.cipher.suites': 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' }, /no cipher suite/],
  ])('%j', (values, message) => {
    const e = configError(values);
    expect(e.property).toBe('ssl.cipher.suites');
    expect(e.message).toMatch(message);
  });

  test('the table is OpenSSL\'s own mapping (openssl ciphers -stdname), and Node\'s TLS accepts every name in it', () => {
    const stdnames = new Map(
      execFileSync('openssl', ['ciphers', '-stdname', 'ALL:COMPLEMENTOFALL'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .map((f) => [f[0]!, f[2]!] as const),
    );
    for (const [iana, openssl] of TLS12_CIPHER_SUITES) {
      expect(stdnames.get(iana), iana).toBe(openssl);
      expect(() => tls.createSecureContext({ ciphers: openssl, maxVersion: 'TLSv1.2' }), openssl).not.toThrow();
    }
    for (const suite of TLS13_CIPHER_SUITES) {
      expect(() => tls.createSecureContext({ ciphers: suite, minVersion: 'TLSv1.3' }), suite).not.toThrow();
    }
    // The TLS 1.3 suites OpenSSL enables by default carry their IANA names.
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) expect(stdnames.get(suite)).toBe(suite);
  });
});

describe('Password', () => {
  test('never prints: String, template, JSON, util.inspect, nested in settings', () => {
    const p = new Password(SECRET);
    expect(p.value()).toBe(SECRET);
    const settings = sslSettingsFrom({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/k.p12', 'ssl.keystore.password': SECRET, 'ssl.key.password': SECRET });
    for (const printed of [String(p), `${p}`, JSON.stringify(p), inspect(p), JSON.stringify(settings), inspect(settings, { depth: 10 })]) {
      expect(printed).not.toContain(SECRET);
    }
    expect(JSON.stringify(settings)).toContain('[hidden]');
  });

  test('a Password given as the value is kept as is', () => {
    const p = new Password(SECRET);
    const settings = sslSettingsFrom({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/t.p12', 'ssl.truststore.password': p });
    expect(settings.trust.kind === 'store-file' && settings.trust.password).toBe(p);
  });

  test('a value of the wrong type names the property', () => {
    expect(configError({ 'ssl.truststore.location': 42 }).property).toBe('ssl.truststore.location');
    expect(configError({ 'ssl.keystore.password': 42 }).property).toBe('ssl.keystore.password');
    expect(configError({ 'ssl.enabled.protocols': 42 }).property).toBe('ssl.enabled.protocols');
  });
});
