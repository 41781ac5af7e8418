/**
 * Every error code the sources construct is Kafka's own (src/protocol/error-codes.ts) or one of
 * kafka-wire's local codes (LOCAL_ERROR_CODES in src/errors.ts), so a user's `switch (e.code)`
 * can be written from two lists, and a typo in a code is a test failure, not a new code.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { LOCAL_ERROR_CODES } from '../../src/errors.js';
import { errorForName } from '../../src/protocol/error-codes.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every constructed error code is a Kafka error name or a listed local code', () => {
  const unknown: string[] = [];
  let seen = 0;
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    // `new XError('CODE', ...)` and `super('CODE', ...)`: the code is the first argument.
    for (const m of text.matchAll(/(?:Error|super)\(\s*'([A-Z][A-Z0-9_]+)'/g)) {
      seen++;
      const code = m[1]!;
      if (errorForName(code) === undefined && !(code in LOCAL_ERROR_CODES)) unknown.push(`${file.slice(SRC.length + 1)}: ${code}`);
    }
  }
  expect(seen).toBeGreaterThan(50);
  expect(unknown).toEqual([]);
});

test('no local code shadows a Kafka error name', () => {
  expect(Object.keys(LOCAL_ERROR_CODES).filter((c) => errorForName(c) !== undefined)).toEqual([]);
});
