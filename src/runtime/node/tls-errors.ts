/**
 * What a failed TLS handshake means, in words a user acts on. Node (OpenSSL) and Bun
 * (BoringSSL) report failures as error codes: certificate verification results
 * (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ...), ERR_TLS_CERT_ALTNAME_INVALID from the host
 * name check, ERR_SSL_*_ALERT_* for an alert the broker sent, ERR_SSL_* for what our side refused,
 * and "socket disconnected before secure TLS connection was established" when the peer closed
 * mid-handshake. Each becomes an AuthenticationError(SSL_AUTHENTICATION_FAILED) naming the
 * broker, the reason and the property to look at; anything else returns undefined and stays a
 * retriable NetworkError for the caller to build.
 */
import { AuthenticationError } from '../../errors.js';

export const SSL_AUTHENTICATION_FAILED = 'SSL_AUTHENTICATION_FAILED';

/** What the classifier needs to know besides the error. */
export interface HandshakeContext {
  /** `name/ip:port` as the transport prints it. */
  readonly endpoint: string;
  /** The name the certificate was checked against. */
  readonly hostname: string;
  /** Whether we offered a client certificate (ssl.keystore.*). */
  readonly sentClientCertificate: boolean;
  /** Whether the broker's certificate had arrived when it failed (i.e. the broker got past hello). */
  readonly receivedServerCertificate: boolean;
  /** Whether the trust came from ssl.truststore.* (else the runtime's default CA store). */
  readonly customTrust: boolean;
  readonly minVersion: string;
  readonly maxVersion: string;
  /** The handshake had completed (a TLS 1.3 alert after Finished, e.g. certificate_required). */
  readonly afterHandshake: boolean;
}

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly reason?: unknown;
  readonly host?: unknown;
  readonly cert?: { readonly subjectaltname?: unknown; readonly subject?: { readonly CN?: unknown } };
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
]);

/** Alerts the broker sends about the client certificate (RFC 8446 section 6.2 names). */
const CLIENT_CERT_ALERTS = /ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|ACCESS_DENIED)$/;

const PLAINTEXT_HINT = 'this is what a PLAINTEXT listener does with a TLS hello (check the port: is it the broker\'s SSL or SASL_SSL listener? or is security.protocol meant to be PLAINTEXT / SASL_PLAINTEXT?)';

function names(e: ErrorLike): string {
  const san = typeof e.cert?.subjectaltname === 'string' && e.cert.subjectaltname !== '' ? e.cert.subjectaltname : undefined;
  const cn = typeof e.cert?.subject?.CN === 'string' ? `CN=${e.cert.subject.CN}` : undefined;
  return san ?? cn ?? 'no names';
}

/** The broker's verdict on our client certificate (or its absence), from the alert it sent. */
function clientCertificateReason(code: string, error: ErrorLike, ctx: HandshakeContext): string | undefined {
  // A handshake_failure after the broker's certificate arrived is its answer to ours, not a
  // cipher mismatch (that one comes before the ServerHello).
  const rejected = CLIENT_CERT_ALERTS.test(code) || (/ALERT_HANDSHAKE_FAILURE$/.test(code) && ctx.receivedServerCertificate);
  if (/ALERT_CERTIFICATE_REQUIRED$/.test(code) || (rejected && !ctx.sentClientCertificate)) {
    return 'the broker requires a client certificate (mTLS): set ssl.keystore.type/location (or ssl.keystore.certificate.chain and ssl.keystore.key)';
  }
  if (rejected) {
    const alert = typeof error.reason === 'string' ? ` (${error.reason})` : '';
    return `the broker refused this client's certificate${alert}: the broker's truststore must hold the CA that signed ssl.keystore.* and the certificate must be valid for client authentication`;
  }
  return undefined;
}

/** The reason a handshake failed, or undefined when `error` is not a TLS failure. */
function reason(error: ErrorLike, ctx: HandshakeContext): string | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  const trustHint = ctx.customTrust
    ? 'the CA that signed it is not in ssl.truststore.* (add it, or the broker sends the wrong certificate)'
    : 'set ssl.truststore.type/location (or ssl.truststore.certificates) to the CA that signed the broker\'s certificate';

  // After the handshake only the broker's verdict on the client certificate counts (TLS 1.3
  // sends it after our Finished); any other error there, a bad record MAC included, is the
  // network's and stays retriable.
  if (ctx.afterHandshake) return clientCertificateReason(code, error, ctx);
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return `the broker's certificate is self-signed and not trusted: ${trustHint}`;
  if (code === 'SELF_SIGNED_CERT_IN_CHAIN') return `the broker's certificate chain ends in a CA that is not trusted: ${trustHint}`;
  if (UNTRUSTED.has(code)) return `the broker's certificate is not trusted (${message || code}): ${trustHint}`;
  if (code === 'CERT_HAS_EXPIRED') return `the broker's certificate (or one in its chain) has expired: the broker needs a new certificate (or this machine's clock is wrong)`;
  if (code === 'CERT_NOT_YET_VALID') return `the broker's certificate is not valid yet: check this machine's clock`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `the broker's certificate is for ${names(error)}, not for ${ctx.hostname}: connect with a name the certificate lists ` +
      `(bootstrap.servers and the brokers' advertised.listeners), or set ssl.endpoint.identification.algorithm= (empty) to skip the host name check`
    );
  }
  if (/ALERT_PROTOCOL_VERSION$/.test(code) || code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
    return `the broker and this client share no TLS version (this client offers ${ctx.minVersion === ctx.maxVersion ? ctx.minVersion : `${ctx.minVersion}..${ctx.maxVersion}`}; see ssl.enabled.protocols and ssl.protocol)`;
  }
  const clientCertificate = clientCertificateReason(code, error, ctx);
  if (clientCertificate !== undefined) return clientCertificate;
  if (/ALERT_HANDSHAKE_FAILURE$/.test(code) || /ALERT_INSUFFICIENT_SECURITY$/.test(code) || code === 'ERR_SSL_NO_SHARED_CIPHER' || code === 'ERR_SSL_NO_CIPHERS_AVAILABLE') {
    return 'the broker and this client share no cipher suite (see ssl.cipher.suites, and the broker\'s ssl.cipher.suites)';
  }
  if (/ALERT_UNRECOGNIZED_NAME$/.test(code)) return `the broker does not serve the name ${ctx.hostname} (TLS SNI)`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_HTTP_REQUEST') {
    return `the broker did not answer in TLS: ${PLAINTEXT_HINT}`;
  }
  if (/before secure TLS connection was established/i.test(message)) {
    return `the broker closed the connection before the TLS handshake completed: ${PLAINTEXT_HINT}`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('CERT_') || code.startsWith('ERR_OSSL_')) {
    const r = typeof error.reason === 'string' && error.reason !== '' ? error.reason : code;
    return `${r} during the handshake`;
  }
  return undefined;
}

/**
 * An AuthenticationError for a failed TLS handshake (or a TLS alert right after it), or
 * undefined when `error` is an ordinary network failure (refused, reset after the handshake,
 * timed out), which the caller reports as a retriable NetworkError.
 */
export function classifyTlsError(error: unknown, ctx: HandshakeContext): AuthenticationError | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const why = reason(error as ErrorLike, ctx);
  if (why === undefined) return undefined;
  return new AuthenticationError(SSL_AUTHENTICATION_FAILED, `SSL handshake with ${ctx.endpoint} failed: ${why}`, { cause: error, broker: ctx.endpoint });
}
