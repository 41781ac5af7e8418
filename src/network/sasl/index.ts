/**
 * SASL mechanisms for the client: PLAIN, SCRAM-SHA-256/512, OAUTHBEARER (with Kafka's OIDC
 * client-credentials login), and `sasl.jaas.config` read as Java reads it. Pure core code: the
 * only host facilities used are WebCrypto and fetch (globals in Node 20, Bun, Deno, workers).
 *
 * The Kafka exchange that carries these (SaslHandshake, SaslAuthenticate, KIP-368
 * re-authentication) lives in src/network/sasl-authentication.ts; session.ts is the contract.
 */
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../observability/logger.js';
import { plainAuthenticator } from './plain.js';
import type { SaslAuthenticator } from './session.js';
import type { SaslSettings } from './settings.js';

export type { SaslAuthenticator, SaslSession } from './session.js';
export { saslSettingsFrom, SASL_MECHANISMS, type SaslMechanism, type SaslSettings } from './settings.js';
export { parseJaasConfig, type JaasLoginModule } from './jaas-config.js';

export interface SaslDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The producer's SASL authenticator for validated settings (see saslSettingsFrom). */
export function saslAuthenticatorFrom(settings: SaslSettings, _deps: SaslDeps): SaslAuthenticator {
  switch (settings.mechanism) {
    case 'PLAIN':
      return plainAuthenticator(settings);
  }
}
