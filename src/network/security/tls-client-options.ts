/**
 * The TLS options a transport opens a connection with (TransportConnectOptions.tls), as a
 * runtime's loadTls (src/runtime/runtime.ts) builds them from the ssl.* settings. It lives here,
 * beside the Transport seam that consumes it, because the network layer may not import the
 * runtime; runtime.ts re-exports it.
 */
import type { TlsVersion } from './ssl-settings.js';

/**
 * What a transport needs to open a TLS connection, as a runtime's loadTls builds it from the
 * ssl.* settings. A plain object of PEM text and names, so a custom runtime (Deno's connectTls,
 * a Workers socket's startTls, a platform TLS stack) can build one itself and read it back in its
 * own transport. It holds secrets (`key`, `passphrase`): never log it.
 */
export interface TlsClientOptions {
  /**
   * Trusted CA certificates, PEM, one certificate per entry. They replace the runtime's default
   * CA store (as a Java truststore replaces the JVM's cacerts); absent: the default store.
   */
  readonly ca?: readonly string[];
  /** The client certificate chain (mTLS), PEM, leaf first. Present exactly when `key` is. */
  readonly cert?: string;
  /** The client certificate's private key, PEM (PKCS#8, possibly encrypted: see `passphrase`). */
  readonly key?: string;
  /** Decrypts `key` when it is an encrypted PEM key. */
  readonly passphrase?: string;
  /** Protocol versions the handshake may negotiate, lowest and highest. */
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** TLS 1.2 cipher list in OpenSSL's syntax (`ECDHE-RSA-AES128-GCM-SHA256:...`); absent: the runtime's default. */
  readonly ciphers?: string;
  /** TLS 1.3 ciphersuites, `:`-separated (`TLS_AES_128_GCM_SHA256:...`); absent: the runtime's default. */
  readonly ciphersuites?: string;
  /**
   * Whether the broker's host name must match its certificate (ssl.endpoint.identification.algorithm
   * =https). Off, the certificate chain is still verified against `ca`, as in Java.
   */
  readonly checkServerIdentity: boolean;
}
