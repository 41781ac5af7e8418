/**
 * Message descriptions for the APIs kafka-wire speaks, transcribed as data from Kafka's message
 * definitions (clients/src/main/resources/common/message/*.json, kafka-clients 3.9 .. 4.x).
 * Only the facts are taken: field names (camelCase, as the generated JsonConverter writes them),
 * types, versions, nullable/tagged/flexible versions, defaults and ignorability.
 *
 * Version notes (from the definitions' comments):
 * - Produce: v3 adds transactionalId; v9 is the first flexible version; v10 adds the tagged
 *   currentLeader/nodeEndpoints to the response (KIP-951); v11 TRANSACTION_ABORTABLE (KIP-890);
 *   v12 is the same as v11 (transactions v2); v13 replaces topic names with topic ids (KIP-516).
 *   Kafka 4.x removed v0-v2 (it still lists them in ApiVersions, KAFKA-18659).
 * - Metadata: v9 first flexible; v10 topicId; v11 drops cluster authorized operations; v12
 *   nullable topic names (lookup by id); v13 top-level error code.
 * - InitProducerId: v2 first flexible; v3 producerId/epoch; v4 PRODUCER_FENCED; v5
 *   TRANSACTION_ABORTABLE; v6 two-phase commit (KIP-939).
 * - ApiVersions: v3 first flexible (client software name/version, tagged feature fields);
 *   v4 allows SupportedFeatures.MinVersion 0 (KAFKA-17011); v5 (Kafka 4.4) adds the client's
 *   idea of the cluster id and node id to the request. Responses always use header v0.
 * - SaslHandshake: v1 means the SASL tokens that follow travel in SaslAuthenticate requests
 *   (KIP-152); after a v0 handshake they would be raw, unframed bytes. Never flexible, and
 *   Kafka cannot add a version: clients up to 2.4 negotiate it wrongly (KAFKA-9577).
 * - SaslAuthenticate: v1 adds the session lifetime (KIP-368 re-authentication); v2 first
 *   flexible.
 * - FindCoordinator: v1 key type (0 group, 1 transaction; 2 share from v6, KIP-932); v3 first
 *   flexible; v4 looks up many keys at once (coordinatorKeys / coordinators, KIP-699) instead of
 *   one key; v5 TRANSACTION_ABORTABLE (KIP-890).
 * - AddPartitionsToTxn: v2 PRODUCER_FENCED; v3 first flexible; v4 batches several transactions
 *   and adds verifyOnly: v4+ is what brokers send each other (KIP-890 verification), clients
 *   send v0-v3 (the V3AndBelow fields); v5 TRANSACTION_ABORTABLE.
 * - AddOffsetsToTxn: v2 PRODUCER_FENCED; v3 first flexible; v4 TRANSACTION_ABORTABLE.
 * - EndTxn: v2 PRODUCER_FENCED; v3 first flexible; v4 TRANSACTION_ABORTABLE; v5 (Kafka 4.0,
 *   transactions V2, KIP-890 part 2) bumps the epoch every transaction and answers with the
 *   producer id and epoch to use next.
 * - TxnOffsetCommit: v2 committed leader epoch; v3 first flexible, group metadata (generation or
 *   member epoch, member id, group instance id: KIP-447); v4 TRANSACTION_ABORTABLE; v5 = v4
 *   (transactions V2: implies AddOffsetsToTxn); v6 (Kafka 4.x, KIP-1319) topic ids instead of
 *   names.
 * The reading and admin side, for commands that read back what they wrote (versions as Kafka 4.x
 * defines them: it removed the older ones, KIP-896):
 * - ListOffsets (v1+): v2 isolation level; v4 current leader epoch; v6 first flexible; v7-v9
 *   and v11 add special timestamps (max timestamp, earliest local, latest tiered, earliest
 *   pending upload); v10 timeoutMs (KIP-1075).
 * - Fetch (v4+, RecordBatch v2): v5 log start offset; v7 fetch sessions (KIP-227); v9 current
 *   leader epoch; v11 rack id / preferred read replica; v12 first flexible (diverging epoch,
 *   current leader, snapshot id); v13 topic ids instead of names; v15 replica state (KIP-903);
 *   v16 node endpoints (KIP-951); v17 replica directory id; v18 high watermark (KIP-1166).
 *   Records stay raw bytes: a reader decodes the RecordBatches itself.
 * - CreateTopics (v2+): v4 partitions/replication factor may be -1 (broker defaults); v5 first
 *   flexible, configs in the response; v7 topic id in the response.
 * - DeleteTopics (v1+): v4 first flexible; v5 error message; v6 topics by name or id.
 */
