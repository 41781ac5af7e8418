/**
 * KafkaJS options -> Kafka producer properties (Java's names), in one place: the client's
 * (`new Kafka({...})`: clientId, ssl, sasl, timeouts, retry), the producer's (`kafka.producer({...})`)
 * and each send's (acks, compression, timeout). docs/KAFKAJS.md is this file as a table.
 *
 * Owns: the translation and its rules, as pure functions (test/unit/kafkajs-options.test.ts):
 * - an option whose meaning the engine has under another name is translated;
 * - an option the engine has no equivalent for is ignored with a warning naming it and why,
 *   unless ignoring it would do something the program did not ask for; those are errors;
 * - rejectUnauthorized: false is a warning, never a downgrade: the engine always verifies
 *   certificates (no Kafka property turns verification off), so an untrusted broker fails its
 *   handshake with SSL_AUTHENTICATION_FAILED instead of being accepted;
 * - options not given leave Java's defaults (request.timeout.ms 30000, retries bounded by
 *   delivery.timeout.ms, ...), not KafkaJS's (docs/KAFKAJS.md says where they differ).
 * Does not own: engine creation (engines.ts) or validation the engine does itself (its
 * ConfigErrors, raised when the facade connects).
 */
import { CONFIG_DEFS } from '../../index.js';
import { parseJwt } from '../../network/sasl/jwt.js';
import { KafkaJSNonRetriableError, KafkaJSSASLAuthenticationError } from './errors.js';
import type { CompressionType, KafkaConfig, ProducerConfig, RetryOptions, SASLOptions, SSLOptions } from './types.js';

export type Properties = Record<string, unknown>;

/** What a mapping produced: properties, and what was ignored (logged as warnings). */
export interface Mapped {
  readonly properties: Properties;
  readonly warnings: readonly string[];
}

/** KafkaJS's CompressionTypes. */
export const CompressionTypes: { readonly None: 0; readonly GZIP: 1; readonly Snappy: 2; readonly LZ4: 3; readonly ZSTD: 4 } = Object.freeze({
  None: 0,
  GZIP: 1,
  Snappy: 2,
  LZ4: 3,
  ZSTD: 4,
});

/**
 * KafkaJS's codec registry. The engine has every codec built in (snappy and lz4 in pure
 * TypeScript, or native packages when installed; zstd with @mongodb-js/zstd), so what a program
 * registers here (kafkajs-snappy, kafkajs-lz4, ...) is accepted and not used.
 */
export const CompressionCodecs: Record<number, unknown> = {};

const COMPRESSION_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

/** compression.type for a KafkaJS CompressionTypes value. */
export function compressionName(type: CompressionType | number): string {
  const name = COMPRESSION_NAMES[type];
  if (name === undefined) throw new KafkaJSNonRetriableError(`Unknown compression type ${String(type)}: use CompressionTypes.None, GZIP, Snappy, LZ4 or ZSTD`);
  return name;
}

// ---- ssl ------------------------------------------------------------------------------------

type PemInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

const decoder = new TextDecoder();

function pemText(value: PemInput, option: string): string {
  const parts = typeof value === 'string' || value instanceof Uint8Array ? [value] : value;
  if (!Array.isArray(parts)) throw new KafkaJSNonRetriableError(`ssl.${option} must be PEM text, a Buffer of PEM, or an array of them`);
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (p instanceof Uint8Array) return decoder.decode(p);
      throw new KafkaJSNonRetriableError(`ssl.${option} must be PEM text, a Buffer of PEM, or an array of them`);
    })
    .map((p) => (p.endsWith('\n') ? p : `${p}\n`))
    .join('');
}

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'];

