/**
 * Every producer property kafka-wire understands, with Java's name, type, default, valid range
 * and documentation, in one table. The table drives validation (the Producer constructor),
 * the README's configuration section (tools/gen-config-docs.mjs) and the CLI's --help.
 *
 * Values may come as native JavaScript values or as strings (from a properties file or the
 * CLI's k=v flags), as Java accepts both. Unknown names are errors that suggest the nearest
 * known name; Java properties that kafka-wire does not implement are named as such.
 */
import { ConfigError } from './errors.js';
import { javaClassFor } from './java-classes.js';
import { parseHostPort } from './network/address.js';
import { SASL_LOGIN_CALLBACK_HANDLER_CLASSES } from './network/sasl/settings.js';

/** Java's types; `password` is Java's PASSWORD (a string never printed), `function` Java's CLASS. */
export type ConfigType = 'int' | 'short' | 'long' | 'double' | 'boolean' | 'string' | 'password' | 'list' | 'function';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Java's default; `undefined` means required (no default). */
  readonly default: unknown;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  /** A value allowed besides [min, max] (Java's gzip level: -1 or 1..9). */
  readonly orValue?: number;
  /** Allowed values for string properties (compared case-sensitively, as Java does, unless `caseInsensitive`). */
  readonly oneOf?: readonly string[];
  /** Java validates this property with CaseInsensitiveValidString. */
  readonly caseInsensitive?: boolean;
  /** Accepted only with its default value: the engine does not implement alternatives yet. */
  readonly onlyDefault?: boolean;
  /** For `function` properties: Java class names kept as strings (their meaning is the consumer's, e.g. the OIDC login handler). */
  readonly classNames?: readonly string[];
}

const INT_MAX = 2147483647;
/**
 * The largest long kafka-wire keeps. Java's LONG properties take up to 2^63-1; kafka-wire parses
 * them exactly and clamps anything above 2^53-1 (285,000 years of milliseconds, far beyond any
 * timer or memory size) to this, so values stay JavaScript numbers.
 */
