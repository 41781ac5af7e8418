/**
 * SASL/PLAIN (RFC 4616), as the JDK's PlainClient sends it for Kafka: one message,
 * `[authzid] NUL authcid NUL passwd` in UTF-8 with the authorization id left empty (the broker
 * then authorizes as the user). The broker answers empty bytes or an error code; there is
 * nothing for the client to verify, so next() completes the exchange.
 *
 * PLAIN sends the password as it is: use it over SASL_SSL, as Kafka's documentation says.
 */
import { AuthenticationError } from '../../errors.js';
import type { Password } from '../security/password.js';
import { utf8 } from './bytes.js';
import type { SaslAuthenticator, SaslSession } from './session.js';

export interface PlainCredentials {
  readonly username: string;
  readonly password: Password;
}

/** The PLAIN message: NUL user NUL password. */
export function plainMessage(credentials: PlainCredentials): Uint8Array {
  return utf8(`\u0000${credentials.username}\u0000${credentials.password.value()}`);
}

class PlainSession implements SaslSession {
  readonly mechanism = 'PLAIN';
  readonly #credentials: PlainCredentials;
  readonly #broker: string | undefined;
  #state: 'new' | 'sent' | 'done' = 'new';

  constructor(credentials: PlainCredentials, broker: string | undefined) {
    this.#credentials = credentials;
    this.#broker = broker;
  }

  async start(): Promise<Uint8Array> {
    if (this.#state !== 'new') throw this.#outOfTurn('start() called twice');
    this.#state = 'sent';
    return plainMessage(this.#credentials);
  }

  async next(_server: Uint8Array): Promise<Uint8Array | null> {
    // The broker's verdict is its error code; the bytes (empty) carry nothing to check.
    if (this.#state !== 'sent') throw this.#outOfTurn(this.#state === 'new' ? 'an answer before the first message' : 'an answer after the exchange completed');
    this.#state = 'done';
    return null;
  }

  describe(): string {
    return `SASL/PLAIN user ${this.#credentials.username}`;
  }

  failureDetail(): string | undefined {
    return undefined;
  }

  #outOfTurn(what: string): AuthenticationError {
    return new AuthenticationError('ILLEGAL_SASL_STATE', `${this.describe()}: ${what}`, { broker: this.#broker });
  }
}

export function plainAuthenticator(credentials: PlainCredentials): SaslAuthenticator {
  return {
    mechanism: 'PLAIN',
    session: (broker) => new PlainSession(credentials, broker),
    close() {},
  };
}