/** The ssl option -> security.protocol SSL and the ssl.* properties (inline PEM). */
export function sslProperties(ssl: SSLOptions | boolean | undefined, warnings: string[]): Properties {
  if (ssl === undefined || ssl === null || ssl === false) return {};
  const props: Properties = {};
  if (ssl === true) return props; // the runtime's default CA store, as tls.connect's default
  if (typeof ssl !== 'object') throw new KafkaJSNonRetriableError('ssl must be true or an object of tls.connect options');
  for (const [option, value] of Object.entries(ssl)) {
    if (value === undefined) continue;
    switch (option) {
      case 'ca':
        props['ssl.truststore.type'] = 'PEM';
        props['ssl.truststore.certificates'] = pemText(value as PemInput, option);
        break;
      case 'cert':
        props['ssl.keystore.type'] = 'PEM';
        props['ssl.keystore.certificate.chain'] = pemText(value as PemInput, option);
        break;
      case 'key': {
        const keys = typeof value === 'string' || value instanceof Uint8Array ? [value] : (value as ReadonlyArray<string | Uint8Array>);
        if (!Array.isArray(keys) || keys.length !== 1) throw new KafkaJSNonRetriableError('ssl.key: one private key (PEM) is supported');
        props['ssl.keystore.type'] = 'PEM';
        props['ssl.keystore.key'] = pemText(keys[0] as string | Uint8Array, option);
        break;
      }
      case 'passphrase':
        props['ssl.key.password'] = value;
        break;
      case 'rejectUnauthorized':
        if (value === false) {
          warnings.push(
            'ssl.rejectUnauthorized=false is not supported: broker certificates are always verified (no Kafka property turns that off). Trust the broker\'s CA with ssl.ca instead; an untrusted broker fails with SSL_AUTHENTICATION_FAILED',
          );
        }
        break;
      case 'minVersion':
      case 'maxVersion': {
        const min = TLS_VERSIONS.indexOf(String(ssl.minVersion ?? 'TLSv1.2'));
        const max = TLS_VERSIONS.indexOf(String(ssl.maxVersion ?? 'TLSv1.3'));
        if (min < 0 || max < 0 || min > max) throw new KafkaJSNonRetriableError('ssl.minVersion / ssl.maxVersion: TLSv1.2 or TLSv1.3');
        props['ssl.enabled.protocols'] = TLS_VERSIONS.slice(min, max + 1);
        props['ssl.protocol'] = TLS_VERSIONS[max];
        break;
      }
      case 'servername':
        warnings.push('ssl.servername is not supported: SNI and the host name check use the broker\'s advertised host');
        break;
      default:
        warnings.push(`ssl.${option} is not supported and is ignored (supported: ca, cert, key, passphrase, minVersion, maxVersion)`);
    }
  }
  return props;
}

// ---- sasl -----------------------------------------------------------------------------------

/** A JAAS option value in double quotes, with Java's escapes (src/network/sasl/jaas-config.ts). */
export function jaasQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

const LOGIN_MODULES: Readonly<Record<string, [mechanism: string, module: string]>> = {
  plain: ['PLAIN', 'org.apache.kafka.common.security.plain.PlainLoginModule'],
  'scram-sha-256': ['SCRAM-SHA-256', 'org.apache.kafka.common.security.scram.ScramLoginModule'],
  'scram-sha-512': ['SCRAM-SHA-512', 'org.apache.kafka.common.security.scram.ScramLoginModule'],
};

/**
 * How long an OAUTHBEARER token that is not a JWT (no readable `exp`) is taken to live. KafkaJS
 * asks its oauthBearerProvider at every authentication; the engine asks once per refresh, at
 * about 80 % of a token's lifetime. A minute keeps the token the engine holds at most a minute
 * old, close to KafkaJS's behaviour, while the provider (which KafkaJS's documentation tells to
 * cache its token) is called about once a minute.
 */
export const OPAQUE_TOKEN_LIFETIME_MS = 60_000;