const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** The supported properties, Java's order of importance. */
export const CONFIG_DEFS: readonly ConfigDef[] = [
  { name: 'bootstrap.servers', type: 'list', default: undefined, doc: 'host:port pairs used to make the initial connection to the cluster; the full membership is discovered from metadata.' },
  { name: 'client.id', type: 'string', default: '', doc: 'Sent with every request and printed in every log line, so broker-side logs and quotas can name this producer. Unset: producer-N (N counts the producers of this process from 1), as Java; set explicitly to "" it stays empty, as in Java.' },
  { name: 'acks', type: 'string', default: 'all', oneOf: ['all', '-1', '0', '1'], doc: 'Acknowledgements the leader must have before a request completes: 0 (none; records complete when written, offset -1), 1 (the leader) or all/-1 (the full in-sync replica set).' },
  { name: 'enable.idempotence', type: 'boolean', default: true, doc: 'Give every batch a producer id, epoch and sequence so that retries never write duplicates and per-partition order is kept. Requires acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5; if not set explicitly and those conflict, idempotence is turned off, as in Java.' },
  { name: 'compression.type', type: 'string', default: 'none', oneOf: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], doc: 'Codec applied to each batch as a whole. snappy, lz4 and zstd use optional native packages (snappy, lz4-napi, @mongodb-js/zstd) when installed.' },
  { name: 'compression.gzip.level', type: 'int', default: -1, min: 1, max: 9, orValue: -1, doc: 'gzip level, 1-9, or -1 for the codec default.' },
  { name: 'compression.lz4.level', type: 'int', default: 9, min: 1, max: 17, doc: 'lz4 level, 1-17.' },
  { name: 'compression.zstd.level', type: 'int', default: 3, min: -131072, max: 22, doc: 'zstd level.' },
  { name: 'batch.size', type: 'int', default: 16384, min: 0, max: INT_MAX, doc: 'Target size in bytes of a per-partition batch; a batch is sent when full or when linger.ms expires. A single larger record gets a batch of its own.' },
  { name: 'linger.ms', type: 'long', default: 5, min: 0, max: LONG_MAX, doc: 'How long a batch may wait for more records before it is sent.' },
  { name: 'buffer.memory', type: 'long', default: 33554432, min: 0, max: LONG_MAX, doc: 'Bytes of memory for records waiting to be sent. When full, send() waits up to max.block.ms.' },
  { name: 'max.block.ms', type: 'long', default: 60000, min: 0, max: LONG_MAX, doc: 'How long send() may wait for buffer memory or for metadata of an unknown topic before failing the record with TIMEOUT.' },
  { name: 'max.request.size', type: 'int', default: 1048576, min: 0, max: INT_MAX, doc: 'Upper bound on a Produce request and on a single record.' },
  { name: 'retries', type: 'int', default: INT_MAX, min: 0, max: INT_MAX, doc: 'How many times a batch is retried after a retriable error; delivery.timeout.ms usually bounds retries first.' },
  { name: 'retry.backoff.ms', type: 'long', default: 100, min: 0, max: LONG_MAX, doc: 'First backoff before retrying a failed request; grows exponentially up to retry.backoff.max.ms with 20% jitter.' },
  { name: 'retry.backoff.max.ms', type: 'long', default: 1000, min: 0, max: LONG_MAX, doc: 'Upper bound of the retry backoff. Below retry.backoff.ms, the backoff is a constant retry.backoff.max.ms, as in Java.' },
  { name: 'delivery.timeout.ms', type: 'int', default: 120000, min: 0, max: INT_MAX, doc: 'Upper bound on the time from send() to success or failure, retries included. Must be >= linger.ms + request.timeout.ms.' },
  { name: 'request.timeout.ms', type: 'int', default: 30000, min: 0, max: INT_MAX, doc: 'How long to wait for a response; a timed-out request fails its batches retriably and closes the connection.' },
  { name: 'max.in.flight.requests.per.connection', type: 'int', default: 5, min: 1, max: INT_MAX, doc: 'Unanswered requests allowed per broker connection.' },
  { name: 'metadata.max.age.ms', type: 'long', default: 300000, min: 0, max: LONG_MAX, doc: 'Metadata is refreshed at least this often, and at once after errors that mean it is stale.' },
  { name: 'metadata.max.idle.ms', type: 'long', default: 300000, min: 5000, max: LONG_MAX, doc: 'A topic not produced to for this long is dropped from the metadata the producer keeps.' },
  { name: 'metadata.recovery.strategy', type: 'string', default: 'rebootstrap', oneOf: ['REBOOTSTRAP', 'NONE'], caseInsensitive: true, doc: 'rebootstrap (KIP-899, Java 4.x default): when every broker the metadata named is unreachable, when no metadata answer came for metadata.recovery.rebootstrap.trigger.ms, or when a broker answers REBOOTSTRAP_REQUIRED, go back to bootstrap.servers. none: keep trying the known brokers.' },
  { name: 'metadata.recovery.rebootstrap.trigger.ms', type: 'long', default: 300000, min: 0, max: LONG_MAX, doc: 'With metadata.recovery.strategy=rebootstrap: re-bootstrap after this long without a metadata answer while one is wanted (KIP-1102).' },
  { name: 'partitioner.class', type: 'function', default: null, doc: 'A custom partitioner function ({ topic, key, value, partitionCount, availablePartitions }) => partition, or a Java class name: org.apache.kafka.clients.producer.RoundRobinPartitioner (the deprecated DefaultPartitioner / UniformStickyPartitioner mean the default). Unset: murmur2 of the key, or the built-in uniform sticky partitioner for keyless records.' },
  { name: 'partitioner.ignore.keys', type: 'boolean', default: false, doc: 'Use the built-in sticky partitioner even for keyed records.' },
  { name: 'partitioner.adaptive.partitioning.enable', type: 'boolean', default: true, doc: 'Send more records to partitions whose leaders have shorter queues (KIP-794).' },
  { name: 'partitioner.availability.timeout.ms', type: 'long', default: 0, min: 0, max: LONG_MAX, doc: 'If > 0, partitions whose leader could not take data for this long are skipped by the built-in partitioner.' },
  { name: 'key.serializer', type: 'function', default: null, doc: 'A function (data, topic, headers) => Uint8Array | string | null for keys, or a Kafka serializer class name (org.apache.kafka.common.serialization.StringSerializer, ByteArraySerializer, IntegerSerializer, LongSerializer, ... written as Java writes them). Unset: strings are written as UTF-8, Uint8Array as is.' },
  { name: 'value.serializer', type: 'function', default: null, doc: 'As key.serializer, for values.' },
  { name: 'reconnect.backoff.ms', type: 'long', default: 50, min: 0, max: LONG_MAX, doc: 'First wait before reconnecting to a broker; grows exponentially to reconnect.backoff.max.ms.' },
  { name: 'reconnect.backoff.max.ms', type: 'long', default: 1000, min: 0, max: LONG_MAX, doc: 'Upper bound of the reconnect backoff. Unset while reconnect.backoff.ms is set: equal to reconnect.backoff.ms (a constant backoff), as in Java.' },
  { name: 'socket.connection.setup.timeout.ms', type: 'long', default: 10000, min: 0, max: LONG_MAX, doc: 'How long a connection attempt may take.' },
  { name: 'socket.connection.setup.timeout.max.ms', type: 'long', default: 30000, min: 0, max: LONG_MAX, doc: 'Upper bound of the connection setup timeout as it grows on consecutive failures.' },
  { name: 'connections.max.idle.ms', type: 'long', default: 540000, min: -1, max: LONG_MAX, doc: 'Idle connections are closed after this long.' },
  { name: 'send.buffer.bytes', type: 'int', default: 131072, min: -1, max: INT_MAX, doc: 'Accepted for compatibility; the socket uses the operating system default.' },
  { name: 'receive.buffer.bytes', type: 'int', default: 32768, min: -1, max: INT_MAX, doc: 'Accepted for compatibility; the socket uses the operating system default.' },
  { name: 'metrics.sample.window.ms', type: 'long', default: 30000, min: 0, max: LONG_MAX, doc: 'Window over which rate and average metrics are computed.' },
  { name: 'metrics.num.samples', type: 'int', default: 2, min: 1, max: INT_MAX, doc: 'Number of samples kept per metric window.' },
  // --- security: TLS (src/network/security) and SASL (src/network/sasl) ---------------------
  { name: 'security.protocol', type: 'string', default: 'PLAINTEXT', oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], caseInsensitive: true, doc: 'How connections to brokers are secured: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT (SASL authentication, no encryption) or SASL_SSL (both). Case-insensitive, as in Java.' },
  { name: 'ssl.protocol', type: 'string', default: 'TLSv1.3', doc: 'The highest TLS version the connection may use (Java\'s SSLContext protocol): TLSv1.3 or TLSv1.2 (TLSv1.2 turns TLS 1.3 off); the versions offered are ssl.enabled.protocols up to it.' },
  { name: 'ssl.enabled.protocols', type: 'list', default: ['TLSv1.2', 'TLSv1.3'], doc: 'TLS versions offered to brokers (TLSv1.2, TLSv1.3).' },
  { name: 'ssl.cipher.suites', type: 'list', default: [], doc: 'Cipher suites allowed, by their standard (IANA/Java) names, e.g. TLS_AES_128_GCM_SHA256 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384. Empty: the runtime\'s defaults.' },
  { name: 'ssl.truststore.type', type: 'string', default: 'JKS', doc: 'Format of the trust store: PEM or PKCS12 (a PKCS12 file is read as such under the default type too, as Java 9+ does; real JKS files are refused with the keytool command that converts them). No trust store set: the runtime\'s default CA store.' },
  { name: 'ssl.truststore.location', type: 'string', default: null, doc: 'Path of the trust store: a PEM file of CA certificates (ssl.truststore.type=PEM) or a PKCS12 file.' },
  { name: 'ssl.truststore.password', type: 'password', default: null, doc: 'Password of a PKCS12 trust store.' },
  { name: 'ssl.truststore.certificates', type: 'password', default: null, doc: 'Trusted CA certificates inline, as PEM (with ssl.truststore.type=PEM).' },
  { name: 'ssl.keystore.type', type: 'string', default: 'JKS', doc: 'Format of the client certificate store for mutual TLS: PEM or PKCS12.' },
  { name: 'ssl.keystore.location', type: 'string', default: null, doc: 'Path of the key store: a PEM file with the private key and certificate chain, or a PKCS12 file.' },
  { name: 'ssl.keystore.password', type: 'password', default: null, doc: 'Password of a PKCS12 key store.' },
  { name: 'ssl.keystore.certificate.chain', type: 'password', default: null, doc: 'The client certificate chain inline, as PEM (with ssl.keystore.type=PEM and ssl.keystore.key).' },
  { name: 'ssl.keystore.key', type: 'password', default: null, doc: 'The client private key inline, as PKCS#8 PEM (encrypted with ssl.key.password, or not).' },
  { name: 'ssl.key.password', type: 'password', default: null, doc: 'Password of the private key in the key store.' },
  { name: 'ssl.endpoint.identification.algorithm', type: 'string', default: 'https', doc: 'https: check that the broker\'s certificate names the host connected to. The empty string turns the check off (the chain is still verified), as in Java.' },
  { name: 'sasl.mechanism', type: 'string', default: 'GSSAPI', doc: 'SASL mechanism with SASL_PLAINTEXT / SASL_SSL: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. Java\'s default, GSSAPI (Kerberos), is not implemented.' },
  { name: 'sasl.jaas.config', type: 'password', default: null, doc: 'The login module and its options, written as Java writes them, e.g. org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="...";' },
  { name: 'sasl.login.callback.handler.class', type: 'function', default: null, classNames: SASL_LOGIN_CALLBACK_HANDLER_CLASSES, doc: 'OAUTHBEARER token source: a function async () => ({ token, lifetimeMs, principal?, extensions? }) (any identity system, e.g. an Amazon MSK IAM signer), or Java\'s org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler for the OIDC client-credentials flow against sasl.oauthbearer.token.endpoint.url.' },
  { name: 'sasl.oauthbearer.token.endpoint.url', type: 'string', default: null, doc: 'OIDC token endpoint for the client-credentials flow (KIP-768).' },
  { name: 'sasl.oauthbearer.client.credentials.client.id', type: 'string', default: null, doc: 'OIDC client id (KIP-1139; or clientId in sasl.jaas.config).' },
  { name: 'sasl.oauthbearer.client.credentials.client.secret', type: 'password', default: null, doc: 'OIDC client secret (KIP-1139; or clientSecret in sasl.jaas.config).' },
  { name: 'sasl.oauthbearer.scope', type: 'string', default: null, doc: 'OIDC scope requested with the token (KIP-1139; or scope in sasl.jaas.config).' },
  { name: 'sasl.oauthbearer.scope.claim.name', type: 'string', default: 'scope', doc: 'JWT claim holding the token\'s scope.' },
  { name: 'sasl.oauthbearer.sub.claim.name', type: 'string', default: 'sub', doc: 'JWT claim holding the token\'s principal.' },
  { name: 'sasl.oauthbearer.header.urlencode', type: 'boolean', default: false, doc: 'URL-encode the client id and secret in the token request\'s Authorization header (KIP-1025).' },
  { name: 'sasl.login.refresh.window.factor', type: 'double', default: 0.8, min: 0.5, max: 1.0, doc: 'An OAUTHBEARER token is refreshed when this fraction of its lifetime has passed (plus jitter).' },
  { name: 'sasl.login.refresh.window.jitter', type: 'double', default: 0.05, min: 0, max: 0.25, doc: 'Random jitter added to the refresh time, as a fraction of the token lifetime.' },
  { name: 'sasl.login.refresh.min.period.seconds', type: 'short', default: 60, min: 0, max: 900, doc: 'Minimum time between token refreshes.' },
  { name: 'sasl.login.refresh.buffer.seconds', type: 'short', default: 300, min: 0, max: 3600, doc: 'Time before expiry a refresh must happen by.' },
  { name: 'sasl.login.connect.timeout.ms', type: 'int', default: null, doc: 'Connection timeout of the token endpoint request (unset: the runtime\'s).' },
  { name: 'sasl.login.read.timeout.ms', type: 'int', default: null, doc: 'Read timeout of the token endpoint request (unset: the runtime\'s).' },
  { name: 'sasl.login.retry.backoff.ms', type: 'long', default: 100, doc: 'First backoff between token endpoint attempts.' },
  { name: 'sasl.login.retry.backoff.max.ms', type: 'long', default: 10000, doc: 'Upper bound of the token endpoint backoff.' },
  { name: 'client.dns.lookup', type: 'string', default: 'use_all_dns_ips', oneOf: ['use_all_dns_ips', 'resolve_canonical_bootstrap_servers_only'], onlyDefault: true, doc: 'Only use_all_dns_ips (the default) is implemented.' },
  { name: 'enable.metrics.push', type: 'boolean', default: true, doc: 'Accepted for compatibility; client metrics push (KIP-714) is not implemented, so nothing is pushed.' },
  { name: 'transactional.id', type: 'string', default: null, doc: 'Makes the producer transactional (initTransactions, beginTransaction, commitTransaction, ...; docs/TRANSACTIONS.md). The id survives restarts: a new producer with the same id fences the old one and completes or aborts what it left open. Implies enable.idempotence and acks=all; set explicitly otherwise, that is an error.' },
  { name: 'transaction.timeout.ms', type: 'int', default: 60000, doc: "How long the transaction coordinator lets a transaction stay open before it aborts it (the producer then gets an error at its next transactional call). At most the broker's transaction.max.timeout.ms (15 minutes by default)." },
];

