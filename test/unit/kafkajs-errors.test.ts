/**
 * kafka-wire/kafkajs's error classes against KafkaJS 2.2.4's (loaded from node_modules): the
 * same names, the same inheritance (so `instanceof` checks written for KafkaJS hold), the same
 * `retriable` defaults and fields; every Kafka error code KafkaJS knows gets KafkaJS's `type`,
 * numeric `code` and `retriable`; and each kind of engine error becomes the KafkaJS error a
 * KafkaJS program would have caught.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import * as ours from '../../src/compat/kafkajs/index.js';
import { protocolErrorFor, toKafkaJSError } from '../../src/compat/kafkajs/errors.js';
import { AuthenticationError, ConfigError, KafkaWireError, NetworkError, RequestTimeoutError } from '../../src/index.js';
import { errorForCode, kafkaErrorFromCode } from '../../src/protocol/index.js';

const require = createRequire(import.meta.url);
const theirs = require('kafkajs') as Record<string, new (...args: never[]) => Error>;
const theirTable = (require('kafkajs/src/protocol/error.js') as { errorCodes: Array<{ type: string; code: number; retriable: boolean }> }).errorCodes;

const CLASSES = [
  'KafkaJSError',
  'KafkaJSNonRetriableError',
  'KafkaJSProtocolError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSSASLAuthenticationError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSBrokerNotFound',
  'KafkaJSNotImplemented',
  'KafkaJSTimeout',
] as const;

/** Constructor arguments both libraries accept for each class. */
function argsFor(name: (typeof CLASSES)[number]): unknown[] {
  switch (name) {
    case 'KafkaJSProtocolError':
      return [{ message: 'm', type: 'NOT_ENOUGH_REPLICAS', code: 19, retriable: true }];
    case 'KafkaJSNumberOfRetriesExceeded':
      return [new Error('inner'), { retryCount: 5, retryTime: 1200 }];
    case 'KafkaJSConnectionError':
      return ['m', { broker: 'b:1', code: 'ECONNREFUSED' }];
    case 'KafkaJSConnectionClosedError':
      return ['m', { host: 'h', port: 9 }];
    case 'KafkaJSRequestTimeoutError':
      return ['m', { broker: 'b:1', correlationId: 3, createdAt: 1, sentAt: 2, pendingDuration: 1 }];
    case 'KafkaJSTopicMetadataNotLoaded':
      return ['m', { topic: 't' }];
    default:
      return ['m'];
  }
}

function chain(e: object): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) names.push(p.constructor.name);
  return names;
}

const FIELDS = ['name', 'message', 'retriable', 'type', 'code', 'broker', 'retryCount', 'retryTime', 'correlationId', 'createdAt', 'sentAt', 'pendingDuration', 'topic', 'host', 'port'];

describe('the classes are KafkaJS’s', () => {
  for (const name of CLASSES) {
    test(name, () => {
      const Ours = (ours as unknown as Record<string, new (...a: unknown[]) => Error>)[name]!;
      const Theirs = theirs[name] as unknown as new (...a: unknown[]) => Error;
      expect(Ours, `${name} is exported`).toBeTypeOf('function');
      const a = new Ours(...argsFor(name));
      const b = new Theirs(...argsFor(name));
      expect(chain(a)).toEqual(chain(b));
      const pick = (e: Error) => Object.fromEntries(FIELDS.filter((f) => f in e).map((f) => [f, (e as unknown as Record<string, unknown>)[f]]));
      expect(pick(a)).toEqual(pick(b));
      expect(a).toBeInstanceOf(ours.KafkaJSError);
      expect(a).toBeInstanceOf(Error);
    });
  }
});

