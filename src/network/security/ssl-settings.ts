/**
 * Java's `ssl.*` producer properties turned into typed, validated TLS settings: where trust and
 * the client certificate come from (with their store types and passwords), whether the broker's
 * host name is checked, which protocol versions may be negotiated and which cipher suites, in
 * OpenSSL's terms. The rules are Java's (DefaultSslEngineFactory's createKeystore and
 * createTruststore, SslConfigs' documented meaning of ssl.protocol); breaking one is a
 * ConfigError naming the property, thrown by the Producer constructor. Nothing here reads a
 * file: the runtime's `loadTls` does that (src/runtime/runtime.ts), so the core stays free of
 * `node:`. Secrets are {@link Password}s, which never print.
 */
import { ConfigError } from '../../errors.js';
import { translateCipherSuite } from './cipher-suites.js';
import { Password } from './password.js';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * A store file's declared type. `JKS` is Java's default, so a location given without a type is
 * one. Java 9+ opens PKCS12 files through type JKS too (keystore.type.compat), so the runtime
 * looks at the file: PKCS12 bytes are read as PKCS12, a real JKS file (magic 0xFEEDFEED) is a
 * ConfigError with the keytool conversion.
 */
export type StoreFileType = 'PKCS12' | 'JKS';

/** Where the certificates that may sign the broker's certificate come from. */
export type TrustSource =
  /** No truststore configured: the runtime's default CA store (Java: the JVM's cacerts). */
  | { readonly kind: 'default' }
  /** ssl.truststore.type=PEM + ssl.truststore.location: a file of one or more certificates. */
  | { readonly kind: 'pem-file'; readonly location: string }
  /** ssl.truststore.type=PEM + ssl.truststore.certificates: the certificates inline. */
  | { readonly kind: 'pem-inline'; readonly certificates: Password }
  /** A PKCS12 (or JKS) file; without a password its integrity is not checked, as in Java. */
  | { readonly kind: 'store-file'; readonly type: StoreFileType; readonly location: string; readonly password: Password | null };

/** Where the client certificate and its private key (mTLS) come from. */
export type KeySource =
  /** No keystore: the client sends no certificate (fine unless the broker requires one). */
  | { readonly kind: 'none' }
  /** ssl.keystore.type=PEM + ssl.keystore.location: one file holding the key and the chain. */
  | { readonly kind: 'pem-file'; readonly location: string; readonly keyPassword: Password | null }
  /** ssl.keystore.type=PEM + ssl.keystore.certificate.chain + ssl.keystore.key, inline. */
  | { readonly kind: 'pem-inline'; readonly certificateChain: Password; readonly key: Password; readonly keyPassword: Password | null }
  /** A PKCS12 (or JKS) file: store password required; the key's own password defaults to it. */
  | { readonly kind: 'store-file'; readonly type: StoreFileType; readonly location: string; readonly password: Password; readonly keyPassword: Password | null };

export interface SslSettings {
  readonly trust: TrustSource;
  readonly keystore: KeySource;
  /** ssl.endpoint.identification.algorithm=https (the default): the broker's host name must match its certificate. */
  readonly verifyHostname: boolean;
  /** Lowest and highest protocol version that may be negotiated (ssl.enabled.protocols capped by ssl.protocol). */
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /**
   * OpenSSL cipher list for TLS 1.2 (`ECDHE-RSA-AES128-GCM-SHA256:...`), from ssl.cipher.suites;
   * null: the runtime's default (ssl.cipher.suites unset, or TLS 1.2 not enabled).
   */
  readonly tls12Ciphers: string | null;
  /** TLS 1.3 ciphersuites (`TLS_AES_128_GCM_SHA256:...`); null: the runtime's default, as above. */
  readonly tls13Ciphersuites: string | null;
}

/** The ssl.* properties sslSettingsFrom reads. */
export const SSL_PROPERTIES = [
  'ssl.protocol',
  'ssl.enabled.protocols',
  'ssl.cipher.suites',
  'ssl.endpoint.identification.algorithm',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.key.password',
] as const;

const VERSION_ORDER: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