/** Java's ConfigDef types, for the properties kafka-wire does not implement. */
export type JavaConfigType = 'INT' | 'LONG' | 'SHORT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'LIST' | 'CLASS' | 'PASSWORD';

/**
 * Every other producer property Kafka 4.4.0's ProducerConfig defines: [name, Java type, Java's
 * default as Java prints it (null: none), case-insensitive]. kafka-wire does not implement these
 * yet: a value equal to Java's default (or null/undefined) is accepted and changes nothing, as a
 * properties file written for Java often spells defaults out; any other value is an error that
 * says the property is not supported yet. test/unit/java-parity-config.test.ts checks this list
 * and CONFIG_DEFS together against the list generated from Java's ProducerConfig.configDef().
 */
export const JAVA_ONLY_PROPERTIES: readonly (readonly [string, JavaConfigType, string | null, boolean?])[] = [
  ["buffer.memory.allocation.strategy", "STRING", "full", true],
  ["partitioner.rack.aware", "BOOLEAN", "false"],
  ["client.rack", "STRING", ""],
  ["bootstrap.resolve.timeout.ms", "LONG", "0"],
  ["metrics.recording.level", "STRING", "INFO"],
  ["metric.reporters", "LIST", "org.apache.kafka.common.metrics.JmxReporter"],
  ["interceptor.classes", "LIST", ""],
  ["security.providers", "STRING", null],
  ["ssl.provider", "STRING", null],
  ["ssl.keymanager.algorithm", "STRING", "SunX509"],
  ["ssl.trustmanager.algorithm", "STRING", "PKIX"],
  ["ssl.secure.random.implementation", "STRING", null],
  ["ssl.engine.factory.class", "CLASS", null],
  ["sasl.kerberos.service.name", "STRING", null],
  ["sasl.kerberos.kinit.cmd", "STRING", "/usr/bin/kinit"],
  ["sasl.kerberos.ticket.renew.window.factor", "DOUBLE", "0.8"],
  ["sasl.kerberos.ticket.renew.jitter", "DOUBLE", "0.05"],
  ["sasl.kerberos.min.time.before.relogin", "LONG", "60000"],
  ["sasl.client.callback.handler.class", "CLASS", null],
  ["sasl.login.class", "CLASS", null],
  ["sasl.oauthbearer.jwt.retriever.class", "CLASS", "org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever"],
  ["sasl.oauthbearer.jwt.validator.class", "CLASS", "org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator"],
  ["sasl.oauthbearer.assertion.algorithm", "STRING", "RS256", true],
  ["sasl.oauthbearer.assertion.claim.aud", "STRING", null],
  ["sasl.oauthbearer.assertion.claim.exp.seconds", "INT", "300"],
  ["sasl.oauthbearer.assertion.claim.iss", "STRING", null],
  ["sasl.oauthbearer.assertion.claim.jti.include", "BOOLEAN", "false"],
  ["sasl.oauthbearer.assertion.claim.nbf.seconds", "INT", "60"],
  ["sasl.oauthbearer.assertion.claim.sub", "STRING", null],
  ["sasl.oauthbearer.assertion.file", "STRING", null],
  ["sasl.oauthbearer.assertion.private.key.file", "STRING", null],
  ["sasl.oauthbearer.assertion.private.key.passphrase", "PASSWORD", null],
  ["sasl.oauthbearer.assertion.template.file", "STRING", null],
  ["sasl.oauthbearer.jwks.endpoint.url", "STRING", null],
  ["sasl.oauthbearer.jwks.endpoint.refresh.ms", "LONG", "3600000"],
  ["sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", "LONG", "10000"],
  ["sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "LONG", "100"],
  ["sasl.oauthbearer.clock.skew.seconds", "INT", "30"],
  ["sasl.oauthbearer.allow.unverified.audience", "BOOLEAN", "false"],
  ["sasl.oauthbearer.expected.audience", "LIST", ""],
  ["sasl.oauthbearer.allow.unverified.issuer", "BOOLEAN", "false"],
  ["sasl.oauthbearer.expected.issuer", "STRING", null],
  ["transaction.two.phase.commit.enable", "BOOLEAN", "false"],
  ["metadata.cluster.check.enable", "BOOLEAN", "true"],
  ["config.providers", "LIST", ""],
];

const JAVA_ONLY_BY_NAME: ReadonlyMap<string, readonly [string, JavaConfigType, string | null, boolean?]> = new Map(JAVA_ONLY_PROPERTIES.map((e) => [e[0], e]));

/** Names of the Java producer properties kafka-wire does not implement yet. */
export const UNSUPPORTED_JAVA_PROPERTIES: ReadonlySet<string> = new Set(JAVA_ONLY_PROPERTIES.map((e) => e[0]));

/** JavaScript-only options the Producer accepts next to Kafka properties. */
export const JS_OPTIONS: ReadonlySet<string> = new Set(['interceptors', 'logger', 'trace']);

const DEFS_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(CONFIG_DEFS.map((d) => [d.name, d]));

export function configDef(name: string): ConfigDef | undefined {
  return DEFS_BY_NAME.get(name);
}

/** The resolved configuration: every supported property with a value, plus which ones the user set. */
export interface ResolvedConfig {
  readonly values: Readonly<Record<string, unknown>>;
  readonly explicit: ReadonlySet<string>;
  int(name: string): number;
  bool(name: string): boolean;
  str(name: string): string;
  list(name: string): string[];
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The known property nearest to `name`, if it is plausibly a typo of it. */
export function nearestProperty(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const def of CONFIG_DEFS) {
    const d = levenshtein(name, def.name);
    if (d < bestDistance) [best, bestDistance] = [def.name, d];
  }
  return bestDistance <= Math.max(3, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * An integer as Java's ConfigDef parses INT/LONG/SHORT: a JavaScript integer, a bigint, or a
 * string that Integer.parseInt / Long.parseLong accept after trimming (an optional sign, `+5`
 * included, then decimal digits). Returns a bigint, or undefined when it is not one.
 */
function javaInteger(raw: unknown): bigint | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) ? BigInt(raw) : undefined;
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim())) return BigInt(raw.trim());
  return undefined;
}

