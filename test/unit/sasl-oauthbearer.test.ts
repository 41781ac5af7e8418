/**
 * SASL/OAUTHBEARER (src/network/sasl/oauthbearer.ts, token-login.ts, token-provider.ts,
 * unsecured-token.ts): the RFC 7628 initial response byte for byte (checked against Kafka
 * 4.4.0's OAuthBearerClientInitialResponse), the error-challenge path (%x01, the broker's JSON
 * kept without the token), the token provider function (one token for every connection, Java's
 * refresh schedule under a fake clock, failures that keep the old token), the unsecured test
 * login, close(), and the OAUTHBEARER settings rules.
 */
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { AuthenticationError, ConfigError, KafkaWireError } from '../../src/errors.js';
import { saslAuthenticatorFrom, saslSettingsFrom, type SaslAuthenticator } from '../../src/network/sasl/index.js';
import { oauthBearerInitialResponse } from '../../src/network/sasl/oauthbearer.js';
import { DEFAULT_REFRESH, refreshTimeMs } from '../../src/network/sasl/token-login.js';
import type { OAuthBearerTokenGrant } from '../../src/network/sasl/token-provider.js';
import { Password } from '../../src/network/security/password.js';
import { silentLogger, type Logger } from '../../src/observability/logger.js';

const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const text = (b: Uint8Array | null): string => (b === null ? '<null>' : new TextDecoder().decode(b));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Splits an initial response into its token and extensions (RFC 7628 §3.1). */
function parseInitialResponse(message: string): { token: string; extensions: Record<string, string> } {
  expect(message.startsWith('n,,\u0001')).toBe(true);
  expect(message.endsWith('\u0001\u0001')).toBe(true);
  const pairs = message.slice(4, -2).split('\u0001').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const);
  const auth = pairs.find(([k]) => k === 'auth')![1];
  expect(auth.startsWith('Bearer ')).toBe(true);
  return { token: auth.slice('Bearer '.length), extensions: Object.fromEntries(pairs.filter(([k]) => k !== 'auth')) };
}

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const HOUR = 3_600_000;

describe('the initial client response (RFC 7628 §3.1)', () => {
  test("without extensions: Java's bytes exactly", () => {
    // Kafka 4.4.0: new OAuthBearerClientInitialResponse("tok", SaslExtensions.empty()).toBytes()
    expect(text(oauthBearerInitialResponse('tok', {}))).toBe('n,,\u0001auth=Bearer tok\u0001\u0001');
  });

  test("with extensions: Java's pairs, sorted by name", () => {
    const token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';
    // Kafka 4.4.0 on Java 17 (HashMap order): n,,\x01auth=Bearer <token>\x01a=1\x01logicalCluster=lkc-1\x01identityPoolId=pool-2\x01\x01
    const java = `n,,\u0001auth=Bearer ${token}\u0001a=1\u0001logicalCluster=lkc-1\u0001identityPoolId=pool-2\u0001\u0001`;
    const ours = text(oauthBearerInitialResponse(token, { logicalCluster: 'lkc-1', identityPoolId: 'pool-2', a: '1' }));
    expect(ours).toBe(`n,,\u0001auth=Bearer ${token}\u0001a=1\u0001identityPoolId=pool-2\u0001logicalCluster=lkc-1\u0001\u0001`);
    expect(parseInitialResponse(ours)).toEqual(parseInitialResponse(java));
  });
});

/** An authenticator whose tokens come from `provider`, on a fake clock. */
function withProvider(provider: () => Promise<OAuthBearerTokenGrant> | OAuthBearerTokenGrant, extra: Record<string, unknown> = {}, logger: Logger = silentLogger) {
  const clock = new ManualClock();
  const auth = saslAuthenticatorFrom(saslSettingsFrom({ 'sasl.mechanism': 'OAUTHBEARER', 'sasl.login.callback.handler.class': provider, ...extra }), { clock, logger, random: () => 0 });
  return { clock, auth };
}

async function startToken(auth: SaslAuthenticator): Promise<string> {
  return parseInitialResponse(text(await auth.session().start())).token;
}

