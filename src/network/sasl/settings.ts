/**
 * Java's `sasl.*` producer properties turned into typed, validated SASL settings: the mechanism,
 * its credentials from `sasl.jaas.config`, and for OAUTHBEARER where the token comes from and
 * when it is refreshed. The rules are Java's (SaslConfigs, JaasContext, the login modules, the
 * OAuth callback handlers and their ConfigurationUtils/ConfigOrJaas); breaking one is a
 * ConfigError naming the property, thrown by the Producer constructor. Secrets are
 * {@link Password}s, which never print. Nothing here does I/O.
 *
 * The input is the configuration as src/config.ts parsed it: strings, numbers, booleans, null,
 * functions or Passwords, under Kafka's property names; numbers and booleans may also still be
 * strings, as a properties file has them. Properties missing from it take Java's defaults.
 *
 * Where an OAUTHBEARER token comes from (sasl.login.callback.handler.class):
 * - a JavaScript function: the token provider (token-provider.ts);
 * - OAuthBearerLoginCallbackHandler (Kafka 4's org.apache.kafka.common.security.oauthbearer
 *   name, or 3.x's ...oauthbearer.secured name): Kafka's OIDC login, with
 *   sasl.oauthbearer.jwt.retriever.class choosing how: DefaultJwtRetriever (the default:
 *   file:// URL -> the file, else client credentials), ClientCredentialsJwtRetriever or
 *   FileJwtRetriever. The client id, secret and scope come from
 *   sasl.oauthbearer.client.credentials.client.id / .client.secret / sasl.oauthbearer.scope
 *   (Kafka 4.1+, KIP-1139), or else from the clientId / clientSecret / scope JAAS options (the
 *   property wins when both are given, with a warning, as in Java);
 * - unset, or OAuthBearerUnsecuredLoginCallbackHandler: the unsecured test login (unsecured-token.ts).
 * Not supported, each a ConfigError that says so: JwtBearerJwtRetriever and client assertions
 * (sasl.oauthbearer.assertion.*: they sign with a key read from a file), BrokerJwtValidator or
 * other validator classes, ssl.* options in the JAAS config (the token endpoint is trusted by the
 * runtime's CA store), sasl.client.callback.handler.class and sasl.login.class.
 */
import { ConfigError } from '../../errors.js';
import { Password } from '../security/password.js';
import { parseJaasConfig, SASL_JAAS_CONFIG, type JaasLoginModule } from './jaas-config.js';
import { DEFAULT_CLAIM_NAMES, type JwtClaimNames } from './jwt.js';
import { checkExtensions } from './oauthbearer.js';
import type { ClientCredentialsSettings, FileTokenSettings } from './token-endpoint.js';
import { displayUrl } from './token-endpoint.js';
import type { RefreshSettings } from './token-login.js';
import type { OAuthBearerTokenProvider } from './token-provider.js';
import { unsecuredLoginSettings, type UnsecuredLoginSettings } from './unsecured-token.js';

export const SASL_MECHANISM = 'sasl.mechanism';
export const SASL_LOGIN_CALLBACK_HANDLER_CLASS = 'sasl.login.callback.handler.class';
const TOKEN_ENDPOINT_URL = 'sasl.oauthbearer.token.endpoint.url';
const JWT_RETRIEVER_CLASS = 'sasl.oauthbearer.jwt.retriever.class';
const JWT_VALIDATOR_CLASS = 'sasl.oauthbearer.jwt.validator.class';
const CLIENT_ID = 'sasl.oauthbearer.client.credentials.client.id';
const CLIENT_SECRET = 'sasl.oauthbearer.client.credentials.client.secret';
const SCOPE = 'sasl.oauthbearer.scope';

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

const OAUTH = 'org.apache.kafka.common.security.oauthbearer.';
/** Kafka's OIDC login callback handler: Kafka 4's name and 3.x's (removed in 4.0). */
export const OIDC_LOGIN_CALLBACK_HANDLERS: readonly string[] = [`${OAUTH}OAuthBearerLoginCallbackHandler`, `${OAUTH}secured.OAuthBearerLoginCallbackHandler`];
export const UNSECURED_LOGIN_CALLBACK_HANDLER = `${OAUTH}internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler`;
/** The Java class names sasl.login.callback.handler.class may hold (for the config table). */
export const SASL_LOGIN_CALLBACK_HANDLER_CLASSES: readonly string[] = [...OIDC_LOGIN_CALLBACK_HANDLERS, UNSECURED_LOGIN_CALLBACK_HANDLER];