import type { FieldDef, MessageDef } from './schema.js';

// ---------------------------------------------------------------------------------------------
// Headers

export const RequestHeaderDef: MessageDef = {
  name: 'RequestHeader',
  type: 'header',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'requestApiKey', type: 'int16', versions: '0+' },
    { name: 'requestApiVersion', type: 'int16', versions: '0+' },
    { name: 'correlationId', type: 'int32', versions: '0+' },
    // Always a classic int16-length string, even in the flexible header, so that any broker can
    // read the header of an ApiVersions request of a version it does not know.
    {
      name: 'clientId',
      type: 'string',
      versions: '1+',
      nullableVersions: '1+',
      ignorable: true,
      flexibleVersions: 'none',
    },
  ],
};

export const ResponseHeaderDef: MessageDef = {
  name: 'ResponseHeader',
  type: 'header',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [{ name: 'correlationId', type: 'int32', versions: '0+' }],
};

// ---------------------------------------------------------------------------------------------
// ApiVersions (key 18)

export const ApiVersionsRequestDef: MessageDef = {
  name: 'ApiVersionsRequest',
  apiKey: 18,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+', ignorable: true },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+', ignorable: true },
    // v5 (Kafka 4.4): the cluster and node the client believes it is talking to.
    {
      name: 'clusterId',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: 'null',
      ignorable: true,
    },
    { name: 'nodeId', type: 'int32', versions: '5+', default: '-1', ignorable: true },
  ],
};

export const ApiVersionsResponseDef: MessageDef = {
  name: 'ApiVersionsResponse',
  apiKey: 18,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'apiKeys',
      type: '[]ApiVersion',
      versions: '0+',
      fields: [
        { name: 'apiKey', type: 'int16', versions: '0+' },
        { name: 'minVersion', type: 'int16', versions: '0+' },
        { name: 'maxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    {
      name: 'supportedFeatures',
      type: '[]SupportedFeatureKey',
      versions: '3+',
      taggedVersions: '3+',
      tag: 0,
      ignorable: true,
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'minVersion', type: 'int16', versions: '3+' },
        { name: 'maxVersion', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'finalizedFeaturesEpoch',
      type: 'int64',
      versions: '3+',
      taggedVersions: '3+',
      tag: 1,
      default: '-1',
      ignorable: true,
    },
    {
      name: 'finalizedFeatures',
      type: '[]FinalizedFeatureKey',
      versions: '3+',
      taggedVersions: '3+',
      tag: 2,
      ignorable: true,
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'minVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'zkMigrationReady',
      type: 'bool',
      versions: '3+',
      taggedVersions: '3+',
      tag: 3,
      default: 'false',
      ignorable: true,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Metadata (key 3)

export const MetadataRequestDef: MessageDef = {
  name: 'MetadataRequest',
  apiKey: 3,
  type: 'request',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    // v0: an empty array means all topics; v1+: null means all topics, empty means none.
    {
      name: 'topics',
      type: '[]MetadataRequestTopic',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'topicId', type: 'uuid', versions: '10+', ignorable: true },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: 'true', ignorable: false },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
};

export const MetadataResponseDef: MessageDef = {
  name: 'MetadataResponse',
  apiKey: 3,
  type: 'response',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+', ignorable: true },
    {
      name: 'brokers',
      type: '[]MetadataResponseBroker',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        {
          name: 'rack',
          type: 'string',
          versions: '1+',
          nullableVersions: '1+',
          ignorable: true,
          default: 'null',
        },
      ],
    },
    {
      name: 'clusterId',
      type: 'string',
      versions: '2+',
      nullableVersions: '2+',
      ignorable: true,
      default: 'null',
    },
    { name: 'controllerId', type: 'int32', versions: '1+', default: '-1', ignorable: true },
    {
      name: 'topics',
      type: '[]MetadataResponseTopic',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '12+' },
        { name: 'topicId', type: 'uuid', versions: '10+', ignorable: true },
        { name: 'isInternal', type: 'bool', versions: '1+', default: 'false', ignorable: true },
        {
          name: 'partitions',
          type: '[]MetadataResponsePartition',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: '-1', ignorable: true },
            { name: 'replicaNodes', type: '[]int32', versions: '0+' },
            { name: 'isrNodes', type: '[]int32', versions: '0+' },
            { name: 'offlineReplicas', type: '[]int32', versions: '5+', ignorable: true },
          ],
        },
        {
          name: 'topicAuthorizedOperations',
          type: 'int32',
          versions: '8+',
          default: '-2147483648',
        },
      ],
    },
    {
      name: 'clusterAuthorizedOperations',
      type: 'int32',
      versions: '8-10',
      default: '-2147483648',
    },
    { name: 'errorCode', type: 'int16', versions: '13+', ignorable: true },
  ],
};

