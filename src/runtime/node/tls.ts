/**
 * Node's Runtime.loadTls: reads what the ssl.* settings point at (PEM files and inline PEM,
 * PKCS12 stores through ./pkcs12.ts) and returns the TlsClientOptions NodeTransport opens TLS
 * connections with. Everything is checked here, synchronously, so the Producer constructor
 * throws it: missing or unreadable files, a file that is not what its type says, JKS stores
 * (with the keytool line that converts them), wrong passwords, a private key that does not
 * belong to its certificate, cipher suites this TLS library lacks. Each problem is a
 * ConfigError naming the property and the file; no message quotes a password or key material
 * (file contents are never echoed, only their paths and certificate subjects).
 *
 * Java's semantics kept: a truststore replaces the default CA store; certificates are not
 * checked for expiry here (an expired CA is the handshake's business, as in Java); the chain
 * is sent as the file orders it, leaf first. More lenient than Java where it costs nothing:
 * traditional "RSA/EC PRIVATE KEY" PEM is read besides PKCS#8, and an unencrypted key with
 * ssl.key.password set is accepted.
 */
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { ConfigError } from '../../errors.js';
import type { Password } from '../../network/security/password.js';
import type { KeySource, SslSettings, TrustSource } from '../../network/security/ssl-settings.js';
import type { TlsClientOptions } from '../../network/security/tls-client-options.js';
import { DerError } from './der.js';
import { isPrivateKeyLabel, pemBlocks, toPem, type PemBlock } from './pem.js';
import { Pkcs12Error, readPkcs12 } from './pkcs12.js';

// ---- files -----------------------------------------------------------------------------------