export interface PlainSettings {
  readonly mechanism: 'PLAIN';
  readonly username: string;
  readonly password: Password;
}

export interface ScramSettings {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: Password;
  /** ScramLoginModule's tokenauth=true: a delegation token. */
  readonly tokenAuth: boolean;
}

export type TokenSourceSettings =
  | { readonly kind: 'provider'; readonly provider: OAuthBearerTokenProvider }
  | { readonly kind: 'client-credentials'; readonly endpoint: ClientCredentialsSettings }
  | { readonly kind: 'file'; readonly file: FileTokenSettings }
  | { readonly kind: 'unsecured'; readonly unsecured: UnsecuredLoginSettings };

export interface OAuthBearerSettings {
  readonly mechanism: 'OAUTHBEARER';
  readonly source: TokenSourceSettings;
  /** OAuthBearerLoginModule's extension_<name> options (the unsecured login has its own). */
  readonly extensions: Readonly<Record<string, string>>;
  readonly refresh: RefreshSettings;
  /** What Java would log as a warning while configuring; the authenticator logs them. */
  readonly warnings: readonly string[];
}

export type SaslSettings = PlainSettings | ScramSettings | OAuthBearerSettings;

type Values = Readonly<Record<string, unknown>>;

/** A string property: null/undefined/blank -> null. */
function stringValue(values: Values, name: string): string | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return null;
  const text = raw instanceof Password ? raw.value() : raw;
  if (typeof text !== 'string') throw new ConfigError(name, `expected a string, got ${typeof raw}`);
  const s = text.trim();
  return s === '' ? null : s;
}

function secretValue(values: Values, name: string): Password | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return null;
  if (raw instanceof Password) return raw.value().trim() === '' ? null : new Password(raw.value().trim());
  if (typeof raw !== 'string') throw new ConfigError(name, `expected a string, got ${typeof raw}`);
  return raw.trim() === '' ? null : new Password(raw.trim());
}

/** A number property as Java's ConfigDef parses it (numbers or numeric strings), range-checked. */
function numberValue(values: Values, name: string, fallback: number | null, rule: { min?: number; max?: number; integer?: boolean } = {}): number | null {
  const raw = values[name];
  if (raw === undefined || raw === null) return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
  const what = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n))) throw new ConfigError(name, `expected ${what}, got ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)}`);
  if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
    throw new ConfigError(name, `value ${n} is out of range [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]`);
  }
  return n;
}

