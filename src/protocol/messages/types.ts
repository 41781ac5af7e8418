/**
 * Typed shapes of the messages kafka-wire speaks, and the enumerations their fields take
 * (CoordinatorKeyType, ListOffsetsTimestamp). Decoded messages carry every field (fields outside the decoded version
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

// ---- ListOffsets (2) ------------------------------------------------------------------------

/** Special ListOffsets timestamps (Java's ListOffsetsRequest constants), and the version each needs. */
export const ListOffsetsTimestamp = {
  Latest: -1n,
  Earliest: -2n,
  /** v7+ (KIP-734): the offset of the record with the largest timestamp. */
  MaxTimestamp: -3n,
  /** v8+ (KIP-405): the local log start offset under tiered storage. */
  EarliestLocal: -4n,
  /** v9+ (KIP-1005). */
  LatestTiered: -5n,
  /** v11+ (KIP-1023). */
  EarliestPendingUpload: -6n,
} as const;

export interface ListOffsetsPartition extends Tagged {
  partitionIndex: number;
  /** v4+: -1 = unknown (no fencing). */
  currentLeaderEpoch?: number;
  /** A time in ms, or a ListOffsetsTimestamp. */
  timestamp: bigint;
}

export interface ListOffsetsTopic extends Tagged {
  name: string;
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsRequest extends Tagged {
  /** -1 for any client that is not a follower. */
  replicaId: number;
  /** v2+: 0 read uncommitted, 1 read committed. */
  isolationLevel?: number;
  topics: ListOffsetsTopic[];
  /** v10+. */
  timeoutMs?: number;
}

export interface ListOffsetsPartitionResponse extends Tagged {
  partitionIndex: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  /** v4+; -1 when unknown. */
  leaderEpoch: number;
}

export interface ListOffsetsTopicResponse extends Tagged {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}

export interface ListOffsetsResponse extends Tagged {
  throttleTimeMs: number;
  topics: ListOffsetsTopicResponse[];
}

// ---- Fetch (1) ------------------------------------------------------------------------------

export interface ReplicaState extends Tagged {
  replicaId: number;
  replicaEpoch: bigint;
}

export interface FetchPartition extends Tagged {
  partition: number;
  currentLeaderEpoch?: number;
  fetchOffset: bigint;
  /** v12+: -1 for a consumer. */
  lastFetchedEpoch?: number;
  logStartOffset?: bigint;
  partitionMaxBytes: number;
  /** v17+ tagged. */
  replicaDirectoryId?: Uint8Array;
  /** v18+ tagged; default 2^63-1. */
  highWatermark?: bigint;
}

export interface FetchTopic extends Tagged {
  /** v4-v12. */
  topic?: string;
  /** v13+. */
  topicId?: Uint8Array;
  partitions: FetchPartition[];
}

export interface ForgottenTopic extends Tagged {
  topic?: string;
  topicId?: Uint8Array;
  partitions: number[];
}

export interface FetchRequest extends Tagged {
  clusterId?: string | null;
  /** v4-v14: -1 for a consumer. */
  replicaId?: number;
  /** v15+ tagged (followers only). */
  replicaState?: ReplicaState;
  maxWaitMs: number;
  minBytes: number;
  maxBytes?: number;
  /** 0 read uncommitted, 1 read committed. */
  isolationLevel?: number;
  sessionId?: number;
  sessionEpoch?: number;
  topics: FetchTopic[];
  /** v7+. */
  forgottenTopicsData?: ForgottenTopic[];
  /** v11+. */
  rackId?: string;
}

export interface EpochEndOffset extends Tagged {
  epoch: number;
  endOffset: bigint;
}

export interface SnapshotId extends Tagged {
  endOffset: bigint;
  epoch: number;
}

export interface AbortedTransaction extends Tagged {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchResponsePartition extends Tagged {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  divergingEpoch: EpochEndOffset;
  currentLeader: LeaderIdAndEpoch;
  snapshotId: SnapshotId;
  abortedTransactions: AbortedTransaction[] | null;
  preferredReadReplica: number;
  /** Raw RecordBatches (a view into the response frame); the last may be cut short. */
  records: Uint8Array | null;
}

export interface FetchableTopicResponse extends Tagged {
  topic: string;
  topicId: Uint8Array;
  partitions: FetchResponsePartition[];
}

export interface FetchResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: FetchableTopicResponse[];
  nodeEndpoints: NodeEndpoint[];
}

// ---- CreateTopics (19) ----------------------------------------------------------------------

export interface CreatableReplicaAssignment extends Tagged {
  partitionIndex: number;
  brokerIds: number[];
}

export interface CreatableTopicConfig extends Tagged {
  name: string;
  value: string | null;
}

export interface CreatableTopic extends Tagged {
  name: string;
  /** -1 (v4+): the broker's num.partitions. */
  numPartitions: number;
  /** -1 (v4+): the broker's default.replication.factor. */
  replicationFactor: number;
  assignments: CreatableReplicaAssignment[];
  configs: CreatableTopicConfig[];
}

export interface CreateTopicsRequest extends Tagged {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly?: boolean;
}

export interface CreatableTopicConfigs extends Tagged {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

export interface CreatableTopicResult extends Tagged {
  name: string;
  /** v7+. */
  topicId: Uint8Array;
  errorCode: number;
  errorMessage: string | null;
  /** v5+ tagged. */
  topicConfigErrorCode: number;
  numPartitions: number;
  replicationFactor: number;
  configs: CreatableTopicConfigs[] | null;
}

export interface CreateTopicsResponse extends Tagged {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

// ---- DeleteTopics (20) ----------------------------------------------------------------------

export interface DeleteTopicState extends Tagged {
  name: string | null;
  topicId: Uint8Array;
}

export interface DeleteTopicsRequest extends Tagged {
  /** v6+. */
  topics?: DeleteTopicState[];
  /** v1-v5. */
  topicNames?: string[];
  timeoutMs: number;
}

export interface DeletableTopicResult extends Tagged {
  name: string | null;
  topicId: Uint8Array;
  errorCode: number;
  errorMessage: string | null;
}

export interface DeleteTopicsResponse extends Tagged {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

// ---- By API key -----------------------------------------------------------------------------

export interface RequestBodies {
  0: ProduceRequest;
  1: FetchRequest;
  2: ListOffsetsRequest;
  3: MetadataRequest;
  10: FindCoordinatorRequest;
  17: SaslHandshakeRequest;
  18: ApiVersionsRequest;
  19: CreateTopicsRequest;
  20: DeleteTopicsRequest;
  22: InitProducerIdRequest;
  24: AddPartitionsToTxnRequest;
  25: AddOffsetsToTxnRequest;
  26: EndTxnRequest;
  28: TxnOffsetCommitRequest;
  36: SaslAuthenticateRequest;
}

export interface ResponseBodies {
  0: ProduceResponse;
  1: FetchResponse;
  2: ListOffsetsResponse;
  3: MetadataResponse;
  10: FindCoordinatorResponse;
  17: SaslHandshakeResponse;
  18: ApiVersionsResponse;
  19: CreateTopicsResponse;
  20: DeleteTopicsResponse;
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
