/**
 * SASL on one connection, client side (Java's SaslClientAuthenticator): after ApiVersions,
 * SaslHandshake v1 names the mechanism, then SaslAuthenticate requests carry the mechanism's
 * messages (src/network/sasl/: PLAIN, SCRAM, OAUTHBEARER) until its session says the exchange is
 * complete and verified. Then, if the broker granted a session lifetime (KIP-368,
 * connections.max.reauth.ms or a token's expiry), re-authenticates on the same connection before
 * it ends, at a random point between 85 % and 95 % of it, as Java does.
 *
 * Owns: the exchange and the re-authentication timer of each connection it authenticated (the
 * timer dies with the connection). Does not own: the mechanisms and their credentials or tokens
 * (SaslAuthenticator), how a request is sent and counted (the `request` function, the Sender's
 * control-request path), versions (negotiated by ApiVersions before it runs).
 *
 * Re-authentication holds new requests on the connection (BrokerConnection.pauseSends) — the
 * broker accepts nothing but SASL requests until it is done — while requests already in flight
 * complete normally: their answers arrive, in order, before the handshake's. SASL requests are
 * exempt from max.in.flight.requests.per.connection, so the pause never waits for a free slot.
 *
 * Failures are AuthenticationErrors (not retriable): the broker's error message is kept (it
 * names the mechanism, never the secret); our own text names the broker, mechanism and user
 * (SaslSession.describe()). A re-authentication that fails closes the connection with it.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import { AuthenticationError, KafkaWireError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode, errorForCode } from '../protocol/error-codes.js';
import type { ResponseBodies, RequestBodies } from '../protocol/messages/index.js';
import type { BrokerConnection } from './connection.js';
import type { SaslAuthenticator } from './sasl/session.js';

/** Sends one SASL request on `conn` (exempt from the pause and the in-flight limit) and decodes its answer. */
export type SaslRequest = <K extends typeof ApiKey.SaslHandshake | typeof ApiKey.SaslAuthenticate>(
  conn: BrokerConnection,
  apiKey: K,
  version: number,
  body: RequestBodies[K],
) => Promise<ResponseBodies[K]>;

/** The SaslHandshake and SaslAuthenticate versions a broker and we share (from ApiVersions). */
export interface SaslVersions {
  readonly handshake: number;
  readonly authenticate: number;
}

export interface ConnectionAuthenticatorDeps {
  readonly authenticator: SaslAuthenticator;
  readonly request: SaslRequest;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Uniform [0, 1): where in the 85-95 % window the re-authentication starts. */
  readonly random?: () => number;
}

/** Java's KafkaChannel: re-authenticate between 85 % and 95 % of the session lifetime. */
const REAUTH_START = 0.85;
const REAUTH_SPREAD = 0.1;

export class ConnectionAuthenticator {
  readonly #d: ConnectionAuthenticatorDeps;
  readonly #random: () => number;

  constructor(deps: ConnectionAuthenticatorDeps) {
    this.#d = deps;
    this.#random = deps.random ?? Math.random;
  }

  get mechanism(): string {
    return this.#d.authenticator.mechanism;
  }

  /**
   * Authenticates a new connection (before it counts as ready) and arms its re-authentication.
   * Rejects with AuthenticationError, or with the network error that ended the exchange.
   */
  async authenticate(conn: BrokerConnection, versions: SaslVersions): Promise<void> {
    const lifetimeMs = await this.#exchange(conn, versions);
    this.#scheduleReauthentication(conn, versions, lifetimeMs);
  }

  /** One SaslHandshake + SaslAuthenticate exchange; resolves with the session lifetime (0: none). */
  async #exchange(conn: BrokerConnection, versions: SaslVersions): Promise<number> {
    const { request } = this.#d;
    const mechanism = this.mechanism;
    const handshake = await request(conn, ApiKey.SaslHandshake, versions.handshake, { mechanism });
    if (handshake.errorCode !== 0) throw handshakeError(conn, mechanism, handshake.errorCode, handshake.mechanisms);

