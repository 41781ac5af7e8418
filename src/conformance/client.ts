/**
 * The conformance suite's connection to a cluster: the network layer's ConnectionPool, with the
 * producer's own handshake (ApiVersions with the KIP-511 fallback, then SASL through the same
 * ConnectionAuthenticator and ChannelSecurity the Producer builds from its properties), and
 * requests encoded and decoded by the protocol layer at versions the caller picks.
 *
 * Unlike the Sender, it sends what a check asks for and nothing else: no retries, no metadata
 * refresh, no producer state. That is what lets a check send bytes no good producer sends (a bad
 * CRC, acks=2, a sequence gap, an old epoch) and look at the answer itself.
 *
 * Owns: one pool (one connection per broker, plus the raw connections a check opens without the
 * handshake), the API ranges each broker advertised, the first ApiVersions answer, the brokers
 * of the last Metadata answer. Each check gets its own client, and `close()` ends every
 * connection, which is how a check that hangs is stopped: its pending requests fail.
 */
import { KafkaWireError, ProtocolError } from '../errors.js';
import { BrokerConnection, type FrameTap } from '../network/connection.js';
import { ConnectionPool } from '../network/connection-pool.js';
import type { ChannelSecurity } from '../network/channel-security.js';
import { ConnectionAuthenticator, type SaslRequest } from '../network/sasl-authentication.js';
import type { Clock } from '../network/index.js';
import { parseBootstrapServers } from '../network/address.js';
import type { Transport } from '../network/transport.js';
import { ApiKey, SUPPORTED_VERSIONS, pickVersion, type VersionRange } from '../protocol/api-keys.js';
import {
  apiVersionsRetryVersion,
  decodeApiVersionsResponse,
  decodeResponse,
  encodeRequest,
  type ApiVersionsResponse,
  type MessageApiKey,
  type MetadataResponse,
  type RequestBodies,
  type ResponseBodies,
} from '../protocol/messages/index.js';
import { ErrorCode, errorForCode } from '../protocol/error-codes.js';

export const CLIENT_SOFTWARE_NAME = 'kafka-wire-conformance';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

export interface ConformanceClientOptions {
  readonly bootstrap: string;
  readonly transport: Transport;
  readonly security: ChannelSecurity;
  readonly clock: Clock;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tap?: FrameTap;
}

export interface SendOptions {
  /** The broker to send to; default: any (the bootstrap address). */
  readonly node?: number;
  /** false: the broker does not answer (acks=0); the promise resolves once the bytes were written. */
  readonly expectResponse?: boolean;
  /** Reject bytes after the body (the "every version decodes" checks). */
  readonly strict?: boolean;
  readonly timeoutMs?: number;
}

type Ranges = ReadonlyMap<number, VersionRange>;

