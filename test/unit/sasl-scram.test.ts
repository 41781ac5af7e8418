/**
 * SASL/SCRAM (src/network/sasl/scram.ts): RFC 7677's SCRAM-SHA-256 test vector byte for byte;
 * SCRAM-SHA-512 against an independent server (Python's hashlib.pbkdf2_hmac and hmac, run as a
 * child process), which checks our proof and signs its answer; and every way a broker's answer
 * can be wrong: a server signature that does not match, a nonce that does not extend ours, too
 * few iterations, a server error, malformed messages, answers out of turn.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import { saslAuthenticatorFrom, saslSettingsFrom } from '../../src/network/sasl/index.js';
import { saslName, scramNonce, ScramSession } from '../../src/network/sasl/scram.js';
import { Password } from '../../src/network/security/password.js';
import { ManualClock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/observability/logger.js';

const text = (b: Uint8Array | null): string => (b === null ? '<null>' : new TextDecoder().decode(b));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 7677 §3.
const RFC7677 = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcSession(broker?: string): ScramSession {
  return new ScramSession('SCRAM-SHA-256', { username: RFC7677.user, password: new Password(RFC7677.password), tokenAuth: false }, { clientNonce: RFC7677.clientNonce, broker });
}

async function rejection(p: Promise<unknown>): Promise<AuthenticationError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return error as AuthenticationError;
}

describe('SCRAM-SHA-256: RFC 7677 test vector', () => {
  test('client-first, client-final and the verified server-final are the RFC bytes', async () => {
    const session = rfcSession();
    expect(text(await session.start())).toBe(RFC7677.clientFirst);
    expect(text(await session.next(bytes(RFC7677.serverFirst)))).toBe(RFC7677.clientFinal);
    expect(await session.next(bytes(RFC7677.serverFinal))).toBeNull();
  });

  test('a server signature that does not match is refused: the broker did not prove it knows the password', async () => {
    const session = rfcSession('1 (127.0.0.1:9093)');
    await session.start();
    await session.next(bytes(RFC7677.serverFirst));
    const wrong = 'v=' + Buffer.from(Buffer.from(RFC7677.serverFinal.slice(2), 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64');
    const error = await rejection(session.next(bytes(wrong)));
    expect(error.code).toBe('SASL_AUTHENTICATION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.broker).toBe('1 (127.0.0.1:9093)');
    expect(error.message).toContain('server signature');
    expect(error.message).toContain('user user');
    expect(error.message).not.toContain(RFC7677.password);
    // The session is over: a further answer is out of turn.
    expect((await rejection(session.next(bytes(RFC7677.serverFinal)))).code).toBe('ILLEGAL_SASL_STATE');
  });

  test('a signature of the wrong length, and a server error (e=), fail the exchange', async () => {
    const s1 = rfcSession();
    await s1.start();
    await s1.next(bytes(RFC7677.serverFirst));
    expect((await rejection(s1.next(bytes('v=AAAA')))).message).toContain('server signature');

    const s2 = rfcSession();
    await s2.start();
    await s2.next(bytes(RFC7677.serverFirst));
    const e = await rejection(s2.next(bytes('e=invalid-proof')));
    expect(e.code).toBe('SASL_AUTHENTICATION_FAILED');
    expect(e.message).toContain('invalid-proof');
  });

  test.each([
    ['a nonce that does not start with ours', 'r=XrOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'nonce'],
    ['a nonce that adds nothing to ours', 'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'nonce'],
    ['fewer than 4096 iterations', 'r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095', 'minimum 4096'],
    ['zero iterations', 'r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0', 'iteration'],
    ['an iteration count beyond an int', 'r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999', 'iteration'],
    ['a mandatory extension (m=)', 'm=ext,r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'extension'],
    ['a salt that is not base64', 'r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22Za*0SNY7soEsUEjb6gQ==,i=4096', 'malformed'],
    ['a message without the iteration count', 'r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==', 'malformed'],
  ])('server-first with %s is refused', async (_what, serverFirst, says) => {
    const session = rfcSession();
    await session.start();
    const error = await rejection(session.next(bytes(serverFirst)));
    expect(error.code).toBe('SASL_AUTHENTICATION_FAILED');
    expect(error.message).toContain(says);
  });

  test('exactly 4096 iterations (the minimum) are accepted', async () => {
    const session = rfcSession();
    await session.start();
    expect(text(await session.next(bytes('r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')))).toMatch(/^c=biws,r=rOprNGfwEbeRWgbNEkqOxyz,p=[A-Za-z0-9+/]{43}=$/);
  });

  test('answers out of turn are ILLEGAL_SASL_STATE', async () => {
    const session = rfcSession();
    expect((await rejection(session.next(bytes(RFC7677.serverFirst)))).code).toBe('ILLEGAL_SASL_STATE');
    const twice = rfcSession();
    await twice.start();
    expect((await rejection(twice.start())).code).toBe('ILLEGAL_SASL_STATE');
  });
});

describe('SCRAM names and nonces', () => {
  test('saslname escapes = and , (RFC 5802 §5.1), = first', () => {
    expect(saslName('a=b,c')).toBe('a=3Db=2Cc');
    expect(saslName('=2C')).toBe('=3D2C');
    expect(saslName('plain')).toBe('plain');
  });

  test('the client-first message carries the escaped name, and tokenauth=true as an extension', async () => {
    const s = new ScramSession('SCRAM-SHA-512', { username: 'us=er,1', password: new Password('x'), tokenAuth: true }, { clientNonce: 'abc' });
    expect(text(await s.start())).toBe('n,,n=us=3Der=2C1,r=abc,tokenauth=true');
    expect(s.describe()).toBe('SASL/SCRAM-SHA-512 user us=er,1 (delegation token)');
  });

  test('nonces are 32 printable characters without a comma, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = scramNonce();
      expect(n).toMatch(/^[A-Za-z0-9]{32}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(200);
  });
});

/**
 * An independent SCRAM server: Python's hashlib and hmac, RFC 5802 written out. Step "first"
 * answers a client-first with server-first (fixed server nonce and salt); step "final" checks
 * the client's proof against the stored key (exit 3 if wrong) and answers with the server
 * signature.
 */
