/**
 * SASL/PLAIN (src/network/sasl/plain.ts): RFC 4616's message with an empty authorization id,
 * one message, completed by the broker's (empty) answer; describe() names the user only.
 */
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/common/clock.js';
import { AuthenticationError } from '../../src/errors.js';
import { saslAuthenticatorFrom, saslSettingsFrom } from '../../src/network/sasl/index.js';
import { silentLogger } from '../../src/observability/logger.js';

const deps = { clock: new ManualClock(), logger: silentLogger };

function plain(username: string, password: string) {
  return saslAuthenticatorFrom(
    saslSettingsFrom({
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}";`,
    }),
    deps,
  );
}

describe('SASL/PLAIN', () => {
  test('the message is NUL user NUL password in UTF-8 (no authorization id)', async () => {
    const session = plain('alice', 'pässwörd');
    expect(Array.from(await session.session().start())).toEqual([0, ...Buffer.from('alice'), 0, ...Buffer.from('pässwörd', 'utf8')]);
  });

  test("one message: the broker's empty answer completes the exchange", async () => {
    const session = plain('alice', 'pw').session();
    await session.start();
    expect(await session.next(new Uint8Array(0))).toBeNull();
    await expect(session.next(new Uint8Array(0))).rejects.toMatchObject({ code: 'ILLEGAL_SASL_STATE' });
  });

  test('describe() names the mechanism and user, never the password; errors carry the broker', async () => {
    const auth = plain('alice', 'top-secret');
    expect(auth.mechanism).toBe('PLAIN');
    const session = auth.session('2 (10.0.0.2:9096)');
    expect(session.describe()).toBe('SASL/PLAIN user alice');
    expect(session.failureDetail()).toBeUndefined();
    const error = await session.next(new Uint8Array(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).broker).toBe('2 (10.0.0.2:9096)');
    expect((error as Error).message).not.toContain('top-secret');
  });
});