function readFile(property: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${String(code ?? 'error')})`;
    throw new ConfigError(property, `${path}: ${why}`);
  }
}

/** What a store file's first bytes say it is. */
function sniff(bytes: Uint8Array): 'jks' | 'jceks' | 'pem' | 'der' | 'unknown' {
  const magic = bytes.length >= 4 ? ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0 : 0;
  if (magic === 0xfeedfeed) return 'jks';
  if (magic === 0xcececece) return 'jceks';
  if (bytes[0] === 0x30) return 'der';
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(head)) return 'pem';
  return 'unknown';
}

/** The JKS answer: what it is, and the one line that converts it (PEM works too). */
function jksError(property: string, path: string, kind: 'JKS' | 'JCEKS', store: 'truststore' | 'keystore'): ConfigError {
  const p12 = `${path.replace(/\.(jks|jceks|ks)$/i, '')}.p12`;
  return new ConfigError(
    property,
    `${path} is a ${kind} key store, which only Java reads. Convert it once: ` +
      `keytool -importkeystore -srckeystore ${path} -destkeystore ${p12} -deststoretype PKCS12 ` +
      `(keytool asks for the passwords), then set ssl.${store}.type=PKCS12 and ssl.${store}.location=${p12}; ` +
      `or export the certificates${store === 'keystore' ? ' and key' : ''} as PEM and use ssl.${store}.type=PEM`,
  );
}

// ---- certificates and keys ---------------------------------------------------------------------

/** A parsed certificate: its PEM for the TLS layer, its subject for messages, its key for matching. */
interface Cert {
  readonly pem: string;
  readonly subject: string;
  readonly spki: Buffer;
}

function parseCertificate(der: Uint8Array, property: string, where: string, index: number): Cert {
  try {
    const x = new crypto.X509Certificate(der);
    return { pem: toPem('CERTIFICATE', der), subject: x.subject.split('\n').join(', '), spki: x.publicKey.export({ type: 'spki', format: 'der' }) };
  } catch {
    throw new ConfigError(property, `certificate ${index + 1} ${where} is not a valid X.509 certificate`);
  }
}

function certificatesFromPem(blocks: readonly PemBlock[], property: string, where: string): Cert[] {
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new ConfigError(property, `no certificate (-----BEGIN CERTIFICATE-----) ${where}`);
  return certs.map((b, i) => {
    if (b.der === undefined) throw new ConfigError(property, `certificate ${i + 1} ${where} is not valid base64`);
    return parseCertificate(b.der, property, where, i);
  });
}

/** The text of a PEM source, checked to be PEM at all (a DER or JKS file named as PEM says so). */
function pemText(bytes: Uint8Array, property: string, path: string, store: 'truststore' | 'keystore'): string {
  const kind = sniff(bytes);
  if (kind === 'jks' || kind === 'jceks') throw jksError(property, path, kind === 'jks' ? 'JKS' : 'JCEKS', store);
  if (kind === 'der') throw new ConfigError(`ssl.${store}.type`, `is PEM, but ${path} is binary (a PKCS12 store?): set ssl.${store}.type=PKCS12 and ssl.${store}.password`);
  return new TextDecoder().decode(bytes);
}

const spkiOf = (key: crypto.KeyObject): Buffer => crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });

/** Puts the certificate that belongs to `key` first (the leaf), or throws naming the mismatch. */
function leafFirst(chain: readonly Cert[], key: crypto.KeyObject, property: string, where: string): Cert[] {
  const spki = spkiOf(key);
  const leaf = chain.findIndex((c) => c.spki.equals(spki));
  if (leaf < 0) {
    throw new ConfigError(property, `the private key ${where} does not belong to the certificate (${chain[0]!.subject}) or any other certificate there`);
  }
  return leaf === 0 ? [...chain] : [chain[leaf]!, ...chain.filter((_, i) => i !== leaf)];
}

// ---- trust ---------------------------------------------------------------------------------------

function loadTrust(trust: TrustSource): string[] | undefined {
  switch (trust.kind) {
    case 'default':
      return undefined;
    case 'pem-inline':
      return certificatesFromPem(pemBlocks(trust.certificates.value()), 'ssl.truststore.certificates', 'in ssl.truststore.certificates').map((c) => c.pem);
    case 'pem-file': {
      const property = 'ssl.truststore.location';
      const text = pemText(readFile(property, trust.location), property, trust.location, 'truststore');
      return certificatesFromPem(pemBlocks(text), property, `in ${trust.location}`).map((c) => c.pem);
    }
    case 'store-file': {
      const certs = readStore('truststore', trust.type, trust.location, trust.password, null).certs;
      if (certs.length === 0) throw new ConfigError('ssl.truststore.location', `${trust.location} holds no certificate`);
      return certs.map((c) => c.pem);
    }
  }
}

// ---- stores ------------------------------------------------------------------------------------

interface StoreContents {
  readonly certs: Cert[];
  /** With keys requested: the first private key and its certificate chain, leaf first. */
  readonly client?: { readonly key: string; readonly chain: Cert[] };
}

/** A PKCS12 file (also when declared JKS: Java 9+ opens PKCS12 through type JKS as well). */
function readStore(store: 'truststore' | 'keystore', type: string, path: string, password: Password | null, keyPassword: Password | null): StoreContents {
  const location = `ssl.${store}.location`;
  const bytes = readFile(location, path);
  const kind = sniff(bytes);
  if (kind === 'jks' || kind === 'jceks') throw jksError(location, path, kind === 'jks' ? 'JKS' : 'JCEKS', store);
  if (kind === 'pem') {
    const extra = store === 'truststore' ? ' and remove ssl.truststore.password' : ', remove ssl.keystore.password and give an encrypted key\'s password as ssl.key.password';
    throw new ConfigError(`ssl.${store}.type`, `is ${type}, but ${path} is a PEM file: set ssl.${store}.type=PEM${extra}`);
  }
  if (kind !== 'der') throw new ConfigError(location, `${path} is not a PKCS12 key store (nor JKS or PEM)`);
  const keys = store === 'keystore';
  let contents;
  try {
    contents = readPkcs12(bytes, { password: password?.value() ?? null, keyPassword: keyPassword?.value() ?? null, keys });
  } catch (error) {
    if (error instanceof Pkcs12Error) {
      switch (error.kind) {
        case 'wrong-password':
          throw new ConfigError(`ssl.${store}.password`, `does not open ${path}: ${error.message}`);
        case 'wrong-key-password':
          throw new ConfigError('ssl.key.password', `does not open the private key in ${path}: ${error.message}`);
        case 'password-required':
          throw new ConfigError(`ssl.${store}.password`, `is required to read ${path}: ${error.message}`);
        case 'malformed':
        case 'unsupported':
          throw new ConfigError(location, `${path}: ${error.message}`);
      }
    }
    if (error instanceof DerError) throw new ConfigError(location, `${path} is not a valid PKCS12 file (${error.message})`);
    throw error;
  }
  const certs = contents.certificates.map((c, i) => parseCertificate(c.der, location, `in ${path}`, i));
  if (!keys) return { certs };
  const first = contents.keys[0];
  if (first === undefined) throw new ConfigError(location, `${path} holds no private key (a key store for ssl.keystore.* needs the client's key and certificate)`);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: Buffer.from(first.pkcs8), format: 'der', type: 'pkcs8' });
  } catch {
    throw new ConfigError(location, `the private key in ${path} cannot be read`);
  }
  // The key's certificate: the one with the same localKeyId, else the one with its public key.
  const idMatch = first.localKeyId === undefined ? -1 : contents.certificates.findIndex((c) => c.localKeyId !== undefined && Buffer.from(c.localKeyId).equals(Buffer.from(first.localKeyId!)));
  if (certs.length === 0) throw new ConfigError(location, `${path} holds a private key but no certificate`);
  const ordered = idMatch > 0 ? [certs[idMatch]!, ...certs.filter((_, i) => i !== idMatch)] : certs;
  const chain = leafFirst(ordered, key, location, `in ${path}`);
  return { certs, client: { key: key.export({ type: 'pkcs8', format: 'pem' }) as string, chain } };
}