/**
 * Protocol names Java knows that are older than TLS 1.2. Current JVMs disable them
 * (jdk.tls.disabledAlgorithms) and so does kafka-wire: in ssl.enabled.protocols they are
 * dropped, as Java drops them; as ssl.protocol they leave nothing to negotiate.
 */
const LEGACY_PROTOCOLS = new Set(['TLSV1', 'TLSV1.1', 'SSLV3', 'SSLV2', 'SSLV2HELLO']);

/** ssl.protocol -> the highest version its SSLContext negotiates. Java's JCA lookup ignores case. */
function protocolCap(raw: string): TlsVersion {
  const p = raw.toUpperCase();
  if (p === 'TLSV1.3' || p === 'TLS' || p === 'SSL') return 'TLSv1.3'; // TLS and SSL: every version the JVM has
  if (p === 'TLSV1.2') return 'TLSv1.2';
  if (LEGACY_PROTOCOLS.has(p)) {
    throw new ConfigError('ssl.protocol', `${raw} is older than TLSv1.2, which kafka-wire (like current JVMs) does not negotiate; use TLSv1.3 (the default) or TLSv1.2`);
  }
  throw new ConfigError('ssl.protocol', `unknown protocol ${JSON.stringify(raw)}; expected TLSv1.3 (the default), TLSv1.2 or TLS`);
}

/** One ssl.enabled.protocols entry -> a version we negotiate, or null for a legacy one Java also drops. */
function enabledProtocol(raw: string): TlsVersion | null {
  const p = raw.toUpperCase();
  if (p === 'TLSV1.3') return 'TLSv1.3';
  if (p === 'TLSV1.2') return 'TLSv1.2';
  if (LEGACY_PROTOCOLS.has(p)) return null;
  throw new ConfigError('ssl.enabled.protocols', `unknown protocol ${JSON.stringify(raw)}; expected TLSv1.2 and/or TLSv1.3`);
}

// ---- reading the values as the config table parsed them --------------------------------------

type Values = Readonly<Record<string, unknown>>;

/** A STRING property: trimmed as Java's ConfigDef does; null when unset. */
function str(values: Values, name: string, fallback: string | null): string | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'string') throw new ConfigError(name, `expected a string, got ${typeof raw}`);
  return raw.trim();
}

/** A PASSWORD property: kept as a Password; never trimmed (a password may end in a space), never printed. */
function secret(values: Values, name: string): Password | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return null;
  if (raw instanceof Password) return raw;
  if (typeof raw !== 'string') throw new ConfigError(name, `expected a string, got ${typeof raw}`);
  return new Password(raw);
}

