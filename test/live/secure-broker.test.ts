/**
 * The secured Kafka fixture itself (tools/broker/secure.mjs), proved with Kafka's own Java
 * clients before kafka-wire's security support is tested against it: every SASL mechanism over
 * SASL_PLAINTEXT and SASL_SSL, TLS and mutual TLS (PEM, PKCS12 and JKS stores) carry a Java
 * producer's records to a Java consumer; a wrong password and a wrong OAuth secret are refused;
 * `nowrite` cannot write; the error listeners fail as documented; the re-authenticating
 * listeners announce their session lifetime. Kept few and fast: the listener matrix runs
 * concurrently in one helper JVM.
 */
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { createTopic, readBackJava, skipAllIf, uniqueTopic } from '../helpers/kafka.js';
import {
  clientConfig,
  derivedConfig,
  jaasFor,
  listenerBootstrap,
  oauthStats,
  produceSecure,
  readBackSecure,
  secureCluster,
  secureUnavailable,
  type SaslMechanism,
  type SecureListenerName,
} from '../helpers/secure-cluster.js';

const MECHANISMS: SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
/** A failing Java client gives up quickly instead of retrying for a minute. */
const FAIL_FAST = { 'max.block.ms': 15_000, 'delivery.timeout.ms': 15_000, 'request.timeout.ms': 10_000 };

/** Produce three records over a listener and read them back over the same listener. */
async function roundTrip(listener: SecureListenerName, opts: { mechanism?: SaslMechanism; clientConfig?: string } = {}): Promise<void> {
  const topic = uniqueTopic(`secure-${listener.toLowerCase()}`);
  const values = ['one', 'two', 'three'].map((v) => `${v} via ${listener} ${opts.mechanism ?? ''}`);
  const acks = await produceSecure(topic, values.map((value, i) => ({ key: `k${i}`, value })), { listener, ...opts });
  expect(acks.map((a) => a.offset)).toEqual([0n, 1n, 2n]);
  const read = await readBackSecure(topic, { listener, ...opts, expectedCount: values.length });
  expect(read.map((r) => r.value?.toString('utf8'))).toEqual(values);
}

/** The failure a Java producer reports when sending one record with this properties file. */
async function produceFailure(listener: SecureListenerName, file: string, topic = uniqueTopic('secure-refused'), props: Record<string, string | number> = {}): Promise<string> {
  try {
    await produceSecure(topic, [{ value: 'must not land' }], { listener, clientConfig: file, producerProps: { ...FAIL_FAST, ...props } });
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`producing over ${listener} with ${file} succeeded`);
}

/**
 * SaslHandshake v1 (PLAIN) then SaslAuthenticate v1 on a fresh connection, hand-encoded:
 * resolves the session lifetime the broker announces (KIP-368: 0 = no re-authentication).
 */
function plainSessionLifetimeMs(hostPort: string, user: string, password: string): Promise<bigint> {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  const frame = (apiKey: number, correlationId: number, body: Buffer) => {
    const clientId = Buffer.from('secure-fixture-test');
    const head = Buffer.alloc(10);
    head.writeInt16BE(apiKey, 0);
    head.writeInt16BE(1, 2); // version 1 of both APIs (request header v1, response header v0)
    head.writeInt32BE(correlationId, 4);
    head.writeInt16BE(clientId.length, 8);
    const size = Buffer.alloc(4);
    size.writeInt32BE(head.length + clientId.length + body.length);
    return Buffer.concat([size, head, clientId, body]);
  };
  const mechanism = Buffer.from('PLAIN');
  const handshake = Buffer.concat([Buffer.from([0, mechanism.length]), mechanism]);
  const token = Buffer.from(`\0${user}\0${password}`);
  const authBytes = Buffer.alloc(4 + token.length);
  authBytes.writeInt32BE(token.length);
  token.copy(authBytes, 4);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let answers = 0;
    const timer = setTimeout(() => finish(new Error(`no SASL answer from ${hostPort}`)), 10_000);
    const finish = (err: Error | null, value?: bigint) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    sock.on('error', (e) => finish(e));
    sock.on('connect', () => sock.write(frame(17, 1, handshake)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const msg = buf.subarray(8, 4 + buf.readInt32BE(0)); // past size and correlation id
        buf = buf.subarray(4 + buf.readInt32BE(0));
        const error = msg.readInt16BE(0);
        if (answers++ === 0) {
          if (error !== 0) return finish(new Error(`SaslHandshake error ${error}`));
          sock.write(frame(36, 2, authBytes));
          continue;
        }
        // SaslAuthenticate v1: error_code, error_message (nullable string), auth_bytes, session_lifetime_ms
        if (error !== 0) return finish(new Error(`SaslAuthenticate error ${error}`));
        let p = 2;
        const msgLen = msg.readInt16BE(p);
        p += 2 + Math.max(0, msgLen);
        p += 4 + msg.readInt32BE(p);
        return finish(null, msg.readBigInt64BE(p));
      }
    });
  });
}

