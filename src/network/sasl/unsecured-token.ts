/**
 * Kafka's unsecured OAUTHBEARER login (OAuthBearerUnsecuredLoginCallbackHandler), the default
 * when sasl.mechanism=OAUTHBEARER names no login callback handler: an unsigned JWS
 * (`{"alg":"none"}`, empty signature) built from OAuthBearerLoginModule's options, for test
 * brokers that run the matching unsecured validator. Never for production: anyone can write one.
 *
 * Options (Java's names):
 *   unsecuredLoginStringClaim_<name>="value"   a string claim (the principal claim must be one)
 *   unsecuredLoginNumberClaim_<name>="1.5"     a number claim
 *   unsecuredLoginListClaim_<name>=",a,b"      a list claim; the first character is the delimiter
 *   unsecuredLoginPrincipalClaimName="sub"     which claim names the principal (default sub)
 *   unsecuredLoginScopeClaimName="scope"       which claim holds the scope (default scope)
 *   unsecuredLoginLifetimeSeconds="3600"       exp = now + this (default one hour)
 *   unsecuredLoginExtension_<name>="value"     a SASL extension
 * `exp` and `iat` are set from the clock and cannot be given. Claims are written in the order of
 * the options (Java's order is its immutable map's, which varies from run to run).
 */
import { ConfigError } from '../../errors.js';
import { Password } from '../security/password.js';
import { toBase64Url, utf8 } from './bytes.js';
import { SASL_JAAS_CONFIG } from './jaas-config.js';
import { checkExtensions, type OAuthBearerCredential } from './oauthbearer.js';

const STRING_CLAIM = 'unsecuredLoginStringClaim_';
const NUMBER_CLAIM = 'unsecuredLoginNumberClaim_';
const LIST_CLAIM = 'unsecuredLoginListClaim_';
const EXTENSION = 'unsecuredLoginExtension_';
const PRINCIPAL_CLAIM_NAME = 'unsecuredLoginPrincipalClaimName';
const SCOPE_CLAIM_NAME = 'unsecuredLoginScopeClaimName';
const LIFETIME_SECONDS = 'unsecuredLoginLifetimeSeconds';
const RESERVED = new Set(['iat', 'exp']);

export interface UnsecuredLoginSettings {
  /** Claims besides exp and iat, in option order, as JSON values. */
  readonly claims: readonly (readonly [string, string | number | readonly string[]])[];
  readonly principalClaimName: string;
  readonly principal: string;
  readonly lifetimeSeconds: number;
  readonly extensions: Readonly<Record<string, string>>;
}

/** Java's listJsonText: split on the first character; its odd handling of empty items kept. */
function listClaim(value: string): string[] {
  if (value.length <= 1) return [];
  const delimiter = value[0]!;
  const text = value.slice(1);
  const items = text.split(delimiter);
  // Java's String.split drops trailing empty strings (and gives [""] for ""), then JaasConfig's
  // handler adds one "" when the list starts or ends with, or doubles, the delimiter.
  while (items.length > 1 && items[items.length - 1] === '') items.pop();
  if (text.startsWith(delimiter) || text.endsWith(delimiter) || text.includes(delimiter + delimiter)) items.push('');
  return items;
}

/** Validates the unsecured login options (Java fails on them at login; here at construction). */
export function unsecuredLoginSettings(options: ReadonlyMap<string, string>): UnsecuredLoginSettings | null {
  if (options.size === 0) return null; // Java: "this login cannot be used to establish client connections"
  const fail = (what: string): never => {
    throw new ConfigError(SASL_JAAS_CONFIG, `OAuthBearerLoginModule (unsecured login): ${what}`);
  };
  if ([...options.keys()].every((k) => k.startsWith(EXTENSION))) fail('extensions given without a token (no unsecuredLogin*Claim_ options)');
  const named = (key: string, fallback: string): string => {
    const v = options.get(key)?.trim();
    return v === undefined || v === '' ? fallback : v;
  };
  const principalClaimName = named(PRINCIPAL_CLAIM_NAME, 'sub');
  named(SCOPE_CLAIM_NAME, 'scope');
  const lifetimeText = options.get(LIFETIME_SECONDS) ?? '3600';
  if (!/^[+-]?\d+$/.test(lifetimeText)) fail(`${LIFETIME_SECONDS} must be an integer number of seconds`);
  const lifetimeSeconds = Number(lifetimeText);

  const claims: [string, string | number | readonly string[]][] = [];
  const extensions: Record<string, string> = {};
  const claimName = (key: string, prefix: string): string => {
    const name = key.slice(prefix.length);
    if (RESERVED.has(name)) fail(`the ${name} claim cannot be set explicitly`);
    return name;
  };
  for (const [key, value] of options) {
    if (key.startsWith(STRING_CLAIM) && key.length > STRING_CLAIM.length) claims.push([claimName(key, STRING_CLAIM), value]);
    else if (key.startsWith(NUMBER_CLAIM) && key.length > NUMBER_CLAIM.length) {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) fail(`${key} must be a number`);
      claims.push([claimName(key, NUMBER_CLAIM), n]);
    } else if (key.startsWith(LIST_CLAIM) && key.length > LIST_CLAIM.length) claims.push([claimName(key, LIST_CLAIM), listClaim(value)]);
    else if (key.startsWith(EXTENSION)) extensions[key.slice(EXTENSION.length)] = value;
  }
  const principal = claims.find(([name]) => name === principalClaimName)?.[1];
  if (typeof principal !== 'string' || principal.trim() === '') fail(`no principal: set ${STRING_CLAIM}${principalClaimName}`);
  checkExtensions(SASL_JAAS_CONFIG, extensions);
  return { claims, principalClaimName, principal: (principal as string).trim(), lifetimeSeconds, extensions };
}

/** A fresh unsecured token, valid from `nowMs` (wall clock) for the configured lifetime. */
export function unsecuredToken(settings: UnsecuredLoginSettings, nowMs: number): OAuthBearerCredential {
  const iat = nowMs / 1000;
  const exp = iat + settings.lifetimeSeconds;
  const payload: Record<string, unknown> = { exp, iat };
  for (const [name, value] of settings.claims) payload[name] = value;
  const jws = `${toBase64Url(utf8('{"alg":"none"}'))}.${toBase64Url(utf8(JSON.stringify(payload)))}.`;
  return { token: new Password(jws), lifetimeMs: Math.trunc(exp * 1000), principal: settings.principal, startTimeMs: Math.trunc(iat * 1000), extensions: settings.extensions };
}
