/**
 * SASL checks (KIP-43, KIP-152, KIP-368), each on a raw connection of its own: what a plaintext
 * listener says to a SaslHandshake, the mechanisms a SASL listener offers, that nothing but
 * ApiVersions and SASL is served before authentication, a wrong PLAIN password, and the session
 * lifetime a listener grants (reported). Which apply depends on --producer.config: a SASL
 * listener (security.protocol SASL_PLAINTEXT / SASL_SSL) or not; the others are skipped, saying
 * why.
 */
import { ApiKey } from '../../protocol/api-keys.js';
import type { BrokerConnection } from '../../network/connection.js';
import { errorName, fail, info, pass, skip, type Check, type CheckContext } from '../check.js';
import { Err } from '../kafka-errors.js';

const group = 'SASL' as const;
const utf8 = new TextEncoder();

function saslListener(ctx: CheckContext): boolean {
  return ctx.client.security.sasl !== undefined;
}

/** A raw connection and the SaslAuthenticate version to use on it. */
async function rawSasl(ctx: CheckContext): Promise<{ conn: BrokerConnection; authenticate: number }> {
  const authenticate = ctx.client.version(ApiKey.SaslAuthenticate) ?? 0;
  return { conn: await ctx.client.rawConnection(), authenticate };
}

export const SASL_CHECKS: readonly Check[] = [
  {
    id: 'sasl.plaintext-listener',
    group,
    title: 'A listener without SASL refuses a SaslHandshake',
    reference: 'SaslHandshakeRequest.json (KIP-43); KafkaApis: ILLEGAL_SASL_STATE outside a SASL listener',
    level: 'SHOULD',
    expected: 'ILLEGAL_SASL_STATE (34)',
    async run(ctx) {
      if (saslListener(ctx)) return skip('the configured listener uses SASL (security.protocol)');
      if (ctx.client.version(ApiKey.SaslHandshake) === null) return skip('the broker advertises no SaslHandshake v1');
      const conn = await ctx.client.connection();
      const answer = await ctx.client.request(conn, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      return answer.errorCode === Err.ILLEGAL_SASL_STATE ? pass('ILLEGAL_SASL_STATE') : fail(`answered ${errorName(answer.errorCode)} (mechanisms ${answer.mechanisms.join(',') || 'none'})`);
    },
  },
  {
    id: 'sasl.mechanisms-offered',
    group,
    title: 'An unknown mechanism is refused with the list of enabled ones',
    reference: 'SaslHandshakeResponse.json: Mechanisms; Errors.UNSUPPORTED_SASL_MECHANISM',
    level: 'MUST',
    expected: 'UNSUPPORTED_SASL_MECHANISM (33) listing the enabled mechanisms, the configured sasl.mechanism among them',
    async run(ctx) {
      if (!saslListener(ctx)) return skip('not a SASL listener (security.protocol is not SASL_*)');
      const { conn } = await rawSasl(ctx);
      const answer = await ctx.client.request(conn, ApiKey.SaslHandshake, 1, { mechanism: 'KAFKA-WIRE-NO-SUCH-MECHANISM' });
      const mine = ctx.client.security.sasl!.mechanism;
      if (answer.errorCode !== Err.UNSUPPORTED_SASL_MECHANISM) return fail(`answered ${errorName(answer.errorCode)}`);
      if (!answer.mechanisms.includes(mine)) return fail(`offers ${answer.mechanisms.join(', ') || 'nothing'}, not the configured ${mine}`);
      return pass(`offers ${answer.mechanisms.join(', ')}`);
    },
  },
  {
    id: 'sasl.before-authentication',
    group,
    title: 'Nothing but ApiVersions and SASL is served before authentication',
    reference: 'KIP-43 / SaslServerAuthenticator (unexpected request before the handshake closes the connection)',
    level: 'MUST',
    expected: 'ApiVersions answered; a Metadata request before SaslHandshake closes the connection without an answer',
    async run(ctx) {
      if (!saslListener(ctx)) return skip('not a SASL listener (security.protocol is not SASL_*)');
      const { conn } = await rawSasl(ctx);
      const av = await ctx.client.request(conn, ApiKey.ApiVersions, 0, {});
      if (av.errorCode !== 0) return fail(`ApiVersions before authentication answered ${errorName(av.errorCode)}`);
      try {
        const md = await ctx.client.request(conn, ApiKey.Metadata, 1, { topics: [] }, { timeoutMs: 5_000 });
        return fail(`Metadata before authentication was answered (${md.brokers.length} broker(s))`);
      } catch (e) {
        if ((e as { code?: string }).code === 'REQUEST_TIMED_OUT') return fail('Metadata before authentication was neither answered nor refused within 5 s');
        return pass('ApiVersions answered; Metadata closed the connection');
      }
    },
  },
  {
    id: 'sasl.wrong-password',
    group,
    title: 'Wrong PLAIN credentials are refused',
    reference: 'SaslAuthenticateResponse.json: ErrorCode; Errors.SASL_AUTHENTICATION_FAILED (RFC 4616 PLAIN)',
    level: 'MUST',
    expected: 'SASL_AUTHENTICATION_FAILED (58) for an unknown user and password',
    async run(ctx) {
      if (!saslListener(ctx)) return skip('not a SASL listener (security.protocol is not SASL_*)');
      const { conn, authenticate } = await rawSasl(ctx);
      const hs = await ctx.client.request(conn, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      if (hs.errorCode === Err.UNSUPPORTED_SASL_MECHANISM) return skip(`the listener does not offer PLAIN (it offers ${hs.mechanisms.join(', ')})`);
      if (hs.errorCode !== 0) return fail(`SaslHandshake PLAIN answered ${errorName(hs.errorCode)}`);
      const answer = await ctx.client.request(conn, ApiKey.SaslAuthenticate, authenticate, { authBytes: utf8.encode('\u0000kafka-wire-no-such-user\u0000not-the-password') });
      return answer.errorCode === Err.SASL_AUTHENTICATION_FAILED ? pass(`SASL_AUTHENTICATION_FAILED${answer.errorMessage ? ` ("${answer.errorMessage}")` : ''}`) : fail(`answered ${errorName(answer.errorCode)}`);
    },
  },
  {
    id: 'sasl.session-lifetime',
    group,
    title: 'The session lifetime the listener grants',
    reference: 'KIP-368 (SaslAuthenticateResponse.json: SessionLifetimeMs, v1+; connections.max.reauth.ms)',
    level: 'INFO',
    expected: 'reported: the SessionLifetimeMs of the final SaslAuthenticate answer (0: no re-authentication required)',
    async run(ctx) {
      const sasl = ctx.client.security.sasl;
      if (sasl === undefined) return skip('not a SASL listener (security.protocol is not SASL_*)');
      const { conn, authenticate } = await rawSasl(ctx);
      const hs = await ctx.client.request(conn, ApiKey.SaslHandshake, 1, { mechanism: sasl.mechanism });
      if (hs.errorCode !== 0) return fail(`SaslHandshake ${sasl.mechanism} answered ${errorName(hs.errorCode)}`);
      const session = sasl.session(conn.broker);
      let message: Uint8Array | null = await session.start();
      let lifetime = 0n;
      while (message !== null) {
        const answer = await ctx.client.request(conn, ApiKey.SaslAuthenticate, authenticate, { authBytes: message });
        if (answer.errorCode !== 0) return fail(`SaslAuthenticate answered ${errorName(answer.errorCode)} (${session.describe()})`);
        if (answer.sessionLifetimeMs > 0n) lifetime = answer.sessionLifetimeMs;
        message = await session.next(answer.authBytes);
      }
      if (authenticate < 1) return info(`authenticated (${sasl.mechanism}); SaslAuthenticate v${authenticate} carries no lifetime`);
      return info(`${sasl.mechanism}: ${lifetime > 0n ? `session lifetime ${lifetime} ms (re-authentication required)` : 'no session lifetime'}`);
    },
  },
];
