/**
 * What the client reads from a JWT before using it, as Java's ClientJwtValidator (the client
 * half of DefaultJwtValidator) does: three non-empty sections; a payload that is base64url JSON;
 * `exp` (required, seconds, not negative), the subject claim (sasl.oauthbearer.sub.claim.name,
 * default `sub`, a non-blank string), `iat` (optional, seconds), and the scope claim
 * (sasl.oauthbearer.scope.claim.name, default `scope`: a string or a list of distinct non-blank
 * strings). The signature is not checked: that is the broker's job, with the issuer's keys.
 *
 * Problems are reported in words that never include the token or a claim's value.
 */
import { Password } from '../security/password.js';
import { fromBase64Url, fromUtf8 } from './bytes.js';
import type { OAuthBearerCredential } from './oauthbearer.js';

export interface JwtClaimNames {
  /** sasl.oauthbearer.sub.claim.name */
  readonly sub: string;
  /** sasl.oauthbearer.scope.claim.name */
  readonly scope: string;
}

export const DEFAULT_CLAIM_NAMES: JwtClaimNames = { sub: 'sub', scope: 'scope' };

/** A JWT that cannot be used; the message says why without quoting it. */
export class InvalidJwtError extends Error {
  override readonly name = 'InvalidJwtError';
}

/** The sections of a compact JWT (Java's SerializedJwt: split on `.`, trailing empty sections dropped). */
function sections(jwt: string): [string, string, string] {
  const parts = jwt.trim().split('.');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) {
    throw new InvalidJwtError('malformed JWT: expected three sections (header, payload and signature)');
  }
  return parts.map((p) => p.trim()) as [string, string, string];
}

/** A base64url JSON object section (Java's OAuthBearerUnsecuredJws.toMap). */
export function jwtSection(section: string, what: string): Record<string, unknown> {
  const bytes = fromBase64Url(section);
  if (bytes === undefined) throw new InvalidJwtError(`malformed JWT: the ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new InvalidJwtError(`malformed JWT: the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidJwtError(`malformed JWT: the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The header and payload of a compact JWT, checked to be JSON objects (FileJwtRetriever's check). */
export function parseJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = sections(jwt);
  return { header: jwtSection(header, 'header'), payload: jwtSection(payload, 'payload') };
}

function nonBlank(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidJwtError(`the ${name} claim must be a string${value === undefined ? ', and is missing' : ''}`);
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidJwtError(`the ${name} claim must not be blank`);
  return trimmed;
}

/** Java's Number.longValue() of a JSON number of seconds, in milliseconds. */
function secondsToMs(seconds: number): number {
  return Math.trunc(seconds) * 1000;
}

/**
 * The credential a JWT makes, with `extensions` attached. Throws InvalidJwtError when the token
 * is not one a Kafka client would send.
 */
export function credentialFromJwt(jwt: string, claims: JwtClaimNames, extensions: Readonly<Record<string, string>>): OAuthBearerCredential {
  const token = jwt.trim();
  const { payload } = parseJwt(token);

  const scope = payload[claims.scope];
  const scopes = typeof scope === 'string' ? [scope] : Array.isArray(scope) ? scope : [];
  const seen = new Set<string>();
  for (const s of scopes) {
    const v = nonBlank(claims.scope, s);
    if (seen.has(v)) throw new InvalidJwtError(`the ${claims.scope} claim must not contain duplicates`);
    seen.add(v);
  }

  const exp = payload['exp'];
  if (exp === undefined || exp === null) throw new InvalidJwtError('the exp claim is missing');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new InvalidJwtError('the exp claim must be a number');
  if (exp < 0) throw new InvalidJwtError('the exp claim must not be negative');

  const principal = nonBlank(claims.sub, payload[claims.sub]);

  const iat = payload['iat'];
  let startTimeMs: number | undefined;
  if (iat !== undefined && iat !== null) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidJwtError('the iat claim must be a number');
    if (iat < 0) throw new InvalidJwtError('the iat claim must not be negative');
    startTimeMs = secondsToMs(iat);
  }

  const credential: OAuthBearerCredential = { token: new Password(token), lifetimeMs: secondsToMs(exp), principal, extensions };
  return startTimeMs === undefined ? credential : { ...credential, startTimeMs };
}