function booleanValue(values: Values, name: string, fallback: boolean): boolean {
  const raw = values[name];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  throw new ConfigError(name, `expected true or false, got ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)}`);
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
  if (typeof text !== 'string') throw new ConfigError(SASL_JAAS_CONFIG, `expected a string, got ${typeof raw}`);
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

/** Properties kafka-wire does not implement for any mechanism. */
function rejectUnsupported(values: Values): void {
  for (const name of ['sasl.client.callback.handler.class', 'sasl.login.class']) {
    if (values[name] !== undefined && values[name] !== null) throw new ConfigError(name, 'is not supported by kafka-wire (for OAUTHBEARER, pass a token provider function as sasl.login.callback.handler.class)');
  }
}

/**
 * The SASL settings of a SASL_PLAINTEXT or SASL_SSL producer. Throws ConfigError naming the
 * property (never quoting a secret) when the values break one of Java's rules or ask for
 * something kafka-wire does not do.
 */
export function saslSettingsFrom(values: Values): SaslSettings {
  rejectUnsupported(values);
  const mechanism = mechanismFrom(values);
  if (mechanism === 'OAUTHBEARER') return oauthBearerSettings(values);
  if (values[SASL_LOGIN_CALLBACK_HANDLER_CLASS] !== undefined && values[SASL_LOGIN_CALLBACK_HANDLER_CLASS] !== null) {
    throw new ConfigError(SASL_LOGIN_CALLBACK_HANDLER_CLASS, `is not supported with ${SASL_MECHANISM}=${mechanism}; the credentials come from ${SASL_JAAS_CONFIG}`);
  }
  if (mechanism === 'PLAIN') {
    const module = requireLoginModule(values, mechanism, 'username="..." password="..."');
    return { mechanism, ...userAndPassword(module, mechanism) };
  }
  const module = requireLoginModule(values, mechanism, 'username="..." password="..."');
  // ScramLoginModule: "true".equalsIgnoreCase(tokenauth)
  const tokenAuth = (module.options.get('tokenauth') ?? '').toLowerCase() === 'true';
  return { mechanism, ...userAndPassword(module, mechanism), tokenAuth };
}

function refreshSettings(values: Values): RefreshSettings {
  return {
    windowFactor: numberValue(values, 'sasl.login.refresh.window.factor', 0.8, { min: 0.5, max: 1.0 })!,
    windowJitter: numberValue(values, 'sasl.login.refresh.window.jitter', 0.05, { min: 0, max: 0.25 })!,
    minPeriodSeconds: numberValue(values, 'sasl.login.refresh.min.period.seconds', 60, { min: 0, max: 900, integer: true })!,
    bufferSeconds: numberValue(values, 'sasl.login.refresh.buffer.seconds', 300, { min: 0, max: 3600, integer: true })!,
  };
}

/** OAuthBearerLoginModule's extension_<name> options (OAuthBearerLoginCallbackHandler's rule). */
function jaasExtensions(module: JaasLoginModule | null): Record<string, string> {
  const extensions: Record<string, string> = {};
  for (const [key, value] of module?.options ?? []) if (key.startsWith('extension_')) extensions[key.slice('extension_'.length)] = value;
  checkExtensions(SASL_JAAS_CONFIG, extensions);
  return extensions;
}

function oauthBearerSettings(values: Values): OAuthBearerSettings {
  const handler = values[SASL_LOGIN_CALLBACK_HANDLER_CLASS];
  const refresh = refreshSettings(values);
  const warnings: string[] = [];

  if (typeof handler === 'function') {
    const module = loginModuleFor(values, 'OAUTHBEARER'); // optional with a provider
    return { mechanism: 'OAUTHBEARER', source: { kind: 'provider', provider: handler as OAuthBearerTokenProvider }, extensions: jaasExtensions(module), refresh, warnings };
  }
  if (handler !== undefined && handler !== null && typeof handler !== 'string') {
    throw new ConfigError(SASL_LOGIN_CALLBACK_HANDLER_CLASS, `expected a token provider function or a Java class name, got ${typeof handler}`);
  }
  const handlerClass = typeof handler === 'string' && handler.trim() !== '' ? handler.trim() : null;
  const module = requireLoginModule(values, 'OAUTHBEARER', '(with a token: see sasl.login.callback.handler.class)');

  if (handlerClass !== null && OIDC_LOGIN_CALLBACK_HANDLERS.includes(handlerClass)) {
    if (handlerClass !== OIDC_LOGIN_CALLBACK_HANDLERS[0]) {
      warnings.push(`${SASL_LOGIN_CALLBACK_HANDLER_CLASS}=${handlerClass} is Kafka 3.x's name (removed in Kafka 4.0); it is read as ${OIDC_LOGIN_CALLBACK_HANDLERS[0]}`);
    }
    return { mechanism: 'OAUTHBEARER', source: oidcSource(values, module, warnings), extensions: jaasExtensions(module), refresh, warnings };
  }
  if (handlerClass !== null && handlerClass !== UNSECURED_LOGIN_CALLBACK_HANDLER) {
    throw new ConfigError(SASL_LOGIN_CALLBACK_HANDLER_CLASS, `Java class ${JSON.stringify(handlerClass)} has no kafka-wire equivalent; pass a token provider function async () => ({ token, lifetimeMs }), or ${OIDC_LOGIN_CALLBACK_HANDLERS[0]} for Kafka's OIDC login`);
  }
  // The unsecured login (Java's default handler for OAUTHBEARER).
  if (stringValue(values, TOKEN_ENDPOINT_URL) !== null || module.options.has('clientId') || module.options.has('clientSecret')) {
    throw new ConfigError(SASL_LOGIN_CALLBACK_HANDLER_CLASS, `must be ${OIDC_LOGIN_CALLBACK_HANDLERS[0]} for the OIDC login (${TOKEN_ENDPOINT_URL}, clientId, clientSecret); unset, Java and kafka-wire use the unsecured test login`);
  }
  const unsecured = unsecuredLoginSettings(module.options);
  if (unsecured === null) {
    throw new ConfigError(SASL_JAAS_CONFIG, `OAuthBearerLoginModule has no options, so there is no token: set ${SASL_LOGIN_CALLBACK_HANDLER_CLASS} to a token provider function or to ${OIDC_LOGIN_CALLBACK_HANDLERS[0]} (with ${TOKEN_ENDPOINT_URL}), or give unsecuredLogin* options for a test broker`);
  }
  return { mechanism: 'OAUTHBEARER', source: { kind: 'unsecured', unsecured }, extensions: {}, refresh, warnings };
}

const RETRIEVERS = {
  default: `${OAUTH}DefaultJwtRetriever`,
  clientCredentials: `${OAUTH}ClientCredentialsJwtRetriever`,
  file: `${OAUTH}FileJwtRetriever`,
  jwtBearer: `${OAUTH}JwtBearerJwtRetriever`,
};
const CLIENT_VALIDATORS = [`${OAUTH}DefaultJwtValidator`, `${OAUTH}ClientJwtValidator`];

/** Kafka's OIDC login: which retriever, and its settings. */
function oidcSource(values: Values, module: JaasLoginModule, warnings: string[]): TokenSourceSettings {
  const retriever = stringValue(values, JWT_RETRIEVER_CLASS) ?? RETRIEVERS.default;
  if (retriever === RETRIEVERS.jwtBearer) throw new ConfigError(JWT_RETRIEVER_CLASS, 'JwtBearerJwtRetriever (the jwt-bearer grant with a signed assertion) is not supported by kafka-wire');
  if (![RETRIEVERS.default, RETRIEVERS.clientCredentials, RETRIEVERS.file].includes(retriever)) {
    throw new ConfigError(JWT_RETRIEVER_CLASS, `Java class ${JSON.stringify(retriever)} has no kafka-wire equivalent; use ${RETRIEVERS.default}, or a token provider function as ${SASL_LOGIN_CALLBACK_HANDLER_CLASS}`);
  }
  const validator = stringValue(values, JWT_VALIDATOR_CLASS);
  if (validator !== null && !CLIENT_VALIDATORS.includes(validator)) {
    throw new ConfigError(JWT_VALIDATOR_CLASS, `${JSON.stringify(validator)} is not supported; a client reads the token's claims as ${CLIENT_VALIDATORS[0]} does (the broker checks its signature)`);
  }

  const rawUrl = stringValue(values, TOKEN_ENDPOINT_URL);
  if (rawUrl === null) throw new ConfigError(TOKEN_ENDPOINT_URL, `is required with ${SASL_LOGIN_CALLBACK_HANDLER_CLASS}=${OIDC_LOGIN_CALLBACK_HANDLERS[0]}`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(TOKEN_ENDPOINT_URL, 'is not a valid URL');
  }
  const protocol = url.protocol.toLowerCase();
  if (!['http:', 'https:', 'file:'].includes(protocol)) {
    throw new ConfigError(TOKEN_ENDPOINT_URL, `has protocol ${protocol.replace(/:$/, '')}; only http, https and file are supported, as in Java`);
  }
  const claims = claimNames(values);
  const isFile = protocol === 'file:';
  if (retriever === RETRIEVERS.file && !isFile) throw new ConfigError(TOKEN_ENDPOINT_URL, `must be a file:// URL for ${JWT_RETRIEVER_CLASS}=FileJwtRetriever`);
  if (retriever === RETRIEVERS.clientCredentials && isFile) throw new ConfigError(TOKEN_ENDPOINT_URL, `must be an http(s) URL for ${JWT_RETRIEVER_CLASS}=ClientCredentialsJwtRetriever`);
  if (isFile) return { kind: 'file', file: { url: rawUrl, path: url.pathname, claims } };

  for (const name of ['sasl.oauthbearer.assertion.file', 'sasl.oauthbearer.assertion.claim.iss']) {
    if (stringValue(values, name) !== null) throw new ConfigError(name, 'client assertion authentication (private_key_jwt) is not supported by kafka-wire; use a client secret, or a token provider function');
  }
  const sslOptions = [...module.options.keys()].filter((k) => k.startsWith('ssl.'));
  if (sslOptions.length > 0) {
    throw new ConfigError(SASL_JAAS_CONFIG, `the ${sslOptions.join(', ')} option${sslOptions.length > 1 ? 's are' : ' is'} not supported: the token endpoint ${displayUrl(rawUrl)} is trusted by the runtime's CA store (Node: NODE_EXTRA_CA_CERTS)`);
  }

  const clientId = configOrJaas(values, module, CLIENT_ID, 'clientId', true, warnings)!;
  const secretFromConfig = secretValue(values, CLIENT_SECRET);
  const secretFromJaas = jaasOption(module, 'clientSecret', false);
  if (secretFromConfig !== null && module.options.has('clientSecret')) warnings.push(bothGiven(CLIENT_SECRET, 'clientSecret'));
  const clientSecret = secretFromConfig ?? (secretFromJaas === null ? null : new Password(secretFromJaas));
  if (clientSecret === null) {
    throw new ConfigError(module.options.has('clientSecret') ? SASL_JAAS_CONFIG : CLIENT_SECRET, `the client secret is required (${CLIENT_SECRET}, or the clientSecret option of OAuthBearerLoginModule), and is ${module.options.has('clientSecret') ? 'blank' : 'missing'}`);
  }
  const scope = configOrJaas(values, module, SCOPE, 'scope', false, warnings);

  const connectTimeoutMs = numberValue(values, 'sasl.login.connect.timeout.ms', null, { min: 0, max: 2147483647, integer: true });
  const readTimeoutMs = numberValue(values, 'sasl.login.read.timeout.ms', null, { min: 0, max: 2147483647, integer: true });
  const retryBackoffMs = numberValue(values, 'sasl.login.retry.backoff.ms', 100, { min: 0, integer: true })!;
  const retryBackoffMaxMs = numberValue(values, 'sasl.login.retry.backoff.max.ms', 10000, { min: 0, integer: true })!;
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new ConfigError('sasl.login.retry.backoff.max.ms', `${retryBackoffMaxMs} is less than sasl.login.retry.backoff.ms (${retryBackoffMs}), which Java's login retry refuses`);
  }
  return {
    kind: 'client-credentials',
    endpoint: {
      url: rawUrl,
      clientId,
      clientSecret,
      scope,
      urlEncodeHeader: booleanValue(values, 'sasl.oauthbearer.header.urlencode', false),
      // HttpURLConnection: a timeout of 0 means none.
      connectTimeoutMs: connectTimeoutMs === 0 ? null : connectTimeoutMs,
      readTimeoutMs: readTimeoutMs === 0 ? null : readTimeoutMs,
      retryBackoffMs,
      retryBackoffMaxMs,
      claims,
    },
  };
}

