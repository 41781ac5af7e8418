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

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'function';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Java's default; `undefined` means required (no default). */
  readonly default: unknown;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for string properties (compared case-sensitively, as Java does). */
  readonly oneOf?: readonly string[];
  /** Accepted only with its default value: the engine does not implement alternatives yet. */
  readonly onlyDefault?: boolean;
}

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** The supported properties, Java's order of importance. */
export const CONFIG_DEFS: readonly ConfigDef[] = [
  { name: 'bootstrap.servers', type: 'list', default: undefined, doc: 'host:port pairs used to make the initial connection to the cluster; the full membership is discovered from metadata.' },
  { name: 'client.id', type: 'string', default: '', doc: 'Sent with every request and printed in every log line, so broker-side logs and quotas can name this producer.' },
  { name: 'acks', type: 'string', default: 'all', oneOf: ['all', '-1', '0', '1'], doc: 'Acknowledgements the leader must have before a request completes: 0 (none; records complete when written, offset -1), 1 (the leader) or all/-1 (the full in-sync replica set).' },
  { name: 'enable.idempotence', type: 'boolean', default: true, doc: 'Give every batch a producer id, epoch and sequence so that retries never write duplicates and per-partition order is kept. Requires acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5; if not set explicitly and those conflict, idempotence is turned off, as in Java.' },
  { name: 'compression.type', type: 'string', default: 'none', oneOf: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], doc: 'Codec applied to each batch as a whole. snappy, lz4 and zstd use optional native packages (snappy, lz4-napi, @mongodb-js/zstd) when installed.' },
  { name: 'compression.gzip.level', type: 'int', default: -1, min: -1, max: 9, doc: 'gzip level, 1-9, or -1 for the codec default.' },
  { name: 'compression.lz4.level', type: 'int', default: 9, min: 1, max: 17, doc: 'lz4 level, 1-17.' },
  { name: 'compression.zstd.level', type: 'int', default: 3, min: -131072, max: 22, doc: 'zstd level.' },
  { name: 'batch.size', type: 'int', default: 16384, min: 0, max: INT_MAX, doc: 'Target size in bytes of a per-partition batch; a batch is sent when full or when linger.ms expires. A single larger record gets a batch of its own.' },
  { name: 'linger.ms', type: 'long', default: 5, min: 0, max: LONG_MAX, doc: 'How long a batch may wait for more records before it is sent.' },
  { name: 'buffer.memory', type: 'long', default: 33554432, min: 0, max: LONG_MAX, doc: 'Bytes of memory for records waiting to be sent. When full, send() waits up to max.block.ms.' },
  { name: 'max.block.ms', type: 'long', default: 60000, min: 0, max: LONG_MAX, doc: 'How long send() may wait for buffer memory or for metadata of an unknown topic before failing the record with TIMEOUT.' },
  { name: 'max.request.size', type: 'int', default: 1048576, min: 0, max: INT_MAX, doc: 'Upper bound on a Produce request and on a single record.' },
  { name: 'retries', type: 'int', default: INT_MAX, min: 0, max: INT_MAX, doc: 'How many times a batch is retried after a retriable error; delivery.timeout.ms usually bounds retries first.' },
  { name: 'retry.backoff.ms', type: 'long', default: 100, min: 0, max: LONG_MAX, doc: 'First backoff before retrying a failed request; grows exponentially up to retry.backoff.max.ms with 20% jitter.' },
  { name: 'retry.backoff.max.ms', type: 'long', default: 1000, min: 0, max: LONG_MAX, doc: 'Upper bound of the retry backoff.' },
  { name: 'delivery.timeout.ms', type: 'int', default: 120000, min: 0, max: INT_MAX, doc: 'Upper bound on the time from send() to success or failure, retries included. Must be >= linger.ms + request.timeout.ms.' },
  { name: 'request.timeout.ms', type: 'int', default: 30000, min: 0, max: INT_MAX, doc: 'How long to wait for a response; a timed-out request fails its batches retriably and closes the connection.' },
  { name: 'max.in.flight.requests.per.connection', type: 'int', default: 5, min: 1, max: INT_MAX, doc: 'Unanswered requests allowed per broker connection.' },
  { name: 'metadata.max.age.ms', type: 'long', default: 300000, min: 0, max: LONG_MAX, doc: 'Metadata is refreshed at least this often, and at once after errors that mean it is stale.' },
  { name: 'metadata.max.idle.ms', type: 'long', default: 300000, min: 5000, max: LONG_MAX, doc: 'A topic not produced to for this long is dropped from the metadata the producer keeps.' },
  { name: 'partitioner.class', type: 'function', default: null, doc: 'A custom partitioner function ({ topic, key, value, partitionCount, availablePartitions }) => partition, or a Java class name: org.apache.kafka.clients.producer.RoundRobinPartitioner (the deprecated DefaultPartitioner / UniformStickyPartitioner mean the default). Unset: murmur2 of the key, or the built-in uniform sticky partitioner for keyless records.' },
  { name: 'partitioner.ignore.keys', type: 'boolean', default: false, doc: 'Use the built-in sticky partitioner even for keyed records.' },
  { name: 'partitioner.adaptive.partitioning.enable', type: 'boolean', default: true, doc: 'Send more records to partitions whose leaders have shorter queues (KIP-794).' },
  { name: 'partitioner.availability.timeout.ms', type: 'long', default: 0, min: 0, max: LONG_MAX, doc: 'If > 0, partitions whose leader could not take data for this long are skipped by the built-in partitioner.' },
  { name: 'key.serializer', type: 'function', default: null, doc: 'A function (data, topic, headers) => Uint8Array | string | null for keys, or a Kafka serializer class name (org.apache.kafka.common.serialization.StringSerializer, ByteArraySerializer, IntegerSerializer, LongSerializer, ... written as Java writes them). Unset: strings are written as UTF-8, Uint8Array as is.' },
  { name: 'value.serializer', type: 'function', default: null, doc: 'As key.serializer, for values.' },
  { name: 'reconnect.backoff.ms', type: 'long', default: 50, min: 0, max: LONG_MAX, doc: 'First wait before reconnecting to a broker; grows exponentially to reconnect.backoff.max.ms.' },
  { name: 'reconnect.backoff.max.ms', type: 'long', default: 1000, min: 0, max: LONG_MAX, doc: 'Upper bound of the reconnect backoff.' },
  { name: 'socket.connection.setup.timeout.ms', type: 'long', default: 10000, min: 0, max: LONG_MAX, doc: 'How long a connection attempt may take.' },
  { name: 'socket.connection.setup.timeout.max.ms', type: 'long', default: 30000, min: 0, max: LONG_MAX, doc: 'Upper bound of the connection setup timeout as it grows on consecutive failures.' },
  { name: 'connections.max.idle.ms', type: 'long', default: 540000, min: -1, max: LONG_MAX, doc: 'Idle connections are closed after this long.' },
  { name: 'send.buffer.bytes', type: 'int', default: 131072, min: -1, max: INT_MAX, doc: 'Accepted for compatibility; the socket uses the operating system default.' },
  { name: 'receive.buffer.bytes', type: 'int', default: 32768, min: -1, max: INT_MAX, doc: 'Accepted for compatibility; the socket uses the operating system default.' },
  { name: 'metrics.sample.window.ms', type: 'long', default: 30000, min: 0, max: LONG_MAX, doc: 'Window over which rate and average metrics are computed.' },
  { name: 'metrics.num.samples', type: 'int', default: 2, min: 1, max: INT_MAX, doc: 'Number of samples kept per metric window.' },
  { name: 'security.protocol', type: 'string', default: 'PLAINTEXT', oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], onlyDefault: true, doc: 'Only PLAINTEXT is implemented.' },
  { name: 'client.dns.lookup', type: 'string', default: 'use_all_dns_ips', oneOf: ['use_all_dns_ips', 'resolve_canonical_bootstrap_servers_only'], onlyDefault: true, doc: 'Only use_all_dns_ips (the default) is implemented.' },
  { name: 'enable.metrics.push', type: 'boolean', default: true, doc: 'Accepted for compatibility; client metrics push (KIP-714) is not implemented, so nothing is pushed.' },
];