    const session = this.#d.authenticator.session(conn.broker);
    let message: Uint8Array | null = await session.start();
    let lifetimeMs = 0;
    while (message !== null) {
      const answer = await request(conn, ApiKey.SaslAuthenticate, versions.authenticate, { authBytes: message });
      if (answer.errorCode !== 0) {
        const name = errorForCode(answer.errorCode).name;
        const extra = session.failureDetail();
        const detail = `${answer.errorMessage ? `: ${answer.errorMessage}` : ''}${extra ? ` (${extra})` : ''}`;
        throw new AuthenticationError(name, `Authentication with ${conn.broker} failed (${session.describe()})${detail}`, { broker: conn.broker });
      }
      // The broker sends its lifetime with the final answer; the last non-zero one counts.
      if (answer.sessionLifetimeMs > 0n) lifetimeMs = Number(answer.sessionLifetimeMs);
      message = await session.next(answer.authBytes);
    }
    this.#d.logger.debug(`authenticated with ${conn.broker} (${session.describe()})${lifetimeMs > 0 ? `; session lifetime ${lifetimeMs} ms` : ''}`);
    return lifetimeMs;
  }

  #scheduleReauthentication(conn: BrokerConnection, versions: SaslVersions, lifetimeMs: number): void {
    if (lifetimeMs <= 0 || conn.isClosed) return;
    const delay = Math.max(1, Math.floor(lifetimeMs * (REAUTH_START + REAUTH_SPREAD * this.#random())));
    let timer: TimerHandle | undefined = this.#d.clock.setTimer(() => {
      timer = undefined;
      void this.#reauthenticate(conn, versions);
    }, delay);
    conn.onClosed(() => {
      timer?.cancel();
      timer = undefined;
    });
  }

  async #reauthenticate(conn: BrokerConnection, versions: SaslVersions): Promise<void> {
    if (conn.isClosed) return;
    const started = this.#d.clock.now();
    conn.pauseSends();
    let lifetimeMs: number;
    try {
      lifetimeMs = await this.#exchange(conn, versions);
    } catch (error) {
      if (conn.isClosed) return; // the connection failed under it: its owner already knows
      const reason =
        error instanceof AuthenticationError
          ? error
          : new AuthenticationError('SASL_AUTHENTICATION_FAILED', `Re-authentication with ${conn.broker} failed: ${(error as Error).message}`, {
              broker: conn.broker,
              cause: error,
            });
      this.#d.logger.warn(reason.message);
      conn.destroy(reason);
      return;
    }
    this.#d.logger.debug(`re-authenticated with ${conn.broker} in ${Math.round(this.#d.clock.now() - started)} ms`);
    conn.resumeSends();
    this.#scheduleReauthentication(conn, versions, lifetimeMs);
  }
}

/** SaslHandshake's errors in words a user acts on. */
function handshakeError(conn: BrokerConnection, mechanism: string, code: number, offered: readonly string[]): KafkaWireError {
  const broker = conn.broker;
  if (code === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    const list = offered.length > 0 ? offered.join(', ') : 'none';
    return new AuthenticationError('UNSUPPORTED_SASL_MECHANISM', `${broker} does not enable sasl.mechanism=${mechanism}; it offers: ${list}`, { broker });
  }
  if (code === ErrorCode.ILLEGAL_SASL_STATE) {
    return new AuthenticationError(
      'ILLEGAL_SASL_STATE',
      `${broker} refused SaslHandshake (ILLEGAL_SASL_STATE): the listener is probably not a SASL listener; security.protocol=SASL_PLAINTEXT / SASL_SSL needs one`,
      { broker },
    );
  }
  const name = errorForCode(code).name;
  return new AuthenticationError(name, `SaslHandshake with ${broker} for sasl.mechanism=${mechanism} failed: ${name}`, { broker });
}