// ---------------------------------------------------------------------------------------------
// InitProducerId (key 22)

export const InitProducerIdRequestDef: MessageDef = {
  name: 'InitProducerIdRequest',
  apiKey: 22,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: '-1' },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: '-1' },
    { name: 'enable2Pc', type: 'bool', versions: '6+', default: 'false' },
    { name: 'keepPreparedTxn', type: 'bool', versions: '6+', default: 'false' },
  ],
};

export const InitProducerIdResponseDef: MessageDef = {
  name: 'InitProducerIdResponse',
  apiKey: 22,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: '-1' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    // Not ignorable (unlike most additions): Java refuses a non-default value below v6.
    { name: 'ongoingTxnProducerId', type: 'int64', versions: '6+', default: '-1' },
    { name: 'ongoingTxnProducerEpoch', type: 'int16', versions: '6+', default: '-1' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Produce (key 0)

const producePartitionData: FieldDef = {
  name: 'partitionData',
  type: '[]PartitionProduceData',
  versions: '0+',
  fields: [
    { name: 'index', type: 'int32', versions: '0+' },
    { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
  ],
};

export const ProduceRequestDef: MessageDef = {
  name: 'ProduceRequest',
  apiKey: 0,
  type: 'request',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'transactionalId',
      type: 'string',
      versions: '3+',
      nullableVersions: '3+',
      default: 'null',
    },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'topicData',
      type: '[]TopicProduceData',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-12', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '13+', ignorable: true },
        producePartitionData,
      ],
    },
  ],
};