/**
 * Java producer properties kafka-wire does not implement (yet). Naming one is an error that
 * says so, rather than an "unknown property" or a silent no-op.
 */
export const UNSUPPORTED_JAVA_PROPERTIES: ReadonlySet<string> = new Set([
  'transactional.id', 'transaction.timeout.ms', 'interceptor.classes', 'metric.reporters',
  'metrics.recording.level', 'metadata.recovery.strategy', 'metadata.recovery.rebootstrap.trigger.ms',
  'sasl.mechanism', 'sasl.jaas.config', 'sasl.client.callback.handler.class', 'sasl.login.class',
  'sasl.kerberos.service.name', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password',
  'ssl.truststore.location', 'ssl.truststore.password', 'ssl.protocol', 'ssl.enabled.protocols',
  'ssl.endpoint.identification.algorithm', 'ssl.keystore.type', 'ssl.truststore.type',
  'ssl.cipher.suites', 'ssl.provider', 'ssl.engine.factory.class', 'security.providers',
  'auto.include.jmx.reporter', 'bootstrap.controllers',
]);

/** JavaScript-only options the Producer accepts next to Kafka properties. */
export const JS_OPTIONS: ReadonlySet<string> = new Set(['interceptors', 'logger']);

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

function parseValue(def: ConfigDef, raw: unknown): unknown {
  const bad = (expected: string): never => {
    throw new ConfigError(def.name, `expected ${expected}, got ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)} (${typeof raw})`);
  };
  switch (def.type) {
    case 'int':
    case 'long': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'bigint') n = Number(raw);
      else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) n = Number(raw.trim());
      else return bad(def.type === 'int' ? 'a 32-bit integer' : 'an integer');
      if (!Number.isSafeInteger(n)) return bad(def.type === 'int' ? 'a 32-bit integer' : 'an integer');
      if (def.type === 'int' && (n > INT_MAX || n < -INT_MAX - 1)) return bad('a 32-bit integer');
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new ConfigError(def.name, `value ${n} is out of range [${def.min ?? '-inf'}, ${def.max ?? 'inf'}]`);
      }
      return n;
    }
    case 'double': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return bad('a number');
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
      return bad('true or false');
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return bad('a string');
      const s = String(raw).trim();
      if (def.oneOf && !def.oneOf.includes(s)) throw new ConfigError(def.name, `invalid value ${JSON.stringify(s)}; expected one of ${def.oneOf.join(', ')}`);
      if (def.onlyDefault && s !== def.default) throw new ConfigError(def.name, `${JSON.stringify(s)} is not supported by kafka-wire yet; only ${JSON.stringify(def.default)} is`);
      return s;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : bad('a list (array or comma-separated string)');
      return items.map((s) => s.trim()).filter((s) => s !== '');
    }
    case 'function': {
      if (raw === null || typeof raw === 'function') return raw;
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
      if (UNSUPPORTED_JAVA_PROPERTIES.has(name)) throw new ConfigError(name, 'is a Java producer property that kafka-wire does not support yet');
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

/** Java's cross-property checks (ProducerConfig.postProcessParsedConfig and KafkaProducer). */
function applyJavaRules(values: Record<string, unknown>, explicit: ReadonlySet<string>): void {
  const servers = values['bootstrap.servers'] as string[];
  if (servers.length === 0) throw new ConfigError('bootstrap.servers', 'needs at least one host:port');
  for (const s of servers) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConfigError('bootstrap.servers', `invalid address ${JSON.stringify(s)}; expected host:port`);
  }
  if (values['acks'] === '-1') values['acks'] = 'all';

  // Idempotence: an explicit request that conflicts is an error; the default yields silently.
  const conflicts: [string, string][] = [];
  if (values['acks'] !== 'all') conflicts.push(['acks', 'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.']);
  if ((values['max.in.flight.requests.per.connection'] as number) > 5) conflicts.push(['max.in.flight.requests.per.connection', 'Must set max.in.flight.requests.per.connection to at most 5 when using the idempotent producer.']);
  if ((values['retries'] as number) === 0) conflicts.push(['retries', 'Must set retries to non-zero when using the idempotent producer.']);
  if (values['enable.idempotence'] === true && conflicts.length > 0) {
    if (explicit.has('enable.idempotence')) {
      const [property, message] = conflicts[0]!;
      throw new ConfigError(property, message);
    }
    values['enable.idempotence'] = false;
  }

  const linger = values['linger.ms'] as number;
  const requestTimeout = values['request.timeout.ms'] as number;
  if ((values['delivery.timeout.ms'] as number) < linger + requestTimeout) {
    if (explicit.has('delivery.timeout.ms')) {
      throw new ConfigError('delivery.timeout.ms', `should be equal to or larger than linger.ms + request.timeout.ms (${linger} + ${requestTimeout})`);
    }
    values['delivery.timeout.ms'] = linger + requestTimeout; // Java adjusts the default and warns
  }
  if ((values['retry.backoff.max.ms'] as number) < (values['retry.backoff.ms'] as number)) {
    // Java uses retry.backoff.ms as the cap when the max is smaller.
    values['retry.backoff.max.ms'] = values['retry.backoff.ms'];
  }
  if ((values['reconnect.backoff.max.ms'] as number) < (values['reconnect.backoff.ms'] as number)) {
    values['reconnect.backoff.max.ms'] = values['reconnect.backoff.ms'];
  }
}

/** Parses Java .properties text (k=v or k:v lines, # and ! comments, backslash continuations). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!m) out[line] = '';
    else out[m[1]!.replace(/\\(.)/g, '$1')] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return out;
}
