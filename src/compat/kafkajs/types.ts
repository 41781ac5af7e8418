/**
 * The KafkaJS 2.2 shapes the facade accepts and returns, under KafkaJS's own type names, so a
 * TypeScript program written against `kafkajs` type-checks against `kafka-wire/kafkajs` with
 * the import changed. Only the producer side exists here; every field is documented where it
 * differs from KafkaJS (docs/KAFKAJS.md has the full mapping table).
 *
 * Owns: types only. No behaviour lives here.
 */

/** KafkaJS's log levels (its `logLevel` export). */
export interface LogLevels {
  readonly NOTHING: 0;
  readonly ERROR: 1;
  readonly WARN: 2;
  readonly INFO: 4;
  readonly DEBUG: 5;
}

export type LogLevel = 0 | 1 | 2 | 4 | 5;

export interface LogEntry {
  namespace: string;
  level: LogLevel;
  label: string;
  log: { timestamp: string; logger: 'kafkajs'; message: string; [key: string]: unknown };
}

export type logCreator = (logLevel: LogLevel) => (entry: LogEntry) => void;

export interface Logger {
  info(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(namespace: string, logLevel?: LogLevel): Logger;
  setLogLevel(logLevel: LogLevel): void;
}

export interface RetryOptions {
  /** -> retry.backoff.max.ms */
  maxRetryTime?: number;
  /** -> retry.backoff.ms */
  initialRetryTime?: number;
  /** Java's backoff jitter is 0.2, KafkaJS's default: other values are ignored (warned). */
  factor?: number;
  /** Java's backoff multiplier is 2, KafkaJS's default: other values are ignored (warned). */
  multiplier?: number;
  /** -> retries (per batch, bounded by delivery.timeout.ms, as Java's producer does). */
  retries?: number;
  /** Consumer-only in KafkaJS; ignored. */
  restartOnFailure?: (e: Error) => Promise<boolean>;
}

/** tls.connect-style options (the subset with a Kafka property; docs/KAFKAJS.md lists the rest). */
export interface SSLOptions {
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  cert?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  key?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  [option: string]: unknown;
}

/** What KafkaJS's oauthBearerProvider returns. */
export interface OauthbearerProviderResponse {
  value: string;
}

export type SASLMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';

export interface SASLOptions {
  mechanism: SASLMechanism | string;
  username?: string;
  password?: string;
  oauthBearerProvider?: () => Promise<OauthbearerProviderResponse>;
  [option: string]: unknown;
}

export type BrokersFunction = () => string[] | Promise<string[]>;

export interface KafkaConfig {
  brokers: string[] | BrokersFunction;
  ssl?: SSLOptions | boolean;
  sasl?: SASLOptions;
  clientId?: string;
  connectionTimeout?: number;
  authenticationTimeout?: number;
  reauthenticationThreshold?: number;
  requestTimeout?: number;
  enforceRequestTimeout?: boolean;
  retry?: RetryOptions;
  socketFactory?: unknown;
  logLevel?: LogLevel;
  logCreator?: logCreator;
}

/** KafkaJS's PartitionMetadata, as a custom partitioner receives it. */
export interface PartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** Not kept by the engine's metadata: always empty. */
  offlineReplicas: number[];
}

export interface PartitionerArgs {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  message: Message;
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number;
export type DefaultPartitioner = ICustomPartitioner;
export type LegacyPartitioner = ICustomPartitioner;

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner;
  retry?: RetryOptions;
  metadataMaxAge?: number;
  allowAutoTopicCreation?: boolean;
  idempotent?: boolean;
  transactionalId?: string;
  transactionTimeout?: number;
  maxInFlightRequests?: number;
  /**
   * kafka-wire only: Kafka producer properties (Java's names, e.g. `linger.ms`, `batch.size`,
   * `compression.type`) for every producer this one runs on. `acks`, `compression.type` and
   * `request.timeout.ms` here are the defaults of sends that pass no acks / compression /
   * timeout; the KafkaJS options above win over the same properties given here.
   */
  properties?: Record<string, unknown>;
}

export interface IHeaders {
  [key: string]: Uint8Array | string | ReadonlyArray<Uint8Array | string> | undefined | null;
}

export interface Message {
  key?: Uint8Array | string | null;
  value: Uint8Array | string | null;
  partition?: number;
  headers?: IHeaders;
  /** ms since the epoch, as a string (KafkaJS's type) or a number. */
  timestamp?: string | number;
}

/** KafkaJS's CompressionTypes values. */
export type CompressionType = 0 | 1 | 2 | 3 | 4;

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  acks?: number;
  timeout?: number;
  compression?: CompressionType;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

export interface ProducerBatch {
  acks?: number;
  timeout?: number;
  compression?: CompressionType;
  topicMessages?: TopicMessages[];
}

/** One entry per partition written by a send, as KafkaJS returns it (offsets as strings). */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** The offset of the call's first record in this partition. */
  baseOffset: string;
  /** '-1' unless the topic uses LogAppendTime (then the broker's time, ms). */
  logAppendTime: string;
  /** '-1': the engine does not report the partition's log start offset (docs/KAFKAJS.md). */
  logStartOffset: string;
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface TopicOffsets {
  topic: string;
  partitions: PartitionOffset[];
}

export interface Offsets {
  topics: TopicOffsets[];
}

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  isActive(): boolean;
}

export interface InstrumentationEvent<T> {
  id: number;
  type: string;
  timestamp: number;
  payload: T;
}

export type RemoveInstrumentationEventListener = () => void;

export interface ProducerEvents {
  readonly CONNECT: 'producer.connect';
  readonly DISCONNECT: 'producer.disconnect';
  readonly REQUEST: 'producer.network.request';
  readonly REQUEST_TIMEOUT: 'producer.network.request_timeout';
  readonly REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size';
}

export type ProducerEventName = ProducerEvents[keyof ProducerEvents];

/** The payload of producer.network.request (KafkaJS's RequestEvent). */
export interface RequestEventPayload {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  /** host:port */
  broker: string;
  clientId: string;
  correlationId: number;
  /** When the request was written (the engine never queues requests behind in-flight ones). */
  createdAt: number;
  sentAt: number;
  /** Always 0: see createdAt. */
  pendingDuration: number;
  /** ms from the request to its response. */
  duration: number;
  /** Bytes of the response (of the request, for requests that get no response: acks=0). */
  size: number;
}
