/**
 * The contract between a SASL mechanism and the Kafka exchange that carries it
 * (src/network/sasl-authentication.ts: SaslHandshake v1, then SaslAuthenticate requests).
 *
 * A SaslAuthenticator lives as long as its producer and owns what all of its connections share:
 * the credentials, and for OAUTHBEARER the one token and its refresh timer. Each authentication
 * (a new connection, or a KIP-368 re-authentication of an old one) gets a fresh SaslSession,
 * which holds that exchange's state (SCRAM's nonces and salted password) and nothing else.
 *
 * How the exchange runs, for every mechanism:
 *
 *   message = await session.start()              // sent as the first SaslAuthenticate authBytes
 *   while (message !== null) {
 *     answer = SaslAuthenticate(message)          // a non-zero error code fails the exchange
 *     message = await session.next(answer.authBytes)   // here, not in the session
 *   }
 *
 * How each one ends:
 * - PLAIN (RFC 4616): one message, `\0user\0password`; the broker answers empty bytes (or an
 *   error code), and next() returns null: there is nothing for the client to verify.
 * - SCRAM-SHA-256/512 (RFC 5802, 7677): client-first, the broker's server-first (next() checks
 *   that its nonce extends ours and the iteration count is at least 4096, then answers with
 *   client-final and its proof), the broker's server-final: next() verifies the server
 *   signature and returns null. A wrong signature, a server error (`e=`) or a malformed message
 *   throws AuthenticationError: a broker that cannot prove it knows the password is not trusted.
 * - OAUTHBEARER (RFC 7628): the initial response carries the token; an empty answer means the
 *   token was accepted (next() returns null). A non-empty answer is the broker's JSON error
 *   status: next() answers the single byte %x01, as RFC 7628 §3.2.3 requires, so the broker
 *   ends the exchange with an error code; failureDetail() then gives the JSON (without the
 *   token) for the error message.
 *
 * Errors thrown by a session are AuthenticationError (src/errors.ts, not retriable); their
 * messages name the mechanism and the user or principal, never a password, secret or token.
 */

export interface SaslSession {
  /** The mechanism's SASL name, as sent in SaslHandshake: 'PLAIN', 'SCRAM-SHA-512', 'OAUTHBEARER'. */
  readonly mechanism: string;
  /** The first client message. May wait for a token (OAUTHBEARER); rejects with AuthenticationError when none can be had. */
  start(): Promise<Uint8Array>;
  /**
   * The broker's bytes (SaslAuthenticate authBytes) -> the next client message, or null when
   * the exchange is complete and verified. Throws AuthenticationError when the broker's answer
   * is wrong (SCRAM: a server signature that does not match, a nonce that does not extend ours)
   * or comes out of turn (code ILLEGAL_SASL_STATE).
   */
  next(server: Uint8Array): Promise<Uint8Array | null>;
  /** Safe to log: the mechanism and the user or principal, never a secret. */
  describe(): string;
  /**
   * After the broker failed the exchange: what the mechanism learnt about why, to add to the
   * error message (OAUTHBEARER: the broker's JSON error status, token removed). Undefined when
   * there is nothing to add.
   */
  failureDetail(): string | undefined;
}

/** One per producer: the mechanism's shared state; a session per authentication. */
export interface SaslAuthenticator {
  readonly mechanism: string;
  /** A new exchange. `broker` (e.g. `1 (10.0.0.5:9092)`) is put into the errors it throws. */
  session(broker?: string): SaslSession;
  /**
   * Stops the token refresh timer and any token request in flight. A start() still waiting for
   * a token rejects; sessions created afterwards reject in start(). Calling it twice is harmless.
   */
  close(): void;
}