const PYTHON_SERVER = String.raw`
import base64, hashlib, hmac, json, sys
req = json.load(sys.stdin)
h = req["hash"]
salt = base64.b64decode(req["salt"])
bare = req["client_first"].split(",", 2)[2]
attrs = dict(kv.split("=", 1) for kv in bare.split(","))
nonce = attrs["r"] + req["server_nonce"]
server_first = "r=%s,s=%s,i=%d" % (nonce, req["salt"], req["iterations"])
if req["step"] == "first":
    print(json.dumps({"server_first": server_first})); sys.exit(0)
salted = hashlib.pbkdf2_hmac(h, req["password"].encode(), salt, req["iterations"])
client_key = hmac.new(salted, b"Client Key", h).digest()
stored_key = hashlib.new(h, client_key).digest()
final = req["client_final"]
without_proof, proof = final.rsplit(",p=", 1)
auth = (bare + "," + server_first + "," + without_proof).encode()
signature = hmac.new(stored_key, auth, h).digest()
recovered = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature))
if hashlib.new(h, recovered).digest() != stored_key or not without_proof.startswith("c=biws,r=" + nonce):
    sys.exit(3)
server_key = hmac.new(salted, b"Server Key", h).digest()
print(json.dumps({"server_final": "v=" + base64.b64encode(hmac.new(server_key, auth, h).digest()).decode()}))
`;

function pythonServer(request: Record<string, unknown>): { status: number | null; answer?: Record<string, string> } {
  const r = spawnSync('python3', ['-c', PYTHON_SERVER], { input: JSON.stringify(request), encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status === 0) return { status: 0, answer: JSON.parse(r.stdout) as Record<string, string> };
  if (r.status !== 3) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return { status: r.status };
}

describe('SCRAM-SHA-512 against an independent server (Python hashlib/hmac)', () => {
  const server = { hash: 'sha512', salt: Buffer.from('kafka-wire salt!').toString('base64'), iterations: 4096, server_nonce: 'srv-Nonce_42' };

  async function exchange(username: string, clientPassword: string, serverPassword: string, tokenAuth = false): Promise<{ accepted: boolean; final: Uint8Array | null }> {
    const auth = saslAuthenticatorFrom(
      saslSettingsFrom({
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${clientPassword}"${tokenAuth ? ' tokenauth="TRUE"' : ''};`,
      }),
      { clock: new ManualClock(), logger: silentLogger },
    );
    const session = auth.session();
    const clientFirst = text(await session.start());
    const first = pythonServer({ ...server, step: 'first', client_first: clientFirst });
    const clientFinal = text(await session.next(bytes(first.answer!.server_first!)));
    const final = pythonServer({ ...server, step: 'final', client_first: clientFirst, client_final: clientFinal, password: serverPassword });
    if (final.status !== 0) return { accepted: false, final: null };
    return { accepted: true, final: await session.next(bytes(final.answer!.server_final!)) };
  }

  test('the server accepts our proof and we verify its signature', async () => {
    const r = await exchange('alice', 'alice-secret', 'alice-secret');
    expect(r).toEqual({ accepted: true, final: null });
  });

  test('with tokenauth=true, and a name that needs escaping, the proof still covers exactly what was sent', async () => {
    expect(await exchange('token=id,1', 'hmac-value', 'hmac-value', true)).toEqual({ accepted: true, final: null });
  });

  test('the server refuses a proof made with another password', async () => {
    expect((await exchange('alice', 'wrong', 'alice-secret')).accepted).toBe(false);
  });

  test('a server that does not know the password cannot produce a signature we accept', async () => {
    // The "server" holds another password for bob: it signs the same AuthMessage with the
    // ServerKey of that password (the Python server needs a matching proof first, which an
    // impostor client with that password provides). Our session, with the real password, refuses.
    const auth = saslAuthenticatorFrom(saslSettingsFrom({ 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username=bob password=bob-secret;' }), {
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const session = auth.session();
    const clientFirst = text(await session.start());
    const first = pythonServer({ ...server, step: 'first', client_first: clientFirst });
    await session.next(bytes(first.answer!.server_first!));
    const impostor = new ScramSession('SCRAM-SHA-512', { username: 'bob', password: new Password('not-bob-secret'), tokenAuth: false }, { clientNonce: clientFirst.split('r=')[1]! });
    await impostor.start();
    const impostorFinal = text(await impostor.next(bytes(first.answer!.server_first!)));
    const signed = pythonServer({ ...server, step: 'final', client_first: clientFirst, client_final: impostorFinal, password: 'not-bob-secret' });
    const error = await rejection(session.next(bytes(signed.answer!.server_final!)));
    expect(error.message).toContain('server signature');
    expect(error.message).not.toContain('bob-secret');
  });
});