export const ProduceResponseDef: MessageDef = {
  name: 'ProduceResponse',
  apiKey: 0,
  type: 'response',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: '[]TopicProduceResponse',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-12', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '13+', ignorable: true },
        {
          name: 'partitionResponses',
          type: '[]PartitionProduceResponse',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'baseOffset', type: 'int64', versions: '0+' },
            { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: '-1', ignorable: true },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: '-1', ignorable: true },
            {
              name: 'recordErrors',
              type: '[]BatchIndexAndErrorMessage',
              versions: '8+',
              ignorable: true,
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                {
                  name: 'batchIndexErrorMessage',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  default: 'null',
                },
              ],
            },
            {
              name: 'errorMessage',
              type: 'string',
              versions: '8+',
              nullableVersions: '8+',
              default: 'null',
              ignorable: true,
            },
            {
              name: 'currentLeader',
              type: 'LeaderIdAndEpoch',
              versions: '10+',
              taggedVersions: '10+',
              tag: 0,
              fields: [
                { name: 'leaderId', type: 'int32', versions: '10+', default: '-1' },
                { name: 'leaderEpoch', type: 'int32', versions: '10+', default: '-1' },
              ],
            },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true, default: '0' },
    {
      name: 'nodeEndpoints',
      type: '[]NodeEndpoint',
      versions: '10+',
      taggedVersions: '10+',
      tag: 0,
      fields: [
        { name: 'nodeId', type: 'int32', versions: '10+' },
        { name: 'host', type: 'string', versions: '10+' },
        { name: 'port', type: 'int32', versions: '10+' },
        { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: 'null' },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// SaslHandshake (key 17)

export const SaslHandshakeRequestDef: MessageDef = {
  name: 'SaslHandshakeRequest',
  apiKey: 17,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [{ name: 'mechanism', type: 'string', versions: '0+' }],
};

export const SaslHandshakeResponseDef: MessageDef = {
  name: 'SaslHandshakeResponse',
  apiKey: 17,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    // The broker's enabled mechanisms, so an UNSUPPORTED_SASL_MECHANISM error can name them.
    { name: 'mechanisms', type: '[]string', versions: '0+' },
  ],
};

// ---------------------------------------------------------------------------------------------
// SaslAuthenticate (key 36)

export const SaslAuthenticateRequestDef: MessageDef = {
  name: 'SaslAuthenticateRequest',
  apiKey: 36,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'authBytes', type: 'bytes', versions: '0+' }],
};

export const SaslAuthenticateResponseDef: MessageDef = {
  name: 'SaslAuthenticateResponse',
  apiKey: 36,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'authBytes', type: 'bytes', versions: '0+' },
    // 0 = the broker does not expire the session (connections.max.reauth.ms unset).
    { name: 'sessionLifetimeMs', type: 'int64', versions: '1+', default: '0', ignorable: true },
  ],
};

// ---------------------------------------------------------------------------------------------
// FindCoordinator (key 10)

export const FindCoordinatorRequestDef: MessageDef = {
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    // Not ignorable: a transaction coordinator cannot be looked up with v0 (groups only).
    { name: 'keyType', type: 'int8', versions: '1+', default: '0', ignorable: false },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
};