const BOUNDS: Record<'int' | 'short' | 'long', [bigint, bigint]> = { int: [-(2n ** 31n), 2n ** 31n - 1n], short: [-(2n ** 15n), 2n ** 15n - 1n], long: [-(2n ** 63n), 2n ** 63n - 1n] };

function parseValue(def: ConfigDef, raw: unknown): unknown {
  const bad = (expected: string): never => {
    // A password's value is never printed, not even a wrong one (it may be a real secret in the wrong place).
    const shown = def.type === 'password' ? '[hidden]' : typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
    throw new ConfigError(def.name, `expected ${expected}, got ${shown} (${typeof raw})`);
  };
  switch (def.type) {
    case 'int':
    case 'short':
    case 'long': {
      const what = def.type === 'int' ? 'a 32-bit integer' : def.type === 'short' ? 'a 16-bit integer' : 'a 64-bit integer';
      const big = javaInteger(raw);
      if (big === undefined) return bad(what);
      const [lo, hi] = BOUNDS[def.type];
      if (big < lo || big > hi) return bad(what);
      // Exact below 2^53; longs beyond are clamped (see LONG_MAX).
      const n = big > BigInt(LONG_MAX) ? LONG_MAX : big < -BigInt(LONG_MAX) ? -LONG_MAX : Number(big);
      if (n === def.orValue) return n;
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        const range = `[${def.min ?? '-inf'}, ${def.max ?? 'inf'}]`;
        throw new ConfigError(def.name, `value ${big} is out of range ${def.orValue !== undefined ? `${def.orValue} or ${range}` : range}`);
      }
      return n;
    }
    case 'double': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return bad('a number');
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new ConfigError(def.name, `value ${n} is out of range [${def.min ?? '-inf'}, ${def.max ?? 'inf'}]`);
      }
      return n;
    }
    case 'password':
      // Kept exactly as given (Java trims nothing in a PASSWORD either).
      if (typeof raw !== 'string') return bad('a string');
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
      return bad('true or false');
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return bad('a string');
      const s = String(raw).trim();
      const same = (a: string, b: string): boolean => (def.caseInsensitive ? a.toUpperCase() === b.toUpperCase() : a === b);
      if (def.oneOf && !def.oneOf.some((o) => same(o, s))) throw new ConfigError(def.name, `invalid value ${JSON.stringify(s)}; expected one of ${def.oneOf.join(', ')}${def.caseInsensitive ? ' (case-insensitive)' : ''}`);
      if (def.onlyDefault && !same(s, def.default as string)) throw new ConfigError(def.name, `${JSON.stringify(s)} is not supported by kafka-wire yet; only ${JSON.stringify(def.default)} is`);
      return s;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : bad('a list (array or comma-separated string)');
      return items.map((s) => s.trim()).filter((s) => s !== '');
    }
    case 'function': {
      if (raw === null || typeof raw === 'function') return raw;
      if (typeof raw === 'string' && def.classNames?.includes(raw.trim())) return raw.trim();
      if (typeof raw === 'string') {
        // A Java properties file names classes: Kafka's own serializers and partitioners map to
        // built-in equivalents; anything else needs a JavaScript function.
        const fn = javaClassFor(def.name, raw);
        if (fn !== undefined) return fn;
        throw new ConfigError(def.name, `Java class ${JSON.stringify(raw)} has no kafka-wire equivalent; pass a function instead`);
      }
      return bad('a function (or the name of one of Kafka\'s built-in classes)');
    }
  }
}

