import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { UsageError, keyValue, parseArgs, parseKeyValueArgs } from '../../src/cli/args.js';
import { PERF_FLAGS } from '../../src/cli/perf.js';
import { PRODUCE_FLAGS, byteLines, configureLineReader, javaLines, lineValueBytes, parseLine, runProduce } from '../../src/cli/produce.js';

describe('kafka-wire produce line parsing (LineMessageReader)', () => {
  const props = configureLineReader({ topic: 't' });
  test('value only', () => {
    expect(parseLine('hello world', 1, props)).toEqual({ key: null, value: 'hello world', headers: [] });
  });
  test('parse.key with a custom separator; the first separator splits', () => {
    expect(parseLine('k1:v:1', 1, configureLineReader({ 'parse.key': 'true', 'key.separator': ':' }))).toEqual({ key: 'k1', value: 'v:1', headers: [] });
  });
  test("a missing key separator names the line, in Java's words", () => {
    expect(() => parseLine('novalue', 7, configureLineReader({ 'parse.key': 'true' }))).toThrow("No key separator found on line number 7: 'novalue'");
  });
  test('headers, then key, then value; repeated names; null marker', () => {
    const p = configureLineReader({ 'parse.key': 'true', 'parse.headers': 'true', 'null.marker': 'NULL' });
    expect(parseLine('h1:a,h1:b,h2:NULL\tkey\tvalue', 1, p)).toEqual({ key: 'key', value: 'value', headers: [['h1', 'a'], ['h1', 'b'], ['h2', null]] });
    expect(parseLine('NULL\tNULL\tNULL', 1, p)).toEqual({ key: null, value: null, headers: [] });
  });
  test('lines end at \\n, \\r and \\r\\n, also across chunks', async () => {
    const lines: string[] = [];
    for await (const l of javaLines(Readable.from([Buffer.from('a\r'), Buffer.from('\nb\rc\n\nd')]))) lines.push(l);
    expect(lines).toEqual(['a', 'b', 'c', '', 'd']);
  });
  test('byte lines split where the decoded text splits, for any chunking (reference: decode all, split at \\r\\n|\\r|\\n)', async () => {
    // Bytes that matter: CR, LF, ASCII, a 2-byte character (é), a malformed byte (0xff), a lone lead byte (0xc3).
    const alphabet = [0x0d, 0x0a, 0x61, 0x62, 0xc3, 0xa9, 0xff];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 400; round++) {
      const input = Uint8Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]!);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + rnd(6);
        chunks.push(input.slice(at, at + n));
        at += n;
      }
      const expected = new TextDecoder().decode(input).split(/\r\n|\r|\n/);
      if (expected[expected.length - 1] === '') expected.pop();
      const got: string[] = [];
      for await (const lines of byteLines(Readable.from(chunks))) for (const l of lines) got.push(new TextDecoder().decode(l));
      expect(got, `input ${Buffer.from(input).toString('hex')} in ${chunks.length} chunks`).toEqual(expected);
    }
  });
  test('a line inside one chunk is a view of it, not a copy; one spanning chunks is its bytes', async () => {
    const chunk = Buffer.from('one\ntwo\nthr');
    const all: Uint8Array[] = [];
    for await (const lines of byteLines(Readable.from([chunk, Buffer.from('ee\n')]))) all.push(...lines);
    expect(all.map((l) => Buffer.from(l).toString())).toEqual(['one', 'two', 'three']);
    expect(all[0]!.buffer).toBe(chunk.buffer);
    expect(all[1]!.buffer).toBe(chunk.buffer);
  });
  test("a whole-line value is the line's bytes when they are UTF-8, else Java's decode/encode round trip", () => {
    const ascii = Buffer.from('plain ascii');
    expect(lineValueBytes(ascii)).toBe(ascii);
    const accented = Buffer.from('café ✓');
    expect(lineValueBytes(accented)).toBe(accented);
    const malformed = Uint8Array.from([0x61, 0xff, 0x62, 0xc3]);
    expect(Buffer.from(lineValueBytes(malformed)).toString('hex')).toBe(Buffer.from('a\ufffdb\ufffd').toString('hex'));
  });
  test('a line that does not parse stops the run with exit code 1, before any producer work', async () => {
    const err: string[] = [];
    const code = await runProduce(['--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--reader-property', 'parse.key=true', '--max-block-ms', '1'], Readable.from(['nosep\n']), () => {}, (l) => err.push(l));
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/No key separator found on line number 1/);
  });
});

describe('argument parsing', () => {
  test('perf flags: --command-property takes values until the next flag', () => {
    const a = parseArgs(['--topic', 't', '--num-records', '10', '--command-property', 'a=1', 'b=2', '--throughput', '-1', '--record-size', '5'], PERF_FLAGS);
    expect(a.many('--command-property')).toEqual(['a=1', 'b=2']);
    expect(a.one('--throughput')).toBe('-1');
  });
  test('unknown flags and missing values are usage errors', () => {
    expect(() => parseArgs(['--topik', 't'], PRODUCE_FLAGS)).toThrow(UsageError);
    expect(() => parseArgs(['--bootstrap-server'], PRODUCE_FLAGS)).toThrow(/needs a value/);
    expect(() => keyValue('--property', 'novalue')).toThrow(/key=value/);
    expect(parseKeyValueArgs('--command-property', ['novalue', 'a=b=c'])).toEqual({ novalue: '', a: 'b=c' });
  });
  test('--compression-codec takes an optional value', () => {
    expect(parseArgs(['--compression-codec'], PRODUCE_FLAGS).one('--compression-codec')).toBe('');
    expect(parseArgs(['--compression-codec', '--sync'], PRODUCE_FLAGS).one('--compression-codec')).toBe('');
    expect(parseArgs(['--compression-codec', 'lz4'], PRODUCE_FLAGS).one('--compression-codec')).toBe('lz4');
  });
  test('repeatable --reader-property', () => {
    const a = parseArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'], PRODUCE_FLAGS);
    expect(a.many('--reader-property')).toEqual(['parse.key=true', 'key.separator=:']);
  });
});
