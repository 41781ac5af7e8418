/**
 * One error hierarchy for everything kafka-wire reports. `code` is Kafka's error name
 * (e.g. NOT_LEADER_OR_FOLLOWER) or a local one (RECORD_TOO_LARGE, TIMEOUT, PRODUCER_CLOSED,
 * PROTOCOL, CONFIG); `retriable` says whether retrying the same operation may succeed.
 */
export class KafkaWireError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaWireError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Malformed bytes on the wire: truncated frames, impossible lengths, bad CRCs, unknown magic. */
export class ProtocolError extends KafkaWireError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('PROTOCOL', message, { retriable: false, ...options });
    this.name = 'ProtocolError';
  }
}

/** A configuration property has a wrong type, value or combination. Thrown by constructors. */
export class ConfigError extends KafkaWireError {
  readonly property: string;
  constructor(property: string, message: string) {
    super('CONFIG', `${property}: ${message}`, { retriable: false });
    this.name = 'ConfigError';
    this.property = property;
  }
}

// ---------------------------------------------------------------------------------------------
// Network errors (src/network). Both are retriable: the request may succeed on a new connection.
// ---------------------------------------------------------------------------------------------

/**
 * A connection to a broker could not be set up, or it closed while requests were in flight
 * (Kafka's NETWORK_EXCEPTION, retriable). `broker` names the endpoint, e.g. `1 (10.0.0.5:9092)`.
 */
export class NetworkError extends KafkaWireError {
  readonly broker: string | undefined;
  constructor(message: string, options: { cause?: unknown; broker?: string } = {}) {
    super('NETWORK_EXCEPTION', message, { retriable: true, cause: options.cause });
    this.name = 'NetworkError';
    this.broker = options.broker;
  }
}

/**
 * A request got no response within request.timeout.ms (Kafka's REQUEST_TIMED_OUT, retriable).
 * The connection it was sent on is closed as well, so the broker state can't be confused.
 */
export class RequestTimeoutError extends KafkaWireError {
  readonly broker: string | undefined;
  constructor(message: string, options: { cause?: unknown; broker?: string } = {}) {
    super('REQUEST_TIMED_OUT', message, { retriable: true, cause: options.cause });
    this.name = 'RequestTimeoutError';
    this.broker = options.broker;
  }
}

// ---------------------------------------------------------------------------------------------
// Security errors (src/network/security, src/network/sasl). Not retriable, as Java's
// AuthenticationException: the same credentials or certificates will fail the same way, so the
// records waiting for that broker fail now instead of being retried until delivery.timeout.ms.
// ---------------------------------------------------------------------------------------------

/**
 * A connection could not be authenticated. `code` is Kafka's SASL_AUTHENTICATION_FAILED,
 * UNSUPPORTED_SASL_MECHANISM or ILLEGAL_SASL_STATE for SASL, and the local
 * SSL_AUTHENTICATION_FAILED (Java's SslAuthenticationException) when the TLS handshake fails:
 * untrusted or mismatched certificate, no common protocol or cipher, a plaintext peer. Messages
 * name the broker, the mechanism and the user, never a password, token or key.
 */
export class AuthenticationError extends KafkaWireError {
  readonly broker: string | undefined;
  constructor(code: string, message: string, options: { cause?: unknown; broker?: string } = {}) {
    super(code, message, { retriable: false, cause: options.cause });
    this.name = 'AuthenticationError';
    this.broker = options.broker;
  }
}
