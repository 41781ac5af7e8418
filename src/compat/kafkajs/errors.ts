/**
 * KafkaJS's error classes, under KafkaJS's names and with its fields (`retriable`, `type` and
 * numeric `code` for protocol errors, `broker` for connection errors, ...), so that programs
 * whose `instanceof` checks and `e.type === 'NOT_LEADER_FOR_PARTITION'` tests were written for
 * KafkaJS keep working; and the one translation from the engine's KafkaWireError to them.
 *
 * Owns: the classes and `toKafkaJSError`. How KafkaJS reports what the engine reports, as a rule:
 * - an error the engine gave up on after retrying (it is `retriable`: delivery.timeout.ms or
 *   `retries` ran out, max.block.ms passed waiting for metadata) is what KafkaJS's retrier
 *   throws after its last attempt: KafkaJSNumberOfRetriesExceeded, whose `cause` is the
 *   KafkaJS form of the last error. The engine retries per batch, not per call, so retryCount
 *   and retryTime are -1 (unknown);
 * - a Kafka error code is a KafkaJSProtocolError with KafkaJS's `type` spelling (five codes
 *   have older names in KafkaJS, e.g. NOT_LEADER_OR_FOLLOWER is NOT_LEADER_FOR_PARTITION) and
 *   the numeric code; codes KafkaJS 2.2.4 does not know (above 88) keep Kafka's name and
 *   number where KafkaJS says KAFKAJS_UNKNOWN_ERROR_CODE / -99;
 * - SASL failures are KafkaJSSASLAuthenticationError, TLS handshake failures and lost
 *   connections KafkaJSConnectionError (a TLS failure with `retriable` false: the same
 *   certificates fail the same way), client-side request timeouts KafkaJSRequestTimeoutError;
 * - everything else (configuration, closed producer, invalid record) KafkaJSNonRetriableError.
 * The engine's error stays reachable as the innermost `cause`.
 */
import { AuthenticationError, ConfigError, KafkaWireError, NetworkError, RequestTimeoutError } from '../../index.js';
import { errorForName } from '../../protocol/index.js';

type ErrorSource = string | { message?: string; helpUrl?: string };

function messageOf(e: ErrorSource): string {
  return typeof e === 'string' ? e : (e.message ?? String(e));
}

export class KafkaJSError extends Error {
  retriable: boolean;
  helpUrl: string | undefined;
  constructor(e: ErrorSource, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(messageOf(e), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaJSError';
    this.retriable = options.retriable ?? true;
    this.helpUrl = typeof e === 'string' ? undefined : e.helpUrl;
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: ErrorSource, options: { cause?: unknown } = {}) {
    super(e, { retriable: false, ...options });
    this.name = 'KafkaJSNonRetriableError';
  }
}

/** What KafkaJS builds a protocol error from: its error table's entry. */
export interface ProtocolErrorInfo {
  message: string;
  type: string;
  code: number;
  retriable: boolean;
}

export class KafkaJSProtocolError extends KafkaJSError {
  type: string;
  code: number;
  constructor(e: ProtocolErrorInfo | (Error & Partial<ProtocolErrorInfo>), options: { retriable?: boolean; cause?: unknown } = {}) {
    super(e, { retriable: options.retriable ?? e.retriable ?? false, cause: options.cause });
    this.name = 'KafkaJSProtocolError';
    this.type = e.type ?? 'KAFKAJS_UNKNOWN_ERROR_CODE';
    this.code = e.code ?? -99;
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  retryCount: number;
  retryTime: number;
  constructor(e: Error, options: { retryCount: number; retryTime: number }) {
    super(e, { cause: e });
    this.name = 'KafkaJSNumberOfRetriesExceeded';
    this.retryCount = options.retryCount;
    this.retryTime = options.retryTime;
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  broker: string | undefined;
  code: string | undefined;
  constructor(e: ErrorSource, options: { broker?: string; code?: string; cause?: unknown } = {}) {
    super(e, { cause: options.cause });
    this.name = 'KafkaJSConnectionError';
    this.broker = options.broker;
    this.code = options.code;
  }
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  host: string | undefined;
  port: number | undefined;
  constructor(e: ErrorSource, options: { host?: string; port?: number } = {}) {
    super(e, { broker: `${options.host}:${options.port}` });
    this.name = 'KafkaJSConnectionClosedError';
    this.host = options.host;
    this.port = options.port;
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  broker: string | undefined;
  correlationId: number | undefined;
  createdAt: number | undefined;
  sentAt: number | undefined;
  pendingDuration: number | undefined;
  constructor(
    e: ErrorSource,
    options: { broker?: string; correlationId?: number; createdAt?: number; sentAt?: number; pendingDuration?: number; cause?: unknown } = {},
  ) {
    super(e, { cause: options.cause });
    this.name = 'KafkaJSRequestTimeoutError';
    this.broker = options.broker;
    this.correlationId = options.correlationId;
    this.createdAt = options.createdAt;
    this.sentAt = options.sentAt;
    this.pendingDuration = options.pendingDuration;
  }
}

export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor(e: ErrorSource, options: { cause?: unknown } = {}) {
    super(e, options);
    this.name = 'KafkaJSSASLAuthenticationError';
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e: ErrorSource, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(e, options);
    this.name = 'KafkaJSMetadataNotLoaded';
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  topic: string | undefined;
  constructor(e: ErrorSource, options: { topic?: string } = {}) {
    super(e);
    this.name = 'KafkaJSTopicMetadataNotLoaded';
    this.topic = options.topic;
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e: ErrorSource, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(e, options);
    this.name = 'KafkaJSBrokerNotFound';
  }
}

export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e: ErrorSource, options: { cause?: unknown } = {}) {
    super(e, options);
    this.name = 'KafkaJSNotImplemented';
  }
}

export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e: ErrorSource, options: { cause?: unknown } = {}) {
    super(e, options);
    this.name = 'KafkaJSTimeout';
  }
}