export const FindCoordinatorResponseDef: MessageDef = {
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    // v0-v3: the one key's answer at the top level.
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3', ignorable: true },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    // v4+: one answer per requested key.
    {
      name: 'coordinators',
      type: '[]Coordinator',
      versions: '4+',
      fields: [
        { name: 'key', type: 'string', versions: '4+' },
        { name: 'nodeId', type: 'int32', versions: '4+' },
        { name: 'host', type: 'string', versions: '4+' },
        { name: 'port', type: 'int32', versions: '4+' },
        { name: 'errorCode', type: 'int16', versions: '4+' },
        { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+', ignorable: true },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AddPartitionsToTxn (key 24)

/** Kafka's common struct AddPartitionsToTxnTopic: one topic's partitions. */
const addPartitionsToTxnTopicFields: readonly FieldDef[] = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'partitions', type: '[]int32', versions: '0+' },
];

export const AddPartitionsToTxnRequestDef: MessageDef = {
  name: 'AddPartitionsToTxnRequest',
  apiKey: 24,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    // v4+ (broker to broker): several transactions in one request.
    {
      name: 'transactions',
      type: '[]AddPartitionsToTxnTransaction',
      versions: '4+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        { name: 'producerId', type: 'int64', versions: '4+' },
        { name: 'producerEpoch', type: 'int16', versions: '4+' },
        // Only check that the partitions are already in the transaction; add nothing.
        { name: 'verifyOnly', type: 'bool', versions: '4+', default: 'false' },
        { name: 'topics', type: '[]AddPartitionsToTxnTopic', versions: '4+', fields: addPartitionsToTxnTopicFields },
      ],
    },
    // v0-v3 (what a client sends): one transaction.
    { name: 'v3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'v3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'v3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    { name: 'v3AndBelowTopics', type: '[]AddPartitionsToTxnTopic', versions: '0-3', fields: addPartitionsToTxnTopicFields },
  ],
};

/** Kafka's common struct AddPartitionsToTxnTopicResult: one error code per partition. */
const addPartitionsToTxnTopicResultFields: readonly FieldDef[] = [
  { name: 'name', type: 'string', versions: '0+' },
  {
    name: 'resultsByPartition',
    type: '[]AddPartitionsToTxnPartitionResult',
    versions: '0+',
    fields: [
      { name: 'partitionIndex', type: 'int32', versions: '0+' },
      { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
    ],
  },
];

export const AddPartitionsToTxnResponseDef: MessageDef = {
  name: 'AddPartitionsToTxnResponse',
  apiKey: 24,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '4+', ignorable: true },
    {
      name: 'resultsByTransaction',
      type: '[]AddPartitionsToTxnResult',
      versions: '4+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        {
          name: 'topicResults',
          type: '[]AddPartitionsToTxnTopicResult',
          versions: '4+',
          fields: addPartitionsToTxnTopicResultFields,
        },
      ],
    },
    {
      name: 'resultsByTopicV3AndBelow',
      type: '[]AddPartitionsToTxnTopicResult',
      versions: '0-3',
      fields: addPartitionsToTxnTopicResultFields,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AddOffsetsToTxn (key 25)

export const AddOffsetsToTxnRequestDef: MessageDef = {
  name: 'AddOffsetsToTxnRequest',
  apiKey: 25,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
};

export const AddOffsetsToTxnResponseDef: MessageDef = {
  name: 'AddOffsetsToTxnResponse',
  apiKey: 25,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
};

// ---------------------------------------------------------------------------------------------
// EndTxn (key 26)

export const EndTxnRequestDef: MessageDef = {
  name: 'EndTxnRequest',
  apiKey: 26,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    // true = commit, false = abort.
    { name: 'committed', type: 'bool', versions: '0+' },
  ],
};

export const EndTxnResponseDef: MessageDef = {
  name: 'EndTxnResponse',
  apiKey: 26,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    // v5 (KIP-890 part 2): the producer id and the bumped epoch for the next transaction.
    { name: 'producerId', type: 'int64', versions: '5+', default: '-1', ignorable: true },
    { name: 'producerEpoch', type: 'int16', versions: '5+', default: '-1', ignorable: true },
  ],
};

// ---------------------------------------------------------------------------------------------
// TxnOffsetCommit (key 28)