// ---- keystore ------------------------------------------------------------------------------------

interface ClientMaterial {
  readonly cert: string;
  readonly key: string;
  readonly passphrase?: string;
}

/** The one private key of a PEM source, decrypted to check it; returned as the source wrote it. */
function pemKey(blocks: readonly PemBlock[], keyPassword: Password | null, property: string, where: string): { block: PemBlock; key: crypto.KeyObject; encrypted: boolean } {
  const keys = blocks.filter((b) => isPrivateKeyLabel(b.label));
  if (keys.length === 0) throw new ConfigError(property, `no private key (-----BEGIN PRIVATE KEY----- or ENCRYPTED PRIVATE KEY) ${where}`);
  if (keys.length > 1) throw new ConfigError(property, `${keys.length} private keys ${where}; expected exactly one`);
  const block = keys[0]!;
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || block.encryptedHeaders;
  if (encrypted && keyPassword === null) throw new ConfigError('ssl.key.password', `is required: the private key ${where} is encrypted`);
  try {
    const key = crypto.createPrivateKey({ key: block.text, format: 'pem', ...(encrypted ? { passphrase: keyPassword!.value() } : {}) });
    return { block, key, encrypted };
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? '');
    if (encrypted && /DECRYPT|PASSPHRASE|INTERRUPTED/i.test(code)) throw new ConfigError('ssl.key.password', `does not decrypt the private key ${where} (wrong password)`);
    throw new ConfigError(property, `the private key ${where} cannot be read${code !== '' ? ` (${code})` : ''}; Java expects PKCS#8 PEM (-----BEGIN PRIVATE KEY-----, or ENCRYPTED PRIVATE KEY with ssl.key.password)`);
  }
}

function loadKeystore(keystore: KeySource): ClientMaterial | undefined {
  switch (keystore.kind) {
    case 'none':
      return undefined;
    case 'pem-file': {
      const property = 'ssl.keystore.location';
      const where = `in ${keystore.location}`;
      const blocks = pemBlocks(pemText(readFile(property, keystore.location), property, keystore.location, 'keystore'));
      const { block, key, encrypted } = pemKey(blocks, keystore.keyPassword, property, where);
      const chain = leafFirst(certificatesFromPem(blocks, property, where), key, property, where);
      return { cert: chain.map((c) => c.pem).join(''), key: block.text, ...(encrypted ? { passphrase: keystore.keyPassword!.value() } : {}) };
    }
    case 'pem-inline': {
      const { block, key, encrypted } = pemKey(pemBlocks(keystore.key.value()), keystore.keyPassword, 'ssl.keystore.key', 'in ssl.keystore.key');
      const where = 'in ssl.keystore.certificate.chain';
      const chain = leafFirst(certificatesFromPem(pemBlocks(keystore.certificateChain.value()), 'ssl.keystore.certificate.chain', where), key, 'ssl.keystore.key', `in ssl.keystore.key (for the certificates ${where})`);
      return { cert: chain.map((c) => c.pem).join(''), key: block.text, ...(encrypted ? { passphrase: keystore.keyPassword!.value() } : {}) };
    }
    case 'store-file': {
      const { client } = readStore('keystore', keystore.type, keystore.location, keystore.password, keystore.keyPassword);
      return { cert: client!.chain.map((c) => c.pem).join(''), key: client!.key };
    }
  }
}