/** Kafka's error names that KafkaJS 2.2.4 spells the older way (same codes). */
const KAFKAJS_TYPE: Readonly<Record<string, string>> = {
  UNKNOWN_SERVER_ERROR: 'UNKNOWN',
  NOT_LEADER_OR_FOLLOWER: 'NOT_LEADER_FOR_PARTITION',
  COORDINATOR_LOAD_IN_PROGRESS: 'GROUP_LOAD_IN_PROGRESS',
  COORDINATOR_NOT_AVAILABLE: 'GROUP_COORDINATOR_NOT_AVAILABLE',
  NOT_COORDINATOR: 'NOT_COORDINATOR_FOR_GROUP',
};

/** Local codes whose Kafka counterpart a KafkaJS user would have met from the broker. */
const AS_KAFKA_ERROR: Readonly<Record<string, string>> = {
  // The engine refuses a record over max.request.size before sending; KafkaJS sends it and
  // the broker answers MESSAGE_TOO_LARGE.
  RECORD_TOO_LARGE: 'MESSAGE_TOO_LARGE',
};

/** KafkaJS's `type` for a Kafka error name. */
export function kafkaJSErrorType(kafkaName: string): string {
  return KAFKAJS_TYPE[kafkaName] ?? kafkaName;
}

/** The KafkaJS protocol error for Kafka error `name` (undefined when it is not a Kafka error name). */
export function protocolErrorFor(name: string, message: string, cause?: unknown): KafkaJSProtocolError | undefined {
  const info = errorForName(AS_KAFKA_ERROR[name] ?? name);
  if (info === undefined || info.code === 0) return undefined;
  return new KafkaJSProtocolError({ message, type: kafkaJSErrorType(info.name), code: info.code, retriable: info.retriable }, { cause });
}

function causeCode(e: Error): string | undefined {
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The KafkaJS class for one engine error, without the retries wrapper. */
function specific(e: KafkaWireError): KafkaJSError {
  if (e instanceof AuthenticationError) {
    if (e.code === 'SSL_AUTHENTICATION_FAILED') {
      const tls = new KafkaJSConnectionError(e.message, { ...(e.broker !== undefined ? { broker: e.broker } : {}), code: e.code, cause: e });
      tls.retriable = false;
      return tls;
    }
    return new KafkaJSSASLAuthenticationError(e.message, { cause: e });
  }
  if (e instanceof RequestTimeoutError) return new KafkaJSRequestTimeoutError(e.message, { ...(e.broker !== undefined ? { broker: e.broker } : {}), cause: e });
  if (e instanceof NetworkError || e.code === 'NETWORK_EXCEPTION') {
    const broker = e instanceof NetworkError ? e.broker : undefined;
    const code = causeCode(e);
    return new KafkaJSConnectionError(e.message, { ...(broker !== undefined ? { broker } : {}), ...(code !== undefined ? { code } : {}), cause: e });
  }
  if (e instanceof ConfigError) return new KafkaJSNonRetriableError(e.message, { cause: e });
  if (e.code === 'TIMEOUT') {
    // delivery.timeout.ms or max.block.ms: the last error it was retried for, if it says.
    if (e.cause instanceof KafkaWireError) {
      const last = specific(e.cause);
      last.message = e.message;
      return last;
    }
    return new KafkaJSTimeout(e.message, { cause: e });
  }
  const protocol = protocolErrorFor(e.code, e.message, e);
  if (protocol !== undefined) return protocol;
  return e.retriable ? new KafkaJSError(e.message, { cause: e }) : new KafkaJSNonRetriableError(e.message, { cause: e });
}

/**
 * The error a KafkaJS program expects in place of `error`. KafkaJS errors pass through; errors
 * that are not the engine's (a TypeError thrown by the user's partitioner) too, as KafkaJS's
 * send passes them on unchanged.
 */
export function toKafkaJSError(error: unknown): unknown {
  if (error instanceof KafkaJSError || !(error instanceof KafkaWireError)) return error;
  const mapped = specific(error);
  if (!error.retriable) return mapped;
  const exhausted = new KafkaJSNumberOfRetriesExceeded(mapped, { retryCount: -1, retryTime: -1 });
  exhausted.message = error.message;
  return exhausted;
}