/** A LIST property: an array, or a comma-separated string as in a properties file. */
function list(values: Values, name: string, fallback: readonly string[]): readonly string[] {
  const raw = values[name];
  if (raw === undefined || raw === null) return fallback;
  const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  if (items === null) throw new ConfigError(name, `expected a list, got ${typeof raw}`);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** ssl.keystore.type / ssl.truststore.type -> PEM or a store file type (any case, as Java's KeyStore.getInstance). */
function storeType(name: string, raw: string): 'PEM' | StoreFileType {
  const t = raw.toUpperCase();
  if (t === 'PEM' || t === 'PKCS12' || t === 'JKS') return t;
  throw new ConfigError(
    name,
    `store type ${JSON.stringify(raw)} is not supported; kafka-wire reads PEM and PKCS12 ` +
      `(convert with: keytool -importkeystore -srckeystore X -srcstoretype ${raw} -destkeystore X.p12 -deststoretype PKCS12)`,
  );
}

// ---- the sources, by Java's rules --------------------------------------------------------------

function trustSource(values: Values): TrustSource {
  const typeRaw = str(values, 'ssl.truststore.type', 'JKS') ?? 'JKS';
  const location = nonEmpty(str(values, 'ssl.truststore.location', null));
  const password = secret(values, 'ssl.truststore.password');
  const certificates = secret(values, 'ssl.truststore.certificates');
  if (certificates !== null) {
    if (storeType('ssl.truststore.type', typeRaw) !== 'PEM') {
      throw new ConfigError('ssl.truststore.type', `ssl.truststore.certificates can be given only with ssl.truststore.type=PEM, but the type is ${typeRaw}`);
    }
    if (location !== null) throw new ConfigError('ssl.truststore.location', 'cannot be set together with ssl.truststore.certificates: give the certificates in one of them');
    if (password !== null) throw new ConfigError('ssl.truststore.password', 'is not supported for PEM trust stores (PEM certificates are not encrypted): remove it');
    return { kind: 'pem-inline', certificates };
  }
  if (location === null) {
    if (password !== null) throw new ConfigError('ssl.truststore.password', 'is set but ssl.truststore.location is not');
    return { kind: 'default' };
  }
  const type = storeType('ssl.truststore.type', typeRaw);
  if (type === 'PEM') {
    if (password !== null) throw new ConfigError('ssl.truststore.password', 'is not supported for PEM trust stores (PEM certificates are not encrypted): remove it');
    return { kind: 'pem-file', location };
  }
  return { kind: 'store-file', type, location, password };
}

function keySource(values: Values): KeySource {
  const typeRaw = str(values, 'ssl.keystore.type', 'JKS') ?? 'JKS';
  const location = nonEmpty(str(values, 'ssl.keystore.location', null));
  const password = secret(values, 'ssl.keystore.password');
  const keyPassword = secret(values, 'ssl.key.password');
  const key = secret(values, 'ssl.keystore.key');
  const chain = secret(values, 'ssl.keystore.certificate.chain');
  if (key !== null) {
    if (storeType('ssl.keystore.type', typeRaw) !== 'PEM') {
      throw new ConfigError('ssl.keystore.type', `ssl.keystore.key can be given only with ssl.keystore.type=PEM, but the type is ${typeRaw}`);
    }
    if (chain === null) throw new ConfigError('ssl.keystore.certificate.chain', 'is required with ssl.keystore.key (the client certificate and its chain, PEM)');
    if (location !== null) throw new ConfigError('ssl.keystore.location', 'cannot be set together with ssl.keystore.key: give the key and certificate in one of them');
    if (password !== null) throw new ConfigError('ssl.keystore.password', 'is not supported for PEM keys: an encrypted key takes ssl.key.password');
    return { kind: 'pem-inline', certificateChain: chain, key, keyPassword };
  }
  if (chain !== null) throw new ConfigError('ssl.keystore.key', 'is required with ssl.keystore.certificate.chain (the private key, PKCS#8 PEM)');
  if (location === null) {
    if (password !== null) throw new ConfigError('ssl.keystore.password', 'is set but ssl.keystore.location is not');
    return { kind: 'none' };
  }
  const type = storeType('ssl.keystore.type', typeRaw);
  if (type === 'PEM') {
    if (password !== null) throw new ConfigError('ssl.keystore.password', 'is not supported for PEM key stores: an encrypted key takes ssl.key.password');
    return { kind: 'pem-file', location, keyPassword };
  }
  if (password === null) throw new ConfigError('ssl.keystore.password', `is required with ssl.keystore.location (a ${type} key store)`);
  return { kind: 'store-file', type, location, password, keyPassword };
}

/** Java's ConfigDef keeps "" for a STRING; an empty location means no location. */
function nonEmpty(s: string | null): string | null {
  return s === null || s === '' ? null : s;
}

function verifyHostname(values: Values): boolean {
  // An explicit null is Java's null (a properties file can only say ""): no endpoint identification.
  if (values['ssl.endpoint.identification.algorithm'] === null) return false;
  const algorithm = str(values, 'ssl.endpoint.identification.algorithm', 'https');
  if (algorithm === null || algorithm === '') return false;
  if (algorithm.toLowerCase() === 'https') return true;
  throw new ConfigError(
    'ssl.endpoint.identification.algorithm',
    `${JSON.stringify(algorithm)} is not supported; use https (the default: the broker's host name must match its certificate) or an empty value to turn the check off`,
  );
}

/**
 * ssl.enabled.protocols capped by ssl.protocol (SslConfigs: "If this config is set to 'TLSv1.2',
 * clients will not use 'TLSv1.3' even if it is one of the values in ssl.enabled.protocols"), then
 * narrowed by ssl.cipher.suites: a version none of the listed suites belongs to cannot be
 * negotiated (Java's engine offers no TLS 1.3 without a TLS 1.3 suite).
 */
function versionsAndCiphers(values: Values): Pick<SslSettings, 'minVersion' | 'maxVersion' | 'tls12Ciphers' | 'tls13Ciphersuites'> {
  const protocol = str(values, 'ssl.protocol', 'TLSv1.3') ?? 'TLSv1.3';
  const cap = protocolCap(protocol);
  const enabledRaw = list(values, 'ssl.enabled.protocols', ['TLSv1.2', 'TLSv1.3']);
  // Unset or empty: the SSLContext's own defaults, i.e. every version up to ssl.protocol.
  const enabled = new Set(enabledRaw.length === 0 ? VERSION_ORDER : enabledRaw.map(enabledProtocol).filter((v): v is TlsVersion => v !== null));
  const capped = VERSION_ORDER.filter((v) => enabled.has(v) && VERSION_ORDER.indexOf(v) <= VERSION_ORDER.indexOf(cap));
  if (capped.length === 0) {
    throw new ConfigError(
      'ssl.enabled.protocols',
      enabled.size === 0
        ? `${enabledRaw.join(',')} leaves no protocol kafka-wire negotiates; enable TLSv1.2 and/or TLSv1.3`
        : `${[...enabled].join(',')} is above ssl.protocol=${protocol}, which caps the versions used; enable TLSv1.2 or raise ssl.protocol`,
    );
  }

  const suites = list(values, 'ssl.cipher.suites', []);
  let tls12: string[] | null = null;
  let tls13: string[] | null = null;
  let versions = capped;
  if (suites.length > 0) {
    tls12 = [];
    tls13 = [];
    for (const name of suites) {
      const suite = translateCipherSuite(name);
      if (suite === undefined) {
        throw new ConfigError(
          'ssl.cipher.suites',
          `unknown or unsupported cipher suite ${JSON.stringify(name)}; use IANA names as Java does, e.g. TLS_AES_128_GCM_SHA256 (TLS 1.3) or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.2)`,
        );
      }
      if (suite.version === 'TLSv1.3') tls13.push(suite.openssl);
      else if (suite.version === 'TLSv1.2') tls12.push(suite.openssl);
    }
    versions = capped.filter((v) => (v === 'TLSv1.3' ? tls13!.length > 0 : tls12!.length > 0));
    if (versions.length === 0) {
      const has = tls13.length > 0 ? 'only TLS 1.3 suites' : tls12.length > 0 ? 'only TLS 1.2 suites' : 'no cipher suite';
      throw new ConfigError('ssl.cipher.suites', `lists ${has}, but the enabled protocols are ${capped.join(',')}: no suite is left to negotiate`);
    }
  }
  const minVersion = versions[0]!;
  const maxVersion = versions[versions.length - 1]!;
  const uses = (v: TlsVersion): boolean => versions.includes(v);
  return {
    minVersion,
    maxVersion,
    tls12Ciphers: tls12 !== null && uses('TLSv1.2') ? [...new Set(tls12)].join(':') : null,
    tls13Ciphersuites: tls13 !== null && uses('TLSv1.3') ? [...new Set(tls13)].join(':') : null,
  };
}

/**
 * The TLS settings from the producer's configuration values (as the config table parsed them:
 * strings, string[] for lists, null/undefined when unset; Java's defaults apply to what is
 * missing). Throws ConfigError naming the property for every combination Java rejects and for
 * what kafka-wire cannot do (a store type other than PEM/PKCS12/JKS, an unknown cipher suite, no
 * protocol left). Files are not read here: see Runtime.loadTls.
 */
export function sslSettingsFrom(values: Values): SslSettings {
  return {
    trust: trustSource(values),
    keystore: keySource(values),
    verifyHostname: verifyHostname(values),
    ...versionsAndCiphers(values),
  };
}

/**
 * The property that names where a source's material comes from, for error messages:
 * ssl.truststore.location, ssl.truststore.certificates, ssl.keystore.location, ssl.keystore.key.
 */
export function sourceProperty(source: TrustSource | KeySource, store: 'truststore' | 'keystore'): string {
  switch (source.kind) {
    case 'pem-inline':
      return store === 'truststore' ? 'ssl.truststore.certificates' : 'ssl.keystore.key';
    case 'default':
    case 'none':
    case 'pem-file':
    case 'store-file':
      return `ssl.${store}.location`;
  }
}
