/**
 * API keys and the version ranges kafka-wire speaks for each API it uses. The sender negotiates
 * the highest version both sides support from the broker's ApiVersions response.
 */

/** The API keys kafka-wire sends. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  SaslAuthenticate: 36,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Versions kafka-wire speaks per API.
 * - Produce starts at v3 (RecordBatch v2 / transactional id): Kafka 4.x still advertises
 *   Produce v0-v2 in ApiVersions (KAFKA-18659) but rejects them, so never pick below v3.
 *   v13 names topics by id (KIP-516): a caller that does not know a topic's id must cap
 *   Produce at PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES.
 * - Metadata from v0: librdkafka's mock cluster speaks only v0-v2.
 * - ApiVersions up to v4: v5 (Kafka 4.4) only adds the cluster/node id the client expects,
 *   which kafka-wire does not track.
 * - InitProducerId up to v5: v6 only adds two-phase-commit fields (KIP-939) a producer without
 *   2PC leaves at their defaults.
 * - SaslHandshake from v1: after v1 the SASL tokens travel in SaslAuthenticate requests
 *   (KIP-152, Kafka 1.0+); after v0 they would be raw frames, which kafka-wire does not speak.
 *   Kafka 3.9 and 4.x brokers speak v0-1.
 * - SaslAuthenticate v0-2 (every version; v1 adds sessionLifetimeMs for re-authentication).
 * - FindCoordinator v0-6: a transaction coordinator needs v1+ (key type; encoding one at v0 is
 *   an UNSUPPORTED_VERSION error, as in Java); v4+ carries its keys in coordinatorKeys.
 * - AddPartitionsToTxn v0-3 only: the client form. v4+ (batched transactions, verifyOnly) is
 *   what brokers send each other (Java's forBroker); its description is complete all the same.
 *   With transactions V2 (KIP-890 part 2: EndTxn v5+) a client sends none: the partitions join
 *   the transaction with the Produce request.
 * - AddOffsetsToTxn v0-4.
 * - EndTxn v0-5: v5 only once the cluster's transaction.version feature is 2 (transactions V2);
 *   Java caps at v4 otherwise (TRANSACTIONS_V1_MAX_VERSION).
 * - TxnOffsetCommit v0-6: v6 names topics by id (KIP-1319), so a caller without topic ids caps
 *   at TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES; and without transactions V2 at
 *   TRANSACTIONS_V1_MAX_VERSION (v5 implies AddOffsetsToTxn). Group metadata (v3+) cannot be
 *   sent below v3.
 * For reading back (conformance) and admin, the versions Kafka 4.x still defines (KIP-896 removed
 * the older ones; Kafka 3.9 brokers speak these too, up to their own maxima):
 * - ListOffsets v1-11: the special timestamps need v7+ (max timestamp) ... v11+, see
 *   ListOffsetsTimestamp; read committed needs v2+.
 * - Fetch v4-18: v13+ names topics by id, so a caller without topic ids caps at
 *   FETCH_MAX_VERSION_WITH_TOPIC_NAMES.
 * - CreateTopics v2-7, DeleteTopics v1-6 (v6 deletes by name with a zero topic id, or by id).
 */
export const SUPPORTED_VERSIONS: Readonly<Record<ApiKey, VersionRange>> = {
  [ApiKey.Produce]: { min: 3, max: 13 },
  [ApiKey.Fetch]: { min: 4, max: 18 },
  [ApiKey.ListOffsets]: { min: 1, max: 11 },
  [ApiKey.Metadata]: { min: 0, max: 13 },
  [ApiKey.FindCoordinator]: { min: 0, max: 6 },
  [ApiKey.SaslHandshake]: { min: 1, max: 1 },
  [ApiKey.ApiVersions]: { min: 0, max: 4 },
  [ApiKey.CreateTopics]: { min: 2, max: 7 },
  [ApiKey.DeleteTopics]: { min: 1, max: 6 },
  [ApiKey.InitProducerId]: { min: 0, max: 5 },
  [ApiKey.AddPartitionsToTxn]: { min: 0, max: 3 },
  [ApiKey.AddOffsetsToTxn]: { min: 0, max: 4 },
  [ApiKey.EndTxn]: { min: 0, max: 5 },
  [ApiKey.TxnOffsetCommit]: { min: 0, max: 6 },
  [ApiKey.SaslAuthenticate]: { min: 0, max: 2 },
};