export const TxnOffsetCommitRequestDef: MessageDef = {
  name: 'TxnOffsetCommitRequest',
  apiKey: 28,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    // v3+ group metadata (KIP-447), not ignorable: the coordinator fences zombies with it, so
    // Java refuses to send it to a broker older than v3 rather than drop it. Kafka 3.x named the
    // first one GenerationId (same bytes); it is the member epoch under the consumer protocol.
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '3+', default: '-1' },
    { name: 'memberId', type: 'string', versions: '3+', default: '' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
    {
      name: 'topics',
      type: '[]TxnOffsetCommitRequestTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-5', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '6+', ignorable: true },
        {
          name: 'partitions',
          type: '[]TxnOffsetCommitRequestPartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '2+', default: '-1', ignorable: true },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
};

export const TxnOffsetCommitResponseDef: MessageDef = {
  name: 'TxnOffsetCommitResponse',
  apiKey: 28,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'topics',
      type: '[]TxnOffsetCommitResponseTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-5', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '6+', ignorable: true },
        {
          name: 'partitions',
          type: '[]TxnOffsetCommitResponsePartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// ListOffsets (key 2)

export const ListOffsetsRequestDef: MessageDef = {
  name: 'ListOffsetsRequest',
  apiKey: 2,
  type: 'request',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    // -1 for a consumer (any client), a broker id for a follower.
    { name: 'replicaId', type: 'int32', versions: '0+' },
    // 0 read uncommitted, 1 read committed (the last stable offset bounds "latest").
    { name: 'isolationLevel', type: 'int8', versions: '2+' },
    {
      name: 'topics',
      type: '[]ListOffsetsTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]ListOffsetsPartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: '-1', ignorable: true },
            // A time in ms, or a special value (ListOffsetsTimestamp).
            { name: 'timestamp', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '10+', ignorable: true },
  ],
};

export const ListOffsetsResponseDef: MessageDef = {
  name: 'ListOffsetsResponse',
  apiKey: 2,
  type: 'response',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
    {
      name: 'topics',
      type: '[]ListOffsetsTopicResponse',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]ListOffsetsPartitionResponse',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'timestamp', type: 'int64', versions: '1+', default: '-1', ignorable: false },
            { name: 'offset', type: 'int64', versions: '1+', default: '-1', ignorable: false },
            { name: 'leaderEpoch', type: 'int32', versions: '4+', default: '-1' },
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Fetch (key 1)

export const FetchRequestDef: MessageDef = {
  name: 'FetchRequest',
  apiKey: 1,
  type: 'request',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    // Only brokers fetching from the controller set it.
    {
      name: 'clusterId',
      type: 'string',
      versions: '12+',
      nullableVersions: '12+',
      default: 'null',
      taggedVersions: '12+',
      tag: 0,
      ignorable: true,
    },
    // -1 for a consumer; followers moved to replicaState in v15.
    { name: 'replicaId', type: 'int32', versions: '0-14', default: '-1' },
    {
      name: 'replicaState',
      type: 'ReplicaState',
      versions: '15+',
      taggedVersions: '15+',
      tag: 1,
      fields: [
        { name: 'replicaId', type: 'int32', versions: '15+', default: '-1' },
        { name: 'replicaEpoch', type: 'int64', versions: '15+', default: '-1' },
      ],
    },
    { name: 'maxWaitMs', type: 'int32', versions: '0+' },
    { name: 'minBytes', type: 'int32', versions: '0+' },
    { name: 'maxBytes', type: 'int32', versions: '3+', default: '0x7fffffff', ignorable: true },
    { name: 'isolationLevel', type: 'int8', versions: '4+', default: '0', ignorable: true },
    // Fetch sessions (KIP-227): 0 / -1 = a full fetch without a session.
    { name: 'sessionId', type: 'int32', versions: '7+', default: '0', ignorable: true },
    { name: 'sessionEpoch', type: 'int32', versions: '7+', default: '-1', ignorable: true },
    {
      name: 'topics',
      type: '[]FetchTopic',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0-12', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '13+', ignorable: true },
        {
          name: 'partitions',
          type: '[]FetchPartition',
          versions: '0+',
          fields: [
            { name: 'partition', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: '-1', ignorable: true },
            { name: 'fetchOffset', type: 'int64', versions: '0+' },
            { name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: '-1', ignorable: false },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: '-1', ignorable: true },
            { name: 'partitionMaxBytes', type: 'int32', versions: '0+' },
            {
              name: 'replicaDirectoryId',
              type: 'uuid',
              versions: '17+',
              taggedVersions: '17+',
              tag: 0,
              ignorable: true,
            },
            {
              name: 'highWatermark',
              type: 'int64',
              versions: '18+',
              default: '9223372036854775807',
              taggedVersions: '18+',
              tag: 1,
              ignorable: true,
            },
          ],
        },
      ],
    },
    {
      name: 'forgottenTopicsData',
      type: '[]ForgottenTopic',
      versions: '7+',
      ignorable: false,
      fields: [
        { name: 'topic', type: 'string', versions: '7-12', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '13+', ignorable: true },
        { name: 'partitions', type: '[]int32', versions: '7+' },
      ],
    },
    { name: 'rackId', type: 'string', versions: '11+', default: '', ignorable: true },
  ],
};