/**
 * Whether `raw` is Java's default for a property kafka-wire does not implement, compared as
 * Java parses its type (so `60000`, `"60000"` and `" +60000 "` all equal an INT default of 60000).
 */
function isJavaDefault(entry: readonly [string, JavaConfigType, string | null, boolean?], raw: unknown): boolean {
  const [, type, def, caseInsensitive] = entry;
  if (raw === null) return true;
  if (def === null) return false;
  const list = (v: unknown): string | undefined =>
    Array.isArray(v) ? v.map((x) => String(x).trim()).filter((x) => x !== '').join(',') : typeof v === 'string' ? list(v.split(',')) : undefined;
  switch (type) {
    case 'INT':
    case 'LONG':
    case 'SHORT':
      return javaInteger(raw) === BigInt(def);
    case 'DOUBLE':
      return (typeof raw === 'number' || typeof raw === 'string') && String(raw).trim() !== '' && Number(raw) === Number(def);
    case 'BOOLEAN':
      return typeof raw === 'boolean' ? String(raw) === def : typeof raw === 'string' && raw.trim().toLowerCase() === def;
    case 'LIST':
      return list(raw) === list(def);
    case 'STRING':
    case 'CLASS':
    case 'PASSWORD': {
      if (typeof raw !== 'string') return false;
      const v = raw.trim();
      return caseInsensitive ? v.toUpperCase() === def.toUpperCase() : v === def;
    }
  }
}

