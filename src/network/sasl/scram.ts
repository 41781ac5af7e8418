/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), client side, as Kafka's
 * ScramSaslClient runs it:
 *
 *   client-first  n,,n=<saslname>,r=<client nonce>[,tokenauth=true]
 *   server-first  r=<client nonce + server nonce>,s=<salt>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<ClientProof>
 *   server-final  v=<ServerSignature>   (or e=<error>)
 *
 * SaltedPassword = PBKDF2(HMAC-H, password, salt, i) (RFC 5802's Hi); ClientKey and ServerKey
 * are HMACs of it; the proof is ClientKey XOR HMAC(H(ClientKey), AuthMessage), and the server
 * proves it knows the password with HMAC(ServerKey, AuthMessage), which is checked here: a
 * server that cannot (a man in the middle, a server with other credentials) fails the
 * exchange with AuthenticationError.
 *
 * Checks on the server's messages, Java's and the RFC's: the nonce must start with ours and add
 * to it; at least 4096 iterations (ScramMechanism's minimum, for both hashes); the messages must
 * have RFC 5802's shape. Two places differ from Java, both per the RFC: a server-first with the
 * reserved mandatory-extension attribute `m=` is refused (RFC 5802 §5.1: the client MUST fail;
 * Java ignores it), and AuthMessage uses the server-first message as received (Java re-writes
 * it, which is the same bytes for any Kafka broker).
 *
 * Names are escaped as RFC 5802's saslname (`=` -> `=3D`, `,` -> `=2C`); neither name nor
 * password is SASLprep-normalized, as in Java (a Kafka broker stores the bytes as given).
 * The nonce is 32 characters from [A-Za-z0-9] drawn from crypto.getRandomValues (~190 bits;
 * Java draws 130 bits), never a comma. `tokenauth=true` (ScramLoginModule's tokenauth option)
 * asks the broker to read the user and password as a delegation token's id and HMAC.
 */
import { AuthenticationError } from '../../errors.js';
import type { Password } from '../security/password.js';
import { concat, constantTimeEqual, fromBase64, fromUtf8, toBase64, utf8, xor } from './bytes.js';
import type { SaslAuthenticator, SaslSession } from './session.js';

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

interface ScramHash {
  readonly webCrypto: 'SHA-256' | 'SHA-512';
  readonly bits: number;
}

const HASHES: Readonly<Record<ScramMechanismName, ScramHash>> = {
  'SCRAM-SHA-256': { webCrypto: 'SHA-256', bits: 256 },
  'SCRAM-SHA-512': { webCrypto: 'SHA-512', bits: 512 },
};

/** Java's ScramMechanism.minIterations(), the same for both hashes. */
export const SCRAM_MIN_ITERATIONS = 4096;

export interface ScramCredentials {
  readonly username: string;
  readonly password: Password;
  /** ScramLoginModule's tokenauth=true: authenticate with a delegation token. */
  readonly tokenAuth: boolean;
}

/** RFC 5802 saslname: `=` and `,` escaped (Java's ScramFormatter.saslName). */
export function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NONCE_LENGTH = 32;

/** A fresh client nonce: printable, no comma, from the platform's CSPRNG. */
export function scramNonce(): string {
  let nonce = '';
  const bytes = new Uint8Array(NONCE_LENGTH * 2);
  while (nonce.length < NONCE_LENGTH) {
    globalThis.crypto.getRandomValues(bytes);
    // 248 = 4 * 62: rejecting the top bytes keeps every character equally likely.
    for (const b of bytes) if (b < 248 && nonce.length < NONCE_LENGTH) nonce += NONCE_ALPHABET[b % 62];
  }
  return nonce;
}

// RFC 5802's grammar, as Java's ScramMessages writes it in regular expressions.
const PRINTABLE = '[\\x21-\\x2b\\x2d-\\x7e]+';
const VALUE = '[\\x01-\\x2b\\x2d-\\x7f]+';
const VALUE_SAFE = '[\\x01-\\x2b\\x2d-\\x3c\\x3e-\\x7f]+';
const BASE64 = '(?:[a-zA-Z0-9/+]{4})*(?:[a-zA-Z0-9/+]{3}=|[a-zA-Z0-9/+]{2}==)?';
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;
const SERVER_FIRST = new RegExp(`^(m=${VALUE},)?r=(${PRINTABLE}),s=(${BASE64}),i=([0-9]+)${EXTENSIONS}$`);
const SERVER_FINAL = new RegExp(`^(?:e=(${VALUE_SAFE})|v=(${BASE64}))${EXTENSIONS}$`);

async function hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: hash.webCrypto }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

async function digest(hash: ScramHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash.webCrypto, data));
}

/** RFC 5802's Hi(): PBKDF2 with HMAC-H and one block of the hash's length. */
async function saltedPassword(hash: ScramHash, password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: hash.webCrypto, salt, iterations }, key, hash.bits));
}

/** Test seam: a fixed client nonce (RFC 7677's test vector). Not reachable from configuration. */
export interface ScramSessionOptions {
  readonly clientNonce?: string;
  readonly broker?: string;
}

