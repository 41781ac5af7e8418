/**
 * Tokens from the user's own function, given as `sasl.login.callback.handler.class` (the place
 * Java's producer takes a custom AuthenticateCallbackHandler; here, as partitioner.class takes a
 * function). Any identity system plugs in this way: Amazon MSK IAM's signer library, a cloud
 * SDK's workload identity, a token cached by a sidecar.
 *
 *   'sasl.login.callback.handler.class': async () => ({
 *     token: await signer.generateAuthToken(),   // the bearer token
 *     lifetimeMs: expiresAt,                     // when it expires, ms since the epoch
 *     principal: 'svc-orders',                   // optional, for logs
 *     extensions: { logicalCluster: 'lkc-1' },   // optional SASL extensions
 *   })
 *
 * `lifetimeMs` is Java's OAuthBearerToken.lifetimeMs: an absolute expiry time, not a duration;
 * a value in the past is refused with a message saying so. The function is called once per
 * refresh (see token-login.ts), never per connection. Extensions it returns override the
 * `extension_*` options of OAuthBearerLoginModule in sasl.jaas.config.
 */
import { AuthenticationError } from '../../errors.js';
import { Password } from '../security/password.js';
import { parseJwt } from './jwt.js';
import { extensionsProblem, isBearerToken, type OAuthBearerCredential } from './oauthbearer.js';
import { LoginClosedError } from './token-endpoint.js';
import type { TokenRetriever } from './token-login.js';

/** What a token provider function returns. */
export interface OAuthBearerTokenGrant {
  /** The bearer token (a JWT or any RFC 6750 b64token), sent as `auth=Bearer <token>`. */
  readonly token: string;
  /** When the token expires: milliseconds since the epoch (an absolute time, as Java's lifetimeMs). */
  readonly lifetimeMs: number;
  /** Who the token authenticates, for logs; default: the JWT's sub claim, if the token is a JWT. */
  readonly principal?: string;
  /** When the token became valid, ms since the epoch; the refresh schedule starts from it. Default: when it arrived. */
  readonly startTimeMs?: number;
  /** SASL extensions sent with the token. */
  readonly extensions?: Readonly<Record<string, string>>;
}

export type OAuthBearerTokenProvider = () => OAuthBearerTokenGrant | Promise<OAuthBearerTokenGrant>;

const PROPERTY = 'sasl.login.callback.handler.class';

export class ProviderTokenRetriever implements TokenRetriever {
  readonly #provider: OAuthBearerTokenProvider;
  readonly #extensions: Readonly<Record<string, string>>;
  readonly #now: () => number;

  /** `now`: wall-clock ms, to tell an expiry time from a duration. */
  constructor(provider: OAuthBearerTokenProvider, jaasExtensions: Readonly<Record<string, string>>, now: () => number) {
    this.#provider = provider;
    this.#extensions = jaasExtensions;
    this.#now = now;
  }

  describe(): string {
    return `the token provider (${PROPERTY})`;
  }

  async retrieve(signal: AbortSignal): Promise<OAuthBearerCredential> {
    let grant: unknown;
    try {
      grant = await this.#provider();
    } catch (error) {
      if (signal.aborted) throw new LoginClosedError();
      const message = error instanceof Error ? error.message : String(error);
      throw new AuthenticationError('SASL_AUTHENTICATION_FAILED', `OAUTHBEARER login failed: ${this.describe()} threw: ${message}`, { cause: error });
    }
    if (signal.aborted) throw new LoginClosedError();
    return this.#credential(grant);
  }

  #credential(grant: unknown): OAuthBearerCredential {
    const bad = (what: string): never => {
      throw new AuthenticationError('SASL_AUTHENTICATION_FAILED', `OAUTHBEARER login failed: ${this.describe()} returned ${what}`);
    };
    if (typeof grant !== 'object' || grant === null) return bad(`${grant === null ? 'null' : typeof grant}, not { token, lifetimeMs }`);
    const g = grant as Partial<Record<keyof OAuthBearerTokenGrant, unknown>>;
    if (typeof g.token !== 'string' || g.token === '') return bad('no token (a non-empty string)');
    if (!isBearerToken(g.token)) return bad('a token with characters a bearer token cannot have (RFC 6750: letters, digits, -._~+/ and trailing =)');
    if (typeof g.lifetimeMs !== 'number' || !Number.isFinite(g.lifetimeMs)) return bad('no lifetimeMs (the expiry time, ms since the epoch)');
    const now = this.#now();
    if (g.lifetimeMs <= now) {
      return bad(`lifetimeMs ${g.lifetimeMs}, which is not in the future (now is ${now}): lifetimeMs is the expiry time in ms since the epoch, as Java's OAuthBearerToken.lifetimeMs, not a duration`);
    }
    if (g.principal !== undefined && typeof g.principal !== 'string') return bad('a principal that is not a string');
    if (g.startTimeMs !== undefined && (typeof g.startTimeMs !== 'number' || !Number.isFinite(g.startTimeMs))) return bad('a startTimeMs that is not a number');
    let extensions: Record<string, string> = { ...this.#extensions };
    if (g.extensions !== undefined) {
      if (typeof g.extensions !== 'object' || g.extensions === null) return bad('extensions that are not an object');
      extensions = { ...extensions, ...(g.extensions as Record<string, string>) };
      const problem = extensionsProblem(extensions);
      if (problem !== null) return bad(`unusable extensions: ${problem}`);
    }
    const credential: OAuthBearerCredential = {
      token: new Password(g.token),
      lifetimeMs: g.lifetimeMs,
      principal: g.principal ?? jwtSubject(g.token) ?? '(unknown principal)',
      extensions,
    };
    return g.startTimeMs === undefined ? credential : { ...credential, startTimeMs: g.startTimeMs };
  }
}

/** The sub claim when `token` is a JWT that has one. */
function jwtSubject(token: string): string | undefined {
  try {
    const sub = parseJwt(token).payload['sub'];
    return typeof sub === 'string' && sub.trim() !== '' ? sub.trim() : undefined;
  } catch {
    return undefined;
  }
}
