/**
 * The Kafka error codes the checks expect or tolerate, by Kafka's names, looked up once in the
 * protocol layer's error table (src/protocol/error-codes.ts) so a typo fails at load time.
 */
import { errorForName } from '../protocol/error-codes.js';

const NAMES = [
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'REPLICA_NOT_AVAILABLE',
  'MESSAGE_TOO_LARGE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'INVALID_REQUIRED_ACKS',
  'INVALID_TIMESTAMP',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_VERSION',
  'TOPIC_ALREADY_EXISTS',
  'INVALID_CONFIG',
  'INVALID_REQUEST',
  'POLICY_VIOLATION',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'CONCURRENT_TRANSACTIONS',
  'SASL_AUTHENTICATION_FAILED',
  'UNKNOWN_PRODUCER_ID',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'INVALID_RECORD',
  'PRODUCER_FENCED',
  'UNKNOWN_TOPIC_ID',
  'TRANSACTION_ABORTABLE',
] as const;

export type KafkaErrorName = (typeof NAMES)[number];

export const Err: Readonly<Record<KafkaErrorName, number>> = Object.fromEntries(
  NAMES.map((name) => {
    const e = errorForName(name);
    if (e === undefined) throw new Error(`internal: no Kafka error named ${name}`);
    return [name, e.code];
  }),
) as Record<KafkaErrorName, number>;