type State =
  | { readonly step: 'new' }
  | { readonly step: 'sent-client-first'; readonly nonce: string; readonly clientFirstBare: string }
  | { readonly step: 'sent-client-final'; readonly authMessage: Uint8Array; readonly saltedPassword: Uint8Array }
  | { readonly step: 'done' }
  | { readonly step: 'failed' };

export class ScramSession implements SaslSession {
  readonly mechanism: ScramMechanismName;
  readonly #hash: ScramHash;
  readonly #credentials: ScramCredentials;
  readonly #options: ScramSessionOptions;
  #state: State = { step: 'new' };

  constructor(mechanism: ScramMechanismName, credentials: ScramCredentials, options: ScramSessionOptions = {}) {
    this.mechanism = mechanism;
    this.#hash = HASHES[mechanism];
    this.#credentials = credentials;
    this.#options = options;
  }

  async start(): Promise<Uint8Array> {
    if (this.#state.step !== 'new') throw this.#fail('ILLEGAL_SASL_STATE', 'start() called twice');
    const nonce = this.#options.clientNonce ?? scramNonce();
    const extensions = this.#credentials.tokenAuth ? ',tokenauth=true' : '';
    const clientFirstBare = `n=${saslName(this.#credentials.username)},r=${nonce}${extensions}`;
    this.#state = { step: 'sent-client-first', nonce, clientFirstBare };
    return utf8(`n,,${clientFirstBare}`);
  }

  async next(server: Uint8Array): Promise<Uint8Array | null> {
    const state = this.#state;
    switch (state.step) {
      case 'sent-client-first':
        return this.#clientFinal(state.nonce, state.clientFirstBare, fromUtf8(server));
      case 'sent-client-final':
        await this.#verifyServerFinal(state.authMessage, state.saltedPassword, fromUtf8(server));
        return null;
      default:
        throw this.#fail('ILLEGAL_SASL_STATE', `an answer from the broker in state ${state.step}`);
    }
  }

  async #clientFinal(clientNonce: string, clientFirstBare: string, serverFirst: string): Promise<Uint8Array> {
    const m = SERVER_FIRST.exec(serverFirst);
    if (m === null) throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker\'s server-first message is malformed');
    if (m[1] !== undefined) throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker requires a SCRAM extension (m=) that this client does not know (RFC 5802 §5.1)');
    const nonce = m[2]!;
    if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) {
      throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker\'s nonce does not extend the client nonce');
    }
    const iterations = Number(m[4]);
    if (!Number.isSafeInteger(iterations) || iterations > 0x7fffffff || iterations <= 0) {
      throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker\'s iteration count is invalid');
    }
    if (iterations < SCRAM_MIN_ITERATIONS) {
      throw this.#fail('SASL_AUTHENTICATION_FAILED', `the broker asks for ${iterations} iterations, less than the minimum ${SCRAM_MIN_ITERATIONS} for ${this.mechanism}`);
    }
    const hash = this.#hash;
    const salted = await saltedPassword(hash, utf8(this.#credentials.password.value()), fromBase64(m[3]!), iterations);
    const clientKey = await hmac(hash, salted, utf8('Client Key'));
    const storedKey = await digest(hash, clientKey);
    const withoutProof = `c=biws,r=${nonce}`; // biws = base64("n,,"): no channel binding
    const authMessage = utf8(`${clientFirstBare},${serverFirst},${withoutProof}`);
    const proof = xor(clientKey, await hmac(hash, storedKey, authMessage));
    this.#state = { step: 'sent-client-final', authMessage, saltedPassword: salted };
    return concat(utf8(`${withoutProof},p=`), utf8(toBase64(proof)));
  }

  async #verifyServerFinal(authMessage: Uint8Array, salted: Uint8Array, serverFinal: string): Promise<void> {
    const m = SERVER_FINAL.exec(serverFinal);
    if (m === null) throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker\'s server-final message is malformed');
    if (m[1] !== undefined) throw this.#fail('SASL_AUTHENTICATION_FAILED', `the broker failed the exchange: ${m[1]}`);
    const serverKey = await hmac(this.#hash, salted, utf8('Server Key'));
    const expected = await hmac(this.#hash, serverKey, authMessage);
    if (!constantTimeEqual(fromBase64(m[2]!), expected)) {
      throw this.#fail('SASL_AUTHENTICATION_FAILED', 'the broker\'s server signature is wrong: it could not prove that it knows the password');
    }
    this.#state = { step: 'done' };
  }

  describe(): string {
    return `SASL/${this.mechanism} user ${this.#credentials.username}${this.#credentials.tokenAuth ? ' (delegation token)' : ''}`;
  }

  failureDetail(): string | undefined {
    return undefined;
  }

  #fail(code: string, what: string): AuthenticationError {
    this.#state = { step: 'failed' };
    return new AuthenticationError(code, `${this.describe()}: ${what}`, { broker: this.#options.broker });
  }
}

export function scramAuthenticator(mechanism: ScramMechanismName, credentials: ScramCredentials): SaslAuthenticator {
  return {
    mechanism,
    session: (broker) => new ScramSession(mechanism, credentials, { broker }),
    close() {},
  };
}