describe('the secured Kafka fixture', () => {
  skipAllIf(secureUnavailable());

  describe.concurrent('Java producer and consumer over each listener', () => {
    for (const listener of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
      for (const mechanism of MECHANISMS) {
        test(`${listener} with ${mechanism}`, async () => {
          await roundTrip(listener, { mechanism });
        });
      }
    }

    test('SSL (server certificate only, PEM trust store)', async () => {
      await roundTrip('SSL');
    });

    test('MTLS with the PEM client certificate (principal User:mtls-client)', async () => {
      await roundTrip('MTLS');
    });

    test('MTLS with the PKCS12 and the JKS stores', async () => {
      const { tls } = secureCluster();
      const pkcs12 = derivedConfig(clientConfig('MTLS'), {
        'ssl.truststore.type': 'PKCS12',
        'ssl.truststore.location': tls.ca.p12,
        'ssl.truststore.password': tls.password,
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': tls.client.p12,
        'ssl.keystore.password': tls.password,
      });
      const jks = derivedConfig(clientConfig('MTLS'), {
        'ssl.truststore.type': 'JKS',
        'ssl.truststore.location': tls.ca.jks,
        'ssl.truststore.password': tls.password,
        'ssl.keystore.type': 'JKS',
        'ssl.keystore.location': tls.client.jks,
        'ssl.keystore.password': tls.password,
      });
      await Promise.all([roundTrip('MTLS', { clientConfig: pkcs12 }), roundTrip('MTLS', { clientConfig: jks })]);
    });
  });

  describe.concurrent('refusals', () => {
    test('a wrong password is refused (PLAIN and SCRAM over SASL_SSL)', async () => {
      for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
        const file = derivedConfig(clientConfig('SASL_SSL', mechanism), { 'sasl.jaas.config': jaasFor(mechanism, 'alice', 'not-the-password') });
        expect(await produceFailure('SASL_SSL', file)).toMatch(/SaslAuthenticationException: Authentication failed/);
      }
    });

    test('a wrong OAuth client secret gets 401 from the token endpoint, so the Java client cannot log in', async () => {
      const { oauth } = secureCluster();
      const before = (await oauthStats()).refused;
      const form = new URLSearchParams({ grant_type: 'client_credentials', scope: oauth.scope });
      const wrong = await fetch(oauth.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('kafka-wire-client:wrong').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      expect(wrong.status).toBe(401);
      const file = derivedConfig(clientConfig('SASL_PLAINTEXT', 'OAUTHBEARER'), { 'sasl.oauthbearer.client.credentials.client.secret': 'wrong' });
      expect(await produceFailure('SASL_PLAINTEXT', file)).toMatch(/401/);
      expect((await oauthStats()).refused).toBeGreaterThanOrEqual(before + 2);
    });

    test('nowrite cannot write: no IDEMPOTENT_WRITE (idempotent producer), no WRITE (plain producer); nothing lands', async () => {
      const topic = uniqueTopic('secure-nowrite');
      await createTopic(topic, { bootstrap: listenerBootstrap('PLAINTEXT') });
      const file = derivedConfig(clientConfig('SASL_SSL', 'SCRAM-SHA-256'), { 'sasl.jaas.config': jaasFor('SCRAM-SHA-256', 'nowrite') });
      expect(await produceFailure('SASL_SSL', file, topic)).toMatch(/ClusterAuthorizationException/);
      expect(await produceFailure('SASL_SSL', file, topic, { 'enable.idempotence': 'false', acks: 1, retries: 0 })).toMatch(/TopicAuthorizationException/);
      expect(await readBackJava(topic, { bootstrap: listenerBootstrap('PLAINTEXT') })).toEqual([]);
    });

    test('limited writes topics prefixed limited- only', async () => {
      const file = derivedConfig(clientConfig('SASL_PLAINTEXT', 'SCRAM-SHA-512'), { 'sasl.jaas.config': jaasFor('SCRAM-SHA-512', 'limited') });
      const acks = await produceSecure(uniqueTopic('limited'), [{ value: 'allowed' }], { listener: 'SASL_PLAINTEXT', clientConfig: file });
      expect(acks).toHaveLength(1);
      expect(await produceFailure('SASL_PLAINTEXT', file, uniqueTopic('other'))).toMatch(/TopicAuthorizationException/);
    });

    test('the error listeners fail as documented: hostname mismatch, untrusted CA, no client certificate', async () => {
      expect(await produceFailure('SSL_WRONG_HOST', clientConfig('SSL_WRONG_HOST'))).toMatch(/No subject alternative names matching IP address 127\.0\.0\.1/);
      expect(await produceFailure('SSL_UNTRUSTED', clientConfig('SSL_UNTRUSTED'))).toMatch(/PKIX path building failed/);
      expect(await produceFailure('MTLS', clientConfig('SSL'))).toMatch(/SslAuthenticationException/);
    });

    test('re-authentication: the *_REAUTH listeners announce their session lifetime, the others none', async () => {
      const d = secureCluster();
      const alice = d.users.alice.password;
      const reauth = await plainSessionLifetimeMs(d.listeners.SASL_PLAINTEXT_REAUTH.bootstrap.split(',')[0]!, 'alice', alice);
      const plain = await plainSessionLifetimeMs(d.listeners.SASL_PLAINTEXT.bootstrap.split(',')[0]!, 'alice', alice);
      expect(reauth).toBe(BigInt(d.listeners.SASL_PLAINTEXT_REAUTH.reauthMs!));
      expect(plain).toBe(0n);
    });
  });
});
