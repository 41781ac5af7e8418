/**
 * Kafka's OIDC client-credentials login (src/network/sasl/token-endpoint.ts through
 * saslAuthenticatorFrom) against a token endpoint run by the test (node:http): the request's
 * bytes (Basic auth exactly as Kafka 4.4.0's ClientSecretRequestFormatter writes it, with and
 * without sasl.oauthbearer.header.urlencode; the form body), the JWT's claims, the refresh at the
 * time Java's rule gives under a fake clock, Java's retry (5xx retried within
 * sasl.login.retry.backoff.max.ms, 401 not), timeouts, close(), and messages that name the URL
 * and client id but never the secret.
 *
 * Time: the login's clock is a ManualClock; the HTTP exchanges are real. A test moves the clock
 * only when the login waits on it (a retry backoff, the refresh timer), never during a request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { AuthenticationError, KafkaWireError } from '../../src/errors.js';
import { saslAuthenticatorFrom, saslSettingsFrom, type SaslAuthenticator } from '../../src/network/sasl/index.js';
import { silentLogger, type Logger } from '../../src/observability/logger.js';

const SECRET = 'Sup3r-S3cret_value';
const CLIENT_ID = 'kafka-producer-orders';
const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = { status: number; body: string } | 'hang';

let server: Server;
let url: string;
let requests: Recorded[];
let answers: Array<(r: Recorded) => Answer>;
let fallback: (r: Recorded) => Answer;
let hanging: ServerResponse[];
let closedEarly: number;

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function jwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.${b64url('signature')}`;
}

beforeEach(async () => {
  requests = [];
  answers = [];
  hanging = [];
  closedEarly = 0;
  fallback = () => ({ status: 500, body: '{"error":"no answer scripted"}' });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const r: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      const answer = (answers.shift() ?? fallback)(r);
      if (answer === 'hang') {
        hanging.push(res);
        res.on('close', () => closedEarly++);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
});

afterEach(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Waits (real time, bounded) for the real HTTP side to reach a state. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Fires the clock's next timer, landing exactly on its time. */
function fireNextTimer(clock: ManualClock): void {
  const pending = clock.pendingTimers;
  expect(pending).toBeGreaterThan(0);
  for (let i = 0; i < 100_000_000 && clock.pendingTimers >= pending; i++) clock.advance(1);
}

function oidc(extra: Record<string, unknown> = {}, options: { clock?: ManualClock; logger?: Logger; random?: () => number } = {}): { auth: SaslAuthenticator; clock: ManualClock } {
  const clock = options.clock ?? new ManualClock(Date.now());
  const auth = saslAuthenticatorFrom(
    saslSettingsFrom({
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': url,
      'sasl.jaas.config': `${OAUTH_MODULE} required clientId="${CLIENT_ID}" clientSecret="${SECRET}" scope="kafka:write openid" extension_logicalCluster="lkc-1";`,
      ...extra,
    }),
    { clock, logger: options.logger ?? silentLogger, random: options.random ?? (() => 0) },
  );
  return { auth, clock };
}

const tokenOf = (message: Uint8Array): string => new TextDecoder().decode(message).split('\u0001')[1]!.slice('auth=Bearer '.length);

function tokenAnswer(clock: ManualClock, sub = CLIENT_ID, lifetimeS = 3600): () => Answer {
  return () => {
    const now = Math.floor(clock.wallClockMs() / 1000);
    return { status: 200, body: JSON.stringify({ access_token: jwt({ sub, iat: now, exp: now + lifetimeS, scope: 'kafka:write openid' }), token_type: 'Bearer', expires_in: lifetimeS }) };
  };
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64'));
}

