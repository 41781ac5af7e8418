/**
 * SASL for the fake cluster (test/helpers/fake-broker.ts), with the broker-side rules that the
 * client's authentication and KIP-368 re-authentication must respect, as Kafka's
 * SaslServerAuthenticator and KafkaChannel apply them:
 * - before a connection has authenticated, only ApiVersions, SaslHandshake and SaslAuthenticate
 *   are accepted; anything else closes the connection;
 * - SaslHandshake names a mechanism: an unknown one is UNSUPPORTED_SASL_MECHANISM with the list
 *   of enabled ones; then SaslAuthenticate carries the mechanism's bytes (PLAIN here:
 *   authzid NUL user NUL password); wrong credentials are SASL_AUTHENTICATION_FAILED (Kafka
 *   then closes the connection; the fake leaves that to the client, which must close it itself);
 * - with `sessionLifetimeMs`, the final SaslAuthenticate answer (v1+) carries the lifetime; a
 *   request other than SaslHandshake after the session expired closes the connection (Kafka:
 *   "expired session"); a re-authentication starts with SaslHandshake and, until it completes,
 *   any other request closes the connection too.
 */
import type { Clock } from '../../src/common/clock.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse } from '../../src/protocol/messages/index.js';

export interface FakeSaslOptions {
  /** Enabled mechanisms (only PLAIN is implemented). Default ['PLAIN']. */
  readonly mechanisms?: readonly string[];
  /** PLAIN users: name -> password. */
  readonly users: Readonly<Record<string, string>>;
  /** Session lifetime granted on each authentication (KIP-368); 0 / absent: none. */
  readonly sessionLifetimeMs?: number;
}

interface ConnectionSasl {
  phase: 'new' | 'handshaken' | 'authenticated' | 'reauthenticating';
  mechanism: string | null;
  expiresAt: number;
}

export interface SaslEvent {
  readonly connection: number;
  readonly at: number;
  readonly user: string;
  readonly ok: boolean;
  readonly reauthentication: boolean;
}

const SASL_APIS: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

export class FakeSasl {
  readonly mechanisms: readonly string[];
  /** Every SaslAuthenticate outcome, in order. */
  readonly events: SaslEvent[] = [];
  /** Requests that arrived when the broker would not take them (each closed its connection). */
  readonly rejected: { connection: number; apiKey: number; reason: string }[] = [];
  private readonly states = new Map<number, ConnectionSasl>();
  private readonly users: Map<string, string>;

  constructor(
    readonly options: FakeSaslOptions,
    private readonly clock: Clock,
  ) {
    this.mechanisms = options.mechanisms ?? ['PLAIN'];
    this.users = new Map(Object.entries(options.users));
  }

  /** Changes (or, with null, removes) a user's password: later authentications see it. */
  setPassword(user: string, password: string | null): void {
    if (password === null) this.users.delete(user);
    else this.users.set(user, password);
  }

  private state(connection: number): ConnectionSasl {
    let st = this.states.get(connection);
    if (st === undefined) this.states.set(connection, (st = { phase: 'new', mechanism: null, expiresAt: Infinity }));
    return st;
  }

  /** Whether `apiKey` may be processed on `connection` now; false means: close the connection. */
  admits(connection: number, apiKey: number): boolean {
    const st = this.state(connection);
    if (apiKey === ApiKey.SaslHandshake || apiKey === ApiKey.SaslAuthenticate) return true;
    let reason: string | null = null;
    if (st.phase === 'new' || st.phase === 'handshaken') reason = apiKey === ApiKey.ApiVersions && st.phase === 'new' ? null : 'not authenticated';
    else if (st.phase === 'reauthenticating') reason = 'during re-authentication';
    else if (this.clock.now() >= st.expiresAt && !SASL_APIS.has(apiKey)) reason = 'session expired';
    if (reason === null) return true;
    this.rejected.push({ connection, apiKey, reason });
    return false;
  }

  handshake(connection: number, body: SaslHandshakeRequest): SaslHandshakeResponse {
    const st = this.state(connection);
    if (!this.mechanisms.includes(body.mechanism)) return { errorCode: 33, mechanisms: [...this.mechanisms] };
    if (st.phase === 'authenticated') st.phase = 'reauthenticating';
    else if (st.phase === 'new') st.phase = 'handshaken';
    else return { errorCode: 34, mechanisms: [...this.mechanisms] };
    st.mechanism = body.mechanism;
    return { errorCode: 0, mechanisms: [...this.mechanisms] };
  }

  authenticate(connection: number, version: number, body: SaslAuthenticateRequest): SaslAuthenticateResponse {
    const st = this.state(connection);
    const none = new Uint8Array(0);
    if (st.phase !== 'handshaken' && st.phase !== 'reauthenticating') {
      return { errorCode: 34, errorMessage: 'Unexpected SaslAuthenticate', authBytes: none, sessionLifetimeMs: 0n };
    }
    const reauthentication = st.phase === 'reauthenticating';
    const parts = new TextDecoder().decode(body.authBytes).split('\u0000');
    const [, user = '', password = ''] = parts;
    const ok = parts.length === 3 && this.users.get(user) === password;
    this.events.push({ connection, at: this.clock.now(), user, ok, reauthentication });
    if (!ok) {
      return { errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password', authBytes: none, sessionLifetimeMs: 0n };
    }
    const lifetime = this.options.sessionLifetimeMs ?? 0;
    st.phase = 'authenticated';
    st.expiresAt = lifetime > 0 ? this.clock.now() + lifetime : Infinity;
    return { errorCode: 0, errorMessage: null, authBytes: none, sessionLifetimeMs: version >= 1 ? BigInt(lifetime) : 0n };
  }
}
