/**
 * SASL/OAUTHBEARER (RFC 7628), client side, as Kafka's OAuthBearerSaslClient runs it: one
 * initial response carrying the token and the SASL extensions,
 *
 *   n,,%x01auth=Bearer <token>%x01<key>=<value>%x01 ... %x01%x01
 *
 * (GS2 header without an authorization id, then key=value pairs each ended by %x01, then a
 * final %x01). An empty answer means the broker accepted the token. A non-empty answer is the
 * broker's JSON error status (RFC 7628 §3.2.2); the client then sends the single byte %x01
 * (§3.2.3) and the broker ends the exchange with an error code. The JSON is kept, with the
 * token cut out if it appears, for the error message (failureDetail()).
 *
 * Extensions: names are letters only and `auth` is reserved, values printable ASCII plus space,
 * tab, CR and LF (Java's OAuthBearerClientInitialResponse rules). They are written sorted by
 * name. Java writes them in its HashMap's iteration order, which no specification fixes and
 * which differs between JVM versions; the broker reads them into a map, so order carries no
 * meaning, and sorting makes the bytes the same on every run.
 *
 * The token comes from the producer's one TokenLogin (token-login.ts), shared by every
 * connection; a session only asks it for the current token.
 */
import { AuthenticationError, ConfigError, KafkaWireError } from '../../errors.js';
import type { Password } from '../security/password.js';
import { fromUtf8, redact, utf8 } from './bytes.js';
import type { SaslSession } from './session.js';

/** A token as the login holds it. The value is a Password, so the credential never prints it. */
export interface OAuthBearerCredential {
  readonly token: Password;
  /** When the token expires: wall-clock milliseconds since the epoch (Java's OAuthBearerToken.lifetimeMs). */
  readonly lifetimeMs: number;
  /** Who the token says we are (the JWT's sub claim, or what a provider said); for logs. */
  readonly principal: string;
  /** When the token became valid (the JWT's iat), if known: the refresh schedule starts from it. */
  readonly startTimeMs?: number;
  readonly extensions: Readonly<Record<string, string>>;
}

/** What an OAUTHBEARER session needs from the login: a valid token now. */
export interface TokenSource {
  current(): Promise<OAuthBearerCredential>;
  /** Where tokens come from, for messages (`client id X at https://idp/token`); never a secret. */
  describe(): string;
}

const SEP = '\u0001';
const EXTENSION_NAME = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/;
/** The token syntax Kafka's broker accepts (OAuthBearerClientInitialResponse's AUTH_PATTERN): RFC 6750's b64token. */
const BEARER_TOKEN = /^[-_~+/.a-zA-Z0-9]+=*$/;
/** The longest broker error text kept for a message. */
const MAX_DETAIL_CHARS = 1000;

/**
 * Why `extensions` are not valid SASL extensions, or null. Names the extension, never its value.
 */
export function extensionsProblem(extensions: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(extensions)) {
    if (name === 'auth') return 'the extension name auth is reserved';
    if (!EXTENSION_NAME.test(name)) return `the extension name ${JSON.stringify(name)} is invalid: letters only`;
    if (typeof value !== 'string' || !EXTENSION_VALUE.test(value)) return `the value of extension ${name} is invalid: printable ASCII, space, tab, CR or LF, not empty`;
  }
  return null;
}

/** Throws ConfigError (naming `property`) when the extensions are not valid. */
export function checkExtensions(property: string, extensions: Readonly<Record<string, string>>): void {
  const problem = extensionsProblem(extensions);
  if (problem !== null) throw new ConfigError(property, problem);
}

/** Whether `token` has the syntax a Kafka broker accepts in `auth=Bearer <token>`. */
export function isBearerToken(token: string): boolean {
  return BEARER_TOKEN.test(token);
}

/** RFC 7628's initial client response for `token` and `extensions`. */
export function oauthBearerInitialResponse(token: string, extensions: Readonly<Record<string, string>>): Uint8Array {
  let kv = `auth=Bearer ${token}${SEP}`;
  for (const name of Object.keys(extensions).sort()) kv += `${name}=${extensions[name]}${SEP}`;
  return utf8(`n,,${SEP}${kv}${SEP}`);
}

type State = 'new' | 'starting' | 'sent' | 'sent-error-ack' | 'done' | 'failed';

export class OAuthBearerSession implements SaslSession {
  readonly mechanism = 'OAUTHBEARER';
  readonly #source: TokenSource;
  readonly #broker: string | undefined;
  #state: State = 'new';
  #credential: OAuthBearerCredential | undefined;
  #detail: string | undefined;

  constructor(source: TokenSource, broker?: string) {
    this.#source = source;
    this.#broker = broker;
  }

  async start(): Promise<Uint8Array> {
    if (this.#state !== 'new') throw this.#fail('ILLEGAL_SASL_STATE', 'start() called twice');
    this.#state = 'starting';
    let credential: OAuthBearerCredential;
    try {
      credential = await this.#source.current();
    } catch (error) {
      this.#state = 'failed';
      // The login's own errors (AuthenticationError, or PRODUCER_CLOSED once it is closed) pass
      // through, given this session's broker.
      if (error instanceof KafkaWireError && !(error instanceof AuthenticationError)) throw error;
      if (error instanceof AuthenticationError && error.broker === this.#broker) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AuthenticationError(error instanceof AuthenticationError ? error.code : 'SASL_AUTHENTICATION_FAILED', message, { broker: this.#broker, cause: error });
    }
    this.#credential = credential;
    this.#state = 'sent';
    return oauthBearerInitialResponse(credential.token.value(), credential.extensions);
  }

  async next(server: Uint8Array): Promise<Uint8Array | null> {
    if (this.#state === 'sent') {
      if (server.length === 0) {
        this.#state = 'done';
        return null;
      }
      // The broker's error status (RFC 7628 §3.2.2): acknowledge it with %x01 so it fails the exchange.
      const token = this.#credential?.token.value() ?? '';
      const json = redact(fromUtf8(server), [token]);
      this.#detail = json.length > MAX_DETAIL_CHARS ? `${json.slice(0, MAX_DETAIL_CHARS)}...` : json;
      this.#state = 'sent-error-ack';
      return Uint8Array.of(0x01);
    }
    if (this.#state === 'sent-error-ack') {
      throw this.#fail('SASL_AUTHENTICATION_FAILED', `the broker rejected the token${this.#detail ? ` (${this.#detail})` : ''} but went on with the exchange`);
    }
    throw this.#fail('ILLEGAL_SASL_STATE', `an answer from the broker in state ${this.#state}`);
  }

  describe(): string {
    const who = this.#credential ? `principal ${this.#credential.principal}` : this.#source.describe();
    return `SASL/OAUTHBEARER ${who}`;
  }

  failureDetail(): string | undefined {
    return this.#detail === undefined ? undefined : `the broker's error status: ${this.#detail}`;
  }

  #fail(code: string, what: string): AuthenticationError {
    this.#state = 'failed';
    return new AuthenticationError(code, `${this.describe()}: ${what}`, { broker: this.#broker });
  }
}
