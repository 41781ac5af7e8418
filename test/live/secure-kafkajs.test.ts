/**
 * KafkaJS's SASL and SSL configuration examples (kafka.js.org, "Client Configuration": SSL with
 * a custom CA and client certificates, SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, OAUTHBEARER
 * with an oauthBearerProvider) run unchanged against KafkaJS 2.2.4 and `kafka-wire/kafkajs` on
 * the secured Kafka 4.4 (tools/broker/secure.mjs), each producing into a fresh topic; Kafka's
 * Java consumer reads both back over the same listener and must find the same records. Then
 * the failures a KafkaJS program handles: a wrong password (KafkaJSSASLAuthenticationError in
 * both) and a broker certificate the configured CA did not sign (a KafkaJSConnectionError).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import * as wire from '../../src/compat/kafkajs/index.js';
import { createTopic, skipAllIf, uniqueTopic, type ReadRecord } from '../helpers/kafka.js';
import { listenerBootstrap, readBackSecure, secureCluster, secureUnavailable, type SaslMechanism, type SecureListenerName } from '../helpers/secure-cluster.js';

type Lib = typeof wire;
const require = createRequire(import.meta.url);
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const LIBS: ReadonlyArray<readonly [string, Lib]> = [
  ['kafkajs 2.2.4', require('kafkajs') as Lib],
  ['kafka-wire/kafkajs', wire],
];

const COUNT = 30;

function plain(r: ReadRecord): string {
  return JSON.stringify([r.partition, r.key?.toString() ?? null, r.value?.toString() ?? null]);
}

/** What each library logged at WARN and above during its last run (shown when a check fails). */
const logged = new Map<string, string[]>();

/** The example: connect, send COUNT keyed records, disconnect. */
async function produce(lib: Lib, config: Omit<wire.KafkaConfig, 'brokers'>, listener: SecureListenerName, topic: string): Promise<void> {
  const lines: string[] = [];
  logged.set(lib === wire ? 'kafka-wire/kafkajs' : 'kafkajs 2.2.4', lines);
  const logCreator = () => (e: wire.LogEntry) => void lines.push(`${e.label} [${e.namespace}] ${e.log.message} ${String(e.log['error'] ?? '')}`);
  const kafka = new lib.Kafka({ clientId: 'my-app', brokers: listenerBootstrap(listener).split(','), logLevel: lib.logLevel.WARN, logCreator, ...config });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i % 7}`, value: `${listener} ${i}` })) });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Runs the example with both libraries and compares what Kafka's consumer reads back: the same
 * records in the same partitions. kafka-wire/kafkajs must write each exactly once. KafkaJS may
 * write some twice: in the first run of this file (load average 13) it wrote 55 and 44 records
 * for 30 in two of its eight round trips. It is not idempotent by default, and its send retries
 * a whole Produce request after an error in any of its partitions, the appended ones included.
 * So KafkaJS's records are compared as a set; its WARN/ERROR log lines are kept for the message
 * of a failed check.
 */
async function bothReadBack(listener: SecureListenerName, mechanism: SaslMechanism | undefined, config: () => Omit<wire.KafkaConfig, 'brokers'>): Promise<void> {
  const read: Record<string, ReadRecord[]> = {};
  for (const [name, lib] of LIBS) {
    const topic = uniqueTopic(`kjs-sec-${listener}-${name.startsWith('kafkajs') ? 'theirs' : 'ours'}`.toLowerCase());
    await createTopic(topic, { partitions: 3, bootstrap: listenerBootstrap('PLAINTEXT') });
    await produce(lib, config(), listener, topic);
    read[name] = await readBackSecure(topic, { listener, ...(mechanism ? { mechanism } : {}), expectedCount: COUNT, timeoutMs: 60_000 });
  }
  const ours = read['kafka-wire/kafkajs']!;
  const theirs = read['kafkajs 2.2.4']!;
  const why = JSON.stringify(Object.fromEntries(logged));
  expect(ours.map(plain).sort(), why).toEqual(Array.from(new Set(ours.map(plain))).sort());
  expect(ours, why).toHaveLength(COUNT);
  expect(new Set(theirs.map(plain)), why).toEqual(new Set(ours.map(plain)));
}

describe('KafkaJS SASL / SSL examples: KafkaJS 2.2.4 and kafka-wire/kafkajs on the secured Kafka', () => {
  skipAllIf(secureUnavailable());
  const ca = () => readFileSync(secureCluster().tls.ca.pem, 'utf-8');
  const alice = () => secureCluster().users.alice.password;

  for (const [mechanism, name] of [
    ['plain', 'PLAIN'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
    ['scram-sha-512', 'SCRAM-SHA-512'],
  ] as const) {
    test(`SASL ${mechanism} over SASL_SSL (ssl: { ca }) and SASL_PLAINTEXT`, async () => {
      await bothReadBack('SASL_SSL', name, () => ({ ssl: { ca: [ca()] }, sasl: { mechanism, username: 'alice', password: alice() } }));
      await bothReadBack('SASL_PLAINTEXT', name, () => ({ sasl: { mechanism, username: 'alice', password: alice() } }));
    });
  }

  test('SASL OAUTHBEARER with an oauthBearerProvider (client-credentials token from the OAuth endpoint)', async () => {
    const { oauth } = secureCluster();
    const secret = oauth.clients['kafka-wire-client']!.secret;
    let calls = 0;
    const oauthBearerProvider = async () => {
      calls++;
      const res = await fetch(oauth.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`kafka-wire-client:${secret}`)}` },
        body: `grant_type=client_credentials&scope=${encodeURIComponent(oauth.scope)}`,
      });
      const body = (await res.json()) as { access_token: string };
      return { value: body.access_token };
    };
    await bothReadBack('SASL_SSL', 'OAUTHBEARER', () => ({ ssl: { ca: [ca()] }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider } }));
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  test('SSL with a client certificate (ssl: { ca, cert, key }) on the mTLS listener', async () => {
    const { tls } = secureCluster();
    await bothReadBack('MTLS', undefined, () => ({ ssl: { ca: [ca()], cert: readFileSync(tls.client.chain, 'utf-8'), key: readFileSync(tls.client.key, 'utf-8') } }));
  });

  test('a wrong password: KafkaJSSASLAuthenticationError from both (KafkaJS at connect, kafka-wire at the first send)', async () => {
    for (const [name, lib] of LIBS) {
      const topic = uniqueTopic('kjs-sec-wrong');
      const error = await produce(lib, { ssl: { ca: [ca()] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'not-alices-password' } }, 'SASL_SSL', topic).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(lib.KafkaJSSASLAuthenticationError);
      expect(error, name).toBeInstanceOf(lib.KafkaJSNonRetriableError);
      expect((error as Error).message, name).not.toContain('not-alices-password');
    }
  });

  test('a broker certificate the configured CA did not sign: a KafkaJSConnectionError', async () => {
    for (const [name, lib] of LIBS) {
      const topic = uniqueTopic('kjs-sec-untrusted');
      const error = await produce(lib, { ssl: { ca: [ca()] }, retry: { retries: 1 } }, 'SSL_UNTRUSTED', topic).then(
        () => null,
        (e: unknown) => e,
      );
      // KafkaJS retries the connection and reports KafkaJSNumberOfRetriesExceeded caused by it;
      // kafka-wire does not retry a certificate the same trust store will refuse again.
      const connection = error instanceof lib.KafkaJSNumberOfRetriesExceeded ? error.cause : error;
      expect(connection, `${name}: ${String(error)}`).toBeInstanceOf(lib.KafkaJSConnectionError);
    }
  });
});
