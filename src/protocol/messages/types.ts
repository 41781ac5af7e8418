/**
 * Typed shapes of the messages kafka-wire speaks, and the enumerations their fields take
 * (CoordinatorKeyType). Decoded messages carry every field (fields outside the decoded version
 * hold their defaults). Request inputs may leave out fields that have defaults. Structs of
 * flexible versions may carry `_unknownTaggedFields`.
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

// ---- FindCoordinator (10) -------------------------------------------------------------------

/** FindCoordinator key types (v1+). */
export const CoordinatorKeyType = {
  Group: 0,
  Transaction: 1,
  /** v6+ (KIP-932): the key is "groupId:topicId:partition". */
  Share: 2,
} as const;

export interface FindCoordinatorRequest extends Tagged {
  /** v0-v3: the one key (group id or transactional id). */
  key?: string;
  /** v1+: a CoordinatorKeyType; v0 knows only groups. */
  keyType?: number;
  /** v4+: every key to look up (KIP-699). */
  coordinatorKeys?: string[];
}

export interface Coordinator extends Tagged {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse extends Tagged {
  throttleTimeMs: number;
  /** v0-v3 (the one key's answer); v4+ answers in `coordinators`. */
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
  /** v4+. */
  coordinators: Coordinator[];
}

// ---- AddPartitionsToTxn (24) ----------------------------------------------------------------

export interface AddPartitionsToTxnTopic extends Tagged {
  name: string;
  partitions: number[];
}

export interface AddPartitionsToTxnTransaction extends Tagged {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnRequest extends Tagged {
  /** v4+: the broker-to-broker form. */
  transactions?: AddPartitionsToTxnTransaction[];
  /** v0-v3: what a client sends. */
  v3AndBelowTransactionalId?: string;
  v3AndBelowProducerId?: bigint;
  v3AndBelowProducerEpoch?: number;
  v3AndBelowTopics?: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnPartitionResult extends Tagged {
  partitionIndex: number;
  partitionErrorCode: number;
}

export interface AddPartitionsToTxnTopicResult extends Tagged {
  name: string;
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

export interface AddPartitionsToTxnResult extends Tagged {
  transactionalId: string;
  topicResults: AddPartitionsToTxnTopicResult[];
}

export interface AddPartitionsToTxnResponse extends Tagged {
  throttleTimeMs: number;
  /** v4+. */
  errorCode: number;
  /** v4+. */
  resultsByTransaction: AddPartitionsToTxnResult[];
  /** v0-v3. */
  resultsByTopicV3AndBelow: AddPartitionsToTxnTopicResult[];
}

// ---- AddOffsetsToTxn (25) -------------------------------------------------------------------

export interface AddOffsetsToTxnRequest extends Tagged {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  groupId: string;
}

export interface AddOffsetsToTxnResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
}

// ---- EndTxn (26) ----------------------------------------------------------------------------

export interface EndTxnRequest extends Tagged {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** true commits, false aborts. */
  committed: boolean;
}

export interface EndTxnResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  /** v5+ (transactions V2): the producer id for the next transaction; -1 before v5. */
  producerId: bigint;
  /** v5+: the bumped epoch for the next transaction; -1 before v5. */
  producerEpoch: number;
}

// ---- TxnOffsetCommit (28) -------------------------------------------------------------------

export interface TxnOffsetCommitRequestPartition extends Tagged {
  partitionIndex: number;
  committedOffset: bigint;
  /** v2+. */
  committedLeaderEpoch?: number;
  committedMetadata: string | null;
}

export interface TxnOffsetCommitRequestTopic extends Tagged {
  /** v0-v5. */
  name?: string;
  /** v6+. */
  topicId?: Uint8Array;
  partitions: TxnOffsetCommitRequestPartition[];
}

export interface TxnOffsetCommitRequest extends Tagged {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  /** v3+: the consumer's generation (classic protocol) or member epoch (consumer protocol). */
  generationIdOrMemberEpoch?: number;
  /** v3+. */
  memberId?: string;
  /** v3+. */
  groupInstanceId?: string | null;
  topics: TxnOffsetCommitRequestTopic[];
}

export interface TxnOffsetCommitResponsePartition extends Tagged {
  partitionIndex: number;
  errorCode: number;
}

export interface TxnOffsetCommitResponseTopic extends Tagged {
  name: string;
  topicId: Uint8Array;
  partitions: TxnOffsetCommitResponsePartition[];
}

export interface TxnOffsetCommitResponse extends Tagged {
  throttleTimeMs: number;
  topics: TxnOffsetCommitResponseTopic[];
}

// ---- By API key -----------------------------------------------------------------------------

export interface RequestBodies {
  0: ProduceRequest;
  3: MetadataRequest;
  10: FindCoordinatorRequest;
  17: SaslHandshakeRequest;
  18: ApiVersionsRequest;
  22: InitProducerIdRequest;
  24: AddPartitionsToTxnRequest;
  25: AddOffsetsToTxnRequest;
  26: EndTxnRequest;
  28: TxnOffsetCommitRequest;
  36: SaslAuthenticateRequest;
}

export interface ResponseBodies {
  0: ProduceResponse;
  3: MetadataResponse;
  10: FindCoordinatorResponse;
  17: SaslHandshakeResponse;
  18: ApiVersionsResponse;
  22: InitProducerIdResponse;
  24: AddPartitionsToTxnResponse;
  25: AddOffsetsToTxnResponse;
  26: EndTxnResponse;
  28: TxnOffsetCommitResponse;
  36: SaslAuthenticateResponse;
}

export type MessageApiKey = keyof RequestBodies;

/** Deep-partial input for encoding a response (tests, mock brokers): defaults fill the rest. */
export type EncodeInput<T> = T extends Uint8Array | bigint | string | number | boolean | null
  ? T
  : T extends Array<infer U>
    ? Array<EncodeInput<U>>
    : { [K in keyof T]?: EncodeInput<T[K]> };