// ---- ciphers and the whole --------------------------------------------------------------------------

const DEFAULT_CIPHERS = tls.DEFAULT_CIPHERS.split(':');

/**
 * Node takes TLS 1.2 and 1.3 suites in one `ciphers` string (names starting TLS_ are 1.3's). A
 * list left out keeps Node's default for that version, so setting one never disables the other.
 * undefined when neither is set (Node's default as a whole).
 */
export function nodeCiphers(options: Pick<TlsClientOptions, 'ciphers' | 'ciphersuites'>): string | undefined {
  if (options.ciphers === undefined && options.ciphersuites === undefined) return undefined;
  const tls13 = options.ciphersuites ?? DEFAULT_CIPHERS.filter((c) => c.startsWith('TLS_')).join(':');
  const tls12 = options.ciphers ?? DEFAULT_CIPHERS.filter((c) => !c.startsWith('TLS_')).join(':');
  return [tls13, tls12].filter((s) => s !== '').join(':');
}

/** Node's secure-context options for `options` (shared by the validation below and NodeTransport). */
export function secureContextOptions(options: TlsClientOptions): tls.SecureContextOptions {
  const ciphers = nodeCiphers(options);
  return {
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
    ...(ciphers !== undefined ? { ciphers } : {}),
    ...(options.ca !== undefined ? { ca: [...options.ca] } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
  };
}

const IS_BUN = (globalThis as { Bun?: unknown }).Bun !== undefined;

/**
 * BoringSSL (Bun's TLS) always offers its three TLS 1.3 suites and takes no list for them. A
 * ssl.cipher.suites that names fewer cannot be honoured there: say so rather than negotiate a
 * suite the user excluded.
 */
const BORINGSSL_TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Let the TLS library itself accept the result once, so what it refuses is a ConfigError now. */
function checkWithTlsLibrary(options: TlsClientOptions, settings: SslSettings): void {
  const all = secureContextOptions(options);
  const library = `${IS_BUN ? 'Bun' : 'Node'}'s TLS`;
  if (IS_BUN && options.ciphersuites !== undefined && options.maxVersion === 'TLSv1.3') {
    const listed = new Set(options.ciphersuites.split(':'));
    if (!BORINGSSL_TLS13.every((s) => listed.has(s))) {
      throw new ConfigError(
        'ssl.cipher.suites',
        `Bun's TLS (BoringSSL) cannot restrict TLS 1.3 suites: it always offers ${BORINGSSL_TLS13.join(', ')}; list all three (or none) of them, or run on Node`,
      );
    }
  }
  try {
    tls.createSecureContext({ minVersion: all.minVersion, maxVersion: all.maxVersion, ...(all.ciphers !== undefined ? { ciphers: all.ciphers } : {}) });
  } catch {
    throw new ConfigError('ssl.cipher.suites', `${library} supports none of, or not all of, ${[options.ciphersuites, options.ciphers].filter(Boolean).join(':')} for ${options.minVersion}..${options.maxVersion}`);
  }
  try {
    if (all.ca !== undefined) tls.createSecureContext({ ca: all.ca });
  } catch {
    throw new ConfigError(settings.trust.kind === 'pem-inline' ? 'ssl.truststore.certificates' : 'ssl.truststore.location', `${library} rejects the trusted certificates`);
  }
  try {
    tls.createSecureContext(all);
  } catch (error) {
    const property = settings.keystore.kind === 'pem-inline' ? 'ssl.keystore.key' : 'ssl.keystore.location';
    throw new ConfigError(property, `${library} rejects the client certificate or key (${String((error as { code?: unknown }).code ?? 'error')})`);
  }
}

/** Runtime.loadTls for Node and Bun. */
export function loadTls(settings: SslSettings): TlsClientOptions {
  const ca = loadTrust(settings.trust);
  const client = loadKeystore(settings.keystore);
  const options: TlsClientOptions = {
    ...(ca !== undefined ? { ca } : {}),
    ...(client ?? {}),
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    ...(settings.tls12Ciphers !== null ? { ciphers: settings.tls12Ciphers } : {}),
    ...(settings.tls13Ciphersuites !== null ? { ciphersuites: settings.tls13Ciphersuites } : {}),
    checkServerIdentity: settings.verifyHostname,
  };
  checkWithTlsLibrary(options, settings);
  return options;
}
