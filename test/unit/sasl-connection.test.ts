/**
 * SASL on the producer's connections, against the fake cluster's broker-side rules
 * (test/helpers/fake-sasl.ts): authentication after ApiVersions and before anything else,
 * failures that fail the waiting records at once (not after delivery.timeout.ms) and never show
 * the secret, and KIP-368 re-authentication on the same connection while records keep flowing.
 * Time moves only through the fake clock. The mechanisms' bytes are tested in sasl-*.test.ts;
 * real Kafka listeners in test/live/secure*.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { Tracker, advance, advanceUntil, auditLog, harness } from '../helpers/fake-broker.js';

const SECRET = 'pw-9f8e7d-not-for-logs';
const jaas = (user: string, password: string): string => `org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${password}";`;
const saslConfig = (password = SECRET) => ({
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'PLAIN',
  'sasl.jaas.config': jaas('alice', password),
});

describe('SASL PLAIN on the fake cluster', () => {
  test('every connection authenticates after ApiVersions and before its first other request', async () => {
    const { clock, cluster, producer, logs } = harness({
      topics: { t: 3 },
      cluster: { brokers: 3, sasl: { users: { alice: SECRET } } },
      config: saslConfig(),
    });
    const t = new Tracker(producer, clock);
    for (let i = 0; i < 60; i++) t.send({ topic: 't', key: `k${i}`, value: `v${i}` });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    expect(cluster.sasl!.rejected).toEqual([]);
    expect(cluster.violations).toEqual([]);
    // Per connection: ApiVersions, SaslHandshake, SaslAuthenticate come first, in that order.
    const byConnection = new Map<number, number[]>();
    for (const r of cluster.requests) byConnection.set(r.connection, [...(byConnection.get(r.connection) ?? []), r.apiKey]);
    for (const keys of byConnection.values()) expect(keys.slice(0, 3)).toEqual([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);
    expect(cluster.sasl!.events.every((e) => e.ok && e.user === 'alice')).toBe(true);
    await producer.close();
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  test('a wrong password fails the waiting records within seconds with SASL_AUTHENTICATION_FAILED, naming mechanism and user, never the password', async () => {
    const wrong = 'wrong-pw-71c3a9';
    const { clock, cluster, producer, logs } = harness({
      topics: { t: 1 },
      cluster: { sasl: { users: { alice: SECRET } } },
      config: saslConfig(wrong),
    });
    const t = new Tracker(producer, clock);
    const start = clock.now();
    // A burst: the sends queued behind the first one for the topic's metadata fail with it,
    // not one reconnect backoff after another.
    for (let i = 0; i < 60; i++) t.send({ topic: 't', value: `v${i}` });
    const tookMs = (await advanceUntil(clock, () => t.done)) - start;
    expect(tookMs).toBeLessThan(1_000); // not delivery.timeout.ms (120 s) nor max.block.ms (60 s)
    for (const o of t.all()) {
      expect(o.calls).toBe(1);
      expect(o.error).toBeInstanceOf(AuthenticationError);
      expect(o.error!.code).toBe('SASL_AUTHENTICATION_FAILED');
      expect(o.error!.message).toMatch(/PLAIN/);
      expect(o.error!.message).toMatch(/alice/);
      expect(o.error!.message).not.toContain(wrong);
    }
    expect(cluster.log('t')).toEqual([]);
    await producer.close();
    expect(logs.join('\n')).not.toContain(wrong);
  });

  test('credentials that stop working fail the records queued for a known leader at once, and a broker that still authenticates keeps its own', async () => {
    const { clock, cluster, producer } = harness({
      topics: { t: 2 },
      cluster: { brokers: 2, sasl: { users: { alice: SECRET } } },
      config: { ...saslConfig(), 'linger.ms': 0 },
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', partition: 0, value: 'warm-0' });
    t.send({ topic: 't', partition: 1, value: 'warm-1' });
    await advanceUntil(clock, () => t.done);
    expect(t.failed).toEqual([]);
    const leaderOf0 = cluster.leaderOf('t', 0);
    // The password is rotated on the broker; the leader of partition 0 drops its connections,
    // so the producer must authenticate again, and fails. The other broker's connection stays.
    cluster.sasl!.setPassword('alice', 'rotated');
    cluster.dropConnections(leaderOf0);
    const start = clock.now();
    for (let i = 0; i < 20; i++) t.send({ topic: 't', partition: 0, value: `p0-${i}` });
    await advanceUntil(clock, () => t.all().filter((o) => o.id.startsWith('p0-')).every((o) => o.calls > 0));
    expect(clock.now() - start).toBeLessThan(5_000);
    for (const o of t.all().filter((x) => x.id.startsWith('p0-'))) expect(o.error?.code).toBe('SASL_AUTHENTICATION_FAILED');
    if (cluster.leaderOf('t', 1) !== leaderOf0) {
      t.send({ topic: 't', partition: 1, value: 'still-flowing' });
      await advanceUntil(clock, () => t.get('still-flowing').calls > 0);
      expect(t.get('still-flowing').error).toBeNull();
    }
    expect(t.multiple).toEqual([]);
    await producer.close();
  });

  test('an unsupported mechanism is UNSUPPORTED_SASL_MECHANISM listing what the broker offers', async () => {
    const { clock, producer } = harness({
      topics: { t: 1 },
      cluster: { sasl: { users: { alice: SECRET }, mechanisms: ['SCRAM-SHA-512', 'OAUTHBEARER'] } },
      config: saslConfig(),
    });
    const t = new Tracker(producer, clock);
    t.send({ topic: 't', value: 'x' });
    await advanceUntil(clock, () => t.done, 10_000);
    const error = t.get('x').error!;
    expect(error.code).toBe('UNSUPPORTED_SASL_MECHANISM');
    expect(error.message).toMatch(/PLAIN/);
    expect(error.message).toMatch(/SCRAM-SHA-512, OAUTHBEARER/);
    await producer.close();
  });

  test('KIP-368: each connection re-authenticates before its session ends, records flow throughout, none lost, duplicated or reordered', async () => {
    const lifetimeMs = 5_000;
    const { clock, cluster, producer } = harness({
      topics: { t: 2 },
      cluster: { brokers: 2, sasl: { users: { alice: SECRET }, sessionLifetimeMs: lifetimeMs } },
      config: { ...saslConfig(), 'linger.ms': 0 },
      random: () => 0.5,
    });
    const t = new Tracker(producer, clock);
    const sent: string[][] = [[], []];
    // 30 s of traffic, a record every 10 ms per partition. Slow answers keep Produce requests in
    // flight when a re-authentication begins, and slow SASL answers make each re-authentication
    // span several sends that must wait (the fake broker closes a connection that sends anything
    // else during one, or after its session expired).
    cluster.delayNext(ApiKey.SaslHandshake, 25, { count: 1000 });
    cluster.delayNext(ApiKey.SaslAuthenticate, 25, { count: 1000 });
    for (let i = 0; i < 3000; i++) {
      for (const partition of [0, 1]) {
        const value = `p${partition}-${i}`;
        sent[partition]!.push(value);
        t.send({ topic: 't', partition, value });
      }
      if (i % 40 === 0) cluster.delayNext(ApiKey.Produce, 30, { count: 3 });
      await advance(clock, 10);
    }
    await advanceUntil(clock, () => t.done);
    expect(t.failed.map((o) => o.error?.message)).toEqual([]);
    expect(t.multiple).toEqual([]);
    for (const partition of [0, 1]) {
      const audit = auditLog(sent[partition]!, cluster.log('t', partition).map((r) => r.value));
      expect(audit).toEqual({ lost: [], duplicated: [], reordered: 0 });
    }
    const sasl = cluster.sasl!;
    expect(sasl.rejected).toEqual([]); // nothing sent during a re-authentication or after expiry
    const reauths = sasl.events.filter((e) => e.reauthentication);
    expect(reauths.length).toBeGreaterThanOrEqual(2 * 5); // two broker connections, >= 5 each in 30 s
    expect(reauths.every((e) => e.ok)).toBe(true);
    // On the same connections: no reconnect was needed.
    const connections = new Set(cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).map((r) => r.connection));
    expect(connections.size).toBe(2);
    await producer.close();
  });

  test('no IDEMPOTENT_WRITE: InitProducerId CLUSTER_AUTHORIZATION_FAILED fails the records with the reason, and the producer does not hammer the broker', async () => {
    const { clock, cluster, producer } = harness({ topics: { t: 1 } });
    cluster.failNext(ApiKey.InitProducerId, 'CLUSTER_AUTHORIZATION_FAILED', { count: 1_000 });
    const t = new Tracker(producer, clock);
    const start = clock.now();
    for (let i = 0; i < 5; i++) t.send({ topic: 't', value: `v${i}` });
    await advanceUntil(clock, () => t.done);
    expect(clock.now() - start).toBeLessThan(5_000);
    for (const o of t.all()) {
      expect(o.error?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
      expect(o.error?.message).toMatch(/IDEMPOTENT_WRITE/);
    }
    await advance(clock, 10_000);
    expect(cluster.requestsOf(ApiKey.InitProducerId).length).toBeLessThanOrEqual(12); // one per retry.backoff.max.ms
    await producer.close();
  });

  test('a re-authentication that fails (password rotated) with requests in flight: every record settles once, none duplicated, none reported delivered and missing', async () => {
    const { clock, cluster, producer } = harness({
      topics: { t: 1 },
      cluster: { sasl: { users: { alice: SECRET }, sessionLifetimeMs: 5_000 } },
      config: { ...saslConfig(), 'linger.ms': 0 },
    });
    const t = new Tracker(producer, clock);
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const value = `v${i}`;
      sent.push(value);
      t.send({ topic: 't', value });
      if (i === 300) cluster.sasl!.setPassword('alice', 'rotated'); // the next re-authentication (at ~4.5 s) fails
      if (i % 20 === 0) cluster.delayNext(ApiKey.Produce, 40, { count: 2 }); // requests in flight when it happens
      await advance(clock, 10);
    }
    await advanceUntil(clock, () => t.done);
    expect(t.multiple).toEqual([]);
    const logged = cluster.log('t').map((r) => r.value);
    const audit = auditLog(sent.filter((v) => !t.get(v).error), logged);
    expect(audit.lost).toEqual([]); // reported delivered => in the log
    expect(audit.duplicated).toEqual([]);
    expect(audit.reordered).toBe(0);
    const failed = t.failed;
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((o) => o.error!.code))).toEqual(new Set(['SASL_AUTHENTICATION_FAILED']));
    await producer.close();
  });
});
