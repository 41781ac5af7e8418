/**
 * sasl.jaas.config (src/network/sasl/jaas-config.ts) read as Java's JaasConfig reads it. The
 * expected results of the first table were produced by Kafka 4.4.0's own JaasConfig on Java 17
 * (a probe calling `new JaasConfig("KafkaClient", value)` on each input, options sorted by name
 * for printing); the malformed ones, which Java also rejects, are checked for the offset and the
 * expectation named. Then: the settings built from it (mechanism and login module must match,
 * required options), and that no error message ever carries a secret.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseJaasConfig, parseJaasEntries } from '../../src/network/sasl/jaas-config.js';
import { saslSettingsFrom } from '../../src/network/sasl/index.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

const entries = (text: string): Array<[string, string, Record<string, string>]> =>
  parseJaasEntries(text).map((e) => [e.loginModule, e.controlFlag, Object.fromEntries(e.options)]);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe("what Java's JaasConfig accepts, read the same", () => {
  test.each<[string, string, Array<[string, string, Record<string, string>]>]>([
    ['double quotes', `${PLAIN} required username="alice" password="alice-secret";`, [[PLAIN, 'required', { username: 'alice', password: 'alice-secret' }]]],
    ['bare words', `${PLAIN} required username=alice password=secret;`, [[PLAIN, 'required', { username: 'alice', password: 'secret' }]]],
    ['single quotes holding a double quote; the flag in any case', `${PLAIN} REQUIRED username='alice' password='it"s';`, [[PLAIN, 'required', { username: 'alice', password: 'it"s' }]]],
    [
      "newlines between tokens and Java's escapes (\\\" \\\\ \\n \\t, octal \\101 \\7 \\0, \\400 = \\40 then 0)",
      `${SCRAM} Required\n  username="alice"\n  password="a\\"b\\\\c\\n\\t\\101\\7\\08\\400x";`,
      [[SCRAM, 'required', { username: 'alice', password: 'a"b\\c\n\tA\u0007\u00008 0x' }]],
    ],
    ['tabs and spaces around = and before ;', `  ${PLAIN}\t requisite   username = "a"   password = "b"  ;  `, [[PLAIN, 'requisite', { username: 'a', password: 'b' }]]],
    ['an option given twice keeps its last value', 'x sufficient a="1" a="2";', [['x', 'sufficient', { a: '2' }]]],
    ['no options', 'x optional;', [['x', 'optional', {}]]],
    ['a bare word with - . _ $ and digits inside', 'x required a=my-user.name_1$;', [['x', 'required', { a: 'my-user.name_1$' }]]],
    ['/* */ and // comments', 'x required /* comment */ a="b" // line comment\n c="d";', [['x', 'required', { a: 'b', c: 'd' }]]],
    ['a lone / comments out the rest of its line', 'x required a="b" / lone slash comment\n c="d";', [['x', 'required', { a: 'b', c: 'd' }]]],
    ['a lone / at the end of a line swallows the next line too (the newline is the character after it)', 'x required a="b" /\nc="d"\n e="f";', [['x', 'required', { a: 'b', e: 'f' }]]],
    ['a quoted login module name and a quoted option name', '"quoted.Module" required a=b;\n', [['quoted.Module', 'required', { a: 'b' }]]],
    ['a quoted option name with a space', 'x required "quoted key"=v;', [['x', 'required', { 'quoted key': 'v' }]]],
    ['an unclosed quote ends at the end of its line', 'x required a="unterminated\n ;', [['x', 'required', { a: 'unterminated' }]]],
    ['non-ASCII letters are word characters', 'x required a="ünï" b=ünï€;', [['x', 'required', { a: 'ünï', b: 'ünï€' }]]],
    ['empty quoted values', `x required a="" b='';`, [['x', 'required', { a: '', b: '' }]]],
    ['; and quotes inside a quoted value', 'x required a="b;c" d="p\\"w;";', [['x', 'required', { a: 'b;c', d: 'p"w;' }]]],
    ['two entries (parsed; a client then refuses them)', 'x required a=b; y optional c=d;', [['x', 'required', { a: 'b' }], ['y', 'optional', { c: 'd' }]]],
  ])('%s', (_what, text, expected) => {
    expect(entries(text)).toEqual(expected);
  });
});

describe("what Java's JaasConfig rejects: the offset and what was expected", () => {
  test.each<[string, string, number, string]>([
    ['a number is not a value (quote it)', 'x required a=1;', 13, 'expected a value (a quoted string, or a word starting with a letter) after =, found a number'],
    ['a value starting with -', 'x required a=-x;', 13, 'found a symbol'],
    ['a value starting with .', 'x required a=.5;', 13, 'found a number'],
    ['no trailing ;', 'x required a="b"', 16, "expected ';' to end the login module entry, found the end of the value"],
    ['an option without =', 'x required a', 12, "expected '=' after the option name, found the end of the value"],
    ['= without a value', 'x required a=', 13, 'expected a value'],
    ['= without a name', 'x required =b;', 11, "expected an option name, or ';' to end the entry, found a symbol"],
    ['two words', 'x required a b;', 13, "expected '=' after the option name, found a word"],
    ['an unknown control flag', 'x bogus a=b;', 2, 'expected a control flag (required, requisite, sufficient or optional) after the login module name, found a word'],
    ['a login module alone', 'x', 1, 'expected a control flag'],
    ['a ; alone', ';', 0, 'expected a login module class name, found a symbol'],
    ['a name without a value at the end', 'x required a=b c=d e;', 20, "expected '=' after the option name, found a symbol"],
    ['options separated by commas', 'x required a=b,c=d;', 14, "expected an option name, or ';' to end the entry, found a symbol"],
    ['a value with @ unquoted', 'x required a=b@c;', 14, "expected an option name, or ';' to end the entry"],
    ['a second ;', 'x required a=b;;', 15, 'expected a login module class name'],
    ['a quoted value ending in a backslash, then no ;', 'x required a="ends with backslash \\', 35, "expected ';'"],
  ])('%s', (_what, text, offset, expected) => {
    const error = configError(() => parseJaasConfig(text));
    expect(error.property).toBe('sasl.jaas.config');
    expect(error.message).toContain(`offset ${offset}:`);
    expect(error.message).toContain(expected);
  });

  test.each([
    ['an empty value', ''],
    ['only a comment', '// only a comment'],
    ['an unclosed block comment', '/* unterminated'],
  ])('%s has no login module', (_what, text) => {
    expect(configError(() => parseJaasConfig(text)).message).toContain('no login module');
  });

  test('a client takes exactly one login module (Java: "should be 1 module")', () => {
    expect(configError(() => parseJaasConfig('x required a=b; y optional c=d;')).message).toContain('contains 2 login modules; a client takes exactly 1');
  });
});

