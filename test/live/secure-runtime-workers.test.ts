/**
 * kafka-wire/workers over the secured Kafka (test/helpers/secure-cluster.ts) from a Worker under
 * workerd: TLS through `cloudflare:sockets` connect({ secureTransport: 'on' }) to the SSL
 * listener, and SASL_SSL with SCRAM-SHA-512 (WebCrypto in Workers), read back by Kafka's Java
 * consumer over the same listener. A Worker cannot be handed a CA file: the throwaway CA is
 * trusted by workerd's outbound network service (tlsOptions.trustedCertificates), which is
 * workerd's own trust store, so the producer leaves ssl.truststore.* unset. What Workers' TLS
 * cannot do (client certificates, a CA file, no host name check) is refused by the constructor.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTopic, skipAllIf, uniqueTopic } from '../helpers/kafka.js';
import { jaasFor, listenerBootstrap, readBackSecure, secureCluster, secureUnavailable, type SaslMechanism, type SecureListenerName } from '../helpers/secure-cluster.js';
import { expectRoundTrip, type Landed } from '../runtimes/round-trip.js';
import { produceThroughWorker, startWorker, workerdUnavailable, type RunningWorker } from '../runtimes/workerd.js';

const DIST_ENTRY = join(import.meta.dirname, '..', '..', 'dist', 'workers.js');
const skip = secureUnavailable() ?? workerdUnavailable();

describe('Cloudflare Workers runtime (workerd) on secured listeners', () => {
  skipAllIf(skip);
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    if (!skip) worker = await startWorker({ entry: DIST_ENTRY, trustedCa: secureCluster().tls.ca.pem });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  const cases: [title: string, listener: SecureListenerName, mechanism: SaslMechanism | undefined, props: () => Record<string, string>][] = [
    ['TLS (SSL listener)', 'SSL', undefined, () => ({ 'security.protocol': 'SSL' })],
    [
      'SASL_SSL SCRAM-SHA-512',
      'SASL_SSL',
      'SCRAM-SHA-512',
      () => ({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': jaasFor('SCRAM-SHA-512', 'alice') }),
    ],
  ];
  for (const [title, listener, mechanism, props] of cases) {
    test(`${title}: a request produces 100 records over TLS from the Worker; Kafka's Java consumer reads back each`, async () => {
      const topic = uniqueTopic(`workers-${listener}`.toLowerCase());
      await createTopic(topic, { partitions: 3, bootstrap: listenerBootstrap('PLAINTEXT') });
      const { status, body } = await produceThroughWorker(worker!, { bootstrap: listenerBootstrap(listener), topic, codec: 'lz4', count: 100, props: JSON.stringify(props()) });
      expect(status, JSON.stringify(body)).toBe(200);
      const read = await readBackSecure(topic, { listener, ...(mechanism ? { mechanism } : {}), expectedCount: 100, timeoutMs: 60_000 });
      expectRoundTrip('workers', body.results as Landed[], read, 100);
    });
  }

  test('what Workers TLS cannot do is a ConfigError naming the property: a CA file, a client certificate, no host name check, chosen ciphers or protocols', async () => {
    const tls = secureCluster().tls;
    const refused: [Record<string, string>, RegExp][] = [
      [{ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.ca.pem }, /^ssl\.truststore\.location: .*trust only the runtime's CA store/],
      [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tls.client.keystorePem }, /^ssl\.keystore\.location: .*cannot present a client certificate/],
      [{ 'ssl.endpoint.identification.algorithm': '' }, /^ssl\.endpoint\.identification\.algorithm: .*always check the broker's host name/],
      [{ 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256' }, /^ssl\.cipher\.suites: .*cannot be restricted/],
      [{ 'ssl.enabled.protocols': 'TLSv1.3' }, /^ssl\.enabled\.protocols: .*the range cannot be narrowed \(TLSv1\.3\.\.TLSv1\.3 asked\)/],
    ];
    for (const [extra, message] of refused) {
      const { status, body } = await produceThroughWorker(worker!, {
        bootstrap: listenerBootstrap('SSL'),
        topic: uniqueTopic('workers-refused'),
        count: 1,
        props: JSON.stringify({ 'security.protocol': 'SSL', ...extra }),
      });
      expect(status).toBe(500);
      expect(body.code).toBe('CONFIG');
      expect(String(body.error).replace(/^\w*Error: /, '')).toMatch(message);
    }
  });
});