describe('Kafka error codes', () => {
  test("every code in KafkaJS 2.2.4's table gets KafkaJS's type, code and retriable", () => {
    const wrong: string[] = [];
    for (const entry of theirTable) {
      const e = protocolErrorFor(errorForCode(entry.code).name, 'm');
      if (e === undefined || e.type !== entry.type || e.code !== entry.code || e.retriable !== entry.retriable) {
        wrong.push(`${entry.code}: KafkaJS ${entry.type}/${entry.retriable}, ours ${e?.type}/${e?.code}/${e?.retriable}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(theirTable.length).toBeGreaterThan(80);
  });

  test("codes newer than KafkaJS keep Kafka's name and number", () => {
    const fenced = protocolErrorFor('PRODUCER_FENCED', 'fenced')!;
    expect(fenced).toBeInstanceOf(ours.KafkaJSProtocolError);
    expect([fenced.type, fenced.code, fenced.retriable]).toEqual(['PRODUCER_FENCED', 90, false]);
  });
});

describe('engine errors become what a KafkaJS program catches', () => {
  test('a Kafka error the engine does not retry: KafkaJSProtocolError', () => {
    const e = toKafkaJSError(kafkaErrorFromCode(29, 'orders-0')) as ours.KafkaJSProtocolError;
    expect(e).toBeInstanceOf(ours.KafkaJSProtocolError);
    expect([e.type, e.code, e.retriable]).toEqual(['TOPIC_AUTHORIZATION_FAILED', 29, false]);
    expect(e.cause).toBeInstanceOf(KafkaWireError);
  });

  test('retries exhausted on a retriable Kafka error: KafkaJSNumberOfRetriesExceeded caused by the protocol error (old spelling)', () => {
    const e = toKafkaJSError(kafkaErrorFromCode(6, 'orders-0')) as ours.KafkaJSNumberOfRetriesExceeded;
    expect(e).toBeInstanceOf(ours.KafkaJSNumberOfRetriesExceeded);
    expect(e).toBeInstanceOf(ours.KafkaJSNonRetriableError);
    expect(e.retriable).toBe(false);
    const cause = e.cause as ours.KafkaJSProtocolError;
    expect(cause).toBeInstanceOf(ours.KafkaJSProtocolError);
    expect([cause.type, cause.code, cause.retriable]).toEqual(['NOT_LEADER_FOR_PARTITION', 6, true]);
  });

  test('delivery.timeout.ms after retrying NOT_ENOUGH_REPLICAS: retries exceeded, caused by it, with the timeout message', () => {
    const last = kafkaErrorFromCode(19, 'orders-1');
    const timeout = new KafkaWireError('TIMEOUT', 'Expiring 3 record(s) for orders-1: 120001 ms has passed since batch creation', { retriable: true, cause: last });
    const e = toKafkaJSError(timeout) as ours.KafkaJSNumberOfRetriesExceeded;
    expect(e).toBeInstanceOf(ours.KafkaJSNumberOfRetriesExceeded);
    expect(e.message).toContain('Expiring 3 record(s)');
    expect((e.cause as ours.KafkaJSProtocolError).type).toBe('NOT_ENOUGH_REPLICAS');
    // Without a last error (max.block.ms waiting for metadata): KafkaJSTimeout inside.
    const metadata = toKafkaJSError(new KafkaWireError('TIMEOUT', 'Topic t not present in metadata after 60000 ms', { retriable: true })) as ours.KafkaJSNumberOfRetriesExceeded;
    expect(metadata.cause).toBeInstanceOf(ours.KafkaJSTimeout);
  });

  test('connections: KafkaJSConnectionError (inside retries exceeded); request timeouts: KafkaJSRequestTimeoutError', () => {
    const net = toKafkaJSError(new NetworkError('Connection to 1 (h:9092) failed', { broker: '1 (h:9092)', cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })) as ours.KafkaJSNumberOfRetriesExceeded;
    const conn = net.cause as ours.KafkaJSConnectionError;
    expect(conn).toBeInstanceOf(ours.KafkaJSConnectionError);
    expect([conn.broker, conn.code, conn.retriable]).toEqual(['1 (h:9092)', 'ECONNREFUSED', true]);
    const sender = toKafkaJSError(new KafkaWireError('NETWORK_EXCEPTION', 'undecodable response', { retriable: true })) as ours.KafkaJSNumberOfRetriesExceeded;
    expect(sender.cause).toBeInstanceOf(ours.KafkaJSConnectionError);
    const rt = toKafkaJSError(new RequestTimeoutError('no answer within 30000 ms', { broker: '1 (h:9092)' })) as ours.KafkaJSNumberOfRetriesExceeded;
    expect(rt.cause).toBeInstanceOf(ours.KafkaJSRequestTimeoutError);
    expect((rt.cause as ours.KafkaJSRequestTimeoutError).broker).toBe('1 (h:9092)');
  });

  test('authentication: SASL -> KafkaJSSASLAuthenticationError; TLS -> KafkaJSConnectionError, not retriable', () => {
    const sasl = toKafkaJSError(new AuthenticationError('SASL_AUTHENTICATION_FAILED', 'Authentication failed for user alice'));
    expect(sasl).toBeInstanceOf(ours.KafkaJSSASLAuthenticationError);
    expect(sasl).toBeInstanceOf(ours.KafkaJSNonRetriableError);
    expect((sasl as ours.KafkaJSError).retriable).toBe(false);
    const mech = toKafkaJSError(new AuthenticationError('UNSUPPORTED_SASL_MECHANISM', 'broker does not enable PLAIN'));
    expect(mech).toBeInstanceOf(ours.KafkaJSSASLAuthenticationError);
    const tls = toKafkaJSError(new AuthenticationError('SSL_AUTHENTICATION_FAILED', 'SSL handshake with h:9093 failed', { broker: 'h:9093' })) as ours.KafkaJSConnectionError;
    expect(tls).toBeInstanceOf(ours.KafkaJSConnectionError);
    expect([tls.retriable, tls.code, tls.broker]).toEqual([false, 'SSL_AUTHENTICATION_FAILED', 'h:9093']);
  });

  test('local errors: configuration, closed producer, serializer, state -> KafkaJSNonRetriableError; too large -> MESSAGE_TOO_LARGE', () => {
    for (const e of [new ConfigError('acks', 'bad'), new KafkaWireError('PRODUCER_CLOSED', 'closed'), new KafkaWireError('SERIALIZATION', 'not a string'), new KafkaWireError('ILLEGAL_STATE', 'no transaction')]) {
      const mapped = toKafkaJSError(e) as ours.KafkaJSError;
      expect(mapped.constructor).toBe(ours.KafkaJSNonRetriableError);
      expect(mapped.message).toBe(e.message);
      expect(mapped.cause).toBe(e);
    }
    const big = toKafkaJSError(new KafkaWireError('RECORD_TOO_LARGE', 'The message is 2000000 bytes')) as ours.KafkaJSProtocolError;
    expect([big.constructor, big.type, big.code]).toEqual([ours.KafkaJSProtocolError, 'MESSAGE_TOO_LARGE', 10]);
  });

  test("errors that are not the engine's pass through unchanged, as KafkaJS's send passes them", () => {
    const own = new TypeError('partitioner bug');
    expect(toKafkaJSError(own)).toBe(own);
    const kjs = new ours.KafkaJSNonRetriableError('already KafkaJS');
    expect(toKafkaJSError(kjs)).toBe(kjs);
  });
});