/** Process-wide sequence for default client ids (Java's PRODUCER_CLIENT_ID_SEQUENCE). */
let clientIdSequence = 0;

/**
 * Validates user properties against the table and Java's cross-property rules, returning the
 * full configuration with defaults. Throws ConfigError naming the property on any problem.
 */
export function resolveConfig(user: Readonly<Record<string, unknown>>): ResolvedConfig {
  const values: Record<string, unknown> = {};
  const explicit = new Set<string>();
  for (const [name, raw] of Object.entries(user)) {
    if (raw === undefined || JS_OPTIONS.has(name)) continue;
    const def = DEFS_BY_NAME.get(name);
    if (!def) {
      const javaOnly = JAVA_ONLY_BY_NAME.get(name);
      if (javaOnly !== undefined) {
        if (isJavaDefault(javaOnly, raw)) continue; // Java's default: nothing to implement
        throw new ConfigError(name, `is a Java producer property that kafka-wire does not support yet (only Java's default${javaOnly[2] === null ? ', unset,' : ` ${JSON.stringify(javaOnly[2])}`} is accepted)`);
      }
      const near = nearestProperty(name);
      throw new ConfigError(name, `unknown producer property${near ? `; did you mean ${near}?` : ''}`);
    }
    values[name] = parseValue(def, raw);
    explicit.add(name);
  }
  for (const def of CONFIG_DEFS) {
    if (!(def.name in values)) {
      if (def.default === undefined) throw new ConfigError(def.name, 'is required');
      values[def.name] = def.default;
    }
  }
  applyJavaRules(values, explicit);
  const get = (name: string): unknown => {
    if (!(name in values)) throw new Error(`internal: no config property ${name}`);
    return values[name];
  };
  return {
    values,
    explicit,
    int: (n) => get(n) as number,
    bool: (n) => get(n) as boolean,
    str: (n) => get(n) as string,
    list: (n) => get(n) as string[],
  };
}