describe('settings from sasl.jaas.config', () => {
  test('PLAIN and SCRAM take username and password; SCRAM tokenauth in any case', () => {
    const plain = saslSettingsFrom({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="alice" password="pw";` });
    expect(plain).toMatchObject({ mechanism: 'PLAIN', username: 'alice' });
    expect(plain.mechanism === 'PLAIN' && plain.password.value()).toBe('pw');
    expect(JSON.stringify(plain)).not.toContain('pw"');
    expect(saslSettingsFrom({ 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': `${SCRAM} required username=u password=p tokenauth="True";` })).toMatchObject({ mechanism: 'SCRAM-SHA-256', tokenAuth: true });
    expect(saslSettingsFrom({ 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': `${SCRAM} required username=u password=p;` })).toMatchObject({ tokenAuth: false });
  });

  test('a login module that does not go with the mechanism names both', () => {
    const e = configError(() => saslSettingsFrom({ 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': `${PLAIN} required username=u password=p;` }));
    expect(e.property).toBe('sasl.jaas.config');
    expect(e.message).toContain(PLAIN);
    expect(e.message).toContain('sasl.mechanism=SCRAM-SHA-512');
    expect(e.message).toContain(SCRAM);
    expect(configError(() => saslSettingsFrom({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${OAUTH} required;` })).message).toContain(OAUTH);
  });

  test('missing pieces are named', () => {
    expect(configError(() => saslSettingsFrom({ 'sasl.mechanism': 'PLAIN' })).message).toContain('is required for sasl.mechanism=PLAIN');
    expect(configError(() => saslSettingsFrom({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username=u;` })).message).toContain('needs the password option');
    expect(configError(() => saslSettingsFrom({ 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': `${SCRAM} required;` })).message).toContain('needs the username and password options');
  });

  test("Java's default GSSAPI, an unknown mechanism, and the wrong case are refused by name", () => {
    expect(configError(() => saslSettingsFrom({})).message).toContain('GSSAPI');
    const e = configError(() => saslSettingsFrom({ 'sasl.mechanism': 'scram-sha-512' }));
    expect(e.property).toBe('sasl.mechanism');
    expect(e.message).toContain('did you mean SCRAM-SHA-512');
    expect(configError(() => saslSettingsFrom({ 'sasl.mechanism': 'AWS_MSK_IAM' })).message).toContain('PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER');
  });
});

describe('no error message carries a secret', () => {
  const SECRET = 'S3cr3t-Pa55w0rd';
  const valid = [
    `${PLAIN} required username="alice" password="${SECRET}";`,
    `${SCRAM} required username=alice password=${SECRET};`,
    `${OAUTH} required clientId="svc" clientSecret="${SECRET}";`,
  ];
  /** Every 4-character piece of the secret: a message must not contain any of them. */
  const pieces = Array.from({ length: SECRET.length - 3 }, (_, i) => SECRET.slice(i, i + 4));

  /** Malformed variants: cut at every position; a symbol, quote, newline or comment put in at every position. */
  function* variants(text: string): Generator<string> {
    for (let i = 0; i < text.length; i++) yield text.slice(0, i);
    for (const insert of [';', '=', '"', "'", ',', '@', '!', '\\', '/', '/*', '\n', ' ', '1', '-', '{']) {
      for (let i = 0; i < text.length; i++) yield text.slice(0, i) + insert + text.slice(i);
    }
  }

  test.each(valid)('in %s, mangled every way', (config) => {
    const mechanism = config.startsWith(PLAIN) ? 'PLAIN' : config.startsWith(SCRAM) ? 'SCRAM-SHA-512' : 'OAUTHBEARER';
    let errors = 0;
    for (const text of variants(config)) {
      for (const values of [{ 'sasl.jaas.config': text, 'sasl.mechanism': mechanism }, { 'sasl.jaas.config': text, 'sasl.mechanism': 'OAUTHBEARER' }]) {
        try {
          saslSettingsFrom({
            ...values,
            'sasl.login.callback.handler.class': values['sasl.mechanism'] === 'OAUTHBEARER' ? 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler' : undefined,
            'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
          });
        } catch (e) {
          errors++;
          const message = (e as Error).message;
          for (const piece of pieces) expect(message, `for input ${JSON.stringify(text)}`).not.toContain(piece);
        }
      }
    }
    expect(errors).toBeGreaterThan(100); // the variants really were errors, many of them
  });
});
