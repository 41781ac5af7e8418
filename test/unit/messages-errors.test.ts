import { describe, expect, it } from 'vitest';
import { KafkaWireError } from '../../src/errors.js';
import {
  KAFKA_ERRORS,
  KafkaProtocolError,
  errorForCode,
  errorForName,
  invalidatesMetadata,
  isRetriableCode,
  kafkaErrorFromCode,
} from '../../src/protocol/error-codes.js';

describe('Kafka error table', () => {
  it('has every code from -1 to the newest, once', () => {
    const codes = KAFKA_ERRORS.map((e) => e.code);
    expect(codes[0]).toBe(-1);
    const max = codes.at(-1)!;
    expect(max).toBeGreaterThanOrEqual(133);
    expect(codes).toEqual(Array.from({ length: max + 2 }, (_, i) => i - 1));
    expect(new Set(KAFKA_ERRORS.map((e) => e.name)).size).toBe(KAFKA_ERRORS.length);
    for (const e of KAFKA_ERRORS) if (e.code !== 0) expect(e.message.length).toBeGreaterThan(0);
  });

  it("marks Java's retriable errors", () => {
    const retriable = KAFKA_ERRORS.filter((e) => e.retriable).map((e) => e.name);
    expect(retriable).toEqual([
      'CORRUPT_MESSAGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER',
      'REQUEST_TIMED_OUT', 'REPLICA_NOT_AVAILABLE', 'NETWORK_EXCEPTION', 'COORDINATOR_LOAD_IN_PROGRESS',
      'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      'NOT_CONTROLLER', 'CONCURRENT_TRANSACTIONS', 'KAFKA_STORAGE_ERROR', 'FETCH_SESSION_ID_NOT_FOUND',
      'INVALID_FETCH_SESSION_EPOCH', 'LISTENER_NOT_FOUND', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH',
      'OFFSET_NOT_AVAILABLE', 'PREFERRED_LEADER_NOT_AVAILABLE', 'ELIGIBLE_LEADERS_NOT_AVAILABLE',
      'ELECTION_NOT_NEEDED', 'UNSTABLE_OFFSET_COMMIT', 'THROTTLING_QUOTA_EXCEEDED', 'UNKNOWN_TOPIC_ID',
      'INCONSISTENT_TOPIC_ID', 'FETCH_SESSION_TOPIC_ID_ERROR', 'SHARE_SESSION_NOT_FOUND',
      'INVALID_SHARE_SESSION_EPOCH', 'SHARE_SESSION_LIMIT_REACHED',
    ]);
    for (const name of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'MESSAGE_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED', 'UNKNOWN_PRODUCER_ID', 'TRANSACTION_ABORTABLE']) {
      expect(errorForName(name)!.retriable).toBe(false);
    }
  });

  it('marks the errors that invalidate metadata (InvalidMetadataException)', () => {
    expect(KAFKA_ERRORS.filter((e) => e.invalidMetadata).map((e) => e.code)).toEqual([3, 5, 6, 9, 13, 56, 72, 74, 80, 83, 84, 100, 103]);
    expect(invalidatesMetadata(6)).toBe(true);
    expect(invalidatesMetadata(7)).toBe(false);
    for (const e of KAFKA_ERRORS) if (e.invalidMetadata) expect(e.retriable).toBe(true);
    expect(isRetriableCode(19)).toBe(true);
    expect(isRetriableCode(10)).toBe(false);
    expect(isRetriableCode(9999)).toBe(false);
  });

  it('synthesizes an entry for unknown codes', () => {
    expect(errorForCode(6).name).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(errorForCode(0).name).toBe('NONE');
    const unknown = errorForCode(4242);
    expect(unknown).toMatchObject({ code: 4242, name: 'UNKNOWN_ERROR_4242', retriable: false, invalidMetadata: false });
    expect(errorForCode(-2).name).toBe('UNKNOWN_ERROR_-2');
  });

  it('builds KafkaWireErrors with code = name and retriable', () => {
    const e = kafkaErrorFromCode(6, 'orders-0');
    expect(e).toBeInstanceOf(KafkaWireError);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(e.retriable).toBe(true);
    expect(e.invalidMetadata).toBe(true);
    expect(e.errorCode).toBe(6);
    expect(e.message).toMatch(/^NOT_LEADER_OR_FOLLOWER \(orders-0\): For requests intended only for the leader/);
    const withServerMessage = kafkaErrorFromCode(87, undefined, 'record 1 is bad');
    expect(withServerMessage.message).toBe('INVALID_RECORD: record 1 is bad');
    expect(withServerMessage.retriable).toBe(false);
    expect(kafkaErrorFromCode(31337).code).toBe('UNKNOWN_ERROR_31337');
  });
});
