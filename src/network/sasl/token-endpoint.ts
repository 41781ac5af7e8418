/**
 * Kafka's OIDC client-credentials login (KIP-768; Java 4.4's ClientCredentialsJwtRetriever,
 * ClientSecretRequestFormatter, HttpJwtRetriever, JwtResponseParser and Retry), over the
 * runtime's `fetch`:
 *
 *   POST sasl.oauthbearer.token.endpoint.url
 *   Accept: application/json
 *   Authorization: Basic base64(clientId ":" clientSecret)
 *   Cache-Control: no-cache
 *   Content-Type: application/x-www-form-urlencoded
 *
 *   grant_type=client_credentials[&scope=<scope>]
 *
 * The id and secret are trimmed; with sasl.oauthbearer.header.urlencode=true (Java's default is
 * false) each is URL-encoded (Java's URLEncoder, RFC 6749 §2.3.1) before the Basic encoding.
 * The scope is always form-encoded. (Kafka 4.4 writes it raw unless header.urlencode is set;
 * encoding it is what a form body requires, and a form parser reads the same scope from both
 * for the letters, digits, spaces, `:`, `/`, `.`, `-` and `_` scopes are made of.)
 *
 * The answer: 200 or 201 with JSON whose access_token (or, failing that, id_token) is the JWT.
 * Java's Retry: an attempt that fails with a network error, a timeout or an HTTP status Java
 * does not list as final is tried again after sasl.login.retry.backoff.ms, doubling, for as
 * long as sasl.login.retry.backoff.max.ms from the first attempt allows. 400, 401, 402, 403,
 * 404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 501 and 505 end it at once. Where Java
 * reports the first failure, this reports the last (or the final status), which is the one that
 * explains. Timeouts: sasl.login.connect.timeout.ms and sasl.login.read.timeout.ms (unset:
 * none, as Java's HttpURLConnection); fetch has no separate connect phase, so the answer's
 * headers must come within the two together and its body within the read timeout.
 *
 * Messages name the URL (without user info or query) and the client id, never the secret, and
 * any text the endpoint sent back has the secret and the Authorization value cut out.
 *
 * `file://` URLs (FileJwtRetriever) read a JWT from a file through the injected `readFile`,
 * each time a token is needed, so a file that an outside process rewrites is picked up.
 */
import type { Clock } from '../../common/clock.js';
import { AuthenticationError } from '../../errors.js';
import type { Password } from '../security/password.js';
import { javaUrlEncode, redact, toBase64, utf8 } from './bytes.js';
import { credentialFromJwt, InvalidJwtError, parseJwt, type JwtClaimNames } from './jwt.js';
import type { OAuthBearerCredential } from './oauthbearer.js';

export interface ClientCredentialsSettings {
  /** sasl.oauthbearer.token.endpoint.url (http or https). */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: Password;
  readonly scope: string | null;
  /** sasl.oauthbearer.header.urlencode */
  readonly urlEncodeHeader: boolean;
  /** sasl.login.connect.timeout.ms; null: none. */
  readonly connectTimeoutMs: number | null;
  /** sasl.login.read.timeout.ms; null: none. */
  readonly readTimeoutMs: number | null;
  /** sasl.login.retry.backoff.ms */
  readonly retryBackoffMs: number;
  /** sasl.login.retry.backoff.max.ms */
  readonly retryBackoffMaxMs: number;
  readonly claims: JwtClaimNames;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface TokenEndpointDeps {
  readonly clock: Clock;
  readonly fetch: Fetch;
}

/** HTTP statuses Java's HttpJwtRetriever does not retry. */
const FINAL_STATUSES = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 501, 505]);

/** The longest piece of an endpoint's answer kept in a message (Java trims response snippets to 1000). */
const MAX_SNIPPET_CHARS = 1000;

