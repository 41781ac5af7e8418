/**
 * security.protocol, turned into what every connection of a producer needs (Java's
 * ChannelBuilders): the TLS options the transport opens connections with (SSL, SASL_SSL) and
 * the SASL authenticator that runs after ApiVersions (SASL_PLAINTEXT, SASL_SSL).
 *
 * Everything is checked here, at Producer construction, so a bad certificate path, a malformed
 * sasl.jaas.config or a mechanism we do not speak is a ConfigError before any record is
 * accepted. Files are read by the runtime (`loadTls`): the core stays free of `node:`.
 *
 * Owns: nothing long-lived; the SaslAuthenticator it builds belongs to the producer, which
 * closes it (token refresh timers) when it closes.
 */
import type { Clock } from '../common/clock.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { saslAuthenticatorFrom, saslSettingsFrom } from './sasl/index.js';
import type { SaslAuthenticator } from './sasl/session.js';
import { sslSettingsFrom, type SslSettings } from './security/ssl-settings.js';
import type { TlsClientOptions } from './security/tls-client-options.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface ChannelSecurity {
  readonly protocol: SecurityProtocol;
  /** Present for SSL and SASL_SSL. Holds secrets: never log it. */
  readonly tls?: TlsClientOptions;
  /** Present for SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl?: SaslAuthenticator;
}

export interface ChannelSecurityEnv {
  /** For the error when the runtime cannot do TLS. */
  readonly runtimeName: string;
  /** The runtime's TLS loader (Runtime.loadTls). */
  readonly loadTls?: (settings: SslSettings) => TlsClientOptions;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The producer's channel security from its resolved configuration `values` (property names as
 * keys, as config.ts parsed them); `explicit` names the properties the user set, for the
 * warning about security properties the chosen protocol does not use (Java logs the same).
 */
export function channelSecurityFrom(values: Readonly<Record<string, unknown>>, explicit: ReadonlySet<string>, env: ChannelSecurityEnv): ChannelSecurity {
  const protocol = String(values['security.protocol']).toUpperCase() as SecurityProtocol;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const unused = [...explicit].filter((name) => (name.startsWith('ssl.') && !usesTls) || (name.startsWith('sasl.') && !usesSasl));
  if (unused.length > 0) {
    env.logger.warn(`security.protocol=${protocol} does not use ${unused.join(', ')}; ${unused.length === 1 ? 'it is' : 'they are'} ignored`);
  }

  let tls: TlsClientOptions | undefined;
  if (usesTls) {
    const settings = sslSettingsFrom(values);
    if (env.loadTls === undefined) {
      throw new ConfigError('security.protocol', `${protocol} needs TLS, which the ${env.runtimeName} runtime does not provide (Runtime.loadTls)`);
    }
    tls = env.loadTls(settings);
  }
  let sasl: SaslAuthenticator | undefined;
  if (usesSasl) sasl = saslAuthenticatorFrom(saslSettingsFrom(values), { clock: env.clock, logger: env.logger });
  return { protocol, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
}