describe('the token request', () => {
  test("POST with Java's headers, Basic auth of id:secret, and grant_type + scope form-encoded", async () => {
    const { auth, clock } = oidc();
    answers.push(tokenAnswer(clock));
    const session = auth.session();
    const message = await session.start();
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/oauth2/token');
    expect(r.headers['authorization']).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`);
    expect(r.headers['accept']).toBe('application/json');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.body).toBe('grant_type=client_credentials&scope=kafka%3Awrite+openid');
    expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({ grant_type: 'client_credentials', scope: 'kafka:write openid' });
    // The JWT goes to the broker as is, with the JAAS extension; the principal is its sub.
    expect(tokenOf(message)).toBe(JSON.parse((tokenAnswer(clock)() as { body: string }).body).access_token);
    expect(new TextDecoder().decode(message)).toContain('\u0001logicalCluster=lkc-1\u0001');
    expect(session.describe()).toBe(`SASL/OAUTHBEARER principal ${CLIENT_ID}`);
    auth.close();
  });

  test("the Authorization header is Kafka 4.4.0's bytes, with and without sasl.oauthbearer.header.urlencode", async () => {
    // From Kafka 4.4.0: new ClientSecretRequestFormatter(" svc:orders@acme ", "p@ss w:rd/ü~!", scope, urlEncode).formatHeaders()
    const java = {
      false: 'Basic c3ZjOm9yZGVyc0BhY21lOnBAc3MgdzpyZC/DvH4h',
      true: 'Basic c3ZjJTNBb3JkZXJzJTQwYWNtZTpwJTQwc3MrdyUzQXJkJTJGJUMzJUJDJTdFJTIx',
    };
    for (const encode of [false, true]) {
      const { auth, clock } = oidc({
        'sasl.oauthbearer.client.credentials.client.id': ' svc:orders@acme ',
        'sasl.oauthbearer.client.credentials.client.secret': 'p@ss w:rd/ü~!',
        'sasl.oauthbearer.header.urlencode': String(encode),
        'sasl.jaas.config': `${OAUTH_MODULE} required;`,
      });
      answers.push(tokenAnswer(clock, 'svc'));
      await auth.session().start();
      expect(requests.at(-1)!.headers['authorization']).toBe(java[`${encode}`]);
      expect(requests.at(-1)!.body).toBe('grant_type=client_credentials');
      auth.close();
    }
  });

  test('sasl.oauthbearer.sub.claim.name picks the principal claim; id_token serves when there is no access_token', async () => {
    const { auth, clock } = oidc({ 'sasl.oauthbearer.sub.claim.name': 'azp' });
    answers.push(() => ({ status: 200, body: JSON.stringify({ id_token: jwt({ azp: 'orders-app', exp: Math.floor(clock.wallClockMs() / 1000) + 600 }) }) }));
    const session = auth.session();
    await session.start();
    expect(session.describe()).toBe('SASL/OAUTHBEARER principal orders-app');
    auth.close();
  });
});

describe('failures', () => {
  test('401: an AuthenticationError at once (no retry) naming the URL and the client id, never the secret', async () => {
    const { auth } = oidc();
    // An endpoint that echoes what it got in its error: the secret must still not show.
    answers.push((r) => ({ status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: `bad credentials ${SECRET} in ${r.headers['authorization']}` }) }));
    const error = await auth
      .session('1 (127.0.0.1:9094)')
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    const e = error as AuthenticationError;
    expect(e.code).toBe('SASL_AUTHENTICATION_FAILED');
    expect(e.retriable).toBe(false);
    expect(e.broker).toBe('1 (127.0.0.1:9094)');
    expect(requests).toHaveLength(1);
    expect(e.message).toContain(url);
    expect(e.message).toContain(CLIENT_ID);
    expect(e.message).toContain('HTTP 401');
    expect(e.message).toContain('"invalid_client"');
    expectNoSecret(e.message);
    auth.close();
  });

  test('5xx is retried after sasl.login.retry.backoff.ms, doubling, until an answer comes', async () => {
    const { auth, clock } = oidc();
    const t0 = clock.now();
    answers.push(() => ({ status: 503, body: '' }), () => ({ status: 502, body: '<html>bad gateway</html>' }), tokenAnswer(clock));
    const start = auth.session().start();
    await until(() => requests.length === 1 && clock.pendingTimers === 1, 'the first attempt to fail');
    fireNextTimer(clock);
    expect(clock.now() - t0).toBe(100);
    await until(() => requests.length === 2 && clock.pendingTimers === 1, 'the second attempt to fail');
    fireNextTimer(clock);
    expect(clock.now() - t0).toBe(300);
    await start;
    expect(requests).toHaveLength(3);
    auth.close();
  });

  test("an endpoint that keeps failing: Java's attempts within sasl.login.retry.backoff.max.ms, then the last reason", async () => {
    const { auth, clock } = oidc();
    fallback = () => ({ status: 503, body: '{"error":"temporarily_unavailable","error_description":"try later"}' });
    let settled = false;
    const start = auth
      .session()
      .start()
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    for (;;) {
      await until(() => settled || clock.pendingTimers === 1, 'a retry to wait or the login to end');
      if (settled) break;
      fireNextTimer(clock);
    }
    const error = (await start) as AuthenticationError;
    // Attempts at 0, 100, 300, 700, 1500, 3100, 6300 ms and, the window (10 s) permitting, at 10000.
    expect(requests).toHaveLength(8);
    expect(error.message).toContain('after 8 attempts');
    expect(error.message).toContain('HTTP 503 {"temporarily_unavailable" - "try later"}');
    expectNoSecret(error.message);
    auth.close();
  });

  test('an answer without a token names the fields it has, not their values; a JWT without exp is refused; neither is retried', async () => {
    const { auth } = oidc();
    answers.push(() => ({ status: 200, body: JSON.stringify({ token: 'opaque-value-123', expires_in: 60 }) }));
    const e1 = (await auth.session().start().catch((e: unknown) => e)) as AuthenticationError;
    expect(e1.message).toContain('no access_token or id_token (it has: token, expires_in)');
    expect(e1.message).not.toContain('opaque-value-123');
    expect(requests).toHaveLength(1);

    answers.push(() => ({ status: 200, body: JSON.stringify({ access_token: jwt({ sub: 'x' }) }) }));
    const e2 = (await auth.session().start().catch((e: unknown) => e)) as AuthenticationError;
    expect(e2.message).toContain('the exp claim is missing');
    expect(requests).toHaveLength(2);
    auth.close();
  });

  test('no answer within sasl.login.connect.timeout.ms + sasl.login.read.timeout.ms: the request is abandoned', async () => {
    const { auth, clock } = oidc({ 'sasl.login.connect.timeout.ms': 1000, 'sasl.login.read.timeout.ms': '2000', 'sasl.login.retry.backoff.ms': 0, 'sasl.login.retry.backoff.max.ms': 0 });
    answers.push(() => 'hang');
    const start = auth.session().start().catch((e: unknown) => e);
    await until(() => requests.length === 1 && clock.pendingTimers === 1, 'the request to arrive');
    fireNextTimer(clock);
    const error = (await start) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('no answer within sasl.login.connect.timeout.ms + sasl.login.read.timeout.ms (3000 ms)');
    await until(() => closedEarly === 1, 'the server to see the request abandoned');
    auth.close();
  });
});

describe('the refresh', () => {
  test("at Java's time (here 82.5 % of the token's life, jitter 0.5), and the next session gets the new token", async () => {
    const { auth, clock } = oidc({}, { random: () => 0.5 });
    const t0 = clock.now();
    fallback = tokenAnswer(clock);
    const first = tokenOf(await auth.session().start());
    expect(clock.pendingTimers).toBe(1); // the refresh
    clock.advance(0.825 * 3_600_000 - 1);
    expect(requests).toHaveLength(1);
    clock.advance(1);
    await until(() => requests.length === 2, 'the refresh request');
    expect(clock.now() - t0).toBe(2_970_000);
    await until(() => clock.pendingTimers === 1, 'the next refresh to be scheduled');
    const second = tokenOf(await auth.session().start());
    expect(second).not.toBe(first);
    expect(requests).toHaveLength(2);
    auth.close();
    expect(clock.pendingTimers).toBe(0);
  });

  test('a refresh that fails keeps the old token, is logged without the secret, and is tried again 10 s later', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
    const { auth, clock } = oidc({ 'sasl.login.retry.backoff.ms': 0, 'sasl.login.retry.backoff.max.ms': 0 }, { logger });
    answers.push(tokenAnswer(clock));
    const first = tokenOf(await auth.session().start());
    fallback = (r) => ({ status: 500, body: JSON.stringify({ error: 'server_error', error_description: `oops ${r.headers['authorization']}` }) });
    fireNextTimer(clock); // the refresh
    await until(() => requests.length === 2 && clock.pendingTimers === 1, 'the failed refresh and its retry timer');
    expect(tokenOf(await auth.session().start())).toBe(first);
    expect(lines.some((l) => l.includes('HTTP 500') && l.includes('trying again in 10 s'))).toBe(true);
    for (const l of lines) expectNoSecret(l);

    fallback = tokenAnswer(clock);
    const before = clock.now();
    fireNextTimer(clock);
    expect(clock.now() - before).toBe(10_000);
    await until(() => requests.length === 3 && clock.pendingTimers === 1, 'the retried refresh');
    expect(tokenOf(await auth.session().start())).not.toBe(first);
    auth.close();
  });
});

describe('close()', () => {
  test('during a token request: the request is aborted, start() rejects, no timer is left', async () => {
    const { auth, clock } = oidc();
    answers.push(() => 'hang');
    const start = auth.session().start().catch((e: unknown) => e);
    await until(() => requests.length === 1, 'the request to arrive');
    auth.close();
    const error = (await start) as KafkaWireError;
    expect(error.code).toBe('PRODUCER_CLOSED');
    await until(() => closedEarly === 1, 'the server to see the request abandoned');
    expect(clock.pendingTimers).toBe(0);
  });
});
