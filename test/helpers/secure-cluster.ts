// The secured Kafka for the security suites (test/live/secure*): TLS, mutual TLS, SASL PLAIN /
// SCRAM-SHA-256 / SCRAM-SHA-512 / OAUTHBEARER, re-authentication and ACLs, started once per
// vitest run by test/helpers/global-setup.ts when such a file is included (tools/broker/secure.mjs
// says what listens where; docs/BROKERS.md has the tables).
//
// secureCluster() is its description (listeners, ports, users and passwords, certificate and
// properties file paths). Reading and writing with Kafka's own Java clients over any listener
// goes through the helpers of test/helpers/kafka.ts with a client properties file: the ready-made
// ones (clientConfig(listener, mechanism)) or a variant of one (derivedConfig: another user, a
// wrong password, a PKCS12 store...).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { SaslMechanism, SecureClusterDescription, SecureListenerName } from '../../tools/broker/index.mjs';
import { produceJava, readBackJava, type ProduceInput, type ReadBackOptions, type ReadRecord } from './kafka.js';

export type { SaslMechanism, SecureClusterDescription, SecureListenerName };

function injected(): SecureClusterDescription | null {
  try {
    return inject('secureCluster');
  } catch {
    return null; // not inside a vitest worker
  }
}

/**
 * The run's secured cluster, or null when none was started: from the global setup, else from
 * the file KAFKA_WIRE_SECURE_DESCRIPTION names (scripts outside vitest).
 */
export function secureClusterOrNull(): SecureClusterDescription | null {
  const fromSetup = injected();
  if (fromSetup) return fromSetup;
  const file = process.env.KAFKA_WIRE_SECURE_DESCRIPTION;
  if (!file) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SecureClusterDescription;
}

/** The run's secured cluster; throws when none was started (use secureUnavailable() to skip). */
export function secureCluster(): SecureClusterDescription {
  const d = secureClusterOrNull();
  if (!d) throw new Error(secureUnavailable() ?? 'no secured Kafka for this run');
  return d;
}

/** Why the secured cluster is not there (the skip reason), or null when it is. */
export function secureUnavailable(): string | null {
  if (secureClusterOrNull()) return null;
  if (process.env.KAFKA_WIRE_LIVE === '0') return 'no secured Kafka: KAFKA_WIRE_LIVE=0';
  return 'no secured Kafka for this run (the global setup starts it when a test/live/secure* file is included)';
}

/** bootstrap.servers of one listener. */
export function listenerBootstrap(listener: SecureListenerName): string {
  return secureCluster().listeners[listener].bootstrap;
}

/**
 * The ready-made Java client properties file of a listener: SASL listeners need a mechanism
 * (the file logs in as alice; OAUTHBEARER as OAuth client kafka-wire-client); the others have one file.
 */
export function clientConfig(listener: SecureListenerName, mechanism?: SaslMechanism): string {
  const l = secureCluster().listeners[listener];
  if (l.clientConfigs) {
    if (!mechanism) throw new Error(`${listener} is a SASL listener: name a mechanism (${Object.keys(l.clientConfigs).join(', ')})`);
    return l.clientConfigs[mechanism];
  }
  if (mechanism) throw new Error(`${listener} has no SASL mechanisms`);
  if (!l.clientConfig) throw new Error(`${listener} has no client properties file`);
  return l.clientConfig;
}

let derivedDir: string | undefined;

/**
 * A copy of a properties file with some properties replaced or added (a later line wins in a
 * Java properties file), in a private temporary directory: e.g. another user's JAAS line or a
 * PKCS12 trust store. Returns its path.
 */
export function derivedConfig(base: string, overrides: Record<string, string>): string {
  if (derivedDir === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-secure-props-'));
    // The copies hold passwords: gone with the test process.
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    derivedDir = dir;
  }
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const text = fs.readFileSync(base, 'utf8') + Object.entries(overrides).map(([k, v]) => `${k}=${esc(v)}\n`).join('');
  const file = path.join(derivedDir, `${path.basename(base, '.properties')}-${fs.readdirSync(derivedDir).length}.properties`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** sasl.jaas.config of a SASL user for PLAIN or SCRAM (`password` defaults to the user's own). */
export function jaasFor(mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password?: string): string {
  const pw = password ?? secureCluster().users[user as keyof SecureClusterDescription['users']]?.password;
  if (pw === undefined) throw new Error(`no SASL user ${user}`);
  const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return `${module} required username="${user}" password="${pw}";`;
}

export interface SecureClientOptions {
  listener: SecureListenerName;
  /** For SASL listeners: which ready-made file (ignored when clientConfig is given). */
  mechanism?: SaslMechanism;
  /** A properties file of your own (derivedConfig); defaults to clientConfig(listener, mechanism). */
  clientConfig?: string;
}

function resolved(opts: SecureClientOptions): { bootstrap: string; clientConfig: string } {
  return { bootstrap: listenerBootstrap(opts.listener), clientConfig: opts.clientConfig ?? clientConfig(opts.listener, opts.mechanism) };
}

/** Read a topic back with Kafka's Java consumer over a secured listener (see readBackJava). */
export async function readBackSecure(topic: string, opts: SecureClientOptions & Omit<ReadBackOptions, 'bootstrap' | 'clientConfig'>): Promise<ReadRecord[]> {
  return readBackJava(topic, { expectedCount: opts.expectedCount, timeoutMs: opts.timeoutMs, ...resolved(opts) });
}

/** Produce with Kafka's Java producer over a secured listener (see produceJava). */
export async function produceSecure(
  topic: string,
  records: ProduceInput[],
  opts: SecureClientOptions & { producerProps?: Record<string, string | number> },
): Promise<{ partition: number; offset: bigint; timestamp: number }[]> {
  return produceJava(topic, records, { producerProps: opts.producerProps, ...resolved(opts) });
}

/** Tokens the OAuth endpoint issued so far, per client id, and how many requests it refused. */
export async function oauthStats(): Promise<{ tokens: Record<string, number>; refused: number }> {
  const res = await fetch(secureCluster().oauth.statsEndpoint);
  if (!res.ok) throw new Error(`token endpoint stats: HTTP ${res.status}`);
  return (await res.json()) as { tokens: Record<string, number>; refused: number };
}