const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export class ConformanceClient {
  readonly clientId: string;
  readonly #o: ConformanceClientOptions;
  readonly #pool: ConnectionPool;
  readonly #bootstrapIds: number[];
  readonly #ranges = new Map<number, Ranges>();
  readonly #raw = new Set<BrokerConnection>();
  readonly #sasl: ConnectionAuthenticator | undefined;
  #apiVersions: ApiVersionsResponse | undefined;
  #brokers: MetadataResponse['brokers'] = [];
  #closed = false;

  constructor(options: ConformanceClientOptions) {
    this.#o = options;
    this.clientId = options.clientId;
    this.#pool = new ConnectionPool({
      transport: options.transport,
      clock: options.clock,
      requestTimeoutMs: options.requestTimeoutMs,
      connectionSetupTimeoutMs: options.connectTimeoutMs,
      connectionSetupTimeoutMaxMs: options.connectTimeoutMs,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 200,
      ...(options.security.tls ? { tls: options.security.tls } : {}),
      ...(options.tap ? { tap: options.tap } : {}),
      onConnected: (conn) => this.#handshake(conn),
    });
    this.#bootstrapIds = this.#pool.addBootstrapServers(options.bootstrap);
    if (options.security.sasl) {
      this.#sasl = new ConnectionAuthenticator({
        authenticator: options.security.sasl,
        request: ((conn, apiKey, version, body) => this.request(conn, apiKey, version, body, { authentication: true })) as SaslRequest,
        clock: options.clock,
        logger: silentLogger,
      });
    }
  }

  /** The security the client connects with (a check about SASL reads the mechanism from it). */
  get security(): ChannelSecurity {
    return this.#o.security;
  }

  /** The first ApiVersions answer of this client's connections (after connect()). */
  get apiVersions(): ApiVersionsResponse {
    if (this.#apiVersions === undefined) throw new KafkaWireError('ILLEGAL_STATE', 'no connection has completed its handshake yet');
    return this.#apiVersions;
  }

  /** Brokers of the last Metadata answer (empty before metadata()). */
  get brokers(): MetadataResponse['brokers'] {
    return this.#brokers;
  }

  /** Connects to the bootstrap address (handshake included) so versions are known. */
  async connect(): Promise<void> {
    await this.connection();
  }

  /** A handshaken connection to `node` (default: the bootstrap address). */
  async connection(node: number = this.#bootstrapIds[0]!): Promise<BrokerConnection> {
    if (this.#closed) throw new KafkaWireError('ILLEGAL_STATE', 'the check is over (its client is closed)');
    return this.#pool.awaitReady(node, this.#o.connectTimeoutMs + this.#o.requestTimeoutMs);
  }

  /** The range `node` (default: any) advertised for `apiKey`, if any. */
  range(apiKey: number, node?: number): VersionRange | undefined {
    const ranges = node === undefined ? this.#ranges.values().next().value : this.#ranges.get(node);
    return ranges?.get(apiKey);
  }

  /** The highest version of `apiKey` both kafka-wire and the broker speak (capped at `cap`), or null. */
  version(apiKey: ApiKey, options: { node?: number; cap?: number } = {}): number | null {
    const r = this.range(apiKey, options.node);
    return r ? pickVersion(apiKey, r.min, r.max, options.cap) : null;
  }

  /** Every version of `apiKey` both sides speak, lowest first. */
  versions(apiKey: ApiKey, options: { node?: number; cap?: number } = {}): number[] {
    const r = this.range(apiKey, options.node);
    if (!r) return [];
    const ours = SUPPORTED_VERSIONS[apiKey];
    const out: number[] = [];
    for (let v = Math.max(r.min, ours.min); v <= Math.min(r.max, ours.max, options.cap ?? Infinity); v++) out.push(v);
    return out;
  }

  /** Encodes, sends and decodes one request on a connection of the pool. */
  async send<K extends MessageApiKey>(apiKey: K, version: number, body: RequestBodies[K], options: SendOptions = {}): Promise<ResponseBodies[K]> {
    const conn = await this.connection(options.node);
    return this.request(conn, apiKey, version, body, options);
  }

  /** As send(), on a given connection (a raw one, or one from connection()). */
  async request<K extends MessageApiKey>(
    conn: BrokerConnection,
    apiKey: K,
    version: number,
    body: RequestBodies[K],
    options: SendOptions & { authentication?: boolean } = {},
  ): Promise<ResponseBodies[K]> {
    const frame = encodeRequest(apiKey, version, { correlationId: 0, clientId: this.clientId }, body, { sizePrefix: true });
    const bytes = await conn.request(
      { buffer: frame },
      {
        ...(options.expectResponse === false ? { expectResponse: false } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.authentication ? { authentication: true } : {}),
      },
    );
    if (options.expectResponse === false) return undefined as unknown as ResponseBodies[K];
    return decodeResponse(apiKey, version, bytes, { strict: options.strict === true }).body;
  }

  /**
   * Sends a frame the caller encoded itself (size prefix included: the connection patches the
   * size and correlation id) and resolves with the response frame (after its size prefix).
   */
  async sendRaw(frame: Uint8Array, options: SendOptions & { chunks?: readonly Uint8Array[] } = {}): Promise<Uint8Array> {
    const conn = await this.connection(options.node);
    return conn.request(
      { buffer: frame, ...(options.chunks ? { chunks: options.chunks } : {}) },
      {
        ...(options.expectResponse === false ? { expectResponse: false } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
  }

  /**
   * A connection with no handshake at all (no ApiVersions, no SASL), to the bootstrap address or
   * a broker of the last metadata: for checks about what a broker does before a client has
   * introduced or authenticated itself. Closed with the client.
   */
  async rawConnection(node?: number): Promise<BrokerConnection> {
    const target = node === undefined ? parseBootstrapServers(this.#o.bootstrap)[0]! : this.#brokers.find((b) => b.nodeId === node);
    if (target === undefined) throw new KafkaWireError('ILLEGAL_ARGUMENT', `no broker ${node} in the last metadata`);
    const socket = await this.#o.transport.connect(target.host, target.port, {
      timeoutMs: this.#o.connectTimeoutMs,
      ...(this.#o.security.tls ? { tls: this.#o.security.tls } : {}),
    });
    const conn = new BrokerConnection(socket, {
      nodeId: node ?? -1,
      host: target.host,
      port: target.port,
      clock: this.#o.clock,
      requestTimeoutMs: this.#o.requestTimeoutMs,
      ...(this.#o.tap ? { tap: this.#o.tap } : {}),
    });
    this.#raw.add(conn);
    conn.onClosed(() => this.#raw.delete(conn));
    if (this.#closed) conn.close();
    return conn;
  }

  /** Metadata for `topics` (null: all) at the highest common version; the brokers it names become addressable. */
  async metadata(topics: readonly string[] | null, options: { version?: number; allowAutoTopicCreation?: boolean; node?: number; strict?: boolean } = {}): Promise<MetadataResponse> {
    const version = options.version ?? this.version(ApiKey.Metadata);
    if (version === null) throw new KafkaWireError('UNSUPPORTED_VERSION', 'the broker speaks no Metadata version kafka-wire does');
    const body = await this.send(
      ApiKey.Metadata,
      version,
      {
        topics: topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ name })),
        // v0-v3 cannot say it: brokers auto-create (when enabled) for every request naming a topic.
        ...(version >= 4 ? { allowAutoTopicCreation: options.allowAutoTopicCreation ?? false } : {}),
      },
      { ...(options.node !== undefined ? { node: options.node } : {}), ...(options.strict ? { strict: true } : {}) },
    );
    if (body.brokers.length > 0) {
      this.#brokers = body.brokers;
      this.#pool.updateNodes(body.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })));
    }
    return body;
  }

  /** Ends every connection: requests still pending fail. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pool.close();
    for (const conn of [...this.#raw]) conn.close();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** The pool's handshake: ApiVersions (KIP-511 fallback to the broker's highest), then SASL when configured. */
  async #handshake(conn: BrokerConnection): Promise<void> {
    let version: number = SUPPORTED_VERSIONS[ApiKey.ApiVersions].max;
    let answer: ApiVersionsResponse | undefined;
    for (let attempt = 0; attempt < 2 && answer === undefined; attempt++) {
      const frame = encodeRequest(
        ApiKey.ApiVersions,
        version,
        { correlationId: 0, clientId: this.clientId },
        { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION },
        { sizePrefix: true },
      );
      const body = decodeApiVersionsResponse(version, await conn.request({ buffer: frame })).body;
      if (body.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        version = apiVersionsRetryVersion(body);
        continue;
      }
      if (body.errorCode !== 0) throw new ProtocolError(`ApiVersions v${version} from ${conn.broker} failed: ${errorForCode(body.errorCode).name}`);
      answer = body;
    }
    if (answer === undefined) throw new ProtocolError(`ApiVersions with ${conn.broker} did not settle on a version`);
    const ranges = new Map(answer.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
    this.#ranges.set(conn.nodeId, ranges);
    this.#apiVersions ??= answer;
    if (this.#sasl) {
      const handshake = ranges.get(ApiKey.SaslHandshake);
      const authenticate = ranges.get(ApiKey.SaslAuthenticate);
      if (!handshake || handshake.max < 1 || !authenticate) throw new ProtocolError(`${conn.broker} offers no SaslHandshake v1 / SaslAuthenticate`);
      await this.#sasl.authenticate(conn, { handshake: 1, authenticate: Math.min(authenticate.max, SUPPORTED_VERSIONS[ApiKey.SaslAuthenticate].max) });
    }
  }
}