/**
 * One bootstrap.servers entry as Java reads it (Utils.getHost / getPort, then
 * ClientUtils.parseAndValidateAddresses): an optional `scheme://` prefix (`PLAINTEXT://h:9092`),
 * optional brackets, the host (letters, digits, `-%._:`) up to the last colon, then the port,
 * 0..65535 (InetSocketAddress's range, so port 0 is accepted as Java accepts it). So `[::1]:9092`
 * and Java's unbracketed `::1:9092` both mean host `::1`, port 9092. Returns an error message
 * naming the entry as Java does, or the parsed address.
 */
export function parseBootstrapEntry(entry: string): { host: string; port: number } | string {
  // One parser for config validation and the connection pool: src/network/address.ts.
  const address = parseHostPort(entry);
  if (address !== undefined) return address;
  const portTooLarge = /:[0-9]+$/.test(entry) && parseHostPort(entry.replace(/[0-9]+$/, '0')) !== undefined;
  return `Invalid ${portTooLarge ? 'port' : 'url'} in bootstrap.servers: ${entry}`;
}

/** Java's cross-property checks (ProducerConfig.postProcessParsedConfig and KafkaProducer). */
function applyJavaRules(values: Record<string, unknown>, explicit: ReadonlySet<string>): void {
  const servers = values['bootstrap.servers'] as string[];
  if (servers.length === 0) throw new ConfigError('bootstrap.servers', "Configuration 'bootstrap.servers' must not be empty. Valid values include: any non-empty value");
  for (const s of servers) {
    const parsed = parseBootstrapEntry(s);
    if (typeof parsed === 'string') throw new ConfigError('bootstrap.servers', parsed);
  }
  // Java: an unset client.id becomes producer-N; an explicit one (even "") is kept.
  if (!explicit.has('client.id')) values['client.id'] = `producer-${++clientIdSequence}`;
  if (values['acks'] === '-1') values['acks'] = 'all';

  // Idempotence, in Java 4.4's order (postProcessAndValidateIdempotenceConfigs): retries, then
  // acks (each an error when enable.idempotence was set explicitly, else idempotence is turned
  // off), then max.in.flight > 5, which is an error whenever idempotence was still on.
  if (values['enable.idempotence'] === true) {
    const userSet = explicit.has('enable.idempotence');
    let disable = false;
    if ((values['retries'] as number) === 0) {
      if (userSet) throw new ConfigError('retries', 'Must set retries to non-zero when using the idempotent producer.');
      disable = true;
    }
    if (values['acks'] !== 'all') {
      if (userSet) throw new ConfigError('acks', 'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.');
      disable = true;
    }
    const inFlight = values['max.in.flight.requests.per.connection'] as number;
    if (inFlight > 5) {
      throw new ConfigError('max.in.flight.requests.per.connection', `To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is ${inFlight}.`);
    }
    if (disable) values['enable.idempotence'] = false;
  }

  // transactional.id after idempotence (Java: enable.idempotence may have been turned off just
  // above). A transactional producer is idempotent with acks=all; say which setting contradicts.
  const transactionalId = values['transactional.id'] as string | null;
  if (transactionalId !== null) {
    if (transactionalId === '') throw new ConfigError('transactional.id', 'must not be empty (leave it unset for a non-transactional producer)');
    if (values['enable.idempotence'] !== true) {
      const why = explicit.has('enable.idempotence')
        ? 'enable.idempotence=false is set'
        : (values['retries'] as number) === 0
          ? 'retries=0 turns idempotence off'
          : `acks=${String(values['acks'])} turns idempotence off (it needs acks=all)`;
      throw new ConfigError('transactional.id', `Cannot set a transactional.id without also enabling idempotence. ${why}: a transactional producer needs enable.idempotence=true and acks=all`);
    }
  }

  // KafkaProducer.configureDeliveryTimeout: linger.ms counts as at most INT_MAX, the sum too.
  const linger = Math.min(values['linger.ms'] as number, INT_MAX);
  const requestTimeout = values['request.timeout.ms'] as number;
  const lingerAndRequest = Math.min(linger + requestTimeout, INT_MAX);
  if ((values['delivery.timeout.ms'] as number) < lingerAndRequest) {
    if (explicit.has('delivery.timeout.ms')) {
      throw new ConfigError('delivery.timeout.ms', `delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (${linger} + ${requestTimeout})`);
    }
    values['delivery.timeout.ms'] = lingerAndRequest; // Java adjusts the default and warns
  }
  // Retry backoff: no adjustment. Java's ExponentialBackoff takes min(retry.backoff.ms,
  // retry.backoff.max.ms) as its start, so a base above the max gives a constant max.
  // Reconnect backoff (CommonClientConfigs.postProcessReconnectBackoffConfigs): reconnect.backoff.ms
  // set without reconnect.backoff.max.ms disables the exponential growth.
  if (explicit.has('reconnect.backoff.ms') && !explicit.has('reconnect.backoff.max.ms')) {
    values['reconnect.backoff.max.ms'] = values['reconnect.backoff.ms'];
  }
}

