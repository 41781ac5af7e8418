/**
 * kafka-wire against real Kafka 4.4 listeners secured with TLS, mutual TLS and SASL (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with the OIDC client-credentials flow and with a
 * token provider function), started by the broker tool (`npm run broker -- up --security`,
 * tools/broker/secure.mjs). Every producer is configured from the ready-made Java client
 * properties file of its listener, unchanged (parsePropertiesFile, as `--producer.config` reads
 * it); records are read back by Kafka's own Java consumer over the same listener.
 *
 * Then every error of issue 12 on a real broker, each timed (the note quotes the times): wrong
 * password, untrusted and mismatched certificates, a missing client certificate, a plaintext
 * client on a TLS listener and the reverse, a JKS store, ACLs (a topic outside the user's prefix;
 * no IDEMPOTENT_WRITE), and KIP-368 re-authentication under load.
 *
 * All along, logging runs at debug level and every diagnostics channel is subscribed; the last
 * test searches everything captured, and every error message, for each secret of the cluster.
 */
import { spawnSync } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { AuthenticationError, CHANNELS, ConfigError, KafkaWireError, Producer, type RecordMetadata } from '../../src/index.js';
import { parsePropertiesFile } from '../../src/config.js';
import { createTopic, skipAllIf, uniqueTopic } from '../helpers/kafka.js';
import {
  clientConfig,
  derivedConfig,
  jaasFor,
  listenerBootstrap,
  oauthStats,
  readBackSecure,
  secureCluster,
  secureUnavailable,
  type SaslMechanism,
  type SecureListenerName,
} from '../helpers/secure-cluster.js';

const captured: string[] = [];
const errorsSeen: string[] = [];
const timings: string[] = [];
const logger = {
  debug: (m: string) => captured.push(`debug ${m}`),
  info: (m: string) => captured.push(`info ${m}`),
  warn: (m: string) => captured.push(`warn ${m}`),
  error: (m: string) => captured.push(`error ${m}`),
};
const onChannel = (message: unknown, name: string | symbol): void => void captured.push(`${String(name)} ${inspect(message, { depth: 6 })}`);

/** Producer properties from a Java client properties file, exactly as written, plus `extra`. */
function producerFrom(file: string, extra: Record<string, unknown> = {}): Producer {
  const props = parsePropertiesFile(readFileSync(file));
  return new Producer({ ...props, logger, 'client.id': `secure-${Object.keys(extra).length}`, ...extra } as never);
}

async function newTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic(topic, { partitions, bootstrap: listenerBootstrap('PLAINTEXT') });
  return topic;
}

/** Sends `count` keyed records, closes, and checks Kafka's consumer reads every one back over the same listener. */
async function roundTrip(listener: SecureListenerName, mechanism: SaslMechanism | undefined, file: string, extra: Record<string, unknown> = {}, count = 60): Promise<void> {
  const topic = await newTopic(`sec-${listener}-${mechanism ?? 'tls'}`.toLowerCase());
  const producer = producerFrom(file, extra);
  const sent: { key: string; value: string; md: RecordMetadata }[] = [];
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const key = `k${i % 9}`;
        const value = `${listener} ${mechanism ?? ''} #${i}`;
        return producer.send({ topic, key, value }).then((md) => void sent.push({ key, value, md }));
      }),
    );
  } finally {
    await producer.close();
  }
  // Read back with the same properties file, unless it configures what only kafka-wire has (a token function).
  const readConfig = Object.values(extra).some((v) => typeof v === 'function') ? {} : { clientConfig: file };
  const read = await readBackSecure(topic, { listener, ...(mechanism ? { mechanism } : {}), ...readConfig, expectedCount: count, timeoutMs: 60_000 });
  const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  expect(read).toHaveLength(count);
  for (const s of sent) {
    const r = at.get(`${s.md.partition}/${s.md.offset}`);
    expect(r?.value?.toString()).toBe(s.value);
    expect(r?.key?.toString()).toBe(s.key);
  }
}

