/**
 * SASL mechanisms for the client: PLAIN, SCRAM-SHA-256/512, OAUTHBEARER (with a token provider
 * function, Kafka's OIDC login, a token file, or the unsecured test login), and
 * `sasl.jaas.config` read as Java reads it. Pure core code: the only host facilities used are
 * WebCrypto and fetch (globals in Node 20, Bun, Deno, workers), and a file reader only when a
 * file:// token endpoint is configured.
 *
 * The Kafka exchange that carries these (SaslHandshake, SaslAuthenticate, KIP-368
 * re-authentication) lives in src/network/sasl-authentication.ts; session.ts is the contract.
 */
import type { Clock } from '../../common/clock.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { OAuthBearerSession } from './oauthbearer.js';
import { plainAuthenticator } from './plain.js';
import { scramAuthenticator } from './scram.js';
import type { SaslAuthenticator } from './session.js';
import type { OAuthBearerSettings, SaslSettings } from './settings.js';
import { ClientCredentialsRetriever, FileTokenRetriever, type Fetch, type ReadTextFile } from './token-endpoint.js';
import { TokenLogin, type TokenRetriever } from './token-login.js';
import { ProviderTokenRetriever } from './token-provider.js';
import { unsecuredToken } from './unsecured-token.js';

export type { SaslAuthenticator, SaslSession } from './session.js';
export {
  saslSettingsFrom,
  SASL_LOGIN_CALLBACK_HANDLER_CLASSES,
  SASL_MECHANISMS,
  type OAuthBearerSettings,
  type PlainSettings,
  type SaslMechanism,
  type SaslSettings,
  type ScramSettings,
} from './settings.js';
export { parseJaasConfig, type JaasLoginModule } from './jaas-config.js';
export type { OAuthBearerTokenGrant, OAuthBearerTokenProvider } from './token-provider.js';

export interface SaslDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The HTTP client for the OIDC token endpoint. Default: globalThis.fetch. */
  readonly fetch?: Fetch;
  /** Reads a text file, for a file:// token endpoint (the core cannot: the runtime supplies it). */
  readonly readFile?: ReadTextFile;
  /** Uniform [0, 1) for the token refresh jitter. Default: Math.random. */
  readonly random?: () => number;
}

/**
 * The producer's SASL authenticator for validated settings (see saslSettingsFrom). Throws
 * ConfigError when the settings need something the deps lack (fetch, a file reader).
 */
export function saslAuthenticatorFrom(settings: SaslSettings, deps: SaslDeps): SaslAuthenticator {
  switch (settings.mechanism) {
    case 'PLAIN':
      return plainAuthenticator(settings);
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return scramAuthenticator(settings.mechanism, settings);
    case 'OAUTHBEARER':
      return oauthBearerAuthenticator(settings, deps);
  }
}

function oauthBearerAuthenticator(settings: OAuthBearerSettings, deps: SaslDeps): SaslAuthenticator {
  for (const warning of settings.warnings) deps.logger.warn(warning);
  const login = new TokenLogin(tokenRetriever(settings, deps), settings.refresh, deps);
  return {
    mechanism: 'OAUTHBEARER',
    session: (broker) => new OAuthBearerSession(login, broker),
    close: () => login.close(),
  };
}

function tokenRetriever(settings: OAuthBearerSettings, deps: SaslDeps): TokenRetriever {
  const wallNow = (): number => deps.clock.wallClockMs?.() ?? deps.clock.now();
  const source = settings.source;
  switch (source.kind) {
    case 'provider':
      return new ProviderTokenRetriever(source.provider, settings.extensions, wallNow);
    case 'client-credentials': {
      const fetch = deps.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
      if (fetch === undefined) throw new ConfigError('sasl.oauthbearer.token.endpoint.url', 'this runtime has no fetch() to reach the token endpoint with');
      return new ClientCredentialsRetriever(source.endpoint, settings.extensions, { clock: deps.clock, fetch });
    }
    case 'file': {
      if (deps.readFile === undefined) throw new ConfigError('sasl.oauthbearer.token.endpoint.url', 'a file:// token endpoint needs a runtime that reads files, and this one gives kafka-wire none');
      return new FileTokenRetriever(source.file, settings.extensions, deps.readFile);
    }
    case 'unsecured': {
      const unsecured = source.unsecured;
      return {
        describe: () => `the unsecured login (principal ${unsecured.principal})`,
        retrieve: async () => unsecuredToken(unsecured, wallNow()),
      };
    }
  }
}