function bothGiven(property: string, option: string): string {
  return `Both ${property} and the ${option} option of ${SASL_JAAS_CONFIG} are set; using ${property} (the JAAS option is deprecated)`;
}

/** A JAAS option as Java's JaasOptionsUtils.validateString reads it (trimmed; blank counts as absent unless required). */
function jaasOption(module: JaasLoginModule, name: string, required: boolean): string | null {
  const value = module.options.get(name)?.trim();
  if (value === undefined || value === '') {
    if (required && value === '') throw new ConfigError(SASL_JAAS_CONFIG, `the ${name} option of OAuthBearerLoginModule must not be blank`);
    return null;
  }
  return value;
}

/** Java 4.4's ConfigOrJaas: the property if set, else the JAAS option. */
function configOrJaas(values: Values, module: JaasLoginModule, property: string, option: string, required: boolean, warnings: string[]): string | null {
  const fromConfig = stringValue(values, property);
  if (fromConfig !== null) {
    if (module.options.has(option)) warnings.push(bothGiven(property, option));
    return fromConfig;
  }
  const fromJaas = jaasOption(module, option, required);
  if (fromJaas === null && required) throw new ConfigError(property, `is required (or the ${option} option of OAuthBearerLoginModule in ${SASL_JAAS_CONFIG})`);
  return fromJaas;
}

function claimNames(values: Values): JwtClaimNames {
  return {
    sub: stringValue(values, 'sasl.oauthbearer.sub.claim.name') ?? DEFAULT_CLAIM_NAMES.sub,
    scope: stringValue(values, 'sasl.oauthbearer.scope.claim.name') ?? DEFAULT_CLAIM_NAMES.scope,
  };
}