const PROPERTIES_WHITESPACE = new Set([' ', '\t', '\f']);

/**
 * Parses Java .properties text exactly as java.util.Properties.load does: natural lines end at
 * \n, \r or \r\n; leading whitespace (space, tab, form feed) is skipped; `#` and `!` start a
 * comment line (a comment never continues); a line ending in an odd number of backslashes
 * continues on the next one (whose leading whitespace is skipped; a backslash at the end of the
 * input is dropped); the key ends at the first unescaped `=`, `:` or whitespace, followed by
 * optional whitespace and at most one `=`/`:`; escapes `\t \n \r \f \uXXXX` are decoded and any
 * other escaped character stands for itself. The value keeps trailing whitespace. Later keys win.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of propertiesLogicalLines(text)) {
    let keyEnd = 0;
    let valueStart = line.length;
    let hasSep = false;
    let precedingBackslash = false;
    for (; keyEnd < line.length; keyEnd++) {
      const c = line[keyEnd]!;
      if ((c === '=' || c === ':') && !precedingBackslash) {
        valueStart = keyEnd + 1;
        hasSep = true;
        break;
      }
      if (PROPERTIES_WHITESPACE.has(c) && !precedingBackslash) {
        valueStart = keyEnd + 1;
        break;
      }
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
    }
    while (valueStart < line.length) {
      const c = line[valueStart]!;
      if (!PROPERTIES_WHITESPACE.has(c)) {
        if (!hasSep && (c === '=' || c === ':')) hasSep = true;
        else break;
      }
      valueStart++;
    }
    out[unescapeProperties(line.slice(0, keyEnd))] = unescapeProperties(line.slice(valueStart));
  }
  return out;
}

/** Java's Properties.LineReader: the logical lines (comments and blank lines gone, continuations joined). */
function propertiesLogicalLines(text: string): string[] {
  const lines: string[] = [];
  const n = text.length;
  const isEol = (c: string | undefined): boolean => c === '\n' || c === '\r';
  let i = 0;
  while (i < n) {
    while (i < n && (PROPERTIES_WHITESPACE.has(text[i]!) || isEol(text[i]))) i++;
    if (i >= n) break;
    const isComment = text[i] === '#' || text[i] === '!';
    let line = '';
    for (;;) {
      const start = i;
      while (i < n && !isEol(text[i])) i++;
      const natural = text.slice(start, i);
      const atEnd = i >= n;
      if (!atEnd) i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      if (isComment) break;
      let backslashes = 0;
      for (let k = natural.length - 1; k >= 0 && natural[k] === '\\'; k--) backslashes++;
      if (backslashes % 2 === 0) {
        line += natural;
        break;
      }
      line += natural.slice(0, -1); // continues (a backslash at the very end is dropped)
      if (atEnd) break;
      while (i < n && PROPERTIES_WHITESPACE.has(text[i]!)) i++;
    }
    if (!isComment) lines.push(line);
  }
  return lines;
}

function unescapeProperties(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const e = s[++i]!;
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigError('properties file', 'Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  }
  return out;
}

/**
 * Decodes a properties file's bytes: UTF-8 when they are valid UTF-8 (what Properties.load(Reader)
 * users write), else ISO-8859-1 (what Properties.load(InputStream), and so Kafka's tools, read).
 * `\uXXXX` escapes work either way.
 */
export function decodePropertiesFile(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // ISO-8859-1 by hand: TextDecoder('latin1') is windows-1252 in the WHATWG encoding standard
    // (Bun, Deno and Workers follow it: 0x80-0x9f become curly quotes and such, not Java's chars).
    let text = '';
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return text;
  }
}

/** {@link parseProperties} of a file's bytes ({@link decodePropertiesFile}). */
export function parsePropertiesFile(bytes: Uint8Array): Record<string, string> {
  return parseProperties(decodePropertiesFile(bytes));
}
