/**
 * Typed shapes of the messages kafka-wire speaks. Decoded messages carry every field (fields
 * outside the decoded version hold their defaults). Request inputs may leave out fields that
 * have defaults. Structs of flexible versions may carry `_unknownTaggedFields`.
 */
import type { RawTaggedField } from './engine.js';

export interface Tagged {
  _unknownTaggedFields?: RawTaggedField[];
}

// ---- Headers --------------------------------------------------------------------------------

/** The caller's part of a request header (api key and version come from the call). */
export interface RequestHeaderInput {
  correlationId: number;
  clientId: string | null;
}

export interface RequestHeader extends Tagged {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ResponseHeader extends Tagged {
  correlationId: number;
}

// ---- ApiVersions (18) -----------------------------------------------------------------------

export interface ApiVersionsRequest extends Tagged {
  /** v3+. */
  clientSoftwareName?: string;
  /** v3+. */
  clientSoftwareVersion?: string;
  /** v5+: the cluster the client believes it talks to (null when unknown). */
  clusterId?: string | null;
  /** v5+: the node the client believes it talks to (-1 when unknown). */
  nodeId?: number;
}

export interface ApiVersionsResponseKey extends Tagged {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface SupportedFeatureKey extends Tagged {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeatureKey extends Tagged {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface ApiVersionsResponse extends Tagged {
  errorCode: number;
  apiKeys: ApiVersionsResponseKey[];
  throttleTimeMs: number;
  supportedFeatures: SupportedFeatureKey[];
  finalizedFeaturesEpoch: bigint;
  finalizedFeatures: FinalizedFeatureKey[];
  zkMigrationReady: boolean;
}

// ---- Metadata (3) ---------------------------------------------------------------------------

export interface MetadataRequestTopic extends Tagged {
  /** v10+; the zero uuid when unknown. */
  topicId?: Uint8Array;
  /** Nullable from v10 (lookup by id, v12+). */
  name: string | null;
}

export interface MetadataRequest extends Tagged {
  /** null (v1+) = all topics; v0: an empty array = all topics. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation?: boolean;
  includeClusterAuthorizedOperations?: boolean;
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataResponseBroker extends Tagged {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataResponsePartition extends Tagged {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataResponseTopic extends Tagged {
  errorCode: number;
  name: string | null;
  topicId: Uint8Array;
  isInternal: boolean;
  partitions: MetadataResponsePartition[];
  topicAuthorizedOperations: number;
}

export interface MetadataResponse extends Tagged {
  throttleTimeMs: number;
  brokers: MetadataResponseBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataResponseTopic[];
  clusterAuthorizedOperations: number;
  errorCode: number;
}

// ---- InitProducerId (22) --------------------------------------------------------------------

export interface InitProducerIdRequest extends Tagged {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId?: bigint;
  producerEpoch?: number;
  enable2Pc?: boolean;
  keepPreparedTxn?: boolean;
}

export interface InitProducerIdResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
  ongoingTxnProducerId: bigint;
  ongoingTxnProducerEpoch: number;
}

// ---- Produce (0) ----------------------------------------------------------------------------

export interface ProduceRequestPartition extends Tagged {
  index: number;
  /** Raw RecordBatch bytes (one or more batches), or null. */
  records: Uint8Array | null;
}

export interface ProduceRequestTopic extends Tagged {
  /** v0-v12. */
  name?: string;
  /** v13+. */
  topicId?: Uint8Array;
  partitionData: ProduceRequestPartition[];
}

export interface ProduceRequest extends Tagged {
  transactionalId?: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceRequestTopic[];
}

export interface BatchIndexAndErrorMessage extends Tagged {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface LeaderIdAndEpoch extends Tagged {
  leaderId: number;
  leaderEpoch: number;
}

export interface PartitionProduceResponse extends Tagged {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: BatchIndexAndErrorMessage[];
  errorMessage: string | null;
  currentLeader: LeaderIdAndEpoch;
}

export interface TopicProduceResponse extends Tagged {
  name: string;
  topicId: Uint8Array;
  partitionResponses: PartitionProduceResponse[];
}

export interface NodeEndpoint extends Tagged {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ProduceResponse extends Tagged {
  responses: TopicProduceResponse[];
  throttleTimeMs: number;
  nodeEndpoints: NodeEndpoint[];
}

// ---- SaslHandshake (17) ---------------------------------------------------------------------

export interface SaslHandshakeRequest {
  /** The SASL mechanism the client chose: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, ... */
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  /** The mechanisms enabled on the broker's listener. */
  mechanisms: string[];
}

// ---- SaslAuthenticate (36) ------------------------------------------------------------------

export interface SaslAuthenticateRequest extends Tagged {
  /** The mechanism's next client message. */
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse extends Tagged {
  errorCode: number;
  errorMessage: string | null;
  /** The mechanism's next server message (a view into the response frame). */
  authBytes: Uint8Array;
  /** v1+: milliseconds until the session must be re-authenticated; 0 = never. */
  sessionLifetimeMs: bigint;
}

// ---- By API key -----------------------------------------------------------------------------

export interface RequestBodies {
  0: ProduceRequest;
  3: MetadataRequest;
  17: SaslHandshakeRequest;
  18: ApiVersionsRequest;
  22: InitProducerIdRequest;
  36: SaslAuthenticateRequest;
}

export interface ResponseBodies {
  0: ProduceResponse;
  3: MetadataResponse;
  17: SaslHandshakeResponse;
  18: ApiVersionsResponse;
  22: InitProducerIdResponse;
  36: SaslAuthenticateResponse;
}

export type MessageApiKey = keyof RequestBodies;

/** Deep-partial input for encoding a response (tests, mock brokers): defaults fill the rest. */
export type EncodeInput<T> = T extends Uint8Array | bigint | string | number | boolean | null
  ? T
  : T extends Array<infer U>
    ? Array<EncodeInput<U>>
    : { [K in keyof T]?: EncodeInput<T[K]> };
