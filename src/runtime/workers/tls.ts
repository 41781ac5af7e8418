/**
 * TLS settings on Workers: `cloudflare:sockets` connect() with `secureTransport: 'on'` verifies
 * the broker's certificate against the runtime's own trusted CAs and the host name it was given,
 * and offers nothing else: no CA file, no client certificate, no protocol or cipher choice. So
 * loadTls accepts exactly the ssl.* settings that ask for that (no trust store, no key store,
 * host name checks on, the default protocols and ciphers) and refuses every other one with a
 * ConfigError naming the property, rather than connecting with weaker or different checks than
 * configured. (workerd run locally can trust a private CA through its network service's
 * tlsOptions.trustedCertificates: that is the runtime's trust store, as ssl.truststore unset asks.)
 */
import { ConfigError } from '../../errors.js';
import type { SslSettings } from '../../network/security/ssl-settings.js';
import type { TlsClientOptions } from '../../network/security/tls-client-options.js';

const WHY = "Workers' TLS sockets (cloudflare:sockets, secureTransport 'on')";

export function loadWorkersTls(settings: SslSettings): TlsClientOptions {
  if (settings.trust.kind !== 'default') {
    const property = settings.trust.kind === 'pem-inline' ? 'ssl.truststore.certificates' : 'ssl.truststore.location';
    throw new ConfigError(property, `${WHY} trust only the runtime's CA store and cannot load one: leave ssl.truststore.* unset (locally, give workerd's outbound network service tlsOptions.trustedCertificates)`);
  }
  if (settings.keystore.kind !== 'none') {
    const property = settings.keystore.kind === 'pem-inline' ? 'ssl.keystore.key' : 'ssl.keystore.location';
    throw new ConfigError(property, `${WHY} cannot present a client certificate, so mutual TLS is not available on Workers`);
  }
  if (!settings.verifyHostname) {
    throw new ConfigError('ssl.endpoint.identification.algorithm', `${WHY} always check the broker's host name; it cannot be turned off`);
  }
  if (settings.tls12Ciphers !== null || settings.tls13Ciphersuites !== null) {
    throw new ConfigError('ssl.cipher.suites', `${WHY} negotiate the runtime's own cipher suites; they cannot be restricted`);
  }
  if (settings.minVersion !== 'TLSv1.2' || settings.maxVersion !== 'TLSv1.3') {
    throw new ConfigError('ssl.enabled.protocols', `${WHY} negotiate TLS 1.2 or 1.3 as the runtime decides; the range cannot be narrowed (${settings.minVersion}..${settings.maxVersion} asked)`);
  }
  return { minVersion: settings.minVersion, maxVersion: settings.maxVersion, checkServerIdentity: true };
}
