/**
 * ConnectionPool: at most one BrokerConnection per broker node, plus each node's connection
 * state (Kafka's Java ClusterConnectionStates): disconnected -> connecting -> handshaking -> ready.
 *
 * Owns: node addresses (nodeId -> host:port, bootstrap addresses under pseudo ids -1, -2, ...),
 * the connections, connection attempts, reconnect backoff and connection setup timeouts.
 * Does not own: what is sent (the Sender), the handshake's content (the `onConnected` hook, e.g.
 * ApiVersions), metadata (the owner calls updateNodes()).
 *
 * Polling model, as Java's NetworkClient: the Sender asks `ready(node)` (true = send now; false
 * = a connection attempt was started if allowed) and, when not ready, `connectionDelay(node)` for
 * how long until it is worth asking again. Events (onReady / onDisconnect / onWritable) tell it
 * to wake up earlier. The pool runs no timers of its own except for `awaitReady` waits.
 *
 * Backoff (Java's semantics): after a connection attempt fails or a connection closes, the node
 * is blacked out for reconnect.backoff.ms * 2^failures (+-20% jitter, capped at
 * reconnect.backoff.max.ms); reaching ready resets it. Each failed connection setup also doubles
 * the setup timeout (socket.connection.setup.timeout.ms, +-20%, capped at .max.ms).
 */
import { KafkaWireError, NetworkError } from '../errors.js';
import { formatEndpoint, formatHostPort, isIpLiteral, parseBootstrapServers, type BrokerAddress, type BrokerNode } from './address.js';
import { ExponentialBackoff } from '../common/backoff.js';
import { SystemClock, type Clock, type TimerHandle } from '../common/clock.js';
import { BrokerConnection, type FrameTap } from './connection.js';
import { describeError } from './describe-error.js';
import type { TlsClientOptions } from './security/tls-client-options.js';
import type { ResolvedAddress, Socketish, Transport } from './transport.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'handshaking' | 'ready';

export interface ConnectionPoolOptions {
  readonly transport: Transport;
  readonly clock?: Clock;
  /** Uniform [0, 1) source for backoff jitter and leastLoadedNode's start. Default Math.random. */
  readonly random?: () => number;
  /** reconnect.backoff.ms. Default 50. */
  readonly reconnectBackoffMs?: number;
  /** reconnect.backoff.max.ms. Default 1000. */
  readonly reconnectBackoffMaxMs?: number;
  /** socket.connection.setup.timeout.ms. Default 10000. */
  readonly connectionSetupTimeoutMs?: number;
  /** socket.connection.setup.timeout.max.ms. Default 30000. */
  readonly connectionSetupTimeoutMaxMs?: number;
  /** max.in.flight.requests.per.connection. Default 5. */
  readonly maxInFlight?: number;
  /** request.timeout.ms. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** connections.max.idle.ms. Default 540000. */
  readonly connectionsMaxIdleMs?: number;
  /** Largest response frame accepted. Default 100 MiB. */
  readonly maxResponseBytes?: number;
  /** Sees every frame of every connection (tracing; BrokerConnectionOptions.tap). */
  readonly tap?: FrameTap;
  /** TLS for every connection (security.protocol SSL / SASL_SSL), handed to the transport. Absent: plaintext. */
  readonly tls?: TlsClientOptions;
  /**
   * Runs on each new connection before it counts as ready, e.g. ApiVersions. It may send
   * requests on `connection`. If it rejects, the connection is closed and the attempt counts as
   * failed (backoff applies); the rejection is what onDisconnect reports.
   */
  readonly onConnected?: (connection: BrokerConnection, node: BrokerNode) => Promise<void>;
  /** A node's connection became ready. */
  readonly onReady?: (nodeId: number, connection: BrokerConnection) => void;
  /** A connection attempt failed or a connection closed; `reason` is undefined for a clean close. */
  readonly onDisconnect?: (nodeId: number, reason: KafkaWireError | undefined) => void;
  /** A ready connection may accept a request again (a slot freed up or its socket drained). */
  readonly onWritable?: (nodeId: number) => void;
}