/** The last Produce version that names topics (v13 uses topic ids instead). */
export const PRODUCE_MAX_VERSION_WITH_TOPIC_NAMES = 12;

/** The last Fetch version that names topics (v13 uses topic ids instead). */
export const FETCH_MAX_VERSION_WITH_TOPIC_NAMES = 12;

/** The last TxnOffsetCommit version that names topics (v6 uses topic ids instead). */
export const TXN_OFFSET_COMMIT_MAX_VERSION_WITH_TOPIC_NAMES = 5;

/**
 * Without transactions V2 (the cluster's transaction.version below 2), EndTxn and
 * TxnOffsetCommit stay at or below v4, as Java's request builders cap them.
 */
export const TRANSACTIONS_V1_MAX_VERSION = 4;

/**
 * The highest version both kafka-wire and a broker advertising [brokerMin, brokerMax] support,
 * or null when the ranges do not overlap.
 */
export function pickVersion(apiKey: ApiKey, brokerMin: number, brokerMax: number, ourMax?: number): number | null {
  const ours = SUPPORTED_VERSIONS[apiKey];
  const hi = Math.min(ours.max, brokerMax, ourMax ?? Infinity);
  const lo = Math.max(ours.min, brokerMin);
  return hi >= lo ? hi : null;
}

/** Every Kafka API key's name (for logs and errors). */
const API_NAMES: readonly string[] = [
  'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'LeaderAndIsr', 'StopReplica', 'UpdateMetadata',
  'ControlledShutdown', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator', 'JoinGroup', 'Heartbeat',
  'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ListGroups', 'SaslHandshake', 'ApiVersions',
  'CreateTopics', 'DeleteTopics', 'DeleteRecords', 'InitProducerId', 'OffsetForLeaderEpoch',
  'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn', 'WriteTxnMarkers', 'TxnOffsetCommit',
  'DescribeAcls', 'CreateAcls', 'DeleteAcls', 'DescribeConfigs', 'AlterConfigs',
  'AlterReplicaLogDirs', 'DescribeLogDirs', 'SaslAuthenticate', 'CreatePartitions',
  'CreateDelegationToken', 'RenewDelegationToken', 'ExpireDelegationToken',
  'DescribeDelegationToken', 'DeleteGroups', 'ElectLeaders', 'IncrementalAlterConfigs',
  'AlterPartitionReassignments', 'ListPartitionReassignments', 'OffsetDelete',
  'DescribeClientQuotas', 'AlterClientQuotas', 'DescribeUserScramCredentials',
  'AlterUserScramCredentials', 'Vote', 'BeginQuorumEpoch', 'EndQuorumEpoch', 'DescribeQuorum',
  'AlterPartition', 'UpdateFeatures', 'Envelope', 'FetchSnapshot', 'DescribeCluster',
  'DescribeProducers', 'BrokerRegistration', 'BrokerHeartbeat', 'UnregisterBroker',
  'DescribeTransactions', 'ListTransactions', 'AllocateProducerIds', 'ConsumerGroupHeartbeat',
  'ConsumerGroupDescribe', 'ControllerRegistration', 'GetTelemetrySubscriptions', 'PushTelemetry',
  'AssignReplicasToDirs', 'ListConfigResources', 'DescribeTopicPartitions', 'ShareGroupHeartbeat',
  'ShareGroupDescribe', 'ShareFetch', 'ShareAcknowledge', 'AddRaftVoter', 'RemoveRaftVoter',
  'UpdateRaftVoter', 'InitializeShareGroupState', 'ReadShareGroupState', 'WriteShareGroupState',
  'DeleteShareGroupState', 'ReadShareGroupStateSummary', 'StreamsGroupHeartbeat',
  'StreamsGroupDescribe', 'DescribeShareGroupOffsets', 'AlterShareGroupOffsets',
  'DeleteShareGroupOffsets',
];

/** The name of an API key, e.g. apiName(0) === 'Produce'; unknown keys give 'Api<key>'. */
export function apiName(apiKey: number): string {
  return API_NAMES[apiKey] ?? `Api${apiKey}`;
}