export const FetchResponseDef: MessageDef = {
  name: 'FetchResponse',
  apiKey: 1,
  type: 'response',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '7+', ignorable: true },
    { name: 'sessionId', type: 'int32', versions: '7+', default: '0', ignorable: false },
    {
      name: 'responses',
      type: '[]FetchableTopicResponse',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0-12', ignorable: true },
        { name: 'topicId', type: 'uuid', versions: '13+', ignorable: true },
        {
          name: 'partitions',
          type: '[]PartitionData',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'highWatermark', type: 'int64', versions: '0+' },
            { name: 'lastStableOffset', type: 'int64', versions: '4+', default: '-1', ignorable: true },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: '-1', ignorable: true },
            {
              name: 'divergingEpoch',
              type: 'EpochEndOffset',
              versions: '12+',
              taggedVersions: '12+',
              tag: 0,
              fields: [
                { name: 'epoch', type: 'int32', versions: '12+', default: '-1' },
                { name: 'endOffset', type: 'int64', versions: '12+', default: '-1' },
              ],
            },
            {
              name: 'currentLeader',
              type: 'LeaderIdAndEpoch',
              versions: '12+',
              taggedVersions: '12+',
              tag: 1,
              fields: [
                { name: 'leaderId', type: 'int32', versions: '12+', default: '-1' },
                { name: 'leaderEpoch', type: 'int32', versions: '12+', default: '-1' },
              ],
            },
            {
              name: 'snapshotId',
              type: 'SnapshotId',
              versions: '12+',
              taggedVersions: '12+',
              tag: 2,
              fields: [
                { name: 'endOffset', type: 'int64', versions: '0+', default: '-1' },
                { name: 'epoch', type: 'int32', versions: '0+', default: '-1' },
              ],
            },
            {
              name: 'abortedTransactions',
              type: '[]AbortedTransaction',
              versions: '4+',
              nullableVersions: '4+',
              ignorable: true,
              fields: [
                { name: 'producerId', type: 'int64', versions: '4+' },
                { name: 'firstOffset', type: 'int64', versions: '4+' },
              ],
            },
            { name: 'preferredReadReplica', type: 'int32', versions: '11+', default: '-1', ignorable: false },
            // Raw RecordBatches (a view into the response): possibly several, the last one
            // possibly cut short at the fetch size limit.
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    {
      name: 'nodeEndpoints',
      type: '[]NodeEndpoint',
      versions: '16+',
      taggedVersions: '16+',
      tag: 0,
      fields: [
        { name: 'nodeId', type: 'int32', versions: '16+' },
        { name: 'host', type: 'string', versions: '16+' },
        { name: 'port', type: 'int32', versions: '16+' },
        { name: 'rack', type: 'string', versions: '16+', nullableVersions: '16+', default: 'null' },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// CreateTopics (key 19)

export const CreateTopicsRequestDef: MessageDef = {
  name: 'CreateTopicsRequest',
  apiKey: 19,
  type: 'request',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    {
      name: 'topics',
      type: '[]CreatableTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        // -1 (v4+): the broker's default, when there are no assignments.
        { name: 'numPartitions', type: 'int32', versions: '0+' },
        { name: 'replicationFactor', type: 'int16', versions: '0+' },
        {
          name: 'assignments',
          type: '[]CreatableReplicaAssignment',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'brokerIds', type: '[]int32', versions: '0+' },
          ],
        },
        {
          name: 'configs',
          type: '[]CreatableTopicConfig',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: '60000' },
    { name: 'validateOnly', type: 'bool', versions: '1+', default: 'false', ignorable: false },
  ],
};

