/**
 * Java's `sasl.*` producer properties turned into typed, validated SASL settings: the mechanism,
 * its credentials from `sasl.jaas.config`, and for OAUTHBEARER where the token comes from and
 * when it is refreshed. The rules are Java's (SaslConfigs, JaasContext, the login modules and
 * callback handlers); breaking one is a ConfigError naming the property, thrown by the Producer
 * constructor. Secrets are {@link Password}s, which never print. Nothing here does I/O.
 *
 * The input is the configuration as src/config.ts parsed it: strings (trimmed), numbers,
 * booleans, null or functions, under Kafka's property names. Properties missing from it take
 * Java's defaults.
 */
import { ConfigError } from '../../errors.js';
import { Password } from '../security/password.js';
import { parseJaasConfig, SASL_JAAS_CONFIG, type JaasLoginModule } from './jaas-config.js';

export const SASL_MECHANISM = 'sasl.mechanism';

/** The mechanisms kafka-wire speaks, by their SASL names (case-sensitive, as Kafka compares them). */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The login module each mechanism needs in sasl.jaas.config. */
export const LOGIN_MODULES: Readonly<Record<SaslMechanism, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
};

export interface PlainSettings {
  readonly mechanism: 'PLAIN';
  readonly username: string;
  readonly password: Password;
}

export type SaslSettings = PlainSettings;

type Values = Readonly<Record<string, unknown>>;

/** A string property: null/undefined/blank -> null. */
function stringValue(values: Values, name: string): string | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return null;
  if (raw instanceof Password) return raw.value().trim() === '' ? null : raw.value().trim();
  if (typeof raw !== 'string') throw new ConfigError(name, `expected a string, got ${typeof raw}`);
  const s = raw.trim();
  return s === '' ? null : s;
}

function mechanismFrom(values: Values): SaslMechanism {
  const mechanism = stringValue(values, SASL_MECHANISM) ?? 'GSSAPI';
  if ((SASL_MECHANISMS as readonly string[]).includes(mechanism)) return mechanism as SaslMechanism;
  if (mechanism === 'GSSAPI') {
    throw new ConfigError(SASL_MECHANISM, `GSSAPI (Kerberos, Java's default) is not supported by kafka-wire; set ${SASL_MECHANISM} to one of ${SASL_MECHANISMS.join(', ')}`);
  }
  const nearest = SASL_MECHANISMS.find((m) => m.toUpperCase() === mechanism.toUpperCase());
  const hint = nearest ? ` (mechanism names are case-sensitive: did you mean ${nearest}?)` : '';
  throw new ConfigError(SASL_MECHANISM, `${JSON.stringify(mechanism)} is not supported; expected one of ${SASL_MECHANISMS.join(', ')}${hint}`);
}

/** The login module of sasl.jaas.config, checked against the mechanism; null when the property is unset. */
function loginModuleFor(values: Values, mechanism: SaslMechanism): JaasLoginModule | null {
  const raw = values[SASL_JAAS_CONFIG];
  if (raw === undefined || raw === null) return null;
  const text = raw instanceof Password ? raw.value() : raw;
  if (typeof text !== 'string') throw new ConfigError(SASL_JAAS_CONFIG, `expected a string, got ${typeof text}`);
  const module = parseJaasConfig(text);
  const expected = LOGIN_MODULES[mechanism];
  if (module.loginModule !== expected) {
    throw new ConfigError(SASL_JAAS_CONFIG, `login module ${module.loginModule} does not go with ${SASL_MECHANISM}=${mechanism}, which needs ${expected}`);
  }
  return module;
}

function requireLoginModule(values: Values, mechanism: SaslMechanism, example: string): JaasLoginModule {
  const module = loginModuleFor(values, mechanism);
  if (module === null) throw new ConfigError(SASL_JAAS_CONFIG, `is required for ${SASL_MECHANISM}=${mechanism}, e.g. ${LOGIN_MODULES[mechanism]} required ${example};`);
  return module;
}

/** username and password options of PlainLoginModule / ScramLoginModule. */
function userAndPassword(module: JaasLoginModule, mechanism: SaslMechanism): { username: string; password: Password } {
  const username = module.options.get('username');
  const password = module.options.get('password');
  const missing = [username === undefined ? 'username' : null, password === undefined ? 'password' : null].filter((x) => x !== null);
  if (missing.length > 0) throw new ConfigError(SASL_JAAS_CONFIG, `${module.loginModule} needs the ${missing.join(' and ')} option${missing.length > 1 ? 's' : ''} for ${SASL_MECHANISM}=${mechanism}`);
  if (username === '') throw new ConfigError(SASL_JAAS_CONFIG, `the username option of ${module.loginModule} is empty`);
  return { username: username!, password: new Password(password!) };
}

/**
 * The SASL settings of a SASL_PLAINTEXT or SASL_SSL producer. Throws ConfigError naming the
 * property (never quoting a secret) when the values break one of Java's rules or ask for
 * something kafka-wire does not do.
 */
export function saslSettingsFrom(values: Values): SaslSettings {
  const mechanism = mechanismFrom(values);
  switch (mechanism) {
    case 'PLAIN': {
      const module = requireLoginModule(values, mechanism, 'username="..." password="..."');
      return { mechanism, ...userAndPassword(module, mechanism) };
    }
    default:
      throw new ConfigError(SASL_MECHANISM, `${mechanism} is not implemented yet`);
  }
}