/** A JWT's `exp` in ms since the epoch, or undefined when `token` is not a JWT with one. */
export function jwtExpiryMs(token: string): number | undefined {
  try {
    const exp = parseJwt(token).payload['exp'];
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? Math.trunc(exp) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** KafkaJS's oauthBearerProvider as the engine's token function (sasl.login.callback.handler.class). */
export function tokenFunction(provider: () => Promise<{ value: string }>, now: () => number = Date.now): () => Promise<{ token: string; lifetimeMs: number }> {
  return async () => {
    const answer = await provider();
    const token = answer?.value;
    if (typeof token !== 'string') return { token: token as unknown as string, lifetimeMs: now() + OPAQUE_TOKEN_LIFETIME_MS };
    return { token, lifetimeMs: jwtExpiryMs(token) ?? now() + OPAQUE_TOKEN_LIFETIME_MS };
  };
}

/** The sasl option -> security.protocol SASL_*, sasl.mechanism, sasl.jaas.config / the token function. */
export function saslProperties(sasl: SASLOptions | undefined, tls: boolean, warnings: string[]): Properties {
  if (sasl === undefined || sasl === null) return {};
  if (typeof sasl !== 'object' || typeof sasl.mechanism !== 'string') throw new KafkaJSNonRetriableError('sasl needs a mechanism: plain, scram-sha-256, scram-sha-512 or oauthbearer');
  const mechanism = sasl.mechanism.toLowerCase();
  const props: Properties = { 'security.protocol': tls ? 'SASL_SSL' : 'SASL_PLAINTEXT' };
  const login = LOGIN_MODULES[mechanism];
  if (login !== undefined) {
    const [name, module] = login;
    if (typeof sasl.username !== 'string' || typeof sasl.password !== 'string') {
      throw new KafkaJSSASLAuthenticationError(`SASL ${name}: sasl.username and sasl.password are required`);
    }
    props['sasl.mechanism'] = name;
    props['sasl.jaas.config'] = `${module} required username=${jaasQuote(sasl.username)} password=${jaasQuote(sasl.password)};`;
  } else if (mechanism === 'oauthbearer') {
    if (typeof sasl.oauthBearerProvider !== 'function') throw new KafkaJSSASLAuthenticationError('SASL OAUTHBEARER: sasl.oauthBearerProvider (an async function returning { value }) is required');
    props['sasl.mechanism'] = 'OAUTHBEARER';
    props['sasl.login.callback.handler.class'] = tokenFunction(sasl.oauthBearerProvider);
  } else {
    throw new KafkaJSNonRetriableError(
      `SASL ${sasl.mechanism} mechanism is not supported by kafka-wire/kafkajs (plain, scram-sha-256, scram-sha-512, oauthbearer; Amazon MSK IAM works through oauthbearer with a signer's token)`,
    );
  }
  for (const option of Object.keys(sasl)) {
    if (!['mechanism', 'username', 'password', 'oauthBearerProvider'].includes(option)) warnings.push(`sasl.${option} is not supported and is ignored`);
  }
  return props;
}

// ---- client and producer ---------------------------------------------------------------------

const IGNORED_CLIENT_OPTIONS: Readonly<Record<string, string>> = {
  authenticationTimeout: 'authentication is bounded by request.timeout.ms per request',
  reauthenticationThreshold: 're-authentication starts at 85-95 % of the session lifetime the broker grants (KIP-368, as Java)',
  socketFactory: 'connections come from the registered runtime (src/runtime), not a socket factory',
};

function retryProperties(retry: RetryOptions, warnings: string[]): Properties {
  const props: Properties = {};
  if (retry.retries !== undefined) props['retries'] = retry.retries;
  if (retry.initialRetryTime !== undefined) props['retry.backoff.ms'] = retry.initialRetryTime;
  if (retry.maxRetryTime !== undefined) props['retry.backoff.max.ms'] = retry.maxRetryTime;
  if (retry.factor !== undefined && retry.factor !== 0.2) warnings.push(`retry.factor=${retry.factor} is not supported: the backoff jitter is Java's 0.2`);
  if (retry.multiplier !== undefined && retry.multiplier !== 2) warnings.push(`retry.multiplier=${retry.multiplier} is not supported: the backoff doubles, as Java's`);
  return props;
}

/**
 * linger.ms of the facade unless `properties` sets it: 0, where Java's default is 5. KafkaJS
 * sends each call's records at once, and a KafkaJS program typically awaits one send per event;
 * with Java's 5 ms every such send waits the 5 ms out (measured: 6.4-7.7 ms per awaited
 * one-record send against KafkaJS's 0.7-2.4 ms, and 0.4-0.8 ms with 0). At 0 the engine still
 * batches what accumulates across calls while a request is in flight, or arrives in the same
 * tick (10,000 concurrent one-record sends: 27-73 k records/s against KafkaJS's 1.6-5.0 k).
 * Programs sending in bulk can set `properties: { 'linger.ms': 5 }` (docs/KAFKAJS.md).
 */
export const KAFKAJS_LINGER_MS = 0;

/**
 * The properties every engine producer of `kafka.producer(producerConfig)` shares, without
 * bootstrap.servers (KafkaJS resolves `brokers` at connect) and without transactional.id (only
 * the producer that runs transactions has it).
 */
export function baseProperties(client: KafkaConfig, producer: ProducerConfig): Mapped {
  const warnings: string[] = [];
  const props: Properties = { 'linger.ms': KAFKAJS_LINGER_MS, ...(producer.properties ?? {}) };
  const tls = client.ssl !== undefined && client.ssl !== null && client.ssl !== false;
  if (tls) props['security.protocol'] = 'SSL';
  Object.assign(props, sslProperties(client.ssl, warnings), saslProperties(client.sasl, tls, warnings));
  if (client.clientId !== undefined) props['client.id'] = client.clientId;
  if (client.connectionTimeout !== undefined) {
    props['socket.connection.setup.timeout.ms'] = client.connectionTimeout;
    // The setup timeout grows up to its max on failures: never below the first one.
    if (client.connectionTimeout > 30_000) props['socket.connection.setup.timeout.max.ms'] = client.connectionTimeout;
  }
  if (client.requestTimeout !== undefined) props['request.timeout.ms'] = client.requestTimeout;
  if (client.enforceRequestTimeout === false) warnings.push('enforceRequestTimeout=false is not supported: request.timeout.ms is always enforced');
  for (const [option, why] of Object.entries(IGNORED_CLIENT_OPTIONS)) {
    if ((client as unknown as Record<string, unknown>)[option] !== undefined) warnings.push(`${option} is not supported and is ignored: ${why}`);
  }
  const retry = { ...(client.retry ?? {}), ...(producer.retry ?? {}) };
  Object.assign(props, retryProperties(retry, warnings));
  if (producer.metadataMaxAge !== undefined) props['metadata.max.age.ms'] = producer.metadataMaxAge;
  if (producer.allowAutoTopicCreation === false) {
    warnings.push('allowAutoTopicCreation=false is not supported: Metadata requests allow auto-creation as Java\'s producer\'s do; whether topics are created is the broker\'s auto.create.topics.enable');
  }
  if (producer.idempotent === true) {
    if (retry.retries !== undefined && retry.retries < 1) throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors');
    props['enable.idempotence'] = true;
  } else if (producer.idempotent === false) props['enable.idempotence'] = false;
  if (producer.maxInFlightRequests !== undefined && producer.maxInFlightRequests !== null) {
    props['max.in.flight.requests.per.connection'] = producer.maxInFlightRequests;
    // KafkaJS bounds in-flight requests only for idempotent producers; the engine's idempotence
    // (on by default) needs <= 5, so a larger limit without idempotent: true turns it off.
    if (producer.maxInFlightRequests > 5 && producer.idempotent !== true) props['enable.idempotence'] = false;
  }
  return { properties: props, warnings };
}

/** The extra properties of the producer that runs transactions. */
export function transactionalProperties(producer: ProducerConfig): Properties {
  const props: Properties = { 'transactional.id': producer.transactionalId };
  if (producer.transactionTimeout !== undefined) props['transaction.timeout.ms'] = producer.transactionTimeout;
  return props;
}

/** Java's request.timeout.ms default: what a send without `timeout` waits (KafkaJS's default is the same 30000). */
const DEFAULT_REQUEST_TIMEOUT_MS = CONFIG_DEFS.find((d) => d.name === 'request.timeout.ms')!.default as number;

/** A send's acks / compression / timeout, resolved against the shared properties. */
export interface SendSettings {
  readonly acks: number;
  readonly compression: string;
  /** request.timeout.ms for this send: its timeout, else the shared value, else Java's default. */
  readonly timeoutMs: number;
}

export function sendSettings(base: Properties, acks: number | undefined, compression: number | undefined, timeout: number | undefined): SendSettings {
  const baseAcks = base['acks'];
  const resolvedAcks = acks ?? (baseAcks === undefined ? -1 : baseAcks === 'all' ? -1 : Number(baseAcks));
  if (!Number.isInteger(resolvedAcks)) throw new KafkaJSNonRetriableError(`acks must be -1, 0 or 1 (got ${String(acks ?? baseAcks)})`);
  const baseCompression = base['compression.type'];
  const resolvedCompression = compression !== undefined && compression !== null ? compressionName(compression) : typeof baseCompression === 'string' ? baseCompression : 'none';
  const baseTimeout = base['request.timeout.ms'];
  return { acks: resolvedAcks, compression: resolvedCompression, timeoutMs: timeout ?? (typeof baseTimeout === 'number' ? baseTimeout : DEFAULT_REQUEST_TIMEOUT_MS) };
}

/** The properties of the engine producer that serves sends with `settings`. */
export function engineProperties(base: Properties, settings: SendSettings): Properties {
  return { ...base, acks: settings.acks === -1 ? 'all' : String(settings.acks), 'compression.type': settings.compression, 'request.timeout.ms': settings.timeoutMs };
}