/** Per-node state. */
interface NodeState {
  readonly nodeId: number;
  host: string;
  port: number;
  state: ConnectionState;
  connection: BrokerConnection | undefined;
  /** Aborts the socket connect in progress. */
  abort: AbortController | undefined;
  /** Bumped on every attempt and reset: results of older attempts are ignored. */
  attempt: number;
  lastConnectAttemptMs: number;
  failedAttempts: number;
  reconnectBackoffMs: number;
  failedConnectAttempts: number;
  connectionSetupTimeoutMs: number;
  /** The host's resolved addresses (empty = resolve on the next attempt), Java's NodeConnectionState.addresses. */
  addresses: readonly ResolvedAddress[];
  addressIndex: number;
  /** The IP address of the current attempt or connection, when the host is a name. */
  address: string | undefined;
  lastError: KafkaWireError | undefined;
  /** awaitReady callers waiting for this node's state to change. */
  waiters: Array<() => void>;
}

export class ConnectionPool {
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #setupTimeout: ExponentialBackoff;
  readonly #connectionOptions: {
    maxInFlight: number | undefined;
    requestTimeoutMs: number | undefined;
    connectionsMaxIdleMs: number | undefined;
    maxResponseBytes: number | undefined;
    tap: FrameTap | undefined;
  };
  readonly #requestTimeoutMs: number;
  readonly #tls: TlsClientOptions | undefined;
  readonly #onConnected: ConnectionPoolOptions['onConnected'];
  readonly #onReady: ConnectionPoolOptions['onReady'];
  readonly #onDisconnect: ConnectionPoolOptions['onDisconnect'];
  readonly #onWritable: ConnectionPoolOptions['onWritable'];

  readonly #nodes = new Map<number, NodeState>();
  /** The nodes leastLoadedNode() picks from: the bootstrap addresses, then the latest metadata. */
  #candidates: number[] = [];
  /** The bootstrap pseudo-nodes, for re-bootstrapping (KIP-899). */
  #bootstrapIds: number[] = [];
  #nextBootstrapId = -1;
  #closed = false;
  /** Timers of pending awaitReady waits, cleared by close(). */
  readonly #waitTimers = new Set<TimerHandle>();

  constructor(options: ConnectionPoolOptions) {
    this.#transport = options.transport;
    this.#clock = options.clock ?? SystemClock;
    this.#random = options.random ?? Math.random;
    this.#reconnectBackoff = new ExponentialBackoff(
      options.reconnectBackoffMs ?? 50,
      2,
      options.reconnectBackoffMaxMs ?? 1000,
      0.2,
      this.#random,
    );
    this.#setupTimeout = new ExponentialBackoff(
      options.connectionSetupTimeoutMs ?? 10_000,
      2,
      options.connectionSetupTimeoutMaxMs ?? 30_000,
      0.2,
      this.#random,
    );
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#connectionOptions = {
      maxInFlight: options.maxInFlight,
      requestTimeoutMs: options.requestTimeoutMs,
      connectionsMaxIdleMs: options.connectionsMaxIdleMs,
      maxResponseBytes: options.maxResponseBytes,
      tap: options.tap,
    };
    this.#tls = options.tls;
    this.#onConnected = options.onConnected;
    this.#onReady = options.onReady;
    this.#onDisconnect = options.onDisconnect;
    this.#onWritable = options.onWritable;
  }

  // ---- nodes -----------------------------------------------------------------------------------

  /**
   * Registers bootstrap addresses (a bootstrap.servers string or a list) under pseudo node ids
   * -1, -2, ... and makes them the leastLoadedNode() candidates. Returns the ids assigned.
   */
  addBootstrapServers(servers: string | readonly BrokerAddress[]): number[] {
    const addresses = typeof servers === 'string' ? parseBootstrapServers(servers) : servers;
    const ids: number[] = [];
    for (const { host, port } of addresses) {
      const nodeId = this.#nextBootstrapId--;
      this.#nodes.set(nodeId, this.#newState(nodeId, host, port));
      ids.push(nodeId);
    }
    this.#candidates = this.#candidates.concat(ids);
    this.#bootstrapIds = this.#bootstrapIds.concat(ids);
    return ids;
  }

  /**
   * KIP-899 / KIP-1102 (metadata.recovery.strategy=rebootstrap): pick from the bootstrap
   * addresses again instead of the brokers the last metadata named — every one of those is
   * unreachable, metadata has been stale too long, or a broker answered REBOOTSTRAP_REQUIRED.
   * The next Metadata answer replaces them as usual.
   */
  rebootstrap(): void {
    this.#candidates = [...this.#bootstrapIds];
  }

  /** Whether leastLoadedNode() picks from the bootstrap addresses (before metadata, or after rebootstrap()). */
  get usingBootstrapServers(): boolean {
    return this.#candidates.length > 0 && this.#candidates.every((id) => id < 0);
  }

  /**
   * Adds or updates nodes from metadata. A node whose address changed loses its connection (its
   * in-flight requests fail retriably) and starts afresh. If `nodes` is non-empty it becomes the
   * set leastLoadedNode() picks from; nodes left out keep their connection until it idles out.
   */
  updateNodes(nodes: Iterable<BrokerNode>): void {
    const ids: number[] = [];
    for (const { nodeId, host, port } of nodes) {
      ids.push(nodeId);
      const existing = this.#nodes.get(nodeId);
      if (existing !== undefined && existing.host === host && existing.port === port) continue;
      if (existing !== undefined) this.#reset(existing);
      this.#nodes.set(nodeId, this.#newState(nodeId, host, port));
    }
    if (ids.length > 0) this.#candidates = ids;
  }

  /** The address registered for a node id. */
  node(nodeId: number): BrokerNode | undefined {
    const st = this.#nodes.get(nodeId);
    return st === undefined ? undefined : { nodeId, host: st.host, port: st.port };
  }

  // ---- state queries ---------------------------------------------------------------------------

  /** The node's connection state ('disconnected' for unknown nodes). */
  state(nodeId: number): ConnectionState {
    return this.#nodes.get(nodeId)?.state ?? 'disconnected';
  }

  /** True if the node has a ready (handshaken, authenticated) connection, busy or not. */
  isConnected(nodeId: number): boolean {
    return this.#nodes.get(nodeId)?.state === 'ready';
  }

  /** True if any node has a ready connection. */
  hasReadyConnection(): boolean {
    for (const st of this.#nodes.values()) if (st.state === 'ready') return true;
    return false;
  }

  /** True if the node's connection is ready and can take a request now (see BrokerConnection.canSend). */
  isReady(nodeId: number): boolean {
    const st = this.#nodes.get(nodeId);
    return st !== undefined && st.state === 'ready' && st.connection!.canSend();
  }

  /**
   * Like isReady, but if the node is disconnected and out of its backoff, starts connecting
   * (Java's NetworkClient.ready). Throws for a node id the pool doesn't know.
   */
  ready(nodeId: number, now: number = this.#clock.now()): boolean {
    const st = this.#state(nodeId);
    if (st.state === 'ready') return st.connection!.canSend();
    if (st.state === 'disconnected' && !this.#closed && this.#canConnect(st, now)) this.#connect(st, now);
    return false;
  }

  /**
   * Milliseconds until it's worth checking the node again: the remaining reconnect backoff when
   * disconnected (0 = may connect now), the setup timeout while connecting (an upper bound: an
   * event comes earlier), Infinity when connected (wait for onWritable). Callers must clamp
   * Infinity before handing it to a timer.
   */
  connectionDelay(nodeId: number, now: number = this.#clock.now()): number {
    const st = this.#nodes.get(nodeId);
    if (st === undefined) return 0;
    switch (st.state) {
      case 'disconnected':
        return Math.max(st.reconnectBackoffMs - (now - st.lastConnectAttemptMs), 0);
      case 'connecting':
      case 'handshaking':
        return st.connectionSetupTimeoutMs;
      case 'ready':
        return Infinity;
    }
  }

  /** True while the node is disconnected and inside its reconnect backoff. */
  isBlackedOut(nodeId: number, now: number = this.#clock.now()): boolean {
    const st = this.#nodes.get(nodeId);
    return st !== undefined && st.state === 'disconnected' && !this.#canConnect(st, now);
  }

  /** The node's connection once ready (whether or not it can take a request right now). */
  connection(nodeId: number): BrokerConnection | undefined {
    const st = this.#nodes.get(nodeId);
    return st?.state === 'ready' ? st.connection : undefined;
  }

  /** Requests in flight on the node's connection (0 when not connected). */
  inFlightCount(nodeId: number): number {
    return this.#nodes.get(nodeId)?.connection?.inFlightCount ?? 0;
  }

  /** The last error that broke the node's connection or a connection attempt. */
  lastError(nodeId: number): KafkaWireError | undefined {
    return this.#nodes.get(nodeId)?.lastError;
  }

  /**
   * The best candidate node for a request any broker can answer (metadata), as Java's
   * leastLoadedNode: a ready node with the fewest requests in flight (an idle one at once),
   * else one already connecting, else the one that can connect and was tried longest ago.
   * Nodes in backoff are skipped; undefined when every candidate is.
   */
  leastLoadedNode(now: number = this.#clock.now()): number | undefined {
    const candidates = this.#candidates;
    const n = candidates.length;
    if (n === 0) return undefined;
    const offset = Math.floor(this.#random() * n) % n;
    let ready: NodeState | undefined;
    let readyInFlight = Infinity;
    let connecting: NodeState | undefined;
    let canConnect: NodeState | undefined;
    for (let i = 0; i < n; i++) {
      const st = this.#nodes.get(candidates[(offset + i) % n]!);
      if (st === undefined) continue;
      if (st.state === 'ready') {
        if (!st.connection!.canSend()) continue;
        const inFlight = st.connection!.inFlightCount;
        if (inFlight === 0) return st.nodeId;
        if (inFlight < readyInFlight) {
          readyInFlight = inFlight;
          ready = st;
        }
      } else if (st.state === 'connecting' || st.state === 'handshaking') {
        connecting = st;
      } else if (this.#canConnect(st, now)) {
        if (canConnect === undefined || st.lastConnectAttemptMs < canConnect.lastConnectAttemptMs) canConnect = st;
      }
    }
    return (ready ?? connecting ?? canConnect)?.nodeId;
  }

  // ---- async convenience -----------------------------------------------------------------------

  /**
   * Waits until the node's connection is ready (connecting, respecting backoff, as needed) and
   * returns it. For callers outside the Sender's poll loop (bootstrap metadata, tools). Rejects
   * with a retriable TIMEOUT error after `timeoutMs` (default request.timeout.ms), carrying the
   * last connection error as its cause, or with a NetworkError once the pool is closed.
   */
  async awaitReady(nodeId: number, timeoutMs: number = this.#requestTimeoutMs): Promise<BrokerConnection> {
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      if (this.#closed) throw new NetworkError('The connection pool is closed');
      const st = this.#state(nodeId); // re-read: updateNodes() may have replaced it
      const now = this.#clock.now();
      if (this.ready(nodeId, now)) return st.connection!;
      if (now >= deadline) {
        const broker = `node ${nodeId} (${formatHostPort(st.host, st.port)})`;
        const why = st.lastError !== undefined ? `: ${st.lastError.message}` : '';
        throw new KafkaWireError('TIMEOUT', `${broker} was not ready within ${timeoutMs} ms${why}`, {
          retriable: true,
          cause: st.lastError,
        });
      }
      await this.#waitForChange(st, Math.min(this.connectionDelay(nodeId, now), deadline - now));
    }
  }

  #waitForChange(st: NodeState, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const wake = (): void => {
        if (timer !== undefined) {
          timer.cancel();
          this.#waitTimers.delete(timer);
          timer = undefined;
        }
        const index = st.waiters.indexOf(wake);
        if (index >= 0) st.waiters.splice(index, 1);
        resolve();
      };
      st.waiters.push(wake);
      timer = this.#clock.setTimer(wake, ms); // the Clock clamps (and chains) the delay
      this.#waitTimers.add(timer);
    });
  }

  #wake(st: NodeState): void {
    if (st.waiters.length === 0) return;
    const waiters = st.waiters;
    st.waiters = [];
    for (const wake of waiters) wake();
  }

  // ---- closing ---------------------------------------------------------------------------------

  /** Closes the node's connection (in-flight requests fail retriably); reconnect backoff applies. */
  disconnect(nodeId: number): void {
    const st = this.#nodes.get(nodeId);
    if (st === undefined) return;
    if (st.connection !== undefined) st.connection.close();
    else if (st.state === 'connecting') {
      st.abort?.abort();
      st.abort = undefined;
      st.attempt++;
      this.#disconnected(st, this.#clock.now(), undefined);
    }
  }

  /**
   * Closes every connection and aborts connection attempts (in-flight requests fail with a
   * retriable NetworkError), rejects awaitReady waiters and clears the pool's timers, so nothing
   * keeps the process alive. The pool can't be used afterwards. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const st of this.#nodes.values()) this.#reset(st);
    for (const timer of this.#waitTimers) timer.cancel();
    this.#waitTimers.clear();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  // ---- connecting ------------------------------------------------------------------------------

  #state(nodeId: number): NodeState {
    const st = this.#nodes.get(nodeId);
    if (st === undefined) throw new KafkaWireError('ILLEGAL_ARGUMENT', `Unknown broker node id ${nodeId}`);
    return st;
  }

  #newState(nodeId: number, host: string, port: number): NodeState {
    return {
      nodeId,
      host,
      port,
      state: 'disconnected',
      connection: undefined,
      abort: undefined,
      attempt: 0,
      lastConnectAttemptMs: -Infinity,
      failedAttempts: 0,
      reconnectBackoffMs: this.#reconnectBackoff.backoff(0),
      failedConnectAttempts: 0,
      connectionSetupTimeoutMs: this.#setupTimeout.backoff(0),
      addresses: [],
      addressIndex: 0,
      address: undefined,
      lastError: undefined,
      waiters: [],
    };
  }

  /** Drops a node's state (its address changed): closes its connection without backoff bookkeeping. */
  #reset(st: NodeState): void {
    st.attempt++;
    st.abort?.abort();
    st.abort = undefined;
    const connection = st.connection;
    st.connection = undefined;
    st.state = 'disconnected';
    connection?.close();
    this.#wake(st);
  }

  #canConnect(st: NodeState, now: number): boolean {
    return now - st.lastConnectAttemptMs >= st.reconnectBackoffMs;
  }

  #connect(st: NodeState, now: number): void {
    const attempt = ++st.attempt;
    const abort = new AbortController();
    st.state = 'connecting';
    st.lastConnectAttemptMs = now;
    st.abort = abort;
    // Java's ClusterConnectionStates.connecting(): every attempt after the first moves to the
    // next resolved address; past the last one the list is dropped and resolved again.
    if (st.addresses.length > 0) {
      st.addressIndex = (st.addressIndex + 1) % st.addresses.length;
      if (st.addressIndex === 0) st.addresses = [];
    }
    const current = (): boolean => !this.#closed && st.attempt === attempt && this.#nodes.get(st.nodeId) === st;
    const fail = (error: unknown): void => {
      if (!current()) return;
      st.abort = undefined;
      const broker = `node ${st.nodeId} (${formatEndpoint(st.host, st.port, st.address)})`;
      const reason =
        error instanceof KafkaWireError
          ? error
          : new NetworkError(`Connection to ${broker} failed: ${describeError(error)}`, { broker, cause: error });
      this.#disconnected(st, this.#clock.now(), reason);
    };
    const open = (host: string, timeoutMs: number): void => {
      let connecting: Promise<Socketish>;
      try {
        connecting = this.#transport.connect(host, st.port, {
          timeoutMs,
          signal: abort.signal,
          ...(host !== st.host ? { hostname: st.host } : {}),
          ...(this.#tls !== undefined ? { tls: this.#tls } : {}),
        });
      } catch (error) {
        connecting = Promise.reject(error);
      }
      connecting.then((socket) => {
        if (!current()) {
          socket.destroy();
          return;
        }
        st.abort = undefined;
        this.#connected(st, socket);
      }, fail);
    };
    const resolve = this.#transport.resolve;
    if (resolve === undefined || isIpLiteral(st.host)) {
      st.address = undefined;
      open(st.host, st.connectionSetupTimeoutMs);
      return;
    }
    if (st.addresses.length > 0) {
      st.address = st.addresses[st.addressIndex]!.address;
      open(st.address, st.connectionSetupTimeoutMs);
      return;
    }
    // Resolve once for this attempt; the lookup counts against the setup timeout.
    st.address = undefined;
    const setupTimeoutMs = st.connectionSetupTimeoutMs;
    const started = this.#clock.now();
    let timer: TimerHandle | undefined;
    let expired = false;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimer(() => {
        expired = true;
        const broker = `node ${st.nodeId} (${formatHostPort(st.host, st.port)})`;
        reject(new NetworkError(`Connection setup to ${broker} timed out after ${setupTimeoutMs} ms while resolving ${st.host}`, { broker }));
      }, setupTimeoutMs);
    });
    abort.signal.addEventListener('abort', () => timer?.cancel(), { once: true }); // reset/close: no timer left
    const lookup = (async () => resolve.call(this.#transport, st.host, abort.signal))();
    Promise.race([lookup, timedOut]).then(
      (addresses) => {
        timer?.cancel();
        if (!current()) return;
        if (addresses.length === 0) {
          fail(new NetworkError(`Couldn't resolve ${st.host} (node ${st.nodeId}): no addresses`, { broker: `node ${st.nodeId} (${formatHostPort(st.host, st.port)})` }));
          return;
        }
        st.addresses = addresses;
        st.addressIndex = 0;
        st.address = addresses[0]!.address;
        open(st.address, Math.max(1, setupTimeoutMs - (this.#clock.now() - started)));
      },
      (error: unknown) => {
        timer?.cancel();
        if (expired) {
          abort.abort(); // no longer interested: a lookup still queued behind others never starts
          fail(error);
          return;
        }
        const broker = `node ${st.nodeId} (${formatHostPort(st.host, st.port)})`;
        fail(new NetworkError(`Couldn't resolve ${st.host} for ${broker}: ${describeError(error)}`, { broker, cause: error }));
      },
    );
    lookup.catch(() => {}); // lost the race: its rejection is nobody's business
  }

  #connected(st: NodeState, socket: Socketish): void {
    const connection: BrokerConnection = new BrokerConnection(socket, {
      nodeId: st.nodeId,
      host: st.host,
      port: st.port,
      ...(st.address !== undefined ? { address: st.address } : {}),
      clock: this.#clock,
      ...this.#connectionOptions,
      onClose: (reason) => {
        if (st.connection !== connection) return; // replaced or pool closed
        st.connection = undefined;
        this.#disconnected(st, this.#clock.now(), reason);
      },
      onWritable: () => {
        if (st.connection !== connection || st.state !== 'ready') return;
        this.#wake(st);
        this.#onWritable?.(st.nodeId);
      },
    });
    st.connection = connection;
    st.state = 'handshaking';
    // The connect phase is over: its timeout starts afresh (Java: checkingApiVersions()).
    st.failedConnectAttempts = 0;
    st.connectionSetupTimeoutMs = this.#setupTimeout.backoff(0);
    const hook = this.#onConnected;
    if (hook === undefined) {
      this.#markReady(st, connection);
      return;
    }
    const node: BrokerNode = { nodeId: st.nodeId, host: st.host, port: st.port };
    let handshake: Promise<void>;
    try {
      handshake = hook(connection, node);
    } catch (error) {
      handshake = Promise.reject(error);
    }
    handshake.then(
      () => {
        if (st.connection === connection && !connection.isClosed) this.#markReady(st, connection);
      },
      (error: unknown) => {
        if (st.connection !== connection) return;
        const reason =
          error instanceof KafkaWireError
            ? error
            : new NetworkError(`Connection handshake with ${connection.broker} failed`, { broker: connection.broker, cause: error });
        connection.destroy(reason); // -> onClose -> #disconnected with this reason
      },
    );
  }

  #markReady(st: NodeState, connection: BrokerConnection): void {
    st.state = 'ready';
    st.failedAttempts = 0;
    st.reconnectBackoffMs = this.#reconnectBackoff.backoff(0);
    st.lastError = undefined;
    this.#wake(st);
    this.#onReady?.(st.nodeId, connection);
  }

  /** Java's ClusterConnectionStates.disconnected(): start the backoff, grow it, grow the setup timeout if connecting failed. */
  #disconnected(st: NodeState, now: number, reason: KafkaWireError | undefined): void {
    const wasConnecting = st.state === 'connecting';
    st.state = 'disconnected';
    st.lastConnectAttemptMs = now;
    st.reconnectBackoffMs = this.#reconnectBackoff.backoff(st.failedAttempts);
    st.failedAttempts++;
    if (wasConnecting) {
      st.failedConnectAttempts++;
      st.connectionSetupTimeoutMs = this.#setupTimeout.backoff(st.failedConnectAttempts);
    } else {
      st.failedConnectAttempts = 0;
      st.connectionSetupTimeoutMs = this.#setupTimeout.backoff(0);
    }
    if (reason !== undefined) st.lastError = reason;
    this.#wake(st);
    if (!this.#closed) this.#onDisconnect?.(st.nodeId, reason);
  }
}