/** Sends one record and returns its error and how long it took to arrive (ms). */
async function failure(file: string, extra: Record<string, unknown> = {}, topic?: string): Promise<{ error: KafkaWireError; ms: number }> {
  const t = topic ?? (await newTopic('sec-fail', 1));
  const producer = producerFrom(file, { 'delivery.timeout.ms': 120_000, 'max.block.ms': 60_000, ...extra });
  const started = performance.now();
  try {
    await producer.send({ topic: t, value: 'must not arrive' });
    throw new Error('the record was delivered');
  } catch (e) {
    if (!(e instanceof KafkaWireError)) throw e;
    errorsSeen.push(`${e.code} ${e.message} ${inspect(e, { depth: 4 })}`);
    return { error: e, ms: Math.round(performance.now() - started) };
  } finally {
    await producer.close({ timeoutMs: 5_000 });
  }
}

/** The Bun binary the global setup fetched (or BUN_BIN), or null. */
function bunBinary(): string | null {
  try {
    return inject('bunBin') ?? process.env.BUN_BIN ?? null;
  } catch {
    return process.env.BUN_BIN ?? null;
  }
}

function note(what: string, ms: number): void {
  timings.push(`${what}: ${ms} ms`);
}

describe('kafka-wire on secured Kafka listeners', () => {
  skipAllIf(secureUnavailable());

  beforeAll(() => {
    for (const name of Object.values(CHANNELS)) diagnosticsChannel.subscribe(name, onChannel);
  });
  afterAll(() => {
    for (const name of Object.values(CHANNELS)) diagnosticsChannel.unsubscribe(name, onChannel);
    if (timings.length > 0) process.stderr.write(`[secure] error paths:\n  ${timings.join('\n  ')}\n`);
  });

  describe('round trips, configured from the listener\'s Java properties file unchanged', () => {
    for (const listener of ['SASL_SSL', 'SASL_PLAINTEXT'] as const) {
      for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const) {
        test(`${listener} ${mechanism}`, async () => {
          await roundTrip(listener, mechanism, clientConfig(listener, mechanism));
        });
      }
    }
    test('SSL (server certificate from a PEM truststore)', async () => {
      await roundTrip('SSL', undefined, clientConfig('SSL'));
    });
    test('SSL with a PKCS12 truststore', async () => {
      const { tls } = secureCluster();
      const file = derivedConfig(clientConfig('SSL'), { 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': tls.ca.p12, 'ssl.truststore.password': tls.password });
      await roundTrip('SSL', undefined, file);
    });
    test('mutual TLS (client certificate from the properties file)', async () => {
      await roundTrip('MTLS', undefined, clientConfig('MTLS'));
    });
    test('mutual TLS with a PKCS12 keystore', async () => {
      const { tls } = secureCluster();
      const file = derivedConfig(clientConfig('MTLS'), {
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': tls.client.p12,
        'ssl.keystore.password': tls.password,
      });
      await roundTrip('MTLS', undefined, file);
    });
    test('OAUTHBEARER with a token provider function (how an MSK IAM signer plugs in)', async () => {
      const { oauth } = secureCluster();
      const [clientId, client] = Object.entries(oauth.clients).find(([, c]) => /write/i.test(c.rights))!;
      let calls = 0;
      const provider = async () => {
        calls++;
        const res = await fetch(oauth.tokenEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${clientId}:${client.secret}`)}` },
          body: `grant_type=client_credentials&scope=${encodeURIComponent(oauth.scope)}`,
        });
        const body = (await res.json()) as { access_token: string; expires_in: number };
        return { token: body.access_token, lifetimeMs: Date.now() + body.expires_in * 1000 }; // an expiry time, as Java's
      };
      // The SCRAM file's listener and trust, with OAUTHBEARER and no token endpoint: the function is the token source.
      const file = derivedConfig(clientConfig('SASL_SSL', 'SCRAM-SHA-512'), {
        'sasl.mechanism': 'OAUTHBEARER',
        'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      });
      await roundTrip('SASL_SSL', 'OAUTHBEARER', file, { 'sasl.login.callback.handler.class': provider });
      expect(calls).toBeGreaterThanOrEqual(1);
    });
  });

  describe('errors, at once and by name', () => {
    test('a wrong SCRAM-SHA-512 password: SASL_AUTHENTICATION_FAILED within seconds, naming mechanism and user', async () => {
      const wrong = 'definitely-not-alices-password';
      const file = derivedConfig(clientConfig('SASL_SSL', 'SCRAM-SHA-512'), { 'sasl.jaas.config': jaasFor('SCRAM-SHA-512', 'alice', wrong) });
      const { error, ms } = await failure(file);
      note('SASL_SSL SCRAM-SHA-512 wrong password -> SASL_AUTHENTICATION_FAILED', ms);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.code).toBe('SASL_AUTHENTICATION_FAILED');
      expect(error.message).toMatch(/SCRAM-SHA-512/);
      expect(error.message).toMatch(/alice/);
      expect(error.message).not.toContain(wrong);
      expect(ms).toBeLessThan(15_000);
    });

    test('a wrong PLAIN password on SASL_PLAINTEXT', async () => {
      const file = derivedConfig(clientConfig('SASL_PLAINTEXT', 'PLAIN'), { 'sasl.jaas.config': jaasFor('PLAIN', 'alice', 'nope-nope') });
      const { error, ms } = await failure(file);
      note('SASL_PLAINTEXT PLAIN wrong password -> SASL_AUTHENTICATION_FAILED', ms);
      expect(error.code).toBe('SASL_AUTHENTICATION_FAILED');
      expect(ms).toBeLessThan(15_000);
    });

    test('a mechanism the listener does not enable: UNSUPPORTED_SASL_MECHANISM listing what it offers', async () => {
      const file = derivedConfig(clientConfig('SASL_SSL', 'PLAIN'), { 'bootstrap.servers': listenerBootstrap('SASL_SSL_REAUTH') });
      const { error, ms } = await failure(file);
      note('PLAIN on a listener offering SCRAM-SHA-512 and OAUTHBEARER -> UNSUPPORTED_SASL_MECHANISM', ms);
      expect(error.code).toBe('UNSUPPORTED_SASL_MECHANISM');
      expect(error.message).toMatch(/PLAIN/);
      expect(error.message).toMatch(/SCRAM-SHA-512/);
      expect(error.message).toMatch(/OAUTHBEARER/);
      expect(ms).toBeLessThan(15_000);
    });

    test('an untrusted broker certificate: an SSL error naming the host and the reason', async () => {
      const { error, ms } = await failure(derivedConfig(clientConfig('SSL'), {}), { 'bootstrap.servers': listenerBootstrap('SSL_UNTRUSTED') });
      note('SSL untrusted certificate -> SSL_AUTHENTICATION_FAILED', ms);
      expect(error.code).toBe('SSL_AUTHENTICATION_FAILED');
      expect(error.message).toContain(listenerBootstrap('SSL_UNTRUSTED').split(',')[0]!.split(':')[1]!);
      expect(error.message).toMatch(/trust|certificate/i);
      expect(ms).toBeLessThan(15_000);
    });

    test('a certificate for another host name: an SSL error naming both; ssl.endpoint.identification.algorithm= turns the check off', async () => {
      const wrong = listenerBootstrap('SSL_WRONG_HOST');
      const { error, ms } = await failure(clientConfig('SSL'), { 'bootstrap.servers': wrong });
      note('SSL host name mismatch -> SSL_AUTHENTICATION_FAILED', ms);
      expect(error.code).toBe('SSL_AUTHENTICATION_FAILED');
      expect(error.message).toMatch(/wrong\.example|host ?name/i);
      await roundTrip('SSL_WRONG_HOST', undefined, derivedConfig(clientConfig('SSL'), { 'bootstrap.servers': wrong, 'ssl.endpoint.identification.algorithm': '' }), {}, 10);
    });

    test('no client certificate on a listener that requires one', async () => {
      const file = derivedConfig(clientConfig('SSL'), { 'bootstrap.servers': listenerBootstrap('MTLS') });
      const { error, ms } = await failure(file);
      note('MTLS without a client certificate -> SSL_AUTHENTICATION_FAILED', ms);
      expect(error.code).toBe('SSL_AUTHENTICATION_FAILED');
      expect(error.message).toMatch(/client certificate/i);
    });

    test('a PLAINTEXT client on a TLS listener, and a TLS client on a PLAINTEXT listener: clear errors, not a hang', async () => {
      const plainOnTls = await failure(clientConfig('SSL'), { 'security.protocol': 'PLAINTEXT', 'bootstrap.servers': listenerBootstrap('SSL') });
      note('PLAINTEXT client on the SSL listener', plainOnTls.ms);
      expect(plainOnTls.error.message).toMatch(/TLS|SSL/);
      expect(plainOnTls.ms).toBeLessThan(30_000);
      const tlsOnPlain = await failure(clientConfig('SSL'), { 'bootstrap.servers': listenerBootstrap('PLAINTEXT') });
      note('SSL client on the PLAINTEXT listener', tlsOnPlain.ms);
      expect(tlsOnPlain.error.code).toBe('SSL_AUTHENTICATION_FAILED');
      expect(tlsOnPlain.error.message).toMatch(/PLAINTEXT|plaintext|not TLS/i);
      expect(tlsOnPlain.ms).toBeLessThan(30_000);
    });

    test('a JKS truststore is refused at construction with the keytool conversion', () => {
      const { tls } = secureCluster();
      const file = derivedConfig(clientConfig('SSL'), { 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': tls.ca.jks, 'ssl.truststore.password': tls.password });
      let error: unknown;
      try {
        producerFrom(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/keytool -importkeystore/);
      errorsSeen.push(String((error as Error).message));
    });

    test('ACLs: a topic outside the user\'s prefix fails with TOPIC_AUTHORIZATION_FAILED, its own topic keeps flowing in the same producer', async () => {
      const allowed = await newTopic('limited-ok', 1);
      const denied = await newTopic('other-denied', 1);
      const file = derivedConfig(clientConfig('SASL_SSL', 'SCRAM-SHA-512'), { 'sasl.jaas.config': jaasFor('SCRAM-SHA-512', 'limited') });
      const producer = producerFrom(file);
      try {
        const started = performance.now();
        const bad = producer.send({ topic: denied, value: 'x' }).then(
          () => null,
          (e: KafkaWireError) => e,
        );
        const good = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: allowed, value: `ok ${i}` })));
        const error = await bad;
        note('limited user, topic outside its prefix -> TOPIC_AUTHORIZATION_FAILED', Math.round(performance.now() - started));
        expect(error?.code).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(error?.message).toContain(denied);
        expect(good).toHaveLength(20);
      } finally {
        await producer.close();
      }
      expect(await readBackSecure(allowed, { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', expectedCount: 20 })).toHaveLength(20);
    });

    test('ACLs: no IDEMPOTENT_WRITE -> CLUSTER_AUTHORIZATION_FAILED; without idempotence, no WRITE -> TOPIC_AUTHORIZATION_FAILED', async () => {
      const topic = await newTopic('nowrite', 1);
      const file = derivedConfig(clientConfig('SASL_SSL', 'SCRAM-SHA-256'), { 'sasl.jaas.config': jaasFor('SCRAM-SHA-256', 'nowrite') });
      const idem = await failure(file, {}, topic);
      note('nowrite user, idempotent -> CLUSTER_AUTHORIZATION_FAILED', idem.ms);
      expect(idem.error.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
      expect(idem.ms).toBeLessThan(15_000);
      const plain = await failure(file, { 'enable.idempotence': false, acks: '1' }, topic);
      note('nowrite user, not idempotent -> TOPIC_AUTHORIZATION_FAILED', plain.ms);
      expect(plain.error.code).toBe('TOPIC_AUTHORIZATION_FAILED');
    });
  });

  test('KIP-368: re-authentication under load on SASL_SSL, every record delivered once, none delayed beyond the exchange', async () => {
    const { listeners } = secureCluster();
    const reauthMs = listeners.SASL_SSL_REAUTH.reauthMs!;
    const topic = await newTopic('sec-reauth', 3);
    const producer = producerFrom(clientConfig('SASL_SSL_REAUTH', 'SCRAM-SHA-512'), { 'linger.ms': 1 });
    const durationMs = Math.max(3 * reauthMs, 15_000);
    const started = performance.now();
    const sends: Promise<RecordMetadata>[] = [];
    const latencies: number[] = [];
    let i = 0;
    try {
      while (performance.now() - started < durationMs) {
        for (let k = 0; k < 20; k++, i++) {
          const at = performance.now();
          sends.push(producer.send({ topic, key: `k${i % 5}`, value: `r${i}` }).then((md) => (latencies.push(performance.now() - at), md)));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
    const reauths = captured.filter((l) => l.includes('re-authenticated with')).length;
    latencies.sort((a, b) => a - b);
    note(`re-authentication: ${reauths} re-authentications in ${Math.round(durationMs)} ms, ${i} records, p50 ${Math.round(latencies[latencies.length >> 1]!)} ms, max ${Math.round(latencies[latencies.length - 1]!)} ms`, 0);
    expect(reauths).toBeGreaterThanOrEqual(2);
    const read = await readBackSecure(topic, { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', expectedCount: i, timeoutMs: 60_000 });
    expect(read).toHaveLength(i);
    expect(new Set(read.map((r) => r.value!.toString())).size).toBe(i);
  });

  describe('the CLI and Bun take the same files', () => {
    const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
    for (const [listener, mechanism] of [['SASL_SSL', 'SCRAM-SHA-512'], ['SASL_SSL', 'OAUTHBEARER'], ['MTLS', undefined]] as const) {
      test(`kafka-wire produce --producer.config ${listener} ${mechanism ?? 'mTLS'}: lines in, read back by Kafka's consumer`, async () => {
        const topic = await newTopic(`sec-cli-${listener}-${mechanism ?? 'mtls'}`.toLowerCase(), 1);
        const file = clientConfig(listener, mechanism);
        const lines = Array.from({ length: 25 }, (_, i) => `cli line ${i}`);
        const r = spawnSync(process.execPath, [CLI, 'produce', '--bootstrap-server', listenerBootstrap(listener), '--topic', topic, '--producer.config', file], {
          input: lines.join('\n') + '\n',
          encoding: 'utf8',
          timeout: 60_000,
        });
        captured.push(`cli stdout ${r.stdout}`, `cli stderr ${r.stderr}`);
        // Kafka 4.4's console producer prints the same deprecation line for --producer.config (now --command-config).
        expect(r.stderr.replace(/^Warning: --producer\.config is deprecated.*\n/m, '')).toBe('');
        expect(r.status).toBe(0);
        const read = await readBackSecure(topic, { listener, ...(mechanism ? { mechanism } : {}), expectedCount: lines.length });
        expect(read.map((x) => x.value!.toString())).toEqual(lines);
      });
    }

    test('under Bun: SASL_SSL SCRAM-SHA-512 round trip from the properties file', async (ctx) => {
      const bun = bunBinary();
      if (!bun) {
        ctx.skip();
        return;
      }
      const topic = await newTopic('sec-bun', 3);
      const file = clientConfig('SASL_SSL', 'SCRAM-SHA-512');
      const r = spawnSync(bun, [join(import.meta.dirname, '..', 'bun', 'roundtrip.mjs'), listenerBootstrap('SASL_SSL'), topic, 'lz4', file], { encoding: 'utf8', timeout: 90_000 });
      captured.push(`bun stdout ${r.stdout}`, `bun stderr ${r.stderr}`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as { runtime: string; results: { i: number; partition: number; offset: string }[] };
      expect(out.runtime).toMatch(/^bun /);
      const read = await readBackSecure(topic, { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', expectedCount: out.results.length });
      const at = new Map(read.map((x) => [`${x.partition}/${x.offset}`, x.value!.toString()]));
      for (const { i, partition, offset } of out.results) expect(at.get(`${partition}/${offset}`)).toBe(`bun value ${i}`);
    });
  });

  test('the OIDC token endpoint was used by the OAUTHBEARER producers', async () => {
    const stats = await oauthStats();
    expect(Object.values(stats.tokens).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });

  test('secrets stay secret: no password, client secret, key or token in any log line, diagnostics message or error', () => {
    const d = secureCluster();
    const secrets = new Set<string>([d.tls.password, ...Object.values(d.users).map((u) => u.password), ...Object.values(d.oauth.clients).map((c) => c.secret)]);
    for (const file of [d.tls.client.key, d.tls.client.encryptedKey]) {
      // A private key's base64 body, line by line: any of them in the output is a leak.
      for (const line of readFileSync(file, 'utf8').split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) secrets.add(line);
    }
    const tokens = captured.flatMap((l) => l.match(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g) ?? []);
    expect(tokens).toEqual([]);
    const everything = [...captured, ...errorsSeen].join('\n');
    expect(captured.length).toBeGreaterThan(100);
    for (const secret of secrets) expect(everything.includes(secret), `a secret (${secret.length} chars) appears in the output`).toBe(false);
  });
});