export const CreateTopicsResponseDef: MessageDef = {
  name: 'CreateTopicsResponse',
  apiKey: 19,
  type: 'response',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
    {
      name: 'topics',
      type: '[]CreatableTopicResult',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'topicId', type: 'uuid', versions: '7+', ignorable: true },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        // (Kafka declares it nullable from v0 though it exists from v1.)
        { name: 'errorMessage', type: 'string', versions: '1+', nullableVersions: '0+', ignorable: true },
        {
          name: 'topicConfigErrorCode',
          type: 'int16',
          versions: '5+',
          taggedVersions: '5+',
          tag: 0,
          ignorable: true,
        },
        { name: 'numPartitions', type: 'int32', versions: '5+', default: '-1', ignorable: true },
        { name: 'replicationFactor', type: 'int16', versions: '5+', default: '-1', ignorable: true },
        {
          name: 'configs',
          type: '[]CreatableTopicConfigs',
          versions: '5+',
          nullableVersions: '5+',
          ignorable: true,
          fields: [
            { name: 'name', type: 'string', versions: '5+' },
            { name: 'value', type: 'string', versions: '5+', nullableVersions: '5+' },
            { name: 'readOnly', type: 'bool', versions: '5+' },
            { name: 'configSource', type: 'int8', versions: '5+', default: '-1', ignorable: true },
            { name: 'isSensitive', type: 'bool', versions: '5+' },
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// DeleteTopics (key 20)

export const DeleteTopicsRequestDef: MessageDef = {
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  type: 'request',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    // v6+: each topic by name (topicId zero) or by id (name null).
    {
      name: 'topics',
      type: '[]DeleteTopicState',
      versions: '6+',
      fields: [
        { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: 'null' },
        { name: 'topicId', type: 'uuid', versions: '6+' },
      ],
    },
    { name: 'topicNames', type: '[]string', versions: '0-5', ignorable: true },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
};

export const DeleteTopicsResponseDef: MessageDef = {
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  type: 'response',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    {
      name: 'responses',
      type: '[]DeletableTopicResult',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
        { name: 'topicId', type: 'uuid', versions: '6+', ignorable: true },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '5+',
          nullableVersions: '5+',
          ignorable: true,
          default: 'null',
        },
      ],
    },
  ],
};

/** Request and response descriptions by API key. */
export const MESSAGE_DEFS: Readonly<Record<number, { request: MessageDef; response: MessageDef }>> = {
  0: { request: ProduceRequestDef, response: ProduceResponseDef },
  1: { request: FetchRequestDef, response: FetchResponseDef },
  2: { request: ListOffsetsRequestDef, response: ListOffsetsResponseDef },
  3: { request: MetadataRequestDef, response: MetadataResponseDef },
  10: { request: FindCoordinatorRequestDef, response: FindCoordinatorResponseDef },
  17: { request: SaslHandshakeRequestDef, response: SaslHandshakeResponseDef },
  18: { request: ApiVersionsRequestDef, response: ApiVersionsResponseDef },
  19: { request: CreateTopicsRequestDef, response: CreateTopicsResponseDef },
  20: { request: DeleteTopicsRequestDef, response: DeleteTopicsResponseDef },
  22: { request: InitProducerIdRequestDef, response: InitProducerIdResponseDef },
  24: { request: AddPartitionsToTxnRequestDef, response: AddPartitionsToTxnResponseDef },
  25: { request: AddOffsetsToTxnRequestDef, response: AddOffsetsToTxnResponseDef },
  26: { request: EndTxnRequestDef, response: EndTxnResponseDef },
  28: { request: TxnOffsetCommitRequestDef, response: TxnOffsetCommitResponseDef },
  36: { request: SaslAuthenticateRequestDef, response: SaslAuthenticateResponseDef },
};