/** Lets promise callbacks run (the provider is called behind a few awaits). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('the token provider function (sasl.login.callback.handler.class)', () => {
  test('one call serves every connection: concurrent sessions wait for the same token', async () => {
    let calls = 0;
    const clock0 = new ManualClock();
    const { auth } = withProvider(async () => ({ token: `tok-${++calls}`, lifetimeMs: clock0.now() + HOUR, principal: 'svc-orders' }));
    const tokens = await Promise.all([startToken(auth), startToken(auth), startToken(auth)]);
    expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(await startToken(auth)).toBe('tok-1');
    expect(calls).toBe(1);
    auth.close();
  });

  test("refreshed on Java's schedule: start + (exp - start) * (0.8 + 0.05 * jitter), here at 80 % with jitter 0", async () => {
    let calls = 0;
    const start = new ManualClock().now();
    const { clock, auth } = withProvider(async () => {
      calls++;
      return { token: `tok-${calls}`, lifetimeMs: clock.wallClockMs() + HOUR };
    });
    expect(await startToken(auth)).toBe('tok-1');
    clock.advance(0.8 * HOUR - 1);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1);
    await flush();
    expect(calls).toBe(2);
    expect(clock.now() - start).toBe(0.8 * HOUR);
    expect(await startToken(auth)).toBe('tok-2');
    auth.close();
    expect(clock.pendingTimers).toBe(0);
  });

  test('a failed refresh keeps the old token while it is valid and tries again 10 s later', async () => {
    let calls = 0;
    let failing = false;
    const logger = capture();
    const { clock, auth } = withProvider(
      async () => {
        calls++;
        if (failing) throw new Error('identity service unavailable');
        return { token: `tok-${calls}`, lifetimeMs: clock.wallClockMs() + HOUR };
      },
      {},
      logger,
    );
    expect(await startToken(auth)).toBe('tok-1');
    failing = true;
    clock.advance(0.8 * HOUR);
    await flush();
    expect(calls).toBe(2);
    expect(await startToken(auth)).toBe('tok-1');
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('identity service unavailable') && l.includes('trying again in 10 s'))).toBe(true);
    clock.advance(9_999);
    await flush();
    expect(calls).toBe(2);
    failing = false;
    clock.advance(1);
    await flush();
    expect(calls).toBe(3);
    expect(await startToken(auth)).toBe('tok-3');
    auth.close();
  });

  test('once the token has expired and refreshes fail, start() asks itself and fails with the reason', async () => {
    let calls = 0;
    let failing = false;
    const { clock, auth } = withProvider(async () => {
      calls++;
      if (failing) throw new Error('still down');
      return { token: 'tok', lifetimeMs: clock.wallClockMs() + 120_000 };
    });
    await startToken(auth);
    failing = true;
    clock.advance(121_000);
    await flush();
    const error = await auth
      .session('0 (127.0.0.1:9095)')
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('SASL_AUTHENTICATION_FAILED');
    expect((error as AuthenticationError).broker).toBe('0 (127.0.0.1:9095)');
    expect((error as Error).message).toContain('still down');
    auth.close();
  });

  test('lifetimeMs is an expiry time: a duration (in the past as a time) is refused, saying so', async () => {
    const { auth } = withProvider(() => ({ token: 'tok', lifetimeMs: 3_600_000 }));
    const error = await auth.session().start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('not a duration');
    auth.close();
  });

  test.each<[string, unknown, string]>([
    ['no token', { lifetimeMs: Date.now() + HOUR }, 'no token'],
    ['a token with a space', { token: 'a b', lifetimeMs: Date.now() + HOUR }, 'RFC 6750'],
    ['no object', 'tok', 'not { token, lifetimeMs }'],
    ['a reserved extension name', { token: 'tok', lifetimeMs: Date.now() + HOUR, extensions: { auth: 'x' } }, 'auth is reserved'],
    ['an extension name with a digit', { token: 'tok', lifetimeMs: Date.now() + HOUR, extensions: { a1: 'x' } }, 'letters only'],
  ])('a provider returning %s fails the login, naming the problem', async (_what, grant, says) => {
    const clock = new ManualClock(Date.now());
    const auth = saslAuthenticatorFrom(saslSettingsFrom({ 'sasl.mechanism': 'OAUTHBEARER', 'sasl.login.callback.handler.class': () => grant as OAuthBearerTokenGrant }), { clock, logger: silentLogger });
    const error = await auth.session().start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain(says);
    auth.close();
  });

  test('a provider that throws: its message, the cause kept', async () => {
    const boom = new Error('signer has no credentials');
    const { auth } = withProvider(() => {
      throw boom;
    });
    const error = (await auth.session().start().catch((e: unknown) => e)) as AuthenticationError;
    expect(error.message).toContain('signer has no credentials');
    expect(error.cause).toBe(boom);
  });

  test("extensions: the JAAS extension_* options, overridden by the provider's", async () => {
    const clock0 = new ManualClock();
    const { auth } = withProvider(() => ({ token: 'tok', lifetimeMs: clock0.now() + HOUR, extensions: { logicalCluster: 'lkc-2' } }), {
      'sasl.jaas.config': `${OAUTH_MODULE} required extension_logicalCluster="lkc-1" extension_identityPoolId="pool-1";`,
    });
    const session = auth.session();
    expect(parseInitialResponse(text(await session.start())).extensions).toEqual({ identityPoolId: 'pool-1', logicalCluster: 'lkc-2' });
    auth.close();
  });

  test('describe() names the principal once known, never the token', async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"svc-payments"}').toString('base64url')}.c2ln`;
    const clock0 = new ManualClock();
    const { auth } = withProvider(() => ({ token: jwt, lifetimeMs: clock0.now() + HOUR }));
    const session = auth.session();
    expect(session.describe()).toBe('SASL/OAUTHBEARER the token provider (sasl.login.callback.handler.class)');
    await session.start();
    expect(session.describe()).toBe('SASL/OAUTHBEARER principal svc-payments');
    auth.close();
  });
});

describe("the broker's error challenge (RFC 7628 §3.2.2-3)", () => {
  test('answered with %x01; the JSON kept for the error, without the token', async () => {
    const clock0 = new ManualClock();
    const { auth } = withProvider(() => ({ token: 'secret.token.value', lifetimeMs: clock0.now() + HOUR, principal: 'svc' }));
    const session = auth.session();
    await session.start();
    const json = '{"status":"invalid_token","scope":"kafka","echo":"secret.token.value"}';
    expect(Array.from((await session.next(bytes(json)))!)).toEqual([0x01]);
    const detail = session.failureDetail()!;
    expect(detail).toContain('"status":"invalid_token"');
    expect(detail).not.toContain('secret.token.value');
    // The broker must now fail the exchange; another challenge is a protocol error.
    const error = (await session.next(bytes(json)).catch((e: unknown) => e)) as AuthenticationError;
    expect(error.code).toBe('SASL_AUTHENTICATION_FAILED');
    expect(error.message).not.toContain('secret.token.value');
    auth.close();
  });

  test('an empty answer completes the exchange', async () => {
    const clock0 = new ManualClock();
    const { auth } = withProvider(() => ({ token: 'tok', lifetimeMs: clock0.now() + HOUR }));
    const session = auth.session();
    await session.start();
    expect(await session.next(new Uint8Array(0))).toBeNull();
    expect(session.failureDetail()).toBeUndefined();
    await expect(session.next(new Uint8Array(0))).rejects.toMatchObject({ code: 'ILLEGAL_SASL_STATE' });
    auth.close();
  });
});

describe('close()', () => {
  test('a start() waiting for a token rejects; later sessions reject; no timer is left', async () => {
    let release: (g: OAuthBearerTokenGrant) => void = () => {};
    const { clock, auth } = withProvider(() => new Promise<OAuthBearerTokenGrant>((r) => (release = r)));
    const waiting = auth.session().start();
    await flush();
    auth.close();
    await expect(waiting).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
    release({ token: 'late', lifetimeMs: clock.now() + HOUR });
    await flush();
    expect(clock.pendingTimers).toBe(0);
    const later = await auth.session().start().catch((e: unknown) => e);
    expect(later).toBeInstanceOf(KafkaWireError);
    expect((later as KafkaWireError).code).toBe('PRODUCER_CLOSED');
    auth.close(); // twice is harmless
  });
});

describe("the refresh time (Java's ExpiringCredentialRefreshingLogin.refreshMs)", () => {
  const now = 1_700_000_000_000;
  const cred = (lifetimeMs: number, startTimeMs?: number) => ({ token: new Password('t'), lifetimeMs, principal: 'p', extensions: {}, ...(startTimeMs === undefined ? {} : { startTimeMs }) });

  test.each<[string, number, number | undefined, number, number]>([
    ['an hour-long token: 80 % of its life', now + HOUR, now, 0, now + 0.8 * HOUR],
    ['with full jitter: 85 %', now + HOUR, now, 1, now + 0.85 * HOUR],
    ['counted from its start (iat), not from now', now + 0.5 * HOUR, now - 0.5 * HOUR, 0, now + 0.3 * HOUR],
    ['never later than 300 s before expiry (80 % of 1000 s would be 800 s)', now + 1_000_000, now, 0, now + 700_000],
    ['never sooner than 60 s from now (80 % of its life is long past)', now + 2 * HOUR, now - 100 * HOUR, 0, now + 60_000],
    ['too short for both buffers: 80 % of what is left', now + 200_000, now, 0, now + 160_000],
    ['already expired: 10 s from now', now - 1, now - HOUR, 0, now + 10_000],
  ])('%s', (_what, lifetimeMs, startTimeMs, random, expected) => {
    expect(refreshTimeMs(cred(lifetimeMs, startTimeMs), now, DEFAULT_REFRESH, random)).toBe(expected);
  });
});

describe('the unsecured login (no callback handler: Java\'s default)', () => {
  test('an unsigned JWS with the configured claims, exp = now + lifetime, and its extensions', async () => {
    const clock = new ManualClock();
    const auth = saslAuthenticatorFrom(
      saslSettingsFrom({
        'sasl.mechanism': 'OAUTHBEARER',
        'sasl.jaas.config': `${OAUTH_MODULE} required unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",read,write" unsecuredLoginNumberClaim_level="2" unsecuredLoginLifetimeSeconds="600" unsecuredLoginExtension_traceId="t1";`,
      }),
      { clock, logger: silentLogger },
    );
    const session = auth.session();
    const { token, extensions } = parseInitialResponse(text(await session.start()));
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'none' });
    expect(signature).toBe('');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toEqual({ iat: clock.now() / 1000, exp: clock.now() / 1000 + 600, sub: 'alice', scope: ['read', 'write'], level: 2 });
    expect(extensions).toEqual({ traceId: 't1' });
    expect(session.describe()).toBe('SASL/OAUTHBEARER principal alice');
    auth.close();
  });
});

describe('OAUTHBEARER settings', () => {
  const configError = (values: Record<string, unknown>): ConfigError => {
    try {
      saslSettingsFrom({ 'sasl.mechanism': 'OAUTHBEARER', ...values });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  test('a token provider needs no sasl.jaas.config; any other login module is refused', () => {
    expect(saslSettingsFrom({ 'sasl.mechanism': 'OAUTHBEARER', 'sasl.login.callback.handler.class': () => ({ token: 't', lifetimeMs: 1 }) })).toMatchObject({ source: { kind: 'provider' } });
    expect(configError({ 'sasl.login.callback.handler.class': () => ({}), 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required;' }).message).toContain('does not go with');
  });

  test('an OAuthBearerLoginModule without options has no token: the message says where tokens come from', () => {
    const e = configError({ 'sasl.jaas.config': `${OAUTH_MODULE} required;` });
    expect(e.message).toContain('sasl.login.callback.handler.class');
  });

  test('a token endpoint or client credentials without the OIDC callback handler name the property to set', () => {
    for (const values of [
      { 'sasl.jaas.config': `${OAUTH_MODULE} required;`, 'sasl.oauthbearer.token.endpoint.url': 'https://idp/token' },
      { 'sasl.jaas.config': `${OAUTH_MODULE} required clientId=a clientSecret=b;` },
    ]) {
      const e = configError(values);
      expect(e.property).toBe('sasl.login.callback.handler.class');
      expect(e.message).toContain('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler');
    }
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['an unknown callback handler class', { 'sasl.login.callback.handler.class': 'com.example.MyHandler' }, 'sasl.login.callback.handler.class'],
    ['the jwt-bearer retriever', { 'sasl.oauthbearer.jwt.retriever.class': 'org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever' }, 'sasl.oauthbearer.jwt.retriever.class'],
    ['a client assertion', { 'sasl.oauthbearer.assertion.claim.iss': 'me' }, 'sasl.oauthbearer.assertion.claim.iss'],
    ['the broker validator', { 'sasl.oauthbearer.jwt.validator.class': 'org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator' }, 'sasl.oauthbearer.jwt.validator.class'],
    ['a bad protocol', { 'sasl.oauthbearer.token.endpoint.url': 'ftp://idp/token' }, 'sasl.oauthbearer.token.endpoint.url'],
    ['retry max below retry backoff', { 'sasl.login.retry.backoff.ms': 500, 'sasl.login.retry.backoff.max.ms': '100' }, 'sasl.login.retry.backoff.max.ms'],
    ['a refresh factor out of range', { 'sasl.login.refresh.window.factor': '0.4' }, 'sasl.login.refresh.window.factor'],
    ['a refresh buffer out of range', { 'sasl.login.refresh.buffer.seconds': 3601 }, 'sasl.login.refresh.buffer.seconds'],
    ['an invalid extension name', { 'sasl.jaas.config': `${OAUTH_MODULE} required clientId=a clientSecret=b extension_bad1=x;` }, 'sasl.jaas.config'],
    ['no client id anywhere', { 'sasl.jaas.config': `${OAUTH_MODULE} required clientSecret=b;` }, 'sasl.oauthbearer.client.credentials.client.id'],
    ['no client secret anywhere', { 'sasl.jaas.config': `${OAUTH_MODULE} required clientId=a;` }, 'sasl.oauthbearer.client.credentials.client.secret'],
    ['ssl options for the token endpoint', { 'sasl.jaas.config': `${OAUTH_MODULE} required clientId=a clientSecret=b ssl.truststore.location="/x";` }, 'sasl.jaas.config'],
  ])('%s is a ConfigError naming the property', (_what, values, property) => {
    const e = configError({
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.jaas.config': `${OAUTH_MODULE} required clientId="svc" clientSecret="s3cret";`,
      ...values,
    });
    expect(e.property).toBe(property);
    expect(e.message).not.toContain('s3cret');
  });

  test("Kafka 4.1+'s client credential properties win over the JAAS options, with a warning (Java's ConfigOrJaas)", () => {
    const s = saslSettingsFrom({
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler', // 3.x's name
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.oauthbearer.client.credentials.client.id': 'from-config',
      'sasl.oauthbearer.client.credentials.client.secret': new Password('secret-from-config'),
      'sasl.oauthbearer.scope': 'kafka:write',
      'sasl.jaas.config': `${OAUTH_MODULE} required clientId="from-jaas" clientSecret="secret-from-jaas" scope="jaas-scope";`,
    });
    if (s.mechanism !== 'OAUTHBEARER' || s.source.kind !== 'client-credentials') throw new Error(`unexpected ${JSON.stringify(s)}`);
    expect(s.source.endpoint.clientId).toBe('from-config');
    expect(s.source.endpoint.clientSecret.value()).toBe('secret-from-config');
    expect(s.source.endpoint.scope).toBe('kafka:write');
    expect(s.warnings).toHaveLength(4); // client id, secret, scope given twice; the 3.x class name
    expect(s.warnings.filter((w) => w.includes('is deprecated'))).toHaveLength(3);
    expect(s.warnings.some((w) => w.includes("Kafka 3.x's name"))).toBe(true);
    expect(JSON.stringify(s)).not.toContain('secret-from');
  });

  test('a file:// endpoint is the token file; without a runtime that reads files, a ConfigError', () => {
    const s = saslSettingsFrom({
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': 'file:///var/run/secrets/token.jwt',
      'sasl.jaas.config': `${OAUTH_MODULE} required;`,
    });
    expect(s).toMatchObject({ source: { kind: 'file', file: { path: '/var/run/secrets/token.jwt' } } });
    expect(() => saslAuthenticatorFrom(s, { clock: new ManualClock(), logger: silentLogger })).toThrow(ConfigError);
  });

  test('a token file is read through the injected reader on each login', async () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'file-user', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${payload}.c2ln`;
    const reads: string[] = [];
    const clock = new ManualClock(Date.now());
    const auth = saslAuthenticatorFrom(
      saslSettingsFrom({
        'sasl.mechanism': 'OAUTHBEARER',
        'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
        'sasl.oauthbearer.token.endpoint.url': 'file:///tokens/kafka.jwt',
        'sasl.jaas.config': `${OAUTH_MODULE} required;`,
      }),
      {
        clock,
        logger: silentLogger,
        readFile: async (path) => {
          reads.push(path);
          return `  ${jwt}\n`;
        },
      },
    );
    const session = auth.session();
    expect(parseInitialResponse(text(await session.start())).token).toBe(jwt);
    expect(reads).toEqual(['/tokens/kafka.jwt']);
    expect(session.describe()).toBe('SASL/OAUTHBEARER principal file-user');
    auth.close();
  });
});
