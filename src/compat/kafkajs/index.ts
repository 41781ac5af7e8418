/**
 * `kafka-wire/kafkajs`: KafkaJS 2.x's producer API over the kafka-wire engine, for programs
 * migrating from KafkaJS with their code unchanged but the import:
 *
 *   import { Kafka, CompressionTypes, Partitioners, logLevel } from 'kafka-wire/kafkajs';
 *
 * Importing it registers the Node runtime, as the package entry does. The mapping of every
 * KafkaJS option to its Kafka property, and what is not supported, is docs/KAFKAJS.md.
 */
import '../../index.js';

export { Kafka } from './kafka.js';
export { Producer } from './producer.js';
export { Partitioners, DefaultPartitioner, LegacyPartitioner } from './partitioners.js';
export { CompressionTypes, CompressionCodecs } from './options.js';
export { logLevel } from './logger.js';
export {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSMetadataNotLoaded,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
  KafkaJSTopicMetadataNotLoaded,
} from './errors.js';
export type {
  BrokersFunction,
  CompressionType,
  ICustomPartitioner,
  IHeaders,
  InstrumentationEvent,
  KafkaConfig,
  LogEntry,
  LogLevel,
  Logger,
  Message,
  Offsets,
  OauthbearerProviderResponse,
  PartitionMetadata,
  PartitionOffset,
  PartitionerArgs,
  ProducerBatch,
  ProducerConfig,
  ProducerEvents,
  ProducerRecord,
  RecordMetadata,
  RemoveInstrumentationEventListener,
  RequestEventPayload,
  RetryOptions,
  SASLMechanism,
  SASLOptions,
  SSLOptions,
  TopicMessages,
  TopicOffsets,
  Transaction,
  logCreator,
} from './types.js';
