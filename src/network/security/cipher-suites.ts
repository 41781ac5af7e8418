/**
 * Java's cipher suite names (the IANA registry's, which `ssl.cipher.suites` takes) and the
 * OpenSSL names a TLS library built on OpenSSL, BoringSSL or LibreSSL wants. The table holds the
 * certificate-authenticated suites that both Java's SunJSSE and OpenSSL 3 name; anonymous, NULL,
 * PSK, SRP and export suites are left out on purpose, so naming one is an error rather than a
 * silent downgrade. TLS 1.3 suites carry the same name in both worlds and are listed apart,
 * because OpenSSL configures them through a separate list (SSL_CTX_set_ciphersuites).
 */

/** TLS 1.3 suites (RFC 8446): the IANA name is also OpenSSL's. */
export const TLS13_CIPHER_SUITES: readonly string[] = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
];

/** TLS 1.2 suites: [IANA name as Java writes it, OpenSSL name] (from `openssl ciphers -stdname`). */
export const TLS12_CIPHER_SUITES: readonly (readonly [iana: string, openssl: string])[] = [
  // ECDHE with ECDSA certificates
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CCM', 'ECDHE-ECDSA-AES256-CCM'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 'ECDHE-ECDSA-AES128-CCM'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', 'ECDHE-ECDSA-AES256-CCM8'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'ECDHE-ECDSA-AES128-CCM8'],
  ['TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384', 'ECDHE-ECDSA-ARIA256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256', 'ECDHE-ECDSA-ARIA128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384', 'ECDHE-ECDSA-CAMELLIA256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256', 'ECDHE-ECDSA-CAMELLIA128-SHA256'],
  // ECDHE with RSA certificates (OpenSSL drops the RSA from the ARIA names)
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384', 'ECDHE-ARIA256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256', 'ECDHE-ARIA128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384', 'ECDHE-RSA-CAMELLIA256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256', 'ECDHE-RSA-CAMELLIA128-SHA256'],
  // finite-field DHE with RSA certificates
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  ['TLS_DHE_RSA_WITH_AES_256_CCM', 'DHE-RSA-AES256-CCM'],
  ['TLS_DHE_RSA_WITH_AES_128_CCM', 'DHE-RSA-AES128-CCM'],
  ['TLS_DHE_RSA_WITH_AES_256_CCM_8', 'DHE-RSA-AES256-CCM8'],
  ['TLS_DHE_RSA_WITH_AES_128_CCM_8', 'DHE-RSA-AES128-CCM8'],
  ['TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384', 'DHE-RSA-ARIA256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256', 'DHE-RSA-ARIA128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256', 'DHE-RSA-CAMELLIA256-SHA256'],
  ['TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256', 'DHE-RSA-CAMELLIA128-SHA256'],
  ['TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA', 'DHE-RSA-CAMELLIA256-SHA'],
  ['TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA', 'DHE-RSA-CAMELLIA128-SHA'],
  // finite-field DHE with DSA certificates
  ['TLS_DHE_DSS_WITH_AES_256_GCM_SHA384', 'DHE-DSS-AES256-GCM-SHA384'],
  ['TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 'DHE-DSS-AES128-GCM-SHA256'],
  ['TLS_DHE_DSS_WITH_AES_256_CBC_SHA256', 'DHE-DSS-AES256-SHA256'],
  ['TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 'DHE-DSS-AES128-SHA256'],
  ['TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 'DHE-DSS-AES256-SHA'],
  ['TLS_DHE_DSS_WITH_AES_128_CBC_SHA', 'DHE-DSS-AES128-SHA'],
  // static RSA key exchange (no forward secrecy; Java still names them)
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CCM', 'AES256-CCM'],
  ['TLS_RSA_WITH_AES_128_CCM', 'AES128-CCM'],
  ['TLS_RSA_WITH_AES_256_CCM_8', 'AES256-CCM8'],
  ['TLS_RSA_WITH_AES_128_CCM_8', 'AES128-CCM8'],
];

/**
 * Java's signalling value (RFC 5746): Java lets it appear in an enabled-suites list; OpenSSL
 * always signals secure renegotiation itself, so it translates to nothing.
 */
export const RENEGOTIATION_SCSV = 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV';

const TLS13 = new Set(TLS13_CIPHER_SUITES);
const TLS12_BY_IANA = new Map(TLS12_CIPHER_SUITES.map(([iana, openssl]) => [iana, openssl]));
const TLS12_OPENSSL = new Set(TLS12_CIPHER_SUITES.map(([, openssl]) => openssl));

/** One suite of `ssl.cipher.suites` in OpenSSL's terms; version 'none' for the signalling value. */
export type TranslatedSuite = { readonly version: 'TLSv1.3' | 'TLSv1.2'; readonly openssl: string } | { readonly version: 'none' };

/**
 * Translates one name as Java accepts it: an IANA name (`TLS_...`), its legacy `SSL_` spelling
 * (Java still accepts `SSL_RSA_WITH_...` for the suites that SSLv3 had), or, leniently, an
 * OpenSSL name from the table (Java would reject that one; accepting it costs nothing and keeps
 * a user's OpenSSL habit working). Returns undefined for anything else.
 */
export function translateCipherSuite(name: string): TranslatedSuite | undefined {
  const n = name.trim();
  if (n === RENEGOTIATION_SCSV) return { version: 'none' };
  if (TLS13.has(n)) return { version: 'TLSv1.3', openssl: n };
  const iana = n.startsWith('SSL_') ? `TLS_${n.slice(4)}` : n;
  const openssl = TLS12_BY_IANA.get(iana);
  if (openssl !== undefined) return { version: 'TLSv1.2', openssl };
  if (TLS12_OPENSSL.has(n)) return { version: 'TLSv1.2', openssl: n };
  return undefined;
}
