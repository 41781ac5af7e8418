/**
 * kafka-wire on Deno 2 over the secured Kafka (test/helpers/secure-cluster.ts): TLS (the SSL
 * listener, trust from a PEM file), mutual TLS (PKCS12 key store), and SASL_SSL with
 * SCRAM-SHA-512 (WebCrypto PBKDF2/HMAC under Deno), each configured by the listener's Java client
 * properties file unchanged, read back by Kafka's Java consumer over the same listener. The
 * fixture is test/runtimes/deno-produce.mjs (Deno's Node compatibility: node:tls).
 */
import { describe, expect, test } from 'vitest';
import { createTopic, skipAllIf, uniqueTopic } from '../helpers/kafka.js';
import { clientConfig, listenerBootstrap, readBackSecure, secureUnavailable, type SaslMechanism, type SecureListenerName } from '../helpers/secure-cluster.js';
import { denoUnavailable, runDeno } from '../runtimes/deno.js';
import { expectRoundTrip } from '../runtimes/round-trip.js';

const CASES: [title: string, listener: SecureListenerName, mechanism: SaslMechanism | undefined, codec: string][] = [
  ['TLS (SSL listener)', 'SSL', undefined, 'lz4'],
  ['mTLS (MTLS listener)', 'MTLS', undefined, 'gzip'],
  ['SASL_SSL SCRAM-SHA-512', 'SASL_SSL', 'SCRAM-SHA-512', 'snappy'],
];

describe('Deno runtime on secured listeners', () => {
  skipAllIf(secureUnavailable() ?? denoUnavailable());
  for (const [title, listener, mechanism, codec] of CASES) {
    test(`${title}: 200 records from Deno with the listener's properties file, Kafka's Java consumer reads back each`, async () => {
      const topic = uniqueTopic(`deno-${listener}`.toLowerCase());
      await createTopic(topic, { partitions: 3, bootstrap: listenerBootstrap('PLAINTEXT') });
      const config = clientConfig(listener, mechanism);
      const out = runDeno({ bootstrap: listenerBootstrap(listener), topic, codec, config, count: 200 });
      expect(out.runtime).toMatch(/^deno 2\./);
      const read = await readBackSecure(topic, { listener, ...(mechanism ? { mechanism } : {}), expectedCount: 200, timeoutMs: 60_000 });
      expectRoundTrip('deno', out.results, read, 200);
    });
  }
});
