/**
 * The KafkaJS option -> Kafka property mapping (src/compat/kafkajs/options.ts, the table of
 * docs/KAFKAJS.md): each option's property, what is warned about instead of silently changed,
 * what is refused, JAAS quoting read back by the engine's own sasl.jaas.config parser, the
 * OAUTHBEARER token lifetime, per-send settings, and that the engine's Producer accepts what the
 * mapping produces (its constructor applies Java's configuration rules).
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { KafkaJSNonRetriableError, KafkaJSSASLAuthenticationError } from '../../src/compat/kafkajs/errors.js';
import {
  CompressionTypes,
  OPAQUE_TOKEN_LIFETIME_MS,
  baseProperties,
  compressionName,
  engineProperties,
  jaasQuote,
  jwtExpiryMs,
  saslProperties,
  sendSettings,
  sslProperties,
  tokenFunction,
  transactionalProperties,
} from '../../src/compat/kafkajs/options.js';
import { Producer } from '../../src/index.js';
import { parseJaasConfig } from '../../src/network/sasl/index.js';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { CompressionTypes: Record<string, number> };

const PEM_A = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
const PEM_B = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

function jwt(payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64(payload)}.c2ln`;
}

describe('ssl', () => {
  test('true: TLS with the default CA store; ca / cert / key / passphrase: inline PEM', () => {
    const warnings: string[] = [];
    expect(baseProperties({ brokers: [], ssl: true }, {}).properties).toEqual({ 'linger.ms': 0, 'security.protocol': 'SSL' });
    expect(sslProperties({ ca: [PEM_A, Buffer.from(PEM_B)], cert: PEM_A, key: Buffer.from('-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n'), passphrase: 'pw' }, warnings)).toEqual({
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': `${PEM_A}\n${PEM_B}`,
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': `${PEM_A}\n`,
      'ssl.keystore.key': '-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n',
      'ssl.key.password': 'pw',
    });
    expect(warnings).toEqual([]);
  });

  test('rejectUnauthorized: false is a warning and changes nothing (certificates stay verified); servername and unknown options are warned', () => {
    const warnings: string[] = [];
    const props = sslProperties({ rejectUnauthorized: false, servername: 'kafka.example', ciphers: 'HIGH', ca: PEM_A }, warnings);
    expect(Object.keys(props).sort()).toEqual(['ssl.truststore.certificates', 'ssl.truststore.type']);
    expect(props).not.toHaveProperty('ssl.endpoint.identification.algorithm');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/rejectUnauthorized=false is not supported.*always verified/);
    expect(warnings[1]).toMatch(/servername/);
    expect(warnings[2]).toMatch(/ssl\.ciphers is not supported/);
  });

  test('minVersion / maxVersion: ssl.enabled.protocols', () => {
    expect(sslProperties({ minVersion: 'TLSv1.3' }, [])).toEqual({ 'ssl.enabled.protocols': ['TLSv1.3'], 'ssl.protocol': 'TLSv1.3' });
    expect(sslProperties({ maxVersion: 'TLSv1.2' }, [])).toEqual({ 'ssl.enabled.protocols': ['TLSv1.2'], 'ssl.protocol': 'TLSv1.2' });
    expect(() => sslProperties({ minVersion: 'TLSv1' }, [])).toThrow(KafkaJSNonRetriableError);
    expect(() => sslProperties({ key: [PEM_A, PEM_B] }, [])).toThrow(/one private key/);
  });
});

describe('sasl', () => {
  test('plain / scram: sasl.mechanism and a sasl.jaas.config the engine reads back exactly, quotes and backslashes included', () => {
    const password = 'p"w\\d;x y\n=z\'';
    for (const [mechanism, name, module] of [
      ['plain', 'PLAIN', 'org.apache.kafka.common.security.plain.PlainLoginModule'],
      ['scram-sha-256', 'SCRAM-SHA-256', 'org.apache.kafka.common.security.scram.ScramLoginModule'],
      ['SCRAM-SHA-512', 'SCRAM-SHA-512', 'org.apache.kafka.common.security.scram.ScramLoginModule'],
    ] as const) {
      for (const tls of [false, true]) {
        const props = saslProperties({ mechanism, username: 'ålice "a"', password }, tls, []);
        expect(props['security.protocol']).toBe(tls ? 'SASL_SSL' : 'SASL_PLAINTEXT');
        expect(props['sasl.mechanism']).toBe(name);
        const parsed = parseJaasConfig(props['sasl.jaas.config'] as string);
        expect(parsed.loginModule).toBe(module);
        expect(Object.fromEntries(parsed.options)).toEqual({ username: 'ålice "a"', password });
      }
    }
    expect(jaasQuote('a"b')).toBe('"a\\"b"');
  });

  test('ssl + sasl: SASL_SSL with the trust store', () => {
    const props = baseProperties({ brokers: [], ssl: { ca: PEM_A }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } }, {}).properties;
    expect(props['security.protocol']).toBe('SASL_SSL');
    expect(props['ssl.truststore.type']).toBe('PEM');
  });

  test('missing credentials, unknown mechanisms: refused', () => {
    expect(() => saslProperties({ mechanism: 'plain', username: 'u' }, false, [])).toThrow(KafkaJSSASLAuthenticationError);
    expect(() => saslProperties({ mechanism: 'aws', accessKeyId: 'x' }, false, [])).toThrow(/aws mechanism is not supported/);
    expect(() => saslProperties({ mechanism: 'oauthbearer' }, false, [])).toThrow(/oauthBearerProvider/);
  });

  test("oauthbearer: the provider's { value } becomes { token, lifetimeMs }: a JWT's exp, else a minute from now", async () => {
    const props = saslProperties({ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 't' }) }, true, []);
    expect(props['sasl.mechanism']).toBe('OAUTHBEARER');
    expect(props['sasl.login.callback.handler.class']).toBeTypeOf('function');
    const now = () => 1_700_000_000_000;
    const token = jwt({ sub: 'svc', exp: 1_700_000_900, iat: 1_700_000_000 });
    expect(await tokenFunction(async () => ({ value: token }), now)()).toEqual({ token, lifetimeMs: 1_700_000_900_000 });
    expect(await tokenFunction(async () => ({ value: 'opaque-token' }), now)()).toEqual({ token: 'opaque-token', lifetimeMs: 1_700_000_000_000 + OPAQUE_TOKEN_LIFETIME_MS });
    expect(jwtExpiryMs(jwt({ sub: 'x' }))).toBeUndefined();
    expect(jwtExpiryMs('a.b')).toBeUndefined();
  });
});

describe('client and producer options', () => {
  test('each option becomes its Kafka property', () => {
    const { properties, warnings } = baseProperties(
      { brokers: ['b:1'], clientId: 'orders', connectionTimeout: 3000, requestTimeout: 25000, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 5000 } },
      { metadataMaxAge: 60000, maxInFlightRequests: 1, idempotent: true, transactionalId: 'tx', transactionTimeout: 30000 },
    );
    expect(properties).toEqual({
      'linger.ms': 0,
      'client.id': 'orders',
      'socket.connection.setup.timeout.ms': 3000,
      'request.timeout.ms': 25000,
      retries: 3,
      'retry.backoff.ms': 200,
      'retry.backoff.max.ms': 5000,
      'metadata.max.age.ms': 60000,
      'enable.idempotence': true,
      'max.in.flight.requests.per.connection': 1,
    });
    expect(warnings).toEqual([]);
    expect(transactionalProperties({ transactionalId: 'tx', transactionTimeout: 30000 })).toEqual({ 'transactional.id': 'tx', 'transaction.timeout.ms': 30000 });
  });

  test("the producer's retry overrides the client's, option by option", () => {
    const { properties } = baseProperties({ brokers: [], retry: { retries: 8, initialRetryTime: 100 } }, { retry: { retries: 2 } });
    expect(properties).toMatchObject({ retries: 2, 'retry.backoff.ms': 100 });
  });

  test('what has no equivalent is warned, not silently dropped', () => {
    const { properties, warnings } = baseProperties(
      { brokers: [], authenticationTimeout: 1000, reauthenticationThreshold: 100, enforceRequestTimeout: false, socketFactory: () => null, retry: { factor: 0.5, multiplier: 3 } },
      { allowAutoTopicCreation: false },
    );
    expect(properties).toEqual({ 'linger.ms': 0 });
    expect(warnings.map((w) => w.split(' ')[0])).toEqual(['enforceRequestTimeout=false', 'authenticationTimeout', 'reauthenticationThreshold', 'socketFactory', 'retry.factor=0.5', 'retry.multiplier=3', 'allowAutoTopicCreation=false']);
  });

  test("idempotence: KafkaJS's rules, on top of Java's default", () => {
    expect(baseProperties({ brokers: [] }, {}).properties).not.toHaveProperty('enable.idempotence');
    expect(baseProperties({ brokers: [] }, { idempotent: false }).properties['enable.idempotence']).toBe(false);
    expect(() => baseProperties({ brokers: [] }, { idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries');
    // More than 5 in flight without idempotent: true turns the engine's idempotence off.
    expect(baseProperties({ brokers: [] }, { maxInFlightRequests: 10 }).properties).toMatchObject({ 'max.in.flight.requests.per.connection': 10, 'enable.idempotence': false });
  });

  test('linger.ms is 0 (KafkaJS sends at once) unless the properties set it', () => {
    expect(baseProperties({ brokers: [] }, {}).properties['linger.ms']).toBe(0);
    expect(baseProperties({ brokers: [] }, { properties: { 'linger.ms': 5 } }).properties['linger.ms']).toBe(5);
  });

  test("kafka-wire's properties are the base; the KafkaJS options win over them", () => {
    const { properties } = baseProperties({ brokers: [], clientId: 'a' }, { properties: { 'linger.ms': 20, 'client.id': 'b', 'compression.type': 'lz4' } });
    expect(properties).toMatchObject({ 'linger.ms': 20, 'client.id': 'a', 'compression.type': 'lz4' });
  });
});

describe('per-send settings', () => {
  test("CompressionTypes are KafkaJS's values and name the engine's codecs", () => {
    expect({ ...CompressionTypes }).toEqual(kafkajs.CompressionTypes);
    expect([0, 1, 2, 3, 4].map(compressionName)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(() => compressionName(7)).toThrow(KafkaJSNonRetriableError);
  });

  test("defaults: acks -1, no compression, the shared request timeout or Java's 30000; the shared properties' acks / compression.type when a send passes none", () => {
    expect(sendSettings({}, undefined, undefined, undefined)).toEqual({ acks: -1, compression: 'none', timeoutMs: 30000 });
    expect(sendSettings({ 'request.timeout.ms': 20000 }, 1, CompressionTypes.GZIP, undefined)).toEqual({ acks: 1, compression: 'gzip', timeoutMs: 20000 });
    expect(sendSettings({ acks: 'all', 'compression.type': 'zstd' }, undefined, undefined, 5000)).toEqual({ acks: -1, compression: 'zstd', timeoutMs: 5000 });
    expect(engineProperties({ 'client.id': 'x' }, { acks: 0, compression: 'lz4', timeoutMs: 5000 })).toEqual({ 'client.id': 'x', acks: '0', 'compression.type': 'lz4', 'request.timeout.ms': 5000 });
    expect(engineProperties({}, { acks: -1, compression: 'none', timeoutMs: 30000 })).toEqual({ acks: 'all', 'compression.type': 'none', 'request.timeout.ms': 30000 });
  });
});

describe("the engine accepts what the mapping produces (Java's configuration rules)", () => {
  const bootstrap = { 'bootstrap.servers': '127.0.0.1:1' };
  const engine = async (props: Record<string, unknown>) => {
    const p = new Producer({ ...bootstrap, ...props } as never);
    await p.close({ timeoutMs: 0 });
    return p;
  };

  test('every acks / compression combination, with and without idempotent, and the transactional engine', async () => {
    for (const idempotent of [undefined, false]) {
      const base = baseProperties({ brokers: [], clientId: 'c', requestTimeout: 40000, retry: { retries: 4 } }, { idempotent, maxInFlightRequests: 3 }).properties;
      for (const acks of [-1, 0, 1]) for (const compression of [0, 1, 2, 3]) await engine(engineProperties(base, sendSettings(base, acks, compression, 45000)));
    }
    const idem = baseProperties({ brokers: [] }, { idempotent: true }).properties;
    await engine(engineProperties(idem, sendSettings(idem, -1, 0, undefined)));
    const tx = { ...baseProperties({ brokers: [] }, { transactionalId: 't', transactionTimeout: 10000 }).properties, ...transactionalProperties({ transactionalId: 't', transactionTimeout: 10000 }), acks: 'all' };
    const p = await engine(tx);
    expect(p.config.values['transactional.id']).toBe('t');
    // A timeout beyond delivery.timeout.ms's default moves it, as Java does.
    const slow = await engine(engineProperties({}, { acks: -1, compression: 'none', timeoutMs: 150000 }));
    expect(slow.config.values['delivery.timeout.ms']).toBeGreaterThanOrEqual(150000);
  });

  test('a SASL mapping configures the engine (its constructor reads sasl.jaas.config)', async () => {
    const base = baseProperties({ brokers: [], sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p"q' } }, {}).properties;
    const p = await engine(engineProperties(base, sendSettings(base, undefined, undefined, undefined)));
    expect(p.config.values['sasl.mechanism']).toBe('SCRAM-SHA-512');
  });
});