/** A URL as messages show it: no user info, no query, no fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? `file://${u.pathname}` : `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(malformed URL)';
  }
}

/** The request Java's ClientSecretRequestFormatter builds. */
export function clientCredentialsRequest(s: ClientCredentialsSettings): { headers: Record<string, string>; body: string } {
  const id = s.clientId.trim();
  const secret = s.clientSecret.value().trim();
  const pair = s.urlEncodeHeader ? `${javaUrlEncode(id)}:${javaUrlEncode(secret)}` : `${id}:${secret}`;
  const scope = s.scope?.trim();
  return {
    headers: {
      Accept: 'application/json',
      Authorization: `Basic ${toBase64(utf8(pair))}`,
      'Cache-Control': 'no-cache',
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=client_credentials${scope ? `&scope=${javaUrlEncode(scope)}` : ''}`,
  };
}

/** Why one attempt failed, and whether Java would try again. */
class AttemptFailure extends Error {
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean) {
    super(message);
    this.retriable = retriable;
  }
}

/** The login was closed while an attempt was running or waiting. */
export class LoginClosedError extends Error {
  override readonly name = 'LoginClosedError';
  constructor() {
    super('the SASL login was closed');
  }
}

/** Java's formatErrorMessage: an OAuth error body (RFC 6749 §5.2) as `{"error" - "description"}`. */
function errorBodyText(body: string): string {
  if (body.trim() === '') return '{}';
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const show = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));
      if ('error' in json) return `{${show(json['error'])} - ${show(json['error_description'])}}`;
      if ('errorCode' in json) return `{${show(json['errorCode'])} - ${show(json['errorSummary'])}}`;
    }
    return body;
  } catch {
    return `{${body}}`;
  }
}

function snippet(text: string): string {
  return text.length > MAX_SNIPPET_CHARS ? `${text.slice(0, MAX_SNIPPET_CHARS)} (trimmed to the first ${MAX_SNIPPET_CHARS} characters of ${text.length})` : text;
}

/** Waits `ms` on the clock; rejects with LoginClosedError when `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new LoginClosedError());
    const onAbort = (): void => {
      timer.cancel();
      reject(new LoginClosedError());
    };
    const timer = clock.setTimer(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Fetches tokens from an OIDC token endpoint with the client-credentials grant. */
export class ClientCredentialsRetriever {
  readonly #s: ClientCredentialsSettings;
  readonly #deps: TokenEndpointDeps;
  readonly #request: { headers: Record<string, string>; body: string };
  readonly #secrets: string[];
  readonly #extensions: Readonly<Record<string, string>>;

  constructor(settings: ClientCredentialsSettings, extensions: Readonly<Record<string, string>>, deps: TokenEndpointDeps) {
    this.#s = settings;
    this.#deps = deps;
    this.#extensions = extensions;
    this.#request = clientCredentialsRequest(settings);
    const secret = settings.clientSecret.value().trim();
    const basic = this.#request.headers['Authorization']!;
    this.#secrets = [secret, javaUrlEncode(secret), basic.slice('Basic '.length)];
  }

  describe(): string {
    return `client id ${this.#s.clientId.trim()} at ${displayUrl(this.#s.url)}`;
  }

  /** One token, with Java's retries. Rejects with AuthenticationError, or LoginClosedError when aborted. */
  async retrieve(signal: AbortSignal): Promise<OAuthBearerCredential> {
    const { clock } = this.#deps;
    const end = clock.now() + this.#s.retryBackoffMaxMs;
    let attempt = 0;
    let last: AttemptFailure | undefined;
    while (clock.now() <= end) {
      attempt++;
      try {
        const body = await this.#post(signal);
        return this.#credential(body);
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        last = error;
        if (!error.retriable) break;
        const wait = Math.min(this.#s.retryBackoffMs * 2 ** (attempt - 1), end - clock.now());
        if (wait <= 0) break;
        await sleep(clock, wait, signal);
      }
    }
    const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
    throw new AuthenticationError('SASL_AUTHENTICATION_FAILED', this.#clean(`OAUTHBEARER login failed for ${this.describe()}${tries}: ${last?.message ?? 'no attempt was made'}`));
  }

  #clean(text: string): string {
    return redact(text, this.#secrets);
  }

  async #post(outer: AbortSignal): Promise<string> {
    if (outer.aborted) throw new LoginClosedError();
    const { clock, fetch } = this.#deps;
    const controller = new AbortController();
    let timedOut: string | null = null;
    const onOuterAbort = (): void => controller.abort();
    outer.addEventListener('abort', onOuterAbort, { once: true });
    const arm = (ms: number | null, what: string): { cancel(): void } =>
      ms === null
        ? { cancel() {} }
        : clock.setTimer(() => {
            timedOut = what;
            controller.abort();
          }, ms);
    const { connectTimeoutMs: connect, readTimeoutMs: read } = this.#s;
    const headersWithin = connect === null && read === null ? null : (connect ?? 0) + (read ?? 0);
    let timer = arm(headersWithin, `no answer within sasl.login.connect.timeout.ms + sasl.login.read.timeout.ms (${headersWithin} ms)`);
    try {
      const response = await fetch(this.#s.url, { method: 'POST', headers: this.#request.headers, body: this.#request.body, signal: controller.signal });
      timer.cancel();
      timer = arm(read, `the answer's body did not arrive within sasl.login.read.timeout.ms (${read} ms)`);
      const text = await response.text();
      const status = response.status;
      if (status === 200 || status === 201) {
        if (text === '') throw new AttemptFailure(`the token endpoint answered ${status} with an empty body`, true);
        return text;
      }
      const detail = snippet(errorBodyText(text));
      if (FINAL_STATUSES.has(status)) throw new AttemptFailure(`the token endpoint answered HTTP ${status} ${detail}`, false);
      throw new AttemptFailure(`the token endpoint answered HTTP ${status} ${detail}`, true);
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      if (outer.aborted) throw new LoginClosedError();
      if (timedOut !== null) throw new AttemptFailure(timedOut, true);
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new AttemptFailure(`could not reach the token endpoint: ${cause}`, true);
    } finally {
      timer.cancel();
      outer.removeEventListener('abort', onOuterAbort);
    }
  }

  /** JwtResponseParser, then ClientJwtValidator. Not retried, as in Java (it follows the Retry). */
  #credential(body: string): OAuthBearerCredential {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AttemptFailure('the token endpoint\'s answer is not JSON', false);
    }
    const record = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    const jwt = [record['access_token'], record['id_token']].find((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (jwt === undefined) {
      // Only the names: the values could be tokens under other names.
      throw new AttemptFailure(`the token endpoint's answer has no access_token or id_token (it has: ${Object.keys(record).join(', ') || 'nothing'})`, false);
    }
    try {
      return credentialFromJwt(jwt, this.#s.claims, this.#extensions);
    } catch (error) {
      if (error instanceof InvalidJwtError) throw new AttemptFailure(`the token endpoint's access token could not be used: ${error.message}`, false);
      throw error;
    }
  }
}

export interface FileTokenSettings {
  /** The file:// URL as configured (for messages). */
  readonly url: string;
  /** The path it names (Java: the URL's raw path, percent escapes left as they are). */
  readonly path: string;
  readonly claims: JwtClaimNames;
}

export type ReadTextFile = (path: string) => Promise<string>;

/** Java's FileJwtRetriever: a JWT read from a file (trimmed, checked to be one) on every login. */
export class FileTokenRetriever {
  readonly #s: FileTokenSettings;
  readonly #read: ReadTextFile;
  readonly #extensions: Readonly<Record<string, string>>;

  constructor(settings: FileTokenSettings, extensions: Readonly<Record<string, string>>, readFile: ReadTextFile) {
    this.#s = settings;
    this.#read = readFile;
    this.#extensions = extensions;
  }

  describe(): string {
    return `token file ${displayUrl(this.#s.url)}`;
  }

  async retrieve(signal: AbortSignal): Promise<OAuthBearerCredential> {
    let text: string;
    try {
      text = await this.#read(this.#s.path);
    } catch (error) {
      if (signal.aborted) throw new LoginClosedError();
      throw new AuthenticationError('SASL_AUTHENTICATION_FAILED', `OAUTHBEARER login failed: could not read the ${this.describe()}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (signal.aborted) throw new LoginClosedError();
    try {
      parseJwt(text);
      return credentialFromJwt(text, this.#s.claims, this.#extensions);
    } catch (error) {
      if (error instanceof InvalidJwtError) throw new AuthenticationError('SASL_AUTHENTICATION_FAILED', `OAUTHBEARER login failed: the ${this.describe()} does not hold a usable JWT: ${error.message}`);
      throw error;
    }
  }
}
