/**
 * One error hierarchy for everything kafka-wire reports. `code` is Kafka's error name
 * (e.g. NOT_LEADER_OR_FOLLOWER) or a local one (RECORD_TOO_LARGE, TIMEOUT, PRODUCER_CLOSED,
 * PROTOCOL, CONFIG); `retriable` says whether retrying the same operation may succeed.
 */
/**
 * The codes kafka-wire reports that are not Kafka's (a Kafka error keeps its own name, e.g.
 * NOT_LEADER_OR_FOLLOWER, from src/protocol/error-codes.ts). test/unit/error-codes-local.test.ts
 * checks that every code the sources construct is one of Kafka's or listed here.
 */
export const LOCAL_ERROR_CODES = {
  PROTOCOL: 'malformed bytes on the wire (ProtocolError)',
  CONFIG: 'a configuration property has a wrong type, value or combination (ConfigError)',
  TIMEOUT: 'max.block.ms or delivery.timeout.ms passed (Java: TimeoutException)',
  PRODUCER_CLOSED: 'the producer was closed before the record or call completed',
  RECORD_TOO_LARGE: 'a record larger than max.request.size or buffer.memory (Java: RecordTooLargeException)',
  COMPRESSION_FAILED: 'the codec failed on a batch',
  SERIALIZATION: 'a serializer failed or returned something that is not bytes (Java: SerializationException)',
  INVALID_PARTITION: 'a record names a partition the topic does not have',
  ILLEGAL_STATE: 'a call out of order (a transactional call in the wrong state, a request with no free slot)',
  ILLEGAL_ARGUMENT: 'a bad argument to an API call',
  SSL_AUTHENTICATION_FAILED: 'the TLS handshake failed (AuthenticationError; Java: SslAuthenticationException)',
  TRANSACTION_ABORTED: 'the record belonged to a transaction that was aborted',
  UNRESOLVED_SEQUENCES: 'a transaction could not commit because earlier batches have unknown outcomes',
  UNKNOWN: 'something failed that is not a KafkaWireError (an exception from user code, a bug): the original is the cause',
} as const;

/** A code of {@link LOCAL_ERROR_CODES}. */
export type LocalErrorCode = keyof typeof LOCAL_ERROR_CODES;

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
